// Statistics of dynamic circuits: the operations inside blocks count as
// written, control flow under Qiskit's names, depth sees a control-flow
// operation as one instruction on its qubits and clbits (values by hand).
#include "classical_builders.hpp"

#include "qforge/stats.hpp"

#include <gtest/gtest.h>

namespace qforge {
namespace {

using namespace build;

Circuit sample() {
  // h q0; measure q0 -> c0; if (c == 1) { x q1; cx q0, q1 } else { h q1 }
  // while (n < 2) { rz(float(n)) q0; n = n + 1 }
  Circuit c = circuit(2, 1, {{"n", int_t(4), false}});
  const CExpr n = var(0, int_t(4));
  c.ops = {make_gate(GateId::H, {0}), make_measure({0}, {0}),
           if_(bits_eq({0}, 1), {make_gate(GateId::X, {1}), make_gate(GateId::CX, {0, 1})}, {make_gate(GateId::H, {1})}),
           while_(bin(COp::Lt, kBool, n, k_int(2, 4)),
                  {runtime_gate(GateId::RZ, {0}, {CExpr::apply(COp::Cast, kFloat, {n})}),
                   assign(0, bin(COp::Add, int_t(4), n, k_int(1, 4)))})};
  return c;
}

TEST(StatsClassical, CountsInsideBlocksAndControlFlow) {
  const CircuitStats s = circuit_stats(sample());
  // h x2, measure, x, cx, rz, if_else, while_loop, store: 9 operations.
  EXPECT_EQ(s.total, 9u);
  EXPECT_EQ(s.two_qubit, 1u);
  EXPECT_EQ(s.control_flow, 2u);
  // h (q0: 1), measure (q0, c0: 2), if on q0, q1, c0 (3), while on q0 (4).
  EXPECT_EQ(s.depth, 4u);
  EXPECT_EQ(stats_text(s),
            "qubits:     2\n"
            "clbits:     1\n"
            "total:      9\n"
            "two_qubit:  1\n"
            "depth:      4\n"
            "t_count:    0\n"
            "control_flow: 2\n"
            "counts:\n"
            "  cx          1\n"
            "  h           2\n"
            "  if_else     1\n"
            "  measure     1\n"
            "  rz          1\n"
            "  store       1\n"
            "  while_loop  1\n"
            "  x           1\n");
  EXPECT_NE(stats_json(s).find("\"control_flow\": 2"), std::string::npos);
}

TEST(StatsClassical, PlainCircuitsReportAsBefore) {
  Circuit c = circuit(1, 1);
  c.ops = {make_gate(GateId::T, {0}), make_measure({0}, {0})};
  const CircuitStats s = circuit_stats(c);
  EXPECT_EQ(s.control_flow, 0u);
  EXPECT_EQ(stats_text(s).find("control_flow"), std::string::npos);
  EXPECT_EQ(stats_json(s).find("control_flow"), std::string::npos);
}

}  // namespace
}  // namespace qforge
