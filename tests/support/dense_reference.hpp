// dense_reference.hpp - an independent, slow, dense reference for circuits.
//
// Builds the full 2^n x 2^n unitary of a Circuit from the gate table's
// matrices (gate_matrix) alone, by Kronecker products with identities and a
// permutation of qubits: no code of the simulator is used, so tests can check
// the simulator, passes and emitters against it.
//
// Conventions: the state is little-endian (qubit q is bit q of the basis
// index, qubit 0 least significant); a gate matrix has the operation's first
// qubit as its most significant bit (gates.hpp). Extra controls
// (Operation::num_controls) are the leading qubits and select the last block.
// Intended for n <= 12 (memory and time grow as 4^n).
#pragma once

#include "qforge/circuit.hpp"

#include <Eigen/Dense>
#include <Eigen/SparseCore>

#include <complex>
#include <cstdint>
#include <random>
#include <vector>

namespace qforge::ref {

using Sparse = Eigen::SparseMatrix<std::complex<double>>;

/// The table matrix of `gate` with parameter values `params` as an Eigen
/// matrix (first qubit most significant).
Eigen::MatrixXcd gate_unitary(GateId gate, const std::vector<double>& params);

/// `m` (2^k x 2^k, qubits[0] most significant) with `num_controls` leading
/// |1>-controls added in front: block diag(I, ..., I, m).
Eigen::MatrixXcd add_controls(const Eigen::MatrixXcd& m, unsigned num_controls);

/// `m` acting on `qubits` (qubits[0] the most significant bit of m's index)
/// inside `num_qubits` qubits, as a sparse 2^n x 2^n matrix: m (x) I in the
/// order (qubits..., other qubits), permuted into the little-endian order.
Sparse embed(const Eigen::MatrixXcd& m, const std::vector<uint32_t>& qubits, uint32_t num_qubits);

/// The unitary of one gate Operation (controls included) on `num_qubits`
/// qubits; `inputs` are the symbol values. Throws for non-gates.
Sparse operation_unitary(const Operation& op, uint32_t num_qubits,
                         const std::vector<double>& inputs = {});

/// The full unitary of `circuit` including exp(i * global_phase). Barriers
/// and delays are identities; throws std::invalid_argument on measure, reset
/// or conditions.
Eigen::MatrixXcd circuit_unitary(const Circuit& circuit, const std::vector<double>& inputs = {});

/// circuit_unitary(circuit, inputs) * state, without forming the unitary.
Eigen::VectorXcd apply_unitary(const Circuit& circuit, const Eigen::VectorXcd& state,
                               const std::vector<double>& inputs = {});

/// |index> on n qubits.
Eigen::VectorXcd basis_state(uint32_t num_qubits, uint64_t index);

/// A normalised random state (complex Gaussian amplitudes).
Eigen::VectorXcd random_state(uint32_t num_qubits, std::mt19937_64& rng);

/// |<a|b>| close to 1 and the phase equal: max |a_i - b_i|.
double max_abs_diff(const Eigen::VectorXcd& a, const Eigen::VectorXcd& b);

}  // namespace qforge::ref
