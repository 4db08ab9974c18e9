// IBM targets and run-time classical logic: what IBM executes compiles
// (if/else on bits and registers, mid-circuit measurement, reset) and keeps
// its classical-quantum state; what it does not (switch and loops included) is
// refused before compiling, at the construct's location, with the exact
// messages below.
#include "classical_builders.hpp"

#include "qforge/pipeline.hpp"

#include <gtest/gtest.h>

namespace qforge {
namespace {

using namespace build;

// The LocatedError message of compiling `c` for `target` at -O1, and its line.
std::pair<std::string, uint32_t> refusal(const Circuit& c, const std::string& target) {
  try {
    run_pipeline(c, 1, target, "line:4", true);
  } catch (const LocatedError& e) {
    return {e.what(), e.loc().line};
  }
  return {"(compiled)", 0};
}

Circuit with(std::vector<Operation> ops, std::vector<ClassicalVar> vars = {}) {
  Circuit c = circuit(2, 2, std::move(vars));
  c.ops = {make_gate(GateId::H, {0}), make_measure({0}, {0})};
  for (auto& op : ops) c.ops.push_back(std::move(op));
  return c;
}

const ClassicalVar kN{"n", int_t(4), false};

TEST(TargetClassical, IbmRunsIfElseOnBitsMeasureAndReset) {
  // Teleportation-style feed-forward with an else branch, a reset and a
  // condition combining two bits with & and ==.
  Circuit c = circuit(3, 2);
  Operation reset;
  reset.kind = OpKind::Reset;
  reset.qubits = {0};
  c.ops = {make_gate(GateId::H, {0}), make_gate(GateId::CX, {0, 1}), make_gate(GateId::RY, {2}, {0.7}),
           make_gate(GateId::CX, {2, 0}), make_gate(GateId::H, {2}), make_measure({0, 2}, {0, 1}),
           if_(bits_eq({0}, 1), {make_gate(GateId::X, {1})}),
           if_(bin(COp::Eq, kBool, bin(COp::BitAnd, {CType::Bit, 1}, CExpr::bits({0}), CExpr::bits({1})),
                   CExpr::constant(CValue::of_uint(1))),
               {make_gate(GateId::Z, {1})}, {make_gate(GateId::H, {1}), make_gate(GateId::H, {1})}),
           conditioned(make_gate(GateId::Z, {1}), {1}, 1), reset};
  for (const char* target : {"ibm_heron", "ibm_eagle"})
    for (int level = 0; level <= 3; ++level) {
      CompileResult r = run_pipeline(c, level, target, "line:4", true);
      EXPECT_EQ(check_target(r.circuit, make_target(target, "line:4")), "") << target << " O" << level;
      const auto want = reference(c, r.final_layout, r.circuit.num_qubits);
      EXPECT_LT(ref::branch_distance(want, reference(r.circuit)), 1e-9) << target << " O" << level;
      int ifs = 0;
      for (const auto& op : r.circuit.ops) ifs += op.kind == OpKind::If;
      EXPECT_EQ(ifs, 2) << target << " O" << level;
    }
}

TEST(TargetClassical, SwitchIsRefusedOnIbmTargetsAndRunsElsewhere) {
  Circuit c = with({switch_(CExpr::bits({0, 1}), {{0}, {1, 2}, {}},
                            {{make_gate(GateId::X, {1})}, {make_gate(GateId::H, {1})}, {}})});
  c.ops.back() = at(c.ops.back(), 7, 3);
  for (const char* target : {"ibm_heron", "ibm_eagle"}) {
    const auto [msg, line] = refusal(c, target);
    EXPECT_EQ(msg, std::string("a switch statement does not run on ") + target +
                       " (switch_case is not among its instructions)");
    EXPECT_EQ(line, 7u);
  }
  // Simulation targets run it; routed, every branch keeps its state.
  CompileResult r = run_pipeline(c, 2, "nam", "line:4", true);
  EXPECT_LT(ref::branch_distance(reference(c, r.final_layout, r.circuit.num_qubits), reference(r.circuit)), 1e-9);
}

// IBM's documentation ("Execute dynamic circuits": Qiskit Runtime "currently
// only supports the conditional if statement"; "Classical feedforward and
// control flow": while, for and switch removed) gives one list for Eagle r3
// and Heron.
TEST(TargetClassical, IbmControlFlowIsIfElseAlone) {
  for (const char* target : {"ibm_heron", "ibm_eagle"}) {
    const Target t = make_target(target);
    EXPECT_TRUE(t.limits_classical) << target;
    EXPECT_EQ(t.control_flow, std::vector<std::string>{"if_else"}) << target;
  }
  EXPECT_FALSE(make_target("nam").limits_classical);
  EXPECT_FALSE(make_target("generic").limits_classical);
}

TEST(TargetClassical, GoldenRefusals) {
  const CExpr n = var(0, int_t(4));
  const CExpr n_lt_2 = bin(COp::Lt, kBool, n, k_int(2, 4));
  struct Case {
    Operation op;
    std::string message;
  };
  std::vector<Case> cases = {
      {while_(bits_eq({0}, 1), {make_gate(GateId::H, {0}), make_measure({0}, {0})}),
       "a while loop does not run on ibm_heron (it runs no loops)"},
      {for_(0, 0, 1, 2, {make_gate(GateId::H, {1})}),
       "a for loop over a range known only at run time does not run on ibm_heron (it runs no loops; a for loop over "
       "a range known at compile time is unrolled)"},
      {assign(0, bin(COp::Add, int_t(4), n, k_int(1, 4))),
       "an assignment to `n` does not run on ibm_heron (it runs no classical computation at run time)"},
      {assign(ClassicalData::kNoVar, CExpr::bits({0}), {1}),
       "an assignment to bits does not run on ibm_heron (it runs no classical computation at run time)"},
      {if_(n_lt_2, {make_gate(GateId::X, {1})}),
       "the condition of an if statement uses the variable `n` (int[4]), which does not run on ibm_heron (it "
       "computes on bits and registers only: comparisons, bitwise and logical operators)"},
      {if_(bin(COp::Eq, kBool, bin(COp::Add, {CType::Uint, 2}, CExpr::bits({0, 1}), CExpr::constant(CValue::of_uint(1, 2))),
               CExpr::constant(CValue::of_uint(2, 2))),
           {make_gate(GateId::X, {1})}),
       "the condition of an if statement uses the operator `+`, which does not run on ibm_heron (it computes on "
       "bits and registers only: comparisons, bitwise and logical operators)"},
      {runtime_gate(GateId::RZ, {1}, {CExpr::apply(COp::Cast, kFloat, {CExpr::bits({0})})}),
       "rz with a parameter computed at run time does not run on ibm_heron (its parameters must be known at compile "
       "time)"},
      {simple(OpKind::End), "end does not run on ibm_heron"},
      // Nested: the construct inside an if's block is found.
      {if_(bits_eq({0}, 1), {make_gate(GateId::X, {1}), at(simple(OpKind::End), 12, 5)}),
       "end does not run on ibm_heron"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const bool nested = i + 1 == cases.size();
    Circuit c = with({nested ? cases[i].op : at(cases[i].op, 10 + static_cast<uint32_t>(i), 1)}, {kN});
    const auto [msg, line] = refusal(c, "ibm_heron");
    EXPECT_EQ(msg, cases[i].message) << i;
    EXPECT_EQ(line, nested ? 12u : 10 + i) << i;
    // The same circuit compiles for a simulation target and not for
    // ibm_eagle, which runs what ibm_heron runs.
    EXPECT_NO_THROW(run_pipeline(c, 1, "nam", "line:4", true)) << i;
    EXPECT_NE(refusal(c, "ibm_eagle").first, "(compiled)") << i;
  }
}

TEST(TargetClassical, IbmRunsNoNestedControlFlowNorConditionalMeasurement) {
  // IBM's dynamic circuits removed nested control flow and conditional
  // measurements; a simulation target runs both.
  struct Case {
    Operation op;
    std::string message;
  };
  std::vector<Case> cases = {
      {if_(bits_eq({0}, 1), {make_gate(GateId::X, {1}), at(if_(bits_eq({1}, 0), {make_gate(GateId::X, {0})}), 12, 5)}),
       "an if statement inside an if statement's block does not run on ibm_heron (it runs no nested control flow)"},
      {if_(bits_eq({0}, 1), {at(conditioned(make_gate(GateId::X, {1}), {1}, 1), 12, 5)}),
       "a conditioned x inside an if statement's block does not run on ibm_heron (it runs no nested control flow)"},
      {if_(bits_eq({0}, 1), {make_gate(GateId::X, {1}), at(make_measure({1}, {1}), 12, 5)}),
       "a measurement inside an if statement's block does not run on ibm_heron (it runs no conditional "
       "measurements)"},
      {at(conditioned(make_measure({1}, {1}), {0}, 1), 12, 5),
       "a measurement with a condition does not run on ibm_heron (it runs no conditional measurements)"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    Circuit c = with({cases[i].op});
    const auto [msg, line] = refusal(c, "ibm_heron");
    EXPECT_EQ(msg, cases[i].message) << i;
    EXPECT_EQ(line, 12u) << i;
    EXPECT_EQ(refusal(c, "ibm_eagle").first.find("does not run on ibm_eagle"), cases[i].message.find("does not run"))
        << i;
    EXPECT_EQ(refusal(c, "nam").first, "(compiled)") << i;
  }
  // Two conditions on one gate at the top level are one if with a
  // conjunction: IBM runs it.
  Circuit both = with({conditioned(conditioned(make_gate(GateId::X, {1}), {0}, 1), {0}, 1)});
  EXPECT_EQ(refusal(both, "ibm_heron").first, "(compiled)");
}

}  // namespace
}  // namespace qforge
