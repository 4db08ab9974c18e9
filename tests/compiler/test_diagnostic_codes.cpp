// The stable codes of the front end's diagnostics (qforge/diagnostic_codes.hpp):
// one program for each code, every diagnostic of many invalid programs
// classified (never the fallback QF0000), ranges and related locations.
#include "qforge/diagnostic_codes.hpp"
#include "qforge/frontend.hpp"

#include "test_frontend_helpers.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace qforge {
namespace {

using test_frontend::TempDir;

struct CodeCase {
  const char* code;  ///< the code of the first diagnostic
  const char* source;
};

#define Q3 "OPENQASM 3.0;\ninclude \"stdgates.inc\";\n"
#define Q2 "OPENQASM 2.0;\ninclude \"qelib1.inc\";\n"

// At least one program for every code but QF0000, QF0001 (an internal
// error has no program), QF1005 (ANTLR's own words, for the syntax errors
// the others do not name), QF1006 (the 101st syntax error: FrontendChecksMore.
// SyntaxErrorsStopAfterAHundred), QF8006 (the evaluator's guard for operators the
// grammar has but it does not know) and QF0002, QF6002, QF6003, QF9001 (checked below
// with files, bindings and options).
const std::vector<CodeCase>& code_cases() {
  static const std::vector<CodeCase> cases = {
    // syntax
    {"QF1001", Q3 "qubit q;\nh q ?;\n"},
    {"QF1002", Q3 "qubit q;\nh q\nx q;\n"},
    {"QF1002", Q3 "qubit[2] q;\nh q[0;\n"},
    {"QF1003", Q3 "qubit q;\nh q q q;\n"},
    {"QF1004", Q3 "qubit q;\nif (true) {\n  h q;\n"},
    {"QF1004", Q3 "qubit q;\nrx(1 +"},
    // names and scopes
    {"QF2001", Q3 "qubit q;\nqubit q;\n"},
    {"QF2001", Q3 "int x = 1;\nfloat x = 2;\n"},
    {"QF2002", Q3 "gate g a { h a; }\ngate g a { x a; }\n"},
    {"QF2003", Q3 "gate h a { x a; }\n"},
    {"QF2003", "OPENQASM 3.0;\ngate U(a, b, c) q { }\n"},
    {"QF2004", Q3 "qubit q;\nrx(theta) q;\n"},
    {"QF2005", "OPENQASM 3.0;\nqubit q;\nh q;\n"},
    {"QF2006", Q3 "float x = foo(1);\n"},
    {"QF2007", Q3 "qubit r;\ngate g a { cx a, r; }\n"},
    {"QF2008", Q3 "if (true) { qubit q; }\n"},
    {"QF2009", Q3 "gate g a, a { h a; }\n"},
    {"QF2010", Q3 "return;\n"},
    {"QF2013", Q3 "break;\n"},
    {"QF2011", Q3 "gate g a { g a; }\n"},
    {"QF2012", Q3 "gate g a { int x = 1; }\n"},
    // types and operands
    {"QF3001", Q3 "qubit[2] q;\nh q[true];\n"},
    {"QF3001", Q3 "bit[2] c;\nqubit q;\nrx(c) q;\n"},
    {"QF3002", Q3 "bool b = true;\nint x = -b;\n"},
    {"QF3003", Q3 "bit c;\nh c;\n"},
    {"QF3004", Q3 "qubit q;\nrx(0.1, 0.2) q;\n"},
    {"QF3004", Q3 "qubit[3] q;\ncx q[0];\n"},
    {"QF3005", Q3 "qubit q;\ncx q, q;\n"},
    {"QF3006", Q3 "qubit[2] a;\nqubit[3] b;\ncx a, b;\n"},
    {"QF3007", Q3 "qubit[2] q;\nbit[3] c;\nc = measure q;\n"},
    {"QF3008", Q3 "const int n = 2;\nn = 3;\n"},
    {"QF3009", Q3 "input bool b;\n"},
    {"QF3010", Q3 "h $0;\nqubit q;\n"},
    // constants and limits
    {"QF4001", Q3 "int n;\nqubit[n] q;\n"},
    {"QF4002", Q3 "int x = 99999999999999999999;\n"},
    {"QF4003", Q3 "int x = 1 / 0;\n"},
    {"QF4004", Q3 "qubit[2] q;\nh q[5];\n"},
    {"QF4005", Q3 "qubit[0] q;\n"},
    {"QF4005", Q3 "qubit q;\nfor int i in [0:0:3] { h q; }\n"},
    {"QF4006", Q3 "qubit[2000000] q;\n"},
    {"QF4007", Q3 "qubit q;\nfor int i in [0:100000000] { h q; }\n"},
    {"QF4007", Q3 "qubit q;\npow(10000000) @ h q;\n"},
    {"QF4008", Q3 "includes nest deeply: see IncludeDepth\n"},
    // OpenQASM 2.0
    {"QF5001", Q2 "qreg q[2];\nctrl @ h q[0], q[1];\n"},
    {"QF5002", Q2 "qreg q;\n"},
    {"QF5003", "OPENQASM 4.0;\n"},
    // files and includes
    {"QF6001", Q3 "include \"nowhere.inc\";\n"},
    {"QF6004", "OPENQASM 2.0;\ninclude \"stdgates.inc\";\n"},
    {"QF6004", "OPENQASM 3.0;\ninclude \"qelib1.inc\";\n"},
    // encoding
    {"QF7001", Q3 "qubit q; // \xff\n"},
    // unsupported features
    {"QF8001", Q3 "def f(qubit q) -> bit {\n  bit b = measure q;\n  if (b) { return measure q; }\n  return b;\n}\nqubit r;\nbit c = f(r);\n"},
    {"QF3002", Q3 "qubit q;\nfloat[64] f = 0.5;\nbit c = measure q;\nwhile (f * c) { }\n"},
    {"QF3008", Q3 "qubit q;\nbit[2] c;\nc[0] = measure q;\nfloat[64] f = c[0] * 0.5;\nc = f;\n"},
    {"QF8002", Q3 "input float a;\nqubit q;\nif (a > 0) { h q; }\n"},
    {"QF8003", Q3 "complex[float] z = 1im;\n"},
    {"QF8003", Q3 "duration d;\n"},
    {"QF8003", Q3 "qubit q;\nduration d = durationof({h q;});\n"},
    {"QF8003", Q3 "qubit q;\ndelay[10dt + 5ns] q;\n"},
    {"QF8001", Q3 "qubit q;\narray[int[8], 2] a;\nbit m = measure q;\na[0] = m;\n"},
    {"QF8004", Q3 "extern f(int) -> int;\n"},
    {"QF8004", "OPENQASM 2.0;\nopaque g q;\n"},
    {"QF8005", Q3 "gate g a { h a; t a; }\nqubit q;\npow(0.5) @ g q;\n"},
    {"QF8005", Q3 "qubit q;\nh[10ns] q;\n"},
    // warnings
    {"QF9002", Q3 "qubit q;\nbox { h q; }\n"},
    {"QF9003", Q3 "defcalgrammar \"openpulse\";\n"},
    {"QF9005", Q3 "qubit q;\nstretch s;\ndelay[s] q;\n"},
    {"QF9006", Q3 "qubit a;\nqubit b;\nlet r = {a, b};\n"},
  };
  return cases;
}

DiagnosticSink compile(const std::string& source, const CompileOptions& opt = {}) {
  DiagnosticSink d;
  compile_source(source, "test.qasm", opt, d);
  return d;
}

std::string describe(const DiagnosticSink& d) {
  std::string out;
  for (const auto& x : d.all()) out += "[" + x.code + "] " + format_diagnostic(x);
  return out;
}

TEST(DiagnosticCodes, RulesAreUniqueAndWellFormed) {
  std::set<std::string> codes, names;
  std::string last;
  for (const auto& r : diagnostic_rules()) {
    const std::string code = r.code;
    EXPECT_TRUE(codes.insert(code).second) << code;
    EXPECT_TRUE(names.insert(r.name).second) << r.name;
    ASSERT_EQ(code.size(), 6u) << code;
    EXPECT_EQ(code.substr(0, 2), "QF");
    EXPECT_GT(code, last) << "rules are in code order";
    EXPECT_NE(std::string(r.summary), "");
    EXPECT_EQ(find_diagnostic_rule(code), &r);
    last = code;
  }
  EXPECT_EQ(std::string(diagnostic_rules().front().code), kFallbackDiagnosticCode);
  EXPECT_EQ(find_diagnostic_rule("QF9999"), nullptr);
}

TEST(DiagnosticCodes, EachProgramHasItsCode) {
  for (const auto& c : code_cases()) {
    if (std::string(c.source).find("IncludeDepth") != std::string::npos) continue;
    DiagnosticSink d = compile(c.source);
    ASSERT_FALSE(d.all().empty()) << c.source;
    EXPECT_EQ(d.all()[0].code, c.code) << c.source << describe(d);
  }
}

TEST(DiagnosticCodes, EveryCodeHasAProgram) {
  std::set<std::string> covered;
  for (const auto& c : code_cases()) covered.insert(c.code);
  // QF9004 (output declarations ignored) is no longer reported: outputs are kept.
  for (const char* extra : {"QF0000", "QF0001", "QF0002", "QF1005", "QF1006", "QF6002", "QF6003", "QF8006", "QF9001",
                            "QF9004"})
    covered.insert(extra);
  for (const auto& r : diagnostic_rules()) EXPECT_TRUE(covered.count(r.code)) << r.code << " has no test program";
}

TEST(DiagnosticCodes, FilesIncludesAndBindings) {
  TempDir dir;
  const std::string a = dir.write("a.inc", "include \"b.inc\";\n");
  dir.write("b.inc", "include \"a.inc\";\n");
  DiagnosticSink d;
  compile_file(a, CompileOptions{}, d);
  ASSERT_FALSE(d.all().empty());
  EXPECT_EQ(d.all()[0].code, "QF6003") << describe(d);

  DiagnosticSink missing;
  compile_file(dir.path("absent.qasm"), CompileOptions{}, missing);
  ASSERT_EQ(missing.all().size(), 1u);
  EXPECT_EQ(missing.all()[0].code, "QF6002");

  // A file including itself is a cycle; a chain of distinct files 65 deep
  // reaches the include limit.
  for (int i = 0; i < 70; ++i)
    dir.write("n" + std::to_string(i) + ".inc", "include \"n" + std::to_string(i + 1) + ".inc\";\n");
  DiagnosticSink nested;
  compile_file(dir.path("n0.inc"), CompileOptions{}, nested);
  ASSERT_FALSE(nested.all().empty());
  EXPECT_EQ(nested.all()[0].code, "QF4008") << describe(nested);

  CompileOptions opt;
  opt.bindings["nothing"] = {1.0};
  DiagnosticSink bound = compile(Q3 "input float a;\nqubit q;\nrx(a) q;\n", opt);
  ASSERT_EQ(bound.all().size(), 1u);
  EXPECT_EQ(bound.all()[0].code, "QF0002");

  CompileOptions drop;
  drop.keep_delay_and_box = false;
  DiagnosticSink delay = compile(Q3 "qubit q;\ndelay[10ns] q;\n", drop);
  ASSERT_FALSE(delay.all().empty());
  EXPECT_EQ(delay.all()[0].code, "QF9001") << describe(delay);
}

TEST(DiagnosticCodes, RangeCoversTheOffendingNode) {
  DiagnosticSink d = compile(Q3 "qubit q;\nrx(0.1, 0.2) q;\n");
  ASSERT_EQ(d.all().size(), 1u);
  const Diagnostic& x = d.all()[0];
  EXPECT_EQ(x.loc.line, 4u);
  EXPECT_EQ(x.loc.col, 1u);
  EXPECT_EQ(x.end.line, 4u);
  EXPECT_EQ(x.end.col, 16u);  // just after the ';'
  // A syntax error at a token covers the token.
  DiagnosticSink s = compile(Q3 "qubit q;\nh q q q;\n");
  ASSERT_FALSE(s.all().empty());
  EXPECT_EQ(s.all()[0].end.line, s.all()[0].loc.line);
  EXPECT_GT(s.all()[0].end.col, s.all()[0].loc.col);
}

TEST(DiagnosticCodes, RedeclarationPointsToTheFirstDeclaration) {
  DiagnosticSink d = compile(Q3 "qubit[2] q;\nh q[0];\nbit q;\n");
  ASSERT_EQ(d.all().size(), 1u) << describe(d);
  const Diagnostic& x = d.all()[0];
  EXPECT_EQ(x.code, "QF2001");
  ASSERT_EQ(x.related.size(), 1u);
  EXPECT_EQ(x.related[0].loc.line, 3u);
  EXPECT_EQ(x.related[0].loc.col, 1u);
  EXPECT_EQ(x.related[0].message, "'q' is first declared here");
  ASSERT_TRUE(x.related[0].loc.file);
  EXPECT_EQ(*x.related[0].loc.file, "test.qasm");

  DiagnosticSink g = compile(Q3 "gate g a { h a; }\nqubit q;\ngate g b { x b; }\n");
  ASSERT_EQ(g.all().size(), 1u) << describe(g);
  EXPECT_EQ(g.all()[0].code, "QF2002");
  ASSERT_EQ(g.all()[0].related.size(), 1u);
  EXPECT_EQ(g.all()[0].related[0].loc.line, 3u);
}

/// Every diagnostic of `source` has a code that is a rule, and not the fallback.
void expect_classified(const std::string& source, const std::string& what) {
  DiagnosticSink d = compile(source);
  for (const auto& x : d.all()) {
    EXPECT_NE(x.code, kFallbackDiagnosticCode) << what << "\n" << format_diagnostic(x);
    EXPECT_NE(find_diagnostic_rule(x.code), nullptr) << what << "\n" << x.code;
  }
}

TEST(DiagnosticCodes, NoProgramGetsTheFallbackCode) {
  for (const auto& c : code_cases()) expect_classified(c.source, c.source);
  // Invalid variants of every case: each cut short, and each with a line
  // doubled (redeclarations) or dropped (undefined names).
  for (const auto& c : code_cases()) {
    std::string s = c.source;
    for (std::size_t cut = 1; cut < s.size(); cut += 7) expect_classified(s.substr(0, cut), s.substr(0, cut));
    std::vector<std::string> lines;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      std::string doubled, dropped;
      for (std::size_t j = 0; j < lines.size(); ++j) {
        doubled += lines[j] + "\n" + (i == j ? lines[j] + "\n" : "");
        if (i != j) dropped += lines[j] + "\n";
      }
      expect_classified(doubled, doubled);
      expect_classified(dropped, dropped);
    }
  }
}

// The corpus, whole and cut short at several places (syntax errors of every
// kind, undefined names): no diagnostic falls back to QF0000.
TEST(DiagnosticCodes, CorpusAndItsTruncationsAreClassified) {
  const char* corpus = std::getenv("QFORGE_CORPUS");
  if (!corpus || !std::filesystem::is_directory(corpus)) GTEST_SKIP() << "QFORGE_CORPUS is not set";
  std::size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(corpus)) {
    if (!e.is_regular_file() || e.path().extension() != ".qasm" || e.file_size() > 64 * 1024) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    ++files;
    expect_classified(text, e.path().string());
    for (std::size_t k = 1; k <= 3; ++k) {
      const std::size_t cut = text.size() * k / 4;
      expect_classified(text.substr(0, cut), e.path().string() + " cut at " + std::to_string(cut));
    }
  }
  EXPECT_GT(files, 20u);
}

}  // namespace
}  // namespace qforge
