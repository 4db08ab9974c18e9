// Routing of control flow: each block is routed from the layout at its
// entry and takes its SWAPs back at its end (a break or continue first takes
// back those made since its loop's body began), so every path leaves the
// layout it found. Checked on random dynamic circuits against the
// exhaustive-branch density-matrix reference of the unrouted circuit, its
// qubits moved through the final layout (unused physical qubits stay |0>),
// and by check_target on every operation inside every block.
#include "classical_builders.hpp"

#include "qforge/pipeline.hpp"
#include "qforge/routing.hpp"

#include <gtest/gtest.h>

namespace qforge {
namespace {

using namespace build;

// The routed circuit's state against the input's on the same physical
// qubits: logical q ends on final[q].
void expect_routed(const Circuit& logical, const Circuit& routed, const std::vector<uint32_t>& final_layout,
                   const std::string& what) {
  const auto want = reference(logical, final_layout, routed.num_qubits);
  const auto got = reference(routed);
  EXPECT_LT(ref::branch_distance(want, got), 1e-9) << what;
}

Target coupled(const std::string& spec) {
  Target t = make_target("generic", spec);
  return t;
}

TEST(RouteClassical, BlocksRestoreTheirEntryLayout) {
  // On a line 0-1-2-3: cx q0, q3 inside an if needs SWAPs; after the if the
  // layout is the one before it, so the cx q0, q1 after it acts on the
  // physical qubits the entry layout says.
  Circuit c = circuit(4, 1);
  c.ops = {make_gate(GateId::H, {0}), make_measure({0}, {0}),
           if_(bits_eq({0}, 1), {make_gate(GateId::CX, {0, 3})}), make_gate(GateId::CX, {0, 1}),
           make_gate(GateId::H, {3})};
  RoutingConfig rc;
  rc.coupling = CouplingMap::line(4);
  rc.trials = 2;
  auto p = createRoutingPass(rc);
  p->set_checks(true);
  Circuit r = c;
  p->apply(r);
  EXPECT_EQ(check_target(r, coupled("line:4")), "");
  expect_routed(c, r, p->final_layout(), "line:4");
  // Inside the block: the SWAPs there and back around the cx.
  const Operation* cf = nullptr;
  for (const auto& op : r.ops)
    if (op.kind == OpKind::If) cf = &op;
  ASSERT_NE(cf, nullptr);
  std::size_t cx = 0;
  for (const auto& op : cf->blocks[0]) cx += op.kind == OpKind::Gate && op.gate == GateId::CX;
  EXPECT_GE(cx, 4u);  // a SWAP there and one back (at least 2 cx each) beside the cx
}

TEST(RouteClassical, BreakTakesBackTheSwapsOfItsLoopBody) {
  // while (n < 3) { cx q0, q3; if (c == 1) { cx q3, q0; break; } n = n + 1 }
  // then cx q0, q1: every way out of the loop leaves the entry layout.
  Circuit c = circuit(4, 1, {{"n", int_t(4), false}});
  c.ops = {make_gate(GateId::H, {0}),
           while_(bin(COp::Lt, kBool, var(0, int_t(4)), k_int(3, 4)),
                  {make_gate(GateId::CX, {0, 3}), make_gate(GateId::H, {3}), make_measure({3}, {0}),
                   if_(bits_eq({0}, 1), {make_gate(GateId::CX, {3, 0}), simple(OpKind::Break)}),
                   assign(0, bin(COp::Add, int_t(4), var(0, int_t(4)), k_int(1, 4)))}),
           make_gate(GateId::CX, {0, 1}), make_gate(GateId::CX, {2, 3})};
  for (const char* spec : {"line:4", "ring:5", "grid:2x3"}) {
    RoutingConfig rc;
    rc.coupling = CouplingMap::parse(spec);
    auto p = createRoutingPass(rc);
    p->set_checks(true);
    Circuit r = c;
    p->apply(r);
    EXPECT_EQ(check_target(r, coupled(spec)), "") << spec;
    expect_routed(c, r, p->final_layout(), spec);
  }
}

TEST(RouteClassical, RandomDynamicCircuitsOnSmallMaps) {
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    RandomDynamic gen(seed * 7919, 4, 2);
    const Circuit c = gen.make(16);
    ASSERT_EQ(c.verify(), "") << seed;
    for (const char* spec : {"line:4", "ring:5", "grid:2x3"}) {
      RoutingConfig rc;
      rc.coupling = CouplingMap::parse(spec);
      rc.trials = 2;
      rc.seed = seed;
      auto p = createRoutingPass(rc);
      p->set_checks(true);
      Circuit r = c;
      p->apply(r);
      EXPECT_EQ(check_target(r, coupled(spec)), "") << seed << " " << spec;
      expect_routed(c, r, p->final_layout(), "seed " + std::to_string(seed) + " " + spec);
    }
  }
}

TEST(RouteClassical, PipelinesRouteDynamicCircuits) {
  // The whole pipeline, routing and the passes inside blocks together.
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    RandomDynamic gen(seed * 104729, 4, 2, /*toffoli=*/true);
    const Circuit c = gen.make(14);
    for (int level = 0; level <= 3; ++level) {
      CompileResult r = run_pipeline(c, level, "nam", "line:5", true);
      EXPECT_EQ(check_target(r.circuit, make_target("nam", "line:5")), "") << seed << " O" << level;
      expect_routed(c, r.circuit, r.final_layout, "seed " + std::to_string(seed) + " O" + std::to_string(level));
    }
  }
}

}  // namespace
}  // namespace qforge
