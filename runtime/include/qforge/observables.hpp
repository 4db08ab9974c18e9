// qforge/observables.hpp - Pauli-string observables and their expectation.
//
// Text form (the `--observable` option): a sum of terms, each an optional real
// coefficient and a product of Pauli factors `X3`, `Y0`, `Z12` or `I1`,
// separated by spaces or `*`:
//     "Z0 Z1 + 0.5*X2"    "-1.5*Y0"    "Z0*Z1 - 2 X0 X1"    "0.25"
// A term of only a number is that multiple of the identity.
#pragma once

#include "qforge/statevector.hpp"

#include <complex>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace qforge::sim {

/// A coefficient times a tensor product of Pauli operators.
struct PauliTerm {
  double coefficient = 1;
  uint64_t x_mask = 0;  ///< qubits with X
  uint64_t y_mask = 0;  ///< qubits with Y
  uint64_t z_mask = 0;  ///< qubits with Z
  /// Largest qubit index used plus one (0 for the identity).
  unsigned min_qubits() const;
};

/// A Hermitian sum of Pauli terms, with the text it was read from.
struct Observable {
  std::vector<PauliTerm> terms;
  std::string text;
};

/// Thrown by parse_observable; what() says what is wrong and where.
struct ObservableError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// Parse the text form above. Qubit indices must be < 64 and appear once per
/// term. Throws ObservableError.
Observable parse_observable(const std::string& text);

/// <psi|obs|psi> for the (normalised) state `psi` of `n` qubits, computed in
/// place without copying the state. Throws std::invalid_argument when a term
/// uses a qubit >= n.
template <typename FP>
double expectation(const std::complex<FP>* psi, unsigned n, const Observable& obs);

template <typename FP>
double expectation(const StateVector<FP>& state, const Observable& obs) {
  return expectation(state.data(), state.num_qubits(), obs);
}

}  // namespace qforge::sim
