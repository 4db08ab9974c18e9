// Drawings of dynamic circuits: control flow and conditions as Qiskit's
// drawers draw them (an open box, the condition on the classical wires, the
// blocks' operations, End), worked out by hand from draw_text's layout rules.
#include "classical_builders.hpp"

#include "qforge/draw.hpp"

#include <gtest/gtest.h>

namespace qforge {
namespace {

using namespace build;

std::string rep(const char* s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(DrawClassical, IfOnARegister) {
  // h q0; c[0] = measure q0; if (c == 1) { x q1; }
  Circuit c = circuit(2, 1);
  c.ops = {make_gate(GateId::H, {0}), make_measure({0}, {0}), if_(bits_eq({0}, 1), {make_gate(GateId::X, {1})})};
  // As Qiskit's text drawer draws `if_test((c, 1))`: `If-0` open to the
  // right, a double line from it to `╡ 0x1 ╞` on the register's wire (the
  // `╥` over the `╨` keeps its own text line), X, then End-0, which holds
  // the register's wire without drawing on it.
  const std::string want = "     ┌───┐┌─┐\n"
                           "q_0: ┤ H ├┤M├" + rep("─", 21) + "\n"
                           "     └───┘└╥┘┌──────┌───┐───────┐\n"
                           "q_1: ──────╫─┤ If-0 ┤ X ├ End-0 ├─\n"
                           "           ║ └──╥───└───┘───────┘\n"
                           "           ║ ┌──╨──┐\n"
                           "c: 1/══════╩═╡ 0x1 ╞" + rep("═", 14) + "\n"
                           "           0 └─────┘\n";
  EXPECT_EQ(draw_text(c), want) << draw_text(c);
}

TEST(DrawClassical, EveryConstructDrawsAndSvgToo) {
  // if/else, while with an assignment and a break, for, switch, a RuntimeGate.
  Circuit c = circuit(2, 2, {{"n", int_t(4), false}, {"i", int_t(8), false}});
  const CExpr n = var(0, int_t(4));
  c.ops = {make_measure({0}, {0}),
           if_(bits_eq({0}, 1), {make_gate(GateId::X, {1})}, {make_gate(GateId::H, {1})}),
           while_(bin(COp::Lt, kBool, n, k_int(3, 4)),
                  {make_gate(GateId::H, {0}), assign(0, bin(COp::Add, int_t(4), n, k_int(1, 4))),
                   if_(bits_eq({1}, 1), {simple(OpKind::Break)})}),
           for_(1, 0, 1, 2, {runtime_gate(GateId::RZ, {0}, {CExpr::apply(COp::Cast, kFloat, {var(1, int_t(8))})})}),
           switch_(CExpr::bits({0, 1}), {{0}, {1, 2}, {}}, {{make_gate(GateId::X, {0})}, {}, {make_gate(GateId::Z, {1})}})};
  ASSERT_EQ(c.verify(), "");
  const std::string t = draw_text(c);
  // (bits, value) conditions and the switch's register are written at the
  // wire, as Qiskit writes its tuple conditions; loops on variables in the box.
  for (const char* label : {"┤ If-0 ", "╡ c_0=0x1 ╞", "Else-0", "End-0", "While-0 n < 3", "n = n + 1", "┤ If-1 ",
                            "╡ c_1=0x1 ╞", "break", "End-1", "For-0 i in [0:1:2]", "Rz(float[64](i))",
                            "┤ Switch-0 ", "╡ c ╞", "Case-0 0", "Case-0 1, 2", "Case-0 default"})
    EXPECT_NE(t.find(label), std::string::npos) << label << "\n" << t;
  EXPECT_EQ(t.find("=="), std::string::npos) << t;
  const std::string svg = draw_svg(c);
  for (const char* label : {">If-0<", ">c_0=0x1<", "Else-0", "While-0 n &lt; 3", ">Switch-0<", "Case-0 default"})
    EXPECT_NE(svg.find(label), std::string::npos) << label;
  int cs = 0;  // the register's name at its wire and under the switch's circle
  for (auto p = svg.find(">c</text>"); p != std::string::npos; p = svg.find(">c</text>", p + 1)) ++cs;
  EXPECT_EQ(cs, 2);
}

/// q[2], c = bit[2] and a lone `bit f` (clbit 2).
Circuit with_lone_bit() {
  Circuit c = circuit(2, 3);
  c.cregs = {Register{"c", 0, 2, true}, Register{"f", 2, 1, false}};
  return c;
}

TEST(DrawClassical, ExpressionConditionMarksTheBitsItReads) {
  // if (c[0] && f) { x q[1]; }: not a (bits, value) test, so the expression
  // is in the box (as Qiskit writes an expr condition) and each register it
  // reads is marked: a box naming the bits read on c, a bullet on f.
  Circuit c = with_lone_bit();
  c.ops = {if_(bin(COp::LogAnd, kBool, CExpr::bits({0}), CExpr::bits({2})), {make_gate(GateId::X, {1})})};
  ASSERT_EQ(c.verify(), "");
  const std::string want = "\n"
                           "q_0: " + rep("─", 30) + "\n"
                           "     ┌───────────────┌───┐───────┐\n"
                           "q_1: ┤ If-0 c_0 && f ┤ X ├ End-0 ├─\n"
                           "     └───────╥───────└───┘───────┘\n"
                           "          ┌──╨──┐\n"
                           "c: 2/═════╡ c_0 ╞" + rep("═", 18) + "\n"
                           "          └──╥──┘\n"
                           "  f: ════════■" + rep("═", 21) + "\n"
                           "\n";
  EXPECT_EQ(draw_text(c), want) << draw_text(c);
}

TEST(DrawClassical, ConditionValuesAsQiskitWritesThem) {
  // Conditions kept on operations (`if (...) x q;`), one per column.
  Circuit c = with_lone_bit();
  auto x_when = [](std::vector<uint32_t> bits, uint64_t v, bool equal) {
    Operation op = make_gate(GateId::X, {0});
    op.conditions.push_back({std::move(bits), v, equal});
    return op;
  };
  c.ops = {x_when({1}, 0, false),    // c[1] != 0: the bit wanted 1
           x_when({0, 1}, 3, false), // c != 3
           x_when({1, 0}, 1, true),  // {c[1], c[0]} == 1: not the register in order
           x_when({2}, 0, true),     // f == 0: an open bullet
           x_when({2}, 1, true)};    // f == 1: a filled bullet
  const std::string t = draw_text(c);
  for (const char* mark : {"╡ c_1=0x1 ╞", "╡ !=0x3 ╞", "╡ c_1,c_0=0x1 ╞", "═o═", "═■═"})
    EXPECT_NE(t.find(mark), std::string::npos) << mark << "\n" << t;
  // The diagram: a circle per condition, open only for f == 0, the value
  // under the register's circles, none under a lone bit's.
  const std::string svg = draw_svg(c);
  auto count = [&](const std::string& what) {
    int n = 0;
    for (auto p = svg.find(what); p != std::string::npos; p = svg.find(what, p + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("r=\"6\" fill=\"#778899\""), 4);
  EXPECT_EQ(count("r=\"6\" fill=\"#FFFFFF\""), 1);
  for (const char* text : {">c_1=0x1<", ">!=0x3<", ">c_1,c_0=0x1<"}) EXPECT_EQ(count(text), 1) << text;
}

}  // namespace
}  // namespace qforge
