// qforge/emit.hpp - text forms of the IR: OpenQASM 3, OpenQASM 2, the IR
// listing, statistics and a text drawing.
#pragma once

#include "qforge/circuit.hpp"

#include <map>
#include <string>

namespace qforge {

struct EmitOptions {
  /// Emit `gphase(...)` so that reading the text back gives exactly the IR's
  /// global phase (OpenQASM 3 only). Hardware export turns this off.
  bool global_phase = true;
};

/// OpenQASM 3 in the form Qiskit's exporter writes: `OPENQASM 3.0;`,
/// `include "stdgates.inc";`, `input float[64] ...;`, `bit[n] c;`,
/// `qubit[n] q;`, `c[0] = measure q[0];`.
std::string emit_qasm3(const Circuit& c, const EmitOptions& opt = {});

/// OpenQASM 2.0 with qelib1.inc. Throws std::runtime_error naming the first
/// operation 2.0 cannot express (symbolic parameters, multi-bit conditions
/// on a partial register, ...).
std::string emit_qasm2(const Circuit& c);

/// The IR listing printed by `qforge compile --emit ir`.
std::string emit_ir(const Circuit& c);

struct CircuitStats {
  uint32_t qubits = 0, clbits = 0;
  std::map<std::string, uint64_t> counts;  ///< per gate name (incl. measure, reset, ...)
  uint64_t total = 0;                      ///< every operation except barriers
  uint64_t two_qubit = 0;                  ///< operations on exactly two qubits
  uint64_t depth = 0;                      ///< critical path, barriers excluded
  uint64_t t_count = 0;                    ///< t and tdg gates
};
CircuitStats circuit_stats(const Circuit& c);
std::string stats_text(const CircuitStats& s);
std::string stats_json(const CircuitStats& s);

/// A text drawing, wires left to right, in the style of Qiskit's text drawer.
std::string draw_text(const Circuit& c, int max_width = 0);

}  // namespace qforge
