// The optimizing passes and pipelines on circuits with run-time classical
// logic: nothing moves, cancels or merges across an assignment, a
// RuntimeGate, a control-flow operation or `end`; the gates inside blocks
// are optimised; every result has the classical-quantum state of its input
// (the exhaustive-branch density-matrix reference, ref::classical_branches).
#include "classical_builders.hpp"

#include "qforge/passes.hpp"
#include "qforge/pipeline.hpp"

#include <gtest/gtest.h>

namespace qforge {
namespace {

using namespace build;

void expect_same_state(const Circuit& a, const Circuit& b, const std::string& what) {
  EXPECT_LT(ref::branch_distance(reference(a), reference(b)), 1e-9) << what;
}

std::size_t gates_in(const std::vector<Operation>& ops) {
  std::size_t n = 0;
  for_each_operation(ops, [&](const Operation& op) { n += op.kind == OpKind::Gate; });
  return n;
}

TEST(PassesClassical, NothingCancelsAcrossEnd) {
  // h; end; h: the second h never runs, so the state is |+><+|, not |0><0|.
  Circuit c = circuit(1, 0);
  c.ops = {make_gate(GateId::H, {0}), simple(OpKind::End), make_gate(GateId::H, {0})};
  Circuit out = c;
  auto p = createInverseCancellationPass();
  p->set_checks(true);
  p->apply(out);
  EXPECT_EQ(out.ops.size(), 3u);
  expect_same_state(c, out, "h end h");
  const auto r = reference(out);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_NEAR(r[0].rho(0, 1).real(), 0.5, 1e-12);  // |+><+| by hand
}

TEST(PassesClassical, NothingMergesThroughARuntimeGateOrAnAssignment) {
  // rz(0.3) rz(n * 0.7) rz(0.4) between h gates: the rotations stay apart
  // (the middle one's angle is known only at run time), and x; n = 1; x
  // around an assignment stays as it is in order.
  Circuit c = circuit(1, 1, {{"n", int_t(4), false}});
  const CExpr angle = bin(COp::Mul, kFloat, CExpr::apply(COp::Cast, kFloat, {var(0, int_t(4))}),
                          CExpr::constant(CValue::of_float(0.7)));
  c.ops = {make_gate(GateId::H, {0}),  make_gate(GateId::RZ, {0}, {0.3}), runtime_gate(GateId::RZ, {0}, {angle}),
           make_gate(GateId::RZ, {0}, {0.4}), assign(0, k_int(1, 4)), runtime_gate(GateId::RZ, {0}, {angle}),
           make_gate(GateId::H, {0})};
  for (int level = 1; level <= 3; ++level) {
    CompileResult r = run_pipeline(c, level, "nam", "", true);
    int runtime = 0;
    for (const auto& op : r.circuit.ops) runtime += op.kind == OpKind::RuntimeGate;
    EXPECT_EQ(runtime, 2) << level;
    expect_same_state(c, r.circuit, "O" + std::to_string(level));
  }
  // The merge pass alone keeps both constant rotations.
  Circuit m = c;
  auto p = createRotationMergePass();
  p->apply(m);
  EXPECT_EQ(m.ops.size(), c.ops.size());
}

TEST(PassesClassical, ConditionedGatesAroundAnAssignmentToTheirBitStay) {
  // if (c == 1) x; c = 0; if (c == 1) x: the second x does not run, so the
  // pair must not cancel.
  Circuit c = circuit(1, 1);
  c.ops = {make_gate(GateId::X, {0}), make_measure({0}, {0}), conditioned(make_gate(GateId::X, {0}), {0}, 1),
           assign(ClassicalData::kNoVar, k_int(0), {0}), conditioned(make_gate(GateId::X, {0}), {0}, 1)};
  for (int level = 0; level <= 3; ++level) {
    CompileResult r = run_pipeline(c, level, "nam", "", true);
    expect_same_state(c, r.circuit, "O" + std::to_string(level));
  }
  // By hand: x, measure 1, the first x flips back to |0>, c = 0.
  const auto r = reference(c);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_NEAR(r[0].rho(0, 0).real(), 1.0, 1e-12);
  EXPECT_EQ(r[0].cs.clbits[0], 0u);
}

TEST(PassesClassical, GatesInsideBlocksAreOptimised) {
  // if (c == 1) { h q1; h q1; x q1; rz(0.2) q2; rz(-0.2) q2 } else { t q0; tdg q0 }
  // -> if (c == 1) { x q1 } else { }: its qubits become {1}.
  Circuit c = circuit(3, 1);
  c.ops = {make_gate(GateId::H, {0}), make_measure({0}, {0}),
           if_(bits_eq({0}, 1),
               {make_gate(GateId::H, {1}), make_gate(GateId::H, {1}), make_gate(GateId::X, {1}),
                make_gate(GateId::RZ, {2}, {0.2}), make_gate(GateId::RZ, {2}, {-0.2})},
               {make_gate(GateId::T, {0}), make_gate(GateId::Tdg, {0})})};
  EXPECT_EQ(c.ops[2].qubits, (std::vector<uint32_t>{0, 1, 2}));
  Circuit out = c;
  std::vector<std::unique_ptr<Pass>> ps;
  ps.push_back(createInverseCancellationPass());
  ps.push_back(createRotationMergePass());
  auto fix = createFixpointPass(std::move(ps));
  fix->set_checks(true);
  EXPECT_TRUE(fix->apply(out));
  ASSERT_EQ(out.ops.size(), 3u);
  const Operation& cf = out.ops[2];
  ASSERT_EQ(cf.kind, OpKind::If);
  ASSERT_EQ(cf.blocks.size(), 2u);
  ASSERT_EQ(cf.blocks[0].size(), 1u);
  EXPECT_EQ(cf.blocks[0][0].gate, GateId::X);
  EXPECT_TRUE(cf.blocks[1].empty());
  EXPECT_EQ(cf.qubits, (std::vector<uint32_t>{1}));
  EXPECT_EQ(cf.clbits, (std::vector<uint32_t>{0}));
  expect_same_state(c, out, "blocks");
  EXPECT_EQ(count_gates(c).total, 8u);  // counted inside blocks too
  EXPECT_EQ(count_gates(out).total, 2u);
}

TEST(PassesClassical, LoopsSwitchesAndForAreOptimisedAndKeepTheirMeaning) {
  // while (n < 3) { h q0; s q0; s q0; h q0 (= x); measure q0 -> c0; n = n + 1 }
  // for i in [0:1:2] { rz(0.5) q1; rz(0.5) q1; cx q1, q0; cx q1, q0 }
  // switch (c) { case 0: { h q1; h q1 } case 1, 2: { x q0 } default: { z q1 } }
  Circuit c = circuit(2, 2, {{"n", int_t(4), false}, {"i", int_t(8), false}});
  c.ops = {
      while_(bin(COp::Lt, kBool, var(0, int_t(4)), k_int(3, 4)),
             {make_gate(GateId::H, {0}), make_gate(GateId::S, {0}), make_gate(GateId::S, {0}), make_gate(GateId::H, {0}),
              make_measure({0}, {0}), assign(0, bin(COp::Add, int_t(4), var(0, int_t(4)), k_int(1, 4)))}),
      make_gate(GateId::H, {1}),
      for_(1, 0, 1, 2,
           {make_gate(GateId::RZ, {1}, {0.5}), make_gate(GateId::RZ, {1}, {0.5}), make_gate(GateId::CX, {1, 0}),
            make_gate(GateId::CX, {1, 0})}),
      make_measure({1}, {1}),
      switch_(CExpr::bits({0, 1}), {{0}, {1, 2}, {}},
              {{make_gate(GateId::H, {1}), make_gate(GateId::H, {1})}, {make_gate(GateId::X, {0})},
               {make_gate(GateId::Z, {1})}})};
  ASSERT_EQ(c.verify(), "");
  for (int level = 0; level <= 3; ++level)
    for (const char* target : {"nam", "generic"}) {
      CompileResult r = run_pipeline(c, level, target, "", true);
      expect_same_state(c, r.circuit, "O" + std::to_string(level) + " " + target);
      if (level >= 1) {
        EXPECT_LT(gates_in(r.circuit.ops), gates_in(c.ops)) << level << target;
      }
    }
  // The for body's rz pair merges and its cx pair cancels at -O1.
  CompileResult r = run_pipeline(c, 1, "nam", "", true);
  const Operation& loop = r.circuit.ops[2];
  ASSERT_EQ(loop.kind, OpKind::For);
  ASSERT_EQ(loop.blocks[0].size(), 1u);
  EXPECT_EQ(loop.blocks[0][0].gate, GateId::RZ);
  EXPECT_DOUBLE_EQ(loop.blocks[0][0].params[0].value(), 1.0);
  EXPECT_EQ(loop.qubits, (std::vector<uint32_t>{1}));
}

TEST(PassesClassical, RandomDynamicCircuitsKeepTheirStateAtEveryLevel) {
  for (uint64_t seed = 1; seed <= 24; ++seed) {
    RandomDynamic gen(seed, 3, 2, /*toffoli=*/true);
    const Circuit c = gen.make(14);
    ASSERT_EQ(c.verify(), "") << seed;
    const auto want = reference(c);
    for (int level = 0; level <= 3; ++level)
      for (const char* target : {"nam", "generic"}) {
        CompileResult r = run_pipeline(c, level, target, "", true);
        EXPECT_LT(ref::branch_distance(want, reference(r.circuit)), 1e-9)
            << "seed " << seed << " O" << level << " " << target;
      }
  }
}

}  // namespace
}  // namespace qforge
