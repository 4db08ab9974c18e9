// qforge/expr.hpp - symbolic, differentiable parameter expressions.
//
// A gate parameter is either a number or an expression over the circuit's
// `input` scalars (symbols), e.g. `2*x[1]` or `sin(theta)/2`. Expressions are
// immutable and shared; a constant costs no allocation. Construction folds
// constants, so an expression with no symbol is always a plain number.
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

/// Value type: a double, or a shared pointer to an immutable node.
class Expr {
 public:
  Expr() = default;                                  // the constant 0
  Expr(double v) : value_(v) {}                      // NOLINT: numbers convert
  static Expr symbol(uint32_t index);                ///< the index-th input scalar
  static Expr unary(ExprOp op, const Expr& a);       ///< Neg or a function
  static Expr binary(ExprOp op, const Expr& a, const Expr& b);

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
  /// Constants that are exactly k*pi/d for small k, d print as such (`pi/2`);
  /// other numbers print with 17 significant digits, so text round-trips.
  std::string to_qasm(const std::vector<std::string>& symbol_names) const;
  /// The same layout with numbers written by `number` (the drawers write
  /// `π/2`); to_qasm is to_text with format_number.
  std::string to_text(const std::vector<std::string>& symbol_names,
                      const std::function<std::string(double)>& number) const;

  /// Structural equality (same tree, same constants bit for bit).
  bool same_as(const Expr& other) const;

 private:
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

/// Print a number as OpenQASM text: a multiple of pi when exact, else as
/// format_decimal.
std::string format_number(double v);
/// Decimal text that reads back as exactly `v`: whole numbers in full,
/// others in the shortest %g form.
std::string format_decimal(double v);

}  // namespace qforge
