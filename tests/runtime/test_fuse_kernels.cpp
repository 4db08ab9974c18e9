// The fuser's cost model and the dense block kernels it relies on:
//  - apply_dense on every target position (including the vector-lane
//    kernels for targets among qubits 0..2) against a plain matrix-vector
//    product written here, for 1 to 5 targets with and without controls;
//  - fused = unfused (and the dense reference on small circuits) for every
//    width, with and without the cost model, in both precisions, and every
//    block shape the fuser emits is seen at least once;
//  - the adjoint gradient on states beyond the block index tables (12 and
//    16 qubits) against central finite differences of the unfused
//    simulator's <Z> readout, and the same gradient on 1 and 2 threads.
#include "batch_test_util.hpp"
#include "qforge/batch.hpp"
#include "qforge/kernels.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>

namespace qforge {
namespace {

using namespace qforge::test;
using cd = std::complex<double>;

template <typename FP>
class DenseKernels : public ::testing::Test {};
using Precisions = ::testing::Types<float, double>;
TYPED_TEST_SUITE(DenseKernels, Precisions);

TYPED_TEST(DenseKernels, EveryTargetPositionMatchesThePlainProduct) {
  using FP = TypeParam;
  std::mt19937_64 rng(17);
  std::normal_distribution<double> g;
  for (unsigned n : {5u, 7u, 9u}) {
    for (unsigned k = 1; k <= 5 && k < n; ++k) {
      // Every set of low targets (qubits 0..2) appears: draw until each
      // (low mask, control kind) pair was tested.
      std::set<std::pair<unsigned, int>> seen;
      for (int trial = 0; trial < 400; ++trial) {
        const std::vector<uint32_t> q = random_qubits(rng, n, std::min(n, k + 2));
        std::vector<unsigned> targets(q.begin(), q.begin() + k);
        uint64_t ctrl = 0;
        const int ctrl_kind = int(rng() % 3);  // 0: none, 1: a control >= 3 if any, 2: any control
        for (std::size_t j = k; j < q.size(); ++j) {
          if (ctrl_kind == 0) break;
          if (ctrl_kind == 1 && q[j] < 3) continue;
          ctrl |= uint64_t(1) << q[j];
          break;
        }
        unsigned low = 0;
        for (unsigned t : targets)
          if (t < 3) low |= 1u << t;
        seen.insert({low, ctrl ? (ctrl & 7 ? 2 : 1) : 0});
        const std::size_t d = std::size_t(1) << k;
        std::vector<cd> m(d * d), psi(std::size_t(1) << n);
        for (auto& x : m) x = {g(rng), g(rng)};
        for (auto& x : psi) x = {g(rng), g(rng)};
        sim::StateVector<FP> s(n);
        s.assign(psi.data());
        std::vector<std::complex<FP>> mf(m.begin(), m.end());
        sim::apply_dense<FP>(s.data(), n, targets.data(), k, mf.data(), ctrl);
        // The plain product of the rounded inputs, so only the kernel's own rounding differs.
        std::vector<cd> in(psi.size()), mr(m.size());
        for (std::size_t i = 0; i < psi.size(); ++i) in[i] = cd(std::complex<FP>(psi[i]));
        for (std::size_t i = 0; i < m.size(); ++i) mr[i] = cd(mf[i]);
        const std::vector<cd> want = plain_product(in, n, targets, mr, ctrl);
        double err = 0;
        for (std::size_t i = 0; i < want.size(); ++i) err = std::max(err, std::abs(cd(s[i]) - want[i]));
        ASSERT_LT(err, (sizeof(FP) == 4 ? 2e-5 : 1e-12) * double(d) * 4)
            << n << " qubits, k " << k << ", low mask " << low << ", ctrl " << ctrl;
      }
      if (k >= 3 && n >= k + 3) {
        // Each of the 8 low masks with controls >= 3 or none.
        for (unsigned low = 0; low < 8; ++low)
          EXPECT_TRUE(seen.count({low, 0}) || seen.count({low, 1}))
              << n << " qubits, k " << k << ": low mask " << low << " never drawn";
      }
    }
  }
}

// Brickwork layers, ladders of controlled phases and random gates with controls.
Circuit mixed_circuit(std::mt19937_64& rng, uint32_t n, int layers) {
  Circuit c = test::circuit(n);
  std::uniform_real_distribution<double> angle(-3, 3);
  const GateId rot[3] = {GateId::RX, GateId::RY, GateId::RZ};
  for (int l = 0; l < layers; ++l) {
    for (uint32_t q = 0; q < n; ++q) c.ops.push_back(gate(rot[rng() % 3], {q}, {angle(rng)}));
    for (uint32_t q = uint32_t(l % 2); q + 1 < n; q += 2) c.ops.push_back(gate(l % 2 ? GateId::CZ : GateId::CX, {q, q + 1}));
    for (uint32_t q = 1; q < n; ++q) c.ops.push_back(gate(GateId::CP, {0, q}, {angle(rng)}));
    for (int i = 0; i < int(n); ++i) c.ops.push_back(random_gate(rng, n, 2));
  }
  return c;
}

template <typename FP>
class CostFusion : public ::testing::Test {};
TYPED_TEST_SUITE(CostFusion, Precisions);

TYPED_TEST(CostFusion, FusedEqualsUnfusedForEveryWidthAndBlockShape) {
  using FP = TypeParam;
  std::mt19937_64 rng(99);
  // Shapes emitted: (kind, width) for dense and diagonal blocks.
  std::set<std::pair<int, unsigned>> shapes;
  for (uint32_t n = 2; n <= 12; ++n) {
    const Circuit c = mixed_circuit(rng, n, n <= 4 ? 12 : 3);
    const std::vector<sim::GateOp> ops = sim::evaluate_gates(c, {});
    sim::StateVector<FP> unfused(n);
    for (const auto& op : ops) sim::apply(unfused, op);
    if (n <= 8) {
      const Eigen::VectorXcd want = ref::apply_unitary(c, ref::basis_state(n, 0));
      EXPECT_LT(ref::max_abs_diff(to_eigen(unfused), want), 50 * tolerance<FP>()) << n << " qubits";
    }
    for (bool costed : {true, false}) {
      for (unsigned w = 0; w <= 6; ++w) {
        sim::FusionOptions o;
        o.max_width = w;
        o.cost_model = costed;
        const std::vector<sim::GateOp> fused = sim::fuse(ops, o);
        sim::StateVector<FP> s(n);
        for (const auto& op : fused) {
          const unsigned width = unsigned(__builtin_popcountll(op.qubit_mask()));
          if (op.source != SIZE_MAX && width > std::max(w, 1u)) {
            // Only a gate already wider than w may be wider than w, unchanged.
            EXPECT_EQ(op.qubit_mask(), sim::evaluate_gate(c.ops[op.source], nullptr).qubit_mask());
          }
          if (op.kind == sim::KernelKind::Dense || op.kind == sim::KernelKind::Diagonal)
            shapes.insert({int(op.kind), unsigned(op.targets.size())});
          sim::apply(s, op);
        }
        EXPECT_LT(ref::max_abs_diff(to_eigen(s), to_eigen(unfused)), 50 * tolerance<FP>())
            << n << " qubits, width " << w << (costed ? ", cost model" : ", greedy");
      }
    }
  }
  for (unsigned k = 1; k <= 6; ++k)
    EXPECT_TRUE(shapes.count({int(sim::KernelKind::Dense), k})) << "no dense block of " << k << " targets";
  for (unsigned k = 1; k <= 4; ++k)
    EXPECT_TRUE(shapes.count({int(sim::KernelKind::Diagonal), k})) << "no diagonal block of " << k << " targets";
}

// The cost model's choices, derived by hand from its tables. Beyond the
// cache (highest qubit 23; passes over the state: a 1-qubit dense gate 1, a
// 2-qubit dense block 1.25, a 3-qubit one 1.9, a controlled phase on two
// qubits >= 10 a quarter): H and the two controlled phases on (21, 23)
// become one 2-qubit block (1.25 < 1.5), the phase on (22, 23) keeps its
// own kernel (a 3-qubit block, 1.9, > 1.25 + 0.25). On a small state (10
// qubits: every call 0.76 passes besides its work, a 2-qubit block on
// qubits >= 2 1.45, a rotation on qubit 2 1.6, a CX on it 1.0), a run of 6
// rotations and 6 CX on 2 qubits becomes one block (2.2 < 24).
TEST(CostFusion, KeepsCheapGatesAndMergesRuns) {
  Circuit c = test::circuit(24);
  c.ops.push_back(gate(GateId::H, {23}));
  c.ops.push_back(gate(GateId::CP, {21, 23}, {0.3}));
  c.ops.push_back(gate(GateId::CP, {21, 23}, {0.4}));
  c.ops.push_back(gate(GateId::CP, {22, 23}, {0.2}));
  const auto fused = sim::fuse(sim::evaluate_gates(c, {}), 4);
  ASSERT_EQ(fused.size(), 2u);
  EXPECT_EQ(fused[0].kind, sim::KernelKind::Dense);
  EXPECT_EQ(fused[0].targets, (std::vector<unsigned>{23, 21}));
  EXPECT_EQ(fused[1].kind, sim::KernelKind::Phase);
  Circuit run = test::circuit(10);
  for (int i = 0; i < 6; ++i) {
    run.ops.push_back(gate(GateId::RY, {2}, {0.1 * i}));
    run.ops.push_back(gate(GateId::CX, {2, 7}));
  }
  EXPECT_EQ(sim::fuse(sim::evaluate_gates(run, {}), 4).size(), 1u);
  // Without the cost model, width 4 merges the phases into the H block.
  sim::FusionOptions greedy;
  greedy.cost_model = false;
  EXPECT_EQ(sim::fuse(sim::evaluate_gates(c, {}), greedy).size(), 1u);
}

// sum_q g_q <Z_q> of the unfused simulator's state.
double weighted_z(const Circuit& c, const std::vector<double>& in, const std::vector<double>& g) {
  const sim::StateVector<double> s = sim::simulate<double>(c, in, 0);
  double e = 0;
  for (uint64_t i = 0; i < s.size(); ++i) {
    const double p = std::norm(s[i]);
    for (unsigned q = 0; q < c.num_qubits; ++q) e += g[q] * p * ((i >> q & 1) ? -1.0 : 1.0);
  }
  return e;
}

class LargeAdjoint : public ::testing::TestWithParam<unsigned> {};

TEST_P(LargeAdjoint, MatchesFiniteDifferencesOnOneAndTwoThreads) {
  const unsigned n = GetParam();
  const int nsym = 4;
  std::mt19937_64 rng(1000 + n);
  const Circuit c = compile_text(random_qasm(rng, n, nsym, 6 * int(n)));
  sim::BatchOptions opt;
  opt.readout = sim::Readout::expectation_z();
  sim::BatchCircuit bc(c, opt);
  const std::vector<double> in = random_vec(nsym, n), g = random_vec(n, n + 1);
  std::vector<double> grad1(nsym), grad2(nsym);
  {
    sim::ScopedThreads one(1);
    bc.backward<double>(1, in, {}, {}, g, grad1, {});
  }
  {
    sim::ScopedThreads two(2);
    bc.backward<double>(1, in, {}, {}, g, grad2, {});
  }
  const double h = 1e-5;
  for (int s = 0; s < nsym; ++s) {
    std::vector<double> up = in, down = in;
    up[s] += h;
    down[s] -= h;
    const double fd = (weighted_z(c, up, g) - weighted_z(c, down, g)) / (2 * h);
    EXPECT_NEAR(grad1[s], fd, 1e-6 * (1 + std::abs(fd))) << n << " qubits, symbol " << s;
    // The density is summed in fixed blocks: the same bits on any thread count.
    EXPECT_EQ(grad1[s], grad2[s]) << n << " qubits, symbol " << s;
  }
  // Single precision: the same gradient to its rounding.
  std::vector<float> inf(in.begin(), in.end()), gf(g.begin(), g.end()), grad32(nsym);
  bc.backward<float>(1, inf, {}, {}, gf, grad32, {});
  for (int s = 0; s < nsym; ++s) EXPECT_NEAR(grad32[s], grad1[s], 2e-3 * (1 + std::abs(grad1[s])));
}

INSTANTIATE_TEST_SUITE_P(Qubits, LargeAdjoint, ::testing::Values(12u, 16u));

}  // namespace
}  // namespace qforge
