// Property tests: every pass and every pipeline keeps random circuits
// equivalent (exact unitary comparison; symbolic parameters bound randomly).
#include "qforge/equiv.hpp"
#include "qforge/passes.hpp"
#include "qforge/pipeline.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <random>

namespace qforge {
namespace {

// Random circuit over the whole gate table, with some extra controls,
// symbolic parameters and Clifford+T-heavy stretches.
Circuit random_circuit(std::mt19937_64& rng, uint32_t n, uint32_t len, bool symbolic, bool nam_only = false) {
  Circuit c;
  c.num_qubits = n;
  if (symbolic) c.inputs.push_back({"th", "float[64]", {3}, 0});
  std::uniform_real_distribution<double> ang(-M_PI, M_PI);
  const GateId nam[] = {GateId::H, GateId::X, GateId::CX, GateId::RZ, GateId::T, GateId::Tdg, GateId::S, GateId::CX};
  for (uint32_t k = 0; k < len; ++k) {
    GateId gid;
    if (nam_only || rng() % 3 != 0) gid = nam[rng() % 8];
    else gid = static_cast<GateId>(rng() % kNumGates);
    const GateInfo& info = gate_info(gid);
    uint8_t ctrls = (!nam_only && rng() % 10 == 0 && info.num_qubits + 1u <= n) ? 1 : 0;
    if (info.num_qubits + ctrls > n) continue;
    std::vector<uint32_t> qs(n);
    for (uint32_t i = 0; i < n; ++i) qs[i] = i;
    std::shuffle(qs.begin(), qs.end(), rng);
    qs.resize(info.num_qubits + ctrls);
    Operation op;
    op.gate = gid;
    op.num_controls = ctrls;
    op.qubits = qs;
    for (uint32_t p = 0; p < info.num_params; ++p) {
      if (symbolic && rng() % 3 == 0) op.params.push_back(Expr::symbol(rng() % 3) * Expr(0.5 + p));
      else if (rng() % 2) op.params.push_back(Expr(M_PI / 4 * static_cast<double>(rng() % 8)));
      else op.params.push_back(Expr(ang(rng)));
    }
    c.ops.push_back(op);
  }
  return c;
}

void expect_equiv(const Circuit& a, const Circuit& b, const std::string& what) {
  EquivResult r = check_equivalence(a, b);
  ASSERT_TRUE(r.equivalent) << what << ": " << r.detail;
  // A proof without symbols; with symbols, equal for random bindings only.
  EXPECT_EQ(r.exact, a.symbol_names().empty() && b.symbol_names().empty()) << what;
}

using Factory = std::function<std::unique_ptr<Pass>()>;

TEST(PassProperty, EveryPassKeepsRandomCircuitsEquivalent) {
  std::vector<std::pair<std::string, Factory>> passes = {
      {"inverse", [] { return createInverseCancellationPass(); }},
      {"rotation", [] { return createRotationMergePass(); }},
      {"commutation", [] { return createCommutationCancellationPass(); }},
      {"phasepoly-first", [] { PhasePolynomialConfig c; c.placement = PhasePolynomialConfig::Placement::First; return createPhasePolynomialPass(c); }},
      {"phasepoly-last", [] { PhasePolynomialConfig c; c.placement = PhasePolynomialConfig::Placement::Last; return createPhasePolynomialPass(c); }},
      {"phasepoly-smart", [] { return createPhasePolynomialPass(); }},
      {"hadamard", [] { return createHadamardReductionPass(); }},
      {"not-propagation", [] { return createNotPropagationPass(); }},
      {"cnot-phase", [] { return createCnotPhaseResynthesisPass(); }},
      {"cnot-phase-back", [] { CnotPhaseResynthesisConfig c; c.from_back = true; return createCnotPhaseResynthesisPass(c); }},
      {"rotation-floating", [] { return createRotationFloatingPass(createCnotPhaseResynthesisPass()); }},
      {"hadamard-flip", [] { return createHadamardFlipPass(createCommutationCancellationPass()); }},
      {"fusion-nam", [] { return createSingleQubitFusionPass({Basis::Nam}); }},
      {"fusion-ibm", [] { return createSingleQubitFusionPass({Basis::IbmEcr}); }},
      {"fusion-generic", [] { return createSingleQubitFusionPass({Basis::Generic}); }},
  };
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 25; ++trial) {
    const bool sym = trial % 3 == 0;
    Circuit c = random_circuit(rng, 2 + trial % 4, 40, sym);
    Circuit lowered = c;
    createBasisTranslationPass({Basis::Nam})->run(lowered);
    expect_equiv(c, lowered, "lowering");
    for (const auto& [name, make] : passes) {
      Circuit raw = c, low = lowered;
      make()->run(raw);
      expect_equiv(c, raw, name + " on the raw circuit, trial " + std::to_string(trial));
      make()->run(low);
      expect_equiv(c, low, name + " on the lowered circuit, trial " + std::to_string(trial));
    }
  }
}

// {cx, x, rz} stretches between a few h gates: the regions gray-synth
// rewrites. Every rewrite must be exact (phase included) and never add cx.
TEST(PassProperty, CnotPhaseRegionsRewriteExactly) {
  std::mt19937_64 rng(23);
  std::uniform_real_distribution<double> ang(-M_PI, M_PI);
  int rewritten = 0;
  for (int trial = 0; trial < 40; ++trial) {
    const uint32_t n = 3 + trial % 4;
    Circuit c;
    c.num_qubits = n;
    c.inputs.push_back({"th", "float[64]", {2}, 0});
    for (int k = 0; k < 60; ++k) {
      Operation op;
      const uint32_t a = rng() % n, b = (a + 1 + rng() % (n - 1)) % n;
      switch (rng() % 12) {
        case 0: op.gate = GateId::H; op.qubits = {a}; break;
        case 1: op.gate = GateId::X; op.qubits = {a}; break;
        case 2: case 3: case 4:
          op.gate = GateId::RZ;
          op.qubits = {a};
          op.params = {rng() % 4 == 0 ? Expr::symbol(rng() % 2) : Expr(rng() % 2 ? ang(rng) : M_PI / 4)};
          break;
        default: op.gate = GateId::CX; op.qubits = {a, b}; break;
      }
      c.ops.push_back(op);
    }
    for (bool back : {false, true}) {
      CnotPhaseResynthesisConfig cfg;
      cfg.from_back = back;
      Circuit d = c;
      rewritten += createCnotPhaseResynthesisPass(cfg)->run(d);
      EXPECT_LE(count_gates(d).two_qubit, count_gates(c).two_qubit);
      for (double v : {0.3, -1.7}) {
        EquivResult r = check_equivalence(c.bind({v, 2 * v}), d.bind({v, 2 * v}));
        ASSERT_TRUE(r.equivalent) << "trial " << trial << (back ? " from the back" : "") << ": " << r.detail;
        EXPECT_NEAR(r.global_phase, 0, 1e-9) << "trial " << trial;
      }
    }
  }
  EXPECT_GT(rewritten, 10);  // the property is not vacuous
}

// A local search on 60 random {h, x, cx, rz} circuits (lowered, phase
// folded first when `fold`): every rewrite it keeps must be exact, phase
// included, with symbolic angles too, and add no cx. Returns how many it
// kept (the number its report starts with).
std::size_t check_local_search(uint64_t seed, bool fold, const Factory& make) {
  std::mt19937_64 rng(seed);
  std::size_t kept = 0;
  for (int trial = 0; trial < 60; ++trial) {
    Circuit c = random_circuit(rng, 3 + trial % 3, 50, trial % 4 == 0, true);
    createBasisTranslationPass({Basis::Nam})->run(c);
    if (fold) createPhasePolynomialPass()->run(c);
    Circuit d = c;
    auto p = make();
    if (p->run(d)) kept += std::stoul(p->report());
    EXPECT_LE(count_gates(d).two_qubit, count_gates(c).two_qubit);
    for (double v : {0.4, -1.3}) {
      EquivResult r = check_equivalence(c.bind({v, 2 * v, -v}), d.bind({v, 2 * v, -v}));
      EXPECT_TRUE(r.equivalent) << p->name() << ", trial " << trial << ": " << r.detail;
      if (!r.equivalent) return kept;
      EXPECT_NEAR(std::remainder(r.global_phase, 2 * M_PI), 0, 1e-9) << p->name() << ", trial " << trial;
    }
  }
  return kept;
}

// Rotations moved to other points of their parity (across h gates, with
// the angle negated where the constant differs).
TEST(PassProperty, RotationFloatingMovesExactly) {
  const std::size_t moved =
      check_local_search(29, true, [] { return createRotationFloatingPass(createCnotPhaseResynthesisPass()); });
  EXPECT_GT(moved, 5u);  // the property is not vacuous
}

// Hadamard flips: h(w) cx(w,a) h(w) = h(a) cx(a,w) h(a).
TEST(PassProperty, HadamardFlipsAreExact) {
  const std::size_t flips = check_local_search(31, false, [] {
    std::vector<std::unique_ptr<Pass>> cleanup;
    cleanup.push_back(createCommutationCancellationPass());
    cleanup.push_back(createPhasePolynomialPass());
    cleanup.push_back(createCnotPhaseResynthesisPass());
    return createHadamardFlipPass(createFixpointPass(std::move(cleanup)));
  });
  EXPECT_GT(flips, 5u);  // the property is not vacuous
}

// Barriers end phase-folding epochs: terms on either side must never be
// combined (a bug once read parities of earlier epochs as empty).
TEST(PassProperty, PhaseFoldingRespectsBarriers) {
  std::mt19937_64 rng(41);
  for (int trial = 0; trial < 30; ++trial) {
    Circuit c = random_circuit(rng, 3 + trial % 3, 60, false, true);
    for (int k = 0; k < 3; ++k) {
      Operation b;
      b.kind = OpKind::Barrier;
      for (uint32_t q = 0; q < c.num_qubits; ++q)
        if (rng() % 2) b.qubits.push_back(q);
      c.ops.insert(c.ops.begin() + static_cast<long>(rng() % c.ops.size()), b);
    }
    Circuit d = c;
    createPhasePolynomialPass()->run(d);
    expect_equiv(c, d, "phase folding with barriers, trial " + std::to_string(trial));
  }
}

TEST(PassProperty, NamCircuitsShrinkAndStayEquivalent) {
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 20; ++trial) {
    Circuit c = random_circuit(rng, 4, 80, false, true);
    CompileResult r = run_pipeline(c, 2, "nam", "", true);
    expect_equiv(c, r.circuit, "O2 nam trial " + std::to_string(trial));
    EXPECT_LE(count_gates(r.circuit).total, count_gates(c).total);
  }
}

TEST(PassProperty, EveryLevelAndTargetOnRandomCircuits) {
  std::mt19937_64 rng(17);
  for (int trial = 0; trial < 6; ++trial) {
    Circuit c = random_circuit(rng, 3 + trial % 3, 30, trial % 2 == 1);
    for (const std::string t : {"nam", "generic", "ibm_eagle", "ibm_heron"}) {
      Target target = make_target(t);
      for (int level = 0; level <= 3; ++level) {
        CompileResult r = run_pipeline(c, level, t, "", true);
        const std::string what = t + " O" + std::to_string(level) + " trial " + std::to_string(trial);
        EquivOptions o;
        o.initial_layout = r.initial_layout;
        o.final_layout = r.final_layout;
        EquivResult e = check_equivalence(c, r.circuit, o);
        ASSERT_TRUE(e.equivalent) << what << ": " << e.detail;
        EXPECT_EQ(check_target(r.circuit, target), "") << what;
      }
    }
  }
}

}  // namespace
}  // namespace qforge
