//===- emit_ir.cpp - The human-readable IR listing -------------------------===//
//
// Layout (stable: golden tests compare it):
//   circuit: 3 qubits, 2 clbits, OpenQASM 3
//   qreg q[3] = q0..q2
//   creg c[2] = c0..c1
//   input float[64] theta = s0
//   input array[float[64], 2] x = s1..s2
//   global_phase: pi/4
//   var int[8] n = v0
//   ops: 3
//       0  h q0                        ; line 5
//       1  if (c0 == 1) x q1           ; line 6
//       2  while ((n < 3)) {           ; line 7
//            n = (n + 1)               ; line 8
//            rz(float[64](n)) q0       ; line 9
//          }
// Operation text is padded to the widest one (at most 48 characters) so the
// line numbers form a column. Run-time expressions name clbits `c3` (several
// as `{c0,c1}`, c0 least significant) and variables by name; `output`
// registers and variables are marked so. The operations inside an if, while,
// for or switch follow it, indented two spaces per level, without an index.
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

std::string clbits_text(const std::vector<uint32_t>& bits) {
  if (bits.size() == 1) return "c" + std::to_string(bits[0]);
  std::string s = "{";
  for (std::size_t i = 0; i < bits.size(); ++i) s += (i ? "," : "") + ("c" + std::to_string(bits[i]));
  return s + "}";
}

std::string op_text(const Operation& op, const std::vector<std::string>& names, const Circuit& c) {
  auto var = [&](uint32_t v) { return v < c.vars.size() ? c.vars[v].name : "v" + std::to_string(v); };
  auto ex = [&](const CExpr& e) { return emit_detail::cexpr_text(e, clbits_text, var); };
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
    case OpKind::Assign: {
      const ClassicalData& d = *op.classical;
      return s + (d.var == ClassicalData::kNoVar ? clbits_text(op.clbits) : var(d.var)) + " = " + ex(d.value);
    }
    case OpKind::RuntimeGate: {
      if (op.num_controls == 1) s += "ctrl @ ";
      if (op.num_controls > 1) s += "ctrl(" + std::to_string(op.num_controls) + ") @ ";
      s += gate_info(op.gate).name;
      s += "(";
      for (std::size_t i = 0; i < op.classical->cparams.size(); ++i) s += (i ? ", " : "") + ex(op.classical->cparams[i]);
      return s + ") " + wires('q', op.qubits);
    }
    case OpKind::If: return s + "if (" + ex(op.classical->value) + ") {";
    case OpKind::While: return s + "while (" + ex(op.classical->value) + ") {";
    case OpKind::For: {
      const ClassicalData& d = *op.classical;
      s += "for " + type_name(c.vars.at(d.var).type) + " " + var(d.var) + " in ";
      if (d.start) return s + "[" + ex(d.start) + ":" + ex(d.step) + ":" + ex(d.stop) + "] {";
      s += "{";
      for (std::size_t i = 0; i < d.set.size(); ++i) s += (i ? ", " : "") + ex(d.set[i]);
      return s + "} {";
    }
    case OpKind::Switch: return s + "switch (" + ex(op.classical->value) + ") {";
    case OpKind::Break: return s + "break";
    case OpKind::Continue: return s + "continue";
    case OpKind::End: return s + "end";
  }
  return s + "?";
}

struct Row {
  std::string index, text;
  uint32_t line = 0;
};

void rows(const std::vector<Operation>& ops, int depth, bool top, const std::vector<std::string>& names,
          const Circuit& c, std::vector<Row>& out) {
  const std::string pad(static_cast<std::size_t>(2 * depth), ' ');
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const Operation& op = ops[i];
    char index[24];
    std::snprintf(index, sizeof index, "%5zu  ", i);
    out.push_back({top ? index : std::string(7, ' '), pad + op_text(op, names, c), op.loc.line});
    if (!op.is_control_flow()) continue;
    for (std::size_t b = 0; b < op.blocks.size(); ++b) {
      if (op.kind == OpKind::If && b == 1) out.push_back({std::string(7, ' '), pad + "} else {", 0});
      if (op.kind == OpKind::Switch) {
        const auto& labels = op.classical->cases.at(b);
        std::string head = labels.empty() ? "default {" : "case ";
        for (std::size_t k = 0; k < labels.size(); ++k) head += (k ? ", " : "") + std::to_string(labels[k]);
        out.push_back({std::string(7, ' '), pad + "  " + head + (labels.empty() ? "" : " {"), 0});
        rows(op.blocks[b], depth + 2, false, names, c, out);
        out.push_back({std::string(7, ' '), pad + "  }", 0});
        continue;
      }
      rows(op.blocks[b], depth + 1, false, names, c, out);
    }
    out.push_back({std::string(7, ' '), pad + "}", 0});
  }
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
    out << (r.output ? "output creg " : "creg ") << r.name << (r.is_array ? "[" + std::to_string(r.size) + "]" : "") << " = "
        << range('c', r.first, r.size) << "\n";
  for (const InputDecl& in : c.inputs) {
    out << "input " << emit_detail::input_type(in) << " " << in.name << " = "
        << range('s', in.first_symbol, in.size()) << "\n";
  }
  for (std::size_t v = 0; v < c.vars.size(); ++v)
    out << (c.vars[v].output ? "output var " : "var ") << type_name(c.vars[v].type) << " " << c.vars[v].name
        << " = v" << v << "\n";
  out << "global_phase: " << c.global_phase.to_qasm(names) << "\n";
  out << "ops: " << c.ops.size() << "\n";

  std::vector<Row> all;
  rows(c.ops, 0, true, names, c, all);
  std::size_t width = 0;
  for (const Row& r : all) width = std::max(width, r.text.size());
  width = std::min<std::size_t>(width, 48);
  for (const Row& r : all) {
    out << r.index << r.text;
    if (r.line) {
      std::size_t pad = r.text.size() < width ? width - r.text.size() : 0;
      out << std::string(pad, ' ') << "  ; line " << r.line;
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace qforge
