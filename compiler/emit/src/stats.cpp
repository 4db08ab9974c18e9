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
// skipped entirely. A control-flow operation is one instruction on its
// qubits and clbits (the bits its condition reads included), an assignment
// one on the clbits it writes and reads; the operations inside blocks are
// counted but not walked for depth.
//
//===----------------------------------------------------------------------===//
#include "qforge/emit.hpp"
#include "qforge/classical_reads.hpp"
#include "qforge/stats.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
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

namespace {

// Qiskit's names for the classical instructions.
const char* control_count_name(OpKind k) {
  switch (k) {
    case OpKind::Assign: return "store";
    case OpKind::If: return "if_else";
    case OpKind::While: return "while_loop";
    case OpKind::For: return "for_loop";
    case OpKind::Switch: return "switch_case";
    case OpKind::Break: return "break_loop";
    case OpKind::Continue: return "continue_loop";
    case OpKind::End: return "end";
    default: return "operation";
  }
}

// The clbits an operation's run-time expressions read.
std::vector<uint32_t> classical_reads(const Operation& op) {
  std::vector<uint32_t> bits, vars;
  collect_classical_reads(op, bits, vars);
  return bits;
}

}  // namespace

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

  // Operations inside control-flow blocks count as written (once each,
  // whether a branch or loop runs them or not); depth sees a control-flow
  // operation as one instruction on its qubits and clbits.
  std::function<void(const std::vector<Operation>&, bool)> walk = [&](const std::vector<Operation>& ops, bool top) {
    auto at = [&](const Operation& op, const std::vector<uint32_t>& qubits, const std::vector<uint32_t>& clbits) {
      if (top) place(op, qubits, clbits);
    };
    for (const Operation& op : ops) {
      switch (op.kind) {
        case OpKind::Gate:
        case OpKind::RuntimeGate: {
          const std::string name = gate_count_name(op);
          ++s.counts[name];
          ++s.total;
          if (op.arity() == 2) ++s.two_qubit;
          if (name == "t" || name == "tdg") ++s.t_count;
          at(op, op.qubits, classical_reads(op));
          break;
        }
        case OpKind::Measure:
          for (std::size_t i = 0; i < op.qubits.size(); ++i) {
            ++s.counts["measure"];
            ++s.total;
            at(op, {op.qubits[i]}, {op.clbits.at(i)});
          }
          break;
        case OpKind::Reset:
        case OpKind::Delay: {
          const char* name = op.kind == OpKind::Reset ? "reset" : "delay";
          for (uint32_t q : op.qubits) {
            ++s.counts[name];
            ++s.total;
            at(op, {q}, {});
          }
          break;
        }
        case OpKind::Barrier: ++s.counts["barrier"]; break;
        default: {
          ++s.counts[control_count_name(op.kind)];
          ++s.total;
          if (op.is_control_flow()) ++s.control_flow;
          std::vector<uint32_t> bits = op.clbits, reads = classical_reads(op);
          bits.insert(bits.end(), reads.begin(), reads.end());
          std::sort(bits.begin(), bits.end());
          bits.erase(std::unique(bits.begin(), bits.end()), bits.end());
          at(op, op.qubits, bits);
          for (const auto& block : op.blocks) walk(block, false);
          break;
        }
      }
    }
  };
  walk(c.ops, true);
  return s;
}

std::string stats_text(const CircuitStats& s) {
  std::ostringstream out;
  out << "qubits:     " << s.qubits << "\n"
      << "clbits:     " << s.clbits << "\n"
      << "total:      " << s.total << "\n"
      << "two_qubit:  " << s.two_qubit << "\n"
      << "depth:      " << s.depth << "\n"
      << "t_count:    " << s.t_count << "\n";
  if (s.control_flow) out << "control_flow: " << s.control_flow << "\n";
  out << "counts:\n";
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
      << ",\n  \"t_count\": " << s.t_count;
  if (s.control_flow) out << ",\n  \"control_flow\": " << s.control_flow;
  out << "\n}\n";
  return out.str();
}

}  // namespace qforge
