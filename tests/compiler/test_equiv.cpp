// The equivalence engine: decision diagrams (the default) and simulation
// (exact and random modes), global phase, layouts, measurements, symbols,
// and messages naming where circuits differ.
#include "qforge/equiv.hpp"
#include "qforge/frontend.hpp"
#include "qforge/pipeline.hpp"
#include "test_gate_helpers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

namespace qforge {
namespace {

using test_gates::g;

Circuit circ(uint32_t n, std::vector<Operation> ops, double phase = 0) {
  Circuit c;
  c.num_qubits = n;
  c.ops = std::move(ops);
  c.global_phase = Expr(phase);
  return c;
}

TEST(Equiv, SwapIsThreeCx) {
  Circuit a = circ(2, {g(GateId::Swap, {0, 1})});
  Circuit b = circ(2, {g(GateId::CX, {0, 1}), g(GateId::CX, {1, 0}), g(GateId::CX, {0, 1})});
  EquivResult r = check_equivalence(a, b);
  EXPECT_TRUE(r.equivalent) << r.detail;
  EXPECT_TRUE(r.exact);
  EXPECT_NEAR(r.global_phase, 0, 1e-12);
}

TEST(Equiv, UpToGlobalPhaseAndReportsIt) {
  // Z = i * rz(pi)
  Circuit a = circ(1, {g(GateId::Z, {0})});
  Circuit b = circ(1, {g(GateId::RZ, {0}, {Expr(M_PI)})});
  EquivResult r = check_equivalence(a, b);
  EXPECT_TRUE(r.equivalent);
  EXPECT_NEAR(r.global_phase, -M_PI / 2, 1e-12);
  b.global_phase = Expr(M_PI / 2);
  EXPECT_NEAR(check_equivalence(a, b).global_phase, 0, 1e-12);
}

TEST(Equiv, DetectsDifferenceAndNamesTheInput) {
  Circuit a = circ(2, {g(GateId::H, {0}), g(GateId::CX, {0, 1})});
  Circuit b = circ(2, {g(GateId::H, {0}), g(GateId::CX, {1, 0})});
  EquivResult r = check_equivalence(a, b);
  EXPECT_FALSE(r.equivalent);
  EXPECT_NE(r.detail.find("basis input |"), std::string::npos) << r.detail;
  EXPECT_GT(r.max_error, 0.1);
}

TEST(Equiv, RefusesRunTimeClassicalLogicByName) {
  // Comparing the unitaries would silently drop the loop: refused, located.
  DiagnosticSink d;
  const Circuit c = compile_source("OPENQASM 3.0;\ninclude \"stdgates.inc\";\nqubit q;\nbit m;\nh q;\n"
                                   "m = measure q;\nwhile (m) {\n  h q;\n  m = measure q;\n}\n",
                                   "loop.qasm", CompileOptions{}, d);
  ASSERT_FALSE(d.has_errors()) << d.format();
  try {
    check_equivalence(c, c);
    FAIL() << "compared a while loop";
  } catch (const LocatedError& e) {
    EXPECT_EQ(std::string(e.what()), "first circuit: run-time classical logic (while) cannot be compared");
    EXPECT_EQ(e.loc().line, 7u);
  }
}

TEST(Equiv, RelativePhaseIsNotGlobal) {
  Circuit a = circ(1, {g(GateId::H, {0})});
  Circuit b = circ(1, {g(GateId::H, {0}), g(GateId::Z, {0})});
  EXPECT_FALSE(check_equivalence(a, b).equivalent);
}

TEST(Equiv, RandomModeOnDenseStates) {
  Circuit a = circ(3, {g(GateId::CCX, {0, 1, 2})});
  Circuit b = circ(3, {g(GateId::X, {2}, {}, 2)});  // ctrl @ ctrl @ x
  b.ops[0].qubits = {0, 1, 2};
  EquivOptions o;
  o.engine = EquivEngine::Simulation;
  o.max_exact_qubits = 2;
  EquivResult r = check_equivalence(a, b, o);
  EXPECT_TRUE(r.equivalent) << r.detail;
  EXPECT_FALSE(r.exact);
  EXPECT_NE(r.method.find("random"), std::string::npos);
  Circuit bad = circ(3, {g(GateId::CX, {0, 2})});
  EXPECT_FALSE(check_equivalence(a, bad, o).equivalent);
}

TEST(Equiv, SparseModeOnThirtyQubits) {
  std::vector<Operation> ops, ops2;
  for (uint32_t q = 0; q + 1 < 30; ++q) ops.push_back(g(GateId::CX, {q, q + 1}));
  ops.push_back(g(GateId::H, {29}));
  ops.push_back(g(GateId::T, {29}));
  ops.push_back(g(GateId::H, {29}));
  Circuit a = circ(30, ops);
  Circuit b = a;
  EquivOptions sim;
  sim.engine = EquivEngine::Simulation;
  EquivResult r = check_equivalence(a, b, sim);
  EXPECT_TRUE(r.equivalent) << r.detail;
  EXPECT_NE(r.method.find("sparse"), std::string::npos);
  b.ops[b.ops.size() - 2] = g(GateId::Tdg, {29});
  EXPECT_FALSE(check_equivalence(a, b, sim).equivalent);
  EXPECT_FALSE(check_equivalence(a, b).equivalent);
  // A missing relative phase on a superposed qubit is caught too.
  Circuit c = a;
  c.ops.insert(c.ops.begin(), g(GateId::S, {3}));
  EXPECT_FALSE(check_equivalence(a, c, sim).equivalent);
  EXPECT_FALSE(check_equivalence(a, c).equivalent);
}

TEST(Equiv, LayoutsAndAncillas) {
  // A: cx 0,1 on 2 qubits. B: the same on physical qubits 2 and 0 of 3,
  // followed by a swap: final layout exchanges them.
  Circuit a = circ(2, {g(GateId::CX, {0, 1})});
  Circuit b = circ(3, {g(GateId::CX, {2, 0}), g(GateId::Swap, {0, 2})});
  EquivOptions o;
  o.initial_layout = {2, 0};
  o.final_layout = {0, 2};
  EquivResult r = check_equivalence(a, b, o);
  EXPECT_TRUE(r.equivalent) << r.detail;
  o.final_layout = {2, 0};
  EXPECT_FALSE(check_equivalence(a, b, o).equivalent);
  // An ancilla left excited is an error.
  Circuit leak = circ(3, {g(GateId::CX, {2, 0}), g(GateId::X, {1})});
  EquivOptions o2;
  o2.initial_layout = {2, 0};
  EquivResult r2 = check_equivalence(a, leak, o2);
  EXPECT_FALSE(r2.equivalent);
  EXPECT_NE(r2.detail.find("ancilla"), std::string::npos);
}

TEST(Equiv, SymbolsMatchedByName) {
  Circuit a = circ(1, {g(GateId::RZ, {0}, {Expr::symbol(0)}), g(GateId::RZ, {0}, {Expr::symbol(1)})});
  a.inputs.push_back({"x", "float[64]", {}, 0});
  a.inputs.push_back({"y", "float[64]", {}, 1});
  Circuit b = circ(1, {g(GateId::RZ, {0}, {Expr::symbol(0) + Expr::symbol(1)})});
  b.inputs.push_back({"y", "float[64]", {}, 0});
  b.inputs.push_back({"x", "float[64]", {}, 1});
  EXPECT_TRUE(check_equivalence(a, b).equivalent);
  Circuit c = circ(1, {g(GateId::RZ, {0}, {Expr::symbol(0) - Expr::symbol(1)})});
  c.inputs = b.inputs;
  EquivResult r = check_equivalence(a, c);
  EXPECT_FALSE(r.equivalent);
  EXPECT_NE(r.detail.find("symbol binding"), std::string::npos);
}

TEST(Equiv, TrailingMeasurementsCompared) {
  Operation m0;
  m0.kind = OpKind::Measure;
  m0.qubits = {0};
  m0.clbits = {0};
  Circuit a = circ(2, {g(GateId::H, {0}), m0});
  a.num_clbits = 1;
  Circuit b = a;
  EXPECT_TRUE(check_equivalence(a, b).equivalent);
  b.ops[1].qubits = {1};
  EXPECT_FALSE(check_equivalence(a, b).equivalent);
  Circuit mid = a;
  mid.ops.push_back(g(GateId::X, {0}));
  EXPECT_THROW(check_equivalence(a, mid), std::invalid_argument);
}

TEST(Equiv, CircuitUnitaryConvention) {
  // cx 0,1: qubit 0 is the most significant bit.
  auto u = circuit_unitary(circ(2, {g(GateId::CX, {0, 1})}));
  EXPECT_NEAR(std::abs(u[2 * 4 + 3]), 1.0, 1e-12);
  EXPECT_NEAR(std::abs(u[3 * 4 + 2]), 1.0, 1e-12);
}

TEST(Equiv, BadLayoutThrows) {
  Circuit a = circ(2, {g(GateId::CX, {0, 1})});
  EquivOptions o;
  o.initial_layout = {0, 0};
  EXPECT_THROW(check_equivalence(a, a, o), std::invalid_argument);
}

TEST(Equiv, WitnessLabelsPutQubitZeroFirst) {
  // Inputs go in big-endian order (qubit 0 the most significant): the first
  // four have qubit 0 in |0>, where cx 0,1 is the identity; the fifth is |100>.
  Circuit a = circ(3, {g(GateId::CX, {0, 1})});
  Circuit b = circ(3, {});
  EquivResult r = check_equivalence(a, b);
  EXPECT_FALSE(r.equivalent);
  EXPECT_NE(r.detail.find("on basis input |100>: output amplitude of |100> is 0+0i in the first circuit but 1+0i"),
            std::string::npos)
      << r.detail;
  // An ancilla left excited is named in B's qubit order, qubit 0 first.
  Circuit leak = circ(4, {g(GateId::CX, {0, 1}), g(GateId::X, {3})});
  EquivOptions o;
  o.initial_layout = {0, 1, 2};
  EquivResult r2 = check_equivalence(a, leak, o);
  EXPECT_FALSE(r2.equivalent);
  EXPECT_NE(r2.detail.find("on basis input |000>, the second circuit leaves ancilla qubits excited (amplitude "
                           "1.000000 at B basis state |0001>)"),
            std::string::npos)
      << r2.detail;
}

// A 30-qubit reversible circuit with T gates and Hadamards, and redundancies
// the optimizer removes: too many qubits for a dense state, so both circuits
// run on sparse states.
Circuit thirty_qubit_circuit() {
  std::mt19937_64 rng(7);
  std::vector<Operation> ops;
  const uint32_t n = 30;
  auto q = [&] { return static_cast<uint32_t>(rng() % n); };
  for (int i = 0; i < 120; ++i) {
    uint32_t a = q(), b = q(), c = q();
    while (b == a) b = q();
    while (c == a || c == b) c = q();
    switch (rng() % 6) {
      case 0: ops.push_back(g(GateId::CCX, {a, b, c})); break;
      case 1: ops.push_back(g(GateId::CX, {a, b})); ops.push_back(g(GateId::CX, {a, b})); break;
      case 2: ops.push_back(g(GateId::T, {a})); ops.push_back(g(GateId::CX, {b, a})); break;
      case 3: ops.push_back(g(GateId::H, {a})); ops.push_back(g(GateId::H, {a})); ops.push_back(g(GateId::S, {a})); break;
      case 4: ops.push_back(g(GateId::Tdg, {c})); ops.push_back(g(GateId::T, {c})); ops.push_back(g(GateId::CZ, {a, c})); break;
      default: ops.push_back(g(GateId::Swap, {a, b})); break;
    }
  }
  ops.push_back(g(GateId::H, {5}));
  ops.push_back(g(GateId::RZ, {5}, {Expr(0.3)}));
  ops.push_back(g(GateId::H, {5}));
  return circ(n, ops);
}

TEST(Equiv, BeyondDenseLimitProvesOptimisedFormAndFindsPlantedDifference) {
  Circuit a = thirty_qubit_circuit();
  Circuit b = run_pipeline(a, 2, "nam").circuit;
  // The optimizer rewrote it: Toffolis and swaps into the nam gate set,
  // redundant pairs removed.
  ASSERT_NE(b.ops.size(), a.ops.size());
  EquivResult r = check_equivalence(a, b);
  EXPECT_TRUE(r.equivalent) << r.detail;
  EXPECT_TRUE(r.exact);
  // By the path sums (the rx at the end cancels on its parity) or the diagrams.
  EXPECT_TRUE(r.method.rfind("path sums", 0) == 0 || r.method.rfind("decision diagrams", 0) == 0) << r.method;
  // A planted relative phase on a superposed qubit, and a planted bit flip:
  // the diagrams name an input basis state, and its simulation the outputs.
  Circuit phase = b;
  phase.ops.insert(phase.ops.begin() + static_cast<long>(phase.ops.size() / 2), g(GateId::T, {11}));
  EquivResult r2 = check_equivalence(a, phase);
  EXPECT_FALSE(r2.equivalent);
  EXPECT_TRUE(r2.exact);
  EXPECT_NE(r2.detail.find("on basis input |"), std::string::npos) << r2.detail;
  EXPECT_NE(r2.detail.find("output amplitude of"), std::string::npos) << r2.detail;
  Circuit flip = b;
  flip.ops.push_back(g(GateId::X, {29}));
  EXPECT_FALSE(check_equivalence(a, flip).equivalent);
  // Simulation with random states finds the phase too, and says it sampled.
  EquivOptions o;
  o.engine = EquivEngine::Simulation;
  o.num_random_states = 40;
  EquivResult r3 = check_equivalence(a, b, o);
  EXPECT_TRUE(r3.equivalent) << r3.detail;
  EXPECT_FALSE(r3.exact);
  EXPECT_NE(r3.method.find("on 30 qubits (sparse"), std::string::npos) << r3.method;
  EquivResult r4 = check_equivalence(a, phase, o);
  EXPECT_FALSE(r4.equivalent);
  EXPECT_NE(r4.detail.find("random input state #"), std::string::npos) << r4.detail;
}

TEST(Equiv, MoreThanSixtyFourQubitsProvedByDiagramsRefusedBySimulation) {
  std::vector<Operation> ops;
  for (uint32_t q = 0; q + 1 < 70; ++q) ops.push_back(g(GateId::CX, {q, q + 1}));
  Circuit a = circ(70, ops);
  EquivResult r = check_equivalence(a, a);
  EXPECT_TRUE(r.equivalent) << r.detail;
  EXPECT_NE(r.method.find("on 70 qubits"), std::string::npos) << r.method;
  EquivOptions sim;
  sim.engine = EquivEngine::Simulation;
  try {
    check_equivalence(a, a, sim);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("70 qubits"), std::string::npos) << e.what();
  }
  // Idle qubits of B do not count: 70 declared, 3 touched, 3 logical.
  Circuit small = circ(3, {g(GateId::CX, {0, 1})});
  Circuit wide = circ(70, {g(GateId::CX, {40, 65})});
  EquivOptions o;
  o.engine = EquivEngine::Simulation;
  o.initial_layout = {40, 65, 2};
  EXPECT_TRUE(check_equivalence(small, wide, o).equivalent);
  o.engine = EquivEngine::Auto;
  EXPECT_TRUE(check_equivalence(small, wide, o).equivalent);
  // A planted difference at qubit 69 of 70 is found with its input.
  Circuit b = a;
  b.ops.push_back(g(GateId::Z, {69}));
  EquivResult bad = check_equivalence(a, b);
  EXPECT_FALSE(bad.equivalent);
  EXPECT_NE(bad.detail.find("on basis input |"), std::string::npos) << bad.detail;
}

// Known-inequivalent pairs: one gate changed, a phase on one branch, a wrong
// layout. Each is "not equivalent" with a witness input, proved exactly.
TEST(Equiv, KnownInequivalentPairsHaveWitnesses) {
  Circuit a = thirty_qubit_circuit();
  Circuit changed = a;
  for (auto& op : changed.ops)
    if (op.gate == GateId::CCX) {
      op.qubits = {op.qubits[1], op.qubits[2], op.qubits[0]};  // another target
      break;
    }
  EquivResult r = check_equivalence(a, changed);
  EXPECT_FALSE(r.equivalent);
  EXPECT_TRUE(r.exact);
  EXPECT_NE(r.detail.find("on basis input |"), std::string::npos) << r.detail;
  // A phase on one branch: cz instead of a controlled identity, on two
  // qubits that a cx has just entangled.
  Circuit branch = a;
  branch.ops.push_back(g(GateId::CZ, {3, 17}));
  EXPECT_FALSE(check_equivalence(a, branch).equivalent);
  // A wrong layout: the routed cx 0,1 read with the final layout of no swap.
  Circuit small = circ(3, {g(GateId::CX, {0, 1}), g(GateId::H, {2})});
  Circuit routed = circ(4, {g(GateId::CX, {3, 1}), g(GateId::H, {0}), g(GateId::Swap, {1, 3})});
  EquivOptions o;
  o.initial_layout = {3, 1, 0};
  o.final_layout = {1, 3, 0};
  EXPECT_TRUE(check_equivalence(small, routed, o).equivalent);
  o.final_layout = {3, 1, 0};
  EquivResult wrong = check_equivalence(small, routed, o);
  EXPECT_FALSE(wrong.equivalent);
  EXPECT_NE(wrong.detail.find("on basis input |"), std::string::npos) << wrong.detail;
}

// Two dense unitaries (circuit_unitary) equal up to a global phase.
bool same_up_to_phase(const std::vector<cplx>& u, const std::vector<cplx>& v) {
  cplx overlap = 0;
  for (std::size_t i = 0; i < u.size(); ++i) overlap += std::conj(u[i]) * v[i];
  const cplx phase = overlap / std::abs(overlap);
  double worst = 0;
  for (std::size_t i = 0; i < u.size(); ++i) worst = std::max(worst, std::abs(v[i] - phase * u[i]));
  return worst < 1e-6;
}

// `gates` random gates on n qubits: rz and ry by arbitrary angles (which
// the path sums give no answer on), h when `with_h`, and cx.
Circuit random_rotations(uint32_t n, int gates, uint64_t seed, bool with_h) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> angle(-M_PI, M_PI);
  std::vector<Operation> ops;
  auto q = [&] { return static_cast<uint32_t>(rng() % n); };
  for (int i = 0; i < gates; ++i) {
    uint32_t a = q(), b = q();
    while (b == a) b = q();
    const uint64_t kind = rng() % (with_h ? 5 : 4);
    if (kind == 0) ops.push_back(g(GateId::RZ, {a}, {Expr(angle(rng))}));
    else if (kind == 1) ops.push_back(g(GateId::RY, {a}, {Expr(angle(rng))}));
    else if (kind == 2 && with_h) ops.push_back(g(GateId::H, {a}));
    else ops.push_back(g(GateId::CX, {a, b}));
  }
  return circ(n, ops);
}

// The decision diagrams' stepping (block by block when the runs of the two
// circuits match, else the side behind in proportion first, the other tried
// when the diagram grows) against the dense unitaries:
// random circuits on 10 qubits with rotations by arbitrary angles (the path
// sums give no answer on them), every basis input's simulation turned off
// (max_exact_qubits 0) so that the diagrams decide; B is the optimizer's -O2 output (its
// gates fused into u3, its cx cancelled), and B with one rotation off by
// 1e-3 radians.
TEST(Equiv, DiagramsAgreeWithTheDenseUnitaries) {
  const uint32_t n = 10;
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    const Circuit a = random_rotations(n, 120, seed, true);
    const Circuit b = run_pipeline(a, 2, "generic").circuit;
    const std::vector<cplx> ua = circuit_unitary(a);
    ASSERT_TRUE(same_up_to_phase(ua, circuit_unitary(b))) << "seed " << seed;
    // Every basis input would be simulated first on 10 qubits: not here.
    EquivOptions diagrams;
    diagrams.max_exact_qubits = 0;
    EquivResult r = check_equivalence(a, b, diagrams);
    EXPECT_TRUE(r.equivalent) << "seed " << seed << ": " << r.detail;
    EXPECT_TRUE(r.exact);
    EXPECT_NE(r.method.find("decision diagrams"), std::string::npos) << r.method;
    Circuit off = b;
    for (auto it = off.ops.rbegin() + static_cast<long>(off.ops.size() / 2); it != off.ops.rend(); ++it)
      if (!it->params.empty()) {
        it->params[0] = Expr(it->params[0].value() + 1e-3);
        break;
      }
    ASSERT_FALSE(same_up_to_phase(ua, circuit_unitary(off))) << "seed " << seed;
    EquivResult r2 = check_equivalence(a, off, diagrams);
    EXPECT_FALSE(r2.equivalent) << "seed " << seed;
    EXPECT_TRUE(r2.exact);
    EXPECT_NE(r2.detail.find("on basis input |"), std::string::npos) << r2.detail;
  }
}

// Rotations that are not Clifford+T on 8 qubits, 1,200 gates and the
// optimizer's -O2 output: past the budget of the first simulation of every
// basis input, no path sum, and decision diagrams that grow dense (a
// routed dnn_n8 took 50 s that way); every basis input is simulated again
// before the diagrams, up to a larger budget. A rotation 1e-3 off is
// refuted with its input. Both answers are checked against the dense
// unitaries first.
TEST(Equiv, EveryBasisInputBeforeDenseDiagrams) {
  const Circuit a = random_rotations(8, 1200, 7, false);
  Circuit b = run_pipeline(a, 2, "generic").circuit;
  ASSERT_GT(double(a.ops.size() + b.ops.size()) * 65536, 1e8) << "past the first budget";
  const std::vector<cplx> ua = circuit_unitary(a);
  ASSERT_TRUE(same_up_to_phase(ua, circuit_unitary(b)));
  EquivResult r = check_equivalence(a, b);
  EXPECT_TRUE(r.equivalent) << r.detail;
  EXPECT_TRUE(r.exact);
  EXPECT_NE(r.method.find("all 256 basis inputs"), std::string::npos) << r.method;
  for (auto it = b.ops.begin() + static_cast<long>(b.ops.size() / 2); it != b.ops.end(); ++it)
    if (!it->params.empty()) {
      it->params[0] = Expr(it->params[0].value() + 1e-3);
      break;
    }
  ASSERT_FALSE(same_up_to_phase(ua, circuit_unitary(b)));
  EquivResult r2 = check_equivalence(a, b);
  EXPECT_FALSE(r2.equivalent);
  EXPECT_TRUE(r2.exact);
  EXPECT_NE(r2.detail.find("basis input |"), std::string::npos) << r2.detail;
}

// A circuit in the form Cirq writes QASMBench's dnn: rx, ry, rz on every
// qubit, then layers of ZZ, YY and XX interactions (each two cx around an
// rz, the YY and XX between rx(pi/2) and h pairs) on the neighbouring pairs
// of a ring of n qubits, even pairs then odd pairs, by arbitrary angles.
Circuit cirq_like_rotations(uint32_t n, int layers, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> angle(-M_PI, M_PI);
  std::vector<Operation> ops;
  for (uint32_t q = 0; q < n; ++q)
    for (GateId r : {GateId::RX, GateId::RY, GateId::RZ}) ops.push_back(g(r, {q}, {Expr(angle(rng))}));
  auto zz = [&](uint32_t a, uint32_t b) {
    ops.push_back(g(GateId::CX, {a, b}));
    ops.push_back(g(GateId::RZ, {b}, {Expr(angle(rng))}));
    ops.push_back(g(GateId::CX, {a, b}));
  };
  for (int l = 0; l < layers; ++l)
    for (uint32_t a = static_cast<uint32_t>(l % 2); a < n; a += 2) {
      const uint32_t b = (a + 1) % n;
      zz(a, b);
      for (double s : {1.0, -1.0}) {
        for (uint32_t q : {a, b}) ops.push_back(g(GateId::RX, {q}, {Expr(s * M_PI / 2)}));
        if (s > 0) zz(a, b);
      }
      for (int k = 0; k < 2; ++k) {
        for (uint32_t q : {a, b}) ops.push_back(g(GateId::H, {q}));
        if (k == 0) zz(a, b);
      }
    }
  return circ(n, ops);
}

// The dense unitary of `a` as a routed output computes it: a's qubit i on
// qubit init[i], then SWAPs that carry each qubit from init[i] to fin[i].
std::vector<cplx> routed_unitary(const Circuit& a, const std::vector<uint32_t>& init,
                                 const std::vector<uint32_t>& fin) {
  Circuit r = a;
  for (auto& op : r.ops)
    for (auto& q : op.qubits) q = init[q];
  std::vector<uint32_t> at(a.num_qubits);  // at[physical] = logical
  for (uint32_t i = 0; i < a.num_qubits; ++i) at[init[i]] = i;
  for (uint32_t i = 0; i < a.num_qubits; ++i) {
    uint32_t p = 0;
    while (at[p] != i) ++p;
    if (p == fin[i]) continue;
    r.ops.push_back(g(GateId::Swap, {p, fin[i]}));
    std::swap(at[p], at[fin[i]]);
  }
  return circuit_unitary(r);
}

// The decision diagrams alone (every basis input's simulation off) on
// rotations that are not Clifford+T, in the form of QASMBench's dnn, and
// the optimizer's -O3 output: each pair's three interactions (six cx) are
// resynthesised into one block of at most three cx, and the one-qubit runs
// into one u3 or five gates, so the gate counts differ block by block; for
// nam unrouted, and routed on a line (the ring's closing pair needs SWAPs,
// which the diagrams take out). Before, the diagrams of such outputs grew
// dense (dnn_n16: no answer within 30 s). Both answers are checked against
// the dense unitaries first; one angle 1e-3 off is refuted with an input.
TEST(Equiv, DiagramsProveResynthesisedRotationBlocks) {
  const uint32_t n = 10;
  const Circuit a = cirq_like_rotations(n, 4, 11);
  const std::vector<cplx> ua = circuit_unitary(a);
  EquivOptions diagrams;
  diagrams.max_exact_qubits = 0;
  for (const char* map : {"", "line:10"}) {
    const CompileResult c = run_pipeline(a, 3, "nam", map);
    const Circuit& b = c.circuit;
    auto two_qubit = [](const Circuit& c) {
      return std::count_if(c.ops.begin(), c.ops.end(), [](const Operation& op) { return op.qubits.size() == 2; });
    };
    if (!*map) {
      ASSERT_LE(two_qubit(b), two_qubit(a) / 2) << "six cx a block resynthesised into three";
    }
    const std::vector<cplx> ref =
        c.initial_layout.empty() ? ua : routed_unitary(a, c.initial_layout, c.final_layout);
    ASSERT_TRUE(same_up_to_phase(ref, circuit_unitary(b))) << map;
    if (*map) {
      ASSERT_NE(c.initial_layout, c.final_layout) << "the router moved qubits";
    }
    EquivOptions o = diagrams;
    o.initial_layout = c.initial_layout;
    o.final_layout = c.final_layout;
    const EquivResult r = check_equivalence(a, b, o);
    EXPECT_TRUE(r.equivalent) << map << ": " << r.detail;
    EXPECT_TRUE(r.exact);
    EXPECT_NE(r.method.find("decision diagrams"), std::string::npos) << r.method;
    // A block and its resynthesis meet: the diagram stays far from dense.
    const std::size_t at = r.method.find("largest diagram ");
    ASSERT_NE(at, std::string::npos) << r.method;
    EXPECT_LT(std::stoul(r.method.substr(at + 16)), 1000u) << r.method;
    Circuit off = b;
    for (auto it = off.ops.begin() + static_cast<long>(off.ops.size() / 2); it != off.ops.end(); ++it)
      if (!it->params.empty()) {
        it->params[0] = Expr(it->params[0].value() + 1e-3);
        break;
      }
    ASSERT_FALSE(same_up_to_phase(ref, circuit_unitary(off))) << map;
    const EquivResult r2 = check_equivalence(a, off, o);
    EXPECT_FALSE(r2.equivalent) << map;
    EXPECT_TRUE(r2.exact);
    EXPECT_NE(r2.detail.find("on basis input |"), std::string::npos) << r2.detail;
  }
}

}  // namespace
}  // namespace qforge
