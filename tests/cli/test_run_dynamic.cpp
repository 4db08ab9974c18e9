// qforge run --format json on the programs of circuits/dynamic/: the
// "outputs" per-shot distributions and the counts against answers worked out
// by hand from each program (chi-square where the outcome is random), with
// --shots and without (the default 1024 shots; exact averages with
// --probabilities).
#include "chi_square.hpp"
#include "cli_helpers.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <string>

namespace {

using nlohmann::json;

const fs::path kFolder = fs::path(QFORGE_SOURCE_DIR) / "circuits" / "dynamic";

json run_json(const std::string& program, const std::string& options) {
  const Result r = qforge("run " + (kFolder / program).string() + " --format json " + options);
  EXPECT_EQ(r.status, 0) << r.out;
  return json::parse(r.out);
}

std::map<std::string, uint64_t> table(const json& j) {
  std::map<std::string, uint64_t> m;
  for (const auto& [k, v] : j.items()) m[k] = v.get<uint64_t>();
  return m;
}

/// The outputs' names (the JSON's keys, whatever their order).
std::map<std::string, std::map<std::string, uint64_t>> outputs(const json& j) {
  std::map<std::string, std::map<std::string, uint64_t>> m;
  for (const auto& [name, dist] : j.at("outputs").items()) m[name] = table(dist);
  return m;
}

void expect_fits(const std::map<std::string, uint64_t>& counts, const std::map<std::string, double>& probs,
                 uint64_t shots, const std::string& what) {
  uint64_t total = 0;
  for (const auto& [k, n] : counts) total += n;
  EXPECT_EQ(total, shots) << what;
  int dof = 0;
  const double chi = qforge::test::chi_square(counts, probs, shots, dof);
  EXPECT_LT(chi, qforge::test::chi_square_limit(dof)) << what << " dof " << dof;
}

TEST(CliRunDynamic, TeleportResultIsZeroAndTheBellBitsUniform) {
  // Clbits c0, c1, result (highest first in the keys); only `result` is
  // declared output.
  const json j = run_json("teleport.qasm", "--shots 4000 --seed 7");
  EXPECT_EQ(j["shots"], 4000);
  EXPECT_EQ(j["branches"], 4);
  const auto out = outputs(j);
  EXPECT_EQ(out, (decltype(out){{"result", {{"0", 4000}}}}));
  expect_fits(table(j["counts"]), {{"000", 0.25}, {"001", 0.25}, {"010", 0.25}, {"011", 0.25}}, 4000, "counts");
  // Without --shots: 1024 shots of a random seed, the same certain result.
  const json d = run_json("teleport.qasm", "");
  EXPECT_EQ(d["shots"], 1024);
  EXPECT_EQ(outputs(d), (decltype(out){{"result", {{"0", 1024}}}}));
  for (const auto& [k, n] : table(d["counts"])) EXPECT_EQ(k[0], '0') << k;
  // Exact averages without shots: q[2] in |0>, q[0] and q[1] uniform; no
  // shots, so no outputs.
  const json e = run_json("teleport.qasm", "--probabilities");
  EXPECT_EQ(e["shots"], 0);
  EXPECT_EQ(e["averages"], "exact");
  EXPECT_FALSE(e.contains("outputs"));
  ASSERT_EQ(e["probabilities"].size(), 8u);
  for (std::size_t i = 0; i < 8; ++i) EXPECT_NEAR(e["probabilities"][i].get<double>(), i < 4 ? 0.25 : 0, 1e-12) << i;
}

TEST(CliRunDynamic, RepeatUntilSuccessAttemptsAreGeometric) {
  const json j = run_json("repeat_until_success.qasm", "--shots 10000 --seed 3");
  auto out = outputs(j);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out["result"], (std::map<std::string, uint64_t>{{"1", 10000}}));
  // attempts = k with probability 2^-k, by hand.
  std::map<std::string, double> geometric;
  for (int k = 1; k <= 60; ++k) geometric[std::to_string(k)] = std::ldexp(1.0, -k);
  expect_fits(out["attempts"], geometric, 10000, "attempts");
  EXPECT_GE(out["attempts"].size(), 8u);
  EXPECT_EQ(table(j["counts"]), (std::map<std::string, uint64_t>{{"11", 10000}}));
  // Without --shots (1024 shots, a random seed): every shot succeeds, after
  // at least one attempt.
  const json d = run_json("repeat_until_success.qasm", "");
  out = outputs(d);
  EXPECT_EQ(out["result"], (std::map<std::string, uint64_t>{{"1", 1024}}));
  uint64_t shots = 0;
  for (const auto& [k, n] : out["attempts"]) {
    EXPECT_GE(std::stoi(k), 1) << k;
    shots += n;
  }
  EXPECT_EQ(shots, 1024u);
  // Exact averages without shots: q ends in |1>.
  const json e = run_json("repeat_until_success.qasm", "--probabilities");
  EXPECT_EQ(e["averages"], "exact");
  EXPECT_NEAR(e["probabilities"][1].get<double>(), 1, 1e-12);
}

TEST(CliRunDynamic, IterativePhaseEstimationGivesFivePiOverFour) {
  // Every measurement is certain: one branch, estimate 5*2pi/8 in every shot,
  // written as the exact multiple of pi.
  const json j = run_json("iterative_phase_estimation.qasm", "--shots 500 --seed 2");
  EXPECT_EQ(j["branches"], 1);
  EXPECT_EQ(outputs(j), (std::map<std::string, std::map<std::string, uint64_t>>{{"estimate", {{"5*pi/4", 500}}}}));
  EXPECT_EQ(table(j["counts"]), (std::map<std::string, uint64_t>{{"1", 500}}));
  const json d = run_json("iterative_phase_estimation.qasm", "");
  EXPECT_EQ(outputs(d), (std::map<std::string, std::map<std::string, uint64_t>>{{"estimate", {{"5*pi/4", 1024}}}}));
}

TEST(CliRunDynamic, ActiveResetAndParitySwitch) {
  // before = 1 with probability sin^2(0.55), after = 0 in every shot.
  const double p1 = std::sin(0.55) * std::sin(0.55);
  const json j = run_json("active_reset.qasm", "--shots 8000 --seed 4");
  auto out = outputs(j);
  ASSERT_EQ(out.size(), 2u);
  expect_fits(out["before"], {{"0", 1 - p1}, {"1", p1}}, 8000, "before");
  EXPECT_EQ(out["after"], (std::map<std::string, uint64_t>{{"0", 8000}}));
  const json e = run_json("active_reset.qasm", "--probabilities");
  EXPECT_NEAR(e["probabilities"][0].get<double>(), 1, 1e-12);
  // The syndrome is 3 in every shot and the switch corrects data to 000.
  const json s = run_json("parity_switch.qasm", "--shots 300 --seed 5");
  EXPECT_EQ(outputs(s), (std::map<std::string, std::map<std::string, uint64_t>>{{"data", {{"000", 300}}}}));
  EXPECT_EQ(table(s["counts"]), (std::map<std::string, uint64_t>{{"00011", 300}}));
  const json d = run_json("parity_switch.qasm", "");
  EXPECT_EQ(outputs(d), (std::map<std::string, std::map<std::string, uint64_t>>{{"data", {{"000", 1024}}}}));
}

}  // namespace
