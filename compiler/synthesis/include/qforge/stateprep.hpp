// qforge/stateprep.hpp - exact state preparation from |0...0> (Mottonen et
// al. 2004, "Transformation of quantum states using uniformly controlled
// rotations"): per qubit, from the most significant down, a uniformly
// controlled RY sets the magnitudes and a uniformly controlled RZ the
// relative phases; each uniformly controlled rotation with k controls is
// 2^k rotations and 2^k CX (Gray-code order). Real amplitudes need no RZ
// (the last RY level takes the signs). Zero rotations are left out.
#pragma once

#include "qforge/circuit.hpp"

#include <vector>

namespace qforge {

/// Gates on qubits 0 .. n-1 (little-endian: qubit q is bit q of the basis
/// index) taking |0...0> to `amplitudes` (2^n entries, n >= 1; normalised
/// here) exactly: the state equals amplitudes / |amplitudes| times
/// exp(i * global_phase). Gates: ry, rz, cx. Throws std::invalid_argument
/// when the size is not a power of two >= 2 or the vector is zero.
std::vector<Operation> state_preparation_ops(const std::vector<cplx>& amplitudes, double& global_phase);

/// The same as a circuit of n qubits (`qubit[n] q`), global phase included.
Circuit state_preparation_circuit(const std::vector<cplx>& amplitudes);

}  // namespace qforge
