// Drawings of dynamic circuits: control flow as Qiskit's drawers draw it
// (an open box with the condition, the blocks' operations, End), worked out
// by hand from draw_text's layout rules.
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
  // Columns: H (5 wide), M (3), the If box (14: its label and borders, the
  // condition's ■ under its middle), X (5), End (8), then one wire end.
  const std::string want = "     ┌───┐┌─┐\n"
                           "q_0: ┤ H ├┤M├" + rep("─", 28) + "\n"
                           "     └───┘└╥┘┌─────────────┌───┐───────┐\n"
                           "q_1: ──────╫─┤ If-0 c == 1 ┤ X ├ End-0 ├─\n"
                           "           ║ └──────╥──────└───┘────╥──┘\n"
                           "c: 1/══════╩═" + rep("═", 7) + "■" + rep("═", 6) + rep("═", 5) + "════╩═══" + "═\n"
                           "           0\n";
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
  for (const char* label : {"If-0 c_0 == 1", "Else-0", "End-0", "While-0 n < 3", "n = n + 1", "If-1 c_1 == 1",
                            "break", "End-1", "For-0 i in [0:1:2]", "Rz(float[64](i))", "Switch-0 c",
                            "Case-0 0", "Case-0 1, 2", "Case-0 default"})
    EXPECT_NE(t.find(label), std::string::npos) << label << "\n" << t;
  const std::string svg = draw_svg(c);
  for (const char* label : {"If-0 c_0 == 1", "Else-0", "While-0 n &lt; 3", "Switch-0 c", "Case-0 default"})
    EXPECT_NE(svg.find(label), std::string::npos) << label;
}

}  // namespace
}  // namespace qforge
