// The stable codes of the front end's diagnostics (see
// qforge/diagnostic_codes.hpp). Syntax errors get their code where they are
// made (parse.cpp); every other message is recognised here by its text, so
// that the many places that report errors stay as they are. Patterns are
// tried in order; the first match gives the code.
#include "qforge/diagnostic_codes.hpp"


namespace qforge {
namespace {

const std::vector<DiagnosticRule> kRules = {
    {"QF0000", "unclassified", "a message of no known class (a test keeps every message classified)"},
    {"QF0001", "internal-error", "internal error: the front end built an invalid IR"},
    {"QF0002", "bad-binding", "a --set binding names no input or has the wrong number of values"},
    // syntax
    {"QF1001", "unexpected-character", "a character no token starts with"},
    {"QF1002", "expected-token", "a token is missing: expected ';', ')', ']' or another token"},
    {"QF1003", "unexpected-token", "a token that cannot appear here"},
    {"QF1004", "unexpected-end-of-file", "the file ends inside a statement or an unclosed '{'"},
    {"QF1005", "syntax-error", "another syntax error, in the parser's words"},
    {"QF1006", "too-many-syntax-errors", "the file has so many syntax errors that checking stops (a fixed limit)"},
    // names and scopes
    {"QF2001", "redeclared-name", "a name declared twice in one scope (related: the first declaration)"},
    {"QF2002", "redefined-callable", "a gate or subroutine defined twice (related: the first definition)"},
    {"QF2003", "redefined-builtin-gate", "a definition of a built-in gate or a gate of stdgates.inc"},
    {"QF2004", "undefined-name", "a name that is not declared"},
    {"QF2005", "undefined-gate", "a gate that is not defined (or whose library is not included)"},
    {"QF2006", "undefined-function", "a function that is not defined"},
    {"QF2007", "outside-gate-name", "a gate body uses a name declared outside it"},
    {"QF2008", "not-at-top-level", "a declaration that must be at the top level is inside a block"},
    {"QF2009", "duplicate-gate-argument", "a parameter or qubit named twice in one gate definition"},
    {"QF2010", "return-outside-subroutine", "'return' outside a subroutine"},
    {"QF2011", "recursion", "a gate or subroutine that calls itself"},
    {"QF2012", "gate-body-statement", "a statement other than a gate call in a gate body"},
    {"QF2013", "jump-outside-loop", "'break' or 'continue' outside a loop"},
    // types and operands
    {"QF3001", "wrong-value-kind", "a value of the wrong kind: a number, an integer or a boolean was expected"},
    {"QF3002", "operator-type", "an operator, cast or index applied to values it does not take"},
    {"QF3003", "wrong-name-kind", "a name of the wrong kind: qubits, bits, a gate or a value was expected"},
    {"QF3004", "argument-count", "a gate or subroutine called with the wrong number of parameters or arguments"},
    {"QF3005", "duplicate-qubit", "one qubit used twice in one gate call"},
    {"QF3006", "register-size-mismatch", "registers of different sizes in one broadcast gate call"},
    {"QF3007", "measure-size-mismatch", "a measurement into a different number of bits than qubits"},
    {"QF3008", "bad-assignment", "an assignment to a constant, an input, or of a measurement to a non-bit"},
    {"QF3009", "input-type", "an input of a type other than float, angle or int"},
    {"QF3010", "physical-virtual-mix", "physical qubits ($n) and declared qubits in one program"},
    // constants and limits
    {"QF4001", "not-constant", "a value that must be a compile-time constant is not"},
    {"QF4002", "overflow", "a number that does not fit in 64 bits or in a float"},
    {"QF4003", "division-by-zero", "a division or modulo by zero"},
    {"QF4004", "out-of-range", "an index, range, shift or physical qubit out of range"},
    {"QF4005", "non-positive-size", "a size, count or step that must be positive (or non-zero) is not"},
    {"QF4006", "size-limit", "more qubits, bits, controls or operations than the fixed limits allow"},
    {"QF4007", "iteration-limit", "loops, pow repetitions or gate expansions beyond the fixed limits"},
    {"QF4008", "nesting-limit", "nesting deeper than the fixed limits (expressions, blocks, gates, calls, includes)"},
    // OpenQASM 2.0
    {"QF5001", "openqasm3-feature", "an OpenQASM 3 feature in a file that declares OPENQASM 2.0"},
    {"QF5002", "openqasm2-form", "OpenQASM 2.0 requires another form of the statement"},
    {"QF5003", "unsupported-version", "an OpenQASM version other than 2.0 and 3.x"},
    // files and includes
    {"QF6001", "include-not-found", "an included file that cannot be found"},
    {"QF6002", "unreadable-file", "a file that cannot be read (or does not exist)"},
    {"QF6003", "include-cycle", "files that include each other"},
    {"QF6004", "library-version", "stdgates.inc in OpenQASM 2, or qelib1.inc in OpenQASM 3"},
    // encoding
    {"QF7001", "invalid-utf8", "source text that is not UTF-8"},
    // unsupported features
    {"QF8001", "run-time-classical",
     "run-time classical logic of a form not supported (arrays of run-time values, returning a measurement inside "
     "run-time control flow, ...)"},
    {"QF8002", "input-expression", "an expression or condition on inputs that must be known at compile time"},
    {"QF8003", "unsupported-type",
     "complex numbers, durations, stretches, array operations and other types not supported (and `durationof` of "
     "what has no known duration)"},
    {"QF8004", "calibration-extern", "defcal, cal, extern and opaque declarations"},
    {"QF8005", "unsupported-call-form", "gate call forms not supported: non-integer pow, durations, results of quantum calls"},
    {"QF8006", "unsupported-expression", "an expression or operator that is not supported"},
    // warnings
    {"QF9001", "delay-dropped", "delay is dropped (CompileOptions::keep_delay_and_box off)"},
    {"QF9002", "box-lowered", "box is lowered to its contents"},
    {"QF9003", "defcalgrammar-ignored", "defcalgrammar is ignored"},
    {"QF9004", "output-ignored", "output declarations are ignored (no longer reported: outputs are kept)"},
    {"QF9005", "stretch-zero", "a stretch is resolved to zero (no timing model)"},
    {"QF9006", "set-alias", "Qiskit's register concatenation `let a = {b, c};` (not OpenQASM 3 grammar) read as `b ++ c`"},
};

/// A class of messages: alternatives separated by '|', each a sequence of
/// literal pieces separated by '*' (any text); '^' at the start and '$' at
/// the end anchor it. No regular expressions: messages quote user text of
/// any length, and matching stays linear in it.
struct Pattern {
  const char* code;
  const char* alternatives;
};

// Tried in order: specific classes before the general ones they overlap.
const Pattern kPatterns[] = {
    {"QF0001", "^internal error"},
    {"QF0002", "^--set "},
    {"QF1006", "^too many syntax errors"},
    {"QF7001", "^invalid UTF-8"},
    // OpenQASM 2.0 strictness and versions
    {"QF5001", " is not OpenQASM 2.0; a file that uses it must declare OPENQASM 3.0$"},
    {"QF5002", "^OpenQASM 2.0 requires|^OpenQASM 2.0 declares|^OpenQASM 2.0 measures|^OpenQASM 2.0 indexes|"
               "^OpenQASM 2.0 conditions"},
    {"QF5003", "^unsupported OpenQASM version"},
    // includes and files
    {"QF6004", "^stdgates.inc is an OpenQASM 3 library|^qelib1.inc is an OpenQASM 2 library"},
    {"QF6003", "^include cycle"},
    {"QF6001", "^cannot find included file"},
    {"QF6002", "^cannot read included file|^cannot read file$|^no such file$"},
    // limits
    {"QF4008", "nests too deeply|^gate definitions are inlined more than * deep|^includes nest more than|"
               "^subroutine calls nest too deeply"},
    {"QF4007", "^loop has more than|^loops run more than|^while loop did not finish|^pow(*) repeats gate|"
               "calls of defined gates are inlined"},
    {"QF4006", "^too many qubits (|^too many bits (|^the circuit has more than|^ctrl(*) has more controls than"},
    // names and scopes
    {"QF2001", "' is already declared (at "},
    {"QF2002", "^gate '*' is already defined (at |^subroutine '*' is already defined (at "},
    {"QF2003", "' is already defined in stdgates.inc$|' is a built-in gate and cannot be redefined$"},
    {"QF2009", "' appears twice in the definition of gate '"},
    {"QF2005", "^undefined gate '"},
    {"QF2006", "^undefined function '"},
    {"QF2004", "^undefined name '"},
    {"QF2007", "^the body of gate '*' can only use its own qubit arguments|^the body of gate '*' can only use its parameters"},
    {"QF2008", " must be at the top level of the program$|^qubits must be declared at the top level"},
    {"QF2010", "^'return' outside a subroutine$"},
    {"QF2013", "^'break' outside a loop$|^'continue' outside a loop$"},
    {"QF2011", "' calls itself"},
    {"QF2012", "^nested scopes are not allowed in a gate body$|^only gate calls are allowed in the body of gate '"},
    // not constant (before "run-time": "... depends on run-time results")
    {"QF4001", "must be a compile-time constant|needs a compile-time constant value|' has no compile-time value$|"
               "' is used before it is given a value$"},
    // unsupported features (before the type classes: "cannot ... run-time")
    {"QF8004", "^extern functions are not supported|^defcal calibration blocks are not supported$|"
               "^cal calibration blocks are not supported$|^opaque gate declarations are not supported$"},
    {"QF8001", "run-time|^a loop at run time|^measured bits can only be compared|^a condition must be a comparison of measured bits|"
               "^'else' after a condition on several comparisons"},
    {"QF8002", "input parameters|^conditions on inputs are not supported$"},
    {"QF8005", "with a non-integer exponent is not supported|^gate durations|^modifiers on subroutine calls|"
               "^assigning the result of a gate call|^returning the result of a quantum call|"
               "^compound assignment of a measurement|^the built-in function '*' is not supported$|"
               "' is not a measurement; a gate call takes no '->'$"},
    {"QF8003", "^complex numbers are not supported$|^stretch variables are not supported$|"
               "^duration variables are not supported$|^array concatenation is not supported$|"
               "^array slices are not supported|^array and creg arguments|^casts to arrays|^assigning to array slices|"
               "^multi-dimensional indexing|^durationof needs the duration of |^durationof of a block with |"
               "^delay needs a constant duration|^cannot combine durations in |^unsupported arithmetic on durations$|^bits start at 0; initialising"},
    {"QF8006", "^unsupported expression$|^unsupported operator '"},
    // constants
    {"QF4002", "does not fit in 64 bits|is too large for a float$"},
    {"QF4003", "^division by zero$|^modulo by zero$"},
    {"QF4004", "out of range|^shift by "},
    {"QF4005", " must be positive, got |^a type width must be |must not be zero$|) needs a positive count|^a loop range needs a start and an end"},
    // types and operands
    {"QF3010", "^cannot declare qubits in a program that uses physical qubits|^cannot use physical qubits ($n) in a program"},
    {"QF3005", " is used twice in one gate call$"},
    {"QF3006", "^registers in one gate call must have the same size"},
    {"QF3007", "^measure needs as many bits as qubits|^cannot assign the measurement of "},
    {"QF3008", "^cannot assign to |^a measurement can only be stored in bits|^cannot assign a |^cannot assign an "},
    {"QF3009", "^input '*' must be float, angle or int"},
    {"QF3004", "' expects * parameter|' expects * argument|' expects * classical and |' with * expects |^argument '*' of '"},
    {"QF3001", " must be a number, got |must be an integer, got "},
    {"QF3002", "^operator '*' needs |^operator '*' is not defined on |^the condition of '|^switch needs an integer|"
               "' cannot hold a value computed at run time$|^'default' must be the last case|^popcount needs |"
               "' needs bits or an integer|needs integer bounds, got |^cannot negate |^cannot apply |^cannot index |^cannot cast |^cannot combine |"
               "^cannot loop over |^'~' needs a constant integer$|^too many indices$"},
    {"QF3003", "^'*' is a qubit|^'*' is a gate|^'*' is a subroutine|^'*' is a bit register|^'*' is not a|"
               "^'*' is a single |^'*' is a parameter of gate|^cannot use '*' here$|^expected qubits$|"
               "^a physical qubit cannot be used as a value$|^gate '*' needs qubit operands$|"
               "^gate argument '*' is a single qubit"},
    // warnings
    {"QF9001", "^delay is dropped$"},
    {"QF9002", "^box is lowered to its contents"},
    {"QF9003", "^defcalgrammar is ignored"},
    {"QF9004", "^output declarations are ignored"},
    {"QF9005", "^stretch '*' is resolved to zero"},
    {"QF9006", "= {...}' is Qiskit's register concatenation"},
};

/// True when `text` matches one alternative of the form above.
bool matches_alternative(const std::string& text, std::string alt) {
  const bool anchored_start = !alt.empty() && alt.front() == '^';
  if (anchored_start) alt.erase(0, 1);
  const bool anchored_end = !alt.empty() && alt.back() == '$';
  if (anchored_end) alt.pop_back();
  std::vector<std::string> pieces;
  std::size_t b = 0;
  for (std::size_t star; (star = alt.find('*', b)) != std::string::npos; b = star + 1) pieces.push_back(alt.substr(b, star - b));
  pieces.push_back(alt.substr(b));
  std::size_t pos = 0;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    const std::string& p = pieces[i];
    const bool last = i + 1 == pieces.size();
    if (last && anchored_end) {
      // The last piece ends the text, after everything matched so far.
      if (text.size() < p.size() || text.size() - p.size() < pos) return false;
      if (text.compare(text.size() - p.size(), p.size(), p) != 0) return false;
      if (i == 0 && anchored_start && text.size() != p.size()) return false;
      return true;
    }
    if (i == 0 && anchored_start) {
      if (text.compare(0, p.size(), p) != 0) return false;
      pos = p.size();
      continue;
    }
    std::size_t at = text.find(p, pos);
    if (at == std::string::npos) return false;
    pos = at + p.size();
  }
  return true;
}

bool matches(const std::string& text, const char* alternatives) {
  std::string all = alternatives;
  std::size_t b = 0;
  for (std::size_t bar; ; b = bar + 1) {
    bar = all.find('|', b);
    if (matches_alternative(text, all.substr(b, bar == std::string::npos ? std::string::npos : bar - b))) return true;
    if (bar == std::string::npos) return false;
  }
}

}  // namespace

const std::vector<DiagnosticRule>& diagnostic_rules() { return kRules; }

const DiagnosticRule* find_diagnostic_rule(const std::string& code) {
  for (const auto& r : kRules)
    if (code == r.code) return &r;
  return nullptr;
}

std::string diagnostic_code(Severity severity, const std::string& message) {
  const bool warning = severity == Severity::Warning;
  for (const auto& p : kPatterns) {
    // Warnings have their own codes (QF9xxx), errors all the others.
    if ((p.code[2] == '9') != warning) continue;
    if (matches(message, p.alternatives)) return p.code;
  }
  return kFallbackDiagnosticCode;
}

}  // namespace qforge
