// run() of circuits with run-time classical logic (assignments, if, while,
// for, switch, break, end, gates with run-time parameters), built by hand:
// known answers worked out by hand (teleportation with feed-forward,
// repeat-until-success, iterative phase estimation, active reset, a parity
// check with switch), each also against the independent exhaustive-branch
// reference of tests/support (ref::classical_branches, through
// test::Reference) and, for counts, against shot-by-shot runs of that
// reference by chi-square; merged branches; located run-time errors; the
// same results on 1, 2 and 3 threads.
#include "classical_builders.hpp"
#include "qforge/noisy.hpp"
#include "test_util.hpp"

#include <cmath>
#include <string>

namespace qforge {
namespace {

using namespace qforge::test;
using build::assign;
using build::bin;
using build::for_;
using build::if_;
using build::int_t;
using build::kBool;
using build::kFloat;
using build::runtime_gate;
using build::simple;
using build::switch_;
using build::var;
using build::while_;

Operation assign_clbits(std::vector<uint32_t> clbits, CExpr value) {
  return assign(ClassicalData::kNoVar, std::move(value), std::move(clbits));
}

ClassicalType uint_t(uint32_t w) { return {CType::Uint, w}; }
ClassicalType angle_t(uint32_t w) { return {CType::Angle, w}; }

CExpr k(const CValue& v) { return CExpr::constant(v); }
CExpr ki(int64_t v, uint32_t w = 32) { return k(CValue::of_int(v, w)); }
CExpr bits(std::vector<uint32_t> b) { return CExpr::bits(std::move(b)); }
CExpr un(COp op, const ClassicalType& t, CExpr a) { return CExpr::apply(op, t, {std::move(a)}); }

Operation at_line(Operation op, uint32_t line) {
  op.loc.line = line;
  op.loc.col = 1;
  return op;
}

const sim::OutputCounts& output(const sim::RunResult& r, const std::string& name) {
  for (const auto& o : r.outputs)
    if (o.name == name) return o;
  throw std::runtime_error("no output " + name);
}

std::map<std::string, uint64_t> as_map(const sim::OutputCounts& o) { return {o.counts.begin(), o.counts.end()}; }

/// Counts of `shots` shot-by-shot runs of the reference interpreter.
std::map<std::string, uint64_t> reference_shots(const Circuit& c, uint64_t shots, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::map<std::string, uint64_t> counts;
  for (uint64_t s = 0; s < shots; ++s) {
    ref::BranchOptions one_shot;
    one_shot.rng = &rng;
    counts[bit_key(ref::classical_branches(c, one_shot).at(0).cs.clbits)] += 1;
  }
  return counts;
}

// ---------------------------------------------------------------------------

/// Teleport U3(theta, phi, lambda)|0> from qubit 0 to qubit 2; the
/// corrections are structured: `if (c == 2 || c == 3) x q[2];` and
/// `if (c[0]) z q[2]; else id`, c = bit[2] {c[0], c[1]}.
Circuit teleportation(double theta, double phi, double lambda) {
  Circuit c = test::circuit(3, 2);
  c.cregs.push_back({"c", 0, 2});
  c.ops.push_back(gate(GateId::U3, {0}, {theta, phi, lambda}));
  c.ops.push_back(gate(GateId::H, {1}));
  c.ops.push_back(gate(GateId::CX, {1, 2}));
  c.ops.push_back(gate(GateId::CX, {0, 1}));
  c.ops.push_back(gate(GateId::H, {0}));
  c.ops.push_back(make_measure({0, 1}, {0, 1}));
  const CExpr reg = bits({0, 1});
  c.ops.push_back(if_(bin(COp::LogOr, kBool, bin(COp::Eq, kBool, reg, ki(2)), bin(COp::Eq, kBool, reg, ki(3))),
                        {gate(GateId::X, {2})}));
  c.ops.push_back(if_(bin(COp::Eq, kBool, bits({0}), ki(1)), {gate(GateId::Z, {2})}, {gate(GateId::I, {2})}));
  return c;
}

TEST(ClassicalRun, TeleportationWithStructuredFeedForward) {
  const double theta = 1.1, phi = 0.7, lambda = -0.4;
  const Circuit c = teleportation(theta, phi, lambda);
  ASSERT_EQ(c.verify(), "");
  sim::RunOptions o;
  o.observables = {sim::parse_observable("X2"), sim::parse_observable("Y2"), sim::parse_observable("Z2")};
  const auto r = sim::run(c, o);
  EXPECT_TRUE(r.trajectories);
  EXPECT_TRUE(r.exact_averages);
  EXPECT_EQ(r.branches, 4u);
  // The Bloch vector of U3(theta, phi, lambda)|0>, by hand.
  EXPECT_NEAR(r.expectations[0], std::sin(theta) * std::cos(phi), 1e-12);
  EXPECT_NEAR(r.expectations[1], std::sin(theta) * std::sin(phi), 1e-12);
  EXPECT_NEAR(r.expectations[2], std::cos(theta), 1e-12);
  const Reference want(c);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(r.expectations[i], want.expectation(o.observables[i], 3), 1e-12);
  o.shots = 20000;
  o.seed = 5;
  const auto s = sim::run(c, o);
  int dof = 0;
  const double chi1 = chi_square(s.counts, want.probs, o.shots, dof);
  EXPECT_LT(chi1, chi_square_limit(dof)) << "dof " << dof;
  // The register is reported as an output (no output declared: every register).
  ASSERT_EQ(s.outputs.size(), 1u);
  EXPECT_EQ(s.outputs[0].name, "c");
  EXPECT_EQ(s.outputs[0].type, "bit[2]");
  EXPECT_EQ(as_map(s.outputs[0]), s.counts);
}

/// Repeat until success: qubit 0 in |+>; each round resets ancilla 1, turns
/// it by RY(t) and measures it (1, success, with p = sin^2(t/2)); n counts
/// the rounds; after the loop, RZ(n pi/4) on qubit 0 (a gate with a run-time
/// parameter). bit b; output int[8] n; output bool ok.
Circuit repeat_until_success(double t) {
  Circuit c = test::circuit(2, 1);
  c.cregs.push_back({"b", 0, 1, false});
  c.vars = {{"n", int_t(8), true}, {"ok", kBool, false}};
  c.ops.push_back(gate(GateId::H, {0}));
  c.ops.push_back(while_(un(COp::LogNot, kBool, var(1, kBool)),
                           {reset(1), gate(GateId::RY, {1}, {t}), make_measure({1}, {0}),
                            assign(0, bin(COp::Add, int_t(8), var(0, int_t(8)), ki(1, 8))),
                            assign(1, un(COp::Cast, kBool, bits({0})))}));
  c.ops.push_back(runtime_gate(
      GateId::RZ, {0},
      {bin(COp::Mul, kFloat, un(COp::Cast, kFloat, var(0, int_t(8))), k(CValue::of_float(M_PI / 4)))}));
  return c;
}

TEST(ClassicalRun, RepeatUntilSuccessGivesGeometricRounds) {
  const double t = 2 * std::asin(std::sqrt(0.4));  // p = 0.4
  const double p = 0.4;
  const Circuit c = repeat_until_success(t);
  ASSERT_EQ(c.verify(), "");
  sim::RunOptions o;
  o.shots = 10000;
  o.seed = 3;
  o.observables = {sim::parse_observable("X0")};
  const auto r = sim::run(c, o);
  EXPECT_TRUE(r.trajectories);
  EXPECT_FALSE(r.exact_averages);  // a loop that measures: sampled
  // Rounds: P(n = k) = (1 - p)^(k - 1) p, by hand.
  std::map<std::string, double> geometric;
  for (int k = 1; k < 120; ++k) geometric[std::to_string(k)] = std::pow(1 - p, k - 1) * p;
  const sim::OutputCounts& n = output(r, "n");
  EXPECT_EQ(n.type, "int[8]");
  int dof = 0;
  const double chi2 = chi_square(as_map(n), geometric, o.shots, dof);
  EXPECT_LT(chi2, chi_square_limit(dof)) << "dof " << dof;
  EXPECT_GE(dof, 8);
  // Only `n` is declared output.
  EXPECT_EQ(r.outputs.size(), 1u);
  // Each round without success continues one branch: one leaf per number
  // of rounds that some shot took.
  EXPECT_EQ(r.branches, n.counts.size());
  // <X0> after RZ(n pi/4) on |+>: sum_k P(k) cos(k pi/4) =
  // Re[p e^{i pi/4} / (1 - (1 - p) e^{i pi/4})], by hand; sampled averages
  // within the shots' error.
  const std::complex<double> e(std::cos(M_PI / 4), std::sin(M_PI / 4));
  const double x0 = (p * e / (1.0 - (1 - p) * e)).real();
  EXPECT_NEAR(r.expectations[0], x0, 5 / std::sqrt(10000.0));
  // Without shots the averages are exact, every branch down to 1e-15.
  sim::RunOptions exact;
  exact.observables = o.observables;
  const auto x = sim::run(c, exact);
  EXPECT_TRUE(x.exact_averages);
  EXPECT_NEAR(x.expectations[0], x0, 1e-12);
  const Reference want(c);
  EXPECT_NEAR(want.expectation(o.observables[0], 2), x0, 1e-12);
  for (int k = 1; k < 10; ++k) EXPECT_NEAR(want.values.at("n").at(std::to_string(k)), geometric[std::to_string(k)], 1e-12);
}

/// Iterative phase estimation of P(phi) on its eigenstate |1> (qubit 1)
/// with ancilla 0, m bits from the least significant: round k = 0..m-1 of a
/// run-time for loop applies CP(2^(m-1-k) phi) (a run-time parameter), then
/// P(-est/2) with est an angle[m] (the bits found so far), H, measures b and
/// sets est = est / 2 + (b as angle) << (m - 1). For phi = 2 pi x / 2^m every
/// measurement is certain and est ends exactly phi.
Circuit phase_estimation(double phi, uint32_t m) {
  Circuit c = test::circuit(2, 1);
  c.cregs.push_back({"b", 0, 1, false});
  c.vars = {{"est", angle_t(m), true}, {"k", int_t(32), false}};
  const CExpr est = var(0, angle_t(m)), kv = var(1, int_t(32));
  c.ops.push_back(gate(GateId::X, {1}));
  const CExpr power = un(COp::Cast, kFloat, bin(COp::Shl, int_t(32), ki(1), bin(COp::Sub, int_t(32), ki(m - 1), kv)));
  std::vector<Operation> body{
      reset(0),
      gate(GateId::H, {0}),
      runtime_gate(GateId::CP, {0, 1}, {bin(COp::Mul, kFloat, k(CValue::of_float(phi)), power)}),
      runtime_gate(GateId::P, {0}, {un(COp::Neg, angle_t(m), bin(COp::Div, angle_t(m), est, k(CValue::of_uint(2))))}),
      gate(GateId::H, {0}),
      make_measure({0}, {0}),
      assign(0, bin(COp::Add, angle_t(m), bin(COp::Div, angle_t(m), est, k(CValue::of_uint(2))),
                    bin(COp::Shl, angle_t(m), un(COp::Cast, angle_t(m), bits({0})), ki(m - 1)))),
  };
  c.ops.push_back(for_(1, ki(0), ki(1), ki(m - 1), std::move(body)));
  return c;
}

TEST(ClassicalRun, IterativePhaseEstimationRecoversExactPhases) {
  const uint32_t m = 4;
  for (uint64_t x = 0; x < 16; ++x) {
    const double phi = 2 * M_PI * double(x) / 16;
    const Circuit c = phase_estimation(phi, m);
    ASSERT_EQ(c.verify(), "");
    sim::RunOptions o;
    o.shots = 100;
    o.seed = x;
    const auto r = sim::run(c, o);
    EXPECT_EQ(r.branches, 1u) << x;  // every outcome certain
    const sim::OutputCounts& est = output(r, "est");
    EXPECT_EQ(est.type, "angle[4]");
    ASSERT_EQ(est.counts.size(), 1u) << x;
    const CValue exact{angle_t(m), x, 0};
    EXPECT_EQ(est.counts[0].first, exact.to_qasm()) << x;
    EXPECT_EQ(est.counts[0].second, 100u);
  }
  // A phase between two steps: the estimate's distribution is the
  // reference's, exactly (probabilities) and by chi-square (counts).
  const Circuit c = phase_estimation(2 * M_PI * 5.3 / 16, m);
  sim::RunOptions o;
  o.shots = 20000;
  o.seed = 17;
  const auto r = sim::run(c, o);
  const Reference want(c);
  std::map<std::string, double> est_probs = want.values.at("est");
  int dof = 0;
  const double chi3 = chi_square(as_map(output(r, "est")), est_probs, o.shots, dof);
  EXPECT_LT(chi3, chi_square_limit(dof)) << "dof " << dof;
  const CValue nearest{angle_t(m), 5, 0};
  EXPECT_GT(est_probs[nearest.to_qasm()], 0.5);
}

TEST(ClassicalRun, ActiveResetBranchesMergeWhenTheirStatesAgree) {
  // q0 = RY(1.2)|0>, not entangled with q1 = H|0>. b = measure q0;
  // while (b) { x q0; b = measure q0; }: both outcomes end with q0 in |0>,
  // b = 0 and the same state, so they merge into one branch.
  Circuit c = test::circuit(2, 1);
  c.ops.push_back(gate(GateId::RY, {0}, {1.2}));
  c.ops.push_back(gate(GateId::H, {1}));
  c.ops.push_back(make_measure({0}, {0}));
  c.ops.push_back(while_(bits({0}), {gate(GateId::X, {0}), make_measure({0}, {0})}));
  c.ops.push_back(gate(GateId::RX, {0}, {0.5}));
  sim::RunOptions o;
  o.probabilities = true;
  o.observables = {sim::parse_observable("Z0"), sim::parse_observable("X1")};
  const auto r = sim::run(c, o);
  EXPECT_EQ(r.branches, 1u);
  EXPECT_NEAR(r.expectations[0], std::cos(0.5), 1e-12);
  EXPECT_NEAR(r.expectations[1], 1, 1e-12);
  o.shots = 1000;
  o.seed = 2;
  const auto s = sim::run(c, o);
  EXPECT_EQ(s.branches, 1u);
  EXPECT_EQ(s.counts, (std::map<std::string, uint64_t>{{"0", 1000}}));
  // Entangled with q1, the two outcomes leave different states: 2 branches,
  // and the averages are the reference's.
  c.ops.insert(c.ops.begin() + 2, gate(GateId::CX, {1, 0}));
  const auto e = sim::run(c, o);
  EXPECT_EQ(e.branches, 2u);
  const Reference want(c);
  for (std::size_t i = 0; i < 2; ++i) EXPECT_NEAR(e.expectations[i], want.expectation(o.observables[i], 2), 1e-12);
}

/// Bit-flip code: data a|000> + b|111> on qubits 0-2, an X error on qubit
/// 1 entangled with qubit 5 in |+> (so it happens half the time), syndrome
/// s = {Z0 Z1, Z1 Z2} measured with ancillas 3, 4 into bit[2] s, and
/// switch (s) { case 1: x q0; case 3: x q1; case 2: x q2; default: }.
Circuit parity_check(double t) {
  Circuit c = test::circuit(6, 2);
  c.cregs.push_back({"s", 0, 2, true, true});
  c.ops.push_back(gate(GateId::RY, {0}, {t}));
  c.ops.push_back(gate(GateId::CX, {0, 1}));
  c.ops.push_back(gate(GateId::CX, {1, 2}));
  c.ops.push_back(gate(GateId::H, {5}));
  c.ops.push_back(gate(GateId::CX, {5, 1}));
  c.ops.push_back(gate(GateId::CX, {0, 3}));
  c.ops.push_back(gate(GateId::CX, {1, 3}));
  c.ops.push_back(gate(GateId::CX, {1, 4}));
  c.ops.push_back(gate(GateId::CX, {2, 4}));
  c.ops.push_back(make_measure({3, 4}, {0, 1}));
  c.ops.push_back(switch_(bits({0, 1}), {{1}, {3}, {2}, {}},
                            {{gate(GateId::X, {0})}, {gate(GateId::X, {1})}, {gate(GateId::X, {2})}, {}}));
  return c;
}

TEST(ClassicalRun, ParityCheckWithSwitchCorrects) {
  const double t = 0.9;
  const Circuit c = parity_check(t);
  ASSERT_EQ(c.verify(), "");
  sim::RunOptions o;
  o.observables = {sim::parse_observable("Z0 Z1"), sim::parse_observable("Z1 Z2"),
                   sim::parse_observable("X0 X1 X2"), sim::parse_observable("Z5")};
  const auto r = sim::run(c, o);
  EXPECT_TRUE(r.exact_averages);
  EXPECT_EQ(r.branches, 2u);  // syndrome 00 or 11 (the error on qubit 1)
  // Corrected: <Z0 Z1> = <Z1 Z2> = 1; <X0 X1 X2> = 2 Re(a conj(b)) = sin(t)
  // for a = cos(t/2), b = sin(t/2); qubit 5 is |0> or |1> with the syndrome.
  EXPECT_NEAR(r.expectations[0], 1, 1e-12);
  EXPECT_NEAR(r.expectations[1], 1, 1e-12);
  EXPECT_NEAR(r.expectations[2], std::sin(t), 1e-12);
  EXPECT_NEAR(r.expectations[3], 0, 1e-12);
  const Reference want(c);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_NEAR(r.expectations[i], want.expectation(o.observables[i], 6), 1e-12);
  o.shots = 4000;
  o.seed = 8;
  const auto s = sim::run(c, o);
  EXPECT_EQ(s.counts.size(), 2u);
  EXPECT_EQ(as_map(output(s, "s")), s.counts);
}

TEST(ClassicalRun, ForLoopsSwitchBreakAndEndAgreeWithTheReference) {
  // int[8] acc; for i in [1:2:7] { h q[i % 3]; measure q[i % 3] into b[i % 3]
  //   (written as a switch on i % 3); acc = acc * 2 + b; if (acc > 9) break; }
  // if (b[0] == 1) end; rx(acc * 0.1) q[3]; measure all into b.
  Circuit c = test::circuit(4, 4);
  c.vars = {{"i", int_t(8), false}, {"acc", uint_t(8), true}};
  const CExpr i = var(0, int_t(8)), acc = var(1, uint_t(8));
  std::vector<std::vector<Operation>> arms;
  for (uint32_t q = 0; q < 3; ++q)
    arms.push_back({gate(GateId::RY, {q}, {0.7 + q}), make_measure({q}, {q}),
                    assign(1, bin(COp::Add, uint_t(8), bin(COp::Mul, uint_t(8), acc, ki(2)), bits({q})))});
  std::vector<Operation> body{switch_(bin(COp::Mod, int_t(8), i, ki(3, 8)), {{0}, {1}, {2}}, std::move(arms)),
                              if_(bin(COp::Gt, kBool, acc, ki(9)), {simple(OpKind::Break)})};
  c.ops.push_back(for_(0, ki(1), ki(2), ki(7), std::move(body)));
  c.ops.push_back(if_(bin(COp::Eq, kBool, bits({0}), ki(1)), {simple(OpKind::End)}));
  c.ops.push_back(runtime_gate(GateId::RX, {3}, {bin(COp::Mul, kFloat, un(COp::Cast, kFloat, acc), k(CValue::of_float(0.1)))}));
  c.ops.push_back(make_measure({3}, {3}));
  ASSERT_EQ(c.verify(), "");
  const Reference want(c);
  EXPECT_NEAR(want.total, 1, 1e-12);
  sim::RunOptions o;
  o.shots = 20000;
  o.seed = 21;
  o.probabilities = true;
  o.observables = {sim::parse_observable("Z3 + 0.5*Z0 Z1")};
  const auto r = sim::run(c, o);
  int dof = 0;
  const double chi4 = chi_square(r.counts, want.probs, o.shots, dof);
  EXPECT_LT(chi4, chi_square_limit(dof)) << "dof " << dof;
  EXPECT_GE(dof, 5);
  const double chi5 = chi_square(as_map(output(r, "acc")), want.values.at("acc"), o.shots, dof);
  EXPECT_LT(chi5, chi_square_limit(dof)) << "dof " << dof;
  // Exact averages without shots.
  sim::RunOptions x;
  x.probabilities = true;
  x.observables = o.observables;
  const auto e = sim::run(c, x);
  EXPECT_TRUE(e.exact_averages);
  const Eigen::VectorXd diag = want.rho.diagonal().real();
  for (uint64_t j = 0; j < e.probabilities.size(); ++j) EXPECT_NEAR(e.probabilities[j], diag(Eigen::Index(j)), 1e-12);
  EXPECT_NEAR(e.expectations[0], want.expectation(o.observables[0], 4), 1e-12);
}

TEST(ClassicalRun, CountsAgreeWithShotByShotRuns) {
  // Shot branching against the reference interpreter drawing each outcome
  // shot by shot: two-sample chi-square, for each circuit above.
  const std::vector<Circuit> circuits = {teleportation(0.3, 1.0, 2.0), repeat_until_success(1.1),
                                         phase_estimation(2 * M_PI * 0.37, 3), parity_check(0.4)};
  for (std::size_t i = 0; i < circuits.size(); ++i) {
    Circuit c = circuits[i];
    for (uint32_t q = 0; q < std::min(c.num_qubits, c.num_clbits); ++q) c.ops.push_back(make_measure({q}, {q}));
    sim::RunOptions o;
    o.shots = 4000;
    o.seed = 40 + i;
    const auto branching = sim::run(c, o);
    int dof = 0;
    const double chi = two_sample_chi(branching.counts, reference_shots(c, o.shots, 99 + i), dof);
    EXPECT_LT(chi, chi_square_limit(dof)) << "circuit " << i << " dof " << dof;
  }
}

TEST(ClassicalRun, SameResultsOnOneTwoAndThreeThreads) {
  // Repeat until success on 16 qubits (the loop's ancilla entangled with a
  // random circuit on the others).
  std::mt19937_64 rng(5);
  const uint32_t n = 16;
  Circuit c = test::circuit(n, 2);
  c.vars = {{"n", int_t(16), true}};
  for (uint32_t q = 0; q < n; ++q) c.ops.push_back(gate(GateId::H, {q}));
  for (int i = 0; i < 30; ++i) c.ops.push_back(random_gate(rng, n, 1));
  std::vector<Operation> body{gate(GateId::CX, {3, 0}), gate(GateId::RY, {0}, {0.8}), make_measure({0}, {0}),
                              assign(0, bin(COp::Add, int_t(16), var(0, int_t(16)), ki(1, 16)))};
  for (int i = 0; i < 5; ++i) body.push_back(random_gate(rng, n, 1));
  c.ops.push_back(while_(bin(COp::Eq, kBool, bits({0}), ki(0)), body));
  c.ops.push_back(make_measure({5}, {1}));
  sim::RunOptions o;
  o.shots = 3000;
  o.seed = 99;
  o.probabilities = true;
  o.observables = {sim::parse_observable("Z0 Z5 + X2")};
  const std::vector<sim::RunResult> runs = run_on_one_two_and_three_threads(c, o);
  EXPECT_GE(runs[0].branches, 4u);
  for (std::size_t k : {1, 2})
    EXPECT_EQ(as_map(runs[k].outputs.at(0)), as_map(runs[0].outputs.at(0))) << k + 1 << " threads";
}

TEST(ClassicalRun, RunTimeErrorsAreLocated) {
  // Division by zero: int[8] x = 4 / (b) with b measured 0.
  Circuit c = test::circuit(1, 1);
  c.vars = {{"x", int_t(8), false}};
  c.ops.push_back(make_measure({0}, {0}));
  c.ops.push_back(at_line(assign(0, bin(COp::Div, int_t(8), ki(4, 8), un(COp::Cast, int_t(8), bits({0})))), 5));
  sim::RunOptions o;
  o.shots = 10;
  try {
    sim::run(c, o);
    FAIL() << "expected an error";
  } catch (const LocatedError& e) {
    EXPECT_EQ(e.loc().line, 5u);
    EXPECT_STREQ(e.what(), "division by zero in the assignment.");
  }
  // A loop that never ends: while (true) { h q; } stops at the limit.
  Circuit w = test::circuit(1, 0);
  w.ops.push_back(at_line(while_(k(CValue::of_bool(true)), {gate(GateId::H, {0})}), 3));
  o.max_iterations = 1000;
  try {
    sim::run(w, o);
    FAIL() << "expected an error";
  } catch (const LocatedError& e) {
    EXPECT_EQ(e.loc().line, 3u);
    EXPECT_NE(std::string(e.what()).find("the while loop goes on beyond 1000 iterations in one shot"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("--max-iterations"), std::string::npos) << e.what();
  }
  // A for loop with a zero step.
  Circuit f = test::circuit(1, 0);
  f.vars = {{"i", int_t(32), false}};
  f.ops.push_back(at_line(for_(0, ki(0), ki(0), ki(3), {gate(GateId::X, {0})}), 7));
  try {
    sim::run(f, o);
    FAIL() << "expected an error";
  } catch (const LocatedError& e) {
    EXPECT_EQ(e.loc().line, 7u);
    EXPECT_STREQ(e.what(), "the for loop's range has a step of 0.");
  }
  // Noisy runs refuse classical logic, located.
  const sim::NoisyCircuit nc{c, std::vector<std::vector<sim::Channel>>(c.ops.size()), {}, {}};
  sim::NoisyRunOptions no;
  no.run.shots = 10;
  try {
    sim::run_noisy(nc, {}, no);
    FAIL() << "expected an error";
  } catch (const LocatedError& e) {
    EXPECT_EQ(e.loc().line, 5u);
    EXPECT_NE(std::string(e.what()).find("noisy runs do not execute run-time classical logic (this assignment)"),
              std::string::npos)
        << e.what();
  }
}

TEST(ClassicalRun, EndStopsTheShotAndBitAssignmentsWrite) {
  // b[0] = measure q0 (|+>); if (b[0]) end; b[1:2] = 3 (an assignment to
  // bits); x q1; measure q1 -> b[3]. Shots that read 1 keep b = 0001; the
  // others end with b = 1110.
  Circuit c = test::circuit(2, 4);
  c.cregs.push_back({"b", 0, 4});
  c.ops.push_back(gate(GateId::H, {0}));
  c.ops.push_back(make_measure({0}, {0}));
  c.ops.push_back(if_(bits({0}), {simple(OpKind::End)}));
  c.ops.push_back(assign_clbits({1, 2}, ki(3)));
  c.ops.push_back(gate(GateId::X, {1}));
  c.ops.push_back(make_measure({1}, {3}));
  sim::RunOptions o;
  o.shots = 4000;
  o.seed = 6;
  o.observables = {sim::parse_observable("Z1")};
  const auto r = sim::run(c, o);
  ASSERT_EQ(r.counts.size(), 2u);
  EXPECT_TRUE(r.counts.count("0001") && r.counts.count("1110"));
  EXPECT_NEAR(double(r.counts.at("0001")) / 4000, 0.5, 4 * 0.5 / std::sqrt(4000.0));
  EXPECT_NEAR(r.expectations[0], 0, 1e-12);  // |0> or |1> half the time each
  const Reference want(c);
  EXPECT_NEAR(want.probs.at("0001"), 0.5, 1e-12);
  EXPECT_NEAR(want.probs.at("1110"), 0.5, 1e-12);
}

TEST(ClassicalRun, OutputsWithoutMeasurements) {
  // bit[3] c = 5; int[8] x = c + 1; float[64] f = x / 4.0; rx(f) q: nothing
  // measured, so the counts are over the qubit; the outputs are the values.
  Circuit c = test::circuit(1, 3);
  c.cregs.push_back({"c", 0, 3});
  c.vars = {{"x", int_t(8), false}, {"f", kFloat, false}};
  c.ops.push_back(assign_clbits({0, 1, 2}, ki(5)));
  c.ops.push_back(assign(0, bin(COp::Add, int_t(8), bits({0, 1, 2}), ki(1, 8))));
  c.ops.push_back(assign(1, bin(COp::Div, kFloat, var(0, int_t(8)), k(CValue::of_float(4)))));
  c.ops.push_back(runtime_gate(GateId::RX, {0}, {var(1, kFloat)}));
  sim::RunOptions o;
  o.shots = 1000;
  o.seed = 1;
  o.statevector = true;
  const auto r = sim::run(c, o);
  EXPECT_EQ(r.branches, 1u);
  ASSERT_EQ(r.outputs.size(), 3u);
  EXPECT_EQ(as_map(output(r, "c")), (std::map<std::string, uint64_t>{{"101", 1000}}));
  EXPECT_EQ(as_map(output(r, "x")), (std::map<std::string, uint64_t>{{"6", 1000}}));
  EXPECT_EQ(as_map(output(r, "f")), (std::map<std::string, uint64_t>{{"1.5", 1000}}));
  // RX(1.5)|0>: amplitudes cos(0.75), -i sin(0.75), by hand.
  ASSERT_EQ(r.statevector.size(), 2u);
  EXPECT_NEAR(r.statevector[0].real(), std::cos(0.75), 1e-12);
  EXPECT_NEAR(r.statevector[1].imag(), -std::sin(0.75), 1e-12);
  uint64_t total = 0;
  for (const auto& [bits, n] : r.counts) total += n;
  EXPECT_EQ(total, 1000u);
}

}  // namespace
}  // namespace qforge
