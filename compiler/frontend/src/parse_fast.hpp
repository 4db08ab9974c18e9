// The front end's fast path for the statement most files are made of: a
// gate call in its simple form, `name(params) operand, operand;`, read
// straight from the text into its syntax tree without ANTLR (see
// parse_fast.cpp). It declines anything else, and the statement is then
// parsed by ANTLR as before; what it accepts gets exactly the tree, spans
// and token count that ANTLR's parse gives. No ANTLR header here: the tests
// compare it with ast::parse_source.
#pragma once

#include "qforge/ast.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace qforge::frontend_detail {

/// A statement read by parse_simple_gate_call.
struct FastStatement {
  ast::StmtPtr stmt;        ///< an ast::GateCall
  std::size_t end = 0;      ///< the byte just after its ';'
  uint32_t end_line = 0;    ///< the line of end
  uint32_t end_col = 0;     ///< the column (1-based, in characters) of end
  std::size_t tokens = 0;   ///< its default-channel tokens (comments are not counted)
};

/// Read the gate call that starts at byte `begin` of `text` (line `line`,
/// column `col`, 1-based, in characters) in the form
///
///   name [ '(' [ expr {',' expr} [','] ] ')' ] operand {',' operand} [','] ';'
///
/// where an operand is `$n` or an identifier with index operators of
/// expressions (`q`, `q[0]`, `q[i + 1][2]`), and an expression is made of
/// decimal integer and floating-point literals, identifiers, calls
/// (`sin(x)`), parentheses, unary '-', and the binary operators `**`, `*`,
/// `/`, `+` and `-`; spaces, line breaks and comments may come between any
/// two tokens. Anything else (modifiers, a designator, ranges, keywords,
/// other literals or operators, characters outside ASCII, a missing ';',
/// deep nesting) returns false and leaves `out` unspecified. `file` is the
/// name every span of the tree points to.
bool parse_simple_gate_call(const std::string& text, std::size_t begin, uint32_t line, uint32_t col,
                            const std::string* file, FastStatement& out);

}  // namespace qforge::frontend_detail
