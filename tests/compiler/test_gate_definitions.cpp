// The gate table's definitions (definitions.hpp) are exact, global phase
// included, against the independent dense reference, for random parameters;
// and they use only library gates or gates defined before them.
#include "qforge/definitions.hpp"

#include "dense_reference.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <set>

namespace qforge {
namespace {

TEST(GateDefinitions, EveryDefinitionIsItsGateExactly) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> angle(-4, 4);
  ASSERT_FALSE(gate_definitions().empty());
  for (const GateDefinition& d : gate_definitions()) {
    const GateInfo& info = gate_info(d.gate);
    for (int trial = 0; trial < 5; ++trial) {
      std::vector<double> params(info.num_params);
      for (double& p : params) p = angle(rng);
      Circuit body;
      body.num_qubits = info.num_qubits;
      body.ops = d.body;
      body.global_phase = d.phase;
      const Eigen::MatrixXcd got = ref::circuit_unitary(body, params);
      std::vector<uint32_t> qubits(info.num_qubits);
      for (uint32_t q = 0; q < info.num_qubits; ++q) qubits[q] = q;
      const Eigen::MatrixXcd want = Eigen::MatrixXcd(ref::embed(ref::gate_unitary(d.gate, params), qubits, info.num_qubits));
      EXPECT_LT((got - want).cwiseAbs().maxCoeff(), 1e-12) << info.name;
    }
  }
}

TEST(GateDefinitions, BodiesUseLibraryGatesOrEarlierDefinitions) {
  std::set<GateId> defined;
  for (const GateDefinition& d : gate_definitions()) {
    for (const Operation& op : d.body) {
      const std::string_view name = gate_info(op.gate).name;
      const bool in_libraries = find_library_gate(GateLibrary::StdGates, name) &&
                                find_library_gate(GateLibrary::Qelib1, name);
      EXPECT_TRUE(in_libraries || defined.count(op.gate)) << gate_info(d.gate).name << " uses " << name;
      if (!in_libraries) {
        EXPECT_NE(std::find(d.uses.begin(), d.uses.end(), op.gate), d.uses.end());
      }
    }
    defined.insert(d.gate);
  }
  // Every table gate that a library lacks has a definition.
  for (std::size_t i = 0; i < kNumGates; ++i) {
    const GateInfo& g = gate_info(GateId(i));
    if (!find_library_gate(GateLibrary::StdGates, g.name) || !find_library_gate(GateLibrary::Qelib1, g.name)) {
      EXPECT_NE(gate_definition(g.id), nullptr) << g.name;
    }
  }
}

// Controlling only the core of a definition (and its phase) controls the
// gate: the operations around the core undo each other.
TEST(GateDefinitions, ControllingTheCoreControlsTheGate) {
  std::mt19937_64 rng(12);
  std::uniform_real_distribution<double> angle(-4, 4);
  for (const GateDefinition& d : gate_definitions()) {
    const GateInfo& info = gate_info(d.gate);
    ASSERT_LE(d.core_begin, d.core_end);
    ASSERT_LE(d.core_end, d.body.size());
    std::vector<double> params(info.num_params);
    for (double& p : params) p = angle(rng);
    // Qubit 0 controls; the gate's qubits are 1 .. n.
    Circuit c;
    c.num_qubits = info.num_qubits + 1;
    for (std::size_t i = 0; i < d.body.size(); ++i) {
      Operation op = d.body[i];
      for (uint32_t& q : op.qubits) ++q;
      if (i >= d.core_begin && i < d.core_end) {
        op.qubits.insert(op.qubits.begin(), 0);
        ++op.num_controls;
      }
      c.ops.push_back(op);
    }
    if (!(d.phase.is_const() && d.phase.value() == 0)) c.ops.push_back(make_gate(GateId::P, {0}, {d.phase}));
    const Eigen::MatrixXcd got = ref::circuit_unitary(c, params);
    std::vector<uint32_t> qubits(c.num_qubits);
    for (uint32_t q = 0; q < c.num_qubits; ++q) qubits[q] = q;
    const Eigen::MatrixXcd want = Eigen::MatrixXcd(
        ref::embed(ref::add_controls(ref::gate_unitary(d.gate, params), 1), qubits, c.num_qubits));
    EXPECT_LT((got - want).cwiseAbs().maxCoeff(), 1e-12) << info.name;
  }
}

// euler_zyz: exp(i a) rz(b) ry(c) rz(d) is the gate, for random angles.
TEST(GateDefinitions, EulerAnglesAreExact) {
  std::mt19937_64 rng(13);
  std::uniform_real_distribution<double> angle(-4, 4);
  int checked = 0;
  for (std::size_t i = 0; i < kNumGates; ++i) {
    const GateId g = GateId(i);
    const GateInfo& info = gate_info(g);
    std::vector<double> values(info.num_params);
    for (double& v : values) v = angle(rng);
    const auto e = euler_zyz(g, std::vector<Expr>(values.begin(), values.end()));
    if (!e) continue;
    ++checked;
    Circuit c;
    c.num_qubits = 1;
    c.ops = {make_gate(GateId::RZ, {0}, {e->delta}), make_gate(GateId::RY, {0}, {e->gamma}),
             make_gate(GateId::RZ, {0}, {e->beta})};
    c.global_phase = e->alpha;
    const Eigen::MatrixXcd got = ref::circuit_unitary(c, {});
    const Eigen::MatrixXcd want = ref::gate_unitary(g, values);
    EXPECT_LT((got - want).cwiseAbs().maxCoeff(), 1e-12) << info.name;
  }
  EXPECT_EQ(checked, 7);  // rx ry rz p u1 u2 u3
}

// ctrl @ g folds into the table gate the table says, and it is g controlled.
TEST(GateDefinitions, OneMoreControl) {
  using G = GateId;
  const std::map<G, G> expected = {
      {G::X, G::CX},   {G::CX, G::CCX}, {G::Y, G::CY},   {G::Z, G::CZ},   {G::CZ, G::CCZ},
      {G::H, G::CH},   {G::SX, G::CSX}, {G::P, G::CP},   {G::U1, G::CU1}, {G::RX, G::CRX},
      {G::RY, G::CRY}, {G::RZ, G::CRZ}, {G::U3, G::CU},  {G::Swap, G::CSwap}};
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> angle(-3, 3);
  for (std::size_t i = 0; i < kNumGates; ++i) {
    const GateId g = GateId(i);
    std::vector<double> values(gate_info(g).num_params);
    for (double& v : values) v = angle(rng);
    std::vector<Expr> params(values.begin(), values.end());
    const std::optional<GateId> up = gate_with_control(g, params);
    auto it = expected.find(g);
    ASSERT_EQ(up.has_value(), it != expected.end()) << gate_info(g).name;
    if (!up) continue;
    EXPECT_EQ(*up, it->second) << gate_info(g).name;
    std::vector<double> up_values;
    for (const Expr& e : params) up_values.push_back(e.value());
    const Eigen::MatrixXcd want = ref::add_controls(ref::gate_unitary(g, values), 1);
    const Eigen::MatrixXcd got = ref::gate_unitary(*up, up_values);
    EXPECT_LT((got - want).cwiseAbs().maxCoeff(), 1e-12) << gate_info(g).name;
  }
}

}  // namespace
}  // namespace qforge
