// program.hpp - the shot-by-shot program of a circuit, shared by run()
// (simulator.cpp) and the noisy trajectories (trajectories.cpp).
//
// build_program turns a Circuit into steps: runs of unconditioned gates
// (fused), conditioned gates, measurements, resets of used qubits and, for a
// NoisyCircuit, the channels after each operation. The helpers below sample
// from a final state and measure one qubit with any 64-bit generator
// (std::mt19937_64 in run(), a counter-based Stream per trajectory in the
// noisy engine), drawing the same uniforms the same way.
#pragma once

#include "qforge/channel.hpp"
#include "qforge/kernels.hpp"
#include "qforge/simulator.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace qforge::sim::detail {

/// The splitmix64 finaliser: a bijective mix of 64 bits.
inline uint64_t splitmix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// A counter-based random stream: value j of stream (seed, index) is
/// splitmix(key + j) with key = splitmix(seed ^ splitmix(index)), so stream
/// i gives the same numbers whichever thread runs it and whatever ran before.
struct Stream {
  uint64_t key = 0;
  uint64_t counter = 0;
  Stream(uint64_t seed, uint64_t index) : key(splitmix(seed ^ splitmix(index))) {}
  uint64_t operator()() { return splitmix(key + 0x632BE59BD9B4E019ull * ++counter); }
};

/// A uniform double in [0, 1) from 53 random bits (same on every platform).
template <typename Rng>
double uniform(Rng& rng) {
  return double(rng() >> 11) * 0x1.0p-53;
}

bool has_any_measure(const Circuit& c);

/// The bits, highest first.
std::string bit_string(const std::vector<uint8_t>& bits);

/// One step of a shot-by-shot program.
struct Step {
  enum class Kind { Gates, Measure, Reset, Channel } kind = Kind::Gates;
  std::vector<GateOp> gates;                        // Gates (fused when unconditioned)
  std::vector<std::pair<unsigned, unsigned>> meas;  // Measure: (qubit, clbit)
  std::vector<unsigned> reset;                      // Reset: qubits
  const Channel* channel = nullptr;                 // Channel
  std::vector<Condition> conditions;
};

bool conditions_hold(const std::vector<Condition>& conds, const std::vector<uint8_t>& clbits);

/// Throw (located at `op`) when it uses a qubit or clbit outside `c`, or a
/// measurement has unequal numbers of qubits and clbits.
void check_qubits(const Circuit& c, const Operation& op);

/// The steps of `c`. With `after` (a NoisyCircuit's channels), the channels
/// after operation i follow its step, carrying its conditions (noise of a
/// conditioned operation acts only when it runs); they end a fused run.
/// Throws std::invalid_argument for bad qubits or clbits.
std::vector<Step> build_program(const Circuit& c, const std::vector<double>& inputs,
                                unsigned fusion_width,
                                const std::vector<std::vector<Channel>>* after = nullptr);

/// Sample `shots` basis indices with probabilities prob(i) / norm (i below
/// `size`) in one pass: sorted uniforms against the running sum. Returns
/// (index, count) in increasing index order.
template <typename Prob, typename Rng>
std::vector<std::pair<uint64_t, uint64_t>> sample_distribution(uint64_t size, Prob prob,
                                                               uint64_t shots, Rng& rng,
                                                               double norm) {
  std::vector<double> u(shots);
  for (auto& x : u) x = uniform(rng) * norm;
  std::sort(u.begin(), u.end());
  std::vector<std::pair<uint64_t, uint64_t>> out;
  double cum = 0;
  std::size_t k = 0;
  uint64_t last_nonzero = 0;
  for (uint64_t i = 0; i < size && k < shots; ++i) {
    const double p = prob(i);
    if (p <= 0) continue;
    last_nonzero = i;
    cum += p;
    uint64_t c = 0;
    while (k < shots && u[k] < cum) {
      ++c;
      ++k;
    }
    if (c) out.emplace_back(i, c);
  }
  if (k < shots) {  // rounding left the last uniforms past the total
    if (!out.empty() && out.back().first == last_nonzero)
      out.back().second += shots - k;
    else
      out.emplace_back(last_nonzero, shots - k);
  }
  return out;
}

/// sample_distribution over |psi_i|^2 of a state of n qubits.
template <typename FP, typename Rng>
std::vector<std::pair<uint64_t, uint64_t>> sample_indices(const std::complex<FP>* psi, unsigned n,
                                                          uint64_t shots, Rng& rng, double norm) {
  return sample_distribution(
      uint64_t(1) << n, [psi](uint64_t i) { return std::norm(std::complex<double>(psi[i])); },
      shots, rng, norm);
}

/// Measure `q` in one shot: draw, collapse, renormalise; returns the outcome.
template <typename FP, typename Rng>
int measure_qubit(StateVector<FP>& s, unsigned q, Rng& rng) {
  const double norm = s.norm_squared();
  const double p1 = probability_one(s.data(), s.num_qubits(), q) / norm;
  const int outcome = uniform(rng) < p1 ? 1 : 0;
  const double p = outcome ? p1 : 1 - p1;
  collapse<FP>(s.data(), s.num_qubits(), q, outcome, FP(1 / std::sqrt(p * norm)));
  return outcome;
}

/// Run steps [first, end) of one shot on `s`: gates and resets here, the
/// conditions against `clbits`; on_measure(qubit, clbit) and on_channel(step
/// index) do the caller's part.
template <typename FP, typename Rng, typename OnMeasure, typename OnChannel>
void run_shot(const std::vector<Step>& steps, std::size_t first, StateVector<FP>& s,
              const std::vector<uint8_t>& clbits, Rng& rng, OnMeasure on_measure,
              OnChannel on_channel) {
  for (std::size_t k = first; k < steps.size(); ++k) {
    const Step& st = steps[k];
    if (!st.conditions.empty() && !conditions_hold(st.conditions, clbits)) continue;
    switch (st.kind) {
      case Step::Kind::Gates:
        for (const GateOp& g : st.gates) apply(s, g);
        break;
      case Step::Kind::Measure:
        for (auto [q, b] : st.meas) on_measure(q, b);
        break;
      case Step::Kind::Reset:
        for (unsigned q : st.reset)
          if (measure_qubit(s, q, rng)) apply_x<FP>(s.data(), s.num_qubits(), q, 0);
        break;
      case Step::Kind::Channel:
        on_channel(k);
        break;
    }
  }
}

}  // namespace qforge::sim::detail
