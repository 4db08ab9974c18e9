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
#include <stdexcept>
#include <string>
#include <vector>

namespace qforge {

struct SourceLoc {
  std::shared_ptr<const std::string> file;  ///< shared by every location of a file
  uint32_t line = 0;                        ///< 1-based; 0 when unknown
  uint32_t col = 0;                         ///< 1-based, in characters
};

enum class Severity : uint8_t { Error, Warning, Note };

/// Another place a diagnostic refers to, e.g. the earlier declaration of a
/// name declared twice.
struct RelatedLocation {
  RelatedLocation() = default;
  RelatedLocation(SourceLoc at, std::string what, SourceLoc stop = {})
      : loc(std::move(at)), message(std::move(what)), end(std::move(stop)) {}
  SourceLoc loc;
  std::string message;  ///< what is there ("'q' is first declared here")
  SourceLoc end;        ///< just after the range (line 0 when unknown)
};

struct Diagnostic {
  Severity severity = Severity::Error;
  SourceLoc loc;            ///< where the range starts
  std::string message;
  /// The text of loc.line, when known. A line longer than
  /// kMaxShownLineBytes is kept as a window around loc.col, marked "..." at
  /// a cut end (so that thousands of errors on one long line cost neither
  /// memory nor time in proportion to the line); source_line_col is the
  /// column of its first character (3 less than the window's first column
  /// when "..." starts it).
  std::string source_line;
  uint32_t source_line_col = 1;
  /// The stable code of the message's class ("QF2001"; see
  /// qforge/diagnostic_codes.hpp); empty when none was given.
  std::string code;
  /// Where the range ends: the position just after its last character
  /// (line 0 when unknown; the printed form shows loc alone).
  SourceLoc end;
  std::vector<RelatedLocation> related;
};

/// Lines longer than this many bytes are shown as a window (see Diagnostic).
inline constexpr std::size_t kMaxShownLineBytes = 240;

class DiagnosticSink {
 public:
  void report(Severity sev, SourceLoc loc, std::string message, std::string source_line = {});
  /// Add a diagnostic with all its fields (code, range, related locations).
  void report(Diagnostic d);
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

/// An error at a place in the program found after parsing: by an emitter, a
/// pass, routing, a target check, export or the executor. what() is the
/// message alone; drivers report it as a Diagnostic (diagnostic_of) so that
/// it reads `file:line:col: error: message` with the source line and caret.
/// It is an std::invalid_argument (the program cannot be taken as it is), so
/// callers that handle bad input keep working; drivers catch it first.
class LocatedError : public std::invalid_argument {
 public:
  LocatedError(SourceLoc loc, const std::string& message) : std::invalid_argument(message), loc_(std::move(loc)) {}
  const SourceLoc& loc() const { return loc_; }

 private:
  SourceLoc loc_;
};

/// The text of line loc.line of the file loc.file names, read from disk
/// (empty when the file cannot be read, e.g. a built-in library).
std::string read_source_line(const SourceLoc& loc);

/// The error diagnostic of `e`, with its source line read from disk.
Diagnostic diagnostic_of(const LocatedError& e);

}  // namespace qforge
