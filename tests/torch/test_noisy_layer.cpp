// Tests of QuantumLayer with noise (QuantumLayerOptions::noise): a layer
// circuit placed on a larger "device" by a qubit permutation, with hand-made
// channels after its gates. The noisy layer's values and gradients are
// checked against an independent path (sim::run_noisy's density matrix on
// the bound circuit, differentiated by central differences); with channels
// that do nothing it must equal the noiseless layer, layout included. The
// readout error option is checked against the confusion matrices applied by
// hand to the reference.
#include "qforge/noisy.hpp"
#include "qforge/torch/quantum_layer.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <complex>
#include <memory>
#include <string>
#include <vector>

namespace qforge {
namespace {

using cd = std::complex<double>;

const char* kCircuit = R"(OPENQASM 3.0;
include "stdgates.inc";
input array[float[64], 3] x;
input array[float[64], 3] theta;
qubit[3] q;
ry(x[0]) q[0];
rx(x[1]) q[1];
h q[2];
rz(x[2]) q[2];
cx q[0], q[1];
rz(theta[0]) q[1];
cx q[1], q[2];
ry(theta[1]) q[2];
rx(theta[2]) q[0];
cz q[2], q[0];
ry(0.3) q[1];
)";

// Logical qubit q sits on compact qubit kMap[q] of a 4-qubit device; qubit 1
// of the device is an idle spectator.
const std::vector<unsigned> kMap = {2, 3, 0};
constexpr unsigned kDeviceQubits = 4;

sim::Channel depolarizing1(unsigned q, double p) {
  const double a = std::sqrt(1 - 3 * p / 4), b = std::sqrt(p / 4);
  return {{q},
          {{a, 0, 0, a}, {0, b, b, 0}, {0, cd(0, -b), cd(0, b), 0}, {b, 0, 0, -b}},
          "depolarizing"};
}
sim::Channel amplitude_damping(unsigned q, double g) {
  return {{q}, {{1, 0, 0, std::sqrt(1 - g)}, {0, std::sqrt(g), 0, 0}}, "damping"};
}
sim::Channel identity1(unsigned q) { return {{q}, {{1, 0, 0, 1}}, "identity"}; }
/// A two-qubit channel: correlated ZZ dephasing.
sim::Channel zz_dephasing(unsigned a, unsigned b, double p) {
  std::vector<cd> id(16), zz(16);
  const double s = std::sqrt(1 - p), t = std::sqrt(p);
  for (int i = 0; i < 4; ++i) {
    id[i * 5] = s;
    zz[i * 5] = t * ((i == 0 || i == 3) ? 1.0 : -1.0);
  }
  return {{a, b}, {id, zz}, "zz"};
}

/// The layer's circuit on the device qubits, with channels after its gates
/// (`noisy`) or identity channels (not `noisy`).
std::shared_ptr<const LayerNoise> device_noise(const Circuit& ir, bool noisy) {
  auto nc = std::make_shared<sim::NoisyCircuit>();
  nc->circuit = ir;
  nc->circuit.num_qubits = kDeviceQubits;
  nc->circuit.qregs = {{"q", 0, kDeviceQubits, true}};
  for (auto& op : nc->circuit.ops)
    for (auto& q : op.qubits) q = kMap[q];
  for (const auto& op : nc->circuit.ops) {
    std::vector<sim::Channel> after;
    for (unsigned q : op.qubits) {
      if (noisy) {
        after.push_back(depolarizing1(q, 0.03));
        after.push_back(amplitude_damping(q, 0.05));
      } else {
        after.push_back(identity1(q));
      }
    }
    if (noisy && op.qubits.size() == 2) after.push_back(zz_dephasing(op.qubits[0], op.qubits[1], 0.04));
    nc->after.push_back(after);
  }
  nc->physical = {10, 11, 12, 13};
  if (noisy) nc->readout = {{0.02, 0.05}, {0.5, 0.5}, {0.01, 0.03}, {0.04, 0.0}};
  auto n = std::make_shared<LayerNoise>();
  n->circuit = nc;
  n->qubit_map = kMap;
  return n;
}

QuantumLayerOptions options(sim::Readout readout) {
  return QuantumLayerOptions(kCircuit).data_inputs({"x"}).readout(std::move(readout));
}

/// The readout of one sample through sim::run_noisy (density matrix), with
/// the readout errors applied by hand when n.readout_error.
std::vector<double> reference(const LayerNoise& n, const std::vector<double>& symbols, bool probabilities) {
  const auto& ro = n.circuit->readout;
  sim::NoisyRunOptions o;
  o.method = sim::NoiseMethod::DensityMatrix;
  if (probabilities) {
    o.run.probabilities = true;
  } else {
    for (unsigned q = 0; q < 3; ++q) o.run.observables.push_back(sim::parse_observable("Z" + std::to_string(kMap[q])));
  }
  auto r = sim::run_noisy(*n.circuit, symbols, o);
  if (!probabilities) {
    if (n.readout_error)
      for (unsigned q = 0; q < 3; ++q) {
        const auto& e = ro[kMap[q]];
        // P(read 0) - P(read 1) from P(true 0) = (1 + z) / 2.
        const double p0 = (1 + r.expectations[q]) / 2, p1 = 1 - p0;
        r.expectations[q] = (p0 * (1 - e.p1_given_0) + p1 * e.p0_given_1) - (p0 * e.p1_given_0 + p1 * (1 - e.p0_given_1));
      }
    return r.expectations;
  }
  std::vector<double> marginal(8, 0.0);
  for (std::size_t i = 0; i < r.probabilities.size(); ++i) {
    std::size_t k = 0;
    for (unsigned q = 0; q < 3; ++q) k |= ((i >> kMap[q]) & 1u) << q;
    marginal[k] += r.probabilities[i];
  }
  if (!n.readout_error) return marginal;
  // P(read k) = sum_t prod_q P(read bit k_q | true bit t_q) P(t).
  std::vector<double> read(8, 0.0);
  for (unsigned k = 0; k < 8; ++k)
    for (unsigned t = 0; t < 8; ++t) {
      double w = 1;
      for (unsigned q = 0; q < 3; ++q) {
        const auto& e = ro[kMap[q]];
        const unsigned rb = (k >> q) & 1u, tb = (t >> q) & 1u;
        w *= tb == 0 ? (rb ? e.p1_given_0 : 1 - e.p1_given_0) : (rb ? 1 - e.p0_given_1 : e.p0_given_1);
      }
      read[k] += w * marginal[t];
    }
  return read;
}

/// sum_b,k g[b,k] * reference(sample b).
double reference_loss(const LayerNoise& n, const torch::Tensor& x, const torch::Tensor& theta, const torch::Tensor& g,
                      bool probabilities) {
  double loss = 0;
  for (int64_t b = 0; b < x.size(0); ++b) {
    std::vector<double> s(6);
    for (int i = 0; i < 3; ++i) s[i] = x[b][i].item<double>(), s[3 + i] = theta[i].item<double>();
    auto out = reference(n, s, probabilities);
    for (std::size_t k = 0; k < out.size(); ++k) loss += g[b][int64_t(k)].item<double>() * out[k];
  }
  return loss;
}

void check_against_run_noisy(sim::Readout readout, bool probabilities, bool readout_error) {
  QuantumLayer plain(options(readout));
  auto with = std::make_shared<LayerNoise>(*device_noise(plain->ir(), true));
  with->readout_error = readout_error;
  std::shared_ptr<const LayerNoise> noise = with;
  QuantumLayer q(options(readout).noise(noise));
  q->to(torch::kDouble);
  torch::manual_seed(11);
  auto x = torch::randn({3, 3}, torch::kDouble).requires_grad_(true);
  auto theta = q->named_parameters()["theta"];
  auto y = q->forward(x);
  ASSERT_EQ(y.size(1), probabilities ? 8 : 3);
  auto g = torch::randn(y.sizes(), torch::kDouble);
  // Values.
  for (int64_t b = 0; b < 3; ++b) {
    std::vector<double> s(6);
    for (int i = 0; i < 3; ++i) s[i] = x[b][i].item<double>(), s[3 + i] = theta[i].item<double>();
    auto ref = reference(*noise, s, probabilities);
    for (std::size_t k = 0; k < ref.size(); ++k) EXPECT_NEAR(y[b][int64_t(k)].item<double>(), ref[k], 1e-12);
  }
  // Noise changes the values (the test would be vacuous otherwise).
  plain->to(torch::kDouble);
  {
    torch::NoGradGuard ng;
    plain->named_parameters()["theta"].copy_(theta);
    EXPECT_GT((plain->forward(x) - y).abs().max().item<double>(), 1e-3);
  }
  (y * g).sum().backward();
  // Central differences of the independent path.
  const double h = 1e-5;
  torch::NoGradGuard ng;
  auto xd = x.detach().clone(), td = theta.detach().clone();
  auto diff = [&](torch::Tensor& t, int64_t i) {
    auto v = t.view(-1);
    const double keep = v[i].item<double>();
    v[i] = keep + h;
    const double fp = reference_loss(*noise, xd, td, g, probabilities);
    v[i] = keep - h;
    const double fm = reference_loss(*noise, xd, td, g, probabilities);
    v[i] = keep;
    return (fp - fm) / (2 * h);
  };
  for (int64_t i = 0; i < xd.numel(); ++i)
    EXPECT_NEAR(x.grad().view(-1)[i].item<double>(), diff(xd, i), 1e-7) << "x " << i;
  for (int64_t i = 0; i < td.numel(); ++i)
    EXPECT_NEAR(theta.grad().view(-1)[i].item<double>(), diff(td, i), 1e-7) << "theta " << i;
}

TEST(NoisyQuantumLayer, ExpectationZMatchesRunNoisyAndFiniteDifferences) {
  check_against_run_noisy(sim::Readout::expectation_z(), false, false);
}

TEST(NoisyQuantumLayer, ReadoutErrorOnExpectationZ) {
  check_against_run_noisy(sim::Readout::expectation_z(), false, true);
}

TEST(NoisyQuantumLayer, ReadoutErrorOnProbabilities) {
  check_against_run_noisy(sim::Readout::probabilities(), true, true);
}

TEST(NoisyQuantumLayer, ProbabilitiesMatchRunNoisyAndFiniteDifferences) {
  check_against_run_noisy(sim::Readout::probabilities(), true, false);
}

TEST(NoisyQuantumLayer, ZeroNoiseEqualsNoiselessLayerThroughTheLayout) {
  for (bool probabilities : {false, true}) {
    const sim::Readout r = probabilities ? sim::Readout::probabilities() : sim::Readout::expectation_z();
    QuantumLayer plain(options(r));
    QuantumLayer q(options(r).noise(device_noise(plain->ir(), false)));
    plain->to(torch::kDouble);
    q->to(torch::kDouble);
    {
      torch::NoGradGuard ng;
      q->named_parameters()["theta"].copy_(plain->named_parameters()["theta"]);
    }
    torch::manual_seed(5);
    auto x = torch::randn({4, 3}, torch::kDouble);
    auto xa = x.clone().requires_grad_(true), xb = x.clone().requires_grad_(true);
    auto ya = plain->forward(xa), yb = q->forward(xb);
    EXPECT_LT((ya - yb).abs().max().item<double>(), 1e-10) << probabilities;
    auto g = torch::randn(ya.sizes(), torch::kDouble);
    (ya * g).sum().backward();
    (yb * g).sum().backward();
    EXPECT_LT((xa.grad() - xb.grad()).abs().max().item<double>(), 1e-10);
    EXPECT_LT((plain->named_parameters()["theta"].grad() - q->named_parameters()["theta"].grad())
                  .abs()
                  .max()
                  .item<double>(),
              1e-10);
  }
}

TEST(NoisyQuantumLayer, Float32FollowsFloat64) {
  QuantumLayer plain(options(sim::Readout::expectation_z()));
  QuantumLayer q(options(sim::Readout::expectation_z()).noise(device_noise(plain->ir(), true)));
  torch::manual_seed(2);
  auto x = torch::randn({6, 3});
  auto xa = x.clone().requires_grad_(true);
  auto y32 = q->forward(xa);
  EXPECT_EQ(y32.scalar_type(), torch::kFloat);
  y32.sum().backward();
  auto g32 = q->named_parameters()["theta"].grad().clone();
  q->to(torch::kDouble);
  for (auto& p : q->parameters()) p.mutable_grad() = torch::Tensor();
  auto xb = x.to(torch::kDouble).requires_grad_(true);
  auto y64 = q->forward(xb);
  y64.sum().backward();
  EXPECT_TRUE(torch::allclose(y32.to(torch::kDouble), y64.detach(), 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(xa.grad().to(torch::kDouble), xb.grad(), 1e-4, 1e-4));
  EXPECT_TRUE(torch::allclose(g32.to(torch::kDouble), q->named_parameters()["theta"].grad().to(torch::kDouble), 1e-4, 1e-4));
}

TEST(NoisyQuantumLayer, RejectsShotsParameterShiftAndForeignCircuits) {
  QuantumLayer plain(options(sim::Readout::expectation_z()));
  auto noise = device_noise(plain->ir(), true);
  auto expect_error = [](const QuantumLayerOptions& o, const std::string& part) {
    try {
      QuantumLayer q(o);
      ADD_FAILURE() << "no error for " << part;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  expect_error(options(sim::Readout::expectation_z()).noise(noise).shots(100), "shots");
  expect_error(options(sim::Readout::expectation_z()).noise(noise).gradient(sim::GradientMethod::ParameterShift),
               "parameter shift");
  auto other = std::make_shared<LayerNoise>(*noise);
  auto nc = std::make_shared<sim::NoisyCircuit>(*noise->circuit);
  nc->circuit.inputs.pop_back();
  other->circuit = nc;
  expect_error(options(sim::Readout::expectation_z()).noise(other), "inputs differ");
  auto ro = std::make_shared<LayerNoise>(*noise);
  ro->readout_error = true;
  expect_error(options(sim::Readout::paulis({"Z0 Z1"})).noise(ro), "readout error");
}

TEST(NoisyQuantumLayer, RemapReadout) {
  auto z = remap_readout(sim::Readout::expectation_z(), {2, 0}, 2);
  ASSERT_EQ(z.kind, sim::ReadoutKind::Observables);
  ASSERT_EQ(z.observables.size(), 2u);
  EXPECT_EQ(z.observables[0].terms[0].z_mask, 4u);
  EXPECT_EQ(z.observables[1].terms[0].z_mask, 1u);
  auto p = remap_readout(sim::Readout::probabilities(), {2, 0}, 2);
  ASSERT_EQ(p.kind, sim::ReadoutKind::Marginals);
  EXPECT_EQ(p.qubits, (std::vector<unsigned>{2, 0}));
  auto o = remap_readout(sim::Readout::paulis({"Z0 X1"}), {3, 1}, 2);
  EXPECT_EQ(o.observables[0].terms[0].z_mask, 8u);
  EXPECT_EQ(o.observables[0].terms[0].x_mask, 2u);
  EXPECT_THROW(remap_readout(sim::Readout::expectation_z(), {0}, 2), std::invalid_argument);
}

}  // namespace
}  // namespace qforge
