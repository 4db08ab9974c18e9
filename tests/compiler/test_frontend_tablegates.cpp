// Definitions named like table gates: kept as the table gate only when their
// body is exactly that gate's matrix.
#include "qforge/emit.hpp"
#include "qforge/frontend.hpp"

#include <gtest/gtest.h>

namespace qforge {
namespace {

Circuit compile(const std::string& text) {
  DiagnosticSink d;
  Circuit c = compile_source(text, "t.qasm", {}, d);
  EXPECT_FALSE(d.has_errors()) << d.format();
  return c;
}

TEST(FrontendTableGates, ExactDefinitionsBecomeTheTableGate) {
  Circuit c = compile(R"(OPENQASM 3.0;
include "stdgates.inc";
gate rzz(theta) a, b { cx a, b; rz(theta) b; cx a, b; }
gate sxdg a { s a; h a; s a; gphase(-pi/4); }
qubit[3] q;
rzz(0.3) q[0], q[1];
sxdg q[2];
ctrl @ rzz(0.2) q[2], q[0], q[1];
inv @ rzz(0.5) q[1], q[2];
)");
  ASSERT_EQ(c.ops.size(), 4u);
  EXPECT_EQ(c.ops[0].gate, GateId::RZZ);
  EXPECT_EQ(c.ops[1].gate, GateId::SXdg);
  EXPECT_EQ(c.ops[2].gate, GateId::RZZ);
  EXPECT_EQ(c.ops[2].num_controls, 1);
  EXPECT_EQ(c.ops[3].gate, GateId::RZZ);
  EXPECT_DOUBLE_EQ(c.ops[3].params[0].value(), -0.5);
  EXPECT_TRUE(c.global_phase.is_const());
  EXPECT_DOUBLE_EQ(c.global_phase.value(), 0.0);
}

TEST(FrontendTableGates, InexactDefinitionsAreInlined) {
  // A body that differs from the table gate (here by a global phase, and
  // another by a whole gate) keeps its own meaning.
  Circuit c = compile(R"(OPENQASM 3.0;
include "stdgates.inc";
gate sxdg a { s a; h a; s a; }
gate ecr a, b { rz(pi/4) a; }
qubit[2] q;
sxdg q[0];
ecr q[0], q[1];
)");
  ASSERT_EQ(c.ops.size(), 4u);
  EXPECT_EQ(c.ops[0].gate, GateId::S);
  EXPECT_EQ(c.ops[3].gate, GateId::RZ);
}

TEST(FrontendTableGates, EmittedDefinitionsRoundTripOpForOp) {
  // emit_qasm3 writes definitions for gates outside stdgates.inc; reading
  // them back gives the same table gates.
  Circuit c;
  c.num_qubits = 3;
  auto add = [&](GateId g, std::vector<uint32_t> q, std::vector<Expr> p = {}, uint8_t controls = 0) {
    Operation op;
    op.gate = g;
    op.qubits = std::move(q);
    op.params = std::move(p);
    op.num_controls = controls;
    c.ops.push_back(op);
  };
  add(GateId::RZZ, {0, 1}, {Expr(0.25)});
  add(GateId::RXX, {1, 2}, {Expr(-0.5)});
  add(GateId::ECR, {2, 0});
  add(GateId::SXdg, {1});
  add(GateId::CU3, {0, 2}, {Expr(0.1), Expr(0.2), Expr(0.3)});
  add(GateId::CCZ, {0, 1, 2});
  Circuit back = compile(emit_qasm3(c));
  ASSERT_EQ(back.ops.size(), c.ops.size()) << emit_qasm3(c);
  for (std::size_t i = 0; i < c.ops.size(); ++i) {
    EXPECT_EQ(back.ops[i].gate, c.ops[i].gate) << i;
    EXPECT_EQ(back.ops[i].qubits, c.ops[i].qubits) << i;
  }
}

}  // namespace
}  // namespace qforge
