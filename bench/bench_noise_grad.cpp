// bench_noise_grad: training under noise with NoisyBatchCircuit (exact
// density-matrix adjoint) against the noiseless BatchCircuit.
//
//   bench_noise_grad [--quick] [--threads N]
//
// Noise model: after every one-qubit gate, depolarizing (p1 = 1e-3) then
// thermal relaxation (amplitude damping gamma = 2e-3, phase damping lambda =
// 1e-3) on its qubit; after every two-qubit gate, two-qubit depolarizing
// (p2 = 1e-2) then the same relaxation on each of its qubits. The engine
// merges each gate's channels into one superoperator step.
//
// Table 1: the lean 4-qubit layer (circuits/lean_hybrid.qasm, ExpectationZ,
// batch 64), milliseconds per batch of the forward and of forward + backward,
// noiseless (BatchCircuit) and noisy (NoisyBatchCircuit, tape kept), double
// and single precision, and the noisy / noiseless ratio of forward + backward
// (the quantum layer's share of a training step). Forwards keep the tape
// their backward reads.
// Table 1b: the same layer with only the depolarizing channels (Pauli), then
// with the whole model (relaxation is not mixed-unitary: fixed proposals):
// the density matrix against forward + backward of T trajectories per sample
// (forward_trajectories + backward_trajectories).
// Table 2: peak bytes allocated during forward + backward, measured by
// counting operator new in this process, against memory_bytes(), for the
// lean layer and a 8-qubit layered circuit at checkpoint intervals 1 and 8.
// Table 3: n = 2 .. 8, a layered circuit (4 layers of ry(theta) on every qubit
// and a cx chain, channels as above), backward / forward time of the
// density-matrix adjoint, and the noisy forward against the noiseless one.
// Times are the minimum of several repetitions.
#include "qforge/batch.hpp"
#include "qforge/frontend.hpp"
#include "qforge/kernels.hpp"
#include "qforge/noisy_batch.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <complex>
#include <functional>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

// ---------------------------------------------------------------------------
// Allocation accounting: every operator new of the process.

namespace {
std::atomic<long long> g_live{0}, g_peak{0};

void note_alloc(long long bytes) {
  const long long now = g_live.fetch_add(bytes) + bytes;
  long long peak = g_peak.load();
  while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {
  }
}
}  // namespace

void* operator new(std::size_t size) {
  // A header in front of each block remembers its size.
  void* p = std::malloc(size + 16);
  if (!p) throw std::bad_alloc();
  *static_cast<std::size_t*>(p) = size;
  note_alloc((long long)size);
  return static_cast<char*>(p) + 16;
}
// Not inlined: the size header sits in front of what the caller sees.
__attribute__((noinline)) void operator delete(void* p) noexcept {
  if (!p) return;
  char* base = static_cast<char*>(p) - 16;
  g_live.fetch_sub((long long)*reinterpret_cast<std::size_t*>(base));
  std::free(base);
}
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }

namespace {

using namespace qforge;
using cd = std::complex<double>;
using Kraus = std::vector<std::vector<cd>>;

double seconds_min(int reps, const std::function<void()>& body) {
  double best = 1e300;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    body();
    const auto t1 = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double>(t1 - t0).count());
  }
  return best;
}

/// Pauli channel on k qubits: the 4^k Pauli strings, identity weight 1 - p (4^k - 1) / 4^k.
Kraus pauli_depolarizing(unsigned k, double p) {
  const cd pauli[4][4] = {{1, 0, 0, 1}, {0, 1, 1, 0}, {0, cd(0, -1), cd(0, 1), 0}, {1, 0, 0, -1}};
  const std::size_t count = std::size_t(1) << (2 * k), d = std::size_t(1) << k;
  Kraus out;
  for (std::size_t s = 0; s < count; ++s) {
    const double w = s == 0 ? 1 - p * double(count - 1) / double(count) : p / double(count);
    std::vector<cd> m(d * d);
    for (std::size_t r = 0; r < d; ++r)
      for (std::size_t c = 0; c < d; ++c) {
        cd v = std::sqrt(w);
        for (unsigned q = 0; q < k; ++q) {
          // qubit q of the string is digit q of s (base 4); its bit in r, c is k - 1 - q.
          const std::size_t which = (s >> (2 * q)) & 3, sh = k - 1 - q;
          v *= pauli[which][((r >> sh) & 1) * 2 + ((c >> sh) & 1)];
        }
        m[r * d + c] = v;
      }
    out.push_back(std::move(m));
  }
  return out;
}

/// Amplitude damping (gamma) followed by phase damping (lambda), closed form:
/// K0 = diag(1, sqrt((1-g)(1-l))), K1 = sqrt(g)|0><1|, K2 = diag(0, sqrt((1-g) l)).
Kraus relaxation(double gamma, double lambda) {
  return {{1, 0, 0, std::sqrt((1 - gamma) * (1 - lambda))},
          {0, std::sqrt(gamma), 0, 0},
          {0, 0, 0, std::sqrt((1 - gamma) * lambda)}};
}

sim::NoisyCircuit with_noise(const Circuit& c) {
  sim::NoisyCircuit nc;
  nc.circuit = c;
  nc.after.resize(c.ops.size());
  for (std::size_t i = 0; i < c.ops.size(); ++i) {
    const Operation& op = c.ops[i];
    if (op.kind != OpKind::Gate) continue;
    if (op.qubits.size() == 1) {
      nc.after[i].push_back({{op.qubits[0]}, pauli_depolarizing(1, 1e-3), "depolarizing"});
    } else {
      nc.after[i].push_back({{op.qubits[0], op.qubits[1]}, pauli_depolarizing(2, 1e-2), "depolarizing"});
    }
    for (uint32_t q : op.qubits) nc.after[i].push_back({{q}, relaxation(2e-3, 1e-3), "relaxation"});
  }
  return nc;
}

Circuit compile_or_die(const std::string& text_or_path, bool is_path) {
  DiagnosticSink d;
  Circuit c = is_path ? compile_file(text_or_path, {}, d) : compile_source(text_or_path, "layered.qasm", {}, d);
  if (d.has_errors()) {
    fmt::print(stderr, "{}\n", d.format());
    std::exit(1);
  }
  return c;
}

/// `layers` of ry(theta[..]) on every qubit and a cx chain.
Circuit layered(unsigned n, unsigned layers) {
  std::string s = "OPENQASM 3.0;\ninclude \"stdgates.inc\";\ninput array[float[64], " + std::to_string(n * layers) +
                  "] theta;\nqubit[" + std::to_string(n) + "] q;\n";
  for (unsigned l = 0; l < layers; ++l) {
    for (unsigned q = 0; q < n; ++q) s += fmt::format("ry(theta[{}]) q[{}];\n", l * n + q, q);
    for (unsigned q = 0; q + 1 < n; ++q) s += fmt::format("cx q[{}], q[{}];\n", q, q + 1);
  }
  return compile_or_die(s, false);
}

std::vector<double> ramp(std::size_t n, double scale) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = scale * std::sin(0.7 * double(i) + 0.3);
  return v;
}

struct Timing {
  double fwd = 0, fwd_bwd = 0;
};

/// Forward (keeping the tape backward reads) and forward + backward of
/// `batch` samples on BatchCircuit (tape: the final states) or
/// NoisyBatchCircuit (tape: final vec(rho) and checkpoints): the two share
/// the call shape.
template <typename FP, typename Engine>
Timing time_layer(const Engine& e, std::size_t batch, int reps, std::size_t tape_per_sample) {
  const std::vector<double> x = ramp(batch * e.num_symbols(), 1.0), g = ramp(batch * e.num_outputs(), 0.5);
  const std::vector<FP> in(x.begin(), x.end()), go(g.begin(), g.end());
  std::vector<FP> out(batch * e.num_outputs()), gi(in.size());
  std::vector<std::complex<FP>> tape(batch * tape_per_sample);
  Timing t;
  t.fwd = seconds_min(reps, [&] { e.template forward<FP>(batch, in, {}, out, tape); });
  t.fwd_bwd = seconds_min(reps, [&] {
    e.template forward<FP>(batch, in, {}, out, tape);
    e.template backward<FP>(batch, in, {}, sim::Span<const std::complex<FP>>(tape), go, gi, {});
  });
  return t;
}

template <typename FP>
Timing time_noiseless(const sim::BatchCircuit& bc, std::size_t batch, int reps) {
  return time_layer<FP>(bc, batch, reps, bc.state_size());
}

template <typename FP>
Timing time_noisy(const sim::NoisyBatchCircuit& nbc, std::size_t batch, int reps) {
  return time_layer<FP>(nbc, batch, reps, nbc.tape_size());
}

/// Peak bytes allocated by forward (with tape) + backward, above what was live before.
long long measured_peak(const sim::NoisyBatchCircuit& nbc, std::size_t batch) {
  const std::vector<double> x = ramp(batch * nbc.num_symbols(), 1.0), g = ramp(batch * nbc.num_outputs(), 0.5);
  std::vector<double> out(batch * nbc.num_outputs()), gi(x.size());
  const long long before = g_live.load();
  g_peak.store(before);
  {
    std::vector<cd> tape(batch * nbc.tape_size());
    nbc.forward<double>(batch, x, {}, out, tape);
    nbc.backward<double>(batch, x, {}, sim::Span<const cd>(tape), g, gi, {});
  }
  return g_peak.load() - before;
}

std::string mib(double bytes) { return fmt::format("{:.2f}", bytes / (1024.0 * 1024.0)); }

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  int threads = 1;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) quick = true;
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
  }
  const int reps = quick ? 3 : 15;
  const std::size_t batch = 64;

  const Circuit lean = compile_or_die(std::string(QFORGE_SOURCE_DIR) + "/circuits/lean_hybrid.qasm", true);
  const sim::NoisyCircuit lean_noisy = with_noise(lean);
  sim::BatchOptions bo;
  bo.threads = threads;
  const sim::BatchCircuit bc(lean, bo);
  sim::NoisyBatchOptions no;
  no.batch = bo;
  const sim::NoisyBatchCircuit nbc(lean_noisy, no);

  fmt::print("Lean 4-qubit layer, batch {}, {} thread(s): {} gates, {} channel steps after merging\n", batch,
             threads, bc.num_gates(), nbc.num_channel_steps());
  fmt::print("{:<10} {:>14} {:>14} {:>14} {:>14} {:>12} {:>12}\n", "precision", "clean fwd ms", "clean f+b ms",
             "noisy fwd ms", "noisy f+b ms", "fwd ratio", "f+b ratio");
  {
    const Timing c = time_noiseless<double>(bc, batch, reps), n = time_noisy<double>(nbc, batch, reps);
    fmt::print("{:<10} {:>14.4f} {:>14.4f} {:>14.4f} {:>14.4f} {:>12.1f} {:>12.1f}\n", "double", 1e3 * c.fwd,
               1e3 * c.fwd_bwd, 1e3 * n.fwd, 1e3 * n.fwd_bwd, n.fwd / c.fwd, n.fwd_bwd / c.fwd_bwd);
  }
  {
    const Timing c = time_noiseless<float>(bc, batch, reps), n = time_noisy<float>(nbc, batch, reps);
    fmt::print("{:<10} {:>14.4f} {:>14.4f} {:>14.4f} {:>14.4f} {:>12.1f} {:>12.1f}\n", "single", 1e3 * c.fwd,
               1e3 * c.fwd_bwd, 1e3 * n.fwd, 1e3 * n.fwd_bwd, n.fwd / c.fwd, n.fwd_bwd / c.fwd_bwd);
  }

  // Trajectories: the same layer under its Pauli part only (depolarizing),
  // then under the full model (relaxation too: fixed proposals), forward +
  // backward of T trajectories per sample against the density matrix.
  {
    sim::NoisyCircuit pauli = lean_noisy;
    for (auto& chs : pauli.after)
      chs.erase(std::remove_if(chs.begin(), chs.end(), [](const sim::Channel& c) { return c.label != "depolarizing"; }),
                chs.end());
    const Timing clean = time_noiseless<double>(bc, batch, reps);
    const std::pair<const char*, const sim::NoisyCircuit*> models[] = {
        {"depolarizing only (p1 = 1e-3, p2 = 1e-2)", &pauli},
        {"depolarizing and relaxation (not mixed-unitary: fixed proposals)", &lean_noisy}};
    for (const auto& [label, nc] : models) {
      const sim::NoisyBatchCircuit tp(*nc, no);
      const Timing dm = time_noisy<double>(tp, batch, reps);
      fmt::print("\nLean layer, {}, double: density matrix f+b {:.4f} ms ({:.1f}x noiseless)\n", label,
                 1e3 * dm.fwd_bwd, dm.fwd_bwd / clean.fwd_bwd);
      fmt::print("{:>14} {:>14} {:>14} {:>14} {:>14}\n", "trajectories", "fwd ms", "f+b ms", "f+b ratio",
                 "vs dm f+b");
      const std::vector<double> x = ramp(batch * tp.num_symbols(), 1.0), g = ramp(batch * tp.num_outputs(), 0.5);
      std::vector<double> out(batch * tp.num_outputs()), gi(x.size());
      for (uint64_t T : {1, 4, 16, 64}) {
        const sim::NoisyBatchCircuit::TrajectoryOptions t{T, 7};
        const double f = seconds_min(reps, [&] { tp.forward_trajectories<double>(batch, x, {}, out, t); });
        const double fb = seconds_min(reps, [&] {
          tp.forward_trajectories<double>(batch, x, {}, out, t);
          tp.backward_trajectories<double>(batch, x, {}, g, gi, {}, t);
        });
        fmt::print("{:>14} {:>14.4f} {:>14.4f} {:>14.1f} {:>14.2f}\n", T, 1e3 * f, 1e3 * fb, fb / clean.fwd_bwd,
                   fb / dm.fwd_bwd);
      }
    }
  }

  fmt::print("\nPeak memory of forward (tape kept) + backward, double precision\n");
  fmt::print("{:<28} {:>6} {:>10} {:>12} {:>14} {:>14} {:>8}\n", "circuit", "batch", "interval", "checkpoints",
             "predicted MiB", "measured MiB", "ratio");
  struct MemCase {
    std::string name;
    sim::NoisyCircuit nc;
    std::size_t batch;
    unsigned interval;
  };
  std::vector<MemCase> mem;
  mem.push_back({"lean 4q", lean_noisy, batch, 1});
  mem.push_back({"lean 4q", lean_noisy, batch, 4});
  const sim::NoisyCircuit deep = with_noise(layered(8, 4));
  mem.push_back({"layered 8q x 4", deep, std::size_t(quick ? 1 : 2), 1});
  mem.push_back({"layered 8q x 4", deep, std::size_t(quick ? 1 : 2), 8});
  for (const MemCase& m : mem) {
    sim::NoisyBatchOptions o = no;
    o.checkpoint_interval = m.interval;
    const sim::NoisyBatchCircuit e(m.nc, o);
    const double predicted = double(e.memory_bytes(m.batch, sim::Precision::Double));
    const double measured = double(measured_peak(e, m.batch));
    fmt::print("{:<28} {:>6} {:>10} {:>12} {:>14} {:>14} {:>8.3f}\n", m.name, m.batch, m.interval,
               e.num_checkpoints(), mib(predicted), mib(measured), measured / predicted);
  }

  fmt::print("\nDensity-matrix adjoint cost, 4 layers of ry + cx chain with noise, double precision\n");
  fmt::print("{:>3} {:>6} {:>8} {:>14} {:>14} {:>12} {:>16} {:>14}\n", "n", "batch", "steps", "noisy fwd ms",
             "noisy f+b ms", "bwd / fwd", "clean fwd ms", "noisy / clean");
  for (unsigned n = 2; n <= 8; ++n) {
    const Circuit c = layered(n, 4);
    const sim::NoisyCircuit nc = with_noise(c);
    const std::size_t b = std::max<std::size_t>(1, (std::size_t(1) << 14) >> (2 * n));
    const sim::BatchCircuit clean(c, bo);
    const sim::NoisyBatchCircuit e(nc, no);
    const int r = n >= 7 ? std::max(2, reps / 5) : reps;
    const Timing tn = time_noisy<double>(e, b, r), tc = time_noiseless<double>(clean, b, r);
    fmt::print("{:>3} {:>6} {:>8} {:>14.4f} {:>14.4f} {:>12.2f} {:>16.4f} {:>14.1f}\n", n, b,
               e.num_steps(), 1e3 * tn.fwd, 1e3 * tn.fwd_bwd,
               (tn.fwd_bwd - tn.fwd) / tn.fwd, 1e3 * tc.fwd, tn.fwd / tc.fwd);
  }
  return 0;
}
