//===- stats.cpp - Gate counts, depth and the register naming helpers -----===//
//
// circuit_stats walks the operations once. Depth is the longest chain of
// operations linked by a shared wire:
//   1. every qubit and clbit holds the depth of the last operation on it;
//   2. an operation's depth is 1 + the maximum over the wires it uses
//      (qubits, measured clbits, condition clbits);
//   3. it stores that depth on all those wires.
// Measure, reset and delay are one-qubit instructions per qubit (as in
// Qiskit), so a multi-qubit measure is walked qubit by qubit. Barriers are
// skipped entirely.
//
//===----------------------------------------------------------------------===//
#include "qforge/emit.hpp"
#include "qforge/stats.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace qforge {

std::vector<Register> wire_registers(const Circuit& c, bool quantum) {
  const std::vector<Register>& regs = quantum ? c.qregs : c.cregs;
  const uint32_t n = quantum ? c.num_qubits : c.num_clbits;
  const char* what = quantum ? "qubit" : "clbit";
  if (regs.empty()) {
    if (n == 0) return {};
    Register r;
    r.name = quantum ? "q" : "c";
    r.first = 0;
    r.size = n;
    r.is_array = true;
    return {r};
  }
  std::vector<int> owner(n, -1);
  for (std::size_t k = 0; k < regs.size(); ++k) {
    const Register& r = regs[k];
    if (!r.is_array && r.size != 1)
      throw std::invalid_argument("register '" + r.name + "' is not an array but has size " +
                                  std::to_string(r.size));
    for (uint32_t i = r.first; i < r.first + r.size; ++i) {
      if (i >= n)
        throw std::invalid_argument("register '" + r.name + "' names " + what + " " +
                                    std::to_string(i) + " of " + std::to_string(n));
      if (owner[i] >= 0)
        throw std::invalid_argument(std::string(what) + " " + std::to_string(i) +
                                    " is in registers '" + regs[owner[i]].name + "' and '" +
                                    r.name + "'");
      owner[i] = static_cast<int>(k);
    }
  }
  for (uint32_t i = 0; i < n; ++i)
    if (owner[i] < 0)
      throw std::invalid_argument(std::string(what) + " " + std::to_string(i) +
                                  " belongs to no register");
  return regs;
}

std::string gate_count_name(const Operation& op) {
  const GateInfo& g = gate_info(op.gate);
  if (op.num_controls == 0) return std::string(g.name);
  const unsigned total = op.num_controls + g.num_controls;
  // Table names of controlled gates start with one `c` per own control.
  std::string target(g.name.substr(g.num_controls));
  std::string prefix = total == 1 ? "c" : total == 2 ? "cc" : "c" + std::to_string(total);
  return prefix + target;
}

CircuitStats circuit_stats(const Circuit& c) {
  CircuitStats s;
  s.qubits = c.num_qubits;
  s.clbits = c.num_clbits;
  std::vector<uint64_t> qdepth(c.num_qubits, 0), cdepth(c.num_clbits, 0);

  // One instruction on `qubits`/`clbits` plus the op's condition bits.
  auto place = [&](const Operation& op, const std::vector<uint32_t>& qubits,
                   const std::vector<uint32_t>& clbits) {
    uint64_t d = 0;
    for (uint32_t q : qubits) d = std::max(d, qdepth.at(q));
    for (uint32_t b : clbits) d = std::max(d, cdepth.at(b));
    for (const Condition& cond : op.conditions)
      for (uint32_t b : cond.clbits) d = std::max(d, cdepth.at(b));
    ++d;
    for (uint32_t q : qubits) qdepth[q] = d;
    for (uint32_t b : clbits) cdepth[b] = d;
    for (const Condition& cond : op.conditions)
      for (uint32_t b : cond.clbits) cdepth[b] = d;
    s.depth = std::max(s.depth, d);
  };

  for (const Operation& op : c.ops) {
    switch (op.kind) {
      case OpKind::Gate: {
        const std::string name = gate_count_name(op);
        ++s.counts[name];
        ++s.total;
        if (op.arity() == 2) ++s.two_qubit;
        if (name == "t" || name == "tdg") ++s.t_count;
        place(op, op.qubits, {});
        break;
      }
      case OpKind::Measure:
        for (std::size_t i = 0; i < op.qubits.size(); ++i) {
          ++s.counts["measure"];
          ++s.total;
          place(op, {op.qubits[i]}, {op.clbits.at(i)});
        }
        break;
      case OpKind::Reset:
      case OpKind::Delay: {
        const char* name = op.kind == OpKind::Reset ? "reset" : "delay";
        for (uint32_t q : op.qubits) {
          ++s.counts[name];
          ++s.total;
          place(op, {q}, {});
        }
        break;
      }
      case OpKind::Barrier: ++s.counts["barrier"]; break;
    }
  }
  return s;
}

std::string stats_text(const CircuitStats& s) {
  std::ostringstream out;
  out << "qubits:     " << s.qubits << "\n"
      << "clbits:     " << s.clbits << "\n"
      << "total:      " << s.total << "\n"
      << "two_qubit:  " << s.two_qubit << "\n"
      << "depth:      " << s.depth << "\n"
      << "t_count:    " << s.t_count << "\n"
      << "counts:\n";
  std::size_t width = 0;
  for (const auto& [name, n] : s.counts) width = std::max(width, name.size());
  for (const auto& [name, n] : s.counts)
    out << "  " << name << std::string(width - name.size() + 2, ' ') << n << "\n";
  return out.str();
}

namespace {

std::string json_string(const std::string& v) {
  std::string out = "\"";
  for (char ch : v) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", ch);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

}  // namespace

std::string stats_json(const CircuitStats& s) {
  std::ostringstream out;
  out << "{\n  \"qubits\": " << s.qubits << ",\n  \"clbits\": " << s.clbits
      << ",\n  \"counts\": {";
  bool first = true;
  for (const auto& [name, n] : s.counts) {
    out << (first ? "\n" : ",\n") << "    " << json_string(name) << ": " << n;
    first = false;
  }
  out << (first ? "}" : "\n  }") << ",\n  \"total\": " << s.total
      << ",\n  \"two_qubit\": " << s.two_qubit << ",\n  \"depth\": " << s.depth
      << ",\n  \"t_count\": " << s.t_count << "\n}\n";
  return out.str();
}

}  // namespace qforge
