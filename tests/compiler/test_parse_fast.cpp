// The fast path for simple gate calls (compiler/frontend/src/parse_fast.hpp)
// against the general path, ANTLR's parse: ast::parse_source parses every
// statement with ANTLR, and a statement inside a block `{ ... }` is compiled
// through ANTLR too. What the fast path accepts must have exactly the tree,
// spans, IR and diagnostics the general path gives; what it declines is
// left to the general path. Edge cases written by hand, then random
// statements with random spacing and comments.
#include "parse_fast.hpp"

#include "qforge/ast.hpp"
#include "qforge/emit.hpp"
#include "qforge/frontend.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace qforge {
namespace {

using frontend_detail::FastStatement;
using frontend_detail::parse_simple_gate_call;

// ---------------------------------------------------------------- describing trees

/// Every field of a span, the file's name included.
std::string at(const ast::Span& s) {
  return std::string(s.file ? *s.file : "(no file)") + ":" + std::to_string(s.line) + ":" + std::to_string(s.col) +
         "-" + std::to_string(s.end_line) + ":" + std::to_string(s.end_col) + "@" + std::to_string(s.begin) + "-" +
         std::to_string(s.end);
}

std::string describe(const ast::Expr* e);

std::string describe(const std::vector<ast::ExprPtr>& es) {
  std::string out = "[";
  for (const auto& e : es) out += describe(e.get()) + ";";
  return out + "]";
}

/// Every field of an expression (ast::dump leaves out the literal's kind).
std::string describe(const ast::Expr* e) {
  if (!e) return "null";
  std::string out = "(" + std::to_string(static_cast<int>(e->kind)) + " " + at(e->span) + " lit" +
                    std::to_string(static_cast<int>(e->literal)) + " '" + e->text + "' name '" + e->name.name +
                    "' " + (e->name.name.empty() ? "" : at(e->name.span)) + " ops" + describe(e->operands) + " idx[";
  for (const auto& ix : e->indices) out += at(ix.span) + describe(ix.items);
  out += "] q" + describe(e->qubits) + (e->type ? " type" : "") + (e->block ? " block" : "") + " range " +
         describe(e->start.get()) + describe(e->step.get()) + describe(e->stop.get()) + (e->two_colons ? "::" : "") +
         ")";
  return out;
}

/// Every field of a gate call; "not a gate call" for another statement.
std::string describe(const ast::Stmt& s) {
  if (s.kind != ast::StmtKind::GateCall) return "not a gate call: kind " + std::to_string(static_cast<int>(s.kind));
  const auto& g = static_cast<const ast::GateCall&>(s);
  std::string out = "GateCall " + at(g.span) + " name '" + g.name.name + "' " + at(g.name.span) +
                    (g.parens ? " parens" : "") + " params" + describe(g.params) + " duration " +
                    describe(g.duration.get()) + " designator " + std::to_string(g.designator.line) + " qubits" +
                    describe(g.qubits) + " modifiers " + std::to_string(g.modifiers.size()) + " annotations " +
                    std::to_string(g.annotations.size());
  return out;
}

// ---------------------------------------------------------------- the two paths

const std::string kFile = "t.qasm";
/// Before each statement: a line that the fast path does not read, and some
/// spaces, so that the statement starts on line 2, column 3.
const std::string kBefore = "qubit[4] q;\n  ";

/// The fast path on `stmt` (after kBefore); empty when it declines.
std::string fast(const std::string& stmt, FastStatement* result = nullptr) {
  const std::string text = kBefore + stmt;
  FastStatement out;
  if (!parse_simple_gate_call(text, kBefore.size(), 2, 3, &kFile, out)) return "";
  std::string d = describe(*out.stmt);
  d += " end " + std::to_string(out.end) + " " + std::to_string(out.end_line) + ":" + std::to_string(out.end_col);
  if (result) *result = std::move(out);
  return d;
}

/// ANTLR's tree of `stmt` (after kBefore), described as `fast` describes it;
/// "syntax error" when it has one.
std::string general(const std::string& stmt) {
  DiagnosticSink d;
  ast::File f = ast::parse_source(kBefore + stmt, kFile, d);
  if (d.has_errors() || f.has_errors) return "syntax error";
  if (f.statements.size() != 2) return std::to_string(f.statements.size()) + " statements";
  // The statement ends at its ';': the fast path's `end` is where its span ends.
  const ast::Span& s = f.statements[1]->span;
  return describe(*f.statements[1]) + " end " + std::to_string(s.end) + " " + std::to_string(s.end_line) + ":" +
         std::to_string(s.end_col);
}

/// What compiling gives: the IR and the diagnostics.
std::string compiled(const std::string& source) {
  DiagnosticSink d;
  Circuit c = compile_source(source, kFile, CompileOptions{}, d);
  return d.format() + "\n---\n" + (d.has_errors() ? std::string() : emit_ir(c));
}

const std::string kProgram = "OPENQASM 3.0;\ninclude \"stdgates.inc\";\nqubit[4] q;\nfloat theta = 0.25;\n";

/// `stmt` compiled after kProgram, by the fast path when it accepts it...
std::string compiled_fast(const std::string& stmt) { return compiled(kProgram + stmt + "\n"); }
/// ... and by ANTLR, inside a block, with the same lines and columns.
std::string compiled_general(const std::string& stmt) {
  std::string p = kProgram;
  p.insert(p.size() - 1, "{");  // "float theta = 0.25;{": the same lines and columns
  return compiled(p + stmt + "\n}\n");
}

// ---------------------------------------------------------------- hand-written cases

/// Statements the fast path must read, with the tree ANTLR gives.
const char* const kAccepted[] = {
    "h q[0];",
    "cx q[0], q[1];",
    "cx q[0],q[1];",
    "cx   q [ 0 ] ,\tq[ 1 ]  ;",
    "cx q[0],\n    q[1];",
    "cx q[0], q[1],;",
    "U(0.1, 0.2, 0.3) q[0];",
    "CX q[0], q[1];",
    "u3(pi/2, -pi/4, 0.5e-3) q[2];",
    "rz(-0.5) q[1];",
    "rz(- 0.5) q[1];",
    "rz(--0.5) q[1];",
    "rz(1.) q[1];",
    "rz(.5) q[1];",
    "rz(1e3) q[1];",
    "rz(1E+3) q[1];",
    "rz(2.5e-3) q[1];",
    "rz(007) q[1];",
    "rz(theta) q[1];",
    "rz(theta * 2 + 1) q[1];",
    "rz(1 - 2 - 3) q[1];",
    "rz(8 / 2 / 2) q[1];",
    "rz(2 ** 3 ** 2) q[1];",
    "rz(-2 ** 2) q[1];",
    "rz(2 ** -1 * 3) q[1];",
    "rz(-theta * 2) q[1];",
    "rz(2 * -theta + 1) q[1];",
    "rz(((theta))) q[1];",
    "rz((1 + 2) * 3) q[1];",
    "rz(sin(0.5)) q[1];",
    "rz(arctan(1, 2,)) q[1];",
    "rz(f()) q[1];",
    "rz(0.5,) q[1];",
    "my_gate() q[0];",
    "x q;",
    "x $0;",
    "cx $0, $12;",
    "h q[0][1];",
    "h q[theta + 1];",
    "h q[0, 1];",
    "h q[0,];",
    "h q[-1];",
    "rz(/* angle */ 0.5) /* then */ q[0] /* ; */ ;",
    "rz(0.5) // the angle\n q[0];",
    "cx q[0], /* a\n block */ q[1];",
    "h\r\nq[0];",
    "rz(1)q[0];",
    "rz(pi)q;",
    "h q[0];  // done",
    "tau_2 q[0];",
    "_g q[0];",
};

/// Statements the fast path must leave to ANTLR (valid or not).
const char* const kDeclined[] = {
    "inv @ h q[0];",          // a modifier
    "ctrl @ x q[0], q[1];",
    "h[10ns] q[0];",          // a designator
    "gphase(pi);",            // a keyword
    "measure q[0];",
    "reset q[0];",
    "rz(true) q[0];",
    "rz(1 im) q[0];",          // imaginary and timing literals
    "rz(1im) q[0];",
    "rz(2 ns) q[0];",
    "rz(2dt) q[0];",
    "rz(1_000) q[0];",         // other integer literals
    "rz(0x1f) q[0];",
    "rz(0b1) q[0];",
    "rz(1e) q[0];",
    "rz(1.5.2) q[0];",
    "rz(1 % 2) q[0];",         // other operators
    "rz(1 << 2) q[0];",
    "rz(~1) q[0];",
    "rz(+1) q[0];",
    "rz(a[0]) q[0];",          // an index expression
    "rz(float(1)) q[0];",      // a cast
    "rz(1 2) q[0];",           // syntax errors
    "rz(1,,2) q[0];",
    "rz() ;",
    "h q[0]",
    "h q[0] q[1];",
    "h q[];",
    "h q[0:2];",               // a range and a set
    "h q[{0, 1}];",
    "h q -> c;",               // other statements
    "f(1);",
    "q[0] = 1;",
    "x += 1;",
    "h q; h q;",               // only the first: it is read
    "h q[0]; ",
    "rz(θ) q[0];",             // outside ASCII
    "h q[0] /* é */;",
    "h q[0] /* open",
    "h q[0] \f;",              // a character the lexer refuses
    "h $ 0;",
    "h $0a;",
};

TEST(ParseFast, AcceptsWhatAntlrParsesTheSameWay) {
  for (const char* stmt : kAccepted) {
    SCOPED_TRACE(stmt);
    const std::string f = fast(stmt);
    ASSERT_FALSE(f.empty()) << "declined";
    EXPECT_EQ(f, general(stmt));
    EXPECT_EQ(compiled_fast(stmt), compiled_general(stmt));
  }
}

TEST(ParseFast, DeclinesTheRest) {
  int first_read = 0;
  for (const char* stmt : kDeclined) {
    SCOPED_TRACE(stmt);
    const std::string f = fast(stmt);
    if (std::string(stmt).rfind("h q[0];", 0) == 0 || std::string(stmt).rfind("h q; h q;", 0) == 0) {
      // A statement followed by more text: the fast path reads up to its ';'.
      EXPECT_FALSE(f.empty());
      ++first_read;
      continue;
    }
    EXPECT_EQ(f, "") << "accepted";
  }
  EXPECT_EQ(first_read, 2);
}

TEST(ParseFast, WhereTheStatementEnds) {
  FastStatement s;
  ASSERT_FALSE(fast("cx q[0], /* a\n block */ q[1]; h q[2];", &s).empty());
  // Line 2 column 3 is byte 14: `cx q[0], /* a` takes 13 bytes, then line 3
  // ` block */ q[1];` ends at column 16.
  EXPECT_EQ(s.end, kBefore.size() + std::string("cx q[0], /* a\n block */ q[1];").size());
  EXPECT_EQ(s.end_line, 3u);
  EXPECT_EQ(s.end_col, 16u);
  // cx q [ 0 ] , q [ 1 ] ; (the comment is not a token)
  EXPECT_EQ(s.tokens, 11u);
  ASSERT_FALSE(fast("rz(-pi / 2) $3;", &s).empty());
  EXPECT_EQ(s.tokens, 9u);  // rz ( - pi / 2 ) $3 ;
}

TEST(ParseFast, NestingDeeperThanItsLimitIsLeftToAntlr) {
  const std::string shallow = "rz(" + std::string(20, '(') + "1" + std::string(20, ')') + ") q[0];";
  EXPECT_EQ(fast(shallow), general(shallow));
  const std::string deep = "rz(" + std::string(200, '(') + "1" + std::string(200, ')') + ") q[0];";
  EXPECT_EQ(fast(deep), "");
  EXPECT_EQ(compiled_fast(deep), compiled_general(deep));
}

// ---------------------------------------------------------------- in whole programs

TEST(ParseFast, ErrorsInsideSimpleStatementsAreReportedAsBefore) {
  // Semantic errors in statements the fast path reads: located by the spans
  // it builds. Expected text derived from the spans by hand.
  const std::string source = kProgram + "h q[4];\nrz(theta, 1) q[0];\nfoo q[0];\ncx q[0], q[0];\n";
  DiagnosticSink d;
  compile_source(source, kFile, CompileOptions{}, d);
  ASSERT_EQ(d.all().size(), 4u) << d.format();
  EXPECT_EQ(d.all()[0].loc.line, 5u);
  EXPECT_EQ(d.all()[0].loc.col, 5u);  // the index 4
  EXPECT_EQ(d.all()[1].loc.line, 6u);
  EXPECT_EQ(d.all()[2].loc.line, 7u);
  EXPECT_EQ(d.all()[2].loc.col, 1u);  // foo
  EXPECT_EQ(d.all()[3].loc.line, 8u);
  // Each statement compiled by ANTLR in a block (the first error in a
  // block ends it: one statement at a time).
  for (const char* stmt : {"h q[4];", "rz(theta, 1) q[0];", "foo q[0];", "cx q[0], q[0];"}) {
    SCOPED_TRACE(stmt);
    EXPECT_EQ(compiled_fast(stmt), compiled_general(stmt));
  }
}

TEST(ParseFast, SyntaxErrorsAfterFastStatementsAreReportedAsBefore) {
  // A syntax error after statements the fast path read: the whole file is
  // parsed again by ANTLR, which reports it. Hand-derived: the ';' missing
  // after `cx q[0], q[1]` (13 characters) on line 6 is reported just after
  // it, at 6:14.
  std::string source = kProgram + "h q[0];\ncx q[0], q[1]\nh q[2];\nx q[3];\n";
  DiagnosticSink d;
  compile_source(source, kFile, CompileOptions{}, d);
  ASSERT_EQ(d.all().size(), 1u) << d.format();
  EXPECT_EQ(d.all()[0].loc.line, 6u);
  EXPECT_EQ(d.all()[0].loc.col, 14u);
  EXPECT_EQ(d.all()[0].message, "expected ';' at the end of the statement");
  // Many statements before it, with comments and statements ANTLR reads
  // between them: still the one error, at the same place.
  std::string many = kProgram;
  for (int i = 0; i < 300; ++i)
    many += i % 7 == 0 ? "// a comment\nreset q[1];\n" : i % 5 == 0 ? "{ h q[0]; }\n" : "rz(0.5 * pi) q[2];\n";
  const uint32_t line = 5 + static_cast<uint32_t>(std::count(many.begin() + static_cast<long>(kProgram.size()),
                                                             many.end(), '\n'));
  many += "cx q[0], q[1]\nh q[2];\n";
  DiagnosticSink m;
  compile_source(many, kFile, CompileOptions{}, m);
  ASSERT_EQ(m.all().size(), 1u) << m.format();
  EXPECT_EQ(m.all()[0].loc.line, line);
  EXPECT_EQ(m.all()[0].loc.col, 14u);
}

TEST(ParseFast, StatementsAfterOthersThatAntlrReads) {
  // The lexer is moved past each statement the fast path reads: statements
  // ANTLR reads after it (in lexer modes of their own: include, pragma,
  // annotations, OpenQASM 2's measure and opaque-free declarations) and
  // non-ASCII text before it on its line keep their places.
  const std::string body =
      "h q[0]; /* é */ cx q[0], q[1];\n"
      "pragma foo bar\n"
      "rz(0.5) q[2];\n"
      "@ann something\n"
      "x q[3];\n"
      "// c is declared before the block\n"
      "c[0] = measure q[0];\n"
      "// ünïcode comment\n"
      "cx q[2],\n q[3]; h q[1];\n";
  const std::string program = "OPENQASM 3.0;\ninclude \"stdgates.inc\";\nqubit[4] q;\nbit[2] c;\n";
  const std::string fast_program = program + body;
  std::string general_program = program;
  general_program.insert(general_program.size() - 1, "{");
  // The block's '{' adds no line: positions stay the same.
  DiagnosticSink a, b;
  Circuit ca = compile_source(fast_program, kFile, CompileOptions{}, a);
  Circuit cb = compile_source(general_program + body + "}\n", kFile, CompileOptions{}, b);
  ASSERT_FALSE(a.has_errors()) << a.format();
  ASSERT_FALSE(b.has_errors()) << b.format();
  EXPECT_EQ(emit_ir(ca), emit_ir(cb));
  EXPECT_EQ(ca.ops.size(), 7u);  // h cx rz x measure cx h
  // Each operation's location: the statement that wrote it (`x q[3]` with
  // its annotation, which starts it).
  std::vector<std::pair<uint32_t, uint32_t>> want{{5, 1}, {5, 17}, {7, 1}, {8, 1}, {11, 1}, {13, 1}, {14, 8}};
  ASSERT_EQ(ca.ops.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(ca.ops[i].loc.line, want[i].first) << i;
    EXPECT_EQ(ca.ops[i].loc.col, want[i].second) << i;
  }
}

TEST(ParseFast, OpenQasm2) {
  // OpenQASM 2 has no blocks to compare with: the IR expected, written by
  // hand (U is u3; a whole-register cx is one cx per qubit pair).
  const std::string source =
      "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[3];\nqreg r[3];\ncreg c[3];\n"
      "U(0.1,0.2,0.3) q[0];\nCX q[0],q[1];\nu1(pi/4) q[2];\ncx q,r;\nmeasure q[0] -> c[0];\n"
      "if(c==1) x q[1];\nrz(2*2) q[0];\nh q[0] ;\n";
  DiagnosticSink d;
  Circuit c = compile_source(source, kFile, CompileOptions{}, d);
  ASSERT_FALSE(d.has_errors()) << d.format();
  const std::string ops = emit_ir(c).substr(emit_ir(c).find("ops:"));
  EXPECT_EQ(ops,
            "ops: 10\n"
            "    0  u3(0.1, 0.2, 0.3) q0       ; line 6\n"
            "    1  cx q0, q1                  ; line 7\n"
            "    2  u1(pi/4) q2                ; line 8\n"
            "    3  cx q0, q3                  ; line 9\n"
            "    4  cx q1, q4                  ; line 9\n"
            "    5  cx q2, q5                  ; line 9\n"
            "    6  measure q0 -> c0           ; line 10\n"
            "    7  if ({c0,c1,c2} == 1) x q1  ; line 11\n"
            "    8  rz(4) q0                   ; line 12\n"
            "    9  h q0                       ; line 13\n");
}

// ---------------------------------------------------------------- random statements

/// Random gate calls, mostly in the fast path's form, with random spacing and
/// comments; each choice is now and then a near miss (a keyword, another
/// literal or operator, a missing token).
class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  std::string statement() {
    std::string s = choose({"h", "cx", "rz", "U", "CX", "u3", "my_gate", "g1", "_x", "theta"},
                           {"measure", "gphase", "ctrl", "pow", "true", "im", "pragma", "reset", "inv @ h", "let",
                            "\xCE\xB8", "h[2ns]", "float"});
    if (chance(0.6)) {
      s += sep() + "(";
      const int n = static_cast<int>(rng_() % 4);
      for (int i = 0; i < n; ++i) s += (i ? sep() + "," : "") + sep() + expression(3);
      if (chance(0.1)) s += ",";
      s += sep() + choose({")"}, {"", "]", ",,"});
    }
    const int n = 1 + static_cast<int>(rng_() % 3);
    for (int i = 0; i < n; ++i) s += (i ? sep() + choose({","}, {"", ",,"}) : "") + sep() + operand();
    if (chance(0.05)) s += ",";
    s += sep() + choose({";"}, {"", "-> c;", "[0];", "= 1;"});
    return s;
  }

 private:
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  std::string pick(const std::vector<std::string>& xs) { return xs[rng_() % xs.size()]; }
  /// One of `usual`, or now and then one of `unusual`.
  std::string choose(const std::vector<std::string>& usual, const std::vector<std::string>& unusual) {
    return chance(0.04) ? pick(unusual) : pick(usual);
  }
  std::string sep() {
    if (chance(0.6)) return chance(0.5) ? "" : " ";
    return choose({" ", "  ", "\t", "\n", " /* c */ ", "/*\n*/", "// c\n", "\r\n", " \n "},
                  {"/* \xC3\xA9 */", "\f", "/*", "//"});
  }
  std::string expression(int depth) {
    if (depth == 0 || chance(0.4))
      return choose({"0", "12", "007", "0.5", "1.", "1e3", ".5", "2.5E-3", "pi", "theta", "x1", "tau", "3.25e+2"},
                    {"1_0", "0x1F", "1im", "2 ns", "3dt", "true", "1e", "$1", "1 .5", "0b1", "1.2.3"});
    switch (rng_() % 8) {
      case 0: return "(" + sep() + expression(depth - 1) + sep() + choose({")"}, {"", "]"});
      case 1: return choose({"-"}, {"~", "!", "+"}) + sep() + expression(depth - 1);
      case 2: return choose({"sin", "f"}, {"int", "float"}) + sep() + "(" + sep() + expression(depth - 1) + sep() + ")";
      case 3: return chance(0.2) ? "a[" + expression(depth - 1) + "]" : expression(depth - 1);
      default:
        return expression(depth - 1) + sep() + choose({"+", "-", "*", "/", "**"}, {"%", "<<", "==", "&&", "*=", "->"}) +
               sep() + expression(depth - 1);
    }
  }
  std::string operand() {
    std::string q = choose({"q", "q", "r", "$3"}, {"$", "measure", "$3x"});
    if (q[0] == '$' || chance(0.3)) return q;
    const int n = chance(0.8) ? 1 : 2;
    for (int i = 0; i < n; ++i) {
      q += sep() + "[" + sep();
      const std::string item = choose({"0", "1", "2", "expr", "0,"}, {"0:2", "{0, 1}", "", "0 1"});
      q += item == "expr" ? expression(2) : item;
      q += sep() + choose({"]"}, {"", ")"});
    }
    return q;
  }
  std::mt19937_64 rng_;
};

TEST(ParseFast, RandomStatementsAgreeWithAntlr) {
  Generator gen(17);
  int accepted = 0, antlr_valid = 0;
  constexpr int kStatements = 3000;
  for (int i = 0; i < kStatements; ++i) {
    const std::string stmt = gen.statement();
    SCOPED_TRACE(stmt);
    const std::string f = fast(stmt);
    const std::string g = general(stmt);
    if (g.rfind("GateCall", 0) == 0) ++antlr_valid;
    if (f.empty()) continue;
    ++accepted;
    ASSERT_EQ(f, g);
    // Compiled: the same IR, or the same semantic errors.
    if (i % 5 == 0) {
      EXPECT_EQ(compiled_fast(stmt), compiled_general(stmt));
    }
  }
  // The generator exercises both paths.
  EXPECT_GT(accepted, kStatements / 5);
  EXPECT_LT(accepted, antlr_valid);
}

}  // namespace
}  // namespace qforge
