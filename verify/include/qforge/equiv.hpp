// qforge/equiv.hpp - are two circuits the same operation up to global phase?
//
// Engines, tried in this order (EquivOptions::engine):
//  - path sums (pathsum.hpp) for circuits without symbols (Clifford+T, and
//    rotations by other angles that cancel between the two circuits):
//    B^-1 * A as a sum over paths, reduced by rewrite rules to the identity.
//    Only a "yes" comes from them; when they get stuck, the next engine runs;
//  - simulation of every basis input (below) when 2^(qubits of A and B)
//    times the gates is small: exact, and cheaper than diagrams of small,
//    nearly dense matrices;
//  - decision diagrams (dd.hpp): B^-1 * A is built as one diagram, the gates
//    of both circuits multiplied in, the last ones first, routing SWAPs
//    taken out of both and multiplied in at the end: block by block when
//    the runs of multi-qubit gates on each qubit of the two circuits match
//    (an optimiser's resynthesised two-qubit blocks), else in proportion to
//    the two gate counts (the other side tried too when the diagram grows,
//    keeping the smaller), so that it stays close to the identity, and
//    compared with the identity up to one global phase. Exact,
//    for any number of qubits, as long as the diagram stays within
//    `max_dd_nodes` (past that, Auto falls back to random-state simulation
//    and says so in `method`). When the circuits differ, a column of
//    B^-1 * A that is not the identity's names an input basis state, and
//    simulating it (when at most 64 qubits) says how the outputs differ;
//  - simulation on the runtime's engine (runtime/): gates become GateOps
//    (sim::evaluate_gate) applied to a dense sim::StateVector, fused, up to
//    22 qubits, and to a sim::SparseState (a map from basis index to
//    amplitude) beyond that. The runtime's 64-bit indices limit it to 64
//    qubits per circuit, counted after dropping B's idle qubits: a larger
//    circuit is refused with std::invalid_argument naming its qubit count.
//    Two modes:
//    - exact: every computational basis state is an input (columns of the
//      unitary); used when the first circuit has at most `max_exact_qubits`;
//    - random: `num_random_states` random inputs. Dense: Gaussian random
//      states. Sparse (more than 22 qubits): random basis states with up to 4
//      qubits in random superpositions, so relative phases are checked too.
//      A "yes" is then probabilistic, and the result says so.
//    One global phase is fixed on the first input and must fit every input.
//
// Layouts: B may be a routed circuit on more (physical) qubits. Logical qubit
// i of A starts on qubit initial_layout[i] of B and ends on final_layout[i].
// B's other qubits are ancillas: they start in |0> and must end in |0>. Qubits
// B never touches are dropped before simulation.
//
// Symbolic parameters: symbols are matched by name (Circuit::symbol_names)
// and bound to the same random values in both circuits, `symbol_trials` times
// (so a "yes" is then probabilistic in either engine: `exact` is false).
// Trailing measurements are compared as a map qubit -> clbit; any other
// non-unitary operation (mid-circuit measure, reset, condition) makes the
// circuits incomparable (LocatedError, a std::invalid_argument naming the
// operation's source location).
//
// Basis states in messages are written qubit 0 first ("|100>": qubit 0 is
// |1>), and exact inputs go in that order: |00..0>, |00..1>, ...
#pragma once

#include "qforge/circuit.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace qforge {

enum class EquivEngine {
  Auto,        ///< the exact engines in turn, random-state simulation when the diagrams outgrow max_dd_nodes
  Exact,       ///< the exact engines only (the diagrams too large: std::invalid_argument)
  Simulation,  ///< simulation only (exact up to max_exact_qubits, random states beyond)
};

struct EquivOptions {
  EquivEngine engine = EquivEngine::Auto;
  std::size_t max_dd_nodes = std::size_t(1) << 22;  ///< live diagram nodes (about 100 bytes each)
  std::vector<uint32_t> initial_layout;  ///< A qubit i -> B qubit (empty: identity)
  std::vector<uint32_t> final_layout;    ///< A qubit i -> B qubit at the end (empty: initial)
  uint32_t max_exact_qubits = 12;        ///< exact (all basis inputs) up to this many A qubits (0: never)
  uint32_t num_random_states = 12;       ///< inputs in random mode
  uint32_t symbol_trials = 3;            ///< random bindings of symbolic parameters
  uint64_t seed = 0x5eed;
  double tolerance = 1e-6;               ///< max amplitude difference accepted
  uint64_t max_sparse_support = 1u << 18; ///< sparse mode gives up (invalid_argument) beyond this many amplitudes
};

struct EquivResult {
  bool equivalent = false;
  bool exact = false;          ///< true: a proof (decision diagrams or all basis inputs), not a sample
  std::string method;          ///< which engine decided, e.g. "decision diagrams: ..." or "random: ..."
  std::string detail;          ///< where they first differ (empty when equivalent)
  double global_phase = 0;     ///< B = exp(i*global_phase) A, in (-pi, pi]
  double max_error = 0;        ///< largest amplitude difference seen
};

/// Compare A and B (see the file comment). Throws std::invalid_argument when
/// they cannot be compared (bad layout, non-unitary operations; when
/// simulating: more than 64 qubits, a sparse state beyond max_sparse_support).
EquivResult check_equivalence(const Circuit& a, const Circuit& b, const EquivOptions& opt = {});

/// The unitary of a circuit without measurements (gates, barriers, delays
/// only), row-major 2^n x 2^n, qubit 0 the most significant bit of the index
/// (the gate-matrix convention), global phase included. For tests; n <= 12.
std::vector<cplx> circuit_unitary(const Circuit& c, const std::vector<double>& symbol_values = {});


}  // namespace qforge
