// library.hpp - the built-in gate libraries (internal to the front end).
//
// `include "stdgates.inc"` (OpenQASM 3), `include "qelib1.inc"` (OpenQASM 2)
// and the built-in `U`, `CX`, `gphase` are not parsed from text: each library
// gate expands directly into table gates plus exact global phases ("prims"),
// so that names such as `cx` survive into the IR and no definition has to be
// inlined down to `U`.
#pragma once

#include "qforge/definitions.hpp"
#include "qforge/expr.hpp"
#include "qforge/gates.hpp"

#include <string>
#include <vector>

namespace qforge::detail {

/// One step of a library gate: a table gate on some of the call's qubits, or
/// a global phase. `args` index the call's qubit arguments; the first
/// `extra_controls` of them are |1>-controls added in front of the gate's own.
struct Prim {
  bool is_phase = false;
  GateId gate = GateId::I;
  std::vector<Expr> params;     ///< gate parameters, or {phase} for is_phase
  std::vector<uint8_t> args;
  uint8_t extra_controls = 0;
};

// The libraries' names and sizes are the IR's (definitions.hpp); how their
// gates expand is here.
using Library = GateLibrary;
using LibGate = LibraryGate;
using qforge::find_library_gate;

/// Expand a library gate call into prims (power 1).
std::vector<Prim> expand_library_gate(Library lib, const std::string& name,
                                      const std::vector<Expr>& params);

/// The exact inverse of a prim sequence.
std::vector<Prim> invert(const std::vector<Prim>& prims);

/// Non-integer power `k` (principal branch) of a single table gate, as
/// prims; false when the table has no exact rule (u3, swap, ecr, ...).
bool table_gate_power(GateId g, const std::vector<Expr>& params, double k, std::vector<Prim>& out);

}  // namespace qforge::detail
