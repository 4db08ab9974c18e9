// The syntax tree (qforge/ast.hpp) from ANTLR's parse tree: one statement at
// a time (the parse tree of a statement can be freed once it is built), then
// the comments of the whole file, taken from the token stream's hidden
// channel, are attached to the statements as trivia.
#include "frontend_internal.hpp"

#include "qforge/ast.hpp"
#include "qforge/utf8.hpp"

#include <typeinfo>

namespace qforge::ast {

Expr::Expr() = default;
// A left-leaning chain (a + b + c ..., a[0][1] ...) is as deep as it has
// operators, which no nesting limit bounds: it is freed in a loop, not by
// recursion.
Expr::~Expr() {
  std::vector<ExprPtr> pending;
  for (auto& o : operands) pending.push_back(std::move(o));
  while (!pending.empty()) {
    ExprPtr e = std::move(pending.back());
    pending.pop_back();
    if (e)
      for (auto& o : e->operands) pending.push_back(std::move(o));
  }
}
Expr::Expr(Expr&&) noexcept = default;
Expr& Expr::operator=(Expr&&) noexcept = default;

}  // namespace qforge::ast

namespace qforge::frontend_detail {

namespace {

using L = qforge_antlr::qasm3Lexer;

// A parse tree's nodes are ParserRuleContexts and the parser's two kinds of
// terminal node. Comparing the dynamic type with those two is much cheaper
// than a dynamic_cast (a tenth of the time of building a tree went there).
bool is_terminal(antlr4::tree::ParseTree* t) {
  const std::type_info& type = typeid(*t);
  return type == typeid(antlr4::tree::TerminalNodeImpl) || type == typeid(antlr4::tree::ErrorNodeImpl);
}

antlr4::tree::TerminalNode* terminal(antlr4::tree::ParseTree* t) {
  return t && is_terminal(t) ? static_cast<antlr4::tree::TerminalNode*>(t) : nullptr;
}

antlr4::ParserRuleContext* rule(antlr4::tree::ParseTree* t) {
  return t && !is_terminal(t) ? static_cast<antlr4::ParserRuleContext*>(t) : nullptr;
}

std::size_t type_of(antlr4::tree::ParseTree* t) {
  auto* term = terminal(t);
  return term ? term->getSymbol()->getType() : 0;
}

std::string unquote(const std::string& s) { return s.size() >= 2 ? s.substr(1, s.size() - 2) : s; }

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

}  // namespace

AstBuilder::AstBuilder(const SourceFile& file, antlr4::BufferedTokenStream* tokens, const SetAliasTokens* aliases)
    : file_(file), tokens_(tokens), aliases_(aliases), ascii_(file.ascii) {}

std::size_t AstBuilder::byte_of(uint32_t line, uint32_t col) const {
  if (line == 0 || line > file_.line_starts.size()) return file_.text.size();
  const std::size_t i = file_.line_starts[line - 1];
  if (ascii_) return std::min(i + col - 1, file_.text.size());
  return utf8_byte_of_column(file_.text, i, col);
}

ast::Span AstBuilder::span(antlr4::Token* first, antlr4::Token* last) const {
  ast::Span s;
  s.file = file_.name.get();
  if (!first) return s;
  if (!last || last->getTokenIndex() < first->getTokenIndex()) last = first;  // an empty rule
  s.line = static_cast<uint32_t>(first->getLine());
  s.col = static_cast<uint32_t>(first->getCharPositionInLine()) + 1;
  s.begin = byte_of(s.line, s.col);
  const auto type = last->getType();
  if (type == antlr4::Token::EOF || type == L::CalibrationBlock || last->getChannel() != antlr4::Token::DEFAULT_CHANNEL) {
    // Tokens that may span lines.
    const SourceLoc e = end_of(nullptr, last);
    s.end_line = e.line;
    s.end_col = e.col;
    s.end = type == antlr4::Token::EOF ? byte_of(e.line, e.col)
                                       : byte_of(static_cast<uint32_t>(last->getLine()),
                                                 static_cast<uint32_t>(last->getCharPositionInLine()) + 1) +
                                             last->getText().size();
    return s;
  }
  // One line: its length in characters from the input stream's indices.
  s.end_line = static_cast<uint32_t>(last->getLine());
  s.end_col = static_cast<uint32_t>(last->getCharPositionInLine() + 1 + last->getStopIndex() - last->getStartIndex() + 1);
  s.end = byte_of(s.end_line, s.end_col);
  return s;
}

ast::Span AstBuilder::span(antlr4::ParserRuleContext* ctx) const { return span(ctx->getStart(), last_token(ctx)); }

ast::Identifier AstBuilder::identifier(antlr4::tree::TerminalNode* t) const {
  return ast::Identifier{t->getText(), span(t->getSymbol(), t->getSymbol())};
}

// ---------------------------------------------------------------- types

ast::Type AstBuilder::type(antlr4::ParserRuleContext* ctx) {
  ast::Type t;
  t.span = span(ctx);
  const std::size_t r = ctx->getRuleIndex();
  if (r == P::RuleScalarType || r == P::RuleQubitType) {
    for (auto* c : ctx->children) {
      switch (type_of(c)) {
        case L::BIT: t.kind = ast::Type::Kind::Bit; break;
        case L::INT: t.kind = ast::Type::Kind::Int; break;
        case L::UINT: t.kind = ast::Type::Kind::Uint; break;
        case L::FLOAT: t.kind = ast::Type::Kind::Float; break;
        case L::ANGLE: t.kind = ast::Type::Kind::Angle; break;
        case L::BOOL: t.kind = ast::Type::Kind::Bool; break;
        case L::DURATION: t.kind = ast::Type::Kind::Duration; break;
        case L::STRETCH: t.kind = ast::Type::Kind::Stretch; break;
        case L::COMPLEX: t.kind = ast::Type::Kind::Complex; break;
        case L::QUBIT: t.kind = ast::Type::Kind::Qubit; break;
        default:
          if (auto* sub = rule(c)) {
            if (sub->getRuleIndex() == P::RuleDesignator) t.size = designator(sub);
            else if (sub->getRuleIndex() == P::RuleScalarType) t.element = std::make_unique<ast::Type>(type(sub));
          }
      }
    }
    return t;
  }
  if (r == P::RuleArrayType || r == P::RuleArrayReferenceType) {
    t.kind = r == P::RuleArrayType ? ast::Type::Kind::Array : ast::Type::Kind::ArrayRef;
    for (auto* c : ctx->children) {
      if (type_of(c) == L::MUTABLE) t.is_mutable = true;
      auto* sub = rule(c);
      if (!sub) continue;
      if (sub->getRuleIndex() == P::RuleScalarType) t.element = std::make_unique<ast::Type>(type(sub));
      else if (sub->getRuleIndex() == P::RuleExpressionList) t.dims = expressions(sub);
      else if (sub->getRuleIndex() == P::RuleExpression) t.dim_count = expr(sub);
    }
    return t;
  }
  return t;
}

ast::ExprPtr AstBuilder::designator(antlr4::ParserRuleContext* ctx) {
  if (!ctx) return nullptr;
  for (auto* c : ctx->children)
    if (auto* e = rule(c)) return expr(e);
  return nullptr;
}

// ---------------------------------------------------------------- expressions

std::vector<ast::ExprPtr> AstBuilder::expressions(antlr4::ParserRuleContext* list) {
  std::vector<ast::ExprPtr> out;
  if (!list) return out;
  for (auto* c : list->children)
    if (auto* e = rule(c)) out.push_back(any_expr(e));
  return out;
}

ast::IndexOp AstBuilder::index_op(antlr4::ParserRuleContext* ctx) {
  ast::IndexOp op;
  op.span = span(ctx);
  for (auto* c : ctx->children)
    if (auto* e = rule(c)) op.items.push_back(any_expr(e));
  return op;
}

ast::ExprPtr AstBuilder::node(ast::Expr::Kind kind, antlr4::ParserRuleContext* ctx) {
  auto e = std::make_unique<ast::Expr>();
  e->kind = kind;
  e->span = span(ctx);
  return e;
}

ast::ExprPtr AstBuilder::any_expr(antlr4::ParserRuleContext* ctx) {
  using K = ast::Expr::Kind;
  switch (ctx->getRuleIndex()) {
    case P::RuleExpression: return expr(ctx);
    case P::RuleRangeExpression: {
      auto e = node(K::Range, ctx);
      int colons = 0;
      ast::ExprPtr parts[3];
      for (auto* c : ctx->children) {
        if (type_of(c) == L::COLON) ++colons;
        else if (auto* sub = rule(c)) parts[colons] = expr(sub);
      }
      e->start = std::move(parts[0]);
      e->two_colons = colons == 2;
      if (colons == 2) {
        e->step = std::move(parts[1]);
        e->stop = std::move(parts[2]);
      } else {
        e->stop = std::move(parts[1]);
      }
      return e;
    }
    case P::RuleSetExpression:
    case P::RuleArrayLiteral:
    case P::RuleConcatenationExpression:
    case P::RuleAliasExpression: {
      const auto r = ctx->getRuleIndex();
      auto e = node(r == P::RuleSetExpression ? K::Set : r == P::RuleArrayLiteral ? K::ArrayLiteral : K::Concat, ctx);
      for (auto* c : ctx->children)
        if (auto* sub = rule(c)) e->operands.push_back(any_expr(sub));
      // An alias of one expression is that expression.
      if (r == P::RuleAliasExpression && e->operands.size() == 1) return std::move(e->operands[0]);
      return e;
    }
    case P::RuleDeclarationExpression:
      for (auto* c : ctx->children)
        if (auto* sub = rule(c)) return any_expr(sub);
      return nullptr;
    case P::RuleMeasureExpression: {
      auto e = node(K::Measure, ctx);
      for (auto* c : ctx->children)
        if (auto* sub = rule(c)) e->qubits.push_back(operand(sub));
      return e;
    }
    case P::RuleQuantumCallExpression: {
      auto e = node(K::QuantumCall, ctx);
      for (auto* c : ctx->children) {
        if (type_of(c) == L::Identifier) e->name = identifier(terminal(c));
        auto* sub = rule(c);
        if (!sub) continue;
        if (sub->getRuleIndex() == P::RuleExpressionList) e->operands = expressions(sub);
        else if (sub->getRuleIndex() == P::RuleGateOperandList) e->qubits = operands(sub);
      }
      return e;
    }
    case P::RuleIndexedIdentifier:
    case P::RuleGateOperand:
      return operand(ctx);
    default:
      return node(K::Literal, ctx);
  }
}

ast::ExprPtr AstBuilder::operand(antlr4::ParserRuleContext* ctx) {
  using K = ast::Expr::Kind;
  if (ctx->getRuleIndex() == P::RuleGateOperand) {
    auto* first = ctx->children.empty() ? nullptr : ctx->children[0];
    if (auto* sub = rule(first)) return operand(sub);
    auto e = node(K::Literal, ctx);
    e->literal = ast::Expr::Literal::HardwareQubit;
    e->text = ctx->getText();
    return e;
  }
  // indexedIdentifier
  auto e = node(K::Identifier, ctx);
  for (auto* c : ctx->children) {
    if (type_of(c) == L::Identifier) e->name = identifier(terminal(c));
    else if (auto* sub = rule(c)) e->indices.push_back(index_op(sub));
  }
  return e;
}

std::vector<ast::ExprPtr> AstBuilder::operands(antlr4::ParserRuleContext* list) {
  std::vector<ast::ExprPtr> out;
  if (!list) return out;
  for (auto* c : list->children)
    if (auto* sub = rule(c)) out.push_back(operand(sub));
  return out;
}

ast::ExprPtr AstBuilder::expr(antlr4::ParserRuleContext* ctx) {
  using K = ast::Expr::Kind;
  if (ctx->getRuleIndex() != P::RuleExpression) return any_expr(ctx);
  const auto& ch = ctx->children;
  switch (kind_of_(ctx)) {
    case NodeKind::Paren: {
      auto e = node(K::Paren, ctx);
      e->operands.push_back(expr(rule(ch[1])));
      return e;
    }
    case NodeKind::Binary:
    case NodeKind::Index: {
      // A left-leaning chain is built in a loop (see Expr::~Expr).
      std::vector<antlr4::ParserRuleContext*> spine{ctx};
      for (;;) {
        auto* lhs = rule(spine.back()->children[0]);
        const NodeKind k = kind_of_(lhs);
        if (k != NodeKind::Binary && k != NodeKind::Index) break;
        spine.push_back(lhs);
      }
      ast::ExprPtr acc = expr(rule(spine.back()->children[0]));
      for (auto it = spine.rbegin(); it != spine.rend(); ++it) {
        const auto& c = (*it)->children;
        if (kind_of_(*it) == NodeKind::Binary) {
          auto e = node(K::Binary, *it);
          e->operands.push_back(std::move(acc));
          e->text = c[1]->getText();
          e->operands.push_back(expr(rule(c[2])));
          acc = std::move(e);
        } else {
          auto e = node(K::Index, *it);
          e->operands.push_back(std::move(acc));
          e->indices.push_back(index_op(rule(c[1])));
          acc = std::move(e);
        }
      }
      return acc;
    }
    case NodeKind::Unary: {
      auto e = node(K::Unary, ctx);
      e->text = ch[0]->getText();
      e->operands.push_back(expr(rule(ch[1])));
      return e;
    }
    case NodeKind::Call: {
      auto e = node(K::Call, ctx);
      e->name = identifier(terminal(ch[0]));
      for (auto* c : ch)
        if (auto* sub = rule(c)) e->operands = expressions(sub);
      return e;
    }
    case NodeKind::Cast: {
      auto e = node(K::Cast, ctx);
      e->type = std::make_unique<ast::Type>(type(rule(ch[0])));
      e->operands.push_back(expr(rule(ch[2])));
      return e;
    }
    case NodeKind::Durationof: {
      auto e = node(K::Durationof, ctx);
      e->block = std::make_unique<ast::Block>();
      block(rule(ch[2]), *e->block);
      return e;
    }
    case NodeKind::Literal: {
      auto* tok = terminal(ch[0])->getSymbol();
      if (tok->getType() == L::Identifier) {
        auto e = node(K::Identifier, ctx);
        e->name = identifier(terminal(ch[0]));
        return e;
      }
      auto e = node(K::Literal, ctx);
      e->text = tok->getText();
      switch (tok->getType()) {
        case L::BinaryIntegerLiteral: case L::OctalIntegerLiteral: case L::DecimalIntegerLiteral:
        case L::HexIntegerLiteral:
          e->literal = ast::Expr::Literal::Integer;
          break;
        case L::FloatLiteral: e->literal = ast::Expr::Literal::Float; break;
        case L::ImaginaryLiteral: e->literal = ast::Expr::Literal::Imaginary; break;
        case L::BooleanLiteral: e->literal = ast::Expr::Literal::Bool; break;
        case L::BitstringLiteral: e->literal = ast::Expr::Literal::Bitstring; break;
        case L::TimingLiteral: e->literal = ast::Expr::Literal::Timing; break;
        case L::HardwareQubit: e->literal = ast::Expr::Literal::HardwareQubit; break;
        default: break;
      }
      return e;
    }
    default:
      return node(K::Literal, ctx);
  }
}

// ---------------------------------------------------------------- statements

void AstBuilder::block(antlr4::ParserRuleContext* scope, ast::Block& out) {
  out.span = span(scope);
  for (auto* c : scope->children)
    if (auto* s = rule(c)) out.statements.push_back(statement(s));
  if (tokens_)
    blocks_.push_back(BlockTokens{&out, scope->getStart()->getTokenIndex(), last_token(scope)->getTokenIndex()});
}

ast::StmtPtr AstBuilder::body(antlr4::ParserRuleContext* statement_or_scope) { return statement(statement_or_scope); }

bool AstBuilder::has_errors(antlr4::tree::ParseTree* root) {
  // A loop, not recursion: left-leaning expressions make deep trees.
  std::vector<antlr4::tree::ParseTree*> pending{root};
  while (!pending.empty()) {
    antlr4::tree::ParseTree* t = pending.back();
    pending.pop_back();
    if (auto* term = terminal(t)) {  // a token skipped, or one recovery made up
      if (typeid(*t) == typeid(antlr4::tree::ErrorNodeImpl) || term->getSymbol()->getTokenIndex() == INVALID_INDEX)
        return true;
      continue;
    }
    if (static_cast<antlr4::ParserRuleContext*>(t)->exception) return true;
    pending.insert(pending.end(), t->children.begin(), t->children.end());
  }
  return false;
}

ast::StmtPtr AstBuilder::statement(antlr4::ParserRuleContext* ctx) {
  ast::StmtPtr s = build(ctx);
  s->span = span(ctx);
  if (tokens_)
    statements_.push_back(StmtTokens{s.get(), ctx->getStart()->getTokenIndex(), last_token(ctx)->getTokenIndex()});
  return s;
}

ast::StmtPtr AstBuilder::invalid(antlr4::Token* first, antlr4::Token* last) {
  auto s = std::make_unique<ast::Stmt>(ast::StmtKind::Invalid);
  s->span = span(first, last);
  statements_.push_back(
      StmtTokens{s.get(), first->getTokenIndex(), std::max(first->getTokenIndex(), last->getTokenIndex())});
  return s;
}

ast::StmtPtr AstBuilder::build(antlr4::ParserRuleContext* ctx) {
  // statementOrScope -> statement | scope
  if (ctx->getRuleIndex() == P::RuleStatementOrScope) ctx = rule(ctx->children[0]);
  if (ctx->getRuleIndex() == P::RuleScope) {
    auto b = std::make_unique<ast::Block>();
    block(ctx, *b);
    return b;
  }
  // statement -> pragma | annotation* kind
  std::vector<ast::Annotation> annotations;
  antlr4::ParserRuleContext* inner = nullptr;
  for (auto* c : ctx->children) {
    auto* sub = rule(c);
    if (!sub) continue;
    if (sub->getRuleIndex() == P::RuleAnnotation) {
      ast::Annotation a;
      a.span = span(sub);
      a.keyword = sub->children[0]->getText();
      if (sub->children.size() > 1) a.content = trim(sub->children[1]->getText());
      annotations.push_back(std::move(a));
    } else {
      inner = sub;
    }
  }
  ast::StmtPtr s = kind(inner);
  s->annotations = std::move(annotations);
  return s;
}

ast::StmtPtr AstBuilder::kind(antlr4::ParserRuleContext* ctx) {
  using K = ast::StmtKind;
  const auto& ch = ctx->children;
  auto sub = [&](std::size_t rule_index) -> antlr4::ParserRuleContext* {
    for (auto* c : ch)
      if (auto* r = rule(c); r && r->getRuleIndex() == rule_index) return r;
    return nullptr;
  };
  auto ident = [&]() -> ast::Identifier {
    for (auto* c : ch)
      if (type_of(c) == L::Identifier) return identifier(terminal(c));
    return {};
  };
  switch (ctx->getRuleIndex()) {
    case P::RulePragma: {
      auto s = std::make_unique<ast::Pragma>();
      if (ch.size() > 1) s->content = trim(ch[1]->getText());
      return s;
    }
    case P::RuleIncludeStatement: {
      auto s = std::make_unique<ast::Include>();
      auto* lit = terminal(ch[1])->getSymbol();
      s->path = unquote(lit->getText());
      s->path_span = span(lit, lit);
      return s;
    }
    case P::RuleCalibrationGrammarStatement: {
      auto s = std::make_unique<ast::CalibrationGrammar>();
      s->name = unquote(ch[1]->getText());
      return s;
    }
    case P::RuleBreakStatement: return std::make_unique<ast::Jump>(K::Break);
    case P::RuleContinueStatement: return std::make_unique<ast::Jump>(K::Continue);
    case P::RuleEndStatement: return std::make_unique<ast::Jump>(K::End);
    case P::RuleReturnStatement: {
      auto s = std::make_unique<ast::Jump>(K::Return);
      for (auto* c : ch)
        if (auto* r = rule(c)) s->value = any_expr(r);
      return s;
    }
    case P::RuleForStatement: {
      auto* f = static_cast<P::ForStatementContext*>(ctx);
      auto s = std::make_unique<ast::For>();
      s->type = type(sub(P::RuleScalarType));
      s->variable = ident();
      if (auto* r = sub(P::RuleRangeExpression)) s->iterable = any_expr(r);
      else if (auto* r2 = sub(P::RuleSetExpression)) s->iterable = any_expr(r2);
      else s->iterable = expr(sub(P::RuleExpression));
      s->body = body(f->body);
      return s;
    }
    case P::RuleIfStatement: {
      auto* f = static_cast<P::IfStatementContext*>(ctx);
      auto s = std::make_unique<ast::If>();
      s->condition = expr(sub(P::RuleExpression));
      s->then_body = body(f->if_body);
      if (f->else_body) {
        s->else_body = body(f->else_body);
        auto* e = f->ELSE()->getSymbol();
        s->else_keyword = span(e, e);
      }
      return s;
    }
    case P::RuleWhileStatement: {
      auto* f = static_cast<P::WhileStatementContext*>(ctx);
      auto s = std::make_unique<ast::While>();
      s->condition = expr(sub(P::RuleExpression));
      s->body = body(f->body);
      return s;
    }
    case P::RuleSwitchStatement: {
      auto s = std::make_unique<ast::Switch>();
      s->subject = expr(sub(P::RuleExpression));
      std::vector<std::size_t> first_tokens;
      for (auto* c : ch) {
        auto* item = rule(c);
        if (!item || item->getRuleIndex() != P::RuleSwitchCaseItem) continue;
        ast::SwitchCase k;
        k.span = span(item);
        first_tokens.push_back(item->getStart()->getTokenIndex());
        for (auto* ic : item->children) {
          if (type_of(ic) == L::DEFAULT) k.is_default = true;
          auto* r = rule(ic);
          if (!r) continue;
          if (r->getRuleIndex() == P::RuleExpressionList) k.values = expressions(r);
          else block(r, k.body);
        }
        s->cases.push_back(std::move(k));
      }
      if (tokens_)
        for (std::size_t i = 0; i < s->cases.size(); ++i) cases_.push_back(CaseTokens{&s->cases[i], first_tokens[i]});
      return s;
    }
    case P::RuleBarrierStatement:
    case P::RuleNopStatement:
    case P::RuleResetStatement:
    case P::RuleDelayStatement: {
      const auto r = ctx->getRuleIndex();
      auto s = std::make_unique<ast::QuantumOp>(r == P::RuleBarrierStatement ? K::Barrier
                                                : r == P::RuleNopStatement   ? K::Nop
                                                : r == P::RuleResetStatement ? K::Reset
                                                                             : K::Delay);
      if (auto* d = sub(P::RuleDesignator)) {
        s->duration = designator(d);
        s->designator = span(d);
      }
      if (auto* one = sub(P::RuleGateOperand)) s->qubits.push_back(operand(one));
      else s->qubits = operands(sub(P::RuleGateOperandList));
      return s;
    }
    case P::RuleBoxStatement: {
      auto s = std::make_unique<ast::Box>();
      s->duration = designator(sub(P::RuleDesignator));
      block(sub(P::RuleScope), s->body);
      return s;
    }
    case P::RuleGateCallStatement: {
      auto s = std::make_unique<ast::GateCall>();
      for (auto* c : ch) {
        const auto t = type_of(c);
        if (t == L::Identifier || t == L::GPHASE) s->name = identifier(terminal(c));
        if (t == L::LPAREN) s->parens = true;
        auto* r = rule(c);
        if (!r) continue;
        switch (r->getRuleIndex()) {
          case P::RuleGateModifier: {
            ast::GateModifier m;
            m.span = span(r);
            switch (type_of(r->children[0])) {
              case L::INV: m.kind = ast::GateModifier::Kind::Inv; break;
              case L::POW: m.kind = ast::GateModifier::Kind::Pow; break;
              case L::CTRL: m.kind = ast::GateModifier::Kind::Ctrl; break;
              default: m.kind = ast::GateModifier::Kind::NegCtrl; break;
            }
            for (auto* mc : r->children)
              if (auto* e = rule(mc)) m.arg = expr(e);
            s->modifiers.push_back(std::move(m));
            break;
          }
          case P::RuleExpressionList: s->params = expressions(r); break;
          case P::RuleDesignator:
            s->duration = designator(r);
            s->designator = span(r);
            break;
          case P::RuleGateOperandList: s->qubits = operands(r); break;
          default: break;
        }
      }
      return s;
    }
    case P::RuleMeasureArrowAssignmentStatement: {
      auto s = std::make_unique<ast::Measure>();
      for (auto* c : ch) {
        auto* r = rule(c);
        if (!r) continue;
        if (r->getRuleIndex() == P::RuleIndexedIdentifier) s->target = operand(r);
        else s->source = any_expr(r);
      }
      return s;
    }
    case P::RuleAliasDeclarationStatement: {
      auto s = std::make_unique<ast::AliasDecl>();
      s->name = ident();
      auto* value = sub(P::RuleAliasExpression);
      const SetAliasTokens::Braces* braces = aliases_ ? aliases_->braces(ctx->getStart()) : nullptr;
      if (!braces) {
        s->value = any_expr(value);
        return s;
      }
      // Qiskit's `{a, b}`, read as `a ++ b` (see SetAliasTokens): a Set.
      s->value = std::make_unique<ast::Expr>();
      s->value->kind = ast::Expr::Kind::Set;
      s->value->span = span(braces->open.get(), braces->close.get());
      for (auto* c : value->children)
        if (auto* r = rule(c)) s->value->operands.push_back(any_expr(r));
      return s;
    }
    case P::RuleClassicalDeclarationStatement:
    case P::RuleConstDeclarationStatement: {
      auto s = std::make_unique<ast::ClassicalDecl>(
          ctx->getRuleIndex() == P::RuleConstDeclarationStatement ? K::ConstDecl : K::ClassicalDecl);
      auto* t = sub(P::RuleScalarType);
      s->type = type(t ? t : sub(P::RuleArrayType));
      s->name = ident();
      if (auto* init = sub(P::RuleDeclarationExpression)) s->init = any_expr(init);
      return s;
    }
    case P::RuleIoDeclarationStatement: {
      auto s = std::make_unique<ast::IoDecl>();
      s->output = type_of(ch[0]) == L::OUTPUT;
      auto* t = sub(P::RuleScalarType);
      s->type = type(t ? t : sub(P::RuleArrayType));
      s->name = ident();
      return s;
    }
    case P::RuleOldStyleDeclarationStatement: {
      auto s = std::make_unique<ast::OldStyleDecl>();
      s->quantum = type_of(ch[0]) == L::QREG;
      s->name = ident();
      if (auto* d = sub(P::RuleDesignator)) {
        s->size = designator(d);
        s->designator = span(d);
      }
      return s;
    }
    case P::RuleQuantumDeclarationStatement: {
      auto s = std::make_unique<ast::QuantumDecl>();
      s->type = type(sub(P::RuleQubitType));
      s->name = ident();
      return s;
    }
    case P::RuleDefStatement: {
      auto s = std::make_unique<ast::Def>();
      s->name = ident();
      if (auto* args = sub(P::RuleArgumentDefinitionList)) {
        for (auto* c : args->children) {
          auto* a = rule(c);
          if (!a) continue;
          ast::Argument arg;
          arg.span = span(a);
          for (auto* ac : a->children) {
            const auto t = type_of(ac);
            if (t == L::Identifier) arg.name = identifier(terminal(ac));
            if (t == L::CREG || t == L::QREG) {
              arg.type.kind = t == L::CREG ? ast::Type::Kind::CReg : ast::Type::Kind::QReg;
              arg.type.span = span(terminal(ac)->getSymbol(), terminal(ac)->getSymbol());
            }
            auto* r = rule(ac);
            if (!r) continue;
            if (r->getRuleIndex() == P::RuleDesignator) arg.type.size = designator(r);
            else arg.type = type(r);
          }
          s->args.push_back(std::move(arg));
        }
      }
      if (auto* ret = sub(P::RuleReturnSignature)) s->returns = std::make_unique<ast::Type>(type(rule(ret->children[1])));
      block(sub(P::RuleScope), s->body);
      return s;
    }
    case P::RuleExternStatement: {
      auto s = std::make_unique<ast::Extern>();
      s->name = ident();
      if (auto* args = sub(P::RuleExternArgumentList)) {
        for (auto* c : args->children) {
          auto* a = rule(c);
          if (!a) continue;
          auto* inner = a->children.empty() ? nullptr : rule(a->children[0]);
          if (inner) {
            s->args.push_back(type(inner));
          } else {  // creg designator?
            ast::Type t;
            t.kind = ast::Type::Kind::CReg;
            t.span = span(a);
            if (a->children.size() > 1) t.size = designator(rule(a->children[1]));
            s->args.push_back(std::move(t));
          }
        }
      }
      if (auto* ret = sub(P::RuleReturnSignature)) s->returns = std::make_unique<ast::Type>(type(rule(ret->children[1])));
      return s;
    }
    case P::RuleGateStatement: {
      auto* g = static_cast<P::GateStatementContext*>(ctx);
      auto s = std::make_unique<ast::GateDef>();
      s->name = ident();
      s->parens = g->LPAREN() != nullptr;
      auto names = [&](antlr4::ParserRuleContext* list, std::vector<ast::Identifier>& out) {
        if (!list) return;
        for (auto* c : list->children)
          if (type_of(c) == L::Identifier) out.push_back(identifier(terminal(c)));
      };
      names(g->params, s->params);
      names(g->qubits, s->qubits);
      block(sub(P::RuleScope), s->body);
      return s;
    }
    case P::RuleAssignmentStatement: {
      auto* a = static_cast<P::AssignmentStatementContext*>(ctx);
      auto s = std::make_unique<ast::Assignment>();
      s->op = a->op->getText();
      for (auto* c : ch) {
        auto* r = rule(c);
        if (!r) continue;
        if (r->getRuleIndex() == P::RuleIndexedIdentifier) s->target = operand(r);
        else s->value = any_expr(r);
      }
      return s;
    }
    case P::RuleExpressionStatement: {
      auto s = std::make_unique<ast::ExpressionStmt>();
      s->expr = expr(sub(P::RuleExpression));
      return s;
    }
    case P::RuleCalStatement:
    case P::RuleDefcalStatement: {
      auto s = std::make_unique<ast::Calibration>(ctx->getRuleIndex() == P::RuleCalStatement ? K::Cal : K::Defcal);
      const ast::Span sp = span(ctx);
      s->text = file_.text.substr(sp.begin, sp.end - sp.begin);
      return s;
    }
    default:
      return std::make_unique<ast::Stmt>(K::Invalid);
  }
}

ast::Version AstBuilder::version(antlr4::ParserRuleContext* ctx) {
  ast::Version v;
  v.span = span(ctx);
  v.number = ctx->children.size() > 1 ? ctx->children[1]->getText() : std::string();
  version_tokens_ = {ctx->getStart()->getTokenIndex(), last_token(ctx)->getTokenIndex()};
  return v;
}

// ---------------------------------------------------------------- trivia

ast::Comment AstBuilder::comment(std::size_t index) const {
  antlr4::Token* t = tokens_->get(index);
  return ast::Comment{t->getText(), span(t, t)};
}

void AstBuilder::attach_trivia(ast::File& file) {
  tokens_->fill();
  const std::size_t n = tokens_->size();
  std::vector<bool> is_comment(n, false), taken(n, false);
  for (std::size_t i = 0; i < n; ++i) is_comment[i] = tokens_->get(i)->getChannel() != antlr4::Token::DEFAULT_CHANNEL;

  // The comments in [from, to) not yet taken.
  auto take = [&](std::size_t from, std::size_t to, std::vector<ast::Comment>& out) {
    for (std::size_t i = from; i < to && i < n; ++i)
      if (is_comment[i] && !taken[i]) {
        taken[i] = true;
        out.push_back(comment(i));
      }
  };
  // Trailing comments first: those after a statement's last token, up to the
  // next token, that start on that token's line.
  auto trailing = [&](ast::Trivia& trivia, std::size_t last) {
    const std::size_t line = tokens_->get(last)->getLine();
    for (std::size_t i = last + 1; i < n && is_comment[i]; ++i) {
      if (tokens_->get(i)->getLine() != line || taken[i]) break;
      taken[i] = true;
      trivia.trailing.push_back(comment(i));
    }
  };
  if (file.version) trailing(file.version->trivia, version_tokens_.second);
  for (const auto& s : statements_) trailing(s.stmt->trivia, s.last);
  // Leading comments: the untaken ones before a statement's first token, back
  // to the previous default-channel token.
  auto leading = [&](ast::Trivia& trivia, std::size_t first) {
    std::size_t from = first;
    while (from > 0 && is_comment[from - 1]) --from;
    take(from, first, trivia.leading);
  };
  if (file.version) leading(file.version->trivia, version_tokens_.first);
  for (const auto& s : statements_) leading(s.stmt->trivia, s.first);
  for (const auto& k : cases_) leading(k.item->trivia, k.first);
  // Closing comments of blocks (before their '}'), innermost first: blocks_
  // lists inner blocks before the blocks around them.
  for (const auto& b : blocks_) {
    std::size_t from = b.last;
    while (from > 0 && is_comment[from - 1]) --from;
    take(from, b.last, b.block->closing_comments);
  }
  // Interior comments, innermost statement first (statements_ lists a
  // statement after the ones inside it).
  for (const auto& s : statements_) take(s.first, s.last, s.stmt->trivia.interior);
  take(0, n, file.closing_comments);
}

}  // namespace qforge::frontend_detail

// ---------------------------------------------------------------- public API

namespace qforge::ast {

using namespace frontend_detail;

File parse_source(const std::string& source, const std::string& filename, DiagnosticSink& diags) {
  std::error_code ec;
  std::string canon = fs::weakly_canonical(fs::path(filename), ec).string();
  return parse_to_ast(make_file(source, filename, canon.empty() ? filename : canon), diags);
}

File parse_file(const std::string& path, DiagnosticSink& diags) {
  std::string text;
  if (!read_source(path, text, diags)) {
    File f;
    f.name = std::make_shared<const std::string>(path);
    f.has_errors = true;
    return f;
  }
  return parse_source(text, path, diags);
}

namespace {

const char* kind_name(StmtKind k) {
  switch (k) {
    case StmtKind::Invalid: return "Invalid";
    case StmtKind::Pragma: return "Pragma";
    case StmtKind::Block: return "Block";
    case StmtKind::Include: return "Include";
    case StmtKind::CalibrationGrammar: return "CalibrationGrammar";
    case StmtKind::GateDef: return "GateDef";
    case StmtKind::Def: return "Def";
    case StmtKind::Extern: return "Extern";
    case StmtKind::Cal: return "Cal";
    case StmtKind::Defcal: return "Defcal";
    case StmtKind::GateCall: return "GateCall";
    case StmtKind::Measure: return "Measure";
    case StmtKind::Reset: return "Reset";
    case StmtKind::Barrier: return "Barrier";
    case StmtKind::Delay: return "Delay";
    case StmtKind::Nop: return "Nop";
    case StmtKind::Box: return "Box";
    case StmtKind::ClassicalDecl: return "ClassicalDecl";
    case StmtKind::ConstDecl: return "ConstDecl";
    case StmtKind::IoDecl: return "IoDecl";
    case StmtKind::OldStyleDecl: return "OldStyleDecl";
    case StmtKind::QuantumDecl: return "QuantumDecl";
    case StmtKind::AliasDecl: return "AliasDecl";
    case StmtKind::Assignment: return "Assignment";
    case StmtKind::ExpressionStmt: return "ExpressionStmt";
    case StmtKind::If: return "If";
    case StmtKind::For: return "For";
    case StmtKind::While: return "While";
    case StmtKind::Switch: return "Switch";
    case StmtKind::Break: return "Break";
    case StmtKind::Continue: return "Continue";
    case StmtKind::End: return "End";
    case StmtKind::Return: return "Return";
  }
  return "?";
}

const char* expr_name(Expr::Kind k) {
  switch (k) {
    case Expr::Kind::Literal: return "Literal";
    case Expr::Kind::Identifier: return "Identifier";
    case Expr::Kind::Paren: return "Paren";
    case Expr::Kind::Unary: return "Unary";
    case Expr::Kind::Binary: return "Binary";
    case Expr::Kind::Index: return "Index";
    case Expr::Kind::Call: return "Call";
    case Expr::Kind::Cast: return "Cast";
    case Expr::Kind::Durationof: return "Durationof";
    case Expr::Kind::Range: return "Range";
    case Expr::Kind::Set: return "Set";
    case Expr::Kind::ArrayLiteral: return "ArrayLiteral";
    case Expr::Kind::Concat: return "Concat";
    case Expr::Kind::Measure: return "Measure";
    case Expr::Kind::QuantumCall: return "QuantumCall";
  }
  return "?";
}

const char* type_name(Type::Kind k) {
  static const char* names[] = {"bit",     "int",   "uint",  "float", "angle",    "bool", "duration",
                                "stretch", "complex", "qubit", "array", "arrayref", "creg", "qreg"};
  return names[static_cast<int>(k)];
}

class Dumper {
 public:
  std::string out;

  void file(const File& f) {
    out += "File " + *f.name + (f.has_errors ? " (errors)" : "") + "\n";
    if (f.version) {
      line(1, "Version " + f.version->number, f.version->span);
      trivia(2, f.version->trivia);
    }
    for (const auto& s : f.statements) stmt(1, *s);
    comments(1, "closing", f.closing_comments);
  }

 private:
  static std::string at(const Span& s) {
    return std::to_string(s.line) + ":" + std::to_string(s.col) + "-" + std::to_string(s.end_line) + ":" +
           std::to_string(s.end_col) + " @" + std::to_string(s.begin) + "-" + std::to_string(s.end);
  }
  void line(int depth, const std::string& what, const Span& s) {
    out += std::string(2 * depth, ' ') + what + " [" + at(s) + "]\n";
  }
  /// False past kMaxDepth levels, which are summarised in one line: a
  /// left-leaning expression is as deep as it has operators.
  bool shown(int depth) {
    if (depth <= kMaxDepth) return true;
    if (!cut_) out += std::string(2 * depth, ' ') + "... (deeper levels not shown)\n";
    cut_ = true;
    return false;
  }
  static constexpr int kMaxDepth = 100;
  bool cut_ = false;
  void ident(int depth, const std::string& role, const Identifier& id) {
    if (!id.name.empty()) line(depth, role + " '" + id.name + "'", id.span);
  }
  void comments(int depth, const std::string& role, const std::vector<Comment>& cs) {
    for (const auto& c : cs) line(depth, role + " comment " + c.text, c.span);
  }
  void trivia(int depth, const Trivia& t) {
    comments(depth, "leading", t.leading);
    comments(depth, "trailing", t.trailing);
    comments(depth, "interior", t.interior);
  }
  void word(int depth, const std::string& what) { out += std::string(2 * depth, ' ') + what + "\n"; }
  void type(int depth, const std::string& role, const Type& t) {
    line(depth, (role.empty() ? "" : role + " ") + "type " + type_name(t.kind) + (t.is_mutable ? " mutable" : ""),
         t.span);
    expr(depth + 1, "size", t.size.get());
    if (t.element) type(depth + 1, "element", *t.element);
    for (const auto& d : t.dims) expr(depth + 1, "dim", d.get());
    expr(depth + 1, "#dim", t.dim_count.get());
  }
  void exprs(int depth, const std::string& role, const std::vector<ExprPtr>& es) {
    for (const auto& e : es) expr(depth, role, e.get());
  }
  void expr(int depth, const std::string& role, const Expr* e) {
    if (!e || !shown(depth)) return;
    cut_ = false;
    std::string what = role + " " + expr_name(e->kind);
    if (!e->text.empty()) what += " " + e->text;
    if (!e->name.name.empty()) what += " '" + e->name.name + "'";
    line(depth, what, e->span);
    if (!e->name.name.empty()) ident(depth + 1, "name", e->name);
    exprs(depth + 1, "operand", e->operands);
    for (const auto& ix : e->indices) {
      line(depth + 1, "index", ix.span);
      exprs(depth + 2, "item", ix.items);
    }
    exprs(depth + 1, "qubit", e->qubits);
    if (e->type) type(depth + 1, "cast", *e->type);
    if (e->block) block(depth + 1, *e->block);
    expr(depth + 1, "start", e->start.get());
    expr(depth + 1, "step", e->step.get());
    expr(depth + 1, "stop", e->stop.get());
  }
  void block(int depth, const Block& b) {
    line(depth, "Block", b.span);
    for (const auto& s : b.statements) stmt(depth + 1, *s);
    comments(depth + 1, "closing", b.closing_comments);
  }
  void stmt(int depth, const Stmt& s) {
    if (!shown(depth)) return;
    cut_ = false;
    line(depth, kind_name(s.kind), s.span);
    const int d = depth + 1;
    trivia(d, s.trivia);
    for (const auto& a : s.annotations) line(d, "annotation " + a.keyword + (a.content.empty() ? "" : " " + a.content), a.span);
    switch (s.kind) {
      case StmtKind::Block: {
        const auto& b = static_cast<const Block&>(s);
        for (const auto& c : b.statements) stmt(d, *c);
        comments(d, "closing", b.closing_comments);
        break;
      }
      case StmtKind::Pragma: word(d, "content " + static_cast<const Pragma&>(s).content); break;
      case StmtKind::Include: {
        const auto& i = static_cast<const Include&>(s);
        line(d, "path " + i.path, i.path_span);
        break;
      }
      case StmtKind::CalibrationGrammar: word(d, "name " + static_cast<const CalibrationGrammar&>(s).name); break;
      case StmtKind::GateDef: {
        const auto& g = static_cast<const GateDef&>(s);
        ident(d, "name", g.name);
        for (const auto& p : g.params) ident(d, "param", p);
        for (const auto& q : g.qubits) ident(d, "qubit", q);
        block(d, g.body);
        break;
      }
      case StmtKind::Def: {
        const auto& f = static_cast<const Def&>(s);
        ident(d, "name", f.name);
        for (const auto& a : f.args) {
          line(d, "argument", a.span);
          type(d + 1, "", a.type);
          ident(d + 1, "name", a.name);
        }
        if (f.returns) type(d, "returns", *f.returns);
        block(d, f.body);
        break;
      }
      case StmtKind::Extern: {
        const auto& f = static_cast<const Extern&>(s);
        ident(d, "name", f.name);
        for (const auto& a : f.args) type(d, "argument", a);
        if (f.returns) type(d, "returns", *f.returns);
        break;
      }
      case StmtKind::Cal:
      case StmtKind::Defcal: word(d, "text " + static_cast<const Calibration&>(s).text); break;
      case StmtKind::GateCall: {
        const auto& g = static_cast<const GateCall&>(s);
        static const char* mods[] = {"inv", "pow", "ctrl", "negctrl"};
        for (const auto& m : g.modifiers) {
          line(d, std::string("modifier ") + mods[static_cast<int>(m.kind)], m.span);
          expr(d + 1, "arg", m.arg.get());
        }
        ident(d, "name", g.name);
        exprs(d, "param", g.params);
        expr(d, "duration", g.duration.get());
        exprs(d, "qubit", g.qubits);
        break;
      }
      case StmtKind::Measure: {
        const auto& m = static_cast<const Measure&>(s);
        expr(d, "source", m.source.get());
        expr(d, "target", m.target.get());
        break;
      }
      case StmtKind::Reset:
      case StmtKind::Barrier:
      case StmtKind::Delay:
      case StmtKind::Nop: {
        const auto& q = static_cast<const QuantumOp&>(s);
        expr(d, "duration", q.duration.get());
        exprs(d, "qubit", q.qubits);
        break;
      }
      case StmtKind::Box: {
        const auto& b = static_cast<const Box&>(s);
        expr(d, "duration", b.duration.get());
        block(d, b.body);
        break;
      }
      case StmtKind::ClassicalDecl:
      case StmtKind::ConstDecl: {
        const auto& c = static_cast<const ClassicalDecl&>(s);
        type(d, "", c.type);
        ident(d, "name", c.name);
        expr(d, "init", c.init.get());
        break;
      }
      case StmtKind::IoDecl: {
        const auto& c = static_cast<const IoDecl&>(s);
        word(d, c.output ? "output" : "input");
        type(d, "", c.type);
        ident(d, "name", c.name);
        break;
      }
      case StmtKind::OldStyleDecl: {
        const auto& c = static_cast<const OldStyleDecl&>(s);
        ident(d, c.quantum ? "qreg" : "creg", c.name);
        expr(d, "size", c.size.get());
        break;
      }
      case StmtKind::QuantumDecl: {
        const auto& c = static_cast<const QuantumDecl&>(s);
        type(d, "", c.type);
        ident(d, "name", c.name);
        break;
      }
      case StmtKind::AliasDecl: {
        const auto& c = static_cast<const AliasDecl&>(s);
        ident(d, "name", c.name);
        expr(d, "value", c.value.get());
        break;
      }
      case StmtKind::Assignment: {
        const auto& a = static_cast<const Assignment&>(s);
        expr(d, "target", a.target.get());
        word(d, "op " + a.op);
        expr(d, "value", a.value.get());
        break;
      }
      case StmtKind::ExpressionStmt: expr(d, "expr", static_cast<const ExpressionStmt&>(s).expr.get()); break;
      case StmtKind::If: {
        const auto& i = static_cast<const If&>(s);
        expr(d, "condition", i.condition.get());
        stmt(d, *i.then_body);
        if (i.else_body) stmt(d, *i.else_body);
        break;
      }
      case StmtKind::For: {
        const auto& f = static_cast<const For&>(s);
        type(d, "", f.type);
        ident(d, "variable", f.variable);
        expr(d, "iterable", f.iterable.get());
        stmt(d, *f.body);
        break;
      }
      case StmtKind::While: {
        const auto& w = static_cast<const While&>(s);
        expr(d, "condition", w.condition.get());
        stmt(d, *w.body);
        break;
      }
      case StmtKind::Switch: {
        const auto& w = static_cast<const Switch&>(s);
        expr(d, "subject", w.subject.get());
        for (const auto& k : w.cases) {
          line(d, k.is_default ? "default" : "case", k.span);
          comments(d + 1, "leading", k.trivia.leading);
          exprs(d + 1, "value", k.values);
          block(d + 1, k.body);
        }
        break;
      }
      case StmtKind::Return: expr(d, "value", static_cast<const Jump&>(s).value.get()); break;
      default: break;
    }
  }
};

}  // namespace

std::string dump(const File& file) {
  Dumper d;
  d.file(file);
  return d.out;
}

}  // namespace qforge::ast
