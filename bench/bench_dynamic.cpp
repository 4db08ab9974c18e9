// bench_dynamic: the cost of mid-circuit measurement and feed-forward under
// shot branching, side by side in one run.
//
//   bench_dynamic [--qubits 20] [--shots 2000] [--layers 12] [--reps 3] [--threads N]
//
// One random circuit (layers of RY, RZ and a CX brickwork, measured at the
// end) is timed with run() as it is and with dynamic operations inserted
// halfway: one mid-circuit measurement; one measurement and a gate
// conditioned on it; the same as run-time classical logic (an `if` whose
// body assigns a variable too); three measurements with conditioned gates;
// a reset of an entangled qubit; and, at 5x the shots beside the static
// circuit at those shots, a repeat-until-success `while` loop on qubit 0
// entangled with qubit 1 (success probability 1/2 a round). Each time is
// the minimum of --reps runs; the table gives it as a multiple of the
// static circuit's time at the same shots, and the branches each run
// simulated.
#include "qforge/circuit.hpp"
#include "qforge/simulator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace qforge;
using Clock = std::chrono::steady_clock;

Operation measure(uint32_t q, uint32_t c) {
  Operation op;
  op.kind = OpKind::Measure;
  op.qubits = {q};
  op.clbits = {c};
  return op;
}

void layers(Circuit& c, int count, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> angle(-3, 3);
  const uint32_t n = c.num_qubits;
  for (int l = 0; l < count; ++l) {
    for (uint32_t q = 0; q < n; ++q) {
      c.ops.push_back(make_gate(GateId::RY, {q}, {Expr(angle(rng))}));
      c.ops.push_back(make_gate(GateId::RZ, {q}, {Expr(angle(rng))}));
    }
    for (uint32_t q = uint32_t(l % 2); q + 1 < n; q += 2) c.ops.push_back(make_gate(GateId::CX, {q, q + 1}));
  }
}

/// The circuit with `middle` (given the circuit, adds its operations) between
/// its two halves; n clbits for the final measurements, 3 more for the middle.
template <typename Middle>
Circuit make(uint32_t n, int layer_count, Middle middle) {
  std::mt19937_64 rng(7);
  Circuit c;
  c.num_qubits = n;
  c.num_clbits = n + 3;
  layers(c, layer_count / 2, rng);
  middle(c);
  layers(c, layer_count - layer_count / 2, rng);
  for (uint32_t q = 0; q < n; ++q) c.ops.push_back(measure(q, q));
  return c;
}

Operation when(Operation op, uint32_t clbit) {
  op.conditions.push_back(Condition{{clbit}, 1, true});
  return op;
}

Operation assign(uint32_t var, CExpr value) {
  ClassicalData d;
  d.var = var;
  d.value = std::move(value);
  Operation op;
  op.kind = OpKind::Assign;
  op.classical = std::make_shared<const ClassicalData>(std::move(d));
  return op;
}

/// n = n + 1 for the int[32] variable n.
Operation increment(uint32_t var) {
  const ClassicalType t{CType::Int, 32};
  return assign(var, CExpr::apply(COp::Add, t, {CExpr::var(var, t), CExpr::constant(CValue::of_int(1, 32))}));
}

}  // namespace

int main(int argc, char** argv) {
  uint32_t n = 20;
  uint64_t shots = 2000;
  int layer_count = 12, reps = 3, threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    const long v = std::atol(argv[i + 1]);
    if (a == "--qubits") n = uint32_t(v);
    else if (a == "--shots") shots = uint64_t(v);
    else if (a == "--layers") layer_count = int(v);
    else if (a == "--reps") reps = int(v);
    else if (a == "--threads") threads = int(v);
    else {
      fmt::print(stderr, "usage: bench_dynamic [--qubits N] [--shots N] [--layers N] [--reps N] [--threads N]\n");
      return 2;
    }
  }
  struct Case {
    std::string name;
    Circuit circuit;
    uint64_t shots;
  };
  const ClassicalType kBool{CType::Bool, 1};
  const uint32_t m = n;  // first clbit of the middle
  std::vector<Case> cases;
  cases.push_back({"static (measured at the end)", make(n, layer_count, [](Circuit&) {}), shots});
  cases.push_back({"1 mid-circuit measurement", make(n, layer_count, [&](Circuit& c) {
                     c.ops.push_back(measure(0, m));
                   }), shots});
  cases.push_back({"1 measurement + conditioned X", make(n, layer_count, [&](Circuit& c) {
                     c.ops.push_back(measure(0, m));
                     c.ops.push_back(when(make_gate(GateId::X, {1}), m));
                   }), shots});
  cases.push_back({"1 measurement + if { X; n = n + 1 }", make(n, layer_count, [&](Circuit& c) {
                     c.vars.push_back({"n", {CType::Int, 32}, true});
                     c.ops.push_back(measure(0, m));
                     ClassicalData d;
                     d.value = CExpr::bits({m});
                     c.ops.push_back(make_control_flow(OpKind::If, d, {{make_gate(GateId::X, {1}), increment(0)}}));
                   }), shots});
  cases.push_back({"3 measurements + conditioned RX", make(n, layer_count, [&](Circuit& c) {
                     for (uint32_t k = 0; k < 3; ++k) {
                       c.ops.push_back(measure(k, m + k));
                       c.ops.push_back(when(make_gate(GateId::RX, {k + 3}, {Expr(0.3)}), m + k));
                     }
                   }), shots});
  cases.push_back({"reset of an entangled qubit", make(n, layer_count, [&](Circuit& c) {
                     Operation r;
                     r.kind = OpKind::Reset;
                     r.qubits = {0};
                     c.ops.push_back(r);
                   }), shots});
  cases.push_back({"static (measured at the end)", make(n, layer_count, [](Circuit&) {}), 5 * shots});
  // while (!ok) { reset q0; ry(pi/2) q0; cz q0, q1; ok = measure q0; n = n + 1; }
  cases.push_back({"repeat until success (while)", make(n, layer_count, [&](Circuit& c) {
                     c.vars.push_back({"n", {CType::Int, 32}, true});
                     c.vars.push_back({"ok", kBool, false});
                     Operation r;
                     r.kind = OpKind::Reset;
                     r.qubits = {0};
                     ClassicalData d;
                     d.value = CExpr::apply(COp::LogNot, kBool, {CExpr::var(1, kBool)});
                     c.ops.push_back(make_control_flow(
                         OpKind::While, d,
                         {{r, make_gate(GateId::RY, {0}, {Expr(M_PI / 2)}), make_gate(GateId::CZ, {0, 1}),
                           measure(0, m), assign(1, CExpr::bits({m})), increment(0)}}));
                   }), 5 * shots});

  sim::RunOptions o;
  o.seed = 1;
  o.threads = threads;
  fmt::print("{} qubits, {} layers, minimum of {} runs; ratio: to the static circuit at the same shots\n\n", n,
             layer_count, reps);
  fmt::print("{:<38} {:>7} {:>10} {:>9} {:>9}\n", "circuit", "shots", "seconds", "ratio", "branches");
  std::map<uint64_t, double> base;
  for (const Case& k : cases) {
    double best = 1e300;
    uint64_t branches = 0;
    o.shots = k.shots;
    for (int r = 0; r < reps; ++r) {
      const auto t0 = Clock::now();
      const sim::RunResult res = sim::run(k.circuit, o);
      best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
      branches = res.branches;
    }
    if (!base.count(k.shots)) base[k.shots] = best;
    fmt::print("{:<38} {:>7} {:>10.4f} {:>8.2f}x {:>9}\n", k.name, k.shots, best, best / base[k.shots], branches);
  }
  return 0;
}
