// bench_simulator: state-vector simulator timings against the memory floor.
//
//   bench_simulator [--quick] [--widths 2,3,4] [--corpus DIR]
//
// For each circuit (QFT, random brickwork, QASMBench medium circuits that
// fit) it prints seconds with 1 and 2 threads, unfused and fused at each
// width, and each time divided by the memory floor of the unfused circuit:
// the time of one read+write pass over the state (measured in the same run)
// times the number of unfused gate passes. It first prints single-kernel
// passes (one gate) as multiples of the floor. Times are the minimum of
// several repetitions. --quick uses smaller states and fewer repetitions.
#include "qforge/circuit.hpp"
#include "qforge/frontend.hpp"
#include "qforge/kernels.hpp"
#include "qforge/simulator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace qforge;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

/// Minimum over `reps` runs of `fn`.
double time_min(int reps, const std::function<void()>& fn) {
  double best = 1e300;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = Clock::now();
    fn();
    best = std::min(best, seconds_since(t0));
  }
  return best;
}

/// One read+write pass over the state: the memory-bandwidth floor.
double floor_pass(sim::StateVector<double>& s, int reps) {
  double* p = reinterpret_cast<double*>(s.data());
  const int64_t n = int64_t(2 * s.size());
  return time_min(reps, [&] {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) p[i] *= 0.999999;
  });
}

Operation gate(GateId g, std::vector<uint32_t> q, std::vector<double> p = {}) {
  Operation op;
  op.gate = g;
  op.qubits = std::move(q);
  for (double x : p) op.params.emplace_back(x);
  return op;
}

Circuit qft(uint32_t n) {
  Circuit c;
  c.num_qubits = n;
  for (uint32_t j = n; j-- > 0;) {
    c.ops.push_back(gate(GateId::H, {j}));
    for (uint32_t k = j; k-- > 0;) c.ops.push_back(gate(GateId::CP, {k, j}, {M_PI / double(1u << (j - k))}));
  }
  for (uint32_t i = 0; i < n / 2; ++i) c.ops.push_back(gate(GateId::Swap, {i, n - 1 - i}));
  return c;
}

Circuit brickwork(uint32_t n, int layers, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> angle(-M_PI, M_PI);
  const GateId rot[3] = {GateId::RX, GateId::RY, GateId::RZ};
  Circuit c;
  c.num_qubits = n;
  for (int l = 0; l < layers; ++l) {
    for (uint32_t q = 0; q < n; ++q) c.ops.push_back(gate(rot[rng() % 3], {q}, {angle(rng)}));
    for (uint32_t q = uint32_t(l % 2); q + 1 < n; q += 2) c.ops.push_back(gate(GateId::CX, {q, q + 1}));
  }
  return c;
}

struct Config {
  bool quick = false;
  std::vector<unsigned> widths{2, 3, 4};
  std::string corpus;
  int reps = 3;
};

/// Time one circuit and print its rows.
void bench_circuit(const std::string& name, const Circuit& c, const Config& cfg) {
  const unsigned n = c.num_qubits;
  const std::vector<sim::GateOp> ops = sim::evaluate_gates(c, {});
  std::size_t passes = 0;
  for (const auto& g : ops) passes += g.kind != sim::KernelKind::Identity;
  sim::StateVector<double> s(n);
  const int reps = n >= 26 ? 1 : cfg.reps;
  for (int threads : {1, 2}) {
    sim::set_num_threads(threads);
    const double fl = floor_pass(s, std::max(reps, 3));
    const double budget = fl * double(passes);
    std::string row = fmt::format("| {:<22} | {:>2} | {:>5} | {} | {:>7.2f} |", name, n, passes,
                                  threads, fl * 1e3);
    const double t0 = time_min(reps, [&] {
      s.set_basis_state(0);
      for (const auto& g : ops) sim::apply(s, g);
    });
    row += fmt::format(" {:>8.3f} ({:>4.2f}x) |", t0, t0 / budget);
    for (unsigned w : cfg.widths) {
      std::size_t fused_passes = 0;
      const double t = time_min(reps, [&] {
        s.set_basis_state(0);
        const auto fused = sim::fuse(ops, w);
        fused_passes = fused.size();
        for (const auto& g : fused) sim::apply(s, g);
      });
      row += fmt::format(" {:>7.3f} ({:>4.2f}x, {:>4}) |", t, t / budget, fused_passes);
    }
    fmt::print("{}\n", row);
    std::fflush(stdout);
  }
}

void bench_kernels(unsigned n, const Config& cfg) {
  sim::StateVector<double> s(n);
  const int reps = cfg.quick ? 5 : 10;
  struct K {
    std::string name;
    Operation op;
  };
  std::vector<K> ks;
  for (uint32_t q : {0u, 1u, 2u, 5u, n / 2, n - 1}) {
    ks.push_back({fmt::format("h q{}", q), gate(GateId::H, {q})});
    ks.push_back({fmt::format("rx q{}", q), gate(GateId::RX, {q}, {0.3})});
  }
  ks.push_back({"rz q3", gate(GateId::RZ, {3}, {0.3})});
  ks.push_back({"x q4", gate(GateId::X, {4})});
  ks.push_back({"cx q0,q1", gate(GateId::CX, {0, 1})});
  ks.push_back({"cx q1,q0", gate(GateId::CX, {1, 0})});
  ks.push_back({fmt::format("cx q5,q{}", n - 1), gate(GateId::CX, {5, n - 1})});
  ks.push_back({fmt::format("cx q{},q3", n - 1), gate(GateId::CX, {n - 1, 3})});
  ks.push_back({"cp q4,q9 (1/4 of state)", gate(GateId::CP, {4, 9}, {0.3})});
  ks.push_back({"rzz q2,q7", gate(GateId::RZZ, {2, 7}, {0.3})});
  ks.push_back({"crx q3,q8", gate(GateId::CRX, {3, 8}, {0.3})});
  ks.push_back({"rxx q1,q6", gate(GateId::RXX, {1, 6}, {0.3})});
  ks.push_back({"swap q0,q9", gate(GateId::Swap, {0, 9}, {})});
  // Dense fused-style passes on k qubits.
  std::vector<std::pair<std::string, sim::GateOp>> dense;
  std::mt19937_64 rng(1);
  std::normal_distribution<double> g;
  for (unsigned k = 2; k <= 5; ++k) {
    std::vector<unsigned> t;
    for (unsigned i = 0; i < k; ++i) t.push_back(k - 1 - i + 2);  // qubits 2..k+1
    std::vector<std::complex<double>> m(std::size_t(1) << (2 * k));
    for (auto& x : m) x = {g(rng), g(rng)};
    dense.push_back({fmt::format("dense {}q (q2..q{})", k, k + 1), sim::make_gate(t, m)});
  }
  fmt::print("\n### Single passes on {} qubits (double): time / floor\n\n", n);
  fmt::print("| kernel | 1 thread ms | x floor | 2 threads ms | x floor |\n|---|---|---|---|---|\n");
  std::vector<std::string> rows(ks.size() + dense.size());
  for (std::size_t i = 0; i < ks.size(); ++i) rows[i] = "| " + ks[i].name + " |";
  for (std::size_t i = 0; i < dense.size(); ++i) rows[ks.size() + i] = "| " + dense[i].first + " |";
  for (int threads : {1, 2}) {
    sim::set_num_threads(threads);
    const double fl = floor_pass(s, reps);
    for (std::size_t i = 0; i < ks.size(); ++i) {
      const sim::GateOp op = sim::evaluate_gate(ks[i].op, nullptr);
      const double t = time_min(reps, [&] { sim::apply(s, op); });
      rows[i] += fmt::format(" {:.2f} | {:.2f} |", t * 1e3, t / fl);
    }
    for (std::size_t i = 0; i < dense.size(); ++i) {
      const double t = time_min(reps, [&] { sim::apply(s, dense[i].second); });
      rows[ks.size() + i] += fmt::format(" {:.2f} | {:.2f} |", t * 1e3, t / fl);
    }
  }
  for (const auto& r : rows) fmt::print("{}\n", r);
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  if (const char* env = std::getenv("QFORGE_CORPUS")) cfg.corpus = env;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") {
      cfg.quick = true;
      cfg.reps = 1;
    } else if (a == "--widths" && i + 1 < argc) {
      cfg.widths.clear();
      std::string list = argv[++i];
      std::size_t pos = 0;
      while (pos < list.size()) {
        cfg.widths.push_back(unsigned(std::stoul(list.substr(pos))));
        pos = list.find(',', pos);
        if (pos == std::string::npos) break;
        ++pos;
      }
    } else if (a == "--corpus" && i + 1 < argc) {
      cfg.corpus = argv[++i];
    } else {
      fmt::print(stderr, "usage: bench_simulator [--quick] [--widths 2,3,4] [--corpus DIR]\n");
      return a == "--help" ? 0 : 2;
    }
  }
  bench_kernels(cfg.quick ? 22 : 24, cfg);

  fmt::print("\n### Circuits (double precision). Floor = one read+write pass over the state;\n"
             "### x = time / (floor x unfused passes); fused columns: seconds (x, passes)\n\n");
  std::string head = "| circuit | n | passes | thr | floor ms | unfused s (x) |";
  std::string rule = "|---|---|---|---|---|---|";
  for (unsigned w : cfg.widths) {
    head += fmt::format(" fused w={} s (x, passes) |", w);
    rule += "---|";
  }
  fmt::print("{}\n{}\n", head, rule);
  const std::vector<uint32_t> qft_sizes = cfg.quick ? std::vector<uint32_t>{20, 22} : std::vector<uint32_t>{20, 24, 26};
  const std::vector<uint32_t> brick_sizes = cfg.quick ? std::vector<uint32_t>{20, 22} : std::vector<uint32_t>{20, 24};
  for (uint32_t n : qft_sizes) bench_circuit(fmt::format("qft_{}", n), qft(n), cfg);
  for (uint32_t n : brick_sizes) bench_circuit(fmt::format("brickwork_{}x20", n), brickwork(n, 20, 7), cfg);

  if (cfg.corpus.empty()) {
    fmt::print("\n(QASMBench medium circuits skipped: set QFORGE_CORPUS or pass --corpus DIR)\n");
    return 0;
  }
  namespace fs = std::filesystem;
  const fs::path medium = fs::path(cfg.corpus) / "qasmbench" / "medium";
  std::vector<fs::path> files;
  if (fs::is_directory(medium))
    for (const auto& dir : fs::directory_iterator(medium))
      if (dir.is_directory()) {
        const fs::path f = dir.path() / (dir.path().filename().string() + ".qasm");
        if (fs::exists(f)) files.push_back(f);
      }
  std::sort(files.begin(), files.end());
  const uint32_t max_qubits = cfg.quick ? 22 : 26;
  for (const auto& f : files) {
    DiagnosticSink diags;
    CompileOptions opt;
    opt.include_dirs.push_back(f.parent_path().parent_path().parent_path().string() + "/small");
    Circuit c = compile_file(f.string(), opt, diags);
    if (diags.has_errors()) {
      fmt::print("| {} | front end error: skipped |\n", f.stem().string());
      continue;
    }
    if (c.num_qubits > max_qubits) continue;
    // Keep the gates: terminal measurements do not change the state.
    if (!sim::is_terminal_measurement_circuit(c)) {
      fmt::print("| {} | mid-circuit measurement: skipped |\n", f.stem().string());
      continue;
    }
    std::vector<Operation> gates;
    for (auto& op : c.ops)
      if (op.is_gate()) gates.push_back(op);
    c.ops = std::move(gates);
    bench_circuit(f.stem().string(), c, cfg);
  }
  return 0;
}
