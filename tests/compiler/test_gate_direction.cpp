// Gate direction: a two-qubit gate written against the calibrated direction
// becomes the calibrated one, exactly (dense unitaries, global phase
// included), and pipelines for a directed target only use calibrated
// directions.
#include "dense_reference.hpp"
#include "qforge/equiv.hpp"
#include "qforge/passes.hpp"
#include "qforge/pipeline.hpp"

#include <gtest/gtest.h>

#include <random>

namespace qforge {
namespace {

double max_diff(const Eigen::MatrixXcd& a, const Eigen::MatrixXcd& b) { return (a - b).cwiseAbs().maxCoeff(); }

TEST(GateDirection, ReversedEcrIsExact) {
  Circuit c;
  c.num_qubits = 3;
  c.ops = {make_gate(GateId::H, {2}), make_gate(GateId::ECR, {0, 2}), make_gate(GateId::ECR, {2, 1}),
           make_gate(GateId::RX, {0}, {Expr(0.3)}), make_gate(GateId::ECR, {2, 0})};
  Circuit r = c;
  auto pass = createGateDirectionPass({GateId::ECR, {{2, 0}, {2, 1}}});
  EXPECT_TRUE(pass->run(r));
  EXPECT_EQ(pass->report(), "1 turned around");
  int ecr = 0;
  for (const Operation& op : r.ops) {
    if (op.gate == GateId::ECR) {
      ++ecr;
      EXPECT_EQ(op.qubits[0], 2u);
    } else if (&op - r.ops.data() > 0 && op.gate != GateId::RX && op.gate != GateId::H) {
      EXPECT_TRUE(op.gate == GateId::RZ || op.gate == GateId::SX || op.gate == GateId::X) << gate_info(op.gate).name;
    }
  }
  EXPECT_EQ(ecr, 3);
  EXPECT_LT(max_diff(ref::circuit_unitary(c), ref::circuit_unitary(r)), 1e-12);
}

TEST(GateDirection, ReversedCzSwapsOperands) {
  Circuit c;
  c.num_qubits = 2;
  c.ops = {make_gate(GateId::CZ, {1, 0}), make_gate(GateId::CZ, {0, 1})};
  Circuit r = c;
  createGateDirectionPass({GateId::CZ, {{0, 1}}})->run(r);
  ASSERT_EQ(r.ops.size(), 2u);
  for (const Operation& op : r.ops) EXPECT_EQ(op.qubits, (std::vector<uint32_t>{0, 1}));
  EXPECT_LT(max_diff(ref::circuit_unitary(c), ref::circuit_unitary(r)), 1e-12);
}

TEST(GateDirection, UncalibratedBothWaysIsLeftForTheChecker) {
  Circuit c;
  c.num_qubits = 3;
  c.ops = {make_gate(GateId::ECR, {0, 2})};
  Circuit r = c;
  EXPECT_FALSE(createGateDirectionPass({GateId::ECR, {{0, 1}}})->run(r));
  EXPECT_EQ(r.ops[0].qubits, (std::vector<uint32_t>{0, 2}));
}

// Every level of a directed ecr target: only calibrated directions, and the
// same circuit (global phase included) under the recorded layouts.
TEST(GateDirection, DirectedTargetPipelines) {
  Target t = make_target("ibm_eagle", "[[0,1],[1,2],[2,3],[3,4],[1,5]]");
  t.directions = {{1, 0}, {1, 2}, {1, 5}, {3, 2}, {4, 3}};
  std::mt19937_64 rng(11);
  for (int level = 0; level <= 3; ++level) {
    Circuit c;
    c.num_qubits = 5;
    for (int k = 0; k < 30; ++k) {
      uint32_t a = rng() % 5, b = rng() % 5;
      if (a == b) c.ops.push_back(make_gate(k % 2 ? GateId::H : GateId::T, {a}));
      else c.ops.push_back(make_gate(k % 3 ? GateId::CX : GateId::CZ, {a, b}));
    }
    CompileResult r = run_pipeline(c, level, t, true);
    EXPECT_EQ(check_target(r.circuit, t), "") << "O" << level;
    EquivOptions o;
    o.initial_layout = r.initial_layout;
    o.final_layout = r.final_layout;
    EquivResult e = check_equivalence(c, r.circuit, o);
    EXPECT_TRUE(e.equivalent) << "O" << level << ": " << e.detail;
    EXPECT_NEAR(e.global_phase, 0, 1e-9) << "O" << level;
  }
}

TEST(GateDirection, CheckerNamesTheReversedGate) {
  Target t = make_target("ibm_eagle", "line:2");
  t.directions = {{1, 0}};
  Circuit c;
  c.num_qubits = 2;
  c.physical_qubits = true;
  c.ops = {make_gate(GateId::ECR, {0, 1})};
  EXPECT_EQ(check_target(c, t), "operation 0 (ecr): the device has ecr $1, $0 only");
}

}  // namespace
}  // namespace qforge
