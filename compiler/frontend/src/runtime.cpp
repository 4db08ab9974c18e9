// Run-time classical logic (see frontend_internal.hpp): values the program
// only knows while it runs (measured bits and what is computed from them)
// become typed CExprs (qforge/classical.hpp); variables holding them become
// Circuit::vars entries; branches, loops and switches on them become
// structured If/While/For/Switch operations; gate parameters computed from
// them make RuntimeGate operations. Everything known at compile time stays
// folded and unrolled by lower.cpp.
#include "frontend_internal.hpp"

namespace qforge::frontend_detail {

namespace {

const ClassicalType kBoolType{CType::Bool, 1};
const ClassicalType kFloatType{CType::Float, 64};

bool comparison_op(COp op) { return op >= COp::Eq; }

bool integral(CType k) { return k != CType::Float && k != CType::Angle; }

/// Bits and bools compute as unsigned integers of their width.
ClassicalType arithmetic(const ClassicalType& t) {
  if (t.kind == CType::Bit || t.kind == CType::Bool) return {CType::Uint, t.width};
  return t;
}

/// The spec's promotion of two operands' types: float wins, then angle, then
/// the wider integer (signed if either is).
ClassicalType promoted(const ClassicalType& x, const ClassicalType& y) {
  const ClassicalType a = arithmetic(x), b = arithmetic(y);
  if (a.kind == CType::Float || b.kind == CType::Float) return kFloatType;
  if (a.kind == CType::Angle && b.kind == CType::Angle) return {CType::Angle, std::max(a.width, b.width)};
  if (a.kind == CType::Angle) return a;
  if (b.kind == CType::Angle) return b;
  const bool is_signed = a.kind == CType::Int || b.kind == CType::Int;
  return {is_signed ? CType::Int : CType::Uint, std::max(a.width, b.width)};
}

COp binary_op(const std::string& op) {
  static const std::unordered_map<std::string, COp> ops = {
      {"+", COp::Add},     {"-", COp::Sub},     {"*", COp::Mul},    {"/", COp::Div},    {"%", COp::Mod},
      {"**", COp::Pow},    {"<<", COp::Shl},    {">>", COp::Shr},   {"&", COp::BitAnd}, {"|", COp::BitOr},
      {"^", COp::BitXor},  {"&&", COp::LogAnd}, {"||", COp::LogOr}, {"==", COp::Eq},    {"!=", COp::Ne},
      {"<", COp::Lt},      {"<=", COp::Le},     {">", COp::Gt},     {">=", COp::Ge},
  };
  auto it = ops.find(op);
  return it == ops.end() ? COp::Const : it->second;
}

/// Statements of `s` in source order, not entering loops when `loops` is false.
void each_statement(const ast::Stmt& s, bool loops, const std::function<void(const ast::Stmt&)>& f) {
  using K = ast::StmtKind;
  f(s);
  switch (s.kind) {
    case K::Block:
      for (const auto& x : static_cast<const ast::Block&>(s).statements) each_statement(*x, loops, f);
      break;
    case K::If: {
      const auto& i = static_cast<const ast::If&>(s);
      each_statement(*i.then_body, loops, f);
      if (i.else_body) each_statement(*i.else_body, loops, f);
      break;
    }
    case K::Switch:
      for (const auto& c : static_cast<const ast::Switch&>(s).cases) each_statement(c.body, loops, f);
      break;
    case K::Box: each_statement(static_cast<const ast::Box&>(s).body, loops, f); break;
    case K::For:
      if (loops) each_statement(*static_cast<const ast::For&>(s).body, loops, f);
      break;
    case K::While:
      if (loops) each_statement(*static_cast<const ast::While&>(s).body, loops, f);
      break;
    default: break;
  }
}

}  // namespace

bool calls_something(const ast::Expr& e) {
  if (e.kind == ast::Expr::Kind::Call || e.kind == ast::Expr::Kind::Measure || e.kind == ast::Expr::Kind::QuantumCall)
    return true;
  for (const auto& o : e.operands)
    if (o && calls_something(*o)) return true;
  return false;
}

ClassicalType Lowerer::classical_type(const ast::Type& t, Scope& scope) {
  using T = ast::Type::Kind;
  auto width = [&](uint32_t dflt) -> uint32_t {
    if (!t.size) return dflt;
    const int64_t w = integer(*t.size, scope, "a type width");
    if (w < 1 || w > 64) fail(t.size->span, "a type width must be 1 to 64, got " + std::to_string(w));
    return static_cast<uint32_t>(w);
  };
  switch (t.kind) {
    case T::Bit: return {CType::Bit, width(1)};
    case T::Bool: return kBoolType;
    case T::Int: return {CType::Int, width(64)};
    case T::Uint: return {CType::Uint, width(64)};
    case T::Angle: return {CType::Angle, width(64)};
    case T::Float: {
      const uint32_t w = width(64);
      return {CType::Float, w == 32 ? 32u : 64u};  // other widths compute in double precision
    }
    default: break;
  }
  fail(t.span, "'" + text_of(t.span) + "' cannot hold a value computed at run time");
}

CExpr Lowerer::cast_to(const CExpr& e, const ClassicalType& t) {
  if (e.type() == t) return e;
  if (e.node().op == COp::Const) return CExpr::constant(convert(e.node().value, t));
  return CExpr::apply(COp::Cast, t, {e});
}

CExpr Lowerer::to_cexpr(const Value& v, const Span& at) {
  switch (v.kind) {
    case Value::Runtime: return v.cx;
    case Value::Bits: return v.bits_as ? cast_to(CExpr::bits(v.bits), *v.bits_as) : CExpr::bits(v.bits);
    case Value::Cond: {
      CExpr all;
      for (const Condition& c : v.conds) {
        CExpr cmp = CExpr::apply(c.equal ? COp::Eq : COp::Ne, kBoolType,
                                 {CExpr::bits(c.clbits), CExpr::constant(CValue::of_uint(c.value))});
        all = all ? CExpr::apply(COp::LogAnd, kBoolType, {all, cmp}) : cmp;
      }
      return all;
    }
    case Value::Bool: return CExpr::constant(CValue::of_bool(v.b));
    case Value::Num:
      if (!v.num.is_const())
        fail(at, "a value computed at run time cannot be combined with input parameters");
      if (v.exact_int()) return CExpr::constant(CValue::of_int(v.ival));
      return CExpr::constant(CValue::of_float(v.num.value()));
    case Value::Unknown:
      if (v.var_sym && v.var_sym->has_ctype) {
        // Read before any assignment: a run-time variable, which starts at zero.
        const uint32_t i = make_runtime(*v.var_sym, v.name, false, at);
        return CExpr::var(i, v.var_sym->ctype);
      }
      if (!v.name.empty()) fail(at, "'" + v.name + "' is used before it is given a value");
      break;
    default: break;
  }
  fail(at, std::string("cannot use ") + kind_name(v.kind) + " in a run-time expression");
}

Value Lowerer::runtime_binary(const std::string& op, const Value& a, const Value& b, const Span& at) {
  const COp cop = binary_op(op);
  if (cop == COp::Const) fail(at, "unsupported operator '" + op + "'");
  // A compile-time operand takes the type of the run-time one (an integer
  // literal beside an int[8] is an int[8]; a real number makes it float).
  const bool a_rt = a.is_runtime() || a.kind == Value::Unknown, b_rt = b.is_runtime() || b.kind == Value::Unknown;
  CExpr x = to_cexpr(a, at), y = to_cexpr(b, at);
  auto adopt = [&](CExpr& c, bool rt, const CExpr& other, bool shift_amount) {
    if (rt || !other) return;
    const CValue& k = c.node().value;
    const ClassicalType ot = other.type();
    if (shift_amount) return;
    if (k.type.kind == CType::Float || ot.kind == CType::Float) {
      if (ot.kind == CType::Angle && (cop == COp::Add || cop == COp::Sub || comparison_op(cop)))
        c = CExpr::constant(convert(k, ot));
      else
        c = CExpr::constant(convert(k, kFloatType));
      return;
    }
    if (k.type.kind == CType::Bool && (cop == COp::LogAnd || cop == COp::LogOr)) return;
    if (ot.kind == CType::Angle && (cop == COp::Mul || cop == COp::Div)) {
      c = CExpr::constant(convert(k, {CType::Uint, 64}));
      return;
    }
    if (ot.kind == CType::Bit && (cop == COp::BitAnd || cop == COp::BitOr || cop == COp::BitXor)) {
      c = CExpr::constant(convert(k, ot));
      return;
    }
    if (ot.kind == CType::Bool && k.type.kind == CType::Bool) return;
    // Beside a bit or bool, an integer literal keeps its own 64-bit type:
    // `-3 * m` is -3 or 0, not a 1-bit product.
    const bool arith = cop == COp::Add || cop == COp::Sub || cop == COp::Mul || cop == COp::Div ||
                       cop == COp::Mod || cop == COp::Pow;
    if (arith && (ot.kind == CType::Bit || ot.kind == CType::Bool)) {
      c = CExpr::constant(convert(k, k.type.kind == CType::Uint ? ClassicalType{CType::Uint, 64}
                                                                 : ClassicalType{CType::Int, 64}));
      return;
    }
    c = CExpr::constant(convert(k, arithmetic(ot)));
  };
  const bool shift = cop == COp::Shl || cop == COp::Shr;
  if (!a_rt) adopt(x, false, y, false);
  if (!b_rt) adopt(y, false, x, shift);
  const ClassicalType ta = x.type(), tb = y.type();
  auto both = [&](const ClassicalType& t) {
    return Value::runtime(CExpr::apply(cop, t, {cast_to(x, t), cast_to(y, t)}));
  };
  auto refuse = [&]() -> Value {
    fail(at, "operator '" + op + "' is not defined on " + type_name(ta) + " and " + type_name(tb));
  };
  switch (cop) {
    case COp::LogAnd:
    case COp::LogOr: return both(kBoolType);
    case COp::Eq: case COp::Ne: case COp::Lt: case COp::Le: case COp::Gt: case COp::Ge: {
      if (ta.kind == CType::Bool && tb.kind == CType::Bool) return Value::runtime(CExpr::apply(cop, kBoolType, {x, y}));
      const ClassicalType t = promoted(ta, tb);
      return Value::runtime(CExpr::apply(cop, kBoolType, {cast_to(x, t), cast_to(y, t)}));
    }
    case COp::Shl:
    case COp::Shr:
      if (ta.kind == CType::Float || !integral(tb.kind)) return refuse();
      return Value::runtime(CExpr::apply(cop, ta.kind == CType::Bool ? arithmetic(ta) : ta, {x, y}));
    case COp::BitAnd:
    case COp::BitOr:
    case COp::BitXor: {
      if (ta.kind == CType::Float || tb.kind == CType::Float) return refuse();
      if (ta.kind == CType::Bit && tb.kind == CType::Bit) return both({CType::Bit, std::max(ta.width, tb.width)});
      if ((ta.kind == CType::Angle) != (tb.kind == CType::Angle)) return refuse();
      return both(promoted(ta, tb));
    }
    default: break;
  }
  // + - * / % **
  if (ta.kind == CType::Angle || tb.kind == CType::Angle) {
    if (ta.kind == CType::Float || tb.kind == CType::Float) return both(kFloatType);
    if (ta.kind == CType::Angle && tb.kind == CType::Angle && (cop == COp::Add || cop == COp::Sub))
      return both(promoted(ta, tb));
    const bool scale = (cop == COp::Mul && (integral(ta.kind) || integral(tb.kind))) ||
                       (cop == COp::Div && ta.kind == CType::Angle && integral(tb.kind));
    if (!scale) return refuse();
    const ClassicalType t = ta.kind == CType::Angle ? ta : tb;
    return Value::runtime(CExpr::apply(cop, t, {x, y}));
  }
  return both(promoted(ta, tb));
}

Value Lowerer::runtime_unary(const std::string& op, const Value& a, const Span& at) {
  CExpr x = to_cexpr(a, at);
  const ClassicalType t = x.type();
  if (op == "!") return Value::runtime(CExpr::apply(COp::LogNot, kBoolType, {cast_to(x, kBoolType)}));
  if (op == "-") {
    const ClassicalType r = t.kind == CType::Bit || t.kind == CType::Bool ? ClassicalType{CType::Int, 64} : t;
    return Value::runtime(CExpr::apply(COp::Neg, r, {cast_to(x, r)}));
  }
  if (op == "~") {
    if (t.kind == CType::Float) fail(at, "cannot apply '~' to " + type_name(t));
    return Value::runtime(CExpr::apply(COp::BitNot, t, {x}));
  }
  fail(at, "unsupported operator '" + op + "'");
}

Value Lowerer::runtime_cast(const ast::Type& st, const Value& a, Scope& scope, const Span& at) {
  const ClassicalType t = classical_type(st, scope);
  return Value::runtime(CExpr::apply(COp::Cast, t, {to_cexpr(a, at)}));
}

Value Lowerer::runtime_call(const std::string& name, const std::vector<Value>& args, const Span& at) {
  static const std::unordered_map<std::string, COp> floats = {
      {"sin", COp::Sin},       {"cos", COp::Cos},       {"tan", COp::Tan}, {"arcsin", COp::Arcsin},
      {"arccos", COp::Arccos}, {"arctan", COp::Arctan}, {"exp", COp::Exp}, {"ln", COp::Log},
      {"sqrt", COp::Sqrt},
  };
  auto want = [&](std::size_t n) {
    if (args.size() != n)
      fail(at, "'" + name + "' expects " + std::to_string(n) + " argument" + (n == 1 ? "" : "s") + ", got " +
                   std::to_string(args.size()));
  };
  if (auto it = floats.find(name); it != floats.end()) {
    want(1);
    return Value::runtime(CExpr::apply(it->second, kFloatType, {cast_to(to_cexpr(args[0], at), kFloatType)}));
  }
  if (name == "popcount") {
    want(1);
    CExpr x = to_cexpr(args[0], at);
    if (x.type().kind == CType::Float || x.type().kind == CType::Angle) fail(at, "popcount needs bits or an integer, got " + type_name(x.type()));
    return Value::runtime(CExpr::apply(COp::Popcount, {CType::Uint, 64}, {x}));
  }
  if (name == "rotl" || name == "rotr") {
    want(2);
    CExpr x = to_cexpr(args[0], at), k = to_cexpr(args[1], at);
    if (!integral(x.type().kind) || !integral(k.type().kind)) fail(at, "'" + name + "' needs bits or an integer and an integer");
    return Value::runtime(CExpr::apply(name == "rotl" ? COp::Rotl : COp::Rotr, x.type(), {x, k}));
  }
  fail(at, "the built-in function '" + name + "' is not supported");
}

CExpr Lowerer::assignable(const Value& v, const ClassicalType& t, const std::string& what, const Span& at) {
  CExpr x = to_cexpr(v, at);
  const ClassicalType from = x.type();
  // The spec's implicit conversions: a real number does not become bits, a
  // bool or an integer without an explicit cast; an angle only becomes bits
  // of its own width or another angle.
  const bool real = from.kind == CType::Float;
  if (real && (integral(t.kind))) {
    if (x.node().op != COp::Const || t.kind == CType::Bit)
      fail(at, "cannot assign a " + type_name(from) + " value to " + what + " of type " + type_name(t) +
                   " without a cast");
  }
  if (from.kind == CType::Angle && t.kind != CType::Angle && !(t.kind == CType::Bit && t.width == from.width) &&
      t.kind != CType::Bool)
    fail(at, "cannot assign an " + type_name(from) + " value to " + what + " of type " + type_name(t) +
                 " without a cast");
  return cast_to(x, t);
}

std::string Lowerer::unused_classical_name(const std::string& name) const {
  std::string unique = name;
  auto taken = [&](const std::string& n) {
    for (const auto& v : circ_.vars)
      if (v.name == n) return true;
    for (const auto& r : circ_.cregs)
      if (r.name == n) return true;
    return false;
  };
  for (int k = 1; taken(unique); ++k) unique = name + "_" + std::to_string(k);
  return unique;
}

uint32_t Lowerer::make_runtime(Symbol& sym, const std::string& name, bool output, const Span& at) {
  if (sym.var != ClassicalData::kNoVar) return sym.var;
  if (!sym.has_ctype || sym.value.kind == Value::Array)
    fail(at, "'" + name + "' cannot hold a value computed at run time");
  circ_.vars.push_back(ClassicalVar{unused_classical_name(name), sym.ctype, output || sym.output});
  const uint32_t index = static_cast<uint32_t>(circ_.vars.size() - 1);
  sym.var = index;
  // Its compile-time value so far is assigned where it was declared (before
  // the branch or loop that makes it a run-time variable).
  const Value& v = sym.value;
  if ((v.kind == Value::Num && v.num.is_const()) || v.kind == Value::Bool) {
    Operation op = assign_op(index, {}, cast_to(to_cexpr(v, at), sym.ctype));
    op.loc = sym.loc;
    out_.at(std::min(sym.level, out_.size() - 1))->push_back(std::move(op));
  }
  return index;
}

Operation Lowerer::assign_op(uint32_t var, std::vector<uint32_t> clbits, CExpr value) {
  Operation op;
  op.kind = OpKind::Assign;
  ClassicalData d;
  d.var = var;
  d.value = std::move(value);
  op.classical = std::make_shared<const ClassicalData>(std::move(d));
  op.clbits = std::move(clbits);
  return op;
}

void Lowerer::emit_assign(uint32_t var, std::vector<uint32_t> clbits, CExpr value) {
  emit(assign_op(var, std::move(clbits), std::move(value)));
}

std::vector<Operation> Lowerer::lower_runtime_body(const ast::Stmt& body, Scope& scope, bool own_scope) {
  Flow flow;
  return runtime_block(
      [&] { return own_scope ? lower_block(body, scope) : lower_scope_body(static_cast<const ast::Block&>(body), scope); },
      flow);
}

std::vector<Operation> Lowerer::runtime_block(const std::function<Flow()>& lower, Flow& flow) {
  std::vector<Operation> ops;
  out_.push_back(&ops);
  ++runtime_depth_;
  try {
    flow = lower();
  } catch (...) {
    out_.pop_back();
    --runtime_depth_;
    throw;
  }
  out_.pop_back();
  --runtime_depth_;
  return ops;
}

void Lowerer::emit_control_flow(OpKind kind, ClassicalData data, std::vector<std::vector<Operation>> blocks,
                                const SourceLoc& at) {
  Operation op = make_control_flow(kind, std::move(data), std::move(blocks));
  op.loc = at;
  emit(std::move(op));
}

void Lowerer::promote_assigned(const ast::Stmt& body, Scope& scope, const Span& at) {
  each_statement(body, true, [&](const ast::Stmt& s) {
    const ast::Expr* target = nullptr;
    if (s.kind == ast::StmtKind::Assignment) target = static_cast<const ast::Assignment&>(s).target.get();
    if (s.kind == ast::StmtKind::Measure) target = static_cast<const ast::Measure&>(s).target.get();
    if (!target || target->kind != ast::Expr::Kind::Identifier) return;
    Symbol* sym = scope.find(target->name.name);
    if (sym && sym->kind == Symbol::Var && sym->var == ClassicalData::kNoVar && sym->has_ctype &&
        sym->value.kind != Value::Array)
      make_runtime(*sym, target->name.name, false, at);
  });
}

bool Lowerer::breaks_at_run_time(const ast::Stmt& body, Scope& scope, const std::string* var, const Value* first) {
  // The conditions of the ifs and switches around each break or continue of
  // this loop (not of loops inside it), evaluated with the loop variable at
  // its first value: any that is only known at run time makes the loop a
  // run-time loop.
  std::vector<const ast::Expr*> guards;
  std::function<void(const ast::Stmt&, std::vector<const ast::Expr*>&)> walk =
      [&](const ast::Stmt& s, std::vector<const ast::Expr*>& around) {
        using K = ast::StmtKind;
        switch (s.kind) {
          case K::Break:
          case K::Continue: guards.insert(guards.end(), around.begin(), around.end()); break;
          case K::Return:
            // A while loop left by a return at run time cannot be unrolled
            // (a for loop's iterations are counted: they are, each run only
            // while the subroutine has not returned).
            if (!var && def_depth_ > 0) guards.insert(guards.end(), around.begin(), around.end());
            break;
          case K::Block:
            for (const auto& x : static_cast<const ast::Block&>(s).statements) walk(*x, around);
            break;
          case K::If: {
            const auto& i = static_cast<const ast::If&>(s);
            around.push_back(i.condition.get());
            walk(*i.then_body, around);
            if (i.else_body) walk(*i.else_body, around);
            around.pop_back();
            break;
          }
          case K::Switch: {
            const auto& w = static_cast<const ast::Switch&>(s);
            around.push_back(w.subject.get());
            for (const auto& c : w.cases) walk(c.body, around);
            around.pop_back();
            break;
          }
          case K::Box: walk(static_cast<const ast::Box&>(s).body, around); break;
          default: break;
        }
      };
  std::vector<const ast::Expr*> around;
  walk(body, around);
  for (const ast::Expr* g : guards) {
    if (calls_something(*g)) return true;
    Scope probe(&scope);
    if (var && first) {
      Symbol sym{Symbol::Var, SourceLoc{}};
      sym.value = *first;
      probe.insert(*var, sym);
    }
    try {
      // A variable read before it is assigned is a run-time variable.
      const Value v = eval(*g, probe);
      if (v.is_runtime() || (v.kind == Value::Unknown && v.var_sym)) return true;
    } catch (const SemanticError&) {
      return true;  // names declared in the body: decided when it runs
    }
  }
  return false;
}

Flow Lowerer::lower_runtime_if(const ast::If& s, const Value& v, Scope& scope) {
  const SourceLoc where = cur_loc_;
  CExpr cond = to_cexpr(v, s.condition->span);
  if (!integral(cond.type().kind))
    fail(s.condition->span, "the condition of 'if' must be a bool, an integer or bits, got " + type_name(cond.type()));
  std::vector<std::vector<Operation>> blocks;
  blocks.push_back(lower_runtime_body(*s.then_body, scope));
  if (s.else_body) blocks.push_back(lower_runtime_body(*s.else_body, scope));
  // A comparison of bits with a constant whose branches only hold gates,
  // measurements, resets, barriers and delays stays as conditions on them.
  auto plain = [](const std::vector<Operation>& ops) {
    for (const Operation& op : ops)
      if (op.kind != OpKind::Gate && op.kind != OpKind::Measure && op.kind != OpKind::Reset &&
          op.kind != OpKind::Barrier && op.kind != OpKind::Delay)
        return false;
    return true;
  };
  std::vector<Condition> conds;
  if (v.kind == Value::Bits) conds = {Condition{v.bits, 0, false}};
  if (v.kind == Value::Cond) conds = v.conds;
  bool keep = !conds.empty() && (blocks.size() == 1 || conds.size() == 1);
  for (const auto& b : blocks) keep = keep && plain(b);
  if (keep) {
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      std::vector<Condition> cs = conds;
      if (i == 1) cs[0].equal = !cs[0].equal;
      for (Operation& op : blocks[i]) {
        op.conditions.insert(op.conditions.begin(), cs.begin(), cs.end());
        emit(std::move(op));
      }
    }
    return Flow::Normal;
  }
  ClassicalData d;
  d.value = cast_to(cond, kBoolType);
  emit_control_flow(OpKind::If, std::move(d), std::move(blocks), where);
  return Flow::Normal;
}

std::vector<Operation> Lowerer::lower_runtime_loop_body(const ast::Stmt& body, Scope& scope) {
  LoopGuard loop(loops_, {true, runtime_depth_ + 1});
  return lower_runtime_body(body, scope);
}

Flow Lowerer::lower_runtime_while(const ast::While& s, const Span& at, Scope& scope) {
  promote_assigned(*s.body, scope, at);
  const SourceLoc where = cur_loc_;
  ClassicalData d;
  Value v = eval(*s.condition, scope);
  CExpr c = to_cexpr(v, s.condition->span);
  if (!integral(c.type().kind))
    fail(s.condition->span, "the condition of 'while' must be a bool, an integer or bits, got " + type_name(c.type()));
  d.value = cast_to(c, kBoolType);
  emit_control_flow(OpKind::While, std::move(d), {lower_runtime_loop_body(*s.body, scope)}, where);
  return Flow::Normal;
}

Flow Lowerer::lower_runtime_for(const ast::For& s, const Span& at, Scope& scope) {
  using K = ast::Expr::Kind;
  const ClassicalType t = classical_type(s.type, scope);
  promote_assigned(*s.body, scope, at);
  const SourceLoc where = cur_loc_;
  ClassicalData d;
  const ast::Expr& it = *s.iterable;
  auto item = [&](const ast::Expr& e) {
    CExpr x = to_cexpr(eval(e, scope), e.span);
    if (x.type().kind == CType::Float && t.kind != CType::Float)
      fail(e.span, "a loop over " + type_name(t) + " needs integer bounds, got " + type_name(x.type()));
    return cast_to(x, t);
  };
  if (it.kind == K::Range) {
    if (!it.start || !it.stop || (it.two_colons && !it.step))
      fail(it.span, "a loop range needs a start and an end, as in [0:3] or [0:2:8]");
    d.start = item(*it.start);
    d.step = it.two_colons ? item(*it.step) : CExpr::constant(convert(CValue::of_int(1), t));
    d.stop = item(*it.stop);
  } else if (it.kind == K::Set) {
    for (const auto& e : it.operands) d.set.push_back(item(*e));
  } else {
    fail(it.span, "a loop at run time must be over a range or a set");
  }
  Scope inner(&scope);
  Symbol sym{Symbol::Var, loc(at)};
  sym.type = text_of(s.type.span);
  sym.ctype = t;
  sym.has_ctype = true;
  sym.level = out_.size() - 1;
  Symbol& loop_var = inner.insert(s.variable.name, sym);
  d.var = make_runtime(loop_var, s.variable.name, false, at);
  emit_control_flow(OpKind::For, std::move(d), {lower_runtime_loop_body(*s.body, inner)}, where);
  return Flow::Normal;
}

Flow Lowerer::lower_runtime_switch(const ast::Switch& s, const Value& subject, Scope& scope) {
  const SourceLoc where = cur_loc_;
  ClassicalData d;
  d.value = to_cexpr(subject, s.subject->span);
  const ClassicalType t = d.value.type();
  if (t.kind != CType::Int && t.kind != CType::Uint && t.kind != CType::Bit)
    fail(s.subject->span, "switch needs an integer or bits, got " + type_name(t));
  std::vector<std::vector<Operation>> blocks;
  for (std::size_t i = 0; i < s.cases.size(); ++i) {
    const ast::SwitchCase& item = s.cases[i];
    if (item.is_default && i + 1 != s.cases.size()) fail(item.span, "'default' must be the last case of a switch");
    std::vector<int64_t> labels;
    for (const auto& e : item.values) labels.push_back(integer(*e, scope, "a case label"));
    d.cases.push_back(std::move(labels));
    Scope inner(&scope);
    blocks.push_back(lower_runtime_body(item.body, inner, false));
  }
  emit_control_flow(OpKind::Switch, std::move(d), std::move(blocks), where);
  return Flow::Normal;
}

Flow Lowerer::lower_runtime_return(const ast::Jump& s, const Span& at, Scope& scope) {
  ReturnFrame& r = returns_.back();
  const std::string& name = r.def->name;
  if (s.value) {
    const ast::Expr& value = *s.value;
    if (value.kind == ast::Expr::Kind::Measure)
      fail(at, "returning a measurement inside run-time control flow is not supported (measure into a bit, then "
               "return the bit)");
    if (value.kind == ast::Expr::Kind::QuantumCall) fail(at, "returning the result of a quantum call is not supported");
    if (!r.def->has_result)
      fail(value.span, "subroutine '" + name + "' returns a value inside run-time control flow but declares no "
                       "scalar result type ('-> type')");
    Value v = eval(value, scope);
    const CExpr result = assignable(v, r.def->result, "the result of '" + name + "'", value.span);
    if (r.def->result.kind == CType::Bit) {
      // Bits of their own, as every bit of the program.
      if (r.result_bits.empty()) {
        check_clbits(r.def->result.width, at);
        circ_.cregs.push_back(Register{unused_classical_name(name + "_result"), circ_.num_clbits, r.def->result.width,
                                       r.def->result.width > 1});
        for (uint32_t i = 0; i < r.def->result.width; ++i) r.result_bits.push_back(circ_.num_clbits++);
      }
      emit_assign(ClassicalData::kNoVar, r.result_bits, result);
    } else {
      emit_assign(make_runtime(r.result, name + "_result", false, at), {}, result);
    }
  }
  const uint32_t flag = make_runtime(r.returned, name + "_returned", false, at);
  emit_assign(flag, {}, CExpr::constant(CValue::of_bool(true)));
  ++r.runtime_returns;
  // Directly in a run-time loop's body: leave the loop (deeper, the blocks
  // around see `returned`, see lower_statements).
  if (!loops_.empty() && runtime_depth_ == loops_.back().depth) emit(Operation{OpKind::Break});
  return Flow::Return;
}

Flow Lowerer::unless_returned(const std::function<Flow()>& lower) {
  Flow f;
  std::vector<Operation> ops = runtime_block(lower, f);
  const Symbol& returned = returns_.back().returned;
  ClassicalData d;
  d.value = CExpr::apply(COp::LogNot, returned.ctype, {CExpr::var(returned.var, returned.ctype)});
  emit_control_flow(OpKind::If, std::move(d), {std::move(ops)}, cur_loc_);
  return f == Flow::Return ? Flow::Normal : f;
}

Flow Lowerer::lower_jump(const ast::Stmt& st, const Span& at) {
  using K = ast::StmtKind;
  if (st.kind == K::End) {
    if (!under_runtime()) throw EndProgram{};
    emit(Operation{OpKind::End});
    return Flow::Break;  // the rest of this block does not run
  }
  const bool is_break = st.kind == K::Break;
  const char* word = is_break ? "'break'" : "'continue'";
  if (loops_.empty()) fail(at, std::string(word) + " outside a loop");
  const LoopFrame& loop = loops_.back();
  if (loop.runtime || runtime_depth_ > loop.depth) {
    if (!loop.runtime)
      fail(at, std::string(word) + " under a run-time condition in a loop unrolled at compile time is not supported");
    emit(Operation{is_break ? OpKind::Break : OpKind::Continue});
  }
  return is_break ? Flow::Break : Flow::Continue;
}

Expr Lowerer::gate_param(const ast::Expr& e, Scope& scope) {
  Value v = eval(e, scope);
  if (v.kind == Value::Runtime || (v.kind == Value::Unknown && v.var_sym && v.var_sym->has_ctype)) {
    CExpr x = to_cexpr(v, e.span);
    if (!(x.type().kind == CType::Float || x.type().kind == CType::Angle || x.type().kind == CType::Int ||
          x.type().kind == CType::Uint))
      fail(e.span, "a gate parameter must be a number, got " + type_name(x.type()));
    placeholders_.push_back(cast_to(x, kFloatType));
    return Expr::symbol(kPlaceholder + static_cast<uint32_t>(placeholders_.size() - 1));
  }
  return number(e, scope, "a gate parameter");
}

bool Lowerer::has_placeholder(const Expr& e) const {
  if (e.is_const()) return false;
  std::vector<uint32_t> syms;
  e.collect_symbols(syms);
  for (uint32_t s : syms)
    if (s >= kPlaceholder) return true;
  return false;
}

CExpr Lowerer::expr_to_cexpr(const Expr& e) {
  if (e.is_const()) return CExpr::constant(CValue::of_float(e.value()));
  const ExprNode& n = *e.node();
  static const std::unordered_map<int, COp> unary = {
      {int(ExprOp::Neg), COp::Neg},   {int(ExprOp::Sin), COp::Sin},       {int(ExprOp::Cos), COp::Cos},
      {int(ExprOp::Tan), COp::Tan},   {int(ExprOp::Asin), COp::Arcsin},   {int(ExprOp::Acos), COp::Arccos},
      {int(ExprOp::Atan), COp::Arctan}, {int(ExprOp::Exp), COp::Exp},     {int(ExprOp::Ln), COp::Log},
      {int(ExprOp::Sqrt), COp::Sqrt},
  };
  static const std::unordered_map<int, COp> binary = {
      {int(ExprOp::Add), COp::Add}, {int(ExprOp::Sub), COp::Sub}, {int(ExprOp::Mul), COp::Mul},
      {int(ExprOp::Div), COp::Div}, {int(ExprOp::Pow), COp::Pow},
  };
  if (n.op == ExprOp::Symbol) {
    if (n.symbol < kPlaceholder)
      throw SemanticError{cur_loc_, "a gate parameter computed at run time cannot also depend on input parameters"};
    return placeholders_.at(n.symbol - kPlaceholder);
  }
  if (auto it = unary.find(int(n.op)); it != unary.end())
    return CExpr::apply(it->second, kFloatType, {expr_to_cexpr(n.a)});
  return CExpr::apply(binary.at(int(n.op)), kFloatType, {expr_to_cexpr(n.a), expr_to_cexpr(n.b)});
}

void Lowerer::store_measured_bit(Symbol& sym, const std::string& name, const ast::Expr& target,
                                 const std::vector<uint32_t>& qubits, Scope& scope, const Span& at) {
  const ClassicalType t = sym.ctype;
  if (sym.value.kind == Value::Array)
    fail(at, "arrays of run-time values are not supported: element '" + text_of(target.span) + "' of array '" + name +
                 "' would hold a measurement (measure into a bit register)");
  if (!sym.has_ctype || !(t.kind == CType::Int || t.kind == CType::Uint || t.kind == CType::Angle) ||
      target.indices.size() != 1 || target.indices[0].items.size() != 1)
    fail(at, "a measurement can only be stored in bits, not in '" + sym.type + "' variable '" + name + "'");
  const ast::Expr& ix = *target.indices[0].items[0];
  const int64_t i = integer(ix, scope, "a bit index");
  if (i < 0 || i >= int64_t(t.width))
    fail(ix.span, "index " + std::to_string(i) + " out of range for '" + name + "' of " + std::to_string(t.width) + " bits");
  if (qubits.size() != 1)
    fail(at, "measure needs as many bits as qubits (" + std::to_string(qubits.size()) + " qubits, 1 bits)");
  // Measure into a bit of its own, then v = (v & ~(1 << i)) | (bit << i).
  const std::vector<uint32_t> tmp = discard_bits(1);
  emit_measure(qubits, tmp, at);
  const uint32_t var = make_runtime(sym, name, false, at);
  CValue mask;
  mask.type = t;
  mask.u = ~(uint64_t(1) << i) & (t.width >= 64 ? ~uint64_t(0) : (uint64_t(1) << t.width) - 1);
  CExpr bit = CExpr::apply(COp::Shl, t, {cast_to(CExpr::bits(tmp), t), CExpr::constant(CValue::of_int(i))});
  CExpr kept = CExpr::apply(COp::BitAnd, t, {CExpr::var(var, t), CExpr::constant(mask)});
  emit_assign(var, {}, CExpr::apply(COp::BitOr, t, {kept, bit}));
}

}  // namespace qforge::frontend_detail
