// The decision-diagram package behind `qforge equiv`: products of random
// gates against the dense reference (tests/support, no simulator code), sums,
// the identity and projector checks, witnesses, and garbage collection.
#include "dense_reference.hpp"
#include "qforge/dd.hpp"
#include "test_gate_helpers.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <random>

namespace qforge {
namespace {

using test_gates::g;

// A random circuit of one-, two- and three-qubit gates, some controlled.
Circuit random_circuit(uint32_t n, int num_gates, std::mt19937_64& rng) {
  Circuit c;
  c.num_qubits = n;
  std::uniform_real_distribution<double> angle(-M_PI, M_PI);
  auto qubits = [&](std::size_t k) {
    std::vector<uint32_t> all(n);
    for (uint32_t i = 0; i < n; ++i) all[i] = i;
    std::shuffle(all.begin(), all.end(), rng);
    return std::vector<uint32_t>(all.begin(), all.begin() + static_cast<long>(k));
  };
  for (int i = 0; i < num_gates; ++i) {
    switch (rng() % 8) {
      case 0: c.ops.push_back(g(GateId::H, qubits(1))); break;
      case 1: c.ops.push_back(g(GateId::T, qubits(1))); break;
      case 2: c.ops.push_back(g(GateId::U3, qubits(1), {Expr(angle(rng)), Expr(angle(rng)), Expr(angle(rng))})); break;
      case 3: c.ops.push_back(g(GateId::CX, qubits(2))); break;
      case 4: c.ops.push_back(g(GateId::RZZ, qubits(2), {Expr(angle(rng))})); break;
      case 5: c.ops.push_back(g(GateId::CCX, qubits(3))); break;
      case 6: c.ops.push_back(g(GateId::Swap, qubits(2))); break;
      default: c.ops.push_back(g(GateId::RY, qubits(2), {Expr(angle(rng))}, 1)); break;  // ctrl @ ry
    }
  }
  return c;
}

// The circuit's unitary as a diagram: each gate's reference matrix (controls
// included) on its qubits, multiplied in from the left.
dd::Edge diagram(dd::Package& pk, const Circuit& c) {
  dd::Edge m = pk.identity();
  for (const Operation& op : c.ops) {
    std::vector<double> params;
    for (const Expr& e : op.params) params.push_back(e.value());
    Eigen::MatrixXcd u = ref::add_controls(ref::gate_unitary(op.gate, params), op.num_controls);
    std::vector<dd::cplx> flat(static_cast<std::size_t>(u.size()));
    for (long r = 0; r < u.rows(); ++r)
      for (long col = 0; col < u.cols(); ++col) flat[static_cast<std::size_t>(r * u.cols() + col)] = u(r, col);
    m = pk.multiply(pk.gate(op.qubits, flat, {}), m);
  }
  return m;
}

void expect_matches(dd::Package& pk, const dd::Edge& e, const Eigen::MatrixXcd& u, const std::string& what) {
  for (long r = 0; r < u.rows(); ++r)
    for (long c = 0; c < u.cols(); ++c)
      ASSERT_LT(std::abs(pk.entry(e, static_cast<uint64_t>(r), static_cast<uint64_t>(c)) - u(r, c)), 1e-9)
          << what << " entry (" << r << ", " << c << ")";
}

TEST(DecisionDiagram, RandomCircuitsMatchTheDenseReference) {
  std::mt19937_64 rng(11);
  for (uint32_t n = 1; n <= 5; ++n)
    for (int trial = 0; trial < 6; ++trial) {
      Circuit c = random_circuit(std::max<uint32_t>(n, 3), 25, rng);
      dd::Package pk(c.num_qubits);
      expect_matches(pk, diagram(pk, c), ref::circuit_unitary(c),
                     std::to_string(c.num_qubits) + " qubits, trial " + std::to_string(trial));
    }
}

TEST(DecisionDiagram, ControlsAndPhaseOnlyGates) {
  // Package::gate with explicit controls and with no targets (a phase on |11>).
  dd::Package pk(3);
  const std::vector<dd::cplx> x = {0, 1, 1, 0};
  Circuit ccx;
  ccx.num_qubits = 3;
  ccx.ops.push_back(g(GateId::CCX, {2, 0, 1}));
  expect_matches(pk, pk.gate({1}, x, {2, 0}), ref::circuit_unitary(ccx), "ccx");
  Circuit cz;
  cz.num_qubits = 3;
  cz.ops.push_back(g(GateId::CZ, {0, 2}));
  expect_matches(pk, pk.gate({}, {-1.0}, {0, 2}), ref::circuit_unitary(cz), "cz as a phase");
}

TEST(DecisionDiagram, SumsAndUniqueness) {
  std::mt19937_64 rng(5);
  Circuit a = random_circuit(4, 20, rng), b = random_circuit(4, 20, rng);
  dd::Package pk(4);
  dd::Edge ea = diagram(pk, a), eb = diagram(pk, b);
  expect_matches(pk, pk.add(ea, eb), ref::circuit_unitary(a) + ref::circuit_unitary(b), "a + b");
  // U * U^-1 is the identity node itself, and U - U the zero edge.
  Circuit inv;
  inv.num_qubits = 4;
  for (auto it = a.ops.rbegin(); it != a.ops.rend(); ++it) {
    std::vector<double> params;
    for (const Expr& e : it->params) params.push_back(e.value());
    Eigen::MatrixXcd u = ref::add_controls(ref::gate_unitary(it->gate, params), it->num_controls).adjoint();
    std::vector<dd::cplx> flat(static_cast<std::size_t>(u.size()));
    for (long r = 0; r < u.rows(); ++r)
      for (long c = 0; c < u.cols(); ++c) flat[static_cast<std::size_t>(r * u.cols() + c)] = u(r, c);
    ea = pk.multiply(pk.gate(it->qubits, flat, {}), ea);
  }
  EXPECT_EQ(ea.p, pk.identity().p);
  EXPECT_NEAR(std::abs(ea.w - dd::cplx(1)), 0, 1e-9);
  dd::Edge minus_b{eb.p, -eb.w};
  EXPECT_EQ(std::abs(pk.add(eb, minus_b).w), 0);
}

TEST(DecisionDiagram, IdentityCheckAndWitnessColumn) {
  dd::Package pk(3);
  const std::vector<bool> none(3, false);
  dd::Edge id{pk.identity().p, std::polar(1.0, 0.3)};
  auto s = pk.scalar_of_identity(id, none, 1e-9);
  ASSERT_TRUE(s.has_value());
  EXPECT_NEAR(std::arg(*s), 0.3, 1e-12);
  // A phase -1 on |q0=1, q2=1>: column 0b101 differs from the identity.
  dd::Edge cz = pk.gate({}, {-1.0}, {0, 2});
  EXPECT_FALSE(pk.scalar_of_identity(cz, none, 1e-9).has_value());
  auto col = pk.differing_column(cz, 1, none, 1e-9);
  ASSERT_TRUE(col.has_value());
  EXPECT_EQ(*col, (std::vector<bool>{true, false, true}));
  // With qubit 2 an ancilla (columns with q2 = 1 ignored), cz is the identity.
  const std::vector<bool> anc = {false, false, true};
  EXPECT_TRUE(pk.scalar_of_identity(cz, anc, 1e-9).has_value());
  // The projector |0><0| on qubit 1 is the identity on the columns it keeps.
  dd::Edge z = pk.zero_projector({false, true, false});
  EXPECT_TRUE(pk.scalar_of_identity(z, {false, true, false}, 1e-9).has_value());
  EXPECT_FALSE(pk.scalar_of_identity(z, none, 1e-9).has_value());
  EXPECT_EQ(pk.entry(z, 2, 2), dd::cplx(0));
  EXPECT_EQ(pk.entry(z, 5, 5), dd::cplx(1));
}

TEST(DecisionDiagram, GarbageCollectionKeepsRoots) {
  std::mt19937_64 rng(3);
  Circuit c = random_circuit(5, 60, rng);
  dd::Package pk(5);
  dd::Edge e = diagram(pk, c);
  const std::size_t before = pk.live_nodes();
  pk.collect_garbage({&e});
  EXPECT_LT(pk.live_nodes(), before);
  EXPECT_GE(pk.live_nodes(), pk.size(e));
  expect_matches(pk, e, ref::circuit_unitary(c), "after collection");
  // New work after a collection is right too.
  Circuit more = random_circuit(5, 30, rng);
  dd::Edge f = pk.multiply(diagram(pk, more), e);
  Circuit both = c;
  both.ops.insert(both.ops.end(), more.ops.begin(), more.ops.end());
  expect_matches(pk, f, ref::circuit_unitary(both), "after collection, more gates");
}

// The same gates give the same diagram in every run, bit for bit, wherever
// the allocator puts the nodes: a product of 8-qubit gates large enough to
// take several allocation chunks, built in two packages, the second after
// the heap has been changed (blocks held between its chunks), so that the
// nodes' addresses and their order differ between the two.
TEST(DecisionDiagram, SameDiagramWhereverTheNodesAre) {
  std::mt19937_64 rng(17);
  const Circuit c = random_circuit(8, 60, rng);
  std::vector<std::vector<char>> held;
  auto build = [&](bool perturb) {
    auto pk = std::make_unique<dd::Package>(8);
    dd::Edge m = pk->identity();
    for (const Operation& op : c.ops) {
      Circuit one;
      one.num_qubits = 8;
      one.ops = {op};
      m = pk->multiply(diagram(*pk, one), m);
      if (perturb && held.size() < 64) held.emplace_back(std::size_t(1) << (12 + held.size() % 10), 'x');
    }
    return std::make_pair(std::move(pk), m);
  };
  auto [pa, a] = build(false);
  auto [pb, b] = build(true);
  ASSERT_GT(pa->live_nodes(), std::size_t(1) << 15);  // several chunks of nodes
  EXPECT_EQ(pa->size(a), pb->size(b));
  EXPECT_EQ(pa->live_nodes(), pb->live_nodes());
  for (uint64_t r = 0; r < 256; r += 3)
    for (uint64_t col = 0; col < 256; ++col) {
      const dd::cplx x = pa->entry(a, r, col), y = pb->entry(b, r, col);
      ASSERT_TRUE(x.real() == y.real() && x.imag() == y.imag()) << "entry (" << r << ", " << col << ")";
    }
}

}  // namespace
}  // namespace qforge
