// The front end checks every program: invalid programs found by fuzzing and
// by other parsers' error tests, each with its exact diagnostic (as
// DiagnosticSink::format() prints it), and inputs that used to crash or
// exhaust memory (deep nesting, recursion, huge registers, long include
// chains), generated here so that the tests stay small and fast.
#include "qforge/frontend.hpp"

#include "test_frontend_helpers.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace qforge::test_frontend {
namespace {

// Programs are compiled as "test.qasm". Grouped by what is checked:
// recursion; gate and subroutine bodies where they are defined; exact
// integer constants; resource limits; UTF-8; stray characters; OpenQASM 2.0.
const std::vector<DiagnosticCase> kCheckCases = {
    {"GateCallsItself",
       "OPENQASM 3.0;\n"
       "include \"stdgates.inc\";\n"
       "gate g a { h a; g a; }\n"
       "qubit q;\n"
       "g q;\n",
       "test.qasm:3:17: error: gate 'g' calls itself; a gate cannot be defined in terms of itself\n"
       "    gate g a { h a; g a; }\n"
       "                    ^\n"},
    {"GateCallsItselfUnderModifier",
       "OPENQASM 3.0;\n"
       "include \"stdgates.inc\";\n"
       "gate g a { inv @ g a; }\n",
       "test.qasm:3:12: error: gate 'g' calls itself; a gate cannot be defined in terms of itself\n"
       "    gate g a { inv @ g a; }\n"
       "               ^\n"},
    {"MutualRecursionIsAForwardReference",
       "OPENQASM 3.0;\n"
       "include \"stdgates.inc\";\n"
       "gate a1 q { b1 q; }\n"
       "gate b1 q { a1 q; }\n"
       "qubit r;\n"
       "a1 r;\n",
       "test.qasm:3:13: error: undefined gate 'b1'\n"
       "    gate a1 q { b1 q; }\n"
       "                ^\n"},
    {"SubroutineCallsItself",
       "OPENQASM 3.0;\n"
       "include \"stdgates.inc\";\n"
       "def f(qubit a) { h a; f(a); }\n"
       "qubit q;\n"
       "f(q);\n",
       "test.qasm:3:23: error: subroutine 'f' calls itself; recursion is not supported\n"
       "    def f(qubit a) { h a; f(a); }\n"
       "                          ^\n"},
    {"SubroutineCallsItselfInExpression",
       "OPENQASM 3.0;\n"
       "include \"stdgates.inc\";\n"
       "def f(int n) -> int { return f(n - 1); }\n",
       "test.qasm:3:30: error: subroutine 'f' calls itself; recursion is not supported\n"
       "    def f(int n) -> int { return f(n - 1); }\n"
       "                                 ^\n"},
    {"Qasm2GateCallsItself",
       "OPENQASM 2.0;\n"
       "include \"qelib1.inc\";\n"
       "gate g a { U(0, 0, 0) a; g a; }\n",
       "test.qasm:3:26: error: gate 'g' calls itself; a gate cannot be defined in terms of itself\n"
       "    gate g a { U(0, 0, 0) a; g a; }\n"
       "                             ^\n"},
    {"UncalledGateUndefinedQubit",
       "OPENQASM 3.0;\n"
       "include \"stdgates.inc\";\n"
       "gate g a { h b; }\n",
       "test.qasm:3:14: error: undefined name 'b'\n"
       "    gate g a { h b; }\n"
       "                 ^\n"},
    {"UncalledGateUndefinedParameter",
       "OPENQASM 3.0;\n"
       "include \"stdgates.inc\";\n"
       "gate g(theta) a { rx(phi) a; }\n",
       "test.qasm:3:22: error: undefined name 'phi'\n"
       "    gate g(theta) a { rx(phi) a; }\n"
       "                         ^\n"},
    {"UncalledGateQubitAsAngle",
       "OPENQASM 3.0;\n"
       "include \"stdgates.inc\";\n"
       "gate g(theta) a { rx(a) a; }\n",
       "test.qasm:3:22: error: 'a' is a qubit and cannot be used as a value\n"
       "    gate g(theta) a { rx(a) a; }\n"
       "                         ^\n"},
    {"UncalledGateAngleAsQubit",
       "OPENQASM 3.0;\n"
       "include \"stdgates.inc\";\n"
       "gate g(theta) a { h theta; }\n",
       "test.qasm:3:21: error: 'theta' is a parameter of gate 'g', not a qubit\n"
       "    gate g(theta) a { h theta; }\n"
       "                        ^\n"},
    {"UncalledGateIndexesArgument",
       "OPENQASM 3.0;\n"
       "include \"stdgates.inc\";\n"
       "gate g a { h a[0]; }\n",
       "test.qasm:3:14: error: gate argument 'a' is a single qubit and cannot be indexed\n"
       "    gate g a { h a[0]; }\n"
       "                 ^\n"},
    {"UncalledGateUsesGlobalRegister",
       "OPENQASM 3.0;\n"
       "include \"stdgates.inc\";\n"
       "qubit[2] q;\n"
       "gate g a { cx a, q[0]; }\n",
       "test.qasm:4:18: error: the body of gate 'g' can only use its own qubit arguments; 'q' is declared outside it\n"
       "    gate g a { cx a, q[0]; }\n"
       "                     ^\n"},
    {"UncalledGateUsesInput",
       "OPENQASM 3.0;\n"
       "include \"stdgates.inc\";\n"
       "input float theta;\n"
       "gate g a { rx(theta) a; }\n",
       "test.qasm:4:15: error: the body of gate 'g' can only use its parameters, its qubit arguments and constants; 'theta' is declared outside it\n"
       "    gate g a { rx(theta) a; }\n"
       "                  ^\n"},
    {"UncalledGateUsesVariable",
       "OPENQASM 3.0;\n"
       "include \"stdgates.inc\";\n"
       "float theta = 0.5;\n"
       "gate g a { rx(theta) a; }\n",
       "test.qasm:4:15: error: the body of gate 'g' can only use its parameters, its qubit arguments and constants; 'theta' is declared outside it\n"
       "    gate g a { rx(theta) a; }\n"
       "                  ^\n"},
    {"UncalledGateUndefinedGate",
       "OPENQASM 3.0;\n"
       "include \"stdgates.inc\";\n"
       "gate g a { hh a; }\n",
       "test.qasm:3:12: error: undefined gate 'hh'\n"
       "    gate g a { hh a; }\n"
       "               ^\n"},
    {"UncalledGateCallsLaterGate",
       "OPENQASM 3.0;\n"
       "include \"stdgates.inc\";\n"
       "gate g a { later a; }\n"
       "gate later a { h a; }\n",
       "test.qasm:3:12: error: undefined gate 'later'\n"
       "    gate g a { later a; }\n"
       "               ^\n"},
    {"UncalledGateWrongParameterCount",
       "OPENQASM 3.0;\n"
       "include \"stdgates.inc\";\n"
       "gate g a { rx a; }\n",
       "test.qasm:3:12: error: gate 'rx' expects 1 parameter, got 0\n"
       "    gate g a { rx a; }\n"
       "               ^\n"},
    {"UncalledGateWrongQubitCount",
       "OPENQASM 3.0;\n"
       "include \"stdgates.inc\";\n"
       "gate g a, b { cx a; }\n",
       "test.qasm:3:15: error: gate 'cx' expects 2 qubit arguments, got 1\n"
       "    gate g a, b { cx a; }\n"
       "                  ^\n"},
    {"UncalledGateControlCount",
       "OPENQASM 3.0;\n"
       "include \"stdgates.inc\";\n"
       "gate g a, b { ctrl(2) @ x a, b; }\n",
       "test.qasm:3:15: error: 'x' with 2 controls expects 3 qubit arguments, got 2\n"
       "    gate g a, b { ctrl(2) @ x a, b; }\n"
       "                  ^\n"},
    {"UncalledGateSameQubitTwice",
       "OPENQASM 3.0;\n"
       "include \"stdgates.inc\";\n"
       "gate g a, b { cx a, a; }\n",
       "test.qasm:3:21: error: qubit a is used twice in one gate call\n"
       "    gate g a, b { cx a, a; }\n"
       "                        ^\n"},
    {"UncalledGatePhysicalQubit",
       "OPENQASM 3.0;\n"
       "include \"stdgates.inc\";\n"
       "gate g a { cx a, $0; }\n",
       "test.qasm:3:18: error: the body of gate 'g' can only use its own qubit arguments; '$0' is a physical qubit\n"
       "    gate g a { cx a, $0; }\n"
       "                     ^\n"},
    {"UncalledGateMeasures",
       "OPENQASM 3.0;\n"
       "include \"stdgates.inc\";\n"
       "gate g a { bit c; }\n",
       "test.qasm:3:12: error: only gate calls are allowed in the body of gate 'g'\n"
       "    gate g a { bit c; }\n"
       "               ^\n"},
    {"GateBodyErrorReportedOnce",
       "OPENQASM 3.0;\n"
       "include \"stdgates.inc\";\n"
       "gate g a { h b; }\n"
       "qubit q;\n"
       "g q;\n"
       "g q;\n",
       "test.qasm:3:14: error: undefined name 'b'\n"
       "    gate g a { h b; }\n"
       "                 ^\n"},
    {"UncalledSubroutineUndefinedName",
       "OPENQASM 3.0;\n"
       "include \"stdgates.inc\";\n"
       "def f(qubit a) { rx(amount) a; }\n",
       "test.qasm:3:21: error: undefined name 'amount'\n"
       "    def f(qubit a) { rx(amount) a; }\n"
       "                        ^\n"},
    {"UncalledSubroutineUndefinedGate",
       "OPENQASM 3.0;\n"
       "include \"stdgates.inc\";\n"
       "def f(qubit a) { hh a; }\n",
       "test.qasm:3:18: error: undefined gate 'hh'\n"
       "    def f(qubit a) { hh a; }\n"
       "                     ^\n"},
    {"Qasm2UncalledGateUsesRegister",
       "OPENQASM 2.0;\n"
       "qreg q[1];\n"
       "gate g a { U(0, 0, 0) q[0]; }\n",
       "test.qasm:3:23: error: the body of gate 'g' can only use its own qubit arguments; 'q' is declared outside it\n"
       "    gate g a { U(0, 0, 0) q[0]; }\n"
       "                          ^\n"},
    {"Qasm2UncalledGateModifier",
       "OPENQASM 2.0;\n"
       "gate g a, b { ctrl @ U(0, 0, 0) a, b; }\n",
       "test.qasm:2:15: error: the gate modifier 'ctrl @' is not OpenQASM 2.0; a file that uses it must declare OPENQASM 3.0\n"
       "    gate g a, b { ctrl @ U(0, 0, 0) a, b; }\n"
       "                  ^\n"},
    {"PowerOverflowsBeforeModulo",
       "OPENQASM 3.0;\n"
       "const int x = -(2**63) % -1;\n",
       "test.qasm:2:17: error: integer overflow: 2 ** 63 does not fit in 64 bits\n"
       "    const int x = -(2**63) % -1;\n"
       "                    ^\n"},
    {"AdditionOverflow",
       "OPENQASM 3.0;\n"
       "const int x = 9223372036854775807 + 1;\n",
       "test.qasm:2:15: error: integer overflow: 9223372036854775807 + 1 does not fit in 64 bits\n"
       "    const int x = 9223372036854775807 + 1;\n"
       "                  ^\n"},
    {"MultiplicationOverflow",
       "OPENQASM 3.0;\n"
       "const int x = 3037000500 * 3037000500;\n",
       "test.qasm:2:15: error: integer overflow: 3037000500 * 3037000500 does not fit in 64 bits\n"
       "    const int x = 3037000500 * 3037000500;\n"
       "                  ^\n"},
    {"SmallestDividedByMinusOne",
       "OPENQASM 3.0;\n"
       "const int m = -9223372036854775807 - 1;\n"
       "const int x = m / -1;\n",
       "test.qasm:3:15: error: integer overflow: -9223372036854775808 / -1 does not fit in 64 bits\n"
       "    const int x = m / -1;\n"
       "                  ^\n"},
    {"NegatingTheSmallest",
       "OPENQASM 3.0;\n"
       "const int m = -9223372036854775807 - 1;\n"
       "const int x = -m;\n",
       "test.qasm:3:15: error: integer overflow: -(-9223372036854775808) does not fit in 64 bits\n"
       "    const int x = -m;\n"
       "                  ^\n"},
    {"ShiftPastWidth",
       "OPENQASM 3.0;\n"
       "qubit[1 << 70] q;\n",
       "test.qasm:2:7: error: shift by 70 is out of range (a 64-bit integer shifts by 0 to 63)\n"
       "    qubit[1 << 70] q;\n"
       "          ^\n"},
    {"NegativeShift",
       "OPENQASM 3.0;\n"
       "const int x = 1 << -1;\n",
       "test.qasm:2:15: error: shift by -1 is out of range (a 64-bit integer shifts by 0 to 63)\n"
       "    const int x = 1 << -1;\n"
       "                  ^\n"},
    {"ShiftLosesBits",
       "OPENQASM 3.0;\n"
       "const int x = 3 << 62;\n",
       "test.qasm:2:15: error: integer overflow: 3 << 62 does not fit in 64 bits\n"
       "    const int x = 3 << 62;\n"
       "                  ^\n"},
    {"BitwiseAndOfOverflow",
       "OPENQASM 3.0;\n"
       "const int x = (2**70) & 1;\n",
       "test.qasm:2:16: error: integer overflow: 2 ** 70 does not fit in 64 bits\n"
       "    const int x = (2**70) & 1;\n"
       "                   ^\n"},
    {"ModuloByZero",
       "OPENQASM 3.0;\n"
       "const int x = 7 % 0;\n",
       "test.qasm:2:15: error: modulo by zero\n"
       "    const int x = 7 % 0;\n"
       "                  ^\n"},
    {"IntegerLiteralTooLarge",
       "OPENQASM 3.0;\n"
       "const int x = 9223372036854775808;\n",
       "test.qasm:2:15: error: integer 9223372036854775808 does not fit in 64 bits (the largest is 9223372036854775807)\n"
       "    const int x = 9223372036854775808;\n"
       "                  ^\n"},
    {"HexLiteralTooLarge",
       "OPENQASM 3.0;\n"
       "const int x = 0x1_0000_0000_0000_0000;\n",
       "test.qasm:2:15: error: integer 0x1_0000_0000_0000_0000 does not fit in 64 bits (the largest is 9223372036854775807)\n"
       "    const int x = 0x1_0000_0000_0000_0000;\n"
       "                  ^\n"},
    {"FloatLiteralTooLarge",
       "OPENQASM 3.0;\n"
       "const float x = 1e999;\n",
       "test.qasm:2:17: error: number 1e999 is too large for a float\n"
       "    const float x = 1e999;\n"
       "                    ^\n"},
    {"CastTooLarge",
       "OPENQASM 3.0;\n"
       "const int x = int(1e30);\n",
       "test.qasm:2:15: error: cannot cast 1e+30 to int: it does not fit in 64 bits\n"
       "    const int x = int(1e30);\n"
       "                  ^\n"},
    {"Qasm2CaretIsPowerAndOverflows",
       "OPENQASM 2.0;\n"
       "qreg q[1];\n"
       "U(2^64, 0, 0) q[0];\n",
       "test.qasm:3:3: error: integer overflow: 2 ** 64 does not fit in 64 bits\n"
       "    U(2^64, 0, 0) q[0];\n"
       "      ^\n"},
    {"PowRepetitions",
       "OPENQASM 3.0;\n"
       "qubit q;\n"
       "pow(1e9) @ U(0, 0, 0) q;\n",
       "test.qasm:3:1: error: pow(1000000000) repeats gate 'U' 1000000000 times; at most 1000000 repetitions are allowed (a fixed limit)\n"
       "    pow(1e9) @ U(0, 0, 0) q;\n"
       "    ^\n"},
    {"BitRegisterTooLarge",
       "OPENQASM 3.0;\n"
       "bit[3000000000] c;\n",
       "test.qasm:2:1: error: too many bits (3000000000; at most 16777216, a fixed limit)\n"
       "    bit[3000000000] c;\n"
       "    ^\n"},
    {"CregTooLarge",
       "OPENQASM 2.0;\n"
       "creg c[3000000000];\n",
       "test.qasm:2:1: error: too many bits (3000000000; at most 16777216, a fixed limit)\n"
       "    creg c[3000000000];\n"
       "    ^\n"},
    {"QubitRegisterTooLarge",
       "OPENQASM 3.0;\n"
       "qubit[2000000] q;\n",
       "test.qasm:2:1: error: too many qubits (2000000; at most 1048576, a fixed limit)\n"
       "    qubit[2000000] q;\n"
       "    ^\n"},
    {"CtrlCountTooLarge",
       "OPENQASM 3.0;\n"
       "include \"stdgates.inc\";\n"
       "qubit q;\n"
       "ctrl(5000000) @ x q;\n",
       "test.qasm:4:6: error: ctrl(5000000) has more controls than a program can have qubits (1048576)\n"
       "    ctrl(5000000) @ x q;\n"
       "         ^\n"},
    {"LoopTooLong",
       "OPENQASM 3.0;\n"
       "include \"stdgates.inc\";\n"
       "qubit q;\n"
       "for int i in [0:20000000] h q;\n",
       "test.qasm:4:15: error: loop has more than 10000000 iterations\n"
       "    for int i in [0:20000000] h q;\n"
       "                  ^\n"},
    {"InvalidByteInComment",
       "OPENQASM 3.0;\n"
       "qubit q; // caf\xFF\n",
       "test.qasm:2:16: error: invalid UTF-8: byte 0xFF cannot appear in UTF-8 text (source files must be UTF-8)\n"
       "    qubit q; // caf\xFF\n"
       "                   ^\n"},
    {"CutMultiByteCharacterAtEnd",
       "OPENQASM 3.0;\n"
       "qubit q; // \xC3",
       "test.qasm:2:13: error: invalid UTF-8: the file ends inside a multi-byte character (source files must be UTF-8)\n"
       "    qubit q; // \xC3\n"
       "                ^\n"},
    {"OverlongEncoding",
       "OPENQASM 3.0;\n"
       "// \xC0\xAF\n",
       "test.qasm:2:4: error: invalid UTF-8: byte 0xC0 cannot appear in UTF-8 text (source files must be UTF-8)\n"
       "    // \xC0\xAF\n"
       "       ^\n"},
    {"EncodedSurrogate",
       "OPENQASM 3.0;\n"
       "// \xED\xA0\x80\n",
       "test.qasm:2:4: error: invalid UTF-8: byte 0xED begins an invalid or incomplete character (source files must be UTF-8)\n"
       "    // \xED\xA0\x80\n"
       "       ^\n"},
    {"ContinuationByteMissing",
       "OPENQASM 3.0;\n"
       "// \xE2\x82x\n",
       "test.qasm:2:4: error: invalid UTF-8: byte 0xE2 begins an invalid or incomplete character (source files must be UTF-8)\n"
       "    // \xE2\x82x\n"
       "       ^\n"},
    {"StrayHashBeforeVersion",
       "#\n"
       "OPENQASM 3.0;\n",
       "test.qasm:1:1: error: unexpected character '#'\n"
       "    #\n"
       "    ^\n"},
    {"StrayHashAfterStatement",
       "OPENQASM 3.0;\n"
       "qubit q; #x\n",
       "test.qasm:2:10: error: unexpected character '#'\n"
       "    qubit q; #x\n"
       "             ^\n"},
    {"StrayCharacterAtStartOfFile",
       "?OPENQASM 3.0;\n",
       "test.qasm:1:1: error: unexpected character '?'\n"
       "    ?OPENQASM 3.0;\n"
       "    ^\n"},
    {"Qasm2Version21",
       "OPENQASM 2.1;\n"
       "qreg q[1];\n",
       "test.qasm:1:1: error: unsupported OpenQASM version 2.1 (qforge reads 2.0 and 3.x)\n"
       "    OPENQASM 2.1;\n"
       "    ^\n"},
    {"Qasm2VersionWithoutMinor",
       "OPENQASM 2;\n"
       "qreg q[1];\n",
       "test.qasm:1:1: error: unsupported OpenQASM version 2 (qforge reads 2.0 and 3.x)\n"
       "    OPENQASM 2;\n"
       "    ^\n"},
    {"Version4",
       "OPENQASM 4.0;\n",
       "test.qasm:1:1: error: unsupported OpenQASM version 4.0 (qforge reads 2.0 and 3.x)\n"
       "    OPENQASM 4.0;\n"
       "    ^\n"},
    {"Qasm2QregWithoutSize",
       "OPENQASM 2.0;\n"
       "include \"qelib1.inc\";\n"
       "qreg r;\n",
       "test.qasm:3:1: error: OpenQASM 2.0 requires a register size: 'qreg r[n];'\n"
       "    qreg r;\n"
       "    ^\n"},
    {"Qasm2CregWithoutSize",
       "OPENQASM 2.0;\n"
       "include \"qelib1.inc\";\n"
       "qreg r[1];\n"
       "creg c;\n",
       "test.qasm:4:1: error: OpenQASM 2.0 requires a register size: 'creg c[n];'\n"
       "    creg c;\n"
       "    ^\n"},
    {"Qasm2MeasureWithoutTarget",
       "OPENQASM 2.0;\n"
       "include \"qelib1.inc\";\n"
       "qreg r[1];\n"
       "creg c[1];\n"
       "measure r;\n",
       "test.qasm:5:1: error: OpenQASM 2.0 requires a target for measure: 'measure r -> c;'\n"
       "    measure r;\n"
       "    ^\n"},
    {"Qasm2MeasureAssignment",
       "OPENQASM 2.0;\n"
       "include \"qelib1.inc\";\n"
       "qreg r[1];\n"
       "creg c[1];\n"
       "c = measure r;\n",
       "test.qasm:5:1: error: OpenQASM 2.0 measures as 'measure r -> c;'\n"
       "    c = measure r;\n"
       "    ^\n"},
    {"Qasm2RedefinesU",
       "OPENQASM 2.0;\n"
       "gate U(a, b, c) q { }\n",
       "test.qasm:2:1: error: 'U' is a built-in gate and cannot be redefined\n"
       "    gate U(a, b, c) q { }\n"
       "    ^\n"},
    {"Qasm2RedefinesCX",
       "OPENQASM 2.0;\n"
       "gate CX a, b { }\n",
       "test.qasm:2:1: error: 'CX' is a built-in gate and cannot be redefined\n"
       "    gate CX a, b { }\n"
       "    ^\n"},
    {"Qasm2QubitDeclaration",
       "OPENQASM 2.0;\n"
       "include \"qelib1.inc\";\n"
       "qubit[2] q;\n",
       "test.qasm:3:1: error: OpenQASM 2.0 declares qubits as 'qreg q[n];', not with 'qubit'\n"
       "    qubit[2] q;\n"
       "    ^\n"},
    {"Qasm2BitDeclaration",
       "OPENQASM 2.0;\n"
       "include \"qelib1.inc\";\n"
       "qreg q[1];\n"
       "bit[2] c;\n",
       "test.qasm:4:1: error: OpenQASM 2.0 declares bits as 'creg c[n];', not with 'bit'\n"
       "    bit[2] c;\n"
       "    ^\n"},
    {"Qasm2Input",
       "OPENQASM 2.0;\n"
       "include \"qelib1.inc\";\n"
       "input float theta;\n",
       "test.qasm:3:1: error: 'input' is not OpenQASM 2.0; a file that uses it must declare OPENQASM 3.0\n"
       "    input float theta;\n"
       "    ^\n"},
    {"Qasm2Const",
       "OPENQASM 2.0;\n"
       "include \"qelib1.inc\";\n"
       "const int n = 2;\n",
       "test.qasm:3:1: error: 'const' is not OpenQASM 2.0; a file that uses it must declare OPENQASM 3.0\n"
       "    const int n = 2;\n"
       "    ^\n"},
    {"Qasm2ForLoop",
       "OPENQASM 2.0;\n"
       "include \"qelib1.inc\";\n"
       "qreg q[2];\n"
       "for int i in [0:1] h q[i];\n",
       "test.qasm:4:1: error: a 'for' loop is not OpenQASM 2.0; a file that uses it must declare OPENQASM 3.0\n"
       "    for int i in [0:1] h q[i];\n"
       "    ^\n"},
    {"Qasm2Def",
       "OPENQASM 2.0;\n"
       "include \"qelib1.inc\";\n"
       "def f(qubit a) { h a; }\n",
       "test.qasm:3:1: error: a subroutine ('def') is not OpenQASM 2.0; a file that uses it must declare OPENQASM 3.0\n"
       "    def f(qubit a) { h a; }\n"
       "    ^\n"},
    {"Qasm2CtrlModifier",
       "OPENQASM 2.0;\n"
       "include \"qelib1.inc\";\n"
       "qreg q[2];\n"
       "ctrl @ x q[0], q[1];\n",
       "test.qasm:4:1: error: the gate modifier 'ctrl @' is not OpenQASM 2.0; a file that uses it must declare OPENQASM 3.0\n"
       "    ctrl @ x q[0], q[1];\n"
       "    ^\n"},
    {"Qasm2Gphase",
       "OPENQASM 2.0;\n"
       "gphase(0.5);\n",
       "test.qasm:2:1: error: gphase is not OpenQASM 2.0; a file that uses it must declare OPENQASM 3.0\n"
       "    gphase(0.5);\n"
       "    ^\n"},
    {"Qasm2RangeIndex",
       "OPENQASM 2.0;\n"
       "include \"qelib1.inc\";\n"
       "qreg q[3];\n"
       "h q[0:1];\n",
       "test.qasm:4:4: error: OpenQASM 2.0 indexes a register with one integer, as q[0]\n"
       "    h q[0:1];\n"
       "       ^\n"},
    {"Qasm2PhysicalQubit",
       "OPENQASM 2.0;\n"
       "include \"qelib1.inc\";\n"
       "h $0;\n",
       "test.qasm:3:3: error: the physical qubit $0 is not OpenQASM 2.0; a file that uses it must declare OPENQASM 3.0\n"
       "    h $0;\n"
       "      ^\n"},
    {"Qasm2Else",
       "OPENQASM 2.0;\n"
       "include \"qelib1.inc\";\n"
       "qreg q[1];\n"
       "creg c[1];\n"
       "if (c == 1) x q[0]; else h q[0];\n",
       "test.qasm:5:21: error: 'else' is not OpenQASM 2.0; a file that uses it must declare OPENQASM 3.0\n"
       "    if (c == 1) x q[0]; else h q[0];\n"
       "                        ^\n"},
    {"Qasm2IfBlock",
       "OPENQASM 2.0;\n"
       "include \"qelib1.inc\";\n"
       "qreg q[1];\n"
       "creg c[1];\n"
       "if (c == 1) { x q[0]; }\n",
       "test.qasm:5:13: error: OpenQASM 2.0 conditions one operation, as 'if (c == 1) x q[0];'\n"
       "    if (c == 1) { x q[0]; }\n"
       "                ^\n"},
    {"Qasm2While",
       "OPENQASM 2.0;\n"
       "include \"qelib1.inc\";\n"
       "qreg q[1];\n"
       "while (false) h q[0];\n",
       "test.qasm:4:1: error: a 'while' loop is not OpenQASM 2.0; a file that uses it must declare OPENQASM 3.0\n"
       "    while (false) h q[0];\n"
       "    ^\n"},
};

class FrontendChecks : public ::testing::TestWithParam<DiagnosticCase> {};

TEST_P(FrontendChecks, ExactDiagnostic) {
  EXPECT_EQ(diagnostics_of(GetParam().source), GetParam().expected) << GetParam().name << "\n" << GetParam().source;
}

INSTANTIATE_TEST_SUITE_P(Frontend, FrontendChecks, ::testing::ValuesIn(kCheckCases), case_name);

TEST(FrontendChecksMore, AtLeastFortyCases) { EXPECT_GE(kCheckCases.size(), 40u); }

/// The first line of `diags` (the error itself, without the source line).
std::string first_line(const std::string& diags) { return diags.substr(0, diags.find('\n')); }

const std::string kNesting =
    "error: the program nests too deeply here: more than 1000 nested expressions, blocks or statements (a fixed limit)";

// ------------------------------------------------ inputs that used to crash

TEST(FrontendChecksMore, DeepParenthesesAreAnErrorNotAStackOverflow) {
  for (std::size_t n : {10'000u, 1'000'000u}) {  // a 20 KB and a 2 MB file
    std::string src = "OPENQASM 3.0;\nqubit q;\nU(" + std::string(n, '(') + "0" + std::string(n, ')') + ", 0, 0) q;\n";
    EXPECT_EQ(first_line(diagnostics_of(src)), "test.qasm:3:1002: " + kNesting) << n;
  }
}

TEST(FrontendChecksMore, DeepUnaryOperatorsBracketsAndBlocks) {
  EXPECT_EQ(first_line(diagnostics_of("OPENQASM 3.0;\nqubit q;\nU(" + std::string(1'000'000, '-') + "0, 0, 0) q;\n")),
            "test.qasm:3:1002: " + kNesting);
  EXPECT_EQ(first_line(diagnostics_of("OPENQASM 3.0;\nbit[2] c;\nc" + std::string(100'000, '[') + "0" +
                                      std::string(100'000, ']') + " = 0;\n")),
            "test.qasm:3:1002: " + kNesting);
  EXPECT_EQ(first_line(diagnostics_of("OPENQASM 3.0;\nqubit q;\n" + std::string(100'000, '{') + "U(0, 0, 0) q;" +
                                      std::string(100'000, '}') + "\n")),
            "test.qasm:3:1001: " + kNesting);
}

TEST(FrontendChecksMore, DeepStatementsWithoutBrackets) {
  // Each `if` nests three parser rules without a bracket: the parser's own
  // count stops it.
  std::string ifs;
  for (int i = 0; i < 10'000; ++i) ifs += "if (true) ";
  std::string d = diagnostics_of("OPENQASM 3.0;\nqubit q;\n" + ifs + "U(0, 0, 0) q;\n");
  EXPECT_EQ(first_line(d).substr(first_line(d).find(": error") + 2), kNesting);
}

TEST(FrontendChecksMore, NestingBelowTheLimitCompiles) {
  std::string src = "OPENQASM 3.0;\nqubit q;\nU(" + std::string(900, '(') + "0.5" + std::string(900, ')') + ", 0, 0) q;\n";
  EXPECT_EQ(diagnostics_of(src), "");
  // A long flat expression is not nested: a sum of 100000 terms is fine.
  std::string sum = "1";
  for (int i = 1; i < 100'000; ++i) sum += " + 1";
  DiagnosticSink d;
  Circuit c = compile_source("OPENQASM 3.0;\nqubit q;\nconst int n = " + sum + ";\nU(n, 0, 0) q;\n", "test.qasm", {}, d);
  ASSERT_FALSE(d.has_errors()) << d.format();
  ASSERT_EQ(c.ops.size(), 1u);
  EXPECT_EQ(c.ops[0].params[0].value(), 100000.0);
}

TEST(FrontendChecksMore, GateDefinitionsInlinedTooDeep) {
  std::string src = "OPENQASM 3.0;\ngate g0 a { U(0, 0, 0) a; }\n";
  for (int i = 1; i < 300; ++i)
    src += "gate g" + std::to_string(i) + " a { g" + std::to_string(i - 1) + " a; }\n";
  src += "qubit q;\ng299 q;\n";
  EXPECT_EQ(first_line(diagnostics_of(src)),
            "test.qasm:46:14: error: gate definitions are inlined more than 256 deep inside each other (a fixed limit)");
}

TEST(FrontendChecksMore, IntegerEdgesAreExact) {
  DiagnosticSink d;
  Circuit c = compile_source(
      "OPENQASM 3.0;\nqubit q;\n"
      "const int big = 9223372036854775807;\n"
      "const int small = -9223372036854775807 - 1;\n"
      "const int a = big - 9223372036854775806;\n"    // 1, exact (as doubles: 0)
      "const int b = -(2**62) % -1;\n"                 // 0
      "const int c = (1 << 62) >> 61;\n"               // 2
      "const int d = small / 9223372036854775807;\n"  // -1 (truncated)
      "const int e = 0x7fff_ffff_ffff_ffff & 3;\n"     // 3
      "U(a, b + c, d + e) q;\n",
      "test.qasm", {}, d);
  ASSERT_FALSE(d.has_errors()) << d.format();
  ASSERT_EQ(c.ops.size(), 1u);
  EXPECT_EQ(c.ops[0].params[0].value(), 1.0);
  EXPECT_EQ(c.ops[0].params[1].value(), 2.0);
  EXPECT_EQ(c.ops[0].params[2].value(), 2.0);
}

// A file of nothing but syntax errors: checking stops after 100 of them
// (ANTLR's recovery costs about a millisecond each).
TEST(FrontendChecksMore, SyntaxErrorsStopAfterAHundred) {
  std::string src = "OPENQASM 3.0;\nqubit q;\n";
  for (int i = 0; i < 150; ++i) src += "x q q q;\n";
  const std::string out = diagnostics_of(src);
  std::size_t errors = 0;
  for (std::size_t at = out.find(": error: "); at != std::string::npos; at = out.find(": error: ", at + 1)) ++errors;
  EXPECT_EQ(errors, 101u);
  EXPECT_NE(out.find("test.qasm:104:5: error: too many syntax errors: checking stops after 100 (a fixed limit)\n"),
            std::string::npos)
      << out.substr(out.size() > 400 ? out.size() - 400 : 0);
  DiagnosticSink d;
  compile_source(src, "test.qasm", {}, d);
  ASSERT_FALSE(d.all().empty());
  EXPECT_EQ(d.all().back().code, "QF1006");
}

// ------------------------------------------------ includes

TEST(FrontendChecksMore, LongIncludeChainIsAnErrorNotAStackOverflow) {
  TempDir dir;
  const int n = 10'000;
  std::string main = dir.write("main.qasm", "OPENQASM 3.0;\ninclude \"f1.inc\";\n");
  for (int i = 1; i < n; ++i)
    dir.write("f" + std::to_string(i) + ".inc", "include \"f" + std::to_string(i + 1) + ".inc\";\n");
  dir.write("f" + std::to_string(n) + ".inc", "gate last a { U(0, 0, 0) a; }\n");
  EXPECT_EQ(file_diagnostics(main), dir.path("f63.inc") + ":1:1: error: includes nest more than 64 files deep (a fixed limit)\n"
                                              "    include \"f64.inc\";\n"
                                              "    ^\n");
}

TEST(FrontendChecksMore, InvalidUtf8InAnIncludedFile) {
  TempDir dir;
  std::string main = dir.write("main.qasm", "OPENQASM 3.0;\ninclude \"bad.inc\";\nqubit q;\n");
  dir.write("bad.inc", "// \xff\n");
  EXPECT_EQ(first_line(file_diagnostics(main)), dir.path("bad.inc") +
                                        ":1:4: error: invalid UTF-8: byte 0xFF cannot appear in UTF-8 text (source "
                                        "files must be UTF-8)");
}

// ------------------------------------------------ what stays accepted

TEST(FrontendChecksMore, ValidUtf8IsRead) {
  EXPECT_EQ(diagnostics_of("OPENQASM 3.0;\n// caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\nqubit q;\nU(\xcf\x80, 0, 0) q;\n"),
            "");
}

TEST(FrontendChecksMore, GateBodiesMayUseConstantsAndEarlierGates) {
  EXPECT_EQ(diagnostics_of("OPENQASM 3.0;\ninclude \"stdgates.inc\";\nconst float half = 0.5;\nconst int two = 2;\n"
                           "gate a1(t) q { rx(t * half + pi) q; }\n"
                           "gate b1(t) p, q { ctrl(two - 1) @ a1(t) p, q; pow(two) @ a1(tau) q; }\n"
                           "gate c1 p { gphase(euler); }\n"),
            "");
}

TEST(FrontendChecksMore, Qasm2KeepsItsOwnSyntaxAndQiskitExtras) {
  DiagnosticSink d;
  Circuit c = compile_source(
      "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[4];\ncreg c[4];\n"
      "gate rzx(param0) q0, q1 { h q1; cx q0, q1; rz(param0) q1; cx q0, q1; h q1; }\n"
      "rzx(pi^2) q[0], q[1];\nrzz(0.5) q[0], q[1];\nrxx(0.5) q[0], q[1];\ncu1(0.2) q[0], q[1];\n"
      "sxdg q[0];\ncsx q[0], q[1];\nrccx q[0], q[1], q[2];\nc3x q[0], q[1], q[2], q[3];\nc3sqrtx q[0], q[1], q[2], q[3];\n"
      "u0(1) q[0];\nbarrier q;\nmeasure q -> c;\nif (c == 3) x q[0];\nreset q[1];\n",
      "test.qasm", {}, d);
  EXPECT_FALSE(d.has_errors()) << d.format();
  // `^` is OpenQASM 2's power: pi^2, not an exclusive or.
  ASSERT_FALSE(c.ops.empty());
  bool found = false;
  for (const auto& op : c.ops)
    for (const auto& p : op.params)
      if (p.is_const() && std::abs(p.value() - M_PI * M_PI) < 1e-12) found = true;
  EXPECT_TRUE(found);
}

TEST(FrontendChecksMore, Qasm3VersionsAreAccepted) {
  for (const char* v : {"3", "3.0", "3.1"})
    EXPECT_EQ(diagnostics_of(std::string("OPENQASM ") + v + ";\nqubit q;\n"), "") << v;
}

}  // namespace
}  // namespace qforge::test_frontend
