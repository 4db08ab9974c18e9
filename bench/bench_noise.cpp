// bench_noise: density matrix against trajectories on a noisy layered circuit.
//
//   bench_noise [--quick] [--threads N]
//
// The circuit: 4 layers of ry on every qubit and cz on a brickwork of pairs,
// each gate followed, on each of its qubits, by one 1-qubit channel that
// composes depolarizing (p = 1e-3), amplitude damping (gamma = 2e-3) and
// phase damping (lambda = 1e-3): 8 Kraus operators, not mixed-unitary, so
// the trajectories sample every channel from the state.
//
// Table 1 (crossover), n = 4 .. 14: seconds per circuit of the density
// matrix (all outputs: probabilities and <Z0>) and of 1000 trajectories
// (measured on fewer at large n and scaled), the memory each needs, and the
// method the auto rule picks for 1000 trajectories. The "merged" column runs
// 1000 trajectories of the same circuit with only the depolarizing part
// (mixed-unitary): each distinct draw sequence is simulated once.
//
// Table 2 (density-matrix step cost), against one pass of a 1-qubit gate on a
// plain 2n-qubit state vector measured in the same run: a gate on rho (U on
// the row qubit and conj(U) on the column qubit, fused into one 2-qubit
// op), a 1-qubit channel's superoperator (2-qubit dense op) and a 2-qubit
// channel's (4-qubit dense op), and the mean step of the layered circuit.
// Times are the minimum of a few repetitions. --quick: n up to 10 for the
// density matrix and fewer trajectories. --threads N: OpenMP threads (default:
// all; on a shared machine 1 gives the steadiest ratios).
#include "qforge/kernels.hpp"
#include "qforge/noisy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace qforge;
using cd = std::complex<double>;

/// Fastest of `reps` calls of fn, in seconds.
template <typename Fn>
double best_of(int reps, Fn fn) {
  double best = 1e300;
  while (reps-- > 0) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

using Kraus = std::vector<std::vector<cd>>;

/// {A_i B_j}: the channel B then A.
Kraus compose(const Kraus& a, const Kraus& b) {
  Kraus out;
  for (const auto& x : a)
    for (const auto& y : b)
      out.push_back({x[0] * y[0] + x[1] * y[2], x[0] * y[1] + x[1] * y[3], x[2] * y[0] + x[3] * y[2],
                     x[2] * y[1] + x[3] * y[3]});
  return out;
}

Kraus depolarizing(double p) {
  const double a = std::sqrt(1 - 3 * p / 4), b = std::sqrt(p / 4);
  return {{a, 0, 0, a}, {0, b, b, 0}, {0, cd(0, -b), cd(0, b), 0}, {b, 0, 0, -b}};
}

Kraus relaxation(double gamma, double lambda) {
  return compose({{1, 0, 0, std::sqrt(1 - lambda)}, {0, 0, 0, std::sqrt(lambda)}},
                 {{1, 0, 0, std::sqrt(1 - gamma)}, {0, std::sqrt(gamma), 0, 0}});
}

Operation gate_op(GateId g, std::vector<uint32_t> q, std::vector<double> p = {}) {
  Operation op;
  op.kind = OpKind::Gate;
  op.gate = g;
  op.qubits = std::move(q);
  for (double v : p) op.params.emplace_back(v);
  return op;
}

sim::NoisyCircuit layered(unsigned n, bool relax) {
  const Kraus noise = relax ? compose(relaxation(2e-3, 1e-3), depolarizing(1e-3)) : depolarizing(1e-3);
  sim::NoisyCircuit nc;
  nc.circuit.num_qubits = n;
  std::mt19937_64 rng(n);
  std::uniform_real_distribution<double> angle(-3, 3);
  const auto add = [&](Operation op) {
    std::vector<sim::Channel> after;
    for (uint32_t q : op.qubits) after.push_back({{q}, noise, "noise"});
    nc.circuit.ops.push_back(std::move(op));
    nc.after.push_back(std::move(after));
  };
  for (int layer = 0; layer < 4; ++layer) {
    for (uint32_t q = 0; q < n; ++q) add(gate_op(GateId::RY, {q}, {angle(rng)}));
    for (uint32_t q = layer % 2; q + 1 < n; q += 2) add(gate_op(GateId::CZ, {q, q + 1}));
  }
  return nc;
}

std::size_t channel_count(const sim::NoisyCircuit& nc) {
  std::size_t c = 0;
  for (const auto& a : nc.after) c += a.size();
  return c;
}

std::string seconds(double s) {
  if (s < 1e-3) return fmt::format("{:.1f} us", s * 1e6);
  if (s < 1) return fmt::format("{:.2f} ms", s * 1e3);
  return fmt::format("{:.2f} s", s);
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  int threads = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      quick = true;
    } else if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else {
      fmt::print(stderr, "usage: bench_noise [--quick] [--threads N]\n");
      return 2;
    }
  }
  const sim::ScopedThreads scoped(threads);
  const unsigned dm_max = quick ? 10 : 12;
  const uint64_t T = 1000;
  fmt::print("# bench_noise{} ({} threads)\n\n", quick ? " --quick" : "", sim::max_threads());
  fmt::print("Layered circuit: 4 layers of ry + brickwork cz, a 1-qubit depolarizing+relaxation channel\n"
             "(8 Kraus operators) after each gate on each of its qubits. Trajectories: {} per circuit.\n\n", T);
  fmt::print("| n | gates | channels | density matrix | dm memory | {} trajectories | traj memory | merged (depolarizing only) | distinct | auto picks |\n", T);
  fmt::print("|---|---|---|---|---|---|---|---|---|---|\n");
  for (unsigned n = 4; n <= 14; ++n) {
    const sim::NoisyCircuit nc = layered(n, true);
    sim::NoisyRunOptions o;
    o.run.observables = {sim::parse_observable("Z0")};
    o.run.probabilities = true;
    o.trajectories = T;
    std::string dm = "skipped", traj;
    const std::string dm_mem = sim::format_bytes(sim::noisy_memory_bytes(nc, o, sim::NoiseMethod::DensityMatrix));
    if (n <= dm_max) {
      o.method = sim::NoiseMethod::DensityMatrix;
      dm = seconds(best_of(n <= 10 ? 3 : 1, [&] { sim::run_noisy(nc, {}, o); }));
    }
    // Trajectories: fewer at large n, scaled to T.
    const uint64_t measured = quick ? std::min<uint64_t>(T, std::max<uint64_t>(20, (uint64_t(1) << 20) >> n))
                                    : std::min<uint64_t>(T, std::max<uint64_t>(50, (uint64_t(1) << 22) >> n));
    o.method = sim::NoiseMethod::Trajectories;
    o.trajectories = measured;
    const double t = best_of(1, [&] { sim::run_noisy(nc, {}, o); }) * double(T) / double(measured);
    traj = seconds(t) + (measured < T ? fmt::format(" ({} run)", measured) : "");
    o.trajectories = T;
    const std::string traj_mem = sim::format_bytes(sim::noisy_memory_bytes(nc, o, sim::NoiseMethod::Trajectories));
    const sim::NoisyCircuit depol = layered(n, false);
    sim::NoisyRunResult merged;
    const double tm = best_of(1, [&] { merged = sim::run_noisy(depol, {}, o); });
    o.method = sim::NoiseMethod::Auto;
    o.run.max_memory = 0;
    const sim::NoiseMethod pick = sim::choose_noise_method(nc, o);
    fmt::print("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", n, nc.circuit.ops.size(), channel_count(nc), dm,
               dm_mem, traj, traj_mem, seconds(tm), merged.distinct_trajectories, sim::to_string(pick));
  }

  fmt::print("\n## Density-matrix step cost against a 2n-qubit state-vector pass\n\n");
  fmt::print("| n | 2n-qubit 1q gate pass | dm 1q gate (fused U, conj U) | 1q channel superop | 2q channel superop | mean dm step in the layered circuit |\n");
  fmt::print("|---|---|---|---|---|---|\n");
  const Kraus noise = compose(relaxation(2e-3, 1e-3), depolarizing(1e-3));
  for (unsigned n = 4; n <= dm_max; n += 2) {
    sim::StateVector<double> s(2 * n);
    const int reps = n <= 8 ? 50 : 7;
    const unsigned q = n / 2;
    const sim::GateOp g = sim::make_gate({q}, {std::cos(0.3), -std::sin(0.3), std::sin(0.3), std::cos(0.3)});
    const double pass = best_of(reps, [&] { sim::apply(s, g); });
    const sim::GateOp gc = sim::make_gate({q, q + n}, sim::superoperator({{q}, {g.matrix}, ""}));
    const double gate2 = best_of(reps, [&] { sim::apply(s, gc); });
    const sim::GateOp c1 = sim::make_gate({q, q + n}, sim::superoperator({{q}, noise, ""}));
    const double ch1 = best_of(reps, [&] { sim::apply(s, c1); });
    Kraus two;  // the 1-qubit channel on each of two qubits, as one 2-qubit channel
    for (const auto& a : noise)
      for (const auto& b : noise) {
        std::vector<cd> k(16);
        for (int r = 0; r < 4; ++r)
          for (int c = 0; c < 4; ++c) k[r * 4 + c] = a[(r >> 1) * 2 + (c >> 1)] * b[(r & 1) * 2 + (c & 1)];
        two.push_back(k);
      }
    const sim::GateOp c2 = sim::make_gate({q, q - 1, q + n, q - 1 + n}, sim::superoperator({{q, q - 1}, two, ""}));
    const double ch2 = best_of(std::max(1, reps / 2), [&] { sim::apply(s, c2); });
    const sim::NoisyCircuit nc = layered(n, true);
    sim::NoisyRunOptions o;
    o.method = sim::NoiseMethod::DensityMatrix;
    const double total = best_of(n <= 10 ? 3 : 1, [&] { sim::run_noisy(nc, {}, o); });
    const double step = total / double(nc.circuit.ops.size() + channel_count(nc));
    const auto rel = [&](double x) { return fmt::format("{} ({:.1f}x)", seconds(x), x / pass); };
    fmt::print("| {} | {} | {} | {} | {} | {} |\n", n, seconds(pass), rel(gate2), rel(ch1), rel(ch2), rel(step));
  }
  return 0;
}
