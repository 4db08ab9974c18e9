// The noisy adjoint gradient (sim::NoisyBatchCircuit) under ibm_fez's own
// noise model (the shared calibration snapshot through QFORGE_CALIBRATION,
// imported by noise/; skipped without it), for every parametric gate of the
// gate table, its parameters read from data inputs x and from weights w,
// against the independent dense density-matrix reference
// (tests/support/density_reference.hpp):
//  - the table gate itself, kept whole, on three device qubits of a fez chain
//    with the model's channels for the qubits it uses attached after it (the
//    channels of fez's sx on each qubit of a one-qubit gate, of its cz on the
//    pair of a two-qubit gate: depolarizing and thermal relaxation as the
//    model writes them): parameter shift on the reference (1e-9) where the
//    table has a shift rule, central finite differences (1e-7) for all;
//  - the same circuit compiled for fez (compile_for_device at -O2: its basis,
//    layout and directions, x and w kept symbolic) and given its noise by
//    attach_noise (per-gate channels and idle relaxation), as a user meets
//    it: central finite differences of the reference (1e-7);
//  - trajectories through the fez channels (relaxation is not mixed-unitary):
//    the mean over many seeds within 3 standard errors of the exact gradient.
#include "../runtime/batch_test_util.hpp"
#include "density_reference.hpp"
#include "noise_test_util.hpp"
#include "qforge/device_compile.hpp"
#include "qforge/gates.hpp"
#include "qforge/noise_model.hpp"
#include "qforge/noisy.hpp"
#include "qforge/noisy_batch.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace qforge::noise {
namespace {

using cd = std::complex<double>;
using Channels = std::vector<std::vector<ref::KrausChannel>>;

constexpr double kPi = 3.14159265358979323846;

const NoiseModel& fez(const std::string& dir) {
  static const NoiseModel m = test::ibm_model(dir, "fez");
  return m;
}

/// Three device qubits a - b - c joined by calibrated cz gates (the first
/// such chain in ascending order).
std::vector<unsigned> fez_chain(const NoiseModel& m) {
  const auto cz = [&](unsigned p, unsigned q) { return m.find("cz", {p, q}) || m.find("cz", {q, p}); };
  const unsigned n = unsigned(m.qubits.size());
  for (unsigned b = 0; b < n; ++b)
    for (unsigned a = 0; a < n; ++a)
      for (unsigned c = a + 1; c < n; ++c)
        if (a != b && c != b && cz(a, b) && cz(b, c)) return {a, b, c};
  return {};
}

/// The model's channels for a gate on logical `qubits` (device qubits
/// chain[q]): fez's sx on each qubit of a one-qubit gate, its cz on the pair
/// of a two-qubit gate (in the calibrated order), as reference channels on
/// the logical qubits.
std::vector<ref::KrausChannel> fez_channels(const NoiseModel& m, const std::vector<unsigned>& chain,
                                            const std::vector<uint32_t>& qubits) {
  std::vector<sim::Channel> chs;
  if (qubits.size() == 1) {
    chs = gate_channels(m, "sx", {chain[qubits[0]]});
  } else {
    std::vector<unsigned> pair{chain[qubits[0]], chain[qubits[1]]};
    if (!m.find("cz", pair)) std::swap(pair[0], pair[1]);
    chs = gate_channels(m, "cz", pair);
  }
  std::vector<ref::KrausChannel> out;
  for (const sim::Channel& ch : chs) {
    ref::KrausChannel k;
    for (unsigned q : ch.qubits) k.qubits.push_back(uint32_t(std::find(chain.begin(), chain.end(), q) - chain.begin()));
    k.kraus = test::kraus_of(ch);
    out.push_back(std::move(k));
  }
  return out;
}

/// A circuit and its channels for the engine (sim::Channel) and the reference.
struct Noisy {
  sim::NoisyCircuit nc;
  Channels after;
};

void add_channels(Noisy& n, std::size_t i, const std::vector<ref::KrausChannel>& chs) {
  for (const auto& k : chs) {
    sim::Channel ch;
    ch.qubits.assign(k.qubits.begin(), k.qubits.end());
    for (const auto& m : k.kraus) {
      std::vector<cd> flat;
      for (Eigen::Index r = 0; r < m.rows(); ++r)
        for (Eigen::Index c = 0; c < m.cols(); ++c) flat.push_back(m(r, c));
      ch.kraus.push_back(std::move(flat));
    }
    n.nc.after[i].push_back(std::move(ch));
    n.after[i].push_back(k);
  }
}

/// Symbols 0..3 are the data inputs x, 4..7 the weights w.
const std::string kHead =
    "OPENQASM 3.0;\ninclude \"stdgates.inc\";\ninput array[float[64], 4] x;\ninput array[float[64], 4] w;\n"
    "qubit[3] q;\nh q[0];\nry(0.4) q[1];\nrx(0.9) q[2];\ncx q[0], q[1];\ncx q[1], q[2];\n";

/// The gate `id` twice, its parameters read from x, then from w (each symbol
/// read by one parameter only), between fixed gates.
Circuit gate_circuit(GateId id) {
  Circuit c = qforge::test::compile_text(kHead);
  const GateInfo& info = gate_info(id);
  const std::vector<uint32_t> qs = info.num_qubits == 1 ? std::vector<uint32_t>{2} : std::vector<uint32_t>{2, 1};
  const std::vector<uint32_t> qs2 = info.num_qubits == 1 ? std::vector<uint32_t>{0} : std::vector<uint32_t>{0, 1};
  std::vector<Expr> px, pw;
  for (uint32_t k = 0; k < info.num_params; ++k) {
    px.push_back(Expr::symbol(k));
    pw.push_back(Expr::symbol(4 + k));
  }
  c.ops.push_back(qforge::test::gate_op(id, qs, px));
  const Circuit mid = qforge::test::compile_text(kHead + "h q[1];\ncx q[1], q[0];\nry(0.3) q[2];\n");
  c.ops.insert(c.ops.end(), mid.ops.end() - 3, mid.ops.end());
  c.ops.push_back(qforge::test::gate_op(id, qs2, pw));
  const Circuit tail = qforge::test::compile_text(kHead + "cx q[2], q[1];\nsx q[0];\n");
  c.ops.insert(c.ops.end(), tail.ops.end() - 2, tail.ops.end());
  return c;
}

const sim::Readout kObservables = sim::Readout::paulis({"Z0 Z1 + 0.5*X2", "Y0 - 0.3*X1 Z2", "Z2 + 0.2*Y1*Y2"});

/// g . (the reference's observables) for inputs s.
double ref_loss(const Noisy& n, const sim::Readout& ro, const std::vector<double>& s, const std::vector<double>& g) {
  const Eigen::MatrixXcd rho = ref::final_density(n.nc.circuit, n.after, s);
  const unsigned nq = n.nc.circuit.num_qubits;
  double l = 0;
  for (std::size_t k = 0; k < ro.observables.size(); ++k)
    for (const auto& t : ro.observables[k].terms)
      l += g[k] * t.coefficient * (rho * ref::pauli_matrix(t.x_mask, t.y_mask, t.z_mask, nq)).trace().real();
  return l;
}

struct Exact {
  std::vector<double> out, grad;
};
Exact adjoint(const sim::NoisyBatchCircuit& nbc, const std::vector<double>& s, const std::vector<double>& g) {
  Exact e{std::vector<double>(nbc.num_outputs()), std::vector<double>(nbc.num_symbols())};
  std::vector<std::complex<double>> tape(nbc.tape_size());
  nbc.forward<double>(1, s, {}, e.out, tape);
  nbc.backward<double>(1, s, {}, sim::Span<const std::complex<double>>(tape), g, e.grad, {});
  return e;
}

std::vector<GateId> parametric_table_gates() {
  std::vector<GateId> out;
  for (std::size_t i = 0; i < kNumGates; ++i)
    if (gate_info(GateId(i)).num_params > 0) out.push_back(GateId(i));
  return out;
}

sim::NoisyBatchOptions options(sim::Readout ro) {
  sim::NoisyBatchOptions o;
  o.batch.readout = std::move(ro);
  o.batch.threads = 1;
  return o;
}

TEST(FezGradients, EveryParametricTableGateWithFezChannelsMatchesShiftRuleAndFiniteDifferences) {
  QFORGE_CALIBRATION_DIR_OR_SKIP(dir);
  const NoiseModel& m = fez(dir);
  const std::vector<unsigned> chain = fez_chain(m);
  ASSERT_EQ(chain.size(), 3u);
  const std::vector<double> g = {0.7, -1.1, 0.4};
  const std::vector<GateId> gates = parametric_table_gates();
  ASSERT_EQ(gates.size(), 18u);  // rx ry rz p u1 u2 u3, cp cu1 crx cry crz cu3 cu rxx ryy rzz rzx
  int shift_checked = 0;
  for (GateId id : gates) {
    const std::string name(gate_info(id).name);
    Noisy n;
    n.nc.circuit = gate_circuit(id);
    ASSERT_EQ(n.nc.circuit.num_symbols(), 8u);
    n.nc.after.resize(n.nc.circuit.ops.size());
    n.after.resize(n.nc.circuit.ops.size());
    for (std::size_t i = 0; i < n.nc.circuit.ops.size(); ++i)
      add_channels(n, i, fez_channels(m, chain, n.nc.circuit.ops[i].qubits));
    const sim::NoisyBatchCircuit nbc(n.nc, options(kObservables));
    std::vector<double> s = qforge::test::random_vec(8, 100 + unsigned(id), -1.2, 1.2);
    const Exact e = adjoint(nbc, s, g);
    // The values are the reference's, and the noise shows in them.
    const double loss = ref_loss(n, kObservables, s, g);
    double got = 0;
    for (std::size_t k = 0; k < 3; ++k) got += g[k] * e.out[k];
    EXPECT_NEAR(got, loss, 1e-12) << name;
    Noisy clean = n;
    for (auto& a : clean.after) a.clear();
    EXPECT_GT(std::abs(ref_loss(clean, kObservables, s, g) - loss), 1e-5) << name;
    const auto f = [&](std::size_t k, double h) {
      std::vector<double> t = s;
      t[k] += h;
      return ref_loss(n, kObservables, t, g);
    };
    const unsigned np = gate_info(id).num_params;
    for (std::size_t k = 0; k < 8; ++k) {
      const unsigned param = unsigned(k % 4);
      const std::string what = name + (k < 4 ? " x[" : " w[") + std::to_string(param) + "]";
      const double fd = (f(k, 1e-5) - f(k, -1e-5)) / 2e-5;
      EXPECT_NEAR(e.grad[k], param < np ? fd : 0.0, 1e-7) << what;
      if (param >= np) continue;
      const ShiftRule rule = gate_shift_rule(id, param);
      if (rule == ShiftRule::None) continue;
      const double h = kPi / 2;
      double want = (f(k, h) - f(k, -h)) / 2;
      if (rule == ShiftRule::FourTerm) {
        const double cp = (std::sqrt(2.0) + 1) / (4 * std::sqrt(2.0)), cm = (std::sqrt(2.0) - 1) / (4 * std::sqrt(2.0));
        want = cp * (f(k, h) - f(k, -h)) - cm * (f(k, 3 * h) - f(k, -3 * h));
      }
      EXPECT_NEAR(e.grad[k], want, 1e-9) << what << " (shift rule)";
      ++shift_checked;
    }
  }
  // Every one of the 26 parameters of the table has a two- or four-term
  // rule, each read once from x and once from w.
  EXPECT_EQ(shift_checked, 52);
}

/// The reference channels of a NoisyCircuit's sim::Channels.
Channels reference_channels(const sim::NoisyCircuit& nc) {
  Channels out(nc.after.size());
  for (std::size_t i = 0; i < nc.after.size(); ++i)
    for (const sim::Channel& ch : nc.after[i])
      out[i].push_back({std::vector<uint32_t>(ch.qubits.begin(), ch.qubits.end()), test::kraus_of(ch)});
  return out;
}

TEST(FezGradients, EveryParametricTableGateCompiledForFezMatchesFiniteDifferences) {
  QFORGE_CALIBRATION_DIR_OR_SKIP(dir);
  const NoiseModel& m = fez(dir);
  const std::vector<double> g = {0.7, -1.1, 0.4};
  for (GateId id : parametric_table_gates()) {
    const std::string name(gate_info(id).name);
    const DeviceCompileResult r = compile_for_device(gate_circuit(id), 2, m);
    Noisy n;
    n.nc = attach_noise(r.compiled.circuit, m);
    n.after = reference_channels(n.nc);
    ASSERT_EQ(n.nc.circuit.num_qubits, 3u) << name;
    for (const Operation& op : n.nc.circuit.ops) {
      if (op.kind == OpKind::Gate) {
        EXPECT_TRUE(op.gate == GateId::RZ || op.gate == GateId::SX || op.gate == GateId::X || op.gate == GateId::CZ)
            << name;
      }
    }
    const sim::NoisyBatchCircuit nbc(n.nc, options(kObservables));
    const std::vector<double> s = qforge::test::random_vec(8, 200 + unsigned(id), -1.2, 1.2);
    const Exact e = adjoint(nbc, s, g);
    double got = 0;
    for (std::size_t k = 0; k < 3; ++k) got += g[k] * e.out[k];
    EXPECT_NEAR(got, ref_loss(n, kObservables, s, g), 1e-12) << name;
    const unsigned np = gate_info(id).num_params;
    double largest = 0;
    for (std::size_t k = 0; k < 8; ++k) {
      std::vector<double> sp = s, sm = s;
      sp[k] += 1e-5;
      sm[k] -= 1e-5;
      const double fd = (ref_loss(n, kObservables, sp, g) - ref_loss(n, kObservables, sm, g)) / 2e-5;
      largest = std::max(largest, std::abs(fd));
      EXPECT_NEAR(e.grad[k], fd, 1e-7) << name << (k < 4 ? " x[" : " w[") << k % 4 << "]";
      if (k % 4 >= np) {
        EXPECT_NEAR(e.grad[k], 0.0, 1e-12) << name;
      }
    }
    EXPECT_GT(largest, 1e-3) << name;
  }
}

TEST(FezGradients, TrajectoriesThroughFezChannelsAreUnbiased) {
  QFORGE_CALIBRATION_DIR_OR_SKIP(dir);
  const NoiseModel& m = fez(dir);
  const DeviceCompileResult r = compile_for_device(gate_circuit(GateId::U3), 2, m);
  const sim::NoisyCircuit nc = attach_noise(r.compiled.circuit, m);
  bool relaxation = false;
  for (const auto& a : nc.after)
    for (const sim::Channel& ch : a) relaxation |= !sim::is_mixed_unitary(ch);
  ASSERT_TRUE(relaxation);
  const sim::NoisyBatchCircuit nbc(nc, options(kObservables));
  const std::vector<double> s = qforge::test::random_vec(8, 300, -1.2, 1.2), g = {0.7, -1.1, 0.4};
  const Exact e = adjoint(nbc, s, g);
  const std::size_t M = 400;
  std::vector<double> sum(8, 0.0), sq(8, 0.0), vsum(1, 0.0), vsq(1, 0.0);
  for (std::size_t i = 0; i < M; ++i) {
    const sim::NoisyBatchCircuit::TrajectoryOptions t{8, 900 + i};
    std::vector<double> out(3), gi(8);
    nbc.forward_trajectories<double>(1, s, {}, out, t);
    nbc.backward_trajectories<double>(1, s, {}, g, gi, {}, t);
    const double v = g[0] * out[0] + g[1] * out[1] + g[2] * out[2];
    vsum[0] += v;
    vsq[0] += v * v;
    for (std::size_t k = 0; k < 8; ++k) {
      sum[k] += gi[k];
      sq[k] += gi[k] * gi[k];
    }
  }
  const auto check = [&](double sm, double sqm, double want, const std::string& what) {
    const double mean = sm / double(M), se = std::sqrt(std::max(0.0, sqm / double(M) - mean * mean) / double(M - 1));
    EXPECT_NEAR(mean, want, 3 * se + 1e-12) << what;
  };
  check(vsum[0], vsq[0], g[0] * e.out[0] + g[1] * e.out[1] + g[2] * e.out[2], "value");
  for (std::size_t k = 0; k < 8; ++k) check(sum[k], sq[k], e.grad[k], "gradient " + std::to_string(k));
}

}  // namespace
}  // namespace qforge::noise
