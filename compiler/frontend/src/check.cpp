// Checking (see frontend_internal.hpp): compile-time values and their types,
// expression evaluation, names and scopes, and the located diagnostics that
// the semantic checks raise.
#include "frontend_internal.hpp"

#include "qforge/utf8.hpp"

namespace qforge::frontend_detail {


/// A number stored in a variable of type `type` ("int[32]", "float", ...)
/// becomes an integer (truncated) or a real number as the type says, so
/// that `float x = 7; x / 2` is 3.5.
Value typed(Value v, const std::string& type) {
  if (v.kind != Value::Num) return v;
  if (type.rfind("int", 0) == 0 || type.rfind("uint", 0) == 0) {
    if (v.exact_int()) return v;
    if (v.num.is_const()) return Value::number(Expr(std::trunc(v.num.value())), true);
    v.is_int = true;
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

SourceLoc Lowerer::end_loc(antlr4::ParserRuleContext* ctx) const {
  if (!ctx) return SourceLoc{};
  antlr4::Token* stop = ctx->getStop();
  antlr4::Token* start = ctx->getStart();
  // An empty rule's stop token precedes its start.
  if (!stop || (start && stop->getTokenIndex() < start->getTokenIndex())) stop = start;
  return end_of(current_file_ ? current_file_->name : nullptr, stop);
}

SourceLoc word_end(const SourceLoc& at, const std::string& line) {
  SourceLoc end = at;
  if (at.line == 0 || at.col == 0) return end;
  std::size_t i = utf8_byte_of_column(line, 0, at.col);
  if (i >= line.size()) return end;  // at the end of the line: an empty range
  auto word = [](unsigned char ch) { return std::isalnum(ch) || ch == '_' || ch == '$' || ch == '.' || ch >= 0x80; };
  auto advance = [&] {
    do ++i; while (i < line.size() && utf8_continuation(static_cast<unsigned char>(line[i])));
    ++end.col;
  };
  const unsigned char first = static_cast<unsigned char>(line[i]);
  if (first == '"' || first == '\'') {
    advance();
    while (i < line.size() && static_cast<unsigned char>(line[i]) != first) advance();
    if (i < line.size()) advance();
  } else if (word(first)) {
    while (i < line.size() && word(static_cast<unsigned char>(line[i]))) advance();
  } else {
    advance();
  }
  return end;
}

Diagnostic make_diagnostic(const SourceFile* file, const SemanticError& e) {
  std::string line;
  if (file && e.loc.file == file->name) line = file->line(e.loc.line);
  Diagnostic d;
  d.severity = Severity::Error;
  d.loc = e.loc;
  d.message = e.message;
  d.end = e.end.line ? e.end : word_end(e.loc, line);
  d.related = e.related;
  // A related place in this file gets the word there as its range.
  for (auto& r : d.related)
    if (r.end.line == 0 && file && r.loc.file == file->name) r.end = word_end(r.loc, file->line(r.loc.line));
  d.source_line = std::move(line);
  return d;
}

void Lowerer::report(const SemanticError& e) { diags_.report(make_diagnostic(current_file_, e)); }

void Lowerer::warn(antlr4::ParserRuleContext* at, const std::string& msg) {
  if (!warned_.insert(msg).second) return;  // each warning once per compilation
  Diagnostic d;
  d.severity = Severity::Warning;
  d.loc = loc(at);
  d.end = end_loc(at);
  d.message = msg;
  d.source_line = current_file_ ? current_file_->line(d.loc.line) : std::string();
  diags_.report(std::move(d));
}

void Lowerer::declare(Scope& scope, const std::string& name, Symbol sym, antlr4::ParserRuleContext* at) {
  if (Symbol* old = scope.find_local(name)) {
    fail(at, "'" + name + "' is already declared (at " + where(old->loc) + ")",
         {RelatedLocation{old->loc, "'" + name + "' is first declared here"}});
  }
  scope.insert(name, std::move(sym));
}

// Gates and subroutines live in their own namespace, so that a program may
// call gate `x` and also have an input named `x` (as Qiskit-written files do).
void Lowerer::declare_callable(const std::string& name, Symbol sym, antlr4::ParserRuleContext* at) {
  auto it = callables_.find(name);
  if (it != callables_.end())
    fail(at, std::string(sym.kind == Symbol::Gate ? "gate" : "subroutine") + " '" + name +
                 "' is already defined (at " + where(it->second.loc) + ")",
         {RelatedLocation{it->second.loc, "'" + name + "' is first defined here"}});
  if (version_ == 3 && std_included_ && detail::find_library_gate(Library::StdGates, name))
    fail(at, "gate '" + name + "' is already defined in stdgates.inc");
  if (detail::find_library_gate(version_ == 3 ? Library::Builtin3 : Library::Builtin2, name))
    fail(at, "'" + name + "' is a built-in gate and cannot be redefined");
  callables_.emplace(name, std::move(sym));
  direct_gates_.clear();
}

Symbol* Lowerer::find_callable(const std::string& name) {
  auto it = callables_.find(name);
  return it == callables_.end() ? nullptr : &it->second;
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
  if (v.is_int) return v.ival;
  double d = v.num.value();
  int64_t i = 0;
  if (!Value::whole_int64(d, i)) fail(ctx, what + " must be an integer, got " + format_number(d));
  return i;
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
  // Integers are exact 64-bit values; a literal that does not fit is an error.
  auto whole = [&](const std::string& digits, int base) {
    int64_t v = 0;
    for (char c : digits) {
      int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
      if (__builtin_mul_overflow(v, int64_t{base}, &v) || __builtin_add_overflow(v, int64_t{d}, &v))
        fail(ctx, "integer " + ctx->getText() + " does not fit in 64 bits (the largest is 9223372036854775807)");
    }
    return Value::integer(v);
  };
  auto real = [&](const std::string& text) {
    double d = std::strtod(text.c_str(), nullptr);
    if (std::isinf(d)) fail(ctx, "number " + ctx->getText() + " is too large for a float");
    return d;
  };
  if (auto* t = ctx->DecimalIntegerLiteral()) return whole(strip(t->getText()), 10);
  if (auto* t = ctx->FloatLiteral()) return Value::number(real(strip(t->getText())));
  if (auto* t = ctx->HexIntegerLiteral()) return whole(strip(t->getText()).substr(2), 16);
  if (auto* t = ctx->BinaryIntegerLiteral()) return whole(strip(t->getText()).substr(2), 2);
  if (auto* t = ctx->OctalIntegerLiteral()) return whole(strip(t->getText()).substr(2), 8);
  if (auto* t = ctx->BooleanLiteral()) return Value::boolean(t->getText() == "true");
  if (auto* t = ctx->BitstringLiteral()) {
    std::string s = strip(t->getText());
    return whole(s.substr(1, s.size() - 2), 2);
  }
  if (auto* t = ctx->TimingLiteral()) {
    std::string s = t->getText();
    std::size_t i = 0;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.' || s[i] == '_' ||
                            s[i] == 'e' || s[i] == 'E' || ((s[i] == '+' || s[i] == '-') && i > 0 && (s[i - 1] == 'e' || s[i - 1] == 'E'))))
      ++i;
    Value v = Value::number(real(strip(s.substr(0, i))));
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
      if (kind_of_(lhs) != NodeKind::Binary) {
        Value a = eval(lhs, scope);
        Value b = eval(rhs, scope);
        return eval_binary(ctx->children[1]->getText(), a, b, ctx);
      }
      // A left-leaning chain (a + b + c ...) is as deep as it has operators,
      // which the parser's nesting limit does not bound: walk it in a loop.
      std::vector<P::ExpressionContext*> spine{ctx};
      while (kind_of_(lhs) == NodeKind::Binary) {
        spine.push_back(lhs);
        lhs = static_cast<P::ExpressionContext*>(lhs->children[0]);
      }
      Value acc = eval(lhs, scope);
      for (auto it = spine.rbegin(); it != spine.rend(); ++it) {
        Value b = eval(static_cast<P::ExpressionContext*>((*it)->children[2]), scope);
        acc = eval_binary((*it)->children[1]->getText(), acc, b, *it);
      }
      return acc;
    }
    default: break;  // the rarer forms below
  }
  if (auto* u = dynamic_cast<P::UnaryExpressionContext*>(ctx)) {
    Value a = eval(u->expression(), scope);
    const std::string op = u->op->getText();
    if (a.kind == Value::Unknown) return a;  // the user of the value reports it
    if (op == "-") {
      if (a.exact_int()) {
        if (a.ival == std::numeric_limits<int64_t>::min())
          fail(ctx, "integer overflow: -(" + std::to_string(a.ival) + ") does not fit in 64 bits");
        return Value::integer(-a.ival);
      }
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
    if (a.exact_int()) return Value::integer(~a.ival);
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
    if (base.exact_int() && idx->expression().size() == 1) {
      int64_t i = integer(idx->expression()[0], scope, "a bit index");
      if (i < 0 || i > 63) fail(idx->expression()[0], "bit index " + std::to_string(i) + " is out of range for a 64-bit integer");
      return Value::integer((base.ival >> i) & 1);
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
      if (a.exact_int()) return a;
      int64_t i = 0;
      if (a.kind == Value::Num && a.num.is_const()) {
        if (!Value::whole_int64(std::trunc(a.num.value()), i))
          fail(ctx, "cannot cast " + format_number(a.num.value()) + " to " + st->getText() + ": it does not fit in 64 bits");
        return Value::integer(i);
      }
      if (a.kind == Value::Bool) return Value::integer(a.b ? 1 : 0);
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

/// `v` as a 64-bit integer: an integer constant, a boolean, or a whole
/// number in range.
static bool as_int64(const Value& v, int64_t& out) {
  if (v.kind == Value::Bool) {
    out = v.b;
    return true;
  }
  if (v.kind != Value::Num || !v.num.is_const()) return false;
  if (v.is_int) {
    out = v.ival;
    return true;
  }
  return Value::whole_int64(v.num.value(), out);
}

/// Integer arithmetic on constants, exact in 64 bits: overflow, division by
/// zero and shifts out of range are errors at `at`.
Value Lowerer::eval_integers(const std::string& op, int64_t x, int64_t y, antlr4::ParserRuleContext* at) {
  auto overflow = [&]() {
    fail(at, "integer overflow: " + std::to_string(x) + " " + op + " " + std::to_string(y) + " does not fit in 64 bits");
  };
  int64_t r = 0;
  if (op == "+") {
    if (__builtin_add_overflow(x, y, &r)) overflow();
  } else if (op == "-") {
    if (__builtin_sub_overflow(x, y, &r)) overflow();
  } else if (op == "*") {
    if (__builtin_mul_overflow(x, y, &r)) overflow();
  } else if (op == "/" || op == "%") {
    if (y == 0) fail(at, op == "/" ? "division by zero" : "modulo by zero");
    if (y == -1) {  // x / -1 overflows for the smallest x; x % -1 is 0
      if (op == "%") return Value::integer(0);
      if (__builtin_sub_overflow(int64_t{0}, x, &r)) overflow();
    } else {
      r = op == "/" ? x / y : x % y;
    }
  } else if (op == "**") {
    if (y < 0) return Value::number(std::pow(double(x), double(y)));
    r = 1;
    for (int64_t base = x, e = y; e > 0; e >>= 1) {
      if ((e & 1) && __builtin_mul_overflow(r, base, &r)) overflow();
      if (e > 1 && __builtin_mul_overflow(base, base, &base)) overflow();
    }
  } else if (op == "<<" || op == ">>") {
    if (y < 0 || y > 63)
      fail(at, "shift by " + std::to_string(y) + " is out of range (a 64-bit integer shifts by 0 to 63)");
    if (op == ">>") return Value::integer(x >> y);
    r = static_cast<int64_t>(static_cast<uint64_t>(x) << y);
    if ((r >> y) != x) overflow();
  } else if (op == "&") {
    r = x & y;
  } else if (op == "|") {
    r = x | y;
  } else if (op == "^") {
    r = x ^ y;
  } else if (op == "<") {
    return Value::boolean(x < y);
  } else if (op == ">") {
    return Value::boolean(x > y);
  } else if (op == "<=") {
    return Value::boolean(x <= y);
  } else if (op == ">=") {
    return Value::boolean(x >= y);
  } else if (op == "==") {
    return Value::boolean(x == y);
  } else if (op == "!=") {
    return Value::boolean(x != y);
  } else if (op == "&&") {
    return Value::boolean(x != 0 && y != 0);
  } else if (op == "||") {
    return Value::boolean(x != 0 || y != 0);
  } else {
    fail(at, "unsupported operator '" + op + "'");
  }
  return Value::integer(r);
}

Value Lowerer::eval_binary(const std::string& op_text, const Value& a, const Value& b, antlr4::ParserRuleContext* at) {
  // OpenQASM 2's `^` is a power, not exclusive or.
  const std::string& op = version_ == 2 && op_text == "^" ? kPowerOperator : op_text;
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
    int64_t v = 0;
    if (!as_int64(other, v) || v < 0) fail(at, "measured bits can only be compared with a non-negative integer");
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
  if (a.exact_int() && b.exact_int()) return eval_integers(op, a.ival, b.ival, at);
  if (op == "+") return Value::number(*na + *nb, ints);
  if (op == "-") return Value::number(*na - *nb, ints);
  if (op == "*") return Value::number(*na * *nb, ints);
  if (op == "/") {
    if (nb->is_const() && nb->value() == 0) fail(at, "division by zero");
    return Value::number(*na / *nb);
  }
  if (op == "**") return Value::number(Expr::binary(ExprOp::Pow, *na, *nb), ints);
  if (!consts) fail(at, "operator '" + op + "' on input parameters is not supported");
  double x = na->value(), y = nb->value();
  if (op == "%") {
    if (y == 0) fail(at, "modulo by zero");
    return Value::number(std::fmod(x, y));
  }
  if (op == "<") return Value::boolean(x < y);
  if (op == ">") return Value::boolean(x > y);
  if (op == "<=") return Value::boolean(x <= y);
  if (op == ">=") return Value::boolean(x >= y);
  if (op == "==") return Value::boolean(x == y);
  if (op == "!=") return Value::boolean(x != y);
  if (op == "&&") return Value::boolean(x != 0 && y != 0);
  if (op == "||") return Value::boolean(x != 0 || y != 0);
  if (op == "<<" || op == ">>" || op == "&" || op == "|" || op == "^") {
    int64_t ix = 0, iy = 0;
    if (!as_int64(a, ix) || !as_int64(b, iy))
      fail(at, "operator '" + op + "' needs integers, got " + format_number(x) + " and " + format_number(y));
    return eval_integers(op, ix, iy, at);
  }
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


}  // namespace qforge::frontend_detail

namespace qforge::frontend_detail {

// ---------------------------------------------------------------- definitions

/// The names every expression may use without declaring them.
static bool is_builtin_constant(const std::string& name) {
  return name == "pi" || name == "π" || name == "tau" || name == "τ" || name == "euler" || name == "ℇ";
}

void Lowerer::check_gate_names(antlr4::tree::ParseTree* t, const GateDef& def, bool& uses_params) {
  if (auto* lit = dynamic_cast<P::LiteralExpressionContext*>(t)) {
    if (lit->HardwareQubit()) fail(lit, "a physical qubit cannot be used as a value");
    auto* id = lit->Identifier();
    if (!id) return;
    const std::string name = id->getText();
    auto has = [&](const std::vector<std::string>& v) { return std::find(v.begin(), v.end(), name) != v.end(); };
    if (has(def.params)) {
      uses_params = true;
      return;
    }
    if (has(def.qubits)) fail(lit, "'" + name + "' is a qubit and cannot be used as a value");
    if (Symbol* sym = global_.find_local(name)) {
      if (sym->kind == Symbol::Const) return;
      fail(lit, "the body of gate '" + def.name + "' can only use its parameters, its qubit arguments and constants; '" +
                    name + "' is declared outside it");
    }
    if (Symbol* c = find_callable(name))
      fail(lit, "'" + name + "' is a " + std::string(c->kind == Symbol::Gate ? "gate" : "subroutine") +
                    " and cannot be used as a value");
    if (!is_builtin_constant(name)) fail(lit, "undefined name '" + name + "'");
    return;
  }
  for (auto* child : t->children) check_gate_names(child, def, uses_params);
}

void Lowerer::check_gate_statement(const GateDef& def, P::StatementOrScopeContext* s) {
  P::StatementContext* st = s->statement();
  if (!st) fail(s, "nested scopes are not allowed in a gate body");
  if (st->pragma() || st->nopStatement()) return;
  std::vector<P::GateOperandContext*> operands;
  auto* call = st->gateCallStatement();
  if (auto* b = st->barrierStatement()) {
    if (auto* list = b->gateOperandList()) operands = list->gateOperand();
  } else if (!call) {
    fail(st, "only gate calls are allowed in the body of gate '" + def.name + "'");
  } else if (auto* list = call->gateOperandList()) {
    operands = list->gateOperand();
  }
  // Operands: the gate's own qubit arguments, each a single qubit.
  std::vector<std::string> used;
  for (auto* o : operands) {
    if (o->HardwareQubit())
      fail(o, "the body of gate '" + def.name + "' can only use its own qubit arguments; '" + o->getText() +
                  "' is a physical qubit");
    auto* id = o->indexedIdentifier();
    const std::string name = id->Identifier()->getText();
    const bool is_qubit = std::find(def.qubits.begin(), def.qubits.end(), name) != def.qubits.end();
    if (!is_qubit) {
      if (std::find(def.params.begin(), def.params.end(), name) != def.params.end())
        fail(o, "'" + name + "' is a parameter of gate '" + def.name + "', not a qubit");
      if (global_.find_local(name)) fail(o, outside_gate_message(def.name, name));
      fail(o, "undefined name '" + name + "'");
    }
    if (!id->indexOperator().empty())
      fail(o, "gate argument '" + name + "' is a single qubit and cannot be indexed");
    if (call && std::find(used.begin(), used.end(), name) != used.end())
      fail(o, "qubit " + name + " is used twice in one gate call");
    used.push_back(name);
  }
  if (!call) return;
  if (strict2_) check_openqasm2_call(call);
  const std::string name = call->GPHASE() ? "gphase" : call->Identifier()->getText();
  if (name == def.name)
    fail(call, "gate '" + name + "' calls itself; a gate cannot be defined in terms of itself");
  // Modifiers and parameters use only parameters and constants; a control
  // count that is a constant is counted.
  std::size_t num_ctrl = 0;
  bool ctrl_known = true;
  for (auto* m : call->gateModifier()) {
    bool uses_params = false;
    if (auto* e = m->expression()) check_gate_names(e, def, uses_params);
    if (m->INV() || m->POW()) continue;
    if (!m->expression()) ++num_ctrl;
    else if (uses_params) ctrl_known = false;
    else num_ctrl += static_cast<std::size_t>(std::max<int64_t>(0, integer(m->expression(), global_, "a ctrl() count")));
  }
  std::size_t num_params = 0;
  if (auto* list = call->expressionList()) {
    for (auto* e : list->expression()) {
      bool uses_params = false;
      check_gate_names(e, def, uses_params);
      ++num_params;
    }
  }
  std::size_t want_p = 0, want_q = 0;
  if (!gate_arity(name, call, want_p, want_q)) return;  // a subroutine: checked where it is defined
  if (num_params != want_p) fail(call, parameter_count_message(name, want_p, num_params));
  if (ctrl_known && operands.size() != want_q + num_ctrl)
    fail(call, qubit_count_message(name, num_ctrl, want_q, operands.size()));
}

bool Lowerer::check_gate_body(const GateDef& def) {
  bool ok = true;
  for (auto* s : def.body->statementOrScope()) {
    try {
      check_gate_statement(def, s);
    } catch (const SemanticError& e) {
      report(e);
      ok = false;
    }
  }
  return ok;
}

void Lowerer::check_def_body(const SubDef& def) {
  // Names the body declares anywhere (blocks are not told apart), and its
  // arguments.
  std::unordered_set<std::string> local;
  for (const auto& a : def.args) local.insert(a.name);
  std::function<void(antlr4::tree::ParseTree*)> collect = [&](antlr4::tree::ParseTree* t) {
    antlr4::tree::TerminalNode* id = nullptr;
    if (auto* d = dynamic_cast<P::ClassicalDeclarationStatementContext*>(t)) id = d->Identifier();
    else if (auto* d = dynamic_cast<P::ConstDeclarationStatementContext*>(t)) id = d->Identifier();
    else if (auto* d = dynamic_cast<P::AliasDeclarationStatementContext*>(t)) id = d->Identifier();
    else if (auto* d = dynamic_cast<P::ForStatementContext*>(t)) id = d->Identifier();
    else if (auto* d = dynamic_cast<P::QuantumDeclarationStatementContext*>(t)) id = d->Identifier();
    else if (auto* d = dynamic_cast<P::OldStyleDeclarationStatementContext*>(t)) id = d->Identifier();
    if (id) local.insert(id->getText());
    for (auto* child : t->children) collect(child);
  };
  collect(def.body);
  auto known = [&](const std::string& name) {
    return local.count(name) || global_.find_local(name) || find_callable(name) || is_builtin_constant(name);
  };
  std::function<void(antlr4::tree::ParseTree*)> walk = [&](antlr4::tree::ParseTree* t) {
    if (auto* lit = dynamic_cast<P::LiteralExpressionContext*>(t)) {
      if (auto* id = lit->Identifier(); id && !known(id->getText())) fail(lit, "undefined name '" + id->getText() + "'");
    } else if (auto* ix = dynamic_cast<P::IndexedIdentifierContext*>(t)) {
      if (!known(ix->Identifier()->getText())) fail(ix, "undefined name '" + ix->Identifier()->getText() + "'");
    } else if (auto* c = dynamic_cast<P::CallExpressionContext*>(t)) {
      if (c->Identifier()->getText() == def.name)
        fail(c, "subroutine '" + def.name + "' calls itself; recursion is not supported");
    } else if (auto* g = dynamic_cast<P::GateCallStatementContext*>(t)) {
      const std::string name = g->GPHASE() ? "gphase" : g->Identifier()->getText();
      if (name == def.name) fail(g, "subroutine '" + def.name + "' calls itself; recursion is not supported");
      std::size_t want_p = 0, want_q = 0;
      gate_arity(name, g, want_p, want_q);  // an undefined gate is reported here
    }
    for (auto* child : t->children) walk(child);
  };
  walk(def.body);
}

}  // namespace qforge::frontend_detail

namespace qforge::frontend_detail {

// ---------------------------------------------------------------- OpenQASM 2.0

namespace {
const char* const kNeeds3 = " is not OpenQASM 2.0; a file that uses it must declare OPENQASM 3.0";
}

void Lowerer::check_openqasm2_call(P::GateCallStatementContext* ctx) {
  if (!ctx->gateModifier().empty())
    fail(ctx->gateModifier()[0], "the gate modifier '" + ctx->gateModifier()[0]->getStart()->getText() + " @'" + kNeeds3);
  if (ctx->GPHASE()) fail(ctx, std::string("gphase") + kNeeds3);
  if (auto* list = ctx->gateOperandList()) {
    for (auto* o : list->gateOperand()) {
      if (o->HardwareQubit()) fail(o, "the physical qubit " + o->getText() + kNeeds3);
      for (auto* idx : o->indexedIdentifier()->indexOperator())
        if (idx->setExpression() || !idx->rangeExpression().empty() || idx->expression().size() != 1)
          fail(idx, "OpenQASM 2.0 indexes a register with one integer, as q[0]");
    }
  }
}

void Lowerer::check_openqasm2(P::StatementContext* ctx) {
  if (auto* s = ctx->gateCallStatement()) return check_openqasm2_call(s);
  if (auto* s = ctx->oldStyleDeclarationStatement()) {
    if (!s->designator()) {
      const std::string kind = s->QREG() ? "qreg" : "creg";
      fail(s, "OpenQASM 2.0 requires a register size: '" + kind + " " + s->Identifier()->getText() + "[n];'");
    }
    return;
  }
  if (auto* s = ctx->measureArrowAssignmentStatement()) {
    if (!s->indexedIdentifier() && !s->quantumCallExpression())
      fail(s, "OpenQASM 2.0 requires a target for measure: 'measure " +
                  s->measureExpression()->gateOperand()->getText() + " -> c;'");
    return;
  }
  if (auto* s = ctx->ifStatement()) {
    if (s->else_body) fail(s->ELSE()->getSymbol(), std::string("'else'") + kNeeds3);
    if (!s->if_body->statement()) fail(s->if_body, "OpenQASM 2.0 conditions one operation, as 'if (c == 1) x q[0];'");
    return;
  }
  if (ctx->includeStatement() || ctx->gateStatement() || ctx->resetStatement() || ctx->barrierStatement() ||
      ctx->pragma())
    return;
  if (auto* s = ctx->quantumDeclarationStatement())
    fail(s, "OpenQASM 2.0 declares qubits as 'qreg " + s->Identifier()->getText() + "[n];', not with 'qubit'");
  if (auto* s = ctx->classicalDeclarationStatement()) {
    if (s->scalarType() && s->scalarType()->BIT())
      fail(s, "OpenQASM 2.0 declares bits as 'creg " + s->Identifier()->getText() + "[n];', not with 'bit'");
    fail(s, std::string("a classical variable") + kNeeds3);
  }
  if (auto* s = ctx->assignmentStatement()) {
    if (s->measureExpression())
      fail(s, "OpenQASM 2.0 measures as 'measure " + s->measureExpression()->gateOperand()->getText() + " -> " +
                  s->indexedIdentifier()->getText() + ";'");
    fail(s, std::string("assignment") + kNeeds3);
  }
  const char* what = nullptr;
  if (ctx->constDeclarationStatement()) what = "'const'";
  else if (auto* s = ctx->ioDeclarationStatement()) what = s->INPUT() ? "'input'" : "'output'";
  else if (ctx->defStatement()) what = "a subroutine ('def')";
  else if (ctx->forStatement()) what = "a 'for' loop";
  else if (ctx->whileStatement()) what = "a 'while' loop";
  else if (ctx->switchStatement()) what = "'switch'";
  else if (ctx->aliasDeclarationStatement()) what = "'let'";
  else if (ctx->breakStatement() || ctx->continueStatement()) what = "'break' and 'continue'";
  else if (ctx->endStatement()) what = "'end'";
  else if (ctx->returnStatement()) what = "'return'";
  else if (ctx->expressionStatement()) what = "an expression statement";
  else if (ctx->delayStatement()) what = "'delay'";
  else if (ctx->boxStatement()) what = "'box'";
  else if (ctx->nopStatement()) what = "'nop'";
  else if (ctx->externStatement()) what = "'extern'";
  else if (ctx->defcalStatement() || ctx->calStatement() || ctx->calibrationGrammarStatement()) what = "a calibration";
  if (what) fail(ctx, what + std::string(kNeeds3));
}

}  // namespace qforge::frontend_detail
