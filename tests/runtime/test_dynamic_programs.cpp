// The dynamic-circuit programs of circuits/dynamic/, end to end: each file
// through the front end, then run() without shots (exact averages over the
// branches) and with shots, against the exhaustive-branch density-matrix
// reference (test::Reference) and against answers worked out by hand from
// each program (written below, not computed by the code under test). Counts
// and output distributions are checked by chi-square against the exact
// distributions. Every file of the folder must have its answers here.
#include "test_util.hpp"

#include "qforge/frontend.hpp"

#include <cmath>
#include <filesystem>
#include <set>
#include <string>

namespace qforge {
namespace {

namespace fs = std::filesystem;
using namespace qforge::test;

using Distribution = std::map<std::string, double>;

/// What a program gives, by hand.
struct KnownAnswer {
  /// The final clbits (keyed as run()'s counts: highest clbit first).
  Distribution counts;
  /// Named outputs (as run() reports them) and their distributions.
  std::map<std::string, Distribution> outputs;
  /// The averaged final state's probabilities over the basis states.
  std::vector<double> probabilities;
  /// Branches run() follows; 0 when it depends on the shots.
  uint64_t branches = 0;
};

const fs::path kFolder = fs::path(QFORGE_SOURCE_DIR) / "circuits" / "dynamic";

std::map<std::string, KnownAnswer> known_answers() {
  std::map<std::string, KnownAnswer> a;
  {
    // Teleportation: q[0] and q[1] read 00, 01, 10, 11 with probability 1/4
    // each (the Bell measurement of any state); after the corrections and
    // ry(-0.8), q[2] is |0>, so `result` is 0. Clbits: c0, c1, result.
    KnownAnswer& t = a["teleport.qasm"];
    t.counts = {{"000", 0.25}, {"001", 0.25}, {"010", 0.25}, {"011", 0.25}};
    t.outputs["result"] = {{"0", 1}};
    t.probabilities = {0.25, 0.25, 0.25, 0.25, 0, 0, 0, 0};
    t.branches = 4;
  }
  {
    // Repeat until success: each attempt measures H|0>, 1 with probability
    // 1/2, so `attempts` is k with probability 2^-k and the loop ends with
    // m = 1 and q in |1>: `result` is 1. Clbits: m, result.
    KnownAnswer& r = a["repeat_until_success.qasm"];
    r.counts = {{"11", 1}};
    r.outputs["result"] = {{"1", 1}};
    for (int k = 1; k <= 40; ++k) r.outputs["attempts"][std::to_string(k)] = std::ldexp(1.0, -k);
    r.probabilities = {0, 1};
  }
  {
    // Iterative phase estimation of theta = 2 pi * 5/8: every measurement
    // is certain (m reads 1, 0, 1), the last leaves a in |1> beside t in
    // |1>, and `estimate` is the angle[3] 0b101, 5 * 2 pi / 8 = 5 pi / 4.
    KnownAnswer& p = a["iterative_phase_estimation.qasm"];
    p.counts = {{"1", 1}};
    p.outputs["estimate"] = {{CValue{{CType::Angle, 3}, 5, 0}.to_qasm(), 1}};
    p.probabilities = {0, 0, 0, 1};
    p.branches = 1;
  }
  {
    // Active reset: rx(1.1)|0> reads 1 with probability sin^2(0.55); the
    // conditional x brings it back to |0>, so `after` is 0. Clbits: before,
    // after.
    const double p1 = std::sin(0.55) * std::sin(0.55);
    KnownAnswer& r = a["active_reset.qasm"];
    r.counts = {{"00", 1 - p1}, {"01", p1}};
    r.outputs["before"] = {{"0", 1 - p1}, {"1", p1}};
    r.outputs["after"] = {{"0", 1}};
    r.probabilities = {1, 0};
    r.branches = 2;
  }
  {
    // Parity check: data |010>, so d0 ^ d1 = 1 and d1 ^ d2 = 1 in every
    // shot: syndrome 3, case 3 flips d[1] back and `data` reads 000; the
    // ancilla stays |1> after the second parity. Clbits: syndrome[0..1],
    // data[0..2].
    KnownAnswer& s = a["parity_switch.qasm"];
    s.counts = {{"00011", 1}};
    s.outputs["data"] = {{"000", 1}};
    s.probabilities = std::vector<double>(16, 0);
    s.probabilities[8] = 1;
    s.branches = 1;
  }
  return a;
}

Circuit compile_program(const fs::path& file) {
  DiagnosticSink diags;
  const Circuit c = compile_file(file.string(), CompileOptions{}, diags);
  EXPECT_FALSE(diags.has_errors()) << diags.format();
  return c;
}

const sim::OutputCounts* find_output(const sim::RunResult& r, const std::string& name) {
  for (const auto& o : r.outputs)
    if (o.name == name) return &o;
  return nullptr;
}

/// Two distributions alike within `tol`, over the values either has.
void expect_distribution(const Distribution& got, const Distribution& want, double tol, const std::string& what) {
  std::set<std::string> keys;
  for (const auto& [k, p] : got) keys.insert(k);
  for (const auto& [k, p] : want) keys.insert(k);
  for (const std::string& k : keys) {
    const double g = got.count(k) ? got.at(k) : 0, w = want.count(k) ? want.at(k) : 0;
    EXPECT_NEAR(g, w, tol) << what << " value " << k;
  }
}

/// Pauli Z and X on every qubit.
std::vector<sim::Observable> single_qubit_observables(uint32_t n) {
  std::vector<sim::Observable> o;
  for (uint32_t q = 0; q < n; ++q) {
    o.push_back(sim::parse_observable("Z" + std::to_string(q)));
    o.push_back(sim::parse_observable("X" + std::to_string(q)));
  }
  return o;
}

TEST(DynamicPrograms, EveryFileHasItsKnownAnswers) {
  const auto answers = known_answers();
  std::set<std::string> files;
  for (const auto& e : fs::directory_iterator(kFolder))
    if (e.path().extension() == ".qasm") files.insert(e.path().filename().string());
  std::set<std::string> known;
  for (const auto& [name, a] : answers) known.insert(name);
  EXPECT_EQ(files, known) << "every program in " << kFolder << " needs its known answers in this test";
}

TEST(DynamicPrograms, ReferenceGivesTheKnownAnswers) {
  // The independent reference agrees with the answers by hand: both are
  // independent of run(), so this checks the answers themselves.
  for (const auto& [name, a] : known_answers()) {
    const Circuit c = compile_program(kFolder / name);
    const Reference want(c);
    EXPECT_NEAR(want.total, 1, 1e-12) << name;
    expect_distribution(want.probs, a.counts, 1e-12, name + " counts");
    for (const auto& [out, dist] : a.outputs) {
      ASSERT_TRUE(want.values.count(out)) << name << " has no variable or register " << out;
      // attempts: the reference follows the loop down to 1e-15; the hand
      // distribution stops at 40 attempts.
      expect_distribution(want.values.at(out), dist, 1e-11, name + " output " + out);
    }
    const Eigen::VectorXd diag = want.rho.diagonal().real();
    ASSERT_EQ(std::size_t(diag.size()), a.probabilities.size()) << name;
    for (std::size_t i = 0; i < a.probabilities.size(); ++i)
      EXPECT_NEAR(diag(Eigen::Index(i)), a.probabilities[i], 1e-12) << name << " basis state " << i;
  }
}

TEST(DynamicPrograms, ExactRunsWithoutShotsMatchTheReference) {
  for (const auto& [name, a] : known_answers()) {
    const Circuit c = compile_program(kFolder / name);
    const Reference want(c);
    sim::RunOptions o;
    o.probabilities = true;
    o.observables = single_qubit_observables(c.num_qubits);
    const auto r = sim::run(c, o);
    EXPECT_TRUE(r.trajectories) << name;
    EXPECT_TRUE(r.exact_averages) << name;
    if (a.branches) {
      EXPECT_EQ(r.branches, a.branches) << name;
    }
    ASSERT_EQ(r.probabilities.size(), a.probabilities.size()) << name;
    for (std::size_t i = 0; i < a.probabilities.size(); ++i) {
      EXPECT_NEAR(r.probabilities[i], a.probabilities[i], 1e-12) << name << " basis state " << i;
      EXPECT_NEAR(r.probabilities[i], want.rho(Eigen::Index(i), Eigen::Index(i)).real(), 1e-12) << name;
    }
    for (std::size_t k = 0; k < o.observables.size(); ++k)
      EXPECT_NEAR(r.expectations[k], want.expectation(o.observables[k], c.num_qubits), 1e-12)
          << name << " observable " << k;
  }
}

TEST(DynamicPrograms, ShotsFollowTheExactDistributions) {
  uint64_t seed = 1;
  for (const auto& [name, a] : known_answers()) {
    const Circuit c = compile_program(kFolder / name);
    const Reference want(c);
    sim::RunOptions o;
    o.shots = 20000;
    o.seed = seed++;
    const auto r = sim::run(c, o);
    uint64_t total = 0;
    for (const auto& [k, n] : r.counts) total += n;
    EXPECT_EQ(total, o.shots) << name;
    if (a.branches) {
      EXPECT_EQ(r.branches, a.branches) << name;
    }
    // The clbits: against the reference, and against the hand answer
    // (which the reference test above shows to be the reference's).
    int dof = 0;
    const double chi = chi_square(r.counts, want.probs, o.shots, dof);
    EXPECT_LT(chi, chi_square_limit(dof)) << name << " counts, dof " << dof;
    const double chi_hand = chi_square(r.counts, a.counts, o.shots, dof);
    EXPECT_LT(chi_hand, chi_square_limit(dof)) << name << " counts against the hand answer, dof " << dof;
    // Each output declared in the program, per shot.
    std::size_t declared = 0;
    for (const auto& v : c.vars) declared += v.output;
    for (const auto& reg : c.cregs) declared += reg.output;
    EXPECT_EQ(r.outputs.size(), declared) << name;
    for (const auto& [out, dist] : a.outputs) {
      const sim::OutputCounts* got = find_output(r, out);
      ASSERT_NE(got, nullptr) << name << " reports no output " << out;
      const std::map<std::string, uint64_t> counts(got->counts.begin(), got->counts.end());
      uint64_t shots = 0;
      for (const auto& [k, n] : counts) shots += n;
      EXPECT_EQ(shots, o.shots) << name << " output " << out;
      const double chi_out = chi_square(counts, want.values.at(out), o.shots, dof);
      EXPECT_LT(chi_out, chi_square_limit(dof)) << name << " output " << out << ", dof " << dof;
      if (dist.size() == 1) {  // certain: every shot
        EXPECT_EQ(counts, (std::map<std::string, uint64_t>{{dist.begin()->first, o.shots}})) << name << " " << out;
      }
    }
    // The same seed, the same counts and outputs.
    const auto again = sim::run(c, o);
    EXPECT_EQ(again.counts, r.counts) << name;
  }
}

TEST(DynamicPrograms, CountsAgreeWithShotByShotReferenceRuns) {
  // The reference drawing each outcome shot by shot (no branching): a
  // two-sample chi-square test against shot branching.
  uint64_t seed = 50;
  for (const auto& [name, a] : known_answers()) {
    const Circuit c = compile_program(kFolder / name);
    sim::RunOptions o;
    o.shots = 4000;
    o.seed = seed;
    const auto r = sim::run(c, o);
    std::mt19937_64 rng(seed++);
    ref::BranchOptions one_shot;
    one_shot.rng = &rng;
    std::map<std::string, uint64_t> shots;
    for (uint64_t s = 0; s < o.shots; ++s) shots[bit_key(ref::classical_branches(c, one_shot).at(0).cs.clbits)] += 1;
    int dof = 0;
    const double chi = two_sample_chi(r.counts, shots, dof);
    EXPECT_LT(chi, chi_square_limit(dof)) << name << " dof " << dof;
  }
}

}  // namespace
}  // namespace qforge
