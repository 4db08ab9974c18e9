// The symbol index, built from the syntax tree, and the token-level helpers
// (see symbols.hpp).
#include "symbols.hpp"

#include "qasm3Lexer.h"
#include "qforge/diagnostics.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

namespace qforge::lsp {

namespace fs = std::filesystem;
using L = qforge_antlr::qasm3Lexer;

// ---------------------------------------------------------------- the index

std::size_t SymbolIndex::add_symbol(Symbol s) {
  const std::size_t id = symbols_.size();
  if (!s.name_range.file.empty()) occurrences_.push_back({id, s.name_range, true, s.statement});
  symbols_.push_back(std::move(s));
  return id;
}

void SymbolIndex::add_use(std::size_t symbol, SourceRange range, SourceRange statement) {
  occurrences_.push_back({symbol, std::move(range), false, std::move(statement)});
}

void SymbolIndex::add_file(const std::string& name, std::string text) { files_[name] = std::move(text); }

const std::string* SymbolIndex::file_text(const std::string& name) const {
  auto it = files_.find(name);
  return it == files_.end() ? nullptr : &it->second;
}

const Occurrence* SymbolIndex::occurrence_at(const std::string& file, uint32_t line, uint32_t col) const {
  const Occurrence* touching = nullptr;
  for (const auto& o : occurrences_) {
    if (o.range.file != file || o.range.line != line) continue;
    if (o.range.col <= col && col < o.range.end_col) return &o;
    if (col == o.range.end_col) touching = &o;  // the cursor just after a name
  }
  return touching;
}

std::vector<const Occurrence*> SymbolIndex::occurrences_of(std::size_t symbol) const {
  std::vector<const Occurrence*> out;
  for (const auto& o : occurrences_)
    if (o.symbol == symbol) out.push_back(&o);
  std::stable_sort(out.begin(), out.end(), [](const Occurrence* a, const Occurrence* b) {
    return a->declaration > b->declaration;
  });
  return out;
}

// ---------------------------------------------------------------- tokens

namespace {

struct Tok {
  std::size_t type;
  std::string text;
  uint32_t line, col, end_col;  ///< 1-based, code points; end just after
};

/// The default-channel tokens of `text` (comments and whitespace dropped);
/// what cannot be lexed is skipped, as the lexer recovers.
std::vector<Tok> lex(const std::string& text) {
  std::vector<Tok> out;
  try {
    antlr4::ANTLRInputStream input(text);
    L lexer(&input);
    lexer.removeErrorListeners();
    for (auto t = lexer.nextToken(); t->getType() != antlr4::Token::EOF; t = lexer.nextToken()) {
      if (t->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;
      const auto line = static_cast<uint32_t>(t->getLine());
      const auto col = static_cast<uint32_t>(t->getCharPositionInLine()) + 1;
      const auto len = static_cast<uint32_t>(t->getStopIndex() - t->getStartIndex() + 1);
      out.push_back({t->getType(), t->getText(), line, col, col + len});
    }
  } catch (const std::exception&) {
    // Bytes that are not UTF-8: the front end reports them; index nothing more.
  }
  return out;
}

bool is_type_keyword(std::size_t t) {
  switch (t) {
    case L::QUBIT: case L::QREG: case L::CREG: case L::BIT: case L::INT: case L::UINT: case L::FLOAT:
    case L::ANGLE: case L::BOOL: case L::COMPLEX: case L::DURATION: case L::STRETCH: case L::ARRAY:
      return true;
    default:
      return false;
  }
}

/// Whitespace runs (line breaks included) as one space: a declaration as one line.
std::string one_line(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool space = c == ' ' || c == '\t' || c == '\r' || c == '\n';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

/// Fills a SymbolIndex from the syntax trees of a file and of the files it
/// includes (read and parsed when the walk reaches their include).
class Indexer {
 public:
  Indexer(SymbolIndex& index, const std::vector<std::string>& dirs, IncludeCache* cache)
      : index_(index), dirs_(dirs), cache_(cache) {}

  void file(const ast::File& f, const std::string& text, const std::string& name, const std::string& canon) {
    if (stack_.size() >= kMaxDepth) return;
    stack_.push_back(canon);
    index_.add_file(name, text);
    const Source saved = src_;
    src_ = {&text, name};
    if (f.version && f.version->number.rfind("2", 0) == 0 && index_.libraries.empty())
      index_.libraries.push_back(GateLibrary::Builtin2);
    for (const auto& st : f.statements) statement(*st);
    src_ = saved;
    stack_.pop_back();
  }

 private:
  static constexpr std::size_t kMaxDepth = 64;  ///< include nesting
  /// Nesting of blocks beyond which a file is indexed no further (the front
  /// end refuses nesting deeper than 1000 anyway).
  static constexpr std::size_t kMaxScopes = 1000;

  struct Source {
    const std::string* text = nullptr;
    std::string name;
  };
  struct Scope {
    std::map<std::string, std::size_t> names;
    SourceRange range;  ///< where its names are visible
  };

  SourceRange range(const ast::Span& s) const { return {src_.name, s.line, s.col, s.end_line, s.end_col}; }
  SourceRange range(const ast::Span& from, const ast::Span& to) const {
    return {src_.name, from.line, from.col, to.end_line, to.end_col};
  }
  /// The header of a definition: its text from `from` to the body's '{', on one line.
  std::string header(const ast::Span& from, const ast::Span& body) const {
    if (!src_.text || !body.file || body.begin < from.begin || body.begin > src_.text->size()) return "";
    return one_line(src_.text->substr(from.begin, body.begin - from.begin));
  }
  /// The source text from the start of `from` to the end of `to`, on one line.
  std::string text(const ast::Span& from, const ast::Span& to) const {
    if (!src_.text || to.end < from.begin || to.end > src_.text->size()) return "";
    return one_line(src_.text->substr(from.begin, to.end - from.begin));
  }

  std::size_t declare(Symbol s, bool global) {
    const std::string name = s.name;
    if (!global && !scopes_.empty()) s.scope = scopes_.back().range;
    const std::size_t id = index_.add_symbol(std::move(s));
    (global || scopes_.empty() ? globals_ : scopes_.back().names)[name] = id;
    return id;
  }

  Symbol named(const ast::Identifier& id, SymbolKind kind, const SourceRange& statement, std::string declaration) const {
    Symbol s;
    s.name = id.name;
    s.kind = kind;
    s.name_range = range(id.span);
    s.statement = statement;
    s.declaration = std::move(declaration);
    return s;
  }

  std::size_t builtin(const std::string& name) {
    auto it = builtins_.find(name);
    if (it != builtins_.end()) return it->second;
    std::vector<GateLibrary> libs = index_.libraries;
    if (std::find(libs.begin(), libs.end(), GateLibrary::Builtin2) == libs.end()) libs.push_back(GateLibrary::Builtin3);
    for (GateLibrary lib : libs) {
      if (const LibraryGate* g = find_library_gate(lib, name)) {
        Symbol s;
        s.name = name;
        s.kind = SymbolKind::BuiltinGate;
        s.library = lib;
        s.num_params = g->num_params;
        s.num_qubits = g->num_qubits;
        const std::size_t id = index_.add_symbol(std::move(s));
        builtins_[name] = id;
        return id;
      }
    }
    return Symbol::kNone;
  }

  std::size_t resolve(const std::string& name) {
    for (auto s = scopes_.rbegin(); s != scopes_.rend(); ++s)
      if (auto it = s->names.find(name); it != s->names.end()) return it->second;
    if (auto it = globals_.find(name); it != globals_.end()) return it->second;
    return builtin(name);
  }

  void use(const ast::Identifier& id) {
    if (id.name.empty() || !id.span.file) return;
    if (std::size_t s = resolve(id.name); s != Symbol::kNone) index_.add_use(s, range(id.span), statement_);
  }

  // ------------------------------------------------------------ expressions

  void expr(const ast::Expr* e) {
    if (!e) return;
    switch (e->kind) {
      case ast::Expr::Kind::Identifier:
      case ast::Expr::Kind::Call:
      case ast::Expr::Kind::QuantumCall:
        use(e->name);
        break;
      default:
        break;
    }
    for (const auto& o : e->operands) expr(o.get());
    for (const auto& ix : e->indices)
      for (const auto& i : ix.items) expr(i.get());
    for (const auto& q : e->qubits) expr(q.get());
    if (e->type) type(*e->type);
    if (e->block) block(*e->block, range(e->block->span));
    expr(e->start.get());
    expr(e->step.get());
    expr(e->stop.get());
  }

  void type(const ast::Type& t) {
    expr(t.size.get());
    if (t.element) type(*t.element);
    for (const auto& d : t.dims) expr(d.get());
    expr(t.dim_count.get());
  }

  // ------------------------------------------------------------ statements

  /// A block's statements in a scope of their own (`names`: arguments or a
  /// loop variable declared in it first).
  void block(const ast::Block& b, const SourceRange& visible, std::map<std::string, std::size_t> names = {}) {
    if (scopes_.size() >= kMaxScopes) return;
    scopes_.push_back({std::move(names), visible});
    for (const auto& st : b.statements) statement(*st);
    scopes_.pop_back();
  }
  /// The body of a loop or branch: a block, or one statement in a scope.
  void body(const ast::Stmt* s, const SourceRange& visible, std::map<std::string, std::size_t> names = {}) {
    if (!s) return;
    if (s->kind == ast::StmtKind::Block) return block(static_cast<const ast::Block&>(*s), visible, std::move(names));
    if (scopes_.size() >= kMaxScopes) return;
    scopes_.push_back({std::move(names), visible});
    statement(*s);
    scopes_.pop_back();
  }

  /// A declaration `type name`: the kind its type and prefix give it.
  static SymbolKind declared_kind(const ast::Type& t, SymbolKind prefix) {
    if (t.kind == ast::Type::Kind::Qubit || t.kind == ast::Type::Kind::QReg) return SymbolKind::QubitRegister;
    if (prefix != SymbolKind::Variable) return prefix;
    return t.kind == ast::Type::Kind::Bit || t.kind == ast::Type::Kind::CReg ? SymbolKind::ClassicalRegister
                                                                             : SymbolKind::Variable;
  }
  /// The type as completion shows a register's: `qubit[4]`, `bit[2]`, `float[64]`.
  std::string type_text(const ast::Type& t) const { return t.span.file ? text(t.span, t.span) : ""; }

  void include(const ast::Include& inc) {
    const std::string& name = inc.path;
    if (name == "stdgates.inc" || name == "qelib1.inc") {
      index_.libraries.push_back(name == "stdgates.inc" ? GateLibrary::StdGates : GateLibrary::Qelib1);
      return;
    }
    std::vector<fs::path> candidates{fs::path(stack_.back()).parent_path() / name};
    for (const auto& d : dirs_) candidates.push_back(fs::path(d) / name);
    for (const auto& c : candidates) {
      std::error_code ec;
      if (!fs::is_regular_file(c, ec)) continue;
      const std::string canon = fs::weakly_canonical(c, ec).string();
      if (std::find(stack_.begin(), stack_.end(), canon) != stack_.end()) return;  // a cycle
      index_.include_sites.emplace(c.string(), range(inc.span, inc.path_span));
      std::shared_ptr<const ParsedFile> parsed = cache_ ? cache_->get(c.string()) : parse_included(c.string());
      // The included file is read at the top level, in its own scopes.
      auto saved_scopes = std::move(scopes_);
      scopes_.clear();
      const SourceRange saved_statement = statement_;
      file(parsed->tree, parsed->text, c.string(), canon);
      scopes_ = std::move(saved_scopes);
      statement_ = saved_statement;
      return;
    }
  }

  void statement(const ast::Stmt& s) {
    using K = ast::StmtKind;
    const SourceRange here = range(s.span);
    statement_ = here;
    switch (s.kind) {
      case K::Include: include(static_cast<const ast::Include&>(s)); break;
      case K::Block: block(static_cast<const ast::Block&>(s), here); break;
      case K::GateDef: {
        const auto& g = static_cast<const ast::GateDef&>(s);
        Symbol sym = named(g.name, SymbolKind::Gate, here, header(s.span, g.body.span));
        sym.num_params = static_cast<uint8_t>(std::min<std::size_t>(g.params.size(), 255));
        sym.num_qubits = static_cast<uint8_t>(std::min<std::size_t>(g.qubits.size(), 255));
        const std::size_t id = declare(std::move(sym), true);
        std::map<std::string, std::size_t> args;
        for (const auto& p : g.params) args[p.name] = argument(p, SymbolKind::GateParameter, id, "angle " + p.name);
        for (const auto& q : g.qubits) args[q.name] = argument(q, SymbolKind::GateQubit, id, "qubit " + q.name);
        block(g.body, here, std::move(args));
        break;
      }
      case K::Def: {
        const auto& d = static_cast<const ast::Def&>(s);
        Symbol sym = named(d.name, SymbolKind::Subroutine, here, header(s.span, d.body.span));
        if (d.returns) type(*d.returns);
        for (const auto& a : d.args) type(a.type);
        const std::size_t id = declare(std::move(sym), true);
        std::map<std::string, std::size_t> args;
        for (const auto& a : d.args) args[a.name.name] = argument(a.name, SymbolKind::SubroutineArgument, id, text(a.span, a.span));
        block(d.body, here, std::move(args));
        break;
      }
      case K::Extern: {
        const auto& e = static_cast<const ast::Extern&>(s);
        for (const auto& t : e.args) type(t);
        if (e.returns) type(*e.returns);
        std::string decl = text(s.span, s.span);
        if (!decl.empty() && decl.back() == ';') decl.pop_back();
        declare(named(e.name, SymbolKind::Subroutine, here, decl), true);
        break;
      }
      case K::GateCall: {
        const auto& c = static_cast<const ast::GateCall&>(s);
        for (const auto& m : c.modifiers) expr(m.arg.get());
        use(c.name);
        for (const auto& p : c.params) expr(p.get());
        expr(c.duration.get());
        for (const auto& q : c.qubits) expr(q.get());
        break;
      }
      case K::Measure: {
        const auto& m = static_cast<const ast::Measure&>(s);
        expr(m.source.get());
        expr(m.target.get());
        break;
      }
      case K::Reset: case K::Barrier: case K::Delay: case K::Nop: {
        const auto& q = static_cast<const ast::QuantumOp&>(s);
        expr(q.duration.get());
        for (const auto& e : q.qubits) expr(e.get());
        break;
      }
      case K::Box: {
        const auto& b = static_cast<const ast::Box&>(s);
        expr(b.duration.get());
        block(b.body, here);
        break;
      }
      case K::ClassicalDecl: case K::ConstDecl: {
        const auto& d = static_cast<const ast::ClassicalDecl&>(s);
        type(d.type);
        expr(d.init.get());
        statement_ = here;
        const SymbolKind prefix = s.kind == K::ConstDecl ? SymbolKind::Constant : SymbolKind::Variable;
        Symbol sym = named(d.name, declared_kind(d.type, prefix), here, text(s.span, d.name.span));
        sym.type = type_text(d.type);
        declare(std::move(sym), false);
        break;
      }
      case K::IoDecl: {
        const auto& d = static_cast<const ast::IoDecl&>(s);
        type(d.type);
        Symbol sym = named(d.name, d.output ? SymbolKind::Output : SymbolKind::Input, here, text(s.span, d.name.span));
        sym.type = type_text(d.type);
        declare(std::move(sym), false);
        break;
      }
      case K::QuantumDecl: {
        const auto& d = static_cast<const ast::QuantumDecl&>(s);
        type(d.type);
        Symbol sym = named(d.name, SymbolKind::QubitRegister, here, text(s.span, d.name.span));
        sym.type = type_text(d.type);
        declare(std::move(sym), false);
        break;
      }
      case K::OldStyleDecl: {
        const auto& d = static_cast<const ast::OldStyleDecl&>(s);
        expr(d.size.get());
        std::string decl = text(s.span, s.span);
        if (!decl.empty() && decl.back() == ';') decl.pop_back();
        Symbol sym = named(d.name, d.quantum ? SymbolKind::QubitRegister : SymbolKind::ClassicalRegister, here, decl);
        sym.type = std::string(d.quantum ? "qubit" : "bit") + (d.size ? "[" + text(d.size->span, d.size->span) + "]" : "");
        declare(std::move(sym), false);
        break;
      }
      case K::AliasDecl: {
        const auto& a = static_cast<const ast::AliasDecl&>(s);
        expr(a.value.get());
        declare(named(a.name, SymbolKind::Alias, here, "let " + a.name.name), false);
        break;
      }
      case K::Assignment: {
        const auto& a = static_cast<const ast::Assignment&>(s);
        expr(a.target.get());
        expr(a.value.get());
        break;
      }
      case K::ExpressionStmt: expr(static_cast<const ast::ExpressionStmt&>(s).expr.get()); break;
      case K::If: {
        const auto& i = static_cast<const ast::If&>(s);
        expr(i.condition.get());
        body(i.then_body.get(), i.then_body ? range(i.then_body->span) : here);
        body(i.else_body.get(), i.else_body ? range(i.else_body->span) : here);
        break;
      }
      case K::For: {
        const auto& f = static_cast<const ast::For&>(s);
        type(f.type);
        expr(f.iterable.get());
        Symbol sym = named(f.variable, SymbolKind::LoopVariable, here,
                           f.type.span.file ? text(f.type.span, f.variable.span) : f.variable.name);
        sym.statement = range(s.span, f.variable.span);
        sym.scope = here;
        const std::size_t id = index_.add_symbol(std::move(sym));
        body(f.body.get(), here, {{f.variable.name, id}});
        break;
      }
      case K::While: {
        const auto& w = static_cast<const ast::While&>(s);
        expr(w.condition.get());
        body(w.body.get(), w.body ? range(w.body->span) : here);
        break;
      }
      case K::Switch: {
        const auto& sw = static_cast<const ast::Switch&>(s);
        expr(sw.subject.get());
        for (const auto& c : sw.cases) {
          for (const auto& v : c.values) expr(v.get());
          block(c.body, range(c.body.span));
        }
        break;
      }
      case K::Return: expr(static_cast<const ast::Jump&>(s).value.get()); break;
      default: break;
    }
  }

  std::size_t argument(const ast::Identifier& id, SymbolKind kind, std::size_t parent, std::string decl) {
    Symbol s = named(id, kind, index_.symbols()[parent].statement, std::move(decl));
    s.parent = parent;
    s.scope = s.statement;
    return index_.add_symbol(std::move(s));
  }

  SymbolIndex& index_;
  const std::vector<std::string>& dirs_;
  IncludeCache* cache_;
  std::vector<std::string> stack_;
  Source src_;
  SourceRange statement_;  ///< the statement being indexed
  std::map<std::string, std::size_t> globals_, builtins_;
  std::vector<Scope> scopes_;
};

}  // namespace

std::shared_ptr<const ParsedFile> parse_included(const std::string& path) {
  auto p = std::make_shared<ParsedFile>();
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  p->text = ss.str();
  DiagnosticSink ignored;  // the check reports them
  p->tree = ast::parse_source(p->text, path, ignored);
  return p;
}

std::shared_ptr<const ParsedFile> IncludeCache::get(const std::string& path) {
  std::error_code ec;
  const auto mtime = fs::last_write_time(path, ec);
  const auto size = fs::file_size(path, ec);
  auto it = files_.find(path);
  if (it != files_.end() && it->second.mtime == mtime && it->second.size == size) return it->second.parsed;
  Entry e{mtime, size, parse_included(path)};
  auto parsed = e.parsed;
  files_[path] = std::move(e);
  return parsed;
}

SymbolIndex index_symbols(const ast::File& tree, const std::string& text, const std::string& file,
                          const std::vector<std::string>& include_dirs, IncludeCache* cache) {
  SymbolIndex index;
  Indexer indexer(index, include_dirs, cache);
  std::error_code ec;
  std::string canon = fs::weakly_canonical(fs::path(file), ec).string();
  indexer.file(tree, text, file, canon.empty() ? file : canon);
  // The language's own gates: U (and CX in OpenQASM 2).
  if (std::find(index.libraries.begin(), index.libraries.end(), GateLibrary::Builtin2) == index.libraries.end())
    index.libraries.push_back(GateLibrary::Builtin3);
  return index;
}

std::vector<LexicalToken> lexical_tokens(const std::string& text) {
  antlr4::ANTLRInputStream none("");
  L vocabulary_source(&none);
  const auto& vocab = vocabulary_source.getVocabulary();
  std::vector<LexicalToken> out;
  for (const Tok& t : lex(text)) {
    TokenClass cls;
    switch (t.type) {
      case L::Identifier: cls = TokenClass::Name; break;
      case L::StringLiteral: case L::BitstringLiteral: cls = TokenClass::String; break;
      case L::DecimalIntegerLiteral: case L::BinaryIntegerLiteral: case L::OctalIntegerLiteral:
      case L::HexIntegerLiteral: case L::FloatLiteral: case L::ImaginaryLiteral: case L::TimingLiteral:
      case L::VersionSpecifier:
        cls = TokenClass::Number;
        break;
      default: {
        // A keyword is a token whose literal is a word ('gate', 'OPENQASM').
        const std::string lit = vocab.getLiteralName(t.type);
        if (lit.size() < 3 || !std::isalpha(static_cast<unsigned char>(lit[1]))) continue;
        cls = TokenClass::Keyword;
      }
    }
    out.push_back({cls, t.line, t.col, t.end_col});
  }
  return out;
}

CursorContext cursor_context(const std::string& text, std::size_t offset) {
  CursorContext cx;
  offset = std::min(offset, text.size());
  std::size_t p = offset;
  auto name_byte = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80;
  };
  while (p > 0 && name_byte(text[p - 1])) --p;
  if (p > 0 && text[p - 1] == '$') --p;
  cx.prefix = text.substr(p, offset - p);
  cx.prefix_begin = p;

  enum class BlockKind { Plain, Gate, Def, Loop, If, Other, Braces };
  std::vector<BlockKind> blocks;
  std::vector<Tok> st;  // the tokens of the statement the cursor is in
  BlockKind pending = BlockKind::Plain;  // the kind of the block a '{' opens next (Plain: none)
  int parens = 0, brackets = 0;
  int condition = -1;  // `if (` / `while (`: the paren depth its condition closes at
  bool after_if = false;
  const std::vector<Tok> toks = lex(text.substr(0, p));
  for (std::size_t i = 0; i < toks.size(); ++i) {
    const Tok& t = toks[i];
    const bool starts = st.empty();
    after_if = false;
    switch (t.type) {
      case L::OPENQASM:
        cx.has_version = true;
        if (i + 1 < toks.size() && toks[i + 1].text.rfind("2", 0) == 0) cx.version = 2;
        break;
      case L::GATE: if (starts) pending = BlockKind::Gate; break;
      case L::DEF: if (starts) pending = BlockKind::Def; break;
      case L::FOR: case L::WHILE: if (starts) pending = BlockKind::Loop; break;
      case L::IF: if (starts) pending = BlockKind::If; break;
      case L::ELSE: pending = BlockKind::If; break;
      case L::BOX: case L::SWITCH: case L::CASE: case L::DEFAULT: case L::CAL: case L::DEFCAL:
        if (starts) pending = BlockKind::Other;
        break;
      default: break;
    }
    if (t.type == L::LBRACE) {
      const std::size_t prev = st.empty() ? 0 : st.back().type;
      if (st.empty() ||
          (pending != BlockKind::Plain && parens == 0 && brackets == 0 && prev != L::IN && prev != L::EQUALS && prev != L::COMMA)) {
        blocks.push_back(pending);
        pending = BlockKind::Plain;
        st.clear();
        parens = brackets = 0;
        condition = -1;
      } else {
        blocks.push_back(BlockKind::Braces);  // a set or array literal
        st.push_back(t);
      }
      continue;
    }
    if (t.type == L::RBRACE) {
      if (!blocks.empty() && blocks.back() == BlockKind::Braces) {
        blocks.pop_back();
        st.push_back(t);
        continue;
      }
      after_if = !blocks.empty() && blocks.back() == BlockKind::If;
      if (!blocks.empty()) blocks.pop_back();
      st.clear();
      pending = BlockKind::Plain;
      parens = brackets = 0;
      condition = -1;
      continue;
    }
    if (t.type == L::SEMICOLON && parens == 0) {
      st.clear();
      pending = BlockKind::Plain;
      brackets = 0;
      condition = -1;
      continue;
    }
    if (t.type == L::ELSE && st.empty()) continue;  // the statement after it starts next
    st.push_back(t);
    if (t.type == L::LPAREN) {
      if ((st.size() == 2) && (st[0].type == L::IF || st[0].type == L::WHILE)) condition = parens;
      ++parens;
    } else if (t.type == L::RPAREN && parens > 0) {
      if (--parens == condition) {
        // `if (c)` / `while (c)`: a body without braces starts here.
        st.clear();
        condition = -1;
      }
    } else if (t.type == L::LBRACKET) {
      ++brackets;
    } else if (t.type == L::RBRACKET && brackets > 0) {
      --brackets;
    }
  }
  for (BlockKind b : blocks) {
    if (b == BlockKind::Braces) continue;
    cx.nested = true;
    cx.in_gate |= b == BlockKind::Gate;
    cx.in_def |= b == BlockKind::Def;
    cx.in_loop |= b == BlockKind::Loop;
  }
  // A loop's body without braces (`for int i in [0:3] h q[i];`) is not told apart.
  if (!cx.prefix.empty() && cx.prefix[0] == '$') {
    cx.place = Place::QubitList;
    return cx;
  }
  if (st.empty()) {
    cx.place = Place::StatementStart;
    cx.after_if = after_if;
    return cx;
  }
  auto has = [&](std::size_t type) {
    return std::any_of(st.begin(), st.end(), [&](const Tok& t) { return t.type == type; });
  };
  const std::size_t first = st[0].type, last = st.back().type;
  auto assigned = [&] { return has(L::EQUALS) || has(L::CompoundAssignmentOperator); };
  cx.value = last == L::EQUALS || last == L::CompoundAssignmentOperator || (last == L::RETURN && st.size() == 1);
  const bool type_word = is_type_keyword(first) || first == L::CONST || first == L::INPUT || first == L::OUTPUT;
  if (parens > 0 || brackets > 0) {
    if (first == L::DEF && parens == 1 && brackets == 0)
      cx.place = last == L::LPAREN || last == L::COMMA || last == L::READONLY || last == L::MUTABLE ? Place::Type
                                                                                                      : Place::Nothing;
    else if (first == L::GATE || first == L::EXTERN || first == L::INCLUDE)
      cx.place = Place::Nothing;
    else
      cx.place = Place::Expression;
    return cx;
  }
  if (first == L::OPENQASM || first == L::INCLUDE || first == L::GATE || first == L::DEF || first == L::EXTERN ||
      first == L::QREG || first == L::CREG || first == L::PRAGMA || first == L::GPHASE) {
    cx.place = Place::Nothing;
  } else if (first == L::LET) {
    cx.place = has(L::EQUALS) ? Place::QubitList : Place::Nothing;
  } else if (type_word) {
    if (assigned()) cx.place = Place::Expression;
    else if (last == L::CONST || last == L::INPUT || last == L::OUTPUT) cx.place = Place::Type;
    else cx.place = Place::Nothing;  // after the type comes a new name
  } else if (first == L::MEASURE || (has(L::MEASURE) && assigned() == false)) {
    cx.place = has(L::ARROW) ? (last == L::ARROW ? Place::BitList : Place::Nothing)
                             : (last == L::MEASURE || last == L::COMMA ? Place::QubitList : Place::Nothing);
  } else if (first == L::RESET || first == L::BARRIER || first == L::DELAY) {
    cx.place = last == L::Identifier || last == L::RBRACKET ? (first == L::DELAY && st.size() <= 4 && last == L::RBRACKET
                                                                   ? Place::QubitList
                                                                   : Place::Nothing)
                                                             : Place::QubitList;
  } else if (first == L::FOR) {
    cx.place = has(L::IN) ? Place::Expression : last == L::FOR ? Place::Type : Place::Nothing;
  } else if (first == L::IF || first == L::WHILE || first == L::SWITCH || first == L::RETURN) {
    cx.place = Place::Expression;
  } else if (assigned()) {
    cx.place = last == L::EQUALS || last == L::CompoundAssignmentOperator || has(L::MEASURE) == false
                   ? Place::Expression
                   : Place::QubitList;
    if (has(L::MEASURE)) cx.place = last == L::MEASURE || last == L::COMMA ? Place::QubitList : Place::Nothing;
  } else if (last == L::AT) {
    cx.place = Place::GateName;
  } else {
    // A gate call, after its modifiers: `name`, `name(params)`, then qubits.
    std::size_t k = 0;
    for (std::size_t j = 0; j < st.size(); ++j)
      if (st[j].type == L::AT) k = j + 1;
    if (k < st.size() && st[k].type == L::Identifier) {
      cx.call = st[k].text;
      const std::size_t n = st.size() - k;
      const bool after_name_or_params = n == 1 || (st[k + 1].type == L::LPAREN && last == L::RPAREN);
      cx.place = after_name_or_params || last == L::COMMA ? Place::QubitList : Place::Nothing;
    } else if (k < st.size() && st[k].type == L::GPHASE) {
      cx.place = Place::Nothing;
    } else {
      cx.place = Place::Nothing;
    }
  }
  return cx;
}

std::vector<TopStatement> top_level_statements(const std::string& text) {
  std::vector<TopStatement> out;
  // The lexer counts code points; statements are reported in bytes.
  std::vector<std::size_t> byte_of;
  const bool ascii = std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (!ascii) {
    for (std::size_t i = 0; i < text.size(); ++i)
      if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) byte_of.push_back(i);
    byte_of.push_back(text.size());
  }
  auto byte = [&](std::size_t cp) { return ascii ? cp : cp < byte_of.size() ? byte_of[cp] : text.size(); };
  try {
    antlr4::ANTLRInputStream input(text);
    L lexer(&input);
    lexer.removeErrorListeners();
    int braces = 0, parens = 0;
    std::size_t count = 0;  // tokens of the statement so far
    // A call so far: `name`, then `(params)` or not, then qubits (how many).
    bool call = false, in_params = false;
    std::size_t qubits = 0;
    TopStatement cur;
    for (auto t = lexer.nextToken(); t->getType() != antlr4::Token::EOF; t = lexer.nextToken()) {
      if (t->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;
      const std::size_t type = t->getType();
      if (count == 0) {
        cur = {};
        cur.begin = byte(t->getStartIndex());
        call = type == L::Identifier;
        in_params = false;
        qubits = 0;
        parens = 0;
      } else if (call) {
        if (count == 1 && type == L::LPAREN) {
          in_params = true;
        } else if (in_params) {
          if (type == L::LPAREN) ++parens;
          if (type == L::RPAREN && parens-- == 0) in_params = false;
        } else if (type != L::SEMICOLON) {
          // A qubit operand: names, indices, physical qubits, commas.
          if (qubits == 0 && type != L::Identifier && type != L::HardwareQubit) call = false;
          ++qubits;
        }
      }
      ++count;
      cur.physical |= type == L::HardwareQubit;
      if (type == L::LBRACE || type == L::RBRACE || type == L::EQUALS || type == L::CompoundAssignmentOperator ||
          type == L::ARROW || type == L::AT)
        call = false;
      if (type == L::LBRACE) ++braces;
      if (type == L::RBRACE && braces > 0) --braces;
      cur.end = byte(t->getStopIndex() + 1);
      if (braces == 0 && (type == L::SEMICOLON || type == L::RBRACE) && !in_params) {
        cur.call = call && type == L::SEMICOLON && qubits > 0;
        out.push_back(cur);
        count = 0;
      }
    }
    if (count > 0) {  // not ended
      cur.call = false;
      out.push_back(cur);
    }
  } catch (const std::exception&) {
    out.assign(1, {0, text.size(), false, false});  // not UTF-8: nothing is known
  }
  return out;
}

bool is_identifier(const std::string& name) {
  const auto toks = lex(name);
  return toks.size() == 1 && toks[0].type == L::Identifier && toks[0].text == name;
}

std::vector<std::string> keywords() {
  static const std::vector<std::string> words = [] {
    std::vector<std::string> out;
    antlr4::ANTLRInputStream input("");
    L lexer(&input);
    const auto& vocab = lexer.getVocabulary();
    for (std::size_t i = 1; i <= vocab.getMaxTokenType(); ++i) {
      std::string lit = vocab.getLiteralName(i);
      if (lit.size() < 3 || lit.front() != '\'') continue;
      lit = lit.substr(1, lit.size() - 2);
      if (std::all_of(lit.begin(), lit.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); }))
        out.push_back(lit);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }();
  return words;
}

}  // namespace qforge::lsp
