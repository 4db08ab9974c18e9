// bench_simulator: state-vector simulator timings against the memory floor.
//
//   bench_simulator [--quick] [--fusion none,greedy2,greedy4,cost] [--precision double,single]
//                   [--qft 20,24] [--brickwork 20,24] [--threads 1,2] [--no-kernels] [--blocks]
//                   [--cpu-time] [--corpus DIR] [--match NAME] [--small 2,4,6,8,10,12]
//
// For each circuit (QFT, random brickwork, QASMBench small and medium
// circuits that fit; --match NAME keeps those whose name contains NAME) and precision it prints seconds with each thread count and fusion
// mode, and each time divided by the memory floor of the unfused circuit:
// the time of one read+write pass over the double-precision state (measured
// in the same run, beside the circuit) times the number of unfused gate
// passes. Fusion modes: none; greedyW, the fuser without its cost model
// (merge whenever the block stays within W qubits); costW (cost: W = 4), the
// fuser's cost model with blocks of at most W qubits. The modes run in
// alternation, round after round, and each time is the minimum over rounds.
// It first prints single-kernel passes (one gate, dense blocks on the lowest
// and on higher qubits, and the floor's pass walked as two streams per
// thread) as multiples of the floor. --quick uses smaller
// states and fewer rounds; --blocks prints the ops each fusion mode emits;
// --cpu-time times one-thread runs by the thread's CPU time (for a machine
// busy with other work: it leaves out the time the core runs others).
// --small N,... prints only the time of single ops on states of N qubits
// (a fixed cost per call and a cost per amplitude), the table the fuser's
// small-state costs come from.
#include "qforge/circuit.hpp"
#include "qforge/frontend.hpp"
#include "qforge/kernels.hpp"
#include "qforge/simulator.hpp"

#include <fmt/format.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace qforge;
/// --cpu-time: one-thread timings read the calling thread's CPU time, which
/// leaves out the time other processes hold the core (wall time otherwise).
bool g_cpu_time = false;

/// Seconds on the clock the timings use.
double now() {
  if (g_cpu_time && sim::max_threads() == 1) {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// Minimum over `reps` runs of `fn`.
double time_min(int reps, const std::function<void()>& fn) {
  double best = 1e300;
  for (int r = 0; r < reps; ++r) {
    const double t0 = now();
    fn();
    best = std::min(best, now() - t0);
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

/// The floor's pass with each thread's half walked as two streams in
/// lockstep (its first and second quarter of the state): a kernel on a
/// high qubit reads and writes two such streams; the plain floor one.
template <typename FP>
void two_stream_pass(sim::StateVector<FP>& s) {
  FP* p = reinterpret_cast<FP*>(s.data());
  const int64_t n = int64_t(2 * s.size());
#pragma omp parallel
  {
#ifdef _OPENMP
    const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
#else
    const int64_t t = 0, nt = 1;
#endif
    const int64_t begin = n / nt * t, half = (n / nt) / 2;
    FP* __restrict a = p + begin;
    FP* __restrict b = p + begin + half;
#pragma omp simd
    for (int64_t i = 0; i < half; ++i) {
      a[i] *= FP(0.999999);
      b[i] *= FP(0.999999);
    }
  }
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
    // cx on (2i, 2i+1) in even layers, cz on (2i+1, 2i+2) in odd ones.
    for (uint32_t q = uint32_t(l % 2); q + 1 < n; q += 2)
      c.ops.push_back(gate(l % 2 ? GateId::CZ : GateId::CX, {q, q + 1}));
  }
  return c;
}

struct Mode {
  std::string name;
  sim::FusionOptions fusion;
};

Mode parse_mode(const std::string& s) {
  Mode m{s, {}};
  if (s == "none") {
    m.fusion.max_width = 0;
  } else if (s == "cost") {
    m.fusion.max_width = 4;
  } else if (s.rfind("greedy", 0) == 0 && s.size() > 6) {
    m.fusion.max_width = unsigned(std::stoul(s.substr(6)));
    m.fusion.cost_model = false;
  } else if (s.rfind("cost", 0) == 0 && s.size() > 4) {
    m.fusion.max_width = unsigned(std::stoul(s.substr(4)));
  } else {
    throw std::invalid_argument("unknown fusion mode '" + s + "' (none, greedyW, cost, costW)");
  }
  return m;
}

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= list.size()) {
    const std::size_t comma = list.find(',', pos);
    out.push_back(list.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

struct Config {
  bool quick = false;
  bool kernels = true;
  bool blocks = false;
  std::vector<Mode> modes;
  std::vector<std::string> precisions{"double", "single"};
  std::vector<uint32_t> qft_sizes{20, 24}, brick_sizes{20, 24};
  std::vector<int> threads{1, 2};
  std::string corpus;
  std::string match;  // corpus circuits whose name contains this
  int rounds = 3;
  unsigned kernel_qubits = 0;  // 0: 24 (22 with --quick)
};

/// Apply the ops to |0..0> in precision FP.
template <typename FP>
void run_ops(sim::StateVector<FP>& s, const std::vector<sim::GateOp>& ops) {
  s.set_basis_state(0);
  for (const auto& g : ops) sim::apply(s, g);
}

/// The ops of a list by kind and width ("dense2 x 12, phase x 30, ..."),
/// dense ops with a target among qubits 0..2 counted apart ("dense2-low").
std::string describe_ops(const std::vector<sim::GateOp>& ops) {
  std::map<std::string, int> count;
  for (const auto& g : ops) {
    std::string kind;
    switch (g.kind) {
      case sim::KernelKind::Identity: kind = "identity"; break;
      case sim::KernelKind::Phase: kind = "phase"; break;
      case sim::KernelKind::Diagonal: kind = fmt::format("diagonal{}", g.targets.size()); break;
      case sim::KernelKind::X: kind = "x"; break;
      case sim::KernelKind::Swap: kind = "swap"; break;
      case sim::KernelKind::Dense: {
        bool low = false;
        for (unsigned t : g.targets) low = low || t < 3;
        kind = fmt::format("dense{}{}", g.targets.size(), low ? "-low" : "");
        break;
      }
    }
    if (g.ctrl_mask) kind += "-ctrl";
    ++count[kind];
  }
  std::string out;
  for (const auto& [kind, c] : count) out += fmt::format("{}{} x {}", out.empty() ? "" : ", ", kind, c);
  return out;
}

/// Time one circuit and print its rows: per precision and thread count,
/// every fusion mode (fused outside the timed region; fusion time printed
/// once) in alternation with the floor, minimum over rounds.
void bench_circuit(const std::string& name, const Circuit& c, const Config& cfg) {
  const unsigned n = c.num_qubits;
  const std::vector<sim::GateOp> ops = sim::evaluate_gates(c, {});
  std::size_t passes = 0;
  for (const auto& g : ops) passes += g.kind != sim::KernelKind::Identity;
  std::vector<std::vector<sim::GateOp>> fused;
  for (const Mode& m : cfg.modes) fused.push_back(sim::fuse(ops, m.fusion));
  if (cfg.blocks)
    for (std::size_t k = 0; k < cfg.modes.size(); ++k)
      fmt::print("{} {}: {}\n", name, cfg.modes[k].name, describe_ops(fused[k]));
  const int rounds = n >= 26 ? 1 : cfg.rounds;
  sim::StateVector<double> s64(n);
  for (const std::string& prec : cfg.precisions) {
    std::unique_ptr<sim::StateVector<float>> s32;
    if (prec == "single") s32 = std::make_unique<sim::StateVector<float>>(n);
    for (int threads : cfg.threads) {
      sim::set_num_threads(threads);
      double fl = 1e300;
      std::vector<double> best(cfg.modes.size(), 1e300);
      // Small circuits run several times per round (at least ~50 ms of
      // floor passes), each time its own minimum.
      const double estimate = floor_pass(s64, 2) * double(passes);
      const int inner = int(std::clamp(0.05 / std::max(estimate, 1e-9), 1.0, 200.0));
      for (int r = 0; r < rounds; ++r) {
        fl = std::min(fl, floor_pass(s64, 2));
        for (std::size_t k = 0; k < cfg.modes.size(); ++k) {
          for (int i = 0; i < inner; ++i) {
            const double t0 = now();
            if (s32) run_ops(*s32, fused[k]);
            else run_ops(s64, fused[k]);
            best[k] = std::min(best[k], now() - t0);
          }
        }
      }
      const double budget = fl * double(passes);
      std::string row = fmt::format("| {:<22} | {:>2} | {:>6} | {:>5} | {} | {:>7.2f} |", name, n,
                                    prec, passes, threads, fl * 1e3);
      for (std::size_t k = 0; k < cfg.modes.size(); ++k)
        row += fmt::format(" {:>9.3g} ({:>4.2f}x, {:>4}) |", best[k], best[k] / budget, fused[k].size());
      fmt::print("{}\n", row);
      std::fflush(stdout);
    }
  }
}

void bench_kernels(unsigned n, const Config& cfg) {
  sim::StateVector<double> s(n);
  const int reps = cfg.quick ? 10 : 20;
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
  // Dense fused-style passes on k qubits: on the lowest qubits (0..k-1), on
  // 2..k+1 and on qubits 3..k+2 (unit-stride octets).
  std::vector<std::pair<std::string, sim::GateOp>> dense;
  std::mt19937_64 rng(1);
  std::normal_distribution<double> g;
  for (unsigned k = 2; k <= 5; ++k)
    for (unsigned lo : {0u, 2u, 3u}) {
      std::vector<unsigned> t;
      for (unsigned i = 0; i < k; ++i) t.push_back(lo + k - 1 - i);
      std::vector<std::complex<double>> m(std::size_t(1) << (2 * k));
      for (auto& x : m) x = {g(rng), g(rng)};
      dense.push_back({fmt::format("dense {}q (q{}..q{})", k, lo, lo + k - 1), sim::make_gate(t, m)});
    }
  sim::StateVector<float> s32(n);
  fmt::print("\n### Single passes on {} qubits: time / one read+write pass over the double state\n\n", n);
  fmt::print("| kernel | 1 thread double ms | x floor | single x floor | 2 threads double ms | x floor | single x floor |\n"
             "|---|---|---|---|---|---|---|\n");
  std::vector<std::string> rows(ks.size() + dense.size() + 1);
  for (std::size_t i = 0; i < ks.size(); ++i) rows[i] = "| " + ks[i].name + " |";
  for (std::size_t i = 0; i < dense.size(); ++i) rows[ks.size() + i] = "| " + dense[i].first + " |";
  rows.back() = "| read+write pass, two streams per thread |";
  for (int threads : {1, 2}) {
    sim::set_num_threads(threads);
    // The floor is measured beside each kernel, in alternation, so both
    // minima see the same neighbours.
    const auto timed = [&](std::size_t i, const std::function<void()>& f64, const std::function<void()>& f32) {
      double fl = 1e300, t = 1e300, t32 = 1e300;
      for (int r = 0; r < reps; ++r) {
        fl = std::min(fl, floor_pass(s, 1));
        t = std::min(t, time_min(1, f64));
        t32 = std::min(t32, time_min(1, f32));
      }
      rows[i] += fmt::format(" {:.2f} | {:.2f} | {:.2f} |", t * 1e3, t / fl, t32 / fl);
    };
    const auto row = [&](std::size_t i, const sim::GateOp& op) {
      timed(i, [&] { sim::apply(s, op); }, [&] { sim::apply(s32, op); });
    };
    for (std::size_t i = 0; i < ks.size(); ++i) row(i, sim::evaluate_gate(ks[i].op, nullptr));
    for (std::size_t i = 0; i < dense.size(); ++i) row(ks.size() + i, dense[i].second);
    timed(rows.size() - 1, [&] { two_stream_pass(s); }, [&] { two_stream_pass(s32); });
  }
  for (const auto& r : rows) fmt::print("{}\n", r);
}

/// --small N,...: the time of one op on small states (where a whole
/// circuit runs in microseconds), in nanoseconds of wall time per call, the
/// minimum over batches of repeated calls; the fuser's small-state cost
/// constants (runtime/src/fusion.cpp) are read off this table.
void bench_small(const std::vector<uint32_t>& sizes, const Config& cfg) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> g;
  std::uniform_real_distribution<double> angle(-M_PI, M_PI);
  const auto dense = [&](std::vector<unsigned> t) {
    const std::size_t d = std::size_t(1) << t.size();
    std::vector<std::complex<double>> m(d * d);
    for (auto& x : m) x = {g(rng), g(rng)};
    return sim::make_gate(std::move(t), std::move(m));
  };
  const auto diagonal = [&](std::vector<unsigned> t) {
    const std::size_t d = std::size_t(1) << t.size();
    std::vector<std::complex<double>> m(d * d, 0);
    for (std::size_t r = 0; r < d; ++r) m[r * d + r] = std::polar(1.0, angle(rng));
    return sim::make_gate(std::move(t), std::move(m));
  };
  struct K {
    std::string name;
    unsigned min_n;
    std::function<sim::GateOp(unsigned)> make;
  };
  const auto op = [](GateId id, std::vector<uint32_t> q, std::vector<double> p = {}) {
    return sim::evaluate_gate(gate(id, std::move(q), std::move(p)), nullptr);
  };
  const std::vector<K> ks = {
      {"h q0", 1, [&](unsigned) { return op(GateId::H, {0}); }},
      {"h q1", 2, [&](unsigned) { return op(GateId::H, {1}); }},
      {"h q3", 4, [&](unsigned) { return op(GateId::H, {3}); }},
      {"h top", 1, [&](unsigned n) { return op(GateId::H, {n - 1}); }},
      {"rz q1 (diagonal1)", 2, [&](unsigned) { return op(GateId::RZ, {1}, {0.3}); }},
      {"rz top (diagonal1)", 3, [&](unsigned n) { return op(GateId::RZ, {n - 1}, {0.3}); }},
      {"t q1 (phase)", 2, [&](unsigned) { return op(GateId::T, {1}); }},
      {"cp q0,q1 (phase)", 2, [&](unsigned) { return op(GateId::CP, {0, 1}, {0.3}); }},
      {"cp top (phase)", 4, [&](unsigned n) { return op(GateId::CP, {n - 2, n - 1}, {0.3}); }},
      {"x q1", 2, [&](unsigned) { return op(GateId::X, {1}); }},
      {"cx q0,q1", 2, [&](unsigned) { return op(GateId::CX, {0, 1}); }},
      {"cx top", 4, [&](unsigned n) { return op(GateId::CX, {n - 2, n - 1}); }},
      {"ccx q0,q1,q2", 3, [&](unsigned) { return op(GateId::CCX, {0, 1, 2}); }},
      {"swap q0,q1", 2, [&](unsigned) { return op(GateId::Swap, {0, 1}); }},
      {"crx q0,q1", 2, [&](unsigned) { return op(GateId::CRX, {0, 1}, {0.3}); }},
      {"crx top", 4, [&](unsigned n) { return op(GateId::CRX, {n - 2, n - 1}, {0.3}); }},
      {"dense2 q0,q1", 2, [&](unsigned) { return dense({1, 0}); }},
      {"dense2 top", 4, [&](unsigned n) { return dense({n - 1, n - 2}); }},
      {"dense3 q0..q2", 3, [&](unsigned) { return dense({2, 1, 0}); }},
      {"dense3 top", 5, [&](unsigned n) { return dense({n - 1, n - 2, n - 3}); }},
      {"dense4 q0..q3", 4, [&](unsigned) { return dense({3, 2, 1, 0}); }},
      {"dense2 q2,q3", 4, [&](unsigned) { return dense({3, 2}); }},
      {"dense4 q2..q5", 6, [&](unsigned) { return dense({5, 4, 3, 2}); }},
      {"dense4 top", 6, [&](unsigned n) { return dense({n - 1, n - 2, n - 3, n - 4}); }},
      {"diagonal2 q0,q1", 2, [&](unsigned) { return diagonal({1, 0}); }},
      {"diagonal4 q0..q3", 4, [&](unsigned) { return diagonal({3, 2, 1, 0}); }},
      {"diagonal4 top", 6, [&](unsigned n) { return diagonal({n - 1, n - 2, n - 3, n - 4}); }},
  };
  sim::set_num_threads(1);
  const int batches = cfg.quick ? 5 : 15;
  fmt::print("\n### Small states: ns per op (one thread, double; minimum over {} batches)\n\n", batches);
  std::string head = "| op |", rule = "|---|";
  for (uint32_t n : sizes) {
    head += fmt::format(" n={} |", n);
    rule += "---|";
  }
  fmt::print("{}\n{}\n", head, rule);
  for (const K& k : ks) {
    std::string row = "| " + k.name + " |";
    for (uint32_t n : sizes) {
      if (n < k.min_n) {
        row += " - |";
        continue;
      }
      const sim::GateOp o = k.make(n);
      sim::StateVector<double> s(n);
      // About 20 us of calls per batch.
      const int reps = int(std::clamp(2e4 / (50.0 + 2.0 * double(std::size_t(1) << n)), 4.0, 4000.0));
      double best = 1e300;
      for (int b = 0; b < batches; ++b)
        best = std::min(best, time_min(1, [&] {
                          for (int r = 0; r < reps; ++r) sim::apply(s, o);
                        }) / reps);
      row += fmt::format(" {:.0f} |", best * 1e9);
    }
    fmt::print("{}\n", row);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  if (const char* env = std::getenv("QFORGE_CORPUS")) cfg.corpus = env;
  std::string modes = "none,greedy2,greedy4,cost";
  bool sizes_given = false;
  std::vector<uint32_t> small_sizes;
  const auto to_u32 = [](const std::string& list) {
    std::vector<uint32_t> v;
    for (const auto& x : split(list))
      if (!x.empty()) v.push_back(uint32_t(std::stoul(x)));
    return v;
  };
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      const bool has_value = i + 1 < argc;
      if (a == "--quick") {
        cfg.quick = true;
      } else if (a == "--no-kernels") {
        cfg.kernels = false;
      } else if (a == "--cpu-time") {
        g_cpu_time = true;
      } else if (a == "--blocks") {
        cfg.blocks = true;
      } else if (a == "--fusion" && has_value) {
        modes = argv[++i];
      } else if (a == "--precision" && has_value) {
        cfg.precisions = split(argv[++i]);
      } else if (a == "--qft" && has_value) {
        cfg.qft_sizes = to_u32(argv[++i]);
        sizes_given = true;
      } else if (a == "--brickwork" && has_value) {
        cfg.brick_sizes = to_u32(argv[++i]);
        sizes_given = true;
      } else if (a == "--threads" && has_value) {
        cfg.threads.clear();
        for (uint32_t t : to_u32(argv[++i])) cfg.threads.push_back(int(t));
      } else if (a == "--kernel-qubits" && has_value) {
        cfg.kernel_qubits = unsigned(std::stoul(argv[++i]));
      } else if (a == "--rounds" && has_value) {
        cfg.rounds = std::stoi(argv[++i]);
      } else if (a == "--corpus" && has_value) {
        cfg.corpus = argv[++i];
      } else if (a == "--small" && has_value) {
        small_sizes = to_u32(argv[++i]);
      } else if (a == "--match" && has_value) {
        cfg.match = argv[++i];
      } else {
        fmt::print(stderr,
                   "usage: bench_simulator [--quick] [--fusion none,greedy2,greedy4,cost] [--precision double,single]\n"
                   "                       [--qft 20,24] [--brickwork 20,24] [--threads 1,2] [--rounds 3]\n"
                   "                       [--kernel-qubits 24] [--small 2,4,6,8,10,12]\n"
                   "                       [--no-kernels] [--blocks] [--cpu-time] [--corpus DIR] [--match NAME]\n");
        return a == "--help" ? 0 : 2;
      }
    }
    for (const auto& m : split(modes)) cfg.modes.push_back(parse_mode(m));
    for (const auto& p : cfg.precisions)
      if (p != "double" && p != "single") throw std::invalid_argument("unknown precision '" + p + "'");
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench_simulator: {}\n", e.what());
    return 2;
  }
  if (cfg.quick && !sizes_given) cfg.qft_sizes = cfg.brick_sizes = {20, 22};
  if (cfg.quick) cfg.rounds = 2;
  if (!small_sizes.empty()) {
    bench_small(small_sizes, cfg);
    return 0;
  }
  if (cfg.kernels) bench_kernels(cfg.kernel_qubits ? cfg.kernel_qubits : cfg.quick ? 22 : 24, cfg);

  fmt::print("\n### Circuits. Floor = one read+write pass over the double state;\n"
             "### x = time / (floor x unfused passes); columns: seconds (x, passes)\n\n");
  std::string head = "| circuit | n | precision | passes | thr | floor ms |";
  std::string rule = "|---|---|---|---|---|---|";
  for (const Mode& m : cfg.modes) {
    head += fmt::format(" {} s (x, passes) |", m.name);
    rule += "---|";
  }
  fmt::print("{}\n{}\n", head, rule);
  for (uint32_t n : cfg.qft_sizes) bench_circuit(fmt::format("qft_{}", n), qft(n), cfg);
  for (uint32_t n : cfg.brick_sizes) bench_circuit(fmt::format("brickwork_{}x20", n), brickwork(n, 20, 7), cfg);
  if (cfg.corpus.empty()) {
    fmt::print("\n(QASMBench circuits skipped: set QFORGE_CORPUS or pass --corpus DIR)\n");
    return 0;
  }
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (const char* size : {"small", "medium"}) {
    const fs::path dir = fs::path(cfg.corpus) / "qasmbench" / size;
    std::vector<fs::path> some;
    if (fs::is_directory(dir))
      for (const auto& sub : fs::directory_iterator(dir))
        if (sub.is_directory()) {
          const fs::path f = sub.path() / (sub.path().filename().string() + ".qasm");
          if (fs::exists(f) && f.stem().string().find(cfg.match) != std::string::npos) some.push_back(f);
        }
    std::sort(some.begin(), some.end());
    files.insert(files.end(), some.begin(), some.end());
  }
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
