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
