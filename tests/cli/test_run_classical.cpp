// qforge run's options for run-time classical logic: --max-iterations is
// checked, and circuits without classical logic, variables or output
// declarations report no "outputs". (Runs of classical logic are tested on
// hand-built IR in tests/runtime/test_classical_run.cpp.)
#include "cli_helpers.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace {

using nlohmann::json;

const char* kBell = R"(OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
bit[2] c;
h q[0];
c[0] = measure q[0];
if (c[0]) x q[1];
c[1] = measure q[1];
)";

TEST(CliRunClassical, MaxIterationsMustBePositive) {
  const fs::path d = temp_dir();
  const fs::path file = write(d, "bell.qasm", kBell);
  Result r = qforge("run " + file.string() + " --max-iterations 0");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("--max-iterations must be at least 1"), std::string::npos) << r.out;
  r = qforge("run " + file.string() + " --max-iterations 5 --shots 100 --seed 1 --format json");
  ASSERT_EQ(r.status, 0) << r.out;
  const json j = json::parse(r.out);
  // c[1] copies c[0]: "00" and "11" only; no classical logic, so no outputs.
  for (const auto& [bits, count] : j["counts"].items()) EXPECT_TRUE(bits == "00" || bits == "11") << bits;
  EXPECT_FALSE(j.contains("outputs"));
  r = qforge("run --help");
  EXPECT_NE(r.out.find("--max-iterations"), std::string::npos) << r.out;
  fs::remove_all(d);
}

}  // namespace
