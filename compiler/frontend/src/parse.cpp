// Parsing (see frontend_internal.hpp): source files, includes, the SLL parse
// with bail-out and the LL re-parse that gives exact syntax errors.
//
// Per file:
//  1. SLL prediction with a bail-out error strategy, one top-level statement
//     at a time, its tokens streamed. A gate call in its simple form
//     (`rz(pi/4) q[0];`) is read by the fast path of parse_fast.cpp, which
//     builds the syntax tree ANTLR's parse would give, and ANTLR's lexer is
//     moved past it. Each statement becomes its syntax tree,
//     which is checked and lowered, and the parse tree, the tokens and the
//     syntax tree are freed at once (the syntax trees of gate and subroutine
//     definitions are kept: their bodies are lowered again at every call). A
//     statement that fails is parsed again with full LL prediction in the
//     inner statement where it failed.
//  2. Only when that fails too, the whole compilation restarts in LL mode
//     with ANTLR's recovering error strategy, which gives exact syntax errors
//     (all of them); full LL prediction is used from the failed statement to
//     the end of the first error's statement.
// parse_to_ast parses a file to its syntax tree the same way, all of it with
// ANTLR (it keeps every token, for the comments).
#include "frontend_internal.hpp"

#include "parse_fast.hpp"

#include "qforge/diagnostic_codes.hpp"
#include "qforge/utf8.hpp"

namespace qforge::frontend_detail {

std::shared_ptr<SourceFile> make_file(std::string text, const std::string& name, std::string path) {
  auto f = std::make_shared<SourceFile>();
  f->name = std::make_shared<const std::string>(name);
  f->path = std::move(path);
  f->text = std::move(text);
  const std::string& t = f->text;
  f->line_starts.reserve(static_cast<std::size_t>(std::count(t.begin(), t.end(), '\n')) + 1);
  f->line_starts.push_back(0);
  for (std::size_t i = 0; i < t.size(); ++i)
    if (t[i] == '\n') f->line_starts.push_back(i + 1);
  f->ascii = std::all_of(t.begin(), t.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  return f;
}

namespace {

/// The characters of an ASCII file for ANTLR's lexer, as ANTLRInputStream
/// gives them (an index a character, the same texts and ends), without its
/// copy of the whole text as UTF-32: for a 3 MB file that copy took a
/// quarter of the time the front end then needed.
class AsciiCharStream final : public antlr4::CharStream {
 public:
  explicit AsciiCharStream(const std::string& text) : text_(text) {}
  void consume() override {
    if (p_ >= text_.size()) throw antlr4::IllegalStateException("cannot consume EOF");
    ++p_;
  }
  size_t LA(ssize_t i) override {
    if (i == 0) return 0;  // undefined
    const ssize_t at = static_cast<ssize_t>(p_) + (i < 0 ? i : i - 1);
    if (at < 0 || at >= static_cast<ssize_t>(text_.size())) return antlr4::IntStream::EOF;
    return static_cast<unsigned char>(text_[static_cast<size_t>(at)]);
  }
  ssize_t mark() override { return -1; }
  void release(ssize_t) override {}
  size_t index() override { return p_; }
  void seek(size_t index) override { p_ = std::min(index, text_.size()); }
  size_t size() override { return text_.size(); }
  std::string getSourceName() const override { return antlr4::IntStream::UNKNOWN_SOURCE_NAME; }
  std::string getText(const antlr4::misc::Interval& interval) override {
    if (interval.a < 0 || interval.b < 0) return {};
    const auto start = static_cast<size_t>(interval.a);
    size_t stop = static_cast<size_t>(interval.b);
    if (stop >= text_.size()) stop = text_.size() - 1;
    if (start >= text_.size()) return {};
    return text_.substr(start, stop - start + 1);  // as ANTLRInputStream counts
  }
  std::string toString() const override { return text_; }

 private:
  const std::string& text_;
  size_t p_ = 0;
};

}  // namespace

/// The characters of `file` for ANTLR's lexer.
static std::unique_ptr<antlr4::CharStream> char_stream(const SourceFile& file) {
  if (file.ascii) return std::make_unique<AsciiCharStream>(file.text);
  return std::make_unique<antlr4::ANTLRInputStream>(file.text);
}

bool read_text(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  // Read in one piece when the size is known (not for a pipe).
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size > 0 && in) {
    out.resize(static_cast<std::size_t>(size));
    in.read(&out[0], size);
    if (in.gcount() == size && in.peek() == std::char_traits<char>::eof()) return true;
    in.clear();
    in.seekg(0, std::ios::beg);
  }
  in.clear();
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

SourceLoc end_of(const std::shared_ptr<const std::string>& file, antlr4::Token* tok) {
  SourceLoc l;
  l.file = file;
  if (!tok) return l;
  l.line = static_cast<uint32_t>(tok->getLine());
  l.col = static_cast<uint32_t>(tok->getCharPositionInLine()) + 1;
  if (tok->getType() == antlr4::Token::EOF) return l;
  // A token may span lines (a block comment never reaches here, but a
  // string may): count to its last line.
  const std::string text = tok->getText();
  for (unsigned char ch : text) {
    if (ch == '\n') {
      ++l.line;
      l.col = 1;
    } else if ((ch & 0xC0) != 0x80) {
      ++l.col;
    }
  }
  return l;
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
    if (static_cast<size_t>(t) == antlr4::Token::EOF) {
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
  bool lexer_error = false;  ///< a character no token starts with
  /// The index of the ';' that ends the statement of the last error.
  ssize_t last_error_end() const { return suppress_until_; }
  /// Token indices from each error to the ';' that ends its statement.
  std::vector<std::pair<ssize_t, ssize_t>> error_ranges;

  void syntaxError(antlr4::Recognizer* rec, antlr4::Token* bad, size_t line, size_t col,
                   const std::string& msg, std::exception_ptr ep) override {
    any = true;
    if (sink_ && reported_ >= kMaxSyntaxErrors)
      throw TooManySyntaxErrors{static_cast<uint32_t>(line), static_cast<uint32_t>(col) + 1};
    auto* parser = dynamic_cast<antlr4::Parser*>(rec);
    if (!parser) lexer_error = true;
    if (!sink_) return;
    if (!parser) {
      // Lexer: name the one character no token starts with (ANTLR's
      // message quotes the whole unread rest of the would-be token).
      flush();
      Pending e;
      e.line = static_cast<uint32_t>(line);
      e.col = static_cast<uint32_t>(col) + 1;
      e.end = SourceLoc{file_.name, e.line, e.col + 1};
      e.code = "QF1001";
      e.message = "unexpected character '" + character_at(e.line, static_cast<uint32_t>(col)) + "'";
      emit(e);
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
      e.code = "QF1004";
      const SourceLoc brace{file_.name, static_cast<uint32_t>(open_brace_->getLine()),
                            static_cast<uint32_t>(open_brace_->getCharPositionInLine()) + 1};
      e.related.push_back(RelatedLocation{brace, "the '{' left open", end_of(file_.name, open_brace_)});
      after(prev, e);
    } else if ((expected == "';'" || expected == "')'" || expected == "']'") && bad) {
      // A missing ';' or bracket is reported just after the previous token.
      after(prev, e);
      e.message = "expected " + expected + (expected == "';'" ? " at the end of the statement" : "");
      e.code = "QF1002";
    } else if (!expected.empty()) {
      e.message = "expected " + expected + ", got " + token_text(bad);
      e.code = "QF1002";
    } else if (msg.rfind("extraneous input", 0) == 0 || msg.rfind("mismatched input", 0) == 0 || no_viable) {
      e.message = "unexpected " + token_text(bad);
      e.code = "QF1003";
    } else {
      e.message = msg;
      e.code = "QF1005";
    }
    if (at_eof && e.message.rfind("unexpected", 0) == 0) {
      e.message = "unexpected end of file";
      e.code = "QF1004";
      after(prev, e);
    }
    // The range: the offending token, or an empty range where a token is
    // missing (just after the previous one).
    if (bad && e.line == bad->getLine() && e.col == bad->getCharPositionInLine() + 1)
      e.end = end_of(file_.name, bad);
    else
      e.end = SourceLoc{file_.name, e.line, e.col};
    // OpenQASM 2's `opaque` is not in the grammar: name the feature.
    std::string src = file_.line(e.line);
    std::size_t first = src.find_first_not_of(" \t");
    if (first != std::string::npos && src.compare(first, 7, "opaque ") == 0) {
      e.message = "opaque gate declarations are not supported";
      e.code = "QF8004";
      e.col = static_cast<uint32_t>(first) + 1;
      e.end = SourceLoc{file_.name, e.line, e.col + 6};
    }
    // Follow-on errors up to the end of this statement are dropped.
    suppress_until_ = statement_end(index);
    error_ranges.emplace_back(index, suppress_until_);
    if (no_viable && !at_eof) pending_ = e;
    else emit(e);
  }

  /// Report a held-back error (call when parsing ends).
  void flush() {
    if (!pending_) return;
    Pending e = *pending_;
    pending_.reset();
    emit(e);
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
    std::string code;  ///< QF1xxx (see qforge/diagnostic_codes.hpp)
    SourceLoc end;
    std::vector<RelatedLocation> related;
  };

  /// The UTF-8 character at code-point column `col` (0-based) of `line`.
  std::string character_at(uint32_t line, uint32_t col) const {
    std::string src = file_.line(line);
    const std::size_t i = utf8_byte_of_column(src, 0, col + 1);
    if (i >= src.size()) return "\\n";
    std::size_t j = i + 1;
    while (j < src.size() && utf8_continuation(static_cast<unsigned char>(src[j]))) ++j;
    std::string ch = src.substr(i, j - i);
    if (ch == "\t") return "\\t";
    if (ch == "\r") return "\\r";
    return ch;
  }

  void emit(const Pending& e) {
    ++reported_;
    Diagnostic d;
    d.loc = SourceLoc{file_.name, e.line, e.col};
    d.message = e.message;
    d.source_line = file_.line(e.line);
    d.code = e.code;
    d.end = e.end.line ? e.end : word_end(d.loc, d.source_line);
    d.related = e.related;
    sink_->report(std::move(d));
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
  unsigned reported_ = 0;  ///< syntax errors emitted
  antlr4::Token* open_brace_ = nullptr;
};

ParsedFile::~ParsedFile() = default;

std::string hex_byte(unsigned char b) {
  const char* digits = "0123456789ABCDEF";
  return std::string("0x") + digits[b >> 4] + digits[b & 15];
}

std::string nesting_message() {
  return "the program nests too deeply here: more than " + std::to_string(kMaxNesting) +
         " nested expressions, blocks or statements (a fixed limit)";
}

/// Line and column (in characters, 1-based) of byte `pos` of `file`.
static SourceLoc location_of(const SourceFile& file, std::size_t pos) {
  auto line_it = std::upper_bound(file.line_starts.begin(), file.line_starts.end(), pos);
  const auto line = static_cast<uint32_t>(line_it - file.line_starts.begin());
  uint32_t col = 1;
  for (std::size_t k = file.line_starts[line - 1]; k < pos; ++k)
    if ((static_cast<unsigned char>(file.text[k]) & 0xC0) != 0x80) ++col;
  return SourceLoc{file.name, line, col};
}

/// One pass over the bytes of `file` before ANTLR sees them. Reports the
/// first byte that is not UTF-8 (ANTLR would throw without a location), and
/// brackets or unary operators nested deeper than kMaxNesting: ANTLR's
/// prediction reads all of a nested expression at once (`U((((...` could
/// still be a call expression), taking memory and stack in proportion to
/// its depth before any parser rule could count it.
std::optional<SemanticError> prescan(const SourceFile& file) {
  const std::string& t = file.text;
  const std::size_t n = t.size();
  enum { Code, LineComment, BlockComment, Quoted } state = Code;
  char quote = 0;
  std::size_t depth = 0, unary = 0;
  std::size_t i = 0;
  while (i < n) {
    const auto b = static_cast<unsigned char>(t[i]);
    if (b < 0x80) {
      const char c = static_cast<char>(b);
      const char next = i + 1 < n ? t[i + 1] : '\0';
      switch (state) {
        case LineComment:
          if (c == '\n') state = Code;
          break;
        case BlockComment:
          if (c == '*' && next == '/') state = Code, ++i;
          break;
        case Quoted:
          if (c == quote || c == '\n') state = Code;
          break;
        case Code:
          if (c == '/' && (next == '/' || next == '*')) {
            state = next == '/' ? LineComment : BlockComment;
            ++i;
          } else if (c == '"' || c == '\'') {
            state = Quoted;
            quote = c;
          } else if (c == '(' || c == '[' || c == '{' || c == '-' || c == '~' || c == '!') {
            if (c == '-' || c == '~' || c == '!') ++unary;
            else ++depth, unary = 0;
            if (depth + unary > kMaxNesting) return SemanticError{location_of(file, i), nesting_message()};
          } else if (c == ')' || c == ']' || c == '}') {
            if (depth > 0) --depth;
            unary = 0;
          } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            unary = 0;
          }
          break;
      }
      ++i;
      continue;
    }
    unary = 0;
    // The length a lead byte announces, and the range its first
    // continuation byte must lie in (no overlong forms, no surrogates,
    // nothing above U+10FFFF).
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) len = 2;
    else if (b >= 0xE0 && b <= 0xEF) len = 3, lo = b == 0xE0 ? 0xA0 : 0x80, hi = b == 0xED ? 0x9F : 0xBF;
    else if (b >= 0xF0 && b <= 0xF4) len = 4, lo = b == 0xF0 ? 0x90 : 0x80, hi = b == 0xF4 ? 0x8F : 0xBF;
    std::string problem;
    if (len == 0) {
      problem = "byte " + hex_byte(b) + " cannot appear in UTF-8 text";
    } else {
      for (std::size_t k = 1; k < len && problem.empty(); ++k) {
        if (i + k >= n) {
          problem = "the file ends inside a multi-byte character";
          break;
        }
        const auto c = static_cast<unsigned char>(t[i + k]);
        if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF))
          problem = "byte " + hex_byte(b) + " begins an invalid or incomplete character";
      }
    }
    if (!problem.empty())
      return SemanticError{location_of(file, i), "invalid UTF-8: " + problem + " (source files must be UTF-8)"};
    i += len;
  }
  return std::nullopt;
}

SemanticError too_many_errors(const SourceFile& file, const TooManySyntaxErrors& e) {
  return SemanticError{SourceLoc{file.name, e.line, e.col}, "too many syntax errors: checking stops after " +
                                                                std::to_string(kMaxSyntaxErrors) + " (a fixed limit)"};
}

/// The parser with a bound on how deeply its rules nest. ANTLR's parser
/// recurses once per nested parenthesis, operator, block or statement; past
/// some thousands of levels (measured: 4500 nested `if`s, 7900 parentheses
/// on an 8 MB stack) it overflows the stack. Counting a rule's depth costs a
/// walk up its parents, so it is done only once the stack is visibly deep.
///
/// In LL mode it also chooses the prediction mode as it goes (see
/// predict_with_ll): full-context LL prediction costs about a millisecond
/// per statement, so a 5000-line file with one typo took seconds.
class DepthLimitedParser final : public P {
 public:
  explicit DepthLimitedParser(antlr4::TokenStream* tokens) : P(tokens) {
    stack_base_ = static_cast<const char*>(__builtin_frame_address(0));
  }
  void enterRule(antlr4::ParserRuleContext* ctx, size_t state, size_t rule) override {
    P::enterRule(ctx, state, rule);
    check(ctx);
    if (errors_ || ll_statements_) choose_prediction();
  }
  void enterRecursionRule(antlr4::ParserRuleContext* ctx, size_t state, size_t rule, int precedence) override {
    P::enterRecursionRule(ctx, state, rule, precedence);
    check(ctx);
    if (errors_ || ll_statements_) choose_prediction();
  }
  /// Predict with LL only where it can matter: from token `ll_from` (the
  /// statement where SLL prediction failed; everything before it parsed
  /// with SLL) until the end of the statement of the first syntax error.
  /// After that error, SLL prediction goes on finding the later errors; in
  /// the rare program that SLL cannot decide, a later statement may then
  /// get a spurious error, but only after a real one.
  void predict_with_ll(std::size_t ll_from, const SyntaxErrors* errors) {
    ll_from_ = ll_from;
    errors_ = errors;
  }
  /// In SLL mode: predict with LL inside the statements that start at these
  /// token indices (the ones where SLL prediction failed), SLL elsewhere.
  void predict_statements_with_ll(const std::vector<std::size_t>* starts) { ll_statements_ = starts; }

 private:
  void choose_prediction() {
    if (ll_statements_) {
      bool ll = false;
      for (antlr4::tree::ParseTree* t = getContext(); t && !ll; t = t->parent) {
        auto* r = static_cast<antlr4::ParserRuleContext*>(t);
        if (r->getRuleIndex() != P::RuleStatementOrScope) continue;
        ll = std::find(ll_statements_->begin(), ll_statements_->end(), r->getStart()->getTokenIndex()) !=
             ll_statements_->end();
      }
      getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
          ll ? antlr4::atn::PredictionMode::LL : antlr4::atn::PredictionMode::SLL);
      return;
    }
    const auto i = static_cast<ssize_t>(getTokenStream()->index());
    const bool sll = i < static_cast<ssize_t>(ll_from_) || (errors_->any && i > errors_->last_error_end());
    getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
        sll ? antlr4::atn::PredictionMode::SLL : antlr4::atn::PredictionMode::LL);
  }
  std::size_t ll_from_ = 0;
  const SyntaxErrors* errors_ = nullptr;
  const std::vector<std::size_t>* ll_statements_ = nullptr;

  void check(antlr4::ParserRuleContext* ctx) {
    // 1000 rules use far more than 64 KB (at least 300 bytes each).
    if (stack_base_ - static_cast<const char*>(__builtin_frame_address(0)) < 64 * 1024) return;
    std::size_t depth = 0;
    for (antlr4::tree::ParseTree* t = ctx; t; t = t->parent) ++depth;
    if (depth > kMaxNesting) throw NestingTooDeep{ctx->getStart()};
  }
  const char* stack_base_;
};


/// The bail-out strategy of the SLL parse, which records the statement in
/// which parsing failed: the innermost statement around the failing token,
/// or, when it failed between the statements of a block (a missing '}'), the
/// statement before it. A syntax error deep in a long block then costs LL
/// prediction of that one statement, not of the whole block (a `gate` body
/// left open for 225 lines took 0.3 s).
class StatementBailStrategy final : public antlr4::BailErrorStrategy {
 public:
  void recover(antlr4::Parser* recognizer, std::exception_ptr e) override {
    record(recognizer);
    antlr4::BailErrorStrategy::recover(recognizer, e);
  }
  antlr4::Token* recoverInline(antlr4::Parser* recognizer) override {
    record(recognizer);
    return antlr4::BailErrorStrategy::recoverInline(recognizer);
  }
  /// The first token of the failing statement (kNone when the failure was
  /// outside any statement).
  std::size_t failed_statement = kNone;
  static constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

 private:
  void record(antlr4::Parser* recognizer) {
    failed_statement = kNone;
    for (antlr4::ParserRuleContext* c = recognizer->getContext(); c;
         c = static_cast<antlr4::ParserRuleContext*>(c->parent)) {
      const std::size_t rule = c->getRuleIndex();
      if (rule == P::RuleStatementOrScope) {
        failed_statement = c->getStart()->getTokenIndex();
        return;
      }
      if (rule == P::RuleScope || rule == P::RuleProgram) {
        // Between statements: the one before may have been mispredicted.
        for (auto it = c->children.rbegin(); it != c->children.rend(); ++it) {
          auto* child = dynamic_cast<antlr4::ParserRuleContext*>(*it);
          if (child && child->getRuleIndex() == P::RuleStatementOrScope) {
            failed_statement = child->getStart()->getTokenIndex();
            return;
          }
        }
      }
    }
  }
};

/// The lexer's default-channel tokens. A CommonTokenStream hides the
/// comments (channel HIDDEN) from the parser, but an UnbufferedTokenStream
/// hands it every token: without this filter a single comment made the
/// streamed SLL parse fail, and the file was parsed again in LL mode (a
/// 3000-line file with one comment took 1.3 s instead of 0.1 s).
class DefaultChannelTokens final : public antlr4::TokenSource {
 public:
  explicit DefaultChannelTokens(antlr4::TokenSource* lexer) : lexer_(lexer) {}
  std::unique_ptr<antlr4::Token> nextToken() override {
    for (;;) {
      auto t = lexer_->nextToken();
      if (t->getChannel() == antlr4::Token::DEFAULT_CHANNEL || t->getType() == antlr4::Token::EOF) return t;
    }
  }
  size_t getLine() const override { return lexer_->getLine(); }
  size_t getCharPositionInLine() override { return lexer_->getCharPositionInLine(); }
  antlr4::CharStream* getInputStream() override { return lexer_->getInputStream(); }
  std::string getSourceName() override { return lexer_->getSourceName(); }
  antlr4::TokenFactory<antlr4::CommonToken>* getTokenFactory() override { return lexer_->getTokenFactory(); }

 private:
  antlr4::TokenSource* lexer_;
};

std::unique_ptr<antlr4::Token> SetAliasTokens::nextToken() {
  using L = qforge_antlr::qasm3Lexer;
  if (!held_.empty()) {
    auto t = std::move(held_.front());
    held_.pop_front();
    return t;
  }
  auto t = lexer_->nextToken();
  if (t->getChannel() != antlr4::Token::DEFAULT_CHANNEL) return t;
  const bool opens = t->getType() == L::LBRACE && recent_type_[0] == L::LET && recent_type_[1] == L::Identifier &&
                     recent_type_[2] == L::EQUALS;
  const std::size_t let = recent_start_[0];
  recent_type_[0] = recent_type_[1], recent_start_[0] = recent_start_[1];
  recent_type_[1] = recent_type_[2], recent_start_[1] = recent_start_[2];
  recent_type_[2] = t->getType(), recent_start_[2] = t->getStartIndex();
  if (!opens) return t;
  auto open = std::make_unique<antlr4::CommonToken>(t.get());
  if (read_braces(std::move(t))) {
    // Rewritten: the braces are kept here only.
    antlr4::Token* last = held_.back().get();
    braces_[let] = Braces{std::move(open), nullptr};
    braces_[let].close = std::make_unique<antlr4::CommonToken>(last);
    held_.pop_back();
  }
  return nextToken();
}

bool SetAliasTokens::read_braces(std::unique_ptr<antlr4::Token> open) {
  using L = qforge_antlr::qasm3Lexer;
  std::vector<std::unique_ptr<antlr4::Token>> inside;
  int depth = 0;
  bool complete = false;
  for (;;) {
    auto t = lexer_->nextToken();
    const auto type = t->getType();
    const bool code = t->getChannel() == antlr4::Token::DEFAULT_CHANNEL;
    inside.push_back(std::move(t));
    if (type == antlr4::Token::EOF) break;
    if (!code) continue;
    if (type == L::LPAREN || type == L::LBRACKET || type == L::LBRACE) ++depth;
    if (type == L::RPAREN || type == L::RBRACKET || (type == L::RBRACE && depth > 0)) --depth;
    else if (type == L::RBRACE) {
      complete = true;
      break;
    }
    if (type == L::SEMICOLON && depth <= 0) break;
  }
  // The last default-channel token before the '}' (a trailing comma goes).
  std::size_t last_code = inside.size();
  if (complete)
    for (std::size_t i = inside.size() - 1; i-- > 0;)
      if (inside[i]->getChannel() == antlr4::Token::DEFAULT_CHANNEL) {
        last_code = i;
        break;
      }
  if (!complete || last_code == inside.size() || (inside[last_code]->getType() == L::COMMA && last_code == 0)) {
    // Not this form: every token as the lexer read it.
    held_.push_back(std::move(open));
    for (auto& t : inside) held_.push_back(std::move(t));
    return false;
  }
  depth = 0;
  for (std::size_t i = 0; i + 1 < inside.size(); ++i) {
    auto& t = inside[i];
    const auto type = t->getType();
    if (t->getChannel() == antlr4::Token::DEFAULT_CHANNEL) {
      if (type == L::LPAREN || type == L::LBRACKET || type == L::LBRACE) ++depth;
      if (type == L::RPAREN || type == L::RBRACKET || type == L::RBRACE) --depth;
      if (type == L::COMMA && depth == 0) {
        if (i == last_code) continue;  // the trailing comma
        static_cast<antlr4::CommonToken*>(t.get())->setType(L::DOUBLE_PLUS);
      }
    }
    held_.push_back(std::move(t));
  }
  held_.push_back(std::move(inside.back()));  // the '}', taken out by nextToken
  return true;
}

/// The streamed parse's token stream, which can also skip a statement that
/// the fast path (parse_fast.hpp) read without ANTLR.
class SkippingTokenStream final : public antlr4::UnbufferedTokenStream {
 public:
  using antlr4::UnbufferedTokenStream::UnbufferedTokenStream;
  /// The token read ahead when it is all the stream holds (no mark, nothing
  /// else buffered); null otherwise.
  antlr4::Token* lone_lookahead() const {
    return _numMarkers == 0 && _p == 0 && _tokens.size() == 1 ? _tokens[0].get() : nullptr;
  }
  /// Drop the token read ahead and count `n` tokens as consumed, so that
  /// token indices stay those of a stream that read them: the lexer has been
  /// moved past a statement of `n` tokens that starts with that token.
  void skip(std::size_t n) {
    _tokens.clear();
    _p = 0;
    _currentTokenIndex += n;
    _lastToken = nullptr;
    _lastTokenBufferStart = nullptr;
  }
};

/// Reads the next top-level statement with the fast path when it can (see
/// parse_fast.hpp), and moves the lexer and the token stream past it; false,
/// with nothing moved, when it cannot. After a statement it read, it tries
/// the next one from the text before ANTLR's lexer reads a token of it.
class FastStatements {
 public:
  FastStatements(const SourceFile& file, antlr4::CharStream& input, qforge_antlr::qasm3Lexer& lexer,
                 const SetAliasTokens& aliases, SkippingTokenStream& tokens)
      : file_(file), input_(input), lexer_(lexer), aliases_(aliases), tokens_(tokens),
        // ANTLR drops a byte order mark: its indices are not the file's.
        enabled_(file.text.compare(0, 3, "\xEF\xBB\xBF") != 0) {}

  bool read(FastStatement& out) {
    if (!enabled_) return false;
    std::size_t cp = cp_, begin = byte_;
    uint32_t line = line_, col = col_;
    if (!after_fast_) {
      // The statement's first token, as ANTLR's lexer read it.
      tokens_.LA(1);
      antlr4::Token* t = tokens_.lone_lookahead();
      if (!t || t->getType() != qforge_antlr::qasm3Lexer::Identifier || aliases_.holding() ||
          lexer_.mode != antlr4::Lexer::DEFAULT_MODE || !lexer_.modeStack.empty())
        return false;
      cp = t->getStartIndex();
      begin = byte_of(cp);
      line = static_cast<uint32_t>(t->getLine());
      col = static_cast<uint32_t>(t->getCharPositionInLine()) + 1;
    }
    // Else the lexer is just after the last statement read here, in its
    // default mode, and has read nothing since.
    after_fast_ = false;
    if (!parse_simple_gate_call(file_.text, begin, line, col, file_.name.get(), out)) return false;
    // The statement, and the spaces and comments before it, are ASCII: a
    // byte is a character.
    cp_ = cp + (out.end - begin);
    byte_ = out.end;
    line_ = out.end_line;
    col_ = out.end_col;
    input_.seek(cp_);
    lexer_.setLine(line_);
    lexer_.setCharPositionInLine(col_ - 1);
    tokens_.skip(out.tokens);
    after_fast_ = true;
    return true;
  }

 private:
  /// The byte offset in the file of ANTLR's character index `cp` (which
  /// only grows as parsing goes on).
  std::size_t byte_of(std::size_t cp) {
    if (cp < cp_) cp_ = byte_ = 0;
    const std::string& text = file_.text;
    for (; cp_ < cp && byte_ < text.size(); ++cp_) {
      const auto b = static_cast<unsigned char>(text[byte_]);
      byte_ += b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    }
    return byte_;
  }

  const SourceFile& file_;
  antlr4::CharStream& input_;
  qforge_antlr::qasm3Lexer& lexer_;
  const SetAliasTokens& aliases_;
  SkippingTokenStream& tokens_;
  const bool enabled_;
  std::size_t cp_ = 0, byte_ = 0;  ///< a character index and its byte offset
  uint32_t line_ = 1, col_ = 1;    ///< after_fast_: the lexer's line and column there
  bool after_fast_ = false;        ///< the last statement was read here
};

/// The next top-level statement, parsed with SLL prediction and bailing out
/// (its tokens start at `statement_start`). When that fails, the inner
/// statement where it failed is predicted with full LL (see
/// StatementBailStrategy); RetryWithLL when it fails again, a syntax error.
P::StatementOrScopeContext* parse_statement_sll(DepthLimitedParser& parser, antlr4::TokenStream& tokens,
                                                StatementBailStrategy& bail, SyntaxErrors& listener,
                                                const std::string& path, std::size_t statement_start) {
  P::StatementOrScopeContext* s = nullptr;
  try {
    s = parser.statementOrScope();
  } catch (const antlr4::ParseCancellationException&) {
  }
  if (!s || listener.any) {
    // SLL prediction could not decide this statement, or it has a syntax
    // error: parse it once more, with full LL prediction in the inner
    // statement that failed (still bailing out), and only when that
    // statement fails again re-parse everything in LL mode for the exact
    // errors. Statements SLL cannot decide are common enough (dnn_n2.qasm of
    // QASMBench has them) that falling back for the whole file made such
    // files ten times slower.
    if (listener.lexer_error) throw RetryWithLL{path, statement_start};
    listener.any = false;
    std::vector<std::size_t> ll_statements;
    parser.predict_statements_with_ll(&ll_statements);
    struct Reset {
      DepthLimitedParser& p;
      ~Reset() { p.predict_statements_with_ll(nullptr); }
    } reset{parser};
    // Past a few inner statements that SLL cannot decide, LL predicts the
    // whole statement (each retry parses it again).
    constexpr std::size_t kMaxInnerRetries = 8;
    while (!s || listener.any) {
      const std::size_t failed =
          !s && bail.failed_statement != StatementBailStrategy::kNone ? bail.failed_statement : statement_start;
      auto marked = [&](std::size_t t) {
        return std::find(ll_statements.begin(), ll_statements.end(), t) != ll_statements.end();
      };
      if (marked(failed) || marked(statement_start) || listener.lexer_error) {
        std::size_t from = failed;
        for (std::size_t t : ll_statements) from = std::min(from, t);
        throw RetryWithLL{path, from};
      }
      ll_statements.push_back(ll_statements.size() < kMaxInnerRetries ? failed : statement_start);
      tokens.seek(statement_start);
      listener.any = false;
      s = nullptr;
      try {
        s = parser.statementOrScope();
      } catch (const antlr4::ParseCancellationException&) {
      }
    }
    parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::SLL);
  }
  return s;
}

void Lowerer::set_version(const ast::Version& v) {
  const std::string& ver = v.number;
  version_known_ = true;
  if (ver == "2.0") {
    version_ = 2;
    strict2_ = true;
  } else if (ver == "3" || (ver.rfind("3.", 0) == 0 && ver.size() > 2)) {
    version_ = 3;
  } else {
    report(SemanticError{loc(v.span), "unsupported OpenQASM version " + ver + " (qforge reads 2.0 and 3.x)", end_loc(v.span)});
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
  files_.push_back(file);
  detect_version(*file, is_main);
  if (is_main && circ_.ops.empty()) {
    // About an operation a statement: room for them at once, rather than
    // copying them all as the vector doubles (the pages it leaves untouched
    // cost nothing).
    const auto statements = static_cast<std::size_t>(std::count(file->text.begin(), file->text.end(), ';'));
    circ_.ops.reserve(std::min<std::size_t>(statements, kMaxOperations));
  }

  if (auto bad = prescan(*file)) {
    report(*bad);
    include_stack_.pop_back();
    current_file_ = saved_file;
    if (!is_main) throw EndProgram{};
    return;
  }

  auto pf = std::make_shared<ParsedFile>();
  pf->file = file;
  pf->input = char_stream(*file);
  pf->lexer = std::make_unique<qforge_antlr::qasm3Lexer>(pf->input.get());
  pf->set_aliases = std::make_unique<SetAliasTokens>(pf->lexer.get());
  // The listener goes on before the token stream exists: an unbuffered
  // stream reads its first token at once.
  pf->listener = std::make_unique<SyntaxErrors>(*file, ll_mode_ ? &diags_ : nullptr);
  pf->lexer->removeErrorListeners();
  pf->lexer->addErrorListener(pf->listener.get());
  // Streaming: in SLL mode no token is needed once its statement is lowered
  // (definitions are kept as syntax trees, see lower_top), so tokens are
  // released as parsing goes (a 200k-gate file would otherwise hold over a
  // million). The LL parse, which reports syntax errors, keeps them all.
  const bool stream_tokens = !ll_mode_;
  SkippingTokenStream* skipping = nullptr;
  if (stream_tokens) {
    pf->default_channel = std::make_unique<DefaultChannelTokens>(pf->set_aliases.get());
    auto stream = std::make_unique<SkippingTokenStream>(pf->default_channel.get());
    skipping = stream.get();
    pf->tokens = std::move(stream);
  } else {
    pf->tokens = std::make_unique<antlr4::CommonTokenStream>(pf->set_aliases.get());
  }
  pf->parser = std::make_unique<DepthLimitedParser>(pf->tokens.get());
  pf->parser->removeErrorListeners();
  pf->parser->addErrorListener(pf->listener.get());
  P& parser = *pf->parser;
  // Each statement becomes a syntax tree that is checked and lowered, then
  // freed with its parse tree.
  AstBuilder builder(*file, nullptr, pf->set_aliases.get());
  auto token_loc = [&](antlr4::Token* t) {
    return SourceLoc{file->name, static_cast<uint32_t>(t->getLine()), static_cast<uint32_t>(t->getCharPositionInLine()) + 1};
  };

  if (!ll_mode_) {
    parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
        antlr4::atn::PredictionMode::SLL);
    auto bail = std::make_shared<StatementBailStrategy>();
    parser.setErrorHandler(bail);
    std::size_t statement_start = 0;
    try {
      if (pf->tokens->LA(1) == qforge_antlr::qasm3Lexer::OPENQASM) {
        ssize_t mark = stream_tokens ? pf->tokens->mark() : 0;
        auto* v = parser.version();
        if (pf->listener->any) throw RetryWithLL{file->path, 0};
        if (is_main) set_version(builder.version(v));
        if (stream_tokens) pf->tokens->release(mark);
      }
      FastStatements fast(*file, *pf->input, *pf->lexer, *pf->set_aliases, *skipping);
      FastStatement simple;
      for (;;) {
        if (fast.read(simple)) {
          lower_top(std::move(simple.stmt));
          continue;
        }
        if (pf->tokens->LA(1) == antlr4::Token::EOF) break;
        // The mark keeps this statement's tokens alive until it is lowered.
        ssize_t mark = stream_tokens ? pf->tokens->mark() : 0;
        statement_start = pf->tokens->index();
        P::StatementOrScopeContext* s =
            parse_statement_sll(static_cast<DepthLimitedParser&>(parser), *pf->tokens, *bail, *pf->listener,
                                file->path, statement_start);
        lower_top(builder.statement(s));
        parser.getTreeTracker().reset();
        if (stream_tokens) pf->tokens->release(mark);
      }
      if (pf->listener->any) throw RetryWithLL{file->path, statement_start};
    } catch (const antlr4::ParseCancellationException&) {
      throw RetryWithLL{file->path, statement_start};
    } catch (const SemanticError& e) {
      report(e);
    } catch (const NestingTooDeep& e) {
      report(SemanticError{token_loc(e.at), nesting_message()});
      throw EndProgram{};
    }
  } else {
    P::ProgramContext* prog = nullptr;
    // Tokens before the statement where SLL failed (in this file; none in
    // the others) are predicted with SLL.
    static_cast<DepthLimitedParser&>(parser).predict_with_ll(
        sll_prefix_.path == file->path ? sll_prefix_.token : 0, pf->listener.get());
    try {
      prog = parser.program();
    } catch (const NestingTooDeep& e) {
      pf->listener->flush();
      report(SemanticError{token_loc(e.at), nesting_message()});
      throw EndProgram{};
    } catch (const TooManySyntaxErrors& e) {
      report(too_many_errors(*file, e));
      throw EndProgram{};
    }
    pf->listener->flush();
    // A file with syntax errors is not lowered; after an included file's
    // syntax errors nothing more is, as its gates would be reported undefined.
    if (pf->listener->any && !is_main) throw EndProgram{};
    if (!pf->listener->any) {
      if (auto* v = prog->version(); v && is_main) set_version(builder.version(v));
      for (auto* s : prog->statementOrScope()) lower_top(builder.statement(s));
    }
  }
  include_stack_.pop_back();
  current_file_ = saved_file;
}

ast::File parse_to_ast(const std::shared_ptr<SourceFile>& file, DiagnosticSink& diags) {
  ast::File out;
  out.name = file->name;
  auto error = [&](const SemanticError& e) {
    out.has_errors = true;
    Diagnostic d = make_diagnostic(file.get(), e);
    d.code = diagnostic_code(d.severity, d.message);
    diags.report(std::move(d));
  };
  if (auto bad = prescan(*file)) {
    error(*bad);
    return out;
  }
  // As lower_file: SLL prediction a statement at a time, and only when that
  // fails the whole file again in LL mode, which reports the syntax errors.
  // All tokens are kept (the comments become trivia); each statement's parse
  // tree is freed once its syntax tree is built.
  RetryWithLL retry;
  for (bool ll : {false, true}) {
    out.version.reset();
    out.statements.clear();
    const std::unique_ptr<antlr4::CharStream> input = char_stream(*file);
    qforge_antlr::qasm3Lexer lexer(input.get());
    SyntaxErrors listener(*file, ll ? &diags : nullptr);
    lexer.removeErrorListeners();
    lexer.addErrorListener(&listener);
    SetAliasTokens aliases(&lexer);
    antlr4::CommonTokenStream tokens(&aliases);
    DepthLimitedParser parser(&tokens);
    parser.removeErrorListeners();
    parser.addErrorListener(&listener);
    AstBuilder builder(*file, &tokens, &aliases);
    std::size_t statement_start = 0;
    try {
      if (!ll) {
        parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::SLL);
        auto bail = std::make_shared<StatementBailStrategy>();
        parser.setErrorHandler(bail);
        if (tokens.LA(1) == qforge_antlr::qasm3Lexer::OPENQASM) {
          auto* v = parser.version();
          if (listener.any) throw RetryWithLL{file->path, 0};
          out.version = builder.version(v);
        }
        while (tokens.LA(1) != antlr4::Token::EOF) {
          statement_start = tokens.index();
          out.statements.push_back(
              builder.statement(parse_statement_sll(parser, tokens, *bail, listener, file->path, statement_start)));
          parser.getTreeTracker().reset();
        }
        if (listener.any) throw RetryWithLL{file->path, statement_start};
      } else {
        parser.predict_with_ll(retry.token, &listener);
        P::ProgramContext* prog = parser.program();
        listener.flush();
        out.has_errors = listener.any;
        if (auto* v = prog->version()) out.version = builder.version(v);
        // The pieces ANTLR's recovery makes of a statement with an error,
        // up to the ';' that ends it, become one Invalid node, which ends
        // at the last token before the next statement (recovery may have
        // made up tokens that are in no file).
        auto before = [&](std::size_t index) {
          while (index > 0)
            if (tokens.get(--index)->getChannel() == antlr4::Token::DEFAULT_CHANNEL) return tokens.get(index);
          return tokens.get(0);
        };
        antlr4::Token* bad_first = nullptr;
        for (auto* s : prog->statementOrScope()) {
          const auto a = static_cast<ssize_t>(s->getStart()->getTokenIndex());
          const auto b = static_cast<ssize_t>(last_token(s)->getTokenIndex());
          bool bad = AstBuilder::has_errors(s);
          for (const auto& [e0, e1] : listener.error_ranges) bad = bad || (a <= e1 && b >= e0);
          if (bad) {
            if (!bad_first) bad_first = s->getStart();
            continue;
          }
          if (bad_first) out.statements.push_back(builder.invalid(bad_first, before(s->getStart()->getTokenIndex())));
          bad_first = nullptr;
          out.statements.push_back(builder.statement(s));
        }
        tokens.fill();
        if (bad_first) out.statements.push_back(builder.invalid(bad_first, before(tokens.size() - 1)));
      }
    } catch (const RetryWithLL& r) {
      retry = r;
      continue;
    } catch (const antlr4::ParseCancellationException&) {
      retry = RetryWithLL{file->path, statement_start};
      continue;
    } catch (const NestingTooDeep& e) {
      listener.flush();
      error(SemanticError{SourceLoc{file->name, static_cast<uint32_t>(e.at->getLine()),
                                    static_cast<uint32_t>(e.at->getCharPositionInLine()) + 1},
                          nesting_message()});
      out.statements.clear();
      return out;
    } catch (const TooManySyntaxErrors& e) {
      error(too_many_errors(*file, e));
      out.statements.clear();
      return out;
    }
    builder.attach_trivia(out);
    break;
  }
  return out;
}

void Lowerer::lower_include(const ast::Include& s, const ast::Span& ctx) {
  const std::string& name = s.path;
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
  if (include_stack_.size() >= kMaxIncludeDepth)
    fail(ctx, "includes nest more than " + std::to_string(kMaxIncludeDepth) + " files deep (a fixed limit)");
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


}  // namespace qforge::frontend_detail
