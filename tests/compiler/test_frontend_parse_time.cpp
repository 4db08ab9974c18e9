// Long files are parsed without full-context LL prediction of every
// statement: it costs about a millisecond a statement, so a 5000-line file
// with one typo took over four seconds to report it, and one with a comment
// two seconds to accept it.
#include "qforge/frontend.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace qforge {
namespace {

std::string long_program(std::size_t typo_at, std::size_t lines) {
  std::string s = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[4];\n";
  for (std::size_t i = 0; i < lines; ++i) s += i == typo_at ? "cx q[3],q[2\n" : "cx q[3],q[2];\n";
  return s;
}

double seconds_to_check(const std::string& source, std::string& diagnostics) {
  auto t0 = std::chrono::steady_clock::now();
  DiagnosticSink d;
  compile_source(source, "long.qasm", CompileOptions{}, d);
  diagnostics = d.format();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

TEST(FrontendParseTime, OneTypoInALongFileIsQuick) {
  for (std::size_t typo_at : {std::size_t(10), std::size_t(4990)}) {
    std::string diags;
    const double s = seconds_to_check(long_program(typo_at, 5000), diags);
    // The unclosed '[' is found at the next line's first token.
    EXPECT_EQ(diags.rfind("long.qasm:" + std::to_string(typo_at + 5) + ":1: error: unexpected 'cx'", 0), 0u) << diags;
    EXPECT_LT(s, 2.0) << "typo at line " << typo_at + 4;
  }
}

// A comment is no syntax error for the streamed SLL parse: the file is not
// parsed a second time in LL mode (which took 2 s for this one).
TEST(FrontendParseTime, CommentsKeepTheFastParse) {
  std::string s = "// generated\nOPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[4];\n";
  for (int i = 0; i < 5000; ++i) s += i % 100 == 0 ? "cx q[3],q[2]; /* block */ // line\n" : "cx q[3],q[2];\n";
  std::string diags;
  const double t = seconds_to_check(s, diags);
  EXPECT_EQ(diags, "");
  EXPECT_LT(t, 1.0);
}

}  // namespace
}  // namespace qforge
