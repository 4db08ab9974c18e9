// qforge/draw.hpp - pictures of a circuit: text (`qforge draw`), SVG and
// PNG (`qforge draw --format svg|png`, the report's circuit figures).
#pragma once

#include "qforge/circuit.hpp"

#include <string>

namespace qforge {

/// A text drawing, wires left to right, in the style of Qiskit's text drawer:
/// three text rows per qubit (neighbouring rows merged), one `═` wire per
/// classical register at the bottom (`c: 2/`), boxes with parameters
/// (`Rz(π/2)`), `■` controls, `X` swaps, `┤M├` measures with `╩` on the
/// register and the bit index below it, `░` barriers, conditions as a
/// double line down to a box on the register's wire (`╡ 0x1 ╞`,
/// `╡ c_1=0x1 ╞`) or a bullet on a lone bit's wire, control flow as
/// Qiskit's text drawer draws it (`If-0`, `Else-0`, `End-0`). Each operation goes in
/// the leftmost column after its wires' previous operations where its whole
/// row range (min..max, crossed by its vertical line) is free. With
/// max_width > 0, the drawing folds into blocks at most max_width characters
/// wide (`»` ... `«`, as Qiskit does); a single column wider than that is not
/// split. Trailing spaces are trimmed; every line ends with '\n'.
std::string draw_text(const Circuit& c, int max_width = 0);


/// The circuit as a diagram in the style of Qiskit's matplotlib drawer, as
/// SVG text: one wire per qubit (named by register, `q[0]`), one double wire
/// per classical register, gates as coloured boxes with their name and
/// parameters (inputs by name, `π/2`), ● controls, ⊕ targets of controlled
/// X, × swaps, a meter for measures with a double line to the classical
/// wire, dashed barriers, conditions as a double line down to a circle on
/// the register's wire with the value under it (`0x1`, `c_1=0x1`; filled
/// unless the value is 0), control flow as pale boxes (`If-0`, `Else-0`,
/// `End-0`) with their conditions marked the same way. Operations are placed
/// in columns as draw_text places them. Throws std::invalid_argument when a
/// qubit belongs to no register (as wire_registers does).
std::string draw_svg(const Circuit& c);

/// The same diagram rasterised (cairo) as PNG bytes, `scale` pixels per SVG
/// unit. Throws std::runtime_error when cairo fails.
std::string draw_png(const Circuit& c, double scale = 2.0);

}  // namespace qforge
