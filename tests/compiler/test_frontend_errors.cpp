// Invalid programs and the exact diagnostics the front end prints for them
// (DiagnosticSink::format(): `file:line:col: error: message`, the source line
// and a caret). Each message says what was expected or what is unsupported,
// and points at the place a user has to change.
#include "qforge/frontend.hpp"

#include "test_frontend_helpers.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace qforge {
namespace {

using ErrorCase = test_frontend::DiagnosticCase;
using test_frontend::diagnostics_of;
using test_frontend::file_diagnostics;
using test_frontend::TempDir;

// Programs are compiled as "test.qasm".
const std::vector<ErrorCase>& error_cases() {
  static const std::vector<ErrorCase> cases = {
    {"MissingSemicolon",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
h q[0]
cx q[0], q[1];
)qasm",
     R"msg(test.qasm:4:7: error: expected ';' at the end of the statement
    h q[0]
          ^
)msg"},
    {"MissingSemicolonAtEndOfFile",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
h q[0])qasm",
     R"msg(test.qasm:4:7: error: expected ';' at the end of the statement
    h q[0]
          ^
)msg"},
    {"MissingSemicolonInGateBody",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
gate g a { h a }
qubit q;
g q;
)qasm",
     R"msg(test.qasm:3:15: error: expected ';' at the end of the statement
    gate g a { h a }
                  ^
)msg"},
    {"MissingSemicolonAfterVersion",
     R"qasm(OPENQASM 3.0
include "stdgates.inc";
)qasm",
     R"msg(test.qasm:1:13: error: expected ';' at the end of the statement
    OPENQASM 3.0
                ^
)msg"},
    {"UnexpectedToken",
     R"qasm(OPENQASM 3.0;
qubit q;
U(0, 0, 0) q @;
)qasm",
     R"msg(test.qasm:3:14: error: unexpected '@'
    U(0, 0, 0) q @;
                 ^
)msg"},
    {"UnexpectedCharacter",
     R"qasm(OPENQASM 3.0;
qubit q;
U(0, 0, 0) q; `
)qasm",
     R"msg(test.qasm:3:15: error: unexpected character '`'
    U(0, 0, 0) q; `
                  ^
)msg"},
    {"UnclosedBrace",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit q;
gate g a {
  h a;

g q;
)qasm",
     R"msg(test.qasm:7:5: error: expected '}' before the end of the file (to close the '{' at line 4)
    g q;
        ^
)msg"},
    {"UnbalancedClosingBrace",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit q;
h q;
}
)qasm",
     R"msg(test.qasm:5:1: error: unexpected '}'
    }
    ^
)msg"},
    {"EndOfFileInExpression",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit q;
rx(1 +)qasm",
     R"msg(test.qasm:4:7: error: unexpected end of file
    rx(1 +
          ^
)msg"},
    {"MissingParenthesis",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit q;
rx(0.5 q;
)qasm",
     R"msg(test.qasm:4:7: error: expected ')'
    rx(0.5 q;
          ^
)msg"},
    {"MissingBracket",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
h q[0;
)qasm",
     R"msg(test.qasm:4:6: error: expected ']'
    h q[0;
         ^
)msg"},
    {"MissingOperand",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
cx q[0], ;
)qasm",
     R"msg(test.qasm:4:1: error: gate 'cx' expects 2 qubit arguments, got 1
    cx q[0], ;
    ^
)msg"},
    {"UndefinedName",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit q;
h r;
)qasm",
     R"msg(test.qasm:4:3: error: undefined name 'r'
    h r;
      ^
)msg"},
    {"UndefinedGate",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit q;
foo q;
)qasm",
     R"msg(test.qasm:4:1: error: undefined gate 'foo'
    foo q;
    ^
)msg"},
    {"ForgotStdgates",
     R"qasm(OPENQASM 3.0;
qubit q;
h q;
)qasm",
     R"msg(test.qasm:3:1: error: undefined gate 'h' (did you forget include "stdgates.inc";?)
    h q;
    ^
)msg"},
    {"ForgotQelib1",
     R"qasm(OPENQASM 2.0;
qreg q[1];
h q[0];
)qasm",
     R"msg(test.qasm:3:1: error: undefined gate 'h' (did you forget include "qelib1.inc";?)
    h q[0];
    ^
)msg"},
    {"WrongArity",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit[3] q;
cx q[0];
)qasm",
     R"msg(test.qasm:4:1: error: gate 'cx' expects 2 qubit arguments, got 1
    cx q[0];
    ^
)msg"},
    {"WrongArityUnderCtrl",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit[3] q;
ctrl @ cx q[0], q[1];
)qasm",
     R"msg(test.qasm:4:1: error: 'cx' with 1 control expects 3 qubit arguments, got 2
    ctrl @ cx q[0], q[1];
    ^
)msg"},
    {"MissingParameter",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit q;
rx q;
)qasm",
     R"msg(test.qasm:4:1: error: gate 'rx' expects 1 parameter, got 0
    rx q;
    ^
)msg"},
    {"ExtraParameter",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit q;
h(0.5) q;
)qasm",
     R"msg(test.qasm:4:1: error: gate 'h' expects 0 parameters, got 1
    h(0.5) q;
    ^
)msg"},
    {"UserGateParameterCount",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
gate g(a, b) q { rx(a) q; ry(b) q; }
qubit q;
g(0.1) q;
)qasm",
     R"msg(test.qasm:5:1: error: gate 'g' expects 2 parameters, got 1
    g(0.1) q;
    ^
)msg"},
    {"IndexOutOfRange",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
h q[2];
)qasm",
     R"msg(test.qasm:4:5: error: index 2 out of range for register 'q' of size 2
    h q[2];
        ^
)msg"},
    {"NegativeIndexOutOfRange",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
h q[-3];
)qasm",
     R"msg(test.qasm:4:5: error: index -3 out of range for register 'q' of size 2
    h q[-3];
        ^
)msg"},
    {"SliceOutOfRange",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit[4] q;
h q[2:5];
)qasm",
     R"msg(test.qasm:4:5: error: range 2:5 is out of range for register 'q' of size 4
    h q[2:5];
        ^
)msg"},
    {"DuplicateDeclaration",
     R"qasm(OPENQASM 3.0;
qubit[2] q;
bit[2] q;
)qasm",
     R"msg(test.qasm:3:1: error: 'q' is already declared (at test.qasm:2:1)
    bit[2] q;
    ^
)msg"},
    {"GateRedefinesStdgates",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
gate h a { U(pi/2, 0, pi) a; }
)qasm",
     R"msg(test.qasm:3:1: error: gate 'h' is already defined in stdgates.inc
    gate h a { U(pi/2, 0, pi) a; }
    ^
)msg"},
    {"DuplicateGate",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
gate g a { h a; }
gate g a { x a; }
)qasm",
     R"msg(test.qasm:4:1: error: gate 'g' is already defined (at test.qasm:3:1)
    gate g a { x a; }
    ^
)msg"},
    {"QubitUsedTwice",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
cx q[1], q[1];
)qasm",
     R"msg(test.qasm:4:1: error: qubit q[1] is used twice in one gate call
    cx q[1], q[1];
    ^
)msg"},
    {"QubitUsedTwiceViaCtrl",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
ctrl @ cx q[0], q[1], q[0];
)qasm",
     R"msg(test.qasm:4:1: error: qubit q[0] is used twice in one gate call
    ctrl @ cx q[0], q[1], q[0];
    ^
)msg"},
    {"LoopBoundFromInput",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
input int n;
qubit q;
for int i in [0:n] { h q; }
)qasm",
     R"msg(test.qasm:5:17: error: a loop bound must be a compile-time constant, not an expression of inputs
    for int i in [0:n] { h q; }
                    ^
)msg"},
    {"PowExponentFromInput",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
input float k;
qubit q;
pow(k) @ x q;
)qasm",
     R"msg(test.qasm:5:5: error: a pow() exponent must be a compile-time constant, not an expression of inputs
    pow(k) @ x q;
        ^
)msg"},
    {"CtrlCountFromInput",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
input int k;
qubit[3] q;
ctrl(k) @ x q[0], q[1];
)qasm",
     R"msg(test.qasm:5:6: error: a ctrl() count must be a compile-time constant, not an expression of inputs
    ctrl(k) @ x q[0], q[1];
         ^
)msg"},
    {"RegisterSizeFromVariable",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
int n;
qubit[n] q;
)qasm",
     R"msg(test.qasm:4:7: error: a qubit register size must be a compile-time constant, but 'n' has no compile-time value (it is declared without one or depends on run-time results)
    qubit[n] q;
          ^
)msg"},
    {"WhileOnFloat",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit q;
bit c = measure q;
float[64] f = 0.5 * c;
while (f) { x q; }
)qasm",
     R"msg(test.qasm:6:8: error: the condition of 'while' must be a bool, an integer or bits, got float[64]
    while (f) { x q; }
           ^
)msg"},
    {"Extern",
     R"qasm(OPENQASM 3.0;
extern f(int) -> int;
)qasm",
     R"msg(test.qasm:2:1: error: extern functions are not supported ('f')
    extern f(int) -> int;
    ^
)msg"},
    {"Defcal",
     R"qasm(OPENQASM 3.0;
defcal x $0 { }
)qasm",
     R"msg(test.qasm:2:1: error: defcal calibration blocks are not supported
    defcal x $0 { }
    ^
)msg"},
    {"OpaqueInQasm2",
     R"qasm(OPENQASM 2.0;
include "qelib1.inc";
opaque g a;
qreg q[1];
)qasm",
     R"msg(test.qasm:3:1: error: opaque gate declarations are not supported
    opaque g a;
    ^
)msg"},
    {"Stretch",
     R"qasm(OPENQASM 3.0;
stretch s = 10ns;
)qasm",
     R"msg(test.qasm:2:1: error: stretch variables are not supported
    stretch s = 10ns;
    ^
)msg"},
    {"Duration",
     R"qasm(OPENQASM 3.0;
duration d;
)qasm",
     R"msg(test.qasm:2:1: error: duration variables are not supported
    duration d;
    ^
)msg"},
    {"UnsupportedVersion",
     R"qasm(OPENQASM 4.0;
qubit q;
)qasm",
     R"msg(test.qasm:1:1: error: unsupported OpenQASM version 4.0 (qforge reads 2.0 and 3.x)
    OPENQASM 4.0;
    ^
)msg"},
    {"BroadcastSizeMismatch",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit[2] a;
qubit[3] b;
cx a, b;
)qasm",
     R"msg(test.qasm:5:7: error: registers in one gate call must have the same size (2 and 3)
    cx a, b;
          ^
)msg"},
    {"MeasureSizeMismatch",
     R"qasm(OPENQASM 3.0;
qubit[3] q;
bit[2] c;
c = measure q;
)qasm",
     R"msg(test.qasm:4:1: error: measure needs as many bits as qubits (3 qubits, 2 bits)
    c = measure q;
    ^
)msg"},
    {"MeasureArrowSizeMismatch",
     R"qasm(OPENQASM 2.0;
include "qelib1.inc";
qreg q[3];
creg c[2];
measure q -> c;
)qasm",
     R"msg(test.qasm:5:1: error: measure needs as many bits as qubits (3 qubits, 2 bits)
    measure q -> c;
    ^
)msg"},
    {"AssignToConst",
     R"qasm(OPENQASM 3.0;
const int n = 3;
n = 4;
)qasm",
     R"msg(test.qasm:3:1: error: cannot assign to const 'n'
    n = 4;
    ^
)msg"},
    {"AssignToInput",
     R"qasm(OPENQASM 3.0;
input float t;
t = 4;
)qasm",
     R"msg(test.qasm:3:1: error: cannot assign to input 't'
    t = 4;
    ^
)msg"},
    {"SwitchOnFloat",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit q;
bit c = measure q;
float[64] f = 1.5 * c;
switch (f) { case 0 { x q; } }
)qasm",
     R"msg(test.qasm:6:9: error: switch needs an integer or bits, got float[64]
    switch (f) { case 0 { x q; } }
            ^
)msg"},
    {"FloatAssignedToBits",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit q;
bit[2] c;
c[0] = measure q;
float[64] f = c[0] * 0.5;
c = f;
)qasm",
     R"msg(test.qasm:7:5: error: cannot assign a float[64] value to bit register 'c' of type bit[2] without a cast
    c = f;
        ^
)msg"},
    {"StdgatesInQasm2",
     R"qasm(OPENQASM 2.0;
include "stdgates.inc";
)qasm",
     R"msg(test.qasm:2:1: error: stdgates.inc is an OpenQASM 3 library; OpenQASM 2 programs include qelib1.inc
    include "stdgates.inc";
    ^
)msg"},
    {"Qelib1InQasm3",
     R"qasm(OPENQASM 3.0;
include "qelib1.inc";
)qasm",
     R"msg(test.qasm:2:1: error: qelib1.inc is an OpenQASM 2 library; OpenQASM 3 programs include stdgates.inc
    include "qelib1.inc";
    ^
)msg"},
    {"MissingIncludeFile",
     R"qasm(OPENQASM 3.0;
include "nothere.inc";
)qasm",
     R"msg(test.qasm:2:1: error: cannot find included file 'nothere.inc' (searched next to the including file; add -I DIR)
    include "nothere.inc";
    ^
)msg"},
    {"NonIntegerPowOfUserGate",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
gate g a { h a; t a; }
qubit q;
pow(0.5) @ g q;
)qasm",
     R"msg(test.qasm:5:1: error: pow(0.5) with a non-integer exponent is not supported on gate 'g', whose body has more than one gate
    pow(0.5) @ g q;
    ^
)msg"},
    {"NonIntegerPowOfU3",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit q;
pow(0.5) @ u3(1, 2, 3) q;
)qasm",
     R"msg(test.qasm:4:1: error: pow(0.5) with a non-integer exponent is not supported on gate 'u3'
    pow(0.5) @ u3(1, 2, 3) q;
    ^
)msg"},
    {"GateBodyUsesOuterQubit",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit q;
gate g a { h q; }
g q;
)qasm",
     R"msg(test.qasm:4:14: error: the body of gate 'g' can only use its own qubit arguments; 'q' is declared outside it
    gate g a { h q; }
                 ^
)msg"},
    {"DivisionByZero",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit q;
rz(1 / 0) q;
)qasm",
     R"msg(test.qasm:4:4: error: division by zero
    rz(1 / 0) q;
       ^
)msg"},
    {"SubroutineArgumentCount",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
def f(qubit a, float t) { rx(t) a; }
qubit q;
f(q);
)qasm",
     R"msg(test.qasm:5:1: error: subroutine 'f' expects 2 arguments, got 1
    f(q);
    ^
)msg"},
    {"BreakOutsideLoop",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit q;
bit c = measure q;
if (c) { break; }
)qasm",
     R"msg(test.qasm:5:10: error: 'break' outside a loop
    if (c) { break; }
             ^
)msg"},
    {"BitsAsGateParameter",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit q;
bit[2] c;
rx(c) q;
)qasm",
     R"msg(test.qasm:5:4: error: a gate parameter must be a number, got classical bits
    rx(c) q;
       ^
)msg"},
    {"IndexingASingleQubit",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit q;
h q[0];
)qasm",
     R"msg(test.qasm:4:3: error: 'q' is a single qubit and cannot be indexed
    h q[0];
      ^
)msg"},
    {"GateCalledWithBits",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
bit c;
h c;
)qasm",
     R"msg(test.qasm:4:3: error: 'c' is a bit register, not qubits
    h c;
      ^
)msg"},
    {"QubitsDeclaredInLoop",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
for int i in [0:1] { qubit q; }
)qasm",
     R"msg(test.qasm:3:22: error: qubits must be declared at the top level of the program
    for int i in [0:1] { qubit q; }
                         ^
)msg"},
    {"ReturnOutsideSubroutine",
     R"qasm(OPENQASM 3.0;
return;
)qasm",
     R"msg(test.qasm:2:1: error: 'return' outside a subroutine
    return;
    ^
)msg"},
    {"GateBodyUsesGlobalQubit",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit q;
gate g a { h q; }
g q;
)qasm",
     R"msg(test.qasm:4:14: error: the body of gate 'g' can only use its own qubit arguments; 'q' is declared outside it
    gate g a { h q; }
                 ^
)msg"},
    {"ThreeIndependentErrors",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
h r;
cx q[0];
rx(0.1, 0.2) q[1];
x q[0];
)qasm",
     R"msg(test.qasm:4:3: error: undefined name 'r'
    h r;
      ^
test.qasm:5:1: error: gate 'cx' expects 2 qubit arguments, got 1
    cx q[0];
    ^
test.qasm:6:1: error: gate 'rx' expects 1 parameter, got 2
    rx(0.1, 0.2) q[1];
    ^
)msg"},
    {"TwoSyntaxErrors",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
h q[0]
cx q[0], q[1];
rx(0.5 q[1];
x q[1];
)qasm",
     R"msg(test.qasm:4:7: error: expected ';' at the end of the statement
    h q[0]
          ^
test.qasm:6:7: error: expected ')'
    rx(0.5 q[1];
          ^
)msg"},
    {"ReturnMeasurementInsideRuntimeIf",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
def f(qubit q) -> bit {
  bit b = measure q;
  if (b) { return measure q; }
  return b;
}
qubit r;
bit c = f(r);
)qasm",
     R"msg(test.qasm:5:12: error: returning a measurement inside run-time control flow is not supported (measure into a bit, then return the bit)
      if (b) { return measure q; }
               ^
)msg"},
    {"ReturnValueWithoutResultType",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
def f(qubit q) {
  bit b = measure q;
  if (b) { return 1; }
}
qubit r;
f(r);
)qasm",
     R"msg(test.qasm:5:19: error: subroutine 'f' returns a value inside run-time control flow but declares no scalar result type ('-> type')
      if (b) { return 1; }
                      ^
)msg"},
    {"ConstFromInput",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
input float t;
const float u = 2 * t;
)qasm",
     R"msg(test.qasm:4:17: error: const 'u' needs a compile-time constant value, got an expression of inputs
    const float u = 2 * t;
                    ^
)msg"},
    {"NegctrlCountZero",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
ctrl(0) @ x q[0], q[1];
)qasm",
     R"msg(test.qasm:4:6: error: ctrl() needs a positive count, got 0
    ctrl(0) @ x q[0], q[1];
         ^
)msg"},
    {"LoopStepZero",
     R"qasm(OPENQASM 3.0;
include "stdgates.inc";
qubit q;
for int i in [0:0:3] h q;
)qasm",
     R"msg(test.qasm:4:17: error: a loop step must not be zero
    for int i in [0:0:3] h q;
                    ^
)msg"},
  };
  return cases;
}

class FrontendErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(FrontendErrors, ExactDiagnostic) {
  const ErrorCase& c = GetParam();
  DiagnosticSink d;
  compile_source(c.source, "test.qasm", CompileOptions{}, d);
  EXPECT_TRUE(d.has_errors()) << c.name;
  EXPECT_EQ(d.format(), c.expected) << c.name << "\n" << c.source;
}

INSTANTIATE_TEST_SUITE_P(Frontend, FrontendErrors, ::testing::ValuesIn(error_cases()),
                         test_frontend::case_name);

TEST(FrontendErrorsMore, AtLeastThirtyCases) { EXPECT_GE(error_cases().size(), 30u); }

TEST(FrontendErrorsMore, IndependentErrorsAreAllReported) {
  // Three independent semantic errors: each statement is reported and
  // lowering goes on with the next one.
  DiagnosticSink d;
  compile_source("OPENQASM 3.0;\ninclude \"stdgates.inc\";\nqubit[2] q;\nh r;\ncx q[0];\nrx(0.1, 0.2) q[1];\nx q[0];\n",
                 "test.qasm", CompileOptions{}, d);
  ASSERT_EQ(d.error_count(), 3u) << d.format();
  EXPECT_EQ(d.all()[0].message, "undefined name 'r'");
  EXPECT_EQ(d.all()[1].message, "gate 'cx' expects 2 qubit arguments, got 1");
  EXPECT_EQ(d.all()[2].message, "gate 'rx' expects 1 parameter, got 2");
  // Two syntax errors in different statements: both, and no follow-on errors.
  DiagnosticSink s;
  compile_source("OPENQASM 3.0;\ninclude \"stdgates.inc\";\nqubit[2] q;\nh q[0]\ncx q[0], q[1];\nrx(0.5 q[1];\nx q[1];\n",
                 "test.qasm", CompileOptions{}, s);
  EXPECT_EQ(s.error_count(), 2u) << s.format();
}

// ----------------------------------------------------------------- includes

TEST(FrontendErrorsMore, IncludeCycle) {
  TempDir dir;
  std::string main = dir.write("main.qasm", "OPENQASM 3.0;\ninclude \"a.inc\";\nqubit q;\n");
  dir.write("a.inc", "include \"b.inc\";\ngate ga x { U(0, 0, 0) x; }\n");
  dir.write("b.inc", "// b\ninclude \"a.inc\";\n");
  EXPECT_EQ(file_diagnostics(main), dir.path("b.inc") + ":2:1: error: include cycle: a.inc -> b.inc -> a.inc\n"
                                            "    include \"a.inc\";\n"
                                            "    ^\n");
}

TEST(FrontendErrorsMore, FileIncludesItself) {
  TempDir dir;
  std::string main = dir.write("self.qasm", "OPENQASM 3.0;\ninclude \"self.qasm\";\n");
  EXPECT_EQ(file_diagnostics(main), main + ":2:1: error: include cycle: self.qasm -> self.qasm\n"
                                "    include \"self.qasm\";\n"
                                "    ^\n");
}

TEST(FrontendErrorsMore, SyntaxErrorInIncludedFile) {
  TempDir dir;
  std::string main = dir.write("main.qasm", "OPENQASM 3.0;\ninclude \"bad.inc\";\nqubit q;\ng q;\n");
  dir.write("bad.inc", "gate g a {\n  U(0, 0, 0) a\n}\n");
  EXPECT_EQ(file_diagnostics(main), dir.path("bad.inc") + ":2:15: error: expected ';' at the end of the statement\n"
                                              "      U(0, 0, 0) a\n"
                                              "                  ^\n");
}

TEST(FrontendErrorsMore, IncludeSearchesIncludeDirs) {
  TempDir dir;
  std::string lib = dir.write("lib.inc", "gate mine a { U(0, 0, 0) a; }\n");
  (void)lib;
  CompileOptions opt;
  EXPECT_EQ(diagnostics_of("OPENQASM 3.0;\ninclude \"lib.inc\";\n", opt),
            "test.qasm:2:1: error: cannot find included file 'lib.inc' (searched next to the including file; add -I DIR)\n"
            "    include \"lib.inc\";\n"
            "    ^\n");
  opt.include_dirs = {dir.path("")};
  EXPECT_EQ(diagnostics_of("OPENQASM 3.0;\ninclude \"lib.inc\";\nqubit q;\nmine q;\n", opt), "");
}

TEST(FrontendErrorsMore, MissingFile) {
  DiagnosticSink d;
  compile_file("/nonexistent/dir/prog.qasm", CompileOptions{}, d);
  EXPECT_EQ(d.format(), "/nonexistent/dir/prog.qasm: error: no such file\n");
}

// A long line is shown as a window around the error, "..." at each cut end,
// with the caret under the error: thousands of errors on one long line cost
// memory and time in proportion to the errors, not errors x line length.
TEST(FrontendErrorsMore, LongLineIsShownAsAWindowAroundTheError) {
  std::string line = "qubit q;";
  for (int i = 0; i < 200; ++i) line += " x q;";  // 1000 bytes of valid calls
  const std::size_t bad_col = line.size() + 2;  // 1-based column of "bogus"
  line += " bogus q;";
  for (int i = 0; i < 200; ++i) line += " x q;";
  const std::string got = diagnostics_of("OPENQASM 3.0;\ninclude \"stdgates.inc\";\n" + line + "\n");
  // Hand-built window: 80 bytes before the error, 240 bytes shown.
  const std::size_t at = bad_col - 1, begin = at - 80;
  const std::string expected = "test.qasm:3:" + std::to_string(bad_col) +
                               ": error: undefined gate 'bogus'\n    ..." + line.substr(begin, 240) + "...\n    " +
                               std::string(3 + 80, ' ') + "^\n";
  EXPECT_EQ(got, expected);

  // 10,000 errors on one 90 KB line: the printed diagnostics stay small.
  std::string many = "qubit q;";
  for (int i = 0; i < 10000; ++i) many += " bogus q;";
  const std::string all = diagnostics_of("OPENQASM 3.0;\n" + many + "\n");
  EXPECT_LT(all.size(), 10000u * 400u);
  EXPECT_NE(all.find("test.qasm:2:" + std::to_string(8 + 9 * 9999 + 2) + ": error"), std::string::npos);
}

}  // namespace
}  // namespace qforge
