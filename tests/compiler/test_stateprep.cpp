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
