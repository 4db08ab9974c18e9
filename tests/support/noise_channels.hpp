// noise_channels.hpp - textbook channels as Kraus sets for the noisy tests
// (the reference's KrausChannel and the runtime's sim::Channel), and a
// circuit with its channels kept in both forms.
#pragma once

#include "density_reference.hpp"
#include "qforge/channel.hpp"

#include <unsupported/Eigen/KroneckerProduct>

#include <cmath>
#include <complex>
#include <string>
#include <utility>
#include <vector>

namespace qforge::test {

using ref::KrausChannel;

/// I, X, Y, Z.
inline std::vector<Eigen::MatrixXcd> paulis2() {
  using cd = std::complex<double>;
  Eigen::Matrix2cd i2, x, y, z;
  i2 << 1, 0, 0, 1;
  x << 0, 1, 1, 0;
  y << 0, cd(0, -1), cd(0, 1), 0;
  z << 1, 0, 0, -1;
  return {i2, x, y, z};
}

/// rho -> (1 - p) rho + p I/2: I, X, Y, Z with weights 1 - 3p/4, p/4, p/4, p/4.
inline KrausChannel depolarizing(double p, uint32_t q) {
  const auto s = paulis2();
  return {{q}, {std::sqrt(1 - 3 * p / 4) * s[0], std::sqrt(p / 4) * s[1], std::sqrt(p / 4) * s[2],
                std::sqrt(p / 4) * s[3]}};
}

/// Two-qubit depolarizing: rho -> (1 - p) rho + p I/4, the 16 Pauli products
/// on (a, b) (a the most significant bit).
inline KrausChannel depolarizing2(double p, uint32_t a, uint32_t b) {
  const auto s = paulis2();
  KrausChannel out{{a, b}, {}};
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      const double w = (i == 0 && j == 0) ? 1 - 15 * p / 16 : p / 16;
      out.kraus.push_back(std::sqrt(w) * Eigen::MatrixXcd(Eigen::kroneckerProduct(s[std::size_t(i)], s[std::size_t(j)])));
    }
  return out;
}

inline KrausChannel amplitude_damping(double gamma, uint32_t q) {
  Eigen::Matrix2cd k0, k1;
  k0 << 1, 0, 0, std::sqrt(1 - gamma);
  k1 << 0, std::sqrt(gamma), 0, 0;
  return {{q}, {k0, k1}};
}

inline KrausChannel phase_damping(double lambda, uint32_t q) {
  Eigen::Matrix2cd k0, k1;
  k0 << 1, 0, 0, std::sqrt(1 - lambda);
  k1 << 0, 0, 0, std::sqrt(lambda);
  return {{q}, {k0, k1}};
}

/// Thermal relaxation at zero temperature as one Kraus set: amplitude
/// damping (gamma) then phase damping (lambda), the products L_j K_i.
inline KrausChannel thermal_relaxation(double gamma, double lambda, uint32_t q) {
  const KrausChannel a = amplitude_damping(gamma, q), p = phase_damping(lambda, q);
  KrausChannel out{{q}, {}};
  for (const auto& k : a.kraus)
    for (const auto& l : p.kraus) out.kraus.push_back(l * k);
  return out;
}

inline sim::Channel to_channel(const KrausChannel& k, std::string label = "") {
  sim::Channel ch;
  ch.qubits.assign(k.qubits.begin(), k.qubits.end());
  ch.label = std::move(label);
  for (const auto& m : k.kraus) {
    std::vector<std::complex<double>> flat;
    for (Eigen::Index r = 0; r < m.rows(); ++r)
      for (Eigen::Index c = 0; c < m.cols(); ++c) flat.push_back(m(r, c));
    ch.kraus.push_back(std::move(flat));
  }
  return ch;
}

/// A circuit and its channels, both for the engine and the reference.
struct NoisyPair {
  sim::NoisyCircuit nc;
  std::vector<std::vector<KrausChannel>> after;

  NoisyPair() = default;
  explicit NoisyPair(Circuit c) {
    nc.circuit = std::move(c);
    nc.after.resize(nc.circuit.ops.size());
    after.resize(nc.circuit.ops.size());
  }
  /// Append an operation and the channels right after it.
  void op(Operation o, std::vector<KrausChannel> channels = {}) {
    nc.circuit.ops.push_back(std::move(o));
    nc.after.emplace_back();
    after.emplace_back();
    add(nc.circuit.ops.size() - 1, std::move(channels));
  }
  /// Add channels after operation i.
  void add(std::size_t i, std::vector<KrausChannel> channels) {
    for (auto& k : channels) {
      nc.after[i].push_back(to_channel(k));
      after[i].push_back(std::move(k));
    }
  }
};

}  // namespace qforge::test
