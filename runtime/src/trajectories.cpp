// The trajectory engine (see qforge/noisy.hpp): run()'s shot-by-shot program
// with the channels as steps, one counter-based random stream per
// trajectory, trajectories in parallel and added in trajectory order.
#include "noisy_detail.hpp"
#include "ordered_sum.hpp"

#include <array>
#include <map>

namespace qforge::sim::detail {
namespace {

using cd = std::complex<double>;

/// A channel ready for sampling. Mixed-unitary: kraus[k] is the unitary
/// K_k / sqrt(p_k), drawn with the fixed probability p[k] (identity[k]: it is
/// a multiple of I and is skipped). Otherwise kraus[k] is K_k and gram[k] is
/// K_k^dag K_k, whose trace against the qubits' reduced density matrix is
/// the probability ||K_k psi||^2.
struct Prepared {
  bool mixed = false;
  std::vector<GateOp> kraus;
  std::vector<std::vector<cd>> kraus_matrix;
  std::vector<std::vector<cd>> gram;
  std::vector<double> p;
  double p_total = 0;  ///< sum of p (1 up to the completeness error)
  std::vector<bool> identity;
};

Prepared prepare(const Channel& ch) {
  Prepared pc;
  const std::size_t d = std::size_t(1) << ch.qubits.size();
  pc.mixed = is_mixed_unitary(ch, &pc.p);
  if (pc.mixed) pc.identity = identity_kraus(ch);
  for (const auto& k : ch.kraus) {
    std::vector<cd> m = k;
    if (pc.mixed) {
      const double s = pc.p[pc.kraus.size()] > 0 ? 1 / std::sqrt(pc.p[pc.kraus.size()]) : 0;
      for (cd& v : m) v *= s;
    } else {
      std::vector<cd> g(d * d, 0);
      for (std::size_t a = 0; a < d; ++a)
        for (std::size_t b = 0; b < d; ++b)
          for (std::size_t m2 = 0; m2 < d; ++m2) g[a * d + b] += std::conj(k[m2 * d + a]) * k[m2 * d + b];
      pc.gram.push_back(std::move(g));
    }
    pc.kraus.push_back(make_gate(ch.qubits, m));
    pc.kraus_matrix.push_back(std::move(m));
  }
  for (double v : pc.p) pc.p_total += v;
  return pc;
}

/// Index drawn from weights w (in order; total > 0).
template <typename Rng>
std::size_t draw(const std::vector<double>& w, double total, Rng& rng) {
  const double u = uniform(rng) * total;
  double cum = 0;
  std::size_t last = 0;
  for (std::size_t k = 0; k < w.size(); ++k) {
    if (w[k] <= 0) continue;
    cum += w[k];
    last = k;
    if (u < cum) return k;
  }
  return last;  // rounding left u past the total
}

/// rho_loc[a][b] = sum over the other qubits of psi[a] conj(psi[b]) for the
/// (at most 2) `qubits`, qubits[0] the most significant bit of a; summed in
/// fixed blocks.
struct Local {
  std::array<cd, 16> m{};
  Local& operator+=(const Local& o) {
    for (std::size_t i = 0; i < m.size(); ++i) m[i] += o.m[i];
    return *this;
  }
};

template <unsigned K, typename FP>
Local reduced_density_k(const std::complex<FP>* psi, unsigned n, const std::vector<unsigned>& qubits) {
  constexpr unsigned D = 1u << K;
  uint64_t off[D] = {};
  for (unsigned a = 0; a < D; ++a)
    for (unsigned j = 0; j < K; ++j)
      if ((a >> (K - 1 - j)) & 1) off[a] |= uint64_t(1) << qubits[j];
  unsigned sorted[K];
  for (unsigned j = 0; j < K; ++j) sorted[j] = qubits[j];
  if (K > 1 && sorted[0] > sorted[K - 1]) std::swap(sorted[0], sorted[K - 1]);
  const FP* p = reinterpret_cast<const FP*>(psi);
  Local out = ordered_sum<Local>(uint64_t(1) << (n - K), [&](uint64_t begin, uint64_t end) {
    // The upper triangle in local sums (kept in registers).
    double re[D][D] = {}, im[D][D] = {};
    for (uint64_t g = begin; g < end; ++g) {
      uint64_t base = g;
      for (unsigned j = 0; j < K; ++j) {
        const unsigned q = sorted[j];
        base = ((base >> q) << (q + 1)) | (base & ((uint64_t(1) << q) - 1));
      }
      double vr[D], vi[D];
      for (unsigned a = 0; a < D; ++a) {
        vr[a] = double(p[2 * (base + off[a])]);
        vi[a] = double(p[2 * (base + off[a]) + 1]);
      }
      for (unsigned a = 0; a < D; ++a)
        for (unsigned b = a; b < D; ++b) {
          re[a][b] += vr[a] * vr[b] + vi[a] * vi[b];
          im[a][b] += vi[a] * vr[b] - vr[a] * vi[b];
        }
    }
    Local l;
    for (unsigned a = 0; a < D; ++a)
      for (unsigned b = a; b < D; ++b) l.m[a * D + b] = cd(re[a][b], im[a][b]);
    return l;
  });
  for (unsigned a = 0; a < D; ++a)
    for (unsigned b = 0; b < a; ++b) out.m[a * D + b] = std::conj(out.m[b * D + a]);
  return out;
}

template <typename FP>
Local reduced_density(const std::complex<FP>* psi, unsigned n, const std::vector<unsigned>& qubits) {
  return qubits.size() == 1 ? reduced_density_k<1>(psi, n, qubits) : reduced_density_k<2>(psi, n, qubits);
}

/// Apply one Kraus operator of `pc`, drawn with probability ||K_k psi||^2,
/// and renormalise.
template <typename FP, typename Rng>
void apply_channel(StateVector<FP>& s, const Channel& ch, const Prepared& pc, Rng& rng) {
  if (pc.mixed) {
    const std::size_t k = pc.kraus.size() == 1 ? 0 : draw(pc.p, pc.p_total, rng);
    if (!pc.identity[k]) apply(s, pc.kraus[k]);
    return;
  }
  const Local rho = reduced_density(s.data(), s.num_qubits(), ch.qubits);
  const std::size_t d = std::size_t(1) << ch.qubits.size();
  std::vector<double> p(pc.gram.size());
  double total = 0;
  for (std::size_t k = 0; k < p.size(); ++k) {
    double v = 0;  // Re tr(G rho) = sum_ab G[a][b] rho[b][a]
    for (std::size_t a = 0; a < d; ++a)
      for (std::size_t b = 0; b < d; ++b) v += (pc.gram[k][a * d + b] * rho.m[b * d + a]).real();
    p[k] = std::max(v, 0.0);
    total += p[k];
  }
  const std::size_t k = draw(p, total, rng);
  std::vector<cd> m = pc.kraus_matrix[k];
  const double scale = 1 / std::sqrt(p[k]);
  for (cd& v : m) v *= scale;
  apply(s, make_gate(ch.qubits, std::move(m)));
}

/// What one job (a trajectory, or a merged group of them) contributes.
struct JobOut {
  std::vector<double> probabilities;
  std::vector<double> expectations;
  std::map<std::string, uint64_t> counts;
};

template <typename FP>
void state_outputs(const StateVector<FP>& s, const RunOptions& o, JobOut& out) {
  if (o.probabilities) {
    const double norm = s.norm_squared();
    out.probabilities.resize(s.size());
    for (uint64_t i = 0; i < s.size(); ++i)
      out.probabilities[i] = std::norm(std::complex<double>(s[i])) / norm;
  }
  out.expectations.clear();
  for (const Observable& obs : o.observables) out.expectations.push_back(expectation(s, obs));
}

/// Shots of trajectory t when `shots` are spread over T trajectories.
uint64_t share(uint64_t shots, uint64_t T, uint64_t t) {
  using u128 = unsigned __int128;
  return uint64_t(u128(shots) * (t + 1) / T - u128(shots) * t / T);
}

/// Run jobs 0 .. count-1 (job(j, state, out) fills `out`) and add job j's
/// outputs with weight(j) in job order. A batch of jobs runs at a time: worker
/// w takes jobs w, w + W, ... of the batch on its own state, so one parallel
/// region serves many small trajectories.
template <typename FP, typename Job, typename Weight>
void run_jobs(uint64_t count, unsigned n, const RunOptions& o, Job job, Weight weight,
              RunResult& r) {
  const TrajectorySlots slots = trajectory_slots(n, count);
  const int workers = slots.workers;
  std::vector<StateVector<FP>> states;
  for (int w = 0; w < workers; ++w) states.emplace_back(n);
  std::vector<JobOut> outs(slots.batch);
  if (o.probabilities) r.probabilities.assign(uint64_t(1) << n, 0.0);
  r.expectations.assign(o.observables.size(), 0.0);
  for (uint64_t first = 0; first < count; first += slots.batch) {
    const int64_t batch = int64_t(std::min<uint64_t>(slots.batch, count - first));
#pragma omp parallel for schedule(static, 1) num_threads(workers) if (workers > 1 && batch > 1)
    for (int w = 0; w < workers; ++w)
      for (int64_t j = w; j < batch; j += workers) {
        outs[std::size_t(j)].counts.clear();
        job(first + uint64_t(j), states[std::size_t(w)], outs[std::size_t(j)]);
      }
    for (int64_t j = 0; j < batch; ++j) {
      const JobOut& out = outs[std::size_t(j)];
      const double wt = weight(first + uint64_t(j));
      for (std::size_t i = 0; i < out.probabilities.size(); ++i) r.probabilities[i] += wt * out.probabilities[i];
      for (std::size_t i = 0; i < out.expectations.size(); ++i) r.expectations[i] += wt * out.expectations[i];
      for (const auto& [key, c] : out.counts) r.counts[key] += c;
    }
  }
}

}  // namespace

TrajectorySlots trajectory_slots(unsigned n, uint64_t jobs) {
  TrajectorySlots t;
  // Whole trajectories per thread (no barrier per op) while a state per
  // thread is small (below 2^22 amplitudes, 64 MiB); above, one trajectory
  // at a time and the kernels split each op over the threads.
  t.workers = n < 22 ? int(std::min<uint64_t>(uint64_t(std::max(1, max_threads())), std::max<uint64_t>(jobs, 1))) : 1;
  // About 2^16 amplitudes of outputs per worker and batch.
  const uint64_t per_worker = n >= 16 ? 1 : std::min<uint64_t>(256, uint64_t(1) << (16 - n));
  t.batch = std::min<uint64_t>(uint64_t(t.workers) * per_worker, std::max<uint64_t>(jobs, 1));
  return t;
}

template <typename FP>
void run_trajectories(const NoisyCircuit& nc, const std::vector<double>& inputs,
                      const RunOptions& o, uint64_t T, NoisyRunResult& r) {
  const Circuit& c = nc.circuit;
  const unsigned n = c.num_qubits;
  const bool record = first_record_dependent_operation(nc) != SIZE_MAX;
  const Program program = build_program(c, inputs, o.fusion_width, &nc.after);
  const std::vector<Step>& steps = program.steps;
  std::vector<Prepared> prepared(steps.size());
  bool mergeable = !record;
  for (std::size_t k = 0; k < steps.size(); ++k) {
    if (steps[k].kind == Step::Kind::Channel) {
      prepared[k] = prepare(*steps[k].channel);
      mergeable = mergeable && prepared[k].mixed;
    }
    if (steps[k].kind == Step::Kind::Reset) mergeable = false;
  }
  // The unconditioned gates before the first channel, measurement, reset or
  // condition are simulated once.
  StateVector<FP> prefix(n);
  std::size_t first = 0;
  if (!steps.empty() && steps[0].kind == Step::Kind::Gates && steps[0].conditions.empty()) {
    for (const GateOp& g : steps[0].gates) apply(prefix, g);
    first = 1;
  }
  const KeyLayout layout = key_layout(c);
  const bool measures = has_any_measure(c);
  r.num_trajectories = T;

  if (mergeable) {
    // Every channel's Kraus choice has a fixed probability: draw each
    // trajectory's choices from its stream (seed, t), keep only the
    // non-identity ones as (step, Kraus index) pairs, and simulate each
    // distinct sequence once (in key order; the all-identity one is the
    // empty key), weighted by its number of trajectories.
    struct Group {
      uint64_t trajectories = 0;
      uint64_t shots = 0;
    };
    std::map<std::vector<uint32_t>, Group> groups;
    std::vector<uint32_t> key;
    for (uint64_t t = 0; t < T; ++t) {
      Stream rng(o.seed, t);
      key.clear();
      for (std::size_t k = first; k < steps.size(); ++k) {
        if (steps[k].kind != Step::Kind::Channel) continue;
        const Prepared& pc = prepared[k];
        const std::size_t choice = pc.kraus.size() == 1 ? 0 : draw(pc.p, pc.p_total, rng);
        if (!pc.identity[choice]) {
          key.push_back(uint32_t(k));
          key.push_back(uint32_t(choice));
        }
      }
      Group& g = groups[key];
      g.trajectories += 1;
      g.shots += share(o.shots, T, t);
    }
    std::vector<std::pair<const std::vector<uint32_t>*, Group>> list;
    for (const auto& [k, g] : groups) list.emplace_back(&k, g);
    r.distinct_trajectories = list.size();
    const auto job = [&](uint64_t j, StateVector<FP>& s, JobOut& out) {
      const std::vector<uint32_t>& chosen = *list[j].first;
      std::vector<GateOp> ops;
      std::size_t next = 0;
      for (std::size_t k = first; k < steps.size(); ++k) {
        if (steps[k].kind == Step::Kind::Gates) {
          ops.insert(ops.end(), steps[k].gates.begin(), steps[k].gates.end());
        } else if (next < chosen.size() && chosen[next] == k) {
          ops.push_back(prepared[k].kraus[chosen[next + 1]]);
          next += 2;
        }
      }
      s = prefix;
      for (const GateOp& g : fuse(ops, o.fusion_width)) apply(s, g);
      state_outputs(s, o, out);
      if (list[j].second.shots) {
        // Sampling streams follow the T trajectory streams.
        Stream rng(o.seed, T + j);
        for (auto [index, count] : sample_indices(s.data(), n, list[j].second.shots, rng, s.norm_squared()))
          add_counts(layout, index, count, nc.readout, rng, out.counts);
      }
    };
    run_jobs<FP>(list.size(), n, o, job,
                 [&](uint64_t j) { return double(list[j].second.trajectories) / double(T); }, r);
    return;
  }

  r.distinct_trajectories = T;
  const auto job = [&](uint64_t t, StateVector<FP>& s, JobOut& out) {
    Stream rng(o.seed, t);
    s = prefix;
    Machine m = start_machine(c, program);
    std::vector<uint8_t>& clbits = m.cs.clbits;
    run_shot(
        program, first, s, m, rng,
        [&](unsigned q, unsigned b) {
          // Terminal measurements are sampled from the final state instead.
          if (record) clbits[b] = read_bit(uint8_t(measure_qubit(s, q, rng)), q, nc.readout, rng);
        },
        [&](std::size_t k) { apply_channel(s, *steps[k].channel, prepared[k], rng); });
    state_outputs(s, o, out);
    if (record && measures) {
      out.counts[bit_string(clbits)] += 1;
      return;
    }
    const uint64_t shots = record ? 1 : share(o.shots, T, t);
    if (shots)
      for (auto [index, count] : sample_indices(s.data(), n, shots, rng, s.norm_squared()))
        add_counts(layout, index, count, nc.readout, rng, out.counts);
  };
  run_jobs<FP>(T, n, o, job, [&](uint64_t) { return 1.0 / double(T); }, r);
}

template void run_trajectories<float>(const NoisyCircuit&, const std::vector<double>&,
                                      const RunOptions&, uint64_t, NoisyRunResult&);
template void run_trajectories<double>(const NoisyCircuit&, const std::vector<double>&,
                                       const RunOptions&, uint64_t, NoisyRunResult&);

}  // namespace qforge::sim::detail
