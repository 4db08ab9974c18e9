// qforge/target.hpp - compilation targets: a basis gate set and, for
// hardware, a coupling map of physical qubits.
//
// Targets:
//   nam        {h, x, cx, rz}, no coupling constraint
//   ibm_eagle  {ecr, rz, sx, x} on IBM's 127-qubit heavy-hex (Eagle r3);
//              control flow: if_else, not nested, no conditional
//              measurement (check_classical; IBM's dynamic circuits run
//              `if`/`else` alone, target.cpp cites the pages)
//   ibm_heron  {cz, rz, sx, x} on IBM's 133-qubit heavy-hex (Heron r1);
//              control flow: if_else
//   generic    no gate-set constraint (optimised output uses u3, rz, cx, ...)
// Coupling-map SPEC forms: `line:N`, `ring:N`, `grid:RxC`, `heavy-hex:N`
// (N = 127 Eagle, 133 Heron, other N: the first N qubits of the same
// row/bridge pattern), or a JSON edge list `[[0,1],[1,2]]` (or a path to a
// file holding one). Edges are undirected: every target gate is symmetric up
// to single-qubit gates. A target may also name the directions its
// two-qubit gate is calibrated in (Target::directions, e.g. a device's ecr
// from its noise model): routing stays undirected and the gate-direction
// pass then turns every reversed gate around (pipeline.hpp).
#pragma once

#include "qforge/circuit.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace qforge {

struct CouplingMap {
  uint32_t num_qubits = 0;
  std::vector<std::pair<uint32_t, uint32_t>> edges;  ///< undirected, first < second, sorted
  std::vector<std::vector<uint32_t>> neighbours;
  std::vector<std::vector<uint32_t>> distance;       ///< hop counts (UINT32_MAX: unreachable)
  std::string description;                           ///< e.g. "heavy-hex:127"

  bool connected(uint32_t a, uint32_t b) const;
  bool is_connected_graph() const;

  static CouplingMap from_edges(uint32_t num_qubits, std::vector<std::pair<uint32_t, uint32_t>> edges,
                                std::string description);
  static CouplingMap line(uint32_t n);
  static CouplingMap ring(uint32_t n);
  static CouplingMap grid(uint32_t rows, uint32_t cols);
  static CouplingMap heavy_hex(uint32_t n);
  /// Parse a SPEC (see the file comment); throws std::invalid_argument with
  /// a message naming what is wrong.
  static CouplingMap parse(const std::string& spec);
};

struct Target {
  std::string name;
  std::vector<GateId> basis;            ///< empty: no constraint
  GateId two_qubit = GateId::CX;        ///< the entangling gate of the basis
  std::optional<CouplingMap> coupling;  ///< routing constraint, if any
  /// The (control, target) pairs the two-qubit gate exists in, sorted;
  /// empty: either direction of every coupling-map edge.
  std::vector<std::pair<uint32_t, uint32_t>> directions;
  /// Hardware that limits run-time classical logic: the control-flow
  /// instructions it runs, by their Qiskit names ("if_else",
  /// "switch_case"); see check_classical. False: no limit (simulation
  /// targets run everything).
  bool limits_classical = false;
  std::vector<std::string> control_flow;
  /// With limits_classical: may a block hold control flow or conditioned
  /// operations, and may a measurement be conditioned (directly or inside a
  /// block)? IBM's dynamic circuits run neither.
  bool nested_control_flow = true;
  bool conditional_measure = true;

  bool constrained() const { return !basis.empty(); }
  bool directed() const { return !directions.empty(); }
  /// May the two-qubit gate act as (a, b)? Always true without directions.
  bool direction_allowed(uint32_t a, uint32_t b) const;
  bool allows(GateId g) const;
  std::string basis_text() const;       ///< "{h, x, cx, rz}"
};

std::vector<std::string> target_names();
/// The named target; `coupling_spec` (may be empty) overrides or adds a
/// coupling map. Throws std::invalid_argument for unknown names or bad specs.
Target make_target(const std::string& name, const std::string& coupling_spec = "");

/// Does `c` fit `t`: only basis gates (no extra controls), two-qubit gates only
/// on coupling-map edges (and in a calibrated direction when the target has
/// directions), qubit indices within the map? Barriers, measures,
/// resets and delays are allowed; the operations inside control-flow blocks
/// are checked like the others. Empty string when it fits, else the first
/// problem.
std::string check_target(const Circuit& c, const Target& t);

/// Does the run-time classical logic of `c` run on `t`? On a target that
/// limits it (Target::limits_classical) only these pass: mid-circuit
/// measurement, reset, delay, barrier, conditions on bits and registers,
/// `if`/`else` (when "if_else" is listed) and `switch` (when "switch_case"
/// is listed) whose condition or target reads bits and registers with
/// comparisons, bitwise and logical operators and casts only. Throws a
/// LocatedError at the first operation that does not, naming the construct
/// and the target: loops (`while`, `for` over a range not known at compile
/// time), assignments, gates with parameters computed at run time, `end`,
/// classical variables and arithmetic in conditions.
void check_classical(const Circuit& c, const Target& t);

}  // namespace qforge
