// qforge/format.hpp - the canonical layout of an OpenQASM 3 or 2 file
// (`qforge fmt`).
//
// The text is printed again from its syntax tree (qforge/ast.hpp): two-space
// indentation, one statement a line, `{` on the line of its statement,
// single spaces around binary operators and after commas, at most one blank
// line where the source had one or more. Numbers, names and strings are
// printed as written, and so is every parenthesis the source has (the tree
// keeps them), so the formatted program means what the original meant.
// Every comment stays where it was: above its statement, after it on its
// line, inside it (a `//` comment ends its line there), or before the `}`
// (or the end of the file) it precedes. Calibration blocks (`cal`, `defcal`)
// are kept as written, pragmas and annotations keep their content (`#pragma`
// is written `pragma`), and line ends are LF.
#pragma once

#include "qforge/ast.hpp"
#include "qforge/diagnostics.hpp"

#include <optional>
#include <string>

namespace qforge::format {

/// The formatted text of `file`, parsed from `source`. `file` must have no
/// syntax errors (File::has_errors false).
std::string format_file(const ast::File& file, const std::string& source);

/// Parse `source` (named `filename` in messages) and format it; nullopt
/// when it has syntax errors, which go to `diags` as `qforge check` reports
/// them.
std::optional<std::string> format_source(const std::string& source, const std::string& filename,
                                         DiagnosticSink& diags);

}  // namespace qforge::format
