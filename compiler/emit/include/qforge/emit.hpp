// qforge/emit.hpp - text forms of the IR: OpenQASM 3, OpenQASM 2 and the
// IR listing.
#pragma once

#include "qforge/circuit.hpp"

#include <string>
#include <vector>

namespace qforge {

struct EmitOptions {
  /// Emit `gphase(...)` so that reading the text back gives exactly the IR's
  /// global phase (OpenQASM 3 only). Hardware export turns this off.
  bool global_phase = true;
};

/// OpenQASM 3 in the form Qiskit's exporter writes: `OPENQASM 3.0;`,
/// `include "stdgates.inc";`, `gate` definitions of the table gates that
/// stdgates.inc lacks (sxdg csx ecr cu1 cu3 rxx ryy rzz rzx ccz, exact with
/// gphase where needed), `input float[64] ...;`, `bit[n] c;`, `qubit[n] q;`,
/// then one statement per operation (`c[0] = measure q[0];`, `ctrl(2) @ h
/// ...`, `if (c == 5) ...`). Reading the text back gives the same operations
/// (up to the reader folding extra controls into table gates, ctrl(2) @ x ->
/// ccx), except that gates outside stdgates.inc come back as their
/// definitions' gates and u2/u3 with extra controls as the equal `cu` with
/// one control fewer: the same unitary in every case. Conditions on part of
/// a register print as `c[1:2] == 1` or `c[{2, 0}] == 2`; bits of several
/// registers as one comparison per register joined by && (|| for !=, which
/// the reader does not accept). With opt.global_phase, `gphase(...)` (the
/// symbolic part before the first operation, the constant after the last)
/// makes the read global phase equal the IR's, bit for bit (the reader adds
/// -(phi+lambda)/2 for every u2 and u3 line outside `if`, see frontend.hpp;
/// a phase inside a branch is unobservable and not recorded). Throws
/// std::invalid_argument for IR it cannot name (a qubit in no register, a
/// symbolic delay). Parameters print as Expr::to_qasm: simplified, every
/// number exact, read back as the same expressions.
std::string emit_qasm3(const Circuit& c, const EmitOptions& opt = {});

/// OpenQASM 2.0 with qelib1.inc (Qiskit's, which also has p, cp, sx, sxdg,
/// csx, cu, rxx, rzz): `qreg`/`creg`, `measure q[0] -> c[0];`, `if (c == 1)
/// x q[0];`, `gate` definitions for ecr, ryy, rzx and ccz. Extra controls fold
/// into a table gate when one exists (ctrl @ x -> cx, ctrl(2) @ x -> ccx,
/// ctrl @ u3 -> cu3, ...). The global phase is dropped (unobservable without
/// modifiers). Throws std::runtime_error naming the first operation (index,
/// gate, source line) that 2.0 cannot express: symbolic parameters (naming
/// the input), a condition that is not `whole register == value`, nested
/// conditions, delays, extra controls with no table gate.
std::string emit_qasm2(const Circuit& c);

/// The IR listing printed by `qforge compile --emit ir`: a header (qubits,
/// clbits, registers, inputs with their symbol numbers, global phase), then
/// one operation per line, e.g.
///   `    3  if ({c0,c1} == 2) ctrl(2) @ rz(theta/2) q0, q1, q2    ; line 7`
/// Qubits and clbits are printed by index (q0, c0); parameters with the input
/// names; condition bits are listed least significant first.
std::string emit_ir(const Circuit& c);

/// The registers emitters and the drawing name wires with: Circuit::qregs
/// (cregs when `quantum` is false), or one array register `q` (`c`) over every
/// qubit (clbit) when that list is empty. Throws std::invalid_argument when a
/// qubit (clbit) belongs to no register or to two.
std::vector<Register> wire_registers(const Circuit& c, bool quantum);

}  // namespace qforge
