// OpenQASM 3/2 front end: parse with the official grammar and lower to the
// gate IR (see qforge/frontend.hpp).
//
// Parsing, per file:
//  1. SLL prediction with a bail-out error strategy, one statement at a time;
//     each statement is lowered and its parse tree freed at once (unless the
//     program defines gates or subroutines, whose bodies are walked again at
//     every call and so must stay alive).
//  2. Only when step 1 fails anywhere, the whole compilation restarts in full
//     LL mode with ANTLR's recovering error strategy, which gives exact
//     syntax errors (all of them) or, for the rare program SLL cannot
//     decide, the correct parse.
//
// Lowering inlines gate definitions down to table gates, resolves modifiers
// (inv, pow, ctrl, negctrl), unrolls loops over compile-time ranges, inlines
// subroutines, and keeps `if` on measured bits as conditions on operations.
#include "qforge/frontend.hpp"

#include "library.hpp"

#include "antlr4-runtime.h"
#include "qasm3Lexer.h"
#include "qasm3Parser.h"
#include "qasm3ParserBaseVisitor.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace qforge {
namespace {

using P = qforge_antlr::qasm3Parser;
using detail::Library;
using detail::Prim;
namespace fs = std::filesystem;

constexpr uint64_t kMaxLoopIterations = 10'000'000;
constexpr uint32_t kMaxQubits = 1u << 20;

// ---------------------------------------------------------------- errors

/// A semantic error in one statement: reported, and lowering goes on with the
/// next statement.
struct SemanticError {
  SourceLoc loc;
  std::string message;
};

/// SLL parsing failed somewhere: restart everything in LL mode.
struct RetryWithLL {};

/// Stop lowering (after `end;`, or after syntax errors in an included file).
struct EndProgram {};

// ---------------------------------------------------------------- values

/// A compile-time value of a classical expression.
struct Value {
  enum Kind { Unknown, Num, Bool, Bits, Cond, Array, Duration, Measured } kind = Unknown;
  Expr num;                          ///< Num: value (symbolic for inputs)
  bool is_int = false;               ///< Num: integer-typed
  bool b = false;                    ///< Bool
  std::vector<uint32_t> bits;        ///< Bits: clbits, [0] least significant
  std::vector<Condition> conds;      ///< Cond: all must hold
  std::vector<Value> elems;          ///< Array
  std::string unit;                  ///< Duration: unit of num
  std::vector<uint32_t> qubits;      ///< Measured: a pending `measure` of these
  std::string name;                  ///< Unknown: the variable it came from

  static Value number(Expr e, bool is_int = false) {
    Value v;
    v.kind = Num;
    v.num = std::move(e);
    v.is_int = is_int;
    return v;
  }
  static Value boolean(bool b) {
    Value v;
    v.kind = Bool;
    v.b = b;
    return v;
  }
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
Value typed(Value v, const std::string& type) {
  if (v.kind != Value::Num) return v;
  if (type.rfind("int", 0) == 0 || type.rfind("uint", 0) == 0) {
    v.is_int = true;
    if (v.num.is_const()) v.num = Expr(std::trunc(v.num.value()));
  } else if (type.rfind("float", 0) == 0 || type.rfind("angle", 0) == 0) {
    v.is_int = false;
  }
  return v;
}

const char* kind_name(Value::Kind k) {
  switch (k) {
    case Value::Unknown: return "a value unknown at compile time";
    case Value::Num: return "a number";
    case Value::Bool: return "a boolean";
    case Value::Bits: return "classical bits";
    case Value::Cond: return "a condition";
    case Value::Array: return "an array";
    case Value::Duration: return "a duration";
    case Value::Measured: return "a measurement";
  }
  return "a value";
}

// ---------------------------------------------------------------- symbols

struct GateDef {
  std::string name;
  std::vector<std::string> params, qubits;
  P::ScopeContext* body = nullptr;
  SourceLoc loc;
  /// Set when the definition is named like a table gate and its body is
  /// that gate's exact matrix (Qiskit writes such definitions for gates
  /// outside stdgates.inc): calls then become the table gate itself.
  std::optional<GateId> table_gate;
};

struct DefArg {
  enum Kind { Qubits, Classical } kind;
  std::string name;
  int64_t size = -1;  ///< qubit[n]: n; qubit: -1 (single)
  std::string type;   ///< Classical: the scalar type as written
};

struct SubDef {
  std::string name;
  std::vector<DefArg> args;
  P::ScopeContext* body = nullptr;
  SourceLoc loc;
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

  std::string line(uint32_t n) const {
    if (n == 0 || n > line_starts.size()) return {};
    std::size_t b = line_starts[n - 1];
    std::size_t e = text.find('\n', b);
    std::string s = text.substr(b, e == std::string::npos ? std::string::npos : e - b);
    if (!s.empty() && s.back() == '\r') s.pop_back();
    return s;
  }
};

std::shared_ptr<SourceFile> make_file(std::string text, const std::string& name, std::string path) {
  auto f = std::make_shared<SourceFile>();
  f->name = std::make_shared<const std::string>(name);
  f->path = std::move(path);
  f->text = std::move(text);
  f->line_starts.push_back(0);
  for (std::size_t i = 0; i < f->text.size(); ++i)
    if (f->text[i] == '\n') f->line_starts.push_back(i + 1);
  return f;
}

bool read_text(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

std::string token_text(antlr4::Token* t) {
  if (!t) return "";
  if (t->getType() == antlr4::Token::EOF) return "end of file";
  return "'" + t->getText() + "'";
}

/// Readable names of the token types a parser expected.
std::string describe_expected(const antlr4::misc::IntervalSet& set, const antlr4::dfa::Vocabulary& voc) {
  std::vector<std::string> names;
  for (ssize_t t : set.toList()) {
    if (t == antlr4::Token::EOF) {
      names.push_back("end of file");
      continue;
    }
    std::string lit = voc.getLiteralName(t);
    if (!lit.empty()) {
      names.push_back(lit);
      continue;
    }
    std::string sym = voc.getSymbolicName(t);
    if (sym == "Identifier") names.push_back("an identifier");
    else if (sym == "StringLiteral") names.push_back("a quoted file name");
    else if (sym == "VersionSpecifier") names.push_back("a version number");
    else if (sym.find("IntegerLiteral") != std::string::npos) names.push_back("an integer");
    else if (sym == "FloatLiteral") names.push_back("a number");
    else if (sym == "HardwareQubit") names.push_back("a physical qubit");
    else names.push_back(sym);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  if (names.empty() || names.size() > 4) return {};
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

/// Collects syntax errors with a location and a readable message.
///
/// ANTLR's recovery reports follow-on errors for one mistake; only the first
/// error of a statement is kept (errors up to the statement's ';' are
/// dropped). A "no viable alternative" error, which names no expected token,
/// is held back and replaced by a more precise error at the same token when
/// recovery reports one (`rx(0.5 q;` -> expected ')'). A mistake found at the
/// first token of a new line after a token that can end a statement is a
/// missing ';', reported just after that token; unclosed brackets at ';' or
/// at the end of the file are named, as is an unclosed '{'.
class SyntaxErrors : public antlr4::BaseErrorListener {
 public:
  SyntaxErrors(const SourceFile& file, DiagnosticSink* sink) : file_(file), sink_(sink) {}
  bool any = false;

  void syntaxError(antlr4::Recognizer* rec, antlr4::Token* bad, size_t line, size_t col,
                   const std::string& msg, std::exception_ptr ep) override {
    any = true;
    if (!sink_) return;
    auto* parser = dynamic_cast<antlr4::Parser*>(rec);
    if (!parser) {
      // Lexer: msg is "token recognition error at: 'x'".
      flush();
      auto p = msg.find("at: ");
      emit(static_cast<uint32_t>(line), static_cast<uint32_t>(col) + 1,
           "unexpected character " + (p == std::string::npos ? msg : msg.substr(p + 4)));
      return;
    }
    stream_ = dynamic_cast<antlr4::BufferedTokenStream*>(parser->getTokenStream());
    const ssize_t index = bad ? static_cast<ssize_t>(bad->getTokenIndex()) : -1;
    const bool no_viable = msg.rfind("no viable alternative", 0) == 0;
    if (pending_) {
      // A precise error at the held-back token replaces it.
      if (index == pending_->index && !no_viable) {
        suppress_until_ = pending_->suppressed_before;
        pending_.reset();
      } else {
        flush();
      }
    }
    if (index >= 0 && index <= suppress_until_) return;

    Pending e;
    e.index = index;
    e.suppressed_before = suppress_until_;
    e.line = static_cast<uint32_t>(line);
    e.col = static_cast<uint32_t>(col) + 1;
    std::string expected;
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const antlr4::RecognitionException& ex) {
      expected = describe_expected(ex.getExpectedTokens(), parser->getVocabulary());
    } catch (...) {
    }
    if (expected.empty() && msg.rfind("missing ", 0) == 0) {
      // "missing ';' at 'h'"
      auto at = msg.find(" at ");
      expected = msg.substr(8, at == std::string::npos ? std::string::npos : at - 8);
    }
    if (expected.empty() && msg.find("expecting ") != std::string::npos) {
      std::string x = msg.substr(msg.find("expecting ") + 10);
      if (x.find('{') == std::string::npos) expected = x;
    }
    const bool at_eof = bad && bad->getType() == antlr4::Token::EOF;
    antlr4::Token* prev = previous(index);
    std::string closer = bad ? unclosed_bracket(index) : std::string();
    const bool ends = prev && can_end_statement(prev);
    if (bad && ends && !closer.empty() && (at_eof || bad->getType() == qforge_antlr::qasm3Lexer::SEMICOLON)) {
      expected = closer;  // `h q[0;` -> expected ']'
    } else if (bad && ends && closer.empty() &&
               (at_eof || bad->getLine() > prev->getLine() || bad->getType() == qforge_antlr::qasm3Lexer::RBRACE)) {
      expected = "';'";  // the statement before the line break lacks its ';'
    }
    if (at_eof && expected.empty() && brace_depth(index) > 0) {
      e.message = "expected '}' before the end of the file (to close the '{' at line " +
                  std::to_string(open_brace_->getLine()) + ")";
      after(prev, e);
    } else if ((expected == "';'" || expected == "')'" || expected == "']'") && bad) {
      // A missing ';' or bracket is reported just after the previous token.
      after(prev, e);
      e.message = "expected " + expected + (expected == "';'" ? " at the end of the statement" : "");
    } else if (!expected.empty()) {
      e.message = "expected " + expected + ", got " + token_text(bad);
    } else if (msg.rfind("extraneous input", 0) == 0 || msg.rfind("mismatched input", 0) == 0 || no_viable) {
      e.message = "unexpected " + token_text(bad);
    } else {
      e.message = msg;
    }
    if (at_eof && e.message.rfind("unexpected", 0) == 0) {
      e.message = "unexpected end of file";
      after(prev, e);
    }
    // OpenQASM 2's `opaque` is not in the grammar: name the feature.
    std::string src = file_.line(e.line);
    std::size_t first = src.find_first_not_of(" \t");
    if (first != std::string::npos && src.compare(first, 7, "opaque ") == 0) {
      e.message = "opaque gate declarations are not supported";
      e.col = static_cast<uint32_t>(first) + 1;
    }
    // Follow-on errors up to the end of this statement are dropped.
    suppress_until_ = statement_end(index);
    if (no_viable && !at_eof) pending_ = e;
    else emit(e.line, e.col, e.message);
  }

  /// Report a held-back error (call when parsing ends).
  void flush() {
    if (!pending_) return;
    Pending e = *pending_;
    pending_.reset();
    emit(e.line, e.col, e.message);
  }

  static std::size_t utf8_length(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char ch : s)
      if ((ch & 0xC0) != 0x80) ++n;
    return n;
  }

 private:
  struct Pending {
    ssize_t index = -1;
    ssize_t suppressed_before = -1;
    uint32_t line = 0, col = 0;
    std::string message;
  };

  void emit(uint32_t line, uint32_t col, const std::string& message) {
    sink_->error(SourceLoc{file_.name, line, col}, message, file_.line(line));
  }

  antlr4::Token* token(ssize_t i) const { return stream_->get(static_cast<std::size_t>(i)); }

  /// The last default-channel token before token `index`.
  antlr4::Token* previous(ssize_t index) const {
    if (!stream_) return nullptr;
    for (ssize_t i = index - 1; i >= 0; --i)
      if (token(i)->getChannel() == antlr4::Token::DEFAULT_CHANNEL) return token(i);
    return nullptr;
  }

  /// Put the error just after `prev` (on its line).
  static void after(antlr4::Token* prev, Pending& e) {
    if (!prev) return;
    e.line = static_cast<uint32_t>(prev->getLine());
    e.col = static_cast<uint32_t>(prev->getCharPositionInLine() + utf8_length(prev->getText())) + 1;
  }

  static bool can_end_statement(antlr4::Token* t) {
    using L = qforge_antlr::qasm3Lexer;
    switch (t->getType()) {
      case L::Identifier: case L::RBRACKET: case L::RPAREN: case L::HardwareQubit:
      case L::BooleanLiteral: case L::ImaginaryLiteral: case L::BinaryIntegerLiteral:
      case L::OctalIntegerLiteral: case L::DecimalIntegerLiteral: case L::HexIntegerLiteral:
      case L::FloatLiteral: case L::TimingLiteral: case L::BitstringLiteral: case L::StringLiteral:
      case L::BREAK: case L::CONTINUE: case L::END: case L::RETURN:
        return true;
      default: return false;
    }
  }

  /// The closer of the innermost '(' or '[' left open in the statement that
  /// contains token `index`, as "')'" or "']'"; empty when none.
  std::string unclosed_bracket(ssize_t index) const {
    using L = qforge_antlr::qasm3Lexer;
    if (!stream_) return {};
    int parens = 0, brackets = 0;
    for (ssize_t i = index - 1; i >= 0; --i) {
      auto type = token(i)->getType();
      if (type == L::SEMICOLON || type == L::LBRACE || type == L::RBRACE) break;
      if (type == L::RPAREN) ++parens;
      if (type == L::RBRACKET) ++brackets;
      if (type == L::LPAREN && --parens < 0) return "')'";
      if (type == L::LBRACKET && --brackets < 0) return "']'";
    }
    return {};
  }

  /// How many '{' are open before token `index`; sets open_brace_ to the
  /// innermost one.
  int brace_depth(ssize_t index) {
    using L = qforge_antlr::qasm3Lexer;
    std::vector<antlr4::Token*> open;
    for (ssize_t i = 0; stream_ && i < index; ++i) {
      if (token(i)->getType() == L::LBRACE) open.push_back(token(i));
      if (token(i)->getType() == L::RBRACE && !open.empty()) open.pop_back();
    }
    open_brace_ = open.empty() ? nullptr : open.back();
    return static_cast<int>(open.size());
  }

  /// Index of the first ';' at or after token `index` (the end of the file
  /// when there is none).
  ssize_t statement_end(ssize_t index) {
    if (!stream_ || index < 0) return index;
    stream_->fill();  // the tokens after the error may not be read yet
    ssize_t n = static_cast<ssize_t>(stream_->size());
    for (ssize_t i = index; i < n; ++i)
      if (token(i)->getType() == qforge_antlr::qasm3Lexer::SEMICOLON || token(i)->getType() == antlr4::Token::EOF)
        return i;
    return std::numeric_limits<ssize_t>::max();
  }

  const SourceFile& file_;
  DiagnosticSink* sink_;
  antlr4::BufferedTokenStream* stream_ = nullptr;
  std::optional<Pending> pending_;
  ssize_t suppress_until_ = -1;
  antlr4::Token* open_brace_ = nullptr;
};

/// Everything needed to parse one file; owns the ANTLR objects.
/// What a parse-tree node is, found by one virtual call (accept) instead of
/// ANTLR's accessors, which dynamic_cast every child: on large files that
/// cast was a fifth of the front end's time.
enum class NodeKind : uint8_t {
  Other, Terminal,
  // expressions
  Paren, Literal, Binary, Unary, Index, Call, Cast, Durationof,
  // pieces of operands and indices
  IndexedIdentifier, IndexOperator, SetExpression, RangeExpression,
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
  Any visitTerminal(antlr4::tree::TerminalNode*) override { return set(NodeKind::Terminal); }
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
  Any visitIndexedIdentifier(P::IndexedIdentifierContext*) override { return set(NodeKind::IndexedIdentifier); }
  Any visitIndexOperator(P::IndexOperatorContext*) override { return set(NodeKind::IndexOperator); }
  Any visitSetExpression(P::SetExpressionContext*) override { return set(NodeKind::SetExpression); }
  Any visitRangeExpression(P::RangeExpressionContext*) override { return set(NodeKind::RangeExpression); }

  NodeKind kind_ = NodeKind::Other;
};

bool is_expression(NodeKind k) { return k >= NodeKind::Paren && k <= NodeKind::Durationof; }

/// True when `text` may define gates or subroutines, whose parse trees (and
/// tokens) must outlive their statement. Conservative: any `gate`/`def`
/// keyword-like word counts, comments included.
bool may_define_callables(const std::string& text) {
  auto is_id = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (const char* kw : {"gate", "def"}) {
    const std::size_t n = std::char_traits<char>::length(kw);
    for (std::size_t pos = text.find(kw); pos != std::string::npos; pos = text.find(kw, pos + 1)) {
      bool start = pos == 0 || !is_id(text[pos - 1]);
      bool end = pos + n < text.size() && !is_id(text[pos + n]);
      if (start && end) return true;
    }
  }
  return false;
}

struct ParsedFile {
  std::shared_ptr<SourceFile> file;
  std::unique_ptr<antlr4::ANTLRInputStream> input;
  std::unique_ptr<qforge_antlr::qasm3Lexer> lexer;
  std::unique_ptr<antlr4::TokenStream> tokens;  ///< Common (kept) or Unbuffered (streamed)
  std::unique_ptr<P> parser;
  std::unique_ptr<SyntaxErrors> listener;
};

// ---------------------------------------------------------------- lowering

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

 private:
  // files and statements
  void lower_file(const std::shared_ptr<SourceFile>& file, bool is_main);
  void detect_version(const SourceFile& file, bool is_main);
  void set_version(P::VersionContext* v);
  Flow lower_statement_or_scope(P::StatementOrScopeContext* ctx, Scope& scope);
  Flow lower_statement(P::StatementContext* ctx, Scope& scope);
  Flow lower_block(P::StatementOrScopeContext* ctx, Scope& scope);
  Flow lower_scope_body(P::ScopeContext* ctx, Scope& scope);
  void lower_include(P::IncludeStatementContext* ctx);
  void declare(Scope& scope, const std::string& name, Symbol sym, antlr4::ParserRuleContext* at);
  void declare_callable(const std::string& name, Symbol sym, antlr4::ParserRuleContext* at);
  Symbol* find_callable(const std::string& name);
  void lower_quantum_decl(const std::string& name, std::optional<int64_t> size, Scope& scope,
                          antlr4::ParserRuleContext* at);
  void lower_classical_decl(P::ClassicalDeclarationStatementContext* ctx, Scope& scope);
  void lower_const_decl(P::ConstDeclarationStatementContext* ctx, Scope& scope);
  void lower_io_decl(P::IoDeclarationStatementContext* ctx, Scope& scope);
  void lower_gate_def(P::GateStatementContext* ctx, Scope& scope);
  bool definition_matches(const GateDef& def, GateId g);
  void lower_def(P::DefStatementContext* ctx, Scope& scope);
  void lower_gate_call(P::GateCallStatementContext* ctx, Scope& scope, const CallMods& outer);
  bool try_direct_call(P::GateCallStatementContext* ctx, const std::string& name, Scope& scope,
                       const CallMods& outer);
  void lower_measure_arrow(P::MeasureArrowAssignmentStatementContext* ctx, Scope& scope);
  void lower_assignment(P::AssignmentStatementContext* ctx, Scope& scope);
  Flow lower_for(P::ForStatementContext* ctx, Scope& scope);
  Flow lower_while(P::WhileStatementContext* ctx, Scope& scope);
  Flow lower_if(P::IfStatementContext* ctx, Scope& scope);
  Flow lower_switch(P::SwitchStatementContext* ctx, Scope& scope);

  // gates
  void apply_gate(const std::string& name, antlr4::ParserRuleContext* at, std::vector<Expr> params,
                  std::vector<uint32_t> qubits, std::size_t num_ctrl, const std::vector<bool>& ctrl_pos,
                  double power, const CallMods& outer);
  void apply_named(const std::string& name, antlr4::ParserRuleContext* at, const std::vector<Expr>& params,
                   const std::vector<uint32_t>& targets, const std::vector<uint32_t>& controls, double power);
  void emit_prims(const std::vector<Prim>& prims, const std::vector<uint32_t>& targets,
                  const std::vector<uint32_t>& controls);
  void emit_gate(GateId g, std::vector<Expr> params, std::vector<uint32_t> qubits,
                 std::vector<uint32_t> extra_controls);
  void emit_phase(const Expr& phase, std::vector<uint32_t> controls);
  void emit(Operation op);
  void emit_measure(const std::vector<uint32_t>& qubits, const std::vector<uint32_t>& clbits,
                    antlr4::ParserRuleContext* at);
  std::vector<uint32_t> discard_bits(std::size_t n);

  // operands and expressions
  std::vector<uint32_t> resolve_operand(P::GateOperandContext* ctx, Scope& scope);
  std::vector<uint32_t> resolve_indexed(const std::string& name, const std::vector<P::IndexOperatorContext*>& index,
                                        Scope& scope, antlr4::ParserRuleContext* at, bool want_qubits);
  std::vector<uint32_t> qubits_from_expression(P::ExpressionContext* ctx, Scope& scope);
  /// `what` names the indexed object in messages: "register 'q'" when
  /// `register_name` is given, else `what` itself.
  std::vector<int64_t> index_list(P::IndexOperatorContext* ctx, int64_t size, Scope& scope,
                                  const std::string& what, const std::string* register_name = nullptr);
  uint32_t physical_qubit(antlr4::tree::TerminalNode* node);
  Value eval(P::ExpressionContext* ctx, Scope& scope);
  Value eval_binary(const std::string& op, const Value& a, const Value& b, antlr4::ParserRuleContext* at);
  Value eval_call(P::CallExpressionContext* ctx, Scope& scope);
  Value eval_literal(P::LiteralExpressionContext* ctx, Scope& scope);
  Value eval_declaration(P::DeclarationExpressionContext* ctx, Scope& scope);
  Value call_def(const SubDef& def, const std::vector<P::ExpressionContext*>& args, Scope& scope,
                 antlr4::ParserRuleContext* at);
  Value call_def_bound(const SubDef& def, std::vector<Value> classical, std::vector<std::vector<uint32_t>> qubits,
                       const std::vector<antlr4::ParserRuleContext*>& arg_at, antlr4::ParserRuleContext* at);
  Expr number(P::ExpressionContext* ctx, Scope& scope, const std::string& what);
  int64_t integer(P::ExpressionContext* ctx, Scope& scope, const std::string& what);
  double constant(P::ExpressionContext* ctx, Scope& scope, const std::string& what);
  bool truth(const Value& v, antlr4::ParserRuleContext* at, bool& known, std::vector<Condition>& conds);
  Value array_value(P::ArrayLiteralContext* ctx, Scope& scope);

  // diagnostics
  std::string qubit_name(uint32_t q) const;
  SourceLoc loc(antlr4::ParserRuleContext* ctx) const;
  SourceLoc loc(antlr4::Token* tok) const;
  [[noreturn]] void fail(antlr4::ParserRuleContext* at, const std::string& msg) const {
    throw SemanticError{loc(at), msg};
  }
  [[noreturn]] void fail(antlr4::Token* at, const std::string& msg) const {
    throw SemanticError{loc(at), msg};
  }
  void report(const SemanticError& e);
  void warn(antlr4::ParserRuleContext* at, const std::string& msg);
  std::string where(const SourceLoc& l) const {
    return (l.file ? *l.file + ":" : std::string()) + std::to_string(l.line) + ":" + std::to_string(l.col);
  }

  const CompileOptions& opt_;
  DiagnosticSink& diags_;
  bool ll_mode_;
  Circuit circ_;
  Scope global_;
  std::unordered_map<std::string, Symbol> callables_;  ///< gates and subroutines
  /// Gate name -> the table gate it is exactly (see try_direct_call); cleared
  /// whenever a definition or an include changes what names mean.
  std::unordered_map<std::string, std::optional<GateId>> direct_gates_;
  Classifier kind_of_;
  int version_ = 3;
  bool version_known_ = false;
  bool std_included_ = false, qelib_included_ = false;
  bool retain_trees_ = false;
  bool uses_physical_ = false, uses_virtual_ = false;
  std::vector<std::string> include_stack_;
  std::vector<std::shared_ptr<ParsedFile>> kept_files_;  ///< parse trees still referenced
  const SourceFile* current_file_ = nullptr;
  std::vector<Condition> conditions_;  ///< active run-time conditions
  int def_depth_ = 0;
  const std::string* gate_body_ = nullptr;  ///< name of the gate whose body is lowered
  uint32_t cur_line_ = 0;  ///< line of the statement being lowered
  std::optional<Value> return_value_;
  std::unordered_set<std::string> warned_;
  std::shared_ptr<const std::string> discard_name_;
};

/// A qubit as the program spells it: `q[1]`, `q` or `$3`.
std::string Lowerer::qubit_name(uint32_t q) const {
  if (uses_physical_) return "$" + std::to_string(q);
  for (const auto& r : circ_.qregs)
    if (q >= r.first && q < r.first + r.size)
      return r.is_array ? r.name + "[" + std::to_string(q - r.first) + "]" : r.name;
  return std::to_string(q);
}

SourceLoc Lowerer::loc(antlr4::Token* tok) const {
  SourceLoc l;
  if (current_file_) l.file = current_file_->name;
  if (tok) {
    l.line = static_cast<uint32_t>(tok->getLine());
    l.col = static_cast<uint32_t>(tok->getCharPositionInLine()) + 1;
  }
  return l;
}

SourceLoc Lowerer::loc(antlr4::ParserRuleContext* ctx) const {
  return loc(ctx ? ctx->getStart() : nullptr);
}

void Lowerer::report(const SemanticError& e) {
  std::string line;
  if (current_file_ && e.loc.file == current_file_->name) line = current_file_->line(e.loc.line);
  diags_.error(e.loc, e.message, line);
}

void Lowerer::warn(antlr4::ParserRuleContext* at, const std::string& msg) {
  if (!warned_.insert(msg).second) return;  // each warning once per compilation
  SourceLoc l = loc(at);
  diags_.warning(l, msg, current_file_ ? current_file_->line(l.line) : std::string());
}

// ---------------------------------------------------------------- driver

Circuit Lowerer::run(const std::shared_ptr<SourceFile>& main_file) {
  try {
    lower_file(main_file, true);
  } catch (const EndProgram&) {
    // `end;` stops the program: what follows is not lowered.
  }
  if (uses_physical_) circ_.physical_qubits = true;
  circ_.source_version = version_;
  return std::move(circ_);
}

void Lowerer::set_version(P::VersionContext* v) {
  std::string ver = v->VersionSpecifier()->getText();
  version_known_ = true;
  if (ver.rfind("2", 0) == 0) {
    version_ = 2;
  } else if (ver.rfind("3", 0) == 0) {
    version_ = 3;
  } else {
    report(SemanticError{loc(v), "unsupported OpenQASM version " + ver + " (qforge reads 2.0 and 3.x)"});
  }
}

void Lowerer::detect_version(const SourceFile& file, bool is_main) {
  if (!is_main || version_known_) return;
  // Without a version line, a file that includes qelib1.inc is OpenQASM 2
  // (QASMBench writes such files); anything else is OpenQASM 3.
  if (file.text.find("qelib1.inc") != std::string::npos) version_ = 2;
}

void Lowerer::lower_file(const std::shared_ptr<SourceFile>& file, bool is_main) {
  const SourceFile* saved_file = current_file_;
  current_file_ = file.get();
  include_stack_.push_back(file->path);
  detect_version(*file, is_main);

  auto pf = std::make_shared<ParsedFile>();
  pf->file = file;
  pf->input = std::make_unique<antlr4::ANTLRInputStream>(file->text);
  pf->lexer = std::make_unique<qforge_antlr::qasm3Lexer>(pf->input.get());
  // Streaming: in SLL mode a program without gate or subroutine definitions
  // needs no token after its statement is lowered, so tokens are released as
  // parsing goes (a 200k-gate file would otherwise hold over a million).
  const bool stream_tokens = !ll_mode_ && !may_define_callables(file->text);
  if (stream_tokens)
    pf->tokens = std::make_unique<antlr4::UnbufferedTokenStream>(pf->lexer.get());
  else
    pf->tokens = std::make_unique<antlr4::CommonTokenStream>(pf->lexer.get());
  pf->parser = std::make_unique<P>(pf->tokens.get());
  pf->listener = std::make_unique<SyntaxErrors>(*file, ll_mode_ ? &diags_ : nullptr);
  pf->lexer->removeErrorListeners();
  pf->lexer->addErrorListener(pf->listener.get());
  pf->parser->removeErrorListeners();
  pf->parser->addErrorListener(pf->listener.get());
  P& parser = *pf->parser;

  auto lower_top = [&](P::StatementOrScopeContext* s) {
    try {
      lower_statement_or_scope(s, global_);
    } catch (const SemanticError& e) {
      report(e);
    }
  };

  if (!ll_mode_) {
    parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
        antlr4::atn::PredictionMode::SLL);
    parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
    try {
      if (pf->tokens->LA(1) == qforge_antlr::qasm3Lexer::OPENQASM) {
        ssize_t mark = stream_tokens ? pf->tokens->mark() : 0;
        auto* v = parser.version();
        if (pf->listener->any) throw RetryWithLL{};
        if (is_main) set_version(v);
        if (stream_tokens) pf->tokens->release(mark);
      }
      while (pf->tokens->LA(1) != antlr4::Token::EOF) {
        // The mark keeps this statement's tokens alive until it is lowered.
        ssize_t mark = stream_tokens ? pf->tokens->mark() : 0;
        auto* s = parser.statementOrScope();
        if (pf->listener->any) throw RetryWithLL{};
        lower_top(s);
        if (!retain_trees_) parser.getTreeTracker().reset();
        if (stream_tokens) pf->tokens->release(mark);
      }
      if (pf->listener->any) throw RetryWithLL{};
    } catch (const antlr4::ParseCancellationException&) {
      throw RetryWithLL{};
    } catch (const SemanticError& e) {
      report(e);
    }
  } else {
    P::ProgramContext* prog = parser.program();
    pf->listener->flush();
    // A file with syntax errors is not lowered; after an included file's
    // syntax errors nothing more is, as its gates would be reported undefined.
    if (pf->listener->any && !is_main) throw EndProgram{};
    if (!pf->listener->any) {
      if (auto* v = prog->version(); v && is_main) set_version(v);
      for (auto* s : prog->statementOrScope()) lower_top(s);
    }
  }
  if (retain_trees_) kept_files_.push_back(pf);
  include_stack_.pop_back();
  current_file_ = saved_file;
}

// ---------------------------------------------------------------- statements

Flow Lowerer::lower_statement_or_scope(P::StatementOrScopeContext* ctx, Scope& scope) {
  if (auto* s = ctx->statement()) return lower_statement(s, scope);
  Scope inner(&scope);
  return lower_scope_body(ctx->scope(), inner);
}

Flow Lowerer::lower_block(P::StatementOrScopeContext* ctx, Scope& scope) {
  Scope inner(&scope);
  if (auto* s = ctx->statement()) return lower_statement(s, inner);
  return lower_scope_body(ctx->scope(), inner);
}

Flow Lowerer::lower_scope_body(P::ScopeContext* ctx, Scope& scope) {
  for (auto* s : ctx->statementOrScope()) {
    Flow f = lower_statement_or_scope(s, scope);
    if (f != Flow::Normal) return f;
  }
  return Flow::Normal;
}

void Lowerer::declare(Scope& scope, const std::string& name, Symbol sym, antlr4::ParserRuleContext* at) {
  if (Symbol* old = scope.find_local(name)) {
    fail(at, "'" + name + "' is already declared (at " + where(old->loc) + ")");
  }
  scope.insert(name, std::move(sym));
}

// Gates and subroutines live in their own namespace, so that a program may
// call gate `x` and also have an input named `x` (as Qiskit-written files do).
void Lowerer::declare_callable(const std::string& name, Symbol sym, antlr4::ParserRuleContext* at) {
  auto it = callables_.find(name);
  if (it != callables_.end())
    fail(at, std::string(sym.kind == Symbol::Gate ? "gate" : "subroutine") + " '" + name +
                 "' is already defined (at " + where(it->second.loc) + ")");
  if (version_ == 3 && std_included_ && detail::find_library_gate(Library::StdGates, name))
    fail(at, "gate '" + name + "' is already defined in stdgates.inc");
  if (version_ == 3 && detail::find_library_gate(Library::Builtin3, name))
    fail(at, "'" + name + "' is a built-in gate and cannot be redefined");
  callables_.emplace(name, std::move(sym));
  direct_gates_.clear();
}

Symbol* Lowerer::find_callable(const std::string& name) {
  auto it = callables_.find(name);
  return it == callables_.end() ? nullptr : &it->second;
}

Flow Lowerer::lower_statement(P::StatementContext* ctx, Scope& scope) {
  if (ctx->pragma()) return Flow::Normal;
  cur_line_ = static_cast<uint32_t>(ctx->getStart()->getLine());
  bool top = &scope == scope.global() && def_depth_ == 0;
  auto require_top = [&](antlr4::ParserRuleContext* at, const char* what) {
    if (!top) fail(at, std::string(what) + " must be at the top level of the program");
  };
  if (auto* s = ctx->gateCallStatement()) {
    lower_gate_call(s, scope, CallMods{});
  } else if (auto* s = ctx->quantumDeclarationStatement()) {
    std::optional<int64_t> size;
    if (auto* d = s->qubitType()->designator()) size = integer(d->expression(), scope, "a qubit register size");
    lower_quantum_decl(s->Identifier()->getText(), size, scope, s);
  } else if (auto* s = ctx->oldStyleDeclarationStatement()) {
    std::optional<int64_t> size;
    if (auto* d = s->designator()) size = integer(d->expression(), scope, "a register size");
    if (s->QREG()) {
      lower_quantum_decl(s->Identifier()->getText(), size, scope, s);
    } else {
      int64_t n = size.value_or(1);
      if (n <= 0) fail(s->designator(), "register size must be positive, got " + std::to_string(n));
      Symbol sym{Symbol::CReg, loc(s)};
      sym.is_array = size.has_value();
      for (int64_t i = 0; i < n; ++i) sym.indices.push_back(circ_.num_clbits + static_cast<uint32_t>(i));
      std::string name = s->Identifier()->getText();
      declare(scope, name, sym, s);
      circ_.cregs.push_back(Register{name, circ_.num_clbits, static_cast<uint32_t>(n), size.has_value()});
      circ_.num_clbits += static_cast<uint32_t>(n);
    }
  } else if (auto* s = ctx->measureArrowAssignmentStatement()) {
    lower_measure_arrow(s, scope);
  } else if (auto* s = ctx->resetStatement()) {
    for (uint32_t q : resolve_operand(s->gateOperand(), scope)) {
      Operation op;
      op.kind = OpKind::Reset;
      op.qubits = {q};
      op.line = s->getStart()->getLine();
      emit(std::move(op));
    }
  } else if (auto* s = ctx->barrierStatement()) {
    Operation op;
    op.kind = OpKind::Barrier;
    op.line = s->getStart()->getLine();
    if (auto* list = s->gateOperandList()) {
      for (auto* o : list->gateOperand())
        for (uint32_t q : resolve_operand(o, scope))
          if (std::find(op.qubits.begin(), op.qubits.end(), q) == op.qubits.end()) op.qubits.push_back(q);
    } else {
      for (uint32_t q = 0; q < circ_.num_qubits; ++q) op.qubits.push_back(q);
    }
    emit(std::move(op));
  } else if (auto* s = ctx->includeStatement()) {
    require_top(s, "include");
    lower_include(s);
  } else if (auto* s = ctx->classicalDeclarationStatement()) {
    lower_classical_decl(s, scope);
  } else if (auto* s = ctx->constDeclarationStatement()) {
    lower_const_decl(s, scope);
  } else if (auto* s = ctx->ioDeclarationStatement()) {
    require_top(s, "input and output declarations");
    lower_io_decl(s, scope);
  } else if (auto* s = ctx->gateStatement()) {
    require_top(s, "gate definitions");
    lower_gate_def(s, scope);
  } else if (auto* s = ctx->defStatement()) {
    require_top(s, "subroutine definitions");
    lower_def(s, scope);
  } else if (auto* s = ctx->assignmentStatement()) {
    lower_assignment(s, scope);
  } else if (auto* s = ctx->forStatement()) {
    return lower_for(s, scope);
  } else if (auto* s = ctx->whileStatement()) {
    return lower_while(s, scope);
  } else if (auto* s = ctx->ifStatement()) {
    return lower_if(s, scope);
  } else if (auto* s = ctx->switchStatement()) {
    return lower_switch(s, scope);
  } else if (auto* s = ctx->breakStatement()) {
    if (!conditions_.empty()) fail(s, "'break' under a run-time condition is not supported");
    return Flow::Break;
  } else if (auto* s = ctx->continueStatement()) {
    if (!conditions_.empty()) fail(s, "'continue' under a run-time condition is not supported");
    return Flow::Continue;
  } else if (auto* s = ctx->endStatement()) {
    if (!conditions_.empty()) fail(s, "'end' under a run-time condition is not supported");
    throw EndProgram{};
  } else if (auto* s = ctx->returnStatement()) {
    if (def_depth_ == 0) fail(s, "'return' outside a subroutine");
    if (!conditions_.empty()) fail(s, "'return' under a run-time condition is not supported");
    if (auto* m = s->measureExpression()) {
      Value v;
      v.kind = Value::Measured;
      v.qubits = resolve_operand(m->gateOperand(), scope);
      return_value_ = v;
    } else if (auto* e = s->expression()) {
      return_value_ = eval(e, scope);
    } else if (s->quantumCallExpression()) {
      fail(s, "returning the result of a quantum call is not supported");
    } else {
      return_value_.reset();
    }
    return Flow::Return;
  } else if (auto* s = ctx->expressionStatement()) {
    Value v = eval(s->expression(), scope);
    if (v.kind == Value::Measured) emit_measure(v.qubits, discard_bits(v.qubits.size()), s);
  } else if (auto* s = ctx->delayStatement()) {
    Value d = eval(s->designator()->expression(), scope);
    if (d.kind != Value::Duration || !d.num.is_const())
      fail(s->designator(), "delay needs a constant duration such as 100ns, got " + std::string(kind_name(d.kind)));
    if (!opt_.keep_delay_and_box) {
      warn(s, "delay is dropped");
      return Flow::Normal;
    }
    Operation op;
    op.kind = OpKind::Delay;
    op.params = {d.num};
    op.delay_unit = d.unit;
    op.line = s->getStart()->getLine();
    if (auto* list = s->gateOperandList()) {
      for (auto* o : list->gateOperand())
        for (uint32_t q : resolve_operand(o, scope)) op.qubits.push_back(q);
    } else {
      for (uint32_t q = 0; q < circ_.num_qubits; ++q) op.qubits.push_back(q);
    }
    emit(std::move(op));
  } else if (auto* s = ctx->boxStatement()) {
    warn(s, "box is lowered to its contents; its timing is not kept");
    Scope inner(&scope);
    return lower_scope_body(s->scope(), inner);
  } else if (ctx->nopStatement()) {
    // nothing to do
  } else if (auto* s = ctx->aliasDeclarationStatement()) {
    Symbol sym{Symbol::Alias, loc(s)};
    for (auto* e : s->aliasExpression()->expression())
      for (uint32_t q : qubits_from_expression(e, scope)) sym.indices.push_back(q);
    declare(scope, s->Identifier()->getText(), sym, s);
  } else if (auto* s = ctx->externStatement()) {
    fail(s, "extern functions are not supported ('" + s->Identifier()->getText() + "')");
  } else if (auto* s = ctx->defcalStatement()) {
    fail(s, "defcal calibration blocks are not supported");
  } else if (auto* s = ctx->calStatement()) {
    fail(s, "cal calibration blocks are not supported");
  } else if (auto* s = ctx->calibrationGrammarStatement()) {
    warn(s, "defcalgrammar is ignored: calibrations are not supported");
  }
  return Flow::Normal;
}

void Lowerer::lower_include(P::IncludeStatementContext* ctx) {
  std::string raw = ctx->StringLiteral()->getText();
  std::string name = raw.substr(1, raw.size() - 2);
  if (name == "stdgates.inc") {
    if (version_ == 2) fail(ctx, "stdgates.inc is an OpenQASM 3 library; OpenQASM 2 programs include qelib1.inc");
    std_included_ = true;
    direct_gates_.clear();
    return;
  }
  if (name == "qelib1.inc") {
    if (version_ == 3 && version_known_)
      fail(ctx, "qelib1.inc is an OpenQASM 2 library; OpenQASM 3 programs include stdgates.inc");
    qelib_included_ = true;
    direct_gates_.clear();
    return;
  }
  // Relative to the including file, then the -I directories.
  std::vector<fs::path> candidates;
  fs::path base = fs::path(current_file_->path).parent_path();
  candidates.push_back(base / name);
  for (const auto& dir : opt_.include_dirs) candidates.push_back(fs::path(dir) / name);
  for (const auto& c : candidates) {
    std::error_code ec;
    if (!fs::is_regular_file(c, ec)) continue;
    std::string canon = fs::weakly_canonical(c, ec).string();
    for (const auto& open : include_stack_) {
      if (open != canon) continue;
      std::string chain;
      bool on = false;
      for (const auto& p : include_stack_) {
        if (p == canon) on = true;
        if (on) chain += fs::path(p).filename().string() + " -> ";
      }
      fail(ctx, "include cycle: " + chain + fs::path(canon).filename().string());
    }
    std::string text;
    if (!read_text(c.string(), text)) fail(ctx, "cannot read included file '" + c.string() + "'");
    lower_file(make_file(std::move(text), c.string(), canon), false);
    return;
  }
  fail(ctx, "cannot find included file '" + name + "'" +
                (opt_.include_dirs.empty() ? " (searched next to the including file; add -I DIR)" : ""));
}

void Lowerer::lower_quantum_decl(const std::string& name, std::optional<int64_t> size, Scope& scope,
                                 antlr4::ParserRuleContext* at) {
  if (&scope != scope.global() || def_depth_ > 0) fail(at, "qubits must be declared at the top level of the program");
  int64_t n = size.value_or(1);
  if (n <= 0) fail(at, "register size must be positive, got " + std::to_string(n));
  if (circ_.num_qubits + n > kMaxQubits) fail(at, "too many qubits (" + std::to_string(circ_.num_qubits + n) + ")");
  if (uses_physical_) fail(at, "cannot declare qubits in a program that uses physical qubits ($n)");
  uses_virtual_ = true;
  Symbol sym{Symbol::QReg, loc(at)};
  sym.is_array = size.has_value();
  for (int64_t i = 0; i < n; ++i) sym.indices.push_back(circ_.num_qubits + static_cast<uint32_t>(i));
  declare(scope, name, sym, at);
  circ_.qregs.push_back(Register{name, circ_.num_qubits, static_cast<uint32_t>(n), size.has_value()});
  circ_.num_qubits += static_cast<uint32_t>(n);
}

void Lowerer::lower_classical_decl(P::ClassicalDeclarationStatementContext* ctx, Scope& scope) {
  std::string name = ctx->Identifier()->getText();
  auto* st = ctx->scalarType();
  if (st && st->BIT()) {
    // Classical bits are the circuit's clbits.
    std::optional<int64_t> size;
    if (auto* d = st->designator()) size = integer(d->expression(), scope, "a bit register size");
    int64_t n = size.value_or(1);
    if (n <= 0) fail(st, "register size must be positive, got " + std::to_string(n));
    Symbol sym{Symbol::CReg, loc(ctx)};
    sym.is_array = size.has_value();
    for (int64_t i = 0; i < n; ++i) sym.indices.push_back(circ_.num_clbits + static_cast<uint32_t>(i));
    std::vector<uint32_t> bits = sym.indices;
    declare(scope, name, sym, ctx);
    if (&scope == scope.global() && def_depth_ == 0)
      circ_.cregs.push_back(Register{name, circ_.num_clbits, static_cast<uint32_t>(n), size.has_value()});
    else
      circ_.cregs.push_back(Register{name + "_" + std::to_string(circ_.num_clbits), circ_.num_clbits,
                                     static_cast<uint32_t>(n), size.has_value()});
    circ_.num_clbits += static_cast<uint32_t>(n);
    if (auto* init = ctx->declarationExpression()) {
      Value v = eval_declaration(init, scope);
      if (v.kind == Value::Measured) {
        if (v.qubits.size() != bits.size())
          fail(init, "cannot assign the measurement of " + std::to_string(v.qubits.size()) + " qubits to '" +
                         name + "' of " + std::to_string(bits.size()) + " bits");
        emit_measure(v.qubits, bits, init);
      } else if (!(v.kind == Value::Num && v.num.is_const() && v.num.value() == 0)) {
        fail(init, "bits start at 0; initialising '" + name + "' with another value is not supported");
      }
    }
    return;
  }
  if (st && (st->DURATION() || st->STRETCH()))
    fail(ctx, std::string(st->STRETCH() ? "stretch" : "duration") + " variables are not supported");
  Symbol sym{Symbol::Var, loc(ctx)};
  sym.type = ctx->getStart()->getText();
  if (ctx->arrayType()) {
    sym.value.kind = Value::Array;
    if (auto* init = ctx->declarationExpression()) sym.value = eval_declaration(init, scope);
  } else if (auto* init = ctx->declarationExpression()) {
    sym.value = eval_declaration(init, scope);
    if (sym.value.kind == Value::Measured)
      fail(init, "a measurement can only be stored in bits, not in '" + sym.type + "' variable '" + name + "'");
    sym.value = typed(sym.value, sym.type);
  }
  declare(scope, name, sym, ctx);
}

void Lowerer::lower_const_decl(P::ConstDeclarationStatementContext* ctx, Scope& scope) {
  std::string name = ctx->Identifier()->getText();
  Value v = eval_declaration(ctx->declarationExpression(), scope);
  bool ok = (v.kind == Value::Num && v.num.is_const()) || v.kind == Value::Bool ||
            v.kind == Value::Duration || v.kind == Value::Array;
  if (!ok)
    fail(ctx->declarationExpression(), "const '" + name + "' needs a compile-time constant value, got " +
                                           std::string(v.kind == Value::Num ? "an expression of inputs" : kind_name(v.kind)));
  auto* st = ctx->scalarType();
  Symbol sym{Symbol::Const, loc(ctx)};
  sym.value = typed(v, st->getText());
  sym.type = st->getText();
  declare(scope, name, sym, ctx);
}

void Lowerer::lower_io_decl(P::IoDeclarationStatementContext* ctx, Scope& scope) {
  std::string name = ctx->Identifier()->getText();
  if (ctx->OUTPUT()) {
    warn(ctx, "output declarations are ignored ('" + name + "')");
    Symbol sym{Symbol::Var, loc(ctx)};
    declare(scope, name, sym, ctx);
    return;
  }
  InputDecl in;
  in.name = name;
  in.first_symbol = circ_.num_symbols();
  P::ScalarTypeContext* st = ctx->scalarType();
  if (auto* at = ctx->arrayType()) {
    st = at->scalarType();
    for (auto* e : at->expressionList()->expression()) {
      int64_t d = integer(e, scope, "an array dimension");
      if (d <= 0) fail(e, "array dimensions must be positive, got " + std::to_string(d));
      in.shape.push_back(static_cast<uint32_t>(d));
    }
  }
  if (!(st->FLOAT() || st->ANGLE() || st->INT() || st->UINT()))
    fail(st, "input '" + name + "' must be float, angle or int (got " + st->getText() + ")");
  in.type = st->getText();  // the element type; `shape` holds an array's dimensions
  Symbol sym{Symbol::Input, loc(ctx)};
  sym.type = in.type;
  if (in.shape.empty()) {
    sym.value = Value::number(Expr::symbol(in.first_symbol), st->INT() || st->UINT());
  } else {
    // Row-major nested arrays of symbols.
    std::function<Value(std::size_t, uint32_t&)> build = [&](std::size_t dim, uint32_t& next) {
      Value v;
      v.kind = Value::Array;
      for (uint32_t i = 0; i < in.shape[dim]; ++i)
        v.elems.push_back(dim + 1 == in.shape.size() ? Value::number(Expr::symbol(next++)) : build(dim + 1, next));
      return v;
    };
    uint32_t next = in.first_symbol;
    sym.value = build(0, next);
  }
  declare(scope, name, sym, ctx);
  circ_.inputs.push_back(in);
}

void Lowerer::lower_gate_def(P::GateStatementContext* ctx, Scope& scope) {
  auto def = std::make_shared<GateDef>();
  def->name = ctx->Identifier()->getText();
  def->loc = loc(ctx);
  def->body = ctx->scope();
  std::unordered_set<std::string> seen;
  auto add = [&](antlr4::tree::TerminalNode* id, std::vector<std::string>& into) {
    std::string n = id->getText();
    if (!seen.insert(n).second) fail(id->getSymbol(), "'" + n + "' appears twice in the definition of gate '" + def->name + "'");
    into.push_back(n);
  };
  if (ctx->params)
    for (auto* id : ctx->params->Identifier()) add(id, def->params);
  for (auto* id : ctx->qubits->Identifier()) add(id, def->qubits);
  // Library gates may be redefined by OpenQASM 2 files (their own copy of
  // qelib1.inc); the program's definition then wins.
  Symbol sym{Symbol::Gate, loc(ctx)};
  sym.gate = def;
  declare_callable(def->name, sym, ctx);
  retain_trees_ = true;
  if (auto g = gate_by_name(def->name);
      g && gate_info(*g).num_qubits == def->qubits.size() && gate_info(*g).num_params == def->params.size() &&
      definition_matches(*def, *g))
    def->table_gate = g;
}

// Lower `def`'s body on scratch qubits 0..k-1 for two sets of parameter
// values and compare its exact matrix (global phase included) with the table
// gate's. The scratch operations are removed again.
bool Lowerer::definition_matches(const GateDef& def, GateId g) {
  const std::size_t k = def.qubits.size(), dim = std::size_t(1) << k;
  const std::size_t saved_ops = circ_.ops.size();
  const uint32_t saved_qubits = circ_.num_qubits;
  const Expr saved_phase = circ_.global_phase;
  const std::vector<std::vector<double>> trials = {{0.3, -1.1, 2.2, 0.7}, {-2.5, 0.4, 1.3, -0.9}};
  bool same = true;
  for (const auto& values : trials) {
    std::vector<Expr> params;
    std::vector<double> p(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(def.params.size()));
    for (double v : p) params.push_back(Expr(v));
    std::vector<uint32_t> targets(k);
    for (std::size_t i = 0; i < k; ++i) targets[i] = static_cast<uint32_t>(i);
    circ_.global_phase = Expr(0.0);
    circ_.num_qubits = std::max<uint32_t>(circ_.num_qubits, static_cast<uint32_t>(k));
    try {
      apply_named(def.name, def.body, params, targets, {}, 1.0);
    } catch (const SemanticError&) {
      same = false;
    }
    // Multiply the body's gates into a dense matrix (qubit 0 = targets[0]
    // is the most significant bit, as in gate_matrix).
    std::vector<cplx> u(dim * dim, 0);
    for (std::size_t i = 0; i < dim; ++i) u[i * dim + i] = 1;
    for (std::size_t o = saved_ops; same && o < circ_.ops.size(); ++o) {
      const Operation& op = circ_.ops[o];
      if (!op.is_gate() || !op.conditions.empty()) {
        same = false;
        break;
      }
      std::vector<double> pv;
      for (const auto& e : op.params) {
        if (!e.is_const()) same = false;
        pv.push_back(e.is_const() ? e.value() : 0.0);
      }
      std::vector<cplx> m = gate_matrix(op.gate, pv.data());
      std::size_t gd = std::size_t(1) << gate_info(op.gate).num_qubits;
      // Extra controls: block-diagonal extension, controls most significant.
      for (uint8_t c = 0; c < op.num_controls; ++c) {
        std::vector<cplx> big(4 * gd * gd, 0);
        for (std::size_t i = 0; i < gd; ++i) big[i * 2 * gd + i] = 1;
        for (std::size_t i = 0; i < gd; ++i)
          for (std::size_t j = 0; j < gd; ++j) big[(gd + i) * 2 * gd + gd + j] = m[i * gd + j];
        m = std::move(big);
        gd *= 2;
      }
      const std::size_t a = op.qubits.size();
      std::vector<cplx> next(dim * dim, 0);
      for (std::size_t col = 0; col < dim; ++col) {
        for (std::size_t row = 0; row < dim; ++row) {
          cplx amp = u[row * dim + col];
          if (amp == cplx(0)) continue;
          // Local index of `row` on the op's qubits, first qubit most significant.
          std::size_t local = 0;
          for (std::size_t t = 0; t < a; ++t) local = (local << 1) | ((row >> (k - 1 - op.qubits[t])) & 1);
          for (std::size_t out = 0; out < gd; ++out) {
            cplx f = m[out * gd + local];
            if (f == cplx(0)) continue;
            std::size_t r2 = row;
            for (std::size_t t = 0; t < a; ++t) {
              std::size_t bit = std::size_t(1) << (k - 1 - op.qubits[t]);
              r2 = ((out >> (a - 1 - t)) & 1) ? (r2 | bit) : (r2 & ~bit);
            }
            next[r2 * dim + col] += f * amp;
          }
        }
      }
      u = std::move(next);
    }
    if (same && !circ_.global_phase.is_const()) same = false;
    if (same) {
      const cplx phase = std::polar(1.0, circ_.global_phase.value());
      std::vector<cplx> want = gate_matrix(g, p.data());
      for (std::size_t i = 0; i < want.size(); ++i)
        if (std::abs(phase * u[i] - want[i]) > 1e-9) same = false;
    }
    circ_.ops.resize(saved_ops);
    if (!same) break;
  }
  circ_.num_qubits = saved_qubits;
  circ_.global_phase = saved_phase;
  return same;
}

void Lowerer::lower_def(P::DefStatementContext* ctx, Scope& scope) {
  auto def = std::make_shared<SubDef>();
  def->name = ctx->Identifier()->getText();
  def->loc = loc(ctx);
  def->body = ctx->scope();
  if (auto* list = ctx->argumentDefinitionList()) {
    for (auto* a : list->argumentDefinition()) {
      DefArg arg;
      arg.name = a->Identifier()->getText();
      if (auto* q = a->qubitType()) {
        arg.kind = DefArg::Qubits;
        if (auto* d = q->designator()) arg.size = integer(d->expression(), scope, "a qubit argument size");
      } else if (a->QREG()) {
        arg.kind = DefArg::Qubits;
        if (auto* d = a->designator()) arg.size = integer(d->expression(), scope, "a qubit argument size");
      } else if (a->arrayReferenceType() || a->CREG()) {
        fail(a, "array and creg arguments of subroutines are not supported ('" + arg.name + "')");
      } else {
        arg.kind = DefArg::Classical;
        arg.type = a->scalarType()->getText();
      }
      def->args.push_back(arg);
    }
  }
  Symbol sym{Symbol::Def, loc(ctx)};
  sym.def = def;
  declare_callable(def->name, sym, ctx);
  retain_trees_ = true;
}

// ---------------------------------------------------------------- gates

void Lowerer::lower_gate_call(P::GateCallStatementContext* ctx, Scope& scope, const CallMods& outer) {
  const bool is_gphase = ctx->GPHASE() != nullptr;
  std::string name = is_gphase ? "gphase" : ctx->Identifier()->getText();
  if (Symbol* c = find_callable(name); c && c->kind == Symbol::Def) {
    // A subroutine called like a gate: `name(classical args) qubits...;`.
    if (!ctx->gateModifier().empty()) fail(ctx, "modifiers on subroutine calls are not supported");
    std::vector<Value> classical;
    std::vector<std::vector<uint32_t>> qubits;
    std::vector<antlr4::ParserRuleContext*> where;
    if (auto* list = ctx->expressionList())
      for (auto* e : list->expression()) classical.push_back(eval(e, scope));
    for (auto* o : ctx->gateOperandList()->gateOperand()) {
      qubits.push_back(resolve_operand(o, scope));
      where.push_back(o);
    }
    Value r = call_def_bound(*c->def, std::move(classical), std::move(qubits), {}, ctx);
    if (r.kind == Value::Measured) emit_measure(r.qubits, discard_bits(r.qubits.size()), ctx);
    return;
  }
  if (ctx->designator()) fail(ctx->designator(), "gate durations (name[duration]) are not supported");
  if (try_direct_call(ctx, name, scope, outer)) return;

  // Modifiers, outermost first: controls consume the leading operands.
  std::size_t num_ctrl = 0;
  std::vector<bool> ctrl_pos;
  double power = 1;
  for (auto* m : ctx->gateModifier()) {
    if (m->INV()) {
      power = -power;
    } else if (m->POW()) {
      double k = constant(m->expression(), scope, "a pow() exponent");
      power *= k;
    } else {
      int64_t n = 1;
      if (m->expression()) n = integer(m->expression(), scope, "a ctrl() count");
      if (n < 1) fail(m->expression(), "ctrl() needs a positive count, got " + std::to_string(n));
      num_ctrl += static_cast<std::size_t>(n);
      for (int64_t i = 0; i < n; ++i) ctrl_pos.push_back(m->CTRL() != nullptr);
    }
  }
  std::vector<Expr> params;
  if (auto* list = ctx->expressionList())
    for (auto* e : list->expression()) params.push_back(number(e, scope, "a gate parameter"));

  // Operands, broadcast over registers: a whole register or a slice of one
  // is a register operand; `q[1]`, `$3`, a gate argument or `qubit q` is one qubit.
  std::vector<std::vector<uint32_t>> operands;
  std::size_t width = 1;
  bool broadcast = false;
  if (auto* list = ctx->gateOperandList()) {
    for (auto* o : list->gateOperand()) {
      operands.push_back(resolve_operand(o, scope));
      bool is_register = false;
      if (auto* id = o->indexedIdentifier()) {
        Symbol* sym = scope.find(id->Identifier()->getText());
        if (id->indexOperator().empty())
          is_register = sym && sym->kind != Symbol::GateQubit && (sym->is_array || sym->kind == Symbol::Alias) &&
                        !(sym->kind == Symbol::Alias && sym->indices.size() == 1);
        else
          is_register = id->indexOperator().back()->setExpression() ||
                        !id->indexOperator().back()->rangeExpression().empty();
      }
      if (!is_register) continue;
      if (broadcast && operands.back().size() != width)
        fail(o, "registers in one gate call must have the same size (" + std::to_string(width) + " and " +
                    std::to_string(operands.back().size()) + ")");
      broadcast = true;
      width = operands.back().size();
      if (width == 0) return;
    }
  }
  for (std::size_t i = 0; i < width; ++i) {
    std::vector<uint32_t> qubits;
    for (std::size_t k = 0; k < operands.size(); ++k)
      qubits.push_back(operands[k].size() == 1 ? operands[k][0] : operands[k][i]);
    apply_gate(name, ctx, params, qubits, num_ctrl, ctrl_pos, power, outer);
  }
}

// The common case, on the hot path of large files: a library gate that is
// exactly one table gate (h, cx, rz, ...), without modifiers, on single
// qubits. Emitted directly; anything else takes the general path.
bool Lowerer::try_direct_call(P::GateCallStatementContext* ctx, const std::string& name, Scope& scope,
                              const CallMods& outer) {
  if (!outer.controls.empty() || outer.power != 1) return false;
  auto cached = direct_gates_.find(name);
  std::optional<GateId> gate;
  if (cached != direct_gates_.end()) {
    gate = cached->second;
  } else {
    // Decide once per name: a library gate (not shadowed by a definition)
    // whose expansion is one table gate on its own arguments, no phase.
    if (name != "gphase" && !find_callable(name)) {
      const detail::LibGate* lg = nullptr;
      Library lib = Library::Builtin3;
      if (version_ == 3) {
        lg = detail::find_library_gate(Library::Builtin3, name);
        if (!lg && std_included_) lg = detail::find_library_gate(lib = Library::StdGates, name);
      } else {
        lg = detail::find_library_gate(lib = Library::Builtin2, name);
        if (!lg && qelib_included_) lg = detail::find_library_gate(lib = Library::Qelib1, name);
      }
      if (lg) {
        std::vector<Expr> probe(lg->num_params, Expr(0.25));
        auto prims = detail::expand_library_gate(lib, name, probe);
        if (prims.size() == 1 && !prims[0].is_phase && prims[0].extra_controls == 0 &&
            prims[0].args.size() == lg->num_qubits && gate_info(prims[0].gate).num_params == lg->num_params) {
          bool identity = true;
          for (std::size_t i = 0; i < prims[0].args.size(); ++i) identity = identity && prims[0].args[i] == i;
          for (std::size_t i = 0; i < probe.size(); ++i) identity = identity && prims[0].params[i].same_as(probe[i]);
          if (identity) gate = prims[0].gate;
        }
      }
    }
    direct_gates_.emplace(name, gate);
  }
  if (!gate || !ctx->gateModifier().empty()) return false;
  auto* list = ctx->gateOperandList();
  if (!list) return false;
  const GateInfo& info = gate_info(*gate);
  std::vector<P::GateOperandContext*> operands = list->gateOperand();
  // Only single-qubit operands (q[i], $n, gate arguments, `qubit q`).
  std::vector<uint32_t> qubits;
  qubits.reserve(operands.size());
  for (auto* o : operands) {
    if (auto* id = o->indexedIdentifier()) {
      auto idx = id->indexOperator();
      if (idx.size() != 1 || idx[0]->setExpression() || !idx[0]->rangeExpression().empty()) return false;
    }
    std::vector<uint32_t> q = resolve_operand(o, scope);
    if (q.size() != 1) return false;
    qubits.push_back(q[0]);
  }
  std::vector<Expr> params;
  if (auto* el = ctx->expressionList())
    for (auto* e : el->expression()) params.push_back(number(e, scope, "a gate parameter"));
  if (params.size() != info.num_params || qubits.size() != info.num_qubits) return false;  // general path reports
  for (std::size_t i = 0; i < qubits.size(); ++i)
    for (std::size_t j = i + 1; j < qubits.size(); ++j)
      if (qubits[i] == qubits[j]) return false;
  Operation op;
  op.gate = *gate;
  op.qubits = std::move(qubits);
  op.params = std::move(params);
  emit(std::move(op));
  return true;
}

void Lowerer::apply_gate(const std::string& name, antlr4::ParserRuleContext* at, std::vector<Expr> params,
                         std::vector<uint32_t> qubits, std::size_t num_ctrl, const std::vector<bool>& ctrl_pos,
                         double power, const CallMods& outer) {
  // Arity.
  std::size_t want_q = 0, want_p = 0;
  Symbol* sym = find_callable(name);
  if (name == "gphase") {
    want_q = 0;
    want_p = 1;
  } else if (name == "opaque" && version_ == 2) {
    fail(at, "opaque gate declarations are not supported");
  } else if (sym && sym->kind == Symbol::Gate) {
    want_q = sym->gate->qubits.size();
    want_p = sym->gate->params.size();
  } else {
    const detail::LibGate* lg = nullptr;
    if (version_ == 3) {
      lg = detail::find_library_gate(Library::Builtin3, name);
      if (!lg && std_included_) lg = detail::find_library_gate(Library::StdGates, name);
    } else {
      lg = detail::find_library_gate(Library::Builtin2, name);
      if (!lg && qelib_included_) lg = detail::find_library_gate(Library::Qelib1, name);
    }
    if (!lg) {
      std::string hint;
      if (version_ == 3 && !std_included_ && detail::find_library_gate(Library::StdGates, name))
        hint = " (did you forget include \"stdgates.inc\";?)";
      else if (version_ == 2 && !qelib_included_ && detail::find_library_gate(Library::Qelib1, name))
        hint = " (did you forget include \"qelib1.inc\";?)";
      fail(at, "undefined gate '" + name + "'" + hint);
    }
    want_q = lg->num_qubits;
    want_p = lg->num_params;
  }
  if (params.size() != want_p)
    fail(at, "gate '" + name + "' expects " + std::to_string(want_p) + " parameter" + (want_p == 1 ? "" : "s") +
                 ", got " + std::to_string(params.size()));
  if (qubits.size() != want_q + num_ctrl) {
    std::string what = num_ctrl ? "'" + name + "' with " + std::to_string(num_ctrl) + " control" +
                                      (num_ctrl == 1 ? "" : "s")
                                : "gate '" + name + "'";
    fail(at, what + " expects " + std::to_string(want_q + num_ctrl) + " qubit argument" +
                 (want_q + num_ctrl == 1 ? "" : "s") + ", got " + std::to_string(qubits.size()));
  }
  {
    std::vector<uint32_t> all = qubits;
    all.insert(all.end(), outer.controls.begin(), outer.controls.end());
    std::sort(all.begin(), all.end());
    for (std::size_t i = 1; i < all.size(); ++i)
      if (all[i] == all[i - 1])
        fail(at, "qubit " + qubit_name(all[i]) + " is used twice in one gate call");
  }
  // negctrl: conjugate those controls with X.
  std::vector<uint32_t> controls = outer.controls;
  std::vector<uint32_t> flipped;
  for (std::size_t i = 0; i < num_ctrl; ++i) {
    controls.push_back(qubits[i]);
    if (!ctrl_pos[i]) flipped.push_back(qubits[i]);
  }
  std::vector<uint32_t> targets(qubits.begin() + static_cast<std::ptrdiff_t>(num_ctrl), qubits.end());
  for (uint32_t q : flipped) emit_gate(GateId::X, {}, {q}, {});
  apply_named(name, at, params, targets, controls, power * outer.power);
  for (uint32_t q : flipped) emit_gate(GateId::X, {}, {q}, {});
}

void Lowerer::apply_named(const std::string& name, antlr4::ParserRuleContext* at, const std::vector<Expr>& params,
                          const std::vector<uint32_t>& targets, const std::vector<uint32_t>& controls, double power) {
  if (power == 0) return;
  const bool integral = std::trunc(power) == power;
  Symbol* sym = find_callable(name);
  if (sym && sym->kind == Symbol::Gate && sym->gate->table_gate) {
    // A definition that is exactly a table gate: the table gate itself.
    Prim p;
    p.gate = *sym->gate->table_gate;
    p.params = params;
    for (std::size_t i = 0; i < targets.size(); ++i) p.args.push_back(static_cast<uint8_t>(i));
    std::vector<Prim> prims{p};
    if (integral) {
      std::vector<Prim> step = power > 0 ? prims : detail::invert(prims);
      for (double rep = 0; rep < std::fabs(power); ++rep) emit_prims(step, targets, controls);
      return;
    }
    std::vector<Prim> powered;
    if (!detail::table_gate_power(p.gate, p.params, power, powered))
      fail(at, "pow(" + format_number(power) + ") with a non-integer exponent is not supported on gate '" + name + "'");
    emit_prims(powered, targets, controls);
    return;
  }
  if (sym && sym->kind == Symbol::Gate) {
    const GateDef& def = *sym->gate;
    std::vector<P::StatementOrScopeContext*> body = def.body->statementOrScope();
    // Body scope: parameters and qubit names only (and global constants).
    Scope local(&global_, true);
    for (std::size_t i = 0; i < def.params.size(); ++i) {
      Symbol p{Symbol::Const, def.loc};
      p.value = Value::number(params[i]);
      local.insert(def.params[i], p);
    }
    for (std::size_t i = 0; i < def.qubits.size(); ++i) {
      Symbol q{Symbol::GateQubit, def.loc};
      q.indices = {targets[i]};
      local.insert(def.qubits[i], q);
    }
    auto walk = [&](P::StatementOrScopeContext* s, double p) {
      P::StatementContext* st = s->statement();
      if (!st) fail(s, "nested scopes are not allowed in a gate body");
      if (auto* call = st->gateCallStatement()) {
        CallMods mods{controls, p};
        const std::string* saved = gate_body_;
        gate_body_ = &def.name;
        try {
          lower_gate_call(call, local, mods);
        } catch (...) {
          gate_body_ = saved;
          throw;
        }
        gate_body_ = saved;
      } else if (st->barrierStatement() || st->pragma() || st->nopStatement()) {
        // Barriers inside definitions carry no meaning once inlined.
      } else {
        fail(st, "only gate calls are allowed in the body of gate '" + def.name + "'");
      }
    };
    if (integral) {
      double sign = power < 0 ? -1 : 1;
      for (double rep = 0; rep < std::fabs(power); ++rep) {
        if (sign > 0)
          for (auto* s : body) walk(s, 1);
        else
          for (auto it = body.rbegin(); it != body.rend(); ++it) walk(*it, -1);
      }
      return;
    }
    std::size_t calls = 0;
    for (auto* s : body)
      if (s->statement() && s->statement()->gateCallStatement()) ++calls;
    if (calls != 1 || body.size() != 1)
      fail(at, "pow(" + format_number(power) + ") with a non-integer exponent is not supported on gate '" + name +
                   "', whose body has more than one gate");
    walk(body[0], power);
    return;
  }
  // Library and built-in gates.
  if (name == "gphase") {
    emit_phase(params[0] * Expr(power), controls);
    return;
  }
  Library lib = version_ == 3 ? (detail::find_library_gate(Library::Builtin3, name) ? Library::Builtin3 : Library::StdGates)
                              : (detail::find_library_gate(Library::Builtin2, name) ? Library::Builtin2 : Library::Qelib1);
  std::vector<Prim> prims = detail::expand_library_gate(lib, name, params);
  if (integral) {
    std::vector<Prim> step = power > 0 ? prims : detail::invert(prims);
    for (double rep = 0; rep < std::fabs(power); ++rep) emit_prims(step, targets, controls);
    return;
  }
  // Non-integer power: a single table gate (plus phase) with an exact rule.
  std::vector<Prim> powered;
  Expr phase_sum(0.0);
  const Prim* the_gate = nullptr;
  for (const auto& p : prims) {
    if (p.is_phase) phase_sum = phase_sum + p.params[0];
    else if (!the_gate) the_gate = &p;
    else the_gate = nullptr;
  }
  bool ok = the_gate && the_gate->extra_controls == 0 &&
            detail::table_gate_power(the_gate->gate, the_gate->params, power, powered);
  if (!ok)
    fail(at, "pow(" + format_number(power) + ") with a non-integer exponent is not supported on gate '" + name + "'");
  // The phase of the library definition scales with the power too.
  if (!(phase_sum.is_const() && phase_sum.value() == 0)) {
    Prim ph;
    ph.is_phase = true;
    ph.params = {phase_sum * Expr(power)};
    powered.push_back(ph);
  }
  // Remap prim args through the gate's own args.
  for (auto& p : powered) {
    if (p.is_phase) continue;
    for (auto& a : p.args) a = the_gate->args[a];
  }
  emit_prims(powered, targets, controls);
}

void Lowerer::emit_prims(const std::vector<Prim>& prims, const std::vector<uint32_t>& targets,
                         const std::vector<uint32_t>& controls) {
  for (const auto& p : prims) {
    if (p.is_phase) {
      emit_phase(p.params[0], controls);
      continue;
    }
    std::vector<uint32_t> q;
    for (uint8_t a : p.args) q.push_back(targets[a]);
    std::vector<uint32_t> extra = controls;
    extra.insert(extra.end(), q.begin(), q.begin() + p.extra_controls);
    q.erase(q.begin(), q.begin() + p.extra_controls);
    emit_gate(p.gate, p.params, std::move(q), std::move(extra));
  }
}

void Lowerer::emit_gate(GateId g, std::vector<Expr> params, std::vector<uint32_t> qubits,
                        std::vector<uint32_t> extra) {
  if (g == GateId::I && !extra.empty()) return;  // a controlled identity does nothing
  // Absorb extra controls into the table's controlled gates: ctrl @ x -> cx,
  // ctrl @ cx -> ccx, ctrl @ u3 -> cu(.., 0), ...
  while (!extra.empty()) {
    std::optional<GateId> up;
    switch (g) {
      case GateId::X: up = GateId::CX; break;
      case GateId::CX: up = GateId::CCX; break;
      case GateId::Y: up = GateId::CY; break;
      case GateId::Z: up = GateId::CZ; break;
      case GateId::CZ: up = GateId::CCZ; break;
      case GateId::H: up = GateId::CH; break;
      case GateId::SX: up = GateId::CSX; break;
      case GateId::P: up = GateId::CP; break;
      case GateId::U1: up = GateId::CU1; break;
      case GateId::RX: up = GateId::CRX; break;
      case GateId::RY: up = GateId::CRY; break;
      case GateId::RZ: up = GateId::CRZ; break;
      case GateId::U3: up = GateId::CU; params.push_back(Expr(0.0)); break;
      case GateId::Swap: up = GateId::CSwap; break;
      default: break;
    }
    if (!up) break;
    g = *up;
    qubits.insert(qubits.begin(), extra.back());
    extra.pop_back();
  }
  Operation op;
  op.gate = g;
  op.num_controls = static_cast<uint8_t>(extra.size());
  op.qubits = std::move(extra);
  op.qubits.insert(op.qubits.end(), qubits.begin(), qubits.end());
  op.params = std::move(params);
  emit(std::move(op));
}

void Lowerer::emit_phase(const Expr& phase, std::vector<uint32_t> controls) {
  if (phase.is_const() && phase.value() == 0) return;
  if (controls.empty()) {
    // A phase inside a run-time branch is a global phase of that branch only:
    // unobservable, so it is not recorded.
    if (conditions_.empty()) circ_.global_phase = circ_.global_phase + phase;
    return;
  }
  uint32_t last = controls.back();
  controls.pop_back();
  emit_gate(GateId::P, {phase}, {last}, std::move(controls));
}

void Lowerer::emit(Operation op) {
  op.conditions.insert(op.conditions.end(), conditions_.begin(), conditions_.end());
  if (op.line == 0) op.line = cur_line_;
  circ_.ops.push_back(std::move(op));
}

std::vector<uint32_t> Lowerer::discard_bits(std::size_t n) {
  // Results that the program does not store go to bits of their own.
  std::vector<uint32_t> bits;
  Register* reg = nullptr;
  for (auto& r : circ_.cregs)
    if (r.name == "unstored_measure") reg = &r;
  for (std::size_t i = 0; i < n; ++i) {
    if (!reg || reg->first + reg->size != circ_.num_clbits) {
      circ_.cregs.push_back(Register{"unstored_measure", circ_.num_clbits, 0, true});
      reg = &circ_.cregs.back();
    }
    bits.push_back(circ_.num_clbits++);
    reg->size++;
  }
  return bits;
}

void Lowerer::emit_measure(const std::vector<uint32_t>& qubits, const std::vector<uint32_t>& clbits,
                           antlr4::ParserRuleContext* at) {
  if (qubits.size() != clbits.size())
    fail(at, "measure needs as many bits as qubits (" + std::to_string(qubits.size()) + " qubits, " +
                 std::to_string(clbits.size()) + " bits)");
  for (std::size_t i = 0; i < qubits.size(); ++i) {
    Operation op;
    op.kind = OpKind::Measure;
    op.qubits = {qubits[i]};
    op.clbits = {clbits[i]};
    op.line = at ? at->getStart()->getLine() : 0;
    emit(std::move(op));
  }
}

void Lowerer::lower_measure_arrow(P::MeasureArrowAssignmentStatementContext* ctx, Scope& scope) {
  if (ctx->quantumCallExpression())
    fail(ctx, "'" + ctx->quantumCallExpression()->Identifier()->getText() +
                  "' is not a measurement; a gate call takes no '->'");
  std::vector<uint32_t> qubits = resolve_operand(ctx->measureExpression()->gateOperand(), scope);
  std::vector<uint32_t> bits;
  if (auto* target = ctx->indexedIdentifier())
    bits = resolve_indexed(target->Identifier()->getText(), target->indexOperator(), scope, target, false);
  else
    bits = discard_bits(qubits.size());
  emit_measure(qubits, bits, ctx);
}

void Lowerer::lower_assignment(P::AssignmentStatementContext* ctx, Scope& scope) {
  auto* target = ctx->indexedIdentifier();
  std::string name = target->Identifier()->getText();
  Symbol* sym = scope.find(name);
  if (!sym) fail(target, "undefined name '" + name + "'");
  Value v;
  if (auto* m = ctx->measureExpression()) {
    v.kind = Value::Measured;
    v.qubits = resolve_operand(m->gateOperand(), scope);
  } else if (auto* e = ctx->expression()) {
    v = eval(e, scope);
  } else {
    fail(ctx, "assigning the result of a gate call is not supported");
  }
  if (sym->kind == Symbol::CReg) {
    std::vector<uint32_t> bits = resolve_indexed(name, target->indexOperator(), scope, target, false);
    if (v.kind == Value::Measured) {
      if (ctx->CompoundAssignmentOperator()) fail(ctx, "compound assignment of a measurement is not supported");
      emit_measure(v.qubits, bits, ctx);
      return;
    }
    fail(ctx, "run-time classical computation on bits is not supported (assignment to '" + name + "')");
  }
  if (sym->kind == Symbol::Const || sym->kind == Symbol::Input)
    fail(target, "cannot assign to " + std::string(sym->kind == Symbol::Const ? "const" : "input") + " '" + name + "'");
  if (sym->kind != Symbol::Var) fail(target, "cannot assign to '" + name + "'");
  if (v.kind == Value::Measured)
    fail(ctx, "a measurement can only be stored in bits, not in '" + sym->type + "' variable '" + name + "'");
  if (!conditions_.empty())
    fail(ctx, "assignment to '" + name + "' under a run-time condition is not supported");
  if (!target->indexOperator().empty()) {
    if (sym->value.kind != Value::Array) fail(target, "'" + name + "' is not an array");
    Value* slot = &sym->value;
    for (auto* idx : target->indexOperator()) {
      for (auto* e : idx->expression()) {
        int64_t i = integer(e, scope, "an array index");
        if (slot->kind != Value::Array || i < 0 || i >= static_cast<int64_t>(slot->elems.size()))
          fail(e, "index " + std::to_string(i) + " out of range for '" + name + "'" +
                      (slot->kind == Value::Array ? " of size " + std::to_string(slot->elems.size()) : ""));
        slot = &slot->elems[static_cast<std::size_t>(i)];
      }
      if (!idx->rangeExpression().empty() || idx->setExpression())
        fail(idx, "assigning to array slices is not supported");
    }
    *slot = v;
    return;
  }
  if (auto* op = ctx->CompoundAssignmentOperator()) {
    std::string o = op->getText();
    o.pop_back();
    if (sym->value.kind == Value::Unknown) fail(target, "'" + name + "' has no compile-time value");
    v = eval_binary(o, sym->value, v, ctx);
  }
  sym->value = typed(v, sym->type);
}

Flow Lowerer::lower_for(P::ForStatementContext* ctx, Scope& scope) {
  std::vector<Value> items;
  if (auto* set = ctx->setExpression()) {
    for (auto* e : set->expression()) items.push_back(eval(e, scope));
  } else if (auto* r = ctx->rangeExpression()) {
    auto exprs = r->expression();
    auto colons = r->COLON();
    // [start : end] or [start : step : end], end inclusive.
    if (exprs.size() < 2 || (colons.size() == 2 && exprs.size() != 3))
      fail(r, "a loop range needs a start and an end, as in [0:3] or [0:2:8]");
    int64_t start = integer(exprs[0], scope, "a loop bound");
    int64_t step = colons.size() == 2 ? integer(exprs[1], scope, "a loop step") : 1;
    int64_t stop = integer(exprs.back(), scope, "a loop bound");
    if (step == 0) fail(exprs[1], "a loop step must not be zero");
    uint64_t count = 0;
    for (int64_t i = start; step > 0 ? i <= stop : i >= stop; i += step) {
      if (++count > kMaxLoopIterations) fail(r, "loop has more than 10000000 iterations");
      items.push_back(Value::number(Expr(double(i)), true));
    }
  } else {
    Value v = eval(ctx->expression(), scope);
    if (v.kind == Value::Array) items = v.elems;
    else if (v.kind == Value::Bits) {
      fail(ctx->expression(), "looping over run-time bits is not supported");
    } else {
      fail(ctx->expression(), "cannot loop over " + std::string(kind_name(v.kind)));
    }
  }
  std::string var = ctx->Identifier()->getText();
  for (const Value& item : items) {
    Scope inner(&scope);
    Symbol s{Symbol::Var, loc(ctx)};
    s.type = ctx->scalarType()->getText();
    s.value = typed(item, s.type);
    inner.insert(var, s);
    Flow f = lower_block(ctx->body, inner);
    if (f == Flow::Break) break;
    if (f == Flow::Return) return f;
  }
  return Flow::Normal;
}

Flow Lowerer::lower_while(P::WhileStatementContext* ctx, Scope& scope) {
  for (uint64_t n = 0;; ++n) {
    if (n > kMaxLoopIterations) fail(ctx, "while loop did not finish after 10000000 iterations");
    Value v = eval(ctx->expression(), scope);
    if (v.kind == Value::Unknown) fail(ctx, "while loops on run-time values are not supported");
    bool known = false;
    std::vector<Condition> conds;
    bool t = truth(v, ctx->expression(), known, conds);
    if (!known) fail(ctx, "while loops on run-time values are not supported");
    if (!t) return Flow::Normal;
    Flow f = lower_block(ctx->body, scope);
    if (f == Flow::Break) return Flow::Normal;
    if (f == Flow::Return) return f;
  }
}

bool Lowerer::truth(const Value& v, antlr4::ParserRuleContext* at, bool& known, std::vector<Condition>& conds) {
  known = true;
  if (v.kind == Value::Unknown && !v.name.empty())
    fail(at, "conditions on run-time classical values are not supported ('" + v.name + "' is not a measured bit)");
  switch (v.kind) {
    case Value::Bool: return v.b;
    case Value::Num:
      if (!v.num.is_const()) fail(at, "a condition on input parameters is not supported (inputs are only known at run time)");
      return v.num.value() != 0;
    case Value::Bits: {
      known = false;
      Condition c;
      c.clbits = v.bits;
      c.value = 0;
      c.equal = false;  // bits != 0
      conds.push_back(c);
      return false;
    }
    case Value::Cond:
      known = false;
      conds = v.conds;
      return false;
    default:
      fail(at, "a condition must be a comparison of measured bits with a constant, or a compile-time constant; got " +
                   std::string(kind_name(v.kind)));
  }
  return false;
}

Flow Lowerer::lower_if(P::IfStatementContext* ctx, Scope& scope) {
  Value v = eval(ctx->expression(), scope);
  bool known = false;
  std::vector<Condition> conds;
  bool t = truth(v, ctx->expression(), known, conds);
  if (known) {
    if (t) return lower_block(ctx->if_body, scope);
    if (ctx->else_body) return lower_block(ctx->else_body, scope);
    return Flow::Normal;
  }
  auto run = [&](P::StatementOrScopeContext* body, const std::vector<Condition>& cs) {
    std::size_t n = conditions_.size();
    conditions_.insert(conditions_.end(), cs.begin(), cs.end());
    Flow f;
    try {
      f = lower_block(body, scope);
    } catch (...) {
      conditions_.resize(n);
      throw;
    }
    conditions_.resize(n);
    return f;
  };
  run(ctx->if_body, conds);
  if (ctx->else_body) {
    if (conds.size() != 1)
      fail(ctx->ELSE()->getSymbol(), "'else' after a condition on several comparisons is not supported");
    Condition neg = conds[0];
    neg.equal = !neg.equal;
    run(ctx->else_body, {neg});
  }
  return Flow::Normal;
}

Flow Lowerer::lower_switch(P::SwitchStatementContext* ctx, Scope& scope) {
  Value v = eval(ctx->expression(), scope);
  if (v.kind != Value::Num || !v.num.is_const())
    fail(ctx->expression(), "switch on a run-time value is not supported");
  for (auto* item : ctx->switchCaseItem()) {
    bool match = item->DEFAULT() != nullptr;
    if (!match)
      for (auto* e : item->expressionList()->expression())
        if (constant(e, scope, "a case label") == v.num.value()) match = true;
    if (match) {
      Scope inner(&scope);
      return lower_scope_body(item->scope(), inner);
    }
  }
  return Flow::Normal;
}

// ---------------------------------------------------------------- operands

uint32_t Lowerer::physical_qubit(antlr4::tree::TerminalNode* node) {
  if (uses_virtual_) fail(node->getSymbol(), "cannot use physical qubits ($n) in a program that declares qubits");
  uses_physical_ = true;
  std::string t = node->getText().substr(1);
  unsigned long n = std::stoul(t);
  if (n >= kMaxQubits) fail(node->getSymbol(), "physical qubit $" + t + " is out of range");
  circ_.num_qubits = std::max<uint32_t>(circ_.num_qubits, static_cast<uint32_t>(n) + 1);
  return static_cast<uint32_t>(n);
}

std::vector<uint32_t> Lowerer::resolve_operand(P::GateOperandContext* ctx, Scope& scope) {
  // gateOperand: indexedIdentifier | HardwareQubit
  antlr4::tree::ParseTree* only = ctx->children[0];
  if (kind_of_(only) == NodeKind::Terminal) return {physical_qubit(static_cast<antlr4::tree::TerminalNode*>(only))};
  auto* id = static_cast<P::IndexedIdentifierContext*>(only);
  // indexedIdentifier: Identifier indexOperator*
  std::vector<P::IndexOperatorContext*> index;
  for (std::size_t i = 1; i < id->children.size(); ++i)
    index.push_back(static_cast<P::IndexOperatorContext*>(id->children[i]));
  return resolve_indexed(id->children[0]->getText(), index, scope, id, true);
}

std::vector<int64_t> Lowerer::index_list(P::IndexOperatorContext* idx, int64_t size, Scope& scope,
                                         const std::string& what_text, const std::string* register_name) {
  // Built only when a message needs it.
  auto what = [&]() -> std::string { return register_name ? "register '" + *register_name + "'" : what_text; };

  std::vector<int64_t> out;
  auto check = [&](int64_t i, antlr4::ParserRuleContext* at) {
    int64_t j = i < 0 ? i + size : i;  // negative indices count from the end
    if (j < 0 || j >= size)
      fail(at, "index " + std::to_string(i) + " out of range for " + what() + " of size " + std::to_string(size));
    return j;
  };
  // indexOperator: '[' (setExpression | (expression | rangeExpression) (',' ...)*) ']'
  P::ExpressionContext* single = nullptr;
  P::RangeExpressionContext* range = nullptr;
  std::size_t entries = 0;
  for (auto* ch : idx->children) {
    NodeKind k = kind_of_(ch);
    if (k == NodeKind::SetExpression) {
      for (auto* e : static_cast<P::SetExpressionContext*>(ch)->expression())
        out.push_back(check(integer(e, scope, "an index"), e));
      return out;
    }
    if (k == NodeKind::RangeExpression) {
      range = static_cast<P::RangeExpressionContext*>(ch);
      ++entries;
    } else if (is_expression(k)) {
      single = static_cast<P::ExpressionContext*>(ch);
      ++entries;
    }
  }
  if (entries != 1) fail(idx, "multi-dimensional indexing of " + what() + " is not supported");
  if (single) {
    out.push_back(check(integer(single, scope, "an index"), single));
    return out;
  }
  auto* r = range;
  // Ranges: [a:b], [a:s:b], [:b], [a:], [:] -- the end is inclusive.
  auto exprs = r->expression();
  auto colons = r->COLON();
  std::optional<int64_t> start_given, stop_given;
  int64_t step = 1;
  // Work out which expressions are present from the colon positions.
  std::size_t c1 = colons[0]->getSymbol()->getTokenIndex();
  std::optional<std::size_t> c2;
  if (colons.size() > 1) c2 = colons[1]->getSymbol()->getTokenIndex();
  for (auto* e : exprs) {
    std::size_t ti = e->getStart()->getTokenIndex();
    int64_t v = integer(e, scope, "a range bound");
    if (ti < c1) start_given = v;
    else if (c2 && ti < *c2) step = v;
    else stop_given = v;
  }
  if (step == 0) fail(r, "a range step must not be zero");
  // Omitted bounds run over the whole register in the step's direction.
  int64_t start = start_given.value_or(step > 0 ? 0 : size - 1);
  int64_t stop = stop_given.value_or(step > 0 ? size - 1 : 0);
  if (start < 0) start += size;
  if (stop < 0) stop += size;
  for (int64_t i = start; step > 0 ? i <= stop : i >= stop; i += step) {
    if (i < 0 || i >= size)
      fail(r, "range " + r->getText() + " is out of range for " + what() + " of size " + std::to_string(size));
    out.push_back(i);
  }
  return out;
}

std::vector<uint32_t> Lowerer::resolve_indexed(const std::string& name, const std::vector<P::IndexOperatorContext*>& index,
                                               Scope& scope, antlr4::ParserRuleContext* at, bool want_qubits) {
  Symbol* sym = scope.find(name);
  if (!sym) fail(at, "undefined name '" + name + "'");
  bool is_q = sym->kind == Symbol::QReg || sym->kind == Symbol::Alias || sym->kind == Symbol::GateQubit;
  bool is_c = sym->kind == Symbol::CReg;
  if (want_qubits && !is_q) {
    if (is_c) fail(at, "'" + name + "' is a bit register, not qubits");
    fail(at, "'" + name + "' is not a qubit or qubit register");
  }
  if (!want_qubits && !is_c) fail(at, "'" + name + "' is not a bit register");
  if (gate_body_ && sym->kind != Symbol::GateQubit)
    fail(at, "the body of gate '" + *gate_body_ + "' can only use its own qubit arguments; '" + name +
                 "' is declared outside it");
  if (!index.empty() && sym->kind == Symbol::GateQubit) fail(at, "gate argument '" + name + "' is a single qubit and cannot be indexed");
  if (!index.empty() && !sym->is_array && sym->kind != Symbol::Alias)
    fail(at, "'" + name + "' is a single " + std::string(is_q ? "qubit" : "bit") + " and cannot be indexed");
  if (index.empty()) return sym->indices;
  // Index the register in place: only the selected elements are copied.
  const std::vector<uint32_t>* cur = &sym->indices;
  std::vector<uint32_t> next;
  for (auto* idx : index) {
    std::vector<uint32_t> sel;
    for (int64_t i : index_list(idx, static_cast<int64_t>(cur->size()), scope, std::string(), &name))
      sel.push_back((*cur)[static_cast<std::size_t>(i)]);
    next = std::move(sel);
    cur = &next;
  }
  return next;
}

std::vector<uint32_t> Lowerer::qubits_from_expression(P::ExpressionContext* ctx, Scope& scope) {
  if (auto* lit = dynamic_cast<P::LiteralExpressionContext*>(ctx)) {
    if (auto* hq = lit->HardwareQubit()) return {physical_qubit(hq)};
    if (auto* id = lit->Identifier()) return resolve_indexed(id->getText(), {}, scope, ctx, true);
  }
  if (auto* ix = dynamic_cast<P::IndexExpressionContext*>(ctx)) {
    std::vector<P::IndexOperatorContext*> idx{ix->indexOperator()};
    P::ExpressionContext* base = ix->expression();
    while (auto* inner = dynamic_cast<P::IndexExpressionContext*>(base)) {
      idx.insert(idx.begin(), inner->indexOperator());
      base = inner->expression();
    }
    auto* lit = dynamic_cast<P::LiteralExpressionContext*>(base);
    if (lit && lit->Identifier()) return resolve_indexed(lit->Identifier()->getText(), idx, scope, ctx, true);
  }
  fail(ctx, "expected qubits");
}

// ---------------------------------------------------------------- expressions

[[noreturn]] void fail_unknown(const Value& v, const SourceLoc& l, const std::string& what, bool or_input) {
  throw SemanticError{l, what + " must be " + (or_input ? "a compile-time constant or an input" : "a compile-time constant") +
                             ", but '" + v.name + "' has no compile-time value (it is declared without one or depends on run-time results)"};
}

Expr Lowerer::number(P::ExpressionContext* ctx, Scope& scope, const std::string& what) {
  Value v = eval(ctx, scope);
  if (v.kind == Value::Unknown && !v.name.empty()) fail_unknown(v, loc(ctx), what, true);
  if (v.kind == Value::Bool) return Expr(v.b ? 1.0 : 0.0);
  if (v.kind != Value::Num) fail(ctx, what + " must be a number, got " + kind_name(v.kind));
  return v.num;
}

double Lowerer::constant(P::ExpressionContext* ctx, Scope& scope, const std::string& what) {
  Expr e = number(ctx, scope, what);
  if (!e.is_const()) fail(ctx, what + " must be a compile-time constant, not an expression of inputs");
  return e.value();
}

int64_t Lowerer::integer(P::ExpressionContext* ctx, Scope& scope, const std::string& what) {
  Value v = eval(ctx, scope);
  if (v.kind == Value::Unknown && !v.name.empty()) fail_unknown(v, loc(ctx), what, false);
  if (v.kind == Value::Unknown) fail(ctx, what + " must be a compile-time constant");
  if (v.kind != Value::Num) fail(ctx, what + " must be an integer, got " + kind_name(v.kind));
  if (!v.num.is_const()) fail(ctx, what + " must be a compile-time constant, not an expression of inputs");
  double d = v.num.value();
  if (std::trunc(d) != d || std::fabs(d) > 9e15) fail(ctx, what + " must be an integer, got " + format_number(d));
  return static_cast<int64_t>(d);
}

Value Lowerer::eval_declaration(P::DeclarationExpressionContext* ctx, Scope& scope) {
  if (auto* m = ctx->measureExpression()) {
    Value v;
    v.kind = Value::Measured;
    v.qubits = resolve_operand(m->gateOperand(), scope);
    return v;
  }
  if (auto* a = ctx->arrayLiteral()) return array_value(a, scope);
  if (auto* e = ctx->expression()) return eval(e, scope);
  if (ctx->concatenationExpression()) fail(ctx, "array concatenation is not supported");
  fail(ctx, "assigning the result of a gate call is not supported");
}

Value Lowerer::array_value(P::ArrayLiteralContext* ctx, Scope& scope) {
  Value v;
  v.kind = Value::Array;
  for (auto* child : ctx->children) {
    if (auto* e = dynamic_cast<P::ExpressionContext*>(child)) v.elems.push_back(eval(e, scope));
    else if (auto* a = dynamic_cast<P::ArrayLiteralContext*>(child)) v.elems.push_back(array_value(a, scope));
  }
  return v;
}

Value Lowerer::eval_literal(P::LiteralExpressionContext* ctx, Scope& scope) {
  auto strip = [](std::string s) {
    s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
    return s;
  };
  if (auto* t = ctx->DecimalIntegerLiteral()) return Value::number(std::stod(strip(t->getText())), true);
  if (auto* t = ctx->FloatLiteral()) return Value::number(std::stod(strip(t->getText())));
  if (auto* t = ctx->HexIntegerLiteral()) return Value::number(double(std::stoull(strip(t->getText()).substr(2), nullptr, 16)), true);
  if (auto* t = ctx->BinaryIntegerLiteral()) return Value::number(double(std::stoull(strip(t->getText()).substr(2), nullptr, 2)), true);
  if (auto* t = ctx->OctalIntegerLiteral()) return Value::number(double(std::stoull(strip(t->getText()).substr(2), nullptr, 8)), true);
  if (auto* t = ctx->BooleanLiteral()) return Value::boolean(t->getText() == "true");
  if (auto* t = ctx->BitstringLiteral()) {
    std::string s = strip(t->getText());
    s = s.substr(1, s.size() - 2);
    double v = 0;
    for (char c : s) v = v * 2 + (c == '1');
    return Value::number(v, true);
  }
  if (auto* t = ctx->TimingLiteral()) {
    std::string s = t->getText();
    std::size_t i = 0;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.' || s[i] == '_' ||
                            s[i] == 'e' || s[i] == 'E' || ((s[i] == '+' || s[i] == '-') && i > 0 && (s[i - 1] == 'e' || s[i - 1] == 'E'))))
      ++i;
    Value v = Value::number(std::stod(strip(s.substr(0, i))));
    v.kind = Value::Duration;
    std::size_t j = i;
    while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) ++j;
    v.unit = s.substr(j);
    if (v.unit == "µs") v.unit = "us";
    return v;
  }
  if (ctx->ImaginaryLiteral()) fail(ctx, "complex numbers are not supported");
  if (ctx->HardwareQubit()) fail(ctx, "a physical qubit cannot be used as a value");
  std::string name = ctx->Identifier()->getText();
  Symbol* sym = scope.find(name);
  if (!sym) {
    if (Symbol* c = find_callable(name))
      fail(ctx, "'" + name + "' is a " + std::string(c->kind == Symbol::Gate ? "gate" : "subroutine") +
                    " and cannot be used as a value");
    if (name == "pi" || name == "π") return Value::number(M_PI);
    if (name == "tau" || name == "τ") return Value::number(2 * M_PI);
    if (name == "euler" || name == "ℇ") return Value::number(M_E);
    fail(ctx, "undefined name '" + name + "'");
  }
  switch (sym->kind) {
    case Symbol::Var:
    case Symbol::Const:
    case Symbol::Input:
      if (sym->value.kind == Value::Unknown) {
        Value u;
        u.name = name;
        return u;
      }
      return sym->value;
    case Symbol::CReg: {
      Value v;
      v.kind = Value::Bits;
      v.bits = sym->indices;
      return v;
    }
    case Symbol::QReg:
    case Symbol::Alias:
    case Symbol::GateQubit:
      fail(ctx, "'" + name + "' is a qubit" + std::string(sym->indices.size() > 1 ? " register" : "") +
                    " and cannot be used as a value");
    case Symbol::Gate:
    case Symbol::Def: break;
  }
  fail(ctx, "cannot use '" + name + "' here");
}

Value Lowerer::eval(P::ExpressionContext* ctx, Scope& scope) {
  switch (kind_of_(ctx)) {
    case NodeKind::Literal: return eval_literal(static_cast<P::LiteralExpressionContext*>(ctx), scope);
    case NodeKind::Paren:  // ( expression )
      return eval(static_cast<P::ExpressionContext*>(ctx->children[1]), scope);
    case NodeKind::Binary: {  // expression op expression
      auto* lhs = static_cast<P::ExpressionContext*>(ctx->children[0]);
      auto* rhs = static_cast<P::ExpressionContext*>(ctx->children[2]);
      Value a = eval(lhs, scope);
      Value b = eval(rhs, scope);
      return eval_binary(ctx->children[1]->getText(), a, b, ctx);
    }
    default: break;  // the rarer forms below
  }
  if (auto* u = dynamic_cast<P::UnaryExpressionContext*>(ctx)) {
    Value a = eval(u->expression(), scope);
    const std::string op = u->op->getText();
    if (a.kind == Value::Unknown) return a;  // the user of the value reports it
    if (op == "-") {
      if (a.kind == Value::Num || a.kind == Value::Duration) {
        a.num = -a.num;
        return a;
      }
      fail(ctx, "cannot negate " + std::string(kind_name(a.kind)));
    }
    if (op == "!") {
      if (a.kind == Value::Bool) return Value::boolean(!a.b);
      if (a.kind == Value::Num && a.num.is_const()) return Value::boolean(a.num.value() == 0);
      if (a.kind == Value::Bits) {
        Value c;
        c.kind = Value::Cond;
        c.conds = {Condition{a.bits, 0, true}};
        return c;
      }
      if (a.kind == Value::Cond && a.conds.size() == 1) {
        a.conds[0].equal = !a.conds[0].equal;
        return a;
      }
      fail(ctx, "cannot apply '!' to " + std::string(kind_name(a.kind)));
    }
    // ~
    if (a.kind == Value::Num && a.num.is_const() && a.is_int)
      return Value::number(double(~static_cast<int64_t>(a.num.value())), true);
    fail(ctx, "'~' needs a constant integer");
  }
  if (auto* ix = dynamic_cast<P::IndexExpressionContext*>(ctx)) {
    Value base = eval(ix->expression(), scope);
    auto* idx = ix->indexOperator();
    if (base.kind == Value::Bits) {
      std::vector<uint32_t> bits;
      for (int64_t i : index_list(idx, static_cast<int64_t>(base.bits.size()), scope, "a bit register"))
        bits.push_back(base.bits[static_cast<std::size_t>(i)]);
      base.bits = bits;
      return base;
    }
    if (base.kind == Value::Array) {
      Value cur = base;
      for (auto* e : idx->expression()) {
        if (cur.kind != Value::Array) fail(e, "too many indices");
        int64_t i = integer(e, scope, "an array index");
        int64_t n = static_cast<int64_t>(cur.elems.size());
        if (i < 0) i += n;
        if (i < 0 || i >= n) fail(e, "index " + std::to_string(i) + " out of range for an array of size " + std::to_string(n));
        Value next = cur.elems[static_cast<std::size_t>(i)];
        cur = next;
      }
      if (!idx->rangeExpression().empty() || idx->setExpression()) fail(idx, "array slices are not supported here");
      return cur;
    }
    if (base.kind == Value::Num && base.num.is_const() && base.is_int && idx->expression().size() == 1) {
      int64_t i = integer(idx->expression()[0], scope, "a bit index");
      int64_t v = static_cast<int64_t>(base.num.value());
      return Value::number(double((v >> i) & 1), true);
    }
    fail(ctx, "cannot index " + std::string(kind_name(base.kind)));
  }
  if (auto* c = dynamic_cast<P::CallExpressionContext*>(ctx)) return eval_call(c, scope);
  if (auto* c = dynamic_cast<P::CastExpressionContext*>(ctx)) {
    Value a = eval(c->expression(), scope);
    auto* st = c->scalarType();
    if (!st) fail(ctx, "casts to arrays are not supported");
    if (st->BOOL()) {
      if (a.kind == Value::Bits) return a;  // truth test of bits happens in `if`
      if (a.kind == Value::Num && a.num.is_const()) return Value::boolean(a.num.value() != 0);
      if (a.kind == Value::Bool) return a;
    } else if (st->INT() || st->UINT()) {
      if (a.kind == Value::Bits) return a;  // int[n](c) compares as an integer
      if (a.kind == Value::Num && a.num.is_const()) return Value::number(std::trunc(a.num.value()), true);
      if (a.kind == Value::Bool) return Value::number(a.b ? 1 : 0, true);
    } else if (st->FLOAT() || st->ANGLE()) {
      if (a.kind == Value::Num) return Value::number(a.num);
      if (a.kind == Value::Bool) return Value::number(a.b ? 1 : 0);
    } else if (st->BIT()) {
      if (a.kind == Value::Bits) return a;
      if (a.kind == Value::Num && a.num.is_const()) return Value::number(a.num.value(), true);
    }
    fail(ctx, "cannot cast " + std::string(kind_name(a.kind)) + " to " + st->getText());
  }
  if (dynamic_cast<P::DurationofExpressionContext*>(ctx)) fail(ctx, "durationof is not supported");
  // Binary operators: every remaining alternative has two operands and `op`.
  std::vector<P::ExpressionContext*> operands;
  antlr4::Token* op = nullptr;
#define QF_BINARY(T)                                    \
  if (auto* b = dynamic_cast<P::T*>(ctx)) {             \
    operands = b->expression();                         \
    op = b->op;                                         \
  }
  QF_BINARY(PowerExpressionContext)
  QF_BINARY(MultiplicativeExpressionContext)
  QF_BINARY(AdditiveExpressionContext)
  QF_BINARY(BitshiftExpressionContext)
  QF_BINARY(ComparisonExpressionContext)
  QF_BINARY(EqualityExpressionContext)
  QF_BINARY(BitwiseAndExpressionContext)
  QF_BINARY(BitwiseXorExpressionContext)
  QF_BINARY(BitwiseOrExpressionContext)
  QF_BINARY(LogicalAndExpressionContext)
  QF_BINARY(LogicalOrExpressionContext)
#undef QF_BINARY
  if (op && operands.size() == 2)
    return eval_binary(op->getText(), eval(operands[0], scope), eval(operands[1], scope), ctx);
  fail(ctx, "unsupported expression");
}

Value Lowerer::eval_binary(const std::string& op, const Value& a, const Value& b, antlr4::ParserRuleContext* at) {
  auto as_num = [&](const Value& v) -> std::optional<Expr> {
    if (v.kind == Value::Num) return v.num;
    if (v.kind == Value::Bool) return Expr(v.b ? 1.0 : 0.0);
    return std::nullopt;
  };
  // Comparisons of measured bits with constants become run-time conditions.
  if ((op == "==" || op == "!=") && (a.kind == Value::Bits || b.kind == Value::Bits)) {
    const Value& bits = a.kind == Value::Bits ? a : b;
    const Value& other = a.kind == Value::Bits ? b : a;
    auto n = as_num(other);
    if (!n || !n->is_const())
      fail(at, "measured bits can only be compared with a compile-time constant");
    double v = n->value();
    if (v < 0 || std::trunc(v) != v) fail(at, "measured bits can only be compared with a non-negative integer");
    Value c;
    c.kind = Value::Cond;
    c.conds = {Condition{bits.bits, static_cast<uint64_t>(v), op == "=="}};
    return c;
  }
  if (op == "&&" || op == "||") {
    if (a.kind == Value::Cond || b.kind == Value::Cond || a.kind == Value::Bits || b.kind == Value::Bits) {
      if (op == "||") fail(at, "'||' of run-time conditions is not supported");
      auto conds_of = [&](const Value& v) -> std::vector<Condition> {
        if (v.kind == Value::Cond) return v.conds;
        if (v.kind == Value::Bits) return {Condition{v.bits, 0, false}};
        fail(at, "cannot combine a run-time condition with " + std::string(kind_name(v.kind)));
      };
      // A known-true side drops out; a known-false side makes the whole false.
      for (const Value* side : {&a, &b}) {
        if (side->kind == Value::Bool || side->kind == Value::Num) {
          auto n = as_num(*side);
          if (!n->is_const()) fail(at, "conditions on inputs are not supported");
          if (n->value() == 0) return Value::boolean(false);
          return Value::condition(conds_of(side == &a ? b : a));
        }
      }
      Value c;
      c.kind = Value::Cond;
      c.conds = conds_of(a);
      auto more = conds_of(b);
      c.conds.insert(c.conds.end(), more.begin(), more.end());
      return c;
    }
  }
  if (a.kind == Value::Duration || b.kind == Value::Duration) {
    auto na = as_num(a), nb = as_num(b);
    if (a.kind == Value::Duration && b.kind == Value::Duration && a.unit == b.unit && (op == "+" || op == "-")) {
      Value v = a;
      v.num = op == "+" ? a.num + b.num : a.num - b.num;
      return v;
    }
    if ((op == "*" && (na || nb)) || (op == "/" && a.kind == Value::Duration && nb)) {
      Value v = a.kind == Value::Duration ? a : b;
      Expr k = a.kind == Value::Duration ? *nb : *na;
      v.num = op == "*" ? v.num * k : v.num / k;
      return v;
    }
    fail(at, "unsupported arithmetic on durations");
  }
  // A value unknown at compile time stays unknown; its user reports it.
  if (a.kind == Value::Unknown) return a;
  if (b.kind == Value::Unknown) return b;
  auto na = as_num(a), nb = as_num(b);
  if (!na || !nb)
    fail(at, "operator '" + op + "' needs numbers, got " + std::string(kind_name(a.kind)) + " and " + kind_name(b.kind));
  const bool ints = a.is_int && b.is_int;
  const bool consts = na->is_const() && nb->is_const();
  if (op == "+") return Value::number(*na + *nb, ints);
  if (op == "-") return Value::number(*na - *nb, ints);
  if (op == "*") return Value::number(*na * *nb, ints);
  if (op == "/") {
    if (nb->is_const() && nb->value() == 0) fail(at, "division by zero");
    if (ints && consts) return Value::number(std::trunc(na->value() / nb->value()), true);
    return Value::number(*na / *nb);
  }
  if (op == "**") return Value::number(Expr::binary(ExprOp::Pow, *na, *nb), ints);
  if (!consts) fail(at, "operator '" + op + "' on input parameters is not supported");
  double x = na->value(), y = nb->value();
  if (op == "%") {
    if (y == 0) fail(at, "division by zero");
    return Value::number(ints ? double(static_cast<int64_t>(x) % static_cast<int64_t>(y)) : std::fmod(x, y), ints);
  }
  if (op == "<") return Value::boolean(x < y);
  if (op == ">") return Value::boolean(x > y);
  if (op == "<=") return Value::boolean(x <= y);
  if (op == ">=") return Value::boolean(x >= y);
  if (op == "==") return Value::boolean(x == y);
  if (op == "!=") return Value::boolean(x != y);
  if (op == "&&") return Value::boolean(x != 0 && y != 0);
  if (op == "||") return Value::boolean(x != 0 || y != 0);
  auto ix = static_cast<int64_t>(x), iy = static_cast<int64_t>(y);
  if (op == "<<") return Value::number(double(ix << iy), true);
  if (op == ">>") return Value::number(double(ix >> iy), true);
  if (op == "&") return Value::number(double(ix & iy), true);
  if (op == "|") return Value::number(double(ix | iy), true);
  if (op == "^") return Value::number(double(ix ^ iy), true);
  fail(at, "unsupported operator '" + op + "'");
}

Value Lowerer::eval_call(P::CallExpressionContext* ctx, Scope& scope) {
  std::string name = ctx->Identifier()->getText();
  std::vector<P::ExpressionContext*> args;
  if (auto* list = ctx->expressionList()) args = list->expression();
  if (Symbol* sym = find_callable(name)) {
    if (sym->kind == Symbol::Def) return call_def(*sym->def, args, scope, ctx);
    fail(ctx, "gate '" + name + "' needs qubit operands");
  }
  static const std::unordered_map<std::string, ExprOp> functions = {
      {"sin", ExprOp::Sin},     {"cos", ExprOp::Cos},     {"tan", ExprOp::Tan},
      {"arcsin", ExprOp::Asin}, {"arccos", ExprOp::Acos}, {"arctan", ExprOp::Atan},
      {"exp", ExprOp::Exp},     {"ln", ExprOp::Ln},       {"sqrt", ExprOp::Sqrt},
  };
  auto it = functions.find(name);
  if (it == functions.end()) {
    if (name == "sizeof" || name == "popcount" || name == "rotl" || name == "rotr" || name == "mod" || name == "real" ||
        name == "imag")
      fail(ctx, "the built-in function '" + name + "' is not supported");
    fail(ctx, "undefined function '" + name + "'");
  }
  if (args.size() != 1)
    fail(ctx, "'" + name + "' expects 1 argument, got " + std::to_string(args.size()));
  return Value::number(Expr::unary(it->second, number(args[0], scope, "the argument of " + name)));
}

Value Lowerer::call_def(const SubDef& def, const std::vector<P::ExpressionContext*>& args, Scope& scope,
                        antlr4::ParserRuleContext* at) {
  if (args.size() != def.args.size())
    fail(at, "subroutine '" + def.name + "' expects " + std::to_string(def.args.size()) + " argument" +
                 (def.args.size() == 1 ? "" : "s") + ", got " + std::to_string(args.size()));
  std::vector<Value> classical;
  std::vector<std::vector<uint32_t>> qubits;
  std::vector<antlr4::ParserRuleContext*> where;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (def.args[i].kind == DefArg::Qubits) qubits.push_back(qubits_from_expression(args[i], scope));
    else classical.push_back(eval(args[i], scope));
    where.push_back(args[i]);
  }
  return call_def_bound(def, std::move(classical), std::move(qubits), where, at);
}

Value Lowerer::call_def_bound(const SubDef& def, std::vector<Value> classical,
                              std::vector<std::vector<uint32_t>> qubits,
                              const std::vector<antlr4::ParserRuleContext*>& arg_at, antlr4::ParserRuleContext* at) {
  std::size_t want_c = 0, want_q = 0;
  for (const auto& a : def.args) (a.kind == DefArg::Qubits ? want_q : want_c)++;
  if (classical.size() != want_c || qubits.size() != want_q)
    fail(at, "subroutine '" + def.name + "' expects " + std::to_string(want_c) + " classical and " +
                 std::to_string(want_q) + " qubit argument" + (want_q == 1 ? "" : "s") + ", got " +
                 std::to_string(classical.size()) + " and " + std::to_string(qubits.size()));
  if (def_depth_ > 64) fail(at, "subroutine calls nest too deeply (recursion is not supported)");
  Scope local(&global_, true);
  std::size_t ci = 0, qi = 0, k = 0;
  for (const DefArg& a : def.args) {
    antlr4::ParserRuleContext* here = k < arg_at.size() ? arg_at[k] : at;
    ++k;
    if (a.kind == DefArg::Qubits) {
      const std::vector<uint32_t>& qs = qubits[qi++];
      if (a.size < 0 && qs.size() != 1)
        fail(here, "argument '" + a.name + "' of '" + def.name + "' is one qubit, got " + std::to_string(qs.size()));
      if (a.size >= 0 && static_cast<int64_t>(qs.size()) != a.size)
        fail(here, "argument '" + a.name + "' of '" + def.name + "' is " + std::to_string(a.size) + " qubits, got " +
                       std::to_string(qs.size()));
      Symbol s{Symbol::Alias, def.loc};
      s.indices = qs;
      s.is_array = a.size >= 0;
      local.insert(a.name, s);
    } else {
      Symbol s{Symbol::Const, def.loc};
      s.value = typed(classical[ci++], a.type);
      local.insert(a.name, s);
    }
  }
  ++def_depth_;
  return_value_.reset();
  const std::string* saved_gate = gate_body_;
  gate_body_ = nullptr;
  try {
    lower_scope_body(def.body, local);
  } catch (...) {
    --def_depth_;
    gate_body_ = saved_gate;
    throw;
  }
  --def_depth_;
  gate_body_ = saved_gate;
  Value result = return_value_.value_or(Value{});
  return_value_.reset();
  return result;
}

}  // namespace

// ---------------------------------------------------------------- public API

Circuit compile_source(const std::string& source, const std::string& filename, const CompileOptions& options,
                       DiagnosticSink& diags) {
  std::error_code ec;
  std::string canon = fs::weakly_canonical(fs::path(filename), ec).string();
  auto file = make_file(source, filename, canon.empty() ? filename : canon);
  Circuit c;
  for (bool ll : {false, true}) {
    DiagnosticSink local;
    try {
      Lowerer low(options, ll ? diags : local, ll);
      c = low.run(file);
      if (!ll)
        for (const auto& d : local.all()) diags.report(d.severity, d.loc, d.message, d.source_line);
      break;
    } catch (const RetryWithLL&) {
      continue;
    }
  }
  if (diags.has_errors()) return c;

  // --set bindings.
  if (!options.bindings.empty()) {
    std::vector<double> values(c.num_symbols(), std::nan(""));
    for (const auto& [name, vals] : options.bindings) {
      SourceLoc none;
      const InputDecl* decl = nullptr;
      for (const auto& in : c.inputs)
        if (in.name == name) decl = &in;
      if (decl) {
        if (vals.size() != decl->size()) {
          diags.error(none, "--set " + name + ": expected " + std::to_string(decl->size()) + " value" +
                                (decl->size() == 1 ? "" : "s") + ", got " + std::to_string(vals.size()));
          continue;
        }
        for (uint32_t k = 0; k < decl->size(); ++k) values[decl->first_symbol + k] = vals[k];
        continue;
      }
      int64_t idx = c.find_symbol(name);
      if (idx < 0) {
        diags.error(none, "--set " + name + ": the program has no input named '" + name + "'");
        continue;
      }
      if (vals.size() != 1) {
        diags.error(none, "--set " + name + ": expected 1 value, got " + std::to_string(vals.size()));
        continue;
      }
      values[static_cast<std::size_t>(idx)] = vals[0];
    }
    if (!diags.has_errors()) c = c.bind(values);
  }
  std::string bad = c.verify();
  if (!bad.empty()) diags.error(SourceLoc{}, "internal error: invalid IR: " + bad);
  return c;
}

Circuit compile_file(const std::string& path, const CompileOptions& options, DiagnosticSink& diags) {
  std::string text;
  std::error_code ec;
  if (fs::is_directory(path, ec) || !read_text(path, text)) {
    diags.error(SourceLoc{std::make_shared<const std::string>(path), 0, 0},
                fs::exists(path, ec) ? "cannot read file" : "no such file");
    return Circuit{};
  }
  return compile_source(text, path, options, diags);
}

bool parse_binding_value(const std::string& text, std::vector<double>& out, std::string& error) {
  // Reuse the expression grammar: wrap the text as a const array declaration.
  const std::string& t = text;
  out.clear();
  // Flatten nested brackets: [[1,2],[3,4]] -> elements in row-major order.
  std::string flat;
  for (char ch : t) flat += (ch == '[' || ch == ']') ? ' ' : ch;
  std::vector<std::string> parts;
  std::string cur;
  for (char ch : flat) {
    if (ch == ',') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += ch;
    }
  }
  parts.push_back(cur);
  for (auto& p : parts) {
    if (p.find_first_not_of(" \t") == std::string::npos) {
      error = "expected a number or a list [v0, v1, ...], got '" + text + "'";
      return false;
    }
    DiagnosticSink d;
    Circuit c = compile_source("OPENQASM 3.0;\nqubit q;\nU(" + p + ", 0, 0) q;\n", "--set", CompileOptions{}, d);
    if (d.has_errors() || c.ops.size() != 1 || !c.ops[0].params[0].is_const()) {
      error = "'" + p.substr(p.find_first_not_of(" \t")) + "' is not a constant number";
      return false;
    }
    out.push_back(c.ops[0].params[0].value());
  }
  return true;
}

}  // namespace qforge
