// The gate table's allocation-free blocks, generator spectra and
// parameter-shift rules (gates.hpp), checked numerically: blocks against the
// corner of gate_matrix, derivative blocks against gate_matrix_derivative,
// and each parameter's spectrum against the eigenvalues of the generator
// G = i (dU/dp) U^dagger computed with Eigen from gate_matrix and
// gate_matrix_derivative; the rule is re-derived here from those eigenvalues.
#include "dense_reference.hpp"
#include "qforge/gates.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace qforge {
namespace {

using cd = std::complex<double>;

Eigen::MatrixXcd to_matrix(const std::vector<cd>& v) {
  const Eigen::Index d = Eigen::Index(std::lround(std::sqrt(double(v.size()))));
  Eigen::MatrixXcd m(d, d);
  for (Eigen::Index r = 0; r < d; ++r)
    for (Eigen::Index c = 0; c < d; ++c) m(r, c) = v[std::size_t(r * d + c)];
  return m;
}

// Distinct eigenvalues (ascending) of the generator of parameter k at p,
// with `extra` more |1>-controls in front of the gate.
std::vector<double> numeric_spectrum(GateId id, const double* p, unsigned k, unsigned extra) {
  Eigen::MatrixXcd u = to_matrix(gate_matrix(id, p)), du = to_matrix(gate_matrix_derivative(id, p, k));
  if (extra) {
    // diag(I, ..., I, U) and its derivative diag(0, ..., 0, dU).
    u = ref::add_controls(u, extra);
    Eigen::MatrixXcd d = Eigen::MatrixXcd::Zero(u.rows(), u.cols());
    d.bottomRightCorner(du.rows(), du.cols()) = du;
    du = d;
  }
  const Eigen::MatrixXcd g = cd(0, 1) * du * u.adjoint();
  EXPECT_LT((g - g.adjoint()).norm(), 1e-12) << gate_info(id).name << " p" << k << ": generator not Hermitian";
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXcd> es(g);
  std::vector<double> ev(es.eigenvalues().data(), es.eigenvalues().data() + es.eigenvalues().size());
  std::sort(ev.begin(), ev.end());
  std::vector<double> distinct;
  for (double e : ev)
    if (distinct.empty() || e - distinct.back() > 1e-9) distinct.push_back(e);
  return distinct;
}

// The rule as the shift-rule literature states it, from the frequencies
// (positive eigenvalue differences).
ShiftRule expected_rule(const std::vector<double>& ev) {
  std::vector<double> freq;
  for (std::size_t i = 0; i < ev.size(); ++i)
    for (std::size_t j = i + 1; j < ev.size(); ++j) {
      const double f = ev[j] - ev[i];
      if (std::none_of(freq.begin(), freq.end(), [&](double x) { return std::abs(x - f) < 1e-9; }))
        freq.push_back(f);
    }
  std::sort(freq.begin(), freq.end());
  if (freq.size() == 1 && std::abs(freq[0] - 1) < 1e-9) return ShiftRule::TwoTerm;
  if (freq.size() == 2 && std::abs(freq[0] - 0.5) < 1e-9 && std::abs(freq[1] - 1) < 1e-9)
    return ShiftRule::FourTerm;
  return ShiftRule::None;
}

TEST(GateGenerators, SpectraAndShiftRulesMatchNumericGenerators) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(-3, 3);
  int checked = 0;
  for (std::size_t gi = 0; gi < kNumGates; ++gi) {
    const GateId id = GateId(gi);
    const GateInfo& info = gate_info(id);
    for (unsigned k = 0; k < info.num_params; ++k) {
      const GeneratorSpectrum table = gate_generator_spectrum(id, k);
      for (int trial = 0; trial < 3; ++trial) {  // the spectrum does not depend on p
        const double p[4] = {u(rng), u(rng), u(rng), u(rng)};
        const std::vector<double> ev = numeric_spectrum(id, p, k, 0);
        ASSERT_EQ(ev.size(), table.count) << info.name << " p" << k;
        for (std::size_t i = 0; i < ev.size(); ++i) EXPECT_NEAR(ev[i], table.values[i], 1e-9) << info.name;
        EXPECT_EQ(shift_rule(table), expected_rule(ev)) << info.name << " p" << k;
        EXPECT_EQ(gate_shift_rule(id, k), expected_rule(ev)) << info.name << " p" << k;
        for (unsigned extra : {1u, 2u})
          EXPECT_EQ(gate_shift_rule(id, k, extra), expected_rule(numeric_spectrum(id, p, k, extra)))
              << info.name << " p" << k << " with " << extra << " extra controls";
      }
      EXPECT_NE(gate_shift_rule(id, k), ShiftRule::None) << info.name << ": every table parameter has a rule";
      ++checked;
    }
    if (info.num_params == 0) {
      EXPECT_THROW(gate_generator_spectrum(id, 0), std::out_of_range);
    }
  }
  EXPECT_EQ(checked, 26);  // rx ry rz p u1 u2(2) u3(3) cp cu1 crx cry crz cu3(3) cu(4) rxx ryy rzz rzx
  // The rules the literature gives for a few gates, spelled out.
  EXPECT_EQ(gate_shift_rule(GateId::RX, 0), ShiftRule::TwoTerm);
  EXPECT_EQ(gate_shift_rule(GateId::RX, 0, 1), ShiftRule::FourTerm);
  EXPECT_EQ(gate_shift_rule(GateId::CRY, 0), ShiftRule::FourTerm);
  EXPECT_EQ(gate_shift_rule(GateId::CP, 0, 2), ShiftRule::TwoTerm);
  EXPECT_EQ(shift_rule(GeneratorSpectrum{3, {{-1, 0, 1}}}), ShiftRule::None);
}

TEST(GateGenerators, BlocksMatchTheCornerOfTheTableMatrices) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-3, 3);
  for (std::size_t g = 0; g < kNumGates; ++g) {
    const GateId id = GateId(g);
    const GateInfo& info = gate_info(id);
    const unsigned t = info.num_qubits - info.num_controls;
    if (t > 2) continue;
    const double p[4] = {u(rng), u(rng), u(rng), u(rng)};
    const std::size_t dim = std::size_t(1) << info.num_qubits, bd = std::size_t(1) << t, off = dim - bd;
    auto corner = [&](const std::vector<cd>& full, std::size_t a, std::size_t b) {
      return full[(off + a) * dim + off + b];
    };
    cd m[16], m2[16], d[64], dk[16];
    gate_block(id, p, m);
    gate_block(id, p, m2, d);
    const std::vector<cd> full = gate_matrix(id, p);
    for (std::size_t a = 0; a < bd; ++a)
      for (std::size_t b = 0; b < bd; ++b) {
        EXPECT_NEAR(std::abs(m[a * bd + b] - corner(full, a, b)), 0, 1e-14) << info.name;
        EXPECT_EQ(m[a * bd + b], m2[a * bd + b]) << info.name;
      }
    for (unsigned k = 0; k < info.num_params; ++k) {
      const std::vector<cd> full_d = gate_matrix_derivative(id, p, k);
      gate_block_derivative(id, p, k, dk);
      for (std::size_t a = 0; a < bd; ++a)
        for (std::size_t b = 0; b < bd; ++b) {
          EXPECT_NEAR(std::abs(d[k * bd * bd + a * bd + b] - corner(full_d, a, b)), 0, 1e-14) << info.name << " d" << k;
          EXPECT_EQ(dk[a * bd + b], d[k * bd * bd + a * bd + b]) << info.name << " d" << k;
        }
    }
    EXPECT_THROW(gate_block_derivative(id, p, info.num_params, dk), std::out_of_range);
  }
}

}  // namespace
}  // namespace qforge
