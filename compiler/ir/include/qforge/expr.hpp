// qforge/expr.hpp - symbolic, differentiable parameter expressions.
//
// A gate parameter is either a number or an expression over the circuit's
// `input` scalars (symbols), e.g. `2*x[1]` or `sin(theta)/2`. Expressions are
// immutable and shared; a constant costs no allocation. Construction folds
// constants, so an expression with no symbol is always a plain number, and
// keeps every other expression in one normal form: a sum of terms `c*base`
// (or `base/d`) in order of first use with like terms combined and all its
// constants folded into one, written last (`x + y + x + pi/2 - 1` is
// `2*x + y + 0.57079632679489656`); `x + 0`, `1*x`, `0*x`, `x - x` and
// `-(-x)` vanish and a constant factor of a sum is distributed. The text
// to_qasm prints reads back as the same tree, constants bit for bit.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace qforge {

/// Operators and functions an expression node can hold.
enum class ExprOp : uint8_t {
  Const, Symbol,
  Neg, Add, Sub, Mul, Div, Pow,
  Sin, Cos, Tan, Asin, Acos, Atan, Exp, Ln, Sqrt,
};

struct ExprNode;
struct ExprFactory;

/// Value type: a double, or a shared pointer to an immutable node.
class Expr {
 public:
  Expr() = default;                                  // the constant 0
  Expr(double v) : value_(v) {}                      // NOLINT: numbers convert
  static Expr symbol(uint32_t index);                ///< the index-th input scalar
  static Expr unary(ExprOp op, const Expr& a);       ///< Neg or a function, simplified
  static Expr binary(ExprOp op, const Expr& a, const Expr& b);  ///< simplified

  bool is_const() const { return node_ == nullptr; }
  /// The value of a constant expression (precondition: is_const()).
  double value() const { return value_; }
  const ExprNode* node() const { return node_.get(); }

  /// Evaluate with the symbol values `inputs` (indexed by symbol index).
  double eval(const double* inputs) const;
  /// d(this)/d(symbol `index`), simplified; a constant 0 when independent.
  Expr derivative(uint32_t index) const;
  /// Replace symbols that have a value in `values` (NaN means: keep symbolic).
  Expr bind(const std::vector<double>& values) const;
  /// Replace symbol i by values[i] (precondition: every symbol < values.size()).
  Expr substitute(const std::vector<Expr>& values) const;
  /// Append the indices of the symbols this expression depends on.
  void collect_symbols(std::vector<uint32_t>& out) const;
  bool depends_on_symbols() const { return !is_const(); }

  /// OpenQASM text; `symbol_names[i]` spells symbol i (e.g. "x[2]").
  /// Numbers print as format_number: `pi/2` when exactly that multiple of
  /// pi, else the shortest decimal that reads back as the same double (at
  /// most 17 significant digits); the front end reads the text back as the
  /// same expression, every constant bit for bit.
  std::string to_qasm(const std::vector<std::string>& symbol_names) const;
  /// The same layout with numbers written by `number` (the drawers write
  /// `π/2`); to_qasm is to_text with format_number.
  std::string to_text(const std::vector<std::string>& symbol_names,
                      const std::function<std::string(double)>& number) const;

  /// The constant of a constant or of a sum (`x + pi/2` has pi/2), else 0.
  double constant_term() const;

  /// Structural equality (same tree, same constants bit for bit).
  bool same_as(const Expr& other) const;

 private:
  friend struct ExprFactory;
  static Expr make(ExprOp op, const Expr& a, const Expr& b);

  double value_ = 0;
  std::shared_ptr<const ExprNode> node_;
};

struct ExprNode {
  ExprOp op;
  uint32_t symbol = 0;  ///< for Symbol
  Expr a, b;            ///< operands (b unused for unary ops)
};

Expr operator-(const Expr& a);
Expr operator+(const Expr& a, const Expr& b);
Expr operator-(const Expr& a, const Expr& b);
Expr operator*(const Expr& a, const Expr& b);
Expr operator/(const Expr& a, const Expr& b);

/// v as k*pi/d with 0 < |k| <= 64 and d in {1, 2, 3, 4, 6, 8, 12, 16, 32,
/// 64}, the smallest such d: `exact` when the text `k*pi/d` evaluates to v
/// bit for bit, else (for drawings) within 1e-9 of it.
bool pi_fraction(double v, bool exact, long& k, int& d);
/// Print a number as OpenQASM text: `pi`, `-pi/4`, `3*pi/4` when it is
/// that multiple of pi exactly (pi_fraction), else as format_decimal.
std::string format_number(double v);
/// Decimal text that reads back as exactly `v`: whole numbers in full,
/// others in the shortest %g form.
std::string format_decimal(double v);

}  // namespace qforge
