// Run-time classical OpenQASM 3 read by the front end: the IR of each
// construct against IR built by hand (compared through a structural dump
// written here, not by the emitters), and the programs of circuits/dynamic/
// read back from their OpenQASM 3 emission as the same IR.
#include "qforge/ast.hpp"
#include "qforge/emit.hpp"
#include "qforge/frontend.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace qforge {
namespace {

// ------------------------------------------------------- a structural dump

std::string dump(const ClassicalType& t) { return std::to_string(int(t.kind)) + "/" + std::to_string(t.width); }

std::string dump(const CExpr& e) {
  if (!e) return "null";
  const CExprNode& n = e.node();
  std::ostringstream s;
  s << "(" << int(n.op) << ":" << dump(n.type);
  if (n.op == COp::Const) s << " =" << n.value.u << "," << n.value.f << "," << dump(n.value.type);
  for (uint32_t b : n.clbits) s << " c" << b;
  if (n.op == COp::Var) s << " v" << n.var;
  for (const CExpr& a : n.args) s << " " << dump(a);
  return s.str() + ")";
}

std::string dump(const std::vector<Operation>& ops);

std::string dump(const Operation& op) {
  std::ostringstream s;
  s << "kind=" << int(op.kind);
  if (op.kind == OpKind::Gate || op.kind == OpKind::RuntimeGate)
    s << " gate=" << gate_info(op.gate).name << " ctrl=" << int(op.num_controls);
  s << " q=";
  for (uint32_t q : op.qubits) s << q << ",";
  s << " c=";
  for (uint32_t c : op.clbits) s << c << ",";
  for (const Expr& p : op.params) s << " p=" << p.to_qasm({});
  for (const Condition& c : op.conditions) {
    s << " if{";
    for (uint32_t b : c.clbits) s << b << ",";
    s << (c.equal ? "==" : "!=") << c.value << "}";
  }
  if (op.classical) {
    const ClassicalData& d = *op.classical;
    s << " var=" << (d.var == ClassicalData::kNoVar ? std::string("-") : std::to_string(d.var))
      << " value=" << dump(d.value);
    if (d.start) s << " range=" << dump(d.start) << ":" << dump(d.step) << ":" << dump(d.stop);
    for (const CExpr& x : d.set) s << " set=" << dump(x);
    for (const CExpr& x : d.cparams) s << " cparam=" << dump(x);
    for (const auto& labels : d.cases) {
      s << " case{";
      for (int64_t l : labels) s << l << ",";
      s << "}";
    }
  }
  for (const auto& b : op.blocks) s << " block[" << dump(b) << "]";
  return s.str();
}

std::string dump(const std::vector<Operation>& ops) {
  std::string s;
  for (const Operation& op : ops) s += dump(op) + "\n";
  return s;
}

std::string dump_vars(const Circuit& c) {
  std::string s;
  for (const ClassicalVar& v : c.vars) s += v.name + ":" + dump(v.type) + (v.output ? ":out" : "") + "\n";
  for (const Register& r : c.cregs) s += r.name + (r.output ? ":out" : "") + "\n";
  return s;
}

Circuit compile_ok(const std::string& src) {
  DiagnosticSink d;
  Circuit c = compile_source(src, "test.qasm", CompileOptions{}, d);
  EXPECT_FALSE(d.has_errors()) << d.format();
  EXPECT_EQ(c.verify(), "");
  return c;
}

// ------------------------------------------------------ building by hand

const ClassicalType kBool{CType::Bool, 1};
const ClassicalType kFloat{CType::Float, 64};
ClassicalType int_t(uint32_t w) { return {CType::Int, w}; }
ClassicalType uint_t(uint32_t w) { return {CType::Uint, w}; }

CExpr k(const CValue& v) { return CExpr::constant(v); }
CExpr op(COp o, const ClassicalType& t, std::vector<CExpr> args) { return CExpr::apply(o, t, std::move(args)); }
CExpr cast(const ClassicalType& t, CExpr x) { return CExpr::apply(COp::Cast, t, {std::move(x)}); }

Operation assign(uint32_t var, CExpr value, std::vector<uint32_t> clbits = {}) {
  Operation o;
  o.kind = OpKind::Assign;
  ClassicalData d;
  d.var = var;
  d.value = std::move(value);
  o.classical = std::make_shared<const ClassicalData>(std::move(d));
  o.clbits = std::move(clbits);
  return o;
}

Operation runtime_gate(GateId g, std::vector<uint32_t> qubits, std::vector<CExpr> cparams) {
  Operation o;
  o.kind = OpKind::RuntimeGate;
  o.gate = g;
  o.qubits = std::move(qubits);
  ClassicalData p;
  p.cparams = std::move(cparams);
  o.classical = std::make_shared<const ClassicalData>(std::move(p));
  return o;
}

Operation with_condition(Operation o, Condition c) {
  o.conditions.push_back(std::move(c));
  return o;
}

#define Q3 "OPENQASM 3.0;\ninclude \"stdgates.inc\";\n"

TEST(FrontendClassical, DeclarationsAndCompoundAssignmentsPromote) {
  Circuit c = compile_ok(Q3
                         "qubit q;\n"
                         "bit b = measure q;\n"
                         "int[8] n = b;\n"
                         "n += 1;\n"
                         "uint[4] u = n * 2;\n");
  // bit -> int[8] is a cast; the literals beside an int[8] are int[8]; the
  // int[8] product stored in a uint[4] is cast.
  std::vector<Operation> want = {
      make_measure({0}, {0}),
      assign(0, cast(int_t(8), CExpr::bits({0}))),
      assign(0, op(COp::Add, int_t(8), {CExpr::var(0, int_t(8)), k(CValue::of_int(1, 8))})),
      assign(1, cast(uint_t(4), op(COp::Mul, int_t(8), {CExpr::var(0, int_t(8)), k(CValue::of_int(2, 8))}))),
  };
  EXPECT_EQ(dump(c.ops), dump(want));
  EXPECT_EQ(dump_vars(c), "n:" + dump(int_t(8)) + "\nu:" + dump(uint_t(4)) + "\nb\n");
}

TEST(FrontendClassical, CastBitsComputeInTheCastTypeAndLiteralsBesideBitsKeepTheirs) {
  Circuit c = compile_ok(Q3
                         "qubit q;\n"
                         "bit m = measure q;\n"
                         "int[8] d = -3 * int[8](m);\n"
                         "int[8] e = -3 * m;\n"
                         "uint[64] u = uint[64](-1 - 2 * int[64](m));\n");
  // int[8](m) is an int[8] in arithmetic (the literal beside it too), not a
  // 1-bit value that makes -3 read as 1; a literal beside a bare bit stays a
  // 64-bit int.
  const CExpr m = CExpr::bits({0});
  std::vector<Operation> want = {
      make_measure({0}, {0}),
      assign(0, op(COp::Mul, int_t(8), {k(CValue::of_int(-3, 8)), cast(int_t(8), m)})),
      assign(1, cast(int_t(8), op(COp::Mul, int_t(64), {k(CValue::of_int(-3)), cast(int_t(64), m)}))),
      assign(2, cast(uint_t(64), op(COp::Sub, int_t(64),
                                    {k(CValue::of_int(-1)),
                                     op(COp::Mul, int_t(64), {k(CValue::of_int(2)), cast(int_t(64), m)})}))),
  };
  EXPECT_EQ(dump(c.ops), dump(want));
}

TEST(FrontendClassical, PlainIfOnBitsStaysConditionsElseStructured) {
  Circuit c = compile_ok(Q3
                         "qubit[2] q;\n"
                         "bit[2] c = measure q;\n"
                         "if (c == 3) { x q[0]; } else { y q[0]; }\n"
                         "if (c[0]) { z q[1]; c[1] = 0; }\n");
  Operation then_z = make_gate(GateId::Z, {1});
  ClassicalData cond;  // a condition is cast to bool
  cond.value = cast(kBool, CExpr::bits({0}));
  std::vector<Operation> want = {
      make_measure({0}, {0}),
      make_measure({1}, {1}),
      with_condition(make_gate(GateId::X, {0}), Condition{{0, 1}, 3, true}),
      with_condition(make_gate(GateId::Y, {0}), Condition{{0, 1}, 3, false}),
      make_control_flow(OpKind::If, cond, {{then_z, assign(ClassicalData::kNoVar, k(CValue::of_bits(0, 1)), {1})}}),
  };
  EXPECT_EQ(dump(c.ops), dump(want));
  EXPECT_EQ(c.ops.back().qubits, (std::vector<uint32_t>{1}));
  EXPECT_EQ(c.ops.back().clbits, (std::vector<uint32_t>{0, 1}));
}

TEST(FrontendClassical, ElseIfChainOnAVariableNests) {
  Circuit c = compile_ok(Q3
                         "qubit q;\n"
                         "bit b = measure q;\n"
                         "int[4] n = b;\n"
                         "if (n == 1) { x q; } else if (n == 2) { y q; } else { z q; }\n");
  auto eq = [](int64_t v) {
    ClassicalData d;
    d.value = op(COp::Eq, kBool, {CExpr::var(0, int_t(4)), k(CValue::of_int(v, 4))});
    return d;
  };
  Operation inner = make_control_flow(OpKind::If, eq(2), {{make_gate(GateId::Y, {0})}, {make_gate(GateId::Z, {0})}});
  std::vector<Operation> want = {
      make_measure({0}, {0}),
      assign(0, cast(int_t(4), CExpr::bits({0}))),
      make_control_flow(OpKind::If, eq(1), {{make_gate(GateId::X, {0})}, {inner}}),
  };
  EXPECT_EQ(dump(c.ops), dump(want));
}

TEST(FrontendClassical, WhileWithBreakIsARunTimeLoop) {
  // `while (true)` whose body breaks on a measured bit; `k` is read before
  // any assignment, so it is a run-time variable starting at zero.
  Circuit c = compile_ok(Q3
                         "qubit q;\n"
                         "bit m;\n"
                         "int[8] k;\n"
                         "while (true) { m = measure q; k += 1; if (m) break; }\n");
  ClassicalData loop;
  loop.value = k(CValue::of_bool(true));
  ClassicalData cond;  // a condition is cast to bool
  cond.value = cast(kBool, CExpr::bits({0}));
  Operation brk;
  brk.kind = OpKind::Break;
  std::vector<Operation> want = {make_control_flow(
      OpKind::While, loop,
      {{make_measure({0}, {0}), assign(0, op(COp::Add, int_t(8), {CExpr::var(0, int_t(8)), k(CValue::of_int(1, 8))})),
        make_control_flow(OpKind::If, cond, {{brk}})}})};
  EXPECT_EQ(dump(c.ops), dump(want));
  EXPECT_EQ(dump_vars(c), "k:" + dump(int_t(8)) + "\nm\n");
}

TEST(FrontendClassical, CompileTimeLoopsStayUnrolled) {
  // A constant range whose breaks are under compile-time conditions is
  // unrolled as before; the body's run-time if is structured in each copy.
  Circuit c = compile_ok(Q3
                         "qubit q;\n"
                         "bit m = measure q;\n"
                         "int[8] n = m;\n"
                         "for int i in [0:9] { if (i == 2) break; if (n == i) { n = 5; } }\n");
  ASSERT_EQ(c.ops.size(), 4u);
  EXPECT_EQ(c.ops[2].kind, OpKind::If);
  EXPECT_EQ(c.ops[3].kind, OpKind::If);
  EXPECT_EQ(dump(c.ops[3].classical->value),
            dump(op(COp::Eq, kBool, {CExpr::var(0, int_t(8)), k(CValue::of_int(1, 8))})));
}

TEST(FrontendClassical, RunTimeRangeAndRuntimeGate) {
  Circuit c = compile_ok(Q3
                         "qubit q;\n"
                         "bit[2] c;\n"
                         "c[0] = measure q;\n"
                         "uint[2] n = c;\n"
                         "for uint[2] i in [0:n] { rz(i) q; }\n");
  ClassicalData loop;
  loop.var = 1;
  loop.start = k(CValue::of_uint(0, 2));
  loop.step = k(CValue::of_uint(1, 2));
  loop.stop = CExpr::var(0, uint_t(2));
  Operation rz = runtime_gate(GateId::RZ, {0}, {cast(kFloat, CExpr::var(1, uint_t(2)))});
  std::vector<Operation> want = {
      make_measure({0}, {0}),
      assign(0, cast(uint_t(2), CExpr::bits({0, 1}))),
      make_control_flow(OpKind::For, loop, {{rz}}),
  };
  EXPECT_EQ(dump(c.ops), dump(want));
  EXPECT_EQ(dump_vars(c), "n:" + dump(uint_t(2)) + "\ni:" + dump(uint_t(2)) + "\nc\n");
}

TEST(FrontendClassical, SwitchAndEnd) {
  Circuit c = compile_ok(Q3
                         "qubit[2] q;\n"
                         "bit[2] c = measure q;\n"
                         "switch (c) { case 0 { end; } case 1, 2 { x q[0]; } default { } }\n");
  ClassicalData d;
  d.value = CExpr::bits({0, 1});
  d.cases = {{0}, {1, 2}, {}};
  std::vector<Operation> want = {
      make_measure({0}, {0}),
      make_measure({1}, {1}),
      make_control_flow(OpKind::Switch, d, {{Operation{OpKind::End}}, {make_gate(GateId::X, {0})}, {}}),
  };
  EXPECT_EQ(dump(c.ops), dump(want));
}

TEST(FrontendClassical, OutputsAreKept) {
  Circuit c = compile_ok(Q3
                         "output bit r;\n"
                         "output float[64] f;\n"
                         "qubit q;\n"
                         "r = measure q;\n");
  EXPECT_EQ(dump_vars(c), "f:" + dump(kFloat) + ":out\nr:out\n");
}

TEST(FrontendClassical, SubroutineWithRunTimeArgumentAndResult) {
  Circuit c = compile_ok(Q3
                         "def twice(float[64] a, qubit r) -> float[64] { rx(a) r; return 2 * a; }\n"
                         "qubit q;\n"
                         "bit b = measure q;\n"
                         "float[64] f = b;\n"
                         "f = twice(f, q);\n");
  Operation rx = runtime_gate(GateId::RX, {0}, {CExpr::var(0, kFloat)});
  std::vector<Operation> want = {
      make_measure({0}, {0}),
      assign(0, cast(kFloat, CExpr::bits({0}))),
      rx,
      assign(0, op(COp::Mul, kFloat, {k(CValue::of_float(2)), CExpr::var(0, kFloat)})),
  };
  EXPECT_EQ(dump(c.ops), dump(want));
}

TEST(FrontendClassical, MeasuringIntoABitOfAnAngle) {
  // measure into estimate[1]: the outcome goes to a bit of its own, then
  // estimate = (estimate & ~2) | (angle[3](bit) << 1).
  Circuit c = compile_ok(Q3
                         "qubit q;\n"
                         "angle[3] estimate;\n"
                         "measure q -> estimate[1];\n");
  const ClassicalType a3{CType::Angle, 3};
  CValue mask;
  mask.type = a3;
  mask.u = 5;
  std::vector<Operation> want = {
      make_measure({0}, {0}),
      assign(0, op(COp::BitOr, a3,
                   {op(COp::BitAnd, a3, {CExpr::var(0, a3), k(mask)}),
                    op(COp::Shl, a3, {cast(a3, CExpr::bits({0})), k(CValue::of_int(1))})})),
  };
  EXPECT_EQ(dump(c.ops), dump(want));
}

TEST(FrontendClassical, StretchIsZeroWithANoteAndDurationsAreKept) {
  DiagnosticSink d;
  Circuit c = compile_source(Q3
                             "qubit q;\n"
                             "stretch s;\n"
                             "duration t = 2 * 50ns;\n"
                             "delay[s] q;\n"
                             "delay[t] q;\n",
                             "test.qasm", CompileOptions{}, d);
  EXPECT_FALSE(d.has_errors()) << d.format();
  EXPECT_EQ(d.format(),
            "test.qasm:4:1: warning: stretch 's' is resolved to zero: qforge keeps no timing model\n"
            "    stretch s;\n"
            "    ^\n");
  ASSERT_EQ(c.ops.size(), 2u);
  EXPECT_EQ(c.ops[0].kind, OpKind::Delay);
  EXPECT_EQ(c.ops[0].params[0].value(), 0.0);
  EXPECT_EQ(c.ops[0].delay_unit, "dt");
  EXPECT_EQ(c.ops[1].params[0].value(), 100.0);
  EXPECT_EQ(c.ops[1].delay_unit, "ns");
}

// ------------------------------------------------------------ round trips

void expect_round_trip(const Circuit& c, const std::string& what) {
  std::string text = emit_qasm3(c);
  DiagnosticSink d;
  Circuit back = compile_source(text, what + ".qasm3", CompileOptions{}, d);
  ASSERT_FALSE(d.has_errors()) << what << "\n" << d.format() << "\n" << text;
  EXPECT_EQ(dump(back.ops), dump(c.ops)) << what << "\n" << text;
  EXPECT_EQ(dump_vars(back), dump_vars(c)) << what << "\n" << text;
}

TEST(FrontendClassical, DynamicCircuitsReadBackFromOpenQasm3) {
  for (const char* name : {"teleport", "repeat_until_success", "iterative_phase_estimation", "active_reset",
                           "parity_switch"}) {
    const std::string path = std::string(QFORGE_SOURCE_DIR) + "/circuits/dynamic/" + name + ".qasm";
    DiagnosticSink d;
    Circuit c = compile_file(path, CompileOptions{}, d);
    ASSERT_FALSE(d.has_errors()) << path << "\n" << d.format();
    EXPECT_TRUE(has_classical(c) || name == std::string("teleport") || name == std::string("active_reset")) << name;
    expect_round_trip(c, name);
  }
}

TEST(FrontendClassical, EveryConstructReadsBackFromOpenQasm3) {
  expect_round_trip(compile_ok(Q3
                               "qubit[2] q;\n"
                               "bit[2] c = measure q;\n"
                               "int[8] n = c;\n"
                               "bool flag = c[0] && !c[1];\n"
                               "float[64] f = 0.5 * n;\n"
                               "output int[8] total;\n"
                               "if (n == 1) { x q[0]; } else if (n == 2) { total = 2; } else { total -= 1; }\n"
                               "for int[8] i in [0:n] { total += i; if (total > 3) break; rz(f * i) q[1]; }\n"
                               "for int[8] j in {1, n} { if (j == 2) continue; }\n"
                               "while (flag) { flag = false; }\n"
                               "switch (n + 1) { case 1, 2 { end; } default { total = popcount(c); } }\n"
                               "c[1] = bool(total);\n"
                               "c = c << 1;\n"
                               "angle[4] a = f;\n"
                               "ctrl @ rx(a + a) q[0], q[1];\n"),
                    "constructs");
}

// Qiskit's exporter writes a register made of loose qubits or bits as
// `let name = {a, b};` (Exporter(allow_aliasing=True) in its tests); the
// same program in OpenQASM 3's own form has `++`.
#define ALIAS_DECLARATIONS Q3 "qubit _qubit0;\nqubit _qubit1;\nqubit _qubit2;\nbit _bit0;\nbit _bit1;\n"
#define ALIAS_USES                                                                                    \
  "h all[0];\ncx all[0], all[1];\ncr[0] = measure first[0];\ncr[1] = measure all[1];\n" \
  "if (cr == 2) x all[2];\nif (cr[1]) z all;\n"
const char* kQiskitAliases = ALIAS_DECLARATIONS
    "let first = {_qubit0, _qubit1};\n"
    "let all = {first[1], /* kept */ _qubit2, first[0],};\n"
    "let cr = {_bit0, _bit1};\n" ALIAS_USES;
const char* kConcatenationAliases = ALIAS_DECLARATIONS
    "let first = _qubit0 ++ _qubit1;\n"
    "let all = first[1] ++ _qubit2 ++ first[0];\n"
    "let cr = _bit0 ++ _bit1;\n" ALIAS_USES;

TEST(FrontendClassical, QiskitSetAliasIsConcatenationWithAWarning) {
  DiagnosticSink d;
  Circuit c = compile_source(kQiskitAliases, "test.qasm", CompileOptions{}, d);
  EXPECT_FALSE(d.has_errors()) << d.format();
  EXPECT_EQ(d.format(),
            "test.qasm:8:13: warning: 'let first = {...}' is Qiskit's register concatenation, not OpenQASM 3 "
            "grammar: read as 'let first = _qubit0 ++ _qubit1;'\n"
            "    let first = {_qubit0, _qubit1};\n"
            "                ^\n"
            "test.qasm:9:11: warning: 'let all = {...}' is Qiskit's register concatenation, not OpenQASM 3 "
            "grammar: read as 'let all = first[1] ++ _qubit2 ++ first[0];'\n"
            "    let all = {first[1], /* kept */ _qubit2, first[0],};\n"
            "              ^\n"
            "test.qasm:10:10: warning: 'let cr = {...}' is Qiskit's register concatenation, not OpenQASM 3 "
            "grammar: read as 'let cr = _bit0 ++ _bit1;'\n"
            "    let cr = {_bit0, _bit1};\n"
            "             ^\n");
  // all = q1, q2, q0; cr = c0, c1.
  std::vector<Operation> want = {
      make_gate(GateId::H, {1}),
      make_gate(GateId::CX, {1, 2}),
      make_measure({0}, {0}),
      make_measure({2}, {1}),
      with_condition(make_gate(GateId::X, {0}), Condition{{0, 1}, 2, true}),
      with_condition(make_gate(GateId::Z, {1}), Condition{{1}, 0, false}),
      with_condition(make_gate(GateId::Z, {2}), Condition{{1}, 0, false}),
      with_condition(make_gate(GateId::Z, {0}), Condition{{1}, 0, false}),
  };
  EXPECT_EQ(dump(c.ops), dump(want));
  DiagnosticSink d2;
  Circuit spec = compile_source(kConcatenationAliases, "test.qasm", CompileOptions{}, d2);
  EXPECT_TRUE(d2.all().empty()) << d2.format();
  EXPECT_EQ(dump(spec.ops), dump(want));
}

TEST(FrontendClassical, QiskitSetAliasKeepsItsFormInTheSyntaxTree) {
  DiagnosticSink d;
  ast::File f = ast::parse_source(kQiskitAliases, "test.qasm", d);
  ASSERT_FALSE(d.has_errors()) << d.format();
  // The include, five declarations, then `let first` and `let all`.
  ASSERT_GE(f.statements.size(), 9u);
  ASSERT_EQ(f.statements[7]->kind, ast::StmtKind::AliasDecl);
  const auto& all = static_cast<const ast::AliasDecl&>(*f.statements[7]);
  ASSERT_EQ(all.value->kind, ast::Expr::Kind::Set);
  ASSERT_EQ(all.value->operands.size(), 3u);
  EXPECT_EQ(all.value->operands[1]->name.name, "_qubit2");
  // The span runs from the '{' to the '}'; the comment inside is the statement's.
  EXPECT_EQ(all.value->span.line, 9u);
  EXPECT_EQ(all.value->span.col, 11u);
  EXPECT_EQ(all.value->span.end_col, 52u);
  ASSERT_EQ(all.trivia.interior.size(), 1u);
  EXPECT_EQ(all.trivia.interior[0].text, "/* kept */");
}

TEST(FrontendClassical, ConcatenatedAliasesReadBackFromOpenQasm3) {
  Circuit c = compile_ok(Q3
                         "qubit[2] a;\n"
                         "qubit[2] b;\n"
                         "bit[2] c;\n"
                         "bit[2] d;\n"
                         "let q = a ++ b[1];\n"
                         "let r = c ++ d;\n"
                         "let s = d[1];\n"
                         "h q;\n"
                         "r[0] = measure q[0];\n"
                         "r[3] = measure q[2];\n"
                         "s = measure q[1];\n"
                         "if (r[3]) x q[1];\n"
                         "int[2] n = r[2:3];\n"
                         "if (n == 1) { x q[0]; }\n");
  std::vector<Operation> want = {
      make_gate(GateId::H, {0}),
      make_gate(GateId::H, {1}),
      make_gate(GateId::H, {3}),
      make_measure({0}, {0}),
      make_measure({3}, {3}),
      make_measure({1}, {3}),
      with_condition(make_gate(GateId::X, {1}), Condition{{3}, 0, false}),
      assign(0, cast(int_t(2), CExpr::bits({2, 3}))),
  };
  ClassicalData cond;
  CValue one = CValue::of_int(1);
  one.type = int_t(2);
  cond.value = op(COp::Eq, kBool, {CExpr::var(0, int_t(2)), k(one)});
  want.push_back(make_control_flow(OpKind::If, cond, {{make_gate(GateId::X, {0})}}));
  EXPECT_EQ(dump(c.ops), dump(want));
  expect_round_trip(c, "aliases");
}

TEST(FrontendClassical, DurationofOfDelaysAndBarriers) {
  DiagnosticSink d;
  Circuit c = compile_source(Q3
                             "qubit[3] q;\n"
                             "stretch a;\n"
                             // q[1] ends at 1us, the barrier holds q[0] until then: 1050ns
                             "duration t = durationof({delay[100ns] q[0]; delay[1us] q[1]; barrier q[0], q[1]; "
                             "delay[50ns] q[0];});\n"
                             // -0.5 * 20ns + 0 (the stretch), then + 30ns
                             "duration u = -0.5 * durationof({delay[20ns] q[2];}) + a;\n"
                             "delay[t] q[0];\n"
                             "delay[u + 30ns] q[1];\n"
                             "delay[durationof({})] q[2];\n"
                             // a delay on all qubits (2ms), then 1s more on q[0]
                             "duration v = durationof({ { delay[2ms] q; } delay[1s] q[0]; delay[5ms] q[1]; });\n"
                             "delay[v] q[2];\n"
                             "delay[durationof({delay[1us] q[0]; delay[500ns];})] q[1];\n",
                             "test.qasm", CompileOptions{}, d);
  EXPECT_FALSE(d.has_errors()) << d.format();
  ASSERT_EQ(c.ops.size(), 5u);
  const std::vector<std::pair<double, std::string>> want = {
      {1050, "ns"}, {20, "ns"}, {0, "dt"}, {1002, "ms"}, {1500, "ns"}};
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(c.ops[i].kind, OpKind::Delay);
    EXPECT_EQ(c.ops[i].params[0].value(), want[i].first) << i;
    EXPECT_EQ(c.ops[i].delay_unit, want[i].second) << i;
  }
}


// A return inside run-time control flow: a `returned` flag (false until then;
// variables start at zero) and the result; what follows runs only when the
// subroutine has not returned.
TEST(FrontendClassical, ReturnInsideRunTimeIf) {
  Circuit c = compile_ok(Q3
                         "def f(qubit q) -> bit {\n"
                         "  bit b = measure q;\n"
                         "  if (b) { x q; return b; }\n"
                         "  h q;\n"
                         "  return !b;\n"
                         "}\n"
                         "qubit r;\n"
                         "bit c = f(r);\n");
  // Bits: b = c0, the result c1, c = c2; the flag is variable 0.
  ASSERT_EQ(c.num_clbits, 3u);
  ASSERT_EQ(c.vars.size(), 1u);
  EXPECT_EQ(c.vars[0].name, "f_returned");
  const ClassicalType bit1{CType::Bit, 1};
  const CExpr returned = CExpr::var(0, kBool);
  ClassicalData then_;
  then_.value = cast(kBool, CExpr::bits({0}));
  ClassicalData rest;
  rest.value = op(COp::LogNot, kBool, {returned});
  // `!b` is `b == 0` (0 an unsigned integer).
  CValue zero = CValue::of_int(0);
  zero.type = uint_t(64);
  std::vector<Operation> want = {
      make_measure({0}, {0}),
      make_control_flow(OpKind::If, then_,
                        {{make_gate(GateId::X, {0}), assign(ClassicalData::kNoVar, CExpr::bits({0}), {1}),
                          assign(0, k(CValue::of_bool(true)))}}),
      make_control_flow(OpKind::If, rest,
                        {{make_gate(GateId::H, {0}),
                          assign(ClassicalData::kNoVar, cast(bit1, op(COp::Eq, kBool, {CExpr::bits({0}), k(zero)})),
                                 {1}),
                          assign(0, k(CValue::of_bool(true)))}}),
      assign(ClassicalData::kNoVar, CExpr::bits({1}), {2}),
  };
  EXPECT_EQ(dump(c.ops), dump(want));
  expect_round_trip(c, "return-if");
}

TEST(FrontendClassical, ReturnInsideRunTimeControlFlowInLoops) {
  // An unrolled for loop: each iteration after the first runs only when the
  // subroutine has not returned.
  Circuit unrolled = compile_ok(Q3
                                "def first_one(qubit[3] q) -> int[8] {\n"
                                "  for int[8] i in [0:2] {\n"
                                "    bit m = measure q[i];\n"
                                "    if (m) { return i; }\n"
                                "  }\n"
                                "  return -1;\n"
                                "}\n"
                                "qubit[3] q;\n"
                                "int[8] k = first_one(q);\n");
  // measure, if (m0) {...}, if (!returned) {iteration 1}, if (!returned)
  // {iteration 2}, if (!returned) {return -1}, k = result.
  ASSERT_EQ(unrolled.ops.size(), 6u);
  for (std::size_t i : {2, 3, 4}) {
    ASSERT_EQ(unrolled.ops[i].kind, OpKind::If) << i;
    EXPECT_EQ(dump(unrolled.ops[i].classical->value), dump(op(COp::LogNot, kBool, {CExpr::var(1, kBool)}))) << i;
  }
  EXPECT_EQ(unrolled.vars[0].name, "first_one_result");
  EXPECT_EQ(unrolled.vars[1].name, "first_one_returned");
  expect_round_trip(unrolled, "return-for");

  // A while loop left by a return is a run-time loop that breaks when the
  // subroutine has returned.
  Circuit loop = compile_ok(Q3
                            "def tries(qubit a) -> int[8] {\n"
                            "  int[8] n = 0;\n"
                            "  while (true) {\n"
                            "    n += 1;\n"
                            "    h a;\n"
                            "    bit m = measure a;\n"
                            "    if (m) { return n; }\n"
                            "    reset a;\n"
                            "  }\n"
                            "  return -1;\n"
                            "}\n"
                            "qubit q;\n"
                            "int[8] k = tries(q);\n");
  const auto& ops = loop.ops;
  auto w = std::find_if(ops.begin(), ops.end(), [](const Operation& o) { return o.kind == OpKind::While; });
  ASSERT_NE(w, ops.end());
  const std::vector<Operation>& body = w->blocks[0];
  ASSERT_GE(body.size(), 3u);
  const Operation& leave = body[body.size() - 2];
  ASSERT_EQ(leave.kind, OpKind::If);
  ASSERT_EQ(leave.blocks[0].size(), 1u);
  EXPECT_EQ(leave.blocks[0][0].kind, OpKind::Break);
  EXPECT_EQ(body.back().kind, OpKind::Reset);
  expect_round_trip(loop, "return-while");
}

}  // namespace
}  // namespace qforge
