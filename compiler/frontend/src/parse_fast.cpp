// The fast path for simple gate calls (see parse_fast.hpp).
//
// Large programs are mostly statements like `cx q[3], q[7];` and
// `rz(0.25*pi) q[2];`. Reading them with ANTLR (its lexer, adaptive
// prediction, a parse tree of eight or more nodes, the syntax tree built from
// that) took 70% of compiling a 200k-gate file; this reads such a statement
// in one pass over its characters.
//
// It must give what ANTLR gives, or nothing. So it reads tokens as ANTLR's
// lexer does (qasm3Lexer.g4), but declines whenever the longest match could
// differ: a number followed by a letter, a digit or a '.' (an imaginary or
// timing literal, `1_000`, `0x1f`), an operator that begins a longer one
// (`+=`, `->`, `**=`), a word that is a keyword (read from the lexer's own
// vocabulary), a character outside ASCII. And it parses only a subset of
// the grammar's gateCallStatement, with the grammar's precedence and
// associativity (qasm3Parser.g4: `**` binds tighter than unary '-', which
// binds tighter than `*` and `/`, then `+` and `-`; `**` is
// right-associative), building the nodes, texts and spans AstBuilder builds
// from ANTLR's parse tree. tests/compiler/test_parse_fast.cpp compares the
// two on edge cases and on random statements.
#include "parse_fast.hpp"

#include "antlr4-runtime.h"
#include "qasm3Lexer.h"

#include <algorithm>
#include <memory>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace qforge::frontend_detail {

namespace {

bool word_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool digit(char c) { return c >= '0' && c <= '9'; }
bool word_char(char c) { return word_start(c) || digit(c); }
bool ascii(char c) { return static_cast<unsigned char>(c) < 0x80; }

/// Words the lexer does not read as an Identifier: its keywords, as its
/// vocabulary lists them, and the words of rules that are not one literal.
class Keywords {
 public:
  Keywords() {
    antlr4::ANTLRInputStream input("");
    qforge_antlr::qasm3Lexer lexer(&input);
    const antlr4::dfa::Vocabulary& voc = lexer.getVocabulary();
    for (std::size_t t = 0; t <= voc.getMaxTokenType(); ++t) {
      const std::string lit = voc.getLiteralName(t);  // quoted: 'gate'
      if (lit.size() < 3 || !word_start(lit[1])) continue;
      const std::string word = lit.substr(1, lit.size() - 2);
      if (std::all_of(word.begin(), word.end(), word_char)) words_.push_back(word);
    }
    // BooleanLiteral: 'true' | 'false'; PRAGMA: '#'? 'pragma'.
    for (const char* w : {"true", "false", "pragma"}) words_.emplace_back(w);
    for (const std::string& w : words_) set_.insert(w);
  }
  bool contains(std::string_view w) const { return set_.count(w) != 0; }

 private:
  std::vector<std::string> words_;
  std::unordered_set<std::string_view> set_;  ///< views of words_
};

const Keywords& keywords() {
  static const Keywords k;
  return k;
}

enum class T : uint8_t {
  Word, Integer, Float, Hardware, LParen, RParen, LBracket, RBracket, Comma, Semicolon,
  Plus, Minus, Star, Slash, Power,
};

/// A token: its kind and where it is (it never spans lines).
struct Tok {
  T kind = T::Semicolon;
  std::size_t begin = 0, end = 0;
  uint32_t line = 0, col = 0;
};

/// Nested expressions the fast path reads (parentheses, unary minus, the
/// right operand of `**`, calls, indices). Far below the limits of the
/// general parser, so that nothing accepted here could exceed them there.
constexpr int kMaxDepth = 64;

class Reader {
 public:
  Reader(const std::string& text, std::size_t begin, uint32_t line, uint32_t col, const std::string* file)
      : s_(text.data()), n_(text.size()), i_(begin), line_(line), col_(col), file_(file) {}

  bool statement(FastStatement& out) {
    if (!next() || tok_.kind != T::Word) return false;
    auto call = std::make_unique<ast::GateCall>();
    const Tok first = tok_;
    call->name = identifier(tok_);
    if (!next()) return false;
    if (tok_.kind == T::LParen) {
      call->parens = true;
      if (!next()) return false;
      if (tok_.kind != T::RParen && !list(call->params, T::RParen)) return false;
      if (!next()) return false;
    }
    for (;;) {
      ast::ExprPtr q;
      if (!operand(q)) return false;
      call->qubits.push_back(std::move(q));
      if (tok_.kind == T::Semicolon) break;
      if (tok_.kind != T::Comma || !next()) return false;
      if (tok_.kind == T::Semicolon) break;
    }
    call->span = span(first, tok_);
    out.stmt = std::move(call);
    out.end = tok_.end;
    out.end_line = tok_.line;
    out.end_col = tok_.col + static_cast<uint32_t>(tok_.end - tok_.begin);
    out.tokens = tokens_;
    return true;
  }

 private:
  // ------------------------------------------------------------ tokens

  /// Skip spaces, line breaks and comments (the lexer's skipped and hidden
  /// tokens); false for a comment that is not closed or not ASCII.
  bool skip() {
    while (i_ < n_) {
      const char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\r') {
        ++i_, ++col_;
      } else if (c == '\n') {
        ++i_, ++line_, col_ = 1;
      } else if (c == '/' && i_ + 1 < n_ && s_[i_ + 1] == '/') {
        // LineComment: '//' ~[\r\n]*
        while (i_ < n_ && s_[i_] != '\n' && s_[i_] != '\r') {
          if (!ascii(s_[i_])) return false;
          ++i_, ++col_;
        }
      } else if (c == '/' && i_ + 1 < n_ && s_[i_ + 1] == '*') {
        // BlockComment: '/*' .*? '*/'
        const std::size_t close = std::string_view(s_, n_).find("*/", i_ + 2);
        if (close == std::string_view::npos) return false;
        for (; i_ < close + 2; ++i_) {
          if (!ascii(s_[i_])) return false;
          if (s_[i_] == '\n') ++line_, col_ = 1;
          else ++col_;
        }
      } else {
        return true;
      }
    }
    return true;
  }

  /// Read the next token into tok_; false at the end of the text or for
  /// anything the fast path does not read.
  bool next() {
    if (!skip() || i_ >= n_) return false;
    Tok t;
    t.begin = i_;
    t.line = line_;
    t.col = col_;
    const char c = s_[i_];
    const char c1 = i_ + 1 < n_ ? s_[i_ + 1] : '\0';
    std::size_t j = i_ + 1;
    switch (c) {
      case '(': t.kind = T::LParen; break;
      case ')': t.kind = T::RParen; break;
      case '[': t.kind = T::LBracket; break;
      case ']': t.kind = T::RBracket; break;
      case ',': t.kind = T::Comma; break;
      case ';': t.kind = T::Semicolon; break;
      case '+':  // not '++', '+='
        if (c1 == '+' || c1 == '=') return false;
        t.kind = T::Plus;
        break;
      case '-':  // not '->', '-='
        if (c1 == '>' || c1 == '=') return false;
        t.kind = T::Minus;
        break;
      case '*':  // '*' or '**', not '*=', '**='
        if (c1 == '=' || (c1 == '*' && i_ + 2 < n_ && s_[i_ + 2] == '=')) return false;
        t.kind = c1 == '*' ? T::Power : T::Star;
        if (c1 == '*') ++j;
        break;
      case '/':  // not '/=' (comments were skipped)
        if (c1 == '=') return false;
        t.kind = T::Slash;
        break;
      case '$':  // HardwareQubit: '$' [0-9]+
        if (!digit(c1)) return false;
        while (j < n_ && digit(s_[j])) ++j;
        if (j < n_ && (word_char(s_[j]) || !ascii(s_[j]))) return false;
        t.kind = T::Hardware;
        break;
      default:
        if (word_start(c)) {
          while (j < n_ && word_char(s_[j])) ++j;
          if (j < n_ && !ascii(s_[j])) return false;  // a longer Identifier, or a lexer error
          if (keywords().contains(std::string_view(s_ + i_, j - i_))) return false;
          t.kind = T::Word;
        } else if (digit(c) || (c == '.' && digit(c1))) {
          if (!number(t.kind, j)) return false;
        } else {
          return false;
        }
    }
    t.end = j;
    col_ += static_cast<uint32_t>(j - i_);
    i_ = j;
    tok_ = t;
    ++tokens_;
    return true;
  }

  /// A decimal integer or floating-point literal from i_ (DecimalIntegerLiteral
  /// without '_', FloatLiteral), ending at `j`; false when the lexer could read
  /// a longer or another token there.
  bool number(T& kind, std::size_t& j) const {
    j = i_;
    auto digits = [&] {
      while (j < n_ && digit(s_[j])) ++j;
    };
    bool is_float = false;
    digits();
    if (j < n_ && s_[j] == '.') {
      ++j;
      digits();
      is_float = true;
    }
    if (j < n_ && (s_[j] == 'e' || s_[j] == 'E')) {
      std::size_t k = j + 1;
      if (k < n_ && (s_[k] == '+' || s_[k] == '-')) ++k;
      if (k < n_ && digit(s_[k])) {
        j = k;
        digits();
        is_float = true;
      }
    }
    // ImaginaryLiteral and TimingLiteral continue after spaces and tabs.
    std::size_t k = j;
    while (k < n_ && (s_[k] == ' ' || s_[k] == '\t')) ++k;
    if (k < n_ && (word_char(s_[k]) || s_[k] == '.' || !ascii(s_[k]))) return false;
    kind = is_float ? T::Float : T::Integer;
    return true;
  }

  // ------------------------------------------------------------ tree

  ast::Span span(const Tok& a, const Tok& b) const {
    ast::Span s;
    s.file = file_;
    s.line = a.line;
    s.col = a.col;
    s.begin = a.begin;
    s.end_line = b.line;
    s.end_col = b.col + static_cast<uint32_t>(b.end - b.begin);
    s.end = b.end;
    return s;
  }
  static ast::Span span(const ast::Span& a, const ast::Span& b) {
    ast::Span s = a;
    s.end_line = b.end_line;
    s.end_col = b.end_col;
    s.end = b.end;
    return s;
  }
  std::string text(const Tok& t) const { return std::string(s_ + t.begin, t.end - t.begin); }
  ast::Identifier identifier(const Tok& t) const { return ast::Identifier{text(t), span(t, t)}; }
  static ast::ExprPtr node(ast::Expr::Kind kind, const ast::Span& at) {
    auto e = std::make_unique<ast::Expr>();
    e->kind = kind;
    e->span = at;
    return e;
  }

  bool starts_operand() const { return tok_.kind == T::Word || tok_.kind == T::Hardware; }

  /// gateOperand: `$n`, or a name with index operators; reads the token after it.
  bool operand(ast::ExprPtr& out) {
    if (tok_.kind == T::Hardware) {
      out = node(ast::Expr::Kind::Literal, span(tok_, tok_));
      out->literal = ast::Expr::Literal::HardwareQubit;
      out->text = text(tok_);
      return next();
    }
    if (tok_.kind != T::Word) return false;
    out = node(ast::Expr::Kind::Identifier, span(tok_, tok_));
    out->name = identifier(tok_);
    if (!next()) return false;
    while (tok_.kind == T::LBracket) {
      ast::IndexOp index;
      const Tok open = tok_;
      if (!next() || !list(index.items, T::RBracket)) return false;
      index.span = span(open, tok_);
      out->span = span(out->span, index.span);
      out->indices.push_back(std::move(index));
      if (!next()) return false;
    }
    return true;
  }

  /// expression (',' expression)* ','? up to `closer`, which is left in tok_.
  bool list(std::vector<ast::ExprPtr>& out, T closer) {
    for (;;) {
      ast::ExprPtr e;
      if (!expression(0, e)) return false;
      out.push_back(std::move(e));
      if (tok_.kind == closer) return true;
      if (tok_.kind != T::Comma || !next()) return false;
      if (tok_.kind == closer) return true;
    }
  }

  /// Binding strength of a binary operator; 0 for a token that is none.
  static int level(T kind) {
    switch (kind) {
      case T::Power: return 4;  // right-associative
      case T::Star: case T::Slash: return 2;
      case T::Plus: case T::Minus: return 1;
      default: return 0;
    }
  }
  static constexpr int kUnary = 3;  ///< between `**` and `*`

  /// An expression whose binary operators bind at least `min` strongly
  /// (precedence climbing, as ANTLR parses left-recursive rules).
  bool expression(int min, ast::ExprPtr& out) {
    if (++depth_ > kMaxDepth) return false;
    if (tok_.kind == T::Minus) {
      const Tok op = tok_;
      ast::ExprPtr operand;
      if (!next() || !expression(kUnary, operand)) return false;
      out = node(ast::Expr::Kind::Unary, span(span(op, op), operand->span));
      out->text = "-";
      out->operands.push_back(std::move(operand));
    } else if (!primary(out)) {
      return false;
    }
    for (;;) {
      const int l = level(tok_.kind);
      if (l == 0 || l < min) break;
      const Tok op = tok_;
      ast::ExprPtr rhs;
      if (!next() || !expression(op.kind == T::Power ? l : l + 1, rhs)) return false;
      auto e = node(ast::Expr::Kind::Binary, span(out->span, rhs->span));
      e->text = text(op);
      e->operands.push_back(std::move(out));
      e->operands.push_back(std::move(rhs));
      out = std::move(e);
    }
    --depth_;
    return true;
  }

  /// A literal, a name, a call or a parenthesis; reads the token after it.
  bool primary(ast::ExprPtr& out) {
    const Tok first = tok_;
    switch (tok_.kind) {
      case T::Integer:
      case T::Float:
        out = node(ast::Expr::Kind::Literal, span(first, first));
        out->literal = first.kind == T::Integer ? ast::Expr::Literal::Integer : ast::Expr::Literal::Float;
        out->text = text(first);
        return next();
      case T::LParen: {
        ast::ExprPtr inner;
        if (!next() || !expression(0, inner) || tok_.kind != T::RParen) return false;
        out = node(ast::Expr::Kind::Paren, span(first, tok_));
        out->operands.push_back(std::move(inner));
        return next();
      }
      case T::Word:
        if (!next()) return false;
        if (tok_.kind != T::LParen) {
          out = node(ast::Expr::Kind::Identifier, span(first, first));
          out->name = identifier(first);
          return true;
        }
        out = node(ast::Expr::Kind::Call, span(first, first));
        out->name = identifier(first);
        if (!next()) return false;
        if (tok_.kind != T::RParen && !list(out->operands, T::RParen)) return false;
        out->span = span(first, tok_);
        return next();
      default:
        return false;
    }
  }

  const char* s_;
  std::size_t n_, i_;
  uint32_t line_, col_;
  const std::string* file_;
  Tok tok_;
  std::size_t tokens_ = 0;
  int depth_ = 0;
};

}  // namespace

bool parse_simple_gate_call(const std::string& text, std::size_t begin, uint32_t line, uint32_t col,
                            const std::string* file, FastStatement& out) {
  return Reader(text, begin, line, col, file).statement(out);
}

}  // namespace qforge::frontend_detail
