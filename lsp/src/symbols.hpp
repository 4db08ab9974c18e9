// symbols.hpp - where a program declares and uses its names (internal to
// the server).
//
// A SymbolIndex holds every declared name (gates, subroutines, registers,
// inputs, outputs, constants, variables, aliases, loop variables and the
// parameters and qubit arguments of gates and subroutines) with the range
// of its name, and every use of a name resolved to its declaration, across
// the document and the files it includes. Built-in gates (the standard
// libraries and the language's own U, CX) are symbols without a range, so
// that uses find them and rename can refuse them.
//
// scan_symbols fills it from the token stream of the generated lexer with
// the language's scoping rules for declarations at statement level, gate and
// subroutine bodies and loops; an index built from a typed AST can fill the
// same structure.
#pragma once

#include "qforge/definitions.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace qforge::lsp {

/// A range in a file as the front end counts: lines from 1, columns in code
/// points from 1, the end just after the last character.
struct SourceRange {
  std::string file;  ///< as the front end names the file in its messages
  uint32_t line = 0, col = 0, end_line = 0, end_col = 0;
};

enum class SymbolKind : uint8_t {
  BuiltinGate,
  Gate,
  Subroutine,
  QubitRegister,
  ClassicalRegister,
  Input,
  Output,
  Constant,
  Variable,
  Alias,
  LoopVariable,
  GateParameter,
  GateQubit,
  SubroutineArgument,
};

struct Symbol {
  std::string name;
  SymbolKind kind = SymbolKind::Variable;
  SourceRange name_range;  ///< empty file for a built-in gate
  SourceRange statement;   ///< the declaration (a gate or subroutine: through its body)
  std::string declaration; ///< as written, e.g. "qubit[3] q", "gate crz(θ) a, b"
  std::size_t parent = kNone;  ///< the gate or subroutine whose argument this is
  GateLibrary library = GateLibrary::Builtin3;  ///< for a built-in gate
  uint8_t num_params = 0, num_qubits = 0;       ///< for gates

  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
};

/// One written name: its declaration or a use.
struct Occurrence {
  std::size_t symbol = 0;
  SourceRange range;
  bool declaration = false;
  SourceRange statement;  ///< the statement it is part of (where it starts)
};

class SymbolIndex {
 public:
  /// Add a symbol; its declaration is an occurrence unless it is built in.
  std::size_t add_symbol(Symbol s);
  void add_use(std::size_t symbol, SourceRange range, SourceRange statement);
  /// Remember the text of a file the index covers (for position conversion).
  void add_file(const std::string& name, std::string text);

  const std::vector<Symbol>& symbols() const { return symbols_; }
  const std::vector<Occurrence>& occurrences() const { return occurrences_; }
  /// The text of a file the index covers, or nullptr.
  const std::string* file_text(const std::string& name) const;
  /// The occurrence at line/col (1-based, code points) of `file`: the name
  /// containing that column or ending just before it; nullptr if none.
  const Occurrence* occurrence_at(const std::string& file, uint32_t line, uint32_t col) const;
  /// Every occurrence of `symbol`, declaration first, in file order.
  std::vector<const Occurrence*> occurrences_of(std::size_t symbol) const;
  /// The built-in gate libraries the program includes (and OpenQASM 2's
  /// own gates when it declares version 2).
  std::vector<GateLibrary> libraries;
  /// Each included file (by name) -> the include statement that reads it.
  std::map<std::string, SourceRange> include_sites;

 private:
  std::vector<Symbol> symbols_;
  std::vector<Occurrence> occurrences_;
  std::map<std::string, std::string> files_;
};

/// Index `text` (the document named `file`) and the files it includes,
/// found as the front end finds them: next to the including file, then in
/// `include_dirs`. Text that does not lex is indexed up to where it stops.
SymbolIndex scan_symbols(const std::string& text, const std::string& file,
                         const std::vector<std::string>& include_dirs);

/// A token an editor colours: a keyword, a literal or a name.
enum class TokenClass : uint8_t { Keyword, Number, String, Name };
struct LexicalToken {
  TokenClass cls;
  uint32_t line, col, end_col;  ///< 1-based, code points; end just after
};

/// The keywords, literals and names of `text`, in order (comments and
/// operators left out).
std::vector<LexicalToken> lexical_tokens(const std::string& text);

/// True when `name` lexes as one identifier (not a keyword).
bool is_identifier(const std::string& name);

/// Every keyword of the language (the lexer's vocabulary), sorted.
std::vector<std::string> keywords();

}  // namespace qforge::lsp
