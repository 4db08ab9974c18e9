// BatchCircuit (qforge/batch.hpp) against the independent dense reference
// (tests/support/dense_reference.hpp, which builds unitaries from the gate
// table with Eigen and uses no runtime code):
//  - the batched forward on random OpenQASM 3 circuits of 1 to 10 qubits
//    (every table gate; ctrl/negctrl/inv/pow modifiers; non-linear parameter
//    expressions), every readout, float and double, a different set of
//    symbol values per sample of one batch;
//  - adjoint and parameter-shift gradients (symbols and amplitude features)
//    against central finite differences of the reference's readout;
//  - a 13-qubit circuit, beyond the block-index tables of the batched kernels.
#include "batch_test_util.hpp"
#include "dense_reference.hpp"
#include "qforge/batch.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>
#include <sstream>

namespace qforge::sim {
namespace {

using cd = std::complex<double>;

using test::compile_text;
using test::QasmGate;
using test::random_qasm;
using test::random_expr;
using test::random_vec;

// The table gates stdgates.inc does not spell (rxx, cu3, ecr, ...) added in
// the IR, with symbolic parameters and up to one extra control.
void add_other_table_gates(Circuit& c, std::mt19937_64& rng) {
  const std::set<std::string> in_text = {"id", "x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx", "rx",
                                         "ry", "rz", "p", "u1", "u2", "u3", "cx", "cy", "cz", "ch",
                                         "swap", "cp", "crx", "cry", "crz", "cu", "ccx", "cswap"};
  const unsigned n = c.num_qubits;
  const uint32_t nsym = c.num_symbols();
  for (std::size_t g = 0; g < kNumGates; ++g) {
    const GateInfo& info = gate_info(GateId(g));
    if (in_text.count(std::string(info.name)) || info.num_qubits > n) continue;
    const unsigned extra = info.num_qubits < n ? std::uniform_int_distribution<unsigned>(0, 1)(rng) : 0;
    std::vector<uint32_t> qs(n);
    for (unsigned q = 0; q < n; ++q) qs[q] = q;
    std::shuffle(qs.begin(), qs.end(), rng);
    qs.resize(info.num_qubits + extra);
    std::vector<Expr> params;
    for (unsigned k = 0; k < info.num_params; ++k) {
      const Expr a = Expr::symbol(uint32_t(std::uniform_int_distribution<uint32_t>(0, nsym - 1)(rng)));
      const Expr b = Expr::symbol(uint32_t(std::uniform_int_distribution<uint32_t>(0, nsym - 1)(rng)));
      params.push_back(k % 2 ? Expr::unary(ExprOp::Sin, a) * b : a * a + 0.4);
    }
    c.ops.push_back(test::gate_op(GateId(g), qs, params, uint8_t(extra)));
  }
}

struct TestCircuit {
  Circuit circuit;
  int nsym = 0;
};

TestCircuit random_circuit(uint64_t seed, unsigned n, int nsym, int ngates) {
  std::mt19937_64 rng(seed);
  TestCircuit t;
  t.nsym = nsym;
  t.circuit = compile_text(random_qasm(rng, n, nsym, ngates));
  add_other_table_gates(t.circuit, rng);
  EXPECT_EQ(t.circuit.verify(), "");
  return t;
}

// Readouts on n qubits: <Z_q>, random Pauli sums, probabilities, marginals.
std::vector<Readout> readouts(unsigned n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto q = [&] { return std::to_string(std::uniform_int_distribution<unsigned>(0, n - 1)(rng)); };
  std::vector<std::string> obs = {"Z" + q() + " + 0.5*X" + q(), "Y" + q() + " - 0.25*Z" + q(), "0.3 + X" + q()};
  if (n >= 2) obs.push_back("X0 Y1 + Z" + q());
  if (n >= 3) obs.push_back("Y" + std::to_string(n - 1) + " Z0 X1");
  std::vector<unsigned> marg = {n - 1};
  if (n >= 3) marg = {n - 1, 0, 1};
  return {Readout::expectation_z(), Readout::paulis(obs), Readout::probabilities(), Readout::marginals(marg)};
}

// ---------------------------------------------------------------------------
// The reference readout: dense state from the reference, readouts by Eigen.

Eigen::VectorXcd reference_state(const Circuit& c, const std::vector<double>& in, const std::vector<double>& feat) {
  const Eigen::Index dim = Eigen::Index(1) << c.num_qubits;
  Eigen::VectorXcd v = Eigen::VectorXcd::Zero(dim);
  if (feat.empty()) {
    v(0) = 1;
  } else {
    for (std::size_t i = 0; i < feat.size(); ++i) v(Eigen::Index(i)) = feat[i];
    v /= v.norm();
  }
  return ref::apply_unitary(c, v, in);
}

Eigen::MatrixXcd pauli(char p) {
  Eigen::MatrixXcd m(2, 2);
  const cd I(0, 1);
  switch (p) {
    case 'X': m << 0, 1, 1, 0; break;
    case 'Y': m << 0, -I, I, 0; break;
    default: m << 1, 0, 0, -1; break;
  }
  return m;
}

double reference_pauli_sum(const Eigen::VectorXcd& v, unsigned n, const Observable& o) {
  double e = 0;
  for (const PauliTerm& t : o.terms) {
    Eigen::VectorXcd w = v;
    for (uint32_t q = 0; q < n; ++q) {
      const char p = (t.x_mask >> q & 1) ? 'X' : (t.y_mask >> q & 1) ? 'Y' : (t.z_mask >> q & 1) ? 'Z' : 0;
      if (p) w = ref::embed(pauli(p), {q}, n) * w;
    }
    e += t.coefficient * v.dot(w).real();
  }
  return e;
}

std::vector<double> reference_outputs(const Circuit& c, const Readout& ro, const std::vector<double>& in,
                                      const std::vector<double>& feat = {}) {
  const unsigned n = c.num_qubits;
  const Eigen::VectorXcd v = reference_state(c, in, feat);
  std::vector<double> out;
  switch (ro.kind) {
    case ReadoutKind::ExpectationZ:
      for (uint32_t q = 0; q < n; ++q) out.push_back(v.dot(ref::embed(pauli('Z'), {q}, n) * v).real());
      break;
    case ReadoutKind::Observables:
      for (const Observable& o : ro.observables) out.push_back(reference_pauli_sum(v, n, o));
      break;
    case ReadoutKind::Probabilities:
      for (Eigen::Index i = 0; i < v.size(); ++i) out.push_back(std::norm(v(i)));
      break;
    case ReadoutKind::Marginals:
      out.assign(std::size_t(1) << ro.qubits.size(), 0.0);
      for (Eigen::Index i = 0; i < v.size(); ++i) {
        std::size_t r = 0;
        for (std::size_t k = 0; k < ro.qubits.size(); ++k) r |= std::size_t((uint64_t(i) >> ro.qubits[k]) & 1) << k;
        out[r] += std::norm(v(i));
      }
      break;
  }
  return out;
}

// d/d(in[s]) and d/d(feat[i]) of sum_k g_k f_k by central differences of the reference.
double reference_weighted(const Circuit& c, const Readout& ro, const std::vector<double>& in,
                          const std::vector<double>& feat, const std::vector<double>& g) {
  const std::vector<double> out = reference_outputs(c, ro, in, feat);
  double s = 0;
  for (std::size_t k = 0; k < out.size(); ++k) s += g[k] * out[k];
  return s;
}

std::vector<double> reference_fd(const Circuit& c, const Readout& ro, std::vector<double> v,
                                 const std::vector<double>& g, bool features, const std::vector<double>& other) {
  const double h = 1e-6;
  std::vector<double> r(v.size());
  for (std::size_t s = 0; s < v.size(); ++s) {
    const double keep = v[s];
    v[s] = keep + h;
    const double fp = features ? reference_weighted(c, ro, other, v, g) : reference_weighted(c, ro, v, other, g);
    v[s] = keep - h;
    const double fm = features ? reference_weighted(c, ro, other, v, g) : reference_weighted(c, ro, v, other, g);
    v[s] = keep;
    r[s] = (fp - fm) / (2 * h);
  }
  return r;
}

// ---------------------------------------------------------------------------

template <typename FP>
void check_forward(const TestCircuit& t, const Readout& ro, std::size_t batch, uint64_t seed, double tol) {
  BatchOptions opt;
  opt.readout = ro;
  BatchCircuit bc(t.circuit, opt);
  const std::vector<double> in = random_vec(batch * std::size_t(t.nsym), seed);
  std::vector<FP> inf(in.begin(), in.end()), out(batch * bc.num_outputs());
  std::vector<std::complex<FP>> states(batch * bc.state_size());
  bc.forward<FP>(batch, inf, {}, out, states);
  for (std::size_t b = 0; b < batch; ++b) {
    // The reference sees the symbol values the batch saw (rounded to FP).
    std::vector<double> in_b(inf.begin() + b * t.nsym, inf.begin() + (b + 1) * t.nsym);
    const std::vector<double> want = reference_outputs(t.circuit, ro, in_b);
    ASSERT_EQ(want.size(), bc.num_outputs());
    for (std::size_t k = 0; k < want.size(); ++k)
      ASSERT_NEAR(double(out[b * bc.num_outputs() + k]), want[k], tol)
          << t.circuit.num_qubits << " qubits, sample " << b << ", output " << k << ", readout " << int(ro.kind);
    const Eigen::VectorXcd psi = reference_state(t.circuit, in_b, {});
    // The final state up to the circuit's global phase.
    const cd phase = std::polar(1.0, -t.circuit.global_phase.eval(in_b.data()));
    for (std::size_t i = 0; i < bc.state_size(); ++i)
      ASSERT_NEAR(std::abs(cd(states[b * bc.state_size() + i]) - psi(Eigen::Index(i)) * phase), 0, tol)
          << "amplitude " << i;
  }
}

TEST(BatchReference, ForwardMatchesDenseReferenceOneToTenQubits) {
  for (unsigned n = 1; n <= 10; ++n) {
    const TestCircuit t = random_circuit(100 + n, n, 4, int(6 + 3 * n));
    for (const Readout& ro : readouts(n, 7 * n)) {
      check_forward<double>(t, ro, 3, 11 * n, 1e-10);
      check_forward<float>(t, ro, 3, 13 * n, 5e-5);
    }
  }
}

TEST(BatchReference, ForwardBeyondTheBlockIndexTables) {
  // 13 qubits: the batched kernels hand each sample to the state kernels.
  const TestCircuit t = random_circuit(77, 13, 3, 18);
  check_forward<double>(t, Readout::paulis({"Z0 X12 + 0.5*Y6", "X3"}), 2, 5, 1e-10);
  check_forward<float>(t, Readout::marginals({12, 3}), 2, 6, 5e-5);
}

// ---------------------------------------------------------------------------
// Gradients

void check_gradients(const TestCircuit& t, const Readout& ro, uint64_t seed, double tol,
                     bool parameter_shift = true) {
  BatchOptions opt;
  opt.readout = ro;
  BatchCircuit bc(t.circuit, opt);
  const std::size_t B = 2;
  const std::vector<double> in = random_vec(B * std::size_t(t.nsym), seed), g = random_vec(B * bc.num_outputs(), seed + 1);
  std::vector<double> out(B * bc.num_outputs()), adj(B * t.nsym), ps(B * t.nsym);
  std::vector<cd> st(B * bc.state_size());
  bc.forward<double>(B, in, {}, out, st);
  bc.backward<double>(B, in, {}, Span<const cd>(st), g, adj, {}, GradientMethod::Adjoint);
  if (parameter_shift) bc.backward<double>(B, in, {}, Span<const cd>(st), g, ps, {}, GradientMethod::ParameterShift);
  for (std::size_t b = 0; b < B; ++b) {
    std::vector<double> in_b(in.begin() + b * t.nsym, in.begin() + (b + 1) * t.nsym);
    std::vector<double> g_b(g.begin() + b * bc.num_outputs(), g.begin() + (b + 1) * bc.num_outputs());
    const std::vector<double> fd = reference_fd(t.circuit, ro, in_b, g_b, false, {});
    for (int s = 0; s < t.nsym; ++s) {
      EXPECT_NEAR(adj[b * t.nsym + s], fd[s], tol * (1 + std::abs(fd[s])))
          << "adjoint, " << t.circuit.num_qubits << " qubits, sample " << b << ", symbol " << s;
      if (parameter_shift) {
        EXPECT_NEAR(ps[b * t.nsym + s], fd[s], tol * (1 + std::abs(fd[s])))
            << "parameter shift, " << t.circuit.num_qubits << " qubits, sample " << b << ", symbol " << s;
      }
    }
  }
}

TEST(BatchReference, AdjointAndParameterShiftMatchReferenceFiniteDifferences) {
  for (unsigned n : {1u, 2u, 3u, 4u, 6u}) {
    const TestCircuit t = random_circuit(300 + n, n, 4, int(8 + 2 * n));
    for (const Readout& ro : readouts(n, 3 * n)) check_gradients(t, ro, 17 * n, 2e-6);
  }
}

TEST(BatchReference, AdjointBeyondTheBlockIndexTables) {
  const TestCircuit t = random_circuit(91, 13, 3, 14);
  check_gradients(t, Readout::paulis({"Z0 X12 + 0.5*Y6"}), 4, 2e-6, false);
}

TEST(BatchReference, FloatGradientsCloseToReference) {
  const TestCircuit t = random_circuit(55, 4, 3, 16);
  BatchOptions opt;
  opt.readout = Readout::paulis({"Z0 Z1 + 0.5*X2", "Y3"});
  BatchCircuit bc(t.circuit, opt);
  const std::vector<double> in = random_vec(3, 8), g = random_vec(2, 9);
  const std::vector<float> inf(in.begin(), in.end()), gf(g.begin(), g.end());
  std::vector<float> gi(3);
  bc.backward<float>(1, inf, {}, {}, gf, gi, {});
  const std::vector<double> fd =
      reference_fd(t.circuit, opt.readout, std::vector<double>(inf.begin(), inf.end()),
                   std::vector<double>(gf.begin(), gf.end()), false, {});
  for (int s = 0; s < 3; ++s) EXPECT_NEAR(gi[s], fd[s], 2e-4 * (1 + std::abs(fd[s]))) << "symbol " << s;
}

TEST(BatchReference, AmplitudeFeatureGradientsMatchReferenceFiniteDifferences) {
  const TestCircuit t = random_circuit(808, 3, 3, 14);
  for (unsigned nf : {8u, 5u}) {
    for (const Readout& ro : readouts(3, nf)) {
      BatchOptions opt;
      opt.readout = ro;
      opt.initial_state = InitialState::amplitude(nf);
      BatchCircuit bc(t.circuit, opt);
      const std::vector<double> in = random_vec(3, nf), feat = random_vec(nf, nf + 1),
                                g = random_vec(bc.num_outputs(), nf + 2);
      std::vector<double> out(bc.num_outputs()), gi(3), gfeat(nf), gi_ps(3), gfeat_ps(nf);
      bc.forward<double>(1, in, feat, out);
      const std::vector<double> want = reference_outputs(t.circuit, ro, in, feat);
      for (std::size_t k = 0; k < want.size(); ++k) EXPECT_NEAR(out[k], want[k], 1e-10);
      bc.backward<double>(1, in, feat, {}, g, gi, gfeat, GradientMethod::Adjoint);
      bc.backward<double>(1, in, feat, {}, g, gi_ps, gfeat_ps, GradientMethod::ParameterShift);
      const std::vector<double> fd_in = reference_fd(t.circuit, ro, in, g, false, feat);
      const std::vector<double> fd_feat = reference_fd(t.circuit, ro, feat, g, true, in);
      for (int s = 0; s < 3; ++s) {
        EXPECT_NEAR(gi[s], fd_in[s], 2e-6 * (1 + std::abs(fd_in[s])));
        EXPECT_NEAR(gi_ps[s], fd_in[s], 2e-6 * (1 + std::abs(fd_in[s])));
      }
      for (unsigned i = 0; i < nf; ++i) {
        EXPECT_NEAR(gfeat[i], fd_feat[i], 2e-6 * (1 + std::abs(fd_feat[i]))) << "feature " << i;
        EXPECT_NEAR(gfeat_ps[i], fd_feat[i], 2e-6 * (1 + std::abs(fd_feat[i]))) << "feature " << i;
      }
    }
  }
}

}  // namespace
}  // namespace qforge::sim
