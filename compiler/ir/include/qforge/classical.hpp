// qforge/classical.hpp - run-time classical values, variables and
// expressions: what a dynamic circuit computes from its measurements.
//
// The values a program can only know while it runs (measured bits and what
// is computed from them) are kept as typed expressions over the classical
// state: the circuit's clbits (its `bit` registers) and its run-time
// variables (`bool`, `int[n]`, `uint[n]`, `float[64]`, `angle[n]`, declared
// in Circuit::vars). Everything known at compile time is folded by the front
// end and never appears here. The semantics follow the OpenQASM 3 spec:
//  - int[n]/uint[n] arithmetic wraps modulo 2^n (two's complement for int);
//    unsized int/uint are 64 bits wide;
//  - angle[n] is a fixed-point fraction of 2*pi held in n bits; + and -
//    wrap, * and / by an unsigned integer scale it;
//  - float is IEEE double (float[32] values are rounded to float);
//  - bit[n] reads as an unsigned integer with clbits[0] least significant;
//  - comparisons and logical operators give bool; casts convert as the
//    spec's cast table says (float -> int truncates toward zero,
//    int -> bit[n] keeps the low n bits, angle -> bool is "not zero",
//    float -> angle rounds to the nearest step of 2*pi / 2^n).
// Every node carries its result type, chosen by the front end by the spec's
// promotion rules; eval() computes in that type.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace qforge {

enum class CType : uint8_t { Bit, Bool, Int, Uint, Float, Angle };

/// A classical type: the kind and its width in bits (Bit: the register
/// size, 1 for `bit`; Bool: 1; Float: 64 or 32).
struct ClassicalType {
  CType kind = CType::Bool;
  uint32_t width = 1;
  bool operator==(const ClassicalType& o) const { return kind == o.kind && width == o.width; }
  bool operator!=(const ClassicalType& o) const { return !(*this == o); }
};

/// "bool", "int[8]", "uint[32]", "float[64]", "angle[20]", "bit[3]", "bit".
std::string type_name(const ClassicalType& t);

/// A classical value: Float in `f`; every other kind in the low `width`
/// bits of `u` (Int sign-extended when read with as_int, Angle as the
/// fraction u / 2^width of 2*pi).
struct CValue {
  ClassicalType type;
  uint64_t u = 0;
  double f = 0;

  static CValue of_bool(bool b);
  static CValue of_int(int64_t v, uint32_t width = 64);
  static CValue of_uint(uint64_t v, uint32_t width = 64);
  static CValue of_float(double v, uint32_t width = 64);
  static CValue of_angle(double radians, uint32_t width);
  static CValue of_bits(uint64_t v, uint32_t width);

  int64_t as_int() const;     ///< Int sign-extended; others as unsigned
  double as_float() const;    ///< Angle in radians in [0, 2*pi)
  bool as_bool() const;       ///< not zero
  bool operator==(const CValue& o) const { return type == o.type && u == o.u && (f == o.f || (f != f && o.f != o.f)); }
  /// OpenQASM text of the value (`true`, `5`, `"0101"`, `1.5`, an angle as
  /// its float in radians).
  std::string to_qasm() const;
};

/// `v` converted to `t` by the spec's casts (and the implicit conversions
/// of assignment, which are the same casts).
CValue convert(const CValue& v, const ClassicalType& t);

/// A run-time variable other than a bit register: `int[8] n;` and
/// `output float[64] f;`.
struct ClassicalVar {
  std::string name;
  ClassicalType type;
  bool output = false;  ///< declared `output`: reported with the results
};

/// The classical state of one shot while it runs: the clbits (0/1 each) and
/// a value for each Circuit::vars entry, in order.
struct ClassicalState {
  std::vector<uint8_t> clbits;
  std::vector<CValue> vars;
};

enum class COp : uint8_t {
  Const,   ///< value
  Bits,    ///< clbits read as a Bit value of width clbits.size()
  Var,     ///< variable `var`
  // unary (args[0])
  Neg, BitNot, LogNot, Cast,
  Sin, Cos, Tan, Arcsin, Arccos, Arctan, Exp, Log, Sqrt, Popcount,
  // binary (args[0], args[1])
  Add, Sub, Mul, Div, Mod, Pow, Shl, Shr, Rotl, Rotr,
  BitAnd, BitOr, BitXor, LogAnd, LogOr,
  Eq, Ne, Lt, Le, Gt, Ge,
};

struct CExprNode;

/// An immutable, shared run-time expression. Build with the static
/// functions; a null CExpr is "no expression".
class CExpr {
 public:
  CExpr() = default;
  static CExpr constant(const CValue& v);
  static CExpr bits(std::vector<uint32_t> clbits);       ///< clbits[0] least significant
  static CExpr var(uint32_t index, const ClassicalType& t);
  /// An operator or function applied to `args` with result type `t`
  /// (Cast: `t` is the target type). Operands are converted to the type
  /// the operator computes in by eval (see classical.cpp) - the front end
  /// inserts Casts where the spec's promotion rules say so.
  static CExpr apply(COp op, const ClassicalType& t, std::vector<CExpr> args);

  explicit operator bool() const { return node_ != nullptr; }
  const CExprNode& node() const { return *node_; }
  const ClassicalType& type() const;
  /// Append the clbits and variables this expression reads.
  void collect(std::vector<uint32_t>& clbits, std::vector<uint32_t>& vars) const;
  /// The same expression with every clbit index c replaced by map[c].
  CExpr remap_clbits(const std::vector<uint32_t>& map) const;

 private:
  std::shared_ptr<const CExprNode> node_;
};

struct CExprNode {
  COp op = COp::Const;
  ClassicalType type;
  CValue value;                   ///< Const
  std::vector<uint32_t> clbits;   ///< Bits
  uint32_t var = 0;               ///< Var
  std::vector<CExpr> args;        ///< operands
};

/// The value of `e` in state `s`. Division or modulo of integers by zero
/// throws std::domain_error ("division by zero"), as does a shift by a
/// negative amount.
CValue eval(const CExpr& e, const ClassicalState& s);

/// Store `v` (converted to the target's type) into variable `var`, or,
/// when `clbits` is not empty, into those clbits (clbits[0] least
/// significant; v converted to bit[clbits.size()]).
void store(ClassicalState& s, uint32_t var, const std::vector<uint32_t>& clbits,
           const std::vector<ClassicalVar>& vars, const CValue& v);

}  // namespace qforge
