// `qforge run --noise`: a device model from the committed tiny calibration
// (tests/noise/data), run by density matrix and by trajectories.
#include "cli_helpers.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <regex>

namespace {

const std::string kData = std::string(QFORGE_SOURCE_DIR) + "/tests/noise/data/";

// ecr as Qiskit's OpenQASM 3 exporter defines it (stdgates.inc has none).
const std::string kEcrPreamble =
    "OPENQASM 3.0;\ninclude \"stdgates.inc\";\n"
    "gate rzx(t) a, b { h b; cx a, b; rz(t) b; cx a, b; h b; }\n"
    "gate ecr a, b { rzx(pi/4) a, b; x a; rzx(-pi/4) a, b; }\n";

fs::path tiny_model(const fs::path& dir) {
  const fs::path model = dir / "tiny.noise.json";
  if (!fs::exists(model)) {
    const Result r = qforge("noise import " + kData + "props_tiny.json " + kData + "conf_tiny.json -o " +
                            model.string());
    EXPECT_EQ(r.status, 0) << r.out;
  }
  return model;
}

/// The count of `bits` in a text report (0 when absent).
long count_of(const std::string& out, const std::string& bits) {
  std::smatch m;
  if (std::regex_search(out, m, std::regex("\n" + bits + " +([0-9]+) ")))
    return std::stol(m[1]);
  return 0;
}

/// The value of the k-th expectation in a text report.
double nth_expectation(const std::string& out, int k) {
  static const std::regex number("> = ([-0-9.e+]+)");
  std::sregex_iterator it(out.begin(), out.end(), number);
  for (int i = 0; i < k && it != std::sregex_iterator(); ++i) ++it;
  EXPECT_TRUE(it != std::sregex_iterator()) << "no expectation value " << k << " in:\n" << out;
  if (it == std::sregex_iterator()) return std::nan("");
  return std::stod((*it)[1]);
}

double expectation(const std::string& out) { return nth_expectation(out, 0); }

// Measuring |0> on device qubit 0 reads 1 with prob_meas1_prep0 = 0.01 (the
// value in props_tiny.json): 200,000 shots give 2,000 +- 4 standard errors.
TEST(RunNoise, ReadoutErrorFlipsCounts) {
  const fs::path dir = temp_dir();
  const fs::path model = tiny_model(dir);
  const fs::path qasm = write(dir, "m0.qasm", "OPENQASM 3.0;\nbit c;\nc = measure $0;\n");
  const Result r = qforge("run " + qasm.string() + " --noise " + model.string() + " --shots 200000 --seed 5");
  ASSERT_EQ(r.status, 0) << r.out;
  const double n = 200000, p = 0.01, se = std::sqrt(n * p * (1 - p));
  EXPECT_NEAR(double(count_of(r.out, "1")), n * p, 4 * se) << r.out;
  EXPECT_NE(r.out.find("noise: tiny"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("on device qubits $0"), std::string::npos) << r.out;
}

// The exact density matrix and 20,000 trajectories agree on <Z0 Z1> of a
// noisy entangling circuit on device qubits 0 and 1 (ecr $0,$1 is calibrated).
TEST(RunNoise, DensityMatrixAndTrajectoriesAgree) {
  const fs::path dir = temp_dir();
  const fs::path model = tiny_model(dir);
  const fs::path qasm = write(dir, "ent.qasm", kEcrPreamble +
                              "sx $0;\nrz(0.3) $0;\nsx $0;\necr $0, $1;\nx $1;\ndelay[2us] $0;\n");
  const std::string common = "run " + qasm.string() + " --noise " + model.string() + " --observable \"Z0 Z1\"";
  const Result dm = qforge(common + " --noise-method dm");
  ASSERT_EQ(dm.status, 0) << dm.out;
  EXPECT_NE(dm.out.find("method: density matrix"), std::string::npos) << dm.out;
  const Result tr = qforge(common + " --noise-method traj --trajectories 20000 --seed 9");
  ASSERT_EQ(tr.status, 0) << tr.out;
  // Each trajectory's <Z0 Z1> lies in [-1, 1]: the standard error is at most 1/sqrt(20000).
  EXPECT_NEAR(expectation(tr.out), expectation(dm.out), 4 / std::sqrt(20000.0));
  // Idle relaxation during the delay changes the result; without it, it differs.
  const Result off = qforge(common + " --noise-method dm --idle-noise off");
  ASSERT_EQ(off.status, 0) << off.out;
  EXPECT_NE(expectation(off.out), expectation(dm.out));
}


/// Two inputs, one through a product, on the tiny device's qubits.
const std::string kGradientCircuit = kEcrPreamble +
                                     "input float[64] a;\ninput float[64] b;\n"
                                     "sx $0;\nrz(a) $0;\nsx $0;\nsx $1;\nrz(2*b) $1;\necr $0, $1;\n"
                                     "rz(a*b) $1;\nsx $1;\n";

// --gradient under noise (the density matrix's adjoint) against central
// differences of the noisy expectation values that `run` reports.
TEST(RunNoise, GradientMatchesFiniteDifferences) {
  const fs::path dir = temp_dir();
  const fs::path model = tiny_model(dir);
  const fs::path qasm = write(dir, "grad.qasm", kGradientCircuit);
  const std::string common = "run " + qasm.string() + " --noise " + model.string() +
                             " --observable \"Z0 Z1\" --observable \"Y1\"";
  const double a = 0.7, b = -0.4, h = 1e-5;
  const auto at = [&](double va, double vb, const std::string& extra = "") {
    const Result r = qforge(common + " --set a=" + std::to_string(va) + " --set b=" + std::to_string(vb) + extra);
    EXPECT_EQ(r.status, 0) << r.out;
    return r.out;
  };
  const std::string g = at(a, b, " --gradient");
  std::vector<double> grad;
  const std::regex row("\n    [ab] +([-0-9.e+]+)");
  for (std::sregex_iterator it(g.begin(), g.end(), row), end; it != end; ++it)
    grad.push_back(std::stod((*it)[1]));
  ASSERT_EQ(grad.size(), 4u) << g;  // (Z0 Z1: a, b), (Y1: a, b)
  for (int k = 0; k < 2; ++k) {
    const double da = (nth_expectation(at(a + h, b), k) - nth_expectation(at(a - h, b), k)) / (2 * h);
    const double db = (nth_expectation(at(a, b + h), k) - nth_expectation(at(a, b - h), k)) / (2 * h);
    EXPECT_NEAR(grad[2 * k], da, 1e-7) << g;
    EXPECT_NEAR(grad[2 * k + 1], db, 1e-7) << g;
  }
  EXPECT_NE(g.find("adjoint method through the density matrix"), std::string::npos);
}

// --noise-method traj --gradient: the mean of the trajectories' adjoint
// gradients through the device's relaxation (not mixed-unitary) is within 4
// of its reported standard errors of the density matrix's exact gradient.
TEST(RunNoise, TrajectoryGradientIsWithinItsStandardErrorOfTheDensityMatrix) {
  const fs::path dir = temp_dir();
  const fs::path model = tiny_model(dir);
  const fs::path qasm = write(dir, "grad.qasm", kGradientCircuit);
  const std::string common = "run " + qasm.string() + " --noise " + model.string() +
                             " --observable \"Z0 Z1\" --observable \"Y1\" --set a=0.7 --set b=-0.4 --gradient";
  const Result dm = qforge(common + " --noise-method dm");
  const Result traj = qforge(common + " --noise-method traj --trajectories 4000 --seed 5");
  ASSERT_EQ(dm.status, 0) << dm.out;
  ASSERT_EQ(traj.status, 0) << traj.out;
  std::vector<double> exact, mean, err;
  const std::regex row("\n    [ab] +([-0-9.e+]+)( +\\+- ([-0-9.e+]+))?");
  for (std::sregex_iterator it(dm.out.begin(), dm.out.end(), row), end; it != end; ++it)
    exact.push_back(std::stod((*it)[1]));
  for (std::sregex_iterator it(traj.out.begin(), traj.out.end(), row), end; it != end; ++it) {
    mean.push_back(std::stod((*it)[1]));
    ASSERT_TRUE((*it)[3].matched) << traj.out;
    err.push_back(std::stod((*it)[3]));
  }
  ASSERT_EQ(exact.size(), 4u) << dm.out;
  ASSERT_EQ(mean.size(), 4u) << traj.out;
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_GT(err[i], 0) << traj.out;
    EXPECT_NEAR(mean[i], exact[i], 4 * err[i]) << traj.out;
  }
  EXPECT_NE(traj.out.find("mean of 4000 trajectories' adjoint gradients"), std::string::npos) << traj.out;
}

TEST(RunNoise, ExactErrors) {
  const fs::path dir = temp_dir();
  const fs::path model = tiny_model(dir);
  const fs::path qasm = write(dir, "h.qasm", "OPENQASM 3.0;\ninclude \"stdgates.inc\";\nh $0;\n");
  Result r = qforge("run " + qasm.string() + " --trajectories 10");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "qforge run: --noise-method, --trajectories and --idle-noise need --noise\n");
  r = qforge("run " + qasm.string() + " --noise " + model.string() + " --statevector");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "qforge run: --statevector: a noisy state is mixed and has no state vector\n");
  r = qforge("run " + qasm.string() + " --noise " + model.string() + " --noise-method exact");
  EXPECT_EQ(r.status, 2);
  // h is not a basis gate of the device: a located error at the gate.
  r = qforge("run " + qasm.string() + " --noise " + model.string());
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out.rfind(qasm.string() + ":3:1: error: ", 0), 0u) << r.out;
  const fs::path x0 = write(dir, "x0.qasm", "OPENQASM 3.0;\ninclude \"stdgates.inc\";\nx $0;\n");
  r = qforge("run " + x0.string() + " --noise " + model.string() + " --observable Z2");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "qforge run: --observable \"Z2\": the circuit does not use device qubit 2 (with --noise, "
                   "qubit indices are device qubits)\n");
  r = qforge("run " + qasm.string() + " --noise " + (dir / "missing.json").string());
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "qforge run: error: cannot read '" + (dir / "missing.json").string() + "'\n");
}

}  // namespace
