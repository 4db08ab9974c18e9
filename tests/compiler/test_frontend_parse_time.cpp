// Syntax errors in long files are found without full-context LL prediction
// of every statement: LL prediction costs about a millisecond a statement,
// so a 5000-line file with one typo took over four seconds to report it.
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

}  // namespace
}  // namespace qforge
