// noisy_detail.hpp - pieces shared by the density-matrix and trajectory
// engines (density.cpp, trajectories.cpp, noisy.cpp): how counts are keyed
// and how readout error flips them.
#pragma once

#include "ordered_sum.hpp"
#include "program.hpp"
#include "qforge/noisy.hpp"

#include <map>
#include <string>
#include <vector>

namespace qforge::sim::detail {

/// Which qubit each bit of a count key reads: the clbits (the qubit of the
/// last measurement writing each, -1 for none) when the circuit measures,
/// else every qubit.
struct KeyLayout {
  std::vector<int64_t> qubit_of_bit;
};

/// The layout of run()'s keys for a circuit whose measurements are terminal.
KeyLayout key_layout(const Circuit& c);

/// The bit read from `qubit` holding `value` under readout error (draws a
/// uniform only when the flip probability is positive).
template <typename Rng>
uint8_t read_bit(uint8_t value, unsigned qubit, const std::vector<ReadoutError>& readout, Rng& rng) {
  if (qubit >= readout.size()) return value;
  const double p = value ? readout[qubit].p0_given_1 : readout[qubit].p1_given_0;
  if (p > 0 && uniform(rng) < p) return uint8_t(value ^ 1);
  return value;
}

/// Add `count` shots of basis state `index` to `counts`, keyed by `layout`,
/// each bit flipped by its qubit's readout error, shot by shot.
template <typename Rng>
void add_counts(const KeyLayout& layout, uint64_t index, uint64_t count,
                const std::vector<ReadoutError>& readout, Rng& rng,
                std::map<std::string, uint64_t>& counts) {
  std::vector<uint8_t> bits(layout.qubit_of_bit.size(), 0);
  bool noisy = false;
  for (std::size_t b = 0; b < bits.size(); ++b) {
    const int64_t q = layout.qubit_of_bit[b];
    if (q < 0) continue;
    bits[b] = uint8_t((index >> q) & 1);
    if (std::size_t(q) < readout.size() &&
        (readout[std::size_t(q)].p1_given_0 > 0 || readout[std::size_t(q)].p0_given_1 > 0))
      noisy = true;
  }
  if (!noisy) {
    counts[bit_string(bits)] += count;
    return;
  }
  std::vector<uint8_t> read(bits.size());
  for (uint64_t s = 0; s < count; ++s) {
    for (std::size_t b = 0; b < bits.size(); ++b) {
      const int64_t q = layout.qubit_of_bit[b];
      read[b] = q < 0 ? 0 : read_bit(bits[b], unsigned(q), readout, rng);
    }
    counts[bit_string(read)] += 1;
  }
}

/// Shared by the density-matrix engines (density.cpp, noisy_batch.cpp).
/// tr(rho P) for one Pauli term: sum_r rho[r][r ^ f] phase(r), where
/// P|r> = phase(r) |r ^ f>, phase(r) = i^nY (-1)^popcount(r & (y | z)).
template <typename FP>
inline double trace_pauli(const std::complex<FP>* rho, unsigned n, const PauliTerm& t) {
  const uint64_t dim = uint64_t(1) << n;
  const uint64_t f = t.x_mask | t.y_mask, zy = t.z_mask | t.y_mask;
  using cd = std::complex<double>;
  const cd sum = ordered_sum<cd>(dim, [&](uint64_t begin, uint64_t end) {
    double re = 0, im = 0;
    for (uint64_t r = begin; r < end; ++r) {
      const cd v(rho[r + dim * (r ^ f)]);
      const double s = (__builtin_popcountll(r & zy) & 1) ? -1.0 : 1.0;
      re += s * v.real();
      im += s * v.imag();
    }
    return cd(re, im);
  });
  switch (__builtin_popcountll(t.y_mask) & 3) {
    case 0: return sum.real();
    case 1: return -sum.imag();
    case 2: return -sum.real();
    default: return sum.imag();
  }
}

/// Which Kraus operators of `channel` are multiples of the identity.
std::vector<bool> identity_kraus(const Channel& channel);

/// Trajectories cost about this many times the density matrix's work per
/// amplitude and operation (bench_noise: the density matrix fuses gates and
/// channels into fewer passes; a trajectory makes two passes per channel).
constexpr double kTrajectoryCostFactor = 2;

/// Throw std::invalid_argument when an observable acts beyond n qubits.
void check_observables(const std::vector<Observable>& observables, unsigned n);

/// The density-matrix and trajectory engines. `o.max_memory` was checked.
template <typename FP>
void run_density_matrix(const NoisyCircuit& nc, const std::vector<double>& inputs,
                        const RunOptions& o, NoisyRunResult& r);
template <typename FP>
void run_trajectories(const NoisyCircuit& nc, const std::vector<double>& inputs,
                      const RunOptions& o, uint64_t trajectories, NoisyRunResult& r);

/// How run_trajectories runs `jobs` trajectories of n qubits: `workers`
/// states in parallel (1 when the state is large enough for the kernels' own
/// threads), `batch` jobs' outputs kept at a time. Results do not depend on it.
struct TrajectorySlots {
  int workers = 1;
  uint64_t batch = 1;
};
TrajectorySlots trajectory_slots(unsigned num_qubits, uint64_t jobs);

}  // namespace qforge::sim::detail
