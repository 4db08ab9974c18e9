// NoisyBatchCircuit (qforge/noisy_batch.hpp): the density-matrix forward and
// its exact adjoint gradient against the independent dense density-matrix
// reference (tests/support/density_reference.hpp: Eigen matrices, the gate
// table's unitaries, Kraus sums; no runtime code):
//  - every parametric table gate (with ctrl/negctrl on some) under
//    depolarizing (1q, 2q), amplitude/phase damping and a thermal-relaxation
//    composition, against the parameter-shift rule evaluated on the
//    reference (1e-9);
//  - random circuits with non-linear parameter expressions, every readout,
//    a batch with different inputs per sample, resets and a terminal
//    measurement, against central finite differences of the reference;
//  - amplitude-embedding features, single precision, 1 vs 2 threads,
//    checkpoint intervals and the tape, and the noiseless case against
//    BatchCircuit;
//  - trajectory estimates (Pauli channels; amplitude damping and thermal
//    relaxation by fixed proposals) within 3 standard errors of the density
//    matrix over many seeds, where two naive estimators (normalised states
//    without the importance ratio; draws by the state's probabilities with
//    no derivative of them), enumerated exactly on the reference, are many
//    standard errors away.
#include "batch_test_util.hpp"
#include "density_reference.hpp"
#include "noise_channels.hpp"
#include "qforge/batch.hpp"
#include "qforge/noisy_batch.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace qforge::sim {
namespace {

using cd = std::complex<double>;
using test::compile_text;
using test::KrausChannel;
using test::NoisyPair;
using test::random_vec;

constexpr double kPi = 3.14159265358979323846;

/// Channels after every operation of `c`: on a one-qubit gate depolarizing
/// then thermal relaxation (merged by the engine), on a wider one two-qubit
/// depolarizing on its last two qubits then amplitude damping and phase
/// damping on them, sometimes a random channel too.
NoisyPair decorate(Circuit c, std::mt19937_64& rng, double strength = 1) {
  NoisyPair p(std::move(c));
  std::uniform_real_distribution<double> u(0.02, 0.12);
  for (std::size_t i = 0; i < p.nc.circuit.ops.size(); ++i) {
    const Operation& op = p.nc.circuit.ops[i];
    if (op.kind != OpKind::Gate || op.qubits.empty()) continue;
    const std::size_t nq = op.qubits.size();
    std::vector<KrausChannel> chs;
    if (nq == 1) {
      chs.push_back(test::depolarizing(strength * u(rng), op.qubits[0]));
      chs.push_back(test::thermal_relaxation(strength * u(rng), strength * u(rng), op.qubits[0]));
    } else {
      const uint32_t a = op.qubits[nq - 2], b = op.qubits[nq - 1];
      chs.push_back(test::depolarizing2(strength * u(rng), a, b));
      chs.push_back(test::amplitude_damping(strength * u(rng), b));
      chs.push_back(test::phase_damping(strength * u(rng), a));
    }
    if (rng() % 4 == 0) chs.push_back({{op.qubits[0]}, ref::random_kraus(1, 2, rng)});
    p.add(i, std::move(chs));
  }
  return p;
}

/// The readout of the reference's final density matrix.
std::vector<double> ref_readout(const NoisyPair& c, const Readout& ro, const std::vector<double>& x) {
  const Eigen::MatrixXcd rho = ref::final_density(c.nc.circuit, c.after, x);
  const unsigned n = c.nc.circuit.num_qubits;
  const std::size_t dim = std::size_t(1) << n;
  std::vector<double> out(ro.size(n), 0.0);
  for (std::size_t i = 0; i < dim; ++i) {
    const double p = rho(Eigen::Index(i), Eigen::Index(i)).real();
    switch (ro.kind) {
      case ReadoutKind::ExpectationZ:
        for (unsigned q = 0; q < n; ++q) out[q] += (i >> q & 1) ? -p : p;
        break;
      case ReadoutKind::Probabilities: out[i] = p; break;
      case ReadoutKind::Marginals: {
        std::size_t m = 0;
        for (std::size_t k = 0; k < ro.qubits.size(); ++k) m |= (i >> ro.qubits[k] & 1) << k;
        out[m] += p;
        break;
      }
      case ReadoutKind::Observables: break;
    }
  }
  if (ro.kind == ReadoutKind::Observables)
    for (std::size_t k = 0; k < ro.observables.size(); ++k)
      for (const auto& t : ro.observables[k].terms)
        out[k] += t.coefficient * (rho * ref::pauli_matrix(t.x_mask, t.y_mask, t.z_mask, n)).trace().real();
  return out;
}

double dot(const std::vector<double>& a, const double* g) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * g[i];
  return s;
}

NoisyBatchOptions options_for(Readout ro, int threads = 1) {
  NoisyBatchOptions o;
  o.batch.readout = std::move(ro);
  o.batch.threads = threads;
  return o;
}

/// Forward with a tape, then backward: outputs and symbol gradients.
struct Result {
  std::vector<double> out, grad;
};
template <typename FP = double>
Result run(const NoisyBatchCircuit& nbc, std::size_t batch, const std::vector<FP>& x, const std::vector<FP>& g,
        bool use_tape = true) {
  std::vector<FP> out(batch * nbc.num_outputs()), gi(batch * nbc.num_symbols());
  std::vector<std::complex<FP>> tape(use_tape ? batch * nbc.tape_size() : 0);
  nbc.forward<FP>(batch, x, {}, out, tape);
  nbc.backward<FP>(batch, x, {}, Span<const std::complex<FP>>(tape), g, gi, {});
  return {std::vector<double>(out.begin(), out.end()), std::vector<double>(gi.begin(), gi.end())};
}

const Readout kObservables = Readout::paulis({"Z0 Z1 + 0.5*X2", "Y0 - 0.3*X1 Z2", "Z2 + 0.2*Y1*Y2"});

// ---------------------------------------------------------------------------

struct GateCase {
  const char* name;
  int np;
  const char* modifier;
  GateId ir = GateId::I;  ///< set for gates stdgates.inc does not spell
};

TEST(NoisyAdjoint, EveryParametricGateMatchesParameterShiftOnReference) {
  const GateCase cases[] = {
      {"rx", 1, ""},          {"ry", 1, "ctrl @ "}, {"rz", 1, "negctrl @ "}, {"p", 1, ""},
      {"u1", 1, "ctrl @ "},   {"u2", 2, ""},        {"u3", 3, "negctrl @ "}, {"u3", 3, ""},
      {"cp", 1, ""},      {"crx", 1, ""},       {"cry", 1, "ctrl @ "},   {"crz", 1, "negctrl @ "},
      {"cu", 4, ""},          {"rxx", 1, "", GateId::RXX}, {"ryy", 1, "", GateId::RYY},
      {"rzz", 1, "", GateId::RZZ}, {"rzx", 1, "", GateId::RZX}, {"rzx", 1, "ctrl @ ", GateId::RZX},
  };
  std::mt19937_64 rng(21);
  const std::string head =
      "OPENQASM 3.0;\ninclude \"stdgates.inc\";\ninput array[float[64], 4] x;\nqubit[3] q;\n"
      "h q[0];\nry(0.4) q[1];\nrx(0.9) q[2];\ncx q[0], q[2];\n";
  const std::string tail = "h q[1];\ncx q[1], q[0];\nry(0.3) q[2];\n";
  for (const GateCase& gc : cases) {
    Circuit c;
    if (gc.ir == GateId::I) {
      const int nq = int(gate_info(*gate_by_name(gc.name)).num_qubits) + (gc.modifier[0] ? 1 : 0);
      std::string call = std::string(gc.modifier) + gc.name + "(";
      for (int k = 0; k < gc.np; ++k) call += (k ? ", x[" : "x[") + std::to_string(k) + "]";
      call += ")";
      const int order[3] = {2, 0, 1};
      for (int k = 0; k < nq; ++k) call += (k ? ", q[" : " q[") + std::to_string(order[k]) + "]";
      c = compile_text(head + call + ";\n" + tail);
    } else {
      c = compile_text(head);
      const bool ctrl = gc.modifier[0] != 0;
      c.ops.push_back(test::gate_op(gc.ir, ctrl ? std::vector<uint32_t>{0, 2, 1} : std::vector<uint32_t>{2, 1},
                                    {Expr::symbol(0)}, uint8_t(ctrl)));
      const Circuit t = compile_text(head + tail);
      c.ops.insert(c.ops.end(), t.ops.end() - 3, t.ops.end());
    }
    const NoisyPair pair = decorate(c, rng);
    const NoisyBatchCircuit nbc(pair.nc, options_for(kObservables));
    const std::vector<double> x = random_vec(4, rng(), -1.2, 1.2), g = {0.7, -1.1, 0.4};
    const Result r = run(nbc, 1, x, g);
    const std::vector<double> want = ref_readout(pair, kObservables, x);
    for (std::size_t k = 0; k < want.size(); ++k) EXPECT_NEAR(r.out[k], want[k], 1e-12) << gc.name;
    // The one parametric gate. Where its parameter k is x[k] alone (and no
    // other parameter reads x[k]) the shift rule applies to x[k]; otherwise
    // (negctrl @ u3 compiles to cu and a phase gate reading phi and lambda) the
    // reference is central finite differences.
    std::size_t j = 0;
    while (!nbc.circuit().ops()[j].parametric) ++j;
    const Operation& op = pair.nc.circuit.ops[nbc.circuit().ops()[j].source];
    const auto L = [&](std::vector<double> xs) { return dot(ref_readout(pair, kObservables, xs), g.data()); };
    const auto f = [&](int k, double s) {
      std::vector<double> xs = x;
      xs[std::size_t(k)] += s;
      return L(xs);
    };
    for (int k = 0; k < 4; ++k) {
      int readers = 0;
      for (const Operation& o : pair.nc.circuit.ops)
        for (const Expr& e : o.params) {
          std::vector<uint32_t> syms;
          e.collect_symbols(syms);
          readers += std::count(syms.begin(), syms.end(), uint32_t(k)) > 0;
        }
      const bool alone = k < int(op.params.size()) && readers == 1 && !op.params[std::size_t(k)].is_const() &&
                         op.params[std::size_t(k)].node()->op == ExprOp::Symbol &&
                         op.params[std::size_t(k)].node()->symbol == uint32_t(k);
      if (k < gc.np && !alone) {
        const double fd = (f(k, 1e-5) - f(k, -1e-5)) / 2e-5;
        EXPECT_NEAR(r.grad[std::size_t(k)], fd, 1e-8) << gc.modifier << gc.name << " parameter " << k;
        continue;
      }
      double want_g = 0;
      if (k < gc.np) {
        const ShiftRule rule = nbc.circuit().shift_rule(j, unsigned(k));
        ASSERT_NE(rule, ShiftRule::None) << gc.name << " parameter " << k;
        const double h = kPi / 2;
        if (rule == ShiftRule::TwoTerm) {
          want_g = (f(k, h) - f(k, -h)) / 2;
        } else {
          const double cp = (std::sqrt(2.0) + 1) / (4 * std::sqrt(2.0)), cm = (std::sqrt(2.0) - 1) / (4 * std::sqrt(2.0));
          want_g = cp * (f(k, h) - f(k, -h)) - cm * (f(k, 3 * h) - f(k, -3 * h));
        }
      }
      EXPECT_NEAR(r.grad[std::size_t(k)], want_g, 1e-9) << gc.modifier << gc.name << " parameter " << k;
    }
  }
}

TEST(NoisyAdjoint, RandomCircuitsMatchFiniteDifferencesOfReference) {
  std::mt19937_64 rng(7);
  const Readout readouts[] = {Readout::expectation_z(), kObservables, Readout::probabilities(),
                              Readout::marginals({2, 0})};
  const int nsym = 4;
  const std::size_t batch = 2;
  for (int trial = 0; trial < 4; ++trial) {
    Circuit c = compile_text(test::random_qasm(rng, 3, nsym, 8));
    if (trial == 1) {
      c.ops.insert(c.ops.begin() + 3, test::reset(1));  // a mid-circuit reset
    }
    if (trial == 2) {
      c.num_clbits = 1;
      c.ops.push_back(test::measure(0, 0));  // terminal measurement
    }
    NoisyPair pair = decorate(c, rng);
    if (trial == 2) {
      // The engine runs a measurement as the channel {|0><0|, |1><1|}; the
      // reference ignores measurements, so it gets that channel by hand.
      Eigen::Matrix2cd p0 = Eigen::Matrix2cd::Zero(), p1 = Eigen::Matrix2cd::Zero();
      p0(0, 0) = 1;
      p1(1, 1) = 1;
      pair.after.back().insert(pair.after.back().begin(), KrausChannel{{0}, {p0, p1}});
    }
    for (const Readout& ro : readouts) {
      const NoisyBatchCircuit nbc(pair.nc, options_for(ro));
      const std::vector<double> x = random_vec(batch * nsym, rng(), -1, 1);
      const std::vector<double> g = random_vec(batch * nbc.num_outputs(), rng(), -1, 1);
      const Result r = run(nbc, batch, x, g);
      for (std::size_t b = 0; b < batch; ++b) {
        const std::vector<double> xb(x.begin() + std::ptrdiff_t(b * nsym), x.begin() + std::ptrdiff_t((b + 1) * nsym));
        const std::vector<double> want = ref_readout(pair, ro, xb);
        for (std::size_t k = 0; k < want.size(); ++k)
          EXPECT_NEAR(r.out[b * want.size() + k], want[k], 1e-12) << "trial " << trial;
        const double* gb = &g[b * nbc.num_outputs()];
        for (int s = 0; s < nsym; ++s) {
          const double h = 1e-5;
          std::vector<double> xp = xb, xm = xb;
          xp[std::size_t(s)] += h;
          xm[std::size_t(s)] -= h;
          const double fd = (dot(ref_readout(pair, ro, xp), gb) - dot(ref_readout(pair, ro, xm), gb)) / (2 * h);
          const double got = r.grad[b * nsym + std::size_t(s)];
          EXPECT_NEAR(got, fd, 1e-7 * std::max(1.0, std::abs(fd))) << "trial " << trial << " sample " << b
                                                                   << " symbol " << s;
        }
      }
    }
  }
}

TEST(NoisyAdjoint, AmplitudeFeaturesMatchFiniteDifferences) {
  std::mt19937_64 rng(3);
  const NoisyPair pair = decorate(compile_text(test::random_qasm(rng, 3, 2, 8)), rng);
  NoisyBatchOptions o = options_for(kObservables);
  o.batch.initial_state = InitialState::amplitude(6);
  const NoisyBatchCircuit nbc(pair.nc, o);
  const std::size_t batch = 2;
  std::vector<double> x = random_vec(batch * 2, 5), f = random_vec(batch * 6, 6, 0.1, 1);
  const std::vector<double> g = random_vec(batch * 3, 7);
  std::vector<double> out(batch * 3), gi(batch * 2), gf(batch * 6);
  nbc.forward<double>(batch, x, f, out);
  nbc.backward<double>(batch, x, f, {}, g, gi, gf);
  const auto L = [&](const std::vector<double>& feat) {
    std::vector<double> o2(batch * 3);
    nbc.forward<double>(batch, x, feat, o2);
    return dot(o2, g.data());
  };
  for (std::size_t i = 0; i < f.size(); ++i) {
    std::vector<double> fp = f, fm = f;
    fp[i] += 1e-6;
    fm[i] -= 1e-6;
    EXPECT_NEAR(gf[i], (L(fp) - L(fm)) / 2e-6, 1e-7) << "feature " << i;
  }
}

TEST(NoisyAdjoint, SinglePrecisionFollowsDouble) {
  std::mt19937_64 rng(9);
  const NoisyPair pair = decorate(compile_text(test::random_qasm(rng, 3, 4, 10)), rng);
  const NoisyBatchCircuit nbc(pair.nc, options_for(kObservables));
  const std::size_t batch = 3;
  const std::vector<double> x = random_vec(batch * 4, 1), g = random_vec(batch * 3, 2);
  const Result d = run(nbc, batch, x, g);
  const Result f = run<float>(nbc, batch, std::vector<float>(x.begin(), x.end()), std::vector<float>(g.begin(), g.end()));
  for (std::size_t i = 0; i < d.out.size(); ++i) EXPECT_NEAR(f.out[i], d.out[i], 1e-5);
  for (std::size_t i = 0; i < d.grad.size(); ++i) EXPECT_NEAR(f.grad[i], d.grad[i], 2e-5 * std::max(1.0, std::abs(d.grad[i])));
}

TEST(NoisyAdjoint, ThreadsCheckpointIntervalsAndTapeGiveIdenticalResults) {
  std::mt19937_64 rng(13);
  const NoisyPair pair = decorate(compile_text(test::random_qasm(rng, 3, 4, 12)), rng);
  const std::size_t batch = 9;
  const std::vector<double> x = random_vec(batch * 4, 3), g = random_vec(batch * 3, 4);
  NoisyBatchOptions o = options_for(kObservables);
  o.batch.parallel_threshold = 0;
  const Result base = run(NoisyBatchCircuit(pair.nc, o), batch, x, g);
  for (int threads : {1, 2})
    for (unsigned k : {1u, 2u, 3u, 5u, 100u})
      for (bool tape : {true, false}) {
        o.batch.threads = threads;
        o.checkpoint_interval = k;
        const NoisyBatchCircuit nbc(pair.nc, o);
        const Result r = run(nbc, batch, x, g, tape);
        EXPECT_EQ(r.out, base.out) << threads << " threads, interval " << k << ", tape " << tape;
        EXPECT_EQ(r.grad, base.grad) << threads << " threads, interval " << k << ", tape " << tape;
      }
}

TEST(NoisyAdjoint, NoiselessCircuitMatchesBatchCircuit) {
  std::mt19937_64 rng(17);
  for (const Readout& ro : {Readout::expectation_z(), kObservables, Readout::probabilities()}) {
    const Circuit c = compile_text(test::random_qasm(rng, 3, 4, 12));
    NoisyCircuit nc;
    nc.circuit = c;
    nc.after.resize(c.ops.size());
    for (bool amplitude : {false, true}) {
      BatchOptions bo;
      bo.readout = ro;
      if (amplitude) bo.initial_state = InitialState::amplitude(5);
      const BatchCircuit bc(c, bo);
      NoisyBatchOptions no;
      no.batch = bo;
      const NoisyBatchCircuit nbc(nc, no);
      const std::size_t batch = 3, nf = amplitude ? 5 : 0;
      const std::vector<double> x = random_vec(batch * 4, 8), f = random_vec(batch * nf, 9, 0.2, 1);
      const std::vector<double> g = random_vec(batch * bc.num_outputs(), 10);
      std::vector<double> o1(g.size()), o2(g.size()), gi1(x.size()), gi2(x.size()), gf1(f.size()), gf2(f.size());
      bc.forward<double>(batch, x, f, o1);
      bc.backward<double>(batch, x, f, {}, g, gi1, gf1);
      nbc.forward<double>(batch, x, f, o2);
      nbc.backward<double>(batch, x, f, {}, g, gi2, gf2);
      for (std::size_t i = 0; i < o1.size(); ++i) EXPECT_NEAR(o2[i], o1[i], 1e-12);
      for (std::size_t i = 0; i < gi1.size(); ++i) EXPECT_NEAR(gi2[i], gi1[i], 1e-12);
      for (std::size_t i = 0; i < gf1.size(); ++i) EXPECT_NEAR(gf2[i], gf1[i], 1e-12);
    }
  }
}

TEST(NoisyAdjoint, ChannelsMergeAndMemoryFollowsTheFormula) {
  std::mt19937_64 rng(19);
  Circuit c = compile_text(
      "OPENQASM 3.0;\ninclude \"stdgates.inc\";\ninput float[64] a;\nqubit[2] q;\n"
      "h q[0];\ncx q[0], q[1];\nry(a) q[1];\n");
  NoisyPair pair(c);
  pair.add(0, {test::depolarizing(0.1, 0), test::thermal_relaxation(0.05, 0.02, 0)});  // one step
  pair.add(1, {test::depolarizing2(0.1, 0, 1), test::amplitude_damping(0.1, 1), test::phase_damping(0.1, 0)});
  pair.add(2, {test::amplitude_damping(0.1, 1)});  // one more step
  NoisyBatchOptions o = options_for(Readout::expectation_z());
  const NoisyBatchCircuit nbc(pair.nc, o);
  EXPECT_EQ(nbc.num_channel_steps(), 3u);
  EXPECT_EQ(nbc.num_checkpoints(), 3u);
  EXPECT_EQ(nbc.tape_size(), 4u * 16u);
  EXPECT_EQ(nbc.memory_bytes(10, Precision::Double), uint64_t(3 + 3) * 10 * 16 * 16);
  o.checkpoint_interval = 2;
  const NoisyBatchCircuit nbc2(pair.nc, o);
  EXPECT_EQ(nbc2.num_checkpoints(), 2u);
  EXPECT_EQ(nbc2.memory_bytes(10, Precision::Single), uint64_t(3 + 2 + 1) * 10 * 16 * 8);
  // The merged steps are exact.
  const std::vector<double> x = {0.37};
  std::vector<double> out(2);
  nbc.forward<double>(1, x, {}, out);
  const std::vector<double> want = ref_readout(pair, Readout::expectation_z(), x);
  EXPECT_NEAR(out[0], want[0], 1e-13);
  EXPECT_NEAR(out[1], want[1], 1e-13);
}

TEST(NoisyAdjoint, RejectsConditions) {
  Circuit c = compile_text("OPENQASM 3.0;\ninclude \"stdgates.inc\";\nqubit[1] q;\nbit b;\nb = measure q[0];\n"
                           "if (b) x q[0];\n");
  NoisyCircuit nc;
  nc.circuit = c;
  nc.after.resize(c.ops.size());
  EXPECT_THROW(NoisyBatchCircuit(nc, {}), std::invalid_argument);
}

// ---------------------------------------------------------------------------
// Trajectories (mixed-unitary channels: the proposal is the channel's own mixture)

/// Pauli channels after every gate: depolarizing (strong, so trajectories
/// differ), two-qubit depolarizing, and a random Pauli mixture.
NoisyPair pauli_noise(Circuit c, std::mt19937_64& rng, double scale = 1) {
  NoisyPair p(std::move(c));
  std::uniform_real_distribution<double> u(0.05, 0.25);
  const auto s = test::paulis2();
  for (std::size_t i = 0; i < p.nc.circuit.ops.size(); ++i) {
    const Operation& op = p.nc.circuit.ops[i];
    if (op.kind != OpKind::Gate) continue;
    const std::size_t nq = op.qubits.size();
    std::vector<KrausChannel> chs;
    if (nq == 1) {
      double w[4] = {1, scale * u(rng) / 2, scale * u(rng) / 2, scale * u(rng) / 2};
      w[0] = 1 - w[1] - w[2] - w[3];
      KrausChannel pc{{op.qubits[0]}, {}};
      for (int k = 0; k < 4; ++k) pc.kraus.push_back(std::sqrt(w[k]) * s[std::size_t(k)]);
      chs.push_back(pc);
      chs.push_back(test::depolarizing(scale * u(rng), op.qubits[0]));
    } else {
      chs.push_back(test::depolarizing2(scale * u(rng), op.qubits[nq - 2], op.qubits[nq - 1]));
    }
    p.add(i, std::move(chs));
  }
  return p;
}

using Traj = NoisyBatchCircuit::TrajectoryOptions;

TEST(NoisyTrajectoryGradient, MeanIsWithinThreeStandardErrorsOfDensityMatrix) {
  std::mt19937_64 rng(23);
  const NoisyPair pair = pauli_noise(compile_text(test::random_qasm(rng, 3, 4, 8)), rng);
  const NoisyBatchCircuit nbc(pair.nc, options_for(kObservables));
  const std::size_t batch = 2, M = 400;
  const std::vector<double> x = random_vec(batch * 4, 41), g = random_vec(batch * 3, 42);
  const Result dm = run(nbc, batch, x, g);
  std::vector<double> sum_o(dm.out.size()), sq_o(dm.out.size()), sum_g(dm.grad.size()), sq_g(dm.grad.size());
  for (std::size_t m = 0; m < M; ++m) {
    const Traj t{4, 1000 + m};
    std::vector<double> out(dm.out.size()), gi(dm.grad.size());
    nbc.forward_trajectories<double>(batch, x, {}, out, t);
    nbc.backward_trajectories<double>(batch, x, {}, g, gi, {}, t);
    for (std::size_t i = 0; i < out.size(); ++i) {
      sum_o[i] += out[i];
      sq_o[i] += out[i] * out[i];
    }
    for (std::size_t i = 0; i < gi.size(); ++i) {
      sum_g[i] += gi[i];
      sq_g[i] += gi[i] * gi[i];
    }
  }
  // The test has power: the noiseless values are many standard errors away.
  std::vector<double> clean_out(dm.out.size()), clean_grad(dm.grad.size());
  const BatchCircuit bc(pair.nc.circuit, options_for(kObservables).batch);
  bc.forward<double>(batch, x, {}, clean_out);
  bc.backward<double>(batch, x, {}, {}, g, clean_grad, {});
  const auto check = [&](const std::vector<double>& sum, const std::vector<double>& sq, const std::vector<double>& want,
                         const std::vector<double>& clean, const char* what) {
    int far_from_clean = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
      const double mean = sum[i] / double(M), var = std::max(0.0, sq[i] / double(M) - mean * mean);
      const double se = std::sqrt(var / double(M - 1));
      EXPECT_NEAR(mean, want[i], 3 * se + 1e-12) << what << " " << i;
      far_from_clean += std::abs(mean - clean[i]) > 10 * se;
    }
    EXPECT_GT(far_from_clean, 0) << what;
  };
  check(sum_o, sq_o, dm.out, clean_out, "output");
  check(sum_g, sq_g, dm.grad, clean_grad, "gradient");
}

TEST(NoisyTrajectoryGradient, NoiselessDrawsEqualBatchCircuitAndThreadsAgree) {
  std::mt19937_64 rng(29);
  const Circuit c = compile_text(test::random_qasm(rng, 3, 4, 10));
  // Channels of probability 0: every trajectory draws identities only.
  const NoisyPair quiet = pauli_noise(c, rng, 0);
  NoisyBatchOptions o = options_for(kObservables);
  o.batch.initial_state = InitialState::amplitude(7);
  o.batch.parallel_threshold = 0;
  const NoisyBatchCircuit nbc(quiet.nc, o);
  const BatchCircuit bc(c, o.batch);
  const std::size_t batch = 5;
  const std::vector<double> x = random_vec(batch * 4, 51), f = random_vec(batch * 7, 52, 0.1, 1),
                            g = random_vec(batch * 3, 53);
  std::vector<double> o1(g.size()), o2(g.size()), gi1(x.size()), gi2(x.size()), gf1(f.size()), gf2(f.size());
  bc.forward<double>(batch, x, f, o1);
  bc.backward<double>(batch, x, f, {}, g, gi1, gf1);
  nbc.forward_trajectories<double>(batch, x, f, o2, Traj{8, 3});
  nbc.backward_trajectories<double>(batch, x, f, g, gi2, gf2, Traj{8, 3});
  for (std::size_t i = 0; i < o1.size(); ++i) EXPECT_NEAR(o2[i], o1[i], 1e-12);
  for (std::size_t i = 0; i < gi1.size(); ++i) EXPECT_NEAR(gi2[i], gi1[i], 1e-12);
  for (std::size_t i = 0; i < gf1.size(); ++i) EXPECT_NEAR(gf2[i], gf1[i], 1e-12);
  // Noisy draws: 1 and 2 threads give the same bits.
  const NoisyPair loud = pauli_noise(c, rng);
  std::vector<double> ref_g;
  for (int threads : {1, 2}) {
    o.batch.threads = threads;
    const NoisyBatchCircuit e(loud.nc, o);
    std::vector<double> gi(x.size()), gf(f.size());
    e.backward_trajectories<double>(batch, x, f, g, gi, gf, Traj{6, 9});
    gi.insert(gi.end(), gf.begin(), gf.end());
    if (threads == 1) ref_g = gi;
    else EXPECT_EQ(gi, ref_g);
  }
}

// ---------------------------------------------------------------------------
// Trajectories through channels that are not mixed-unitary (fixed proposals)

/// Sums and squares of M estimates, per component.
struct Moments {
  std::vector<double> sum, sq;
  std::size_t m = 0;
  void add(const std::vector<double>& v) {
    sum.resize(v.size());
    sq.resize(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
      sum[i] += v[i];
      sq[i] += v[i] * v[i];
    }
    ++m;
  }
  double mean(std::size_t i) const { return sum[i] / double(m); }
  double se(std::size_t i) const {
    const double mu = mean(i);
    return std::sqrt(std::max(0.0, sq[i] / double(m) - mu * mu) / double(m - 1));
  }
};

/// Every branch sequence of `c`'s channels (one Kraus operator per channel),
/// run on the dense reference as an unnormalised pure state: its proposal
/// probability q (the product of tr(K^dag K) / d), its probability
/// ||psi_K||^2 and <psi_K|O|psi_K>.
struct Branch {
  double q = 1, norm2 = 0, value = 0;
};
std::vector<Branch> branches(const NoisyPair& c, const Eigen::MatrixXcd& O, const std::vector<double>& x) {
  const unsigned n = c.nc.circuit.num_qubits;
  struct Partial {
    Eigen::VectorXcd psi;
    double q;
  };
  std::vector<Partial> live{{ref::basis_state(n, 0), 1.0}};
  for (std::size_t i = 0; i < c.nc.circuit.ops.size(); ++i) {
    const Operation& op = c.nc.circuit.ops[i];
    if (op.kind == OpKind::Gate) {
      const ref::Sparse u = ref::operation_unitary(op, n, x);
      for (auto& p : live) p.psi = u * p.psi;
    }
    for (const KrausChannel& ch : c.after[i]) {
      std::vector<Partial> next;
      const double d = double(std::size_t(1) << ch.qubits.size());
      for (const auto& k : ch.kraus) {
        const ref::Sparse e = ref::embed(k, ch.qubits, n);
        const double qk = k.squaredNorm() / d;
        for (const auto& p : live) next.push_back({e * p.psi, p.q * qk});
      }
      live = std::move(next);
    }
  }
  std::vector<Branch> out;
  for (const auto& p : live) out.push_back({p.q, p.psi.squaredNorm(), (p.psi.adjoint() * O * p.psi)(0, 0).real()});
  return out;
}

/// A circuit whose channels are amplitude damping and thermal relaxation
/// (amplitude then phase damping, four Kraus operators), strong enough that
/// trajectories differ, and a Pauli channel between them.
NoisyPair damped(std::mt19937_64& rng) {
  NoisyPair p(compile_text("OPENQASM 3.0;\ninclude \"stdgates.inc\";\ninput array[float[64], 3] x;\nqubit[2] q;\n"
                           "rx(x[0]) q[0];\nry(x[1]) q[1];\ncx q[0], q[1];\nrz(x[2]) q[1];\n"
                           "ry(x[0] * x[1]) q[0];\ncry(x[2]) q[1], q[0];\nh q[1];\n"));
  std::uniform_real_distribution<double> u(0.15, 0.35);
  for (std::size_t i = 0; i < p.nc.circuit.ops.size(); ++i) {
    const Operation& op = p.nc.circuit.ops[i];
    if (op.kind != OpKind::Gate) continue;
    const uint32_t a = op.qubits.back();
    std::vector<KrausChannel> chs;
    if (i % 2) chs.push_back(test::amplitude_damping(u(rng), a));
    else chs.push_back(test::thermal_relaxation(u(rng), u(rng), a));
    if (op.qubits.size() == 2) chs.push_back(test::depolarizing(u(rng), op.qubits[0]));
    p.add(i, std::move(chs));
  }
  return p;
}

TEST(NoisyTrajectoryGradient, DampingIsUnbiasedAndTheUnweightedEstimatorsAreNot) {
  std::mt19937_64 rng(37);
  const NoisyPair pair = damped(rng);
  const Readout ro = Readout::paulis({"Z0 + 0.5*X1", "Z0 Z1 - 0.3*Y1"});
  const NoisyBatchCircuit nbc(pair.nc, options_for(ro));
  const std::vector<double> x = {0.7, -1.1, 0.4}, g = {0.8, -1.3};
  const Result dm = run(nbc, 1, x, g);
  const std::vector<double> want = ref_readout(pair, ro, x);
  for (std::size_t k = 0; k < want.size(); ++k) ASSERT_NEAR(dm.out[k], want[k], 1e-12);
  // The loss L = g . outputs as one observable on the reference.
  Eigen::MatrixXcd O = Eigen::MatrixXcd::Zero(4, 4);
  for (std::size_t k = 0; k < ro.observables.size(); ++k)
    for (const auto& t : ro.observables[k].terms)
      O += g[k] * t.coefficient * ref::pauli_matrix(t.x_mask, t.y_mask, t.z_mask, 2);
  const double dm_loss = dot(dm.out, g.data());

  // M estimates of T trajectories each; value = the loss, then its gradient.
  const std::size_t M = 8000;
  Moments est;
  for (std::size_t m = 0; m < M; ++m) {
    const Traj t{4, 5000 + m};
    std::vector<double> out(2), gi(3);
    nbc.forward_trajectories<double>(1, x, {}, out, t);
    nbc.backward_trajectories<double>(1, x, {}, g, gi, {}, t);
    std::vector<double> v{dot(out, g.data())};
    v.insert(v.end(), gi.begin(), gi.end());
    est.add(v);
  }
  std::vector<double> exact{dm_loss};
  exact.insert(exact.end(), dm.grad.begin(), dm.grad.end());
  for (std::size_t i = 0; i < exact.size(); ++i)
    EXPECT_NEAR(est.mean(i), exact[i], 3 * est.se(i)) << (i ? "gradient " : "value ") << i;

  // The means of two naive estimators, exactly, by enumerating every branch
  // sequence on the reference; the gradients by central differences.
  // (a) Unweighted: the same proposal draws, each state normalised (no
  //     importance ratio).
  // (b) Sampled with the state's probabilities ||K psi||^2 and normalised (the
  //     unbiased unravelling for the value), differentiated as a pure state
  //     with the draws held fixed (no derivative of the draw probabilities).
  const std::vector<Branch> at_x = branches(pair, O, x);
  double weighted = 0, unweighted = 0;
  for (const Branch& b : at_x) {
    weighted += b.value;
    if (b.norm2 > 1e-24) unweighted += b.q * b.value / b.norm2;
  }
  ASSERT_NEAR(weighted, dm_loss, 1e-12);  // the enumeration is right
  std::vector<double> naive_a{unweighted}, naive_b{dm_loss};
  const double h = 1e-5;
  for (std::size_t s = 0; s < 3; ++s) {
    std::vector<double> xp = x, xm = x;
    xp[s] += h;
    xm[s] -= h;
    const std::vector<Branch> bp = branches(pair, O, xp), bm = branches(pair, O, xm);
    double a = 0, b = 0;
    for (std::size_t i = 0; i < at_x.size(); ++i) {
      if (at_x[i].norm2 < 1e-24) continue;  // never drawn by (b); (a) normalises nothing
      const double d = (bp[i].value / bp[i].norm2 - bm[i].value / bm[i].norm2) / (2 * h);
      a += at_x[i].q * d;
      b += at_x[i].norm2 * d;
    }
    naive_a.push_back(a);
    naive_b.push_back(b);
  }
  // This test can fail: both are many standard errors from the estimate.
  int a_far = 0, b_far = 0;
  for (std::size_t i = 0; i < exact.size(); ++i) {
    a_far += std::abs(naive_a[i] - est.mean(i)) > 6 * est.se(i);
    b_far += std::abs(naive_b[i] - est.mean(i)) > 6 * est.se(i);
  }
  EXPECT_GT(a_far, 0);
  EXPECT_GT(b_far, 0);
  // And the noiseless gradient is far too.
  int clean_far = 0;
  std::vector<double> clean_out(2), clean_grad(3);
  const BatchCircuit bc(pair.nc.circuit, options_for(ro).batch);
  bc.forward<double>(1, x, {}, clean_out);
  bc.backward<double>(1, x, {}, {}, g, clean_grad, {});
  for (std::size_t i = 0; i < 3; ++i) clean_far += std::abs(clean_grad[i] - est.mean(i + 1)) > 6 * est.se(i + 1);
  EXPECT_GT(clean_far, 0);
}

TEST(NoisyTrajectoryGradient, ResetsMeasurementsFeaturesAndThreadsUnderDamping) {
  // Amplitude features, a reset and a terminal measurement under damping:
  // the mean of many trajectories approaches the density matrix; 1 and 2
  // threads give the same bits.
  std::mt19937_64 rng(41);
  NoisyPair pair(compile_text("OPENQASM 3.0;\ninclude \"stdgates.inc\";\ninput array[float[64], 2] x;\n"
                              "qubit[2] q;\nbit b;\nry(x[0]) q[0];\ncx q[0], q[1];\nreset q[0];\n"
                              "rx(x[1]) q[0];\ncrz(x[0]) q[0], q[1];\nb = measure q[1];\n"));
  for (std::size_t i = 0; i < pair.nc.circuit.ops.size(); ++i)
    if (pair.nc.circuit.ops[i].kind == OpKind::Gate)
      pair.add(i, {test::amplitude_damping(0.3, pair.nc.circuit.ops[i].qubits.back())});
  NoisyBatchOptions o = options_for(Readout::expectation_z());
  o.batch.initial_state = InitialState::amplitude(4);
  o.batch.parallel_threshold = 0;
  const NoisyBatchCircuit nbc(pair.nc, o);
  const std::size_t batch = 3;
  const std::vector<double> x = random_vec(batch * 2, 61), f = random_vec(batch * 4, 62, 0.1, 1),
                            g = random_vec(batch * 2, 63);
  std::vector<double> dm_gi(x.size()), dm_gf(f.size()), dm_out(g.size());
  nbc.forward<double>(batch, x, f, dm_out);
  nbc.backward<double>(batch, x, f, {}, g, dm_gi, dm_gf);
  Moments est;
  for (std::size_t m = 0; m < 300; ++m) {
    std::vector<double> out(g.size()), gi(x.size()), gf(f.size());
    nbc.forward_trajectories<double>(batch, x, f, out, Traj{4, 700 + m});
    nbc.backward_trajectories<double>(batch, x, f, g, gi, gf, Traj{4, 700 + m});
    out.insert(out.end(), gi.begin(), gi.end());
    out.insert(out.end(), gf.begin(), gf.end());
    est.add(out);
  }
  std::vector<double> exact = dm_out;
  exact.insert(exact.end(), dm_gi.begin(), dm_gi.end());
  exact.insert(exact.end(), dm_gf.begin(), dm_gf.end());
  for (std::size_t i = 0; i < exact.size(); ++i) EXPECT_NEAR(est.mean(i), exact[i], 3 * est.se(i) + 1e-12) << i;
  std::vector<double> first;
  for (int threads : {1, 2}) {
    o.batch.threads = threads;
    const NoisyBatchCircuit e(pair.nc, o);
    std::vector<double> gi(x.size()), gf(f.size());
    e.backward_trajectories<double>(batch, x, f, g, gi, gf, Traj{6, 9});
    gi.insert(gi.end(), gf.begin(), gf.end());
    if (threads == 1) first = gi;
    else EXPECT_EQ(gi, first);
  }
  // Single precision draws the same branches: the same estimate to float accuracy.
  {
    const std::vector<float> xf(x.begin(), x.end()), ff(f.begin(), f.end()), gf32(g.begin(), g.end());
    std::vector<float> gi(x.size()), gfeat(f.size());
    nbc.backward_trajectories<float>(batch, xf, ff, gf32, gi, gfeat, Traj{6, 9});
    gi.insert(gi.end(), gfeat.begin(), gfeat.end());
    ASSERT_EQ(gi.size(), first.size());
    for (std::size_t i = 0; i < gi.size(); ++i) EXPECT_NEAR(gi[i], first[i], 2e-4) << i;
  }
  std::vector<double> out(g.size());
  EXPECT_THROW(nbc.forward_trajectories<double>(batch, x, f, out, Traj{0, 1}), std::invalid_argument);
}

}  // namespace
}  // namespace qforge::sim
