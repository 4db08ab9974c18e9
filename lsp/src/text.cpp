// Document text and LSP positions (see text.hpp).
#include "text.hpp"

#include "qforge/lsp.hpp"

#include <algorithm>
#include <cctype>

namespace qforge::lsp {
namespace {

/// Length in bytes of the UTF-8 sequence starting with `b` (1 for a stray
/// continuation byte or an invalid lead byte, so that any text advances).
std::size_t sequence_length(unsigned char b) {
  if (b < 0xC0) return 1;
  if (b < 0xE0) return 2;
  if (b < 0xF0) return 3;
  if (b < 0xF8) return 4;
  return 1;
}

/// The units a character of `bytes` UTF-8 bytes takes in `enc`.
int64_t units(std::size_t bytes, Encoding enc) {
  switch (enc) {
    case Encoding::Utf8: return static_cast<int64_t>(bytes);
    case Encoding::Utf16: return bytes == 4 ? 2 : 1;
    case Encoding::Utf32: return 1;
  }
  return 1;
}

/// The end of line `line` (before its terminator).
std::size_t line_end(const std::string& text, const std::vector<std::size_t>& starts, std::size_t line) {
  std::size_t end = line + 1 < starts.size() ? starts[line + 1] : text.size();
  if (end > starts[line] && line + 1 < starts.size()) {
    --end;  // '\n' or a lone '\r'
    if (text[end] == '\n' && end > starts[line] && text[end - 1] == '\r') --end;
  }
  return end;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::vector<std::size_t> line_starts(const std::string& text) {
  std::vector<std::size_t> starts{0};
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      starts.push_back(i + 1);
    } else if (text[i] == '\r') {
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
      starts.push_back(i + 1);
    }
  }
  return starts;
}

std::size_t offset_of(const std::string& text, const std::vector<std::size_t>& starts, Position p, Encoding enc) {
  if (p.line < 0) return 0;
  if (static_cast<std::size_t>(p.line) >= starts.size()) return text.size();
  const std::size_t line = static_cast<std::size_t>(p.line);
  const std::size_t end = line_end(text, starts, line);
  std::size_t at = starts[line];
  int64_t left = p.character;
  while (left > 0 && at < end) {
    const std::size_t n = std::min(sequence_length(static_cast<unsigned char>(text[at])), end - at);
    left -= units(n, enc);
    at += n;
  }
  return at;
}

Position position_of(const std::string& text, const std::vector<std::size_t>& starts, std::size_t offset,
                     Encoding enc) {
  offset = std::min(offset, text.size());
  const std::size_t line =
      static_cast<std::size_t>(std::upper_bound(starts.begin(), starts.end(), offset) - starts.begin()) - 1;
  Position p{static_cast<int64_t>(line), 0};
  for (std::size_t at = starts[line]; at < offset;) {
    const std::size_t n = sequence_length(static_cast<unsigned char>(text[at]));
    p.character += units(n, enc);
    at += n;
  }
  return p;
}

std::vector<int64_t> line_units(const std::string& text, const std::vector<std::size_t>& starts, std::size_t line,
                                Encoding enc) {
  std::vector<int64_t> out{0};
  if (line >= starts.size()) return out;
  const std::size_t end = line_end(text, starts, line);
  for (std::size_t at = starts[line]; at < end;) {
    const std::size_t n = std::min(sequence_length(static_cast<unsigned char>(text[at])), end - at);
    out.push_back(out.back() + units(n, enc));
    at += n;
  }
  return out;
}

Position position_of_column(const std::vector<int64_t>& units, uint32_t line, uint32_t col) {
  Position p{line > 0 ? static_cast<int64_t>(line) - 1 : 0, 0};
  const std::size_t k = col > 0 ? col - 1 : 0;
  p.character = k < units.size() ? units[k] : units.back() + static_cast<int64_t>(k - (units.size() - 1));
  return p;
}

Position position_of_column(const std::string& text, const std::vector<std::size_t>& starts, uint32_t line,
                            uint32_t col, Encoding enc) {
  return position_of_column(line_units(text, starts, line > 0 ? line - 1 : 0, enc), line, col);
}

uint32_t column_of(const std::string& text, const std::vector<std::size_t>& starts, Position p, Encoding enc) {
  if (p.line < 0 || static_cast<std::size_t>(p.line) >= starts.size()) return 1;
  const std::size_t at = offset_of(text, starts, p, enc);
  uint32_t col = 1;
  for (std::size_t i = starts[static_cast<std::size_t>(p.line)]; i < at; ++col)
    i += sequence_length(static_cast<unsigned char>(text[i]));
  return col;
}

void apply_change(std::string& text, Position start, Position end, const std::string& replacement, Encoding enc) {
  const auto starts = line_starts(text);
  std::size_t a = offset_of(text, starts, start, enc), b = offset_of(text, starts, end, enc);
  if (b < a) std::swap(a, b);
  text.replace(a, b - a, replacement);
}

std::string path_of_uri(const std::string& uri) {
  const std::string scheme = "file://";
  if (uri.compare(0, scheme.size(), scheme) != 0) return {};
  std::string rest = uri.substr(scheme.size());
  // file://host/path: only the local host (empty or "localhost") is a path.
  const std::size_t slash = rest.find('/');
  if (slash == std::string::npos) return {};
  const std::string host = rest.substr(0, slash);
  if (!host.empty() && host != "localhost") return {};
  rest = rest.substr(slash);
  std::string out;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '%' && i + 2 < rest.size() + 0 && hex_value(rest[i + 1]) >= 0 && hex_value(rest[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(rest[i + 1]) * 16 + hex_value(rest[i + 2]));
      i += 2;
    } else if (rest[i] == '?' || rest[i] == '#') {
      break;
    } else {
      out += rest[i];
    }
  }
  return out;
}

std::string path_uri(const std::string& path) {
  std::string out = !path.empty() && path[0] == '/' ? "file://" : "";
  const char* hex = "0123456789ABCDEF";
  for (unsigned char ch : path) {
    if (std::isalnum(ch) || ch == '/' || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += hex[ch >> 4];
      out += hex[ch & 15];
    }
  }
  return out;
}

}  // namespace qforge::lsp
