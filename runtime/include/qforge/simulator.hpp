// qforge/simulator.hpp - running a Circuit on a state vector.
//
// Three layers, each usable on its own (the adjoint-gradient code reuses the
// first two):
//  1. GateOp: one gate with its parameters evaluated, its qubits split into
//     targets and a control mask, and the kernel that applies it chosen once
//     (evaluate_gate). apply(psi, n, op) runs it; inverse(op) undoes it.
//  2. fuse(): merge runs of gates on at most `max_width` qubits into one
//     dense (or diagonal) GateOp, so the state is streamed fewer times; a
//     cost model picks the block width per circuit and which blocks pay.
//  3. run(): a whole Circuit with shots, probabilities, state vector and
//     expectation values. Circuits whose measurements are all terminal are
//     sampled from the final state in one pass; circuits with mid-circuit
//     measurement, reset on a used qubit, or conditions are run by shot
//     branching: the state is simulated once up to a measurement or reset
//     whose outcome is random, then once per outcome, the shots split
//     between the outcomes binomially, depth first (one state copy per
//     pending branch); outcomes of probability 1 (within 1e-12, 1e-6 in
//     single precision) do not branch, nor does a reset whose outcomes give
//     the same state (a qubit not entangled with the others), the two
//     outcomes' branches merge when they next stop (at a random outcome or
//     the end) at the same place with the same classical state and the same
//     state vector, and terminal measurements are sampled from each branch's
//     final state. Run-time classical logic (assignments, if/while/for/
//     switch on measured values, gates with run-time parameters, `end`)
//     runs in the same walk, each branch carrying its classical state. Every reduction over the state
//     (norm, probability of a qubit, expectation values) adds fixed blocks in
//     index order and each branch draws from its own counter-based stream,
//     so a run with a given seed gives the same counts, probabilities and
//     expectation values, bit for bit, on any number of threads.
//
// State layout and matrix conventions: see statevector.hpp and kernels.hpp.
#pragma once

#include "qforge/circuit.hpp"
#include "qforge/observables.hpp"
#include "qforge/statevector.hpp"

#include <complex>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace qforge::sim {

/// How a GateOp is applied.
enum class KernelKind : uint8_t {
  Identity,  ///< nothing to do
  Phase,     ///< matrix[0] multiplies amplitudes with every bit of phase_mask() set
  Diagonal,  ///< matrix holds the 2^k diagonal entries on `targets`
  X,         ///< NOT on targets[0]
  Swap,      ///< exchange targets[0] and targets[1]
  Dense,     ///< matrix is the dense 2^k x 2^k matrix on `targets`, row-major
};

/// An evaluated gate. `targets[0]` is the most significant bit of the matrix
/// index; `ctrl_mask` holds every |1>-control (the Operation's extra controls
/// and the table gate's own, e.g. both controls of ccx).
struct GateOp {
  KernelKind kind = KernelKind::Identity;
  std::vector<unsigned> targets;
  uint64_t ctrl_mask = 0;
  std::vector<std::complex<double>> matrix;
  /// Index in Circuit::ops of the Operation this came from (for a fused op:
  /// of its first member); SIZE_MAX when not from a circuit.
  std::size_t source = SIZE_MAX;

  /// Every qubit the op touches (targets and controls) as a bit mask.
  uint64_t qubit_mask() const;
  /// Phase: the amplitudes it multiplies (ctrl_mask | target bits).
  uint64_t phase_mask() const { return qubit_mask(); }
};

/// Evaluate gate Operation `op` with the input values `inputs` (indexed by
/// symbol; may be null when the parameters are constants). Throws
/// std::invalid_argument for a non-gate op, bad qubits or more than 64 qubits.
GateOp evaluate_gate(const Operation& op, const double* inputs);

/// A GateOp for a dense matrix (row-major, targets[0] most significant) under
/// `ctrl_mask`; the kernel kind is chosen from the matrix's entries.
GateOp make_gate(std::vector<unsigned> targets, std::vector<std::complex<double>> matrix,
                 uint64_t ctrl_mask = 0);

/// The exact inverse (conjugate transpose) of a GateOp.
GateOp inverse(const GateOp& op);

/// The dense matrix of `op` on qubit_mask()'s qubits, little-endian over
/// them (bit i of the index is the i-th lowest qubit of the mask); controls
/// included. Size 4^popcount(mask).
std::vector<std::complex<double>> local_matrix(const GateOp& op);

/// Apply `op` to the raw state `psi` of `n` qubits.
template <typename FP>
void apply(std::complex<FP>* psi, unsigned n, const GateOp& op);

/// Apply `op` to a state vector.
template <typename FP>
void apply(StateVector<FP>& state, const GateOp& op) {
  apply(state.data(), state.num_qubits(), op);
}

/// Evaluate and apply a gate Operation (inputs indexed by symbol).
template <typename FP>
void apply_gate(StateVector<FP>& state, const Operation& op, const double* inputs) {
  apply(state, evaluate_gate(op, inputs));
}

/// Default maximum fusion width: the widest block the cost model may form.
/// Wider dense blocks are compute-bound (bench_simulator's kernel table).
constexpr unsigned kDefaultFusionWidth = 4;

struct FusionOptions {
  unsigned max_width = kDefaultFusionWidth;  ///< widest block; 0: no fusion
  /// true: per circuit, the widest block (2 .. max_width) and, per block,
  /// whether to merge are chosen by an estimate of each op's time in passes
  /// over the state (a dense block on k qubits, a diagonal block, also of
  /// permutations that cancel as in cx u1 cx, a single gate with its own
  /// kernel, which for controlled and phase gates touches part of the state;
  /// and each call's fixed cost). false: merge while within max_width.
  bool cost_model = true;
};

/// Fuse `ops` (applied in order) into an equivalent list in which each op
/// acts on at most `max_width` qubits, unless it was already wider. Gates on
/// disjoint qubits may be reordered, never gates that share a qubit. A block of
/// diagonal gates (and permutations that cancel) becomes one Diagonal or Phase
/// op; a block of one gate keeps its kernel. max_width 0 drops identities only.
std::vector<GateOp> fuse(const std::vector<GateOp>& ops, const FusionOptions& options);
/// fuse() with the cost model and the given max_width.
std::vector<GateOp> fuse(const std::vector<GateOp>& ops, unsigned max_width);

/// Evaluate every gate of `circuit` in order (the gates only: precondition is
/// that the circuit has no measurement, reset or condition, or the caller
/// knows they are terminal). Barriers and delays are skipped.
std::vector<GateOp> evaluate_gates(const Circuit& circuit, const std::vector<double>& inputs);

/// Throw std::invalid_argument naming the inputs of `circuit` that `inputs`
/// leaves unbound (too short, or NaN).
void check_inputs_bound(const Circuit& circuit, const std::vector<double>& inputs);

/// What run() should compute.
struct RunOptions {
  uint64_t shots = 0;
  uint64_t seed = 0;
  Precision precision = Precision::Double;
  int threads = 0;                  ///< > 0: OpenMP threads for this call (the
                                    ///< caller's count is restored); 0: keep it.
                                    ///< Results are bit-identical for any count.
  uint64_t max_memory = 0;          ///< 0: the available memory
  unsigned fusion_width = kDefaultFusionWidth;  ///< 0: no fusion
  bool probabilities = false;
  bool statevector = false;
  std::vector<Observable> observables;
  /// Shot branching: probabilities and expectation values are averaged
  /// exactly over every branch (weighted by its probability) when the
  /// circuit can branch into at most this many (2^k for k measurements and
  /// resets that may have a random outcome), else over the branches of the
  /// sampled shots. Without shots they are always exact, and run() refuses
  /// when the branches outgrow this.
  uint64_t exact_branches = 1024;
  /// Run-time classical logic: a shot whose `while` and `for` loops together
  /// run more iterations than this stops the run with an error located at
  /// the loop.
  uint64_t max_iterations = 1000000;
};

/// The distribution over the shots of one output: an `output` variable or
/// `output bit` register or, when the circuit declares no output, each
/// variable and each classical register.
struct OutputCounts {
  std::string name;
  std::string type;  ///< "bit[2]", "int[8]", "float[64]", ...
  /// Value -> shots, in increasing order of value: bit registers as bit
  /// strings (highest bit first), bool as true/false, integers in decimal,
  /// float and angle (in radians) as format_number writes them (`5*pi/4`
  /// when exactly that multiple of pi, else the shortest decimal that reads
  /// back).
  std::vector<std::pair<std::string, uint64_t>> counts;
};

/// What run() computed. For a dynamic circuit (mid-circuit measurement,
/// reset of a used qubit, conditions), probabilities and expectation values
/// are averages over the branches' final states (before their terminal
/// measurements).
struct RunResult {
  unsigned num_qubits = 0;
  uint64_t shots = 0;
  uint64_t seed = 0;
  double seconds = 0;
  int threads = 1;                  ///< OpenMP threads the run used
  bool trajectories = false;        ///< a dynamic circuit, run by shot branching
  uint64_t branches = 0;            ///< final states simulated (1 without random outcomes)
  bool exact_averages = true;       ///< averages over every branch, weighted by probability;
                                    ///< false: over the sampled shots' branches
  /// Bit string (highest clbit first; all qubits, highest first, when the
  /// circuit measures nothing) -> count.
  std::map<std::string, uint64_t> counts;
  std::vector<double> probabilities;                  ///< over basis states
  std::vector<std::complex<double>> statevector;      ///< final state
  std::vector<double> expectations;                   ///< one per observable
  /// With shots, for a circuit with run-time classical logic, variables or
  /// output declarations: the final value of each output per shot.
  std::vector<OutputCounts> outputs;
};

/// True when every measurement is terminal and nothing is conditioned, so
/// one final state can be sampled; resets of untouched qubits are allowed.
bool is_terminal_measurement_circuit(const Circuit& circuit);

/// Index of the operation that makes a circuit dynamic (the first
/// mid-circuit measurement, reset of a used qubit, conditioned operation, or
/// run-time classical operation); SIZE_MAX when there is none.
std::size_t first_dynamic_operation(const Circuit& circuit);

/// Bytes run() needs for `circuit` with `options`.
uint64_t run_memory_bytes(const Circuit& circuit, const RunOptions& options);

/// Simulate `circuit` (symbols bound by `inputs`). Throws std::invalid_argument
/// for unbound inputs, a LocatedError at the measurement or reset where the
/// state branches when a state vector is asked for (or, without shots, when
/// it branches beyond options.exact_branches), a LocatedError at the
/// operation of a run-time error (division by zero, a loop beyond
/// options.max_iterations), MemoryError before allocating when the state or
/// a branch's copy does not fit.
RunResult run(const Circuit& circuit, const RunOptions& options,
              const std::vector<double>& inputs = {});

/// The final state of a circuit with no measurement, reset or condition
/// (global phase applied), fused with `fusion_width`.
template <typename FP>
StateVector<FP> simulate(const Circuit& circuit, const std::vector<double>& inputs = {},
                         unsigned fusion_width = kDefaultFusionWidth, uint64_t max_memory = 0);

}  // namespace qforge::sim
