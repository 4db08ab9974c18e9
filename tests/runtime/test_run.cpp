// run(): sampling, seeds, trajectories, outputs, memory refusal.
#include "test_util.hpp"

#include <cmath>
#include <string>

namespace qforge {
namespace {

using namespace qforge::test;

std::string bits(uint64_t v, unsigned width) {
  std::string s(width, '0');
  for (unsigned i = 0; i < width; ++i)
    if ((v >> i) & 1) s[width - 1 - i] = '1';
  return s;
}

TEST(Run, CountsPassChiSquareAgainstProbabilities) {
  std::mt19937_64 rng(17);
  const uint32_t n = 4;
  Circuit c = test::circuit(n, n);
  for (int i = 0; i < 30; ++i) c.ops.push_back(random_gate(rng, n, 1));
  for (uint32_t q = 0; q < n; ++q) c.ops.push_back(measure(q, q));
  sim::RunOptions o;
  o.shots = 20000;
  o.seed = 5;
  o.probabilities = true;
  const auto r = sim::run(c, o);
  ASSERT_EQ(r.probabilities.size(), 16u);
  EXPECT_FALSE(r.trajectories);
  std::map<std::string, double> probs;
  for (uint64_t i = 0; i < 16; ++i)
    if (r.probabilities[i] > 1e-14) probs[bits(i, n)] = r.probabilities[i];
  int dof = 0;
  const double chi = chi_square(r.counts, probs, o.shots, dof);
  EXPECT_LT(chi, chi_square_limit(dof)) << "dof " << dof;
  uint64_t total = 0;
  for (auto& [k, v] : r.counts) total += v;
  EXPECT_EQ(total, o.shots);
}

TEST(Run, SameSeedSameCountsDifferentSeedDifferentCounts) {
  Circuit c = test::circuit(3, 3);
  for (uint32_t q = 0; q < 3; ++q) c.ops.push_back(gate(GateId::H, {q}));
  for (uint32_t q = 0; q < 3; ++q) c.ops.push_back(measure(q, q));
  sim::RunOptions o;
  o.shots = 1000;
  o.seed = 42;
  const auto a = sim::run(c, o), b = sim::run(c, o);
  EXPECT_EQ(a.counts, b.counts);
  o.seed = 43;
  EXPECT_NE(sim::run(c, o).counts, a.counts);
  o.precision = sim::Precision::Single;
  o.seed = 42;
  EXPECT_EQ(sim::run(c, o).counts, a.counts);
}

TEST(Run, BitStringsHaveHighestClbitFirst) {
  Circuit c = test::circuit(2, 3);
  c.ops.push_back(gate(GateId::X, {0}));
  c.ops.push_back(measure(0, 2));  // clbit 2 <- qubit 0 = 1
  c.ops.push_back(measure(1, 0));  // clbit 0 <- qubit 1 = 0
  sim::RunOptions o;
  o.shots = 10;
  const auto r = sim::run(c, o);
  ASSERT_EQ(r.counts.size(), 1u);
  EXPECT_EQ(r.counts.begin()->first, "100");
}

TEST(Run, GhzStateOutputs) {
  Circuit c = test::circuit(3, 3);
  c.ops.push_back(gate(GateId::H, {0}));
  c.ops.push_back(gate(GateId::CX, {0, 1}));
  c.ops.push_back(gate(GateId::CX, {1, 2}));
  for (uint32_t q = 0; q < 3; ++q) c.ops.push_back(measure(q, q));
  sim::RunOptions o;
  o.shots = 4000;
  o.statevector = o.probabilities = true;
  o.observables = {sim::parse_observable("Z0 Z1"), sim::parse_observable("X0 X1 X2"),
                   sim::parse_observable("Z0 + 0.5")};
  const auto r = sim::run(c, o);
  ASSERT_EQ(r.counts.size(), 2u);
  EXPECT_NEAR(double(r.counts.at("000")) / 4000, 0.5, 0.05);
  EXPECT_NEAR(r.probabilities[0], 0.5, 1e-12);
  EXPECT_NEAR(r.probabilities[7], 0.5, 1e-12);
  EXPECT_NEAR(r.statevector[7].real(), std::sqrt(0.5), 1e-12);
  EXPECT_NEAR(r.expectations[0], 1, 1e-12);
  EXPECT_NEAR(r.expectations[1], 1, 1e-12);
  EXPECT_NEAR(r.expectations[2], 0.5, 1e-12);
}

// Teleport an RY(theta) state from qubit 0 to qubit 2 with mid-circuit
// measurement and classically controlled corrections.
TEST(Run, TeleportationByTrajectories) {
  const double theta = 1.1;
  Circuit c = test::circuit(3, 3);
  c.ops.push_back(gate(GateId::RY, {0}, {theta}));
  c.ops.push_back(gate(GateId::H, {1}));
  c.ops.push_back(gate(GateId::CX, {1, 2}));
  c.ops.push_back(gate(GateId::CX, {0, 1}));
  c.ops.push_back(gate(GateId::H, {0}));
  c.ops.push_back(measure(0, 0));
  c.ops.push_back(measure(1, 1));
  Operation fx = gate(GateId::X, {2});
  fx.conditions = {Condition{{1}, 1, true}};
  Operation fz = gate(GateId::Z, {2});
  fz.conditions = {Condition{{0}, 1, true}};
  c.ops.push_back(fx);
  c.ops.push_back(fz);
  c.ops.push_back(measure(2, 2));
  EXPECT_FALSE(sim::is_terminal_measurement_circuit(c));
  sim::RunOptions o;
  o.shots = 20000;
  o.seed = 1;
  o.observables = {sim::parse_observable("Z2")};
  const auto r = sim::run(c, o);
  EXPECT_TRUE(r.trajectories);
  uint64_t ones = 0;
  for (const auto& [k, v] : r.counts)
    if (k[0] == '1') ones += v;
  const double p1 = std::sin(theta / 2) * std::sin(theta / 2);
  const double sigma = std::sqrt(p1 * (1 - p1) / double(o.shots));
  EXPECT_NEAR(double(ones) / double(o.shots), p1, 4 * sigma);
  // <Z2> averaged over the (collapsed) final states estimates cos(theta).
  EXPECT_NEAR(r.expectations[0], std::cos(theta), 4 * std::sin(theta) / std::sqrt(double(o.shots)));
  // The four outcomes of clbits 0, 1 are uniform.
  std::map<std::string, uint64_t> low;
  for (const auto& [k, v] : r.counts) low[k.substr(1)] += v;
  EXPECT_EQ(low.size(), 4u);
  for (const auto& [k, v] : low) EXPECT_NEAR(double(v) / double(o.shots), 0.25, 0.02) << k;
  // Seeds reproduce trajectories too.
  EXPECT_EQ(sim::run(c, o).counts, r.counts);
}

TEST(Run, ResetThenMeasureGivesZero) {
  Circuit c = test::circuit(2, 2);
  c.ops.push_back(gate(GateId::H, {0}));
  c.ops.push_back(gate(GateId::CX, {0, 1}));
  c.ops.push_back(reset(0));
  c.ops.push_back(measure(0, 0));
  c.ops.push_back(measure(1, 1));
  sim::RunOptions o;
  o.shots = 4000;
  o.seed = 3;
  o.probabilities = true;
  const auto r = sim::run(c, o);
  EXPECT_TRUE(r.trajectories);
  for (const auto& [k, v] : r.counts) EXPECT_EQ(k[1], '0') << k;
  EXPECT_NEAR(double(r.counts.at("10")) / 4000, 0.5, 0.05);
  EXPECT_NEAR(r.probabilities[0] + r.probabilities[2], 1.0, 1e-12);
}

TEST(Run, ResetOfFreshQubitKeepsOnePass) {
  Circuit c = test::circuit(1, 1);
  c.ops.push_back(reset(0));
  c.ops.push_back(gate(GateId::X, {0}));
  c.ops.push_back(measure(0, 0));
  EXPECT_TRUE(sim::is_terminal_measurement_circuit(c));
  sim::RunOptions o;
  o.shots = 5;
  EXPECT_EQ(sim::run(c, o).counts.at("1"), 5u);
}

TEST(Run, IfOnMeasuredBitAndConditionNotEqual) {
  // Measure a |+>, then flip qubit 1 when the bit is 1: qubits agree.
  Circuit c = test::circuit(2, 2);
  c.ops.push_back(gate(GateId::H, {0}));
  c.ops.push_back(measure(0, 0));
  Operation fx = gate(GateId::X, {1});
  fx.conditions = {Condition{{0}, 0, false}};  // if (c[0] != 0)
  c.ops.push_back(fx);
  c.ops.push_back(measure(1, 1));
  sim::RunOptions o;
  o.shots = 2000;
  const auto r = sim::run(c, o);
  for (const auto& [k, v] : r.counts) EXPECT_TRUE(k == "00" || k == "11") << k;
  EXPECT_EQ(r.counts.size(), 2u);
}

TEST(Run, TrajectoryRunRefusesStateVector) {
  Circuit c = test::circuit(1, 1);
  c.ops.push_back(gate(GateId::H, {0}));
  c.ops.push_back(measure(0, 0));
  c.ops.push_back(gate(GateId::H, {0}));
  sim::RunOptions o;
  o.shots = 10;
  o.statevector = true;
  c.ops[1].loc.line = 2;
  try {
    sim::run(c, o);
    FAIL() << "expected an error";
  } catch (const LocatedError& e) {
    EXPECT_EQ(e.loc().line, 2u);  // the mid-circuit measurement
  }
}

TEST(Run, NoMeasurementSamplesAllQubits) {
  Circuit c = test::circuit(2);
  c.ops.push_back(gate(GateId::X, {1}));
  sim::RunOptions o;
  o.shots = 3;
  EXPECT_EQ(sim::run(c, o).counts.at("10"), 3u);
}

TEST(Run, MemoryRefusalNamesTheSize) {
  Circuit c = test::circuit(40);
  sim::RunOptions o;
  try {
    sim::run(c, o);
    FAIL() << "a 40-qubit state was not refused";
  } catch (const sim::MemoryError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("16 TiB"), std::string::npos) << m;
    EXPECT_NE(m.find("nothing was allocated"), std::string::npos) << m;
  }
  Circuit small = test::circuit(20);
  o.max_memory = sim::parse_byte_size("4MiB");
  try {
    sim::run(small, o);
    FAIL() << "the --max-memory limit was not enforced";
  } catch (const sim::MemoryError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("16 MiB"), std::string::npos) << m;
    EXPECT_NE(m.find("4 MiB"), std::string::npos) << m;
  }
  EXPECT_THROW(sim::StateVector<double>(44, 1 << 20), sim::MemoryError);
}

TEST(Run, ParseByteSize) {
  EXPECT_EQ(sim::parse_byte_size("4GiB"), uint64_t(4) << 30);
  EXPECT_EQ(sim::parse_byte_size("4G"), uint64_t(4) << 30);
  EXPECT_EQ(sim::parse_byte_size("512MiB"), uint64_t(512) << 20);
  EXPECT_EQ(sim::parse_byte_size("1GB"), uint64_t(1000000000));
  EXPECT_EQ(sim::parse_byte_size("1024"), 1024u);
  EXPECT_THROW(sim::parse_byte_size("lots"), std::invalid_argument);
  EXPECT_THROW(sim::parse_byte_size("4 parsecs"), std::invalid_argument);
}

TEST(Run, UnboundInputsAreNamed) {
  Circuit c = test::circuit(1);
  Operation op = gate(GateId::RX, {0});
  op.params = {Expr::symbol(1)};
  c.ops.push_back(op);
  c.inputs.push_back(InputDecl{"x", "array[float[64], 2]", {2}, 0});
  try {
    sim::run(c, sim::RunOptions{});
    FAIL();
  } catch (const LocatedError& e) {  // at the rx that reads them
    EXPECT_NE(std::string(e.what()).find("x[0], x[1]"), std::string::npos) << e.what();
  }
  const auto r = sim::run(c, [] {
    sim::RunOptions o;
    o.probabilities = true;
    return o;
  }(), {0.0, M_PI});
  EXPECT_NEAR(r.probabilities[1], 1.0, 1e-12);
}

}  // namespace
}  // namespace qforge
