// density_reference.hpp - an independent, slow, dense density-matrix
// reference for noisy circuits and for dynamic circuits.
//
// rho is a full 2^n x 2^n Eigen matrix. Gates act as U rho U^dag with U from
// the dense reference (operation_unitary: the gate table's matrices alone);
// a channel as sum_k E_k rho E_k^dag with E_k its Kraus operator embedded by
// Kronecker products; a reset as the channel {|0><0|, |0><1|}. Nothing of
// the simulator is used. Intended for n <= 6.
#pragma once

#include "dense_reference.hpp"
#include "qforge/classical.hpp"

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

/// One classical state a circuit ends in (clbits, then each variable), and
/// the unnormalised density matrix of the paths that end in it: its trace is
/// the probability of that classical state.
struct ClassicalBranch {
  ClassicalState cs;
  Eigen::MatrixXcd rho;
};

/// How classical_branches runs a circuit.
struct BranchOptions {
  std::vector<double> inputs;     ///< values of the circuit's symbols
  /// Qubit q of the circuit is qubit relabel[q] of a state of `num_qubits`
  /// qubits (empty: the identity; 0: the circuit's number of qubits), so a
  /// logical circuit can be compared with its routed form.
  std::vector<uint32_t> relabel;
  uint32_t num_qubits = 0;
  /// Iterations of one loop entered by one branch: beyond them the loop
  /// throws std::runtime_error, or, with `leave_loops`, its branches still
  /// iterating leave it (the same cap for the circuits a test compares).
  uint64_t max_iterations = 100000;
  bool leave_loops = false;
  /// Branches of smaller probability are dropped after each operation.
  double min_probability = 1e-15;
  /// One shot: each measurement and reset draws its outcome from `rng`
  /// (one branch, trace 1) instead of splitting.
  std::mt19937_64* rng = nullptr;
};

/// The final classical-quantum state of `circuit` from |0..0> with every
/// clbit and variable 0, by a plain interpreter over the IR written apart
/// from the runtime's step program: every branch is followed. Gates (and
/// gates with run-time parameters, evaluated per branch by the IR's
/// eval()) act as U rho U^dag with the dense reference's matrices; a
/// measurement splits a branch by the projectors on the qubit's |0> and |1>,
/// writing the clbit; a reset is the channel {|0><0|, |0><1|}; conditions,
/// assignments (store()), if, while, for (the range evaluated on entry) and
/// switch act per branch; break, continue and end mark a branch's way out
/// of its block. After each operation, branches with the same classical
/// state (and way out) are merged by adding their density matrices. The
/// result has one entry per final classical state. (Each density matrix
/// is kept as f f^dag, a column of f per pure part, at most 2^n of them, so
/// an operator K acts as f <- K f.) Intended for n <= 6.
std::vector<ClassicalBranch> classical_branches(const Circuit& circuit, const BranchOptions& options = {});

/// The largest entry difference between two results of
/// classical_branches, matched by classical state (a state only one has
/// counts its whole matrix).
double branch_distance(const std::vector<ClassicalBranch>& a, const std::vector<ClassicalBranch>& b);

/// The Pauli string with X on x_mask, Y on y_mask, Z on z_mask as a dense
/// 2^n x 2^n matrix (little-endian).
Eigen::MatrixXcd pauli_matrix(uint64_t x_mask, uint64_t y_mask, uint64_t z_mask, uint32_t num_qubits);

/// A random channel on d = 2^k dimensions with `count` Kraus operators: the
/// blocks of a random isometry (QR of a complex Gaussian matrix), so
/// sum K^dag K = I.
std::vector<Eigen::MatrixXcd> random_kraus(unsigned k, unsigned count, std::mt19937_64& rng);

}  // namespace qforge::ref
