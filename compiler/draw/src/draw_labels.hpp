// draw_labels.hpp - numbers and parameter expressions as the circuit drawers
// (text and SVG) show them (internal to the draw library).
#pragma once

#include "qforge/circuit.hpp"
#include "qforge/classical_reads.hpp"
#include "qforge/classical.hpp"
#include "qforge/expr.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <utility>
#include <string>
#include <vector>

namespace qforge::detail {

/// A number as a drawing shows it: `π/2`, `-3π/4` (within 1e-9, see
/// pi_fraction), else `digits` significant digits.
inline std::string draw_number(double v, int digits) {
  if (v == 0) return "0";
  long k = 0;
  int d = 1;
  if (pi_fraction(v, false, k, d)) {
    std::string s = k < 0 ? "-" : "";
    if (std::labs(k) != 1) s += std::to_string(std::labs(k));
    s += "π";
    if (d != 1) s += "/" + std::to_string(d);
    return s;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

/// A parameter expression with drawing numbers.
inline std::string draw_expr(const Expr& e, const std::vector<std::string>& names, int digits) {
  return e.to_text(names, [digits](double v) { return draw_number(v, digits); });
}

/// A run-time expression as the drawings label a condition, a loop range or
/// an assignment: infix with the OpenQASM operators (`c == 1`, `n + 1 < 4`),
/// clbits as `bits` names them, variables by name, numbers as draw_number
/// shows them.
inline std::string draw_cexpr(const CExpr& e, const std::function<std::string(const std::vector<uint32_t>&)>& bits,
                              const std::vector<ClassicalVar>& vars, bool nested = false) {
  const CExprNode& n = e.node();
  auto sub = [&](std::size_t i) { return draw_cexpr(n.args[i], bits, vars, true); };
  auto binary = [&](const char* op) {
    const std::string s = sub(0) + " " + op + " " + sub(1);
    return nested ? "(" + s + ")" : s;
  };
  auto call = [&](const char* f) {
    std::string s = std::string(f) + "(";
    for (std::size_t i = 0; i < n.args.size(); ++i) s += (i ? ", " : "") + draw_cexpr(n.args[i], bits, vars);
    return s + ")";
  };
  switch (n.op) {
    case COp::Const:
      switch (n.value.type.kind) {
        case CType::Bool: return n.value.as_bool() ? "true" : "false";
        case CType::Int: return std::to_string(n.value.as_int());
        case CType::Float:
        case CType::Angle: return draw_number(n.value.as_float(), 5);
        default: return std::to_string(n.value.u);
      }
    case COp::Bits: return bits(n.clbits);
    case COp::Var: return n.var < vars.size() ? vars[n.var].name : "?";
    case COp::Neg: return "-" + sub(0);
    case COp::BitNot: return "~" + sub(0);
    case COp::LogNot: return "!" + sub(0);
    case COp::Cast: return type_name(n.type) + "(" + draw_cexpr(n.args[0], bits, vars) + ")";
    case COp::Sin: return call("sin");
    case COp::Cos: return call("cos");
    case COp::Tan: return call("tan");
    case COp::Arcsin: return call("arcsin");
    case COp::Arccos: return call("arccos");
    case COp::Arctan: return call("arctan");
    case COp::Exp: return call("exp");
    case COp::Log: return call("log");
    case COp::Sqrt: return call("sqrt");
    case COp::Popcount: return call("popcount");
    case COp::Rotl: return call("rotl");
    case COp::Rotr: return call("rotr");
    case COp::Add: return binary("+");
    case COp::Sub: return binary("-");
    case COp::Mul: return binary("*");
    case COp::Div: return binary("/");
    case COp::Mod: return binary("%");
    case COp::Pow: return binary("**");
    case COp::Shl: return binary("<<");
    case COp::Shr: return binary(">>");
    case COp::BitAnd: return binary("&");
    case COp::BitOr: return binary("|");
    case COp::BitXor: return binary("^");
    case COp::LogAnd: return binary("&&");
    case COp::LogOr: return binary("||");
    case COp::Eq: return binary("==");
    case COp::Ne: return binary("!=");
    case COp::Lt: return binary("<");
    case COp::Le: return binary("<=");
    case COp::Gt: return binary(">");
    case COp::Ge: return binary(">=");
  }
  return "?";
}

/// Clbits as the drawings name them in labels: a whole register by its
/// name, one bit as `c_1`, others as `{c_0, c_2}`. `cregs` covers every
/// clbit (wire_registers).
inline std::string draw_bits(const std::vector<Register>& cregs, const std::vector<uint32_t>& bits) {
  auto reg = [&](uint32_t b) -> const Register& {
    for (const Register& r : cregs)
      if (b >= r.first && b < r.first + r.size) return r;
    throw std::logic_error("drawing: clbit without register");
  };
  if (bits.empty()) return "{}";
  const Register& r = reg(bits[0]);
  bool whole = bits.size() == r.size;
  for (uint32_t i = 0; whole && i < r.size; ++i) whole = bits[i] == r.first + i;
  if (whole) return r.name;
  auto one = [&](uint32_t b) {
    const Register& br = reg(b);
    return br.is_array ? br.name + "_" + std::to_string(b - br.first) : br.name;
  };
  if (bits.size() == 1) return one(bits[0]);
  std::string s = "{";
  for (std::size_t i = 0; i < bits.size(); ++i) s += (i ? ", " : "") + one(bits[i]);
  return s + "}";
}

/// One thing a drawing places, in order: an operation of the quantum kinds
/// (`op`: gate, RuntimeGate, measure, reset, barrier, delay), or a box of
/// run-time classical logic drawn as Qiskit's drawers draw control flow:
/// the marker that opens a control-flow operation (`If-0 c == 1`,
/// `While-0 n < 3`, `For-0 i in [0:1:3]`, `Switch-0 c`; closed on the left),
/// a divider before each further block (`Else-0`, `Case-0 1, 2`,
/// `Case-0 default`; open on both sides), the marker that closes it
/// (`End-0`; closed on the right), with the blocks' operations between and
/// the nesting depth after the dash; and a box for an operation on no qubit
/// (`n = n + 1`, `c_0 = c_1 & c_2`, `break`, `continue`, `end`).
struct DrawItem {
  const Operation* op = nullptr;
  std::string label;
  std::vector<uint32_t> qubits;  ///< the box's qubits; empty: the rows of `span`
  std::pair<int, int> span;      ///< qubit rows of the enclosing block (all at the top level)
  std::vector<uint32_t> dots;    ///< clbits it reads or writes (drawn `■`)
  std::vector<uint32_t> reach;   ///< clbits its box covers (the operation's, so order holds)
  bool left = true, right = true;  ///< closed sides
};

namespace draw_items_detail {

inline std::vector<uint32_t> reads(const Operation& op) {
  std::vector<uint32_t> bits, vars;
  collect_classical_reads(op, bits, vars);
  std::sort(bits.begin(), bits.end());
  bits.erase(std::unique(bits.begin(), bits.end()), bits.end());
  return bits;
}

inline void walk(const Circuit& c, const std::vector<Operation>& ops, std::pair<int, int> span, int depth,
                 const std::function<std::string(const CExpr&)>& expr, std::vector<DrawItem>& out) {
  for (const Operation& op : ops) {
    DrawItem it;
    it.span = span;
    if (!op.is_classical() || op.kind == OpKind::RuntimeGate) {
      it.op = &op;
      out.push_back(std::move(it));
      continue;
    }
    it.dots = reads(op);
    if (!op.is_control_flow()) {
      it.label = op_name(op);
      if (op.kind == OpKind::Assign) {
        const uint32_t v = op.classical->var;
        const std::string target = v != ClassicalData::kNoVar ? (v < c.vars.size() ? c.vars[v].name : "?")
                                                              : expr(CExpr::bits(op.clbits));
        it.label = target + " = " + expr(op.classical->value);
        it.dots.insert(it.dots.end(), op.clbits.begin(), op.clbits.end());
      }
      it.reach = it.dots;
      out.push_back(std::move(it));
      continue;
    }
    const ClassicalData& d = *op.classical;
    const std::string n = "-" + std::to_string(depth);
    it.qubits = op.qubits;
    it.reach = op.clbits;
    it.right = false;
    switch (op.kind) {
      case OpKind::If: it.label = "If" + n + " " + expr(d.value); break;
      case OpKind::While: it.label = "While" + n + " " + expr(d.value); break;
      case OpKind::Switch: it.label = "Switch" + n + " " + expr(d.value); break;
      default: {
        it.label = "For" + n + " " + (d.var < c.vars.size() ? c.vars[d.var].name : "?") + " in ";
        if (d.set.empty()) {
          it.label += "[" + expr(d.start) + ":" + expr(d.step) + ":" + expr(d.stop) + "]";
        } else {
          it.label += "{";
          for (std::size_t i = 0; i < d.set.size(); ++i) it.label += (i ? ", " : "") + expr(d.set[i]);
          it.label += "}";
        }
      }
    }
    DrawItem marker = it;  // dividers and the end: no condition
    marker.dots.clear();
    out.push_back(std::move(it));
    std::pair<int, int> inner = span;
    if (!op.qubits.empty()) inner = {static_cast<int>(op.qubits.front()), static_cast<int>(op.qubits.back())};
    for (std::size_t b = 0; b < op.blocks.size(); ++b) {
      std::string divider;
      if (op.kind == OpKind::If && b == 1) divider = "Else" + n;
      if (op.kind == OpKind::Switch) {
        const auto& cases = d.cases.at(b);
        divider = "Case" + n + (cases.empty() ? " default" : " ");
        for (std::size_t i = 0; i < cases.size(); ++i) divider += (i ? ", " : "") + std::to_string(cases[i]);
      }
      if (!divider.empty()) {
        DrawItem m = marker;
        m.label = divider;
        m.left = false;
        out.push_back(std::move(m));
      }
      walk(c, op.blocks[b], inner, depth + 1, expr, out);
    }
    marker.label = "End" + n;
    marker.left = false;
    marker.right = true;
    out.push_back(std::move(marker));
  }
}

}  // namespace draw_items_detail

/// The items of `c` in drawing order; `expr` labels run-time expressions
/// (draw_cexpr with the drawing's clbit names).
inline std::vector<DrawItem> draw_items(const Circuit& c, const std::function<std::string(const CExpr&)>& expr) {
  std::vector<DrawItem> out;
  draw_items_detail::walk(c, c.ops, {0, static_cast<int>(c.num_qubits) - 1}, 0, expr, out);
  return out;
}

}  // namespace qforge::detail
