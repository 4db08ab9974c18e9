// qforge/utf8.hpp - character columns in UTF-8 text. Diagnostics, the
// syntax tree's spans and source lines count columns in characters
// (code points), 1-based; these find the bytes they stand for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace qforge {

/// A byte that continues a multi-byte UTF-8 character (10xxxxxx).
inline bool utf8_continuation(unsigned char ch) { return (ch & 0xC0) == 0x80; }

/// The byte offset of character column `col` (1-based) of the line that
/// starts at byte `begin` of `text`: `begin` moved forward by col - 1
/// characters, stopping at the end of the text.
inline std::size_t utf8_byte_of_column(const std::string& text, std::size_t begin, uint32_t col) {
  std::size_t i = begin;
  for (uint32_t c = 1; c < col && i < text.size(); ++c)
    do ++i; while (i < text.size() && utf8_continuation(static_cast<unsigned char>(text[i])));
  return i;
}

}  // namespace qforge
