// noise_test_util.hpp - independent references for the noise tests: Kraus
// sets as Eigen matrices, applying and composing channels, the average gate
// fidelity, and the paths of the calibration files.
#pragma once

#include "qforge/noise_model.hpp"

#include <Eigen/Dense>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace qforge::noise::test {

using Kraus = std::vector<Eigen::MatrixXcd>;

inline std::string data_dir() { return std::string(QFORGE_SOURCE_DIR) + "/tests/noise/data"; }
inline std::string tiny_props() { return data_dir() + "/props_tiny.json"; }
inline std::string tiny_conf() { return data_dir() + "/conf_tiny.json"; }

/// The directory of the shared calibration snapshots (QFORGE_CALIBRATION),
/// or empty when it is not set.
inline std::string calibration_dir() {
  const char* dir = std::getenv("QFORGE_CALIBRATION");
  return dir ? std::string(dir) : std::string();
}

/// The shared IBM snapshots (ibm/props_NAME.json, ibm/conf_NAME.json) under `dir`.
inline NoiseModel ibm_model(const std::string& dir, const std::string& name) {
  return import_ibm_files(dir + "/ibm/props_" + name + ".json", dir + "/ibm/conf_" + name + ".json");
}

/// Declare `dir` as the calibration folder, or skip the test saying why.
#define QFORGE_CALIBRATION_DIR_OR_SKIP(dir)                                                           \
  const std::string dir = ::qforge::noise::test::calibration_dir();                                    \
  if (dir.empty())                                                                                     \
  GTEST_SKIP() << "QFORGE_CALIBRATION is not set, so the IBM calibration snapshots cannot be found "  \
                  "(set it to the calibration folder, e.g. /work/shared/calibration; scripts/test.sh does)."

/// A channel's Kraus operators as Eigen matrices.
inline Kraus kraus_of(const sim::Channel& ch) {
  const Eigen::Index d = Eigen::Index(1) << ch.qubits.size();
  Kraus out;
  for (const auto& k : ch.kraus) {
    Eigen::MatrixXcd m(d, d);
    for (Eigen::Index r = 0; r < d; ++r)
      for (Eigen::Index c = 0; c < d; ++c) m(r, c) = k[static_cast<std::size_t>(r * d + c)];
    out.push_back(m);
  }
  return out;
}

inline Eigen::MatrixXcd apply_channel(const Kraus& ks, const Eigen::MatrixXcd& rho) {
  Eigen::MatrixXcd out = Eigen::MatrixXcd::Zero(rho.rows(), rho.cols());
  for (const auto& k : ks) out += k * rho * k.adjoint();
  return out;
}

/// `second` after `first`: the Kraus set {B_j A_i}.
inline Kraus then(const Kraus& first, const Kraus& second) {
  Kraus out;
  for (const auto& b : second)
    for (const auto& a : first) out.push_back(b * a);
  return out;
}

/// One-qubit operators on the qubit at `position` of `n` (position 0 most significant).
inline Kraus embed(const Kraus& ks, unsigned position, unsigned n) {
  Kraus out;
  for (const auto& k : ks) {
    Eigen::MatrixXcd m = Eigen::MatrixXcd::Identity(1, 1);
    for (unsigned p = 0; p < n; ++p) {
      Eigen::MatrixXcd f = p == position ? k : Eigen::MatrixXcd(Eigen::MatrixXcd::Identity(2, 2));
      Eigen::MatrixXcd next(m.rows() * 2, m.cols() * 2);
      for (Eigen::Index r = 0; r < m.rows(); ++r)
        for (Eigen::Index c = 0; c < m.cols(); ++c) next.block(r * 2, c * 2, 2, 2) = m(r, c) * f;
      m = next;
    }
    out.push_back(m);
  }
  return out;
}

/// Average gate fidelity to the identity: (sum_k |tr K_k|^2 + d) / (d (d + 1)).
inline double fidelity(const Kraus& ks) {
  const double d = static_cast<double>(ks.at(0).rows());
  double s = 0;
  for (const auto& k : ks) s += std::norm(k.trace());
  return (s + d) / (d * (d + 1));
}

/// The channels gate_channels returns for a gate on `qubits`, composed into
/// one Kraus set on the gate's qubits (qubits[0] most significant).
inline Kraus composed(const std::vector<sim::Channel>& channels, const std::vector<unsigned>& qubits) {
  const unsigned n = static_cast<unsigned>(qubits.size());
  Kraus total{Eigen::MatrixXcd::Identity(Eigen::Index(1) << n, Eigen::Index(1) << n)};
  for (const auto& ch : channels) {
    Kraus ks = kraus_of(ch);
    if (ch.qubits.size() == 1 && n > 1) {
      unsigned pos = 0;
      while (qubits[pos] != ch.qubits[0]) ++pos;
      ks = embed(ks, pos, n);
    } else {
      EXPECT_EQ(ch.qubits, qubits);
    }
    total = then(total, ks);
  }
  return total;
}

}  // namespace qforge::noise::test
