// Round trips through the front end: compile_source(emit_qasm3(c)) is c again
// (same operations, parameters and global phase), and gates that come back
// in another form (definitions of non-stdgates gates, controlled u2/u3) have
// the same unitary including global phase. emit_qasm2 round-trips up to
// global phase.
#include "qforge/emit.hpp"
#include "qforge/equiv.hpp"
#include "qforge/frontend.hpp"
#include "test_emit_helpers.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace qforge {
namespace {

using namespace test_emit;
using G = GateId;

Expr sym(uint32_t i) { return Expr::symbol(i); }

Circuit read_back(const std::string& text, const std::string& name = "roundtrip.qasm") {
  DiagnosticSink diags;
  Circuit c = compile_source(text, name, CompileOptions{}, diags);
  EXPECT_FALSE(diags.has_errors()) << diags.format() << "\n--- text:\n" << text;
  return c;
}

std::vector<double> random_values(uint32_t n, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(-3, 3);
  std::vector<double> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

/// The whole declared type: the front end records arrays as written.
std::string full_type(const InputDecl& in) {
  if (in.shape.empty() || in.type.rfind("array[", 0) == 0) return in.type;
  std::string t = "array[" + in.type;
  for (uint32_t d : in.shape) t += "," + std::to_string(d);
  return t + "]";
}

/// The front end folds extra controls into the table gate with the most
/// controls of the same target (`ctrl(2) @ x` is ccx, `ctrl(2) @ h` is
/// `ctrl @ ch`); this applies the same folding, so both sides compare equal.
Operation canonical(Operation op) {
  if (!op.is_gate() || op.num_controls == 0) return op;
  const GateInfo& g = gate_info(op.gate);
  const unsigned total = op.num_controls + g.num_controls;
  const std::string target(g.name.substr(g.num_controls));
  for (unsigned k = total; k > g.num_controls; --k) {
    const std::string name = (k == 1 ? "c" : k == 2 ? "cc" : "c" + std::to_string(k)) + target;
    auto folded = gate_by_name(name);
    if (folded && gate_info(*folded).num_params == op.params.size()) {
      op.gate = *folded;
      op.num_controls = static_cast<uint8_t>(total - k);
      return op;
    }
  }
  return op;
}

/// Same IR: declarations, operations, and parameters and global phase equal
/// in value for random input values.
void expect_same_ir(const Circuit& a, const Circuit& b, const std::string& text) {
  SCOPED_TRACE("emitted text:\n" + text);
  ASSERT_EQ(a.num_qubits, b.num_qubits);
  ASSERT_EQ(a.num_clbits, b.num_clbits);
  EXPECT_EQ(a.physical_qubits, b.physical_qubits);
  ASSERT_EQ(a.inputs.size(), b.inputs.size());
  for (std::size_t i = 0; i < a.inputs.size(); ++i) {
    EXPECT_EQ(a.inputs[i].name, b.inputs[i].name);
    EXPECT_EQ(full_type(a.inputs[i]), full_type(b.inputs[i]));
    EXPECT_EQ(a.inputs[i].shape, b.inputs[i].shape);
    EXPECT_EQ(a.inputs[i].first_symbol, b.inputs[i].first_symbol);
  }
  auto same_regs = [](const std::vector<Register>& x, const std::vector<Register>& y) {
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (x[i].name != y[i].name || x[i].first != y[i].first || x[i].size != y[i].size ||
          x[i].is_array != y[i].is_array)
        return false;
    return true;
  };
  // Circuits without registers get the emitter's `q` and `c`.
  if (!a.qregs.empty()) {
    EXPECT_TRUE(same_regs(a.qregs, b.qregs));
  }
  if (!a.cregs.empty()) {
    EXPECT_TRUE(same_regs(a.cregs, b.cregs));
  }

  std::mt19937_64 rng(7);
  std::vector<std::vector<double>> trials;
  for (int t = 0; t < 3; ++t) trials.push_back(random_values(a.num_symbols(), rng));

  ASSERT_EQ(a.ops.size(), b.ops.size()) << emit_ir(b);
  for (std::size_t i = 0; i < a.ops.size(); ++i) {
    const Operation x = canonical(a.ops[i]);
    const Operation y = canonical(b.ops[i]);
    SCOPED_TRACE("operation " + std::to_string(i));
    ASSERT_EQ(x.kind, y.kind);
    EXPECT_EQ(x.gate, y.gate) << gate_info(y.gate).name;
    EXPECT_EQ(x.num_controls, y.num_controls);
    EXPECT_EQ(x.qubits, y.qubits);
    EXPECT_EQ(x.clbits, y.clbits);
    EXPECT_EQ(x.delay_unit, y.delay_unit);
    ASSERT_EQ(x.conditions.size(), y.conditions.size());
    for (std::size_t k = 0; k < x.conditions.size(); ++k) {
      EXPECT_EQ(x.conditions[k].clbits, y.conditions[k].clbits);
      EXPECT_EQ(x.conditions[k].value, y.conditions[k].value);
      EXPECT_EQ(x.conditions[k].equal, y.conditions[k].equal);
    }
    ASSERT_EQ(x.params.size(), y.params.size());
    for (std::size_t k = 0; k < x.params.size(); ++k)
      for (const auto& v : trials) EXPECT_NEAR(x.params[k].eval(v.data()), y.params[k].eval(v.data()), 1e-12);
  }
  for (const auto& v : trials)
    EXPECT_NEAR(a.global_phase.eval(v.data()), b.global_phase.eval(v.data()), 1e-12);
}

void expect_qasm3_round_trip(const Circuit& c) {
  const std::string text = emit_qasm3(c);
  expect_same_ir(c, read_back(text), text);
}

/// Same unitary, global phase included, for random input values.
void expect_same_unitary(const Circuit& a, const Circuit& b, const std::string& text) {
  SCOPED_TRACE("emitted text:\n" + text);
  ASSERT_EQ(a.num_qubits, b.num_qubits);
  std::mt19937_64 rng(11);
  for (int t = 0; t < 2; ++t) {
    const auto v = random_values(a.num_symbols(), rng);
    const auto ua = circuit_unitary(a, v), ub = circuit_unitary(b, v);
    ASSERT_EQ(ua.size(), ub.size());
    double err = 0;
    for (std::size_t i = 0; i < ua.size(); ++i) err = std::max(err, std::abs(ua[i] - ub[i]));
    EXPECT_LT(err, 1e-10) << emit_ir(b);
  }
}

//===- OpenQASM 3: the same IR ----------------------------------------------===//

TEST(EmitRoundTrip, InputsConditionsControlsAndPhases) {
  Circuit c = circuit(4, 2,
                      {gate(G::H, {0}),
                       gate(G::U1, {0}, {Expr(2.0) * sym(1)}),
                       gate(G::CX, {0, 1}),
                       gate(G::RZ, {2}, {sym(0) / Expr(2.0)}),
                       gate(G::X, {0, 1, 3}, {}, 2),
                       gate(G::U3, {1}, {sym(2), 0.3, sym(0) - sym(4)}),
                       gate(G::U2, {3}, {M_PI / 4, 1.25}),
                       measure(0, 0),
                       when(gate(G::X, {1}), {0}, 1),
                       when(gate(G::H, {2}), {0, 1}, 2),
                       when(gate(G::U3, {3}, {0.1, 0.2, 0.3}), {0, 1}, 2),
                       when(measure(3, 1), {0, 1}, 3, false),
                       gate(G::CRY, {2, 0}, {sym(3) * sym(3)}, 1)});
  c.ops.back().qubits = {1, 2, 0};
  c.inputs = {input("theta", 0), input("x", 1, {4})};
  c.global_phase = Expr(0.25) + sym(0);
  expect_qasm3_round_trip(c);
  c.global_phase = 0.0;
  expect_qasm3_round_trip(c);
}

TEST(EmitRoundTrip, RegistersAndMultiDimensionalInputs) {
  Circuit c = circuit(3, 3,
                      {gate(G::CX, {2, 0}), gate(G::RY, {1}, {sym(2)}), measure(2, 0),
                       measure(1, 2), when(gate(G::Z, {0}), {0, 1}, 1),
                       when(gate(G::Z, {1}), {2}, 0), other(OpKind::Reset, {2})});
  c.qregs = {reg("a", 0, 2), reg("anc", 2, 1, false)};
  c.cregs = {reg("m", 0, 2), reg("flag", 2, 1, false)};
  c.inputs = {input("w", 0, {2, 3}, "float[64]")};
  expect_qasm3_round_trip(c);
}

TEST(EmitRoundTrip, ConditionsOnPartsOfRegisters) {
  Circuit c = circuit(1, 5,
                      {when(gate(G::Z, {0}), {3, 4}, 1), when(gate(G::H, {0}), {4, 2}, 2),
                       when(gate(G::S, {0}), {2, 3, 4}, 5), when(gate(G::T, {0}), {1}, 0, false)});
  c.cregs = {reg("a", 0, 2), reg("b", 2, 3)};
  expect_qasm3_round_trip(c);
}

TEST(EmitRoundTrip, PhysicalQubitsBarrierDelay) {
  Circuit c = circuit(3, 0,
                      {gate(G::H, {2}), other(OpKind::Barrier, {0, 1, 2}), delay(100, "ns", {0}),
                       gate(G::Swap, {1, 2}), gate(G::CCX, {2, 0, 1})});
  c.physical_qubits = true;
  expect_qasm3_round_trip(c);
}

// Random circuits over every stdgates table gate with 0-2 extra controls
// (u2/u3 without: they come back as cu), symbolic and constant parameters.
TEST(EmitRoundTrip, RandomStdgatesCircuits) {
  const std::vector<GateId> std_gates = {
      G::I, G::X, G::Y, G::Z, G::H, G::S, G::Sdg, G::T, G::Tdg, G::SX, G::RX, G::RY, G::RZ,
      G::P, G::U1, G::U2, G::U3, G::CX, G::CY, G::CZ, G::CH, G::Swap, G::CP, G::CRX, G::CRY,
      G::CRZ, G::CU, G::CCX, G::CSwap};
  std::mt19937_64 rng(2024);
  for (int trial = 0; trial < 20; ++trial) {
    const uint32_t n = 5;
    Circuit c = circuit(n, 0, {});
    c.inputs = {input("a", 0), input("v", 1, {3})};
    for (int k = 0; k < 25; ++k) {
      GateId g = std_gates[rng() % std_gates.size()];
      const GateInfo& info = gate_info(g);
      // (A controlled identity is dropped by the reader.)
      uint8_t extra = (g == G::U2 || g == G::U3 || g == G::I) ? 0 : static_cast<uint8_t>(rng() % 3);
      std::vector<uint32_t> qs(n);
      for (uint32_t i = 0; i < n; ++i) qs[i] = i;
      std::shuffle(qs.begin(), qs.end(), rng);
      qs.resize(info.num_qubits + extra);
      std::vector<Expr> ps;
      for (int p = 0; p < info.num_params; ++p) {
        switch (rng() % 3) {
          case 0: ps.push_back(std::uniform_real_distribution<double>(-4, 4)(rng)); break;
          case 1: ps.push_back(sym(static_cast<uint32_t>(rng() % 4)) * Expr(0.5)); break;
          default: ps.push_back(Expr(M_PI / 8) + sym(static_cast<uint32_t>(rng() % 4))); break;
        }
      }
      c.ops.push_back(gate(g, qs, ps, extra));
    }
    c.global_phase = Expr(0.125 * trial) - sym(1);
    SCOPED_TRACE("trial " + std::to_string(trial));
    expect_qasm3_round_trip(c);
  }
}

//===- OpenQASM 3: the same unitary -----------------------------------------===//

// Every table gate with 0-2 extra controls: gates outside stdgates.inc come
// back as their definitions and controlled u2/u3 as cu, all exact.
TEST(EmitRoundTrip, EveryTableGateWithControlsHasTheSameUnitary) {
  std::mt19937_64 rng(5);
  for (std::size_t gi = 0; gi < kNumGates; ++gi) {
    const GateId g = static_cast<GateId>(gi);
    const GateInfo& info = gate_info(g);
    for (uint8_t extra = 0; extra <= 2; ++extra) {
      const uint32_t n = info.num_qubits + extra;
      std::vector<uint32_t> qs(n);
      for (uint32_t i = 0; i < n; ++i) qs[i] = n - 1 - i;  // reversed order
      std::vector<Expr> ps;
      for (int p = 0; p < info.num_params; ++p)
        ps.push_back(p == 0 ? Expr(sym(0)) : Expr(std::uniform_real_distribution<double>(-3, 3)(rng)));
      Circuit c = circuit(n, 0, {gate(G::H, {0}), gate(g, qs, ps, extra)});
      c.inputs = {input("t", 0)};
      c.global_phase = 0.375;
      const std::string text = emit_qasm3(c);
      SCOPED_TRACE(std::string(info.name) + " with " + std::to_string(extra) + " extra controls");
      expect_same_unitary(c, read_back(text), text);
    }
  }
}

//===- OpenQASM 2.0 ---------------------------------------------------------===//

TEST(EmitRoundTrip, Qasm2SameOperations) {
  Circuit c = circuit(3, 2,
                      {gate(G::H, {0}), gate(G::U3, {1}, {0.1, 0.2, 0.3}), gate(G::U2, {2}, {0.4, 0.5}),
                       gate(G::CX, {0, 1}), gate(G::CU, {1, 2}, {0.1, 0.2, 0.3, 0.4}),
                       gate(G::RXX, {0, 2}, {1e-7}), gate(G::CSX, {2, 0}), gate(G::SXdg, {1}),
                       gate(G::CSwap, {2, 1, 0}), gate(G::P, {0}, {-M_PI / 3}),
                       other(OpKind::Barrier, {0, 1, 2}), measure(0, 0), measure(1, 1),
                       when(gate(G::X, {2}), {0, 1}, 2), other(OpKind::Reset, {0})});
  c.qregs = {reg("q", 0, 3)};
  c.cregs = {reg("c", 0, 2)};
  c.source_version = 2;
  c.global_phase = 0.0;
  const std::string text = emit_qasm2(c);
  expect_same_ir(c, read_back(text, "roundtrip2.qasm"), text);
}

// Folded controls and defined gates: equal up to global phase.
TEST(EmitRoundTrip, Qasm2FoldedAndDefinedGatesAreEquivalent) {
  Circuit c = circuit(4, 0,
                      {gate(G::H, {0}), gate(G::H, {1}), gate(G::X, {0, 1}, {}, 1),
                       gate(G::X, {0, 1, 2, 3}, {}, 3), gate(G::SX, {3, 2, 1, 0}, {}, 3),
                       gate(G::U2, {2, 3}, {0.4, 0.5}, 1), gate(G::U3, {3, 0}, {0.1, 0.2, 0.3}, 1),
                       gate(G::CZ, {0, 1, 2}, {}, 1), gate(G::ECR, {1, 3}),
                       gate(G::RYY, {0, 2}, {0.7}), gate(G::RZX, {3, 1}, {-0.4}),
                       gate(G::CCZ, {2, 3, 0}), gate(G::CX, {3, 2, 1}, {}, 1)});
  c.global_phase = 1.5;  // dropped
  const std::string text = emit_qasm2(c);
  Circuit b = read_back(text, "roundtrip2.qasm");
  EquivResult r = check_equivalence(c, b);
  EXPECT_TRUE(r.equivalent) << r.detail << "\n" << text;
}

}  // namespace
}  // namespace qforge
