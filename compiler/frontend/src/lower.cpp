// Lowering (see frontend_internal.hpp): statements to IR operations. Gate
// definitions are inlined down to table gates, modifiers (inv, pow, ctrl,
// negctrl) resolved, loops over compile-time ranges unrolled, subroutines
// inlined, and `if` on measured bits kept as conditions on operations.
#include "frontend_internal.hpp"

namespace qforge::frontend_detail {

// ---------------------------------------------------------------- driver

Circuit Lowerer::run(const std::shared_ptr<SourceFile>& main_file) {
  out_ = {&circ_.ops};
  try {
    lower_file(main_file, true);
  } catch (const EndProgram&) {
    // `end;` stops the program: what follows is not lowered.
  }
  out_ = {&circ_.ops};
  for (auto& [sym, name] : outputs_)
    if (sym->var == ClassicalData::kNoVar) make_runtime(*sym, name, true, ast::Span{});
  if (uses_physical_) circ_.physical_qubits = true;
  circ_.source_version = version_;
  return std::move(circ_);
}

// ---------------------------------------------------------------- statements

void Lowerer::lower_top(ast::StmtPtr s) {
  try {
    lower_statement_or_scope(*s, global_);
  } catch (const SemanticError& e) {
    report(e);
  }
  // Gate and subroutine bodies are lowered again at every call.
  if (s->kind == ast::StmtKind::GateDef || s->kind == ast::StmtKind::Def) definitions_.push_back(std::move(s));
}

Flow Lowerer::lower_statement_or_scope(const ast::Stmt& s, Scope& scope) {
  if (s.kind != ast::StmtKind::Block) return lower_statement(s, scope);
  Scope inner(&scope);
  return lower_scope_body(static_cast<const ast::Block&>(s), inner);
}

Flow Lowerer::lower_block(const ast::Stmt& s, Scope& scope) {
  Scope inner(&scope);
  if (s.kind != ast::StmtKind::Block) return lower_statement(s, inner);
  return lower_scope_body(static_cast<const ast::Block&>(s), inner);
}

Flow Lowerer::lower_scope_body(const ast::Block& b, Scope& scope) { return lower_statements(b.statements, 0, scope); }

Flow Lowerer::lower_statements(const std::vector<ast::StmtPtr>& statements, std::size_t from, Scope& scope) {
  for (std::size_t i = from; i < statements.size(); ++i) {
    const std::size_t before = runtime_returns();
    Flow f = lower_statement_or_scope(*statements[i], scope);
    if (f != Flow::Normal) return f;
    if (runtime_returns() == before) continue;
    // The statement returned at run time on some path.
    if (!loops_.empty() && loops_.back().runtime && runtime_depth_ == loops_.back().depth) {
      // In the body of a run-time loop: leave it.
      const Symbol& returned = returns_.back().returned;
      ClassicalData d;
      d.value = CExpr::var(returned.var, returned.ctype);
      emit_control_flow(OpKind::If, std::move(d), {{Operation{OpKind::Break}}}, cur_loc_);
      continue;
    }
    if (i + 1 == statements.size()) return Flow::Normal;
    return unless_returned([&] { return lower_statements(statements, i + 1, scope); });
  }
  return Flow::Normal;
}

Flow Lowerer::lower_statement(const ast::Stmt& st, Scope& scope) {
  using K = ast::StmtKind;
  if (strict2_) check_openqasm2(st);
  if (st.kind == K::Pragma) return Flow::Normal;
  // Operations take the location of the statement that wrote them; inside a
  // gate or subroutine body, of the call being inlined.
  if (!gate_body_ && def_depth_ == 0) cur_loc_ = loc(st.span);
  bool top = &scope == scope.global() && def_depth_ == 0;
  // The statement without its annotations, where most errors point.
  const Span at = unannotated(st);
  auto require_top = [&](const char* what) {
    if (!top) fail(at, std::string(what) + " must be at the top level of the program");
  };
  switch (st.kind) {
    case K::GateCall: lower_gate_call(static_cast<const ast::GateCall&>(st), at, scope, CallMods{}); break;
    case K::QuantumDecl: {
      const auto& s = static_cast<const ast::QuantumDecl&>(st);
      std::optional<int64_t> size;
      if (s.type.size) size = integer(*s.type.size, scope, "a qubit register size");
      lower_quantum_decl(s.name.name, size, scope, at);
      break;
    }
    case K::OldStyleDecl: {
      const auto& s = static_cast<const ast::OldStyleDecl&>(st);
      std::optional<int64_t> size;
      if (s.size) size = integer(*s.size, scope, "a register size");
      if (s.quantum) {
        lower_quantum_decl(s.name.name, size, scope, at);
      } else {
        int64_t n = size.value_or(1);
        if (n <= 0) fail(s.designator, "register size must be positive, got " + std::to_string(n));
        check_clbits(n, at);
        Symbol sym{Symbol::CReg, loc(at)};
        sym.is_array = size.has_value();
        for (int64_t i = 0; i < n; ++i) sym.indices.push_back(circ_.num_clbits + static_cast<uint32_t>(i));
        const std::string& name = s.name.name;
        declare(scope, name, sym, at);
        circ_.cregs.push_back(Register{name, circ_.num_clbits, static_cast<uint32_t>(n), size.has_value()});
        circ_.num_clbits += static_cast<uint32_t>(n);
      }
      break;
    }
    case K::Measure: lower_measure_arrow(static_cast<const ast::Measure&>(st), at, scope); break;
    case K::Reset:
      for (uint32_t q : resolve_operand(*static_cast<const ast::QuantumOp&>(st).qubits[0], scope)) {
        Operation op;
        op.kind = OpKind::Reset;
        op.qubits = {q};
        emit(std::move(op));
      }
      break;
    case K::Barrier: {
      const auto& s = static_cast<const ast::QuantumOp&>(st);
      Operation op;
      op.kind = OpKind::Barrier;
      if (!s.qubits.empty()) {
        for (const auto& o : s.qubits)
          for (uint32_t q : resolve_operand(*o, scope))
            if (std::find(op.qubits.begin(), op.qubits.end(), q) == op.qubits.end()) op.qubits.push_back(q);
      } else {
        for (uint32_t q = 0; q < circ_.num_qubits; ++q) op.qubits.push_back(q);
      }
      emit(std::move(op));
      break;
    }
    case K::Include:
      require_top("include");
      lower_include(static_cast<const ast::Include&>(st), at);
      break;
    case K::ClassicalDecl: lower_classical_decl(static_cast<const ast::ClassicalDecl&>(st), at, scope); break;
    case K::ConstDecl: lower_const_decl(static_cast<const ast::ClassicalDecl&>(st), at, scope); break;
    case K::IoDecl:
      require_top("input and output declarations");
      lower_io_decl(static_cast<const ast::IoDecl&>(st), at, scope);
      break;
    case K::GateDef:
      require_top("gate definitions");
      lower_gate_def(static_cast<const ast::GateDef&>(st), at, scope);
      break;
    case K::Def:
      require_top("subroutine definitions");
      lower_def(static_cast<const ast::Def&>(st), at, scope);
      break;
    case K::Assignment: lower_assignment(static_cast<const ast::Assignment&>(st), at, scope); break;
    case K::For: return lower_for(static_cast<const ast::For&>(st), at, scope);
    case K::While: return lower_while(static_cast<const ast::While&>(st), at, scope);
    case K::If: return lower_if(static_cast<const ast::If&>(st), scope);
    case K::Switch: return lower_switch(static_cast<const ast::Switch&>(st), scope);
    case K::Break:
    case K::Continue:
    case K::End: return lower_jump(st, at);
    case K::Return: {
      if (def_depth_ == 0) fail(at, "'return' outside a subroutine");
      if (runtime_depth_ > def_entry_depth_) return lower_runtime_return(static_cast<const ast::Jump&>(st), at, scope);
      const ast::Expr* value = static_cast<const ast::Jump&>(st).value.get();
      if (!value) {
        return_value_.reset();
      } else if (value->kind == ast::Expr::Kind::Measure) {
        Value v;
        v.kind = Value::Measured;
        v.qubits = resolve_operand(*value->qubits[0], scope);
        return_value_ = v;
      } else if (value->kind == ast::Expr::Kind::QuantumCall) {
        fail(at, "returning the result of a quantum call is not supported");
      } else {
        return_value_ = eval(*value, scope);
      }
      return Flow::Return;
    }
    case K::ExpressionStmt: {
      Value v = eval(*static_cast<const ast::ExpressionStmt&>(st).expr, scope);
      if (v.kind == Value::Measured) emit_measure(v.qubits, discard_bits(v.qubits.size()), at);
      break;
    }
    case K::Delay: {
      const auto& s = static_cast<const ast::QuantumOp&>(st);
      Value d = eval(*s.duration, scope);
      if (d.kind != Value::Duration || !d.num.is_const())
        fail(s.designator, "delay needs a constant duration such as 100ns, got " + std::string(kind_name(d.kind)));
      if (!opt_.keep_delay_and_box) {
        warn(at, "delay is dropped");
        return Flow::Normal;
      }
      Operation op;
      op.kind = OpKind::Delay;
      op.params = {d.num};
      op.delay_unit = d.unit;
      if (!s.qubits.empty()) {
        for (const auto& o : s.qubits)
          for (uint32_t q : resolve_operand(*o, scope)) op.qubits.push_back(q);
      } else {
        for (uint32_t q = 0; q < circ_.num_qubits; ++q) op.qubits.push_back(q);
      }
      emit(std::move(op));
      break;
    }
    case K::Box: {
      warn(at, "box is lowered to its contents; its timing is not kept");
      Scope inner(&scope);
      return lower_scope_body(static_cast<const ast::Box&>(st).body, inner);
    }
    case K::Nop: break;
    case K::AliasDecl: {
      const auto& s = static_cast<const ast::AliasDecl&>(st);
      using E = ast::Expr::Kind;
      std::vector<const ast::Expr*> parts;
      if (s.value->kind == E::Concat || s.value->kind == E::Set)
        for (const auto& e : s.value->operands) parts.push_back(e.get());
      else
        parts.push_back(s.value.get());
      if (s.value->kind == E::Set) {
        std::string spec;
        for (const ast::Expr* e : parts) spec += (spec.empty() ? "" : " ++ ") + text_of(e->span);
        warn(s.value->span, "'let " + s.name.name + " = {...}' is Qiskit's register concatenation, not OpenQASM 3 "
                            "grammar: read as 'let " + s.name.name + " = " + spec + ";'");
      }
      // An alias of bits when its first part names bits, else of qubits.
      const ast::Expr* base = parts[0];
      while (base->kind == E::Index) base = base->operands[0].get();
      const Symbol* first = base->kind == E::Identifier ? scope.find(base->name.name) : nullptr;
      const bool bits = first && first->kind == Symbol::CReg;
      Symbol sym{bits ? Symbol::CReg : Symbol::Alias, loc(at)};
      for (const ast::Expr* e : parts)
        for (uint32_t i : bits ? bits_from_expression(*e, scope) : qubits_from_expression(*e, scope))
          sym.indices.push_back(i);
      // `let b = c[1];` is one bit (as `c` is when `bit c;`); anything else a register.
      if (bits && parts.size() == 1 && s.value->kind != E::Set) {
        const ast::Expr& e = *parts[0];
        sym.is_array = first->is_array;
        if (e.kind == E::Index) {
          const auto& items = e.indices[0].items;
          sym.is_array = items.size() != 1 || items[0]->kind == E::Range || items[0]->kind == E::Set;
        }
      }
      declare(scope, s.name.name, sym, at);
      break;
    }
    case K::Extern:
      fail(at, "extern functions are not supported ('" + static_cast<const ast::Extern&>(st).name.name + "')");
    case K::Defcal: fail(at, "defcal calibration blocks are not supported");
    case K::Cal: fail(at, "cal calibration blocks are not supported");
    case K::CalibrationGrammar: warn(at, "defcalgrammar is ignored: calibrations are not supported"); break;
    default: break;
  }
  return Flow::Normal;
}

void Lowerer::lower_quantum_decl(const std::string& name, std::optional<int64_t> size, Scope& scope, const Span& at) {
  if (&scope != scope.global() || def_depth_ > 0) fail(at, "qubits must be declared at the top level of the program");
  int64_t n = size.value_or(1);
  if (n <= 0) fail(at, "register size must be positive, got " + std::to_string(n));
  if (static_cast<uint64_t>(n) > kMaxQubits - circ_.num_qubits)
    fail(at, "too many qubits (" + std::to_string(circ_.num_qubits + static_cast<uint64_t>(n)) + "; at most " +
                 std::to_string(kMaxQubits) + ", a fixed limit)");
  if (uses_physical_) fail(at, "cannot declare qubits in a program that uses physical qubits ($n)");
  uses_virtual_ = true;
  Symbol sym{Symbol::QReg, loc(at)};
  sym.is_array = size.has_value();
  for (int64_t i = 0; i < n; ++i) sym.indices.push_back(circ_.num_qubits + static_cast<uint32_t>(i));
  declare(scope, name, sym, at);
  circ_.qregs.push_back(Register{name, circ_.num_qubits, static_cast<uint32_t>(n), size.has_value()});
  circ_.num_qubits += static_cast<uint32_t>(n);
}

void Lowerer::check_clbits(int64_t n, const Span& at) {
  if (static_cast<uint64_t>(n) > kMaxClbits - circ_.num_clbits)
    fail(at, "too many bits (" + std::to_string(circ_.num_clbits + static_cast<uint64_t>(n)) + "; at most " +
                 std::to_string(kMaxClbits) + ", a fixed limit)");
}

void Lowerer::stop(const std::string& msg) {
  report(SemanticError{cur_loc_, msg});
  throw EndProgram{};
}

namespace {

/// The keyword of a scalar type: the first word of its declaration.
const char* type_keyword(ast::Type::Kind k) {
  using T = ast::Type::Kind;
  switch (k) {
    case T::Bit: return "bit";
    case T::Int: return "int";
    case T::Uint: return "uint";
    case T::Float: return "float";
    case T::Angle: return "angle";
    case T::Bool: return "bool";
    case T::Duration: return "duration";
    case T::Stretch: return "stretch";
    case T::Complex: return "complex";
    case T::Qubit: return "qubit";
    case T::Array: return "array";
    case T::ArrayRef: return "array";
    case T::CReg: return "creg";
    case T::QReg: return "qreg";
  }
  return "";
}

}  // namespace

void Lowerer::lower_classical_decl(const ast::ClassicalDecl& s, const Span& at, Scope& scope) {
  using T = ast::Type::Kind;
  const std::string& name = s.name.name;
  if (s.type.kind == T::Bit) {
    // Classical bits are the circuit's clbits.
    std::optional<int64_t> size;
    if (s.type.size) size = integer(*s.type.size, scope, "a bit register size");
    int64_t n = size.value_or(1);
    if (n <= 0) fail(s.type.span, "register size must be positive, got " + std::to_string(n));
    check_clbits(n, s.type.span);
    // The value first: a subroutine it calls may declare bits of its own.
    Value v;
    if (s.init) v = eval_declaration(*s.init, scope);
    check_clbits(n, s.type.span);
    Symbol sym{Symbol::CReg, loc(at)};
    sym.is_array = size.has_value();
    for (int64_t i = 0; i < n; ++i) sym.indices.push_back(circ_.num_clbits + static_cast<uint32_t>(i));
    std::vector<uint32_t> bits = sym.indices;
    declare(scope, name, sym, at);
    if (&scope == scope.global() && def_depth_ == 0)
      circ_.cregs.push_back(Register{name, circ_.num_clbits, static_cast<uint32_t>(n), size.has_value()});
    else
      circ_.cregs.push_back(Register{name + "_" + std::to_string(circ_.num_clbits), circ_.num_clbits,
                                     static_cast<uint32_t>(n), size.has_value()});
    circ_.num_clbits += static_cast<uint32_t>(n);
    if (s.init) {
      if (v.kind == Value::Measured) {
        if (v.qubits.size() != bits.size())
          fail(s.init->span, "cannot assign the measurement of " + std::to_string(v.qubits.size()) + " qubits to '" +
                                 name + "' of " + std::to_string(bits.size()) + " bits");
        emit_measure(v.qubits, bits, s.init->span);
      } else if (!(v.kind == Value::Num && v.num.is_const() && v.num.value() == 0) || under_runtime()) {
        // Bits start at 0; any other initial value is assigned.
        const ClassicalType t{CType::Bit, static_cast<uint32_t>(n)};
        emit_assign(ClassicalData::kNoVar, bits, assignable(v, t, "bit register '" + name + "'", s.init->span));
      }
    }
    return;
  }
  if (s.type.kind == T::Stretch && !s.init) {
    // Qiskit's exporter writes stretches for delays the scheduler sizes:
    // without a timing model each is zero (a delay of it does nothing).
    warn(at, "stretch '" + name + "' is resolved to zero: qforge keeps no timing model");
    Symbol sym{Symbol::Const, loc(at)};
    sym.type = "stretch";
    sym.value = Value::number(Expr(0.0));
    sym.value.kind = Value::Duration;
    sym.value.unit = "dt";
    declare(scope, name, sym, at);
    return;
  }
  if (s.type.kind == T::Duration && s.init) {
    Value v = eval(*s.init, scope);
    if (v.kind == Value::Duration && v.num.is_const()) {
      Symbol sym{Symbol::Var, loc(at)};
      sym.type = "duration";
      sym.value = v;
      declare(scope, name, sym, at);
      return;
    }
  }
  if (s.type.kind == T::Duration || s.type.kind == T::Stretch)
    fail(at, std::string(s.type.kind == T::Stretch ? "stretch" : "duration") + " variables are not supported");
  Symbol sym{Symbol::Var, loc(at)};
  sym.type = type_keyword(s.type.kind);
  if (s.type.kind != T::Array && s.type.kind != T::Complex) {
    try {
      sym.ctype = classical_type(s.type, scope);
      sym.has_ctype = true;
    } catch (const SemanticError&) {
      // A width run-time values do not take (int[128]): compile-time only.
    }
  }
  sym.level = out_.size() - 1;
  if (s.type.kind == T::Array) {
    sym.value.kind = Value::Array;
    if (s.init) sym.value = eval_declaration(*s.init, scope);
  } else if (s.init) {
    Value v = eval_declaration(*s.init, scope);
    if (v.kind == Value::Measured)
      fail(s.init->span, "a measurement can only be stored in bits, not in '" + sym.type + "' variable '" + name + "'");
    if (v.is_runtime() || (v.kind == Value::Unknown && v.var_sym)) {
      // A value known only at run time: a run-time variable from here on.
      CExpr x = assignable(v, sym.ctype, "'" + name + "'", s.init->span);
      declare(scope, name, sym, at);
      Symbol& declared = *scope.find_local(name);
      emit_assign(make_runtime(declared, name, false, at), {}, x);
      return;
    }
    sym.value = typed(v, sym.type);
  }
  declare(scope, name, sym, at);
}

void Lowerer::lower_const_decl(const ast::ClassicalDecl& s, const Span& at, Scope& scope) {
  const std::string& name = s.name.name;
  Value v = eval_declaration(*s.init, scope);
  bool ok = (v.kind == Value::Num && v.num.is_const()) || v.kind == Value::Bool ||
            v.kind == Value::Duration || v.kind == Value::Array;
  if (!ok)
    fail(s.init->span, "const '" + name + "' needs a compile-time constant value, got " +
                           std::string(v.kind == Value::Num ? "an expression of inputs" : kind_name(v.kind)));
  Symbol sym{Symbol::Const, loc(at)};
  sym.type = text_of(s.type.span);
  sym.value = typed(v, sym.type);
  declare(scope, name, sym, at);
}

void Lowerer::lower_io_decl(const ast::IoDecl& s, const Span& at, Scope& scope) {
  using T = ast::Type::Kind;
  const std::string& name = s.name.name;
  if (s.output) {
    // Outputs are reported with the results: bits as an output register,
    // other types as an output run-time variable (starting at zero).
    if (s.type.kind == T::Bit) {
      std::optional<int64_t> size;
      if (s.type.size) size = integer(*s.type.size, scope, "a bit register size");
      const int64_t n = size.value_or(1);
      if (n <= 0) fail(s.type.span, "register size must be positive, got " + std::to_string(n));
      check_clbits(n, s.type.span);
      Symbol sym{Symbol::CReg, loc(at)};
      sym.is_array = size.has_value();
      for (int64_t i = 0; i < n; ++i) sym.indices.push_back(circ_.num_clbits + static_cast<uint32_t>(i));
      declare(scope, name, sym, at);
      Register r{name, circ_.num_clbits, static_cast<uint32_t>(n), size.has_value()};
      r.output = true;
      circ_.cregs.push_back(r);
      circ_.num_clbits += static_cast<uint32_t>(n);
      return;
    }
    Symbol sym{Symbol::Var, loc(at)};
    sym.type = type_keyword(s.type.kind);
    sym.ctype = classical_type(s.type, scope);
    sym.has_ctype = true;
    sym.output = true;
    declare(scope, name, sym, at);
    outputs_.emplace_back(scope.find_local(name), name);
    return;
  }
  InputDecl in;
  in.name = name;
  in.first_symbol = circ_.num_symbols();
  const ast::Type* st = &s.type;
  if (s.type.kind == T::Array) {
    st = s.type.element.get();
    for (const auto& e : s.type.dims) {
      int64_t d = integer(*e, scope, "an array dimension");
      if (d <= 0) fail(e->span, "array dimensions must be positive, got " + std::to_string(d));
      in.shape.push_back(static_cast<uint32_t>(d));
    }
  }
  const std::string type_text = text_of(st->span);
  if (!(st->kind == T::Float || st->kind == T::Angle || st->kind == T::Int || st->kind == T::Uint))
    fail(st->span, "input '" + name + "' must be float, angle or int (got " + type_text + ")");
  in.type = type_text;  // the element type; `shape` holds an array's dimensions
  Symbol sym{Symbol::Input, loc(at)};
  sym.type = in.type;
  if (in.shape.empty()) {
    sym.value = Value::number(Expr::symbol(in.first_symbol), st->kind == T::Int || st->kind == T::Uint);
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
  declare(scope, name, sym, at);
  circ_.inputs.push_back(in);
}

void Lowerer::lower_gate_def(const ast::GateDef& s, const Span& at, Scope& scope) {
  (void)scope;
  auto def = std::make_shared<GateDef>();
  def->name = s.name.name;
  def->loc = loc(at);
  def->body = &s.body;
  std::unordered_set<std::string> seen;
  auto add = [&](const ast::Identifier& id, std::vector<std::string>& into) {
    if (!seen.insert(id.name).second)
      fail(id.span, "'" + id.name + "' appears twice in the definition of gate '" + def->name + "'");
    into.push_back(id.name);
  };
  for (const auto& id : s.params) add(id, def->params);
  for (const auto& id : s.qubits) add(id, def->qubits);
  // Library gates may be redefined by OpenQASM 2 files (their own copy of
  // qelib1.inc); the program's definition then wins.
  Symbol sym{Symbol::Gate, loc(at)};
  sym.gate = def;
  declare_callable(def->name, sym, at);
  // The body is checked here, called or not; a body with errors makes the
  // gate's calls emit nothing (its errors are reported once, here).
  def->invalid = !check_gate_body(*def);
  if (def->invalid) return;
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
      apply_named(def.name, def.body->span, params, targets, {}, 1.0);
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

void Lowerer::lower_def(const ast::Def& s, const Span& at, Scope& scope) {
  using T = ast::Type::Kind;
  auto def = std::make_shared<SubDef>();
  def->name = s.name.name;
  def->loc = loc(at);
  def->body = &s.body;
  for (const auto& a : s.args) {
    DefArg arg;
    arg.name = a.name.name;
    if (a.type.kind == T::Qubit || a.type.kind == T::QReg) {
      arg.kind = DefArg::Qubits;
      if (a.type.size) arg.size = integer(*a.type.size, scope, "a qubit argument size");
    } else if (a.type.kind == T::ArrayRef || a.type.kind == T::CReg) {
      fail(a.span, "array and creg arguments of subroutines are not supported ('" + arg.name + "')");
    } else {
      arg.kind = DefArg::Classical;
      arg.type = text_of(a.type.span);
      if (a.type.kind != T::Array && a.type.kind != T::Complex && a.type.kind != T::Duration &&
          a.type.kind != T::Stretch && a.type.kind != T::Bit) {
        arg.ctype = classical_type(a.type, scope);
        arg.has_ctype = true;
      }
    }
    def->args.push_back(arg);
  }
  if (s.returns && s.returns->kind != T::Array && s.returns->kind != T::Complex && s.returns->kind != T::Duration &&
      s.returns->kind != T::Stretch) {
    def->result = classical_type(*s.returns, scope);
    def->has_result = true;
  }
  Symbol sym{Symbol::Def, loc(at)};
  sym.def = def;
  declare_callable(def->name, sym, at);
  try {
    check_def_body(*def);
  } catch (const SemanticError&) {
    def->invalid = true;
    throw;
  }
}

// ---------------------------------------------------------------- gates

namespace {

/// True when the last index of a gate operand selects several qubits (a
/// range or a set).
bool selects_several(const ast::Expr& operand) {
  if (operand.indices.empty()) return false;
  for (const auto& item : operand.indices.back().items)
    if (item->kind == ast::Expr::Kind::Range || item->kind == ast::Expr::Kind::Set) return true;
  return false;
}

}  // namespace

void Lowerer::lower_gate_call(const ast::GateCall& s, const Span& at, Scope& scope, const CallMods& outer) {
  const std::string& name = s.name.name;
  if (Symbol* c = find_callable(name); c && c->kind == Symbol::Def) {
    // A subroutine called like a gate: `name(classical args) qubits...;`.
    if (!s.modifiers.empty()) fail(at, "modifiers on subroutine calls are not supported");
    std::vector<Value> classical;
    std::vector<std::vector<uint32_t>> qubits;
    for (const auto& e : s.params) classical.push_back(eval(*e, scope));
    for (const auto& o : s.qubits) qubits.push_back(resolve_operand(*o, scope));
    Value r = call_def_bound(*c->def, std::move(classical), std::move(qubits), {}, at);
    if (r.kind == Value::Measured) emit_measure(r.qubits, discard_bits(r.qubits.size()), at);
    return;
  }
  if (s.duration) fail(s.designator, "gate durations (name[duration]) are not supported");
  if (try_direct_call(s, name, scope, outer)) return;

  // Modifiers, outermost first: controls consume the leading operands.
  std::size_t num_ctrl = 0;
  std::vector<bool> ctrl_pos;
  double power = 1;
  for (const auto& m : s.modifiers) {
    using M = ast::GateModifier::Kind;
    if (m.kind == M::Inv) {
      power = -power;
    } else if (m.kind == M::Pow) {
      double k = constant(*m.arg, scope, "a pow() exponent");
      power *= k;
    } else {
      int64_t n = 1;
      if (m.arg) n = integer(*m.arg, scope, "a ctrl() count");
      if (n < 1) fail(m.arg->span, "ctrl() needs a positive count, got " + std::to_string(n));
      if (static_cast<uint64_t>(n) > kMaxQubits)
        fail(m.arg->span, "ctrl(" + std::to_string(n) + ") has more controls than a program can have qubits (" +
                              std::to_string(kMaxQubits) + ")");
      num_ctrl += static_cast<std::size_t>(n);
      for (int64_t i = 0; i < n; ++i) ctrl_pos.push_back(m.kind == M::Ctrl);
    }
  }
  std::vector<Expr> params;
  for (const auto& e : s.params) params.push_back(gate_param(*e, scope));

  // Operands, broadcast over registers: a whole register or a slice of one
  // is a register operand; `q[1]`, `$3`, a gate argument or `qubit q` is one qubit.
  std::vector<std::vector<uint32_t>> operands;
  std::size_t width = 1;
  bool broadcast = false;
  for (const auto& o : s.qubits) {
    operands.push_back(resolve_operand(*o, scope));
    bool is_register = false;
    if (o->kind == ast::Expr::Kind::Identifier) {
      Symbol* sym = scope.find(o->name.name);
      if (o->indices.empty())
        is_register = sym && sym->kind != Symbol::GateQubit && (sym->is_array || sym->kind == Symbol::Alias) &&
                      !(sym->kind == Symbol::Alias && sym->indices.size() == 1);
      else
        is_register = selects_several(*o);
    }
    if (!is_register) continue;
    if (broadcast && operands.back().size() != width)
      fail(o->span, "registers in one gate call must have the same size (" + std::to_string(width) + " and " +
                        std::to_string(operands.back().size()) + ")");
    broadcast = true;
    width = operands.back().size();
    if (width == 0) return;
  }
  for (std::size_t i = 0; i < width; ++i) {
    std::vector<uint32_t> qubits;
    for (std::size_t k = 0; k < operands.size(); ++k)
      qubits.push_back(operands[k].size() == 1 ? operands[k][0] : operands[k][i]);
    apply_gate(name, at, params, qubits, num_ctrl, ctrl_pos, power, outer);
  }
}

// The common case, on the hot path of large files: a library gate that is
// exactly one table gate (h, cx, rz, ...), without modifiers, on single
// qubits. Emitted directly; anything else takes the general path.
bool Lowerer::try_direct_call(const ast::GateCall& s, const std::string& name, Scope& scope, const CallMods& outer) {
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
  if (!gate || !s.modifiers.empty()) return false;
  if (s.qubits.empty()) return false;
  const GateInfo& info = gate_info(*gate);
  // Only single-qubit operands (q[i], $n, gate arguments, `qubit q`).
  std::vector<uint32_t> qubits;
  qubits.reserve(s.qubits.size());
  for (const auto& o : s.qubits) {
    if (o->kind == ast::Expr::Kind::Identifier && (o->indices.size() != 1 || selects_several(*o))) return false;
    std::vector<uint32_t> q = resolve_operand(*o, scope);
    if (q.size() != 1) return false;
    qubits.push_back(q[0]);
  }
  std::vector<Expr> params;
  for (const auto& e : s.params) params.push_back(gate_param(*e, scope));
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

void Lowerer::apply_gate(const std::string& name, const Span& at, std::vector<Expr> params,
                         std::vector<uint32_t> qubits, std::size_t num_ctrl, const std::vector<bool>& ctrl_pos,
                         double power, const CallMods& outer) {
  std::size_t want_q = 0, want_p = 0;
  gate_arity(name, at, want_p, want_q);
  if (params.size() != want_p) fail(at, parameter_count_message(name, want_p, params.size()));
  if (qubits.size() != want_q + num_ctrl) fail(at, qubit_count_message(name, num_ctrl, want_q, qubits.size()));
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

std::string Lowerer::parameter_count_message(const std::string& name, std::size_t want_p, std::size_t got) {
  return "gate '" + name + "' expects " + std::to_string(want_p) + " parameter" + (want_p == 1 ? "" : "s") + ", got " +
         std::to_string(got);
}

std::string Lowerer::outside_gate_message(const std::string& gate, const std::string& name) {
  return "the body of gate '" + gate + "' can only use its own qubit arguments; '" + name + "' is declared outside it";
}

std::string Lowerer::qubit_count_message(const std::string& name, std::size_t num_ctrl, std::size_t want_q,
                                         std::size_t got) {
  std::string what = num_ctrl ? "'" + name + "' with " + std::to_string(num_ctrl) + " control" + (num_ctrl == 1 ? "" : "s")
                              : "gate '" + name + "'";
  return what + " expects " + std::to_string(want_q + num_ctrl) + " qubit argument" +
         (want_q + num_ctrl == 1 ? "" : "s") + ", got " + std::to_string(got);
}

bool Lowerer::gate_arity(const std::string& name, const Span& at, std::size_t& want_p,
                         std::size_t& want_q) {
  Symbol* sym = find_callable(name);
  if (name == "gphase") {
    want_q = 0;
    want_p = 1;
  } else if (name == "opaque" && version_ == 2) {
    fail(at, "opaque gate declarations are not supported");
  } else if (sym && sym->kind == Symbol::Def) {
    return false;
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
  return true;
}

void Lowerer::apply_named(const std::string& name, const Span& at, const std::vector<Expr>& params,
                          const std::vector<uint32_t>& targets, const std::vector<uint32_t>& controls, double power) {
  if (power == 0) return;
  const bool integral = std::trunc(power) == power;
  if (integral && std::fabs(power) > double(kMaxPowRepetitions))
    fail(at, "pow(" + format_number(power) + ") repeats gate '" + name + "' " + format_number(std::fabs(power)) +
                 " times; at most " + std::to_string(kMaxPowRepetitions) + " repetitions are allowed (a fixed limit)");
  Symbol* sym = find_callable(name);
  if (sym && sym->kind == Symbol::Gate && sym->gate->invalid) return;  // reported where it is defined
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
    if (gate_depth_ >= kMaxGateDepth)
      fail(at, "gate definitions are inlined more than " + std::to_string(kMaxGateDepth) +
                   " deep inside each other (a fixed limit)");
    struct DepthGuard {
      int& d;
      explicit DepthGuard(int& depth) : d(depth) { ++d; }
      ~DepthGuard() { --d; }
    } guard(gate_depth_);
    const std::vector<ast::StmtPtr>& body = def.body->statements;
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
    auto walk = [&](const ast::StmtPtr& s, double p) {
      using K = ast::StmtKind;
      if (s->kind == K::Block) fail(s->span, "nested scopes are not allowed in a gate body");
      if (s->kind == K::GateCall) {
        CallMods mods{controls, p};
        const std::string* saved = gate_body_;
        gate_body_ = &def.name;
        try {
          lower_gate_call(static_cast<const ast::GateCall&>(*s), unannotated(*s), local, mods);
        } catch (...) {
          gate_body_ = saved;
          throw;
        }
        gate_body_ = saved;
      } else if (s->kind == K::Barrier || s->kind == K::Pragma || s->kind == K::Nop) {
        // Barriers inside definitions carry no meaning once inlined.
      } else {
        fail(s->span, "only gate calls are allowed in the body of gate '" + def.name + "'");
      }
    };
    if (integral) {
      double sign = power < 0 ? -1 : 1;
      for (double rep = 0; rep < std::fabs(power); ++rep) {
        if (++gate_expansions_ > kMaxGateExpansions)
          stop("more than " + std::to_string(kMaxGateExpansions) + " calls of defined gates are inlined (a fixed limit)");
        if (sign > 0)
          for (const auto& s : body) walk(s, 1);
        else
          for (auto it = body.rbegin(); it != body.rend(); ++it) walk(*it, -1);
      }
      return;
    }
    std::size_t calls = 0;
    for (const auto& s : body)
      if (s->kind == ast::StmtKind::GateCall) ++calls;
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
    const std::optional<GateId> up = gate_with_control(g, params);
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
    // A phase inside a run-time branch is a global phase of that branch only,
    // and one computed at run time a global phase of the shot: unobservable,
    // so neither is recorded.
    if (conditions_.empty() && !under_runtime() && !has_placeholder(phase))
      circ_.global_phase = circ_.global_phase + phase;
    return;
  }
  uint32_t last = controls.back();
  controls.pop_back();
  emit_gate(GateId::P, {phase}, {last}, std::move(controls));
}

void Lowerer::emit(Operation op) {
  if (circ_.ops.size() >= kMaxOperations)
    stop("the circuit has more than " + std::to_string(kMaxOperations) + " operations (a fixed limit)");
  op.conditions.insert(op.conditions.end(), conditions_.begin(), conditions_.end());
  if (op.loc.line == 0) op.loc = cur_loc_;
  if (op.is_gate() && std::any_of(op.params.begin(), op.params.end(), [&](const Expr& e) { return has_placeholder(e); })) {
    // Parameters computed at run time: a RuntimeGate.
    ClassicalData d;
    for (const Expr& e : op.params) d.cparams.push_back(expr_to_cexpr(e));
    op.kind = OpKind::RuntimeGate;
    op.params.clear();
    op.classical = std::make_shared<const ClassicalData>(std::move(d));
  }
  out_.back()->push_back(std::move(op));
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
                           const Span& at) {
  if (qubits.size() != clbits.size())
    fail(at, "measure needs as many bits as qubits (" + std::to_string(qubits.size()) + " qubits, " +
                 std::to_string(clbits.size()) + " bits)");
  for (std::size_t i = 0; i < qubits.size(); ++i) {
    Operation op;
    op.kind = OpKind::Measure;
    op.qubits = {qubits[i]};
    op.clbits = {clbits[i]};
    emit(std::move(op));
  }
}

void Lowerer::lower_measure_arrow(const ast::Measure& s, const Span& at, Scope& scope) {
  if (s.source->kind == ast::Expr::Kind::QuantumCall)
    fail(at, "'" + s.source->name.name + "' is not a measurement; a gate call takes no '->'");
  std::vector<uint32_t> qubits = resolve_operand(*s.source->qubits[0], scope);
  std::vector<uint32_t> bits;
  if (s.target && s.target->kind == ast::Expr::Kind::Identifier) {
    Symbol* sym = scope.find(s.target->name.name);
    if (sym && sym->kind == Symbol::Var) {
      store_measured_bit(*sym, s.target->name.name, *s.target, qubits, scope, at);
      return;
    }
  }
  if (s.target) {
    std::vector<const ast::IndexOp*> index;
    for (const auto& i : s.target->indices) index.push_back(&i);
    bits = resolve_indexed(s.target->name.name, index, scope, s.target->span, false);
  } else {
    bits = discard_bits(qubits.size());
  }
  emit_measure(qubits, bits, at);
}

void Lowerer::lower_assignment(const ast::Assignment& s, const Span& at, Scope& scope) {
  const ast::Expr& target = *s.target;
  const std::string& name = target.name.name;
  Symbol* sym = scope.find(name);
  if (!sym) fail(target.span, "undefined name '" + name + "'");
  Value v;
  if (s.value->kind == ast::Expr::Kind::Measure) {
    v.kind = Value::Measured;
    v.qubits = resolve_operand(*s.value->qubits[0], scope);
  } else if (s.value->kind == ast::Expr::Kind::QuantumCall) {
    fail(at, "assigning the result of a gate call is not supported");
  } else {
    v = eval(*s.value, scope);
  }
  const bool compound = s.op != "=";
  if (sym->kind == Symbol::CReg) {
    std::vector<const ast::IndexOp*> index;
    for (const auto& i : target.indices) index.push_back(&i);
    std::vector<uint32_t> bits = resolve_indexed(name, index, scope, target.span, false);
    if (v.kind == Value::Measured) {
      if (compound) fail(at, "compound assignment of a measurement is not supported");
      emit_measure(v.qubits, bits, at);
      return;
    }
    if (compound) {
      Value cur;
      cur.kind = Value::Bits;
      cur.bits = bits;
      v = eval_binary(s.op.substr(0, s.op.size() - 1), cur, v, at);
    }
    const ClassicalType t{CType::Bit, static_cast<uint32_t>(bits.size())};
    emit_assign(ClassicalData::kNoVar, bits, assignable(v, t, "bit register '" + name + "'", s.value->span));
    return;
  }
  if (sym->kind == Symbol::Const || sym->kind == Symbol::Input)
    fail(target.span, "cannot assign to " + std::string(sym->kind == Symbol::Const ? "const" : "input") + " '" + name + "'");
  if (sym->kind != Symbol::Var) fail(target.span, "cannot assign to '" + name + "'");
  if (v.kind == Value::Measured) {
    if (!target.indices.empty()) return store_measured_bit(*sym, name, target, v.qubits, scope, at);
    fail(at, "a measurement can only be stored in bits, not in '" + sym->type + "' variable '" + name + "'");
  }
  if (sym->var != ClassicalData::kNoVar || sym->output || under_runtime() || v.is_runtime() ||
      (v.kind == Value::Unknown && v.var_sym)) {
    // A run-time variable from here on: the assignment is an operation.
    if (!target.indices.empty() && sym->value.kind == Value::Array)
      fail(target.span, "arrays of run-time values are not supported: element '" + text_of(target.span) +
                            "' of array '" + name + "' would hold a value computed at run time");
    if (!target.indices.empty()) fail(target.span, "assigning to part of a run-time variable is not supported");
    const uint32_t var = make_runtime(*sym, name, false, target.span);
    if (compound) v = eval_binary(s.op.substr(0, s.op.size() - 1), Value::runtime(CExpr::var(var, sym->ctype)), v, at);
    emit_assign(var, {}, assignable(v, sym->ctype, "'" + name + "'", s.value->span));
    return;
  }
  if (!target.indices.empty()) {
    if (sym->value.kind != Value::Array) fail(target.span, "'" + name + "' is not an array");
    Value* slot = &sym->value;
    for (const auto& idx : target.indices) {
      bool slice = false;
      for (const auto& e : idx.items) {
        if (e->kind == ast::Expr::Kind::Range || e->kind == ast::Expr::Kind::Set) {
          slice = true;
          continue;
        }
        if (!calls_something(*e) && eval(*e, scope).is_runtime())
          fail(e->span, "arrays indexed by a value computed at run time are not supported ('" + text_of(target.span) +
                            "'): array elements are compile-time values");
        int64_t i = integer(*e, scope, "an array index");
        if (slot->kind != Value::Array || i < 0 || i >= static_cast<int64_t>(slot->elems.size()))
          fail(e->span, "index " + std::to_string(i) + " out of range for '" + name + "'" +
                            (slot->kind == Value::Array ? " of size " + std::to_string(slot->elems.size()) : ""));
        slot = &slot->elems[static_cast<std::size_t>(i)];
      }
      if (slice) fail(idx.span, "assigning to array slices is not supported");
    }
    *slot = v;
    return;
  }
  if (compound) {
    std::string o = s.op;
    o.pop_back();
    if (sym->value.kind == Value::Unknown) fail(target.span, "'" + name + "' has no compile-time value");
    v = eval_binary(o, sym->value, v, at);
  }
  sym->value = typed(v, sym->type);
}

Flow Lowerer::lower_for(const ast::For& s, const Span& at, Scope& scope) {
  using K = ast::Expr::Kind;
  std::vector<Value> items;
  const ast::Expr& it = *s.iterable;
  if (it.kind == K::Set) {
    bool runtime = false;
    for (const auto& e : it.operands) {
      items.push_back(eval(*e, scope));
      runtime = runtime || items.back().is_runtime();
    }
    if (runtime || (!items.empty() && breaks_at_run_time(*s.body, scope, &s.variable.name, &items[0])))
      return lower_runtime_for(s, at, scope);
  } else if (it.kind == K::Range) {
    // [start : end] or [start : step : end], end inclusive.
    if (!it.start || !it.stop || (it.two_colons && !it.step))
      fail(it.span, "a loop range needs a start and an end, as in [0:3] or [0:2:8]");
    // Bounds known only at run time, or a break or continue under a run-time
    // condition: a For operation.
    for (const ast::Expr* b : {it.start.get(), it.step.get(), it.stop.get()}) {
      if (!b || calls_something(*b)) continue;
      if (eval(*b, scope).is_runtime()) return lower_runtime_for(s, at, scope);
    }
    {
      const Value first = Value::integer(integer(*it.start, scope, "a loop bound"));
      if (breaks_at_run_time(*s.body, scope, &s.variable.name, &first)) return lower_runtime_for(s, at, scope);
    }
    int64_t start = integer(*it.start, scope, "a loop bound");
    int64_t step = it.two_colons ? integer(*it.step, scope, "a loop step") : 1;
    int64_t stop = integer(*it.stop, scope, "a loop bound");
    if (step == 0) fail(it.step->span, "a loop step must not be zero");
    // Counted first, and walked without building the list of values.
    __int128 span = step > 0 ? __int128(stop) - start : __int128(start) - stop;
    __int128 count = span < 0 ? 0 : span / (step > 0 ? __int128(step) : -__int128(step)) + 1;
    if (count > __int128(kMaxLoopIterations)) fail(it.span, "loop has more than 10000000 iterations");
    const std::size_t returns = runtime_returns();
    for (int64_t k = 0; k < int64_t(count); ++k) {
      Flow f = iteration(returns, [&] { return lower_loop_body(s, at, scope, Value::integer(start + k * step)); });
      if (f == Flow::Break) break;
      if (f == Flow::Return) return f;
    }
    return Flow::Normal;
  } else {
    Value v = eval(it, scope);
    if (v.kind == Value::Array) items = v.elems;
    else if (v.kind == Value::Bits) {
      fail(it.span, "looping over run-time bits is not supported");
    } else {
      fail(it.span, "cannot loop over " + std::string(kind_name(v.kind)));
    }
  }
  const std::size_t returns = runtime_returns();
  for (const Value& item : items) {
    Flow f = iteration(returns, [&] { return lower_loop_body(s, at, scope, item); });
    if (f == Flow::Break) break;
    if (f == Flow::Return) return f;
  }
  return Flow::Normal;
}

Flow Lowerer::lower_loop_body(const ast::For& s, const Span& at, Scope& scope, const Value& item) {
  count_loop_iteration();
  Scope inner(&scope);
  Symbol sym{Symbol::Var, loc(at)};
  sym.type = text_of(s.type.span);
  sym.value = typed(item, sym.type);
  inner.insert(s.variable.name, sym);
  LoopGuard loop(loops_, {false, runtime_depth_});
  return lower_block(*s.body, inner);
}

Flow Lowerer::iteration(std::size_t returns, const std::function<Flow()>& lower) {
  if (runtime_returns() == returns) return lower();
  return unless_returned(lower);
}

void Lowerer::count_loop_iteration() {
  if (++loop_iterations_ > kMaxLoopIterations)
    stop("loops run more than " + std::to_string(kMaxLoopIterations) + " iterations in all (a fixed limit)");
}

Flow Lowerer::lower_while(const ast::While& s, const Span& at, Scope& scope) {
  if (breaks_at_run_time(*s.body, scope, nullptr, nullptr)) return lower_runtime_while(s, at, scope);
  const std::size_t returns = runtime_returns();
  for (uint64_t n = 0;; ++n) {
    if (n >= kMaxLoopIterations) fail(at, "while loop did not finish after 10000000 iterations");
    Value v = eval(*s.condition, scope);
    // A condition known only at run time (also after iterations lowered
    // at compile time made it so): the rest is a While operation.
    if (v.is_runtime() || (v.kind == Value::Unknown && v.var_sym)) return lower_runtime_while(s, at, scope);
    if (v.kind == Value::Unknown) fail(at, "while loops on run-time values are not supported");
    bool known = false;
    std::vector<Condition> conds;
    bool t = truth(v, s.condition->span, known, conds);
    if (!t) return Flow::Normal;
    count_loop_iteration();
    Flow f = iteration(returns, [&] {
      LoopGuard loop(loops_, {false, runtime_depth_});
      return lower_block(*s.body, scope);
    });
    if (f == Flow::Break) return Flow::Normal;
    if (f == Flow::Return) return f;
  }
}

Flow Lowerer::lower_if(const ast::If& s, Scope& scope) {
  Value v = eval(*s.condition, scope);
  if (v.is_runtime() || (v.kind == Value::Unknown && v.var_sym)) return lower_runtime_if(s, v, scope);
  bool known = false;
  std::vector<Condition> conds;
  bool t = truth(v, s.condition->span, known, conds);
  if (known) {
    if (t) return lower_block(*s.then_body, scope);
    if (s.else_body) return lower_block(*s.else_body, scope);
    return Flow::Normal;
  }
  auto run = [&](const ast::Stmt& body, const std::vector<Condition>& cs) {
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
  run(*s.then_body, conds);
  if (s.else_body) {
    if (conds.size() != 1) fail(s.else_keyword, "'else' after a condition on several comparisons is not supported");
    Condition neg = conds[0];
    neg.equal = !neg.equal;
    run(*s.else_body, {neg});
  }
  return Flow::Normal;
}

Flow Lowerer::lower_switch(const ast::Switch& s, Scope& scope) {
  Value v = eval(*s.subject, scope);
  if (v.is_runtime() || (v.kind == Value::Unknown && v.var_sym)) return lower_runtime_switch(s, v, scope);
  if (v.kind != Value::Num || !v.num.is_const()) fail(s.subject->span, "switch on a run-time value is not supported");
  for (const auto& item : s.cases) {
    bool match = item.is_default;
    if (!match)
      for (const auto& e : item.values)
        if (constant(*e, scope, "a case label") == v.num.value()) match = true;
    if (match) {
      Scope inner(&scope);
      return lower_scope_body(item.body, inner);
    }
  }
  return Flow::Normal;
}

// ---------------------------------------------------------------- operands

uint32_t Lowerer::physical_qubit(const ast::Expr& literal) {
  if (uses_virtual_) fail(literal.span, "cannot use physical qubits ($n) in a program that declares qubits");
  uses_physical_ = true;
  std::string t = literal.text.substr(1);
  unsigned long n = std::stoul(t);
  if (n >= kMaxQubits) fail(literal.span, "physical qubit $" + t + " is out of range");
  circ_.num_qubits = std::max<uint32_t>(circ_.num_qubits, static_cast<uint32_t>(n) + 1);
  return static_cast<uint32_t>(n);
}

std::vector<uint32_t> Lowerer::resolve_operand(const ast::Expr& operand, Scope& scope) {
  // An Identifier with its indices, or a physical qubit.
  if (operand.kind != ast::Expr::Kind::Identifier) return {physical_qubit(operand)};
  std::vector<const ast::IndexOp*> index;
  index.reserve(operand.indices.size());
  for (const auto& i : operand.indices) index.push_back(&i);
  return resolve_indexed(operand.name.name, index, scope, operand.span, true);
}

std::vector<int64_t> Lowerer::index_list(const ast::IndexOp& idx, int64_t size, Scope& scope,
                                         const std::string& what_text, const std::string* register_name) {
  using K = ast::Expr::Kind;
  // Built only when a message needs it.
  auto what = [&]() -> std::string { return register_name ? "register '" + *register_name + "'" : what_text; };

  std::vector<int64_t> out;
  auto check = [&](int64_t i, const Span& at) {
    int64_t j = i < 0 ? i + size : i;  // negative indices count from the end
    if (j < 0 || j >= size)
      fail(at, "index " + std::to_string(i) + " out of range for " + what() + " of size " + std::to_string(size));
    return j;
  };
  // `[set]` or `[entry, ...]`, each entry an expression or a range.
  const ast::Expr* single = nullptr;
  const ast::Expr* range = nullptr;
  std::size_t entries = 0;
  for (const auto& item : idx.items) {
    if (item->kind == K::Set) {
      for (const auto& e : item->operands) out.push_back(check(integer(*e, scope, "an index"), e->span));
      return out;
    }
    if (item->kind == K::Range) range = item.get();
    else single = item.get();
    ++entries;
  }
  if (entries != 1) fail(idx.span, "multi-dimensional indexing of " + what() + " is not supported");
  if (single) {
    out.push_back(check(integer(*single, scope, "an index"), single->span));
    return out;
  }
  const ast::Expr& r = *range;
  // Ranges: [a:b], [a:s:b], [:b], [a:], [:] -- the end is inclusive.
  std::optional<int64_t> start_given, stop_given;
  int64_t step = 1;
  if (r.start) start_given = integer(*r.start, scope, "a range bound");
  if (r.step) step = integer(*r.step, scope, "a range bound");
  if (r.stop) stop_given = integer(*r.stop, scope, "a range bound");
  if (step == 0) fail(r.span, "a range step must not be zero");
  // Omitted bounds run over the whole register in the step's direction.
  int64_t start = start_given.value_or(step > 0 ? 0 : size - 1);
  int64_t stop = stop_given.value_or(step > 0 ? size - 1 : 0);
  if (start < 0) start += size;
  if (stop < 0) stop += size;
  for (int64_t i = start; step > 0 ? i <= stop : i >= stop; i += step) {
    if (i < 0 || i >= size)
      fail(r.span, "range " + text_of(r.span) + " is out of range for " + what() + " of size " + std::to_string(size));
    out.push_back(i);
  }
  return out;
}

std::vector<uint32_t> Lowerer::resolve_indexed(const std::string& name, const std::vector<const ast::IndexOp*>& index,
                                               Scope& scope, const Span& at, bool want_qubits) {
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
    fail(at, outside_gate_message(*gate_body_, name));
  if (!index.empty() && sym->kind == Symbol::GateQubit) fail(at, "gate argument '" + name + "' is a single qubit and cannot be indexed");
  if (!index.empty() && !sym->is_array && sym->kind != Symbol::Alias)
    fail(at, "'" + name + "' is a single " + std::string(is_q ? "qubit" : "bit") + " and cannot be indexed");
  if (index.empty()) return sym->indices;
  // Index the register in place: only the selected elements are copied.
  const std::vector<uint32_t>* cur = &sym->indices;
  std::vector<uint32_t> next;
  for (const ast::IndexOp* idx : index) {
    std::vector<uint32_t> sel;
    for (int64_t i : index_list(*idx, static_cast<int64_t>(cur->size()), scope, std::string(), &name))
      sel.push_back((*cur)[static_cast<std::size_t>(i)]);
    next = std::move(sel);
    cur = &next;
  }
  return next;
}

std::vector<uint32_t> Lowerer::qubits_from_expression(const ast::Expr& e, Scope& scope) {
  if (e.kind == ast::Expr::Kind::Literal && e.literal == ast::Expr::Literal::HardwareQubit) return {physical_qubit(e)};
  return register_elements(e, scope, true);
}

std::vector<uint32_t> Lowerer::bits_from_expression(const ast::Expr& e, Scope& scope) {
  return register_elements(e, scope, false);
}

std::vector<uint32_t> Lowerer::register_elements(const ast::Expr& e, Scope& scope, bool want_qubits) {
  using K = ast::Expr::Kind;
  if (e.kind == K::Identifier && e.indices.empty()) return resolve_indexed(e.name.name, {}, scope, e.span, want_qubits);
  if (e.kind == K::Index) {
    std::vector<const ast::IndexOp*> idx{&e.indices[0]};
    const ast::Expr* base = e.operands[0].get();
    while (base->kind == K::Index) {
      idx.insert(idx.begin(), &base->indices[0]);
      base = base->operands[0].get();
    }
    if (base->kind == K::Identifier && base->indices.empty())
      return resolve_indexed(base->name.name, idx, scope, e.span, want_qubits);
  }
  fail(e.span, want_qubits ? "expected qubits" : "expected bits");
}

Value Lowerer::call_def(const SubDef& def, const std::vector<ast::ExprPtr>& args, Scope& scope, const Span& at) {
  if (args.size() != def.args.size())
    fail(at, "subroutine '" + def.name + "' expects " + std::to_string(def.args.size()) + " argument" +
                 (def.args.size() == 1 ? "" : "s") + ", got " + std::to_string(args.size()));
  std::vector<Value> classical;
  std::vector<std::vector<uint32_t>> qubits;
  std::vector<const Span*> where;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (def.args[i].kind == DefArg::Qubits) qubits.push_back(qubits_from_expression(*args[i], scope));
    else classical.push_back(eval(*args[i], scope));
    where.push_back(&args[i]->span);
  }
  return call_def_bound(def, std::move(classical), std::move(qubits), where, at);
}

Value Lowerer::call_def_bound(const SubDef& def, std::vector<Value> classical,
                              std::vector<std::vector<uint32_t>> qubits, const std::vector<const Span*>& arg_at,
                              const Span& at) {
  if (def.invalid) return Value{};  // reported where it is defined
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
    const Span& here = k < arg_at.size() ? *arg_at[k] : at;
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
      Value& v = classical[ci++];
      if (v.is_runtime() && a.has_ctype) s.value = Value::runtime(assignable(v, a.ctype, "argument '" + a.name + "'", here));
      else s.value = typed(v, a.type);
      local.insert(a.name, s);
    }
  }
  ++def_depth_;
  return_value_.reset();
  ReturnFrame frame{&def, Symbol{Symbol::Var, def.loc}, Symbol{Symbol::Var, def.loc}};
  frame.returned.ctype = ClassicalType{CType::Bool, 1};
  frame.returned.has_ctype = true;
  // Variables start at zero (false): only a call under run-time control
  // flow, which may run again, sets it to false first.
  if (under_runtime()) frame.returned.value = Value::boolean(false);
  frame.returned.level = out_.size() - 1;
  frame.result.ctype = def.result;
  frame.result.has_ctype = def.has_result;
  frame.result.level = out_.size() - 1;
  returns_.push_back(std::move(frame));
  const std::string* saved_gate = gate_body_;
  gate_body_ = nullptr;
  const int saved_entry = def_entry_depth_;
  def_entry_depth_ = runtime_depth_;
  std::vector<LoopFrame> saved_loops;
  saved_loops.swap(loops_);
  auto restore = [&] {
    returns_.pop_back();
    --def_depth_;
    gate_body_ = saved_gate;
    def_entry_depth_ = saved_entry;
    loops_.swap(saved_loops);
  };
  try {
    lower_scope_body(*def.body, local);
  } catch (...) {
    restore();
    throw;
  }
  const ReturnFrame& returned = returns_.back();
  Value result = return_value_.value_or(Value{});
  if (returned.runtime_returns > 0) {
    result = Value{};
    if (!returned.result_bits.empty()) {
      result.kind = Value::Bits;
      result.bits = returned.result_bits;
    } else if (returned.result.var != ClassicalData::kNoVar) {
      result = Value::runtime(CExpr::var(returned.result.var, def.result));
    }
  }
  restore();
  return_value_.reset();
  return result;
}


}  // namespace qforge::frontend_detail
