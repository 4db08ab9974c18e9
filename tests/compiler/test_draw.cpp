// Golden text drawings in the style of Qiskit's text drawer.
#include "qforge/draw.hpp"
#include "test_emit_helpers.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace qforge {
namespace {

using namespace test_emit;
using G = GateId;

// ry(0.1 k) on alternating physical qubits, then cx $0, $1.
Circuit ry_ladder() {
  Circuit c = circuit(2, 0, {});
  for (int i = 0; i < 6; ++i) c.ops.push_back(gate(G::RY, {static_cast<uint32_t>(i % 2)}, {0.1 * i}));
  c.ops.push_back(gate(G::CX, {0, 1}));
  c.physical_qubits = true;
  return c;
}

TEST(Draw, Bell) {
  Circuit c = circuit(2, 2, {gate(G::H, {0}), gate(G::CX, {0, 1}), measure(0, 0), measure(1, 1)});
  EXPECT_EQ(draw_text(c), R"(     ┌───┐     ┌─┐
q_0: ┤ H ├──■──┤M├────
     └───┘┌─┴─┐└╥┘┌─┐
q_1: ─────┤ X ├─╫─┤M├─
          └───┘ ║ └╥┘
c: 2/═══════════╩══╩══
                0  1
)");
}

TEST(Draw, ControlsSwapsAndMultiQubitBoxes) {
  // ctrl @ rzz with its control inside the box: the control shows as `■` in it.
  Circuit c = circuit(3, 0, {gate(G::RZ, {0}, {M_PI / 2}), gate(G::CX, {2, 0}), gate(G::H, {1}),
                             gate(G::Swap, {0, 2}), gate(G::CSwap, {1, 0, 2}), gate(G::CCZ, {0, 1, 2}),
                             gate(G::CP, {0, 2}, {-3 * M_PI / 4}), gate(G::RXX, {1, 2}, {0.123456}),
                             gate(G::RZZ, {1, 0, 2}, {1.0}, 1)});
  EXPECT_EQ(draw_text(c), R"(     ┌─────────┐┌───┐                                            ┌──────────┐
q_0: ┤ Rz(π/2) ├┤ X ├──────X──X──■───────■───────────────────────┤0         ├─
     └─────────┘└─┬─┘┌───┐ │  │  │       │     ┌────────────────┐│          │
q_1: ─────────────┼──┤ H ├─┼──■──■───────┼─────┤0               ├┤■ Rzz(1)  ├─
                  │  └───┘ │  │  │ ┌─────┴────┐│  Rxx(0.12346)  ││          │
q_2: ─────────────■────────X──X──■─┤ P(-3π/4) ├┤1               ├┤1         ├─
                                   └──────────┘└────────────────┘└──────────┘
)");
}

TEST(Draw, ConditionsAndRegisters) {
  // As Qiskit's text drawer: a lone bit's condition is a bullet on its wire;
  // a register's is a box with the value (`0x2`); bits of two registers: a
  // bullet on the upper, a box naming them all on the lower. Where a `╥`
  // meets a box's `╨`, the two text lines stay apart.
  Circuit c = circuit(2, 3, {gate(G::H, {0}), measure(0, 2), when(gate(G::X, {1}), {2}, 1),
                             when(gate(G::X, {1}), {0, 1}, 2),
                             when(gate(G::CX, {1, 0}), {0, 1, 2}, 5, false)});
  c.cregs = {reg("c", 0, 2), reg("flag", 2, 1, false)};
  EXPECT_EQ(draw_text(c), R"(      ┌───┐┌─┐                    ┌───┐
 q_0: ┤ H ├┤M├────────────────────┤ X ├─────────
      └───┘└╥┘┌───┐ ┌───┐         └─┬─┘
 q_1: ──────╫─┤ X ├─┤ X ├───────────■───────────
            ║ └─╥─┘ └─╥─┘           ║
            ║   ║  ┌──╨──┐          ║
 c: 2/══════╬═══╬══╡ 0x2 ╞══════════■═══════════
            ║   ║  └─────┘┌─────────╨─────────┐
flag: ══════╩═══■═════════╡ c_0,c_1,flag!=0x5 ╞═
                          └───────────────────┘
)");
}

TEST(Draw, BarrierResetDelayAndParameters) {
  Circuit c = circuit(3, 0, {gate(G::H, {0}), other(OpKind::Barrier, {0, 2}), other(OpKind::Reset, {1}),
                             delay(100, "ns", {2}), gate(G::U3, {1}, {Expr::symbol(0), 0.0, M_PI}),
                             gate(G::SX, {0}), gate(G::SXdg, {2}), gate(G::ECR, {2, 0})});
  c.inputs = {input("theta", 0)};
  c.qregs = {reg("a", 0, 2), reg("b", 2, 1, false)};
  EXPECT_EQ(draw_text(c), R"(     ┌───┐ ░       ┌────┐                       ┌───────┐
a_0: ┤ H ├─░───────┤ √X ├───────────────────────┤1      ├─
     └───┘ ░       └────┘      ┌───────────────┐│       │
a_1: ────────────────|0>───────┤ U3(theta,0,π) ├│  Ecr  │─
           ░ ┌────────────────┐└───┬──────┬────┘│       │
  b: ──────░─┤ Delay(100[ns]) ├────┤ √Xdg ├─────┤0      ├─
           ░ └────────────────┘    └──────┘     └───────┘
)");
}

TEST(Draw, PhysicalQubits) {
  EXPECT_EQ(draw_text(ry_ladder()), R"(     ┌───────┐ ┌─────────┐┌─────────┐
$0: ─┤ Ry(0) ├─┤ Ry(0.2) ├┤ Ry(0.4) ├──■───
    ┌┴───────┴┐├─────────┤├─────────┤┌─┴─┐
$1: ┤ Ry(0.1) ├┤ Ry(0.3) ├┤ Ry(0.5) ├┤ X ├─
    └─────────┘└─────────┘└─────────┘└───┘
)");
}

TEST(Draw, Folded) {
  // Blocks at most 30 characters wide, continued with `«`.
  EXPECT_EQ(draw_text(ry_ladder(), 30), R"(     ┌───────┐ ┌─────────┐»
$0: ─┤ Ry(0) ├─┤ Ry(0.2) ├»
    ┌┴───────┴┐├─────────┤»
$1: ┤ Ry(0.1) ├┤ Ry(0.3) ├»
    └─────────┘└─────────┘»

«    ┌─────────┐
«$0: ┤ Ry(0.4) ├──■───
«    ├─────────┤┌─┴─┐
«$1: ┤ Ry(0.5) ├┤ X ├─
«    └─────────┘└───┘
)");
}

TEST(Draw, EmptyAndWireOnly) {
  EXPECT_EQ(draw_text(Circuit{}), "");
  Circuit c = circuit(1, 1, {});
  // Empty top, merged and bottom lines stay, so every wire keeps its place.
  EXPECT_EQ(draw_text(c), "\nq_0: ─\n\nc: 1/═\n\n");
}

// A column wider than the limit is not split: each block holds at least one.
TEST(Draw, NarrowLimitKeepsWholeColumns) {
  Circuit c = circuit(1, 0, {gate(G::RZ, {0}, {0.5}), gate(G::H, {0})});
  EXPECT_EQ(draw_text(c, 5), R"(     ┌─────────┐»
q_0: ┤ Rz(0.5) ├»
     └─────────┘»

«     ┌───┐
«q_0: ┤ H ├─
«     └───┘
)");
}

TEST(Draw, SymbolicExpressions) {
  Circuit c = circuit(1, 0, {gate(G::RX, {0}, {Expr::symbol(1) * Expr(M_PI / 2) - Expr::symbol(0)})});
  c.inputs = {input("a", 0), input("w", 1, {2})};
  EXPECT_EQ(draw_text(c), R"(     ┌──────────────────┐
q_0: ┤ Rx(π/2*w[0] - a) ├─
     └──────────────────┘
)");
}

}  // namespace
}  // namespace qforge
