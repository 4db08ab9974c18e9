// Printing run-time classical logic: `--emit ir` and `--emit qasm3` text of
// a small dynamic circuit written out by hand, and `--emit qasm2` refusing it
// at the construct's source location.
#include "qforge/emit.hpp"
#include "qforge/frontend.hpp"

#include <gtest/gtest.h>

#include <string>

namespace qforge {
namespace {

const char* const kProgram =
    "OPENQASM 3.0;\n"
    "include \"stdgates.inc\";\n"
    "qubit q;\n"
    "bit m;\n"
    "output uint[4] tries;\n"
    "while (m == 0) {\n"
    "  h q;\n"
    "  m = measure q;\n"
    "  tries += 1;\n"
    "  if (tries > 3) { end; }\n"
    "}\n"
    "rz(tries * 0.5) q;\n";

Circuit compiled() {
  DiagnosticSink d;
  Circuit c = compile_source(kProgram, "dyn.qasm", CompileOptions{}, d);
  EXPECT_FALSE(d.has_errors()) << d.format();
  return c;
}

TEST(EmitClassical, IrListing) {
  EXPECT_EQ(emit_ir(compiled()),
            "circuit: 1 qubit, 1 clbit, OpenQASM 3\n"
            "qreg q = q0\n"
            "creg m = c0\n"
            "output var uint[4] tries = v0\n"
            "global_phase: 0\n"
            "ops: 2\n"
            "    0  while ((c0 == 0)) {              ; line 6\n"
            "         h q0                           ; line 7\n"
            "         measure q0 -> c0               ; line 8\n"
            "         tries = (tries + 1)            ; line 9\n"
            "         if ((tries > 3)) {             ; line 10\n"
            "           end                          ; line 10\n"
            "         }\n"
            "       }\n"
            "    1  rz((float[64](tries) * 0.5)) q0  ; line 12\n");
}

TEST(EmitClassical, OpenQasm3) {
  EXPECT_EQ(emit_qasm3(compiled()),
            "OPENQASM 3.0;\n"
            "include \"stdgates.inc\";\n"
            "bit m;\n"
            "output uint[4] tries;\n"
            "qubit q;\n"
            "while ((m == 0)) {\n"
            "  h q;\n"
            "  m = measure q;\n"
            "  tries = (tries + 1);\n"
            "  if ((tries > 3)) {\n"
            "    end;\n"
            "  }\n"
            "}\n"
            "rz((float[64](tries) * 0.5)) q;\n");
}

TEST(EmitClassical, OpenQasm2RefusesAtTheConstruct) {
  try {
    emit_qasm2(compiled());
    FAIL() << "emit_qasm2 accepted a while loop";
  } catch (const LocatedError& e) {
    EXPECT_EQ(std::string(e.what()), "cannot write 'while' in OpenQASM 2.0: run-time classical logic needs OpenQASM 3");
    EXPECT_EQ(e.loc().line, 6u);
    EXPECT_EQ(e.loc().col, 1u);
  }
}

}  // namespace
}  // namespace qforge
