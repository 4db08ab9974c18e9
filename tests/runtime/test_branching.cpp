// run() of dynamic circuits by shot branching: known answers (teleportation
// with feed-forward, active reset, a parity check with a conditioned
// correction), counts and averages against the independent classical-quantum
// density-matrix reference (tests/support), against plain shot-by-shot
// trajectories, and the same results on 1, 2 and 3 threads.
#include "qforge/noisy.hpp"
#include "test_util.hpp"

#include <cmath>
#include <string>

namespace qforge {
namespace {

using namespace qforge::test;

Operation when(Operation op, std::vector<uint32_t> clbits, uint64_t value, bool equal = true) {
  op.conditions.push_back(Condition{std::move(clbits), value, equal});
  return op;
}

/// Teleport U3(theta, phi, lambda)|0> from qubit 0 to qubit 2 with
/// classically controlled corrections (clbit 0: Z, clbit 1: X).
Circuit teleportation(double theta, double phi, double lambda) {
  Circuit c = test::circuit(3, 2);
  c.ops.push_back(gate(GateId::U3, {0}, {theta, phi, lambda}));
  c.ops.push_back(gate(GateId::H, {1}));
  c.ops.push_back(gate(GateId::CX, {1, 2}));
  c.ops.push_back(gate(GateId::CX, {0, 1}));
  c.ops.push_back(gate(GateId::H, {0}));
  c.ops.push_back(measure(0, 0));
  c.ops.push_back(measure(1, 1));
  c.ops.push_back(when(gate(GateId::X, {2}), {1}, 1));
  c.ops.push_back(when(gate(GateId::Z, {2}), {0}, 1));
  return c;
}

TEST(Branching, TeleportationEndsInTheInputStateInEveryBranch) {
  const double theta = 1.1, phi = 0.7, lambda = -0.4;
  const Circuit c = teleportation(theta, phi, lambda);
  sim::RunOptions o;
  o.observables = {sim::parse_observable("X2"), sim::parse_observable("Y2"), sim::parse_observable("Z2")};
  // No shots: every outcome is followed, exactly.
  const auto r = sim::run(c, o);
  EXPECT_TRUE(r.trajectories);
  EXPECT_TRUE(r.exact_averages);
  EXPECT_EQ(r.branches, 4u);
  // The Bloch vector of U3(theta, phi, lambda)|0>, by hand.
  EXPECT_NEAR(r.expectations[0], std::sin(theta) * std::cos(phi), 1e-12);
  EXPECT_NEAR(r.expectations[1], std::sin(theta) * std::sin(phi), 1e-12);
  EXPECT_NEAR(r.expectations[2], std::cos(theta), 1e-12);
  // With shots: the same exact averages, and the Bell outcomes uniform.
  o.shots = 20000;
  o.seed = 11;
  const auto s = sim::run(c, o);
  EXPECT_TRUE(s.exact_averages);
  for (std::size_t k = 0; k < 3; ++k) EXPECT_NEAR(s.expectations[k], r.expectations[k], 1e-12);
  const std::map<std::string, double> uniform{{"00", 0.25}, {"01", 0.25}, {"10", 0.25}, {"11", 0.25}};
  int dof = 0;
  // The statistic first: it sets dof, which the limit reads.
  const double chi = chi_square(s.counts, uniform, o.shots, dof);
  EXPECT_LT(chi, chi_square_limit(dof)) << "dof " << dof;
  EXPECT_EQ(sim::run(c, o).counts, s.counts);
}

TEST(Branching, ActiveResetIsDeterministic) {
  // X, measure, X when it read 1: qubit 0 is back in |0> and nothing is
  // random, so there is one branch, a state vector and no need for shots.
  Circuit c = test::circuit(2, 1);
  c.ops.push_back(gate(GateId::X, {0}));
  c.ops.push_back(gate(GateId::H, {1}));
  c.ops.push_back(measure(0, 0));
  c.ops.push_back(when(gate(GateId::X, {0}), {0}, 1));
  c.ops.push_back(reset(0));  // of a qubit in |0>: no branch either
  c.ops.push_back(gate(GateId::CX, {1, 0}));
  sim::RunOptions o;
  o.statevector = o.probabilities = true;
  o.observables = {sim::parse_observable("Z0 Z1")};
  const auto r = sim::run(c, o);
  EXPECT_TRUE(r.trajectories);
  EXPECT_EQ(r.branches, 1u);
  ASSERT_EQ(r.statevector.size(), 4u);
  EXPECT_NEAR(r.statevector[0].real(), std::sqrt(0.5), 1e-12);
  EXPECT_NEAR(r.statevector[3].real(), std::sqrt(0.5), 1e-12);
  EXPECT_NEAR(std::abs(r.statevector[1]) + std::abs(r.statevector[2]), 0, 1e-12);
  EXPECT_NEAR(r.expectations[0], 1, 1e-12);
  o.statevector = false;
  o.shots = 100;
  EXPECT_EQ(sim::run(c, o).counts, (std::map<std::string, uint64_t>{{"1", 100}}));
}

TEST(Branching, ActiveResetOfASuperpositionBranchesOnce) {
  // Measuring a qubit twice: the second outcome is certain.
  Circuit c = test::circuit(2, 2);
  c.ops.push_back(gate(GateId::RY, {0}, {1.2}));
  c.ops.push_back(measure(0, 0));
  c.ops.push_back(when(gate(GateId::X, {0}), {0}, 1));  // active reset
  c.ops.push_back(measure(0, 1));                        // reads 0 in both branches
  c.ops.push_back(when(gate(GateId::X, {1}), {1}, 0));
  sim::RunOptions o;
  o.probabilities = true;
  const auto r = sim::run(c, o);
  EXPECT_EQ(r.branches, 2u);
  // Qubit 0 is |0> and qubit 1 |1> in both branches.
  EXPECT_NEAR(r.probabilities[2], 1, 1e-12);
  o.shots = 10000;
  o.seed = 4;
  const auto s = sim::run(c, o);
  const double p1 = std::sin(0.6) * std::sin(0.6);
  EXPECT_EQ(s.counts.size(), 2u);
  EXPECT_NEAR(double(s.counts.at("01")) / 10000, p1, 4 * std::sqrt(p1 * (1 - p1) / 10000));
}

TEST(Branching, ResetOfAProductQubitDoesNotBranch) {
  // Qubit 0 reused ten times (rotated, reset), never entangled: both outcomes
  // of each reset leave the same state, so there is one branch throughout.
  Circuit c = test::circuit(3, 0);
  c.ops.push_back(gate(GateId::H, {1}));
  c.ops.push_back(gate(GateId::CX, {1, 2}));
  for (int k = 0; k < 10; ++k) {
    c.ops.push_back(gate(GateId::U3, {0}, {0.3 * (k + 1), 0.2 * k, 0.1}));
    c.ops.push_back(reset(0));
  }
  c.ops.push_back(gate(GateId::RX, {0}, {0.8}));
  sim::RunOptions o;
  o.statevector = true;
  o.observables = {sim::parse_observable("Z0"), sim::parse_observable("X1 X2")};
  const auto r = sim::run(c, o);
  EXPECT_EQ(r.branches, 1u);
  EXPECT_NEAR(r.expectations[0], std::cos(0.8), 1e-12);
  EXPECT_NEAR(r.expectations[1], 1, 1e-12);
  // Entangled with qubit 1, the reset branches.
  c.ops.insert(c.ops.end() - 1, gate(GateId::CX, {1, 0}));
  c.ops.push_back(reset(0));
  o.statevector = false;
  const auto e = sim::run(c, o);
  EXPECT_EQ(e.branches, 2u);
  const Reference want(c);
  EXPECT_NEAR(e.expectations[0], want.expectation(o.observables[0], 3), 1e-12);
  EXPECT_NEAR(e.expectations[1], want.expectation(o.observables[1], 3), 1e-12);
}

TEST(Branching, ParityCheckWithConditionedCorrection) {
  // Data a|00> + b|11> on qubits 0, 1; qubit 3 in |+> flips qubit 0 (an X
  // error half the time); ancilla 2 measures the parity Z0 Z1 and the
  // correction X0 runs when it is odd. Every branch ends with the data in
  // a|00> + b|11>: <Z0 Z1> = 1, <X0 X1> = 2 Re(a conj(b)) = sin(t) for
  // a = cos(t/2), b = sin(t/2); qubit 3 follows the parity bit.
  const double t = 0.9;
  Circuit c = test::circuit(4, 2);
  c.ops.push_back(gate(GateId::RY, {0}, {t}));
  c.ops.push_back(gate(GateId::CX, {0, 1}));
  c.ops.push_back(gate(GateId::H, {3}));
  c.ops.push_back(gate(GateId::CX, {3, 0}));
  c.ops.push_back(gate(GateId::CX, {0, 2}));
  c.ops.push_back(gate(GateId::CX, {1, 2}));
  c.ops.push_back(measure(2, 0));
  c.ops.push_back(when(gate(GateId::X, {0}), {0}, 1));
  c.ops.push_back(measure(3, 1));
  sim::RunOptions o;
  o.observables = {sim::parse_observable("Z0 Z1"), sim::parse_observable("X0 X1"), sim::parse_observable("Z2 Z3")};
  o.shots = 4000;
  o.seed = 8;
  const auto r = sim::run(c, o);
  EXPECT_EQ(r.branches, 2u);  // the parity; qubit 3's terminal measurement is sampled
  EXPECT_TRUE(r.exact_averages);
  EXPECT_NEAR(r.expectations[0], 1, 1e-12);
  EXPECT_NEAR(r.expectations[1], std::sin(t), 1e-12);
  EXPECT_NEAR(r.expectations[2], 1, 1e-12);
  for (const auto& [k, v] : r.counts) EXPECT_TRUE(k == "00" || k == "11") << k;
  EXPECT_NEAR(double(r.counts.at("11")) / 4000, 0.5, 4 * 0.5 / std::sqrt(4000.0));
}

/// A random circuit of gates, mid-circuit measurements, resets and
/// conditioned gates, measurements and resets on n qubits and 3 clbits,
/// ending with measurements of the first qubits.
Circuit random_dynamic(std::mt19937_64& rng, uint32_t n, int ops) {
  Circuit c = test::circuit(n, 3);
  std::uniform_int_distribution<int> kind(0, 9), qubit(0, int(n) - 1), clbit(0, 2), value(0, 3);
  for (int i = 0; i < ops; ++i) {
    Operation op;
    switch (kind(rng)) {
      case 0:
      case 1:
        op = measure(uint32_t(qubit(rng)), uint32_t(clbit(rng)));
        break;
      case 2:
        op = reset(uint32_t(qubit(rng)));
        break;
      default:
        op = random_gate(rng, n, 1);
    }
    const int cond = kind(rng);
    if (cond < 2)
      op = when(op, {uint32_t(clbit(rng))}, uint64_t(cond), cond == 0 || kind(rng) < 5);
    else if (cond == 2)
      op = when(op, {0, 1}, uint64_t(value(rng)));
    c.ops.push_back(op);
  }
  for (uint32_t b = 0; b < 3; ++b) c.ops.push_back(measure(b, b));
  return c;
}

TEST(Branching, RandomDynamicCircuitsMatchTheDensityMatrixReference) {
  std::mt19937_64 rng(2024);
  const uint32_t n = 4;
  int sampled = 0;
  for (int trial = 0; trial < 12; ++trial) {
    const Circuit c = random_dynamic(rng, n, 24);
    const Reference want(c);
    sim::RunOptions o;
    o.shots = 20000;
    o.seed = uint64_t(trial) + 1;
    o.probabilities = true;
    o.observables = {sim::parse_observable("Z0 + 0.5*Z1 Z2"), sim::parse_observable("Z3")};
    o.exact_branches = uint64_t(1) << 20;
    const auto r = sim::run(c, o);
    ASSERT_TRUE(r.exact_averages);
    const Eigen::VectorXd diag = want.rho.diagonal().real();
    for (uint64_t i = 0; i < r.probabilities.size(); ++i)
      EXPECT_NEAR(r.probabilities[i], diag(Eigen::Index(i)), 1e-10) << "trial " << trial << " index " << i;
    for (std::size_t k = 0; k < o.observables.size(); ++k)
      EXPECT_NEAR(r.expectations[k], want.expectation(o.observables[k], n), 1e-10) << "trial " << trial;
    int dof = 0;
    const double chi = chi_square(r.counts, want.probs, o.shots, dof);
    EXPECT_LT(chi, chi_square_limit(dof)) << "trial " << trial << " dof " << dof;
    // The same circuit with sampled averages: same counts, averages within
    // the shots' statistical error.
    o.exact_branches = 1;
    const auto s = sim::run(c, o);
    EXPECT_EQ(s.counts, r.counts) << "trial " << trial;
    if (!s.exact_averages) {
      ++sampled;
      for (std::size_t k = 0; k < o.observables.size(); ++k)
        EXPECT_NEAR(s.expectations[k], r.expectations[k], 6 * 1.5 / std::sqrt(double(o.shots))) << "trial " << trial;
    }
  }
  EXPECT_GT(sampled, 6);
}

TEST(Branching, CountsAgreeWithShotByShotTrajectories) {
  // The noisy engine with no noise runs the same circuits shot by shot
  // (one drawn outcome per measurement): a two-sample chi-square test.
  std::mt19937_64 rng(77);
  for (int trial = 0; trial < 4; ++trial) {
    const Circuit c = random_dynamic(rng, 4, 20);
    sim::RunOptions o;
    o.shots = 10000;
    o.seed = uint64_t(trial) + 3;
    const auto branching = sim::run(c, o);
    sim::NoisyRunOptions no;
    no.run = o;
    no.method = sim::NoiseMethod::Trajectories;
    const sim::NoisyCircuit nc{c, std::vector<std::vector<sim::Channel>>(c.ops.size()), {}, {}};
    const auto shots = sim::run_noisy(nc, {}, no);
    int dof = 0;
    const double chi = two_sample_chi(branching.counts, shots.counts, dof);
    EXPECT_LT(chi, chi_square_limit(dof)) << "trial " << trial << " dof " << dof;
  }
}

TEST(Branching, SameResultsOnOneTwoAndThreeThreads) {
  std::mt19937_64 rng(5);
  const uint32_t n = 16;
  Circuit c = test::circuit(n, 4);
  for (uint32_t q = 0; q < n; ++q) c.ops.push_back(gate(GateId::H, {q}));
  for (int i = 0; i < 40; ++i) c.ops.push_back(random_gate(rng, n, 1));
  c.ops.push_back(measure(3, 0));
  c.ops.push_back(measure(7, 1));
  c.ops.push_back(when(gate(GateId::RX, {5}, {0.4}), {0}, 1));
  for (int i = 0; i < 20; ++i) c.ops.push_back(random_gate(rng, n, 1));
  c.ops.push_back(gate(GateId::CX, {9, 10}));
  c.ops.push_back(reset(9));
  for (int i = 0; i < 20; ++i) c.ops.push_back(random_gate(rng, n, 1));
  c.ops.push_back(measure(0, 2));
  c.ops.push_back(measure(1, 3));
  sim::RunOptions o;
  o.shots = 3000;
  o.seed = 99;
  o.probabilities = true;
  o.observables = {sim::parse_observable("Z0 Z5 + X2")};
  const std::vector<sim::RunResult> runs = run_on_one_two_and_three_threads(c, o);
  EXPECT_GE(runs[0].branches, 4u);
}

TEST(Branching, RefusalsAreLocatedAtTheBranchingMeasurement) {
  Circuit c = test::circuit(2, 2);
  c.ops.push_back(gate(GateId::X, {0}));
  c.ops.push_back(measure(0, 0));  // certain
  c.ops.push_back(gate(GateId::H, {1}));
  c.ops.push_back(measure(1, 1));  // random
  c.ops.push_back(gate(GateId::H, {1}));
  c.ops[1].loc.line = 2;
  c.ops[3].loc.line = 4;
  sim::RunOptions o;
  o.statevector = true;
  try {
    sim::run(c, o);
    FAIL() << "expected an error";
  } catch (const LocatedError& e) {
    EXPECT_EQ(e.loc().line, 4u);
    EXPECT_NE(std::string(e.what()).find("the measurement of qubit 1 has a random outcome (1 with probability 0.5)"), std::string::npos)
        << e.what();
  }
  // Without shots, exact averages refuse beyond exact_branches.
  Circuit wide = test::circuit(3, 3);
  for (uint32_t q = 0; q < 3; ++q) {
    wide.ops.push_back(gate(GateId::H, {q}));
    wide.ops.push_back(measure(q, q));
    wide.ops.back().loc.line = 10 + q;
    wide.ops.push_back(gate(GateId::H, {q}));
  }
  o = {};
  o.probabilities = true;
  o.exact_branches = 4;
  try {
    sim::run(wide, o);
    FAIL() << "expected an error";
  } catch (const LocatedError& e) {
    EXPECT_EQ(e.loc().line, 12u);
    EXPECT_NE(std::string(e.what()).find("more than 4 outcomes"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--shots N"), std::string::npos) << e.what();
  }
  o.exact_branches = 8;
  const auto r = sim::run(wide, o);
  EXPECT_EQ(r.branches, 8u);
  for (double p : r.probabilities) EXPECT_NEAR(p, 0.125, 1e-12);
}

TEST(Branching, MemoryForPendingBranchesIsCheckedBeforeCopying) {
  // 16 qubits (1 MiB a state): two random measurements in a row keep two
  // copies pending; a limit of 2.5 states allows one.
  Circuit c = test::circuit(16, 2);
  c.ops.push_back(gate(GateId::H, {0}));
  c.ops.push_back(gate(GateId::H, {1}));
  c.ops.push_back(measure(0, 0));
  c.ops.push_back(measure(1, 1));
  c.ops.back().loc.line = 7;
  c.ops.push_back(gate(GateId::H, {0}));
  c.ops.push_back(gate(GateId::H, {1}));
  sim::RunOptions o;
  o.shots = 100;
  o.max_memory = sim::state_bytes(16, sim::Precision::Double) * 5 / 2;
  try {
    sim::run(c, o);
    FAIL() << "expected a MemoryError";
  } catch (const sim::MemoryError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("shot branching"), std::string::npos) << m;
    EXPECT_NE(m.find("line 7"), std::string::npos) << m;
    EXPECT_NE(m.find("3 MiB"), std::string::npos) << m;
    EXPECT_NE(m.find("nothing was allocated"), std::string::npos) << m;
  }
  o.max_memory = sim::state_bytes(16, sim::Precision::Double) * 3;
  EXPECT_EQ(sim::run(c, o).branches, 4u);
}

}  // namespace
}  // namespace qforge
