// Diagnostics sink and printing (see qforge/diagnostics.hpp).
#include "qforge/diagnostics.hpp"

#include "qforge/utf8.hpp"

#include <algorithm>
#include <fstream>

namespace qforge {

void DiagnosticSink::report(Severity sev, SourceLoc loc, std::string message,
                            std::string source_line) {
  Diagnostic d;
  d.severity = sev;
  d.loc = std::move(loc);
  d.message = std::move(message);
  d.source_line = std::move(source_line);
  report(std::move(d));
}

namespace {

// Keep a long source line as the window of about kMaxShownLineBytes around
// the diagnostic's column (see Diagnostic::source_line).
void clip_source_line(Diagnostic& d) {
  std::string& line = d.source_line;
  if (line.size() <= kMaxShownLineBytes || d.loc.col == 0 || d.source_line_col != 1) return;
  const std::size_t at = utf8_byte_of_column(line, 0, d.loc.col);
  std::size_t begin = at > kMaxShownLineBytes / 3 ? at - kMaxShownLineBytes / 3 : 0;
  std::size_t end = std::min(line.size(), begin + kMaxShownLineBytes);
  while (begin > 0 && utf8_continuation(static_cast<unsigned char>(line[begin]))) --begin;
  while (end < line.size() && utf8_continuation(static_cast<unsigned char>(line[end]))) ++end;
  uint32_t first_col = 1;  // column of line[begin]
  for (std::size_t i = 0; i < begin; ++i)
    if (!utf8_continuation(static_cast<unsigned char>(line[i]))) ++first_col;
  std::string shown = begin > 0 ? "..." : "";
  shown.append(line, begin, end - begin);
  if (end < line.size()) shown += "...";
  d.source_line_col = begin > 0 ? first_col - 3 : 1;
  line = std::move(shown);
}

}  // namespace

void DiagnosticSink::report(Diagnostic d) {
  clip_source_line(d);
  if (d.severity == Severity::Error) ++errors_;
  diags_.push_back(std::move(d));
}

std::string format_diagnostic(const Diagnostic& d) {
  std::string out;
  if (d.loc.file) out += *d.loc.file + ":";
  if (d.loc.line > 0) {
    out += std::to_string(d.loc.line) + ":";
    if (d.loc.col > 0) out += std::to_string(d.loc.col) + ":";
  }
  if (!out.empty()) out += " ";
  out += d.severity == Severity::Error ? "error: " : d.severity == Severity::Warning ? "warning: " : "note: ";
  out += d.message + "\n";
  if (!d.source_line.empty() && d.loc.col > 0) {
    out += "    " + d.source_line + "\n    ";
    // Keep tabs so the caret lines up under tab-indented source.
    std::size_t col = d.source_line_col;
    for (std::size_t i = 0; i < d.source_line.size() && col < d.loc.col; ++i) {
      unsigned char ch = static_cast<unsigned char>(d.source_line[i]);
      if (utf8_continuation(ch)) continue;  // same column
      out += ch == '\t' ? '\t' : ' ';
      ++col;
    }
    out += "^\n";
  }
  return out;
}

std::string DiagnosticSink::format() const {
  std::string out;
  for (const auto& d : diags_) out += format_diagnostic(d);
  return out;
}

std::string read_source_line(const SourceLoc& loc) {
  if (!loc.file || loc.line == 0) return {};
  std::ifstream in(*loc.file, std::ios::binary);
  std::string text;
  for (uint32_t n = 0; n < loc.line; ++n)
    if (!std::getline(in, text)) return {};
  if (!text.empty() && text.back() == '\r') text.pop_back();
  return text;
}

Diagnostic diagnostic_of(const LocatedError& e) {
  Diagnostic d;
  d.loc = e.loc();
  d.message = e.what();
  d.source_line = read_source_line(e.loc());
  return d;
}

}  // namespace qforge
