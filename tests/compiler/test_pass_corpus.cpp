// Every circuit of the corpus nam/ and qasmbench/small, at every level and
// target, stays equivalent and fits its target, with the IR verifier after
// every pass. Needs QFORGE_CORPUS. Equivalence is proved exactly (path sums,
// every basis input, or decision diagrams: EquivEngine::Exact, which never
// samples); an answer that is not a proof fails the test, as does a circuit
// the engine cannot decide.
//
// No gate or qubit cap: every circuit is compiled for every target, routed
// ones with their layouts, except the compilations listed in kInBenchmark,
// whose compilation or proof takes seconds to minutes: bench/bench_equiv runs
// those (the README's equivalence table). Compilations that cannot be
// compared are named with the reason: the front end rejects the file, or an
// operation the engine does not compare (mid-circuit measurement, reset,
// conditions).
#include "qforge/diagnostics.hpp"
#include "qforge/equiv.hpp"
#include "qforge/frontend.hpp"
#include "qforge/passes.hpp"
#include "qforge/pipeline.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>

namespace qforge {
namespace {

namespace fs = std::filesystem;

// Compilations run by bench/bench_equiv instead of here (the README's
// equivalence section lists its times), by circuit and target (none: every
// target). The four largest circuits of the Nam suite: their compilations
// for the four targets take seconds each, up to a minute for the routed
// gf2^32_mult, more than this test's share of the suite (ham15-high to
// ibm_eagle, whose four levels are compiled and proved in about 3 s, is
// here: the one Nam compilation that only the path sums' Bell state with
// every Hadamard summed at once proves; dnn_n8 routed, whose rotations are
// not Clifford+T, is proved by simulating its 256 basis inputs in 0.05 s).
const std::map<std::string, std::vector<std::string>> kInBenchmark = {
    {"gf2^16_mult", {}},
    {"gf2^32_mult", {}},
    {"ham15-high", {"generic", "nam", "ibm_heron"}},
    {"mod_adder_1024", {}},
};

bool in_benchmark(const std::string& circuit, const std::string& target) {
  const auto it = kInBenchmark.find(circuit);
  return it != kInBenchmark.end() &&
         (it->second.empty() || std::find(it->second.begin(), it->second.end(), target) != it->second.end());
}

std::vector<fs::path> corpus_files(const std::string& sub) {
  std::vector<fs::path> out;
  const char* root = std::getenv("QFORGE_CORPUS");
  if (!root) return out;
  fs::path dir = fs::path(root) / sub;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const auto name = e.path().filename().string();
    if (e.path().extension() == ".qasm" && name.find("_transpiled") == std::string::npos) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// `min_compared`: fewer proved compilations fail the test.
void check_suite(const std::string& sub, int min_compared) {
  if (!std::getenv("QFORGE_CORPUS")) GTEST_SKIP() << "QFORGE_CORPUS is not set (e.g. /work/shared/corpus)";
  auto files = corpus_files(sub);
  ASSERT_FALSE(files.empty()) << "no circuits under " << sub;
  int proved = 0, not_compared = 0;
  double slowest = 0;
  std::string slowest_what;
  const auto skip = [&](const std::string& what, const std::string& why, int compilations) {
    std::printf("  not compared: %s: %s\n", what.c_str(), why.c_str());
    not_compared += compilations;
  };
  for (const auto& f : files) {
    const std::string name = f.stem().string();
    if (in_benchmark(name, "")) {
      std::printf("  in bench/bench_equiv instead: %s\n", name.c_str());
      continue;
    }
    DiagnosticSink diags;
    Circuit c = compile_file(f.string(), {}, diags);
    if (diags.has_errors()) {  // the front end's business (tested there), not the optimizer's
      skip(name, "the front end rejects it: " + diags.all().front().message, 16);
      continue;
    }
    for (const char* t : {"generic", "nam", "ibm_eagle", "ibm_heron"}) {
      if (in_benchmark(name, t)) {
        std::printf("  in bench/bench_equiv instead: %s %s\n", name.c_str(), t);
        continue;
      }
      Target target = make_target(t);
      for (int level = 0; level <= 3; ++level) {
        const std::string what = name + " " + t + " -O" + std::to_string(level);
        CompileResult r = run_pipeline(c, level, t, "", true);
        EXPECT_EQ(check_target(r.circuit, target), "") << what;
        EquivOptions o;
        o.initial_layout = r.initial_layout;
        o.final_layout = r.final_layout;
        o.engine = EquivEngine::Exact;
        try {
          const auto t0 = std::chrono::steady_clock::now();
          EquivResult e = check_equivalence(c, r.circuit, o);
          const double s = seconds_since(t0);
          if (s > slowest) {
            slowest = s;
            slowest_what = what + " (" + e.method + ")";
          }
          EXPECT_TRUE(e.equivalent) << what << ": " << e.detail;
          EXPECT_TRUE(e.exact) << what << ": not a proof: " << e.method;
          ++proved;
        } catch (const LocatedError& ex) {  // an operation it cannot compare
          skip(what, "line " + std::to_string(ex.loc().line) + ": " + ex.what(), 1);
        } catch (const std::invalid_argument& ex) {  // undecided: a failure
          ADD_FAILURE() << what << ": not decided: " << ex.what();
        }
      }
    }
  }
  std::printf("%s: %d compilations proved equivalent, %d not compared (each named above); slowest proof %.2f s: %s\n",
              sub.c_str(), proved, not_compared, slowest, slowest_what.c_str());
  EXPECT_GE(proved, min_compared) << sub << ": too few compilations were proved";
}

// The minimums are what this corpus gives today less a margin for a new
// circuit the engine cannot compare; fewer means a regression.
TEST(PassCorpus, NamSuiteEveryLevelAndTarget) { check_suite("nam", 300); }

TEST(PassCorpus, QasmBenchSmallEveryLevelAndTarget) { check_suite("qasmbench/small", 500); }

}  // namespace
}  // namespace qforge
