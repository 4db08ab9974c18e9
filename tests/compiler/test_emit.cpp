// Golden tests of the OpenQASM 3, OpenQASM 2.0 and IR emitters on circuits
// built by hand (round trips through the front end: test_emit_roundtrip.cpp).
#include "qforge/emit.hpp"
#include "qforge/equiv.hpp"
#include "test_emit_helpers.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace qforge {
namespace {

using namespace test_emit;
using G = GateId;

Expr sym(uint32_t i) { return Expr::symbol(i); }

// Inputs theta (s0) and x[0..3] (s1..s4); 4 qubits, 2 clbits, no registers.
Circuit example() {
  Circuit c = circuit(4, 2,
                      {gate(G::H, {0}),
                       gate(G::U1, {0}, {Expr(2.0) * sym(1)}),
                       gate(G::CX, {0, 1}),
                       gate(G::RZ, {2}, {sym(0) / Expr(2.0)}),
                       gate(G::X, {0, 1, 3}, {}, 2),
                       gate(G::SXdg, {2}),
                       measure(0, 0),
                       when(gate(G::X, {1}), {0}, 1),
                       when(gate(G::H, {2}), {0, 1}, 2),
                       when(gate(G::H, {3}), {0, 1}, 2),
                       when(measure(3, 1), {0, 1}, 3, false)});
  c.inputs = {input("theta", 0), input("x", 1, {4})};
  return c;
}

TEST(EmitQasm3, Example) {
  EXPECT_EQ(emit_qasm3(example()), R"(OPENQASM 3.0;
include "stdgates.inc";
gate sxdg _gate_q_0 {
  s _gate_q_0;
  h _gate_q_0;
  s _gate_q_0;
  gphase(-pi/4);
}
input float[64] theta;
input array[float[64], 4] x;
bit[2] c;
qubit[4] q;
h q[0];
u1(2*x[0]) q[0];
cx q[0], q[1];
rz(theta/2) q[2];
ctrl(2) @ x q[0], q[1], q[3];
sxdg q[2];
c[0] = measure q[0];
if (c[0] == 1) x q[1];
if (c == 2) {
  h q[2];
  h q[3];
}
if (c != 3) c[1] = measure q[3];
)");
}

TEST(EmitQasm3, RegistersAndMultiDimensionalInputs) {
  Circuit c = circuit(3, 3,
                      {gate(G::CX, {2, 0}), gate(G::RY, {1}, {sym(2)}), measure(2, 0),
                       measure(1, 2), when(gate(G::Z, {0}), {0, 1}, 1),
                       when(gate(G::Z, {1}), {2}, 0)});
  c.qregs = {reg("a", 0, 2), reg("anc", 2, 1, false)};
  c.cregs = {reg("m", 0, 2), reg("flag", 2, 1, false)};
  c.inputs = {input("w", 0, {2, 3}, "angle")};
  EXPECT_EQ(emit_qasm3(c), R"(OPENQASM 3.0;
include "stdgates.inc";
input array[angle, 2, 3] w;
bit[2] m;
bit flag;
qubit[2] a;
qubit anc;
cx anc, a[0];
ry(w[0][2]) a[1];
m[0] = measure anc;
flag = measure a[1];
if (m == 1) z a[0];
if (flag == 0) z a[1];
)");
}

TEST(EmitQasm3, PhysicalQubitsBarrierResetDelay) {
  Circuit c = circuit(3, 0,
                      {gate(G::H, {2}), other(OpKind::Barrier, {0, 1, 2}),
                       delay(100, "ns", {0}), delay(2.5e-7, "s", {1, 2}),
                       other(OpKind::Reset, {0, 2}), gate(G::Swap, {1, 2})});
  c.physical_qubits = true;
  EXPECT_EQ(emit_qasm3(c), R"(OPENQASM 3.0;
include "stdgates.inc";
h $2;
barrier $0, $1, $2;
delay[100ns] $0;
delay[2.5e-07s] $1, $2;
reset $0;
reset $2;
swap $1, $2;
)");
}

TEST(EmitQasm3, WholeRegisterMeasure) {
  Circuit c = circuit(2, 2, {gate(G::H, {0}), gate(G::CX, {0, 1})});
  Operation m = other(OpKind::Measure, {0, 1});
  m.clbits = {0, 1};
  c.ops.push_back(m);
  EXPECT_EQ(emit_qasm3(c), R"(OPENQASM 3.0;
include "stdgates.inc";
bit[2] c;
qubit[2] q;
h q[0];
cx q[0], q[1];
c = measure q;
)");
}

TEST(EmitQasm3, ConditionsOnPartsOfRegisters) {
  Circuit c = circuit(1, 5,
                      {when(gate(G::X, {0}), {0, 2}, 2),         // a[0] and b[0]
                       when(gate(G::Y, {0}), {2, 1}, 1, false),  // b[0] and a[1]
                       when(gate(G::Z, {0}), {3, 4}, 1),         // b[1:2]
                       when(gate(G::H, {0}), {4, 2}, 2),         // b[{2, 0}]
                       when(gate(G::S, {0}), {2, 3, 4}, 5)});    // all of b
  c.cregs = {reg("a", 0, 2), reg("b", 2, 3)};
  EXPECT_EQ(emit_qasm3(c), R"(OPENQASM 3.0;
include "stdgates.inc";
bit[2] a;
bit[3] b;
qubit[1] q;
if (a[0] == 0 && b[0] == 1) x q[0];
if (b[0] != 1 || a[1] != 0) y q[0];
if (b[1:2] == 1) z q[0];
if (b[{2, 0}] == 2) h q[0];
if (b == 5) s q[0];
)");
}

TEST(EmitQasm3, NestedConditions) {
  Circuit c = circuit(1, 2, {when(when(gate(G::X, {0}), {0}, 1), {1}, 0),
                             when(when(gate(G::Y, {0}), {0}, 1), {1}, 0)});
  EXPECT_EQ(emit_qasm3(c), R"(OPENQASM 3.0;
include "stdgates.inc";
bit[2] c;
qubit[1] q;
if (c[0] == 1) if (c[1] == 0) {
  x q[0];
  y q[0];
}
)");
}

// Every table gate outside stdgates.inc gets a definition, in dependency
// order and only once.
TEST(EmitQasm3, DefinitionsOfNonStandardGates) {
  Circuit c = circuit(3, 0,
                      {gate(G::ECR, {0, 1}), gate(G::CCZ, {0, 1, 2}), gate(G::CSX, {1, 2}),
                       gate(G::CU1, {0, 1}, {0.5}), gate(G::CU3, {0, 1}, {0.1, 0.2, 0.3}),
                       gate(G::RXX, {0, 1}, {0.4}), gate(G::RYY, {0, 1}, {0.5}),
                       gate(G::RZZ, {0, 1}, {0.6}), gate(G::ECR, {1, 0}, {}, 1)});
  c.ops.back().qubits = {2, 1, 0};
  EXPECT_EQ(emit_qasm3(c), R"(OPENQASM 3.0;
include "stdgates.inc";
gate csx _gate_q_0, _gate_q_1 {
  h _gate_q_1;
  cp(pi/2) _gate_q_0, _gate_q_1;
  h _gate_q_1;
}
gate cu1(_gate_p_0) _gate_q_0, _gate_q_1 {
  cp(_gate_p_0) _gate_q_0, _gate_q_1;
}
gate cu3(_gate_p_0, _gate_p_1, _gate_p_2) _gate_q_0, _gate_q_1 {
  cu(_gate_p_0, _gate_p_1, _gate_p_2, 0) _gate_q_0, _gate_q_1;
}
gate rzz(_gate_p_0) _gate_q_0, _gate_q_1 {
  cx _gate_q_0, _gate_q_1;
  rz(_gate_p_0) _gate_q_1;
  cx _gate_q_0, _gate_q_1;
}
gate rxx(_gate_p_0) _gate_q_0, _gate_q_1 {
  h _gate_q_0;
  h _gate_q_1;
  rzz(_gate_p_0) _gate_q_0, _gate_q_1;
  h _gate_q_0;
  h _gate_q_1;
}
gate ryy(_gate_p_0) _gate_q_0, _gate_q_1 {
  rx(pi/2) _gate_q_0;
  rx(pi/2) _gate_q_1;
  rzz(_gate_p_0) _gate_q_0, _gate_q_1;
  rx(-pi/2) _gate_q_0;
  rx(-pi/2) _gate_q_1;
}
gate rzx(_gate_p_0) _gate_q_0, _gate_q_1 {
  h _gate_q_1;
  rzz(_gate_p_0) _gate_q_0, _gate_q_1;
  h _gate_q_1;
}
gate ecr _gate_q_0, _gate_q_1 {
  rzx(pi/2) _gate_q_0, _gate_q_1;
  x _gate_q_0;
}
gate ccz _gate_q_0, _gate_q_1, _gate_q_2 {
  h _gate_q_2;
  ccx _gate_q_0, _gate_q_1, _gate_q_2;
  h _gate_q_2;
}
qubit[3] q;
ecr q[0], q[1];
ccz q[0], q[1], q[2];
csx q[1], q[2];
cu1(0.5) q[0], q[1];
cu3(0.1, 0.2, 0.3) q[0], q[1];
rxx(0.4) q[0], q[1];
ryy(0.5) q[0], q[1];
rzz(0.6) q[0], q[1];
ctrl @ ecr q[2], q[1], q[0];
)");
}

// The reader adds -(phi+lambda)/2 per u2/u3 line; gphase makes up the rest.
TEST(EmitQasm3, GlobalPhaseCompensatesU2AndU3) {
  Circuit c = circuit(1, 0, {gate(G::U3, {0}, {0.1, 0.2, 0.3}), gate(G::U2, {0}, {M_PI / 2, M_PI / 4})});
  c.global_phase = Expr(-0.25) + Expr(-3 * M_PI / 8);  // what reading the u2/u3 lines adds
  EXPECT_EQ(emit_qasm3(c), R"(OPENQASM 3.0;
include "stdgates.inc";
qubit[1] q;
u3(0.1, 0.2, 0.3) q[0];
u2(pi/2, pi/4) q[0];
)");
  c.global_phase = Expr(0.0);
  const std::string text = emit_qasm3(c);
  EXPECT_NE(text.find("u2(pi/2, pi/4) q[0];\ngphase(1.4280972450961724);\n"), std::string::npos)
      << text;
  EXPECT_EQ(emit_qasm3(c, EmitOptions{false}).find("gphase"), std::string::npos);
}

TEST(EmitQasm3, SymbolicGlobalPhase) {
  Circuit c = circuit(1, 0, {gate(G::U3, {0}, {sym(0), 0.0, sym(0)})});
  c.inputs = {input("t", 0)};
  c.global_phase = sym(0);
  EXPECT_EQ(emit_qasm3(c), R"(OPENQASM 3.0;
include "stdgates.inc";
input float[64] t;
qubit[1] q;
gphase(3*t/2);
u3(t, 0, t) q[0];
)");
  // Exactly the phase the reader adds: no gphase line.
  c.global_phase = -(Expr(0.0) + sym(0)) * Expr(0.5);
  EXPECT_EQ(emit_qasm3(c).find("gphase"), std::string::npos);
}

// Extra-controlled u2/u3 are written as the exact `cu`, so that stdgates'
// phase of u3 (which `ctrl @` would turn into a controlled phase) never enters.
TEST(EmitQasm3, ControlledU3UsesCu) {
  Circuit c = circuit(4, 0,
                      {gate(G::U3, {0, 1}, {0.1, 0.2, 0.3}, 1),
                       gate(G::U2, {0, 1, 2}, {0.2, 0.3}, 2),
                       gate(G::U3, {3, 2, 1, 0}, {0.1, 0.2, 0.3}, 3),
                       gate(G::RZ, {0, 1}, {0.7}, 1)});
  EXPECT_EQ(emit_qasm3(c), R"(OPENQASM 3.0;
include "stdgates.inc";
qubit[4] q;
cu(0.1, 0.2, 0.3, 0) q[0], q[1];
ctrl @ cu(pi/2, 0.2, 0.3, 0) q[0], q[1], q[2];
ctrl(2) @ cu(0.1, 0.2, 0.3, 0) q[3], q[2], q[1], q[0];
ctrl @ rz(0.7) q[0], q[1];
)");
  // The replacement is the same matrix.
  Circuit one = circuit(3, 0, {gate(G::U2, {0, 1, 2}, {0.2, 0.3}, 2)});
  Circuit cu = circuit(3, 0, {gate(G::CU, {0, 1, 2}, {M_PI / 2, 0.2, 0.3, 0.0}, 1)});
  auto a = circuit_unitary(one), b = circuit_unitary(cu);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_LT(std::abs(a[i] - b[i]), 1e-12) << i;
}

TEST(EmitQasm3, Errors) {
  Circuit c = circuit(3, 0, {gate(G::H, {2})});
  c.qregs = {reg("q", 0, 2)};
  try {
    emit_qasm3(c);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "qubit 2 belongs to no register");
  }
  Circuit d = circuit(1, 0, {delay(0, "ns", {0})});
  d.ops[0].params = {Expr::symbol(0)};
  d.inputs = {input("t", 0)};
  d.ops[0].loc.line = 4;
  try {
    emit_qasm3(d);
    FAIL() << "expected an error";
  } catch (const LocatedError& e) {
    EXPECT_EQ(e.loc().line, 4u);
    EXPECT_STREQ(e.what(), "cannot write 'delay' in OpenQASM 3: the duration of a delay must be a number");
  }
}

//===- OpenQASM 2.0 ---------------------------------------------------------===//

TEST(EmitQasm2, Example) {
  Circuit c = circuit(4, 2,
                      {gate(G::H, {0}),
                       gate(G::U1, {0}, {M_PI / 8}),
                       gate(G::CX, {0, 1}),
                       gate(G::X, {0, 1}, {}, 1),
                       gate(G::X, {0, 1, 3}, {}, 2),
                       gate(G::X, {0, 1, 2, 3}, {}, 3),
                       gate(G::CX, {3, 0, 1}, {}, 1),
                       gate(G::U2, {2, 0}, {0.5, 1e-7}, 1),
                       gate(G::SX, {0, 1, 2, 3}, {}, 3),
                       gate(G::ECR, {1, 2}),
                       gate(G::CZ, {0, 1, 2}, {}, 1),
                       other(OpKind::Barrier, {0, 2}),
                       measure(0, 0),
                       when(gate(G::X, {1}), {0, 1}, 3),
                       other(OpKind::Reset, {1}),
                       gate(G::SXdg, {3})});
  c.global_phase = 0.3;  // dropped
  EXPECT_EQ(emit_qasm2(c), R"(OPENQASM 2.0;
include "qelib1.inc";
gate rzx(param0) q0,q1 { h q1; rzz(param0) q0,q1; h q1; }
gate ecr q0,q1 { rzx(pi/2) q0,q1; x q0; }
gate ccz q0,q1,q2 { h q2; ccx q0,q1,q2; h q2; }
qreg q[4];
creg c[2];
h q[0];
u1(pi/8) q[0];
cx q[0],q[1];
cx q[0],q[1];
ccx q[0],q[1],q[3];
c3x q[0],q[1],q[2],q[3];
ccx q[3],q[0],q[1];
cu3(pi/2,0.5,1.0e-07) q[2],q[0];
c3sqrtx q[0],q[1],q[2],q[3];
ecr q[1],q[2];
ccz q[0],q[1],q[2];
barrier q[0],q[2];
measure q[0] -> c[0];
if (c == 3) x q[1];
reset q[1];
sxdg q[3];
)");
}

TEST(EmitQasm2, RegistersAndOneBitConditions) {
  Circuit c = circuit(3, 3, {measure(2, 2), when(gate(G::RYY, {0, 1}, {0.25}), {2}, 1)});
  c.qregs = {reg("a", 0, 2), reg("b", 2, 1, false)};
  c.cregs = {reg("m", 0, 2), reg("f", 2, 1, false)};
  Operation m = other(OpKind::Measure, {0, 1});
  m.clbits = {0, 1};
  c.ops.push_back(m);
  EXPECT_EQ(emit_qasm2(c), R"(OPENQASM 2.0;
include "qelib1.inc";
gate ryy(param0) q0,q1 { rx(pi/2) q0; rx(pi/2) q1; rzz(param0) q0,q1; rx(-pi/2) q0; rx(-pi/2) q1; }
qreg a[2];
qreg b[1];
creg m[2];
creg f[1];
measure b[0] -> f[0];
if (f == 1) ryy(0.25) a[0],a[1];
measure a -> m;
)");
}

// "line N: message" for an error at an operation, the message otherwise.
std::string qasm2_error(const Circuit& c) {
  try {
    emit_qasm2(c);
  } catch (const LocatedError& e) {
    return "line " + std::to_string(e.loc().line) + ": " + e.what();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(EmitQasm2, Errors) {
  Circuit sym_param = circuit(1, 0, {gate(G::H, {0}), gate(G::RZ, {0}, {Expr(2.0) * sym(2)}, 0, 5)});
  sym_param.inputs = {input("theta", 0), input("x", 1, {2})};
  EXPECT_EQ(qasm2_error(sym_param),
            "line 5: cannot write 'rz' in OpenQASM 2.0: its parameter '2*x[1]' depends on input 'x[1]', "
            "which has no value; bind it with --set");

  Circuit partial = circuit(1, 2, {when(gate(G::X, {0}, {}, 0, 7), {1}, 1)});
  EXPECT_EQ(qasm2_error(partial),
            "line 7: cannot write 'x' in OpenQASM 2.0: a condition can only test a whole classical "
            "register; this condition tests c[1]");

  Circuit nested = circuit(1, 2, {when(when(gate(G::X, {0}), {0, 1}, 1), {0, 1}, 2)});
  EXPECT_EQ(qasm2_error(nested), "line 0: cannot write 'x' in OpenQASM 2.0: conditions cannot be nested");

  Circuit not_equal = circuit(1, 1, {when(gate(G::X, {0}), {0}, 1, false)});
  EXPECT_EQ(qasm2_error(not_equal),
            "line 0: cannot write 'x' in OpenQASM 2.0: conditions can only test equality (==)");

  Circuit with_delay = circuit(1, 0, {gate(G::H, {0}), delay(10, "dt", {0})});
  with_delay.ops[1].loc.line = 3;
  EXPECT_EQ(qasm2_error(with_delay), "line 3: cannot write 'delay' in OpenQASM 2.0: there is no delay");

  Circuit controls = circuit(3, 0, {gate(G::H, {0, 1, 2}, {}, 2, 9)});
  EXPECT_EQ(qasm2_error(controls),
            "line 9: cannot write 'ctrl(2) @ h' in OpenQASM 2.0: there is no control modifier, and "
            "qelib1.inc has no gate 'cch' to express it");

  Circuit bad_name = circuit(1, 0, {});
  bad_name.qregs = {reg("Q", 0, 1)};
  EXPECT_EQ(qasm2_error(bad_name), "emit_qasm2: register name 'Q' is not an OpenQASM 2.0 identifier");
}

//===- IR listing -----------------------------------------------------------===//

TEST(EmitIr, Example) {
  Circuit c = example();
  c.qregs = {reg("q", 0, 4)};
  c.cregs = {reg("c", 0, 1), reg("d", 1, 1, false)};
  c.global_phase = sym(0) / Expr(2.0);
  for (std::size_t i = 0; i < c.ops.size(); ++i) c.ops[i].loc.line = static_cast<uint32_t>(10 + i);
  c.ops[1].loc.line = 0;
  c.ops.push_back(delay(20, "ns", {1, 2}));
  c.ops.push_back(other(OpKind::Barrier, {0, 3}));
  c.ops.push_back(other(OpKind::Reset, {2}));
  EXPECT_EQ(emit_ir(c), R"(circuit: 4 qubits, 2 clbits, OpenQASM 3
qreg q[4] = q0..q3
creg c[1] = c0
creg d = c1
input float[64] theta = s0
input array[float[64], 4] x = s1..s4
global_phase: theta/2
ops: 14
    0  h q0                                ; line 10
    1  u1(2*x[0]) q0
    2  cx q0, q1                           ; line 12
    3  rz(theta/2) q2                      ; line 13
    4  ctrl(2) @ x q0, q1, q3              ; line 14
    5  sxdg q2                             ; line 15
    6  measure q0 -> c0                    ; line 16
    7  if (c0 == 1) x q1                   ; line 17
    8  if ({c0,c1} == 2) h q2              ; line 18
    9  if ({c0,c1} == 2) h q3              ; line 19
   10  if ({c0,c1} != 3) measure q3 -> c1  ; line 20
   11  delay[20ns] q1, q2
   12  barrier q0, q3
   13  reset q2
)");
}

TEST(EmitIr, EmptyCircuit) {
  Circuit c;
  c.source_version = 2;
  EXPECT_EQ(emit_ir(c), "circuit: 0 qubits, 0 clbits, OpenQASM 2\nglobal_phase: 0\nops: 0\n");
}

}  // namespace
}  // namespace qforge
