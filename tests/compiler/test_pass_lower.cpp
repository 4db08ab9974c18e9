// Basis translation: every table gate, with 0..2 extra controls, lowered to
// each basis is exactly the original gate, global phase included.
#include "qforge/equiv.hpp"
#include "qforge/passes.hpp"
#include "qforge/target.hpp"

#include <gtest/gtest.h>

#include <random>

namespace qforge {
namespace {

Circuit one_gate(GateId g, uint8_t controls, std::mt19937_64& rng, bool symbolic = false) {
  const GateInfo& info = gate_info(g);
  Circuit c;
  c.num_qubits = info.num_qubits + controls;
  Operation op;
  op.gate = g;
  op.num_controls = controls;
  std::vector<uint32_t> qs(c.num_qubits);
  for (uint32_t i = 0; i < c.num_qubits; ++i) qs[i] = i;
  std::shuffle(qs.begin(), qs.end(), rng);
  op.qubits = qs;
  std::uniform_real_distribution<double> ang(-3.5, 3.5);
  if (symbolic && info.num_params) {
    c.inputs.push_back({"theta", "float[64]", {info.num_params}, 0});
    for (uint32_t k = 0; k < info.num_params; ++k) op.params.push_back(Expr::symbol(k) * Expr(1.5) + Expr(0.25));
  } else {
    for (uint32_t k = 0; k < info.num_params; ++k) op.params.push_back(Expr(ang(rng)));
  }
  c.ops.push_back(op);
  return c;
}

class LowerAll : public ::testing::TestWithParam<Basis> {};

TEST_P(LowerAll, EveryGateAndControlCountIsExact) {
  std::mt19937_64 rng(3);
  const Basis basis = GetParam();
  for (std::size_t gi = 0; gi < kNumGates; ++gi) {
    const GateId g = static_cast<GateId>(gi);
    for (uint8_t k = 0; k <= 2; ++k) {
      for (bool sym : {false, true}) {
        if (sym && gate_info(g).num_params == 0) continue;
        Circuit c = one_gate(g, k, rng, sym);
        Circuit l = c;
        createBasisTranslationPass({basis})->run(l);
        EquivOptions o;
        EquivResult r = check_equivalence(c, l, o);
        ASSERT_TRUE(r.equivalent) << gate_info(g).name << " controls " << int(k) << " sym " << sym << ": " << r.detail;
        EXPECT_EQ(r.exact, !sym);  // with symbols: proved for random bindings only
        EXPECT_NEAR(r.global_phase, 0, 1e-7) << gate_info(g).name << " controls " << int(k) << " sym " << sym;
        if (basis == Basis::Generic) continue;
        Target t = make_target(basis == Basis::Nam ? "nam" : basis == Basis::IbmEcr ? "ibm_eagle" : "ibm_heron");
        t.coupling.reset();
        EXPECT_EQ(check_target(l, t), "") << gate_info(g).name << " controls " << int(k);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Bases, LowerAll, ::testing::Values(Basis::Nam, Basis::IbmEcr, Basis::IbmCz),
                         [](const auto& info) { return basis_name(info.param) == "nam" ? std::string("nam")
                                                       : info.param == Basis::IbmEcr ? std::string("ecr") : std::string("cz"); });

TEST(LowerGolden, ToffoliUsesSevenTAndSixCx) {
  Circuit c;
  c.num_qubits = 3;
  Operation op;
  op.gate = GateId::CCX;
  op.qubits = {0, 1, 2};
  c.ops.push_back(op);
  createBasisTranslationPass({Basis::Nam})->run(c);
  GateCounts n = count_gates(c);
  EXPECT_EQ(n.total, 15u);
  EXPECT_EQ(n.two_qubit, 6u);
  EXPECT_EQ(n.t, 7u);
}

TEST(LowerGolden, ConditionsAreKeptOnEveryPiece) {
  Circuit c;
  c.num_qubits = 2;
  c.num_clbits = 1;
  Operation op;
  op.gate = GateId::CZ;
  op.qubits = {0, 1};
  op.conditions.push_back({{0}, 1, true});
  c.ops.push_back(op);
  createBasisTranslationPass({Basis::Nam})->run(c);
  ASSERT_EQ(c.ops.size(), 3u);
  for (const auto& o : c.ops) EXPECT_EQ(o.conditions.size(), 1u);
}

}  // namespace
}  // namespace qforge
