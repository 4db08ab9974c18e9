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
// index_symbols fills it from the syntax tree (qforge/ast.hpp) of the
// document and of the files it includes, with the language's scoping rules:
// gates, subroutines and externs are global; declarations belong to the
// block they are in; the arguments of gates and subroutines and loop
// variables to their bodies. A statement with a syntax error declares and
// uses nothing.
#pragma once

#include "qforge/ast.hpp"
#include "qforge/definitions.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
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
  std::string declaration; ///< as written (on one line), e.g. "qubit[3] q", "gate crz(θ) a, b"
  std::string type;        ///< of a declared variable or register as written: "qubit[4]", "float[64]"
  /// Where the name can be used: the block (or gate, subroutine or loop) it
  /// is declared in, from its declaration on; an empty file: the whole
  /// program from its declaration on (globals, gates and subroutines).
  SourceRange scope;
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

/// An included file's text and syntax tree.
struct ParsedFile {
  std::string text;
  ast::File tree;
};

/// Read and parse an included file (its syntax errors are the check's to report).
std::shared_ptr<const ParsedFile> parse_included(const std::string& path);

/// Included files parsed once and kept while they are unchanged on disk
/// (same modification time and size), across edits of the documents.
class IncludeCache {
 public:
  std::shared_ptr<const ParsedFile> get(const std::string& path);

 private:
  struct Entry {
    std::filesystem::file_time_type mtime;
    std::uintmax_t size = 0;
    std::shared_ptr<const ParsedFile> parsed;
  };
  std::map<std::string, Entry> files_;
};

/// Index the document named `file`, whose text is `text` and syntax tree
/// `tree`, and the files it includes, found as the front end finds them:
/// next to the including file, then in `include_dirs` (parsed through
/// `cache` when one is given).
SymbolIndex index_symbols(const ast::File& tree, const std::string& text, const std::string& file,
                          const std::vector<std::string>& include_dirs, IncludeCache* cache = nullptr);

/// A token an editor colours: a keyword, a literal or a name.
enum class TokenClass : uint8_t { Keyword, Number, String, Name };
struct LexicalToken {
  TokenClass cls;
  uint32_t line, col, end_col;  ///< 1-based, code points; end just after
};

/// The keywords, literals and names of `text`, in order (comments and
/// operators left out).
std::vector<LexicalToken> lexical_tokens(const std::string& text);

/// What the grammar allows at a cursor, as completion offers it.
enum class Place : uint8_t {
  StatementStart,  ///< a statement begins: its keywords, gates, names
  Expression,      ///< inside an expression: values, constants, functions
  QubitList,       ///< a gate call's (or measure's, reset's, barrier's) qubits
  BitList,         ///< after `->`: classical bits
  GateName,        ///< after a modifier's `@`: a gate
  Type,            ///< a type (after `const`, `input`, in a subroutine's arguments)
  Nothing,         ///< a new name, a file name, an operator: nothing to offer
};

struct CursorContext {
  Place place = Place::StatementStart;
  int version = 3;             ///< the file's OpenQASM version (2 after `OPENQASM 2.0;`)
  bool has_version = false;    ///< the cursor is after an `OPENQASM` line
  bool in_gate = false;        ///< inside a gate's body
  bool in_def = false;         ///< inside a subroutine's body
  bool in_loop = false;        ///< inside a for or while loop's body
  bool nested = false;         ///< inside any block (not at the top level)
  bool after_if = false;       ///< StatementStart just after an if's body: `else` may follow
  bool value = false;          ///< Expression right after `=` or `return`: `measure` may follow
  std::string call;            ///< QubitList: the name of the gate called (empty after measure, reset, barrier)
  std::string prefix;          ///< the part of a name (or `$n`) before the cursor
  std::size_t prefix_begin = 0;  ///< its byte offset
};

/// The context of the cursor at byte `offset` of `text`, from the tokens
/// before it (the partial word under the cursor left out).
CursorContext cursor_context(const std::string& text, std::size_t offset);

/// A statement at the top level of a file, as the tokens delimit it.
struct TopStatement {
  std::size_t begin = 0, end = 0;  ///< bytes, [begin, end): from its first token through its ';' or '}'
  /// `name q[0], q[1];` or `name(params) qubits;` with no assignment,
  /// arrow, braces or physical qubit: a gate call, which declares nothing.
  bool call = false;
  bool physical = false;  ///< a physical qubit `$n` is in it
  bool operator==(const TopStatement& o) const {
    return begin == o.begin && end == o.end && call == o.call && physical == o.physical;
  }
};

/// The top-level statements of `text` in order; text after the last
/// complete statement (one not yet ended) is a last statement that is not a
/// call. Comments are between statements, never in one's range ends.
std::vector<TopStatement> top_level_statements(const std::string& text);

/// True when `name` lexes as one identifier (not a keyword).
bool is_identifier(const std::string& name);

/// Every keyword of the language (the lexer's vocabulary), sorted.
std::vector<std::string> keywords();

}  // namespace qforge::lsp
