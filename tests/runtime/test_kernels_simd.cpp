// The vector kernels for dense and diagonal blocks against a plain
// matrix-vector product written here (one basis block at a time, in
// std::complex<double>), on random blocks whose lowest qubit takes every
// position of the state, with and without a control: the interleaved dense
// kernel (2-4 targets, all qubits >= 2 in double, >= 3 in single), the lane
// kernels it leaves the lowest qubits to, and the run-wise diagonal kernel.
// And the fuser's blocks whose permutations cancel (a controlled phase
// written as cx, u1, cx): costed and emitted as diagonal ops, equal to the
// unfused circuit in and beyond the cache.
#include "qforge/kernels.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace qforge {
namespace {

using namespace qforge::test;
using cd = std::complex<double>;

template <typename FP>
double tolerance_of() {
  return std::is_same_v<FP, double> ? 1e-12 : 1e-5;
}

/// A random block: `k` targets whose lowest is `low` (the others above it,
/// in random order) and, when `with_ctrl`, one control elsewhere.
struct RandomBlock {
  std::vector<unsigned> targets;
  uint64_t ctrl = 0;
};
RandomBlock random_block(std::mt19937_64& rng, unsigned n, unsigned k, unsigned low, bool with_ctrl) {
  RandomBlock b;
  std::vector<unsigned> above;
  for (unsigned q = low + 1; q < n; ++q) above.push_back(q);
  std::shuffle(above.begin(), above.end(), rng);
  b.targets.push_back(low);
  b.targets.insert(b.targets.end(), above.begin(), above.begin() + (k - 1));
  std::shuffle(b.targets.begin(), b.targets.end(), rng);
  if (with_ctrl) {
    std::vector<unsigned> free;
    for (unsigned q = 0; q < n; ++q)
      if (std::find(b.targets.begin(), b.targets.end(), q) == b.targets.end()) free.push_back(q);
    b.ctrl = uint64_t(1) << free[rng() % free.size()];
  }
  return b;
}

std::vector<cd> random_amplitudes(std::mt19937_64& rng, std::size_t count) {
  std::normal_distribution<double> g;
  std::vector<cd> v(count);
  for (auto& x : v) x = {g(rng), g(rng)};
  return v;
}

template <typename FP>
class SimdKernels : public ::testing::Test {};
using Precisions = ::testing::Types<float, double>;
TYPED_TEST_SUITE(SimdKernels, Precisions);

// 9 qubits: runs of every length up to the block; 15: past the threshold
// where the kernels split work over OpenMP threads.
TYPED_TEST(SimdKernels, DenseBlocksOnEveryLowestQubitMatchThePlainProduct) {
  using FP = TypeParam;
  std::mt19937_64 rng(41);
  for (unsigned n : {9u, 15u}) {
    const double scale = 1 / std::sqrt(double(uint64_t(1) << n));
    for (unsigned k = 1; k <= 4; ++k)
      for (unsigned low = 0; low + k <= n; ++low)
        for (bool with_ctrl : {false, true}) {
          if (with_ctrl && k == n) continue;
          const RandomBlock b = random_block(rng, n, k, low, with_ctrl);
          std::vector<cd> m = random_amplitudes(rng, std::size_t(1) << (2 * k));
          for (auto& x : m) x *= 0.5;
          std::vector<cd> psi = random_amplitudes(rng, std::size_t(1) << n);
          for (auto& x : psi) x *= scale;
          const std::vector<cd> want = plain_product(psi, n, b.targets, m, b.ctrl);
          std::vector<std::complex<FP>> s(psi.begin(), psi.end());
          const std::vector<std::complex<FP>> mf(m.begin(), m.end());
          sim::apply_dense<FP>(s.data(), n, b.targets.data(), k, mf.data(), b.ctrl);
          double err = 0;
          for (std::size_t i = 0; i < s.size(); ++i) err = std::max(err, std::abs(cd(s[i]) - want[i]));
          EXPECT_LT(err, tolerance_of<FP>()) << n << " qubits, " << k << " targets, lowest " << low
                                             << (with_ctrl ? ", controlled" : "");
        }
  }
}

TYPED_TEST(SimdKernels, DiagonalBlocksOnEveryLowestQubitMatchThePlainProduct) {
  using FP = TypeParam;
  std::mt19937_64 rng(43);
  for (unsigned n : {9u, 15u}) {
    for (unsigned k = 1; k <= 4; ++k)
      for (unsigned low = 0; low + k <= n; ++low)
        for (bool with_ctrl : {false, true}) {
          if (with_ctrl && k == n) continue;
          const RandomBlock b = random_block(rng, n, k, low, with_ctrl);
          const std::size_t d = std::size_t(1) << k;
          const std::vector<cd> diag = random_amplitudes(rng, d);
          std::vector<cd> m(d * d, 0);
          for (std::size_t r = 0; r < d; ++r) m[r * d + r] = diag[r];
          const std::vector<cd> psi = random_amplitudes(rng, std::size_t(1) << n);
          const std::vector<cd> want = plain_product(psi, n, b.targets, m, b.ctrl);
          std::vector<std::complex<FP>> s(psi.begin(), psi.end());
          const std::vector<std::complex<FP>> df(diag.begin(), diag.end());
          sim::apply_diagonal<FP>(s.data(), n, b.targets.data(), k, df.data(), b.ctrl);
          double err = 0;
          for (std::size_t i = 0; i < s.size(); ++i) err = std::max(err, std::abs(cd(s[i]) - want[i]));
          // Amplitudes of size ~1 here: relative to them.
          EXPECT_LT(err, 10 * tolerance_of<FP>()) << n << " qubits, " << k << " targets, lowest " << low
                                                  << (with_ctrl ? ", controlled" : "");
        }
  }
}

/// Controlled phases on (c, t) written as QASMBench writes them: u1(a) c;
/// cx c,t; u1(-a) t; cx c,t; u1(a) t.
void add_decomposed_cp(Circuit& c, uint32_t ctl, uint32_t tgt, double a) {
  c.ops.push_back(gate(GateId::U1, {ctl}, {a}));
  c.ops.push_back(gate(GateId::CX, {ctl, tgt}));
  c.ops.push_back(gate(GateId::U1, {tgt}, {-a}));
  c.ops.push_back(gate(GateId::CX, {ctl, tgt}));
  c.ops.push_back(gate(GateId::U1, {tgt}, {a}));
}

// In cache (10 qubits): three decomposed controlled phases among qubits 1,
// 4, 6 and 8 cost 3 x (3 phases on half the state at 0.5 and 2 CX at 0.3)
// = 6.3 passes apart and 0.9 as one diagonal block: the cost model must see
// the block as diagonal (its CX cancel), not as a 4-qubit dense block
// (4.5), and emit one Diagonal op.
TEST(FusionStructure, CancellingPermutationsMakeOneDiagonalBlock) {
  Circuit c = test::circuit(10);
  add_decomposed_cp(c, 1, 4, 0.3);
  add_decomposed_cp(c, 6, 4, 0.7);
  add_decomposed_cp(c, 8, 1, -1.1);
  const std::vector<sim::GateOp> ops = sim::evaluate_gates(c, {});
  const auto fused = sim::fuse(ops, 4);
  ASSERT_EQ(fused.size(), 1u);
  EXPECT_EQ(fused[0].kind, sim::KernelKind::Diagonal);
  EXPECT_EQ(fused[0].qubit_mask(), uint64_t((1u << 1) | (1u << 4) | (1u << 6) | (1u << 8)));
  std::mt19937_64 rng(5);
  const Eigen::VectorXcd start = ref::random_state(10, rng);
  sim::StateVector<double> a(10), b(10);
  for (Eigen::Index i = 0; i < start.size(); ++i) a.data()[i] = b.data()[i] = start[i];
  for (const auto& g : ops) sim::apply(a, g);
  for (const auto& g : fused) sim::apply(b, g);
  EXPECT_LT(ref::max_abs_diff(to_eigen(a), to_eigen(b)), 1e-12);
}

// Beyond the cache (highest qubit 21, both precisions) and in it, with
// every width: random circuits of decomposed controlled phases, CX, swaps
// and rotations fuse to lists equal to the unfused one.
template <typename FP>
class FusionStructureBoth : public ::testing::Test {};
TYPED_TEST_SUITE(FusionStructureBoth, Precisions);

TYPED_TEST(FusionStructureBoth, PermutationAndPhaseCircuitsFusedEqualUnfused) {
  using FP = TypeParam;
  std::mt19937_64 rng(47);
  std::uniform_real_distribution<double> angle(-M_PI, M_PI);
  for (unsigned n : {8u, 22u}) {
    Circuit c = test::circuit(n);
    const unsigned gates = n > 12 ? 40 : 120;
    for (unsigned i = 0; i < gates; ++i) {
      const std::vector<uint32_t> q = random_qubits(rng, n, 3);
      switch (rng() % 5) {
        case 0: add_decomposed_cp(c, q[0], q[1], angle(rng)); break;
        case 1: c.ops.push_back(gate(GateId::CX, {q[0], q[1]})); break;
        case 2: c.ops.push_back(gate(GateId::CCX, {q[0], q[1], q[2]})); break;
        case 3: c.ops.push_back(gate(GateId::Swap, {q[0], q[1]})); break;
        default: c.ops.push_back(gate(GateId::RY, {q[0]}, {angle(rng)})); break;
      }
    }
    const std::vector<sim::GateOp> ops = sim::evaluate_gates(c, {});
    const Eigen::VectorXcd start = ref::random_state(n, rng);
    sim::StateVector<FP> want(n);
    for (Eigen::Index i = 0; i < start.size(); ++i) want.data()[i] = std::complex<FP>(start[i]);
    sim::StateVector<FP> s = want;
    for (const auto& g : ops) sim::apply(want, g);
    for (unsigned w = 2; w <= 4; ++w) {
      for (std::size_t i = 0; i < s.size(); ++i) s.data()[i] = std::complex<FP>(start[Eigen::Index(i)]);
      for (const auto& g : sim::fuse(ops, w)) sim::apply(s, g);
      double err = 0;
      for (std::size_t i = 0; i < s.size(); ++i)
        err = std::max(err, std::abs(std::complex<double>(s.data()[i]) - std::complex<double>(want.data()[i])));
      EXPECT_LT(err, 50 * tolerance_of<FP>() / std::sqrt(double(s.size()))) << n << " qubits, width " << w;
    }
  }
}

}  // namespace
}  // namespace qforge
