// Every circuit of the corpus nam/ and qasmbench/small, at every level and
// target, stays equivalent and fits its target, with the IR verifier after
// every pass. Needs QFORGE_CORPUS. Every compilation that is not compared is
// named with the reason (the front end rejects the file, over the gate budget
// or the routing budget, or the equivalence engine cannot compare it: mid-
// circuit measurement, conditions, size), and each suite must compare at
// least a stated number of compilations.
#include "qforge/diagnostics.hpp"
#include "qforge/equiv.hpp"
#include "qforge/frontend.hpp"
#include "qforge/passes.hpp"
#include "qforge/pipeline.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace qforge {
namespace {

namespace fs = std::filesystem;

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

struct Budget {
  uint32_t max_qubits_routed;  // routing to IBM targets only up to this size
  uint64_t max_gates;          // skip larger circuits (bench_optimizer covers them)
  int min_compared;            // fewer compared compilations fail the test
};

void check_suite(const std::string& sub, const Budget& b) {
  if (!std::getenv("QFORGE_CORPUS")) GTEST_SKIP() << "QFORGE_CORPUS is not set (e.g. /work/shared/corpus)";
  auto files = corpus_files(sub);
  ASSERT_FALSE(files.empty()) << "no circuits under " << sub;
  int checked = 0, not_compared = 0;
  const auto skip = [&](const std::string& what, const std::string& why, int compilations) {
    std::printf("  not compared: %s: %s\n", what.c_str(), why.c_str());
    not_compared += compilations;
  };
  for (const auto& f : files) {
    const std::string name = f.filename().string();
    DiagnosticSink diags;
    Circuit c = compile_file(f.string(), {}, diags);
    if (diags.has_errors()) {  // the front end's business (tested there), not the optimizer's
      skip(name, "the front end rejects it: " + diags.all().front().message, 16);
      continue;
    }
    if (const uint64_t n = count_gates(c).total; n > b.max_gates) {
      skip(name, std::to_string(n) + " gates, over the budget of " + std::to_string(b.max_gates), 16);
      continue;
    }
    for (const std::string& t : {"nam", "generic", "ibm_eagle", "ibm_heron"}) {
      const bool hw = t.rfind("ibm", 0) == 0;
      if (hw && c.num_qubits > b.max_qubits_routed) {
        skip(name + " " + t, std::to_string(c.num_qubits) + " qubits, over the routing budget of " +
                                 std::to_string(b.max_qubits_routed), 4);
        continue;
      }
      Target target = make_target(t);
      for (int level = 0; level <= 3; ++level) {
        const std::string what = f.filename().string() + " " + t + " O" + std::to_string(level);
        CompileResult r = run_pipeline(c, level, t, "", true);
        EXPECT_EQ(check_target(r.circuit, target), "") << what;
        EquivOptions o;
        o.initial_layout = r.initial_layout;
        o.final_layout = r.final_layout;
        o.engine = EquivEngine::Simulation;  // as before the exact engines; they are not yet timed here
        o.max_exact_qubits = 6;
        o.num_random_states = 3;
        o.symbol_trials = 1;
        o.max_sparse_support = 1u << 14;
        try {
          EquivResult e = check_equivalence(c, r.circuit, o);
          EXPECT_TRUE(e.equivalent) << what << ": " << e.detail;
          ++checked;
        } catch (const LocatedError& ex) {  // an operation it cannot compare
          skip(what, "line " + std::to_string(ex.loc().line) + ": " + ex.what(), 1);
        } catch (const std::invalid_argument& ex) {  // too large for the engine
          skip(what, ex.what(), 1);
        }
      }
    }
  }
  std::printf("%s: %d compilations compared, %d not compared (each named above)\n", sub.c_str(), checked,
              not_compared);
  EXPECT_GE(checked, b.min_compared) << sub << ": too few compilations were compared";
}

// The minimums are what this corpus gives today less a margin for a new
// circuit the engine cannot compare; fewer means a regression.
TEST(PassCorpus, NamSuiteEveryLevelAndTarget) { check_suite("nam", {12, 400, 150}); }

TEST(PassCorpus, QasmBenchSmallEveryLevelAndTarget) { check_suite("qasmbench/small", {10, 1500, 500}); }

}  // namespace
}  // namespace qforge
