// The one-target steps of small states (below 6 qubits: through the index
// table, all samples of a batch at once, adjoint_block_batch) against the
// definition, amplitude by amplitude.
#include "qforge/kernels.hpp"

#include <gtest/gtest.h>

#include <complex>
#include <random>
#include <vector>

namespace qforge::sim {
namespace {

// psi <- M^dag psi, lam <- M^dag lam and R[a][c] = sum conj(lam[a]) psi[c]
// (lam before, psi after) for one-target blocks, dense and diagonal, with and
// without a control, on 4 and 5 qubits and two samples with their own
// blocks, against the formulas written out per amplitude pair.
template <typename FP>
void check_one_target_table_steps(double tol) {
  using C = std::complex<FP>;
  std::mt19937_64 rng(21);
  std::normal_distribution<double> N;
  auto rnd = [&] { return C(FP(N(rng)), FP(N(rng))); };
  for (unsigned n : {4u, 5u}) {
    const std::size_t dim = std::size_t(1) << n, nb = 2;
    for (unsigned t = 0; t < n; ++t)
      for (uint64_t ctrl : {uint64_t(0), uint64_t(1) << ((t + 2) % n)})
        for (BlockKind kind : {BlockKind::Dense, BlockKind::Diagonal}) {
          const BlockGate g = make_block_gate(n, kind, 1, &t, ctrl);
          ASSERT_FALSE(g.table.empty());
          std::vector<C> psi(nb * dim), lam(nb * dim), m(nb * 4);
          for (auto& v : psi) v = rnd();
          for (auto& v : lam) v = rnd();
          for (auto& v : m) v = rnd();
          std::vector<C> want_psi = psi, want_lam = lam, R(nb * 4), want_R(nb * 4);
          for (std::size_t b = 0; b < nb; ++b) {
            const C* M = &m[4 * b];
            const bool diag = kind == BlockKind::Diagonal;
            const C u00 = std::conj(M[0]), u01 = diag ? C(0) : std::conj(M[2]), u10 = diag ? C(0) : std::conj(M[1]),
                    u11 = std::conj(M[3]);
            for (std::size_t i = 0; i < dim; ++i) {
              if ((i >> t & 1) || (i & ctrl) != ctrl) continue;
              const std::size_t j = i | (std::size_t(1) << t);
              C* p = &want_psi[b * dim];
              C* l = &want_lam[b * dim];
              const C p0 = u00 * p[i] + u01 * p[j], p1 = u10 * p[i] + u11 * p[j];
              const C l0 = l[i], l1 = l[j];
              want_R[4 * b + 0] += std::conj(l0) * p0;
              want_R[4 * b + 1] += std::conj(l0) * p1;
              want_R[4 * b + 2] += std::conj(l1) * p0;
              want_R[4 * b + 3] += std::conj(l1) * p1;
              p[i] = p0;
              p[j] = p1;
              l[i] = u00 * l0 + u01 * l1;
              l[j] = u10 * l0 + u11 * l1;
            }
          }
          adjoint_block_batch<FP>(psi.data(), lam.data(), nb, g, m.data(), 4, R.data());
          for (std::size_t i = 0; i < nb * dim; ++i) {
            EXPECT_LT(std::abs(psi[i] - want_psi[i]), tol) << "n " << n << " target " << t << " ctrl " << ctrl;
            EXPECT_LT(std::abs(lam[i] - want_lam[i]), tol) << "n " << n << " target " << t << " ctrl " << ctrl;
          }
          for (std::size_t b = 0; b < nb; ++b)
            for (unsigned q = 0; q < 4; ++q) {
              if (kind == BlockKind::Diagonal && (q == 1 || q == 2)) continue;  // only R's diagonal is summed
              EXPECT_LT(std::abs(R[4 * b + q] - want_R[4 * b + q]), tol)
                  << "n " << n << " target " << t << " ctrl " << ctrl << " sample " << b << " entry " << q;
            }
        }
  }
}

TEST(AdjointBlockTable, OneTargetStepsMatchTheDefinition) {
  check_one_target_table_steps<double>(1e-12);
  check_one_target_table_steps<float>(1e-4);
}

}  // namespace
}  // namespace qforge::sim
