// The adjoint gradient of BatchCircuit on states of 12 to 16 qubits, where
// each symbol-dependent step runs in vector lanes over both states
// (adjoint_step), beyond 12 qubits the constant gates between
// symbol-dependent ones are fused (forward: the blocks, backward: their
// inverses) and from sweep_tile_qubits + 6 qubits on runs of steps on
// low qubits go tile by tile:
//  - adjoint = central finite differences of the forward pass (fp64) at 12
//    and 16 qubits, on circuits with controlled rotations, u3/cu
//    parameters and non-linear expressions of the inputs;
//  - fused = unfused (fusion_width 0), every fusion width, to 1e-12;
//  - tiled = untiled (sweep_tile_qubits 0), to 1e-12;
//  - 1 thread = 2 threads, to 1e-12; tiled: 1 = 2 = 3 threads, bit for bit;
//  - adjoint_step = adjoint_block_batch on every target placement;
//  - chains of one-qubit steps on the same qubit (adjoint_chain) = finite
//    differences at 12 and 16 qubits, = the same circuit with the chains
//    broken up (one step at a time) to 1e-12 in fp64 and 1e-4 in fp32,
//    whole states and tiles; 1 = 2 = 3 threads, bit for bit;
//  - CXs un-applied in the chain pass of the run on their target that
//    follows them (adjoint_chain with a control) = finite differences at 12
//    and 16 qubits, = the same circuit with every CX on its own to 1e-12
//    (fp64) and 1e-4 (fp32), with and without the feature gradient, whole
//    states and tiles; 1 = 2 = 3 threads, bit for bit.
#include "batch_test_util.hpp"
#include "qforge/batch.hpp"
#include "qforge/kernels.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <sstream>

namespace qforge::sim {
namespace {

using cd = std::complex<double>;

// A test program being written: its declarations (inputs x[0 .. nsym),
// qubits q[0 .. n)) and an h on every qubit first; q(i) names qubit i mod n,
// e() is a random expression of the inputs.
struct ProgramWriter {
  ProgramWriter(unsigned num_qubits, int num_inputs, uint64_t seed) : n(num_qubits), nsym(num_inputs), rng(seed) {
    o << "OPENQASM 3.0;\ninclude \"stdgates.inc\";\ninput array[float[64], " << nsym << "] x;\nqubit[" << n
      << "] q;\n";
    for (unsigned i = 0; i < n; ++i) o << "h q[" << i << "];\n";
  }
  std::string q(unsigned i) const { return "q[" + std::to_string(i % n) + "]"; }
  std::string e() { return test::random_expr(rng, nsym); }

  unsigned n;
  int nsym;
  std::mt19937_64 rng;
  std::ostringstream o;
};

// Layers of u3 / ry / rz rotations with parameters given by expressions of
// x[0 .. nsym), controlled rotations (crx, cry, crz, cu, ctrl @ rz) on
// neighbours, and runs of constant gates (h, cx chains, ccx, swap, s, t)
// between them that fusion merges.
std::string layered_circuit(unsigned n, int nsym, int layers, uint64_t seed) {
  ProgramWriter w(n, nsym, seed);
  for (int l = 0; l < layers; ++l) {
    const unsigned a = unsigned(w.rng() % n);
    w.o << "u3(" << w.e() << ", " << w.e() << ", " << w.e() << ") " << w.q(a) << ";\n";
    w.o << "ry(" << w.e() << ") " << w.q(a + 1) << ";\n";
    w.o << "rz(" << w.e() << ") " << w.q(a + 5) << ";\n";
    w.o << "crx(" << w.e() << ") " << w.q(a + 2) << ", " << w.q(a + 3) << ";\n";
    w.o << "cry(" << w.e() << ") " << w.q(a + 7) << ", " << w.q(a) << ";\n";
    w.o << "cu(" << w.e() << ", " << w.e() << ", 0.3, " << w.e() << ") " << w.q(a + 4) << ", " << w.q(a + 9) << ";\n";
    w.o << "ctrl @ rz(" << w.e() << ") " << w.q(a + 6) << ", " << w.q(a + 11) << ";\n";
    w.o << "crz(" << w.e() << ") " << w.q(a + 8) << ", " << w.q(a + 1) << ";\n";
    // Constant gates, on every qubit: what fusion merges.
    for (unsigned i = 0; i + 1 < n; ++i) w.o << "cx " << w.q(i) << ", " << w.q(i + 1) << ";\n";
    w.o << "ccx " << w.q(a) << ", " << w.q(a + 2) << ", " << w.q(a + 4) << ";\n";
    w.o << "swap " << w.q(a + 3) << ", " << w.q(a + 10) << ";\n";
    w.o << "s " << w.q(a + 1) << ";\nt " << w.q(a + 2) << ";\nh " << w.q(a + 12) << ";\nsx " << w.q(a) << ";\n";
    // Constant rotations on every qubit after the chain: blocks that pay.
    for (unsigned i = 0; i < n; ++i) w.o << "ry(" << 0.1 * (i + 1) << ") " << w.q(i) << ";\nh " << w.q(i) << ";\n";
  }
  return w.o.str();
}

double weighted(const BatchCircuit& bc, const std::vector<double>& in, const std::vector<double>& g) {
  std::vector<double> out(bc.num_outputs());
  bc.forward<double>(1, in, {}, out);
  double s = 0;
  for (std::size_t k = 0; k < out.size(); ++k) s += g[k] * out[k];
  return s;
}

std::vector<double> finite_differences(const BatchCircuit& bc, std::vector<double> in, const std::vector<double>& g) {
  const double h = 1e-5;
  std::vector<double> r(in.size());
  for (std::size_t s = 0; s < in.size(); ++s) {
    const double keep = in[s];
    in[s] = keep + h;
    const double fp = weighted(bc, in, g);
    in[s] = keep - h;
    const double fm = weighted(bc, in, g);
    in[s] = keep;
    r[s] = (fp - fm) / (2 * h);
  }
  return r;
}

// Adjoint gradients of `batch` samples (inputs: batch x symbols).
std::vector<double> adjoint(const BatchCircuit& bc, std::size_t batch, const std::vector<double>& in,
                            const std::vector<double>& g) {
  std::vector<double> out(batch * bc.num_outputs()), gi(in.size());
  std::vector<cd> st(batch * bc.state_size());
  bc.forward<double>(batch, in, {}, out, st);
  bc.backward<double>(batch, in, {}, Span<const cd>(st), g, gi, {});
  return gi;
}

std::vector<Readout> readouts() {
  return {Readout::expectation_z(), Readout::paulis({"Z0 Z1 + 0.5*X2 Y5", "Y3 X0 - 0.25*Y1 Z9"})};
}

// The adjoint gradient of one sample against central finite differences,
// for the weights random_vec(outputs, seed).
void expect_finite_differences(const BatchCircuit& bc, const std::vector<double>& in, uint64_t seed) {
  const std::vector<double> g = test::random_vec(bc.num_outputs(), seed);
  const std::vector<double> adj = adjoint(bc, 1, in, g);
  const std::vector<double> fd = finite_differences(bc, in, g);
  double scale = 0;
  for (double v : fd) scale = std::max(scale, std::abs(v));
  EXPECT_GT(scale, 1e-3) << "the gradient is too small to test anything";
  for (std::size_t s = 0; s < in.size(); ++s)
    EXPECT_NEAR(adj[s], fd[s], 1e-7 * (1 + std::abs(fd[s]))) << "n " << bc.num_qubits() << " symbol " << s;
}

class AdjointLarge : public ::testing::TestWithParam<unsigned> {};

TEST_P(AdjointLarge, MatchesFiniteDifferences) {
  const unsigned n = GetParam();
  const int nsym = 7;
  Circuit c = test::compile_text(layered_circuit(n, nsym, 3, 17 + n));
  ASSERT_EQ(c.num_symbols(), uint32_t(nsym));
  const std::vector<double> in = test::random_vec(nsym, n, -1.2, 1.2);
  for (const Readout& ro : readouts()) {
    BatchOptions opt;
    opt.readout = ro;
    opt.threads = 1;
    BatchCircuit bc(c, opt);
    if (n > kBlockTableQubits) {
      EXPECT_LT(bc.num_passes(), bc.num_gates()) << "fusion merged no gate";
    }
    expect_finite_differences(bc, in, n + 5);
  }
}

INSTANTIATE_TEST_SUITE_P(Qubits, AdjointLarge, ::testing::Values(12u, 16u));

// Fused runs (every width the cost model may pick) against every gate on
// its own, on random circuits of 13 and 14 qubits (stdgates and modifiers).
TEST(AdjointFused, EqualsUnfusedOnRandomCircuits) {
  for (unsigned n : {13u, 14u}) {
    for (int seed = 0; seed < 3; ++seed) {
      std::mt19937_64 rng(900 + seed + 10 * n);
      const int nsym = 5;
      Circuit c = test::compile_text(test::random_qasm(rng, n, nsym, 120));
      const std::vector<double> in = test::random_vec(nsym * 2, seed, -1.2, 1.2);
      BatchOptions off;
      off.threads = 1;
      off.fusion_width = 0;
      BatchCircuit ref(c, off);
      EXPECT_EQ(ref.num_passes(), ref.num_gates());
      const std::vector<double> g = test::random_vec(2 * ref.num_outputs(), seed + 3);
      const std::vector<double> want = adjoint(ref, 2, in, g);
      std::vector<double> want_out(2 * ref.num_outputs());
      ref.forward<double>(2, in, {}, want_out);
      for (unsigned width : {1u, 2u, 3u, 4u, 6u}) {
        BatchOptions on = off;
        on.fusion_width = width;
        BatchCircuit bc(c, on);
        if (width >= 2) {
          EXPECT_LT(bc.num_passes(), bc.num_gates()) << "width " << width;
        }
        std::vector<double> out(2 * bc.num_outputs());
        bc.forward<double>(2, in, {}, out);
        for (std::size_t k = 0; k < out.size(); ++k) EXPECT_NEAR(out[k], want_out[k], 1e-12) << "width " << width;
        const std::vector<double> got = adjoint(bc, 2, in, g);
        for (std::size_t s = 0; s < got.size(); ++s)
          EXPECT_NEAR(got[s], want[s], 1e-12 * (1 + std::abs(want[s])))
              << "n " << n << " seed " << seed << " width " << width << " symbol " << s;
      }
    }
  }
}

// The gradient is the same on 1 and 2 threads: kernel threads on one
// sample, and samples split over threads.
TEST(AdjointFused, OneAndTwoThreadsAgree) {
  const unsigned n = 16;
  const int nsym = 7;
  Circuit c = test::compile_text(layered_circuit(n, nsym, 2, 5));
  for (std::size_t batch : {std::size_t(1), std::size_t(3)}) {
    const std::vector<double> in = test::random_vec(batch * nsym, 11, -1.2, 1.2);
    std::vector<double> grads[2];
    for (int t = 1; t <= 2; ++t) {
      BatchOptions opt;
      opt.threads = t;
      opt.parallel_threshold = 1;
      BatchCircuit bc(c, opt);
      const std::vector<double> g = test::random_vec(batch * bc.num_outputs(), 4);
      grads[t - 1] = adjoint(bc, batch, in, g);
    }
    for (std::size_t s = 0; s < grads[0].size(); ++s)
      EXPECT_NEAR(grads[0][s], grads[1][s], 1e-12 * (1 + std::abs(grads[0][s]))) << "batch " << batch;
  }
}

// The sweep tile by tile (sweep_tile_qubits) against every step over the
// whole states, to 1e-12: random circuits of 13 and 14 qubits (stdgates and
// modifiers) and the layered circuit, fused and unfused, batch 2, with the
// symbol and the amplitude-embedding feature gradients.
TEST(AdjointTiled, EqualsUntiled) {
  struct Case {
    unsigned n;
    std::string text;
  };
  std::vector<Case> cases;
  for (unsigned n : {13u, 14u})
    for (int seed = 0; seed < 2; ++seed) {
      std::mt19937_64 rng(700 + seed + 10 * n);
      cases.push_back({n, test::random_qasm(rng, n, 5, 150)});
    }
  cases.push_back({14, layered_circuit(14, 5, 3, 8)});
  for (const Case& cs : cases) {
    Circuit c = test::compile_text(cs.text);
    const std::size_t batch = 2, nsym = c.num_symbols(), nfeat = 37;
    const std::vector<double> in = test::random_vec(batch * nsym, cs.n, -1.2, 1.2);
    const std::vector<double> feat = test::random_vec(batch * nfeat, cs.n + 1);
    for (unsigned width : {0u, 4u}) {
      BatchOptions off;
      off.threads = 1;
      off.fusion_width = width;
      off.initial_state = InitialState::amplitude(nfeat);
      off.sweep_tile_qubits = 0;
      BatchCircuit ref(c, off);
      EXPECT_EQ(ref.num_tiled_runs(), 0u);
      const std::vector<double> g = test::random_vec(batch * ref.num_outputs(), 3);
      std::vector<double> out(batch * ref.num_outputs()), want_in(in.size()), want_feat(feat.size());
      std::vector<cd> st(batch * ref.state_size());
      ref.forward<double>(batch, in, feat, out, st);
      ref.backward<double>(batch, in, feat, Span<const cd>(st), g, want_in, want_feat);
      for (unsigned tile : {6u, 7u}) {
        BatchOptions on = off;
        on.sweep_tile_qubits = tile;
        BatchCircuit bc(c, on);
        EXPECT_GT(bc.num_tiled_runs(), 0u) << "n " << cs.n << " tile " << tile;
        std::vector<double> got_in(in.size()), got_feat(feat.size());
        bc.backward<double>(batch, in, feat, Span<const cd>(st), g, got_in, got_feat);
        for (std::size_t s = 0; s < got_in.size(); ++s)
          EXPECT_NEAR(got_in[s], want_in[s], 1e-12 * (1 + std::abs(want_in[s])))
              << "n " << cs.n << " width " << width << " tile " << tile << " symbol " << s;
        for (std::size_t i = 0; i < got_feat.size(); ++i)
          EXPECT_NEAR(got_feat[i], want_feat[i], 1e-12 * (1 + std::abs(want_feat[i])))
              << "n " << cs.n << " width " << width << " tile " << tile << " feature " << i;
      }
    }
  }
}

// The tiles split over 1, 2 or 3 threads give the same bits: each tile's
// density is summed on one thread and the tiles' sums added in tile order.
TEST(AdjointTiled, BitIdenticalOnOneTwoThreeThreads) {
  const unsigned n = 16;
  Circuit c = test::compile_text(layered_circuit(n, 7, 2, 5));
  for (std::size_t batch : {std::size_t(1), std::size_t(3)}) {
    const std::vector<double> in = test::random_vec(batch * 7, 12, -1.2, 1.2);
    std::vector<double> grads[3];
    for (int t = 1; t <= 3; ++t) {
      BatchOptions opt;
      opt.threads = t;
      opt.parallel_threshold = 1;
      opt.sweep_tile_qubits = 10;
      BatchCircuit bc(c, opt);
      EXPECT_GT(bc.num_tiled_runs(), 0u);
      const std::vector<double> g = test::random_vec(batch * bc.num_outputs(), 4);
      grads[t - 1] = adjoint(bc, batch, in, g);
    }
    for (int t = 1; t < 3; ++t)
      for (std::size_t s = 0; s < grads[0].size(); ++s)
        EXPECT_EQ(grads[0][s], grads[t][s]) << "batch " << batch << " threads " << t + 1 << " symbol " << s;
  }
}

TEST(AdjointTiled, RejectsTilesBelowThreeQubits) {
  Circuit c = test::compile_text("OPENQASM 3.0;\ninput float x;\nqubit[2] q;\nU(x, 0, 0) q[0];\n");
  BatchOptions opt;
  opt.sweep_tile_qubits = 2;
  try {
    BatchCircuit bc(c, opt);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "BatchCircuit: sweep_tile_qubits is 2; it must be 0 (no tiles) or at least 3.");
  }
}

// adjoint_step against adjoint_block_batch (the kernel of every step on
// small states, through its table walk) on every placement of one and two
// targets among low and high qubits, with and without a control, dense
// (complex, and real as ry's block, which takes adjoint_step's real
// kernels, with the whole density and with its real parts only) and
// diagonal, fp64 and fp32.
template <typename FP>
void check_adjoint_step(double tol) {
  using C = std::complex<FP>;
  const unsigned n = 13;  // beyond the table: adjoint_block_batch walks by deposit
  const std::size_t dim = std::size_t(1) << n;
  std::mt19937_64 rng(3);
  std::normal_distribution<double> N;
  std::vector<C> psi0(dim), lam0(dim);
  for (std::size_t i = 0; i < dim; ++i) {
    psi0[i] = C(FP(N(rng)), FP(N(rng)));
    lam0[i] = C(FP(N(rng)), FP(N(rng)));
  }
  const unsigned placements[][2] = {{0, 1}, {1, 0}, {2, 5}, {3, 4}, {12, 0}, {7, 2}, {9, 11}};
  for (const auto& t : placements)
    for (unsigned k : {1u, 2u})
      for (uint64_t ctrl : {uint64_t(0), uint64_t(1) << 6, uint64_t(1) << 1})
        for (int variant : {0, 1, 2, 3}) {  // dense, real dense, diagonal, real dense with Re R only
          if ((ctrl >> t[0] & 1) || (k == 2 && (ctrl >> t[1] & 1))) continue;
          const BlockKind kind = variant == 2 ? BlockKind::Diagonal : BlockKind::Dense;
          const bool real = variant == 1 || variant == 3;
          const BlockGate g = make_block_gate(n, kind, k, t, ctrl);
          C m[16];
          for (auto& v : m) v = C(FP(N(rng)), real ? FP(0) : FP(N(rng)));
          std::vector<C> pa = psi0, la = lam0, pb = psi0, lb = lam0;
          C ra[16] = {}, rb[16] = {};
          adjoint_step<FP>(pa.data(), la.data(), g, m, ra, variant == 3);
          adjoint_block_batch<FP>(pb.data(), lb.data(), 1, g, m, 0, rb);
          double err = 0;
          for (std::size_t i = 0; i < dim; ++i)
            err = std::max({err, double(std::abs(pa[i] - pb[i])), double(std::abs(la[i] - lb[i]))});
          for (unsigned i = 0; i < g.block_size(); ++i) {
            const C diff = variant == 3 ? C(ra[i].real() - rb[i].real(), 0) : ra[i] - rb[i];
            err = std::max(err, double(std::abs(diff)) / dim);
          }
          EXPECT_LT(err, tol) << "targets " << t[0] << "," << t[1] << " k " << k << " ctrl " << ctrl << " variant "
                              << variant;
        }
}

TEST(AdjointStep, EqualsTheBlockKernel) {
  check_adjoint_step<double>(1e-12);
  check_adjoint_step<float>(1e-4);
}

// Runs of 2-5 one-qubit gates on the same qubit (ry, rz, rx, u3, U, p with
// expressions of x[0 .. nsym); constant h, s, t, x, sx, y and ry(0.4)) on
// qubits 0, 1, 2 and a random one of 3 .. n - 2, between cx / crz layers
// that end the chains. separate: a cp(0) on qubits n - 1 and a after every
// gate of a run, so that no two one-qubit steps of the sweep on the same
// qubit are adjacent and no CX is followed by one on its target (the same
// circuit, one step at a time).
std::string chained_circuit(unsigned n, int nsym, int layers, uint64_t seed, bool separate) {
  ProgramWriter w(n, nsym, seed);
  for (int l = 0; l < layers; ++l) {
    for (unsigned a : {0u, 1u, 2u, 3 + unsigned(w.rng() % (n - 4))}) {
      const int len = 2 + int(w.rng() % 4);
      for (int g = 0; g < len; ++g) {
        switch (w.rng() % 12) {
          case 0: case 1: w.o << "ry(" << w.e() << ") " << w.q(a) << ";\n"; break;
          case 2: case 3: w.o << "rz(" << w.e() << ") " << w.q(a) << ";\n"; break;
          case 4: w.o << "rx(" << w.e() << ") " << w.q(a) << ";\n"; break;
          case 5: w.o << "u3(" << w.e() << ", " << w.e() << ", " << w.e() << ") " << w.q(a) << ";\n"; break;
          case 6: w.o << "U(" << w.e() << ", 0.2, " << w.e() << ") " << w.q(a) << ";\n"; break;
          case 7: w.o << "p(" << w.e() << ") " << w.q(a) << ";\n"; break;
          case 8: w.o << "ry(0.4) " << w.q(a) << ";\n"; break;
          case 9: w.o << (w.rng() % 2 ? "h " : "y ") << w.q(a) << ";\n"; break;
          case 10: w.o << (w.rng() % 2 ? "s " : "t ") << w.q(a) << ";\n"; break;
          default: w.o << (w.rng() % 2 ? "x " : "sx ") << w.q(a) << ";\n"; break;
        }
        if (separate) w.o << "cp(0) " << w.q(n - 1) << ", " << w.q(a) << ";\n";
      }
    }
    for (unsigned i = 0; i + 1 < n; i += 2) w.o << "cx " << w.q(i) << ", " << w.q(i + 1) << ";\n";
    w.o << "crz(" << w.e() << ") " << w.q(l) << ", " << w.q(l + 3) << ";\n";
  }
  return w.o.str();
}

class AdjointChained : public ::testing::TestWithParam<unsigned> {};

std::string cx_chained_circuit(unsigned n, int nsym, int layers, uint64_t seed, bool separate);

// Chains of one-qubit steps, and (cx_chained_circuit) CXs in their passes.
TEST_P(AdjointChained, MatchesFiniteDifferences) {
  const unsigned n = GetParam();
  const int nsym = 6;
  const std::vector<double> in = test::random_vec(nsym, n + 2, -1.2, 1.2);
  for (const std::string& text :
       {chained_circuit(n, nsym, 3, 31 + n, false), cx_chained_circuit(n, nsym, 2, 41 + n, false)}) {
    Circuit c = test::compile_text(text);
    for (const Readout& ro : readouts()) {
      BatchOptions opt;
      opt.readout = ro;
      opt.threads = 1;
      BatchCircuit bc(c, opt);
      EXPECT_GE(bc.num_chains(), 8u);
      expect_finite_differences(bc, in, n + 7);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Qubits, AdjointChained, ::testing::Values(12u, 16u));

// Chains against the same circuit with every chain broken up, batch 2 with
// the amplitude-embedding feature gradient, forward outputs and gradients:
// whole states (8 qubits: the forward's products through the index
// tables; 13: fused and unfused constant runs) and tiles (13 qubits,
// sweep_tile_qubits 7: chains inside the tiled runs), fp64 and fp32.
template <typename FP>
std::vector<FP> to_fp(const std::vector<double>& v) {
  return std::vector<FP>(v.begin(), v.end());
}

// bc against ref (the same circuit written so that its sweep takes other
// passes): batch 2, with the amplitude-embedding feature gradient when
// ref's options have nfeat features (else none), forward outputs and
// gradients to tol.
template <typename FP>
void expect_same_as(const BatchCircuit& bc, const BatchCircuit& ref, std::size_t nsym, std::size_t nfeat, int seed,
                    double tol, const std::string& where) {
  using C = std::complex<FP>;
  const std::size_t batch = 2;
  const std::vector<FP> in = to_fp<FP>(test::random_vec(batch * nsym, seed, -1.2, 1.2));
  const std::vector<FP> feat = to_fp<FP>(test::random_vec(batch * nfeat, seed + 1));
  const std::vector<FP> g = to_fp<FP>(test::random_vec(batch * bc.num_outputs(), 3));
  std::vector<FP> out(batch * bc.num_outputs()), got_in(in.size()), got_feat(feat.size());
  std::vector<FP> want_out(out.size()), want_in(in.size()), want_feat(feat.size());
  std::vector<C> st(batch * bc.state_size()), st_ref(batch * bc.state_size());
  bc.forward<FP>(batch, in, feat, out, st);
  ref.forward<FP>(batch, in, feat, want_out, st_ref);
  for (std::size_t k = 0; k < out.size(); ++k) EXPECT_NEAR(out[k], want_out[k], tol) << where << " output " << k;
  bc.backward<FP>(batch, in, feat, Span<const C>(st), g, got_in, got_feat);
  ref.backward<FP>(batch, in, feat, Span<const C>(st_ref), g, want_in, want_feat);
  for (std::size_t s = 0; s < got_in.size(); ++s)
    EXPECT_NEAR(got_in[s], want_in[s], tol * (1 + std::abs(want_in[s]))) << where << " symbol " << s;
  for (std::size_t i = 0; i < got_feat.size(); ++i)
    EXPECT_NEAR(got_feat[i], want_feat[i], tol * (1 + std::abs(want_feat[i]))) << where << " feature " << i;
}

template <typename FP>
void check_chains_against_single_steps(double tol) {
  for (unsigned n : {8u, 13u}) {
    for (int seed = 0; seed < 3; ++seed) {
      Circuit chained = test::compile_text(chained_circuit(n, 5, 3, 100 + seed, false));
      Circuit single = test::compile_text(chained_circuit(n, 5, 3, 100 + seed, true));
      for (unsigned width : {0u, 4u})
        for (unsigned tile : {0u, 7u}) {
          BatchOptions opt;
          opt.threads = 1;
          opt.fusion_width = width;
          opt.sweep_tile_qubits = tile;
          opt.initial_state = InitialState::amplitude(21);
          BatchCircuit bc(chained, opt), ref(single, opt);
          EXPECT_GE(bc.num_chains(), 6u);
          // Only a CX of a fused run (which drops the cp(0)s) may start one.
          if (width == 0) {
            EXPECT_EQ(ref.num_chains(), 0u);
          }
          expect_same_as<FP>(bc, ref, 5, 21, seed, tol,
                             "n " + std::to_string(n) + " seed " + std::to_string(seed) + " width " +
                                 std::to_string(width) + " tile " + std::to_string(tile));
        }
    }
  }
}

TEST(AdjointChained, EqualsOneStepAtATime) {
  check_chains_against_single_steps<double>(1e-12);
  check_chains_against_single_steps<float>(1e-4);
}

// The gradients of c (6 symbols) on 1, 2 and 3 threads, over whole states
// (16 qubits: the sums split over the threads) and in tiles: the same bits;
// at least min_chains chains.
void expect_same_bits_on_one_two_three_threads(const Circuit& c, uint64_t in_seed, std::size_t min_chains) {
  for (unsigned tile : {0u, 10u}) {
    const std::vector<double> in = test::random_vec(6, in_seed, -1.2, 1.2);
    std::vector<double> grads[3];
    for (int t = 1; t <= 3; ++t) {
      BatchOptions opt;
      opt.threads = t;
      opt.parallel_threshold = 1;
      opt.sweep_tile_qubits = tile;
      BatchCircuit bc(c, opt);
      EXPECT_GE(bc.num_chains(), min_chains);
      const std::vector<double> g = test::random_vec(bc.num_outputs(), 4);
      grads[t - 1] = adjoint(bc, 1, in, g);
    }
    for (int t = 1; t < 3; ++t)
      for (std::size_t s = 0; s < grads[0].size(); ++s)
        EXPECT_EQ(grads[0][s], grads[t][s]) << "tile " << tile << " threads " << t + 1 << " symbol " << s;
  }
}

// Chains over whole states and inside tiles give the same bits on 1, 2 and
// 3 threads.
TEST(AdjointChained, BitIdenticalOnOneTwoThreeThreads) {
  expect_same_bits_on_one_two_three_threads(test::compile_text(chained_circuit(16, 6, 2, 9, false)), 12, 4);
}

// CX ladders and random CXs, each followed (before the next gate on its
// target) by a run of 1-2 one-qubit gates (symbol-dependent or constant) on
// every qubit: in the sweep each CX(c, t) with c >= 3 joins the chain pass
// of the run on t. Before the first symbol-dependent gate, constant gates
// on qubits 4 and 5 that CXs of the first layer target (steps the sweep
// stops short of when no feature gradient is wanted), and the hardware
// efficient ansatz of bench_layer (ry, rz on every qubit, then the CX
// ladder) as its last layers. separate: a cp(0) on each CX's qubits just
// before it, so that no run moves up to its CX (the same circuit with every
// CX on its own, unless fusion drops the cp(0)).
std::string cx_chained_circuit(unsigned n, int nsym, int layers, uint64_t seed, bool separate) {
  ProgramWriter w(n, nsym, seed);
  auto cx = [&](unsigned c, unsigned t) {
    if (separate) w.o << "cp(0) " << w.q(c) << ", " << w.q(t) << ";\n";
    w.o << "cx " << w.q(c) << ", " << w.q(t) << ";\n";
  };
  w.o << "cx q[6], q[5];\nh q[5];\nt q[4];\ncx q[3], q[4];\nsx q[4];\n";
  for (int l = 0; l < layers; ++l) {
    for (unsigned a = 0; a < n; ++a) {
      if (l == 0 && (a == 4 || a == 5)) continue;
      const int len = 1 + int(w.rng() % 2);
      for (int g = 0; g < len; ++g) {
        switch (w.rng() % 6) {
          case 0: case 1: w.o << "ry(" << w.e() << ") " << w.q(a) << ";\n"; break;
          case 2: w.o << "rz(" << w.e() << ") " << w.q(a) << ";\n"; break;
          case 3: w.o << "u3(" << w.e() << ", " << w.e() << ", " << w.e() << ") " << w.q(a) << ";\n"; break;
          case 4: w.o << "ry(0.7) " << w.q(a) << ";\n"; break;
          default: w.o << (w.rng() % 2 ? "h " : "s ") << w.q(a) << ";\n"; break;
        }
      }
    }
    // Inside one tiled run of sweep_tile_qubits 7: the ry moves up to the CX.
    w.o << "ry(" << w.e() << ") q[5];\nrz(" << w.e() << ") q[4];\n";
    cx(3, 5);
    for (unsigned i = 0; i + 1 < n; ++i) cx(i, i + 1);
    for (int k = 0; k < 3; ++k) {
      const unsigned c = unsigned(w.rng() % n), t = (c + 1 + unsigned(w.rng() % (n - 1))) % n;
      cx(c, t);
    }
  }
  for (int l = 0; l < 2; ++l) {  // the ansatz
    for (unsigned a = 0; a < n; ++a) w.o << "ry(" << w.e() << ") " << w.q(a) << ";\nrz(" << w.e() << ") " << w.q(a) << ";\n";
    for (unsigned i = 0; i + 1 < n; ++i) cx(i, i + 1);
  }
  return w.o.str();
}

// CXs in the chain passes against every CX on its own: batch 2, with the
// amplitude-embedding feature gradient (the sweep to the first op) and
// without (to the first symbol-dependent op), forward outputs and
// gradients to 1e-12 (fp64) and 1e-4 (fp32), on whole states (8 qubits,
// and 13 with the constant CXs fused and not) and tiles (13 qubits,
// sweep_tile_qubits 7).
template <typename FP>
void check_cx_chains_against_separate(double tol) {
  for (unsigned n : {8u, 13u}) {
    for (int seed = 0; seed < 3; ++seed) {
      Circuit fused = test::compile_text(cx_chained_circuit(n, 5, 3, 200 + seed, false));
      Circuit single = test::compile_text(cx_chained_circuit(n, 5, 3, 200 + seed, true));
      for (bool features : {false, true})
        for (unsigned width : {0u, 4u})
          for (unsigned tile : {0u, 7u}) {
            BatchOptions opt;
            opt.threads = 1;
            opt.fusion_width = width;
            opt.sweep_tile_qubits = tile;
            if (features) opt.initial_state = InitialState::amplitude(21);
            BatchCircuit bc(fused, opt), ref(single, opt);
            const std::string where = "n " + std::to_string(n) + " seed " + std::to_string(seed) + " features " +
                                      std::to_string(features) + " width " + std::to_string(width) + " tile " +
                                      std::to_string(tile);
            // Fused runs drop the cp(0)s: their CXs start chains in both.
            if (width == 0) {
              EXPECT_GT(bc.num_chains(), ref.num_chains()) << where;
            }
            expect_same_as<FP>(bc, ref, 5, features ? 21 : 0, seed, tol, where);
          }
    }
  }
}

TEST(AdjointCxChained, EqualsEachCxOnItsOwn) {
  check_cx_chains_against_separate<double>(1e-12);
  check_cx_chains_against_separate<float>(1e-4);
}

// CX chain passes over whole states and inside tiles give the same bits on
// 1, 2 and 3 threads.
TEST(AdjointCxChained, BitIdenticalOnOneTwoThreeThreads) {
  expect_same_bits_on_one_two_three_threads(test::compile_text(cx_chained_circuit(16, 6, 1, 19, false)), 13, 20);
}

}  // namespace
}  // namespace qforge::sim
