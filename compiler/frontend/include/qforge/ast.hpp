// qforge/ast.hpp - the syntax tree of an OpenQASM 3 or 2 file.
//
// One node per statement, expression, type and name, each with its span in
// the source; comments are kept as trivia of the statement they belong to
// (see Trivia). The tree holds the program as written (no names resolved,
// no constants folded, includes not read): it is what a formatter or an
// editor works on, and what compile_source checks and lowers (one top-level
// statement at a time, without comments). `parse_source`/`parse_file` build
// a whole file's tree without checking or lowering the program; syntax
// errors are reported exactly as compile_source reports them.
#pragma once

#include "qforge/diagnostics.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace qforge::ast {

/// Where a node is. Lines and columns are 1-based, columns count characters
/// (as in diagnostics); (end_line, end_col) is just after the last character.
/// `begin` and `end` are byte offsets into the file's text, [begin, end).
struct Span {
  const std::string* file = nullptr;  ///< the file's name (File::name); null for an empty span
  uint32_t line = 0, col = 0;
  uint32_t end_line = 0, end_col = 0;
  std::size_t begin = 0, end = 0;
};

/// A comment as written, `// ...` (without its line break) or `/* ... */`.
struct Comment {
  std::string text;
  Span span;
  bool is_block() const { return text.rfind("/*", 0) == 0; }
};

/// The comments around a statement. Every comment of a file belongs to
/// exactly one place: the leading comments of the statement after it, the
/// trailing comments of the statement that ends on its line, the interior
/// comments of the statement it is inside of, or the closing comments of the
/// block (or file) it ends.
struct Trivia {
  std::vector<Comment> leading;   ///< on the lines before the statement
  std::vector<Comment> trailing;  ///< after it, starting on its last line
  std::vector<Comment> interior;  ///< between its tokens (not in a nested statement)
};

struct Identifier {
  std::string name;
  Span span;
};

struct Expr;
struct Stmt;
struct Block;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;

/// A type as written: `int[32]`, `qubit[4]`, `array[float[64], 2, 3]`,
/// `readonly array[int, #dim = 2]`, and in subroutine arguments `creg c[2]`.
struct Type {
  enum class Kind { Bit, Int, Uint, Float, Angle, Bool, Duration, Stretch, Complex, Qubit, Array, ArrayRef, CReg, QReg };
  Kind kind = Kind::Bit;
  Span span;
  ExprPtr size;                    ///< the designator `[n]` when written
  std::unique_ptr<Type> element;   ///< Complex (`complex[float]`), Array, ArrayRef
  std::vector<ExprPtr> dims;       ///< Array, ArrayRef: the sizes
  ExprPtr dim_count;               ///< ArrayRef with `#dim = n`
  bool is_mutable = false;         ///< ArrayRef: `mutable` (else `readonly`)
};

/// `[...]` after a name or an expression: expressions, ranges, or one set.
struct IndexOp {
  Span span;
  std::vector<ExprPtr> items;
};

struct Expr {
  enum class Kind {
    Literal,      ///< `text` as written; `literal` says which
    Identifier,   ///< `name`, with `indices` when written as an operand (`q[0][1]`)
    Paren,        ///< (operands[0])
    Unary,        ///< `op` operands[0]
    Binary,       ///< operands[0] `op` operands[1]
    Index,        ///< operands[0] indices[0]
    Call,         ///< name(operands...)
    Cast,         ///< type(operands[0])
    Durationof,   ///< durationof(block)
    Range,        ///< start:stop or start:step:stop; absent parts are null
    Set,          ///< {operands...}
    ArrayLiteral, ///< {operands...}, nested literals as elements
    Concat,       ///< operands[0] ++ operands[1] ++ ... (declarations and aliases)
    Measure,      ///< measure qubits[0]
    QuantumCall,  ///< name(operands...) qubits... (a call that takes qubits)
  };
  enum class Literal { None, Integer, Float, Imaginary, Bool, Bitstring, Timing, HardwareQubit };

  Kind kind = Kind::Literal;
  Span span;
  Literal literal = Literal::None;
  std::string text;              ///< Literal: as written; Unary, Binary: the operator
  Identifier name;               ///< Identifier, Call, QuantumCall
  std::vector<ExprPtr> operands;
  std::vector<IndexOp> indices;  ///< Identifier, Index
  std::vector<ExprPtr> qubits;   ///< Measure, QuantumCall
  std::unique_ptr<Type> type;    ///< Cast
  std::unique_ptr<Block> block;  ///< Durationof
  /// Range: which of start, step and stop are written (`::2` is a step alone).
  ExprPtr start, step, stop;
  bool two_colons = false;  ///< Range: written with two colons (`0::4` has an empty step)

  Expr();
  ~Expr();
  Expr(Expr&&) noexcept;
  Expr& operator=(Expr&&) noexcept;
};

/// `@name rest of the line` before a statement.
struct Annotation {
  std::string keyword;  ///< with its '@'
  std::string content;  ///< the rest of the line, trimmed; may be empty
  Span span;
};

enum class StmtKind {
  Invalid,  ///< a statement with syntax errors (its span only)
  Pragma, Block, Include, CalibrationGrammar,
  // definitions
  GateDef, Def, Extern, Cal, Defcal,
  // quantum statements
  GateCall, Measure, Reset, Barrier, Delay, Nop, Box,
  // declarations
  ClassicalDecl, ConstDecl, IoDecl, OldStyleDecl, QuantumDecl, AliasDecl,
  // classical statements and control flow
  Assignment, ExpressionStmt, If, For, While, Switch, Break, Continue, End, Return,
};

/// A statement. Each kind is a struct below whose `kind` names it: cast with
/// `static_cast<const ast::GateCall&>(s)` after checking `s.kind`.
struct Stmt {
  explicit Stmt(StmtKind k) : kind(k) {}
  virtual ~Stmt() = default;
  Stmt(Stmt&&) = default;
  Stmt& operator=(Stmt&&) = default;
  StmtKind kind;
  Span span;  ///< from the first annotation or token to the ';' or '}'
  Trivia trivia;
  std::vector<Annotation> annotations;
};

/// `{ ... }`: a scope, or the body of a gate, subroutine, loop, branch or box.
struct Block : Stmt {
  Block() : Stmt(StmtKind::Block) {}
  std::vector<StmtPtr> statements;
  std::vector<Comment> closing_comments;  ///< after the last statement, before the '}'
};

struct Pragma : Stmt {
  Pragma() : Stmt(StmtKind::Pragma) {}
  std::string content;  ///< the rest of the line after `pragma`
};

struct Include : Stmt {
  Include() : Stmt(StmtKind::Include) {}
  std::string path;  ///< without quotes
  Span path_span;    ///< of the quoted name
};

struct CalibrationGrammar : Stmt {
  CalibrationGrammar() : Stmt(StmtKind::CalibrationGrammar) {}
  std::string name;  ///< without quotes
};

struct GateDef : Stmt {
  GateDef() : Stmt(StmtKind::GateDef) {}
  Identifier name;
  bool parens = false;  ///< `gate g() a` writes (empty) parentheses
  std::vector<Identifier> params, qubits;
  Block body;
};

/// A subroutine argument: `float x`, `qubit[2] q`, `creg c[2]`,
/// `readonly array[int, 2] a`.
struct Argument {
  Type type;
  Identifier name;
  Span span;
};

struct Def : Stmt {
  Def() : Stmt(StmtKind::Def) {}
  Identifier name;
  std::vector<Argument> args;
  std::unique_ptr<Type> returns;  ///< `-> type`
  Block body;
};

struct Extern : Stmt {
  Extern() : Stmt(StmtKind::Extern) {}
  Identifier name;
  std::vector<Type> args;
  std::unique_ptr<Type> returns;
};

/// `cal { ... }` and `defcal ... { ... }`: kept as written (not lowered).
struct Calibration : Stmt {
  explicit Calibration(StmtKind k) : Stmt(k) {}
  std::string text;
};

struct GateModifier {
  enum class Kind { Inv, Pow, Ctrl, NegCtrl };
  Kind kind = Kind::Inv;
  ExprPtr arg;  ///< pow(k), ctrl(n), negctrl(n)
  Span span;    ///< including the '@'
};

/// `mods @ name(params)[duration] qubits;`, also `gphase(a);`.
struct GateCall : Stmt {
  GateCall() : Stmt(StmtKind::GateCall) {}
  std::vector<GateModifier> modifiers;
  Identifier name;      ///< `gphase` too
  bool parens = false;  ///< parameters in parentheses (maybe none)
  std::vector<ExprPtr> params;
  ExprPtr duration;
  Span designator;              ///< `[duration]`, brackets included, when written
  std::vector<ExprPtr> qubits;  ///< Identifier (with indices) or a HardwareQubit literal
};

/// `measure q -> c;`, `measure q;` and a quantum call used as a statement.
struct Measure : Stmt {
  Measure() : Stmt(StmtKind::Measure) {}
  ExprPtr source;  ///< Measure or QuantumCall
  ExprPtr target;  ///< after `->`; null without
};

/// reset, barrier, nop and delay.
struct QuantumOp : Stmt {
  explicit QuantumOp(StmtKind k) : Stmt(k) {}
  ExprPtr duration;             ///< Delay: `delay[d]`
  Span designator;              ///< Delay: `[d]`, brackets included
  std::vector<ExprPtr> qubits;  ///< Reset: one
};

struct Box : Stmt {
  Box() : Stmt(StmtKind::Box) {}
  ExprPtr duration;
  Block body;
};

/// `type name [= init];` and `const type name = init;`.
struct ClassicalDecl : Stmt {
  explicit ClassicalDecl(StmtKind k) : Stmt(k) {}
  Type type;
  Identifier name;
  ExprPtr init;  ///< an expression, ArrayLiteral, Concat, Measure or QuantumCall
};

struct IoDecl : Stmt {
  IoDecl() : Stmt(StmtKind::IoDecl) {}
  bool output = false;
  Type type;
  Identifier name;
};

/// OpenQASM 2's `qreg q[n];` and `creg c[n];`.
struct OldStyleDecl : Stmt {
  OldStyleDecl() : Stmt(StmtKind::OldStyleDecl) {}
  bool quantum = false;
  Identifier name;
  ExprPtr size;
  Span designator;  ///< `[size]`, brackets included, when written
};

struct QuantumDecl : Stmt {
  QuantumDecl() : Stmt(StmtKind::QuantumDecl) {}
  Type type;
  Identifier name;
};

struct AliasDecl : Stmt {
  AliasDecl() : Stmt(StmtKind::AliasDecl) {}
  Identifier name;
  ExprPtr value;  ///< an expression, or Concat
};

struct Assignment : Stmt {
  Assignment() : Stmt(StmtKind::Assignment) {}
  ExprPtr target;  ///< Identifier with indices
  std::string op;  ///< "=", "+=", ...
  ExprPtr value;   ///< an expression, Measure or QuantumCall
};

struct ExpressionStmt : Stmt {
  ExpressionStmt() : Stmt(StmtKind::ExpressionStmt) {}
  ExprPtr expr;
};

struct If : Stmt {
  If() : Stmt(StmtKind::If) {}
  ExprPtr condition;
  StmtPtr then_body, else_body;  ///< a Block or a single statement; else_body may be null
  Span else_keyword;             ///< the `else`, when written
};

struct For : Stmt {
  For() : Stmt(StmtKind::For) {}
  Type type;
  Identifier variable;
  ExprPtr iterable;  ///< a Range (written in brackets), a Set, or an expression
  StmtPtr body;
};

struct While : Stmt {
  While() : Stmt(StmtKind::While) {}
  ExprPtr condition;
  StmtPtr body;
};

struct SwitchCase {
  bool is_default = false;
  std::vector<ExprPtr> values;
  Block body;
  Span span;
  Trivia trivia;  ///< leading comments only (the others belong to the block or the switch)
};

struct Switch : Stmt {
  Switch() : Stmt(StmtKind::Switch) {}
  ExprPtr subject;
  std::vector<SwitchCase> cases;
};

/// break, continue, end, return.
struct Jump : Stmt {
  explicit Jump(StmtKind k) : Stmt(k) {}
  ExprPtr value;  ///< Return: an expression, Measure or QuantumCall; may be null
};

struct Version {
  std::string number;  ///< "3.0", "2.0", "3"
  Span span;
  Trivia trivia;
};

/// One source file as written.
struct File {
  std::shared_ptr<const std::string> name;  ///< as in diagnostics; every Span::file points to it
  std::optional<Version> version;
  std::vector<StmtPtr> statements;
  std::vector<Comment> closing_comments;  ///< after the last statement
  bool has_errors = false;                ///< syntax errors were reported (see StmtKind::Invalid)
};

/// Parse `source` (named `filename` in messages) to its syntax tree, without
/// checking or lowering it and without reading its includes. Syntax errors,
/// text that is not UTF-8 and nesting deeper than the front end's limits go
/// to `diags` as compile_source reports them; a statement with a syntax error
/// is an Invalid node.
File parse_source(const std::string& source, const std::string& filename, DiagnosticSink& diags);

/// Read `path` and parse it; a file that cannot be read is a diagnostic.
File parse_file(const std::string& path, DiagnosticSink& diags);

/// The tree as indented text, one node a line with its kind, span
/// (`line:col-line:col @begin-end`) and contents, comments included: for
/// tests and debugging.
std::string dump(const File& file);

}  // namespace qforge::ast
