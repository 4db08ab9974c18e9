// qforge/definitions.hpp - the gate table's definitions of gates in terms of
// other table gates, and the gate libraries of OpenQASM 3 and 2.
//
// One definition per table gate that some OpenQASM library lacks. The
// emitters write them as `gate` definitions for the gates their language has
// no name for (OpenQASM 3: stdgates.inc; OpenQASM 2: qelib1.inc); every body
// uses only gates of stdgates.inc and qelib1.inc or gates defined earlier in
// the list, and is exact: exp(i*phase) times the product of its operations is
// gate_matrix(gate) for every parameter value.
//
// The libraries: the names, parameter and qubit counts of the gates that
// `stdgates.inc` (as the specification writes it), `qelib1.inc` (as Qiskit's
// OpenQASM 2 reader accepts it, with its legacy custom instructions) and the
// built-ins of each version provide. The front end expands them (its own
// library.cpp knows how); the emitters ask which names exist.
#pragma once

#include "qforge/circuit.hpp"

#include <optional>
#include <set>
#include <string_view>
#include <vector>

namespace qforge {

/// A table gate written with other table gates: `body` acts on qubits
/// 0 .. n-1 (the gate's arguments in order) and its parameters are
/// expressions over symbols 0 .. k-1, which stand for the gate's own
/// parameters.
///
/// The body is V * core * V^-1: the operations before `core_begin` and
/// those from `core_end` on undo each other, so the gate under extra
/// controls is the body with only the core (and the phase) controlled.
struct GateDefinition {
  GateId gate;
  std::vector<Operation> body;
  Expr phase;                 ///< global phase of the body (OpenQASM 3's gphase)
  std::vector<GateId> uses;   ///< defined gates the body calls
  std::size_t core_begin = 0, core_end = 0;
};

/// Every definition, each after the definitions its body uses: one for
/// every table gate that some OpenQASM library lacks, and one for each of
/// swap, cz, cy, ccx and cswap, which basis translation expands.
const std::vector<GateDefinition>& gate_definitions();

/// The definition of `g`, or nullptr when it has none.
const GateDefinition* gate_definition(GateId g);

/// The body of `def` for parameter values `params` (symbols replaced), on
/// `qubits` (the gate's arguments in order).
std::vector<Operation> instantiate(const GateDefinition& def, const std::vector<Expr>& params,
                                   const std::vector<uint32_t>& qubits);

/// A one-qubit gate as exp(i alpha) Rz(beta) Ry(gamma) Rz(delta) (matrix
/// product: Rz(delta) acts first).
struct EulerZYZ {
  Expr alpha, beta, gamma, delta;
};

/// The Euler angles of parametric one-qubit gate `g` (rx, ry, rz, p, u1, u2,
/// u3) as expressions of its parameters; nullopt for other gates (the
/// constant ones: decompose their matrix numerically).
std::optional<EulerZYZ> euler_zyz(GateId g, const std::vector<Expr>& params);

/// The k-th power (principal branch, any real k) of table gate `g` with
/// parameters `params`, when the table has an exact rule: a rotation or
/// phase gate (rx ... rzx, p, u1 and their controlled forms) is itself with
/// its angle times k (one step on all its qubits); a gate whose target gate
/// is z, s, sdg, t, tdg, x, sx, sxdg, y or h is that target gate's power on
/// the gate's last qubit, in `steps`, times exp(i*phase), with the gate's
/// own controls left to the caller (they control every step and the phase).
/// False for gates without a rule (u2, u3, swap, ecr, ...).
bool gate_power(GateId g, const std::vector<Expr>& params, double k, std::vector<Operation>& steps, Expr& phase);

/// The table gate that is `g` with one more |1>-control in front (x -> cx,
/// cx -> ccx, rz -> crz, u3 -> cu, swap -> cswap, ...), found from the table's
/// rows (same target gate, one control more; a gate stdgates.inc names
/// preferred); the extra parameters it has are appended to `params` as 0.
/// nullopt when the table has no such gate.
std::optional<GateId> gate_with_control(GateId g, std::vector<Expr>& params);

enum class GateLibrary : uint8_t {
  Builtin3,  ///< OpenQASM 3 built-ins: U
  Builtin2,  ///< OpenQASM 2 built-ins: U, CX
  StdGates,  ///< stdgates.inc
  Qelib1,    ///< qelib1.inc as Qiskit reads it
};

struct LibraryGate {
  const char* name;
  uint8_t num_params;
  uint8_t num_qubits;
};

/// The gate `name` of `lib`, or nullptr.
const LibraryGate* find_library_gate(GateLibrary lib, std::string_view name);

/// Every gate of `lib`, in the library's order.
std::vector<LibraryGate> library_gates(GateLibrary lib);

/// The definitions a program written against `lib` needs to call `gates`:
/// those of the gates `lib` has no name for and of the defined gates their
/// bodies use, each after the ones it uses.
std::vector<const GateDefinition*> definitions_for(const std::set<GateId>& gates, GateLibrary lib);

}  // namespace qforge
