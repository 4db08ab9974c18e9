// density_reference.hpp - an independent, slow, dense density-matrix
// reference for noisy circuits.
//
// rho is a full 2^n x 2^n Eigen matrix. Gates act as U rho U^dag with U from
// the dense reference (operation_unitary: the gate table's matrices alone);
// a channel as sum_k E_k rho E_k^dag with E_k its Kraus operator embedded by
// Kronecker products; a reset as the channel {|0><0|, |0><1|}. Nothing of
// the simulator is used. Intended for n <= 6.
#pragma once

#include "dense_reference.hpp"

#include <Eigen/Dense>

#include <cstdint>
#include <map>
#include <random>
#include <vector>

namespace qforge::ref {

/// A channel on `qubits` (qubits[0] the most significant bit of each Kraus
/// operator's index).
struct KrausChannel {
  std::vector<uint32_t> qubits;
  std::vector<Eigen::MatrixXcd> kraus;
};

/// The final density matrix of `circuit` from |0..0>, with after[i] applied
/// in order right after operation i (after may be shorter than the circuit).
/// Measurements are ignored (the caller makes sure they are terminal);
/// throws std::invalid_argument on conditions.
Eigen::MatrixXcd final_density(const Circuit& circuit, const std::vector<std::vector<KrausChannel>>& after,
                               const std::vector<double>& inputs = {});

/// The classical-quantum state of `circuit` (mid-circuit measurement, reset
/// and conditions included) from |0..0> with every clbit 0: for each value
/// of the clbits (clbit b at index b), the unnormalised density matrix of the
/// outcomes that end with it; its trace is the probability of that value.
/// A measurement of q into b splits each entry by the projectors on q's |0>
/// and |1>, writing b; a reset is the channel {|0><0|, |0><1|}; a conditioned
/// operation acts on the entries whose clbits satisfy its conditions.
/// Entries of trace below 1e-14 are dropped. Intended for n <= 6.
std::map<std::vector<uint8_t>, Eigen::MatrixXcd> final_branches(const Circuit& circuit,
                                                               const std::vector<double>& inputs = {});

/// One outcome path of a circuit with run-time classical logic: its
/// unnormalised pure state (squared norm: the path's probability) and its
/// final classical state.
struct ClassicalPath {
  Eigen::VectorXcd psi;
  ClassicalState cs;
};

/// Every outcome path of `circuit` from |0..0> with every clbit and variable
/// 0: a plain interpreter over the IR, written apart from the runtime's step
/// program. Each operation acts on a list of pure-state paths: gates (and
/// gates with run-time parameters) as dense unitaries, a measurement splits
/// a path in two by the projectors on the qubit's |0> and |1>, a reset too
/// (X on the |1> part), classical values by eval() and store(); if, while,
/// for and switch partition the paths by their classical state, break,
/// continue and end mark them. Paths of probability below `min_probability`
/// are dropped. With `rng`, one shot: each measurement and reset draws its
/// outcome instead (one path, normalised). Throws std::runtime_error when a
/// path runs a loop more than 100,000 times. Intended for n <= 6.
std::vector<ClassicalPath> classical_paths(const Circuit& circuit, const std::vector<double>& inputs = {},
                                           double min_probability = 1e-16, std::mt19937_64* rng = nullptr);

/// The Pauli string with X on x_mask, Y on y_mask, Z on z_mask as a dense
/// 2^n x 2^n matrix (little-endian).
Eigen::MatrixXcd pauli_matrix(uint64_t x_mask, uint64_t y_mask, uint64_t z_mask, uint32_t num_qubits);

/// A random channel on d = 2^k dimensions with `count` Kraus operators: the
/// blocks of a random isometry (QR of a complex Gaussian matrix), so
/// sum K^dag K = I.
std::vector<Eigen::MatrixXcd> random_kraus(unsigned k, unsigned count, std::mt19937_64& rng);

}  // namespace qforge::ref
