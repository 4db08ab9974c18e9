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
/// How the figure drawer colours a gate's box (after Qiskit's default
/// style): Hadamard, Pauli, phase (diagonal one-qubit), other one-qubit
/// rotations, and everything else.
enum class DrawFamily : uint8_t { Hadamard, Pauli, Phase, Rotation, Other };

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
  std::string_view text_label;    ///< box label in the text drawing (Qiskit's text drawer: "Rx", "√X")
  std::string_view figure_label;  ///< box label in the SVG figure (Qiskit's figure drawer: "S†", "Rx")
  DrawFamily family;
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

namespace qforge {

/// Allocation-free blocks for the simulator's inner loops. The block of a
/// table gate is what it applies to its targets when its own controls are all
/// |1> (the lower-right 2^t x 2^t corner of gate_matrix, t = num_qubits -
/// num_controls, targets[0] most significant); `block` holds 4^t entries.
/// `derivs` (optional, may be null) receives num_params blocks one after the
/// other: d(block)/d(params[k]) for k = 0 .. num_params-1. Parametric gates
/// use closed forms (one sincos per angle, shared by block and derivatives);
/// the fixed gates copy the corner of gate_matrix.
void gate_block(GateId id, const double* params, cplx* block, cplx* derivs = nullptr);

/// d(block)/d(params[k]) alone (4^t entries); throws std::out_of_range for a
/// parameter the gate does not have.
void gate_block_derivative(GateId id, const double* params, unsigned k, cplx* out);

/// The generator of parameter k of a gate: the Hermitian G(p) with
/// dU/dp_k = -i G U, i.e. G = i (dU/dp_k) U^dagger on the full gate matrix
/// (own controls included). Its eigenvalues do not depend on the parameter
/// values; `values[0 .. count)` lists the distinct ones, ascending:
///   rx ry rz rxx ryy rzz rzx, u3/cu3/cu theta ... {-1/2, +1/2} (uncontrolled)
///   crx cry crz, cu3/cu theta                     {-1/2, 0, +1/2}
///   p u1 cp cu1, u2/u3/cu3/cu phi and lambda,
///   cu gamma                                      {-1, 0}
struct GeneratorSpectrum {
  uint8_t count = 0;
  std::array<double, 3> values{{0, 0, 0}};
};
GeneratorSpectrum gate_generator_spectrum(GateId id, unsigned k);

/// How a parameter is differentiated by the parameter-shift rule, from the
/// spectrum of its generator. With D the set of differences between distinct
/// eigenvalues (the frequencies of f(p) = <psi|U^dag O U|psi>):
///  - D = {1}      -> TwoTerm:  f'(p) = [f(p + pi/2) - f(p - pi/2)] / 2;
///  - D = {1/2, 1} -> FourTerm: f'(p) = c+ [f(p + pi/2) - f(p - pi/2)]
///                                    - c- [f(p + 3pi/2) - f(p - 3pi/2)],
///                    c+- = (sqrt2 +- 1) / (4 sqrt2) (Anselmetti et al. 2021);
///  - otherwise    -> None (no exact rule here).
/// Extra `ctrl @` controls make the generator |1..1><1..1| (x) G, whose
/// spectrum is G's plus 0: a rotation ({-1/2, 1/2}) becomes FourTerm, a
/// phase ({-1, 0}) stays TwoTerm.
enum class ShiftRule : uint8_t { None, TwoTerm, FourTerm };
ShiftRule shift_rule(const GeneratorSpectrum& spectrum);
/// shift_rule of parameter k of `id` under `extra_controls` added controls.
ShiftRule gate_shift_rule(GateId id, unsigned k, unsigned extra_controls = 0);

/// Rotations: the one-parameter gates U(t) = exp(-i t G) (rx ry rz rxx ryy
/// rzz rzx, p u1 and their controlled forms): angles add, U(a) U(b) = U(a+b).
bool is_rotation_gate(GateId id);
/// The smallest t > 0 with U(t) = I exactly, 2 pi / gcd(eigenvalues of G):
/// 4 pi for rx and its kin (eigenvalues +-1/2, controlled ones add 0), 2 pi
/// for the phase gates (0, 1). Precondition: is_rotation_gate(id).
double rotation_period(GateId id);
/// True when U(t + 2 pi) = -U(t), a global phase: G's eigenvalues are all
/// +-1/2 (the uncontrolled rotations). Precondition: is_rotation_gate(id).
bool rotation_has_half_period(GateId id);

/// The Pauli axis a gate is diagonal in on one of its qubits: it commutes with
/// Z (or X) on that qubit for every parameter value. Found from the table's
/// matrices: controls and diagonal gates are Z; targets of x, rx, sx, sxdg
/// (and their controlled forms), both qubits of rxx and the second of rzx and
/// of ecr (= (X (x) I - Y (x) X)/sqrt 2) are X; others None.
enum class PauliAxis : uint8_t { None, Z, X };
PauliAxis gate_axis(GateId id, unsigned qubit);

}  // namespace qforge
