// Parameter expressions: the normal form construction keeps (golden texts
// written by hand), exact numbers, and round trips through the emitters:
// compile_source(emit_qasm3(c)) has the same expressions as c, tree for tree
// and constant for constant, bit for bit; emit_qasm2 the same numbers.
#include "qforge/emit.hpp"
#include "qforge/expr.hpp"
#include "qforge/frontend.hpp"
#include "qforge/pipeline.hpp"
#include "test_emit_helpers.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

namespace qforge {
namespace {

using namespace test_emit;
using G = GateId;

const std::vector<std::string> kNames = {"x", "y", "theta[2]"};

Expr sym(uint32_t i) { return Expr::symbol(i); }
Expr fn(ExprOp op, const Expr& a) { return Expr::unary(op, a); }

std::string text(const Expr& e) { return e.to_qasm(kNames); }

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

Circuit read_back(const std::string& source) {
  DiagnosticSink diags;
  Circuit c = compile_source(source, "expr.qasm", CompileOptions{}, diags);
  EXPECT_FALSE(diags.has_errors()) << diags.format() << "\n--- text:\n" << source;
  return c;
}

/// The expression the front end builds for `source_expr` as an rz angle, over
/// inputs x, y and theta[3], printed.
std::string compiled(const std::string& source_expr) {
  const std::string src =
      "OPENQASM 3.0;\ninclude \"stdgates.inc\";\ninput float[64] x;\ninput float[64] y;\n"
      "input array[float[64], 3] theta;\nqubit q;\nrz(" + source_expr + ") q;\n";
  Circuit c = read_back(src);
  if (c.ops.size() != 1 || c.ops[0].params.size() != 1) return "<no rz>";
  return c.ops[0].params[0].to_qasm(c.symbol_names());
}

//===- Golden normal forms ---------------------------------------------------===//

struct Golden {
  const char* source;
  const char* expected;
};

// Each source expression, as the front end builds it, prints as a person would
// write its simplest form. Expected strings are written by hand.
TEST(ExprGolden, FrontEndExpressionsPrintSimplified) {
  const Golden cases[] = {
      // constants folded across symbols, in the order written
      {"pi/2 + theta[2] + pi/2", "theta[2] + pi"},
      {"1 + x + 2", "x + 3"},
      {"1 + x - 3", "x - 2"},
      {"x + pi/4 - pi/2", "x - pi/4"},
      {"pi - x", "pi - x"},
      {"1 - x/3", "1 - x/3"},
      {"pi/2 - 2*x", "pi/2 - 2*x"},
      {"0.25 + x + 0.5 + y", "x + y + 0.75"},
      {"(x + 1) + (y + 2)", "x + y + 3"},
      {"(x + 1) - (x + 1)", "0"},
      // identities
      {"x + 0", "x"},
      {"0 + x", "x"},
      {"1 * x", "x"},
      {"x * 1", "x"},
      {"0 * x + y", "y"},
      {"x - x", "0"},
      {"x - x + y", "y"},
      {"-(-x)", "x"},
      {"-(-(-x))", "-x"},
      {"x / 1", "x"},
      {"x ** 1", "x"},
      // like terms combined
      {"x + x", "2*x"},
      {"x + y + x", "2*x + y"},
      {"2*x - 3*x", "-x"},
      {"3*x - x - 2*x", "0"},
      {"x*y + x*y", "2*x*y"},
      // products: constant factors folded, distributed over sums
      {"2 * (3 * x)", "6*x"},
      {"2 * x * 3", "6*x"},
      {"2 * (x + 1)", "2*x + 2"},
      {"-(x - y)", "-x + y"},
      {"(x + y) * -1", "-x - y"},
      {"-x * y", "-x*y"},
      {"x * (y * 2)", "2*x*y"},
      // divisions: by powers of two exactly, others kept
      {"x / 2", "x/2"},
      {"x * 0.5", "x/2"},
      {"3 * x / 4", "3*x/4"},
      {"-(x + y) / 2", "-x/2 - y/2"},
      {"x / 2 + x / 2", "x"},
      {"x / 3", "x/3"},
      {"2 * x / 3", "2*x/3"},
      {"(x + 1) / 3", "(x + 1)/3"},
      {"x / -4", "-x/4"},
      // multiples of pi
      {"x + pi", "x + pi"},
      {"x - pi/4", "x - pi/4"},
      {"x + 3*pi/4", "x + 3*pi/4"},
      {"x + pi/4 + pi/2", "x + 3*pi/4"},
      {"pi/2 * x", "pi/2*x"},
      {"-pi/4 * x", "-pi/4*x"},
      {"x + 2*pi/3", "x + 2*pi/3"},
      {"x + tau", "x + 2*pi"},
      // nested: functions keep their argument simplified
      {"sin(x + 0) + cos(pi/2 + y - pi/2)", "sin(x) + cos(y)"},
      {"sin(x + pi/4 + pi/4) / 2", "sin(x + pi/2)/2"},
      {"2 * sin(x) - sin(x)", "sin(x)"},
      {"x ** 2 * -2", "-2*x**2"},
      {"(x + 1) * y * 2", "2*((x + 1)*y)"},
      {"x / y * 2", "2*(x/y)"},
      {"-(x / y)", "-(x/y)"},
      {"theta[0] + 2*theta[1] - theta[0] + 1 - 1", "2*theta[1]"},
  };
  for (const Golden& g : cases) EXPECT_EQ(compiled(g.source), g.expected) << "source: " << g.source;
}

// The same forms built through the C++ operators.
TEST(ExprGolden, OperatorsBuildTheNormalForm) {
  const Expr x = sym(0), y = sym(1), t = sym(2);
  EXPECT_EQ(text(Expr(M_PI / 2) + t + Expr(M_PI / 2)), "theta[2] + pi");
  EXPECT_EQ(text(x + y + x + Expr(M_PI / 2) - Expr(1.0)), "2*x + y + 0.5707963267948966");
  EXPECT_EQ(text(Expr(0.0) * x), "0");
  EXPECT_EQ(text(-(-x)), "x");
  EXPECT_EQ(text(x - x), "0");
  EXPECT_EQ(text(Expr(1.0) * x + Expr(0.0)), "x");
  EXPECT_EQ(text(-(x + y) / Expr(2.0)), "-x/2 - y/2");
  EXPECT_EQ(text(x / Expr(M_PI / 3)), "x/(pi/3)");
  EXPECT_EQ(text(fn(ExprOp::Sin, x + Expr(M_PI / 2)) * Expr(0.5)), "sin(x + pi/2)/2");
  // A constant that is not exactly pi/2 keeps its own digits.
  EXPECT_EQ(text(Expr(1.570796326794897) + t + Expr(M_PI / 2)), "theta[2] + 3.1415926535897936");
}

// Numbers print as a multiple of pi only when the text evaluates to the same
// double; otherwise in the shortest decimal that does (at most 17 digits).
TEST(ExprGolden, NumbersAreExact) {
  EXPECT_EQ(format_number(M_PI), "pi");
  EXPECT_EQ(format_number(-M_PI / 4), "-pi/4");
  EXPECT_EQ(format_number(3 * M_PI / 4), "3*pi/4");
  EXPECT_EQ(format_number(M_PI / 64), "pi/64");
  EXPECT_EQ(format_number(std::nextafter(M_PI / 2, 4.0)), "1.5707963267948968");
  EXPECT_EQ(format_number(0.1), "0.1");
  EXPECT_EQ(format_number(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(format_number(-0.0), "-0.0");
  EXPECT_EQ(format_number(1e-20), "1e-20");
  EXPECT_EQ(format_number(-2), "-2");
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(-10, 10);
  for (int i = 0; i < 2000; ++i) {
    const double v = i % 2 ? u(rng) : std::ldexp(u(rng), -40 + i % 80);
    const std::string s = format_number(v);
    EXPECT_LE(s.size(), 24u) << s;
    EXPECT_TRUE(same_bits(std::strtod(s.c_str(), nullptr), v)) << s;
  }
  long k = 0;
  int d = 0;
  EXPECT_TRUE(pi_fraction(-3 * M_PI / 8, true, k, d));
  EXPECT_EQ(k, -3);
  EXPECT_EQ(d, 8);
  EXPECT_FALSE(pi_fraction(std::nextafter(M_PI / 8, 0.0), true, k, d));
  EXPECT_TRUE(pi_fraction(std::nextafter(M_PI / 8, 0.0), false, k, d));  // drawings
}

// Simplification never changes what an expression computes beyond rounding:
// checked against the unsimplified value, evaluated by hand.
TEST(ExprGolden, ValuesKeptWithinRounding) {
  const Expr x = sym(0), y = sym(1);
  const double v[] = {0.37, -1.25, 2.0};
  const Expr e = (Expr(0.3) + x) * Expr(3.0) - (y - x) / Expr(7.0) + fn(ExprOp::Cos, x * y) + Expr(M_PI / 2);
  const double hand = (0.3 + v[0]) * 3.0 - (v[1] - v[0]) / 7.0 + std::cos(v[0] * v[1]) + M_PI / 2;
  EXPECT_NEAR(e.eval(v), hand, 1e-14);
  // Exact rewrites keep the value bit for bit: x/4 is x*0.25, a - b is a + -b.
  EXPECT_TRUE(same_bits((x / Expr(4.0)).eval(v), v[0] / 4.0));
  EXPECT_TRUE(same_bits((x - Expr(M_PI / 4)).eval(v), v[0] - M_PI / 4));
  EXPECT_TRUE(same_bits((x + x).eval(v), v[0] + v[0]));
}

//===- Round trips through the emitters ---------------------------------------===//

/// A random expression over `nsym` symbols: sums, products, quotients, powers,
/// functions, constants (pi multiples, small integers, arbitrary doubles).
Expr random_expr(std::mt19937_64& rng, uint32_t nsym, int depth) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  if (depth == 0 || pick(4) == 0) {
    switch (pick(5)) {
      case 0: return Expr(M_PI * (pick(15) - 7) / (1 << pick(4)));
      case 1: return Expr(static_cast<double>(pick(9) - 4));
      case 2: return Expr(std::uniform_real_distribution<double>(-5, 5)(rng));
      default: return sym(static_cast<uint32_t>(pick(static_cast<int>(nsym))));
    }
  }
  const Expr a = random_expr(rng, nsym, depth - 1);
  const Expr b = random_expr(rng, nsym, depth - 1);
  switch (pick(12)) {
    case 0: case 1: case 2: return a + b;
    case 3: case 4: return a - b;
    case 5: case 6: return a * b;
    case 7: return a / (b.is_const() && b.value() == 0 ? Expr(3.0) : b);
    case 8: return -a;
    case 9: return Expr::binary(ExprOp::Pow, a, Expr(static_cast<double>(pick(3) + 2)));
    case 10: return fn(pick(2) ? ExprOp::Sin : ExprOp::Cos, a);
    default: return fn(ExprOp::Atan, a) + b;
  }
}

void expect_same_tree(const Expr& a, const Expr& b, const std::vector<std::string>& names) {
  EXPECT_TRUE(a.same_as(b)) << "wrote " << a.to_qasm(names) << "\nread  " << b.to_qasm(names);
}

/// 12 random gates from `gates` on 3 qubits, with random expressions of
/// `depth` over inputs a and v[3] as parameters.
Circuit random_circuit(std::mt19937_64& rng, const std::vector<GateId>& gates, int depth) {
  Circuit c = circuit(3, 0, {});
  c.inputs = {input("a", 0), input("v", 1, {3})};
  for (int k = 0; k < 12; ++k) {
    const GateId g = gates[rng() % gates.size()];
    const GateInfo& info = gate_info(g);
    std::vector<uint32_t> qs = {0, 1, 2};
    std::shuffle(qs.begin(), qs.end(), rng);
    qs.resize(info.num_qubits);
    std::vector<Expr> ps;
    for (int p = 0; p < info.num_params; ++p) ps.push_back(random_expr(rng, 4, depth));
    c.ops.push_back(gate(g, qs, ps));
  }
  return c;
}

// OpenQASM 3 keeps the symbols: what is read back is the same tree with the
// same doubles, and printing it again gives the same text.
TEST(ExprRoundTrip, RandomSymbolicCircuitsQasm3) {
  std::mt19937_64 rng(18);
  const std::vector<GateId> gates = {G::RZ, G::RX, G::RY, G::P, G::U3, G::CRZ, G::RZZ, G::CU};
  int exact_phases = 0;
  for (int trial = 0; trial < 40; ++trial) {
    Circuit c = random_circuit(rng, gates, 4);
    c.global_phase = random_expr(rng, 4, 3);
    const std::string out = emit_qasm3(c);
    SCOPED_TRACE("trial " + std::to_string(trial) + ":\n" + out);
    const Circuit back = read_back(out);
    const auto names = c.symbol_names();
    ASSERT_EQ(back.ops.size(), c.ops.size());
    for (std::size_t i = 0; i < c.ops.size(); ++i) {
      ASSERT_EQ(back.ops[i].params.size(), c.ops[i].params.size());
      for (std::size_t p = 0; p < c.ops[i].params.size(); ++p)
        expect_same_tree(c.ops[i].params[p], back.ops[i].params[p], names);
    }
    // The global phase: its symbolic part the same tree; its constant bit for
    // bit, except that the reader adds the u3 lines' constant phases one by
    // one and a final gphase cannot always round the sum to the IR's constant
    // (when those phases are far larger than it): then within rounding.
    const Expr k_written(c.global_phase.constant_term()), k_read(back.global_phase.constant_term());
    expect_same_tree(c.global_phase - k_written, back.global_phase - k_read, names);
    const bool exact = same_bits(k_written.value(), k_read.value());
    bool has_u3 = false;
    for (const Operation& op : c.ops) has_u3 = has_u3 || op.gate == G::U3;
    if (!has_u3) {
      EXPECT_TRUE(exact) << k_written.value() << " read back as " << k_read.value();
    }
    EXPECT_NEAR(k_written.value(), k_read.value(), 1e-12);
    exact_phases += exact;
    if (exact) {
      EXPECT_EQ(emit_qasm3(back), out);
    }
  }
  EXPECT_GE(exact_phases, 30);
}

// OpenQASM 2 has no inputs: bound, every angle is a number, read back bit for
// bit (multiples of pi included).
TEST(ExprRoundTrip, RandomBoundCircuitsQasm2) {
  std::mt19937_64 rng(19);
  const std::vector<GateId> gates = {G::RZ, G::RX, G::RY, G::U1, G::U3, G::CRZ, G::CU1};
  for (int trial = 0; trial < 40; ++trial) {
    Circuit c = random_circuit(rng, gates, 3);
    std::vector<double> values(4);
    for (double& v : values) v = std::uniform_real_distribution<double>(-3, 3)(rng);
    values[trial % 4] = M_PI / 4;  // some angles land on exact multiples of pi
    Circuit bound = c.bind(values);
    bound.inputs.clear();
    for (Operation& op : bound.ops)  // (OpenQASM 2 has no inf or nan)
      for (Expr& e : op.params)
        if (!std::isfinite(e.value())) e = Expr(1.5);
    bound.source_version = 2;
    bound.qregs = {reg("q", 0, 3)};
    const std::string out = emit_qasm2(bound);
    SCOPED_TRACE("trial " + std::to_string(trial) + ":\n" + out);
    const Circuit back = read_back(out);
    ASSERT_EQ(back.ops.size(), bound.ops.size());
    for (std::size_t i = 0; i < bound.ops.size(); ++i) {
      ASSERT_EQ(back.ops[i].params.size(), bound.ops[i].params.size());
      for (std::size_t p = 0; p < bound.ops[i].params.size(); ++p) {
        ASSERT_TRUE(back.ops[i].params[p].is_const());
        const double w = bound.ops[i].params[p].value(), r = back.ops[i].params[p].value();
        if (std::isfinite(w)) {
          EXPECT_TRUE(same_bits(w, r)) << w << " read back as " << r;
        }
      }
    }
  }
}

// The lean classifier's circuit (circuits/lean_hybrid.qasm) with its inputs
// symbolic, optimised for the nam gate set: every angle reads as a person would write it.
TEST(ExprExport, LeanCircuitReadsAsWritten) {
  DiagnosticSink diags;
  const Circuit lean = compile_file(QFORGE_SOURCE_DIR "/circuits/lean_hybrid.qasm", CompileOptions{}, diags);
  ASSERT_FALSE(diags.has_errors()) << diags.format();
  const CompileResult r = run_pipeline(lean, 2, "nam", "");
  const std::string out = emit_qasm3(r.circuit);
  for (const char* line : {"rz(2*x[0] - pi/2) q[0];", "rz(2*x[1]) q[1];", "rz(theta[0]) q[0];",
                           "rz(-pi/2) q[1];", "gphase(x[0] + x[1] + x[2] + x[3]);"})
    EXPECT_NE(out.find(std::string(line) + "\n"), std::string::npos) << line << "\nin\n" << out;
  expect_same_tree(r.circuit.global_phase, read_back(out).global_phase, r.circuit.symbol_names());
}

}  // namespace
}  // namespace qforge
