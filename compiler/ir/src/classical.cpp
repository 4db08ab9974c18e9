// Run-time classical values and their evaluation (see qforge/classical.hpp).
#include "qforge/classical.hpp"

#include "qforge/expr.hpp"

#include <cmath>
#include <stdexcept>

namespace qforge {

namespace {

constexpr double kTwoPi = 6.283185307179586476925286766559;

uint64_t mask(uint32_t width) { return width >= 64 ? ~uint64_t(0) : (uint64_t(1) << width) - 1; }

bool integral(CType k) { return k == CType::Int || k == CType::Uint || k == CType::Bit || k == CType::Bool; }

CValue make(CType k, uint32_t width, uint64_t u) {
  CValue v;
  v.type = {k, width};
  v.u = u & mask(width);
  return v;
}

}  // namespace

std::string type_name(const ClassicalType& t) {
  const std::string w = "[" + std::to_string(t.width) + "]";
  switch (t.kind) {
    case CType::Bit: return t.width == 1 ? "bit" : "bit" + w;
    case CType::Bool: return "bool";
    case CType::Int: return "int" + w;
    case CType::Uint: return "uint" + w;
    case CType::Float: return "float" + w;
    case CType::Angle: return "angle" + w;
  }
  return "?";
}

CValue CValue::of_bool(bool b) { return make(CType::Bool, 1, b ? 1 : 0); }
CValue CValue::of_int(int64_t v, uint32_t width) { return make(CType::Int, width, uint64_t(v)); }
CValue CValue::of_uint(uint64_t v, uint32_t width) { return make(CType::Uint, width, v); }
CValue CValue::of_bits(uint64_t v, uint32_t width) { return make(CType::Bit, width, v); }
CValue CValue::of_float(double v, uint32_t width) {
  CValue out;
  out.type = {CType::Float, width};
  out.f = width == 32 ? double(float(v)) : v;
  return out;
}
CValue CValue::of_angle(double radians, uint32_t width) { return convert(of_float(radians), {CType::Angle, width}); }

int64_t CValue::as_int() const {
  if (type.kind == CType::Float) return int64_t(std::trunc(f));
  if (type.kind == CType::Int && type.width < 64 && (u >> (type.width - 1)) & 1) return int64_t(u | ~mask(type.width));
  return int64_t(u);
}

double CValue::as_float() const {
  switch (type.kind) {
    case CType::Float: return f;
    case CType::Int: return double(as_int());
    case CType::Angle: return std::ldexp(double(u), -int(type.width)) * kTwoPi;
    default: return double(u);
  }
}

bool CValue::as_bool() const { return type.kind == CType::Float ? f != 0 : u != 0; }

std::string CValue::to_qasm() const {
  switch (type.kind) {
    case CType::Bool: return u ? "true" : "false";
    case CType::Int: return std::to_string(as_int());
    case CType::Uint: return std::to_string(u);
    case CType::Bit: {
      std::string s = "\"";
      for (uint32_t i = type.width; i-- > 0;) s += ((u >> i) & 1) ? '1' : '0';
      return s + "\"";
    }
    case CType::Float: return format_number(f);
    case CType::Angle: return format_number(as_float());
  }
  return "?";
}

CValue convert(const CValue& v, const ClassicalType& t) {
  if (v.type == t) return v;
  switch (t.kind) {
    case CType::Bool: return CValue::of_bool(v.as_bool());
    case CType::Float: return CValue::of_float(v.as_float(), t.width);
    case CType::Int:
    case CType::Uint:
    case CType::Bit:
      if (v.type.kind == CType::Float) {
        if (!std::isfinite(v.f)) throw std::domain_error("cannot convert " + format_number(v.f) + " to " + type_name(t));
        return make(t.kind, t.width, uint64_t(int64_t(std::trunc(v.f))));
      }
      return make(t.kind, t.width, uint64_t(v.as_int()));
    case CType::Angle: {
      if (v.type.kind == CType::Angle) {
        // Rescale the fraction to the new width, rounding to nearest.
        if (t.width >= v.type.width) return make(CType::Angle, t.width, v.u << (t.width - v.type.width));
        const uint32_t drop = v.type.width - t.width;
        return make(CType::Angle, t.width, (v.u + (uint64_t(1) << (drop - 1))) >> drop);
      }
      if (v.type.kind == CType::Float) {
        if (!std::isfinite(v.f)) throw std::domain_error("cannot convert " + format_number(v.f) + " to " + type_name(t));
        double frac = std::fmod(v.f / kTwoPi, 1.0);
        if (frac < 0) frac += 1;
        const long double steps = std::nearbyint(std::ldexp((long double)frac, int(t.width)));
        return make(CType::Angle, t.width, uint64_t(steps));  // 2^width wraps to 0 by the mask
      }
      return make(CType::Angle, t.width, v.u);  // bit[n] -> angle[n]: the same bits
    }
  }
  return v;
}

CExpr CExpr::constant(const CValue& v) {
  auto n = std::make_shared<CExprNode>();
  n->op = COp::Const;
  n->type = v.type;
  n->value = v;
  CExpr e;
  e.node_ = std::move(n);
  return e;
}

CExpr CExpr::bits(std::vector<uint32_t> clbits) {
  auto n = std::make_shared<CExprNode>();
  n->op = COp::Bits;
  n->type = {CType::Bit, uint32_t(clbits.size())};
  n->clbits = std::move(clbits);
  CExpr e;
  e.node_ = std::move(n);
  return e;
}

CExpr CExpr::var(uint32_t index, const ClassicalType& t) {
  auto n = std::make_shared<CExprNode>();
  n->op = COp::Var;
  n->type = t;
  n->var = index;
  CExpr e;
  e.node_ = std::move(n);
  return e;
}

CExpr CExpr::apply(COp op, const ClassicalType& t, std::vector<CExpr> args) {
  auto n = std::make_shared<CExprNode>();
  n->op = op;
  n->type = t;
  n->args = std::move(args);
  CExpr e;
  e.node_ = std::move(n);
  return e;
}

const ClassicalType& CExpr::type() const { return node_->type; }

void CExpr::collect(std::vector<uint32_t>& clbits, std::vector<uint32_t>& vars) const {
  if (!node_) return;
  const CExprNode& n = *node_;
  if (n.op == COp::Bits) clbits.insert(clbits.end(), n.clbits.begin(), n.clbits.end());
  if (n.op == COp::Var) vars.push_back(n.var);
  for (const CExpr& a : n.args) a.collect(clbits, vars);
}

CExpr CExpr::remap_clbits(const std::vector<uint32_t>& map) const {
  if (!node_) return *this;
  const CExprNode& n = *node_;
  if (n.op == COp::Bits) {
    std::vector<uint32_t> bits;
    for (uint32_t b : n.clbits) bits.push_back(map.at(b));
    return CExpr::bits(std::move(bits));
  }
  if (n.args.empty()) return *this;
  std::vector<CExpr> args;
  for (const CExpr& a : n.args) args.push_back(a.remap_clbits(map));
  return CExpr::apply(n.op, n.type, std::move(args));
}

namespace {

bool comparison(COp op) { return op >= COp::Eq; }

/// The type two operands of a comparison are compared in.
ClassicalType common_type(const ClassicalType& a, const ClassicalType& b) {
  if (a.kind == CType::Float || b.kind == CType::Float) return {CType::Float, 64};
  if (a.kind == CType::Angle && b.kind == CType::Angle) return {CType::Angle, std::max(a.width, b.width)};
  if (a.kind == CType::Int || b.kind == CType::Int) return {CType::Int, 64};
  return {CType::Uint, 64};
}

int compare(const CValue& a, const CValue& b) {
  const ClassicalType t = common_type(a.type, b.type);
  const CValue x = convert(a, t), y = convert(b, t);
  if (t.kind == CType::Float) return x.f < y.f ? -1 : x.f > y.f ? 1 : 0;
  if (t.kind == CType::Int) return x.as_int() < y.as_int() ? -1 : x.as_int() > y.as_int() ? 1 : 0;
  return x.u < y.u ? -1 : x.u > y.u ? 1 : 0;
}

uint64_t int_pow(uint64_t base, int64_t exp) {
  if (exp < 0) throw std::domain_error("negative integer exponent");
  uint64_t r = 1;
  while (exp) {
    if (exp & 1) r *= base;
    base *= base;
    exp >>= 1;
  }
  return r;
}

CValue eval_angle(COp op, const ClassicalType& t, const CValue& a, const CValue& b) {
  // One operand may be an unsigned integer scaling the angle.
  const bool a_angle = a.type.kind == CType::Angle, b_angle = b.type.kind == CType::Angle;
  const uint64_t x = a_angle ? convert(a, t).u : uint64_t(a.as_int());
  const uint64_t y = b_angle ? convert(b, t).u : uint64_t(b.as_int());
  switch (op) {
    case COp::Add: return make(CType::Angle, t.width, x + y);
    case COp::Sub: return make(CType::Angle, t.width, x - y);
    case COp::Mul: return make(CType::Angle, t.width, x * y);
    case COp::Div:
      if (y == 0) throw std::domain_error("division by zero");
      return make(CType::Angle, t.width, x / y);
    case COp::Shl: return make(CType::Angle, t.width, y >= 64 ? 0 : x << y);
    case COp::Shr: return make(CType::Angle, t.width, y >= 64 ? 0 : x >> y);
    case COp::BitAnd: return make(CType::Angle, t.width, x & y);
    case COp::BitOr: return make(CType::Angle, t.width, x | y);
    case COp::BitXor: return make(CType::Angle, t.width, x ^ y);
    default: break;
  }
  throw std::domain_error("operator not defined on angles");
}

CValue eval_integral(COp op, const ClassicalType& t, const CValue& a, const CValue& b) {
  const bool is_signed = t.kind == CType::Int;
  // Shifts and rotations take the left operand in the result type and the
  // amount as an integer.
  if (op == COp::Shl || op == COp::Shr || op == COp::Rotl || op == COp::Rotr) {
    const CValue x = convert(a, t);
    const int64_t k = b.as_int();
    if (k < 0) throw std::domain_error("negative shift amount");
    const uint32_t w = t.width;
    if (op == COp::Rotl || op == COp::Rotr) {
      const uint64_t r = uint64_t(k) % w;
      if (r == 0) return x;
      const uint64_t v = x.u;
      return make(t.kind, w, op == COp::Rotl ? (v << r) | (v >> (w - r)) : (v >> r) | (v << (w - r)));
    }
    if (op == COp::Shl) return make(t.kind, w, k >= 64 ? 0 : x.u << k);
    if (is_signed) return make(t.kind, w, uint64_t(k >= 64 ? (x.as_int() < 0 ? -1 : 0) : x.as_int() >> k));
    return make(t.kind, w, k >= 64 ? 0 : x.u >> k);
  }
  const CValue x = convert(a, t), y = convert(b, t);
  const int64_t sx = x.as_int(), sy = y.as_int();
  switch (op) {
    case COp::Add: return make(t.kind, t.width, x.u + y.u);
    case COp::Sub: return make(t.kind, t.width, x.u - y.u);
    case COp::Mul: return make(t.kind, t.width, x.u * y.u);
    case COp::Div:
    case COp::Mod:
      if (y.u == 0) throw std::domain_error("division by zero");
      if (is_signed) {
        if (sy == -1) return make(t.kind, t.width, op == COp::Div ? uint64_t(0) - x.u : 0);
        return make(t.kind, t.width, uint64_t(op == COp::Div ? sx / sy : sx % sy));
      }
      return make(t.kind, t.width, op == COp::Div ? x.u / y.u : x.u % y.u);
    case COp::Pow: return make(t.kind, t.width, int_pow(x.u, is_signed ? sy : int64_t(y.u & 0x7fffffffffffffff)));
    case COp::BitAnd: return make(t.kind, t.width, x.u & y.u);
    case COp::BitOr: return make(t.kind, t.width, x.u | y.u);
    case COp::BitXor: return make(t.kind, t.width, x.u ^ y.u);
    default: break;
  }
  throw std::domain_error("operator not defined on " + type_name(t));
}

}  // namespace

CValue eval(const CExpr& e, const ClassicalState& s) {
  const CExprNode& n = e.node();
  const ClassicalType& t = n.type;
  switch (n.op) {
    case COp::Const: return n.value;
    case COp::Bits: {
      uint64_t u = 0;
      for (std::size_t i = 0; i < n.clbits.size() && i < 64; ++i) u |= uint64_t(s.clbits.at(n.clbits[i]) & 1) << i;
      return make(CType::Bit, uint32_t(n.clbits.size()), u);
    }
    case COp::Var: return s.vars.at(n.var);
    case COp::LogAnd: return CValue::of_bool(eval(n.args[0], s).as_bool() && eval(n.args[1], s).as_bool());
    case COp::LogOr: return CValue::of_bool(eval(n.args[0], s).as_bool() || eval(n.args[1], s).as_bool());
    default: break;
  }
  const CValue a = eval(n.args.at(0), s);
  switch (n.op) {
    case COp::Cast: return convert(a, t);
    case COp::LogNot: return CValue::of_bool(!a.as_bool());
    case COp::Neg:
      if (t.kind == CType::Float) return CValue::of_float(-a.as_float(), t.width);
      return make(t.kind, t.width, uint64_t(0) - convert(a, t).u);
    case COp::BitNot: return make(t.kind, t.width, ~convert(a, t).u);
    case COp::Popcount: return CValue::of_uint(uint64_t(__builtin_popcountll(a.u & mask(a.type.width))), t.width);
    case COp::Sin: return CValue::of_float(std::sin(a.as_float()), t.width);
    case COp::Cos: return CValue::of_float(std::cos(a.as_float()), t.width);
    case COp::Tan: return CValue::of_float(std::tan(a.as_float()), t.width);
    case COp::Arcsin: return CValue::of_float(std::asin(a.as_float()), t.width);
    case COp::Arccos: return CValue::of_float(std::acos(a.as_float()), t.width);
    case COp::Arctan: return CValue::of_float(std::atan(a.as_float()), t.width);
    case COp::Exp: return CValue::of_float(std::exp(a.as_float()), t.width);
    case COp::Log: return CValue::of_float(std::log(a.as_float()), t.width);
    case COp::Sqrt: return CValue::of_float(std::sqrt(a.as_float()), t.width);
    default: break;
  }
  const CValue b = eval(n.args.at(1), s);
  if (comparison(n.op)) {
    const int c = compare(a, b);
    switch (n.op) {
      case COp::Eq: return CValue::of_bool(c == 0);
      case COp::Ne: return CValue::of_bool(c != 0);
      case COp::Lt: return CValue::of_bool(c < 0);
      case COp::Le: return CValue::of_bool(c <= 0);
      case COp::Gt: return CValue::of_bool(c > 0);
      default: return CValue::of_bool(c >= 0);
    }
  }
  if (t.kind == CType::Float) {
    const double x = a.as_float(), y = b.as_float();
    switch (n.op) {
      case COp::Add: return CValue::of_float(x + y, t.width);
      case COp::Sub: return CValue::of_float(x - y, t.width);
      case COp::Mul: return CValue::of_float(x * y, t.width);
      case COp::Div: return CValue::of_float(x / y, t.width);
      case COp::Mod: return CValue::of_float(std::fmod(x, y), t.width);
      case COp::Pow: return CValue::of_float(std::pow(x, y), t.width);
      default: throw std::domain_error("operator not defined on " + type_name(t));
    }
  }
  if (t.kind == CType::Angle) return eval_angle(n.op, t, a, b);
  if (integral(t.kind)) return eval_integral(n.op, t, a, b);
  throw std::domain_error("operator not defined on " + type_name(t));
}

void store(ClassicalState& s, uint32_t var, const std::vector<uint32_t>& clbits,
           const std::vector<ClassicalVar>& vars, const CValue& v) {
  if (!clbits.empty()) {
    const CValue b = convert(v, {CType::Bit, uint32_t(clbits.size())});
    for (std::size_t i = 0; i < clbits.size(); ++i) s.clbits.at(clbits[i]) = uint8_t(i < 64 ? (b.u >> i) & 1 : 0);
    return;
  }
  s.vars.at(var) = convert(v, vars.at(var).type);
}

}  // namespace qforge
