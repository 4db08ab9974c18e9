// qforge/emit.hpp - text forms of the IR: OpenQASM 3, OpenQASM 2, the IR
// listing, statistics and a text drawing.
#pragma once

#include "qforge/circuit.hpp"

#include <map>
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
/// the reader does not accept). With opt.global_phase, a final `gphase(...)`
/// makes the read global phase equal the IR's (the reader adds
/// -(phi+lambda)/2 for every u2 and u3 line outside `if`, see frontend.hpp;
/// a phase inside a branch is unobservable and not recorded). Throws
/// std::invalid_argument for IR it cannot name (a qubit in no register, a
/// symbolic delay).
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

/// The name statistics count a gate under: the table name without extra
/// controls; with extra controls, the target gate with one `c` per control
/// in all for up to two controls and `c<k>` beyond (ctrl @ x -> "cx",
/// ctrl @ cx -> "ccx", ctrl(3) @ x -> "c3x", ctrl @ rzz -> "crzz",
/// ctrl(2) @ crz -> "c3rz"). When that name is a table gate, it is the same
/// matrix (so the OpenQASM 2 emitter folds controls with it).
std::string gate_count_name(const Operation& op);

/// Counts per operation. Measure, reset and delay count once per qubit they
/// act on (each is a one-qubit instruction); a barrier counts once under
/// "barrier" and is excluded from `total` and `depth`.
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
};
CircuitStats circuit_stats(const Circuit& c);
std::string stats_text(const CircuitStats& s);
std::string stats_json(const CircuitStats& s);

/// A text drawing, wires left to right, in the style of Qiskit's text drawer:
/// three text rows per qubit (neighbouring rows merged), one `═` wire per
/// classical register at the bottom (`c: 2/`), boxes with parameters
/// (`Rz(π/2)`), `■` controls, `X` swaps, `┤M├` measures with `╩` on the
/// register and the bit index below it, `░` barriers. Each operation goes in
/// the leftmost column after its wires' previous operations where its whole
/// row range (min..max, crossed by its vertical line) is free. With
/// max_width > 0, the drawing folds into blocks at most max_width characters
/// wide (`»` ... `«`, as Qiskit does); a single column wider than that is not
/// split. Trailing spaces are trimmed; every line ends with '\n'.
std::string draw_text(const Circuit& c, int max_width = 0);

}  // namespace qforge

namespace qforge {

/// The circuit as a diagram in the style of Qiskit's matplotlib drawer, as
/// SVG text: one wire per qubit (named by register, `q[0]`), one double wire
/// per classical register, gates as coloured boxes with their name and
/// parameters (inputs by name, `π/2`), ● controls, ⊕ targets of controlled
/// X, × swaps, a meter for measures with a double line to the classical
/// wire, dashed barriers, `if` conditions above the box. Operations are placed
/// in columns as draw_text places them. Throws std::invalid_argument when a
/// qubit belongs to no register (as wire_registers does).
std::string draw_svg(const Circuit& c);

/// The same diagram rasterised (cairo) as PNG bytes, `scale` pixels per SVG
/// unit. Throws std::runtime_error when cairo fails.
std::string draw_png(const Circuit& c, double scale = 2.0);

}  // namespace qforge
