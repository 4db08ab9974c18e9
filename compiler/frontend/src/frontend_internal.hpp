// The front end's internals, shared by its files (not installed):
//   parse.cpp   reading files and includes, the SLL/LL parse, syntax errors;
//   parse_fast.cpp simple gate calls read without ANTLR (parse_fast.hpp);
//   ast_build.cpp the syntax tree of qforge/ast.hpp from the parse tree, one
//               statement at a time, with the comments as trivia (for
//               parse_to_ast in parse.cpp; compiling keeps none);
//   check.cpp   compile-time values and types, expressions, names and scopes,
//               and the semantic errors they raise;
//   lower.cpp   statements to IR operations: declarations, gate calls with
//               their modifiers, measurements, control flow, subroutines;
//   frontend.cpp  the public API (compile_source, compile_file, bindings).
// One Lowerer object checks and lowers a program from its syntax tree, one
// top-level statement at a time (parse statement, build its tree, check and
// lower it, free both); its member functions live in the file of their
// concern. check.cpp and lower.cpp read no parse tree: ANTLR stays in
// parse.cpp and ast_build.cpp.
#pragma once

#include "qforge/ast.hpp"
#include "qforge/frontend.hpp"

#include "library.hpp"

#include "antlr4-runtime.h"
#include "qasm3Lexer.h"
#include "qasm3Parser.h"
#include "qasm3ParserBaseVisitor.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <unordered_set>


namespace qforge::frontend_detail {

using P = qforge_antlr::qasm3Parser;
using detail::Library;
using detail::Prim;
namespace fs = std::filesystem;

// Limits, checked before anything of their size is built. All are fixed:
// each is far above what real programs need and far below what would
// exhaust memory or the stack.
constexpr uint64_t kMaxLoopIterations = 10'000'000;  ///< one loop, and all loops together
constexpr uint32_t kMaxQubits = 1u << 20;
constexpr uint32_t kMaxClbits = 1u << 24;
/// Operations in the circuit: about 350 bytes each while lowering, so the
/// limit stays near 1.4 GB.
constexpr uint64_t kMaxOperations = 4'000'000;
constexpr uint64_t kMaxPowRepetitions = 1'000'000;   ///< |k| of an integer pow(k)
constexpr uint64_t kMaxGateExpansions = 10'000'000;  ///< defined-gate bodies inlined, in all
constexpr int kMaxGateDepth = 256;                   ///< defined gates inlined inside each other
/// Parser rules nested inside each other (a parenthesis is one, a block
/// two, an `if` three). The parse survives about 4500 nested `if`s and 7900
/// parentheses on an 8 MB stack; 1000 rules leave a wide margin, also on
/// smaller thread stacks.
constexpr std::size_t kMaxNesting = 1000;
constexpr std::size_t kMaxIncludeDepth = 64;

// ---------------------------------------------------------------- errors

/// A semantic error in one statement: reported, and lowering goes on with the
/// next statement.
struct SemanticError {
  SemanticError(SourceLoc at, std::string msg, SourceLoc stop = {}, std::vector<RelatedLocation> rel = {})
      : loc(std::move(at)), message(std::move(msg)), end(std::move(stop)), related(std::move(rel)) {}
  SourceLoc loc;
  std::string message;
  SourceLoc end;  ///< just after the offending node; line 0: the word at loc
  std::vector<RelatedLocation> related;
};

/// The position just after the last character of `tok` (its start when it
/// is the end of the file).
SourceLoc end_of(const std::shared_ptr<const std::string>& file, antlr4::Token* tok);
/// A best-effort end for a range that starts at `at`: the end of the word,
/// number or quoted text there on `line`, else one character.
SourceLoc word_end(const SourceLoc& at, const std::string& line);

/// SLL parsing failed somewhere: restart everything in LL mode. `path` is
/// the file in which it failed and `token` the first token of the statement
/// that failed: everything before it parsed with SLL alone.
struct RetryWithLL {
  std::string path;
  std::size_t token = 0;
};

/// Stop lowering (after `end;`, or after syntax errors in an included file).
struct EndProgram {};

/// Syntax errors reported in one file before checking it stops: ANTLR's
/// recovery costs about a millisecond per error, and past this many the rest
/// is noise.
constexpr unsigned kMaxSyntaxErrors = 100;

/// kMaxSyntaxErrors were reported; the next one is at `line`:`col`.
struct TooManySyntaxErrors {
  uint32_t line, col;
};

/// The parser nested past kMaxNesting rules at token `at`.
struct NestingTooDeep {
  antlr4::Token* at;
};

// ---------------------------------------------------------------- values

struct Symbol;

/// A compile-time value of a classical expression.
struct Value {
  enum Kind { Unknown, Num, Bool, Bits, Cond, Array, Duration, Measured, Runtime } kind = Unknown;
  Expr num;                          ///< Num: value (symbolic for inputs)
  bool is_int = false;               ///< Num: integer-typed
  int64_t ival = 0;                  ///< Num, is_int and constant: the exact value
  bool b = false;                    ///< Bool
  std::vector<uint32_t> bits;        ///< Bits: clbits, [0] least significant
  std::optional<ClassicalType> bits_as;  ///< Bits: the integer type a cast gave them (`int[8](c)`)
  std::vector<Condition> conds;      ///< Cond: all must hold
  std::vector<Value> elems;          ///< Array
  std::string unit;                  ///< Duration: unit of num
  std::vector<uint32_t> qubits;      ///< Measured: a pending `measure` of these
  std::string name;                  ///< Unknown: the variable it came from
  CExpr cx;                          ///< Runtime: computed while the program runs
  Symbol* var_sym = nullptr;         ///< Unknown: the variable's symbol, when it is one

  /// A number; an integer-typed constant must be whole and fit in 64 bits
  /// to stay an integer (callers that may overflow check first).
  static Value number(Expr e, bool is_int = false) {
    Value v;
    v.kind = Num;
    v.num = std::move(e);
    v.is_int = is_int;
    if (is_int && v.num.is_const()) v.is_int = whole_int64(v.num.value(), v.ival);
    return v;
  }
  /// An exact integer constant.
  static Value integer(int64_t i) {
    Value v;
    v.kind = Num;
    v.num = Expr(static_cast<double>(i));
    v.is_int = true;
    v.ival = i;
    return v;
  }
  /// True for an integer constant (ival holds it exactly).
  bool exact_int() const { return kind == Num && is_int && num.is_const(); }
  /// `d` as a 64-bit integer when it is whole and in range.
  static bool whole_int64(double d, int64_t& out) {
    if (!(d >= -0x1p63 && d < 0x1p63) || std::trunc(d) != d) return false;
    out = static_cast<int64_t>(d);
    return true;
  }
  static Value boolean(bool b) {
    Value v;
    v.kind = Bool;
    v.b = b;
    return v;
  }
  static Value runtime(CExpr e) {
    Value v;
    v.kind = Runtime;
    v.cx = std::move(e);
    return v;
  }
  /// Known only at run time: measured bits, a condition on them, or a
  /// run-time expression.
  bool is_runtime() const { return kind == Runtime || kind == Bits || kind == Cond; }
  static Value condition(std::vector<Condition> cs) {
    Value v;
    v.kind = Cond;
    v.conds = std::move(cs);
    return v;
  }
};

/// A number stored in a variable of type `type` ("int[32]", "float", ...)
/// becomes an integer (truncated) or a real number as the type says, so
/// that `float x = 7; x / 2` is 3.5.
Value typed(Value v, const std::string& type);
/// "a number", "a boolean", ... for messages.
const char* kind_name(Value::Kind k);

// ---------------------------------------------------------------- symbols

struct GateDef {
  std::string name;
  std::vector<std::string> params, qubits;
  const ast::Block* body = nullptr;  ///< in a statement the Lowerer keeps
  SourceLoc loc;
  /// Set when the definition is named like a table gate and its body is
  /// that gate's exact matrix (Qiskit writes such definitions for gates
  /// outside stdgates.inc): calls then become the table gate itself.
  std::optional<GateId> table_gate;
  /// Its body has errors (reported where it is defined): calls emit nothing.
  bool invalid = false;
};

struct DefArg {
  enum Kind { Qubits, Classical } kind;
  std::string name;
  int64_t size = -1;  ///< qubit[n]: n; qubit: -1 (single)
  std::string type;   ///< Classical: the scalar type as written
  ClassicalType ctype;   ///< Classical scalars: the type run-time values are cast to
  bool has_ctype = false;
};

struct SubDef {
  std::string name;
  std::vector<DefArg> args;
  ClassicalType result;     ///< `-> type` when it is a scalar type (has_result)
  bool has_result = false;
  const ast::Block* body = nullptr;  ///< in a statement the Lowerer keeps
  SourceLoc loc;
  bool invalid = false;  ///< as GateDef::invalid
};

struct Symbol {
  enum Kind { QReg, CReg, Var, Const, Input, Gate, Def, Alias, GateQubit } kind;
  SourceLoc loc;
  std::vector<uint32_t> indices;  ///< QReg/Alias/GateQubit: qubits; CReg: clbits
  bool is_array = true;           ///< QReg/CReg: declared with a size
  Value value;                    ///< Var/Const/Input
  std::string type;               ///< Var/Const/Input: type as written
  std::shared_ptr<GateDef> gate;
  std::shared_ptr<SubDef> def;
  /// Var: its Circuit::vars index once its value is only known at run time
  /// (kNoVar while it is a compile-time value); `ctype` is its type and
  /// `level` the emission level (Lowerer::out_) it was declared at.
  uint32_t var = ClassicalData::kNoVar;
  ClassicalType ctype;
  bool has_ctype = false;
  std::size_t level = 0;
  bool output = false;  ///< Var: declared `output` (a run-time variable from its first use)
};

class Scope {
 public:
  explicit Scope(Scope* parent = nullptr, bool opaque = false) : parent_(parent), opaque_(opaque) {}
  Symbol* find(const std::string& name) {
    for (Scope* s = this; s; s = s->parent_) {
      auto it = s->table_.find(name);
      if (it != s->table_.end()) return &it->second;
      if (s->opaque_) {
        // A gate or subroutine body sees only its own names and the globals.
        Scope* g = s->global();
        if (g == s) return nullptr;
        auto jt = g->table_.find(name);
        return jt == g->table_.end() ? nullptr : &jt->second;
      }
    }
    return nullptr;
  }
  Symbol* find_local(const std::string& name) {
    auto it = table_.find(name);
    return it == table_.end() ? nullptr : &it->second;
  }
  Symbol& insert(const std::string& name, Symbol s) { return table_[name] = std::move(s); }
  Scope* global() {
    Scope* s = this;
    while (s->parent_) s = s->parent_;
    return s;
  }

 private:
  Scope* parent_;
  bool opaque_;
  std::unordered_map<std::string, Symbol> table_;
};

// ---------------------------------------------------------------- files

struct SourceFile {
  std::shared_ptr<const std::string> name;  ///< as shown in messages
  std::string path;                         ///< canonical path (for cycles)
  std::string text;
  std::vector<std::size_t> line_starts;
  bool ascii = false;  ///< every byte of text is ASCII (a byte is a character); set by make_file

  std::string line(uint32_t n) const {
    if (n == 0 || n > line_starts.size()) return {};
    std::size_t b = line_starts[n - 1];
    std::size_t e = text.find('\n', b);
    std::string s = text.substr(b, e == std::string::npos ? std::string::npos : e - b);
    if (!s.empty() && s.back() == '\r') s.pop_back();
    return s;
  }
};

std::shared_ptr<SourceFile> make_file(std::string text, const std::string& name, std::string path);
bool read_text(const std::string& path, std::string& out);
/// Read `path` as compile_file does; false (reported) when it cannot be read.
bool read_source(const std::string& path, std::string& text, DiagnosticSink& diags);

class SyntaxErrors;

/// What a parse-tree node is, found by one virtual call (accept) instead of
/// ANTLR's accessors, which dynamic_cast every child: on large files that
/// cast was a fifth of the front end's time.
enum class NodeKind : uint8_t {
  Other,
  // expressions
  Paren, Literal, Binary, Unary, Index, Call, Cast, Durationof,
};

class Classifier final : public qforge_antlr::qasm3ParserBaseVisitor {
 public:
  NodeKind operator()(antlr4::tree::ParseTree* t) {
    kind_ = NodeKind::Other;
    t->accept(this);
    return kind_;
  }

 private:
  using Any = antlrcpp::Any;
  Any set(NodeKind k) {
    kind_ = k;
    return Any();
  }
  Any visitParenthesisExpression(P::ParenthesisExpressionContext*) override { return set(NodeKind::Paren); }
  Any visitLiteralExpression(P::LiteralExpressionContext*) override { return set(NodeKind::Literal); }
  Any visitUnaryExpression(P::UnaryExpressionContext*) override { return set(NodeKind::Unary); }
  Any visitIndexExpression(P::IndexExpressionContext*) override { return set(NodeKind::Index); }
  Any visitCallExpression(P::CallExpressionContext*) override { return set(NodeKind::Call); }
  Any visitCastExpression(P::CastExpressionContext*) override { return set(NodeKind::Cast); }
  Any visitDurationofExpression(P::DurationofExpressionContext*) override { return set(NodeKind::Durationof); }
  Any visitPowerExpression(P::PowerExpressionContext*) override { return set(NodeKind::Binary); }
  Any visitMultiplicativeExpression(P::MultiplicativeExpressionContext*) override { return set(NodeKind::Binary); }
  Any visitAdditiveExpression(P::AdditiveExpressionContext*) override { return set(NodeKind::Binary); }
  Any visitBitshiftExpression(P::BitshiftExpressionContext*) override { return set(NodeKind::Binary); }
  Any visitComparisonExpression(P::ComparisonExpressionContext*) override { return set(NodeKind::Binary); }
  Any visitEqualityExpression(P::EqualityExpressionContext*) override { return set(NodeKind::Binary); }
  Any visitBitwiseAndExpression(P::BitwiseAndExpressionContext*) override { return set(NodeKind::Binary); }
  Any visitBitwiseXorExpression(P::BitwiseXorExpressionContext*) override { return set(NodeKind::Binary); }
  Any visitBitwiseOrExpression(P::BitwiseOrExpressionContext*) override { return set(NodeKind::Binary); }
  Any visitLogicalAndExpression(P::LogicalAndExpressionContext*) override { return set(NodeKind::Binary); }
  Any visitLogicalOrExpression(P::LogicalOrExpressionContext*) override { return set(NodeKind::Binary); }

  NodeKind kind_ = NodeKind::Other;
};

inline const std::string kPowerOperator = "**";


/// Qiskit's exporter writes a register made of single qubits or bits as
/// `let name = {a, b[1], c};`: not OpenQASM 3 grammar, whose form of it is
/// `let name = a ++ b[1] ++ c;`. Between the lexer and the parser, this
/// source reads the braces' contents as that concatenation: the braces (and
/// a trailing comma) are taken out of the stream and each comma between the
/// elements becomes a '++' token (its text stays ','). Every other token
/// passes unchanged, with its line and column, so diagnostics stay where
/// they were. Only a complete form is read so: `let`, a name, `=`, `{`, at
/// least one token and the matching `}` before any ';'; anything else (an
/// empty or unclosed `{`) stays the syntax error it is. The syntax tree
/// shows the form as written, a Set (AstBuilder asks braces()).
class SetAliasTokens final : public antlr4::TokenSource {
 public:
  explicit SetAliasTokens(antlr4::TokenSource* lexer) : lexer_(lexer) {}
  std::unique_ptr<antlr4::Token> nextToken() override;
  size_t getLine() const override { return lexer_->getLine(); }
  size_t getCharPositionInLine() override { return lexer_->getCharPositionInLine(); }
  antlr4::CharStream* getInputStream() override { return lexer_->getInputStream(); }
  std::string getSourceName() override { return lexer_->getSourceName(); }
  antlr4::TokenFactory<antlr4::CommonToken>* getTokenFactory() override { return lexer_->getTokenFactory(); }

  /// The braces taken out of the alias that `let` starts; null when it is
  /// not of this form.
  struct Braces {
    std::unique_ptr<antlr4::CommonToken> open, close;
  };
  const Braces* braces(antlr4::Token* let) const {
    auto it = braces_.find(let->getStartIndex());
    return it == braces_.end() ? nullptr : &it->second;
  }
  /// True while tokens read from the lexer wait here (the lexer is ahead).
  bool holding() const { return !held_.empty(); }

 private:
  /// The tokens after `open` up to its matching `}` into held_, rewritten
  /// (true, the '}' last) or, when they are not of the form, as read with
  /// `open` first (false).
  bool read_braces(std::unique_ptr<antlr4::Token> open);
  antlr4::TokenSource* lexer_;
  std::deque<std::unique_ptr<antlr4::Token>> held_;
  /// The types and start indices of the last three default-channel tokens.
  std::size_t recent_type_[3] = {0, 0, 0};
  std::size_t recent_start_[3] = {0, 0, 0};
  std::unordered_map<std::size_t, Braces> braces_;  ///< by the start index of the `let`
};

struct ParsedFile {
  std::shared_ptr<SourceFile> file;
  std::unique_ptr<antlr4::CharStream> input;
  std::unique_ptr<qforge_antlr::qasm3Lexer> lexer;
  std::unique_ptr<SetAliasTokens> set_aliases;  ///< the lexer's tokens, Qiskit's `let a = {...};` read
  std::unique_ptr<antlr4::TokenSource> default_channel;  ///< the lexer without comments (streamed parses)
  std::unique_ptr<antlr4::TokenStream> tokens;  ///< Common (kept) or Unbuffered (streamed)
  std::unique_ptr<P> parser;
  std::unique_ptr<SyntaxErrors> listener;
  ~ParsedFile();  // in parse.cpp, where SyntaxErrors is complete
};

// ---------------------------------------------------------------- syntax tree

/// The last token of `ctx`: its start when it has none (a rule that matched
/// nothing, or stopped by a syntax error before its first token).
inline antlr4::Token* last_token(antlr4::ParserRuleContext* ctx) {
  antlr4::Token* stop = ctx->getStop();
  antlr4::Token* start = ctx->getStart();
  return !stop || stop->getTokenIndex() < start->getTokenIndex() ? start : stop;
}

/// Builds the syntax tree (qforge/ast.hpp) of one file from its parse tree,
/// one top-level statement at a time (ast_build.cpp); `tokens` must keep all
/// the file's tokens, comments included, until attach_trivia. Without
/// `tokens` (the compile path) no comments are kept and nothing is recorded
/// across statements: each statement's tree stands alone.
class AstBuilder {
 public:
  /// `aliases`: the token source that read Qiskit's `let a = {...};` (null: none).
  AstBuilder(const SourceFile& file, antlr4::BufferedTokenStream* tokens, const SetAliasTokens* aliases);
  ast::StmtPtr statement(antlr4::ParserRuleContext* statement_or_scope);
  /// Statements with syntax errors, from token `first` to `last`: their span only.
  ast::StmtPtr invalid(antlr4::Token* first, antlr4::Token* last);
  ast::Version version(antlr4::ParserRuleContext* version);
  /// Give every comment of the file to its statement, block or file (see
  /// ast::Trivia); call once, after the last statement.
  void attach_trivia(ast::File& file);
  /// True when the parse tree has a syntax error in it.
  static bool has_errors(antlr4::tree::ParseTree* t);

 private:
  ast::StmtPtr build(antlr4::ParserRuleContext* ctx);
  ast::StmtPtr kind(antlr4::ParserRuleContext* ctx);
  ast::StmtPtr body(antlr4::ParserRuleContext* statement_or_scope);
  void block(antlr4::ParserRuleContext* scope, ast::Block& out);
  ast::Type type(antlr4::ParserRuleContext* ctx);
  ast::ExprPtr designator(antlr4::ParserRuleContext* ctx);
  ast::ExprPtr expr(antlr4::ParserRuleContext* ctx);
  ast::ExprPtr any_expr(antlr4::ParserRuleContext* ctx);
  ast::ExprPtr operand(antlr4::ParserRuleContext* ctx);
  ast::ExprPtr node(ast::Expr::Kind kind, antlr4::ParserRuleContext* ctx);
  std::vector<ast::ExprPtr> expressions(antlr4::ParserRuleContext* list);
  std::vector<ast::ExprPtr> operands(antlr4::ParserRuleContext* list);
  ast::IndexOp index_op(antlr4::ParserRuleContext* ctx);
  ast::Identifier identifier(antlr4::tree::TerminalNode* t) const;
  ast::Span span(antlr4::ParserRuleContext* ctx) const;
  ast::Span span(antlr4::Token* first, antlr4::Token* last) const;
  std::size_t byte_of(uint32_t line, uint32_t col) const;
  ast::Comment comment(std::size_t token_index) const;

  struct StmtTokens {
    ast::Stmt* stmt;
    std::size_t first, last;
  };
  struct BlockTokens {
    ast::Block* block;
    std::size_t first, last;  ///< its '{' and '}'
  };
  struct CaseTokens {
    ast::SwitchCase* item;
    std::size_t first;  ///< its `case` or `default`
  };
  const SourceFile& file_;
  antlr4::BufferedTokenStream* tokens_;  ///< null: no trivia
  const SetAliasTokens* aliases_;
  bool ascii_;  ///< columns are byte offsets within a line
  Classifier kind_of_;
  std::vector<StmtTokens> statements_;  ///< inner statements before the ones around them
  std::vector<BlockTokens> blocks_;     ///< inner blocks before the ones around them
  std::vector<CaseTokens> cases_;
  std::pair<std::size_t, std::size_t> version_tokens_{0, 0};
};

/// Parse `file` to its syntax tree (parse.cpp; see ast::parse_source).
ast::File parse_to_ast(const std::shared_ptr<SourceFile>& file, DiagnosticSink& diags);

/// A semantic error as a diagnostic, with the source line when it is in `file`.
Diagnostic make_diagnostic(const SourceFile* file, const SemanticError& e);

// ---------------------------------------------------------------- lowering

/// True when `e` calls a function or subroutine or measures (evaluating it
/// may emit operations).
bool calls_something(const ast::Expr& e);

enum class Flow { Normal, Break, Continue, Return };

/// Net effect of a modifier chain: controls (with polarity) and a power.
struct CallMods {
  std::vector<uint32_t> controls;  ///< positive controls (outer first)
  double power = 1;
};

class Lowerer {
 public:
  Lowerer(const CompileOptions& opt, DiagnosticSink& diags, bool ll_mode)
      : opt_(opt), diags_(diags), ll_mode_(ll_mode), global_(nullptr) {}

  Circuit run(const std::shared_ptr<SourceFile>& main_file);
  /// In LL mode: where the SLL parse failed (see RetryWithLL); the tokens
  /// before it are predicted with SLL, which decided them already.
  void set_sll_prefix(const RetryWithLL& r) { sll_prefix_ = r; }

 private:
  using Span = ast::Span;
  // files and statements (parse.cpp, lower.cpp)
  void lower_file(const std::shared_ptr<SourceFile>& file, bool is_main);
  void detect_version(const SourceFile& file, bool is_main);
  void set_version(const ast::Version& v);
  /// Lower a top-level statement; gate and subroutine definitions are kept
  /// (their bodies are lowered again at every call), the rest is freed.
  void lower_top(ast::StmtPtr s);
  Flow lower_statement_or_scope(const ast::Stmt& s, Scope& scope);
  Flow lower_statement(const ast::Stmt& s, Scope& scope);
  Flow lower_block(const ast::Stmt& s, Scope& scope);
  Flow lower_scope_body(const ast::Block& b, Scope& scope);
  /// Statements `from`.. of a block. Inside a subroutine, after a statement
  /// that returned at run time, the rest runs only when it did not (see
  /// ReturnFrame).
  Flow lower_statements(const std::vector<ast::StmtPtr>& statements, std::size_t from, Scope& scope);
  /// `return` inside run-time control flow of the subroutine being inlined.
  Flow lower_runtime_return(const ast::Jump& s, const Span& at, Scope& scope);
  /// Run-time returns of the subroutine being inlined so far (0 outside one).
  std::size_t runtime_returns() const { return returns_.empty() ? 0 : returns_.back().runtime_returns; }
  /// What `lower` emits, inside `if (!returned)` of the subroutine being inlined.
  Flow unless_returned(const std::function<Flow()>& lower);
  /// An iteration of a loop unrolled at compile time: under unless_returned
  /// once the loop has returned at run time (`returns` counted at its start).
  Flow iteration(std::size_t returns, const std::function<Flow()>& lower);
  void lower_include(const ast::Include& s, const Span& at);
  void declare(Scope& scope, const std::string& name, Symbol sym, const Span& at);
  void declare_callable(const std::string& name, Symbol sym, const Span& at);
  Symbol* find_callable(const std::string& name);
  void lower_quantum_decl(const std::string& name, std::optional<int64_t> size, Scope& scope, const Span& at);
  void lower_classical_decl(const ast::ClassicalDecl& s, const Span& at, Scope& scope);
  void lower_const_decl(const ast::ClassicalDecl& s, const Span& at, Scope& scope);
  void lower_io_decl(const ast::IoDecl& s, const Span& at, Scope& scope);
  void lower_gate_def(const ast::GateDef& s, const Span& at, Scope& scope);
  bool definition_matches(const GateDef& def, GateId g);
  // definitions, checked where they are written (check.cpp)
  bool check_gate_body(const GateDef& def);
  void check_gate_statement(const GateDef& def, const ast::Stmt& s);
  void check_gate_names(const ast::Expr& e, const GateDef& def, bool& uses_params);
  void check_def_body(const SubDef& def);
  // OpenQASM 2.0 files (check.cpp)
  void check_openqasm2(const ast::Stmt& s);
  void check_openqasm2_call(const ast::GateCall& s, const Span& at);
  void lower_def(const ast::Def& s, const Span& at, Scope& scope);
  void lower_gate_call(const ast::GateCall& s, const Span& at, Scope& scope, const CallMods& outer);
  bool try_direct_call(const ast::GateCall& s, const std::string& name, Scope& scope, const CallMods& outer);
  void lower_measure_arrow(const ast::Measure& s, const Span& at, Scope& scope);
  void lower_assignment(const ast::Assignment& s, const Span& at, Scope& scope);
  Flow lower_for(const ast::For& s, const Span& at, Scope& scope);
  Flow lower_while(const ast::While& s, const Span& at, Scope& scope);
  Flow lower_loop_body(const ast::For& s, const Span& at, Scope& scope, const Value& item);
  void count_loop_iteration();
  void check_clbits(int64_t n, const Span& at);
  /// Report a limit reached at the current statement and stop lowering.
  [[noreturn]] void stop(const std::string& msg);
  Flow lower_if(const ast::If& s, Scope& scope);
  Flow lower_switch(const ast::Switch& s, Scope& scope);

  // run-time classical values and structured control flow (runtime.cpp)
  /// The scalar type a declaration names (`int` is int[64], `float` float[64]).
  ClassicalType classical_type(const ast::Type& t, Scope& scope);
  /// `v` as a run-time expression (constants become Const nodes).
  CExpr to_cexpr(const Value& v, const Span& at);
  /// `e` converted to `t`: a constant is converted, anything else gets a Cast.
  static CExpr cast_to(const CExpr& e, const ClassicalType& t);
  Value runtime_binary(const std::string& op, const Value& a, const Value& b, const Span& at);
  Value runtime_unary(const std::string& op, const Value& a, const Span& at);
  Value runtime_cast(const ast::Type& t, const Value& a, Scope& scope, const Span& at);
  Value runtime_call(const std::string& name, const std::vector<Value>& args, const Span& at);
  /// `v` converted for storing in a variable or bits of type `t` named `what`.
  CExpr assignable(const Value& v, const ClassicalType& t, const std::string& what, const Span& at);
  /// Make variable `sym` a run-time variable (a Circuit::vars entry), its
  /// compile-time value assigned where it was declared. Returns its index.
  uint32_t make_runtime(Symbol& sym, const std::string& name, bool output, const Span& at);
  /// `name`, or `name_1`, ... when a variable or bit register has that name.
  std::string unused_classical_name(const std::string& name) const;
  static Operation assign_op(uint32_t var, std::vector<uint32_t> clbits, CExpr value);
  void emit_assign(uint32_t var, std::vector<uint32_t> clbits, CExpr value);
  /// Lower `body` into a block of its own (a run-time branch or loop body).
  std::vector<Operation> lower_runtime_body(const ast::Stmt& body, Scope& scope, bool own_scope = true);
  /// lower_runtime_body of a run-time loop's body, inside the loop's guard
  /// (where break and continue are allowed).
  std::vector<Operation> lower_runtime_loop_body(const ast::Stmt& body, Scope& scope);
  /// What `lower` emits, as a block of its own (`flow`: how it ended).
  std::vector<Operation> runtime_block(const std::function<Flow()>& lower, Flow& flow);
  void emit_control_flow(OpKind kind, ClassicalData data, std::vector<std::vector<Operation>> blocks,
                         const SourceLoc& at);
  /// Before a run-time loop: variables its body assigns become run-time.
  void promote_assigned(const ast::Stmt& body, Scope& scope, const Span& at);
  /// A loop whose body breaks or continues under a run-time condition (a
  /// while loop: or returns; `var` is null for a while loop).
  bool breaks_at_run_time(const ast::Stmt& body, Scope& scope, const std::string* var, const Value* first);
  Flow lower_runtime_for(const ast::For& s, const Span& at, Scope& scope);
  Flow lower_runtime_while(const ast::While& s, const Span& at, Scope& scope);
  Flow lower_runtime_switch(const ast::Switch& s, const Value& subject, Scope& scope);
  Flow lower_jump(const ast::Stmt& s, const Span& at);
  /// A gate parameter: an expression of inputs, or a placeholder symbol for
  /// a run-time value (emit turns the gate into a RuntimeGate).
  Expr gate_param(const ast::Expr& e, Scope& scope);
  CExpr expr_to_cexpr(const Expr& e);
  bool has_placeholder(const Expr& e) const;
  void store_measured_bit(Symbol& sym, const std::string& name, const ast::Expr& target,
                          const std::vector<uint32_t>& qubits, Scope& scope, const Span& at);
  bool under_runtime() const { return runtime_depth_ > 0; }
  Flow lower_runtime_if(const ast::If& s, const Value& v, Scope& scope);

  // gates
  void apply_gate(const std::string& name, const Span& at, std::vector<Expr> params, std::vector<uint32_t> qubits,
                  std::size_t num_ctrl, const std::vector<bool>& ctrl_pos, double power, const CallMods& outer);
  /// The parameter and qubit counts of gate `name`; false for a subroutine.
  /// An undefined gate is an error at `at`.
  bool gate_arity(const std::string& name, const Span& at, std::size_t& want_p, std::size_t& want_q);
  static std::string parameter_count_message(const std::string& name, std::size_t want_p, std::size_t got);
  static std::string outside_gate_message(const std::string& gate, const std::string& name);
  static std::string qubit_count_message(const std::string& name, std::size_t num_ctrl, std::size_t want_q, std::size_t got);
  void apply_named(const std::string& name, const Span& at, const std::vector<Expr>& params,
                   const std::vector<uint32_t>& targets, const std::vector<uint32_t>& controls, double power);
  void emit_prims(const std::vector<Prim>& prims, const std::vector<uint32_t>& targets,
                  const std::vector<uint32_t>& controls);
  void emit_gate(GateId g, std::vector<Expr> params, std::vector<uint32_t> qubits,
                 std::vector<uint32_t> extra_controls);
  void emit_phase(const Expr& phase, std::vector<uint32_t> controls);
  void emit(Operation op);
  void emit_measure(const std::vector<uint32_t>& qubits, const std::vector<uint32_t>& clbits, const Span& at);
  std::vector<uint32_t> discard_bits(std::size_t n);

  // operands and expressions
  /// A gate operand: an Identifier with its indices, or a physical qubit.
  std::vector<uint32_t> resolve_operand(const ast::Expr& operand, Scope& scope);
  std::vector<uint32_t> resolve_indexed(const std::string& name, const std::vector<const ast::IndexOp*>& index,
                                        Scope& scope, const Span& at, bool want_qubits);
  std::vector<uint32_t> qubits_from_expression(const ast::Expr& e, Scope& scope);
  std::vector<uint32_t> bits_from_expression(const ast::Expr& e, Scope& scope);
  /// The qubits or bits a name, possibly indexed (`q`, `q[1:2]`, `c[0][1]`), stands for.
  std::vector<uint32_t> register_elements(const ast::Expr& e, Scope& scope, bool want_qubits);
  /// `what` names the indexed object in messages: "register 'q'" when
  /// `register_name` is given, else `what` itself.
  std::vector<int64_t> index_list(const ast::IndexOp& idx, int64_t size, Scope& scope, const std::string& what,
                                  const std::string* register_name = nullptr);
  uint32_t physical_qubit(const ast::Expr& literal);
  Value eval(const ast::Expr& e, Scope& scope);
  Value eval_binary(const std::string& op, const Value& a, const Value& b, const Span& at);
  Value eval_integers(const std::string& op, int64_t x, int64_t y, const Span& at);
  Value eval_call(const ast::Expr& e, Scope& scope);
  Value eval_literal(const ast::Expr& e, Scope& scope);
  /// Two durations in one unit: a zero takes the other's unit, and of two
  /// SI units the finer one is kept; `dt` with another unit is an error at `at`.
  void same_unit(Value& a, Value& b, const Span& at);
  /// `durationof(body)`: the length of `body` scheduled as soon as possible,
  /// when it is made of delays (of constant durations) and barriers; an
  /// error at the first statement whose duration is not known.
  Value durationof(const ast::Block& body, Scope& scope);
  /// The value of a declaration's or assignment's right-hand side.
  Value eval_declaration(const ast::Expr& e, Scope& scope);
  Value call_def(const SubDef& def, const std::vector<ast::ExprPtr>& args, Scope& scope, const Span& at);
  Value call_def_bound(const SubDef& def, std::vector<Value> classical, std::vector<std::vector<uint32_t>> qubits,
                       const std::vector<const Span*>& arg_at, const Span& at);
  Expr number(const ast::Expr& e, Scope& scope, const std::string& what);
  int64_t integer(const ast::Expr& e, Scope& scope, const std::string& what);
  double constant(const ast::Expr& e, Scope& scope, const std::string& what);
  bool truth(const Value& v, const Span& at, bool& known, std::vector<Condition>& conds);
  Value array_value(const ast::Expr& e, Scope& scope);

  // diagnostics
  std::string qubit_name(uint32_t q) const;
  /// The file `s` is in: a definition's body (inlined at a call in another
  /// file) is in the file that defines it; the current file otherwise.
  const SourceFile* file_of(const Span& s) const;
  /// The file a location names, if it was read (for its source line).
  const SourceFile* file_of(const SourceLoc& l) const;
  SourceLoc loc(const Span& s) const {
    const SourceFile* f = file_of(s);
    return SourceLoc{f ? f->name : nullptr, s.line, s.col};
  }
  /// The position just after the end of `s`.
  SourceLoc end_loc(const Span& s) const {
    const SourceFile* f = file_of(s);
    return SourceLoc{f ? f->name : nullptr, s.end_line, s.end_col};
  }
  /// `s` without its annotations: from its keyword or first token.
  Span unannotated(const ast::Stmt& s) const;
  /// The tokens of `s` without the space and comments between them (as the
  /// parse tree's getText gave them): `int[32]`, `q[0]`, `0:2:8`.
  std::string text_of(const Span& s) const;
  [[noreturn]] void fail(const Span& at, const std::string& msg, std::vector<RelatedLocation> related = {}) const {
    throw SemanticError{loc(at), msg, end_loc(at), std::move(related)};
  }
  void report(const SemanticError& e);
  void warn(const Span& at, const std::string& msg);
  std::string where(const SourceLoc& l) const {
    return (l.file ? *l.file + ":" : std::string()) + std::to_string(l.line) + ":" + std::to_string(l.col);
  }

  const CompileOptions& opt_;
  DiagnosticSink& diags_;
  bool ll_mode_;
  RetryWithLL sll_prefix_;
  Circuit circ_;
  Scope global_;
  std::unordered_map<std::string, Symbol> callables_;  ///< gates and subroutines
  /// Gate name -> the table gate it is exactly (see try_direct_call); cleared
  /// whenever a definition or an include changes what names mean.
  std::unordered_map<std::string, std::optional<GateId>> direct_gates_;
  int version_ = 3;
  bool version_known_ = false;
  bool strict2_ = false;  ///< declared `OPENQASM 2.0;`: OpenQASM 3 syntax is refused
  bool std_included_ = false, qelib_included_ = false;
  bool uses_physical_ = false, uses_virtual_ = false;
  std::vector<std::string> include_stack_;
  /// Every file read (the spans of kept definitions name them).
  std::vector<std::shared_ptr<SourceFile>> files_;
  /// Top-level gate and subroutine definitions, whose bodies GateDef and
  /// SubDef point into.
  std::vector<ast::StmtPtr> definitions_;
  const SourceFile* current_file_ = nullptr;
  std::vector<Condition> conditions_;  ///< active run-time conditions
  int def_depth_ = 0;
  int gate_depth_ = 0;               ///< defined gates being inlined inside each other
  uint64_t gate_expansions_ = 0;     ///< defined-gate bodies inlined so far
  uint64_t loop_iterations_ = 0;     ///< loop bodies lowered so far
  const std::string* gate_body_ = nullptr;  ///< name of the gate whose body is lowered
  SourceLoc cur_loc_;  ///< the statement being lowered (the outermost call in a body)
  std::optional<Value> return_value_;
  /// A subroutine being inlined. A `return` inside run-time control flow
  /// sets `returned` (a run-time bool, false from the call on) and assigns
  /// `result`; after the statement that holds it, the rest of each block
  /// runs under `if (!returned)`, and each run-time loop around it breaks
  /// (`if (returned) break;`). The call's value is then `result`.
  struct ReturnFrame {
    const SubDef* def;
    Symbol returned, result;            ///< result: a variable, or for bits
    std::vector<uint32_t> result_bits;  ///< clbits of their own
    std::size_t runtime_returns = 0;    ///< run-time returns lowered so far
  };
  std::deque<ReturnFrame> returns_;
  /// Where emit() appends: circ_.ops, then the block of each run-time branch
  /// or loop being lowered.
  std::vector<std::vector<Operation>*> out_;
  int runtime_depth_ = 0;  ///< run-time branches and loops being lowered
  int def_entry_depth_ = 0;  ///< runtime_depth_ where the subroutine being inlined was called
  struct LoopFrame {
    bool runtime;  ///< a For/While operation (else unrolled)
    int depth;     ///< runtime_depth_ inside the loop's body
  };
  std::vector<LoopFrame> loops_;
  /// loops_ holds `frame` while it lives.
  struct LoopGuard {
    std::vector<LoopFrame>& loops;
    LoopGuard(std::vector<LoopFrame>& l, LoopFrame frame) : loops(l) { loops.push_back(frame); }
    ~LoopGuard() { loops.pop_back(); }
    LoopGuard(const LoopGuard&) = delete;
    LoopGuard& operator=(const LoopGuard&) = delete;
  };
  /// `output` variables: each becomes a run-time variable at its first use,
  /// and at the end of the program if it has none.
  std::vector<std::pair<Symbol*, std::string>> outputs_;
  /// Run-time gate parameters, by placeholder symbol kPlaceholder + i.
  std::vector<CExpr> placeholders_;
  static constexpr uint32_t kPlaceholder = 0x40000000u;
  std::unordered_set<std::string> warned_;
  std::shared_ptr<const std::string> discard_name_;
};

}  // namespace qforge::frontend_detail
