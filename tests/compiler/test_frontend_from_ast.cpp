// Compiling from the syntax tree: what the front end reads from ast:: nodes
// that the parse tree used to give it. The spans it adds for messages
// (designators, `else`, ranges with two colons), errors in annotated
// statements located at the statement, types read from the file that
// declares them (an included subroutine), and definitions that outlive the
// statements around them. Expected values are derived by hand.
#include "qforge/ast.hpp"

#include "test_frontend_helpers.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>

namespace qforge {
namespace {

using test_frontend::TempDir;

const ast::Stmt& statement(const ast::File& f, std::size_t i) { return *f.statements.at(i); }

std::string at(const ast::Span& s) {
  return std::to_string(s.line) + ":" + std::to_string(s.col) + "-" + std::to_string(s.end_line) + ":" +
         std::to_string(s.end_col);
}

TEST(FrontendFromAst, SpansForMessages) {
  DiagnosticSink d;
  const ast::File f = ast::parse_source(
      "qubit[2] q;\ncreg c[ 2 ];\nh [10ns] q[0];\ndelay[ 5ns ] q;\nif (c == 1) x q[0]; else y q[0];\n"
      "for int i in [0::2] { }\nfor int j in [0:2] { }\nh q[1];\n",
      "t.qasm", d);
  ASSERT_FALSE(d.has_errors()) << d.format();
  // `[ 2 ]`: columns 7 to 12 of line 2, brackets included.
  EXPECT_EQ(at(static_cast<const ast::OldStyleDecl&>(statement(f, 1)).designator), "2:7-2:12");
  EXPECT_EQ(at(static_cast<const ast::GateCall&>(statement(f, 2)).designator), "3:3-3:9");
  EXPECT_EQ(at(static_cast<const ast::QuantumOp&>(statement(f, 3)).designator), "4:6-4:13");
  EXPECT_EQ(at(static_cast<const ast::If&>(statement(f, 4)).else_keyword), "5:21-5:25");
  const auto& stepped = static_cast<const ast::For&>(statement(f, 5));
  EXPECT_TRUE(stepped.iterable->two_colons);
  EXPECT_EQ(stepped.iterable->step, nullptr);
  EXPECT_FALSE(static_cast<const ast::For&>(statement(f, 6)).iterable->two_colons);
  // Not written: an empty span.
  EXPECT_EQ(static_cast<const ast::GateCall&>(statement(f, 7)).designator.line, 0u);
}

/// The first diagnostic of compiling `source`: its range and message.
std::string first_error(const std::string& source) {
  DiagnosticSink d;
  compile_source(source, "test.qasm", CompileOptions{}, d);
  if (d.all().empty()) return "no diagnostic";
  const Diagnostic& e = d.all().front();
  return std::to_string(e.loc.line) + ":" + std::to_string(e.loc.col) + "-" + std::to_string(e.end.line) + ":" +
         std::to_string(e.end.col) + " " + e.message;
}

TEST(FrontendFromAst, MessagesAtTheSpansTheTreeAdds) {
  // `[ -1 ]`, brackets included.
  EXPECT_EQ(first_error("OPENQASM 3.0;\ncreg c[ -1 ];\n"), "2:7-2:13 register size must be positive, got -1");
  EXPECT_EQ(first_error("OPENQASM 3.0;\nqubit q;\nU(0, 0, 0) [ 10ns ] q;\n"),
            "3:12-3:20 gate durations (name[duration]) are not supported");
  EXPECT_EQ(first_error("OPENQASM 3.0;\nqubit q;\ndelay[ 2 ] q;\n"),
            "3:6-3:11 delay needs a constant duration such as 100ns, got a number");
  // `0::3` has two colons and no step.
  EXPECT_EQ(first_error("OPENQASM 3.0;\nqubit[4] q;\nfor int i in [0::3] { U(0, 0, 0) q[i]; }\n"),
            "3:15-3:19 a loop range needs a start and an end, as in [0:3] or [0:2:8]");
  EXPECT_EQ(first_error("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[1];\ncreg c[1];\n"
                        "if (c == 1) x q[0]; else y q[0];\n"),
            "5:21-5:25 'else' is not OpenQASM 2.0; a file that uses it must declare OPENQASM 3.0");
}

TEST(FrontendFromAst, AnnotatedStatementsAreLocatedAtTheirFirstToken) {
  // The annotations (and comments after them) are part of the statement's
  // span, not of where its errors point.
  EXPECT_EQ(first_error("OPENQASM 3.0;\n@a\n  /* c */ int x = 1;\n@b one\n  /* d */ int x = 2;\n"),
            "5:11-5:21 'x' is already declared (at test.qasm:3:11)");
  EXPECT_EQ(first_error("OPENQASM 3.0;\ninclude \"stdgates.inc\";\nqubit[2] q;\n@a\n  /* c */ cx q[0], q[0];\n"),
            "5:11-5:25 qubit q[0] is used twice in one gate call");
  EXPECT_EQ(first_error("OPENQASM 3.0;\n@a\n  /* c */ input float x;\n@b\nfor int i in [0:1] { input float y; }\n"),
            "5:22-5:36 input and output declarations must be at the top level of the program");
}

TEST(FrontendFromAst, TypesOfAnIncludedSubroutineAreReadFromItsFile) {
  // `int i` in a subroutine of the included file: i / 2 is integer division,
  // so both rotations are rx(0); a float loop variable would give rx(0.5).
  TempDir dir;
  std::string main = dir.write("main.qasm",
                               "OPENQASM 3.0;\ninclude \"stdgates.inc\";\ninclude \"lib.inc\";\nqubit q;\nf(q);\n");
  dir.write("lib.inc", "def f(qubit a) {\n  for int i in [0:1] { rx(i / 2) a; }\n}\n");
  DiagnosticSink d;
  Circuit c = compile_file(main, CompileOptions{}, d);
  ASSERT_FALSE(d.has_errors()) << d.format();
  ASSERT_EQ(c.ops.size(), 2u);
  for (const auto& op : c.ops) {
    EXPECT_EQ(op.gate, GateId::RX);
    ASSERT_TRUE(op.params.at(0).is_const());
    EXPECT_EQ(op.params[0].value(), 0.0);
  }
}

TEST(FrontendFromAst, DefinitionsOutliveTheStatementsAroundThem) {
  // Gates and subroutines defined at the start, called after thousands of
  // statements whose trees and tokens are gone, and from an included file.
  TempDir dir;
  dir.write("lib.inc", "gate twice(t) a { rz(t) a; rz(t) a; }\n");
  std::string src = "OPENQASM 3.0;\ninclude \"stdgates.inc\";\ninclude \"lib.inc\";\n"
                    "gate pair a, b { cx a, b; h b; }\n"
                    "def flip(qubit a) -> bit { x a; return measure a; }\nqubit[2] q;\n";
  for (int i = 0; i < 3000; ++i) src += "h q[0]; // comment " + std::to_string(i) + "\n";
  src += "pair q[0], q[1];\ntwice(0.25) q[1];\nbit b = flip(q[0]);\n";
  std::string main = dir.write("main.qasm", src);
  DiagnosticSink d;
  Circuit c = compile_file(main, CompileOptions{}, d);
  ASSERT_FALSE(d.has_errors()) << d.format();
  // 3000 h, then cx h (pair), rz rz (twice), x and a measurement (flip).
  ASSERT_EQ(c.ops.size(), 3000u + 2 + 2 + 2);
  EXPECT_EQ(c.ops[3000].gate, GateId::CX);
  EXPECT_EQ(c.ops[3001].gate, GateId::H);
  EXPECT_EQ(c.ops[3002].gate, GateId::RZ);
  EXPECT_EQ(c.ops[3003].params.at(0).value(), 0.25);
  EXPECT_EQ(c.ops[3004].gate, GateId::X);
  EXPECT_EQ(c.ops[3005].kind, OpKind::Measure);
  // Operations inlined from a definition are located at the call.
  EXPECT_EQ(c.ops[3000].loc.line, 3000u + 7);
  EXPECT_EQ(c.ops[3005].loc.line, 3000u + 9);
}

TEST(FrontendFromAst, ErrorsInsideAnIncludedBodyNameItsFile) {
  // 1/t with t = 0 fails while the body of lib.inc's gate is inlined at a
  // call in main.qasm: the message is at `1/t` in lib.inc (line 3, column
  // 5) with lib.inc's line, not at the same line and column of main.qasm.
  TempDir dir;
  dir.write("lib.inc", "// a library\ngate bad(t) a {\n  U(1/t, 0, 0) a;\n}\n");
  const std::string main = dir.write("main.qasm", "OPENQASM 3.0;\ninclude \"lib.inc\";\nqubit q;\nbad(0) q;\n");
  DiagnosticSink d;
  compile_file(main, CompileOptions{}, d);
  ASSERT_EQ(d.all().size(), 1u) << d.format();
  const Diagnostic& e = d.all().front();
  ASSERT_TRUE(e.loc.file);
  EXPECT_EQ(std::filesystem::path(*e.loc.file).filename(), "lib.inc");
  EXPECT_EQ(e.loc.line, 3u);
  EXPECT_EQ(e.loc.col, 5u);
  EXPECT_EQ(e.message, "division by zero");
  EXPECT_EQ(e.source_line, "  U(1/t, 0, 0) a;");
}

}  // namespace
}  // namespace qforge
