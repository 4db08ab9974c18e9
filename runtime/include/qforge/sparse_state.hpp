// qforge/sparse_state.hpp - a state kept as a map from basis index to amplitude.
//
// For circuits on many qubits whose states stay concentrated on few basis
// states (reversible arithmetic, routed circuits whose ancillas stay in |0>):
// memory grows with the support, not with 2^n. Indices are little-endian as
// everywhere in the runtime (qubit q is bit q), so at most 64 qubits. Gates
// are the GateOps of simulator.hpp (evaluate_gate), applied by their kernel
// kind: Phase and Diagonal scale amplitudes in place, X and Swap move them,
// Dense mixes them. After each gate, amplitudes with |a| below `drop_below`
// are removed; a support larger than `max_support` throws SupportError.
#pragma once

#include "qforge/simulator.hpp"

#include <complex>
#include <cstdint>
#include <stdexcept>
#include <unordered_map>

namespace qforge::sim {

/// Thrown when a SparseState's support would exceed its cap; what() names the cap.
struct SupportError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

class SparseState {
 public:
  using Amplitude = std::complex<double>;
  using Map = std::unordered_map<uint64_t, Amplitude>;

  /// The zero vector (no amplitudes) on `num_qubits` qubits (at most 64;
  /// std::invalid_argument beyond).
  explicit SparseState(unsigned num_qubits, uint64_t max_support = uint64_t(1) << 18,
                       double drop_below = 1e-13);

  unsigned num_qubits() const { return num_qubits_; }
  /// Number of stored (nonzero) amplitudes.
  uint64_t support() const { return amps_.size(); }
  const Map& amplitudes() const { return amps_; }
  /// Amplitude of basis state `index` (0 when not stored).
  Amplitude amplitude(uint64_t index) const;
  /// Set the amplitude of `index` (removed when exactly 0); std::out_of_range
  /// for an index beyond num_qubits.
  void set(uint64_t index, Amplitude a);
  /// Remove every amplitude.
  void clear() { amps_.clear(); }

  /// Apply `op`; every qubit it touches must be < num_qubits
  /// (std::invalid_argument otherwise). Throws SupportError when the support
  /// after the gate exceeds max_support.
  void apply(const GateOp& op);

 private:
  void drop_small();
  void check_support() const;

  unsigned num_qubits_;
  uint64_t max_support_;
  double drop_norm_;  // drop_below^2
  Map amps_;
};

}  // namespace qforge::sim
