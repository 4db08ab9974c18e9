// qforge/stats.hpp - gate counts, depth and T-count of a circuit
// (`qforge stats`).
#pragma once

#include "qforge/circuit.hpp"

#include <cstdint>
#include <map>
#include <string>

namespace qforge {

/// The name statistics count a gate under: the table name without extra
/// controls; with extra controls, the target gate with one `c` per control
/// in all for up to two controls and `c<k>` beyond (ctrl @ x -> "cx",
/// ctrl @ cx -> "ccx", ctrl(3) @ x -> "c3x", ctrl @ rzz -> "crzz",
/// ctrl(2) @ crz -> "c3rz"). When that name is a table gate, it is the same
/// matrix (so the OpenQASM 2 emitter folds controls with it).
std::string gate_count_name(const Operation& op);

/// Counts per operation. Measure, reset and delay count once per qubit they
/// act on (each is a one-qubit instruction); a barrier counts once under
/// "barrier" and is excluded from `total` and `depth`. Run-time classical
/// logic counts under Qiskit's names ("if_else", "while_loop", "for_loop",
/// "switch_case", "store" for an assignment, "break_loop",
/// "continue_loop", and "end"), a gate with run-time parameters under its
/// gate's name, and the operations inside control-flow blocks count once
/// each as written.
struct CircuitStats {
  uint32_t qubits = 0, clbits = 0;
  std::map<std::string, uint64_t> counts;  ///< per gate_count_name (plus "measure",
                                           ///< "reset", "delay", "barrier")
  uint64_t total = 0;                      ///< every count except barriers
  uint64_t two_qubit = 0;                  ///< gates on exactly two qubits (extra
                                           ///< controls included)
  /// Longest chain of operations that share a qubit or clbit (measure
  /// targets and condition bits are clbit uses); barriers are skipped
  /// entirely, as Qiskit's depth() does.
  uint64_t depth = 0;
  uint64_t t_count = 0;                    ///< t and tdg gates without extra controls
  uint64_t control_flow = 0;               ///< if, while, for and switch operations
                                           ///< (nested ones included)
};
CircuitStats circuit_stats(const Circuit& c);
std::string stats_text(const CircuitStats& s);
std::string stats_json(const CircuitStats& s);

}  // namespace qforge
