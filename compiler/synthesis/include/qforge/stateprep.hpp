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

/// The preparation of real amplitudes with the same structure for every
/// state, its angles symbols (for a trainable, differentiable layer): per
/// target qubit t from n-1 down, the uniformly controlled RY on t with
/// controls t+1 .. n-1 with all 2^(n-1-t) rotations and CX kept, whatever
/// the angles. Its 2^n - 1 symbols first_symbol, first_symbol + 1, ... are
/// the angles alpha level by level (t = n-1 first) and, within a level, by
/// prefix p = index >> (t + 1): alpha = 2 atan2(|amplitudes with prefix p
/// and bit t set|, |those with bit t clear|) above the last level, and
/// 2 atan2(a[2p + 1], a[2p]) (signed) for t = 0; each rotation angle is a
/// linear combination of them. Throws std::invalid_argument for n outside
/// 1 .. 20.
std::vector<Operation> real_state_preparation_template(unsigned n, uint32_t first_symbol);

}  // namespace qforge
