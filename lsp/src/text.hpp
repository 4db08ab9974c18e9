// text.hpp - document text and LSP positions (internal to the server).
//
// An LSP position is a zero-based line and a character offset in the
// negotiated encoding: UTF-16 code units (the default), UTF-8 bytes or
// UTF-32 code points. Lines end at "\n", "\r\n" or "\r". The front end's
// locations count lines from 1 and columns in code points from 1; these
// functions convert between the three.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace qforge::lsp {

enum class Encoding { Utf8, Utf16, Utf32 };

struct Position {
  int64_t line = 0;
  int64_t character = 0;
};

/// Byte offsets where each line of `text` starts (the first is 0).
std::vector<std::size_t> line_starts(const std::string& text);

/// The byte offset of position `p` in `text`. A character past the end of
/// its line means the line's end, a line past the last the end of the text;
/// a position inside a character (e.g. between the two UTF-16 units of an
/// emoji) means the end of that character.
std::size_t offset_of(const std::string& text, const std::vector<std::size_t>& starts, Position p, Encoding enc);

/// The position of byte offset `offset` of `text`.
Position position_of(const std::string& text, const std::vector<std::size_t>& starts, std::size_t offset,
                     Encoding enc);

/// The character offsets of line `line` (0-based) of `text` at each of its
/// code points and at its end: entry k is where code point k starts.
std::vector<int64_t> line_units(const std::string& text, const std::vector<std::size_t>& starts, std::size_t line,
                                Encoding enc);

/// The position of the front end's location line `line`, code point column
/// `col` (both 1-based; columns past the line's end count one unit each),
/// given the line_units of that line.
Position position_of_column(const std::vector<int64_t>& units, uint32_t line, uint32_t col);

/// The same, computing the line's units.
Position position_of_column(const std::string& text, const std::vector<std::size_t>& starts, uint32_t line,
                            uint32_t col, Encoding enc);

/// The front end's 1-based code point column of position `p` (its line is
/// p.line + 1).
uint32_t column_of(const std::string& text, const std::vector<std::size_t>& starts, Position p, Encoding enc);

/// Replace the text between `start` and `end` by `replacement` (an LSP
/// incremental change).
void apply_change(std::string& text, Position start, Position end, const std::string& replacement, Encoding enc);

/// file:///a%20b/c.qasm -> /a b/c.qasm; empty when `uri` is no file URI.
std::string path_of_uri(const std::string& uri);

}  // namespace qforge::lsp
