// Channels against analytic results, computed here with Eigen from the
// Kraus operators: completeness, depolarizing contraction, T1 decay, Ramsey
// decay, and the average gate fidelity of each gate's composed channels
// against the reported error.
#include "noise_test_util.hpp"

#include <cmath>

namespace qforge::noise {
namespace {

using namespace qforge::noise::test;
using C = std::complex<double>;

Eigen::Matrix2cd pure(C a, C b) {
  Eigen::Vector2cd v(a, b);
  return v * v.adjoint();
}

TEST(Channels, DepolarizingScalesBlochVectorByOneMinusP) {
  for (double p : {0.0, 0.01, 0.3, 1.0, 4.0 / 3.0}) {
    const sim::Channel ch = depolarizing(p, 1);
    EXPECT_LT(sim::completeness_error(ch), 1e-12) << p;
    const Eigen::MatrixXcd out = apply_channel(kraus_of(ch), pure(1, 0));
    const double z = (out(0, 0) - out(1, 1)).real();
    EXPECT_NEAR(z, 1 - p, 1e-12) << p;
    const Eigen::MatrixXcd plus = apply_channel(kraus_of(ch), pure(M_SQRT1_2, M_SQRT1_2));
    EXPECT_NEAR(2 * plus(0, 1).real(), 1 - p, 1e-12) << p;  // <X>
  }
  for (unsigned n : {2u, 3u}) {
    const sim::Channel ch = depolarizing(0.05, n);
    EXPECT_LT(sim::completeness_error(ch), 1e-12);
    EXPECT_EQ(ch.kraus.size(), std::size_t(1) << (2 * n));
    // (1-p) rho + p I/d on |0..0><0..0|: the diagonal entry 0 is 1 - p + p/d.
    const Eigen::Index d = Eigen::Index(1) << n;
    Eigen::MatrixXcd rho = Eigen::MatrixXcd::Zero(d, d);
    rho(0, 0) = 1;
    const Eigen::MatrixXcd out = apply_channel(kraus_of(ch), rho);
    EXPECT_NEAR(out(0, 0).real(), 1 - 0.05 + 0.05 / double(d), 1e-12);
    EXPECT_NEAR(out(d - 1, d - 1).real(), 0.05 / double(d), 1e-12);
  }
  EXPECT_THROW(depolarizing(1.5, 1), std::invalid_argument);
}

TEST(Channels, ThermalRelaxationDecaysAsT1AndT2) {
  const double t1 = 80e-6, t2 = 50e-6;
  for (double t : {0.0, 35e-9, 1e-6, 60e-6, 500e-6}) {
    const sim::Channel ch = thermal_relaxation(t1, t2, t);
    EXPECT_LT(sim::completeness_error(ch), 1e-12) << t;
    const Kraus ks = kraus_of(ch);
    EXPECT_NEAR(apply_channel(ks, pure(0, 1))(1, 1).real(), std::exp(-t / t1), 1e-12) << t;  // idle |1>
    EXPECT_NEAR(apply_channel(ks, pure(1, 0))(0, 0).real(), 1.0, 1e-12) << t;                // |0> is fixed
    const Eigen::MatrixXcd ramsey = apply_channel(ks, pure(M_SQRT1_2, M_SQRT1_2));
    EXPECT_NEAR(2 * ramsey(0, 1).real(), std::exp(-t / t2), 1e-12) << t;  // <X> of |+>
    EXPECT_NEAR(ramsey(0, 1).imag(), 0.0, 1e-15);
  }
  // T2 = 2 T1 (no pure dephasing) and infinite T1 (pure dephasing).
  const double inf = std::numeric_limits<double>::infinity();
  const Kraus limit = kraus_of(thermal_relaxation(t1, 2 * t1, 10e-6));
  EXPECT_NEAR(2 * apply_channel(limit, pure(M_SQRT1_2, M_SQRT1_2))(0, 1).real(), std::exp(-10e-6 / (2 * t1)), 1e-12);
  const Kraus dephase = kraus_of(thermal_relaxation(inf, t2, 10e-6));
  EXPECT_NEAR(apply_channel(dephase, pure(0, 1))(1, 1).real(), 1.0, 1e-12);
  EXPECT_NEAR(2 * apply_channel(dephase, pure(M_SQRT1_2, M_SQRT1_2))(0, 1).real(), std::exp(-10e-6 / t2), 1e-12);
  EXPECT_THROW(thermal_relaxation(t1, 2.5 * t1, 1e-6), std::invalid_argument);
}

/// Every gate of `m`: complete channels; the composed channel's average
/// fidelity is 1 - error when a depolarizing channel is needed, else the
/// relaxation alone already errs at least as much.
void check_gates(const NoiseModel& m) {
  for (const auto& g : m.gates) {
    const auto chans = gate_channels(m, g.gate, g.qubits);
    for (const auto& ch : chans) EXPECT_LT(sim::completeness_error(ch), 1e-12) << ch.label;
    const double f = fidelity(composed(chans, g.qubits));
    const double p = depolarizing_parameter(m, g.gate, g.qubits);
    if (p > 0)
      EXPECT_NEAR(f, 1 - g.error, 1e-12) << g.gate << " error " << g.error;
    else
      EXPECT_GE(1 - f + 1e-15, g.error) << g.gate;
  }
}

TEST(Channels, GateChannelsHaveTheReportedFidelity) {
  const NoiseModel m = import_ibm_files(tiny_props(), tiny_conf());
  check_gates(m);
  // rz is virtual: no channel. sx $0 (error 5e-4 above its relaxation
  // infidelity): depolarizing, then relaxation. ecr: 2-qubit depolarizing,
  // then one relaxation per qubit.
  EXPECT_TRUE(gate_channels(m, "rz", {0}).empty());
  const auto sx = gate_channels(m, "sx", {0});
  ASSERT_EQ(sx.size(), 2u);
  EXPECT_EQ(sx[0].label.rfind("sx $0: depolarizing p=", 0), 0u) << sx[0].label;
  const auto ecr = gate_channels(m, "ecr", {3, 2});
  ASSERT_EQ(ecr.size(), 3u);
  EXPECT_EQ(ecr[0].qubits, (std::vector<unsigned>{3, 2}));
  EXPECT_EQ(ecr[1].qubits, (std::vector<unsigned>{3}));
  EXPECT_EQ(ecr[2].qubits, (std::vector<unsigned>{2}));
}

TEST(Channels, FaultyAndUncalibratedGatesAreRefusedByName) {
  const NoiseModel m = import_ibm_files(tiny_props(), tiny_conf());
  auto message = [&](const std::string& g, std::vector<unsigned> q) -> std::string {
    try {
      gate_channels(m, g, q);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(message("ecr", {1, 2}), "ecr $1,$2 is faulty on tiny_eagle (gate_error 1): the device reports it broken");
  EXPECT_EQ(message("ecr", {2, 3}),
            "ecr $2,$3 has no calibration on tiny_eagle (the device's ecr is directed: it has ecr $3,$2)");
  EXPECT_EQ(message("cz", {0, 1}), "cz $0,$1 has no calibration on tiny_eagle");
}

TEST(Channels, SharedSnapshotsGateFidelities) {
  QFORGE_CALIBRATION_DIR_OR_SKIP(dir);
  check_gates(ibm_model(dir, "sherbrooke"));
  check_gates(ibm_model(dir, "fez"));
}

}  // namespace
}  // namespace qforge::noise
