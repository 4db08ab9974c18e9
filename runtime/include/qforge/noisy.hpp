// qforge/noisy.hpp - running a NoisyCircuit (channel.hpp): density matrix or
// trajectories, readout error, and the rule that picks between them.
//
// Density matrix. rho of n qubits is stored as a state vector of 2n qubits,
// vec(rho)[r + 2^n c] = rho[r][c]: qubits 0 .. n-1 index the row, qubits
// n .. 2n-1 the column. A gate U becomes U on the row qubits and conj(U) on
// the column qubits (two GateOps, fused with everything else by fuse()); a
// channel {K_k} becomes its superoperator S = sum_k K_k (x) conj(K_k), one
// dense GateOp on (its row qubits, its column qubits). Everything that
// applies to rho is the ordinary kernels. Memory: 4^n amplitudes, i.e.
// 16 * 4^n bytes in double precision (8 * 4^n in single): 16 MiB at n = 10,
// 4 GiB at n = 14. Probabilities are the diagonal, expectation values
// tr(rho P) summed in fixed blocks, counts sampled from the diagonal.
// Resets are the channel {|0><0|, |0><1|}; a measurement is supported when
// it is terminal (nothing acts on the qubit afterwards) and nothing is
// conditioned, otherwise use trajectories.
//
// Trajectories. Each trajectory is a state vector run through the shot-by-
// shot program of run() (simulator.hpp) with the channels as extra steps:
// Kraus operator K_k is chosen with probability ||K_k psi||^2 (from the
// reduced density matrix of the channel's qubits, summed in fixed blocks)
// and the state renormalised. Trajectory t draws from its own counter-based
// stream (seed, t), trajectories run in parallel and their results are added
// in trajectory order, so results are bit-identical for any thread count.
// When every channel is mixed-unitary (each K_k is sqrt(p_k) times a unitary,
// so its probability does not depend on the state) and the circuit has no
// mid-circuit measurement, condition or reset of a used qubit, the Kraus
// choices of all trajectories are drawn first and each distinct sequence is
// simulated once, weighted by how many trajectories drew it; at realistic
// error rates most trajectories draw the all-identity sequence.
//
// Readout error flips each measured bit of the counts with the qubit's
// ReadoutError probabilities (seeded); probabilities and expectation values
// are those of the noisy state, without readout error.
#pragma once

#include "qforge/channel.hpp"
#include "qforge/simulator.hpp"

#include <complex>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace qforge::sim {

enum class NoiseMethod : uint8_t { Auto, DensityMatrix, Trajectories };

/// "auto", "density-matrix" or "trajectories".
const char* to_string(NoiseMethod method);

/// Trajectories run when NoisyRunOptions::trajectories is 0 and no shots are
/// asked for.
constexpr uint64_t kDefaultTrajectories = 1000;

struct NoisyRunOptions {
  RunOptions run;  ///< shots, seed, precision, threads, memory, outputs
                   ///< (a noisy run has no single state vector)
  NoiseMethod method = NoiseMethod::Auto;
  /// Trajectories to simulate. 0: run.shots, or kDefaultTrajectories without
  /// shots. Circuits with mid-circuit measurement or conditions give one
  /// shot per trajectory, so there it must be 0 or run.shots.
  uint64_t trajectories = 0;
};

/// run()'s result plus how it was computed. For trajectories, probabilities
/// and expectation values are means over the trajectories; the shots are
/// spread evenly over them.
struct NoisyRunResult : RunResult {
  NoiseMethod method = NoiseMethod::Auto;  ///< the method used (never Auto)
  std::string reason;                      ///< why, one sentence
  uint64_t num_trajectories = 0;           ///< simulated trajectories (0: density matrix)
  uint64_t distinct_trajectories = 0;      ///< state-vector runs after merging
};

/// Bytes of a density matrix of n qubits (a 2n-qubit state vector).
uint64_t density_matrix_bytes(unsigned num_qubits, Precision precision);

/// The superoperator sum_k K_k (x) conj(K_k) of `channel`: 4^k x 4^k,
/// row-major, acting on vec(rho) with index (row bits, column bits), the
/// row bits most significant and qubits[0] first within each.
std::vector<std::complex<double>> superoperator(const Channel& channel);

/// True when every Kraus operator is sqrt(p_k) times a unitary
/// (K_k^dag K_k = p_k I to 1e-12); then `probabilities` (when not null)
/// receives the p_k.
bool is_mixed_unitary(const Channel& channel, std::vector<double>* probabilities = nullptr);

/// Throw std::invalid_argument when `nc` is malformed: an operation uses a
/// qubit or clbit outside the circuit (as run() checks), after.size() differs
/// from the operation count, a channel has 0 or more than 2 qubits, a bad or
/// repeated qubit, Kraus operators of the wrong size or a completeness error
/// above 1e-9; readout has the wrong size or a probability outside [0, 1].
/// Throws LocatedError at the first run-time classical operation
/// (assignment, if/while/for/switch on run-time values, a gate with
/// run-time parameters, end): noisy runs do not execute them.
void check_noisy_circuit(const NoisyCircuit& nc);

/// Index of the first operation after which one final state no longer
/// describes the shots: a conditioned operation, or a measurement whose
/// qubit is later acted on (by a gate, reset or channel). SIZE_MAX if none.
/// The density matrix supports exactly the circuits where this is SIZE_MAX.
std::size_t first_record_dependent_operation(const NoisyCircuit& nc);

/// The method `options` asks for, or the one Auto picks, with the reason.
/// Auto rule: trajectories when the circuit has mid-circuit measurement or
/// conditions, or the density matrix does not fit run.max_memory (0: the
/// available memory). Otherwise compare the work per operation: 4^n
/// amplitudes for the density matrix against 2 x R x 2^n for the
/// trajectories, R the state-vector runs they need (T, or for merged
/// mixed-unitary draws about 1 + T (1 - P), P the probability that every
/// channel draws the identity; the factor 2 is measured with bench_noise),
/// and pick the density matrix when it is not more. Throws
/// std::invalid_argument when the density matrix is asked for a circuit it
/// cannot run.
NoiseMethod choose_noise_method(const NoisyCircuit& nc, const NoisyRunOptions& options,
                                std::string* reason = nullptr);

/// Bytes run_noisy needs with `method` (DensityMatrix or Trajectories).
uint64_t noisy_memory_bytes(const NoisyCircuit& nc, const NoisyRunOptions& options,
                            NoiseMethod method);

/// Run `nc` (symbols bound by `inputs`). Counts are keyed as run() keys them
/// and include readout error. Throws std::invalid_argument for a malformed
/// circuit, a method that cannot run it or a state vector request, and
/// MemoryError (as run()) before allocating what does not fit.
NoisyRunResult run_noisy(const NoisyCircuit& nc, const std::vector<double>& inputs,
                         const NoisyRunOptions& options);

/// <Z_S> of the measured bits under readout error, from the ideal values.
/// A bit read from a qubit in state b flips with e0 = p1_given_0 (b = 0) or
/// e1 = p0_given_1 (b = 1), independently per qubit, so given the true bits
/// each factor (-1)^b' has mean a z + c with z = (-1)^b, a = 1 - e0 - e1 and
/// c = e1 - e0; hence
///   <Z_S>_read = sum over T subset of S of prod_{q in T} a_q
///                prod_{q in S\T} c_q <Z_T>,
/// which for one qubit is (1 - e0 - e1) <Z_q> + (e1 - e0). `ideal_z(mask)`
/// gives the ideal <Z_mask> (1 for mask 0); readout[q] empty means ideal.
double readout_z_expectation(uint64_t z_mask, const std::vector<ReadoutError>& readout,
                             const std::function<double(uint64_t)>& ideal_z);

}  // namespace qforge::sim
