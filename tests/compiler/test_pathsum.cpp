// Path sums on their own (qforge/pathsum.hpp): each gate's translation
// against the gate's dense matrix, the global phase they report, no answer
// (never a wrong "yes") for different circuits, a bounded time on the
// Toffoli chain whose outputs grow doubly exponentially, and rewrites on 30+
// qubits proved through check_equivalence; rotations by other angles (terms
// kept apart until they cancel) and runs of one-qubit gates fused into forms
// whose Euler angles are not multiples of pi/4, against the dense matrices
// and on 32 qubits; routed -O3 outputs, and the routed forms of cx and swap
// (h cz h in rz and sx), proved, and wrong ones refuted with a witness; the
// Nam suite's ham15-high routed for ibm_eagle at -O3 proved (with
// QFORGE_CORPUS); cswap against its forms, and a swap test with arbitrary rx
// angles against its routed -O3 output for ibm_heron, proved by the path
// sums alone and refuted with one angle changed.
#include "qforge/pathsum.hpp"

#include "qforge/diagnostics.hpp"
#include "qforge/equiv.hpp"
#include "qforge/frontend.hpp"
#include "qforge/pipeline.hpp"
#include "qforge/synthesis.hpp"
#include "test_gate_helpers.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <random>

namespace qforge {
namespace {

using test_gates::g;

Circuit circ(uint32_t n, std::vector<Operation> ops) {
  Circuit c;
  c.num_qubits = n;
  c.ops = std::move(ops);
  c.global_phase = Expr(0.0);
  return c;
}

// prove_identity of A and B on the same qubits, no layout.
std::optional<double> prove(const Circuit& a, const Circuit& b) {
  const uint32_t n = std::max(a.num_qubits, b.num_qubits);
  std::vector<uint32_t> id(n);
  for (uint32_t q = 0; q < n; ++q) id[q] = q;
  const pathsum::Side sa{&a.ops, id, a.global_phase.value()}, sb{&b.ops, id, b.global_phase.value()};
  return pathsum::prove_identity(n, sa, sb, id, id);
}

// phi with U_B = e^(i phi) U_A from the dense unitaries (circuit_unitary), or
// nullopt when they are not equal up to a phase.
std::optional<double> dense_phase(const Circuit& a, const Circuit& b) {
  const auto ua = circuit_unitary(a), ub = circuit_unitary(b);
  std::size_t k = 0;
  while (std::abs(ua[k]) < 1e-9) ++k;
  const cplx ph = ub[k] / ua[k];
  for (std::size_t i = 0; i < ua.size(); ++i)
    if (std::abs(ub[i] - ph * ua[i]) > 1e-9) return std::nullopt;
  return std::arg(ph);
}

void expect_same_phase(double a, double b) { EXPECT_NEAR(std::remainder(a - b, 2 * M_PI), 0, 1e-9); }

// `b` equals `a` up to a phase by the dense unitaries (else the test is
// wrong), and the path sums prove it with that phase.
void expect_proved(const Circuit& a, const Circuit& b) {
  const auto ref = dense_phase(a, b);
  ASSERT_TRUE(ref) << "a wrong test";
  const auto got = prove(a, b);
  ASSERT_TRUE(got) << "not proved";
  expect_same_phase(*got, *ref);
}

// `wrong` differs from `a` by the dense unitaries (else the test is wrong),
// the path sums give no answer, and check_equivalence refutes it with a
// witness input.
void expect_refuted(const Circuit& a, const Circuit& wrong) {
  ASSERT_FALSE(dense_phase(a, wrong)) << "a wrong test";
  EXPECT_FALSE(prove(a, wrong));
  const EquivResult no = check_equivalence(a, wrong);
  EXPECT_FALSE(no.equivalent);
  EXPECT_NE(no.detail.find("on basis input |"), std::string::npos) << no.detail;
}

// Each gate the path sums take, written as itself and as another circuit of
// other gates: proved, with the phase the dense matrices give.
TEST(PathSum, GatesAgainstTheirMatrices) {
  const double pi = M_PI;
  struct Pair {
    const char* what;
    Circuit a, b;
  };
  std::vector<Pair> pairs = {
      {"ecr", circ(2, {g(GateId::ECR, {0, 1})}),
       circ(2, {g(GateId::X, {0}), g(GateId::H, {1}), g(GateId::Sdg, {0}), g(GateId::Sdg, {1}), g(GateId::CZ, {0, 1}),
                g(GateId::H, {1})})},
      {"ecr twice", circ(2, {g(GateId::ECR, {1, 0}), g(GateId::ECR, {1, 0})}), circ(2, {})},
      {"sx", circ(1, {g(GateId::SX, {0})}), circ(1, {g(GateId::H, {0}), g(GateId::S, {0}), g(GateId::H, {0})})},
      {"sxdg", circ(1, {g(GateId::SXdg, {0})}), circ(1, {g(GateId::H, {0}), g(GateId::Sdg, {0}), g(GateId::H, {0})})},
      {"u3", circ(1, {g(GateId::U3, {0}, {Expr(pi / 2), Expr(0.0), Expr(pi)})}), circ(1, {g(GateId::H, {0})})},
      {"u3 T-like", circ(1, {g(GateId::U3, {0}, {Expr(0.0), Expr(0.0), Expr(pi / 4)})}), circ(1, {g(GateId::T, {0})})},
      {"ry(pi)", circ(1, {g(GateId::RY, {0}, {Expr(pi)})}), circ(1, {g(GateId::X, {0}), g(GateId::Z, {0})})},
      {"rx(-pi/2) y", circ(1, {g(GateId::RX, {0}, {Expr(-pi / 2)}), g(GateId::Y, {0})}),
       circ(1, {g(GateId::SXdg, {0}), g(GateId::Y, {0})})},
      {"u2", circ(1, {g(GateId::U2, {0}, {Expr(0.0), Expr(pi)})}), circ(1, {g(GateId::H, {0})})},
  };
  for (auto& p : pairs) {
    SCOPED_TRACE(p.what);
    const auto ref = dense_phase(p.a, p.b);
    ASSERT_TRUE(ref) << "the pair is not equal: a wrong test";
    const auto got = prove(p.a, p.b);
    ASSERT_TRUE(got) << "no proof";
    expect_same_phase(*got, *ref);
  }
  // Gates whose angles are not multiples of pi/4: the same angle cancels,
  // another one is no answer.
  EXPECT_TRUE(prove(circ(1, {g(GateId::RX, {0}, {Expr(0.3)})}), circ(1, {g(GateId::RX, {0}, {Expr(0.3)})})));
  EXPECT_FALSE(prove(circ(1, {g(GateId::RX, {0}, {Expr(0.3)})}), circ(1, {g(GateId::RX, {0}, {Expr(0.31)})})));
}

// Rotations by angles that are not multiples of pi/4, on the same parity
// reached in two ways, or moved across a gate they commute with: proved, with
// the dense matrices' phase; a different angle, or the rotation on another
// parity, is no answer, and the dense matrices differ too.
TEST(PathSum, OtherAnglesCancelOnTheirParity) {
  const Expr t(0.3);
  struct Pair {
    const char* what;
    Circuit a, b;
    bool equal;
  };
  std::vector<Pair> pairs = {
      {"parity x0 + x1 on either wire",
       circ(2, {g(GateId::CX, {0, 1}), g(GateId::RZ, {1}, {t}), g(GateId::CX, {0, 1})}),
       circ(2, {g(GateId::CX, {1, 0}), g(GateId::RZ, {0}, {t}), g(GateId::CX, {1, 0})}), true},
      {"rx on a cx target commutes",
       circ(2, {g(GateId::RX, {1}, {t}), g(GateId::CX, {0, 1}), g(GateId::T, {0})}),
       circ(2, {g(GateId::CX, {0, 1}), g(GateId::RX, {1}, {t}), g(GateId::T, {0})}), true},
      {"p and rz on a cz",
       circ(2, {g(GateId::P, {0}, {Expr(1.1)}), g(GateId::CZ, {0, 1}), g(GateId::H, {1}), g(GateId::RZ, {0}, {Expr(-0.4)})}),
       circ(2, {g(GateId::RZ, {0}, {Expr(0.7)}), g(GateId::CZ, {1, 0}), g(GateId::H, {1}), g(GateId::H, {1}),
                g(GateId::H, {1})}), true},
      {"another angle", circ(2, {g(GateId::CX, {0, 1}), g(GateId::RZ, {1}, {t}), g(GateId::CX, {0, 1})}),
       circ(2, {g(GateId::CX, {1, 0}), g(GateId::RZ, {0}, {Expr(0.30001)}), g(GateId::CX, {1, 0})}), false},
      {"another parity", circ(2, {g(GateId::CX, {0, 1}), g(GateId::RZ, {1}, {t}), g(GateId::CX, {0, 1})}),
       circ(2, {g(GateId::RZ, {1}, {t})}), false},
  };
  for (auto& p : pairs) {
    SCOPED_TRACE(p.what);
    const auto ref = dense_phase(p.a, p.b);
    ASSERT_EQ(ref.has_value(), p.equal) << "a wrong test";
    const auto got = prove(p.a, p.b);
    ASSERT_EQ(got.has_value(), p.equal);
    if (p.equal) expect_same_phase(*got, *ref);
  }
}

// Different circuits are never proved equal: one gate changed, a phase on one
// branch, an ecr with its qubits exchanged.
TEST(PathSum, DifferentCircuitsAreNoAnswer) {
  const Circuit a = circ(3, {g(GateId::H, {0}), g(GateId::CCX, {0, 1, 2}), g(GateId::T, {2}), g(GateId::H, {0})});
  Circuit changed = a;
  changed.ops[2] = g(GateId::Tdg, {2});
  EXPECT_FALSE(prove(a, changed));
  Circuit branch = a;
  branch.ops.push_back(g(GateId::CZ, {0, 2}));
  EXPECT_FALSE(prove(a, branch));
  EXPECT_FALSE(prove(circ(2, {g(GateId::ECR, {0, 1})}), circ(2, {g(GateId::ECR, {1, 0})})));
  EXPECT_FALSE(dense_phase(circ(2, {g(GateId::ECR, {0, 1})}), circ(2, {g(GateId::ECR, {1, 0})})));
  // check_equivalence then says no, with an input.
  EquivResult r = check_equivalence(a, changed);
  EXPECT_FALSE(r.equivalent);
  EXPECT_NE(r.detail.find("on basis input |"), std::string::npos) << r.detail;
}

// A chain of Toffolis, T gates and Hadamards: the output of each Toffoli is
// the product of the previous two, so the outputs' monomials grow doubly
// exponentially along the chain. This once ran for hours; the budget now
// stops it (no answer) within a bounded amount of work, checked here as a
// ratio: 80 qubits take less than 50 times as long as 20 (the budget grows
// with the gates; the unbounded sum grows without limit). The chain is
// compared with itself less its last Hadamard: the sum on a Bell state,
// whose gates meet and cancel as they come, is then left with that H, and
// B^-1 A, which builds the whole chain first, runs into the budget.
Circuit toffoli_chain(uint32_t n) {
  std::vector<Operation> ops;
  for (uint32_t q = 0; q + 2 < n; ++q) {
    ops.push_back(g(GateId::CCX, {q, q + 1, q + 2}));
    ops.push_back(g(GateId::T, {q + 1}));
    ops.push_back(g(GateId::H, {q}));
  }
  return circ(n, ops);
}

TEST(PathSum, ToffoliChainStaysWithinItsBudget) {
  auto time = [](uint32_t n) {
    const Circuit c = toffoli_chain(n);
    Circuit shorter = c;
    shorter.ops.pop_back();
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_FALSE(prove(c, shorter));
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  const double small = time(20), large = time(80);
  EXPECT_LT(large, 50 * small + 0.5) << "20 qubits " << small << " s, 80 qubits " << large << " s";
}

// Rewrites on 30+ qubits, proved exactly: a random Clifford+T circuit on 40
// qubits and its -O2 forms for the nam and generic targets (the optimizer's
// rewrites, u3 gates for generic). The path sums' reduction rules get stuck
// on these (a T on a parity holding a path variable that only a later
// substitution would cancel); the decision diagrams prove them. Routed forms
// are proved in PassCorpus and bench_equiv; this circuit routed onto
// ibm_heron is not decided within minutes (the diagrams' sums blow up).
// Known-inequivalent pairs on 30 qubits: Equiv.KnownInequivalentPairsHaveWitnesses.
Circuit random_clifford_t(uint32_t n, int gates, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Operation> ops;
  auto q = [&] { return static_cast<uint32_t>(rng() % n); };
  for (int i = 0; i < gates; ++i) {
    uint32_t a = q(), b = q(), c = q();
    while (b == a) b = q();
    while (c == a || c == b) c = q();
    switch (rng() % 7) {
      case 0: ops.push_back(g(GateId::CCX, {a, b, c})); break;
      case 1: ops.push_back(g(GateId::CX, {a, b})); break;
      case 2: ops.push_back(g(GateId::T, {a})); break;
      case 3: ops.push_back(g(GateId::H, {a})); break;
      case 4: ops.push_back(g(GateId::Tdg, {a})); ops.push_back(g(GateId::CX, {b, a})); break;
      case 5: ops.push_back(g(GateId::S, {a})); ops.push_back(g(GateId::CZ, {a, c})); break;
      default: ops.push_back(g(GateId::Swap, {a, b})); break;
    }
  }
  return circ(n, ops);
}

// The exact engines, through the layout `r` recorded.
EquivOptions exact_through_layout(const CompileResult& r) {
  EquivOptions o;
  o.engine = EquivEngine::Exact;
  o.initial_layout = r.initial_layout;
  o.final_layout = r.final_layout;
  return o;
}

// `c` with every run of one-qubit gates on a wire fused into rz-sx-rz-sx-rz
// (synthesize_1q for the IBM basis, as the compiler's last passes do) and
// every cx written as h cz h: the Euler angles of a fused product such as T
// H T H are not multiples of pi/4.
Circuit fused(const Circuit& c) {
  Circuit out = circ(c.num_qubits, {});
  double phase = c.global_phase.value();
  std::vector<Mat2> run(c.num_qubits, Mat2{1, 0, 0, 1});
  auto flush = [&](uint32_t q) {
    double ph = 0;
    for (Operation& op : synthesize_1q(run[q], Basis::IbmCz, ph)) {
      op.qubits = {q};
      out.ops.push_back(std::move(op));
    }
    phase += ph;
    run[q] = {1, 0, 0, 1};
  };
  for (const Operation& op : c.ops) {
    if (op.qubits.size() == 1) {
      const Mat2 u = op_matrix_1q(op), r = run[op.qubits[0]];
      run[op.qubits[0]] = {u[0] * r[0] + u[1] * r[2], u[0] * r[1] + u[1] * r[3], u[2] * r[0] + u[3] * r[2],
                           u[2] * r[1] + u[3] * r[3]};
      continue;
    }
    for (uint32_t q : op.qubits) flush(q);
    if (op.gate == GateId::CX) {
      out.ops.push_back(g(GateId::H, {op.qubits[1]}));
      out.ops.push_back(g(GateId::CZ, op.qubits));
      out.ops.push_back(g(GateId::H, {op.qubits[1]}));
    } else {
      out.ops.push_back(op);
    }
  }
  for (uint32_t q = 0; q < c.num_qubits; ++q) flush(q);
  out.global_phase = Expr(phase);
  return out;
}

// A Clifford+T circuit in layers: six gates of h, s, t, tdg on every
// wire, then cx or cz on random disjoint pairs. The runs are long enough
// that their fused Euler angles are seldom multiples of pi/4.
Circuit clifford_t_runs(uint32_t n, int layers, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Operation> ops;
  const GateId one[] = {GateId::H, GateId::T, GateId::Tdg, GateId::S, GateId::H, GateId::T};
  std::vector<uint32_t> order(n);
  for (uint32_t q = 0; q < n; ++q) order[q] = q;
  for (int l = 0; l < layers; ++l) {
    for (uint32_t q = 0; q < n; ++q)
      for (int k = 0; k < 6; ++k) ops.push_back(g(one[rng() % 6], {q}));
    std::shuffle(order.begin(), order.end(), rng);
    for (uint32_t i = 0; i + 1 < n; i += 2) ops.push_back(g(rng() % 2 ? GateId::CX : GateId::CZ, {order[i], order[i + 1]}));
  }
  return circ(n, ops);
}

// Fused runs read back as Clifford+T: against the dense matrices on 4
// qubits, and on 32 qubits through check_equivalence. One T changed is no
// answer from the path sums, and check_equivalence finds a witness. (The
// routed Nam outputs on up to 36 qubits, proved by the path sums, are in
// PassCorpus.)
TEST(PathSum, FusedOneQubitRunsReadAsCliffordT) {
  auto with_one_t_changed = [](Circuit c) {
    for (auto& op : c.ops)
      if (op.gate == GateId::T) {
        op.gate = GateId::Tdg;
        break;
      }
    return c;
  };
  int irrational = 0, proved = 0;
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    SCOPED_TRACE(seed);
    const Circuit a = clifford_t_runs(4, 6, seed), b = fused(a);
    bool other_angle = false;
    for (const Operation& op : b.ops)
      for (const Expr& e : op.params)
        other_angle = other_angle || std::abs(e.value() / (M_PI / 4) - std::round(e.value() / (M_PI / 4))) > 1e-6;
    const auto ref = dense_phase(a, b);
    ASSERT_TRUE(ref) << "a wrong test";
    // The reduction rules can get stuck (no answer), but an answer is right.
    if (const auto got = prove(a, b)) {
      expect_same_phase(*got, *ref);
      proved += other_angle;
    }
    irrational += other_angle;
    const Circuit changed = with_one_t_changed(a);
    ASSERT_FALSE(dense_phase(changed, b)) << "a wrong test";
    EXPECT_FALSE(prove(changed, b));
    const EquivResult no = check_equivalence(changed, b);
    EXPECT_FALSE(no.equivalent);
    EXPECT_NE(no.detail.find("on basis input |"), std::string::npos) << no.detail;
  }
  EXPECT_GE(irrational, 1) << "no fused angle that is not a multiple of pi/4: a weak test";
  EXPECT_EQ(proved, irrational) << "fused forms the path sums did not prove";
  const Circuit a = clifford_t_runs(32, 12, 7), b = fused(a);
  EquivOptions o;
  o.engine = EquivEngine::Exact;
  const EquivResult e = check_equivalence(a, b, o);
  EXPECT_TRUE(e.equivalent) << e.detail;
  EXPECT_TRUE(e.exact) << e.method;  // the path sums' rules get stuck on some of these: then the diagrams
  EXPECT_FALSE(prove(with_one_t_changed(a), b));
}

// A random circuit of cx, cz, swap, t, tdg, s and h, with every swap
// written as three cx (in either orientation): the gates routing leaves.
Circuit random_routed_source(uint32_t n, int gates, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Operation> ops;
  auto q = [&] { return static_cast<uint32_t>(rng() % n); };
  for (int i = 0; i < gates; ++i) {
    uint32_t a = q(), b = q();
    while (b == a) b = q();
    switch (rng() % 8) {
      case 0: ops.push_back(g(GateId::CX, {a, b})); break;
      case 1: ops.push_back(g(GateId::CZ, {a, b})); break;
      case 2:
        if (rng() % 2) std::swap(a, b);
        ops.push_back(g(GateId::CX, {a, b}));
        ops.push_back(g(GateId::CX, {b, a}));
        ops.push_back(g(GateId::CX, {a, b}));
        break;
      case 3: ops.push_back(g(GateId::T, {a})); break;
      case 4: ops.push_back(g(GateId::Tdg, {a})); break;
      case 5: ops.push_back(g(GateId::S, {a})); break;
      default: ops.push_back(g(GateId::H, {a})); break;
    }
  }
  return circ(n, ops);
}

// The forms routed outputs take: every cx as h cz h with the h in rz and
// sx (fused), and the routing swaps as three of those. Path sums hold each
// h on its wire so that h cz h is a cx (no path variable): proved against
// the dense unitaries with their phase on 5 qubits, and on 40 qubits; one cz
// dropped, or one t turned into tdg, is no answer, and check_equivalence
// finds a witness input.
TEST(PathSum, RoutedFormsOfCxAndSwapAgainstDenseUnitaries) {
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    SCOPED_TRACE(seed);
    const Circuit a = random_routed_source(5, 40, seed), b = fused(a);
    expect_proved(a, b);
    for (int change = 0; change < 2; ++change) {
      Circuit wrong = b;
      bool done = false;
      for (std::size_t i = wrong.ops.size(); i-- > 0 && !done;) {
        Operation& op = wrong.ops[i];
        if (change == 0 && op.gate == GateId::CZ) {
          wrong.ops.erase(wrong.ops.begin() + static_cast<std::ptrdiff_t>(i));
          done = true;
        } else if (change == 1 && op.gate == GateId::RZ && op.params[0].is_const()) {
          op.params[0] = Expr(op.params[0].value() - M_PI / 2);
          done = true;
        }
      }
      ASSERT_TRUE(done);
      expect_refuted(a, wrong);
    }
  }
  const Circuit a = random_routed_source(40, 600, 3), b = fused(a);
  const auto got = prove(a, b);
  ASSERT_TRUE(got) << "routed form on 40 qubits not proved";
  expect_same_phase(*got, 0);  // fused keeps the global phase: the same unitary
  Circuit wrong = b;
  for (std::size_t i = wrong.ops.size(); i-- > 0;)
    if (wrong.ops[i].gate == GateId::CZ) {
      wrong.ops.erase(wrong.ops.begin() + static_cast<std::ptrdiff_t>(i));
      break;
    }
  EXPECT_FALSE(prove(a, wrong));
}

// ecr = e^(-i pi/4) (X S (x) SX) CX, the cx first: the form the path sums
// read an ecr in, against the gate table's dense ecr matrix (independent of
// the path sums), and proved with that phase.
TEST(PathSum, EcrIsACxBetweenOneQubitCliffords) {
  const Circuit ecr = circ(2, {g(GateId::ECR, {0, 1})});
  Circuit cx = circ(2, {g(GateId::CX, {0, 1}), g(GateId::S, {0}), g(GateId::X, {0}), g(GateId::SX, {1})});
  cx.global_phase = Expr(-M_PI / 4);
  const auto ref = dense_phase(cx, ecr);
  ASSERT_TRUE(ref) << "not equal up to a phase: a wrong derivation";
  EXPECT_NEAR(std::remainder(*ref, 2 * M_PI), 0, 1e-12) << "equal, but not with the phase e^(-i pi/4)";
  const auto got = prove(cx, ecr);
  ASSERT_TRUE(got);
  expect_same_phase(*got, *ref);
  // The other orientation is another gate.
  ASSERT_FALSE(dense_phase(cx, circ(2, {g(GateId::ECR, {1, 0})})));
  EXPECT_FALSE(prove(cx, circ(2, {g(GateId::ECR, {1, 0})})));
}

// `c` in the form the compiler gives ibm_eagle: every cx as x0 ecr rz(pi/2)0
// sx1 (exactly: lower.cpp), every swap as three of those, then every run of
// one-qubit gates fused into rz and sx (fused).
Circuit eagle_form(const Circuit& c) {
  Circuit out = circ(c.num_qubits, {});
  out.global_phase = c.global_phase;
  auto cx = [&](uint32_t a, uint32_t b) {
    out.ops.push_back(g(GateId::X, {a}));
    out.ops.push_back(g(GateId::ECR, {a, b}));
    out.ops.push_back(g(GateId::RZ, {a}, {Expr(M_PI / 2)}));
    out.ops.push_back(g(GateId::SX, {b}));
  };
  for (const Operation& op : c.ops) {
    if (op.gate == GateId::CX) {
      cx(op.qubits[0], op.qubits[1]);
    } else if (op.gate == GateId::Swap) {
      cx(op.qubits[0], op.qubits[1]);
      cx(op.qubits[1], op.qubits[0]);
      cx(op.qubits[0], op.qubits[1]);
    } else if (op.gate == GateId::CZ) {
      out.ops.push_back(g(GateId::H, {op.qubits[1]}));
      cx(op.qubits[0], op.qubits[1]);
      out.ops.push_back(g(GateId::H, {op.qubits[1]}));
    } else {
      out.ops.push_back(op);
    }
  }
  return fused(out);
}

// The first ecr of `c` dropped, or its first constant rz turned by pi/4.
Circuit with_ecr_dropped(Circuit c) {
  for (std::size_t i = 0; i < c.ops.size(); ++i)
    if (c.ops[i].gate == GateId::ECR) {
      c.ops.erase(c.ops.begin() + static_cast<std::ptrdiff_t>(i));
      break;
    }
  return c;
}
Circuit with_rz_turned(Circuit c) {
  for (Operation& op : c.ops)
    if (op.gate == GateId::RZ) {
      op.params[0] = Expr(op.params[0].value() + M_PI / 4);
      break;
    }
  return c;
}

// Random routed circuits in ibm_eagle's form (ecr between fused runs of rz
// and sx) against their sources: proved with the dense unitaries' phase on 5
// qubits; one ecr dropped or one rz turned is no answer from the path sums,
// is not equal by the dense unitaries, and check_equivalence refutes it with
// a witness input. On 36 qubits (800 gates of source) proved too, and the
// dropped ecr is no answer.
TEST(PathSum, EcrFormsOfRoutedCircuitsAgainstDenseUnitaries) {
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    SCOPED_TRACE(seed);
    const Circuit a = random_routed_source(5, 40, seed), b = eagle_form(a);
    expect_proved(a, b);
    for (const Circuit& wrong : {with_ecr_dropped(b), with_rz_turned(b)}) expect_refuted(a, wrong);
  }
  const Circuit a = random_routed_source(36, 800, 5), b = eagle_form(a);
  const auto got = prove(a, b);
  ASSERT_TRUE(got) << "ecr form on 36 qubits not proved";
  expect_same_phase(*got, 0);  // eagle_form keeps the global phase: the same unitary
  EXPECT_FALSE(prove(a, with_ecr_dropped(b)));
  EXPECT_FALSE(prove(a, with_rz_turned(b)));
}

// Routed -O3 outputs on 32 qubits, for ibm_eagle and ibm_heron (through the
// recorded layouts, ancillas |0>), proved by the path sums; the same output
// with one ecr or cz dropped is no answer from them.
TEST(PathSum, RoutedOutputsOnThirtyTwoQubitsProvedByPathSums) {
  const Circuit a = random_routed_source(32, 400, 9);
  for (const char* target : {"ibm_eagle", "ibm_heron"}) {
    SCOPED_TRACE(target);
    const CompileResult r = run_pipeline(a, 3, target);
    const EquivResult e = check_equivalence(a, r.circuit, exact_through_layout(r));
    EXPECT_TRUE(e.equivalent) << e.detail;
    EXPECT_EQ(e.method.rfind("path sums", 0), 0u) << e.method;
    const uint32_t n = r.circuit.num_qubits;
    std::vector<uint32_t> id(n);
    for (uint32_t q = 0; q < n; ++q) id[q] = q;
    Circuit dropped = r.circuit;
    for (std::size_t i = 0; i < dropped.ops.size(); ++i)
      if (dropped.ops[i].gate == GateId::ECR || dropped.ops[i].gate == GateId::CZ) {
        dropped.ops.erase(dropped.ops.begin() + static_cast<std::ptrdiff_t>(i));
        break;
      }
    const pathsum::Side sa{&a.ops, r.initial_layout, 0.0}, sb{&dropped.ops, id, dropped.global_phase.value()};
    EXPECT_FALSE(pathsum::prove_identity(n, sa, sb, r.initial_layout, r.final_layout));
    const pathsum::Side right{&r.circuit.ops, id, r.circuit.global_phase.value()};
    EXPECT_TRUE(pathsum::prove_identity(n, sa, right, r.initial_layout, r.final_layout));
  }
}

// A long chain of Toffolis compared with itself: B^-1 A builds the whole
// chain first and runs into its budget (ToffoliChainStaysWithinItsBudget);
// on the Bell state the two sides' gates meet and cancel as they come, so it
// is proved. With one T turned into Tdg it is no answer.
TEST(PathSum, GatesOfBothCircuitsMeetInTurns) {
  const Circuit c = toffoli_chain(80);
  const auto got = prove(c, c);
  ASSERT_TRUE(got);
  expect_same_phase(*got, 0);
  Circuit changed = c;
  for (auto& op : changed.ops)
    if (op.gate == GateId::T) {
      op.gate = GateId::Tdg;
      break;
    }
  EXPECT_FALSE(prove(c, changed));
}

// -O3 outputs routed onto the IBM heavy-hex maps (post-routing two-qubit
// resynthesis, fused runs in rz and sx) proved exactly (this one is small
// enough for every basis input; bench_equiv and PassCorpus have the path
// sums prove the Nam suite's routed outputs); the same
// output read with a wrong layout, or with one rotation changed, is not
// equivalent, with a witness input.
TEST(PathSum, RoutedOutputsProvedAndWrongOnesRefuted) {
  const Circuit a = clifford_t_runs(6, 4, 5);
  for (const char* target : {"ibm_heron", "ibm_eagle"}) {
    SCOPED_TRACE(target);
    const CompileResult r = run_pipeline(a, 3, target);
    const EquivOptions o = exact_through_layout(r);
    const EquivResult e = check_equivalence(a, r.circuit, o);
    EXPECT_TRUE(e.equivalent) << e.detail;
    EXPECT_TRUE(e.exact) << e.method;
    EquivOptions wrong = o;
    std::swap(wrong.final_layout[0], wrong.final_layout[1]);
    const EquivResult w = check_equivalence(a, r.circuit, wrong);
    EXPECT_FALSE(w.equivalent);
    EXPECT_NE(w.detail.find("on basis input |"), std::string::npos) << w.detail;
    Circuit changed = r.circuit;
    bool done = false;
    for (auto& op : changed.ops)
      if (op.gate == GateId::RZ && !done) {
        op.params[0] = Expr(op.params[0].value() + M_PI / 4);
        done = true;
      }
    ASSERT_TRUE(done);
    const EquivResult c = check_equivalence(a, changed, o);
    EXPECT_FALSE(c.equivalent);
    EXPECT_NE(c.detail.find("on basis input |"), std::string::npos) << c.detail;
  }
}

// ham15-high of the Nam suite (20 qubits, 5,308 gates) at -O3 for ibm_eagle
// (about 15,000 gates, ecr-based): its T gates move far from where the input
// has them, and with Hadamards held the sums pile up hundreds of path
// variables in T gates on parities; on the Bell state with every Hadamard
// summed at once it closes. Proved by the path sums through the recorded
// layout; with one ecr dropped or one rz turned by pi/4, no answer from them.
TEST(PathSum, Ham15HighToEagleProvedByPathSums) {
  const char* root = std::getenv("QFORGE_CORPUS");
  if (!root) GTEST_SKIP() << "QFORGE_CORPUS is not set (e.g. /work/shared/corpus)";
  DiagnosticSink diags;
  const Circuit a = compile_file(std::string(root) + "/nam/ham15-high.qasm", {}, diags);
  ASSERT_FALSE(diags.has_errors());
  const CompileResult r = run_pipeline(a, 3, "ibm_eagle");
  const uint32_t n = r.circuit.num_qubits;
  std::vector<uint32_t> id(n);
  for (uint32_t q = 0; q < n; ++q) id[q] = q;
  const pathsum::Side sa{&a.ops, r.initial_layout, a.global_phase.value()};
  std::string closed;
  auto prove_routed = [&](const Circuit& b) {
    const pathsum::Side sb{&b.ops, id, b.global_phase.value()};
    return pathsum::prove_identity(n, sa, sb, r.initial_layout, r.final_layout, &closed);
  };
  EXPECT_TRUE(prove_routed(r.circuit));
  EXPECT_EQ(closed, "A* and B in turns on a Bell state (every H summed at once) reduced to a phase times that state");
  EXPECT_FALSE(prove_routed(with_ecr_dropped(r.circuit)));
  EXPECT_FALSE(prove_routed(with_rz_turned(r.circuit)));
}

TEST(PathSum, RewritesOnFortyQubitsProvedExactly) {
  const Circuit a = random_clifford_t(40, 120, 11);
  for (const char* target : {"nam", "generic"}) {
    SCOPED_TRACE(target);
    const CompileResult r = run_pipeline(a, 2, target);
    ASSERT_NE(r.circuit.ops.size(), a.ops.size());
    const EquivOptions o = exact_through_layout(r);
    const EquivResult e = check_equivalence(a, r.circuit, o);
    EXPECT_TRUE(e.equivalent) << e.detail;
    EXPECT_TRUE(e.exact) << e.method;  // by path sums or, where they get stuck, decision diagrams
  }
}

// cswap (and swap under a ctrl modifier) against its cx-ccx-cx form and
// against the form with the Toffoli in Clifford+T (whose phases close only
// once the parities left are written as monomials): proved with the dense
// matrices' phase; with the swap's control on another qubit, no answer and a
// witness from check_equivalence.
TEST(PathSum, ControlledSwapAgainstItsMatrix) {
  const Circuit cswap = circ(3, {g(GateId::CSwap, {0, 1, 2})});
  const Circuit ctrl_swap = circ(3, {g(GateId::Swap, {0, 1, 2}, {}, 1)});
  const Circuit cx_ccx_cx = circ(3, {g(GateId::CX, {2, 1}), g(GateId::CCX, {0, 1, 2}), g(GateId::CX, {2, 1})});
  // ccx(0, 1, 2) in h, t, tdg and cx (Nielsen and Chuang, figure 4.9).
  const Circuit clifford_t = circ(
      3, {g(GateId::CX, {2, 1}), g(GateId::H, {2}), g(GateId::CX, {1, 2}), g(GateId::Tdg, {2}), g(GateId::CX, {0, 2}),
          g(GateId::T, {2}), g(GateId::CX, {1, 2}), g(GateId::Tdg, {2}), g(GateId::CX, {0, 2}), g(GateId::T, {1}),
          g(GateId::T, {2}), g(GateId::H, {2}), g(GateId::CX, {0, 1}), g(GateId::T, {0}), g(GateId::Tdg, {1}),
          g(GateId::CX, {0, 1}), g(GateId::CX, {2, 1})});
  expect_proved(cswap, cx_ccx_cx);
  expect_proved(ctrl_swap, cx_ccx_cx);
  expect_proved(cswap, clifford_t);
  expect_proved(clifford_t, cswap);
  expect_refuted(cswap, circ(3, {g(GateId::CSwap, {1, 0, 2})}));
}

// Runs of one-qubit gates by arbitrary angles at both ends of the wires of
// a Clifford+T circuit (rx and ry before it, rx after it), and the same
// circuit with every run fused into rz-sx-rz-sx-rz and every cx written as h
// cz h (`fused`), so that the end runs merge with Clifford+T gates into
// runs whose Euler angles are all arbitrary: proved with the dense matrices'
// phase (the end runs of the first move to the second, inverted, where the
// products are Clifford+T again), on 6 qubits against the dense matrices
// and on 30; one end angle changed is no answer.
Circuit with_rotated_ends(const Circuit& c, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> angle(-M_PI, M_PI);
  Circuit out = circ(c.num_qubits, {});
  for (uint32_t q = 0; q < c.num_qubits; ++q) {
    out.ops.push_back(g(GateId::RX, {q}, {Expr(angle(rng))}));
    out.ops.push_back(g(GateId::RY, {q}, {Expr(angle(rng))}));
  }
  out.ops.insert(out.ops.end(), c.ops.begin(), c.ops.end());
  for (uint32_t q = 0; q < c.num_qubits; ++q) out.ops.push_back(g(GateId::RX, {q}, {Expr(angle(rng))}));
  return out;
}

TEST(PathSum, ArbitraryRunsAtTheEndsMoveToTheOtherCircuit) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    SCOPED_TRACE(seed);
    const Circuit a = with_rotated_ends(clifford_t_runs(6, 3, seed), seed);
    expect_proved(a, fused(a));
    Circuit changed = a;
    changed.ops.back().params[0] = Expr(changed.ops.back().params[0].value() + 0.01);
    expect_refuted(changed, fused(a));
  }
  const Circuit big = with_rotated_ends(clifford_t_runs(30, 4, 9), 9);
  EXPECT_TRUE(prove(big, fused(big)));
}

// A swap test: rx by arbitrary angles on qubits 1..2k, h on qubit 0, k
// cswaps from qubit 0, h. Its -O3 output merges each rx with the first
// gates of the cswap's form into a run whose angles are not multiples of
// pi/4, and for the IBM targets routes it with swaps on the heavy-hex map.
Circuit swap_test(uint32_t k, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> angle(-2 * M_PI, 2 * M_PI);
  Circuit c = circ(2 * k + 1, {});
  for (uint32_t q = 1; q <= 2 * k; ++q) c.ops.push_back(g(GateId::RX, {q}, {Expr(angle(rng))}));
  c.ops.push_back(g(GateId::H, {0}));
  for (uint32_t i = 1; i <= k; ++i) c.ops.push_back(g(GateId::CSwap, {0, i, i + k}));
  c.ops.push_back(g(GateId::H, {0}));
  return c;
}

// The swap test on 13 qubits and its -O3 outputs for ibm_heron and
// ibm_eagle: the path sums alone prove them through the recorded layouts
// (the cswaps' phases close once the parities left are written as
// monomials; to ibm_eagle, only once the rx runs are moved to the output's
// merged runs, where they leave Clifford+T products). The input with one rx
// angle changed by 0.01 is no answer from them, and check_equivalence
// refutes it with a witness input. Random dense input states simulated
// through the layout are the reference for both answers and for the phase.
TEST(PathSum, RoutedSwapTestWithArbitraryAnglesProved) {
  const Circuit a = swap_test(6, 5);
  Circuit perturbed = a;
  perturbed.ops[3].params[0] = Expr(perturbed.ops[3].params[0].value() + 0.01);
  for (const char* target : {"ibm_heron", "ibm_eagle"}) {
    SCOPED_TRACE(target);
    const CompileResult r = run_pipeline(a, 3, target);
    const uint32_t n = r.circuit.num_qubits;
    std::vector<uint32_t> id(n);
    for (uint32_t q = 0; q < n; ++q) id[q] = q;
    const pathsum::Side sb{&r.circuit.ops, id, r.circuit.global_phase.value()};
    auto prove_routed = [&](const Circuit& source) {
      const pathsum::Side sa{&source.ops, r.initial_layout, source.global_phase.value()};
      return pathsum::prove_identity(n, sa, sb, r.initial_layout, r.final_layout);
    };
    const auto phase = prove_routed(a);
    ASSERT_TRUE(phase) << "not proved";
    EXPECT_FALSE(prove_routed(perturbed));
    const EquivOptions o = exact_through_layout(r);
    const EquivResult no = check_equivalence(perturbed, r.circuit, o);
    EXPECT_FALSE(no.equivalent);
    EXPECT_TRUE(no.exact) << no.method;
    EXPECT_NE(no.detail.find("on basis input |"), std::string::npos) << no.detail;
    EquivOptions sim = o;
    sim.engine = EquivEngine::Simulation;
    sim.max_exact_qubits = 0;
    sim.num_random_states = 4;
    const EquivResult yes = check_equivalence(a, r.circuit, sim);
    ASSERT_NE(yes.method.find("(dense)"), std::string::npos) << yes.method;
    EXPECT_TRUE(yes.equivalent) << yes.detail;
    expect_same_phase(*phase, yes.global_phase);
    EXPECT_FALSE(check_equivalence(perturbed, r.circuit, sim).equivalent);
  }
}

}  // namespace
}  // namespace qforge
