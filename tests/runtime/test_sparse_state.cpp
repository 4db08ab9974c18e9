// SparseState: the same GateOps as the dense StateVector, on random circuits
// with every kernel kind, checked against the dense StateVector and the
// independent Kronecker-product reference; the support cap, dropped
// amplitudes, 64-qubit indices and bad input.
#include "qforge/sparse_state.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

namespace qforge::test {
namespace {

using cd = std::complex<double>;

// A random circuit on n qubits: table gates with up to 2 extra controls.
Circuit random_circuit(std::mt19937_64& rng, uint32_t n, int num_gates) {
  Circuit c = circuit(n);
  for (int i = 0; i < num_gates; ++i) c.ops.push_back(random_gate(rng, n, 2));
  return c;
}

TEST(SparseState, MatchesDenseStateAndReferenceOnRandomCircuits) {
  std::mt19937_64 rng(2024);
  std::set<sim::KernelKind> kinds;
  for (uint32_t n = 8; n <= 12; ++n) {
    for (int trial = 0; trial < 4; ++trial) {
      const Circuit c = random_circuit(rng, n, 60);
      std::vector<sim::GateOp> ops = sim::evaluate_gates(c, {});
      // Odd trials run the fused list: multi-qubit Dense and Diagonal ops.
      if (trial % 2) ops = sim::fuse(ops, 4);
      for (const auto& op : ops) kinds.insert(op.kind);

      // Input: a few basis states in superposition (even trials) or a dense
      // random state (odd trials).
      Eigen::VectorXcd psi = Eigen::VectorXcd::Zero(Eigen::Index(1) << n);
      if (trial % 2) {
        psi = ref::random_state(n, rng);
      } else {
        std::normal_distribution<double> gauss;
        for (int k = 0; k < 5; ++k) psi(Eigen::Index(rng() % psi.size())) = cd(gauss(rng), gauss(rng));
        psi /= psi.norm();
      }
      sim::SparseState sparse(n, uint64_t(1) << n);
      for (Eigen::Index i = 0; i < psi.size(); ++i)
        if (psi(i) != cd(0)) sparse.set(uint64_t(i), psi(i));
      sim::StateVector<double> dense = from_eigen<double>(psi, n);
      for (const auto& op : ops) {
        sparse.apply(op);
        sim::apply(dense, op);
      }
      const Eigen::VectorXcd expected = ref::apply_unitary(c, psi);
      double vs_dense = 0, vs_ref = 0;
      for (uint64_t i = 0; i < dense.size(); ++i) {
        vs_dense = std::max(vs_dense, std::abs(sparse.amplitude(i) - dense[i]));
        vs_ref = std::max(vs_ref, std::abs(sparse.amplitude(i) - expected(Eigen::Index(i))));
      }
      EXPECT_LT(vs_dense, 1e-11) << "n=" << n << " trial " << trial;
      EXPECT_LT(vs_ref, 1e-10) << "n=" << n << " trial " << trial;
      for (const auto& [index, amp] : sparse.amplitudes()) {
        EXPECT_LT(index, dense.size());
        EXPECT_GE(std::abs(amp), 1e-13);
      }
    }
  }
  // Every kind of GateOp was exercised.
  for (auto kind : {sim::KernelKind::Phase, sim::KernelKind::Diagonal, sim::KernelKind::X, sim::KernelKind::Swap,
                    sim::KernelKind::Dense})
    EXPECT_TRUE(kinds.count(kind)) << "kernel kind " << int(kind) << " never ran";
}

TEST(SparseState, ControlledKindsOnlyActUnderTheirControls) {
  // Each kind with a control on qubit 0, on |0..0> + |0..01>: only the
  // second branch changes, as in the reference.
  const uint32_t n = 5;
  const std::vector<Operation> gates = {
      gate(GateId::CZ, {0, 3}),                        // Phase
      gate(GateId::RZ, {0, 2}, {0.7}, 1),             // Diagonal under a control
      gate(GateId::CCX, {0, 4, 1}),                    // X under two controls
      gate(GateId::X, {4}),                            // X
      gate(GateId::CSwap, {0, 1, 3}),                  // Swap under a control
      gate(GateId::CH, {0, 2}),                        // Dense under a control
  };
  for (std::size_t i = 0; i < gates.size(); ++i) {
    Circuit c = circuit(n);
    c.ops.push_back(gate(GateId::H, {0}));
    c.ops.push_back(gate(GateId::X, {3}));
    c.ops.push_back(gate(GateId::X, {1}));
    c.ops.push_back(gates[i]);
    sim::SparseState s(n);
    s.set(0, 1);
    for (const auto& op : sim::evaluate_gates(c, {})) s.apply(op);
    const Eigen::VectorXcd expected = ref::apply_unitary(c, ref::basis_state(n, 0));
    for (uint64_t k = 0; k < (uint64_t(1) << n); ++k)
      EXPECT_NEAR(std::abs(s.amplitude(k) - expected(Eigen::Index(k))), 0, 1e-12) << "gate " << i << " index " << k;
  }
}

TEST(SparseState, CancelledAmplitudesAreDroppedAndTheCapThrows) {
  sim::SparseState s(40, 16);
  s.set(0, 1);
  const sim::GateOp h = sim::evaluate_gate(gate(GateId::H, {37}), nullptr);
  s.apply(h);
  EXPECT_EQ(s.support(), 2u);
  s.apply(h);  // H H = I: the |1> amplitude cancels and is removed
  EXPECT_EQ(s.support(), 1u);
  EXPECT_NEAR(std::abs(s.amplitude(0) - cd(1)), 0, 1e-15);
  for (uint32_t q = 0; q < 4; ++q) s.apply(sim::evaluate_gate(gate(GateId::H, {q}), nullptr));
  EXPECT_EQ(s.support(), 16u);
  try {
    s.apply(sim::evaluate_gate(gate(GateId::H, {20}), nullptr));
    FAIL() << "expected SupportError";
  } catch (const sim::SupportError& e) {
    EXPECT_NE(std::string(e.what()).find("beyond 16 amplitudes"), std::string::npos) << e.what();
  }
}

TEST(SparseState, SixtyFourQubitIndices) {
  sim::SparseState s(64);
  s.set(0, 1);
  s.apply(sim::evaluate_gate(gate(GateId::X, {63}), nullptr));
  s.apply(sim::evaluate_gate(gate(GateId::CX, {63, 0}), nullptr));
  s.apply(sim::evaluate_gate(gate(GateId::Swap, {0, 62}), nullptr));
  s.apply(sim::evaluate_gate(gate(GateId::S, {62}), nullptr));
  EXPECT_EQ(s.support(), 1u);
  EXPECT_NEAR(std::abs(s.amplitude((uint64_t(1) << 63) | (uint64_t(1) << 62)) - cd(0, 1)), 0, 1e-15);
}

TEST(SparseState, BadInputIsAClearError) {
  EXPECT_THROW(sim::SparseState(65), std::invalid_argument);
  sim::SparseState s(4);
  EXPECT_THROW(s.set(16, 1), std::out_of_range);
  EXPECT_THROW(s.apply(sim::evaluate_gate(gate(GateId::CX, {1, 7}), nullptr)), std::invalid_argument);
}

}  // namespace
}  // namespace qforge::test
