// SABRE routing: output respects the coupling map and is equivalent under
// the recorded layouts.
#include "qforge/equiv.hpp"
#include "qforge/passes.hpp"

#include <gtest/gtest.h>

#include <random>

namespace qforge {
namespace {

Circuit random_cx_circuit(std::mt19937_64& rng, uint32_t n, uint32_t len) {
  Circuit c;
  c.num_qubits = n;
  for (uint32_t k = 0; k < len; ++k) {
    Operation op;
    uint32_t a = rng() % n, b = rng() % n;
    if (a == b || rng() % 4 == 0) {
      op.gate = rng() % 2 ? GateId::H : GateId::T;
      op.qubits = {a};
    } else {
      op.gate = GateId::CX;
      op.qubits = {a, b};
    }
    c.ops.push_back(op);
  }
  return c;
}

TEST(Routing, RespectsMapsAndStaysEquivalent) {
  std::mt19937_64 rng(2);
  for (const char* spec : {"line:5", "ring:6", "grid:2x3", "[[0,1],[1,2],[1,3],[3,4]]", "heavy-hex:127"}) {
    for (int trial = 0; trial < 4; ++trial) {
      Circuit c = random_cx_circuit(rng, 5, 40);
      RoutingConfig rc;
      rc.coupling = CouplingMap::parse(spec);
      rc.trials = 4;
      auto pass = createRoutingPass(rc);
      Circuit r = c;
      pass->run(r);
      Target t = make_target("generic", spec);
      EXPECT_EQ(check_target(r, t), "") << spec;
      EquivOptions o;
      o.initial_layout = pass->initial_layout();
      o.final_layout = pass->final_layout();
      EquivResult e = check_equivalence(c, r, o);
      EXPECT_TRUE(e.equivalent) << spec << ": " << e.detail;
    }
  }
}

TEST(Routing, NoSwapsWhenAlreadyMapped) {
  Circuit c;
  c.num_qubits = 4;
  for (uint32_t q = 0; q + 1 < 4; ++q) {
    Operation op;
    op.gate = GateId::CX;
    op.qubits = {q, q + 1};
    c.ops.push_back(op);
  }
  RoutingConfig rc;
  rc.coupling = CouplingMap::line(4);
  auto pass = createRoutingPass(rc);
  pass->run(c);
  EXPECT_EQ(pass->swaps(), 0u);
  EXPECT_TRUE(c.physical_qubits);
}

TEST(Routing, RingOfInteractionsOnALineNeedsSwaps) {
  Circuit c;
  c.num_qubits = 4;
  for (uint32_t q = 0; q < 4; ++q) {
    Operation op;
    op.gate = GateId::CX;
    op.qubits = {q, (q + 1) % 4};
    c.ops.push_back(op);
  }
  RoutingConfig rc;
  rc.coupling = CouplingMap::line(4);
  auto pass = createRoutingPass(rc);
  Circuit r = c;
  pass->run(r);
  EXPECT_GE(pass->swaps(), 1u);
  EXPECT_LE(pass->swaps(), 2u);
}

TEST(Routing, CompilePipelineOnHeron) {
  std::mt19937_64 rng(9);
  Circuit c = random_cx_circuit(rng, 6, 50);
  CompileResult r = run_pipeline(c, 2, "ibm_heron");
  EXPECT_EQ(check_target(r.circuit, make_target("ibm_heron")), "");
  EXPECT_EQ(r.circuit.num_qubits, 133u);
  EquivOptions o;
  o.initial_layout = r.initial_layout;
  o.final_layout = r.final_layout;
  EXPECT_TRUE(check_equivalence(c, r.circuit, o).equivalent);
  EXPECT_NE(layout_comment(r).find("qforge-layout"), std::string::npos);
}

}  // namespace
}  // namespace qforge
