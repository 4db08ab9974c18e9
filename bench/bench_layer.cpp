// bench_layer - the differentiable circuit layer: timings printed as tables.
//
//  1. The lean hybrid circuit (circuits/lean_hybrid.qasm), batch of 64, one
//     thread: forward and forward+backward through
//       - the runtime alone (sim::BatchCircuit, float64 and float32),
//       - qforge::QuantumLayer in LibTorch (autograd, float64 and float32),
//       - a reference written the way TorchQuantum does it: the state as a
//         [batch, 2,2,2,2] complex tensor, gates as batched matmuls built
//         from torch ops, gradients by autograd (float64),
//     and the speed-up of the layer over the reference, measured side by side.
//  2. Scaling: a hardware-efficient ansatz (ry/rz rotations round-robin over
//     the qubits, a CX chain after each layer) for n qubits and P
//     parameters, batch 1: forward, adjoint backward (the reverse sweep given
//     the tape), (forward + adjoint) / forward, and parameter shift /
//     adjoint. Parameter shift needs 2P forward runs; where that would take
//     longer than the time budget it is extrapolated from one shifted run
//     per parameter and marked "~" (--no-shift leaves it out). Beyond 12
//     qubits the constant gates between symbol-dependent ones run fused
//     (BatchOptions::fusion_width, --fusion-width W; 0: each gate on its
//     own); "passes" counts the passes over the state of a forward pass.
//     From K + 6 qubits on the sweep takes runs of steps on qubits below K
//     tile by tile (BatchOptions::sweep_tile_qubits, --sweep-tile-qubits K,
//     default 14; 0: no tiles); --compare-untiled adds the backward without tiles, measured
//     in alternation with the tiled one, and its ratio. Each row ends with
//     the machine's load average (/proc/loadavg) when it was measured;
//     --cpu-time times the table by the process's CPU time instead of the
//     wall clock.
// Usage: bench_layer [--quick] [--scaling-only] [--qubits 4,8,12,16,20] [--params 8,32,128,256]
//                    [--threads 1] [--fusion-width 4] [--sweep-tile-qubits 14] [--compare-untiled]
//                    [--no-shift] [--cpu-time]
#include "qforge/batch.hpp"
#include "qforge/frontend.hpp"
#include "qforge/kernels.hpp"
#include "qforge/torch/quantum_layer.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

using namespace qforge;
using Clock = std::chrono::steady_clock;

namespace {

/// Seconds of CPU time the process has used (all its threads).
double process_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

/// Time the scaling table measures: wall clock, or with --cpu-time the
/// process's CPU time (on a loaded machine, what one thread's work costs
/// without the time it waits for a core).
bool g_cpu_time = false;
double now_seconds() {
  return g_cpu_time ? process_cpu_seconds() : std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

/// Median seconds of `fn` over repetitions filling about `budget` seconds
/// (at least `min_reps`), after a warm-up.
double time_it(const std::function<void()>& fn, double budget = 0.3, int min_reps = 5) {
  fn();
  std::vector<double> t;
  const double start = now_seconds();
  while (int(t.size()) < min_reps || now_seconds() - start < budget) {
    const double a = now_seconds();
    fn();
    t.push_back(now_seconds() - a);
    if (t.size() > 20000) break;
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

/// The 1-minute load average, or "?".
std::string load_average() {
  std::FILE* f = std::fopen("/proc/loadavg", "r");
  if (!f) return "?";
  char buf[64] = {};
  const bool ok = std::fscanf(f, "%63s", buf) == 1;
  std::fclose(f);
  return ok ? buf : "?";
}

std::string fmt_time(double s) {
  char buf[64];
  if (s < 1e-3) std::snprintf(buf, sizeof buf, "%.1f us", s * 1e6);
  else if (s < 1) std::snprintf(buf, sizeof buf, "%.2f ms", s * 1e3);
  else std::snprintf(buf, sizeof buf, "%.2f s", s);
  return buf;
}

// ---------------------------------------------------------------------------
// TorchQuantum-style reference of the lean circuit.

using torch::Tensor;

// Apply a [2,2] or [B,2,2] matrix to wire q of a [B,2,2,2,2] state.
Tensor apply1(const Tensor& state, const Tensor& m, int64_t q) {
  const int64_t B = state.size(0);
  Tensor s = state.movedim(q + 1, -1).reshape({B, -1, 2});
  Tensor mt = m.dim() == 2 ? m.transpose(0, 1) : m.transpose(1, 2);
  Tensor r = torch::matmul(s, mt);
  std::vector<int64_t> shape = {B, 2, 2, 2, 2};
  return r.reshape(shape).movedim(-1, q + 1);
}

// Apply a [4,4] matrix to wires (a, b) (a the most significant).
Tensor apply2(const Tensor& state, const Tensor& m, int64_t a, int64_t b) {
  const int64_t B = state.size(0);
  Tensor s = state.movedim({a + 1, b + 1}, {3, 4}).reshape({B, -1, 4});
  Tensor r = torch::matmul(s, m.transpose(0, 1));
  return r.reshape({B, 2, 2, 2, 2}).movedim({3, 4}, {a + 1, b + 1});
}

struct Reference {
  Tensor H, CX, zsign[4];
  Reference() {
    auto c = torch::TensorOptions().dtype(torch::kComplexDouble);
    const double r = 1 / std::sqrt(2.0);
    H = torch::tensor({r, r, r, -r}, torch::kDouble).reshape({2, 2}).to(torch::kComplexDouble);
    CX = torch::tensor({1., 0., 0., 0., 0., 1., 0., 0., 0., 0., 0., 1., 0., 0., 1., 0.}, torch::kDouble)
             .reshape({4, 4})
             .to(torch::kComplexDouble);
    for (int q = 0; q < 4; ++q) {
      std::vector<int64_t> shape = {1, 1, 1, 1};
      shape[q] = 2;
      zsign[q] = torch::tensor({1., -1.}, torch::kDouble).reshape(shape);
    }
    (void)c;
  }
  // x: [B,4] data, theta: [4] -> [B,4] <Z_q>
  Tensor forward(const Tensor& x, const Tensor& theta) const {
    const int64_t B = x.size(0);
    Tensor state = torch::zeros({B, 16}, torch::kComplexDouble);
    state.select(1, 0).fill_(1);
    state = state.reshape({B, 2, 2, 2, 2});
    for (int q = 0; q < 4; ++q) state = apply1(state, H, q);
    for (int q = 0; q < 4; ++q) {
      // u1(2 x) = diag(1, e^{2ix}), batched
      Tensor ph = torch::polar(torch::ones({B}, torch::kDouble), 2 * x.select(1, q));
      Tensor one = torch::ones({B}, torch::kComplexDouble), zero = torch::zeros({B}, torch::kComplexDouble);
      Tensor m = torch::stack({one, zero, zero, ph}, 1).reshape({B, 2, 2});
      state = apply1(state, m, q);
    }
    state = apply2(state, CX, 0, 1);
    state = apply2(state, CX, 1, 2);
    state = apply2(state, CX, 2, 3);
    for (int q = 0; q < 4; ++q) {
      Tensor c = torch::cos(theta[q] / 2), s = torch::sin(theta[q] / 2);
      Tensor m = torch::stack({c, -s, s, c}).reshape({2, 2}).to(torch::kComplexDouble);
      state = apply1(state, m, q);
    }
    state = apply2(state, CX, 2, 3);
    state = apply2(state, CX, 1, 2);
    state = apply2(state, CX, 0, 1);
    state = apply1(state, H, 0);
    // state dims: [B, q0, q1, q2, q3]; qforge's qubit q is wire q.
    Tensor p = torch::real(state * state.conj());
    std::vector<Tensor> outs;
    for (int q = 0; q < 4; ++q) outs.push_back((p * zsign[q]).sum({1, 2, 3, 4}));
    return torch::stack(outs, 1);
  }
};

// ---------------------------------------------------------------------------

std::string hea_circuit(unsigned n, unsigned P) {
  std::string s = "OPENQASM 3.0;\ninclude \"stdgates.inc\";\ninput array[float[64], " + std::to_string(P) +
                  "] t;\nqubit[" + std::to_string(n) + "] q;\n";
  auto chain = [&] {
    for (unsigned i = 0; i + 1 < n; ++i) s += "cx q[" + std::to_string(i) + "], q[" + std::to_string(i + 1) + "];\n";
  };
  for (unsigned k = 0; k < P; ++k) {
    const unsigned q = (k / 2) % n;
    s += std::string(k % 2 ? "rz" : "ry") + "(t[" + std::to_string(k) + "]) q[" + std::to_string(q) + "];\n";
    if ((k + 1) % (2 * n) == 0 || k + 1 == P) chain();
  }
  return s;
}

Circuit compile_or_die(const std::string& text) {
  DiagnosticSink d;
  Circuit c = compile_source(text, "bench.qasm", {}, d);
  if (d.has_errors()) {
    std::fprintf(stderr, "%s\n", d.format().c_str());
    std::exit(1);
  }
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false, scaling_only = false, no_shift = false, compare_untiled = false;
  unsigned fusion_width = sim::BatchOptions{}.fusion_width;
  unsigned tile_qubits = sim::BatchOptions{}.sweep_tile_qubits;
  std::vector<unsigned> ns_arg, ps_arg;
  int threads = 1;
  const auto list = [](const char* s) {
    std::vector<unsigned> v;
    for (const char* p = s; *p;) {
      v.push_back(unsigned(std::strtoul(p, nullptr, 10)));
      p = std::strchr(p, ',');
      if (!p) break;
      ++p;
    }
    return v;
  };
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
    else if (std::strcmp(argv[i], "--scaling-only") == 0) scaling_only = true;
    else if (std::strcmp(argv[i], "--qubits") == 0 && i + 1 < argc) ns_arg = list(argv[++i]);
    else if (std::strcmp(argv[i], "--params") == 0 && i + 1 < argc) ps_arg = list(argv[++i]);
    else if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (std::strcmp(argv[i], "--fusion-width") == 0 && i + 1 < argc) fusion_width = unsigned(std::atoi(argv[++i]));
    else if (std::strcmp(argv[i], "--sweep-tile-qubits") == 0 && i + 1 < argc) tile_qubits = unsigned(std::atoi(argv[++i]));
    else if (std::strcmp(argv[i], "--compare-untiled") == 0) compare_untiled = true;
    else if (std::strcmp(argv[i], "--no-shift") == 0) no_shift = true;
    else if (std::strcmp(argv[i], "--cpu-time") == 0) g_cpu_time = true;
    else {
      std::fprintf(stderr,
                   "usage: bench_layer [--quick] [--scaling-only] [--qubits 4,8] [--params 8,64] [--threads 1] "
                   "[--fusion-width 4] [--sweep-tile-qubits 14] [--compare-untiled] [--no-shift] [--cpu-time]\n");
      return 2;
    }
  }
  torch::set_num_threads(1);
  sim::set_num_threads(1);
  const double budget = quick ? 0.15 : 0.5;
  sim::BatchOptions bo;
  bo.threads = 1;
  if (!scaling_only) {

  // ---- 1. lean hybrid circuit, batch 64
  const std::string lean = std::string(QFORGE_SOURCE_DIR) + "/circuits/lean_hybrid.qasm";
  const int64_t B = 64;
  torch::manual_seed(0);
  QuantumLayer layer(QuantumLayerOptions(lean).data_inputs({"x"}).threads(1));
  Tensor x32 = torch::randn({B, 4});
  Tensor x64 = x32.to(torch::kDouble);

  std::printf("Lean hybrid circuit (4 qubits, %zu gates), batch %lld, 1 thread\n\n", layer->circuit().num_gates(),
              (long long)B);
  std::printf("| implementation | forward | forward + backward |\n|---|---|---|\n");

  // runtime alone
  DiagnosticSink d;
  Circuit lean_ir = compile_file(lean, {}, d);
  sim::BatchCircuit bc(lean_ir, bo);
  {
    std::vector<double> in(B * 8), out(B * 4), g(B * 4, 1.0), gi(B * 8);
    std::vector<std::complex<double>> st(B * 16);
    for (auto& v : in) v = double(std::rand()) / RAND_MAX;
    double f = time_it([&] { bc.forward<double>(B, in, {}, out); }, budget);
    double fb = time_it([&] {
      bc.forward<double>(B, in, {}, out, st);
      bc.backward<double>(B, in, {}, sim::Span<const std::complex<double>>(st), g, gi, {});
    }, budget);
    std::printf("| qforge runtime (BatchCircuit, fp64) | %s | %s |\n", fmt_time(f).c_str(), fmt_time(fb).c_str());
    std::vector<float> inf(in.begin(), in.end()), outf(B * 4), gf(B * 4, 1.f), gif(B * 8);
    std::vector<std::complex<float>> stf(B * 16);
    f = time_it([&] { bc.forward<float>(B, inf, {}, outf); }, budget);
    fb = time_it([&] {
      bc.forward<float>(B, inf, {}, outf, stf);
      bc.backward<float>(B, inf, {}, sim::Span<const std::complex<float>>(stf), gf, gif, {});
    }, budget);
    std::printf("| qforge runtime (BatchCircuit, fp32) | %s | %s |\n", fmt_time(f).c_str(), fmt_time(fb).c_str());
  }
  double layer_fb64 = 0;
  for (auto dt : {torch::kDouble, torch::kFloat}) {
    Tensor x = dt == torch::kDouble ? x64 : x32;
    if (dt == torch::kDouble) layer->to(torch::kDouble);
    else layer->to(torch::kFloat);
    double f = time_it([&] {
      torch::NoGradGuard ng;
      layer->forward(x);
    }, budget);
    Tensor xg = x.clone().requires_grad_(true);
    double fb = time_it([&] {
      xg.mutable_grad() = Tensor();
      layer->zero_grad();
      layer->forward(xg).sum().backward();
    }, budget);
    if (dt == torch::kDouble) layer_fb64 = fb;
    std::printf("| qforge::QuantumLayer (LibTorch autograd, %s) | %s | %s |\n",
                dt == torch::kDouble ? "fp64" : "fp32", fmt_time(f).c_str(), fmt_time(fb).c_str());
  }
  Reference ref;
  Tensor theta = torch::rand({4}, torch::kDouble).requires_grad_(true);
  {
    // Check the reference computes the same function as the layer.
    layer->to(torch::kDouble);
    torch::NoGradGuard ng;
    Tensor lt = layer->named_parameters()["theta"];
    const double diff = (ref.forward(x64, lt) - layer->forward(x64)).abs().max().item<double>();
    if (diff > 1e-10) std::printf("WARNING: the reference differs from the layer by %g\n", diff);
  }
  double rf = time_it([&] {
    torch::NoGradGuard ng;
    ref.forward(x64, theta);
  }, budget);
  Tensor xr = x64.clone().requires_grad_(true);
  double rfb = time_it([&] {
    xr.mutable_grad() = Tensor();
    theta.mutable_grad() = Tensor();
    ref.forward(xr, theta).sum().backward();
  }, budget);
  std::printf("| TorchQuantum-style reference (batched torch ops + autograd, fp64) | %s | %s |\n",
              fmt_time(rf).c_str(), fmt_time(rfb).c_str());
  std::printf("\nforward+backward speed-up of QuantumLayer (fp64) over the reference: %.1fx\n\n", rfb / layer_fb64);

  }  // !scaling_only

  // ---- 2. scaling
  std::vector<unsigned> ns = quick ? std::vector<unsigned>{4, 8, 12} : std::vector<unsigned>{4, 8, 12, 16, 20};
  std::vector<unsigned> ps = quick ? std::vector<unsigned>{8, 64} : std::vector<unsigned>{8, 32, 128, 256};
  if (!ns_arg.empty()) ns = ns_arg;
  if (!ps_arg.empty()) ps = ps_arg;
  const double ps_budget = quick ? 0.5 : 2.0;  // seconds of parameter shift measured per case
  // Kernel threads inside each call (batch 1: the state's passes are split).
  sim::set_num_threads(threads);
  sim::BatchOptions sbo = bo;
  sbo.threads = threads;
  sbo.fusion_width = fusion_width;
  sbo.sweep_tile_qubits = tile_qubits;
  std::printf("Hardware-efficient ansatz (ry/rz + CX chain), batch 1, fp64, %d thread(s), fusion width %u, sweep tiles "
              "of %u qubits, readout <Z> of every qubit, %s\n\n",
              threads, fusion_width, tile_qubits, g_cpu_time ? "process CPU time" : "wall clock");
  std::printf("| n | P | gates | passes | forward | adjoint backward | (fwd+adj)/fwd |%s parameter shift | shift/adjoint | "
              "load |\n",
              compare_untiled ? " backward untiled | (fwd+untiled)/fwd |" : "");
  std::printf("|---|---|---|---|---|---|---|%s---|---|---|\n", compare_untiled ? "---|---|" : "");
  for (unsigned n : ns) {
    for (unsigned P : ps) {
      Circuit c = compile_or_die(hea_circuit(n, P));
      sim::BatchCircuit hb(c, sbo);
      sim::BatchOptions untiled_options = sbo;
      untiled_options.sweep_tile_qubits = 0;
      sim::BatchCircuit untiled(c, untiled_options);
      std::vector<double> in(P), out(n), g(n, 1.0), gi(P);
      for (auto& v : in) v = double(std::rand()) / RAND_MAX * 6.28;
      std::vector<std::complex<double>> st(hb.state_size());
      const double bud = n >= 18 ? 0.0 : budget / 2;
      const int reps = n >= 18 ? 1 : 3;
      double f = time_it([&] { hb.forward<double>(1, in, {}, out, st); }, bud, reps);
      double adj = 0, adj_untiled = 0;
      // With --compare-untiled, the two backwards alternate (three rounds,
      // the best of each) so both see the same machine.
      for (int round = 0; round < (compare_untiled ? 3 : 1); ++round) {
        const double a = time_it([&] {
          hb.backward<double>(1, in, {}, sim::Span<const std::complex<double>>(st), g, gi, {});
        }, bud, reps);
        adj = round ? std::min(adj, a) : a;
        if (!compare_untiled) continue;
        const double u = time_it([&] {
          untiled.backward<double>(1, in, {}, sim::Span<const std::complex<double>>(st), g, gi, {});
        }, bud, reps);
        adj_untiled = round ? std::min(adj_untiled, u) : u;
      }
      // Parameter shift: 2P forward runs (all two-term here).
      const double projected = 2.0 * P * f;
      double shift;
      bool estimated = false;
      if (no_shift) {
        shift = 0;
      } else if (projected <= ps_budget) {
        shift = time_it([&] {
          hb.backward<double>(1, in, {}, sim::Span<const std::complex<double>>(st), g, gi, {},
                              sim::GradientMethod::ParameterShift);
        }, bud, 1);
      } else {
        shift = projected;
        estimated = true;
      }
      const std::string shift_text = no_shift ? "-" : (estimated ? "~" : "") + fmt_time(shift);
      char ratio[32] = "-";
      if (!no_shift) std::snprintf(ratio, sizeof ratio, "%.0f", shift / adj);
      char untiled_cols[64] = "";
      if (compare_untiled)
        std::snprintf(untiled_cols, sizeof untiled_cols, " %s | %.2f |", fmt_time(adj_untiled).c_str(),
                      (f + adj_untiled) / f);
      std::printf("| %u | %u | %zu | %zu | %s | %s | %.2f |%s %s | %s | %s |\n", n, P, hb.num_gates(), hb.num_passes(),
                  fmt_time(f).c_str(), fmt_time(adj).c_str(), (f + adj) / f, untiled_cols, shift_text.c_str(), ratio,
                  load_average().c_str());
      std::fflush(stdout);
    }
  }
  return 0;
}
