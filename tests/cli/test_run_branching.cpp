// qforge run on dynamic circuits: exact averages without --shots, the
// branches and how the averages were taken in the JSON and text output,
// and located refusals.
#include "cli_helpers.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <string>

namespace {

using nlohmann::json;

// Teleport RY(1.1)|0> from q[0] to q[2] with feed-forward corrections.
const char* kTeleport = R"(OPENQASM 3.0;
include "stdgates.inc";
qubit[3] q;
bit[2] c;
ry(1.1) q[0];
h q[1];
cx q[1], q[2];
cx q[0], q[1];
h q[0];
c[0] = measure q[0];
c[1] = measure q[1];
if (c[1]) x q[2];
if (c[0]) z q[2];
)";

TEST(CliRunBranching, ExactAveragesWithoutShots) {
  const fs::path d = temp_dir();
  const fs::path file = write(d, "teleport.qasm", kTeleport);
  Result r = qforge("run " + file.string() + " --observable X2 --observable Z2 --format json");
  ASSERT_EQ(r.status, 0) << r.out;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["trajectories"], true);
  EXPECT_EQ(j["branches"], 4);
  EXPECT_EQ(j["averages"], "exact");
  EXPECT_FALSE(j.contains("counts"));
  EXPECT_NEAR(j["expectation"][0].get<double>(), std::sin(1.1), 1e-12);
  EXPECT_NEAR(j["expectation"][1].get<double>(), std::cos(1.1), 1e-12);

  r = qforge("run " + file.string() + " --observable Z2 --shots 1000 --seed 3");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("shot branching (mid-circuit measurement, reset or conditions): 4 branches; averages "
                       "exact over every branch"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("total            1000"), std::string::npos) << r.out;
  fs::remove_all(d);
}

TEST(CliRunBranching, StateVectorOnlyWithoutRandomOutcomes) {
  const fs::path d = temp_dir();
  const fs::path file = write(d, "teleport.qasm", kTeleport);
  Result r = qforge("run " + file.string() + " --statevector");
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("teleport.qasm:10:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("error: the measurement of qubit 0 has a random outcome"), std::string::npos) << r.out;
  // Active reset of a qubit in |1>: nothing random, one branch, one state.
  const fs::path reset = write(d, "reset.qasm", R"(OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
bit b;
x q[0];
b = measure q[0];
if (b) x q[0];
h q[1];
)");
  r = qforge("run " + reset.string() + " --statevector --format json");
  ASSERT_EQ(r.status, 0) << r.out;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["branches"], 1);
  ASSERT_EQ(j["statevector"].size(), 4u);
  EXPECT_NEAR(j["statevector"][0][0].get<double>(), std::sqrt(0.5), 1e-12);
  EXPECT_NEAR(j["statevector"][2][0].get<double>(), std::sqrt(0.5), 1e-12);
  fs::remove_all(d);
}

}  // namespace
