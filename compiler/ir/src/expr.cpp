// Symbolic parameter expressions (see qforge/expr.hpp).
#include "qforge/expr.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace qforge {
namespace {

bool is_function(ExprOp op) { return op >= ExprOp::Sin; }

double apply_unary(ExprOp op, double a) {
  switch (op) {
    case ExprOp::Neg: return -a;
    case ExprOp::Sin: return std::sin(a);
    case ExprOp::Cos: return std::cos(a);
    case ExprOp::Tan: return std::tan(a);
    case ExprOp::Asin: return std::asin(a);
    case ExprOp::Acos: return std::acos(a);
    case ExprOp::Atan: return std::atan(a);
    case ExprOp::Exp: return std::exp(a);
    case ExprOp::Ln: return std::log(a);
    case ExprOp::Sqrt: return std::sqrt(a);
    default: throw std::logic_error("apply_unary: not a unary operator");
  }
}

double apply_binary(ExprOp op, double a, double b) {
  switch (op) {
    case ExprOp::Add: return a + b;
    case ExprOp::Sub: return a - b;
    case ExprOp::Mul: return a * b;
    case ExprOp::Div: return a / b;
    case ExprOp::Pow: return std::pow(a, b);
    default: throw std::logic_error("apply_binary: not a binary operator");
  }
}

const char* function_name(ExprOp op) {
  switch (op) {
    case ExprOp::Sin: return "sin";
    case ExprOp::Cos: return "cos";
    case ExprOp::Tan: return "tan";
    case ExprOp::Asin: return "arcsin";
    case ExprOp::Acos: return "arccos";
    case ExprOp::Atan: return "arctan";
    case ExprOp::Exp: return "exp";
    case ExprOp::Ln: return "ln";
    case ExprOp::Sqrt: return "sqrt";
    default: return "?";
  }
}

// Precedence for printing: higher binds tighter.
int precedence(const Expr& e) {
  if (e.is_const()) return e.value() < 0 ? 3 : 10;
  switch (e.node()->op) {
    case ExprOp::Add: case ExprOp::Sub: return 1;
    case ExprOp::Mul: case ExprOp::Div: return 2;
    case ExprOp::Neg: return 3;
    case ExprOp::Pow: return 4;
    default: return 10;
  }
}

}  // namespace

Expr Expr::symbol(uint32_t index) {
  Expr e;
  auto n = std::make_shared<ExprNode>();
  n->op = ExprOp::Symbol;
  n->symbol = index;
  e.node_ = std::move(n);
  return e;
}

Expr Expr::unary(ExprOp op, const Expr& a) {
  if (a.is_const()) return Expr(apply_unary(op, a.value()));
  if (op == ExprOp::Neg && a.node()->op == ExprOp::Neg) return a.node()->a;
  Expr e;
  auto n = std::make_shared<ExprNode>();
  n->op = op;
  n->a = a;
  e.node_ = std::move(n);
  return e;
}

Expr Expr::binary(ExprOp op, const Expr& a, const Expr& b) {
  if (a.is_const() && b.is_const()) return Expr(apply_binary(op, a.value(), b.value()));
  // Identities that keep derivative expressions small; exact in IEEE terms.
  switch (op) {
    case ExprOp::Add:
      if (a.is_const() && a.value() == 0) return b;
      if (b.is_const() && b.value() == 0) return a;
      break;
    case ExprOp::Sub:
      if (b.is_const() && b.value() == 0) return a;
      if (a.is_const() && a.value() == 0) return unary(ExprOp::Neg, b);
      break;
    case ExprOp::Mul:
      if ((a.is_const() && a.value() == 0) || (b.is_const() && b.value() == 0)) return Expr(0.0);
      if (a.is_const() && a.value() == 1) return b;
      if (b.is_const() && b.value() == 1) return a;
      if (a.is_const() && a.value() == -1) return unary(ExprOp::Neg, b);
      if (b.is_const() && b.value() == -1) return unary(ExprOp::Neg, a);
      break;
    case ExprOp::Div:
      if (b.is_const() && b.value() == 1) return a;
      if (a.is_const() && a.value() == 0) return Expr(0.0);
      break;
    case ExprOp::Pow:
      if (b.is_const() && b.value() == 1) return a;
      if (b.is_const() && b.value() == 0) return Expr(1.0);
      break;
    default: break;
  }
  Expr e;
  auto n = std::make_shared<ExprNode>();
  n->op = op;
  n->a = a;
  n->b = b;
  e.node_ = std::move(n);
  return e;
}

double Expr::eval(const double* inputs) const {
  if (is_const()) return value_;
  const ExprNode& n = *node_;
  switch (n.op) {
    case ExprOp::Symbol: return inputs[n.symbol];
    case ExprOp::Add: case ExprOp::Sub: case ExprOp::Mul: case ExprOp::Div: case ExprOp::Pow:
      return apply_binary(n.op, n.a.eval(inputs), n.b.eval(inputs));
    default: return apply_unary(n.op, n.a.eval(inputs));
  }
}

Expr Expr::derivative(uint32_t index) const {
  if (is_const()) return Expr(0.0);
  const ExprNode& n = *node_;
  const Expr& a = n.a;
  const Expr& b = n.b;
  switch (n.op) {
    case ExprOp::Const: return Expr(0.0);
    case ExprOp::Symbol: return Expr(n.symbol == index ? 1.0 : 0.0);
    case ExprOp::Neg: return -a.derivative(index);
    case ExprOp::Add: return a.derivative(index) + b.derivative(index);
    case ExprOp::Sub: return a.derivative(index) - b.derivative(index);
    case ExprOp::Mul: return a.derivative(index) * b + a * b.derivative(index);
    case ExprOp::Div: {
      Expr da = a.derivative(index), db = b.derivative(index);
      if (db.is_const() && db.value() == 0) return da / b;
      return (da * b - a * db) / (b * b);
    }
    case ExprOp::Pow: {
      // d(a^b) = b a^(b-1) da + a^b ln(a) db
      Expr da = a.derivative(index), db = b.derivative(index);
      Expr t1 = (da.is_const() && da.value() == 0)
                    ? Expr(0.0)
                    : b * binary(ExprOp::Pow, a, b - Expr(1.0)) * da;
      Expr t2 = (db.is_const() && db.value() == 0)
                    ? Expr(0.0)
                    : binary(ExprOp::Pow, a, b) * unary(ExprOp::Ln, a) * db;
      return t1 + t2;
    }
    case ExprOp::Sin: return unary(ExprOp::Cos, a) * a.derivative(index);
    case ExprOp::Cos: return -unary(ExprOp::Sin, a) * a.derivative(index);
    case ExprOp::Tan: {
      Expr c = unary(ExprOp::Cos, a);
      return a.derivative(index) / (c * c);
    }
    case ExprOp::Asin:
      return a.derivative(index) / unary(ExprOp::Sqrt, Expr(1.0) - a * a);
    case ExprOp::Acos:
      return -a.derivative(index) / unary(ExprOp::Sqrt, Expr(1.0) - a * a);
    case ExprOp::Atan: return a.derivative(index) / (Expr(1.0) + a * a);
    case ExprOp::Exp: return unary(ExprOp::Exp, a) * a.derivative(index);
    case ExprOp::Ln: return a.derivative(index) / a;
    case ExprOp::Sqrt: return a.derivative(index) / (Expr(2.0) * unary(ExprOp::Sqrt, a));
  }
  return Expr(0.0);
}

Expr Expr::bind(const std::vector<double>& values) const {
  if (is_const()) return *this;
  const ExprNode& n = *node_;
  switch (n.op) {
    case ExprOp::Symbol:
      if (n.symbol < values.size() && !std::isnan(values[n.symbol])) return Expr(values[n.symbol]);
      return *this;
    case ExprOp::Add: case ExprOp::Sub: case ExprOp::Mul: case ExprOp::Div: case ExprOp::Pow:
      return binary(n.op, n.a.bind(values), n.b.bind(values));
    default: return unary(n.op, n.a.bind(values));
  }
}

Expr Expr::substitute(const std::vector<Expr>& values) const {
  if (is_const()) return *this;
  const ExprNode& n = *node_;
  switch (n.op) {
    case ExprOp::Symbol: return values.at(n.symbol);
    case ExprOp::Add: case ExprOp::Sub: case ExprOp::Mul: case ExprOp::Div: case ExprOp::Pow:
      return binary(n.op, n.a.substitute(values), n.b.substitute(values));
    default: return unary(n.op, n.a.substitute(values));
  }
}

void Expr::collect_symbols(std::vector<uint32_t>& out) const {
  if (is_const()) return;
  const ExprNode& n = *node_;
  if (n.op == ExprOp::Symbol) {
    out.push_back(n.symbol);
    return;
  }
  n.a.collect_symbols(out);
  if (!is_function(n.op) && n.op != ExprOp::Neg) n.b.collect_symbols(out);
}

bool Expr::same_as(const Expr& o) const {
  if (is_const() != o.is_const()) return false;
  if (is_const()) return std::memcmp(&value_, &o.value_, sizeof(double)) == 0;
  if (node_ == o.node_) return true;
  const ExprNode& x = *node_;
  const ExprNode& y = *o.node_;
  if (x.op != y.op) return false;
  if (x.op == ExprOp::Symbol) return x.symbol == y.symbol;
  return x.a.same_as(y.a) && x.b.same_as(y.b);
}

std::string format_number(double v) {
  if (v == 0) return "0";
  if (std::isnan(v)) return "nan";
  // Exact multiples k*pi/d print as `k*pi/d` when that text evaluates to
  // exactly the same double (so the text round-trips bit for bit).
  for (int d : {1, 2, 3, 4, 6, 8, 12, 16, 32, 64}) {
    double k = v * d / M_PI;
    double kr = std::round(k);
    if (kr == 0 || std::fabs(kr) > 64 || std::fabs(k - kr) > 1e-9) continue;
    long ki = static_cast<long>(kr);
    double back = (ki == 1 ? M_PI : ki == -1 ? -M_PI : static_cast<double>(ki) * M_PI);
    if (d != 1) back = back / d;
    if (back != v) continue;
    std::string s = ki == 1 ? "pi" : ki == -1 ? "-pi" : std::to_string(ki) + "*pi";
    if (d != 1) s += "/" + std::to_string(d);
    return s;
  }
  return format_decimal(v);
}

std::string format_decimal(double v) {
  char buf[40];
  // Whole numbers print as integers (100, not 1e+02).
  if (std::fabs(v) < 1e15 && std::trunc(v) == v) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  // The shortest representation that reads back identically.
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v) return buf;
  }
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string Expr::to_qasm(const std::vector<std::string>& names) const { return to_text(names, format_number); }

std::string Expr::to_text(const std::vector<std::string>& names,
                          const std::function<std::string(double)>& number) const {
  if (is_const()) return number(value_);
  const ExprNode& n = *node_;
  auto wrap = [&](const Expr& e, int min_prec) {
    std::string s = e.to_text(names, number);
    return precedence(e) < min_prec ? "(" + s + ")" : s;
  };
  switch (n.op) {
    case ExprOp::Symbol:
      return n.symbol < names.size() ? names[n.symbol] : "s" + std::to_string(n.symbol);
    case ExprOp::Neg: return "-" + wrap(n.a, 4);
    case ExprOp::Add: return wrap(n.a, 1) + " + " + wrap(n.b, 2);
    case ExprOp::Sub: return wrap(n.a, 1) + " - " + wrap(n.b, 2);
    case ExprOp::Mul: return wrap(n.a, 2) + "*" + wrap(n.b, 3);
    case ExprOp::Div: return wrap(n.a, 2) + "/" + wrap(n.b, 3);
    case ExprOp::Pow: return wrap(n.a, 5) + "**" + wrap(n.b, 4);
    default: return std::string(function_name(n.op)) + "(" + n.a.to_text(names, number) + ")";
  }
}

Expr operator-(const Expr& a) { return Expr::unary(ExprOp::Neg, a); }
Expr operator+(const Expr& a, const Expr& b) { return Expr::binary(ExprOp::Add, a, b); }
Expr operator-(const Expr& a, const Expr& b) { return Expr::binary(ExprOp::Sub, a, b); }
Expr operator*(const Expr& a, const Expr& b) { return Expr::binary(ExprOp::Mul, a, b); }
Expr operator/(const Expr& a, const Expr& b) { return Expr::binary(ExprOp::Div, a, b); }

}  // namespace qforge
