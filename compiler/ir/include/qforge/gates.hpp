// qforge/gates.hpp - the one gate table shared by the front end, emitters,
// simulator and optimizer.
//
// Every gate the IR can hold is a row here: its name (as Qiskit and the
// OpenQASM standard libraries spell it), how many qubits and parameters it
// takes, and its exact matrix. Matrices follow Qiskit's definitions (which are
// also the OpenQASM 3 `stdgates.inc` definitions for every gate except U, u2
// and u3, whose spec forms differ by a global phase: the front end accounts for
// that difference in `Circuit::global_phase`, see frontend.hpp).
//
// Qubit order inside a gate matrix: the gate's first qubit argument is the
// most significant bit of the row/column index (textbook order, e.g. for `cx
// a, b` the matrix is |0><0| (x) I + |1><1| (x) X with `a` the control). Note
// that this is the reverse of Qiskit's little-endian matrices; the simulator
// maps it onto its own little-endian state layout.
#pragma once

#include <array>
#include <complex>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace qforge {

/// Identifier of a gate in the table. The order is part of no file format.
enum class GateId : uint8_t {
  // one qubit, no parameter
  I, X, Y, Z, H, S, Sdg, T, Tdg, SX, SXdg,
  // one qubit, parameters
  RX, RY, RZ, P, U1, U2, U3,
  // two qubits, no parameter
  CX, CY, CZ, CH, CSX, Swap, ECR,
  // two qubits, parameters
  CP, CU1, CRX, CRY, CRZ, CU3, CU, RXX, RYY, RZZ, RZX,
  // three qubits
  CCX, CCZ, CSwap,
  Count_
};

constexpr std::size_t kNumGates = static_cast<std::size_t>(GateId::Count_);

/// One row of the gate table.
struct GateInfo {
  GateId id;
  std::string_view name;    ///< OpenQASM / Qiskit name, e.g. "cx"
  uint8_t num_qubits;
  uint8_t num_params;
  bool diagonal;            ///< matrix is diagonal for every parameter value
  bool hermitian;           ///< self-inverse (for every parameter value)
  uint8_t num_controls;     ///< leading qubits that act as plain |1> controls
                            ///< (cx: 1, ccx: 2, rzz: 0); the rest are targets
  GateId base;              ///< the gate on the targets (cx -> X, crx -> RX,
                            ///< cu -> U3 with an extra phase); itself if none
};

using cplx = std::complex<double>;

/// The table, indexed by GateId.
const GateInfo& gate_info(GateId id);

/// Look a gate up by its name; std::nullopt when the table has no such gate.
std::optional<GateId> gate_by_name(std::string_view name);

/// The exact 2^n x 2^n matrix of `id` for the given parameter values, row-major,
/// first qubit argument most significant (see the file comment).
/// `params.size()` must equal `gate_info(id).num_params`.
std::vector<cplx> gate_matrix(GateId id, const double* params);

/// d(gate_matrix(id, params)) / d(params[k]), exact (closed form), in the same
/// layout. Used by the adjoint differentiator.
std::vector<cplx> gate_matrix_derivative(GateId id, const double* params, unsigned k);

/// The exact inverse of every table gate as a table gate with transformed
/// parameters: s -> sdg, rx(t) -> rx(-t), u3(t,p,l) -> u3(-t,-l,-p), ecr -> ecr.
/// new_param[i] = sign[i] * old_param[src[i]] + offset[i] (sign 0: constant).
struct InverseRule {
  GateId gate;
  std::array<int8_t, 4> src{{0, 1, 2, 3}};
  std::array<int8_t, 4> sign{{1, 1, 1, 1}};
  std::array<double, 4> offset{{0, 0, 0, 0}};
  int8_t extra_controls = 0;  ///< csx^-1 = sxdg with one more control
};
InverseRule gate_inverse(GateId id);

}  // namespace qforge
