// Real circuits through the front end: QASMBench small circuits against the
// dense reference, and circuits with known answers (GHZ, Bernstein-Vazirani,
// QFT of a basis state). QASMBench tests read the corpus from QFORGE_CORPUS
// and skip without it.
#include "test_util.hpp"

#include "qforge/frontend.hpp"

#include <cstdlib>
#include <filesystem>
#include <string>

namespace qforge {
namespace {

namespace fs = std::filesystem;
using namespace qforge::test;

Circuit compile_or_fail(const std::string& source) {
  DiagnosticSink diags;
  Circuit c = compile_source(source, "test.qasm", CompileOptions{}, diags);
  EXPECT_FALSE(diags.has_errors()) << diags.format();
  return c;
}

/// `c` without its measurements (precondition: they are terminal).
Circuit without_measurements(Circuit c) {
  std::vector<Operation> ops;
  for (auto& op : c.ops)
    if (op.kind != OpKind::Measure) ops.push_back(std::move(op));
  c.ops = std::move(ops);
  return c;
}

TEST(Corpus, QasmBenchSmallMatchesDenseReference) {
  const char* root = std::getenv("QFORGE_CORPUS");
  if (!root) GTEST_SKIP() << "QFORGE_CORPUS is not set, so the QASMBench circuits cannot be found "
                             "(set it to the corpus folder, e.g. /work/shared/corpus).";
  const fs::path small = fs::path(root) / "qasmbench" / "small";
  ASSERT_TRUE(fs::is_directory(small)) << small << " is not a folder";
  std::vector<fs::path> files;
  for (const auto& dir : fs::directory_iterator(small))
    if (dir.is_directory())
      for (const auto& f : fs::directory_iterator(dir.path()))
        if (f.path().extension() == ".qasm") files.push_back(f.path());
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty());
  int checked = 0, dynamic = 0;
  std::string front_end_failures;
  for (const auto& f : files) {
    DiagnosticSink diags;
    CompileOptions opt;
    opt.include_dirs.push_back(small.string());
    const Circuit c = compile_file(f.string(), opt, diags);
    if (diags.has_errors()) {
      front_end_failures += " " + f.filename().string();
      continue;
    }
    if (c.num_qubits > 10) continue;
    if (!sim::is_terminal_measurement_circuit(c)) {
      // Shot by shot: check the run completes and counts add up.
      sim::RunOptions o;
      o.shots = 200;
      o.seed = 1;
      const auto r = sim::run(c, o);
      uint64_t total = 0;
      for (const auto& [k, v] : r.counts) total += v;
      EXPECT_EQ(total, 200u) << f;
      ++dynamic;
      continue;
    }
    const Circuit u = without_measurements(c);
    const Eigen::VectorXcd want = ref::apply_unitary(u, ref::basis_state(u.num_qubits, 0));
    for (unsigned w : {0u, sim::kDefaultFusionWidth, 5u}) {
      const auto s = sim::simulate<double>(u, {}, w);
      EXPECT_LT(ref::max_abs_diff(to_eigen(s), want), 1e-9) << f << " fusion width " << w;
    }
    const auto sf = sim::simulate<float>(u);
    EXPECT_LT(ref::max_abs_diff(to_eigen(sf), want), 1e-4) << f << " single precision";
    // Probabilities reported by run() are the reference distribution.
    sim::RunOptions o;
    o.probabilities = true;
    const auto r = sim::run(c, o);
    for (Eigen::Index i = 0; i < want.size(); ++i)
      ASSERT_NEAR(r.probabilities[std::size_t(i)], std::norm(want(i)), 1e-9) << f;
    ++checked;
  }
  EXPECT_GT(checked, 20) << "too few QASMBench circuits compiled";
  if (!front_end_failures.empty())
    std::cout << "[ note ] the front end rejected:" << front_end_failures << "\n";
  std::cout << "[ note ] " << checked << " circuits checked against the dense reference, " << dynamic
            << " run shot by shot\n";
}

TEST(KnownAnswers, GhzState) {
  const Circuit c = compile_or_fail(R"(OPENQASM 3.0;
include "stdgates.inc";
qubit[5] q;
bit[5] b;
h q[0];
for int i in [0:3] { cx q[i], q[i + 1]; }
b = measure q;
)");
  sim::RunOptions o;
  o.shots = 1000;
  o.statevector = true;
  const auto r = sim::run(c, o);
  ASSERT_EQ(r.counts.size(), 2u);
  EXPECT_TRUE(r.counts.count("00000") && r.counts.count("11111"));
  EXPECT_NEAR(r.statevector[0].real(), std::sqrt(0.5), 1e-12);
  EXPECT_NEAR(r.statevector[31].real(), std::sqrt(0.5), 1e-12);
}

TEST(KnownAnswers, BernsteinVaziraniFindsTheSecret) {
  // Secret 1011 on qubits 0..3 (qubit 0 = least significant bit); ancilla q[4].
  const Circuit c = compile_or_fail(R"(OPENQASM 2.0;
include "qelib1.inc";
qreg q[5];
creg c[4];
x q[4];
h q;
cx q[0], q[4];
cx q[1], q[4];
cx q[3], q[4];
h q[0]; h q[1]; h q[2]; h q[3];
measure q[0] -> c[0];
measure q[1] -> c[1];
measure q[2] -> c[2];
measure q[3] -> c[3];
)");
  sim::RunOptions o;
  o.shots = 100;
  const auto r = sim::run(c, o);
  ASSERT_EQ(r.counts.size(), 1u);
  EXPECT_EQ(r.counts.begin()->first, "1011");
}

TEST(KnownAnswers, QftOfBasisState) {
  const unsigned n = 5;
  const uint64_t x = 19;
  std::string src = "OPENQASM 3.0;\ninclude \"stdgates.inc\";\nqubit[5] q;\n";
  for (unsigned i = 0; i < n; ++i)
    if ((x >> i) & 1) src += "x q[" + std::to_string(i) + "];\n";
  for (int j = int(n) - 1; j >= 0; --j) {
    src += "h q[" + std::to_string(j) + "];\n";
    for (int k = j - 1; k >= 0; --k)
      src += "cp(pi/" + std::to_string(1 << (j - k)) + ") q[" + std::to_string(k) + "], q[" +
             std::to_string(j) + "];\n";
  }
  for (unsigned i = 0; i < n / 2; ++i)
    src += "swap q[" + std::to_string(i) + "], q[" + std::to_string(n - 1 - i) + "];\n";
  const Circuit c = compile_or_fail(src);
  const auto s = sim::simulate<double>(c);
  const double N = double(1u << n);
  for (uint64_t k = 0; k < (1u << n); ++k) {
    const std::complex<double> want = std::polar(1 / std::sqrt(N), 2 * M_PI * double(x * k) / N);
    EXPECT_LT(std::abs(s[k] - want), 1e-12) << "k = " << k;
  }
}

}  // namespace
}  // namespace qforge
