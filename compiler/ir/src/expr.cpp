// Symbolic parameter expressions (see qforge/expr.hpp).
#include "qforge/expr.hpp"

#include <algorithm>
#include <charconv>
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

// A node as it is, without simplification.
Expr Expr::make(ExprOp op, const Expr& a, const Expr& b) {
  Expr e;
  auto n = std::make_shared<ExprNode>();
  n->op = op;
  n->a = a;
  n->b = b;
  e.node_ = std::move(n);
  return e;
}

// Normal form. Every expression with a symbol is built by unary/binary into
// one shape, so that equal sums print alike, like terms and constants meet,
// and the printed text reads back as the same tree:
//
//   sum   = term (+|- term)... [(+|-) constant]   terms in order of first use,
//                                                  the constant last
//   term  = [-]base | c*base, optionally /d       c, d constants; d > 0 is not
//                                                  a power of two (those fold into c)
//   base  = symbol | f(sum) | a**b | factor*factor | a/b (b not a constant)
//           | a sum, only as `(sum)/d` (a constant times a sum is distributed)
//
// Folding combines constants in the order they are met; a value bound into
// the result may differ from the unsimplified tree's in the last place, as
// any reassociation does. Division by a power of two is multiplication by
// its exact reciprocal, and a - b is a + (-b), in IEEE arithmetic bit for bit.
struct ExprFactory {
  static Expr make(ExprOp op, const Expr& a, const Expr& b) { return Expr::make(op, a, b); }
};

namespace {

Expr make_node(ExprOp op, const Expr& a, const Expr& b) { return ExprFactory::make(op, a, b); }

bool is_sum(const Expr& e) {
  return !e.is_const() && (e.node()->op == ExprOp::Add || e.node()->op == ExprOp::Sub);
}

// |d| a power of two whose reciprocal is a normal number.
bool exact_reciprocal(double d) {
  int ex = 0;
  return std::isfinite(d) && d != 0 && std::fabs(std::frexp(d, &ex)) == 0.5 && ex > -1000 && ex < 1000;
}

/// c*base/d.
struct Term {
  double c = 1;
  Expr base;
  double d = 1;
};

struct Linear {
  std::vector<Term> terms;
  double k = 0;  ///< the constant
};

Term as_term(const Expr& e);
Linear linear_of(const Expr& e);
Expr build(const Linear& l);

Term scaled(Term t, double k);

Linear scaled(Linear l, double k) {
  for (Term& t : l.terms) t = scaled(std::move(t), k);
  l.k *= k;
  return l;
}

// k*t; a sum's factor goes into the sum, so it stays a plain sum.
Term scaled(Term t, double k) {
  if (is_sum(t.base)) t.base = build(scaled(linear_of(t.base), k));
  else t.c *= k;
  return t;
}

// Fold a power-of-two divisor (or a negative one's sign) into c.
Term normalized(Term t) {
  if (t.d < 0) {
    t.d = -t.d;
    t = scaled(std::move(t), -1.0);
  }
  if (t.d != 1 && exact_reciprocal(t.d)) {
    t = scaled(std::move(t), 1 / t.d);
    t.d = 1;
  }
  return t;
}

// a + sign*b with like terms (same base, same divisor) combined.
Linear combined(Linear a, const Linear& b, double sign) {
  for (const Term& tb : b.terms) {
    Term t = sign < 0 ? scaled(tb, -1.0) : tb;
    bool merged = false;
    for (std::size_t i = 0; i < a.terms.size() && !merged; ++i) {
      Term& ta = a.terms[i];
      if (ta.d != t.d) continue;
      if (is_sum(t.base) || is_sum(ta.base)) {
        // Sums over the same divisor share one term: s/d + r/d = (s + r)/d.
        if (!is_sum(t.base) || !is_sum(ta.base)) continue;
        const Linear s = combined(linear_of(ta.base), linear_of(t.base), 1.0);
        merged = true;
        if (s.terms.empty()) {
          a.k += s.k / ta.d;
          a.terms.erase(a.terms.begin() + static_cast<std::ptrdiff_t>(i));
        } else {
          const Expr sum = build(s);
          if (is_sum(sum)) {
            ta.base = sum;
          } else {
            Term u = as_term(sum);
            u.d *= ta.d;
            ta = normalized(std::move(u));
          }
        }
        continue;
      }
      if (!ta.base.same_as(t.base)) continue;
      ta.c += t.c;
      if (ta.c == 0) a.terms.erase(a.terms.begin() + static_cast<std::ptrdiff_t>(i));
      merged = true;
    }
    if (!merged) a.terms.push_back(std::move(t));
  }
  a.k = sign < 0 ? a.k - b.k : a.k + b.k;
  return a;
}

// The term of a canonical expression that is not a sum (or a sum as a factor).
Term as_term(const Expr& e) {
  const ExprNode& n = *e.node();
  if (n.op == ExprOp::Neg) return scaled(as_term(n.a), -1.0);
  if (n.op == ExprOp::Mul && n.a.is_const()) return Term{n.a.value(), n.b, 1};
  if (n.op == ExprOp::Div && n.b.is_const() && std::isfinite(n.b.value()) && n.b.value() != 0) {
    Term t = is_sum(n.a) ? Term{1, n.a, 1} : as_term(n.a);
    t.d = n.b.value();
    return t;
  }
  return Term{1, e, 1};
}

Linear linear_of(const Expr& e) {
  Linear l;
  if (e.is_const()) {
    l.k = e.value();
    return l;
  }
  if (!is_sum(e)) {
    l.terms.push_back(as_term(e));
    return l;
  }
  // A left chain: ((t1 +- t2) +- t3) +- constant.
  std::vector<std::pair<const Expr*, double>> right;
  const Expr* x = &e;
  while (is_sum(*x)) {
    const ExprNode& n = *x->node();
    right.emplace_back(&n.b, n.op == ExprOp::Sub ? -1.0 : 1.0);
    x = &n.a;
  }
  l.terms.push_back(as_term(*x));
  for (auto it = right.rbegin(); it != right.rend(); ++it) {
    const Expr& r = *it->first;
    if (r.is_const()) l.k = it->second < 0 ? -r.value() : r.value();
    else l.terms.push_back(it->second < 0 ? scaled(as_term(r), -1.0) : as_term(r));
  }
  return l;
}

Expr term_expr(const Term& t) {
  Expr core = t.c == 1    ? t.base
              : t.c == -1 ? make_node(ExprOp::Neg, t.base, Expr())
                          : make_node(ExprOp::Mul, Expr(t.c), t.base);
  return t.d == 1 ? core : make_node(ExprOp::Div, core, Expr(t.d));
}

Expr build(const Linear& l) {
  if (l.terms.empty()) return Expr(l.k);
  Expr e = term_expr(l.terms[0]);
  for (std::size_t i = 1; i < l.terms.size(); ++i) {
    const Term& t = l.terms[i];
    if (std::signbit(t.c)) e = make_node(ExprOp::Sub, e, term_expr(scaled(t, -1.0)));
    else e = make_node(ExprOp::Add, e, term_expr(t));
  }
  if (l.k != 0) {
    e = std::signbit(l.k) ? make_node(ExprOp::Sub, e, Expr(-l.k)) : make_node(ExprOp::Add, e, Expr(l.k));
  }
  return e;
}

// Whether the canonical expression e has a term like t (same base and
// divisor), which adding t would combine with.
bool has_like_term(const Expr& e, const Term& t) {
  auto like = [&](const Expr& term) {
    const Expr* x = &term;
    double d = 1;
    if (x->is_const()) return false;
    if (x->node()->op == ExprOp::Div && x->node()->b.is_const()) {
      d = x->node()->b.value();
      x = &x->node()->a;
    }
    if (x->is_const()) return false;
    if (x->node()->op == ExprOp::Neg) x = &x->node()->a;
    else if (x->node()->op == ExprOp::Mul && x->node()->a.is_const()) x = &x->node()->b;
    if (d != t.d) return false;
    return is_sum(t.base) ? is_sum(*x) : x->same_as(t.base);
  };
  const Expr* x = &e;
  while (is_sum(*x)) {
    if (like(x->node()->b)) return true;
    x = &x->node()->a;
  }
  return like(*x);
}

}  // namespace

Expr Expr::unary(ExprOp op, const Expr& a) {
  if (a.is_const()) return Expr(apply_unary(op, a.value()));
  if (op == ExprOp::Neg) return build(scaled(linear_of(a), -1.0));
  return make_node(op, a, Expr());
}

Expr Expr::binary(ExprOp op, const Expr& a, const Expr& b) {
  if (a.is_const() && b.is_const()) return Expr(apply_binary(op, a.value(), b.value()));
  const bool finite_a = a.is_const() && std::isfinite(a.value());
  const bool finite_b = b.is_const() && std::isfinite(b.value());
  switch (op) {
    case ExprOp::Add:
    case ExprOp::Sub: {
      // The common case: a constant added to a sum's constant.
      if (b.is_const() && is_sum(a) && a.node()->b.is_const()) {
        const ExprNode& n = *a.node();
        double k = n.op == ExprOp::Sub ? -n.b.value() : n.b.value();
        k = op == ExprOp::Sub ? k - b.value() : k + b.value();
        if (k == 0) return n.a;
        return std::signbit(k) ? make_node(ExprOp::Sub, n.a, Expr(-k)) : make_node(ExprOp::Add, n.a, Expr(k));
      }
      // A new term added to a sum: appended without rebuilding the sum
      // (a phase that gathers one term per gate stays linear in time).
      if (!a.is_const() && !b.is_const() && !is_sum(b)) {
        const Term t = op == ExprOp::Sub ? scaled(as_term(b), -1.0) : as_term(b);
        if (!has_like_term(a, t)) {
          const bool has_k = is_sum(a) && a.node()->b.is_const();
          const Expr& rest = has_k ? a.node()->a : a;
          Expr e = std::signbit(t.c) ? make_node(ExprOp::Sub, rest, term_expr(scaled(t, -1.0)))
                                     : make_node(ExprOp::Add, rest, term_expr(t));
          if (!has_k) return e;
          return make_node(a.node()->op, e, a.node()->b);
        }
      }
      return build(combined(linear_of(a), linear_of(b), op == ExprOp::Sub ? -1.0 : 1.0));
    }
    case ExprOp::Mul: {
      if ((a.is_const() && a.value() == 0) || (b.is_const() && b.value() == 0)) return Expr(0.0);
      if (finite_a) return build(scaled(linear_of(b), a.value()));
      if (finite_b) return build(scaled(linear_of(a), b.value()));
      if (a.is_const() || b.is_const()) break;
      Term x = is_sum(a) ? Term{1, a, 1} : as_term(a);
      Term y = is_sum(b) ? Term{1, b, 1} : as_term(b);
      Term t{x.c * y.c, make_node(ExprOp::Mul, x.base, y.base), x.d * y.d};
      return term_expr(normalized(std::move(t)));
    }
    case ExprOp::Div: {
      if (a.is_const() && a.value() == 0) return Expr(0.0);
      if (!finite_b || b.value() == 0) break;
      const double k = b.value();
      if (exact_reciprocal(k)) return build(scaled(linear_of(a), 1 / k));
      Term t = is_sum(a) ? Term{1, a, 1} : as_term(a);
      t.d *= k;
      return term_expr(normalized(std::move(t)));
    }
    case ExprOp::Pow:
      if (b.is_const() && b.value() == 1) return a;
      if (b.is_const() && b.value() == 0) return Expr(1.0);
      break;
    default: break;
  }
  return make_node(op, a, b);
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

double Expr::constant_term() const {
  if (is_const()) return value_;
  return is_sum(*this) ? linear_of(*this).k : 0.0;
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

bool pi_fraction(double v, bool exact, long& k, int& d) {
  if (v == 0 || !std::isfinite(v)) return false;
  for (int den : {1, 2, 3, 4, 6, 8, 12, 16, 32, 64}) {
    const double q = v * den / M_PI;
    const double qr = std::round(q);
    if (qr == 0 || std::fabs(qr) > 64 || std::fabs(q - qr) > 1e-9) continue;
    const long ki = static_cast<long>(qr);
    if (exact) {
      // The value of the text `k*pi/d` as the front end folds it.
      double back = ki == 1 ? M_PI : ki == -1 ? -M_PI : static_cast<double>(ki) * M_PI;
      if (den != 1) back = back / den;
      if (back != v) continue;
    }
    k = ki;
    d = den;
    return true;
  }
  return false;
}

std::string format_number(double v) {
  if (v == 0) return std::signbit(v) ? "-0.0" : "0";  // (-0 is the integer 0)
  if (std::isnan(v)) return "nan";
  long k = 0;
  int d = 1;
  if (pi_fraction(v, true, k, d)) {
    std::string s = k == 1 ? "pi" : k == -1 ? "-pi" : std::to_string(k) + "*pi";
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
  // The shortest representation that reads back identically. No %g text
  // with fewer significant digits than std::to_chars's shortest round trip
  // reads back as v, so the search starts there.
  int first = 1;
  {
    const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
    int digits = 0;
    for (const char* c = buf; c != r.ptr && *c != 'e'; ++c) digits += *c >= '0' && *c <= '9';
    first = std::max(first, digits);
  }
  for (int prec = first; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v) return buf;
  }
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string Expr::to_qasm(const std::vector<std::string>& names) const { return to_text(names, format_number); }

namespace {

// Precedence of a number's text: `pi/2` and `2*pi` are products, `-2` a
// negation.
int number_precedence(const std::string& s) {
  if (s.find_first_of("*/", 1) != std::string::npos) return 2;
  return !s.empty() && s[0] == '-' ? 3 : 10;
}

// A product of factors whose text may follow `c*` or `-` without brackets:
// read back, (c*x)*y is the same term c*(x*y). Not when the first factor is
// a sum (c*(x + 1) is distributed) or a quotient ((c*x)/y is another tree).
bool product_reads_left(const Expr& e) {
  const Expr* x = &e;
  while (!x->is_const() && x->node()->op == ExprOp::Mul) x = &x->node()->a;
  if (x->is_const()) return false;
  const ExprOp op = x->node()->op;
  return op == ExprOp::Symbol || op == ExprOp::Pow || is_function(op);
}

bool is_product(const Expr& e) { return !e.is_const() && e.node()->op == ExprOp::Mul; }

// c as m/2^p (p in 1..10, m a whole number up to 2^20): the factor of a
// term written as `m*x/2^p`, which reads back as exactly c*x.
bool dyadic(double c, double& m, int& p) {
  if (std::trunc(c) == c) return false;
  for (p = 1; p <= 10; ++p) {
    m = std::ldexp(c, p);
    if (std::fabs(m) <= 1048576 && std::trunc(m) == m) return true;
  }
  return false;
}

}  // namespace

std::string Expr::to_text(const std::vector<std::string>& names,
                          const std::function<std::string(double)>& number) const {
  if (is_const()) return number(value_);
  const ExprNode& n = *node_;
  auto wrap = [&](const Expr& e, int min_prec) {
    std::string s = e.to_text(names, number);
    const int p = e.is_const() ? number_precedence(s) : precedence(e);
    return p < min_prec ? "(" + s + ")" : s;
  };
  switch (n.op) {
    case ExprOp::Symbol:
      return n.symbol < names.size() ? names[n.symbol] : "s" + std::to_string(n.symbol);
    case ExprOp::Neg:
      if (is_product(n.a) && product_reads_left(n.a)) return "-" + n.a.to_text(names, number);
      return "-" + wrap(n.a, 4);
    case ExprOp::Add:
      // One negative term and a positive constant: `pi - x`, not `-x + pi`.
      if (n.b.is_const() && !is_sum(n.a)) {
        const Term t = as_term(n.a);
        if (std::signbit(t.c)) return wrap(n.b, 2) + " - " + wrap(term_expr(scaled(t, -1.0)), 2);
      }
      return wrap(n.a, 1) + " + " + wrap(n.b, 2);
    case ExprOp::Sub: return wrap(n.a, 1) + " - " + wrap(n.b, 2);
    case ExprOp::Mul: {
      double m = 0;
      int p = 0;
      if (n.a.is_const() && dyadic(n.a.value(), m, p)) {
        const Expr core = m == 1 ? n.b : m == -1 ? make(ExprOp::Neg, n.b, Expr()) : make(ExprOp::Mul, Expr(m), n.b);
        return wrap(core, 2) + "/" + std::to_string(1 << p);
      }
      if (n.a.is_const() && is_product(n.b) && product_reads_left(n.b))
        return wrap(n.a, 2) + "*" + n.b.to_text(names, number);
      return wrap(n.a, 2) + "*" + wrap(n.b, 3);
    }
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
