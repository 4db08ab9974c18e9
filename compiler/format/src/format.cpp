// The canonical layout (see format.hpp): a printer over the syntax tree that
// writes tokens with the spacing of the layout and puts every comment back
// at its place, found from the comment's byte offset in the source.
#include "qforge/format.hpp"

#include <algorithm>
#include <vector>

namespace qforge::format {
namespace {

using namespace qforge::ast;

constexpr int kIndent = 2;    ///< spaces a nesting level
constexpr int kContinue = 2;  ///< extra levels of a statement's continuation lines

class Printer {
 public:
  explicit Printer(const std::string& source) : src_(source) {}

  std::string file(const File& f) {
    std::size_t prev_end = 0;
    bool first = true;
    if (f.version) {
      const Version& v = *f.version;
      item_gap(first, prev_end, v.trivia.leading, v.span.begin);
      frames_.push_back({&v.trivia.interior, 0});
      start_line();
      tok("OPENQASM");
      space();
      flush(v.span.end - 1);
      tok(v.number);
      flush(v.span.end);
      tok(";");
      frames_.pop_back();
      trailing(v.trivia.trailing, prev_end, v.span.end);
      end_line();
    }
    statements(f.statements, f.closing_comments, first, prev_end);
    return out_;
  }

 private:
  struct Frame {
    const std::vector<Comment>* comments;
    std::size_t next;
  };

  // ------------------------------------------------------------ low level

  void start_line() { out_.append(static_cast<std::size_t>(indent_ * kIndent), ' '); }

  void end_line() {
    out_ += '\n';
    newline_pending_ = false;
    space_pending_ = false;
  }

  void space() { space_pending_ = true; }

  /// Write a token: on a new line when a `//` comment or an annotation ended
  /// the last one, else after a space when one is asked for.
  void tok(const std::string& text) {
    if (newline_pending_) {
      out_ += '\n';
      out_.append(static_cast<std::size_t>((indent_ + kContinue) * kIndent), ' ');
      newline_pending_ = false;
    } else if (space_pending_ && !out_.empty() && out_.back() != '\n' && out_.back() != ' ') {
      out_ += ' ';
    }
    space_pending_ = false;
    out_ += text;
  }

  /// A comment in the middle of a line: a block comment between spaces, a
  /// `//` comment at the end of the line (the next token starts a new one).
  void inline_comment(const Comment& c) {
    space();
    tok(c.text);
    if (c.is_block()) space();
    else newline_pending_ = true;
  }

  /// Text that ends at the end of its line (an annotation, a pragma).
  void line_text(const std::string& text) {
    tok(text);
    newline_pending_ = true;
  }

  /// Write the interior comments of the statement being printed that start
  /// before byte `pos` of the source.
  void flush(std::size_t pos) {
    if (frames_.empty()) return;
    Frame& f = frames_.back();
    while (f.next < f.comments->size() && (*f.comments)[f.next].span.begin < pos) inline_comment((*f.comments)[f.next++]);
  }

  /// The same, each comment on a line of its own at the current indentation.
  void flush_lines(std::size_t pos) {
    if (frames_.empty()) return;
    Frame& f = frames_.back();
    while (f.next < f.comments->size() && (*f.comments)[f.next].span.begin < pos) {
      start_line();
      out_ += (*f.comments)[f.next++].text;
      end_line();
    }
  }

  /// Where the next token after byte `pos` starts (past spaces and comments).
  std::size_t next_token(std::size_t pos) const {
    while (pos < src_.size()) {
      if (src_[pos] == ' ' || src_[pos] == '\t' || src_[pos] == '\n' || src_[pos] == '\r') {
        ++pos;
      } else if (src_.compare(pos, 2, "//") == 0) {
        pos = src_.find('\n', pos);
      } else if (src_.compare(pos, 2, "/*") == 0) {
        const std::size_t end = src_.find("*/", pos + 2);
        pos = end == std::string::npos ? std::string::npos : end + 2;
      } else {
        break;
      }
    }
    return std::min(pos, src_.size());
  }

  std::string source(const Span& s) const { return src_.substr(s.begin, s.end - s.begin); }

  /// True when the source between `from` and `to` holds a blank line.
  bool blank_between(std::size_t from, std::size_t to) const {
    if (to <= from || to > src_.size()) return false;
    return std::count(src_.begin() + static_cast<std::ptrdiff_t>(from), src_.begin() + static_cast<std::ptrdiff_t>(to),
                      '\n') >= 2;
  }

  /// Before the item that starts at `begin` (a comment or a statement): one
  /// blank line when the source had any since the previous item.
  void gap(bool& first, std::size_t& prev_end, std::size_t begin) {
    if (!first && blank_between(prev_end, begin)) end_line();
    first = false;
  }

  /// Leading comments, each on its own line, then the gap before `begin`.
  void item_gap(bool& first, std::size_t& prev_end, const std::vector<Comment>& leading, std::size_t begin) {
    for (const auto& c : leading) {
      gap(first, prev_end, c.span.begin);
      start_line();
      out_ += c.text;
      end_line();
      prev_end = c.span.end;
    }
    gap(first, prev_end, begin);
  }

  void trailing(const std::vector<Comment>& comments, std::size_t& prev_end, std::size_t end) {
    prev_end = end;
    for (const auto& c : comments) {
      inline_comment(c);
      prev_end = std::max(prev_end, c.span.end);
    }
  }

  // ------------------------------------------------------------ statements

  /// The statements of a block or the file, one a line, then its closing
  /// comments.
  void statements(const std::vector<StmtPtr>& list, const std::vector<Comment>& closing, bool& first,
                  std::size_t& prev_end) {
    for (const auto& s : list) line_statement(*s, first, prev_end);
    for (const auto& c : closing) {
      gap(first, prev_end, c.span.begin);
      start_line();
      out_ += c.text;
      end_line();
      prev_end = c.span.end;
    }
  }

  void line_statement(const Stmt& s, bool& first, std::size_t& prev_end) {
    item_gap(first, prev_end, s.trivia.leading, s.span.begin);
    for (const auto& a : s.annotations) {
      start_line();
      out_ += annotation(a);
      end_line();
    }
    start_line();
    frames_.push_back({&s.trivia.interior, 0});
    kind(s);
    flush(s.span.end);
    frames_.pop_back();
    trailing(s.trivia.trailing, prev_end, s.span.end);
    end_line();
  }

  static std::string annotation(const Annotation& a) {
    return a.content.empty() ? a.keyword : a.keyword + " " + a.content;
  }

  /// The body of an if, for or while: a block, or one statement on the same
  /// line.
  void body(const Stmt& s) {
    for (const auto& c : s.trivia.leading) inline_comment(c);
    for (const auto& a : s.annotations) line_text(annotation(a));
    space();
    frames_.push_back({&s.trivia.interior, 0});
    kind(s);
    flush(s.span.end);
    frames_.pop_back();
    for (const auto& c : s.trivia.trailing) inline_comment(c);
  }

  void block(const Block& b, bool after_space = true) {
    flush(b.span.begin);
    if (after_space) space();
    tok("{");
    if (b.statements.empty() && b.closing_comments.empty()) {
      tok("}");
      return;
    }
    end_line();
    ++indent_;
    bool first = true;
    std::size_t prev_end = b.span.begin;
    // Frames of the enclosing statement stay below: the block's own
    // statements push theirs.
    std::vector<Frame> saved;
    saved.swap(frames_);
    statements(b.statements, b.closing_comments, first, prev_end);
    saved.swap(frames_);
    --indent_;
    start_line();
    tok("}");
  }

  template <typename List, typename Fn>
  void list(const List& items, Fn&& each) {
    bool first = true;
    for (const auto& item : items) {
      if (!first) {
        tok(",");
        space();
      }
      first = false;
      each(item);
    }
  }

  void exprs(const std::vector<ExprPtr>& items) {
    list(items, [&](const ExprPtr& e) { expr(*e); });
  }

  void ident(const Identifier& id) {
    flush(id.span.begin);
    tok(id.name);
  }

  void kind(const Stmt& s) {
    switch (s.kind) {
      case StmtKind::Invalid:
        tok(source(s.span));
        break;
      case StmtKind::Pragma: {
        const auto& p = static_cast<const Pragma&>(s);
        line_text(p.content.empty() ? "pragma" : "pragma " + p.content);
        break;
      }
      case StmtKind::Block:
        block(static_cast<const Block&>(s));
        break;
      case StmtKind::Include: {
        const auto& i = static_cast<const Include&>(s);
        tok("include");
        space();
        flush(i.path_span.begin);
        tok(source(i.path_span));
        semicolon(s);
        break;
      }
      case StmtKind::CalibrationGrammar:
        tok("defcalgrammar");
        space();
        tok("\"" + static_cast<const CalibrationGrammar&>(s).name + "\"");
        semicolon(s);
        break;
      case StmtKind::GateDef: {
        const auto& g = static_cast<const GateDef&>(s);
        tok("gate");
        space();
        ident(g.name);
        if (g.parens) {
          tok("(");
          list(g.params, [&](const Identifier& id) { ident(id); });
          tok(")");
        }
        space();
        list(g.qubits, [&](const Identifier& id) { ident(id); });
        block(g.body);
        break;
      }
      case StmtKind::Def: {
        const auto& d = static_cast<const Def&>(s);
        tok("def");
        space();
        ident(d.name);
        tok("(");
        list(d.args, [&](const Argument& a) {
          if (a.type.kind == Type::Kind::CReg || a.type.kind == Type::Kind::QReg) {
            tok(a.type.kind == Type::Kind::CReg ? "creg" : "qreg");
            space();
            ident(a.name);
            designator(a.type.size.get());
          } else {
            type(a.type);
            space();
            ident(a.name);
          }
        });
        tok(")");
        returns(d.returns.get());
        block(d.body);
        break;
      }
      case StmtKind::Extern: {
        const auto& e = static_cast<const Extern&>(s);
        tok("extern");
        space();
        ident(e.name);
        tok("(");
        list(e.args, [&](const Type& t) { type(t); });
        tok(")");
        returns(e.returns.get());
        semicolon(s);
        break;
      }
      case StmtKind::Cal:
      case StmtKind::Defcal:
        tok(static_cast<const Calibration&>(s).text);
        break;
      case StmtKind::GateCall: {
        const auto& g = static_cast<const GateCall&>(s);
        for (const auto& m : g.modifiers) {
          flush(m.span.begin);
          static const char* names[] = {"inv", "pow", "ctrl", "negctrl"};
          tok(names[static_cast<int>(m.kind)]);
          if (m.arg) {
            tok("(");
            expr(*m.arg);
            tok(")");
          }
          space();
          tok("@");
          space();
        }
        ident(g.name);
        if (g.parens) {
          tok("(");
          exprs(g.params);
          tok(")");
        }
        designator(g.duration.get());
        if (!g.qubits.empty()) space();
        exprs(g.qubits);
        semicolon(s);
        break;
      }
      case StmtKind::Measure: {
        const auto& m = static_cast<const Measure&>(s);
        expr(*m.source);
        if (m.target) {
          space();
          tok("->");
          space();
          expr(*m.target);
        }
        semicolon(s);
        break;
      }
      case StmtKind::Reset:
      case StmtKind::Barrier:
      case StmtKind::Delay:
      case StmtKind::Nop: {
        const auto& q = static_cast<const QuantumOp&>(s);
        tok(s.kind == StmtKind::Reset ? "reset" : s.kind == StmtKind::Barrier ? "barrier" : s.kind == StmtKind::Delay ? "delay" : "nop");
        designator(q.duration.get());
        if (!q.qubits.empty()) space();
        exprs(q.qubits);
        semicolon(s);
        break;
      }
      case StmtKind::Box: {
        const auto& b = static_cast<const Box&>(s);
        tok("box");
        designator(b.duration.get());
        block(b.body);
        break;
      }
      case StmtKind::ClassicalDecl:
      case StmtKind::ConstDecl: {
        const auto& d = static_cast<const ClassicalDecl&>(s);
        if (s.kind == StmtKind::ConstDecl) {
          tok("const");
          space();
        }
        type(d.type);
        space();
        ident(d.name);
        if (d.init) {
          space();
          tok("=");
          space();
          expr(*d.init);
        }
        semicolon(s);
        break;
      }
      case StmtKind::IoDecl: {
        const auto& d = static_cast<const IoDecl&>(s);
        tok(d.output ? "output" : "input");
        space();
        type(d.type);
        space();
        ident(d.name);
        semicolon(s);
        break;
      }
      case StmtKind::OldStyleDecl: {
        const auto& d = static_cast<const OldStyleDecl&>(s);
        tok(d.quantum ? "qreg" : "creg");
        space();
        ident(d.name);
        designator(d.size.get());
        semicolon(s);
        break;
      }
      case StmtKind::QuantumDecl: {
        const auto& d = static_cast<const QuantumDecl&>(s);
        type(d.type);
        space();
        ident(d.name);
        semicolon(s);
        break;
      }
      case StmtKind::AliasDecl: {
        const auto& d = static_cast<const AliasDecl&>(s);
        tok("let");
        space();
        ident(d.name);
        space();
        tok("=");
        space();
        expr(*d.value);
        semicolon(s);
        break;
      }
      case StmtKind::Assignment: {
        const auto& a = static_cast<const Assignment&>(s);
        expr(*a.target);
        space();
        tok(a.op);
        space();
        expr(*a.value);
        semicolon(s);
        break;
      }
      case StmtKind::ExpressionStmt:
        expr(*static_cast<const ExpressionStmt&>(s).expr);
        semicolon(s);
        break;
      case StmtKind::If: {
        const auto& i = static_cast<const If&>(s);
        tok("if");
        space();
        tok("(");
        expr(*i.condition);
        tok(")");
        body(*i.then_body);
        if (i.else_body) {
          flush(i.else_body->span.begin);
          if (newline_pending_) {  // a `//` comment after the then-branch: `else` starts the next line
            end_line();
            start_line();
          }
          space();
          tok("else");
          body(*i.else_body);
        }
        break;
      }
      case StmtKind::For: {
        const auto& f = static_cast<const For&>(s);
        tok("for");
        space();
        type(f.type);
        space();
        ident(f.variable);
        space();
        tok("in");
        space();
        if (f.iterable->kind == Expr::Kind::Range) {
          tok("[");
          expr(*f.iterable);
          tok("]");
        } else {
          expr(*f.iterable);
        }
        body(*f.body);
        break;
      }
      case StmtKind::While: {
        const auto& w = static_cast<const While&>(s);
        tok("while");
        space();
        tok("(");
        expr(*w.condition);
        tok(")");
        body(*w.body);
        break;
      }
      case StmtKind::Switch: {
        const auto& sw = static_cast<const Switch&>(s);
        tok("switch");
        space();
        tok("(");
        expr(*sw.subject);
        tok(")");
        space();
        flush(sw.cases.empty() ? s.span.end - 1 : sw.cases.front().span.begin);
        tok("{");
        end_line();
        ++indent_;
        bool first = true;
        std::size_t prev_end = 0;
        for (const auto& k : sw.cases) {
          flush_lines(k.span.begin);
          item_gap(first, prev_end, k.trivia.leading, k.span.begin);
          start_line();
          if (k.is_default) {
            tok("default");
          } else {
            tok("case");
            space();
            exprs(k.values);
          }
          block(k.body);
          end_line();
          prev_end = k.span.end;
        }
        flush_lines(s.span.end);
        --indent_;
        start_line();
        tok("}");
        break;
      }
      case StmtKind::Break: tok("break"); semicolon(s); break;
      case StmtKind::Continue: tok("continue"); semicolon(s); break;
      case StmtKind::End: tok("end"); semicolon(s); break;
      case StmtKind::Return: {
        tok("return");
        if (const auto& v = static_cast<const Jump&>(s).value) {
          space();
          expr(*v);
        }
        semicolon(s);
        break;
      }
    }
  }

  void semicolon(const Stmt& s) {
    flush(s.span.end);
    tok(";");
  }

  void designator(const Expr* e) {
    if (!e) return;
    tok("[");
    expr(*e);
    tok("]");
  }

  void returns(const Type* t) {
    if (!t) return;
    space();
    tok("->");
    space();
    type(*t);
  }

  // ------------------------------------------------------------ types and expressions

  void type(const Type& t) {
    if (t.span.file) flush(t.span.begin);
    static const char* names[] = {"bit",   "int",     "uint",  "float", "angle", "bool", "duration",
                                  "stretch", "complex", "qubit", "array", "array", "creg", "qreg"};
    switch (t.kind) {
      case Type::Kind::Array:
      case Type::Kind::ArrayRef:
        if (t.kind == Type::Kind::ArrayRef) {
          tok(t.is_mutable ? "mutable" : "readonly");
          space();
        }
        tok("array");
        tok("[");
        if (t.element) type(*t.element);
        if (t.dim_count) {
          tok(",");
          space();
          tok("#dim");
          space();
          tok("=");
          space();
          expr(*t.dim_count);
        }
        for (const auto& d : t.dims) {
          tok(",");
          space();
          expr(*d);
        }
        tok("]");
        break;
      case Type::Kind::Complex:
        tok("complex");
        if (t.element) {
          tok("[");
          type(*t.element);
          tok("]");
        }
        break;
      default:
        tok(names[static_cast<int>(t.kind)]);
        designator(t.size.get());
        break;
    }
  }

  void index(const IndexOp& op) {
    flush(op.span.begin);
    tok("[");
    exprs(op.items);
    tok("]");
  }

  void expr(const Expr& e) {
    flush(e.span.begin);
    using K = Expr::Kind;
    switch (e.kind) {
      case K::Literal:
        tok(e.text.empty() ? source(e.span) : e.text);
        break;
      case K::Identifier:
        ident(e.name);
        for (const auto& op : e.indices) index(op);
        break;
      case K::Paren:
        tok("(");
        expr(*e.operands[0]);
        flush(e.span.end);
        tok(")");
        break;
      case K::Unary:
        tok(e.text);
        if (e.operands[0]->kind == K::Unary && e.operands[0]->text == e.text) space();
        expr(*e.operands[0]);
        break;
      case K::Binary:
      case K::Index: {
        // A left-leaning chain without recursion (chains can be long).
        std::vector<const Expr*> spine{&e};
        while (spine.back()->operands[0]->kind == K::Binary || spine.back()->operands[0]->kind == K::Index)
          spine.push_back(spine.back()->operands[0].get());
        expr(*spine.back()->operands[0]);
        for (auto it = spine.rbegin(); it != spine.rend(); ++it) {
          const Expr& n = **it;
          if (n.kind == K::Binary) {
            flush(next_token(n.operands[0]->span.end));
            space();
            tok(n.text);
            space();
            expr(*n.operands[1]);
          } else {
            index(n.indices[0]);
          }
        }
        break;
      }
      case K::Call:
        ident(e.name);
        tok("(");
        exprs(e.operands);
        flush(e.span.end);
        tok(")");
        break;
      case K::Cast:
        type(*e.type);
        tok("(");
        expr(*e.operands[0]);
        flush(e.span.end);
        tok(")");
        break;
      case K::Durationof:
        tok("durationof");
        tok("(");
        block(*e.block, false);
        tok(")");
        break;
      case K::Range: {
        if (e.start) expr(*e.start);
        tok(":");
        if (e.step || source(e.span).find("::") != std::string::npos) {
          if (e.step) expr(*e.step);
          tok(":");
        }
        if (e.stop) expr(*e.stop);
        break;
      }
      case K::Set:
      case K::ArrayLiteral:
        tok("{");
        exprs(e.operands);
        flush(e.span.end);
        tok("}");
        break;
      case K::Concat: {
        bool first = true;
        for (const auto& o : e.operands) {
          if (!first) {
            space();
            tok("++");
            space();
          }
          first = false;
          expr(*o);
        }
        break;
      }
      case K::Measure:
        tok("measure");
        space();
        exprs(e.qubits);
        break;
      case K::QuantumCall: {
        ident(e.name);
        const std::size_t after = next_token(e.name.span.end);
        if (!e.operands.empty() || (after < src_.size() && src_[after] == '(')) {
          tok("(");
          exprs(e.operands);
          tok(")");
        }
        if (!e.qubits.empty()) space();
        exprs(e.qubits);
        break;
      }
    }
  }

  const std::string& src_;
  std::string out_;
  int indent_ = 0;
  bool newline_pending_ = false;
  bool space_pending_ = false;
  std::vector<Frame> frames_;
};

}  // namespace

std::string format_file(const File& file, const std::string& source) { return Printer(source).file(file); }

std::optional<std::string> format_source(const std::string& source, const std::string& filename,
                                         DiagnosticSink& diags) {
  File f = parse_source(source, filename, diags);
  if (f.has_errors || diags.has_errors()) return std::nullopt;
  return format_file(f, source);
}

}  // namespace qforge::format
