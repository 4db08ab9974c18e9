// Golden tests per pass on small hand-built inputs, each also checked for
// equivalence (global phase included).
#include "qforge/equiv.hpp"
#include "qforge/passes.hpp"
#include "qforge/pipeline.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace qforge {
namespace {

Circuit circ(uint32_t n, std::vector<Operation> ops) {
  Circuit c;
  c.num_qubits = n;
  c.ops = std::move(ops);
  return c;
}

std::string names(const Circuit& c) {
  std::string s;
  for (const auto& op : c.ops) {
    if (!s.empty()) s += " ";
    s += gate_info(op.gate).name;
    for (uint32_t q : op.qubits) s += std::to_string(q);
  }
  return s;
}

// Run the pass, check exact equivalence with zero phase difference, return the gate names.
std::string run(std::unique_ptr<Pass> p, Circuit c) {
  Circuit before = c;
  p->run(c);
  EquivResult r = check_equivalence(before, c);
  EXPECT_TRUE(r.equivalent) << p->name() << ": " << r.detail;
  EXPECT_NEAR(r.global_phase, 0, 1e-9) << p->name();
  return names(c);
}

TEST(InverseCancellation, AdjacentPairsVanish) {
  Circuit c = circ(2, {make_gate(GateId::H, {0}), make_gate(GateId::H, {0}), make_gate(GateId::CX, {0, 1}), make_gate(GateId::CX, {0, 1}),
                       make_gate(GateId::S, {1}), make_gate(GateId::Sdg, {1}), make_gate(GateId::T, {0})});
  EXPECT_EQ(run(createInverseCancellationPass(), c), "t0");
}

TEST(InverseCancellation, NestedPairsCollapse) {
  Circuit c = circ(1, {make_gate(GateId::X, {0}), make_gate(GateId::H, {0}), make_gate(GateId::H, {0}), make_gate(GateId::X, {0})});
  EXPECT_EQ(run(createInverseCancellationPass(), c), "");
}

TEST(InverseCancellation, DoesNotCancelReversedCx) {
  Circuit c = circ(2, {make_gate(GateId::CX, {0, 1}), make_gate(GateId::CX, {1, 0})});
  EXPECT_EQ(run(createInverseCancellationPass(), c), "cx01 cx10");
}

TEST(RotationMerge, MergesAndRemovesIdentity) {
  Circuit c = circ(1, {make_gate(GateId::RZ, {0}, {Expr(0.25)}), make_gate(GateId::RZ, {0}, {Expr(0.5)}),
                       make_gate(GateId::RX, {0}, {Expr(1.0)}), make_gate(GateId::RX, {0}, {Expr(-1.0)})});
  Circuit d = c;
  EXPECT_EQ(run(createRotationMergePass(), c), "rz0");
  createRotationMergePass()->run(d);
  EXPECT_NEAR(d.ops[0].params[0].value(), 0.75, 1e-15);
}

TEST(RotationMerge, TwoPiBecomesGlobalPhase) {
  Circuit c = circ(1, {make_gate(GateId::RZ, {0}, {Expr(M_PI)}), make_gate(GateId::RZ, {0}, {Expr(M_PI)})});
  EXPECT_EQ(run(createRotationMergePass(), c), "");
}

TEST(RotationMerge, SymbolicAnglesAddSymbolically) {
  Circuit c = circ(1, {make_gate(GateId::RZ, {0}, {Expr::symbol(0)}), make_gate(GateId::RZ, {0}, {Expr::symbol(1)})});
  c.inputs.push_back({"a", "float[64]", {2}, 0});
  Circuit before = c;
  createRotationMergePass()->run(c);
  ASSERT_EQ(c.ops.size(), 1u);
  EXPECT_EQ(c.ops[0].params[0].to_qasm(c.symbol_names()), "a[0] + a[1]");
  EXPECT_TRUE(check_equivalence(before, c).equivalent);
}

TEST(CommutationCancellation, RzThroughCxControl) {
  Circuit c = circ(2, {make_gate(GateId::RZ, {0}, {Expr(0.3)}), make_gate(GateId::CX, {0, 1}), make_gate(GateId::RZ, {0}, {Expr(0.4)})});
  EXPECT_EQ(run(createCommutationCancellationPass(), c), "rz0 cx01");
}

TEST(CommutationCancellation, XThroughCxTarget) {
  Circuit c = circ(2, {make_gate(GateId::X, {1}), make_gate(GateId::CX, {0, 1}), make_gate(GateId::X, {1})});
  EXPECT_EQ(run(createCommutationCancellationPass(), c), "cx01");
}

TEST(CommutationCancellation, CxPairsThroughSharedControlAndTarget) {
  Circuit c = circ(3, {make_gate(GateId::CX, {0, 1}), make_gate(GateId::CX, {0, 2}), make_gate(GateId::CX, {2, 1}), make_gate(GateId::CX, {0, 1})});
  EXPECT_EQ(run(createCommutationCancellationPass(), c), "cx02 cx21");
}

TEST(CommutationCancellation, BlockedByNonCommutingGate) {
  Circuit c = circ(2, {make_gate(GateId::CX, {0, 1}), make_gate(GateId::H, {1}), make_gate(GateId::CX, {0, 1})});
  EXPECT_EQ(run(createCommutationCancellationPass(), c), "cx01 h1 cx01");
}

TEST(CommutationCancellation, ThroughDiagonalGates) {
  Circuit c = circ(2, {make_gate(GateId::T, {0}), make_gate(GateId::CZ, {0, 1}), make_gate(GateId::Tdg, {0})});
  EXPECT_EQ(run(createCommutationCancellationPass(), c), "cz01");
}

TEST(CommutationCancellation, ThroughCxRzCxBlock) {
  // cx(1,2) rz(2) cx(1,2) is diagonal, so cx(2,0) (control on 2) passes it.
  Circuit c = circ(3, {make_gate(GateId::CX, {2, 0}), make_gate(GateId::CX, {1, 2}), make_gate(GateId::RZ, {2}, {Expr(0.7)}),
                       make_gate(GateId::CX, {1, 2}), make_gate(GateId::CX, {2, 0})});
  EXPECT_EQ(run(createCommutationCancellationPass(), c), "cx12 rz2 cx12");
}

TEST(PhasePolynomial, MergesAcrossCxNetwork) {
  // rz on parity x0^x1 twice, separated by a cx network that restores it.
  Circuit c = circ(2, {make_gate(GateId::CX, {0, 1}), make_gate(GateId::RZ, {1}, {Expr(0.2)}), make_gate(GateId::CX, {0, 1}),
                       make_gate(GateId::H, {0}), make_gate(GateId::H, {0}), make_gate(GateId::X, {1}), make_gate(GateId::CX, {0, 1}),
                       make_gate(GateId::RZ, {1}, {Expr(0.3)}), make_gate(GateId::CX, {0, 1})});
  // H H gives qubit 0 a fresh variable: no merge across it.
  EXPECT_EQ(run(createPhasePolynomialPass(), c), "cx01 rz1 cx01 h0 h0 x1 cx01 rz1 cx01");
  Circuit d = circ(2, {make_gate(GateId::CX, {0, 1}), make_gate(GateId::RZ, {1}, {Expr(0.2)}), make_gate(GateId::CX, {0, 1}),
                       make_gate(GateId::X, {1}), make_gate(GateId::CX, {1, 0}), make_gate(GateId::RZ, {0}, {Expr(0.3)})});
  // Second rz sees x0 ^ x1 ^ 1: folded with the opposite sign.
  PhasePolynomialConfig first;
  first.placement = PhasePolynomialConfig::Placement::First;
  Circuit e = d;
  EXPECT_EQ(run(createPhasePolynomialPass(first), d), "cx01 rz1 cx01 x1 cx10");
  createPhasePolynomialPass(first)->run(e);
  EXPECT_NEAR(e.ops[1].params[0].value(), 0.2 - 0.3, 1e-15);
}

TEST(PhasePolynomial, FreshVariableOnlyOnNonDiagonalQubits) {
  // ch's control keeps its parity; the rz on qubit 0 merge across it.
  Circuit c = circ(2, {make_gate(GateId::RZ, {0}, {Expr(0.2)}), make_gate(GateId::CH, {0, 1}), make_gate(GateId::RZ, {0}, {Expr(0.3)}),
                       make_gate(GateId::RZ, {1}, {Expr(0.1)}), make_gate(GateId::CH, {0, 1}), make_gate(GateId::RZ, {1}, {Expr(0.1)})});
  EXPECT_EQ(run(createPhasePolynomialPass(), c), "rz0 ch01 rz1 ch01 rz1");
}

TEST(PhasePolynomial, ToffoliPolarityRemovesCliffordTerms) {
  // Terms on a, b, a^b (S, S, S-dagger) and r, a^r, b^r, a^b^r (T-like):
  // adding -pi/2 (+,+,-,+,-,-,+) is 2 pi a b r = 0 mod 2 pi, which clears the
  // three Clifford terms and flips the T-like ones.
  const double q = M_PI / 4;
  Circuit c = circ(3, {make_gate(GateId::RZ, {0}, {Expr(2 * q)}), make_gate(GateId::RZ, {1}, {Expr(2 * q)}), make_gate(GateId::CX, {0, 1}),
                       make_gate(GateId::RZ, {1}, {Expr(-2 * q)}), make_gate(GateId::CX, {0, 1}), make_gate(GateId::RZ, {2}, {Expr(q)}),
                       make_gate(GateId::CX, {0, 2}), make_gate(GateId::RZ, {2}, {Expr(-q)}), make_gate(GateId::CX, {1, 2}),
                       make_gate(GateId::RZ, {2}, {Expr(q)}), make_gate(GateId::CX, {0, 2}), make_gate(GateId::RZ, {2}, {Expr(-q)}),
                       make_gate(GateId::CX, {1, 2})});
  const GateCounts before = count_gates(c);
  EXPECT_EQ(run(createPhasePolynomialPass(), c), "cx01 cx01 rz2 cx02 rz2 cx12 rz2 cx02 rz2 cx12");
  EXPECT_EQ(count_gates(c).t, before.t);
}

TEST(PhasePolynomial, PlacementsAreAllExact) {
  using P = PhasePolynomialConfig::Placement;
  for (P p : {P::First, P::Last, P::Smart}) {
    Circuit c = circ(3, {make_gate(GateId::CX, {0, 2}), make_gate(GateId::RZ, {2}, {Expr(0.5)}), make_gate(GateId::CX, {0, 2}),
                         make_gate(GateId::CX, {1, 2}), make_gate(GateId::CX, {0, 1}), make_gate(GateId::CX, {1, 2}),
                         make_gate(GateId::RZ, {2}, {Expr(0.25)}), make_gate(GateId::CX, {0, 1})});
    PhasePolynomialConfig cfg;
    cfg.placement = p;
    run(createPhasePolynomialPass(cfg), c);
  }
}

TEST(CnotPhaseResynthesis, LinearRegionShrinks) {
  // cx01 cx12 cx01 maps (a, b, c) to (a, b, a^b^c): two cx do that.
  Circuit c = circ(3, {make_gate(GateId::CX, {0, 1}), make_gate(GateId::CX, {1, 2}), make_gate(GateId::CX, {0, 1})});
  EXPECT_EQ(run(createCnotPhaseResynthesisPass(), c), "cx12 cx02");
}

TEST(CnotPhaseResynthesis, FiveCxBecomeTwo) {
  // Already as short as cancellation and rotation merging make it; its
  // parities x2^x0, x2 and x1^x2 (and the final map) need only two cx.
  const double q = M_PI / 4;
  Circuit c = circ(3, {make_gate(GateId::CX, {2, 0}), make_gate(GateId::RZ, {0}, {Expr(3 * q)}), make_gate(GateId::RZ, {2}, {Expr(3 * q)}),
                       make_gate(GateId::CX, {0, 2}), make_gate(GateId::RZ, {1}, {Expr(q)}), make_gate(GateId::CX, {2, 1}),
                       make_gate(GateId::CX, {0, 2}), make_gate(GateId::CX, {2, 1})});
  Circuit simple = c;
  createCommutationCancellationPass()->run(simple);
  createPhasePolynomialPass()->run(simple);
  EXPECT_EQ(count_gates(simple).two_qubit, 5u);
  EXPECT_EQ(run(createCnotPhaseResynthesisPass(), c), "rz2 rz1 cx20 rz0 cx01");
}

TEST(CnotPhaseResynthesis, WindowsFindShortestRunsWithFloatingRotations) {
  // Five cx on four wires with rotations on x2^x3 and x0^x1^x3, mapping
  // (x0, x1, x2, x3) to (x0, x0^x1^x3, x2^x3, x0^x3). Gray-synth and removing
  // cx pairs leave four; the shortest cx circuit with that map that shows
  // both parities on the way has three.
  const double q = M_PI / 4;
  Circuit c = circ(4, {make_gate(GateId::CX, {3, 2}), make_gate(GateId::RZ, {2}, {Expr(q)}), make_gate(GateId::CX, {3, 1}),
                       make_gate(GateId::CX, {1, 3}), make_gate(GateId::CX, {0, 1}), make_gate(GateId::RZ, {1}, {Expr(q)}),
                       make_gate(GateId::CX, {1, 3})});
  CnotPhaseResynthesisConfig no_windows;
  no_windows.windows = false;
  Circuit d = c;
  createCnotPhaseResynthesisPass(no_windows)->run(d);
  EXPECT_EQ(count_gates(d).two_qubit, 4u);
  EXPECT_EQ(run(createCnotPhaseResynthesisPass(), c), "cx32 rz2 cx03 cx31 rz1");
}

TEST(RotationFloating, MovesARotationAcrossAnHadamardToSaveACx) {
  // As small as -O3 makes it without this pass. The last rz(3pi/4) acts on
  // q1 = x0, the value q0 holds at the start: moved there, the region after
  // the h no longer has to show x0 on q1, and its cx shrink from 4 to 3.
  const double q = M_PI / 4;
  Circuit c = circ(3, {make_gate(GateId::CX, {2, 1}), make_gate(GateId::CX, {0, 1}), make_gate(GateId::CX, {1, 0}),
                       make_gate(GateId::H, {2}), make_gate(GateId::RZ, {1}, {Expr(-3 * q)}), make_gate(GateId::RZ, {2}, {Expr(q)}),
                       make_gate(GateId::CX, {1, 2}), make_gate(GateId::CX, {0, 1}), make_gate(GateId::RZ, {1}, {Expr(3 * q)}),
                       make_gate(GateId::CX, {2, 1}), make_gate(GateId::CX, {2, 0}), make_gate(GateId::H, {1})});
  Circuit cleaned = c;
  createCnotPhaseResynthesisPass()->run(cleaned);
  EXPECT_EQ(count_gates(cleaned).two_qubit, 7u);
  EXPECT_EQ(run(createRotationFloatingPass(createCnotPhaseResynthesisPass()), c),
            "rz0 cx21 cx01 cx10 rz1 h2 rz2 cx12 cx20 cx01 h1");
}

TEST(RotationFloating, LeavesOtherGateSetsAlone) {
  Circuit c = circ(2, {make_gate(GateId::CZ, {0, 1}), make_gate(GateId::RZ, {1}, {Expr(0.3)})});
  auto p = createRotationFloatingPass(createCnotPhaseResynthesisPass());
  EXPECT_FALSE(p->run(c));
  EXPECT_EQ(p->report(), "skipped: only {h, x, cx, rz} circuits");
}

TEST(HadamardFlip, TurnsACxRoundSoPairsCancel) {
  // h0 cx20 h0 = h2 cx02 h2: the new h2 meets the h2 after it, and the two
  // cx02 then meet across h1.
  Circuit c = circ(3, {make_gate(GateId::H, {0}), make_gate(GateId::CX, {2, 0}), make_gate(GateId::H, {0}),
                       make_gate(GateId::H, {1}), make_gate(GateId::H, {2}), make_gate(GateId::CX, {0, 2})});
  auto p = createHadamardFlipPass(createCommutationCancellationPass());
  EXPECT_EQ(run(std::move(p), c), "h2 h1");
}

TEST(HadamardFlip, LeavesFlipsThatSaveNothing) {
  // h0 cx01 h0 alone: flipping gives h1 cx10 h1, no cheaper.
  Circuit c = circ(2, {make_gate(GateId::H, {0}), make_gate(GateId::CX, {0, 1}), make_gate(GateId::H, {0})});
  auto p = createHadamardFlipPass(createCommutationCancellationPass());
  EXPECT_FALSE(p->run(c));
  EXPECT_EQ(p->report(), "0 flips kept of 1 tried");
}

TEST(CnotPhaseResynthesis, KeepsRegionsItCannotImprove) {
  Circuit c = circ(2, {make_gate(GateId::CX, {0, 1}), make_gate(GateId::RZ, {1}, {Expr(0.3)}), make_gate(GateId::CX, {0, 1}),
                       make_gate(GateId::H, {1}), make_gate(GateId::CX, {1, 0})});
  auto p = createCnotPhaseResynthesisPass();
  Circuit d = c;
  EXPECT_FALSE(p->run(d));
  EXPECT_EQ(names(d), names(c));
}

TEST(CnotPhaseResynthesis, SymbolicAnglesMoveAndXGatesFold) {
  // x on the control flips the sign of the parity that carries it; the
  // symbolic angle travels unevaluated.
  Circuit c = circ(3, {make_gate(GateId::X, {0}), make_gate(GateId::CX, {0, 1}), make_gate(GateId::CX, {1, 2}), make_gate(GateId::CX, {0, 1}),
                       make_gate(GateId::RZ, {2}, {Expr::symbol(0) * Expr(2.0)}), make_gate(GateId::X, {0})});
  c.inputs.push_back({"x", "float[64]", {}, 0});
  Circuit before = c;
  createCnotPhaseResynthesisPass()->run(c);
  EXPECT_EQ(count_gates(c).two_qubit, 2u);
  for (double v : {0.0, 0.7, -2.1}) {
    EquivResult r = check_equivalence(before.bind({v}), c.bind({v}));
    EXPECT_TRUE(r.equivalent) << v << ": " << r.detail;
    EXPECT_NEAR(r.global_phase, 0, 1e-9);
  }
}

TEST(CnotPhaseResynthesis, FromTheBackCutsOtherRegions) {
  CnotPhaseResynthesisConfig back;
  back.from_back = true;
  Circuit c = circ(3, {make_gate(GateId::CX, {0, 1}), make_gate(GateId::H, {2}), make_gate(GateId::CX, {1, 2}), make_gate(GateId::CX, {0, 1})});
  // From the front the h closes qubit 2 and the regions are {cx01} and
  // {cx12 cx01}; from the back all three cx form one region.
  Circuit d = c;
  EXPECT_FALSE(createCnotPhaseResynthesisPass()->run(d));
  EXPECT_EQ(run(createCnotPhaseResynthesisPass(back), c), "h2 cx12 cx02");
}

TEST(NotPropagation, XThroughControlSpawnsOnTargetAndCancels) {
  Circuit c = circ(2, {make_gate(GateId::X, {0}), make_gate(GateId::CX, {0, 1}), make_gate(GateId::X, {0})});
  EXPECT_EQ(run(createNotPropagationPass(), c), "cx01 x1");
}

TEST(NotPropagation, RzAngleFlipsAndHTurnsXIntoZ) {
  Circuit c = circ(1, {make_gate(GateId::X, {0}), make_gate(GateId::RZ, {0}, {Expr(0.4)}), make_gate(GateId::H, {0})});
  EXPECT_EQ(run(createNotPropagationPass(), c), "rz0 h0 rz0");
  Circuit d = circ(1, {make_gate(GateId::X, {0}), make_gate(GateId::RZ, {0}, {Expr(0.4)}), make_gate(GateId::H, {0})});
  createNotPropagationPass()->run(d);
  EXPECT_NEAR(d.ops[0].params[0].value(), -0.4, 1e-15);
  EXPECT_NEAR(d.ops[2].params[0].value(), M_PI, 1e-15);
}

TEST(NotPropagation, StopsBeforeMeasurement) {
  Circuit c = circ(1, {make_gate(GateId::X, {0}), make_gate(GateId::RZ, {0}, {Expr(0.4)})});
  c.num_clbits = 1;
  Operation m;
  m.kind = OpKind::Measure;
  m.qubits = {0};
  m.clbits = {0};
  c.ops.push_back(m);
  createNotPropagationPass()->run(c);
  ASSERT_EQ(c.ops.size(), 3u);
  EXPECT_EQ(c.ops[1].gate, GateId::X);
  EXPECT_EQ(c.ops[2].kind, OpKind::Measure);
}

TEST(HadamardReduction, HsHBecomesSdgHSdg) {
  Circuit c = circ(1, {make_gate(GateId::H, {0}), make_gate(GateId::RZ, {0}, {Expr(M_PI / 2)}), make_gate(GateId::H, {0})});
  EXPECT_EQ(run(createHadamardReductionPass(), c), "rz0 h0 rz0");
}

TEST(HadamardReduction, ConjugatedCxReverses) {
  Circuit c = circ(2, {make_gate(GateId::H, {0}), make_gate(GateId::H, {1}), make_gate(GateId::CX, {0, 1}), make_gate(GateId::H, {0}),
                       make_gate(GateId::H, {1})});
  EXPECT_EQ(run(createHadamardReductionPass(), c), "cx10");
}

TEST(HadamardReduction, TargetPhaseRule) {
  Circuit c = circ(2, {make_gate(GateId::H, {1}), make_gate(GateId::RZ, {1}, {Expr(M_PI / 2)}), make_gate(GateId::CX, {0, 1}),
                       make_gate(GateId::RZ, {1}, {Expr(-M_PI / 2)}), make_gate(GateId::H, {1})});
  EXPECT_EQ(run(createHadamardReductionPass(), c), "rz1 cx01 rz1");
}

TEST(SingleQubitFusion, RunBecomesShortestNamForm) {
  Circuit c = circ(1, {make_gate(GateId::H, {0}), make_gate(GateId::T, {0}), make_gate(GateId::T, {0}), make_gate(GateId::H, {0}),
                       make_gate(GateId::X, {0}), make_gate(GateId::Z, {0})});
  std::string s = run(createSingleQubitFusionPass({Basis::Nam}), c);
  EXPECT_LE(std::count(s.begin(), s.end(), ' ') + 1, 3) << s;
}

TEST(SingleQubitFusion, IbmBasis) {
  Circuit c = circ(1, {make_gate(GateId::H, {0}), make_gate(GateId::U3, {0}, {Expr(0.3), Expr(0.2), Expr(0.1)}), make_gate(GateId::Y, {0})});
  std::string s = run(createSingleQubitFusionPass({Basis::IbmCz}), c);
  for (const auto& op : c.ops) (void)op;
  EXPECT_EQ(s.find("h"), std::string::npos) << s;
  EXPECT_EQ(s.find("u3"), std::string::npos) << s;
}

TEST(SingleQubitFusion, LeavesSymbolicGatesAlone) {
  Circuit c = circ(1, {make_gate(GateId::H, {0}), make_gate(GateId::RZ, {0}, {Expr::symbol(0)}), make_gate(GateId::H, {0})});
  c.inputs.push_back({"t", "float[64]", {}, 0});
  Circuit before = c;
  createSingleQubitFusionPass({Basis::Nam})->run(c);
  EXPECT_EQ(names(c), "h0 rz0 h0");
}

TEST(Pipeline, DescribeListsNamedPasses) {
  std::string d = describe_pipeline(2, "nam");
  EXPECT_NE(d.find("pipeline O2/nam"), std::string::npos) << d;
  EXPECT_NE(d.find("phase-polynomial-merge"), std::string::npos) << d;
  EXPECT_NE(d.find("commutation-cancellation"), std::string::npos) << d;
  std::string d0 = describe_pipeline(0, "ibm_heron");
  EXPECT_NE(d0.find("sabre-routing"), std::string::npos) << d0;
  EXPECT_THROW(describe_pipeline(4, "nam"), std::invalid_argument);
  EXPECT_THROW(describe_pipeline(1, "nope"), std::invalid_argument);
}

TEST(Pipeline, LayoutCommentRoundTrips) {
  CompileResult r;
  r.initial_layout = {3, 0, 7};
  r.final_layout = {0, 7, 3};
  std::string s = layout_comment(r);
  std::vector<uint32_t> a, b;
  ASSERT_TRUE(parse_layout_comment("OPENQASM 3.0;\n" + s + "\nqubit[2] q;", a, b));
  EXPECT_EQ(a, r.initial_layout);
  EXPECT_EQ(b, r.final_layout);
  EXPECT_FALSE(parse_layout_comment("OPENQASM 3.0;", a, b));
}

TEST(Counting, NamConventions) {
  Circuit c = circ(2, {make_gate(GateId::T, {0}), make_gate(GateId::S, {0}), make_gate(GateId::RZ, {1}, {Expr(-M_PI / 4)}),
                       make_gate(GateId::RZ, {1}, {Expr(3 * M_PI / 4)}), make_gate(GateId::CX, {0, 1})});
  GateCounts n = count_gates(c);
  EXPECT_EQ(n.total, 5u);
  EXPECT_EQ(n.two_qubit, 1u);
  EXPECT_EQ(n.t, 3u);
}

}  // namespace
}  // namespace qforge
