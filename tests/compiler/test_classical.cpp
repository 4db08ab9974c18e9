// Run-time classical values: eval, casts and stores against values worked
// out by hand from the OpenQASM 3 spec's rules, and the IR's checks of
// structured control flow.
#include "qforge/circuit.hpp"
#include "qforge/classical.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace qforge {
namespace {

const ClassicalType kBool{CType::Bool, 1};
ClassicalType int_t(uint32_t w) { return {CType::Int, w}; }
ClassicalType uint_t(uint32_t w) { return {CType::Uint, w}; }
ClassicalType angle_t(uint32_t w) { return {CType::Angle, w}; }
const ClassicalType kFloat{CType::Float, 64};

CExpr k(const CValue& v) { return CExpr::constant(v); }
CExpr bin(COp op, const ClassicalType& t, CExpr a, CExpr b) { return CExpr::apply(op, t, {std::move(a), std::move(b)}); }

TEST(Classical, IntegersWrapAtTheirWidth) {
  ClassicalState s;
  // int[8]: 100 + 100 = 200 wraps to -56; uint[4]: 9 + 9 = 18 mod 16 = 2.
  EXPECT_EQ(eval(bin(COp::Add, int_t(8), k(CValue::of_int(100, 8)), k(CValue::of_int(100, 8))), s).as_int(), -56);
  EXPECT_EQ(eval(bin(COp::Add, uint_t(4), k(CValue::of_uint(9, 4)), k(CValue::of_uint(9, 4))), s).as_int(), 2);
  // Signed division truncates toward zero; modulo takes the dividend's sign.
  EXPECT_EQ(eval(bin(COp::Div, int_t(32), k(CValue::of_int(-7, 32)), k(CValue::of_int(2, 32))), s).as_int(), -3);
  EXPECT_EQ(eval(bin(COp::Mod, int_t(32), k(CValue::of_int(-7, 32)), k(CValue::of_int(2, 32))), s).as_int(), -1);
  // Arithmetic right shift on int, logical on uint.
  EXPECT_EQ(eval(bin(COp::Shr, int_t(8), k(CValue::of_int(-8, 8)), k(CValue::of_int(1))), s).as_int(), -4);
  EXPECT_EQ(eval(bin(COp::Shr, uint_t(8), k(CValue::of_uint(0xF0, 8)), k(CValue::of_int(4))), s).as_int(), 0x0F);
  // 3 ** 4 = 81 in uint[8]; 3 ** 5 = 243; 3 ** 6 = 729 mod 256 = 217.
  EXPECT_EQ(eval(bin(COp::Pow, uint_t(8), k(CValue::of_uint(3, 8)), k(CValue::of_uint(6, 8))), s).as_int(), 217);
  EXPECT_THROW(eval(bin(COp::Div, int_t(32), k(CValue::of_int(1, 32)), k(CValue::of_int(0, 32))), s),
               std::domain_error);
}

TEST(Classical, BitRegistersReadLeastSignificantFirst) {
  ClassicalState s;
  s.clbits = {1, 0, 1, 1};  // c[0]=1, c[1]=0, c[2]=1, c[3]=1: "1101" = 13
  const CExpr c = CExpr::bits({0, 1, 2, 3});
  EXPECT_EQ(eval(c, s).u, 13u);
  EXPECT_EQ(eval(c, s).to_qasm(), "\"1101\"");
  EXPECT_TRUE(eval(bin(COp::Eq, kBool, c, k(CValue::of_int(13))), s).as_bool());
  EXPECT_EQ(eval(CExpr::apply(COp::Popcount, uint_t(64), {c}), s).u, 3u);
  // Rotating bit[4] "1101" left by 1 gives "1011" = 11.
  EXPECT_EQ(eval(bin(COp::Rotl, {CType::Bit, 4}, c, k(CValue::of_int(1))), s).u, 11u);
  // Storing 6 = "0110" into c[1], c[3] (c[1] least significant) keeps the
  // low two bits "10": c[1] = 0, c[3] = 1.
  store(s, ClassicalData::kNoVar, {1, 3}, {}, CValue::of_int(6));
  EXPECT_EQ(s.clbits, (std::vector<uint8_t>{1, 0, 1, 1}));
  store(s, ClassicalData::kNoVar, {1, 3}, {}, CValue::of_int(1));
  EXPECT_EQ(s.clbits, (std::vector<uint8_t>{1, 1, 1, 0}));
}

TEST(Classical, Casts) {
  // float -> int truncates toward zero.
  EXPECT_EQ(convert(CValue::of_float(-2.7), int_t(32)).as_int(), -2);
  // int -> bit[3] keeps the low three bits: -1 -> "111".
  EXPECT_EQ(convert(CValue::of_int(-1, 32), {CType::Bit, 3}).u, 7u);
  // int -> bool is "not zero"; bool -> int is 0 or 1.
  EXPECT_TRUE(convert(CValue::of_int(-4), kBool).as_bool());
  EXPECT_EQ(convert(CValue::of_bool(true), int_t(8)).as_int(), 1);
  // float -> angle[4]: steps of 2*pi/16; pi/2 is 4 steps, 0.12 of 2*pi is
  // 1.92 steps and rounds to 2, -pi/2 wraps to 12 steps.
  EXPECT_EQ(convert(CValue::of_float(M_PI / 2), angle_t(4)).u, 4u);
  EXPECT_EQ(convert(CValue::of_float(0.12 * 2 * M_PI), angle_t(4)).u, 2u);
  EXPECT_EQ(convert(CValue::of_float(-M_PI / 2), angle_t(4)).u, 12u);
  // angle[4] 4 steps -> float pi/2; -> angle[8] 64 steps; angle[8] 7 steps
  // -> angle[4] rounds 7/16 = 0.4375 to 0 steps, 8 steps -> 1 (ties up).
  EXPECT_DOUBLE_EQ(CValue::of_angle(M_PI / 2, 4).as_float(), M_PI / 2);
  EXPECT_EQ(convert(CValue::of_angle(M_PI / 2, 4), angle_t(8)).u, 64u);
  EXPECT_EQ(convert(CValue{angle_t(8), 7, 0}, angle_t(4)).u, 0u);
  EXPECT_EQ(convert(CValue{angle_t(8), 8, 0}, angle_t(4)).u, 1u);
  EXPECT_THROW(convert(CValue::of_float(NAN), int_t(8)), std::domain_error);
}

TEST(Classical, AnglesWrapAndScale) {
  ClassicalState s;
  // angle[3]: 6 steps + 5 steps = 11 mod 8 = 3; 3 steps * 3 = 9 mod 8 = 1.
  const CExpr a = k(CValue{angle_t(3), 6, 0}), b = k(CValue{angle_t(3), 5, 0});
  EXPECT_EQ(eval(bin(COp::Add, angle_t(3), a, b), s).u, 3u);
  EXPECT_EQ(eval(bin(COp::Mul, angle_t(3), k(CValue{angle_t(3), 3, 0}), k(CValue::of_uint(3))), s).u, 1u);
  EXPECT_EQ(eval(CExpr::apply(COp::Neg, angle_t(3), {k(CValue{angle_t(3), 3, 0})}), s).u, 5u);
  // Comparing angles of different widths compares the same fraction.
  EXPECT_TRUE(eval(bin(COp::Eq, kBool, k(CValue{angle_t(3), 2, 0}), k(CValue{angle_t(5), 8, 0})), s).as_bool());
}

TEST(Classical, VariablesAndMixedComparisons) {
  ClassicalState s;
  std::vector<ClassicalVar> vars = {{"n", int_t(8), false}, {"f", kFloat, true}};
  s.vars = {CValue::of_int(0, 8), CValue::of_float(0)};
  store(s, 0, {}, vars, CValue::of_int(300));  // 300 mod 256 = 44
  EXPECT_EQ(s.vars[0].as_int(), 44);
  store(s, 1, {}, vars, CValue::of_int(-3));
  EXPECT_EQ(s.vars[1].f, -3.0);
  // int[8] -3 vs uint 250: compared as signed 64-bit integers, -3 < 250.
  store(s, 0, {}, vars, CValue::of_int(-3));
  EXPECT_TRUE(eval(bin(COp::Lt, kBool, CExpr::var(0, int_t(8)), k(CValue::of_uint(250))), s).as_bool());
  // Float vs int compares as float: -3.0 == -3.
  EXPECT_TRUE(eval(bin(COp::Eq, kBool, CExpr::var(1, kFloat), CExpr::var(0, int_t(8))), s).as_bool());
  // Short-circuit: false && (1/0 == 0) is false without evaluating 1/0.
  const CExpr bad = bin(COp::Eq, kBool, bin(COp::Div, int_t(8), k(CValue::of_int(1, 8)), k(CValue::of_int(0, 8))),
                        k(CValue::of_int(0, 8)));
  EXPECT_FALSE(eval(bin(COp::LogAnd, kBool, k(CValue::of_bool(false)), bad), s).as_bool());
}

TEST(ClassicalIr, ControlFlowHoldsWhatItsBlocksUse) {
  Circuit c;
  c.num_qubits = 3;
  c.num_clbits = 2;
  c.vars = {{"n", int_t(8), false}};
  ClassicalData inc;
  inc.var = 0;
  inc.value = bin(COp::Add, int_t(8), CExpr::var(0, int_t(8)), k(CValue::of_int(1, 8)));
  Operation assign;
  assign.kind = OpKind::Assign;
  assign.classical = std::make_shared<const ClassicalData>(inc);
  ClassicalData cond;
  cond.value = bin(COp::Eq, kBool, CExpr::bits({1}), k(CValue::of_int(0)));
  Operation loop = make_control_flow(
      OpKind::While, cond, {{make_gate(GateId::H, {2}), make_measure({2}, {1}), assign, Operation{OpKind::Break}}});
  EXPECT_EQ(loop.qubits, (std::vector<uint32_t>{2}));
  EXPECT_EQ(loop.clbits, (std::vector<uint32_t>{1}));
  c.ops.push_back(loop);
  EXPECT_EQ(c.verify(), "");
  EXPECT_TRUE(has_classical(c));
  int n = 0;
  for_each_operation(c.ops, [&](const Operation&) { ++n; });
  EXPECT_EQ(n, 5);

  Circuit bad = c;
  bad.ops.push_back(Operation{OpKind::Break});
  EXPECT_EQ(bad.verify(), "operation 1: break outside a loop");
  bad = c;
  bad.vars.clear();
  EXPECT_EQ(bad.verify(), "operation 0: block 0: operation 2: uses variable 0 out of range");
}

}  // namespace
}  // namespace qforge
