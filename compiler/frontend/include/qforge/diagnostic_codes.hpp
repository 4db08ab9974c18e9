// qforge/diagnostic_codes.hpp - the stable codes of the front end's
// diagnostics.
//
// Every diagnostic of the front end carries a code "QFnxxx" naming its class
// of message; the first digit groups the classes:
//   QF0  the command line and internal errors   QF5  OpenQASM 2.0 strictness
//   QF1  syntax                                  QF6  files and includes
//   QF2  names and scopes                        QF7  encoding
//   QF3  types and operands                      QF8  unsupported features
//   QF4  constants and limits                    QF9  warnings
// A code, once given, keeps its meaning: classes are added with new codes,
// never renumbered. QF0000 is the fallback for a message no class matches
// (a test checks that no program reaches it).
#pragma once

#include "qforge/diagnostics.hpp"

#include <string>
#include <vector>

namespace qforge {

struct DiagnosticRule {
  const char* code;     ///< "QF2001"
  const char* name;     ///< "redeclared-name" (SARIF rule name)
  const char* summary;  ///< one line: what the class of message says
};

/// Every code, in code order (QF0000, the fallback, first).
const std::vector<DiagnosticRule>& diagnostic_rules();

/// The rule of `code`; nullptr when there is none.
const DiagnosticRule* find_diagnostic_rule(const std::string& code);

/// The code of a front-end message (its class is recognised from the text);
/// "QF0000" when no class matches.
std::string diagnostic_code(Severity severity, const std::string& message);

inline constexpr const char* kFallbackDiagnosticCode = "QF0000";

}  // namespace qforge
