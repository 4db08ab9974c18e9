// qforge/diagnostics.hpp - user-facing diagnostics collected in a sink.
//
// The front end and passes report into a DiagnosticSink and return; the
// driver decides how to print. A message reads
//   file:line:col: error: message
//       <source line>
//       ^
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace qforge {

struct SourceLoc {
  std::shared_ptr<const std::string> file;  ///< shared by every location of a file
  uint32_t line = 0;                        ///< 1-based; 0 when unknown
  uint32_t col = 0;                         ///< 1-based, in characters
};

enum class Severity : uint8_t { Error, Warning, Note };

struct Diagnostic {
  Severity severity = Severity::Error;
  SourceLoc loc;
  std::string message;
  std::string source_line;  ///< the text of loc.line, when known
};

class DiagnosticSink {
 public:
  void report(Severity sev, SourceLoc loc, std::string message, std::string source_line = {});
  void error(SourceLoc loc, std::string message, std::string source_line = {}) {
    report(Severity::Error, std::move(loc), std::move(message), std::move(source_line));
  }
  void warning(SourceLoc loc, std::string message, std::string source_line = {}) {
    report(Severity::Warning, std::move(loc), std::move(message), std::move(source_line));
  }
  bool has_errors() const { return errors_ > 0; }
  std::size_t error_count() const { return errors_; }
  const std::vector<Diagnostic>& all() const { return diags_; }
  /// Every diagnostic in the printed form above, one after another.
  std::string format() const;

 private:
  std::vector<Diagnostic> diags_;
  std::size_t errors_ = 0;
};

/// Format one diagnostic (with its source line and caret when known).
std::string format_diagnostic(const Diagnostic& d);

}  // namespace qforge
