// adjoint_chain: a chain of adjoint steps on one qubit in one pass.
//  - against a dense reference: each step's 2^n x 2^n matrix (M^dag on the
//    target, the identity elsewhere) applied to psi and lam, and each
//    step's density summed from the states between the steps, on targets
//    0, 1, 2 (octets split by lane shuffles) and above, every step kind
//    (diagonal, real, complex, X), with and without a density and with its
//    real parts only, fp64 and fp32;
//  - with a CX(c, t) un-applied first, against the dense reference on every
//    target and control of 7 and 8 qubits, fp64 and fp32;
//  - against adjoint_step called once per step, on 13 qubits (where the
//    sums split over threads), and the same bits on 1, 2 and 3 threads.
#include "qforge/kernels.hpp"

#include <gtest/gtest.h>

#include <complex>
#include <random>
#include <vector>

namespace qforge::sim {
namespace {

using cd = std::complex<double>;

enum class Kind { Diagonal, Real, Complex, X };

struct RefStep {
  Kind kind;
  cd m[4];        // M, row-major (Diagonal: the off-diagonal entries are not read)
  bool density;   // the step has a density
  bool re_only;   // re_density
};

// A random chain of `count` steps (the kinds cycle from `first_kind` so
// every kind appears in long chains).
std::vector<RefStep> random_chain(std::mt19937_64& rng, unsigned count, int first_kind) {
  std::normal_distribution<double> N;
  std::vector<RefStep> steps(count);
  for (unsigned i = 0; i < count; ++i) {
    RefStep& s = steps[i];
    s.kind = Kind((first_kind + int(i) * 3) % 4);
    for (cd& v : s.m) v = cd(N(rng), s.kind == Kind::Real ? 0.0 : N(rng));
    s.density = s.kind != Kind::X && (rng() % 4 != 0);
    s.re_only = s.density && (rng() % 2 == 0);
  }
  return steps;
}

// The matrix a step un-applies: M^dag of the block M as the kernel reads it.
void step_dagger(const RefStep& s, cd u[4]) {
  cd m[4] = {s.m[0], s.m[1], s.m[2], s.m[3]};
  if (s.kind == Kind::Diagonal) m[1] = m[2] = 0;
  if (s.kind == Kind::X) {
    m[0] = m[3] = 0;
    m[1] = m[2] = 1;
  }
  for (unsigned a = 0; a < 2; ++a)
    for (unsigned b = 0; b < 2; ++b) u[a * 2 + b] = std::conj(m[b * 2 + a]);
}

// v <- U v for U = (M^dag on qubit t) as a dense 2^n x 2^n matrix.
std::vector<cd> dense_apply(const std::vector<cd>& v, unsigned n, unsigned t, const cd u[4]) {
  const std::size_t dim = std::size_t(1) << n;
  std::vector<cd> out(dim, 0);
  for (std::size_t i = 0; i < dim; ++i)
    for (std::size_t j = 0; j < dim; ++j) {
      if ((i ^ j) & ~(std::size_t(1) << t)) continue;  // U is the identity on the other qubits
      out[i] += u[((i >> t) & 1) * 2 + ((j >> t) & 1)] * v[j];
    }
  return out;
}

// v <- CX(c, t) v as a dense 2^n x 2^n matrix (the permutation).
std::vector<cd> dense_cx(const std::vector<cd>& v, unsigned n, unsigned c, unsigned t) {
  const std::size_t dim = std::size_t(1) << n;
  std::vector<cd> out(dim, 0);
  for (std::size_t i = 0; i < dim; ++i)
    for (std::size_t j = 0; j < dim; ++j) {
      const std::size_t image = (j >> c & 1) ? j ^ (std::size_t(1) << t) : j;
      if (i == image) out[i] += v[j];
    }
  return out;
}

// control >= 0: a CX(control, t) un-applied before the steps.
template <typename FP>
void check_against_dense(unsigned n, unsigned t, unsigned count, int first_kind, uint64_t seed, double tol,
                         int control = -1) {
  using C = std::complex<FP>;
  const std::size_t dim = std::size_t(1) << n;
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> N;
  std::vector<C> psi(dim), lam(dim);
  for (std::size_t i = 0; i < dim; ++i) {
    psi[i] = C(FP(N(rng)), FP(N(rng)));
    lam[i] = C(FP(N(rng)), FP(N(rng)));
  }
  const std::vector<RefStep> ref = random_chain(rng, count, first_kind);
  // The reference in double from the same (rounded) inputs.
  std::vector<cd> p(psi.begin(), psi.end()), l(lam.begin(), lam.end());
  std::vector<C> m(4 * count), R(4 * count), R0(4 * count);
  std::vector<ChainStep<FP>> steps(count);
  std::vector<cd> want_R(4 * count, 0);
  if (control >= 0) {
    p = dense_cx(p, n, unsigned(control), t);
    l = dense_cx(l, n, unsigned(control), t);
  }
  for (unsigned i = 0; i < count; ++i) {
    for (unsigned e = 0; e < 4; ++e) {
      m[4 * i + e] = C(FP(ref[i].m[e].real()), FP(ref[i].m[e].imag()));
      R[4 * i + e] = R0[4 * i + e] = C(FP(N(rng)), FP(N(rng)));  // the kernel adds to R
    }
    RefStep rounded = ref[i];
    for (unsigned e = 0; e < 4; ++e) rounded.m[e] = cd(m[4 * i + e]);
    cd u[4];
    step_dagger(rounded, u);
    const std::vector<cd> after = dense_apply(p, n, t, u);
    if (ref[i].density)
      for (std::size_t j = 0; j < dim; ++j) {
        if ((j >> t) & 1) continue;
        const std::size_t idx[2] = {j, j | (std::size_t(1) << t)};
        for (unsigned a = 0; a < 2; ++a)
          for (unsigned c = 0; c < 2; ++c) {
            if (ref[i].kind == Kind::Diagonal && a != c) continue;  // only R's diagonal
            want_R[4 * i + a * 2 + c] += std::conj(l[idx[a]]) * after[idx[c]];
          }
      }
    p = after;
    l = dense_apply(l, n, t, u);
    ChainStep<FP>& s = steps[i];
    s.kind = ref[i].kind == Kind::Diagonal ? BlockKind::Diagonal : ref[i].kind == Kind::X ? BlockKind::X
                                                                                          : BlockKind::Dense;
    s.m = &m[4 * i];
    s.R = ref[i].density ? &R[4 * i] : nullptr;
    s.re_density = ref[i].re_only;
  }
  adjoint_chain<FP>(psi.data(), lam.data(), n, t, steps.data(), count, control);
  double err = 0, scale = 1;
  for (std::size_t i = 0; i < dim; ++i) {
    err = std::max({err, std::abs(cd(psi[i]) - p[i]), std::abs(cd(lam[i]) - l[i])});
    scale = std::max({scale, std::abs(p[i]), std::abs(l[i])});
  }
  EXPECT_LT(err, tol * scale) << "states: n " << n << " target " << t << " steps " << count << " control "
                              << control;
  for (unsigned i = 0; i < count; ++i)
    for (unsigned e = 0; e < 4; ++e) {
      const cd got = cd(R[4 * i + e]) - cd(R0[4 * i + e]);
      const cd want = want_R[4 * i + e];
      EXPECT_NEAR(got.real(), want.real(), tol * dim * scale * scale) << "step " << i << " entry " << e << " target " << t;
      // With re_density only the real parts are asked for.
      if (!ref[i].re_only) {
        EXPECT_NEAR(got.imag(), want.imag(), tol * dim * scale * scale) << "step " << i << " entry " << e << " target " << t;
      }
    }
}

TEST(AdjointChain, EqualsTheDenseReference) {
  uint64_t seed = 1;
  for (unsigned n : {3u, 4u, 7u})
    for (unsigned t = 0; t < n; ++t)
      for (unsigned count : {1u, 2u, 3u, 5u, kMaxChainSteps})
        for (int first_kind = 0; first_kind < 4; ++first_kind) {
          check_against_dense<double>(n, t, count, first_kind, ++seed, 1e-12);
          check_against_dense<float>(n, t, count, first_kind, ++seed, 2e-5);
        }
}

// A CX(c, t) un-applied first, on every target and control of 7 and 8
// qubits: in the chain's pass for c >= 3 (and c = 2 above target 1), on its
// own first for the controls that differ within a vector; 3 qubits (the
// steps one at a time), with zero steps (the CX alone).
TEST(AdjointChain, WithAControlEqualsTheDenseReference) {
  uint64_t seed = 500;
  for (unsigned n : {7u, 8u})
    for (unsigned t = 0; t < n; ++t)
      for (unsigned c = 0; c < n; ++c) {
        if (c == t) continue;
        for (unsigned count : {0u, 1u, 3u, kMaxChainSteps}) {
          ++seed;
          check_against_dense<double>(n, t, count, int(seed % 4), seed, 1e-12, int(c));
          ++seed;
          check_against_dense<float>(n, t, count, int(seed % 4), seed, 2e-5, int(c));
        }
      }
  for (unsigned t = 0; t < 3; ++t) check_against_dense<double>(3, t, 2, 1, ++seed, 1e-12, int((t + 1) % 3));
}

TEST(AdjointChain, RejectsAControlOnTheTarget) {
  std::vector<cd> psi(16), lam(16);
  for (int control : {2, 4}) {
    try {
      adjoint_chain<double>(psi.data(), lam.data(), 4, 2, nullptr, 0, control);
      FAIL() << "no error";
    } catch (const std::invalid_argument& e) {
      EXPECT_STREQ(e.what(), ("adjoint_chain: the control " + std::to_string(control) +
                              " must be a qubit of the state other than the target 2.")
                                 .c_str());
    }
  }
}

// Fewer than four pairs of amplitudes (n < 3) go one step at a time.
TEST(AdjointChain, SmallStates) {
  for (unsigned n : {1u, 2u})
    for (unsigned t = 0; t < n; ++t) check_against_dense<double>(n, t, 4, 1, 50 + n + t, 1e-12);
}

TEST(AdjointChain, RejectsLongChains) {
  std::vector<cd> psi(8), lam(8);
  std::vector<ChainStep<double>> steps(kMaxChainSteps + 1);
  try {
    adjoint_chain<double>(psi.data(), lam.data(), 3, 0, steps.data(), kMaxChainSteps + 1);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "adjoint_chain takes at most 8 steps, got 9.");
  }
}

// The chain against adjoint_step once per step, on 13 qubits (eight sum
// blocks: the threads split them), and on 1, 2 and 3 threads the same bits.
template <typename FP>
void check_against_steps(double tol) {
  using C = std::complex<FP>;
  const unsigned n = 13;
  const std::size_t dim = std::size_t(1) << n;
  std::mt19937_64 rng(77);
  std::normal_distribution<double> N;
  std::vector<C> psi0(dim), lam0(dim);
  for (std::size_t i = 0; i < dim; ++i) {
    psi0[i] = C(FP(N(rng)), FP(N(rng)));
    lam0[i] = C(FP(N(rng)), FP(N(rng)));
  }
  for (unsigned t : {0u, 1u, 2u, 3u, 6u, 12u})
    for (unsigned count : {2u, 4u, kMaxChainSteps}) {
      const std::vector<RefStep> ref = random_chain(rng, count, int(t + count) % 4);
      std::vector<C> m(4 * count);
      std::vector<ChainStep<FP>> steps(count);
      for (unsigned i = 0; i < count; ++i) {
        for (unsigned e = 0; e < 4; ++e) m[4 * i + e] = C(FP(ref[i].m[e].real()), FP(ref[i].m[e].imag()));
        steps[i].kind = ref[i].kind == Kind::Diagonal ? BlockKind::Diagonal
                        : ref[i].kind == Kind::X      ? BlockKind::X
                                                      : BlockKind::Dense;
        steps[i].m = &m[4 * i];
        steps[i].re_density = ref[i].re_only;
      }
      // One step at a time.
      std::vector<C> ps = psi0, ls = lam0, Rs(4 * count, C(0));
      for (unsigned i = 0; i < count; ++i) {
        const BlockGate g = make_block_gate(n, steps[i].kind, 1, &t, 0);
        C none[4] = {};
        adjoint_step<FP>(ps.data(), ls.data(), g, &m[4 * i], ref[i].density ? &Rs[4 * i] : none,
                         ref[i].re_only);
      }
      std::vector<C> got_R[3];
      for (int threads = 1; threads <= 3; ++threads) {
        ScopedThreads scope(threads);
        std::vector<C> pc = psi0, lc = lam0, Rc(4 * count, C(0));
        for (unsigned i = 0; i < count; ++i) steps[i].R = ref[i].density ? &Rc[4 * i] : nullptr;
        adjoint_chain<FP>(pc.data(), lc.data(), n, t, steps.data(), count);
        // The random blocks are not unitary: errors relative to the largest amplitude.
        double err = 0, scale = 1;
        for (std::size_t i = 0; i < dim; ++i) {
          err = std::max({err, double(std::abs(pc[i] - ps[i])), double(std::abs(lc[i] - ls[i]))});
          scale = std::max({scale, double(std::abs(ps[i])), double(std::abs(ls[i]))});
        }
        EXPECT_LT(err, tol * scale) << "target " << t << " steps " << count;
        for (unsigned e = 0; e < 4 * count; ++e) {
          const C d = Rc[e] - Rs[e];
          const double diff = ref[e / 4].re_only ? std::abs(double(d.real())) : double(std::abs(d));
          EXPECT_LT(diff, tol * dim * scale * scale) << "target " << t << " entry " << e;
        }
        got_R[threads - 1] = Rc;
        if (threads > 1) {
          for (unsigned e = 0; e < 4 * count; ++e)
            EXPECT_EQ(got_R[0][e], Rc[e]) << threads << " threads, target " << t << " entry " << e;
        }
      }
    }
}

TEST(AdjointChain, EqualsOneStepAtATime) {
  check_against_steps<double>(1e-12);
  check_against_steps<float>(2e-5);
}

}  // namespace
}  // namespace qforge::sim
