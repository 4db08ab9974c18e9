// The symbol index and its token-stream scanner (see symbols.hpp).
#include "symbols.hpp"

#include "qasm3Lexer.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
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

bool is_declaration_prefix(std::size_t t) {
  return t == L::CONST || t == L::INPUT || t == L::OUTPUT || t == L::READONLY || t == L::MUTABLE;
}

/// Tokens joined as a declaration reads: "qubit[3] q", "gate rz(θ) a".
std::string join(const std::vector<Tok>& toks, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to && i < toks.size(); ++i) {
    const std::size_t t = toks[i].type;
    const bool tight_before = t == L::COMMA || t == L::RPAREN || t == L::RBRACKET || t == L::LBRACKET ||
                              t == L::SEMICOLON || (t == L::LPAREN && i > from && toks[i - 1].type == L::Identifier);
    const bool tight_after = i > from && (toks[i - 1].type == L::LPAREN || toks[i - 1].type == L::LBRACKET);
    if (!out.empty() && !tight_before && !tight_after) out += ' ';
    out += toks[i].text;
  }
  return out;
}

class Scanner {
 public:
  Scanner(SymbolIndex& index, const std::vector<std::string>& dirs) : index_(index), dirs_(dirs) {}

  void scan(const std::string& text, const std::string& name, const std::string& canon) {
    if (stack_.size() >= kMaxDepth) return;
    stack_.push_back(canon);
    index_.add_file(name, text);
    File f{lex(text), name};
    run(f);
    stack_.pop_back();
  }

 private:
  static constexpr std::size_t kMaxDepth = 64;  ///< include nesting
  /// Nesting of blocks and of scopes (gate, subroutine and loop bodies)
  /// beyond which a file is indexed no further (the front end refuses
  /// nesting deeper than 1000 anyway); keeps name lookup fast on any input.
  static constexpr int kMaxBlockDepth = 1000;
  static constexpr std::size_t kMaxScopes = 64;

  struct File {
    File(std::vector<Tok> t, std::string n) : toks(std::move(t)), name(std::move(n)), closing(toks.size()) {
      std::vector<std::size_t> open;
      for (std::size_t i = 0; i < toks.size(); ++i) {
        if (toks[i].type == L::LBRACE) open.push_back(i);
        if (toks[i].type == L::RBRACE && !open.empty()) {
          closing[open.back()] = i;
          open.pop_back();
        }
      }
      for (std::size_t i : open) closing[i] = toks.size() - 1;  // unclosed: to the end
    }
    std::vector<Tok> toks;
    std::string name;
    std::vector<std::size_t> closing;  ///< for each '{': the index of its '}'
  };
  struct Scope {
    std::map<std::string, std::size_t> names;
    int depth = 0;  ///< the brace depth of its block
  };

  SourceRange range(const File& f, const Tok& t) const { return {f.name, t.line, t.col, t.line, t.end_col}; }

  /// The end of the definition whose header ends at `at`: the brace
  /// closing the body that opens there, or `at` itself (a `;`).
  std::size_t block_end(const File& f, std::size_t at) const {
    if (f.toks.empty()) return 0;
    if (at < f.toks.size() && f.toks[at].type == L::LBRACE) return f.closing[at];
    return std::min(at, f.toks.size() - 1);
  }

  /// The `;` ending the statement that goes on at `from` (or the last token).
  std::size_t statement_end(const File& f, std::size_t from) const {
    while (from < f.toks.size() && f.toks[from].type != L::SEMICOLON && f.toks[from].type != L::LBRACE) ++from;
    return std::min(from, f.toks.size() - 1);
  }

  SourceRange span(const File& f, std::size_t a, std::size_t b) const {
    SourceRange r = range(f, f.toks[a]);
    const Tok& e = f.toks[std::min(b, f.toks.size() - 1)];
    r.end_line = e.line;
    r.end_col = e.end_col;
    return r;
  }

  /// A symbol named by token `at`.
  Symbol named(const File& f, std::size_t at, SymbolKind kind) const {
    Symbol s;
    s.name = f.toks[at].text;
    s.kind = kind;
    s.name_range = range(f, f.toks[at]);
    return s;
  }

  std::size_t declare(Symbol s, bool global) {
    const std::string name = s.name;
    const std::size_t id = index_.add_symbol(std::move(s));
    if (global || scopes_.empty())
      globals_[name] = id;
    else
      scopes_.back().names[name] = id;
    return id;
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
    if (auto it = pending_.find(name); it != pending_.end()) return it->second;
    for (auto s = scopes_.rbegin(); s != scopes_.rend(); ++s)
      if (auto it = s->names.find(name); it != s->names.end()) return it->second;
    if (auto it = globals_.find(name); it != globals_.end()) return it->second;
    return builtin(name);
  }

  void include(const File& f, const std::string& literal, const SourceRange& site) {
    if (literal.size() < 2) return;
    const std::string name = literal.substr(1, literal.size() - 2);
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
      std::ifstream in(c, std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      index_.include_sites.emplace(c.string(), site);
      // The included file's own scopes: it is read at the top level.
      auto saved_scopes = std::move(scopes_);
      auto saved_pending = std::move(pending_);
      const int saved_depth = depth_;
      const bool saved_body = body_next_;
      body_next_ = false;
      scopes_.clear();
      pending_.clear();
      depth_ = 0;
      scan(text.str(), c.string(), canon);
      scopes_ = std::move(saved_scopes);
      pending_ = std::move(saved_pending);
      depth_ = saved_depth;
      body_next_ = saved_body;
      return;
    }
  }

  /// `gate name(params) qubits {`: returns the index of the last header token.
  std::size_t gate(const File& f, std::size_t i) {
    const auto& t = f.toks;
    std::size_t j = i + 1;
    if (j >= t.size() || t[j].type != L::Identifier) return i;
    Symbol g = named(f, j, SymbolKind::Gate);
    std::vector<std::size_t> params, qubits;
    std::size_t k = j + 1;
    if (k < t.size() && t[k].type == L::LPAREN) {
      for (++k; k < t.size() && t[k].type != L::RPAREN && t[k].type != L::LBRACE; ++k)
        if (t[k].type == L::Identifier) params.push_back(k);
      if (k < t.size() && t[k].type == L::RPAREN) ++k;
    }
    for (; k < t.size() && t[k].type != L::LBRACE && t[k].type != L::SEMICOLON; ++k)
      if (t[k].type == L::Identifier) qubits.push_back(k);
    g.declaration = join(t, i, k);
    g.statement = span(f, i, block_end(f, k));
    g.num_params = static_cast<uint8_t>(std::min<std::size_t>(params.size(), 255));
    g.num_qubits = static_cast<uint8_t>(std::min<std::size_t>(qubits.size(), 255));
    const std::size_t id = declare(std::move(g), true);
    std::map<std::string, std::size_t> scope;
    for (std::size_t p : params) scope[t[p].text] = argument(f, p, SymbolKind::GateParameter, id, "angle " + t[p].text);
    for (std::size_t q : qubits) scope[t[q].text] = argument(f, q, SymbolKind::GateQubit, id, "qubit " + t[q].text);
    pending_ = std::move(scope);
    body_next_ = true;
    return k - 1;
  }

  std::size_t argument(const File& f, std::size_t at, SymbolKind kind, std::size_t parent, std::string decl) {
    Symbol s = named(f, at, kind);
    s.statement = index_.symbols()[parent].statement;
    s.declaration = std::move(decl);
    s.parent = parent;
    return index_.add_symbol(std::move(s));
  }

  /// `def name(type a, type b) -> type {`.
  std::size_t def(const File& f, std::size_t i) {
    const auto& t = f.toks;
    std::size_t j = i + 1;
    if (j >= t.size() || t[j].type != L::Identifier) return i;
    Symbol d = named(f, j, SymbolKind::Subroutine);
    std::vector<std::pair<std::size_t, std::size_t>> segments;  // [from, to) of each argument
    std::size_t k = j + 1;
    if (k < t.size() && t[k].type == L::LPAREN) {
      int depth = 0;
      std::size_t from = k + 1;
      for (++k; k < t.size() && t[k].type != L::LBRACE; ++k) {
        if (t[k].type == L::LPAREN || t[k].type == L::LBRACKET) ++depth;
        if (t[k].type == L::RBRACKET) --depth;
        if (t[k].type == L::RPAREN && depth-- == 0) break;
        if (depth == 0 && t[k].type == L::COMMA) {
          segments.push_back({from, k});
          from = k + 1;
        }
      }
      if (from < k) segments.push_back({from, k});
    }
    while (k < t.size() && t[k].type != L::LBRACE && t[k].type != L::SEMICOLON) ++k;
    d.declaration = join(t, i, k);
    d.statement = span(f, i, block_end(f, k));
    const std::size_t id = declare(std::move(d), true);
    std::map<std::string, std::size_t> scope;
    for (auto [a, b] : segments) {
      std::size_t name = b;
      for (std::size_t m = a; m < b; ++m)
        if (t[m].type == L::Identifier) name = m;
      if (name == b) continue;
      scope[t[name].text] = argument(f, name, SymbolKind::SubroutineArgument, id, join(t, a, b));
    }
    pending_ = std::move(scope);
    body_next_ = true;
    return k - 1;
  }

  /// A declaration at statement start: `[const|input|output] type[...] name`
  /// or `qreg name[n]`. Returns the index of the name (i when it is none).
  std::size_t declaration(const File& f, std::size_t i, const SourceRange& statement) {
    const auto& t = f.toks;
    std::size_t k = i;
    SymbolKind kind = SymbolKind::Variable;
    for (; k < t.size() && is_declaration_prefix(t[k].type); ++k) {
      if (t[k].type == L::CONST) kind = SymbolKind::Constant;
      if (t[k].type == L::INPUT) kind = SymbolKind::Input;
      if (t[k].type == L::OUTPUT) kind = SymbolKind::Output;
    }
    if (k >= t.size() || !is_type_keyword(t[k].type)) return i;
    const std::size_t type = t[k].type;
    if (type == L::QUBIT || type == L::QREG) kind = SymbolKind::QubitRegister;
    if ((type == L::BIT || type == L::CREG) && kind == SymbolKind::Variable) kind = SymbolKind::ClassicalRegister;
    ++k;
    std::size_t name = k, end;
    if (type == L::QREG || type == L::CREG) {
      if (k >= t.size() || t[k].type != L::Identifier) return i;
      end = k + 1;
      if (end < t.size() && t[end].type == L::LBRACKET)
        while (end < t.size() && t[end].type != L::RBRACKET && t[end].type != L::SEMICOLON) ++end;
      if (end < t.size() && t[end].type == L::RBRACKET) ++end;
    } else {
      if (k < t.size() && t[k].type == L::LBRACKET) {
        int depth = 0;
        for (; k < t.size(); ++k) {
          if (t[k].type == L::LBRACKET) ++depth;
          if (t[k].type == L::RBRACKET && --depth == 0) break;
          if (t[k].type == L::SEMICOLON) return i;
        }
        ++k;
      }
      if (k >= t.size() || t[k].type != L::Identifier) return i;
      name = k;
      end = k + 1;
    }
    Symbol s = named(f, name, kind);
    s.statement = span(f, i, statement_end(f, end));
    s.declaration = join(t, i, end);
    declare(std::move(s), false);
    return name;
  }

  void run(const File& f) {
    const auto& t = f.toks;
    bool at_start = true;
    SourceRange statement;
    for (std::size_t i = 0; i < t.size(); ++i) {
      const bool start = at_start;
      at_start = false;
      if (start) statement = range(f, t[i]);
      switch (t[i].type) {
        case L::SEMICOLON:
          at_start = true;
          // A loop whose body is one statement: its variable's scope ends here.
          pending_.clear();
          body_next_ = false;
          break;
        case L::LBRACE:
          if (++depth_ > kMaxBlockDepth || scopes_.size() >= kMaxScopes) return;
          at_start = true;
          if (body_next_) {
            scopes_.push_back({std::move(pending_), depth_});
            pending_.clear();
            body_next_ = false;
          }
          break;
        case L::RBRACE:
          while (!scopes_.empty() && scopes_.back().depth >= depth_) scopes_.pop_back();
          --depth_;
          at_start = true;
          break;
        case L::OPENQASM:
          if (i + 1 < t.size() && t[i + 1].text.rfind("2", 0) == 0 && index_.libraries.empty())
            index_.libraries.push_back(GateLibrary::Builtin2);
          break;
        case L::INCLUDE:
          if (i + 1 < t.size() && t[i + 1].type == L::StringLiteral) include(f, t[i + 1].text, span(f, i, i + 1));
          break;
        case L::GATE:
          i = gate(f, i);
          break;
        case L::DEF:
          i = def(f, i);
          break;
        case L::LET:
          if (i + 1 < t.size() && t[i + 1].type == L::Identifier) {
            Symbol s = named(f, i + 1, SymbolKind::Alias);
            s.declaration = "let " + s.name;
            s.statement = span(f, i, statement_end(f, i));
            declare(std::move(s), false);
            ++i;
          }
          break;
        case L::FOR: {
          // for [type] name in ...: the variable belongs to the body.
          std::size_t in = i + 1;
          while (in < t.size() && in < i + 8 && t[in].type != L::IN) ++in;
          if (in < t.size() && t[in].type == L::IN && t[in - 1].type == L::Identifier && in - 1 > i) {
            Symbol s = named(f, in - 1, SymbolKind::LoopVariable);
            s.declaration = join(t, i + 1, in);
            s.statement = span(f, i, in);
            const std::size_t id = index_.add_symbol(std::move(s));
            pending_ = {{t[in - 1].text, id}};
            body_next_ = true;
            i = in;
          }
          break;
        }
        case L::Identifier: {
          const std::size_t id = resolve(t[i].text);
          if (id != Symbol::kNone) index_.add_use(id, range(f, t[i]), statement);
          break;
        }
        default:
          if (start && (is_type_keyword(t[i].type) || is_declaration_prefix(t[i].type))) {
            const std::size_t name = declaration(f, i, statement);
            // Uses in the declaration's designator (`qubit[n] q`) are indexed too.
            for (std::size_t k = i + 1; k < name; ++k)
              if (t[k].type == L::Identifier)
                if (std::size_t id = resolve(t[k].text); id != Symbol::kNone) index_.add_use(id, range(f, t[k]), statement);
            i = name;
          }
      }
    }
  }

  SymbolIndex& index_;
  const std::vector<std::string>& dirs_;
  std::vector<std::string> stack_;
  std::map<std::string, std::size_t> globals_, builtins_;
  std::vector<Scope> scopes_;
  std::map<std::string, std::size_t> pending_;  ///< the names of the block that opens next
  bool body_next_ = false;  ///< the next '{' opens a gate, subroutine or loop body (its own scope)
  int depth_ = 0;
};

}  // namespace

SymbolIndex scan_symbols(const std::string& text, const std::string& file,
                         const std::vector<std::string>& include_dirs) {
  SymbolIndex index;
  Scanner scanner(index, include_dirs);
  std::error_code ec;
  std::string canon = fs::weakly_canonical(fs::path(file), ec).string();
  scanner.scan(text, file, canon.empty() ? file : canon);
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
