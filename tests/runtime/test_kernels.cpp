// Every kernel and every table gate against the dense reference, in single
// and double precision, with extra controls, on random states.
#include "test_util.hpp"

#include "qforge/kernels.hpp"

#include <Eigen/QR>

#include <random>
#include <string>

namespace qforge {
namespace {

using namespace qforge::test;
using cd = std::complex<double>;

template <typename FP>
class KernelTest : public ::testing::Test {};
using Precisions = ::testing::Types<float, double>;
TYPED_TEST_SUITE(KernelTest, Precisions);

Eigen::MatrixXcd random_unitary(std::mt19937_64& rng, Eigen::Index d) {
  std::normal_distribution<double> g;
  Eigen::MatrixXcd a(d, d);
  for (Eigen::Index i = 0; i < d; ++i)
    for (Eigen::Index j = 0; j < d; ++j) a(i, j) = {g(rng), g(rng)};
  Eigen::HouseholderQR<Eigen::MatrixXcd> qr(a);
  return qr.householderQ();
}

template <typename FP>
std::vector<std::complex<FP>> to_fp(const Eigen::MatrixXcd& m) {  // row-major
  std::vector<std::complex<FP>> out;
  for (Eigen::Index r = 0; r < m.rows(); ++r)
    for (Eigen::Index c = 0; c < m.cols(); ++c) out.emplace_back(FP(m(r, c).real()), FP(m(r, c).imag()));
  return out;
}

uint64_t mask_of(const std::vector<uint32_t>& qs) {
  uint64_t m = 0;
  for (auto q : qs) m |= uint64_t(1) << q;
  return m;
}

// Every gate of the table, with 0-2 extra controls, on random qubits of a
// random 6-qubit state, equals the reference's Kronecker-product unitary.
TYPED_TEST(KernelTest, EveryTableGateMatchesDenseReference) {
  using FP = TypeParam;
  std::mt19937_64 rng(1234);
  const uint32_t n = 6;
  for (std::size_t gi = 0; gi < kNumGates; ++gi) {
    const GateId g = GateId(gi);
    const GateInfo& info = gate_info(g);
    for (unsigned extra = 0; extra <= 2; ++extra) {
      for (int rep = 0; rep < 4; ++rep) {
        std::vector<double> params(info.num_params);
        for (auto& p : params) p = std::uniform_real_distribution<double>(-7, 7)(rng);
        const Operation op = gate(g, random_qubits(rng, n, info.num_qubits + extra), params, uint8_t(extra));
        const Eigen::VectorXcd psi = ref::random_state(n, rng);
        const Eigen::VectorXcd want = ref::operation_unitary(op, n) * psi;
        auto s = from_eigen<FP>(psi, n);
        sim::apply_gate(s, op, nullptr);
        EXPECT_LT(ref::max_abs_diff(to_eigen(s), want), tolerance<FP>())
            << info.name << " with " << extra << " extra controls";
        EXPECT_NEAR(s.norm_squared(), 1.0, 10 * tolerance<FP>()) << info.name;
      }
    }
  }
}

// The gate's inverse undoes it, and its local matrix is unitary.
TYPED_TEST(KernelTest, InverseUndoesGateAndMatrixIsUnitary) {
  using FP = TypeParam;
  std::mt19937_64 rng(99);
  const uint32_t n = 5;
  for (int rep = 0; rep < 300; ++rep) {
    const Operation op = random_gate(rng, n, 2);
    const sim::GateOp g = sim::evaluate_gate(op, nullptr);
    const Eigen::VectorXcd psi = ref::random_state(n, rng);
    auto s = from_eigen<FP>(psi, n);
    sim::apply(s, g);
    sim::apply(s, sim::inverse(g));
    EXPECT_LT(ref::max_abs_diff(to_eigen(s), psi), 4 * tolerance<FP>()) << gate_info(op.gate).name;
    const auto u = sim::local_matrix(g);
    const Eigen::Index d = Eigen::Index(std::sqrt(double(u.size())) + 0.5);
    Eigen::MatrixXcd m(d, d);
    for (Eigen::Index r = 0; r < d; ++r)
      for (Eigen::Index c = 0; c < d; ++c) m(r, c) = u[std::size_t(r * d + c)];
    EXPECT_LT((m * m.adjoint() - Eigen::MatrixXcd::Identity(d, d)).cwiseAbs().maxCoeff(), 1e-12);
  }
}

// Raw kernels: dense k = 1..6 with random controls, on a 9-qubit state.
TYPED_TEST(KernelTest, DenseKernelAllWidthsWithControls) {
  using FP = TypeParam;
  std::mt19937_64 rng(7);
  const uint32_t n = 9;
  for (unsigned k = 1; k <= sim::kMaxDenseQubits; ++k) {
    for (unsigned nc = 0; nc <= 2; ++nc) {
      const auto qs = random_qubits(rng, n, k + nc);
      std::vector<uint32_t> ctrls(qs.begin(), qs.begin() + nc), targets(qs.begin() + nc, qs.end());
      const Eigen::MatrixXcd u = random_unitary(rng, Eigen::Index(1) << k);
      const Eigen::VectorXcd psi = ref::random_state(n, rng);
      const Eigen::VectorXcd want = ref::embed(ref::add_controls(u, nc), qs, n) * psi;
      auto s = from_eigen<FP>(psi, n);
      const auto m = to_fp<FP>(u);
      std::vector<unsigned> t(targets.begin(), targets.end());
      sim::apply_dense<FP>(s.data(), n, t.data(), k, m.data(), mask_of(ctrls));
      EXPECT_LT(ref::max_abs_diff(to_eigen(s), want), 4 * tolerance<FP>()) << "k=" << k << " controls=" << nc;
    }
  }
  // Only qubits >= 3: the kernel's contiguous (vector load) path.
  for (unsigned k = 2; k <= 5; ++k) {
    std::vector<uint32_t> qs = random_qubits(rng, n - 3, k + 1);
    for (auto& q : qs) q += 3;
    const std::vector<uint32_t> targets(qs.begin() + 1, qs.end());
    const Eigen::MatrixXcd u = random_unitary(rng, Eigen::Index(1) << k);
    const Eigen::VectorXcd psi = ref::random_state(n, rng);
    const Eigen::VectorXcd want = ref::embed(ref::add_controls(u, 1), qs, n) * psi;
    auto s = from_eigen<FP>(psi, n);
    const auto m = to_fp<FP>(u);
    std::vector<unsigned> t(targets.begin(), targets.end());
    sim::apply_dense<FP>(s.data(), n, t.data(), k, m.data(), uint64_t(1) << qs[0]);
    EXPECT_LT(ref::max_abs_diff(to_eigen(s), want), 4 * tolerance<FP>()) << "contiguous k=" << k;
  }
}

TYPED_TEST(KernelTest, DiagonalPhaseXSwapKernelsWithControls) {
  using FP = TypeParam;
  std::mt19937_64 rng(11);
  const uint32_t n = 8;
  std::uniform_real_distribution<double> ang(-M_PI, M_PI);
  for (int rep = 0; rep < 20; ++rep) {
    const unsigned k = 1 + rep % 4, nc = rep % 3;
    const auto qs = random_qubits(rng, n, k + nc);
    std::vector<uint32_t> ctrls(qs.begin(), qs.begin() + nc), targets(qs.begin() + nc, qs.end());
    const uint64_t cm = mask_of(ctrls);
    std::vector<unsigned> t(targets.begin(), targets.end());
    const Eigen::VectorXcd psi = ref::random_state(n, rng);
    {  // diagonal
      Eigen::MatrixXcd d = Eigen::MatrixXcd::Zero(1 << k, 1 << k);
      for (int i = 0; i < (1 << k); ++i) d(i, i) = std::polar(1.0, ang(rng));
      auto s = from_eigen<FP>(psi, n);
      std::vector<std::complex<FP>> diag;
      for (int i = 0; i < (1 << k); ++i) diag.emplace_back(FP(d(i, i).real()), FP(d(i, i).imag()));
      sim::apply_diagonal<FP>(s.data(), n, t.data(), k, diag.data(), cm);
      EXPECT_LT(ref::max_abs_diff(to_eigen(s), ref::embed(ref::add_controls(d, nc), qs, n) * psi), 4 * tolerance<FP>());
    }
    {  // phase on all of controls and targets
      const cd ph = std::polar(1.0, ang(rng));
      Eigen::MatrixXcd d = Eigen::MatrixXcd::Identity(1 << (k + nc), 1 << (k + nc));
      d((1 << (k + nc)) - 1, (1 << (k + nc)) - 1) = ph;
      auto s = from_eigen<FP>(psi, n);
      sim::apply_phase<FP>(s.data(), n, cm | mask_of(targets), std::complex<FP>(FP(ph.real()), FP(ph.imag())));
      EXPECT_LT(ref::max_abs_diff(to_eigen(s), ref::embed(d, qs, n) * psi), 4 * tolerance<FP>());
    }
    {  // X on targets[0]
      std::vector<uint32_t> q2(ctrls);
      q2.push_back(targets[0]);
      auto s = from_eigen<FP>(psi, n);
      sim::apply_x<FP>(s.data(), n, t[0], cm);
      EXPECT_LT(ref::max_abs_diff(to_eigen(s), ref::embed(ref::add_controls(ref::gate_unitary(GateId::X, {}), nc), q2, n) * psi),
                tolerance<FP>());
    }
    if (k >= 2) {  // swap targets[0], targets[1]
      std::vector<uint32_t> q2(ctrls);
      q2.push_back(targets[0]);
      q2.push_back(targets[1]);
      auto s = from_eigen<FP>(psi, n);
      sim::apply_swap<FP>(s.data(), n, t[0], t[1], cm);
      EXPECT_LT(ref::max_abs_diff(to_eigen(s), ref::embed(ref::add_controls(ref::gate_unitary(GateId::Swap, {}), nc), q2, n) * psi),
                tolerance<FP>());
    }
  }
}

// Large enough for OpenMP and for runs split at kMaxRunBits.
TYPED_TEST(KernelTest, LargeStateMatchesReference) {
  using FP = TypeParam;
  std::mt19937_64 rng(5);
  const uint32_t n = 16;
  const Eigen::VectorXcd psi = ref::random_state(n, rng);
  const std::vector<Operation> ops = {
      gate(GateId::H, {15}), gate(GateId::H, {0}), gate(GateId::RX, {13}, {0.7}),
      gate(GateId::CX, {15, 2}), gate(GateId::CP, {14, 15}, {0.3}), gate(GateId::Swap, {0, 15}),
      gate(GateId::RZZ, {3, 14}, {1.1}), gate(GateId::CU, {1, 12, 15}, {0.1, 0.2, 0.3, 0.4}, 1),
      gate(GateId::CCX, {13, 14, 15}), gate(GateId::ECR, {15, 4})};
  auto s = from_eigen<FP>(psi, n);
  Eigen::VectorXcd want = psi;
  for (const auto& op : ops) {
    sim::apply_gate(s, op, nullptr);
    want = ref::operation_unitary(op, n) * want;
    EXPECT_LT(ref::max_abs_diff(to_eigen(s), want), 8 * tolerance<FP>()) << gate_info(op.gate).name;
  }
}

// The matrix convention: the first qubit argument is the most significant
// bit of the gate matrix, and the state is little-endian.
TEST(Conventions, FirstQubitArgumentIsMostSignificantStateIsLittleEndian) {
  // cx q[0], q[1] on |q1 q0> = |01> (index 1) gives |11> (index 3).
  sim::StateVector<double> s(2);
  s.set_basis_state(1);
  sim::apply_gate(s, test::gate(GateId::CX, {0, 1}), nullptr);
  EXPECT_EQ(s[3], cd(1, 0));
  // cx q[1], q[0] on index 1 (q0 = 1, control q1 = 0) leaves it.
  s.set_basis_state(1);
  sim::apply_gate(s, test::gate(GateId::CX, {1, 0}), nullptr);
  EXPECT_EQ(s[1], cd(1, 0));
  // x q[2] on |000> gives index 4.
  sim::StateVector<double> t(3);
  sim::apply_gate(t, test::gate(GateId::X, {2}), nullptr);
  EXPECT_EQ(t[4], cd(1, 0));
  // rzx(pi) q[0], q[1]: Z acts on q0 (matrix MSB), X on q1.
  // exp(-i pi/2 Z(x)X) |q1=0,q0=0> = -i |q1=1, q0=0> = -i |index 2>.
  sim::StateVector<double> u(2);
  sim::apply_gate(u, test::gate(GateId::RZX, {0, 1}, {M_PI}), nullptr);
  EXPECT_NEAR(std::abs(u[2] - cd(0, -1)), 0, 1e-15);
}

TEST(Conventions, GlobalPhaseMultipliesFinalState) {
  Circuit c = test::circuit(1);
  c.ops.push_back(test::gate(GateId::H, {0}));
  c.global_phase = Expr(0.3);
  const auto s = sim::simulate<double>(c);
  const cd f = std::polar(1.0, 0.3) / std::sqrt(2.0);
  EXPECT_NEAR(std::abs(s[0] - f), 0, 1e-15);
  EXPECT_NEAR(std::abs(s[1] - f), 0, 1e-15);
  const Eigen::VectorXcd want = ref::apply_unitary(c, ref::basis_state(1, 0));
  EXPECT_LT(ref::max_abs_diff(to_eigen(s), want), 1e-15);
}

TEST(Conventions, SymbolicParametersUseInputs) {
  Circuit c = test::circuit(1);
  Operation op = test::gate(GateId::RY, {0});
  op.params = {Expr::symbol(0) * Expr(2.0)};
  c.ops.push_back(op);
  c.inputs.push_back(InputDecl{"theta", "float[64]", {}, 0});
  const auto s = sim::simulate<double>(c, {0.25});
  EXPECT_NEAR(s[1].real(), std::sin(0.25), 1e-15);
  try {
    (void)sim::simulate<double>(c);
    FAIL() << "unbound input not reported";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unbound input: theta"), std::string::npos) << e.what();
  }
}

TEST(Kernels, KindsChosenForSpecialGates) {
  using sim::KernelKind;
  EXPECT_EQ(sim::evaluate_gate(test::gate(GateId::CP, {0, 1}, {0.5}), nullptr).kind, KernelKind::Phase);
  EXPECT_EQ(sim::evaluate_gate(test::gate(GateId::CZ, {0, 1}), nullptr).kind, KernelKind::Phase);
  EXPECT_EQ(sim::evaluate_gate(test::gate(GateId::RZZ, {0, 1}, {0.5}), nullptr).kind, KernelKind::Diagonal);
  EXPECT_EQ(sim::evaluate_gate(test::gate(GateId::CCX, {0, 1, 2}), nullptr).kind, KernelKind::X);
  EXPECT_EQ(sim::evaluate_gate(test::gate(GateId::CSwap, {0, 1, 2}), nullptr).kind, KernelKind::Swap);
  EXPECT_EQ(sim::evaluate_gate(test::gate(GateId::I, {0}), nullptr).kind, KernelKind::Identity);
  EXPECT_EQ(sim::evaluate_gate(test::gate(GateId::CRX, {0, 1}, {0.5}), nullptr).kind, KernelKind::Dense);
  const auto ccx = sim::evaluate_gate(test::gate(GateId::CCX, {0, 1, 2}), nullptr);
  EXPECT_EQ(ccx.ctrl_mask, 3u);
  EXPECT_EQ(ccx.targets, std::vector<unsigned>{2});
}

TEST(Kernels, BadOperationsAreRejected) {
  EXPECT_THROW(sim::evaluate_gate(test::gate(GateId::CX, {1, 1}), nullptr), std::invalid_argument);
  EXPECT_THROW(sim::evaluate_gate(test::gate(GateId::RX, {0}), nullptr), std::invalid_argument);
  EXPECT_THROW(sim::evaluate_gate(test::measure(0, 0), nullptr), std::invalid_argument);
}

TEST(Kernels, SparseBlockBatchMatchesDense) {
  // A 16 x 16 matrix with about a quarter of its entries set, on 4 of 7
  // qubits (the table path) and of 14 qubits (the deposit path).
  std::mt19937_64 rng(31);
  std::normal_distribution<double> g;
  std::vector<cd> m(256, 0);
  for (auto& v : m)
    if (rng() % 4 == 0) v = {g(rng), g(rng)};
  for (unsigned n : {7u, 14u}) {
    const unsigned targets[4] = {5, 1, n - 1, 3};
    const sim::SparseBlock sb = sim::make_sparse_block(n, 4, targets, m.data());
    std::vector<cd> values;
    for (std::size_t e : sb.entry) values.push_back(m[e]);
    const std::size_t dim = std::size_t(1) << n, nb = 2;
    std::vector<cd> psi(nb * dim);
    for (auto& v : psi) v = {g(rng), g(rng)};
    std::vector<cd> want = psi;
    for (std::size_t b = 0; b < nb; ++b) sim::apply_dense<double>(want.data() + b * dim, n, targets, 4, m.data(), 0);
    sim::apply_sparse_batch<double>(psi.data(), nb, sb, values.data());
    for (std::size_t i = 0; i < psi.size(); ++i) ASSERT_NEAR(std::abs(psi[i] - want[i]), 0, 1e-12) << n;
  }
}

}  // namespace
}  // namespace qforge
