// Helpers shared by the BatchCircuit tests: OpenQASM 3 text compiled by the
// front end, random parameter expressions and random vectors.
#pragma once

#include "qforge/circuit.hpp"
#include "qforge/frontend.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace qforge::test {

/// Compile OpenQASM text; a diagnostic fails the calling test.
inline Circuit compile_text(const std::string& text) {
  DiagnosticSink diags;
  Circuit c = compile_source(text, "test.qasm", {}, diags);
  EXPECT_FALSE(diags.has_errors()) << diags.format() << "\n" << text;
  return c;
}

/// A gate operation with parameter expressions: `qubits` are the extra
/// controls, then the gate's qubits.
inline Operation gate_op(GateId g, std::vector<uint32_t> qubits, std::vector<Expr> params = {},
                         uint8_t extra_controls = 0) {
  Operation op;
  op.kind = OpKind::Gate;
  op.gate = g;
  op.qubits = std::move(qubits);
  op.params = std::move(params);
  op.num_controls = extra_controls;
  return op;
}

/// A gate of the OpenQASM text: name, qubits, parameters.
struct QasmGate {
  const char* name;
  int nq, np;
};

/// A random parameter expression over x[0 .. nsym): linear, products,
/// powers and functions (sin(x)*y, x**2, ...), or a constant.
inline std::string random_expr(std::mt19937_64& rng, int nsym) {
  auto s = [&] { return "x[" + std::to_string(std::uniform_int_distribution<int>(0, nsym - 1)(rng)) + "]"; };
  switch (std::uniform_int_distribution<int>(0, 10)(rng)) {
    case 0: return s();
    case 1: return "2*" + s();
    case 2: return "sin(" + s() + ")*" + s();
    case 3: return s() + "*" + s();
    case 4: return s() + "**2 + 0.3";
    case 5: return "exp(" + s() + "/3)";
    case 6: return "cos(" + s() + ") - " + s() + "/2";
    case 7: return "ln(2 + " + s() + "*" + s() + ")";
    case 8: return "sqrt(1 + " + s() + "**2)";
    case 9: return "arctan(" + s() + ") + pi/4";
    default: return "0.7";
  }
}

/// One call of gate `g` (g.nq <= n) on random distinct qubits of q[0 .. n),
/// with random parameter expressions and, when the qubits allow, a random
/// modifier: ctrl @, inv @, pow(2) @, negctrl @, pow(-1) @, ctrl @ inv @,
/// ctrl(2) @ or none. Returns the statement with its newline.
inline std::string random_gate_call(std::mt19937_64& rng, const QasmGate& g, unsigned n, int nsym) {
  static const char* const kModifiers[] = {"", "ctrl @ ", "inv @ ", "pow(2) @ ", "negctrl @ ",
                                           "pow(-1) @ ", "ctrl @ inv @ ", "ctrl(2) @ "};
  static const int kExtra[] = {0, 1, 0, 0, 1, 0, 1, 2};
  int mod = std::uniform_int_distribution<int>(0, 7)(rng);
  if (g.nq + kExtra[mod] > int(n)) mod = 0;
  std::vector<int> qs(n);
  for (unsigned q = 0; q < n; ++q) qs[q] = int(q);
  std::shuffle(qs.begin(), qs.end(), rng);
  std::string s = std::string(kModifiers[mod]) + g.name;
  if (g.np) {
    s += "(";
    for (int k = 0; k < g.np; ++k) s += (k ? ", " : "") + random_expr(rng, nsym);
    s += ")";
  }
  for (int k = 0; k < g.nq + kExtra[mod]; ++k) s += (k ? ", q[" : " q[") + std::to_string(qs[k]) + "]";
  return s + ";\n";
}

// stdgates.inc gates (and the built-in U).
inline const QasmGate kQasmGates[] = {
    {"x", 1, 0},   {"y", 1, 0},   {"z", 1, 0},   {"h", 1, 0},     {"s", 1, 0},    {"sdg", 1, 0},
    {"t", 1, 0},   {"tdg", 1, 0}, {"sx", 1, 0},  {"rx", 1, 1},    {"ry", 1, 1},   {"rz", 1, 1},
    {"p", 1, 1},   {"u1", 1, 1},  {"u2", 1, 2},  {"u3", 1, 3},    {"U", 1, 3},    {"cx", 2, 0},
    {"cy", 2, 0},  {"cz", 2, 0},  {"ch", 2, 0},  {"swap", 2, 0},  {"cp", 2, 1},   {"crx", 2, 1},
    {"cry", 2, 1}, {"crz", 2, 1}, {"cu", 2, 4},  {"ccx", 3, 0},   {"cswap", 3, 0},
};

// A random n-qubit OpenQASM 3 circuit over x[0 .. nsym).
inline std::string random_qasm(std::mt19937_64& rng, unsigned n, int nsym, int ngates) {
  std::ostringstream o;
  o << "OPENQASM 3.0;\ninclude \"stdgates.inc\";\ninput array[float[64], " << nsym << "] x;\nqubit[" << n
    << "] q;\n";
  for (unsigned q = 0; q < n; ++q) o << "ry(" << 0.3 + 0.2 * q << ") q[" << q << "];\n";
  const int ng = int(sizeof(kQasmGates) / sizeof(kQasmGates[0]));
  int emitted = 0;
  for (int i = 0; emitted < ngates && i < 20 * ngates; ++i) {
    const QasmGate& g = kQasmGates[std::uniform_int_distribution<int>(0, ng - 1)(rng)];
    if (g.nq > int(n)) continue;
    o << random_gate_call(rng, g, n, nsym);
    ++emitted;
  }
  return o.str();
}

/// n uniform values in [lo, hi) from `seed`.
inline std::vector<double> random_vec(std::size_t n, uint64_t seed, double lo = -1, double hi = 1) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

}  // namespace qforge::test
