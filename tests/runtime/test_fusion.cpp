// Fused circuits equal unfused ones (and the dense reference).
#include "test_util.hpp"

namespace qforge {
namespace {

using namespace qforge::test;

Circuit random_circuit(std::mt19937_64& rng, uint32_t n, int num_gates) {
  Circuit c = test::circuit(n);
  for (int i = 0; i < num_gates; ++i) c.ops.push_back(random_gate(rng, n, 2));
  return c;
}

template <typename FP>
class FusionTest : public ::testing::Test {};
using Precisions = ::testing::Types<float, double>;
TYPED_TEST_SUITE(FusionTest, Precisions);

TYPED_TEST(FusionTest, FusedEqualsUnfusedOnRandomCircuits) {
  using FP = TypeParam;
  std::mt19937_64 rng(2024);
  for (uint32_t n = 2; n <= 10; ++n) {
    const Circuit c = random_circuit(rng, n, 12 * int(n));
    const auto unfused = sim::simulate<FP>(c, {}, 0);
    for (unsigned w = 1; w <= 6; ++w) {
      const auto fused = sim::simulate<FP>(c, {}, w);
      EXPECT_LT(ref::max_abs_diff(to_eigen(fused), to_eigen(unfused)), 20 * tolerance<FP>())
          << n << " qubits, width " << w;
    }
    if (n <= 8) {
      const Eigen::VectorXcd want = ref::apply_unitary(c, ref::basis_state(n, 0));
      EXPECT_LT(ref::max_abs_diff(to_eigen(unfused), want), 20 * tolerance<FP>()) << n << " qubits";
    }
  }
}

// Small states, where the cost model weighs the fixed cost of each kernel
// call: every subset of 2 to 4 qubits of a 2- to 7-qubit state (blocks on
// the lowest qubits, blocks too small for the vector kernels, diagonal
// blocks), each with a run of random gates, then diagonal gates only, on
// those qubits, from a random state: the fused ops (default options and
// every width) equal the unfused ones and the dense reference.
TYPED_TEST(FusionTest, SmallStatesEveryQubitSubsetMatchesTheReference) {
  using FP = TypeParam;
  std::mt19937_64 rng(77);
  const GateId diagonal[] = {GateId::RZ, GateId::CP, GateId::CZ, GateId::T, GateId::RZZ};
  int blocks = 0;
  for (uint32_t n = 2; n <= 7; ++n) {
    for (uint64_t subset = 1; subset < (uint64_t(1) << n); ++subset) {
      const unsigned k = unsigned(__builtin_popcountll(subset));
      if (k < 2 || k > 4) continue;
      std::vector<uint32_t> qubits;
      for (uint32_t q = 0; q < n; ++q)
        if (subset >> q & 1) qubits.push_back(q);
      for (bool diagonal_only : {false, true}) {
        Circuit c = test::circuit(n);
        for (unsigned i = 0; i < 3 * k; ++i) {
          Operation op;
          if (diagonal_only) {
            const GateId g = diagonal[rng() % 5];
            const GateInfo& info = gate_info(g);
            std::vector<double> p(info.num_params, 0.1 + 0.2 * double(i));
            op = gate(g, random_qubits(rng, k, info.num_qubits), p);
          } else {
            op = random_gate(rng, k, 1);
          }
          for (auto& q : op.qubits) q = qubits[q];
          c.ops.push_back(op);
        }
        const Eigen::VectorXcd start = ref::random_state(n, rng);
        const Eigen::VectorXcd want = ref::apply_unitary(c, start);
        const std::vector<sim::GateOp> ops = sim::evaluate_gates(c, {});
        for (unsigned w : {4u, 2u, 3u, 5u}) {
          sim::StateVector<FP> s = from_eigen<FP>(start, n);
          const std::vector<sim::GateOp> fused = sim::fuse(ops, w);
          for (const auto& g : fused) sim::apply(s, g);
          blocks += fused.size() < ops.size();
          EXPECT_LT(ref::max_abs_diff(to_eigen(s), want), 50 * tolerance<FP>())
              << n << " qubits, subset " << subset << ", width " << w << (diagonal_only ? ", diagonal" : "");
        }
      }
    }
  }
  EXPECT_GT(blocks, 0);
}

// The upper end of the small-state table (11 to 14 qubits): random gates,
// most of them on the lowest 5 qubits (octet kernels), fused with the cost
// model at every width, equal the unfused state.
TYPED_TEST(FusionTest, FusedEqualsUnfusedUpTo14Qubits) {
  using FP = TypeParam;
  std::mt19937_64 rng(11);
  for (uint32_t n = 11; n <= 14; ++n) {
    Circuit c = test::circuit(n);
    for (int i = 0; i < 60; ++i) {
      Operation op = random_gate(rng, i % 3 ? 5 : n, 2);
      c.ops.push_back(op);
    }
    sim::StateVector<FP> unfused = from_eigen<FP>(ref::random_state(n, rng), n);
    sim::StateVector<FP> start = unfused;
    const std::vector<sim::GateOp> ops = sim::evaluate_gates(c, {});
    for (const auto& g : ops) sim::apply(unfused, g);
    for (unsigned w = 2; w <= 6; ++w) {
      sim::StateVector<FP> s = start;
      for (const auto& g : sim::fuse(ops, w)) sim::apply(s, g);
      EXPECT_LT(ref::max_abs_diff(to_eigen(s), to_eigen(unfused)), 50 * tolerance<FP>())
          << n << " qubits, width " << w;
    }
  }
}

// Below about 10 qubits a kernel call costs more than its passes (bench_simulator
// --small, one thread: on 8 qubits a CX or Toffoli on qubits 4-7 takes
// 0.40 us, a dense 4-qubit block on them 1.1 us), so six of them become one
// block. In cache (18 qubits: each CX or Toffoli about a third of a pass,
// a dense 4-qubit block 4.5 passes), they keep their own kernels.
TEST(Fusion, SmallStatesMergeCheapGatesThatLargerStatesKeep) {
  const auto six = [](uint32_t n) {
    Circuit c = test::circuit(n);
    c.ops.push_back(gate(GateId::H, {n - 1}));
    c.ops.push_back(gate(GateId::CCX, {4, 5, 6}));
    c.ops.push_back(gate(GateId::CX, {4, 5}));
    c.ops.push_back(gate(GateId::CCX, {5, 6, 7}));
    c.ops.push_back(gate(GateId::CX, {6, 7}));
    c.ops.push_back(gate(GateId::CCX, {4, 6, 7}));
    c.ops.push_back(gate(GateId::CX, {4, 7}));
    return sim::evaluate_gates(c, {});
  };
  // On 8 qubits the H on qubit 7 joins the block too.
  const auto small = sim::fuse(six(8), 4);
  ASSERT_EQ(small.size(), 1u);
  EXPECT_EQ(small[0].kind, sim::KernelKind::Dense);
  EXPECT_EQ(small[0].qubit_mask(), 0xF0u);
  EXPECT_EQ(sim::fuse(six(18), 4).size(), 7u);
}

TEST(Fusion, BlocksRespectWidthAndReduceOps) {
  std::mt19937_64 rng(3);
  const Circuit c = random_circuit(rng, 8, 200);
  const auto ops = sim::evaluate_gates(c, {});
  for (unsigned w = 1; w <= 5; ++w) {
    const auto fused = sim::fuse(ops, w);
    EXPECT_LE(fused.size(), ops.size());
    for (const auto& g : fused) {
      const unsigned width = unsigned(__builtin_popcountll(g.qubit_mask()));
      // Only gates already wider than w may be wider than w, unchanged.
      if (width > w) {
        ASSERT_LT(g.source, c.ops.size());
        EXPECT_EQ(g.qubit_mask(), sim::evaluate_gate(c.ops[g.source], nullptr).qubit_mask());
      }
    }
  }
  EXPECT_LT(sim::fuse(ops, 4).size(), ops.size());
  // On 4 qubits, width 4 fuses everything into one op.
  const Circuit small = random_circuit(rng, 4, 50);
  EXPECT_EQ(sim::fuse(sim::evaluate_gates(small, {}), 4).size(), 1u);
}

TEST(Fusion, DiagonalRunsStayDiagonal) {
  Circuit c = test::circuit(3);
  c.ops.push_back(gate(GateId::CP, {0, 1}, {0.3}));
  c.ops.push_back(gate(GateId::RZ, {1}, {0.2}));
  c.ops.push_back(gate(GateId::CZ, {1, 2}));
  const auto fused = sim::fuse(sim::evaluate_gates(c, {}), 3);
  ASSERT_EQ(fused.size(), 1u);
  EXPECT_EQ(fused[0].kind, sim::KernelKind::Diagonal);
}

// Brickwork on 2 qubits fuses into a single op at width 2.
TEST(Fusion, BrickworkLayersMergeIntoOneBlock) {
  Circuit c = test::circuit(2);
  for (int layer = 0; layer < 3; ++layer) {
    c.ops.push_back(gate(GateId::RY, {0}, {0.1 * layer}));
    c.ops.push_back(gate(GateId::RX, {1}, {0.2 * layer + 0.1}));
    c.ops.push_back(gate(GateId::CX, {0, 1}));
  }
  EXPECT_EQ(sim::fuse(sim::evaluate_gates(c, {}), 2).size(), 1u);
}

}  // namespace
}  // namespace qforge
