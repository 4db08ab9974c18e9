// Tests of the batched, differentiable runtime (qforge/batch.hpp), without
// LibTorch: adjoint gradients vs central finite differences on random
// OpenQASM 3 circuits (every parametric gate,
// ctrl/negctrl/inv/pow modifiers, non-linear expressions), adjoint vs
// parameter shift, batch vs per sample, float vs double, amplitude
// embedding, shots, and the size checks.
#include "batch_test_util.hpp"
#include "qforge/batch.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <sstream>

namespace qforge::sim {
namespace {

using cd = std::complex<double>;

using test::compile_text;
using test::random_expr;
using test::random_vec;

// ---------------------------------------------------------------------------
// Random circuits

const test::QasmGate kGates[] = {
    {"rx", 1, 1}, {"ry", 1, 1}, {"rz", 1, 1}, {"p", 1, 1},   {"u1", 1, 1},  {"u2", 1, 2},
    {"u3", 1, 3}, {"U", 1, 3},  {"cp", 2, 1}, {"crx", 2, 1}, {"cry", 2, 1}, {"crz", 2, 1},
    {"cu", 2, 4}, {"h", 1, 0},  {"cx", 2, 0}, {"sx", 1, 0},  {"ccx", 3, 0}, {"swap", 2, 0},
};

// A random 4-qubit circuit over `nsym` symbols x[0..nsym) covering every
// stdgates parametric gate and the modifiers.
std::string random_circuit(uint64_t seed, int nsym, int ngates) {
  std::mt19937_64 rng(seed);
  std::ostringstream o;
  o << "OPENQASM 3.0;\ninclude \"stdgates.inc\";\ninput array[float[64], " << nsym << "] x;\nqubit[4] q;\n";
  o << "h q[0]; h q[1]; ry(0.4) q[2]; rx(0.9) q[3];\n";
  const int ng = int(sizeof(kGates) / sizeof(kGates[0]));
  for (int i = 0; i < ngates; ++i) {
    const test::QasmGate& g = kGates[i < ng ? i : std::uniform_int_distribution<int>(0, ng - 1)(rng)];
    o << test::random_gate_call(rng, g, 4, nsym);
  }
  return o.str();
}

std::vector<Readout> all_readouts() {
  return {Readout::expectation_z(), Readout::paulis({"Z0 Z1 + 0.5*X2", "Y3 X0 - 0.25*Y1", "X1*Y2*Z3"}),
          Readout::probabilities(), Readout::marginals({2, 0})};
}

// L = sum_k g_k f_k(inputs) in double.
double weighted(const BatchCircuit& bc, const std::vector<double>& in, const std::vector<double>& feat,
                const std::vector<double>& g) {
  std::vector<double> out(bc.num_outputs());
  bc.forward<double>(1, in, feat, out);
  double s = 0;
  for (std::size_t k = 0; k < out.size(); ++k) s += g[k] * out[k];
  return s;
}

std::vector<double> grad_fd(const BatchCircuit& bc, std::vector<double> in, const std::vector<double>& feat,
                            const std::vector<double>& g) {
  const double h = 1e-5;
  std::vector<double> r(in.size());
  for (std::size_t s = 0; s < in.size(); ++s) {
    const double keep = in[s];
    in[s] = keep + h;
    const double fp = weighted(bc, in, feat, g);
    in[s] = keep - h;
    const double fm = weighted(bc, in, feat, g);
    in[s] = keep;
    r[s] = (fp - fm) / (2 * h);
  }
  return r;
}

std::vector<double> grad_method(const BatchCircuit& bc, const std::vector<double>& in,
                                const std::vector<double>& feat, const std::vector<double>& g, GradientMethod m,
                                std::vector<double>* gfeat = nullptr) {
  std::vector<double> out(bc.num_outputs()), gi(in.size());
  std::vector<cd> st(bc.state_size());
  bc.forward<double>(1, in, feat, out, st);
  std::vector<double> gf(feat.size());
  bc.backward<double>(1, in, feat, Span<const cd>(st), g, gi, gf, m);
  if (gfeat) *gfeat = gf;
  return gi;
}

class RandomCircuits : public ::testing::TestWithParam<int> {};

TEST_P(RandomCircuits, AdjointMatchesFiniteDifferencesAndParameterShift) {
  const int seed = GetParam();
  const int nsym = 5;
  Circuit c = compile_text(random_circuit(1000 + seed, nsym, 26));
  ASSERT_EQ(c.num_symbols(), uint32_t(nsym));
  std::vector<double> in = random_vec(nsym, seed, -1.2, 1.2);
  for (const Readout& ro : all_readouts()) {
    BatchOptions opt;
    opt.readout = ro;
    BatchCircuit bc(c, opt);
    std::vector<double> g = random_vec(bc.num_outputs(), seed + 77);
    std::vector<double> adj = grad_method(bc, in, {}, g, GradientMethod::Adjoint);
    std::vector<double> fd = grad_fd(bc, in, {}, g);
    std::vector<double> ps = grad_method(bc, in, {}, g, GradientMethod::ParameterShift);
    for (int s = 0; s < nsym; ++s) {
      EXPECT_NEAR(adj[s], fd[s], 1e-6 * (1 + std::abs(fd[s]))) << "symbol " << s << " readout " << int(ro.kind);
      EXPECT_NEAR(adj[s], ps[s], 1e-9 * (1 + std::abs(ps[s]))) << "symbol " << s << " readout " << int(ro.kind);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, RandomCircuits, ::testing::Range(0, 6));

// rxx, ryy, rzz, rzx, cu1, cu3 are not in stdgates.inc: build them in the IR.
TEST(BatchGradients, TwoQubitRotationsAndLegacyGatesInIR) {
  Circuit c;
  c.num_qubits = 3;
  c.inputs.push_back({"x", "float[64]", {4}, 0});
  auto sym = [](int i) { return Expr::symbol(uint32_t(i)); };
  auto add = [&](GateId g, std::vector<uint32_t> qs, std::vector<Expr> ps, uint8_t nc = 0) {
    c.ops.push_back(test::gate_op(g, std::move(qs), std::move(ps), nc));
  };
  add(GateId::H, {0}, {});
  add(GateId::RY, {1}, {0.3});
  add(GateId::RX, {2}, {1.1});
  add(GateId::RXX, {0, 1}, {sym(0) * 2.0});
  add(GateId::RYY, {1, 2}, {Expr::unary(ExprOp::Sin, sym(1))});
  add(GateId::RZZ, {2, 0}, {sym(2) * sym(3)});
  add(GateId::RZX, {0, 2}, {sym(3)});
  add(GateId::RZX, {2, 1, 0}, {sym(0) + sym(2)}, 1);  // ctrl @ rzx
  add(GateId::CU1, {1, 0}, {sym(1)});
  add(GateId::CU3, {0, 2}, {sym(0), sym(1) * 0.5, sym(2)});
  add(GateId::RYY, {0, 2, 1}, {sym(3)}, 1);  // ctrl @ ryy
  add(GateId::ECR, {2, 0}, {});
  add(GateId::CSwap, {1, 0, 2}, {});
  ASSERT_EQ(c.verify(), "");
  std::vector<double> in = {0.3, -0.7, 1.1, 0.45};
  for (const Readout& ro : {Readout::paulis({"X0 Y1 + Z2", "Y0*Y2 - X1"}), Readout::probabilities()}) {
    BatchOptions opt;
    opt.readout = ro;
    BatchCircuit bc(c, opt);
    std::vector<double> g = random_vec(bc.num_outputs(), 5);
    auto adj = grad_method(bc, in, {}, g, GradientMethod::Adjoint);
    auto fd = grad_fd(bc, in, {}, g);
    auto ps = grad_method(bc, in, {}, g, GradientMethod::ParameterShift);
    for (int s = 0; s < 4; ++s) {
      EXPECT_NEAR(adj[s], fd[s], 1e-6);
      EXPECT_NEAR(adj[s], ps[s], 1e-9);
    }
  }
  BatchCircuit bc(c);
  EXPECT_EQ(bc.shift_rule(3, 0), ShiftRule::TwoTerm);   // rxx
  EXPECT_EQ(bc.shift_rule(7, 0), ShiftRule::FourTerm);  // ctrl @ rzx
  EXPECT_EQ(bc.shift_rule(9, 0), ShiftRule::FourTerm);  // cu3 theta
  EXPECT_EQ(bc.shift_rule(9, 1), ShiftRule::TwoTerm);   // cu3 phi
  EXPECT_THROW(bc.shift_rule(0, 0), std::invalid_argument);  // h has no parameter
}

TEST(BatchGradients, FourTermRuleOnControlledRotations) {
  Circuit c = compile_text(R"(OPENQASM 3.0;
include "stdgates.inc";
input array[float[64], 3] x;
qubit[3] q;
h q[0]; h q[1]; ry(0.3) q[2];
crx(x[0]) q[0], q[1];
cry(2*x[1]) q[1], q[2];
crz(x[2]) q[2], q[0];
ctrl(2) @ rx(x[0] - x[1]) q[0], q[1], q[2];
cu(x[0], x[1], x[2], x[0]*x[1]) q[2], q[1];
)");
  BatchOptions opt;
  opt.readout = Readout::paulis({"X0 + Y1 Z2", "X2"});
  BatchCircuit bc(c, opt);
  EXPECT_EQ(bc.shift_rule(3, 0), ShiftRule::FourTerm);
  std::vector<double> in = {0.9, -0.4, 1.7}, g = {0.8, -1.3};
  auto adj = grad_method(bc, in, {}, g, GradientMethod::Adjoint);
  auto ps = grad_method(bc, in, {}, g, GradientMethod::ParameterShift);
  auto fd = grad_fd(bc, in, {}, g);
  for (int s = 0; s < 3; ++s) {
    EXPECT_NEAR(adj[s], ps[s], 1e-10);
    EXPECT_NEAR(adj[s], fd[s], 1e-6);
  }
}

TEST(BatchGradients, BatchEqualsPerSampleOnAnyThreadCount) {
  Circuit c = compile_text(random_circuit(4242, 4, 30));
  const std::size_t B = 13;
  for (int threads : {1, 2}) {
    BatchOptions opt;
    opt.readout = Readout::paulis({"Z0 + X1", "Y2 Y3"});
    opt.threads = threads;
    opt.parallel_threshold = 0;
    BatchCircuit bc(c, opt);
    std::vector<double> in = random_vec(B * 4, 3), g = random_vec(B * 2, 4);
    std::vector<double> out(B * 2), gi(B * 4);
    std::vector<cd> st(B * bc.state_size());
    bc.forward<double>(B, in, {}, out, st);
    bc.backward<double>(B, in, {}, Span<const cd>(st), g, gi, {});
    std::vector<double> gi2(B * 4);
    bc.backward<double>(B, in, {}, {}, g, gi2, {});  // no tape: recomputed
    for (std::size_t b = 0; b < B; ++b) {
      std::vector<double> in1(in.begin() + b * 4, in.begin() + b * 4 + 4), g1(g.begin() + b * 2, g.begin() + b * 2 + 2);
      std::vector<double> out1(2);
      bc.forward<double>(1, in1, {}, out1);
      auto gi1 = grad_method(bc, in1, {}, g1, GradientMethod::Adjoint);
      for (int k = 0; k < 2; ++k) EXPECT_DOUBLE_EQ(out[b * 2 + k], out1[k]);
      for (int s = 0; s < 4; ++s) {
        EXPECT_NEAR(gi[b * 4 + s], gi1[s], 1e-13);
        EXPECT_NEAR(gi2[b * 4 + s], gi1[s], 1e-13);
      }
    }
  }
}

TEST(BatchGradients, FloatCloseToDouble) {
  Circuit c = compile_text(random_circuit(99, 5, 30));
  const std::size_t B = 8;
  BatchOptions opt;
  opt.readout = Readout::paulis({"Z0 Z1 + 0.5*X2", "Y3"});
  BatchCircuit bc(c, opt);
  std::vector<double> in = random_vec(B * 5, 1), g = random_vec(B * 2, 2);
  std::vector<float> inf(in.begin(), in.end()), gf(g.begin(), g.end());
  std::vector<double> out(B * 2), gi(B * 5);
  std::vector<float> outf(B * 2), gif(B * 5);
  bc.forward<double>(B, in, {}, out);
  bc.forward<float>(B, inf, {}, outf);
  bc.backward<double>(B, in, {}, {}, g, gi, {});
  bc.backward<float>(B, inf, {}, {}, gf, gif, {});
  for (std::size_t i = 0; i < out.size(); ++i) EXPECT_NEAR(outf[i], out[i], 2e-5);
  for (std::size_t i = 0; i < gi.size(); ++i) EXPECT_NEAR(gif[i], gi[i], 1e-4 * (1 + std::abs(gi[i])));
}

TEST(BatchGradients, AmplitudeEmbeddingGradientMatchesFiniteDifferences) {
  Circuit c = compile_text(R"(OPENQASM 3.0;
include "stdgates.inc";
input array[float[64], 2, 4] w;
qubit[4] q;
for int l in [0:1] {
  for int i in [0:3] { rx(w[l][i]) q[i]; }
  cx q[0], q[1]; cx q[1], q[2]; cx q[2], q[3]; cx q[3], q[0];
}
)");
  for (unsigned nf : {16u, 11u}) {
    BatchOptions opt;
    opt.initial_state = InitialState::amplitude(nf);
    opt.readout = Readout::paulis({"Z0", "X1 Y2", "Z3"});
    BatchCircuit bc(c, opt);
    std::vector<double> in = random_vec(8, 11), feat = random_vec(nf, 12), g = random_vec(3, 13);
    std::vector<double> gfeat;
    auto gw = grad_method(bc, in, feat, g, GradientMethod::Adjoint, &gfeat);
    auto fdw = grad_fd(bc, in, feat, g);
    for (int s = 0; s < 8; ++s) EXPECT_NEAR(gw[s], fdw[s], 1e-6);
    const double h = 1e-6;
    for (unsigned i = 0; i < nf; ++i) {
      auto fp = feat, fm = feat;
      fp[i] += h;
      fm[i] -= h;
      const double d = (weighted(bc, in, fp, g) - weighted(bc, in, fm, g)) / (2 * h);
      EXPECT_NEAR(gfeat[i], d, 1e-6) << "feature " << i;
    }
    std::vector<double> gfeat_ps;
    grad_method(bc, in, feat, g, GradientMethod::ParameterShift, &gfeat_ps);
    for (unsigned i = 0; i < nf; ++i) EXPECT_NEAR(gfeat_ps[i], gfeat[i], 1e-12);
  }
}

TEST(BatchShots, EstimatesConvergeAndAreReproducible) {
  Circuit c = compile_text(random_circuit(5, 3, 15));
  std::vector<double> in = random_vec(3, 8);
  for (const Readout& ro : all_readouts()) {
    BatchOptions opt;
    opt.readout = ro;
    BatchCircuit bc(c, opt);
    std::vector<double> exact(bc.num_outputs()), s1(bc.num_outputs()), s2(bc.num_outputs());
    bc.forward<double>(1, in, {}, exact);
    ShotOptions shots{200000, 17};
    bc.forward<double>(1, in, {}, s1, {}, shots);
    bc.forward<double>(1, in, {}, s2, {}, shots);
    for (std::size_t k = 0; k < exact.size(); ++k) {
      EXPECT_NEAR(s1[k], exact[k], 0.02);
      EXPECT_EQ(s1[k], s2[k]);
    }
  }
}

TEST(BatchApi, SizeChecksAndRejections) {
  Circuit c = compile_text(random_circuit(1, 2, 6));
  BatchCircuit bc(c);
  std::vector<double> in(3), out(4);
  try {
    bc.forward<double>(1, in, {}, out);
    FAIL() << "no throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("inputs (batch x symbols) has 3 elements, expected 2"), std::string::npos)
        << e.what();
  }
  Circuit m = compile_text("OPENQASM 3.0;\nqubit[1] q;\nbit[1] b;\nb[0] = measure q[0];\n");
  EXPECT_THROW(BatchCircuit{m}, LocatedError);  // at the measure
  BatchOptions opt;
  opt.initial_state = InitialState::amplitude(17);
  EXPECT_THROW(BatchCircuit(c, opt), std::invalid_argument);
}

TEST(BatchApi, ExpectationGradientsForTheCli) {
  Circuit c = compile_text(random_circuit(21, 3, 12));
  std::vector<Observable> obs = {parse_observable("Z0 Z1"), parse_observable("X2 + 0.5*Y0")};
  std::vector<double> in = {0.1, 0.2, -0.3};
  auto rows = expectation_gradients(c, obs, in);
  ASSERT_EQ(rows.size(), 2u);
  BatchOptions opt;
  opt.readout = Readout::from_observables(obs);
  BatchCircuit bc(c, opt);
  for (int k = 0; k < 2; ++k) {
    std::vector<double> g(2, 0.0);
    g[k] = 1;
    auto fd = grad_fd(bc, in, {}, g);
    ASSERT_EQ(rows[k].size(), 3u);
    for (int s = 0; s < 3; ++s) EXPECT_NEAR(rows[k][s], fd[s], 1e-6);
  }
}

}  // namespace
}  // namespace qforge::sim
