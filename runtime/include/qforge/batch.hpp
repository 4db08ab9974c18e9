// qforge/batch.hpp - batched, differentiable execution of one parametric circuit.
//
// BatchCircuit precompiles a Circuit once: every gate becomes a small op (its
// 2x2 or 4x4 block on one or two target qubits under a control mask), and
// every gate parameter a flat bytecode program over the circuit's symbols,
// with the bytecode of its derivative with respect to each symbol it uses.
// It then runs a whole batch of samples (one row of symbol values each)
// gate by gate: each gate is applied to every sample of a thread's share of
// the batch before the next gate, so tiny circuits pay no per-sample setup.
//
// Gradients (backward) are the vector-Jacobian product of the readout:
//  - Adjoint (default): one reverse sweep per sample (Jones & Gacon,
//    "Efficient calculation of gradients in classical simulations of
//    variational quantum algorithms", arXiv:2009.02823). The bra is the
//    readout weighted by the incoming gradient, lambda = sum_k g_k O_k |psi>,
//    so a sweep costs about two forward passes however many outputs there are.
//    For each gate U(p) the sweep contracts <lambda| dU/dp |psi> over the
//    gate's target block, exactly (closed-form dU/dp, as gate_matrix_derivative).
//  - ParameterShift: what hardware can do. Each parameter's rule comes from
//    the gate table: gate_shift_rule (gates.hpp) derives it from the
//    spectrum of the parameter's generator, with `ctrl @` controls adding
//    the eigenvalue 0. Eigenvalue gaps {1} (rx, ry, rz, rxx, ryy, rzz, rzx,
//    the rotation angle of u3, every phase-like parameter: p, u1, cp, cu1,
//    u2/u3/cu3 phi and lambda, cu gamma) give the two-term rule
//    [f(p + pi/2) - f(p - pi/2)] / 2; gaps {1/2, 1} (crx, cry, crz, cu3/cu
//    theta, any rotation with `ctrl @`) the four-term rule (Anselmetti et
//    al. 2021): c+ [f(p+pi/2) - f(p-pi/2)] - c- [f(p+3pi/2) - f(p-3pi/2)],
//    c+- = (sqrt2 +- 1) / (4 sqrt2). Both are exact; no finite differences.
// Either way, the symbol gradient is the chain rule through the parameter
// expressions: dL/ds = sum over gate parameters p of dL/dp * dp/ds.
//
// Gate blocks and their derivatives are the table's (gate_block); the state
// updates are the batched kernels of kernels.hpp (apply_block_batch,
// adjoint_block_batch, adjoint_step), the same layer the single-state
// simulator uses. On states of more than kBlockTableQubits qubits, the runs
// of constant gates between symbol-dependent ones are fused once per circuit
// (fuse() with its cost model, BatchOptions::fusion_width): the forward pass
// applies the blocks, the adjoint sweep their inverses (conjugate
// transposes of the same matrices) to psi and lambda. From 6 qubits on,
// each symbol-dependent step of the sweep un-applies the gate from both
// states and sums its block density in one pass in vector lanes
// (adjoint_step), each run of steps on the same qubit without controls in
// one pass (adjoint_chain), with a CX on that qubit before it (controls 3
// and above; the sweep moves the run up to the CX). From BatchOptions::sweep_tile_qubits + 6 qubits on, each run
// of steps on qubits below that many goes tile by tile (every step of the
// run on 2^sweep_tile_qubits amplitudes of both states, then the next
// tile), so the run reads and writes the states once. Each thread keeps
// the sweep's two states between calls.
// BatchOptions::threads holds for the call only (ScopedThreads), and sample
// b's results do not depend on the thread count.
//
// Global phase (Circuit::global_phase) does not change any readout and is
// ignored. Circuits with measurement, reset or conditions are rejected.
//
// Buffers are caller-allocated and passed as Span (pointer + size); every
// entry point checks the sizes and throws std::invalid_argument with a
// sentence naming the expected and the actual size.
#pragma once

#include "qforge/circuit.hpp"
#include "qforge/gates.hpp"
#include "qforge/kernels.hpp"
#include "qforge/observables.hpp"
#include "qforge/simulator.hpp"

#include <complex>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace qforge::sim {

/// A non-owning view of `size` elements at `data` (data may be null when
/// size is 0, or when the buffer is optional and not wanted).
template <typename T>
struct Span {
  T* data = nullptr;
  std::size_t size = 0;
  Span() = default;
  Span(T* d, std::size_t n) : data(d), size(n) {}
  template <typename V, typename = decltype(std::declval<V&>().data())>
  Span(V& v) : data(v.data()), size(v.size()) {}  // NOLINT: vectors convert
  template <typename U>
  Span(Span<U> o) : data(o.data), size(o.size) {}  // NOLINT: T* -> const T*
  bool empty() const { return data == nullptr; }
};

/// What a BatchCircuit outputs per sample.
enum class ReadoutKind : uint8_t {
  ExpectationZ,   ///< <Z_q> for q = 0 .. n-1 (n outputs)
  Observables,    ///< <O_k> for each Pauli-sum observable
  Probabilities,  ///< |<i|psi>|^2 for every basis state i (2^n outputs, little-endian)
  Marginals,      ///< distribution of `qubits` (2^|qubits| outputs; qubits[0]
                  ///< is the least significant bit of the outcome index)
};

struct Readout {
  ReadoutKind kind = ReadoutKind::ExpectationZ;
  std::vector<Observable> observables;  ///< for Observables
  std::vector<unsigned> qubits;         ///< for Marginals

  static Readout expectation_z() { return {}; }
  static Readout from_observables(std::vector<Observable> obs);
  /// Parse each text with parse_observable.
  static Readout paulis(const std::vector<std::string>& texts);
  static Readout probabilities();
  static Readout marginals(std::vector<unsigned> qubits);
  /// Outputs per sample for a circuit of `num_qubits` qubits.
  std::size_t size(unsigned num_qubits) const;
};

/// How each sample's initial state is made. The place for a state
/// preparation: a future mode can export Amplitude as a Mottonen-style
/// decomposition in front of the circuit; the forward/backward contract of
/// the features stays the same.
enum class InitialStateMode : uint8_t {
  Zero,       ///< |0...0>
  Amplitude,  ///< amplitude embedding: `num_features` <= 2^n real values per
              ///< sample, zero-padded to 2^n and normalised (features[i] is
              ///< the amplitude of basis state |i>, little-endian); gradients
              ///< flow to the unnormalised features
};

struct InitialState {
  InitialStateMode mode = InitialStateMode::Zero;
  unsigned num_features = 0;
  static InitialState zero() { return {}; }
  static InitialState amplitude(unsigned num_features) {
    return {InitialStateMode::Amplitude, num_features};
  }
};

enum class GradientMethod : uint8_t { Adjoint, ParameterShift };

/// "adjoint" / "parameter-shift".
const char* to_string(GradientMethod m);

/// How a gate parameter is differentiated by the parameter-shift rule (the
/// gate table's, see gate_shift_rule in gates.hpp).
using qforge::ShiftRule;

/// BatchOptions::sweep_tile_qubits by default: two tiles of 2^14 fp64
/// amplitudes take 512 KiB.
constexpr unsigned kDefaultSweepTileQubits = 14;
/// The sweep goes tile by tile from sweep_tile_qubits + this many qubits on
/// (by default 20: where its two fp64 states outgrow a 32 MiB L3).
constexpr unsigned kSweepTilesFromExtraQubits = 6;

struct BatchOptions {
  Readout readout;
  InitialState initial_state;
  /// OpenMP threads over the batch for each call (0: max_threads()).
  int threads = 0;
  /// Run on several threads only when batch * 2^n is at least this (tiny
  /// batches are faster on one thread than the fork/join costs).
  std::size_t parallel_threshold = 2048;
  /// Widest block (fuse(), with its cost model) of the runs of constant
  /// gates between symbol-dependent ones on states of more than
  /// kBlockTableQubits qubits; the forward pass applies the blocks and the
  /// adjoint sweep their inverses. 0: every gate on its own.
  unsigned fusion_width = kDefaultFusionWidth;
  /// The adjoint sweep of a state of at least this many + 6
  /// (kSweepTilesFromExtraQubits) qubits takes each run of two or more
  /// consecutive steps on qubits below sweep_tile_qubits tile by tile:
  /// every step of the run on 2^sweep_tile_qubits amplitudes of psi and
  /// lambda (sized for a core's L2 cache), then the next tile, so the run
  /// reads and writes the two states once instead of once per step. 0: every
  /// step over the whole states. At least 3 otherwise.
  unsigned sweep_tile_qubits = kDefaultSweepTileQubits;
};

/// Shot sampling of the forward pass (shots 0: exact values).
struct ShotOptions {
  uint64_t shots = 0;
  /// Sample b of a call uses the stream (seed, b): reproducible for any
  /// thread count.
  uint64_t seed = 0;
};

class BatchCircuit {
 public:
  /// Compile `circuit`; throws std::invalid_argument for measurement, reset,
  /// conditions, more than 30 qubits, or a readout that does not fit.
  explicit BatchCircuit(const Circuit& circuit, BatchOptions options = {});

  unsigned num_qubits() const { return num_qubits_; }
  uint32_t num_symbols() const { return num_symbols_; }
  /// Outputs per sample.
  std::size_t num_outputs() const { return num_outputs_; }
  /// Initial-state features per sample (0 for InitialStateMode::Zero).
  std::size_t num_features() const { return num_features_; }
  /// 2^n: amplitudes per sample of a final-state buffer.
  std::size_t state_size() const { return std::size_t(1) << num_qubits_; }
  std::size_t num_gates() const { return ops_.size(); }
  /// Passes over the state of one forward pass: num_gates() with each fused
  /// run of constant gates counted as its blocks (see fusion_width).
  std::size_t num_passes() const;
  /// Runs of adjoint-sweep steps taken tile by tile (see sweep_tile_qubits).
  std::size_t num_tiled_runs() const;
  /// Chains of adjoint-sweep steps on one qubit taken in one pass each
  /// (from 6 qubits on: two or more consecutive one-qubit ops without
  /// controls on the same qubit).
  std::size_t num_chains() const;
  /// Gate parameters that depend on symbols (what backward differentiates).
  std::size_t num_trainable_gate_params() const;
  /// The parameter-shift rule of parameter k of gate i (i < num_gates());
  /// None for a parameter that depends on no symbol.
  ShiftRule shift_rule(std::size_t gate, unsigned k) const;
  const BatchOptions& options() const { return options_; }
  void set_threads(int threads) { options_.threads = threads; }
  int threads() const;

  /// Run `batch` samples. inputs: batch x num_symbols (row-major);
  /// features: batch x num_features (empty in Zero mode); outputs:
  /// batch x num_outputs. final_states (optional, batch x 2^n): the tape
  /// backward() needs. With shots.shots > 0 the outputs are shot estimates
  /// (the final states stay exact).
  template <typename FP>
  void forward(std::size_t batch, Span<const FP> inputs, Span<const FP> features, Span<FP> outputs,
               Span<std::complex<FP>> final_states = {}, const ShotOptions& shots = {}) const;

  /// Vector-Jacobian product: given grad_outputs (batch x num_outputs, dL/d
  /// output), write grad_inputs (batch x num_symbols; optional) and
  /// grad_features (batch x num_features; optional). final_states is the
  /// tape from forward() (optional: recomputed when empty). Parameter shift
  /// differentiates the gate parameters; the feature gradient always comes
  /// from the adjoint sweep. `shots` applies to parameter-shift evaluations.
  template <typename FP>
  void backward(std::size_t batch, Span<const FP> inputs, Span<const FP> features,
                Span<const std::complex<FP>> final_states, Span<const FP> grad_outputs,
                Span<FP> grad_inputs, Span<FP> grad_features,
                GradientMethod method = GradientMethod::Adjoint, const ShotOptions& shots = {}) const;

  /// A parameter expression compiled to postfix bytecode (or a constant).
  struct Instr {
    ExprOp op;
    uint32_t symbol;
    double value;
  };
  struct Code {
    bool is_const = true;
    double value = 0;
    uint32_t begin = 0, end = 0;  ///< range in code_
  };
  struct Deriv {
    uint32_t symbol;
    Code code;  ///< d(parameter)/d(symbol)
  };
  struct Param {
    Code code;
    uint32_t deriv_begin = 0, deriv_end = 0;  ///< range in derivs_
    ShiftRule rule = ShiftRule::None;  ///< None when the parameter is constant
  };
  /// A compiled gate: its block on one or two targets under every |1>-control
  /// (extra and the gate's own), prepared for the batched kernels.
  struct Op {
    GateId gate = GateId::I;
    bool parametric = false;       ///< some parameter depends on a symbol
    BlockGate block;
    std::complex<double> matrix[16] = {};  ///< constant ops: the block
    std::complex<float> matrix32[16] = {};  ///< constant ops: the block in float
    uint32_t first_param = 0;      ///< into params_
    uint8_t num_params = 0;
    uint32_t source = 0;           ///< index of the circuit operation it comes from
  };
  /// The compiled gates, in circuit order.
  const std::vector<Op>& ops() const { return ops_; }

 private:
  template <typename FP> friend struct BatchEngine;
  template <typename FP> friend struct NoisyBatchEngine;
  double eval(const Code& c, const double* symbols) const;
  void build_fused_runs();

  unsigned num_qubits_ = 0;
  uint32_t num_symbols_ = 0;
  std::size_t num_outputs_ = 0, num_features_ = 0;
  BatchOptions options_;
  std::vector<Op> ops_;
  std::vector<Param> params_;  ///< every gate parameter, gate by gate
  std::vector<Instr> code_;
  std::vector<Deriv> derivs_;
  /// A run of constant ops [begin, end) of ops_, fused: `blocks` applied in
  /// order do what the run does, `inverse` (in order) undoes it.
  struct FusedRun {
    std::size_t begin = 0, end = 0;
    std::vector<GateOp> blocks, inverse;
  };
  /// The fused runs in circuit order (empty: no fusion; see fusion_width).
  std::vector<FusedRun> fused_;
  /// One step of the adjoint sweep: ops_[op] undone, or block `block` of
  /// fused_[fused]'s inverse (op: the run's begin).
  struct SweepStep {
    std::size_t op = 0;
    int32_t fused = -1;  ///< -1: the step of ops_[op]
    uint32_t block = 0;
    /// In a run of steps on qubits below sweep_tile_qubits [first, tile_end)
    /// of sweep_: tile_end; else 0.
    std::size_t tile_end = 0;
    BlockGate tile_gate;  ///< the step of an op in such a run: its block on a tile's qubits
    /// In a chain [first, chain_end) of 2 to kMaxChainSteps steps of
    /// one-qubit ops without controls on the same qubit (inside one tiled
    /// run or outside all): chain_end; else 0. The sweep takes a chain in
    /// one pass over the states (adjoint_chain). A chain may start with a
    /// CX on its qubit (an op or a fused run's block), un-applied in the
    /// same pass: that step's chain_control is the CX's control; else -1.
    std::size_t chain_end = 0;
    int chain_control = -1;
  };
  /// The steps of the adjoint sweep in sweep order (the last gate first).
  std::vector<SweepStep> sweep_;
  /// Symbol-dependent steps of the longest tiled run (its scratch size).
  std::size_t max_tile_params_ = 0;
  /// Per op: the end of the chain it starts in circuit order (the sweep's
  /// chains reversed), which the forward pass applies as one block; else 0.
  /// Empty without chains.
  std::vector<std::size_t> forward_chain_end_;
  void build_sweep();
  void reorder_for_chains();
  void mark_chains();
  /// The qubits a sweep step touches (targets and controls), as a mask.
  uint64_t step_qubits(const SweepStep& s) const;
  /// The qubit of a step of a one-qubit op without controls; else -1.
  int step_qubit(const SweepStep& s) const;
  /// A CX step (an op or a block of a fused run) whose control is bit 3 or
  /// above (the same for all amplitudes of a vector in adjoint_chain's
  /// pass): {target, control}; else {-1, -1}.
  std::pair<int, int> step_cx(const SweepStep& s) const;
};

/// d<O_k>/d(symbol s) for one set of symbol values: one row per observable,
/// one value per symbol (Circuit::num_symbols()), by the adjoint method.
std::vector<std::vector<double>> expectation_gradients(const Circuit& circuit,
                                                       const std::vector<Observable>& observables,
                                                       const std::vector<double>& inputs);

/// The readout values for one set of symbol values (double precision).
std::vector<double> evaluate_readout(const Circuit& circuit, const Readout& readout,
                                     const std::vector<double>& inputs,
                                     const std::vector<double>& features = {},
                                     InitialState initial_state = {});

}  // namespace qforge::sim
