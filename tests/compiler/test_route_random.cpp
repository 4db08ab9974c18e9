// Compiled outputs, read back from their OpenQASM 3 text with the layout
// comment, are proved equivalent to their inputs by the exact checker:
// random circuits (some qubits idle, some with trailing measurements) x every
// optimisation level x every built-in target, and line/ring coupling maps.
#include "qforge/emit.hpp"
#include "qforge/equiv.hpp"
#include "qforge/frontend.hpp"
#include "qforge/pipeline.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

namespace qforge {
namespace {

// OpenQASM 3 text of a random circuit on n qubits; the qubits in `idle` get
// no operation. With `measure`, the active qubits are measured at the end.
std::string random_program(std::mt19937_64& rng, uint32_t n, const std::set<uint32_t>& idle, uint32_t len,
                           bool measure) {
  std::vector<uint32_t> act;
  for (uint32_t q = 0; q < n; ++q)
    if (!idle.count(q)) act.push_back(q);
  std::string s = "OPENQASM 3.0;\ninclude \"stdgates.inc\";\nqubit[" + std::to_string(n) + "] q;\n";
  if (measure) s += "bit[" + std::to_string(n) + "] c;\n";
  auto q = [&](uint32_t i) { return "q[" + std::to_string(i) + "]"; };
  auto pick = [&] { return act[rng() % act.size()]; };
  static const char* one[] = {"h", "x", "s", "t", "tdg", "sx"};
  for (uint32_t k = 0; k < len; ++k) {
    const uint32_t kind = rng() % 10;
    if (act.size() >= 3 && kind == 0) {
      uint32_t a = pick(), b = pick(), c = pick();
      while (b == a) b = pick();
      while (c == a || c == b) c = pick();
      s += "ccx " + q(a) + ", " + q(b) + ", " + q(c) + ";\n";
    } else if (act.size() >= 2 && kind <= 5) {
      uint32_t a = pick(), b = pick();
      while (b == a) b = pick();
      const char* g = kind <= 3 ? "cx" : kind == 4 ? "cz" : "swap";
      s += std::string(g) + " " + q(a) + ", " + q(b) + ";\n";
    } else if (kind == 6) {
      s += "rz(" + std::to_string(0.1 + 0.01 * static_cast<double>(rng() % 300)) + ") " + q(pick()) + ";\n";
    } else {
      s += std::string(one[rng() % 6]) + " " + q(pick()) + ";\n";
    }
  }
  if (measure)
    for (uint32_t a : act) s += "c[" + std::to_string(a) + "] = measure " + q(a) + ";\n";
  return s;
}

Circuit read(const std::string& text, const std::string& name) {
  DiagnosticSink diags;
  Circuit c = compile_source(text, name, {}, diags);
  if (diags.has_errors()) throw std::runtime_error(name + ": " + diags.format() + "\n" + text);
  return c;
}

// Compile `in` at `level` for `target` (with `coupling` if not empty), emit
// OpenQASM 3 as `qforge compile` writes it, read it back and prove it
// equivalent under the recorded layout. Returns "" or what went wrong.
std::string check_round_trip(const Circuit& in, int level, const std::string& target, const std::string& coupling) {
  CompileResult r = run_pipeline(in, level, make_target(target, coupling));
  std::string text = emit_qasm3(r.circuit);
  const std::string lc = layout_comment(r);
  if (!lc.empty()) text.insert(text.find('\n') + 1, lc + "\n");
  Circuit out = read(text, "output");
  EquivOptions o;
  o.engine = EquivEngine::Exact;
  if (!lc.empty() && !parse_layout_comment(text, o.initial_layout, o.final_layout)) return "no layout comment read";
  try {
    EquivResult e = check_equivalence(in, out, o);
    if (!e.exact) return "not exact: " + e.method;
    if (!e.equivalent) return "not equivalent: " + e.detail + "\n" + text;
  } catch (const std::exception& e) {
    return std::string("cannot compare: ") + e.what() + "\n" + text;
  }
  return "";
}

// The failure found by random checks: an idle logical qubit placed on a
// physical qubit above every qubit the output names. The output read back
// had too few qubits for its layout ("layout is not an injection into the
// second circuit's qubits").
TEST(RoutedOutput, NamesEveryLayoutQubit) {
  const Circuit in = read(
      "OPENQASM 3.0;\ninclude \"stdgates.inc\";\nqubit[8] q;\n"
      "h q[3];\ncx q[3], q[4];\ncx q[4], q[5];\n",
      "idle");
  for (const char* coupling : {"line:8", "ring:8"})
    for (int level = 0; level <= 3; ++level) {
      CompileResult r = run_pipeline(in, level, make_target("generic", coupling));
      std::set<uint32_t> named;
      for (const Operation& op : r.circuit.ops)
        for (uint32_t q : op.qubits) named.insert(q);
      for (uint32_t q : r.initial_layout) EXPECT_TRUE(named.count(q)) << coupling << " -O" << level << " $" << q;
      for (uint32_t q : r.final_layout) EXPECT_TRUE(named.count(q)) << coupling << " -O" << level << " $" << q;
      EXPECT_EQ(check_round_trip(in, level, "generic", coupling), "") << coupling << " -O" << level;
    }
  // Nothing is added when every layout qubit is in use.
  const Circuit busy = read(
      "OPENQASM 3.0;\ninclude \"stdgates.inc\";\nqubit[3] q;\ncx q[0], q[1];\ncx q[1], q[2];\ncx q[0], q[2];\n", "busy");
  CompileResult r = run_pipeline(busy, 2, make_target("generic", "line:3"));
  for (const Operation& op : r.circuit.ops) EXPECT_NE(op.kind, OpKind::Barrier);
  EXPECT_EQ(check_round_trip(busy, 2, "generic", "line:3"), "");
}

TEST(RoutedOutput, RandomCircuitsEveryLevelAndTargetProvedEquivalent) {
  std::mt19937_64 rng(18);
  std::vector<std::pair<std::string, std::string>> targets;
  for (const std::string& t : target_names()) targets.push_back({t, ""});
  targets.push_back({"generic", "line:8"});
  targets.push_back({"generic", "ring:6"});
  int checked = 0;
  for (uint32_t n : {2u, 3u, 4u, 5u, 6u, 8u, 10u}) {
    for (int rep = 0; rep < 5; ++rep) {
      std::set<uint32_t> idle;
      const uint32_t n_idle = n <= 2 ? 0 : rng() % 3;
      while (idle.size() < n_idle) idle.insert(static_cast<uint32_t>(rng() % n));
      const bool measure = rep % 2 == 1;
      const std::string text = random_program(rng, n, idle, 6 + static_cast<uint32_t>(rng() % (5 * n)), measure);
      const Circuit in = read(text, "random");
      for (const auto& [target, coupling] : targets) {
        if ((coupling == "ring:6" && n > 6) || (coupling == "line:8" && n > 8)) continue;
        for (int level = 0; level <= 3; ++level) {
          EXPECT_EQ(check_round_trip(in, level, target, coupling), "")
              << target << " " << coupling << " -O" << level << "\n" << text;
          ++checked;
        }
      }
    }
  }
  EXPECT_EQ(checked, 5 * 4 * (7 * 4 + 6 + 5));
}

}  // namespace
}  // namespace qforge
