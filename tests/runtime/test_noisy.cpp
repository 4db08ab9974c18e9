// Noisy execution (qforge/noisy.hpp) against the dense density-matrix
// reference (tests/support/density_reference.hpp), analytic channels built
// by hand, and statistics of the trajectories.
#include "density_reference.hpp"
#include "noise_channels.hpp"
#include "qforge/noisy.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace qforge {
namespace {

using cd = std::complex<double>;
using ref::KrausChannel;
using test::circuit;
using test::gate;
using test::amplitude_damping;
using test::depolarizing;
using test::phase_damping;
using test::to_channel;

/// A circuit of n qubits (and clbits) with its channels in both forms.
test::NoisyPair noisy(uint32_t n, uint32_t clbits = 0) { return test::NoisyPair(circuit(n, clbits)); }

Operation delay(uint32_t q) {
  Operation o;
  o.kind = OpKind::Delay;
  o.qubits = {q};
  o.params.emplace_back(1.0);
  return o;
}

sim::Observable pauli(double coefficient, uint64_t x, uint64_t y, uint64_t z) {
  sim::Observable obs;
  obs.terms.push_back({coefficient, x, y, z});
  obs.text = "test";
  return obs;
}

sim::NoisyRunOptions dm_options() {
  sim::NoisyRunOptions o;
  o.method = sim::NoiseMethod::DensityMatrix;
  o.run.probabilities = true;
  return o;
}

TEST(NoisyDensity, RandomCircuitsMatchDenseReference) {
  std::mt19937_64 rng(11);
  for (uint32_t n = 1; n <= 5; ++n)
    for (int trial = 0; trial < 4; ++trial) {
      test::NoisyPair c = noisy(n);
      const int ops = 6 + 2 * int(n);
      for (int i = 0; i < ops; ++i) {
        std::vector<KrausChannel> chs;
        const unsigned k = (n >= 2 && rng() % 2) ? 2 : 1;
        if (rng() % 10 < 7)
          chs.push_back({test::random_qubits(rng, n, k), ref::random_kraus(k, 1 + unsigned(rng() % 4), rng)});
        if (rng() % 10 == 0)
          c.op(test::reset(uint32_t(rng() % n)), chs);
        else
          c.op(test::random_gate(rng, n, 1), chs);
      }
      const Eigen::MatrixXcd rho = ref::final_density(c.nc.circuit, c.after);
      sim::NoisyRunOptions o = dm_options();
      std::vector<Eigen::MatrixXcd> paulis;
      for (int j = 0; j < 3; ++j) {
        const uint64_t all = (uint64_t(1) << n) - 1;
        const uint64_t x = rng() & all, y = rng() & all & ~x, z = rng() & all & ~x & ~y;
        o.run.observables.push_back(pauli(0.5 + j, x, y, z));
        paulis.push_back((0.5 + j) * ref::pauli_matrix(x, y, z, n));
      }
      for (unsigned width : {0u, 4u}) {
        o.run.fusion_width = width;
        const sim::NoisyRunResult r = sim::run_noisy(c.nc, {}, o);
        ASSERT_EQ(r.method, sim::NoiseMethod::DensityMatrix);
        for (Eigen::Index i = 0; i < rho.rows(); ++i)
          EXPECT_NEAR(r.probabilities[std::size_t(i)], rho(i, i).real(), 1e-12) << "n " << n;
        for (std::size_t j = 0; j < paulis.size(); ++j)
          EXPECT_NEAR(r.expectations[j], (rho * paulis[j]).trace().real(), 1e-12) << "n " << n;
      }
    }
}

TEST(NoisyDensity, SuperoperatorOfTwoQubitChannelOrdersRowsThenColumns) {
  // A 2-qubit channel on (2, 0) in a 3-qubit circuit with a prepared state.
  std::mt19937_64 rng(5);
  test::NoisyPair c = noisy(3);
  c.op(gate(GateId::H, {0}));
  c.op(gate(GateId::RY, {2}, {0.7}));
  c.op(gate(GateId::CX, {0, 1}), {{{2, 0}, ref::random_kraus(2, 3, rng)}});
  const Eigen::MatrixXcd rho = ref::final_density(c.nc.circuit, c.after);
  sim::NoisyRunOptions o = dm_options();
  o.run.observables = {pauli(1, 0b101, 0, 0), pauli(1, 0, 0b100, 0b001)};
  const auto r = sim::run_noisy(c.nc, {}, o);
  for (Eigen::Index i = 0; i < 8; ++i) EXPECT_NEAR(r.probabilities[std::size_t(i)], rho(i, i).real(), 1e-12);
  EXPECT_NEAR(r.expectations[0], (rho * ref::pauli_matrix(0b101, 0, 0, 3)).trace().real(), 1e-12);
  EXPECT_NEAR(r.expectations[1], (rho * ref::pauli_matrix(0, 0b100, 0b001, 3)).trace().real(), 1e-12);
}

TEST(NoisyAnalytic, DepolarizingScalesZ) {
  for (double p : {0.0, 0.01, 0.3, 1.0}) {
    const double theta = 0.9;
    test::NoisyPair c = noisy(2);
    c.op(gate(GateId::RY, {1}, {theta}), {depolarizing(p, 1)});
    sim::NoisyRunOptions o = dm_options();
    o.run.observables = {pauli(1, 0, 0, 0b10), pauli(1, 0b10, 0, 0)};
    const auto r = sim::run_noisy(c.nc, {}, o);
    EXPECT_NEAR(r.expectations[0], (1 - p) * std::cos(theta), 1e-12);
    EXPECT_NEAR(r.expectations[1], (1 - p) * std::sin(theta), 1e-12);
  }
}

TEST(NoisyAnalytic, AmplitudeDampingDecaysAsT1) {
  // |1> idles for t = 0.7 T1 in 5 steps of gamma = 1 - exp(-dt / T1).
  const double t_over_t1 = 0.7;
  test::NoisyPair c = noisy(1);
  c.op(gate(GateId::X, {0}));
  for (int s = 0; s < 5; ++s) c.op(delay(0), {amplitude_damping(1 - std::exp(-t_over_t1 / 5), 0)});
  const auto r = sim::run_noisy(c.nc, {}, dm_options());
  EXPECT_NEAR(r.probabilities[1], std::exp(-t_over_t1), 1e-12);
  EXPECT_NEAR(r.probabilities[0], 1 - std::exp(-t_over_t1), 1e-12);
}

TEST(NoisyAnalytic, DephasingDecaysXAsT2) {
  // Phase damping lambda scales rho01 by sqrt(1 - lambda): lambda = 1 - exp(-2 dt / T2).
  const double t_over_t2 = 1.3;
  test::NoisyPair c = noisy(1);
  c.op(gate(GateId::H, {0}));
  for (int s = 0; s < 4; ++s) c.op(delay(0), {phase_damping(1 - std::exp(-2 * t_over_t2 / 4), 0)});
  sim::NoisyRunOptions o = dm_options();
  o.run.observables = {pauli(1, 1, 0, 0), pauli(1, 0, 0, 1)};
  const auto r = sim::run_noisy(c.nc, {}, o);
  EXPECT_NEAR(r.expectations[0], std::exp(-t_over_t2), 1e-12);
  EXPECT_NEAR(r.expectations[1], 0, 1e-12);
}

/// <Z_mask> of a distribution over basis states.
double z_of(const std::vector<double>& p, uint64_t mask) {
  double s = 0;
  for (std::size_t i = 0; i < p.size(); ++i) s += (__builtin_popcountll(i & mask) & 1 ? -1 : 1) * p[i];
  return s;
}

TEST(NoisyReadout, ClosedFormMatchesExactReadDistribution) {
  const std::vector<sim::ReadoutError> ro = {{0.02, 0.05}, {0.1, 0.03}, {0.0, 0.2}};
  test::NoisyPair c = noisy(3);
  c.op(gate(GateId::RY, {0}, {0.4}));
  c.op(gate(GateId::RY, {1}, {2.1}));
  c.op(gate(GateId::RX, {2}, {1.2}));
  c.op(gate(GateId::CX, {0, 2}));
  const std::vector<double> p = sim::run_noisy(c.nc, {}, dm_options()).probabilities;
  // The distribution of the read bits, bit by bit.
  std::vector<double> read(8, 0);
  for (unsigned i = 0; i < 8; ++i)
    for (unsigned j = 0; j < 8; ++j) {
      double w = p[i];
      for (unsigned q = 0; q < 3; ++q) {
        const unsigned b = (i >> q) & 1, bj = (j >> q) & 1;
        const double flip = b ? ro[q].p0_given_1 : ro[q].p1_given_0;
        w *= b == bj ? 1 - flip : flip;
      }
      read[j] += w;
    }
  for (uint64_t mask = 1; mask < 8; ++mask)
    EXPECT_NEAR(sim::readout_z_expectation(mask, ro, [&](uint64_t m) { return z_of(p, m); }),
                z_of(read, mask), 1e-12);
  // One qubit: (1 - e0 - e1) <Z> + (e1 - e0).
  EXPECT_NEAR(sim::readout_z_expectation(2, ro, [&](uint64_t m) { return z_of(p, m); }),
              (1 - 0.1 - 0.03) * z_of(p, 2) + (0.03 - 0.1), 1e-15);
}

TEST(NoisyReadout, ClosedFormMatchesSampledCounts) {
  // Clbit 0 reads qubit 1 and clbit 1 reads qubit 0.
  test::NoisyPair c = noisy(2, 2);
  c.op(gate(GateId::RY, {0}, {1.1}));
  c.op(gate(GateId::RY, {1}, {2.4}));
  c.op(test::measure(1, 0));
  c.op(test::measure(0, 1));
  c.nc.readout = {{0.05, 0.12}, {0.2, 0.01}};
  const std::vector<double> p = sim::run_noisy(c.nc, {}, dm_options()).probabilities;
  for (auto method : {sim::NoiseMethod::DensityMatrix, sim::NoiseMethod::Trajectories}) {
    sim::NoisyRunOptions o;
    o.method = method;
    o.run.shots = 100000;
    o.run.seed = 3;
    o.trajectories = 1000;
    const auto r = sim::run_noisy(c.nc, {}, o);
    // Empirical <Z> of clbit subsets, mapped back to qubit masks.
    for (uint64_t qmask = 1; qmask < 4; ++qmask) {
      double sum = 0;
      for (const auto& [key, count] : r.counts) {
        const int q1 = key[1] - '0', q0 = key[0] - '0';  // key: clbit 1, clbit 0
        const int parity = ((qmask & 1) ? q0 : 0) ^ ((qmask & 2) ? q1 : 0);
        sum += (parity ? -1.0 : 1.0) * double(count);
      }
      const double empirical = sum / double(o.run.shots);
      const double closed = sim::readout_z_expectation(qmask, c.nc.readout, [&](uint64_t m) { return z_of(p, m); });
      const double se = std::sqrt((1 - closed * closed) / double(o.run.shots));
      EXPECT_NEAR(empirical, closed, 4 * se) << sim::to_string(method) << " mask " << qmask;
    }
  }
}

/// A 3-qubit circuit with amplitude damping and depolarizing noise.
test::NoisyPair damped_circuit(bool only_depolarizing) {
  const auto noise = [&](uint32_t q, double g) {
    std::vector<KrausChannel> v = {depolarizing(g, q)};
    if (!only_depolarizing) v.push_back(amplitude_damping(2 * g, q));
    return v;
  };
  test::NoisyPair c = noisy(3);
  c.op(gate(GateId::H, {0}), noise(0, 0.05));
  c.op(gate(GateId::CX, {0, 1}), noise(1, 0.08));
  c.op(gate(GateId::RY, {2}, {0.8}), noise(2, 0.1));
  c.op(gate(GateId::CX, {1, 2}), noise(2, 0.06));
  c.op(gate(GateId::RX, {0}, {0.3}), noise(0, 0.04));
  return c;
}

void expect_trajectories_match_dm(const test::NoisyPair& c, uint64_t T) {
  sim::NoisyRunOptions o = dm_options();
  o.run.observables = {pauli(1, 0, 0, 1), pauli(1, 0, 0, 0b110), pauli(1, 1, 0, 0)};
  const auto dm = sim::run_noisy(c.nc, {}, o);
  o.method = sim::NoiseMethod::Trajectories;
  o.trajectories = T;
  o.run.shots = T;
  o.run.seed = 17;
  const auto tr = sim::run_noisy(c.nc, {}, o);
  EXPECT_EQ(tr.num_trajectories, T);
  for (std::size_t i = 0; i < dm.probabilities.size(); ++i) {
    const double p = dm.probabilities[i];
    // Each trajectory's probability and its one shot lie in [0, 1] with mean p.
    const double se = std::sqrt(p * (1 - p) / double(T));
    EXPECT_NEAR(tr.probabilities[i], p, 4 * se + 1e-12) << i;
    std::string key(3, '0');
    for (int b = 0; b < 3; ++b) key[2 - b] = char('0' + ((i >> b) & 1));
    const auto it = tr.counts.find(key);
    EXPECT_NEAR(it == tr.counts.end() ? 0.0 : double(it->second) / double(T), p, 4 * se + 1e-12) << key;
  }
  for (std::size_t j = 0; j < dm.expectations.size(); ++j) {
    const double e = dm.expectations[j];
    EXPECT_NEAR(tr.expectations[j], e, 4 * std::sqrt((1 - e * e) / double(T)) + 1e-12) << j;
  }
}

TEST(NoisyTrajectories, MeanMatchesDensityMatrix) {
  expect_trajectories_match_dm(damped_circuit(false), 10000);
}

TEST(NoisyTrajectories, MergedMixedUnitaryDrawsMatchDensityMatrix) {
  const test::NoisyPair c = damped_circuit(true);
  expect_trajectories_match_dm(c, 10000);
  sim::NoisyRunOptions o;
  o.method = sim::NoiseMethod::Trajectories;
  o.trajectories = 10000;
  const auto r = sim::run_noisy(c.nc, {}, o);
  // Most trajectories draw no error: far fewer distinct sequences than trajectories.
  EXPECT_LT(r.distinct_trajectories, 200u);
  EXPECT_GT(r.distinct_trajectories, 1u);
}

TEST(NoisyTrajectories, MidCircuitMeasurementAndConditionsWithDamping) {
  // h q0; damp q0 by gamma; measure q0 -> c0; if (c0 == 1) x q1; measure q1 -> c1.
  // P(11) = (1 - gamma) / 2, P(00) = (1 + gamma) / 2.
  const double gamma = 0.3;
  test::NoisyPair c = noisy(2, 2);
  c.op(gate(GateId::H, {0}), {amplitude_damping(gamma, 0)});
  c.op(test::measure(0, 0));
  Operation x = gate(GateId::X, {1});
  x.conditions.push_back(Condition{{0}, 1, true});
  c.op(x);
  c.op(test::measure(1, 1));
  c.op(gate(GateId::H, {0}));  // acts on measured q0: the measurement is mid-circuit
  sim::NoisyRunOptions o;
  o.run.shots = 20000;
  o.run.seed = 9;
  auto r = sim::run_noisy(c.nc, {}, o);
  EXPECT_EQ(r.method, sim::NoiseMethod::Trajectories);
  const double p11 = (1 - gamma) / 2, se = std::sqrt(p11 * (1 - p11) / 20000.0);
  EXPECT_NEAR(double(r.counts["11"]) / 20000.0, p11, 4 * se);
  EXPECT_EQ(r.counts.count("01") + r.counts.count("10"), 0u);
}

void expect_same(const sim::NoisyRunResult& a, const sim::NoisyRunResult& b) {
  EXPECT_EQ(a.probabilities, b.probabilities);
  EXPECT_EQ(a.expectations, b.expectations);
  EXPECT_EQ(a.counts, b.counts);
  EXPECT_EQ(a.method, b.method);
  EXPECT_EQ(a.distinct_trajectories, b.distinct_trajectories);
}

test::NoisyPair random_noisy(uint32_t n, int ops, std::mt19937_64& rng, bool mixed_unitary) {
  test::NoisyPair c = noisy(n);
  for (int i = 0; i < ops; ++i) {
    const uint32_t q = uint32_t(rng() % n);
    std::vector<KrausChannel> chs = {depolarizing(0.02, q)};
    if (!mixed_unitary) chs.push_back(amplitude_damping(0.03, q));
    c.op(test::random_gate(rng, n, 1), chs);
  }
  return c;
}

TEST(NoisyDeterminism, ResultsAreBitIdenticalForOneTwoAndThreeThreads) {
  std::mt19937_64 rng(23);
  struct Case {
    test::NoisyPair c;
    sim::NoiseMethod method;
    uint64_t trajectories;
  };
  std::vector<Case> cases;
  cases.push_back({random_noisy(8, 30, rng, false), sim::NoiseMethod::DensityMatrix, 0});
  cases.push_back({random_noisy(4, 20, rng, false), sim::NoiseMethod::Trajectories, 300});
  cases.push_back({random_noisy(4, 20, rng, true), sim::NoiseMethod::Trajectories, 300});
  cases.push_back({random_noisy(14, 12, rng, false), sim::NoiseMethod::Trajectories, 6});
  {
    test::NoisyPair c = damped_circuit(false);
    c.nc.circuit.num_clbits = 1;
    c.op(test::measure(0, 0));
    Operation x = gate(GateId::X, {1});
    x.conditions.push_back(Condition{{0}, 1, true});
    c.op(x, {amplitude_damping(0.1, 1)});
    c.nc.readout = {{0.1, 0.2}, {0, 0}, {0.05, 0.05}};
    cases.push_back({c, sim::NoiseMethod::Trajectories, 0});
  }
  for (const Case& k : cases) {
    sim::NoisyRunOptions o;
    o.method = k.method;
    o.trajectories = k.trajectories;
    o.run.shots = k.trajectories ? 1000 : 300;
    o.run.seed = 77;
    o.run.probabilities = true;
    o.run.observables = {pauli(1, 0, 0, 1), pauli(0.5, 0b10, 0b1, 0)};
    if (k.method == sim::NoiseMethod::DensityMatrix) o.run.shots = 5000;
    o.run.threads = 1;
    const auto one = sim::run_noisy(k.c.nc, {}, o);
    for (int threads : {2, 3}) {
      o.run.threads = threads;
      SCOPED_TRACE(std::string(sim::to_string(k.method)) + " threads " + std::to_string(threads));
      expect_same(one, sim::run_noisy(k.c.nc, {}, o));
    }
  }
}

void expect_pick(const test::NoisyPair& c, const sim::NoisyRunOptions& o, sim::NoiseMethod method,
                 const std::string& reason) {
  std::string why;
  EXPECT_EQ(sim::choose_noise_method(c.nc, o, &why), method);
  EXPECT_EQ(why, reason);
}

TEST(NoisyMethod, AutoPicksByQubitsTrajectoriesAndMemory) {
  test::NoisyPair small = noisy(3);
  small.op(gate(GateId::H, {0}), {depolarizing(0.01, 0)});
  std::string why;
  sim::NoisyRunOptions o;
  EXPECT_EQ(sim::choose_noise_method(small.nc, o, &why), sim::NoiseMethod::DensityMatrix);
  EXPECT_EQ(why,
            "density matrix: its work, 4^3 amplitudes per operation, is at most that of 1000 "
            "trajectories (merged into about 9 distinct runs, work 2 x 9 x 2^3 per operation), and "
            "its 1 KiB fit in memory.");
  o.run.max_memory = 512;
  EXPECT_EQ(sim::choose_noise_method(small.nc, o, &why), sim::NoiseMethod::Trajectories);
  EXPECT_EQ(why, "trajectories: the density matrix of 3 qubits needs 1 KiB, more than the 512 B allowed.");
  EXPECT_EQ(sim::run_noisy(small.nc, {}, o).method, sim::NoiseMethod::Trajectories);

  // Depolarizing p = 0.01 draws I with probability 1 - 3p/4: about
  // 1 + 1000 * 0.0075 = 8.5 distinct runs.
  test::NoisyPair merged = noisy(11);
  merged.op(gate(GateId::H, {0}), {depolarizing(0.01, 0)});
  o = {};
  o.run.shots = 1000;
  expect_pick(merged, o, sim::NoiseMethod::Trajectories,
            "trajectories: 1000 trajectories (merged into about 9 distinct runs, work 2 x 9 x 2^11 "
            "per operation) cost less than the density matrix (4^11 per operation).");

  // Amplitude damping depends on the state: every trajectory is a run, and
  // 4^11 <= 2 x T x 2^11 from T = 1024 on.
  test::NoisyPair wide = noisy(11);
  wide.op(gate(GateId::H, {0}), {amplitude_damping(0.01, 0)});
  expect_pick(wide, o, sim::NoiseMethod::Trajectories,
            "trajectories: 1000 trajectories (work 2 x 1000 x 2^11 per operation) cost less than "
            "the density matrix (4^11 per operation).");
  o.trajectories = 1024;
  EXPECT_EQ(sim::choose_noise_method(wide.nc, o, &why), sim::NoiseMethod::DensityMatrix);

  test::NoisyPair dynamic = noisy(2, 1);
  dynamic.op(test::measure(0, 0));
  dynamic.op(gate(GateId::X, {0}));
  o = {};
  o.run.shots = 10;
  expect_pick(dynamic, o, sim::NoiseMethod::Trajectories,
            "trajectories: the circuit measures a qubit and then acts on it, or uses a condition, "
            "so each shot needs its own record.");
}

template <typename E>
std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "no exception";
}

TEST(NoisyMethod, RefusesWithClearMessages) {
  test::NoisyPair c = noisy(3, 1);
  c.op(gate(GateId::H, {0}), {depolarizing(0.01, 0)});
  c.op(test::measure(0, 0), {amplitude_damping(0.1, 0)});
  sim::NoisyRunOptions o = dm_options();
  o.run.shots = 10;
  EXPECT_EQ(message_of<std::invalid_argument>([&] { sim::run_noisy(c.nc, {}, o); }),
            "the density-matrix method samples all measurements from the final state, but this "
            "circuit measures a qubit and then acts on it, or uses a condition; use the trajectory "
            "method.");
  o.trajectories = 5;
  o.method = sim::NoiseMethod::Trajectories;
  EXPECT_EQ(message_of<std::invalid_argument>([&] { sim::run_noisy(c.nc, {}, o); }),
            "the circuit measures a qubit and then acts on it, or uses a condition, so every "
            "trajectory is one shot; give as many trajectories as shots (10), or 0.");

  test::NoisyPair ok = noisy(3);
  ok.op(gate(GateId::H, {0}), {depolarizing(0.01, 0)});
  o = dm_options();
  o.run.max_memory = 1000;
  EXPECT_EQ(message_of<sim::MemoryError>([&] { sim::run_noisy(ok.nc, {}, o); }),
            "the density matrix of 3 qubits in double precision needs 1.1 KiB (1088 bytes), but the "
            "memory limit (--max-memory) is 1000 B; nothing was allocated.");
  o = dm_options();
  o.run.statevector = true;
  EXPECT_EQ(message_of<std::invalid_argument>([&] { sim::run_noisy(ok.nc, {}, o); }),
            "a noisy run has no single final state vector; ask for probabilities or observables "
            "instead.");

  test::NoisyPair bad = ok;
  bad.nc.after[0][0].kraus[0][0] *= 2;
  bad.nc.after[0][0].label = "depol";
  EXPECT_EQ(message_of<std::invalid_argument>([&] { sim::run_noisy(bad.nc, {}, dm_options()); })
                .rfind("the channel \"depol\" after operation 0 is not trace preserving", 0),
            0u);
  bad = ok;
  bad.nc.after.clear();
  EXPECT_EQ(message_of<std::invalid_argument>([&] { sim::run_noisy(bad.nc, {}, dm_options()); }),
            "the noisy circuit lists channels after 0 operations, but the circuit has 1.");
  bad = ok;
  bad.nc.circuit.ops[0].qubits = {3};
  EXPECT_EQ(message_of<std::invalid_argument>([&] { sim::run_noisy(bad.nc, {}, dm_options()); }),
            "an operation uses qubit 3 of a 3-qubit circuit.");
  bad = ok;
  bad.nc.after[0][0].qubits = {5};
  EXPECT_EQ(message_of<std::invalid_argument>([&] { sim::run_noisy(bad.nc, {}, dm_options()); }),
            "the channel after operation 0 acts on qubit 5 of a 3-qubit circuit.");
}

TEST(NoisyDensity, MemoryIsSixteenTimesFourToTheN) {
  EXPECT_EQ(sim::density_matrix_bytes(10, sim::Precision::Double), uint64_t(16) << 20);
  EXPECT_EQ(sim::density_matrix_bytes(14, sim::Precision::Double), uint64_t(4) << 30);
  EXPECT_EQ(sim::density_matrix_bytes(14, sim::Precision::Single), uint64_t(2) << 30);
}

}  // namespace
}  // namespace qforge
