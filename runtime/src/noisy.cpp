// Noisy runs: checks, the method rule, readout error and run_noisy (see
// qforge/noisy.hpp). The engines are in density.cpp and trajectories.cpp.
#include "noisy_detail.hpp"

#include <chrono>
#include <cmath>
#include <stdexcept>

namespace qforge::sim {
namespace {

using cd = std::complex<double>;

std::string fmt_count(double v) { return std::to_string(uint64_t(v)); }

std::string qubits_text(unsigned n) { return std::to_string(n) + " qubit" + (n == 1 ? "" : "s"); }

/// "the channel "label" after operation i" for messages.
std::string channel_name(const Channel& ch, std::size_t i) {
  return "the channel " + (ch.label.empty() ? std::string() : "\"" + ch.label + "\" ") +
         "after operation " + std::to_string(i);
}

}  // namespace

namespace detail {

KeyLayout key_layout(const Circuit& c) {
  KeyLayout k;
  if (!has_any_measure(c)) {
    for (unsigned q = 0; q < c.num_qubits; ++q) k.qubit_of_bit.push_back(q);
    return k;
  }
  k.qubit_of_bit.assign(c.num_clbits, -1);
  for (const Operation& op : c.ops)
    if (op.kind == OpKind::Measure)
      for (std::size_t j = 0; j < op.qubits.size() && j < op.clbits.size(); ++j)
        k.qubit_of_bit[op.clbits[j]] = op.qubits[j];
  return k;
}

std::vector<bool> identity_kraus(const Channel& ch) {
  const std::size_t d = std::size_t(1) << ch.qubits.size();
  std::vector<bool> out;
  for (const auto& m : ch.kraus) {
    bool id = true;
    for (std::size_t r = 0; r < d; ++r)
      for (std::size_t c = 0; c < d; ++c)
        if (r == c ? m[r * d + c] != m[0] : m[r * d + c] != 0.0) id = false;
    out.push_back(id);
  }
  return out;
}

void check_observables(const std::vector<Observable>& observables, unsigned n) {
  for (const auto& obs : observables)
    for (const auto& t : obs.terms)
      if (t.min_qubits() > n)
        throw std::invalid_argument("the observable \"" + obs.text + "\" acts on qubit " +
                                    std::to_string(t.min_qubits() - 1) + ", but the circuit has " +
                                    qubits_text(n) + ".");
}

}  // namespace detail

const char* to_string(NoiseMethod m) {
  switch (m) {
    case NoiseMethod::Auto: return "auto";
    case NoiseMethod::DensityMatrix: return "density-matrix";
    case NoiseMethod::Trajectories: return "trajectories";
  }
  return "?";
}

uint64_t density_matrix_bytes(unsigned n, Precision p) { return state_bytes(2 * n, p); }

std::vector<cd> superoperator(const Channel& ch) {
  const std::size_t d = std::size_t(1) << ch.qubits.size(), D = d * d;
  // S[(r, c), (r', c')] = sum_k K[r][r'] conj(K[c][c']), row bits most significant.
  std::vector<cd> s(D * D, 0);
  for (const auto& k : ch.kraus)
    for (std::size_t r = 0; r < d; ++r)
      for (std::size_t c = 0; c < d; ++c)
        for (std::size_t r2 = 0; r2 < d; ++r2)
          for (std::size_t c2 = 0; c2 < d; ++c2)
            s[(r * d + c) * D + r2 * d + c2] += k[r * d + r2] * std::conj(k[c * d + c2]);
  return s;
}

bool is_mixed_unitary(const Channel& ch, std::vector<double>* probabilities) {
  const std::size_t d = std::size_t(1) << ch.qubits.size();
  std::vector<double> p;
  for (const auto& k : ch.kraus) {
    // K^dag K = p I: the columns are orthogonal with equal norms.
    double norm0 = 0;
    for (std::size_t m = 0; m < d; ++m) norm0 += std::norm(k[m * d]);
    for (std::size_t a = 0; a < d; ++a)
      for (std::size_t b = a; b < d; ++b) {
        cd g = 0;
        for (std::size_t m = 0; m < d; ++m) g += std::conj(k[m * d + a]) * k[m * d + b];
        if (std::abs(g - (a == b ? cd(norm0) : cd(0))) > 1e-12) return false;
      }
    p.push_back(norm0);
  }
  if (probabilities) *probabilities = std::move(p);
  return true;
}

void check_noisy_circuit(const NoisyCircuit& nc) {
  const Circuit& c = nc.circuit;
  const unsigned n = c.num_qubits;
  for (const Operation& op : c.ops)
    if (op.is_classical())
      throw error_at(op, "noisy runs do not execute run-time classical logic (this " + op_name(op) +
                             "); run the circuit without --noise, by shot branching.");
  for (const Operation& op : c.ops) detail::check_qubits(c, op);
  if (nc.after.size() != c.ops.size())
    throw std::invalid_argument("the noisy circuit lists channels after " +
                                std::to_string(nc.after.size()) + " operations, but the circuit has " +
                                std::to_string(c.ops.size()) + ".");
  for (std::size_t i = 0; i < nc.after.size(); ++i)
    for (const Channel& ch : nc.after[i]) {
      const std::string name = channel_name(ch, i);
      const std::size_t k = ch.qubits.size();
      if (k < 1 || k > 2)
        throw std::invalid_argument(name + " acts on " + std::to_string(k) +
                                    " qubits; channels act on 1 or 2.");
      if (k == 2 && ch.qubits[0] == ch.qubits[1])
        throw std::invalid_argument(name + " uses qubit " + std::to_string(ch.qubits[0]) + " twice.");
      for (unsigned q : ch.qubits)
        if (q >= n)
          throw std::invalid_argument(name + " acts on qubit " + std::to_string(q) + " of a " +
                                      std::to_string(n) + "-qubit circuit.");
      const std::size_t d = std::size_t(1) << k;
      if (ch.kraus.empty())
        throw std::invalid_argument(name + " has no Kraus operators.");
      for (const auto& m : ch.kraus)
        if (m.size() != d * d)
          throw std::invalid_argument(name + " has a Kraus operator of " + std::to_string(m.size()) +
                                      " entries; on " + qubits_text(unsigned(k)) + " it needs " +
                                      std::to_string(d * d) + ".");
      const double err = completeness_error(ch);
      if (!(err <= 1e-9))
        throw std::invalid_argument(name + " is not trace preserving: sum K^dag K differs from I by " +
                                    std::to_string(err) + ".");
    }
  if (!nc.readout.empty() && nc.readout.size() != n)
    throw std::invalid_argument("the noisy circuit has readout errors for " +
                                std::to_string(nc.readout.size()) + " qubits, but the circuit has " +
                                qubits_text(n) + ".");
  for (std::size_t q = 0; q < nc.readout.size(); ++q) {
    const ReadoutError& e = nc.readout[q];
    if (!(e.p1_given_0 >= 0 && e.p1_given_0 <= 1 && e.p0_given_1 >= 0 && e.p0_given_1 <= 1))
      throw std::invalid_argument("the readout error of qubit " + std::to_string(q) +
                                  " has a probability outside [0, 1].");
  }
}

std::size_t first_record_dependent_operation(const NoisyCircuit& nc) {
  const Circuit& c = nc.circuit;
  std::vector<std::size_t> measured_at(c.num_qubits, SIZE_MAX);
  const auto acts_on = [&](unsigned q) -> std::size_t {
    return q < measured_at.size() ? measured_at[q] : SIZE_MAX;
  };
  for (std::size_t i = 0; i < c.ops.size(); ++i) {
    const Operation& op = c.ops[i];
    if (!op.conditions.empty()) return i;
    if (op.kind == OpKind::Gate || op.kind == OpKind::Reset)
      for (uint32_t q : op.qubits)
        if (acts_on(q) != SIZE_MAX) return acts_on(q);
    if (op.kind == OpKind::Measure)
      for (uint32_t q : op.qubits)
        if (q < measured_at.size() && measured_at[q] == SIZE_MAX) measured_at[q] = i;
    if (i < nc.after.size())
      for (const Channel& ch : nc.after[i])
        for (unsigned q : ch.qubits)
          if (acts_on(q) != SIZE_MAX) return acts_on(q);
  }
  return SIZE_MAX;
}

namespace {

uint64_t trajectory_count(const NoisyRunOptions& o) {
  if (o.trajectories) return o.trajectories;
  return o.run.shots ? o.run.shots : kDefaultTrajectories;
}

/// State-vector runs that T trajectories need: T, or, when every channel is
/// mixed-unitary and nothing is measured mid-circuit, conditioned or reset
/// (so draws are merged), the expected number of distinct draw sequences,
/// bounded by 1 + T (1 - P), P the probability that every channel draws a
/// multiple of the identity.
double expected_runs(const NoisyCircuit& nc, uint64_t T) {
  if (first_record_dependent_operation(nc) != SIZE_MAX) return double(T);
  for (const Operation& op : nc.circuit.ops)
    if (op.kind == OpKind::Reset) return double(T);
  double clean = 1;
  for (const auto& list : nc.after)
    for (const Channel& ch : list) {
      std::vector<double> p;
      if (!is_mixed_unitary(ch, &p)) return double(T);
      const std::vector<bool> id = detail::identity_kraus(ch);
      double pid = 0, total = 0;
      for (std::size_t k = 0; k < p.size(); ++k) {
        total += p[k];
        if (id[k]) pid += p[k];
      }
      clean *= total > 0 ? pid / total : 0;
    }
  return std::min(double(T), 1 + double(T) * (1 - clean));
}

}  // namespace

uint64_t noisy_memory_bytes(const NoisyCircuit& nc, const NoisyRunOptions& o, NoiseMethod m) {
  const unsigned n = nc.circuit.num_qubits;
  const uint64_t amps = n < 64 ? uint64_t(1) << n : UINT64_MAX;
  const uint64_t probs = o.run.probabilities ? amps * sizeof(double) : 0;
  if (m == NoiseMethod::DensityMatrix) {
    const uint64_t rho = density_matrix_bytes(n, o.run.precision);
    return rho == UINT64_MAX ? rho : rho + probs;
  }
  const uint64_t state = state_bytes(n, o.run.precision);
  if (state == UINT64_MAX) return state;
  // The prefix state, a state per worker, and the probabilities of a batch.
  const detail::TrajectorySlots slots = detail::trajectory_slots(n, trajectory_count(o));
  return state + uint64_t(slots.workers) * state + (slots.batch + 1) * probs;
}

NoiseMethod choose_noise_method(const NoisyCircuit& nc, const NoisyRunOptions& o, std::string* reason) {
  const unsigned n = nc.circuit.num_qubits;
  const std::size_t dynamic = first_record_dependent_operation(nc);
  std::string why;
  NoiseMethod m = o.method;
  if (m == NoiseMethod::DensityMatrix) {
    if (dynamic != SIZE_MAX)
      throw error_at(nc.circuit.ops[dynamic],
                     "the density-matrix method samples all measurements from the final state, but "
                     "this circuit measures a qubit and then acts on it, or uses a condition; use "
                     "the trajectory method.");
    why = "density matrix: asked for";
  } else if (m == NoiseMethod::Trajectories) {
    why = "trajectories: asked for";
  } else if (dynamic != SIZE_MAX) {
    m = NoiseMethod::Trajectories;
    why = "trajectories: the circuit measures a qubit and then acts on it, or uses a condition, "
          "so each shot needs its own record";
  } else {
    const uint64_t need = noisy_memory_bytes(nc, o, NoiseMethod::DensityMatrix);
    const uint64_t limit = o.run.max_memory ? o.run.max_memory : available_memory();
    const uint64_t T = trajectory_count(o);
    if (need > limit) {
      m = NoiseMethod::Trajectories;
      why = "trajectories: the density matrix of " + qubits_text(n) + " needs " + format_bytes(need) +
            ", more than the " + format_bytes(limit) + " allowed";
    } else {
      // Work per operation: 4^n amplitudes against factor x runs x 2^n.
      const double runs = std::ceil(expected_runs(nc, T));
      const double dm_work = std::ldexp(1.0, int(2 * n));
      const double traj_work = detail::kTrajectoryCostFactor * runs * std::ldexp(1.0, int(n));
      std::string traj = std::to_string(T) + " trajectories (";
      if (runs < double(T)) traj += "merged into about " + fmt_count(runs) + " distinct runs, ";
      traj += "work " + fmt_count(detail::kTrajectoryCostFactor) + " x " + fmt_count(runs) + " x 2^" +
              std::to_string(n) + " per operation)";
      if (dm_work <= traj_work) {
        m = NoiseMethod::DensityMatrix;
        why = "density matrix: its work, 4^" + std::to_string(n) + " amplitudes per operation, is at most "
              "that of " + traj + ", and its " + format_bytes(need) + " fit in memory";
      } else {
        m = NoiseMethod::Trajectories;
        why = "trajectories: " + traj + " cost less than the density matrix (4^" + std::to_string(n) +
              " per operation)";
      }
    }
  }
  if (reason) *reason = why + ".";
  return m;
}

NoisyRunResult run_noisy(const NoisyCircuit& nc, const std::vector<double>& inputs,
                         const NoisyRunOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  const Circuit& c = nc.circuit;
  const unsigned n = c.num_qubits;
  check_noisy_circuit(nc);
  check_inputs_bound(c, inputs);
  detail::check_observables(options.run.observables, n);
  if (options.run.statevector)
    throw std::invalid_argument(
        "a noisy run has no single final state vector; ask for probabilities or observables "
        "instead.");
  const bool record = first_record_dependent_operation(nc) != SIZE_MAX;
  if (record && options.trajectories && options.trajectories != options.run.shots)
    throw std::invalid_argument(
        "the circuit measures a qubit and then acts on it, or uses a condition, so every "
        "trajectory is one shot; give as many trajectories as shots (" +
        std::to_string(options.run.shots) + "), or 0.");
  if (record && options.run.shots == 0)
    throw std::invalid_argument(
        "the circuit measures a qubit and then acts on it, or uses a condition, so it is "
        "simulated shot by shot; give the number of shots.");
  NoisyRunResult r;
  r.method = choose_noise_method(nc, options, &r.reason);
  if (n > 62 || (r.method == NoiseMethod::DensityMatrix && n > 31))
    throw MemoryError("a " + std::to_string(n) + "-qubit " +
                      (r.method == NoiseMethod::DensityMatrix ? "density matrix" : "state vector") +
                      " needs more than 2^62 amplitudes; nothing was allocated.");
  check_memory(noisy_memory_bytes(nc, options, r.method), options.run.max_memory,
               std::string(r.method == NoiseMethod::DensityMatrix
                               ? "the density matrix of "
                               : "the trajectories' state vectors of ") +
                   qubits_text(n) + " in " + to_string(options.run.precision) + " precision");
  const ScopedThreads scoped_threads(options.run.threads);
  r.num_qubits = n;
  r.shots = options.run.shots;
  r.seed = options.run.seed;
  r.threads = max_threads();
  r.trajectories = r.method == NoiseMethod::Trajectories;
  const bool single = options.run.precision == Precision::Single;
  if (r.method == NoiseMethod::DensityMatrix) {
    if (single)
      detail::run_density_matrix<float>(nc, inputs, options.run, r);
    else
      detail::run_density_matrix<double>(nc, inputs, options.run, r);
  } else {
    const uint64_t T = trajectory_count(options);
    if (single)
      detail::run_trajectories<float>(nc, inputs, options.run, T, r);
    else
      detail::run_trajectories<double>(nc, inputs, options.run, T, r);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

double readout_z_expectation(uint64_t z_mask, const std::vector<ReadoutError>& readout,
                             const std::function<double(uint64_t)>& ideal_z) {
  // Expand prod_q (a_q z_q + c_q) over the subsets T of z_mask.
  std::vector<unsigned> qs;
  for (uint64_t m = z_mask; m; m &= m - 1) qs.push_back(unsigned(__builtin_ctzll(m)));
  if (qs.size() > 24)
    throw std::invalid_argument("readout_z_expectation: more than 24 qubits in the Z string.");
  double total = 0;
  for (uint64_t sub = 0; sub < (uint64_t(1) << qs.size()); ++sub) {
    double w = 1;
    uint64_t t = 0;
    for (std::size_t j = 0; j < qs.size(); ++j) {
      const unsigned q = qs[j];
      const double e0 = q < readout.size() ? readout[q].p1_given_0 : 0;
      const double e1 = q < readout.size() ? readout[q].p0_given_1 : 0;
      if ((sub >> j) & 1) {
        w *= 1 - e0 - e1;
        t |= uint64_t(1) << q;
      } else {
        w *= e1 - e0;
      }
    }
    if (w != 0) total += w * ideal_z(t);
  }
  return total;
}

}  // namespace qforge::sim
