// The qforge executable end to end: exit codes, messages, atomic output,
// gradients on the command line, optimisation checked by qforge equiv.
#include "cli_helpers.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <utility>
#include <vector>

namespace {

const std::string kLean = std::string(QFORGE_SOURCE_DIR) + "/circuits/lean_hybrid.qasm";

TEST(Cli, ExitCodesAndMessages) {
  fs::path d = temp_dir();
  EXPECT_EQ(qforge("check " + kLean).status, 0);
  fs::path bad = write(d, "bad.qasm", "OPENQASM 3.0;\ninclude \"stdgates.inc\";\nqubit[2] q;\ncx q[0], q[2];\nh r;\n");
  Result r = qforge("check " + bad.string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("bad.qasm:4:12: error: index 2 out of range for register 'q' of size 2"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("bad.qasm:5:3: error: undefined name 'r'"), std::string::npos) << r.out;
  EXPECT_EQ(qforge("").status, 2);
  EXPECT_EQ(qforge("frobnicate").status, 2);
  EXPECT_EQ(qforge("compile").status, 2);
  for (const auto& [args, message] : std::vector<std::pair<std::string, std::string>>{
           {"compile " + kLean + " --emit qasm4", "qforge compile: --emit must be ir, qasm3 or qasm2, got 'qasm4'"},
           {"stats " + kLean + " --format xml", "qforge stats: --format must be text or json, got 'xml'"},
           {"draw " + kLean + " --format pdf", "qforge draw: --format must be text, svg or png, got 'pdf'"},
           {"run " + kLean + " --precision half", "qforge run: --precision must be single or double, got 'half'"}}) {
    Result u = qforge(args);
    EXPECT_EQ(u.status, 2) << args;
    EXPECT_EQ(u.out, message + "\n") << args;
  }
  EXPECT_EQ(qforge("check " + (d / "missing.qasm").string()).status, 1);
  for (const char* verb : {"check", "compile", "stats", "draw", "run", "equiv"})
    EXPECT_EQ(qforge(std::string(verb) + " --help").status, 0) << verb;
  fs::remove_all(d);
}

TEST(Cli, OutputFilesAreWrittenWhole) {
  fs::path d = temp_dir();
  fs::path out = d / "lean.qasm";
  ASSERT_EQ(qforge("compile " + kLean + " --emit qasm3 -o " + out.string()).status, 0);
  Result direct = qforge("compile " + kLean + " --emit qasm3");
  std::ifstream f(out);
  std::string written((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_EQ(written, direct.out);
  // Nothing but the output is left in the folder (no temporary file).
  EXPECT_EQ(std::distance(fs::directory_iterator(d), fs::directory_iterator()), 1);
  // A failed emission leaves no file behind: OpenQASM 2 cannot express unbound inputs.
  fs::path out2 = d / "lean2.qasm";
  EXPECT_EQ(qforge("compile " + kLean + " --emit qasm2 -o " + out2.string()).status, 1);
  EXPECT_FALSE(fs::exists(out2));
  fs::remove_all(d);
}

double expectation(const std::string& sets, const std::string& observable) {
  Result r = qforge("run " + kLean + " " + sets + " --observable \"" + observable + "\" --format json");
  std::smatch m;
  std::regex re("\"expectation\": \\[([^\\]]*)\\]");
  EXPECT_TRUE(std::regex_search(r.out, m, re)) << r.out;
  return std::stod(m[1]);
}

TEST(Cli, GradientMatchesFiniteDifferences) {
  const std::string x = "--set x=[0.1,0.2,0.3,0.4]";
  Result r = qforge("run " + kLean + " " + x + " --set theta=[0.5,0.6,0.7,0.8] --observable Z0 --gradient --format json");
  ASSERT_EQ(r.status, 0) << r.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("\"theta\\[0\\]\": ([-0-9.e]+)"))) << r.out;
  const double adjoint = std::stod(m[1]);
  const double h = 1e-4;
  const double plus = expectation(x + " --set theta=[" + std::to_string(0.5 + h) + ",0.6,0.7,0.8]", "Z0");
  const double minus = expectation(x + " --set theta=[" + std::to_string(0.5 - h) + ",0.6,0.7,0.8]", "Z0");
  EXPECT_NEAR(adjoint, (plus - minus) / (2 * h), 1e-6);
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("\"x\\[2\\]\": ([-0-9.e]+)"))) << r.out;
  EXPECT_TRUE(std::isfinite(std::stod(m[1])));
  // Without values for every input there is nothing to differentiate at.
  EXPECT_EQ(qforge("run " + kLean + " " + x + " --observable Z0 --gradient").status, 2);
  EXPECT_EQ(qforge("run " + kLean + " " + x + " --set theta=[1,2,3,4] --gradient").status, 2);
}

TEST(Cli, OptimisedAndRoutedOutputIsEquivalent) {
  fs::path d = temp_dir();
  fs::path src = write(d, "in.qasm", R"(OPENQASM 2.0;
include "qelib1.inc";
qreg q[4];
h q[0]; cx q[0],q[1]; t q[1]; cx q[0],q[1]; tdg q[1]; h q[0]; h q[0];
ccx q[0],q[1],q[3]; cx q[2],q[3]; rz(0.3) q[2]; rz(-0.3) q[2]; cx q[0],q[3];
)");
  for (const char* target : {"nam", "ibm_heron", "ibm_eagle"}) {
    fs::path out = d / (std::string(target) + ".qasm");
    Result c = qforge("compile " + src.string() + " -O2 --target " + target + " --emit qasm3 -o " + out.string());
    ASSERT_EQ(c.status, 0) << c.out;
    Result e = qforge("equiv " + src.string() + " " + out.string());
    EXPECT_EQ(e.status, 0) << target << "\n" << e.out;
  }
  // A circuit that differs is reported with exit 1.
  fs::path other = write(d, "other.qasm", "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[4];\nx q[0];\n");
  EXPECT_EQ(qforge("equiv " + src.string() + " " + other.string()).status, 1);
  EXPECT_EQ(qforge("compile " + src.string() + " -O7").status, 2);
  fs::remove_all(d);
}

}  // namespace
