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
    case Value::Runtime: return "a value computed at run time";
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

namespace {

/// The end of the space and comments that start at byte `i` of `text`.
std::size_t skip_space_and_comments(const std::string& text, std::size_t i) {
  while (i < text.size()) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      i = text.find('\n', i);
      if (i == std::string::npos) return text.size();
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      const std::size_t e = text.find("*/", i + 2);
      i = e == std::string::npos ? text.size() : e + 2;
    } else {
      break;
    }
  }
  return i;
}

}  // namespace

ast::Span Lowerer::unannotated(const ast::Stmt& s) const {
  if (s.annotations.empty()) return s.span;
  ast::Span out = s.span;
  const SourceFile* f = file_of(s.span);
  if (!f) return out;
  // An annotation runs to the end of its line; the statement starts at the
  // first token after the last one.
  const ast::Span& last = s.annotations.back().span;
  const std::size_t i = skip_space_and_comments(f->text, last.end);
  out.begin = i;
  auto line_it = std::upper_bound(f->line_starts.begin(), f->line_starts.end(), i);
  out.line = static_cast<uint32_t>(line_it - f->line_starts.begin());
  out.col = 1;
  for (std::size_t k = f->line_starts[out.line - 1]; k < i; ++k)
    if (!utf8_continuation(static_cast<unsigned char>(f->text[k]))) ++out.col;
  return out;
}

std::string Lowerer::text_of(const ast::Span& s) const {
  const SourceFile* f = file_of(s);
  if (!f || s.end > f->text.size() || s.begin > s.end) return {};
  std::string out;
  for (std::size_t i = s.begin; i < s.end;) {
    const std::size_t j = skip_space_and_comments(f->text, i);
    if (j != i) {
      i = j;
      continue;
    }
    out += f->text[i++];
  }
  return out;
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

const SourceFile* Lowerer::file_of(const ast::Span& s) const {
  if (!s.file || (current_file_ && s.file == current_file_->name.get())) return current_file_;
  for (const auto& f : files_)
    if (f->name.get() == s.file) return f.get();
  return current_file_;
}

const SourceFile* Lowerer::file_of(const SourceLoc& l) const {
  if (!l.file || (current_file_ && l.file == current_file_->name)) return current_file_;
  for (const auto& f : files_)
    if (f->name == l.file) return f.get();
  return nullptr;
}

void Lowerer::report(const SemanticError& e) { diags_.report(make_diagnostic(file_of(e.loc), e)); }

void Lowerer::warn(const ast::Span& at, const std::string& msg) {
  if (!warned_.insert(msg).second) return;  // each warning once per compilation
  Diagnostic d;
  d.severity = Severity::Warning;
  d.loc = loc(at);
  d.end = end_loc(at);
  d.message = msg;
  const SourceFile* file = file_of(at);
  d.source_line = file ? file->line(d.loc.line) : std::string();
  diags_.report(std::move(d));
}

void Lowerer::declare(Scope& scope, const std::string& name, Symbol sym, const ast::Span& at) {
  if (Symbol* old = scope.find_local(name)) {
    fail(at, "'" + name + "' is already declared (at " + where(old->loc) + ")",
         {RelatedLocation{old->loc, "'" + name + "' is first declared here"}});
  }
  scope.insert(name, std::move(sym));
}

// Gates and subroutines live in their own namespace, so that a program may
// call gate `x` and also have an input named `x` (as Qiskit-written files do).
void Lowerer::declare_callable(const std::string& name, Symbol sym, const ast::Span& at) {
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

bool Lowerer::truth(const Value& v, const ast::Span& at, bool& known, std::vector<Condition>& conds) {
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

Expr Lowerer::number(const ast::Expr& e, Scope& scope, const std::string& what) {
  Value v = eval(e, scope);
  if (v.kind == Value::Unknown && !v.name.empty()) fail_unknown(v, loc(e.span), what, true);
  if (v.kind == Value::Bool) return Expr(v.b ? 1.0 : 0.0);
  if (v.kind != Value::Num) fail(e.span, what + " must be a number, got " + kind_name(v.kind));
  return v.num;
}

double Lowerer::constant(const ast::Expr& e, Scope& scope, const std::string& what) {
  Expr x = number(e, scope, what);
  if (!x.is_const()) fail(e.span, what + " must be a compile-time constant, not an expression of inputs");
  return x.value();
}

int64_t Lowerer::integer(const ast::Expr& e, Scope& scope, const std::string& what) {
  Value v = eval(e, scope);
  if (v.kind == Value::Unknown && !v.name.empty()) fail_unknown(v, loc(e.span), what, false);
  if (v.kind == Value::Unknown) fail(e.span, what + " must be a compile-time constant");
  if (v.kind != Value::Num) fail(e.span, what + " must be an integer, got " + kind_name(v.kind));
  if (!v.num.is_const()) fail(e.span, what + " must be a compile-time constant, not an expression of inputs");
  if (v.is_int) return v.ival;
  double d = v.num.value();
  int64_t i = 0;
  if (!Value::whole_int64(d, i)) fail(e.span, what + " must be an integer, got " + format_number(d));
  return i;
}

Value Lowerer::eval_declaration(const ast::Expr& e, Scope& scope) {
  using K = ast::Expr::Kind;
  switch (e.kind) {
    case K::Measure: {
      Value v;
      v.kind = Value::Measured;
      v.qubits = resolve_operand(*e.qubits[0], scope);
      return v;
    }
    case K::ArrayLiteral: return array_value(e, scope);
    case K::Concat: fail(e.span, "array concatenation is not supported");
    case K::QuantumCall: fail(e.span, "assigning the result of a gate call is not supported");
    default: return eval(e, scope);
  }
}

Value Lowerer::array_value(const ast::Expr& e, Scope& scope) {
  Value v;
  v.kind = Value::Array;
  for (const auto& x : e.operands)
    v.elems.push_back(x->kind == ast::Expr::Kind::ArrayLiteral ? array_value(*x, scope) : eval(*x, scope));
  return v;
}

Value Lowerer::eval_literal(const ast::Expr& e, Scope& scope) {
  using L = ast::Expr::Literal;
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
        fail(e.span, "integer " + e.text + " does not fit in 64 bits (the largest is 9223372036854775807)");
    }
    return Value::integer(v);
  };
  auto real = [&](const std::string& text) {
    double d = std::strtod(text.c_str(), nullptr);
    if (std::isinf(d)) fail(e.span, "number " + e.text + " is too large for a float");
    return d;
  };
  if (e.kind == ast::Expr::Kind::Literal) {
    const std::string& t = e.text;
    switch (e.literal) {
      case L::Integer: {
        // 0x.., 0o.., 0b.. or decimal
        if (t.size() > 1 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) return whole(strip(t).substr(2), 16);
        if (t.size() > 1 && t[0] == '0' && (t[1] == 'b' || t[1] == 'B')) return whole(strip(t).substr(2), 2);
        if (t.size() > 1 && t[0] == '0' && t[1] == 'o') return whole(strip(t).substr(2), 8);
        return whole(strip(t), 10);
      }
      case L::Float: return Value::number(real(strip(t)));
      case L::Bool: return Value::boolean(t == "true");
      case L::Bitstring: {
        std::string s = strip(t);
        return whole(s.substr(1, s.size() - 2), 2);
      }
      case L::Timing: {
        const std::string& s = t;
        std::size_t i = 0;
        while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.' || s[i] == '_' ||
                                s[i] == 'e' || s[i] == 'E' ||
                                ((s[i] == '+' || s[i] == '-') && i > 0 && (s[i - 1] == 'e' || s[i - 1] == 'E'))))
          ++i;
        Value v = Value::number(real(strip(s.substr(0, i))));
        v.kind = Value::Duration;
        std::size_t j = i;
        while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) ++j;
        v.unit = s.substr(j);
        if (v.unit == "µs") v.unit = "us";
        return v;
      }
      case L::Imaginary: fail(e.span, "complex numbers are not supported");
      case L::HardwareQubit: fail(e.span, "a physical qubit cannot be used as a value");
      case L::None: break;
    }
    fail(e.span, "unsupported expression");
  }
  const std::string& name = e.name.name;
  Symbol* sym = scope.find(name);
  if (!sym) {
    if (Symbol* c = find_callable(name))
      fail(e.span, "'" + name + "' is a " + std::string(c->kind == Symbol::Gate ? "gate" : "subroutine") +
                       " and cannot be used as a value");
    if (name == "pi" || name == "π") return Value::number(M_PI);
    if (name == "tau" || name == "τ") return Value::number(2 * M_PI);
    if (name == "euler" || name == "ℇ") return Value::number(M_E);
    fail(e.span, "undefined name '" + name + "'");
  }
  switch (sym->kind) {
    case Symbol::Var:
    case Symbol::Const:
    case Symbol::Input:
      if (sym->var != ClassicalData::kNoVar) return Value::runtime(CExpr::var(sym->var, sym->ctype));
      if (sym->value.kind == Value::Unknown) {
        Value u;
        u.name = name;
        if (sym->kind == Symbol::Var) u.var_sym = sym;
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
      fail(e.span, "'" + name + "' is a qubit" + std::string(sym->indices.size() > 1 ? " register" : "") +
                       " and cannot be used as a value");
    case Symbol::Gate:
    case Symbol::Def: break;
  }
  fail(e.span, "cannot use '" + name + "' here");
}

Value Lowerer::eval(const ast::Expr& e, Scope& scope) {
  using K = ast::Expr::Kind;
  switch (e.kind) {
    case K::Literal: return eval_literal(e, scope);
    case K::Identifier:
      if (!e.indices.empty()) break;
      return eval_literal(e, scope);
    case K::Paren: return eval(*e.operands[0], scope);
    case K::Binary: {
      const ast::Expr* lhs = e.operands[0].get();
      if (lhs->kind != K::Binary) {
        Value a = eval(*lhs, scope);
        Value b = eval(*e.operands[1], scope);
        return eval_binary(e.text, a, b, e.span);
      }
      // A left-leaning chain (a + b + c ...) is as deep as it has operators,
      // which the parser's nesting limit does not bound: walk it in a loop.
      std::vector<const ast::Expr*> spine{&e};
      while (lhs->kind == K::Binary) {
        spine.push_back(lhs);
        lhs = lhs->operands[0].get();
      }
      Value acc = eval(*lhs, scope);
      for (auto it = spine.rbegin(); it != spine.rend(); ++it) {
        Value b = eval(*(*it)->operands[1], scope);
        acc = eval_binary((*it)->text, acc, b, (*it)->span);
      }
      return acc;
    }
    case K::Unary: {
      Value a = eval(*e.operands[0], scope);
      const std::string& op = e.text;
      if (a.kind == Value::Unknown && a.var_sym) return runtime_unary(op, a, e.span);  // starts at zero
      if (a.kind == Value::Unknown) return a;  // the user of the value reports it
      if (a.kind == Value::Runtime || (a.kind == Value::Bits && op != "!") ||
          (a.kind == Value::Cond && (op != "!" || a.conds.size() != 1)))
        return runtime_unary(op, a, e.span);
      if (op == "-") {
        if (a.exact_int()) {
          if (a.ival == std::numeric_limits<int64_t>::min())
            fail(e.span, "integer overflow: -(" + std::to_string(a.ival) + ") does not fit in 64 bits");
          return Value::integer(-a.ival);
        }
        if (a.kind == Value::Num || a.kind == Value::Duration) {
          a.num = -a.num;
          return a;
        }
        fail(e.span, "cannot negate " + std::string(kind_name(a.kind)));
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
        fail(e.span, "cannot apply '!' to " + std::string(kind_name(a.kind)));
      }
      // ~
      if (a.exact_int()) return Value::integer(~a.ival);
      fail(e.span, "'~' needs a constant integer");
    }
    case K::Index: {
      Value base = eval(*e.operands[0], scope);
      const ast::IndexOp& idx = e.indices[0];
      auto is_slice = [](const ast::ExprPtr& x) { return x->kind == K::Range || x->kind == K::Set; };
      if (base.kind == Value::Bits) {
        std::vector<uint32_t> bits;
        for (int64_t i : index_list(idx, static_cast<int64_t>(base.bits.size()), scope, "a bit register"))
          bits.push_back(base.bits[static_cast<std::size_t>(i)]);
        base.bits = bits;
        return base;
      }
      if (base.kind == Value::Array) {
        Value cur = base;
        bool slice = false;
        for (const auto& x : idx.items) {
          if (is_slice(x)) {
            slice = true;
            continue;
          }
          if (cur.kind != Value::Array) fail(x->span, "too many indices");
          if (!calls_something(*x) && eval(*x, scope).is_runtime())
            fail(x->span, "arrays indexed by a value computed at run time are not supported ('" + text_of(e.span) +
                              "'): array elements are compile-time values");
          int64_t i = integer(*x, scope, "an array index");
          int64_t n = static_cast<int64_t>(cur.elems.size());
          if (i < 0) i += n;
          if (i < 0 || i >= n)
            fail(x->span, "index " + std::to_string(i) + " out of range for an array of size " + std::to_string(n));
          Value next = cur.elems[static_cast<std::size_t>(i)];
          cur = next;
        }
        if (slice) fail(idx.span, "array slices are not supported here");
        return cur;
      }
      const ast::Expr* single = nullptr;
      std::size_t singles = 0;
      for (const auto& x : idx.items)
        if (!is_slice(x)) single = x.get(), ++singles;
      if (base.exact_int() && singles == 1) {
        int64_t i = integer(*single, scope, "a bit index");
        if (i < 0 || i > 63) fail(single->span, "bit index " + std::to_string(i) + " is out of range for a 64-bit integer");
        return Value::integer((base.ival >> i) & 1);
      }
      fail(e.span, "cannot index " + std::string(kind_name(base.kind)));
    }
    case K::Call: return eval_call(e, scope);
    case K::Cast: {
      Value a = eval(*e.operands[0], scope);
      using T = ast::Type::Kind;
      const ast::Type& st = *e.type;
      if (st.kind == T::Array) fail(e.span, "casts to arrays are not supported");
      // Bits cast to an integer, bool or bits compare as bits (conditions);
      // any other cast of a run-time value is a Cast node.
      if (a.kind == Value::Runtime || a.kind == Value::Cond || (a.kind == Value::Unknown && a.var_sym) ||
          (a.kind == Value::Bits && st.kind != T::Bool && st.kind != T::Int && st.kind != T::Uint && st.kind != T::Bit))
        return runtime_cast(st, a, scope, e.span);
      if (st.kind == T::Bool) {
        if (a.kind == Value::Bits) return a;  // truth test of bits happens in `if`
        if (a.kind == Value::Num && a.num.is_const()) return Value::boolean(a.num.value() != 0);
        if (a.kind == Value::Bool) return a;
      } else if (st.kind == T::Int || st.kind == T::Uint) {
        if (a.kind == Value::Bits) {  // int[n](c) compares as an integer, computes as int[n]
          a.bits_as = classical_type(st, scope);
          return a;
        }
        if (a.exact_int()) return a;
        int64_t i = 0;
        if (a.kind == Value::Num && a.num.is_const()) {
          if (!Value::whole_int64(std::trunc(a.num.value()), i))
            fail(e.span, "cannot cast " + format_number(a.num.value()) + " to " + text_of(st.span) +
                             ": it does not fit in 64 bits");
          return Value::integer(i);
        }
        if (a.kind == Value::Bool) return Value::integer(a.b ? 1 : 0);
      } else if (st.kind == T::Float || st.kind == T::Angle) {
        if (a.kind == Value::Num) return Value::number(a.num);
        if (a.kind == Value::Bool) return Value::number(a.b ? 1 : 0);
      } else if (st.kind == T::Bit) {
        if (a.kind == Value::Bits) return a;
        if (a.kind == Value::Num && a.num.is_const()) return Value::number(a.num.value(), true);
      }
      fail(e.span, "cannot cast " + std::string(kind_name(a.kind)) + " to " + text_of(st.span));
    }
    case K::Durationof: return durationof(*e.block, scope);
    default: break;
  }
  fail(e.span, "unsupported expression");
}

namespace {

/// Nanoseconds in one `unit` of a duration; 0 for `dt`, the sample time of a
/// target, which qforge does not know.
double unit_ns(const std::string& unit) {
  if (unit == "ns") return 1;
  if (unit == "us") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  return 0;
}

}  // namespace

void Lowerer::same_unit(Value& a, Value& b, const ast::Span& at) {
  if (a.unit == b.unit) return;
  auto zero = [](const Value& v) { return v.num.is_const() && v.num.value() == 0; };
  // Zero is zero in any unit (a stretch is 0dt).
  if (zero(b)) return void(b.unit = a.unit);
  if (zero(a)) return void(a.unit = b.unit);
  const double fa = unit_ns(a.unit), fb = unit_ns(b.unit);
  if (fa == 0 || fb == 0)
    fail(at, "cannot combine durations in " + a.unit + " and " + b.unit +
                 ": the length of dt is the target's, and qforge knows no target's timing");
  // Both in the finer unit.
  Value& coarse = fa > fb ? a : b;
  const Value& fine = fa > fb ? b : a;
  coarse.num = coarse.num * Expr(std::max(fa, fb) / std::min(fa, fb));
  coarse.unit = fine.unit;
}

Value Lowerer::durationof(const ast::Block& body, Scope& scope) {
  // The block scheduled as soon as possible from time 0: when each qubit it
  // uses is free again, and when every other one is (after a delay or
  // barrier on all qubits). Times are in `total.unit`.
  Value total = Value::number(Expr(0.0));
  total.kind = Value::Duration;
  total.unit = "dt";
  std::unordered_map<uint32_t, double> free;
  double all_free = 0;
  auto qubits_of = [&](const ast::QuantumOp& s) {
    std::vector<uint32_t> qs;
    for (const auto& o : s.qubits) {
      if (o->kind == ast::Expr::Kind::Literal) {
        // $n, without declaring it: the block does not run.
        if (uses_virtual_) fail(o->span, "cannot use physical qubits ($n) in a program that declares qubits");
        qs.push_back(static_cast<uint32_t>(std::stoul(o->text.substr(1))));
      } else {
        for (uint32_t q : resolve_operand(*o, scope)) qs.push_back(q);
      }
    }
    return qs;
  };
  // Occupy `qs` (all qubits when empty) for `length` from when all are free.
  auto occupy = [&](const std::vector<uint32_t>& qs, double length) {
    double start = qs.empty() ? all_free : 0;
    if (qs.empty())
      for (const auto& [q, t] : free) start = std::max(start, t);
    for (uint32_t q : qs) {
      auto it = free.find(q);
      start = std::max(start, it == free.end() ? all_free : it->second);
    }
    if (qs.empty()) {
      free.clear();
      all_free = start + length;
    }
    for (uint32_t q : qs) free[q] = start + length;
  };
  std::function<void(const ast::Block&)> schedule = [&](const ast::Block& b) {
    for (const auto& st : b.statements) {
      using K = ast::StmtKind;
      switch (st->kind) {
        case K::Delay: {
          const auto& s = static_cast<const ast::QuantumOp&>(*st);
          Value d = eval(*s.duration, scope);
          if (d.kind != Value::Duration || !d.num.is_const())
            fail(s.designator, "delay needs a constant duration such as 100ns, got " + std::string(kind_name(d.kind)));
          // One unit for all: the times so far are rescaled when the delay's is finer.
          double so_far = all_free;
          for (const auto& [q, t] : free) so_far = std::max(so_far, t);
          Value horizon = total;
          horizon.num = Expr(so_far);
          same_unit(horizon, d, s.designator);
          if (horizon.unit != total.unit && so_far != 0) {
            const double scale = unit_ns(total.unit) / unit_ns(horizon.unit);
            for (auto& [q, t] : free) t *= scale;
            all_free *= scale;
          }
          total.unit = horizon.unit;
          occupy(qubits_of(s), d.num.value());
          break;
        }
        case K::Barrier: occupy(qubits_of(static_cast<const ast::QuantumOp&>(*st)), 0); break;
        case K::Block: schedule(static_cast<const ast::Block&>(*st)); break;
        case K::Box:
          if (!static_cast<const ast::Box&>(*st).duration) {
            schedule(static_cast<const ast::Box&>(*st).body);
            break;
          }
          fail(st->span, "durationof of a block with a 'box' of a given duration is not supported: qforge computes "
                         "the durations of delays and barriers only");
        case K::Nop: break;
        case K::GateCall:
          fail(st->span, "durationof needs the duration of gate '" + static_cast<const ast::GateCall&>(*st).name.name +
                             "', which is not known: qforge has no timing model of a target's gates");
        default: {
          const bool measures =
              st->kind == K::Measure || (st->kind == K::Assignment &&
                                         static_cast<const ast::Assignment&>(*st).value->kind == ast::Expr::Kind::Measure);
          if (measures || st->kind == K::Reset)
            fail(st->span, std::string("durationof needs the duration of a ") + (measures ? "measurement" : "reset") +
                               ", which is not known: qforge has no timing model of a target");
          const char* what = st->kind == K::If       ? "an 'if'"
                             : st->kind == K::For    ? "a 'for' loop"
                             : st->kind == K::While  ? "a 'while' loop"
                             : st->kind == K::Switch ? "a 'switch'"
                                                     : "classical statements";
          fail(st->span, std::string("durationof of a block with ") + what +
                             " is not supported: qforge computes the durations of delays and barriers only");
        }
      }
    }
  };
  schedule(body);
  double end = all_free;
  for (const auto& [q, t] : free) end = std::max(end, t);
  total.num = Expr(end);
  return total;
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
Value Lowerer::eval_integers(const std::string& op, int64_t x, int64_t y, const ast::Span& at) {
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

Value Lowerer::eval_binary(const std::string& op_text, const Value& a, const Value& b, const ast::Span& at) {
  // OpenQASM 2's `^` is a power, not exclusive or.
  const std::string& op = version_ == 2 && op_text == "^" ? kPowerOperator : op_text;
  auto as_num = [&](const Value& v) -> std::optional<Expr> {
    if (v.kind == Value::Num) return v.num;
    if (v.kind == Value::Bool) return Expr(v.b ? 1.0 : 0.0);
    return std::nullopt;
  };
  if (a.kind == Value::Runtime || b.kind == Value::Runtime) return runtime_binary(op, a, b, at);
  // Comparisons of measured bits with constants become run-time conditions.
  if ((op == "==" || op == "!=") && (a.kind == Value::Bits || b.kind == Value::Bits) &&
      !(a.is_runtime() && b.is_runtime()) && !(a.kind == Value::Unknown || b.kind == Value::Unknown)) {
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
      if (op == "||" || (a.kind != Value::Cond && a.kind != Value::Bits && a.kind != Value::Bool && a.kind != Value::Num) ||
          (b.kind != Value::Cond && b.kind != Value::Bits && b.kind != Value::Bool && b.kind != Value::Num))
        return runtime_binary(op, a, b, at);
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
    if (a.kind == Value::Duration && b.kind == Value::Duration && (op == "+" || op == "-")) {
      Value v = a, w = b;
      same_unit(v, w, at);
      v.num = op == "+" ? v.num + w.num : v.num - w.num;
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
  if (a.is_runtime() || b.is_runtime()) return runtime_binary(op, a, b, at);
  // A value unknown at compile time stays unknown; its user reports it.
  // A variable read before it is assigned is a run-time variable starting at
  // zero; any other value unknown at compile time stays unknown (its user
  // reports it).
  if ((a.kind == Value::Unknown && a.var_sym) || (b.kind == Value::Unknown && b.var_sym))
    return runtime_binary(op, a, b, at);
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

Value Lowerer::eval_call(const ast::Expr& e, Scope& scope) {
  const std::string& name = e.name.name;
  const auto& args = e.operands;
  if (Symbol* sym = find_callable(name)) {
    if (sym->kind == Symbol::Def) return call_def(*sym->def, args, scope, e.span);
    fail(e.span, "gate '" + name + "' needs qubit operands");
  }
  static const std::unordered_map<std::string, ExprOp> functions = {
      {"sin", ExprOp::Sin},     {"cos", ExprOp::Cos},     {"tan", ExprOp::Tan},
      {"arcsin", ExprOp::Asin}, {"arccos", ExprOp::Acos}, {"arctan", ExprOp::Atan},
      {"exp", ExprOp::Exp},     {"ln", ExprOp::Ln},       {"sqrt", ExprOp::Sqrt},
  };
  std::vector<Value> values;
  bool runtime = false;
  for (const auto& a : args) {
    values.push_back(eval(*a, scope));
    runtime = runtime || values.back().is_runtime();
  }
  if (runtime) return runtime_call(name, values, e.span);
  auto it = functions.find(name);
  if (it == functions.end()) {
    if (name == "sizeof" || name == "popcount" || name == "rotl" || name == "rotr" || name == "mod" || name == "real" ||
        name == "imag")
      fail(e.span, "the built-in function '" + name + "' is not supported");
    fail(e.span, "undefined function '" + name + "'");
  }
  if (args.size() != 1)
    fail(e.span, "'" + name + "' expects 1 argument, got " + std::to_string(args.size()));
  const Value& v = values[0];
  const std::string what = "the argument of " + name;
  if (v.kind == Value::Unknown && !v.name.empty()) fail_unknown(v, loc(args[0]->span), what, true);
  if (v.kind == Value::Bool) return Value::number(Expr::unary(it->second, Expr(v.b ? 1.0 : 0.0)));
  if (v.kind != Value::Num) fail(args[0]->span, what + " must be a number, got " + kind_name(v.kind));
  return Value::number(Expr::unary(it->second, v.num));
}


}  // namespace qforge::frontend_detail

namespace qforge::frontend_detail {

// ---------------------------------------------------------------- definitions

/// The names every expression may use without declaring them.
static bool is_builtin_constant(const std::string& name) {
  return name == "pi" || name == "π" || name == "tau" || name == "τ" || name == "euler" || name == "ℇ";
}

namespace {

/// Calls `on_stmt` for `s` and every statement inside it, and `on_expr` for
/// every expression in them, each before what it contains and in the order
/// of the source. Expressions are walked with a stack of their own: a
/// left-leaning chain is as deep as it has operators.
struct Walker {
  std::function<void(const ast::Stmt&)> on_stmt;
  std::function<void(const ast::Expr&)> on_expr;

  void type(const ast::Type& t) {
    expr(t.size.get());
    if (t.element) type(*t.element);
    for (const auto& d : t.dims) expr(d.get());
    expr(t.dim_count.get());
  }
  void exprs(const std::vector<ast::ExprPtr>& es) {
    for (const auto& e : es) expr(e.get());
  }
  void expr(const ast::Expr* root) {
    if (!root) return;
    std::vector<const ast::Expr*> pending{root};
    auto push_all = [&](const std::vector<const ast::Expr*>& children) {
      for (auto it = children.rbegin(); it != children.rend(); ++it)
        if (*it) pending.push_back(*it);
    };
    while (!pending.empty()) {
      const ast::Expr* e = pending.back();
      pending.pop_back();
      on_expr(*e);
      if (e->type) type(*e->type);  // a cast's type comes before its operand
      if (e->block) block(*e->block);
      std::vector<const ast::Expr*> children;
      for (const auto& o : e->operands) children.push_back(o.get());
      for (const auto& ix : e->indices)
        for (const auto& item : ix.items) children.push_back(item.get());
      for (const auto& q : e->qubits) children.push_back(q.get());
      children.push_back(e->start.get());
      children.push_back(e->step.get());
      children.push_back(e->stop.get());
      push_all(children);
    }
  }
  void block(const ast::Block& b) {
    for (const auto& s : b.statements) stmt(*s);
  }
  void stmt(const ast::Stmt& s) {
    using K = ast::StmtKind;
    on_stmt(s);
    switch (s.kind) {
      case K::Block: block(static_cast<const ast::Block&>(s)); break;
      case K::GateDef: block(static_cast<const ast::GateDef&>(s).body); break;
      case K::Def: {
        const auto& d = static_cast<const ast::Def&>(s);
        for (const auto& a : d.args) type(a.type);
        if (d.returns) type(*d.returns);
        block(d.body);
        break;
      }
      case K::Extern: {
        const auto& d = static_cast<const ast::Extern&>(s);
        for (const auto& a : d.args) type(a);
        if (d.returns) type(*d.returns);
        break;
      }
      case K::GateCall: {
        const auto& g = static_cast<const ast::GateCall&>(s);
        for (const auto& m : g.modifiers) expr(m.arg.get());
        exprs(g.params);
        expr(g.duration.get());
        exprs(g.qubits);
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
        exprs(q.qubits);
        break;
      }
      case K::Box: {
        const auto& b = static_cast<const ast::Box&>(s);
        expr(b.duration.get());
        block(b.body);
        break;
      }
      case K::ClassicalDecl: case K::ConstDecl: {
        const auto& c = static_cast<const ast::ClassicalDecl&>(s);
        type(c.type);
        expr(c.init.get());
        break;
      }
      case K::IoDecl: type(static_cast<const ast::IoDecl&>(s).type); break;
      case K::OldStyleDecl: expr(static_cast<const ast::OldStyleDecl&>(s).size.get()); break;
      case K::QuantumDecl: type(static_cast<const ast::QuantumDecl&>(s).type); break;
      case K::AliasDecl: expr(static_cast<const ast::AliasDecl&>(s).value.get()); break;
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
        stmt(*i.then_body);
        if (i.else_body) stmt(*i.else_body);
        break;
      }
      case K::For: {
        const auto& f = static_cast<const ast::For&>(s);
        type(f.type);
        expr(f.iterable.get());
        stmt(*f.body);
        break;
      }
      case K::While: {
        const auto& w = static_cast<const ast::While&>(s);
        expr(w.condition.get());
        stmt(*w.body);
        break;
      }
      case K::Switch: {
        const auto& w = static_cast<const ast::Switch&>(s);
        expr(w.subject.get());
        for (const auto& c : w.cases) {
          exprs(c.values);
          block(c.body);
        }
        break;
      }
      case K::Return: expr(static_cast<const ast::Jump&>(s).value.get()); break;
      default: break;
    }
  }
};

bool is_slice(const ast::ExprPtr& x) {
  return x->kind == ast::Expr::Kind::Range || x->kind == ast::Expr::Kind::Set;
}

}  // namespace

void Lowerer::check_gate_names(const ast::Expr& root, const GateDef& def, bool& uses_params) {
  Walker w;
  w.on_stmt = [](const ast::Stmt&) {};
  w.on_expr = [&](const ast::Expr& e) {
    if (e.kind == ast::Expr::Kind::Literal && e.literal == ast::Expr::Literal::HardwareQubit)
      fail(e.span, "a physical qubit cannot be used as a value");
    if (e.kind != ast::Expr::Kind::Identifier) return;
    const std::string& name = e.name.name;
    auto has = [&](const std::vector<std::string>& v) { return std::find(v.begin(), v.end(), name) != v.end(); };
    if (has(def.params)) {
      uses_params = true;
      return;
    }
    if (has(def.qubits)) fail(e.span, "'" + name + "' is a qubit and cannot be used as a value");
    if (Symbol* sym = global_.find_local(name)) {
      if (sym->kind == Symbol::Const) return;
      fail(e.span, "the body of gate '" + def.name + "' can only use its parameters, its qubit arguments and constants; '" +
                       name + "' is declared outside it");
    }
    if (Symbol* c = find_callable(name))
      fail(e.span, "'" + name + "' is a " + std::string(c->kind == Symbol::Gate ? "gate" : "subroutine") +
                       " and cannot be used as a value");
    if (!is_builtin_constant(name)) fail(e.span, "undefined name '" + name + "'");
  };
  w.expr(&root);
}

void Lowerer::check_gate_statement(const GateDef& def, const ast::Stmt& st) {
  using K = ast::StmtKind;
  if (st.kind == K::Block) fail(st.span, "nested scopes are not allowed in a gate body");
  if (st.kind == K::Pragma || st.kind == K::Nop) return;
  const ast::GateCall* call = st.kind == K::GateCall ? static_cast<const ast::GateCall*>(&st) : nullptr;
  const std::vector<ast::ExprPtr>* operands = nullptr;
  if (st.kind == K::Barrier) operands = &static_cast<const ast::QuantumOp&>(st).qubits;
  else if (!call) fail(st.span, "only gate calls are allowed in the body of gate '" + def.name + "'");
  else operands = &call->qubits;
  // Operands: the gate's own qubit arguments, each a single qubit.
  std::vector<std::string> used;
  for (const auto& o : *operands) {
    if (o->kind != ast::Expr::Kind::Identifier)
      fail(o->span, "the body of gate '" + def.name + "' can only use its own qubit arguments; '" + o->text +
                        "' is a physical qubit");
    const std::string& name = o->name.name;
    const bool is_qubit = std::find(def.qubits.begin(), def.qubits.end(), name) != def.qubits.end();
    if (!is_qubit) {
      if (std::find(def.params.begin(), def.params.end(), name) != def.params.end())
        fail(o->span, "'" + name + "' is a parameter of gate '" + def.name + "', not a qubit");
      if (global_.find_local(name)) fail(o->span, outside_gate_message(def.name, name));
      fail(o->span, "undefined name '" + name + "'");
    }
    if (!o->indices.empty()) fail(o->span, "gate argument '" + name + "' is a single qubit and cannot be indexed");
    if (call && std::find(used.begin(), used.end(), name) != used.end())
      fail(o->span, "qubit " + name + " is used twice in one gate call");
    used.push_back(name);
  }
  if (!call) return;
  const Span at = unannotated(st);
  if (strict2_) check_openqasm2_call(*call, at);
  const std::string& name = call->name.name;
  if (name == def.name) fail(at, "gate '" + name + "' calls itself; a gate cannot be defined in terms of itself");
  // Modifiers and parameters use only parameters and constants; a control
  // count that is a constant is counted.
  std::size_t num_ctrl = 0;
  bool ctrl_known = true;
  for (const auto& m : call->modifiers) {
    bool uses_params = false;
    if (m.arg) check_gate_names(*m.arg, def, uses_params);
    if (m.kind == ast::GateModifier::Kind::Inv || m.kind == ast::GateModifier::Kind::Pow) continue;
    if (!m.arg) ++num_ctrl;
    else if (uses_params) ctrl_known = false;
    else num_ctrl += static_cast<std::size_t>(std::max<int64_t>(0, integer(*m.arg, global_, "a ctrl() count")));
  }
  for (const auto& e : call->params) {
    bool uses_params = false;
    check_gate_names(*e, def, uses_params);
  }
  const std::size_t num_params = call->params.size();
  std::size_t want_p = 0, want_q = 0;
  if (!gate_arity(name, at, want_p, want_q)) return;  // a subroutine: checked where it is defined
  if (num_params != want_p) fail(at, parameter_count_message(name, want_p, num_params));
  if (ctrl_known && operands->size() != want_q + num_ctrl)
    fail(at, qubit_count_message(name, num_ctrl, want_q, operands->size()));
}

bool Lowerer::check_gate_body(const GateDef& def) {
  bool ok = true;
  for (const auto& s : def.body->statements) {
    try {
      check_gate_statement(def, *s);
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
  Walker collect;
  collect.on_expr = [](const ast::Expr&) {};
  collect.on_stmt = [&](const ast::Stmt& s) {
    using K = ast::StmtKind;
    switch (s.kind) {
      case K::ClassicalDecl: case K::ConstDecl: local.insert(static_cast<const ast::ClassicalDecl&>(s).name.name); break;
      case K::AliasDecl: local.insert(static_cast<const ast::AliasDecl&>(s).name.name); break;
      case K::For: local.insert(static_cast<const ast::For&>(s).variable.name); break;
      case K::QuantumDecl: local.insert(static_cast<const ast::QuantumDecl&>(s).name.name); break;
      case K::OldStyleDecl: local.insert(static_cast<const ast::OldStyleDecl&>(s).name.name); break;
      default: break;
    }
  };
  collect.block(*def.body);
  auto known = [&](const std::string& name) {
    return local.count(name) || global_.find_local(name) || find_callable(name) || is_builtin_constant(name);
  };
  Walker walk;
  walk.on_expr = [&](const ast::Expr& e) {
    if (e.kind == ast::Expr::Kind::Identifier) {
      if (!known(e.name.name)) fail(e.span, "undefined name '" + e.name.name + "'");
    } else if (e.kind == ast::Expr::Kind::Call && e.name.name == def.name) {
      fail(e.span, "subroutine '" + def.name + "' calls itself; recursion is not supported");
    }
  };
  walk.on_stmt = [&](const ast::Stmt& s) {
    if (s.kind != ast::StmtKind::GateCall) return;
    const auto& g = static_cast<const ast::GateCall&>(s);
    const Span at = unannotated(s);
    if (g.name.name == def.name) fail(at, "subroutine '" + def.name + "' calls itself; recursion is not supported");
    std::size_t want_p = 0, want_q = 0;
    gate_arity(g.name.name, at, want_p, want_q);  // an undefined gate is reported here
  };
  walk.block(*def.body);
}

}  // namespace qforge::frontend_detail

namespace qforge::frontend_detail {

// ---------------------------------------------------------------- OpenQASM 2.0

namespace {
const char* const kNeeds3 = " is not OpenQASM 2.0; a file that uses it must declare OPENQASM 3.0";

const char* modifier_keyword(ast::GateModifier::Kind k) {
  switch (k) {
    case ast::GateModifier::Kind::Inv: return "inv";
    case ast::GateModifier::Kind::Pow: return "pow";
    case ast::GateModifier::Kind::Ctrl: return "ctrl";
    case ast::GateModifier::Kind::NegCtrl: return "negctrl";
  }
  return "";
}
}  // namespace

void Lowerer::check_openqasm2_call(const ast::GateCall& s, const Span& at) {
  if (!s.modifiers.empty())
    fail(s.modifiers[0].span, std::string("the gate modifier '") + modifier_keyword(s.modifiers[0].kind) + " @'" + kNeeds3);
  if (s.name.name == "gphase") fail(at, std::string("gphase") + kNeeds3);
  for (const auto& o : s.qubits) {
    if (o->kind != ast::Expr::Kind::Identifier) fail(o->span, "the physical qubit " + o->text + kNeeds3);
    for (const auto& idx : o->indices)
      if (idx.items.size() != 1 || is_slice(idx.items[0]))
        fail(idx.span, "OpenQASM 2.0 indexes a register with one integer, as q[0]");
  }
}

void Lowerer::check_openqasm2(const ast::Stmt& st) {
  using K = ast::StmtKind;
  const Span at = unannotated(st);
  switch (st.kind) {
    case K::GateCall: return check_openqasm2_call(static_cast<const ast::GateCall&>(st), at);
    case K::OldStyleDecl: {
      const auto& s = static_cast<const ast::OldStyleDecl&>(st);
      if (!s.size) {
        const std::string kind = s.quantum ? "qreg" : "creg";
        fail(at, "OpenQASM 2.0 requires a register size: '" + kind + " " + s.name.name + "[n];'");
      }
      return;
    }
    case K::Measure: {
      const auto& s = static_cast<const ast::Measure&>(st);
      if (!s.target && s.source->kind == ast::Expr::Kind::Measure)
        fail(at, "OpenQASM 2.0 requires a target for measure: 'measure " + text_of(s.source->qubits[0]->span) +
                     " -> c;'");
      return;
    }
    case K::If: {
      const auto& s = static_cast<const ast::If&>(st);
      if (s.else_body) fail(s.else_keyword, std::string("'else'") + kNeeds3);
      if (s.then_body->kind == K::Block)
        fail(s.then_body->span, "OpenQASM 2.0 conditions one operation, as 'if (c == 1) x q[0];'");
      return;
    }
    case K::Include: case K::GateDef: case K::Reset: case K::Barrier: case K::Pragma: return;
    case K::QuantumDecl:
      fail(at, "OpenQASM 2.0 declares qubits as 'qreg " + static_cast<const ast::QuantumDecl&>(st).name.name +
                   "[n];', not with 'qubit'");
    case K::ClassicalDecl: {
      const auto& s = static_cast<const ast::ClassicalDecl&>(st);
      if (s.type.kind == ast::Type::Kind::Bit)
        fail(at, "OpenQASM 2.0 declares bits as 'creg " + s.name.name + "[n];', not with 'bit'");
      fail(at, std::string("a classical variable") + kNeeds3);
    }
    case K::Assignment: {
      const auto& s = static_cast<const ast::Assignment&>(st);
      if (s.value->kind == ast::Expr::Kind::Measure)
        fail(at, "OpenQASM 2.0 measures as 'measure " + text_of(s.value->qubits[0]->span) + " -> " +
                     text_of(s.target->span) + ";'");
      fail(at, std::string("assignment") + kNeeds3);
    }
    default: break;
  }
  const char* what = nullptr;
  switch (st.kind) {
    case K::ConstDecl: what = "'const'"; break;
    case K::IoDecl: what = static_cast<const ast::IoDecl&>(st).output ? "'output'" : "'input'"; break;
    case K::Def: what = "a subroutine ('def')"; break;
    case K::For: what = "a 'for' loop"; break;
    case K::While: what = "a 'while' loop"; break;
    case K::Switch: what = "'switch'"; break;
    case K::AliasDecl: what = "'let'"; break;
    case K::Break: case K::Continue: what = "'break' and 'continue'"; break;
    case K::End: what = "'end'"; break;
    case K::Return: what = "'return'"; break;
    case K::ExpressionStmt: what = "an expression statement"; break;
    case K::Delay: what = "'delay'"; break;
    case K::Box: what = "'box'"; break;
    case K::Nop: what = "'nop'"; break;
    case K::Extern: what = "'extern'"; break;
    case K::Defcal: case K::Cal: case K::CalibrationGrammar: what = "a calibration"; break;
    default: break;
  }
  if (what) fail(st.span, what + std::string(kNeeds3));
}

}  // namespace qforge::frontend_detail
