// Every circuit of the corpus nam/ and qasmbench/small, at every level and
// target, stays equivalent and fits its target. Needs QFORGE_CORPUS.
// Circuits too large for the equivalence engine (its sparse state grows
// past its cap) are reported and counted, not failed.
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
  uint64_t max_gates;          // skip larger circuits (benchmark covers them)
};

void check_suite(const std::string& sub, const Budget& b) {
  if (!std::getenv("QFORGE_CORPUS")) GTEST_SKIP() << "QFORGE_CORPUS is not set (e.g. /work/shared/corpus)";
  auto files = corpus_files(sub);
  ASSERT_FALSE(files.empty()) << "no circuits under " << sub;
  int checked = 0, too_large = 0, skipped = 0;
  for (const auto& f : files) {
    DiagnosticSink diags;
    Circuit c = compile_file(f.string(), {}, diags);
    if (diags.has_errors()) {  // the front end's business (tested there), not the optimizer's
      std::printf("  front end rejects %s, skipped\n", f.filename().string().c_str());
      ++skipped;
      continue;
    }
    if (count_gates(c).total > b.max_gates) { ++skipped; continue; }
    for (const std::string& t : {"nam", "generic", "ibm_eagle", "ibm_heron"}) {
      const bool hw = t.rfind("ibm", 0) == 0;
      if (hw && c.num_qubits > b.max_qubits_routed) continue;
      Target target = make_target(t);
      for (int level = 0; level <= 3; ++level) {
        const std::string what = f.filename().string() + " " + t + " O" + std::to_string(level);
        CompileResult r = run_pipeline(c, level, t);
        EXPECT_EQ(check_target(r.circuit, target), "") << what;
        EquivOptions o;
        o.initial_layout = r.initial_layout;
        o.final_layout = r.final_layout;
        o.max_exact_qubits = 6;
        o.num_random_states = 3;
        o.symbol_trials = 1;
        o.max_sparse_support = 1u << 14;
        try {
          EquivResult e = check_equivalence(c, r.circuit, o);
          EXPECT_TRUE(e.equivalent) << what << ": " << e.detail;
          ++checked;
        } catch (const std::invalid_argument& ex) {
          ++too_large;
          std::printf("  not compared: %s: %s\n", what.c_str(), ex.what());
        }
      }
    }
  }
  std::printf("%s: %d compilations compared, %d not comparable (mid-circuit measurement, conditions, size), %d circuits over the gate budget or rejected by the front end\n",
              sub.c_str(), checked, too_large, skipped);
}

TEST(PassCorpus, NamSuiteEveryLevelAndTarget) { check_suite("nam", {12, 400}); }

TEST(PassCorpus, QasmBenchSmallEveryLevelAndTarget) { check_suite("qasmbench/small", {10, 1500}); }

}  // namespace
}  // namespace qforge
