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

/// The register of clbit `b` among `cregs` (which covers every clbit:
/// wire_registers).
inline std::size_t reg_index(const std::vector<Register>& cregs, uint32_t b) {
  for (std::size_t k = 0; k < cregs.size(); ++k)
    if (b >= cregs[k].first && b < cregs[k].first + cregs[k].size) return k;
  throw std::logic_error("drawing: clbit without register");
}

/// One clbit as the drawings name it: `c_1`, or `f` for a lone `bit f`.
inline std::string bit_name(const std::vector<Register>& cregs, uint32_t b) {
  const Register& r = cregs[reg_index(cregs, b)];
  return r.is_array ? r.name + "_" + std::to_string(b - r.first) : r.name;
}

/// Are `bits` the whole of register `r`, in order?
inline bool whole_register(const Register& r, const std::vector<uint32_t>& bits) {
  bool whole = bits.size() == r.size;
  for (uint32_t i = 0; whole && i < r.size; ++i) whole = bits[i] == r.first + i;
  return whole;
}

/// Clbits as the drawings name them in labels: a whole register by its
/// name, one bit as `c_1`, others as `{c_0, c_2}`. `cregs` covers every
/// clbit (wire_registers).
inline std::string draw_bits(const std::vector<Register>& cregs, const std::vector<uint32_t>& bits) {
  if (bits.empty()) return "{}";
  if (whole_register(cregs[reg_index(cregs, bits[0])], bits)) return cregs[reg_index(cregs, bits[0])].name;
  if (bits.size() == 1) return bit_name(cregs, bits[0]);
  std::string s = "{";
  for (std::size_t i = 0; i < bits.size(); ++i) s += (i ? ", " : "") + bit_name(cregs, bits[i]);
  return s + "}";
}

/// A mark a drawing puts on a classical wire where an operation reads it, as
/// Qiskit's text and matplotlib drawers mark a condition with one wire per
/// register: a box on the register's wire with the value the condition
/// tests (`0x1` for the whole register, `c_1=0x1` for one bit of it), or,
/// on the wire of a lone `bit f`, a bullet alone, filled when the condition
/// wants 1 and open when it wants 0.
struct CondMark {
  std::size_t reg = 0;  ///< index into the drawing's registers (wire_registers)
  std::string text;     ///< the box's text; a bullet's meaning (`f=0x1`)
  bool bullet = false;  ///< drawn as a bullet without text
  bool filled = true;   ///< a bullet, or the drawings' circle under a box: the value is not 0
};

namespace draw_marks_detail {

inline std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

/// `c_0,c_2` (or `c` for the whole register): the bits a mark names.
inline std::string bit_list(const std::vector<Register>& cregs, const std::vector<uint32_t>& bits) {
  if (!bits.empty() && whole_register(cregs[reg_index(cregs, bits[0])], bits)) return cregs[reg_index(cregs, bits[0])].name;
  std::string s;
  for (std::size_t i = 0; i < bits.size(); ++i) s += (i ? "," : "") + bit_name(cregs, bits[i]);
  return s;
}

/// Add `m` to `marks`, one mark per register: two marks on one register
/// become a box with both texts (`&`), unless they are the same bullet.
inline void add_mark(std::vector<CondMark>& marks, CondMark m) {
  for (CondMark& o : marks) {
    if (o.reg != m.reg) continue;
    if (o.bullet && m.bullet && o.filled == m.filled) return;
    if (o.text != m.text) o.text += "&" + m.text;
    o.bullet = false;
    o.filled = o.filled || m.filled;
    return;
  }
  marks.push_back(std::move(m));
}

/// The registers in `bits`' order of first appearance, each with its bits.
inline std::vector<std::pair<std::size_t, std::vector<uint32_t>>> by_register(const std::vector<Register>& cregs,
                                                                             const std::vector<uint32_t>& bits) {
  std::vector<std::pair<std::size_t, std::vector<uint32_t>>> out;
  for (uint32_t b : bits) {
    const std::size_t k = reg_index(cregs, b);
    auto it = std::find_if(out.begin(), out.end(), [k](const auto& p) { return p.first == k; });
    if (it == out.end()) out.push_back({k, {b}});
    else it->second.push_back(b);
  }
  return out;
}

}  // namespace draw_marks_detail

/// The marks of conditions that all hold (Operation::conditions): per
/// condition, as Qiskit draws `(register, value)` and `(bit, value)`: the
/// whole register `0x1`, one bit of it `c_1=0x1` (a bit tested `!= 0` as
/// `=0x1`), a lone bit a bullet; several bits of one register `c_0,c_2=0x3`;
/// bits of several registers a bullet on each register but the lowest, whose
/// box names them all (`c_0,c_1,flag=0x5`). A test for inequality writes
/// `!=` (`!=0x1`).
inline std::vector<CondMark> condition_marks(const std::vector<Register>& cregs, const std::vector<Condition>& conds) {
  using namespace draw_marks_detail;
  std::vector<CondMark> marks;
  for (const Condition& cond : conds) {
    if (cond.clbits.empty()) continue;
    const auto regs = by_register(cregs, cond.clbits);
    const std::string rel = cond.equal ? "=" : "!=";
    if (regs.size() == 1) {
      const Register& r = cregs[regs[0].first];
      CondMark m;
      m.reg = regs[0].first;
      if (cond.clbits.size() == 1 && cond.value <= 1) {
        const uint64_t want = cond.equal ? cond.value : 1 - cond.value;
        m.filled = want == 1;
        m.bullet = !r.is_array;
        m.text = (r.is_array && r.size == 1 ? "" : bit_name(cregs, cond.clbits[0]) + "=") + hex(want);
      } else {
        m.filled = cond.value != 0 || !cond.equal;
        m.text = whole_register(r, cond.clbits) ? (cond.equal ? "" : "!=") + hex(cond.value)
                                                : bit_list(cregs, cond.clbits) + rel + hex(cond.value);
      }
      add_mark(marks, std::move(m));
      continue;
    }
    std::size_t lowest = 0;
    for (const auto& [k, bits] : regs) lowest = std::max(lowest, k);
    for (const auto& [k, bits] : regs) {
      CondMark m;
      m.reg = k;
      if (k == lowest) {
        m.text = bit_list(cregs, cond.clbits) + rel + hex(cond.value);
      } else {
        m.bullet = true;
        m.text = bit_list(cregs, bits);
      }
      add_mark(marks, std::move(m));
    }
  }
  std::sort(marks.begin(), marks.end(), [](const CondMark& a, const CondMark& b) { return a.reg < b.reg; });
  return marks;
}

/// The marks of an expression reading `bits` (a condition Qiskit would
/// draw as `[expr]`, the expression itself being in the box's label): on
/// each register it reads, a box naming the bits it reads (`c` for all of
/// them, `c_0,c_2`), and a filled bullet on a lone bit.
inline std::vector<CondMark> read_marks(const std::vector<Register>& cregs, const std::vector<uint32_t>& bits) {
  using namespace draw_marks_detail;
  std::vector<CondMark> marks;
  for (const auto& [k, rb] : by_register(cregs, bits)) {
    CondMark m;
    m.reg = k;
    m.text = bit_list(cregs, rb);
    m.bullet = !cregs[k].is_array;
    add_mark(marks, std::move(m));
  }
  std::sort(marks.begin(), marks.end(), [](const CondMark& a, const CondMark& b) { return a.reg < b.reg; });
  return marks;
}

/// Is `e` a test Qiskit writes as a `(bits, value)` condition: bits (or
/// bits cast to a type as wide) compared with `==` or `!=` to a constant
/// that is not negative, bits alone as a truth value (`!= 0`), or `!` of
/// them (`== 0`)? Then `cond` holds it.
inline bool simple_condition(const CExpr& e, Condition& cond) {
  auto bits_of = [](const CExpr& x, std::vector<uint32_t>& out) {
    const CExprNode* n = &x.node();
    if (n->op == COp::Cast && n->type.kind != CType::Float && n->type.kind != CType::Angle &&
        n->args[0].node().op == COp::Bits &&
        (n->type.kind == CType::Bool || n->type.width >= n->args[0].node().clbits.size()))
      n = &n->args[0].node();
    if (n->op != COp::Bits || n->clbits.empty()) return false;
    out = n->clbits;
    return true;
  };
  auto const_of = [](const CExpr& x, uint64_t& v) {
    const CExprNode& n = x.node();
    if (n.op != COp::Const) return false;
    const CType k = n.value.type.kind;
    if (k == CType::Float || k == CType::Angle || (k == CType::Int && n.value.as_int() < 0)) return false;
    v = static_cast<uint64_t>(n.value.as_int());
    return true;
  };
  const CExprNode& n = e.node();
  cond = Condition{};
  if (n.op == COp::Eq || n.op == COp::Ne) {
    cond.equal = n.op == COp::Eq;
    return (bits_of(n.args[0], cond.clbits) && const_of(n.args[1], cond.value)) ||
           (bits_of(n.args[1], cond.clbits) && const_of(n.args[0], cond.value));
  }
  if (n.op == COp::LogNot) return bits_of(n.args[0], cond.clbits);
  cond.equal = false;
  return bits_of(e, cond.clbits);
}

/// One thing a drawing places, in order: an operation of the quantum kinds
/// (`op`: gate, RuntimeGate, measure, reset, barrier, delay), or a box of
/// run-time classical logic drawn as Qiskit's drawers draw control flow:
/// the marker that opens a control-flow operation (`If-0` with its
/// condition marked on the wire, `If-0 c_0 && f`, `While-0 n < 3`,
/// `For-0 i in [0:1:3]`, `Switch-0`; closed on the left),
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
  std::vector<CondMark> marks;   ///< on the classical wires: its condition, or what it reads or writes
  std::vector<uint32_t> reach;   ///< clbits whose wires it holds without drawing (the operation's, so order holds)
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

/// A filled bullet on each register of `bits` (what an assignment, break,
/// continue or end reads or writes).
inline std::vector<CondMark> bullets(const std::vector<Register>& cregs, const std::vector<uint32_t>& bits) {
  std::vector<CondMark> marks = read_marks(cregs, bits);
  for (CondMark& m : marks) m.bullet = true;
  return marks;
}

inline void walk(const Circuit& c, const std::vector<Register>& cregs, const std::vector<Operation>& ops,
                 std::pair<int, int> span, int depth, const std::function<std::string(const CExpr&)>& expr,
                 std::vector<DrawItem>& out) {
  for (const Operation& op : ops) {
    DrawItem it;
    it.span = span;
    if (!op.is_classical() || op.kind == OpKind::RuntimeGate) {
      it.op = &op;
      out.push_back(std::move(it));
      continue;
    }
    std::vector<uint32_t> read = reads(op);
    if (!op.is_control_flow()) {
      it.label = op_name(op);
      if (op.kind == OpKind::Assign) {
        const uint32_t v = op.classical->var;
        const std::string target = v != ClassicalData::kNoVar ? (v < c.vars.size() ? c.vars[v].name : "?")
                                                              : expr(CExpr::bits(op.clbits));
        it.label = target + " = " + expr(op.classical->value);
        read.insert(read.end(), op.clbits.begin(), op.clbits.end());
        std::sort(read.begin(), read.end());
        read.erase(std::unique(read.begin(), read.end()), read.end());
      }
      it.marks = bullets(cregs, read);
      it.reach = read;
      out.push_back(std::move(it));
      continue;
    }
    const ClassicalData& d = *op.classical;
    const std::string n = "-" + std::to_string(depth);
    it.qubits = op.qubits;
    it.reach = op.clbits;
    it.right = false;
    // The condition or switch target: a (bits, value) test is written at the
    // wire alone, as Qiskit writes its tuple conditions; an expression goes
    // in the label, with the bits it reads marked.
    Condition cond;
    std::string head;
    switch (op.kind) {
      case OpKind::If: head = "If" + n; break;
      case OpKind::While: head = "While" + n; break;
      case OpKind::Switch: head = "Switch" + n; break;
      default: head = "For" + n;
    }
    if (op.kind == OpKind::If || op.kind == OpKind::While) {
      if (simple_condition(d.value, cond)) {
        it.label = head;
        it.marks = condition_marks(cregs, {cond});
      } else {
        it.label = head + " " + expr(d.value);
        it.marks = read_marks(cregs, read);
      }
    } else if (op.kind == OpKind::Switch) {
      const CExprNode& t = d.value.node();
      const bool bits = t.op == COp::Bits || (t.op == COp::Cast && t.args[0].node().op == COp::Bits);
      it.label = bits ? head : head + " " + expr(d.value);
      it.marks = read_marks(cregs, read);
    } else {
      it.label = head + " " + (d.var < c.vars.size() ? c.vars[d.var].name : "?") + " in ";
      if (d.set.empty()) {
        it.label += "[" + expr(d.start) + ":" + expr(d.step) + ":" + expr(d.stop) + "]";
      } else {
        it.label += "{";
        for (std::size_t i = 0; i < d.set.size(); ++i) it.label += (i ? ", " : "") + expr(d.set[i]);
        it.label += "}";
      }
      it.marks = read_marks(cregs, read);
    }
    DrawItem marker = it;  // dividers and the end: no condition
    marker.marks.clear();
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
      walk(c, cregs, op.blocks[b], inner, depth + 1, expr, out);
    }
    marker.label = "End" + n;
    marker.left = false;
    marker.right = true;
    out.push_back(std::move(marker));
  }
}

}  // namespace draw_items_detail

/// The items of `c` in drawing order; `cregs` are the drawing's classical
/// wires (wire_registers), `expr` labels run-time expressions (draw_cexpr
/// with the drawing's clbit names).
inline std::vector<DrawItem> draw_items(const Circuit& c, const std::vector<Register>& cregs,
                                        const std::function<std::string(const CExpr&)>& expr) {
  std::vector<DrawItem> out;
  draw_items_detail::walk(c, cregs, c.ops, {0, static_cast<int>(c.num_qubits) - 1}, 0, expr, out);
  return out;
}

}  // namespace qforge::detail
