//===- emit_ir.cpp - The human-readable IR listing -------------------------===//
//
// Layout (stable: golden tests compare it):
//   circuit: 3 qubits, 2 clbits, OpenQASM 3
//   qreg q[3] = q0..q2
//   creg c[2] = c0..c1
//   input float[64] theta = s0
//   input array[float[64], 2] x = s1..s2
//   global_phase: pi/4
//   ops: 2
//       0  h q0                        ; line 5
//       1  if (c0 == 1) x q1           ; line 6
// Operation text is padded to the widest one (at most 48 characters) so the
// line numbers form a column.
//
//===----------------------------------------------------------------------===//
#include "qforge/emit.hpp"

#include "emit_text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <sstream>

namespace qforge {
namespace {

// A duration: integers in full, others in the shortest %g form.
std::string duration(const Expr& e, const std::vector<std::string>& names) {
  return e.is_const() ? format_decimal(e.value()) : e.to_qasm(names);
}

std::string range(char prefix, uint32_t first, uint32_t size) {
  std::string a = prefix + std::to_string(first);
  if (size == 1) return a;
  return a + ".." + prefix + std::to_string(first + size - 1);
}

std::string wires(char prefix, const std::vector<uint32_t>& ws) {
  std::string s;
  for (std::size_t i = 0; i < ws.size(); ++i) s += (i ? ", " : "") + (prefix + std::to_string(ws[i]));
  return s;
}

std::string condition_text(const Condition& cond) {
  std::string bits;
  if (cond.clbits.size() == 1) {
    bits = "c" + std::to_string(cond.clbits[0]);
  } else {
    bits = "{";
    for (std::size_t i = 0; i < cond.clbits.size(); ++i)
      bits += (i ? "," : "") + ("c" + std::to_string(cond.clbits[i]));
    bits += "}";
  }
  return "if (" + bits + (cond.equal ? " == " : " != ") + std::to_string(cond.value) + ") ";
}

std::string op_text(const Operation& op, const std::vector<std::string>& names) {
  std::string s;
  for (const Condition& cond : op.conditions) s += condition_text(cond);
  switch (op.kind) {
    case OpKind::Gate: {
      if (op.num_controls == 1) s += "ctrl @ ";
      if (op.num_controls > 1) s += "ctrl(" + std::to_string(op.num_controls) + ") @ ";
      s += gate_info(op.gate).name;
      if (!op.params.empty()) {
        s += "(";
        for (std::size_t i = 0; i < op.params.size(); ++i)
          s += (i ? ", " : "") + op.params[i].to_qasm(names);
        s += ")";
      }
      return s + " " + wires('q', op.qubits);
    }
    case OpKind::Measure: return s + "measure " + wires('q', op.qubits) + " -> " + wires('c', op.clbits);
    case OpKind::Reset: return s + "reset " + wires('q', op.qubits);
    case OpKind::Barrier: return s + "barrier" + (op.qubits.empty() ? "" : " " + wires('q', op.qubits));
    case OpKind::Delay: {
      std::string d = op.params.empty() ? "?" : duration(op.params[0], names);
      s += "delay[" + d + op.delay_unit + "]";
      return op.qubits.empty() ? s : s + " " + wires('q', op.qubits);
    }
  }
  return s + "?";
}

}  // namespace

std::string emit_ir(const Circuit& c) {
  const std::vector<std::string> names = c.symbol_names();
  std::ostringstream out;
  out << "circuit: " << c.num_qubits << (c.num_qubits == 1 ? " qubit, " : " qubits, ")
      << c.num_clbits << (c.num_clbits == 1 ? " clbit" : " clbits") << ", OpenQASM "
      << c.source_version << (c.physical_qubits ? ", physical qubits" : "") << "\n";
  for (const Register& r : c.qregs)
    out << "qreg " << r.name << (r.is_array ? "[" + std::to_string(r.size) + "]" : "") << " = "
        << range('q', r.first, r.size) << "\n";
  for (const Register& r : c.cregs)
    out << "creg " << r.name << (r.is_array ? "[" + std::to_string(r.size) + "]" : "") << " = "
        << range('c', r.first, r.size) << "\n";
  for (const InputDecl& in : c.inputs) {
    out << "input " << emit_detail::input_type(in) << " " << in.name << " = "
        << range('s', in.first_symbol, in.size()) << "\n";
  }
  out << "global_phase: " << c.global_phase.to_qasm(names) << "\n";
  out << "ops: " << c.ops.size() << "\n";

  std::vector<std::string> texts;
  std::size_t width = 0;
  for (const Operation& op : c.ops) {
    texts.push_back(op_text(op, names));
    width = std::max(width, texts.back().size());
  }
  width = std::min<std::size_t>(width, 48);
  for (std::size_t i = 0; i < c.ops.size(); ++i) {
    char index[24];
    std::snprintf(index, sizeof index, "%5zu  ", i);
    out << index << texts[i];
    if (c.ops[i].loc.line) {
      std::size_t pad = texts[i].size() < width ? width - texts[i].size() : 0;
      out << std::string(pad, ' ') << "  ; line " << c.ops[i].loc.line;
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace qforge
