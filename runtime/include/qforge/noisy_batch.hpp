// qforge/noisy_batch.hpp - batched, differentiable execution of a noisy
// circuit (channel.hpp) as a density matrix: BatchCircuit's interface and
// compiled ops, with exact adjoint gradients through the channels.
//
// State. Each sample's rho is vec(rho)[r + 2^n c] = rho[r][c], a 2n-qubit
// vector (as the density-matrix engine of noisy.hpp). A gate U is BatchCircuit's
// compiled op (same parameter bytecode, same gate_block) applied as U on the
// row qubits and conj(U) on the column qubits; a channel is its superoperator
// S = sum_k K_k (x) conj(K_k) (superoperator(), noisy.hpp), a 4 x 4 block on
// (q, q + n) for one qubit, a 16 x 16 on (q0, q1, q0 + n, q1 + n) for two
// (applied as a sparse matrix when at most a quarter of it is non-zero, as
// for depolarizing and relaxation: apply_sparse_batch). Consecutive channels whose qubits nest (a gate's depolarizing channel
// followed by relaxation on its qubits) are multiplied into one superoperator
// when the circuit is compiled; "channel steps" below count after merging.
// Measurements become the dephasing channel {|0><0|, |1><1|} and resets the
// channel {|0><0|, |0><1|}; conditions are rejected.
//
// Readout. Linear in rho: ExpectationZ sums the diagonal with signs (in 2 * 2^n
// fixed-order additions), Observables are sum coefficient * tr(rho P), summed
// in fixed blocks, Probabilities and Marginals are (sums of) the diagonal.
// The channels are trace preserving (check_noisy_circuit), so rho is not
// renormalised. Readout error (NoisyCircuit::readout) is not applied: as
// run_noisy's probabilities and expectation values, these are the values of
// the noisy state.
//
// Gradient (exact adjoint, Heisenberg picture). Write the forward map as
// vec(rho_L) = M_L ... M_1 vec(rho_0) and the loss as L = sum_k g_k tr(O_k rho_L)
// = <lambda_L | vec(rho_L)> with lambda_L = vec(sum_k g_k O_k) (Hermitian, real
// weights g). lambda_j = M_{j+1}^dag ... M_L^dag lambda_L is the Heisenberg-
// evolved observable (U^dag on the rows and conj on the columns for a gate,
// S^dag = sum_k K_k^dag (x) K_k^T for a channel); it stays a Hermitian matrix.
// For a gate M_j = U (x) conj(U) with parameter t:
//   dL/dt = <lambda_j| d(U rho U^dag) >,  d(U rho U^dag) = dU rho U^dag + U rho dU^dag,
// with rho = rho_{j-1}. In matrix form the two terms are
//   A = tr(Lambda dU rho U^dag)  and  B = tr(Lambda U rho dU^dag),
// and B = conj(tr((U rho dU^dag)^dag Lambda)) = conj(tr(dU rho U^dag Lambda))
// = conj(A) because Lambda and rho are Hermitian (cyclic trace). Hence
//   dL/dt = 2 Re A = 2 Re <lambda_j | (dU on rows) (conj(U) on columns) | vec(rho_{j-1})>,
// which is exactly BatchCircuit's adjoint step run on the 2n-qubit vector:
// un-apply the column op (conj(U)) from both vec(rho) and lambda, then
// un-apply the row op U with the block density R (adjoint_block_batch) and
// take 2 Re tr(R^T dU/dt) with the table's dU/dt. Gates are un-applied from
// vec(rho) unitarily; channels are not invertible, so the sweep takes the
// state before each channel from a checkpoint.
//
// Checkpoints. With interval k (NoisyBatchOptions::checkpoint_interval), the
// forward pass keeps vec(rho) before channel steps 0, k, 2k, ...: ceil(C / k)
// checkpoints for C channel steps. The backward sweep reads the state before
// channel c from its checkpoint (c a multiple of k) or, for the others,
// re-runs the forward segment from the segment's checkpoint once, keeping
// the k - 1 states before its other channels. Work: one forward pass plus
// one extra forward pass when k > 1. Memory per sample, in states of
// 4^n amplitudes (16 * 4^n bytes in double precision, 8 * 4^n in single):
//   tape (final state + checkpoints)   1 + ceil(C / k)
//   backward working set               2 (vec(rho), lambda) + (k - 1) (segment)
// so a forward that keeps its tape and the backward that reads it peak at
//   (3 + ceil(C / k) + k - 1) * batch * 4^n * sizeof(complex)
// (memory_bytes()); k = 1 is (3 + C) states, k ~ sqrt(C) about 2 sqrt(C) + 2.
// Without a tape, backward re-runs the forward pass into its own checkpoints
// and peaks at the same size less the final state.
//
// Trajectories (forward_trajectories, backward_trajectories): an unbiased
// estimate of the readout and of its gradient from pure states of n qubits,
// for any channels. Each channel {K_k} gets a fixed proposal
//   q_k = tr(K_k^dag K_k) / d   (d = 2^qubits; sum_k q_k = 1 by completeness),
// which depends on neither the state nor the parameters, and a trajectory
// draws branch k with probability q_k and applies A_k = K_k / sqrt(q_k)
// without renormalising. Its readout f(psi~) = <psi~|O|psi~> of the
// unnormalised state psi~ = A_{k_m} ... U ... A_{k_1} U |psi0> is the
// branch's value ||K psi||^2-weighted readout of the normalised state,
// divided by the probability of drawing it: the importance ratio
// (unnormalised branch norm / proposal probability) rides in the amplitudes.
// Hence E_q[f] = sum over branch sequences of <psi_K|O|psi_K> = tr(O rho),
// and, the draws being independent of the parameters, E_q[df/dt] = d tr(O rho)/dt:
// the mean over T trajectories of each trajectory's readout and of its
// adjoint gradient (BatchEngine's sweep with the drawn A_k as fixed matrices
// between the gates) is unbiased for both. For a mixed-unitary channel (K_k
// = sqrt(p_k) V_k: Pauli channels such as depolarizing, and measurement as
// Z dephasing) q_k = p_k and A_k = V_k is unitary, so this is the usual
// unravelling and the sweep un-applies V_k; for the others (amplitude
// damping, thermal relaxation, reset) A_k is not unitary: the sweep applies
// lambda <- A_k^dag lambda and takes the state before the draw from A_k^-1
// psi when A_k is a one-qubit operator with |det| >= 1e-6 max|entry|^2
// (relaxation's no-jump branches), else from a copy the forward pass kept
// (singular branches such as the jump |0><1|, and two-qubit ones). (Sampling k
// with the state's ||K_k psi||^2 and renormalising instead, as run_noisy's
// trajectories do, gives the right readout but a biased gradient: the draw
// probabilities then depend on the parameters.) Sample b's trajectory t
// draws from the counter-based stream (seed, b T + t); identical draw
// sequences of a sample are run once, weighted by their count (at realistic
// error rates most trajectories draw the same branches). Cost per sample:
// the noiseless forward and backward times the number of distinct
// sequences, plus one saved 2^n state per draw of a singular branch, with
// no 4^n state.
//
// Threads and determinism: as BatchCircuit (contiguous shares of the batch
// per thread, per-sample results independent of the thread count).
#pragma once

#include "qforge/batch.hpp"
#include "qforge/channel.hpp"
#include "qforge/statevector.hpp"

#include <complex>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace qforge::sim {

struct NoisyBatchOptions {
  BatchOptions batch;  ///< readout, initial state, threads (as BatchCircuit)
  /// Keep a checkpoint before every k-th channel step (k >= 1; see above).
  unsigned checkpoint_interval = 1;
};

class NoisyBatchCircuit {
 public:
  /// Compile `nc` (check_noisy_circuit, then BatchCircuit's compilation of
  /// nc.circuit with measurements and resets as channels). Throws
  /// std::invalid_argument for a malformed circuit, conditions, more than
  /// 15 qubits (a 30-qubit vec(rho)) or a readout that does not fit.
  explicit NoisyBatchCircuit(const NoisyCircuit& nc, NoisyBatchOptions options = {});

  unsigned num_qubits() const { return circuit_.num_qubits(); }
  uint32_t num_symbols() const { return circuit_.num_symbols(); }
  std::size_t num_outputs() const { return circuit_.num_outputs(); }
  std::size_t num_features() const { return circuit_.num_features(); }
  /// 4^n: amplitudes of one vec(rho).
  std::size_t state_size() const { return std::size_t(1) << (2 * num_qubits()); }
  /// Channel steps after merging (C above).
  std::size_t num_channel_steps() const { return channels_.size(); }
  /// Passes over vec(rho) per forward run: symbol-dependent or unmerged
  /// gates (a row and a column op each) and channel steps.
  std::size_t num_steps() const { return steps_.size(); }
  /// Checkpoints the tape keeps per sample: ceil(C / k).
  std::size_t num_checkpoints() const;
  unsigned checkpoint_interval() const { return options_.checkpoint_interval; }
  /// Amplitudes per sample of a tape: (1 + num_checkpoints()) * 4^n.
  std::size_t tape_size() const { return (1 + num_checkpoints()) * state_size(); }
  /// Predicted peak bytes of state buffers for forward (keeping its tape)
  /// followed by backward on `batch` samples (formula above).
  uint64_t memory_bytes(std::size_t batch, Precision precision) const;
  /// The noiseless circuit as compiled (gates, parameters, shift rules).
  const BatchCircuit& circuit() const { return circuit_; }
  const BatchOptions& options() const { return circuit_.options(); }
  void set_threads(int threads) { circuit_.set_threads(threads); }
  int threads() const { return circuit_.threads(); }

  /// Run `batch` samples: inputs batch x num_symbols, features batch x
  /// num_features (empty in Zero mode), outputs batch x num_outputs.
  /// tape (optional, batch x tape_size()): slot-major, slot 0 holding the
  /// final vec(rho) of every sample (batch x 4^n), slot 1 + i checkpoint i
  /// of every sample; pass it to backward() to skip its forward pass.
  template <typename FP>
  void forward(std::size_t batch, Span<const FP> inputs, Span<const FP> features, Span<FP> outputs,
               Span<std::complex<FP>> tape = {}) const;

  /// Vector-Jacobian product (exact adjoint): given grad_outputs (batch x
  /// num_outputs), write grad_inputs (batch x num_symbols; optional) and
  /// grad_features (batch x num_features; optional). tape: forward()'s
  /// (optional: the forward pass is re-run when empty).
  template <typename FP>
  void backward(std::size_t batch, Span<const FP> inputs, Span<const FP> features,
                Span<const std::complex<FP>> tape, Span<const FP> grad_outputs, Span<FP> grad_inputs,
                Span<FP> grad_features) const;

  /// Trajectory estimates (see above).
  struct TrajectoryOptions {
    uint64_t trajectories = 16;  ///< per sample
    uint64_t seed = 0;
  };
  /// outputs: the mean readout of `t.trajectories` trajectories per sample.
  /// Throws std::invalid_argument when t asks for no trajectory.
  template <typename FP>
  void forward_trajectories(std::size_t batch, Span<const FP> inputs, Span<const FP> features, Span<FP> outputs,
                            const TrajectoryOptions& t) const;
  /// The mean of the trajectories' adjoint gradients (the same draws as
  /// forward_trajectories with the same options; their states are re-run).
  template <typename FP>
  void backward_trajectories(std::size_t batch, Span<const FP> inputs, Span<const FP> features,
                             Span<const FP> grad_outputs, Span<FP> grad_inputs, Span<FP> grad_features,
                             const TrajectoryOptions& t) const;

  /// A channel for the trajectories: drawn after gate `position - 1` of
  /// circuit().ops() (0: before the first).
  struct TrajectoryChannel {
    uint32_t position = 0;
    BlockGate block;                       ///< its qubits on the n-qubit state
    std::vector<double> cumulative;        ///< running sums of the proposal q_k
    std::vector<uint8_t> identity;         ///< A_k is a multiple of the identity
    std::vector<uint8_t> unitary;          ///< A_k is unitary: the sweep un-applies A_k^dag
    std::vector<uint8_t> invertible;       ///< else, a well-conditioned one-qubit A_k: the sweep applies A_k^-1
    /// A_k = K_k / sqrt(q_k), A_k^dag and (invertible) A_k^-1, block_size() entries each.
    std::vector<std::complex<double>> ops, ops_dag, ops_inv;
    std::vector<std::complex<float>> ops32, ops_dag32, ops_inv32;
  };

  /// A channel step: the (merged) superoperator and its adjoint on 1 or 2
  /// qubits, prepared for the kernels on 2n qubits.
  struct ChannelStep {
    unsigned num_qubits = 1;         ///< 1: `block` (k = 2); 2: sparse or dense on `targets`
    unsigned targets[4] = {};        ///< row qubits, then column qubits
    BlockGate block;                 ///< one-qubit channels
    bool sparse = false;             ///< two-qubit channels with at most a quarter non-zeros
    SparseBlock pattern, pattern_dag;  ///< of s and s_dag, when sparse
    /// Dense (row-major) or, when sparse, the non-zeros in pattern order.
    std::vector<std::complex<double>> s, s_dag;
    std::vector<std::complex<float>> s32, s_dag32;
  };
  /// One step of the run: gate `index` of circuit().ops (is_channel false)
  /// or channel step `index`.
  struct Step {
    bool is_channel = false;
    uint32_t index = 0;
  };
  /// A gate on the 2n qubits: its row op and its column op (conj block).
  struct GateSteps {
    BlockGate row, col;
    std::complex<double> conj_matrix[16] = {};    ///< constant ops: conj(block)
    std::complex<float> conj_matrix32[16] = {};
  };

 private:
  template <typename FP> friend struct NoisyBatchEngine;
  void add_trajectory_channel(const Channel& channel, uint32_t position, unsigned n);
  /// Throws when t asks for no trajectory.
  void check_trajectories(const TrajectoryOptions& t) const;

  BatchCircuit circuit_;
  NoisyBatchOptions options_;
  std::vector<GateSteps> gates_;        ///< one per circuit_ op
  std::vector<ChannelStep> channels_;
  std::vector<Step> steps_;
  std::vector<TrajectoryChannel> trajectory_channels_;
};

}  // namespace qforge::sim
