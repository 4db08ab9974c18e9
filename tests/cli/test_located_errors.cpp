// Errors found after parsing (emitters, passes, routing, the executor,
// equivalence checking) read like the front end's: `file:line:col: error:`
// with the source line and a caret, at the statement that wrote the
// operation, through includes, gate inlining and optimisation passes.
// Each case is a small program and the exact text qforge must print.
#include "cli_helpers.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

struct Case {
  const char* name;
  const char* file;     ///< written as `file` in a fresh folder
  const char* source;
  const char* args;     ///< qforge's arguments, run in that folder
  int status;
  const char* expected; ///< all of stdout and stderr
};

const char* const kHeader = "OPENQASM 3.0;\ninclude \"stdgates.inc\";\n";

std::string program(const char* body) { return std::string(kHeader) + body; }

void check(const Case& c) {
  fs::path d = temp_dir() / c.name;
  fs::create_directories(d);
  write(d, c.file, program(c.source));
  Result r = qforge(c.args, d);
  EXPECT_EQ(r.status, c.status) << c.name << "\n" << r.out;
  EXPECT_EQ(r.out, c.expected) << c.name;
}

TEST(LocatedErrors, UnboundInputAtQasm2Emit) {
  check({"unbound", "a.qasm", "input float theta;\nqubit[2] q;\nh q[0];\nrz(theta / 2) q[1];\n",
         "compile a.qasm --emit qasm2", 1,
         "a.qasm:6:1: error: cannot write 'rz' in OpenQASM 2.0: its parameter 'theta/2' depends on input "
         "'theta', which has no value; bind it with --set\n"
         "    rz(theta / 2) q[1];\n"
         "    ^\n"});
}

TEST(LocatedErrors, Qasm2ConditionOtherThanEquality) {
  check({"noteq", "k.qasm", "qubit[2] q;\nbit[2] c;\nc = measure q;\nif (c == 1) x q[0];\nif (c != 2) x q[1];\n",
         "compile k.qasm --emit qasm2", 1,
         "k.qasm:7:13: error: cannot write 'x' in OpenQASM 2.0: conditions can only test equality (==)\n"
         "    if (c != 2) x q[1];\n"
         "                ^\n"});
}

TEST(LocatedErrors, Qasm2NestedConditions) {
  check({"nested", "j.qasm", "qubit[2] q;\nbit[2] c;\nc = measure q;\nif (c[0] == 1) { if (c[1] == 1) x q[0]; }\n",
         "compile j.qasm --emit qasm2", 1,
         "j.qasm:6:33: error: cannot write 'x' in OpenQASM 2.0: conditions cannot be nested\n"
         "    if (c[0] == 1) { if (c[1] == 1) x q[0]; }\n"
         "                                    ^\n"});
}

TEST(LocatedErrors, Qasm2Delay) {
  check({"delay", "d.qasm", "qubit[2] q;\ndelay[100ns] q[0];\nx q[1];\n", "compile d.qasm --emit qasm2", 1,
         "d.qasm:4:1: error: cannot write 'delay' in OpenQASM 2.0: there is no delay\n"
         "    delay[100ns] q[0];\n"
         "    ^\n"});
}

TEST(LocatedErrors, Qasm2ControlsWithoutAGate) {
  check({"controls", "e.qasm", "qubit[4] q;\nctrl(3) @ rz(0.3) q[0], q[1], q[2], q[3];\n",
         "compile e.qasm --emit qasm2", 1,
         "e.qasm:4:1: error: cannot write 'ctrl(2) @ crz' in OpenQASM 2.0: there is no control modifier, and "
         "qelib1.inc has no gate 'c3rz' to express it\n"
         "    ctrl(3) @ rz(0.3) q[0], q[1], q[2], q[3];\n"
         "    ^\n"});
}

TEST(LocatedErrors, TooFewPhysicalQubits) {
  check({"device", "c.qasm", "qubit[3] q;\nh q[0];\ncx q[0], q[1];\ncx q[1], q[2];\n",
         "compile c.qasm -O1 --target generic --coupling-map line:2", 1,
         "c.qasm:6:1: error: the circuit has 3 qubits but the coupling map line:2 only 2 (this cx uses qubit 2)\n"
         "    cx q[1], q[2];\n"
         "    ^\n"});
}

TEST(LocatedErrors, RunWithAnUnboundInput) {
  check({"run_unbound", "a.qasm", "input float theta;\nqubit[2] q;\nh q[0];\nrz(theta / 2) q[1];\n",
         "run a.qasm", 1,
         "a.qasm:6:1: error: the circuit has unbound input: theta; give values with --set NAME=VALUE.\n"
         "    rz(theta / 2) q[1];\n"
         "    ^\n"});
}

TEST(LocatedErrors, StateVectorOfADynamicCircuit) {
  check({"dynamic", "h.qasm", "qubit[2] q;\nbit[2] c;\nh q[0];\nc[0] = measure q[0];\nif (c[0]) x q[1];\n",
         "run h.qasm --statevector", 1,
         "h.qasm:6:1: error: the measurement of qubit 0 has a random outcome (1 with probability 0.5), so the "
         "circuit has no single final state vector; ask for --probabilities or --observable (averaged over the "
         "outcomes) instead of --statevector.\n"
         "    c[0] = measure q[0];\n"
         "    ^\n"});
}

TEST(LocatedErrors, GradientOfANonUnitaryCircuit) {
  check({"gradient", "g.qasm", "input float t;\nqubit[2] q;\nbit[1] c;\nrx(t) q[0];\nc[0] = measure q[1];\n",
         "run g.qasm --gradient --observable Z0 --set t=0.1", 1,
         "g.qasm:7:1: error: a differentiable circuit must be unitary, but this measure is not (BatchCircuit).\n"
         "    c[0] = measure q[1];\n"
         "    ^\n"});
}

TEST(LocatedErrors, EquivalenceAfterAMeasurement) {
  check({"equiv", "f.qasm", "qubit[2] q;\nbit[2] c;\nc[0] = measure q[0];\nh q[0];\n", "equiv f.qasm f.qasm", 2,
         "f.qasm:6:1: error: first circuit: a gate after a measurement cannot be compared\n"
         "    h q[0];\n"
         "    ^\n"});
}

// Through gate inlining: the call, not the definition's body.
TEST(LocatedErrors, InlinedGateReportsItsCall) {
  check({"inlined", "g.qasm", "input float t;\ngate turn(a) r { h r; rz(a) r; }\nqubit q;\nturn(2 * t) q;\n",
         "compile g.qasm --emit qasm2", 1,
         "g.qasm:6:1: error: cannot write 'rz' in OpenQASM 2.0: its parameter '2*t' depends on input 't', which "
         "has no value; bind it with --set\n"
         "    turn(2 * t) q;\n"
         "    ^\n"});
}

// Through passes: -O1 translates ry(t) to the Nam basis; the pieces keep
// the location of the ry.
TEST(LocatedErrors, OptimisedOperationKeepsItsSource) {
  check({"optimised", "o.qasm", "input float t;\nqubit[2] q;\ncx q[0], q[1];\nry(t) q[1];\n",
         "compile o.qasm -O1 --emit qasm2", 1,
         "o.qasm:6:1: error: cannot write 'rz' in OpenQASM 2.0: its parameter 't' depends on input 't', which "
         "has no value; bind it with --set\n"
         "    ry(t) q[1];\n"
         "    ^\n"});
}

// Through includes: the location is in the included file, named by its
// path as the front end names included files in its own errors.
TEST(LocatedErrors, IncludedFile) {
  fs::path d = temp_dir() / "included";
  fs::create_directories(d);
  write(d, "body.inc", "rz(theta) q[0];\n");
  write(d, "main.qasm", program("input float theta;\nqubit[1] q;\ninclude \"body.inc\";\n"));
  Result r = qforge("compile main.qasm --emit qasm2", d);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out,
            (d / "body.inc").string() + ":1:1: error: cannot write 'rz' in OpenQASM 2.0: its parameter 'theta' depends on input 'theta', "
            "which has no value; bind it with --set\n"
            "    rz(theta) q[0];\n"
            "    ^\n");
}

}  // namespace
