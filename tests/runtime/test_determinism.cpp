// Results do not depend on the thread count, bit for bit: run() counts,
// probabilities and expectation values at 18 qubits for 1, 2 and 3 threads,
// with terminal and with mid-circuit measurement; BatchCircuit outputs and
// gradients. Library calls leave the caller's thread count as it was.
#include "test_util.hpp"
#include "qforge/batch.hpp"
#include "qforge/kernels.hpp"

#include <string>

namespace qforge {
namespace {

using namespace qforge::test;

// Layers of random rotations and cx ladders on n qubits (plus a mid-circuit
// measurement of qubit 0 and a conditioned-free continuation when `mid`).
Circuit layered(uint32_t n, bool mid) {
  std::mt19937_64 rng(23);
  std::uniform_real_distribution<double> a(-3, 3);
  Circuit c = test::circuit(n, n);
  for (int layer = 0; layer < 2; ++layer) {
    for (uint32_t q = 0; q < n; ++q) {
      c.ops.push_back(gate(GateId::RY, {q}, {a(rng)}));
      c.ops.push_back(gate(GateId::RZ, {q}, {a(rng)}));
    }
    for (uint32_t q = 0; q + 1 < n; ++q) c.ops.push_back(gate(GateId::CX, {q, q + 1}));
    if (mid && layer == 0) c.ops.push_back(measure(0, 0));
  }
  for (uint32_t q = 0; q < n; ++q) c.ops.push_back(measure(q, q));
  return c;
}

void expect_identical(const sim::RunResult& a, const sim::RunResult& b, int threads) {
  EXPECT_EQ(a.counts, b.counts) << threads << " threads";
  ASSERT_EQ(a.probabilities.size(), b.probabilities.size());
  for (std::size_t i = 0; i < a.probabilities.size(); ++i)
    ASSERT_EQ(a.probabilities[i], b.probabilities[i]) << "probability " << i << ", " << threads << " threads";
  ASSERT_EQ(a.expectations.size(), b.expectations.size());
  for (std::size_t k = 0; k < a.expectations.size(); ++k)
    EXPECT_EQ(a.expectations[k], b.expectations[k]) << "observable " << k << ", " << threads << " threads";
}

void check_run_determinism(bool mid, sim::Precision precision) {
  const uint32_t n = 18;
  const Circuit c = layered(n, mid);
  sim::RunOptions o;
  o.shots = mid ? 6 : 2000;
  o.seed = 99;
  o.precision = precision;
  o.probabilities = true;
  o.observables = {sim::parse_observable("Z0 Z17 + 0.5*X3"), sim::parse_observable("Y1 Y2 - X9 + Z12")};
  const int before = sim::max_threads();
  o.threads = 1;
  const sim::RunResult one = sim::run(c, o);
  EXPECT_EQ(one.trajectories, mid);
  for (int t : {2, 3}) {
    o.threads = t;
    expect_identical(one, sim::run(c, o), t);
    EXPECT_EQ(sim::max_threads(), before) << "run() changed the thread count";
  }
}

TEST(Determinism, RunIsBitIdenticalForOneTwoThreeThreads) {
  check_run_determinism(false, sim::Precision::Double);
  check_run_determinism(false, sim::Precision::Single);
}

TEST(Determinism, TrajectoryRunIsBitIdenticalForOneTwoThreeThreads) {
  check_run_determinism(true, sim::Precision::Double);
}

TEST(Determinism, StateNormAndProbabilityOneDoNotDependOnThreads) {
  const uint32_t n = 18;
  Circuit c = layered(n, false);
  c.ops.erase(std::remove_if(c.ops.begin(), c.ops.end(), [](const Operation& op) { return op.kind == OpKind::Measure; }),
              c.ops.end());
  const sim::StateVector<double> s = sim::simulate<double>(c);
  double norm1 = 0, p1 = 0, e1 = 0;
  const sim::Observable obs = sim::parse_observable("X0 Y5 Z17 + 0.3*Z2");
  for (int t : {1, 2, 3}) {
    const sim::ScopedThreads scoped(t);
    const double norm = s.norm_squared(), p = sim::probability_one(s.data(), n, 7),
                 e = sim::expectation(s, obs);
    if (t == 1) {
      norm1 = norm;
      p1 = p;
      e1 = e;
      EXPECT_NEAR(norm, 1, 1e-12);
    }
    EXPECT_EQ(norm, norm1) << t << " threads";
    EXPECT_EQ(p, p1) << t << " threads";
    EXPECT_EQ(e, e1) << t << " threads";
  }
}

TEST(Determinism, ScopedThreadsRestoresTheCount) {
  const int before = sim::max_threads();
  {
    const sim::ScopedThreads scoped(before + 2);
    EXPECT_EQ(sim::max_threads(), before + 2);
  }
  EXPECT_EQ(sim::max_threads(), before);
  { const sim::ScopedThreads keep(0); EXPECT_EQ(sim::max_threads(), before); }
}

TEST(Determinism, BatchCircuitResultsAndThreadCount) {
  std::mt19937_64 rng(5);
  const uint32_t n = 5;
  Circuit c = test::circuit(n);
  c.inputs.push_back({"x", "float[64]", {3}, 0});
  for (int i = 0; i < 20; ++i) {
    Operation op = random_gate(rng, n, 1);
    if (!op.params.empty()) op.params[0] = Expr::symbol(uint32_t(i % 3)) * 0.9;
    c.ops.push_back(op);
  }
  const std::size_t B = 16;
  std::vector<double> in(B * 3), g(B * 2);
  std::uniform_real_distribution<double> u(-2, 2);
  for (auto& x : in) x = u(rng);
  for (auto& x : g) x = u(rng);
  std::vector<double> out1, gi1;
  const int before = sim::max_threads();
  for (int t : {1, 2, 3}) {
    sim::BatchOptions opt;
    opt.readout = sim::Readout::paulis({"Z0 X1", "Y4 + 0.5*Z2"});
    opt.threads = t;
    opt.parallel_threshold = 0;
    sim::BatchCircuit bc(c, opt);
    std::vector<double> out(B * 2), gi(B * 3);
    bc.forward<double>(B, in, {}, out);
    bc.backward<double>(B, in, {}, {}, g, gi, {});
    EXPECT_EQ(sim::max_threads(), before) << "BatchCircuit changed the thread count";
    if (t == 1) {
      out1 = out;
      gi1 = gi;
      continue;
    }
    EXPECT_EQ(out, out1) << t << " threads";
    EXPECT_EQ(gi, gi1) << t << " threads";
  }
}

}  // namespace
}  // namespace qforge
