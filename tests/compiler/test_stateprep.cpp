// Mottonen state preparation (stateprep.hpp) against the dense reference.
#include "dense_reference.hpp"
#include "qforge/stateprep.hpp"

#include <gtest/gtest.h>

#include <complex>
#include <random>

using namespace qforge;
using namespace qforge::ref;

namespace {

/// Max |out - e^{i phi} target| minimised over the global phase phi.
double diff_up_to_phase(const Eigen::VectorXcd& out, const Eigen::VectorXcd& target) {
  std::complex<double> overlap = target.dot(out);  // <target|out>
  std::complex<double> f = std::abs(overlap) > 0 ? overlap / std::abs(overlap) : 1.0;
  return (out - f * target).cwiseAbs().maxCoeff();
}

Eigen::VectorXcd prepared(const Circuit& c) {
  return circuit_unitary(c).col(0);
}

std::vector<cplx> to_vec(const Eigen::VectorXcd& v) { return std::vector<cplx>(v.data(), v.data() + v.size()); }

}  // namespace

TEST(StatePrep, RandomComplexStates) {
  std::mt19937_64 rng(11);
  for (uint32_t n = 1; n <= 5; ++n)
    for (int trial = 0; trial < 8; ++trial) {
      Eigen::VectorXcd target = random_state(n, rng);
      Circuit c = state_preparation_circuit(to_vec(target));
      ASSERT_EQ(c.verify(), "");
      ASSERT_EQ(c.num_qubits, n);
      Eigen::VectorXcd out = prepared(c);
      EXPECT_LT(diff_up_to_phase(out, target), 1e-10) << "n=" << n;
      // The global phase is exact too.
      EXPECT_LT((out - target).cwiseAbs().maxCoeff(), 1e-10) << "n=" << n;
      std::size_t cx = 0;
      for (const auto& op : c.ops) cx += op.gate == GateId::CX;
      EXPECT_LE(cx, 2 * ((std::size_t(1) << n) - 2) + 1);  // 2 UCRs per level of 2^k CX
    }
}

TEST(StatePrep, RandomRealStatesUseNoRz) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> g;
  for (uint32_t n = 1; n <= 5; ++n)
    for (int trial = 0; trial < 8; ++trial) {
      std::vector<cplx> amp(std::size_t(1) << n);
      for (auto& a : amp) a = 3.0 * g(rng);  // unnormalised on purpose
      Circuit c = state_preparation_circuit(amp);
      for (const auto& op : c.ops) EXPECT_NE(op.gate, GateId::RZ);
      Eigen::VectorXcd target(amp.size());
      double nn = 0;
      for (auto& a : amp) nn += std::norm(a);
      for (std::size_t i = 0; i < amp.size(); ++i) target[Eigen::Index(i)] = amp[i] / std::sqrt(nn);
      EXPECT_LT(diff_up_to_phase(prepared(c), target), 1e-10) << "n=" << n;
    }
}

TEST(StatePrep, SparseAndBasisStates) {
  for (uint32_t n = 1; n <= 4; ++n)
    for (uint64_t k = 0; k < (uint64_t(1) << n); ++k) {
      Eigen::VectorXcd target = basis_state(n, k);
      target *= std::polar(1.0, 0.3 * double(k));
      Circuit c = state_preparation_circuit(to_vec(target));
      EXPECT_LT(diff_up_to_phase(prepared(c), target), 1e-10);
    }
  EXPECT_THROW(state_preparation_circuit({1.0, 0.0, 0.0}), std::invalid_argument);
  EXPECT_THROW(state_preparation_circuit({0.0, 0.0}), std::invalid_argument);
}

// The fixed-structure template: for real amplitudes (either sign, some zero)
// its angles, computed here from the definition (2 atan2 of subtree norms,
// signed at the last level), prepare the state exactly, with every rotation
// and CX present whatever the angles.
TEST(StatePrep, RealTemplateHasOneStructureAndPreparesTheState) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> g;
  for (unsigned n = 1; n <= 4; ++n)
    for (int trial = 0; trial < 6; ++trial) {
      const std::size_t N = std::size_t(1) << n;
      Eigen::VectorXd a(static_cast<Eigen::Index>(N));
      for (std::size_t i = 0; i < N; ++i) a(Eigen::Index(i)) = g(rng);
      if (trial == 1 && n > 1) a(0) = a(1) = 0;                               // a zero pair
      if (trial == 2) a.tail(Eigen::Index(N / 2)).setZero();                  // a zero half
      std::vector<double> angles;
      for (int t = int(n) - 1; t >= 0; --t)
        for (std::size_t p = 0; p < (std::size_t(1) << (n - 1 - unsigned(t))); ++p) {
          const std::size_t span = std::size_t(1) << t, base = p << (t + 1);
          if (t == 0) {
            angles.push_back(2 * std::atan2(a(Eigen::Index(base + 1)), a(Eigen::Index(base))));
            continue;
          }
          const double s0 = a.segment(Eigen::Index(base), Eigen::Index(span)).norm();
          const double s1 = a.segment(Eigen::Index(base + span), Eigen::Index(span)).norm();
          angles.push_back(2 * std::atan2(s1, s0));
        }
      Circuit c;
      c.num_qubits = n;
      c.qregs.push_back(Register{"q", 0, n, true});
      c.inputs.push_back(InputDecl{"a", "float[64]", {uint32_t(N - 1)}, 0});
      c.ops = real_state_preparation_template(n, 0);
      ASSERT_EQ(c.verify(), "");
      std::size_t ry = 0, cx = 0;
      for (const Operation& op : c.ops) (op.gate == GateId::RY ? ry : cx) += 1;
      EXPECT_EQ(ry, N - 1);
      EXPECT_EQ(cx, N - 2);
      const Eigen::VectorXcd out = circuit_unitary(c, angles).col(0);
      const Eigen::VectorXcd want = a.cast<std::complex<double>>() / a.norm();
      EXPECT_LT((out - want).cwiseAbs().maxCoeff(), 1e-12) << "n=" << n << " trial " << trial;
    }
}
