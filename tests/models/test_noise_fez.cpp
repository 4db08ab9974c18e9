// The hybrid classifiers on ibm_fez (the shared calibration snapshot,
// QFORGE_CALIBRATION; skipped without it): the lean classifier and the
// hybrid CNN (amplitude embedding as a state-preparation circuit) train under
// the device's noise for 2 epochs on 128 Fashion-MNIST images (loss falls,
// accuracy above chance); the noisy layer's gradient on the fez-compiled lean
// circuit equals central differences of sim::run_noisy's density matrix for
// the inputs and the weights; the hybrid CNN's device layer without its
// channels and readout error gives the ideal amplitude-embedding layer's
// outputs (1e-10), and with them its gradients for the features and the
// weights equal central differences (1e-7).
#include "../../models/src/device_layer.hpp"
#include "../../models/src/quantum_head.hpp"
#include "qforge/models/training.hpp"
#include "qforge/noise_model.hpp"
#include "qforge/noisy.hpp"
#include "noisy_train_config.hpp"
#include "qforge/torch/quantum_layer.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace qforge::models {
namespace {

std::string tmp(const std::string& name) { return "/tmp/qforge_noise_fez_" + std::to_string(::getpid()) + "_" + name; }

/// The fez noise model file (imported once), or empty without QFORGE_CALIBRATION.
std::string fez_model_file() {
  const char* dir = std::getenv("QFORGE_CALIBRATION");
  if (!dir || !*dir) return "";
  static const std::string path = [dir] {
    const std::string d(dir);
    std::string p = tmp("fez.noise.json");
    noise::write_noise_model(p, noise::import_ibm_files(d + "/ibm/props_fez.json", d + "/ibm/conf_fez.json"));
    return p;
  }();
  return path;
}

#define FEZ_OR_SKIP(file)                                                                            \
  const std::string file = fez_model_file();                                                         \
  if (file.empty())                                                                                  \
  GTEST_SKIP() << "QFORGE_CALIBRATION is not set, so the ibm_fez calibration snapshot cannot be found " \
                  "(set it to the calibration folder, e.g. /work/shared/calibration; scripts/test.sh does)."

std::string lean_circuit() { return std::string(QFORGE_SOURCE_DIR) + "/circuits/lean_hybrid.qasm"; }

/// 2 epochs of `kind` on the small two-class run under the fez model: the
/// loss falls, the accuracy is above chance, and the ideal numbers of the
/// same weights are recorded beside the noisy ones.
void expect_trains(const std::string& model, const std::string& kind) {
  TrainConfig c = test::small_noisy_lean_run(model, tmp("train-" + kind));
  c.model = kind;
  std::ostringstream log;
  TrainResult r = train(c, log);
  ASSERT_EQ(r.history.size(), 2u);
  EXPECT_LT(r.history[1].train_loss, r.history[0].train_loss);
  EXPECT_GT(r.history[1].test_accuracy, 0.6);
  EXPECT_TRUE(r.history[1].has_ideal());
  EXPECT_GT(r.history[1].ideal_test_accuracy, 0.5);
}

TEST(NoiseFez, LeanClassifierTrainsUnderFezNoise) {
  FEZ_OR_SKIP(model);
  expect_trains(model, "lcqhnn");
}

/// (loss(t_i + h) - loss(t_i - h)) / 2h, with element i of t changed in place
/// and put back.
template <typename Loss>
double central_difference(torch::Tensor t, int64_t i, double h, Loss&& loss) {
  auto v = t.view(-1);
  const double keep = v[i].item<double>();
  v[i] = keep + h;
  const double fp = loss();
  v[i] = keep - h;
  const double fm = loss();
  v[i] = keep;
  return (fp - fm) / (2 * h);
}

/// The layer's readout of one sample through sim::run_noisy (density
/// matrix): the distribution of the logical qubits (bit q of the index is
/// logical qubit q), the readout errors applied as the layer applies them.
std::vector<double> reference(const LayerNoise& n, const std::vector<double>& symbols, unsigned nq) {
  sim::NoisyRunOptions o;
  o.method = sim::NoiseMethod::DensityMatrix;
  o.run.probabilities = true;
  auto r = sim::run_noisy(*n.circuit, symbols, o);
  std::vector<double> marginal(std::size_t(1) << nq, 0.0);
  for (std::size_t i = 0; i < r.probabilities.size(); ++i) {
    std::size_t k = 0;
    for (unsigned q = 0; q < nq; ++q) k |= ((i >> n.qubit_map[q]) & 1u) << q;
    marginal[k] += r.probabilities[i];
  }
  if (!n.readout_error) return marginal;
  const auto& ro = n.circuit->readout;
  std::vector<double> read(marginal.size(), 0.0);
  for (std::size_t k = 0; k < read.size(); ++k)
    for (std::size_t t = 0; t < read.size(); ++t) {
      double w = 1;
      for (unsigned q = 0; q < nq; ++q) {
        const auto& e = ro[n.qubit_map[q]];
        const unsigned rb = (k >> q) & 1u, tb = (t >> q) & 1u;
        w *= tb == 0 ? (rb ? e.p1_given_0 : 1 - e.p1_given_0) : (rb ? 1 - e.p0_given_1 : e.p0_given_1);
      }
      read[k] += w * marginal[t];
    }
  return read;
}

TEST(NoiseFez, NoisyLayerGradientMatchesFiniteDifferencesOfRunNoisy) {
  FEZ_OR_SKIP(model);
  auto device = compile_device_layer(lean_circuit(), model, true);
  ASSERT_EQ(device->device, "ibm_fez");
  const auto& noise = *device->noise;
  ASSERT_TRUE(noise.readout_error);
  QuantumLayer q(QuantumLayerOptions(lean_circuit())
                     .data_inputs({"x"})
                     .readout(sim::Readout::probabilities())
                     .noise(device->noise));
  q->to(torch::kDouble);
  const unsigned nq = q->ir().num_qubits;
  ASSERT_EQ(nq, 4u);
  torch::manual_seed(3);
  auto x = torch::randn({2, 4}, torch::kDouble).requires_grad_(true);
  auto theta = q->named_parameters()["theta"];
  {
    torch::NoGradGuard ng;
    theta.copy_(torch::randn({4}, torch::kDouble));
  }
  auto y = q->forward(x);
  ASSERT_EQ(y.size(1), 16);
  auto g = torch::randn(y.sizes(), torch::kDouble);
  auto symbols = [&](const torch::Tensor& xs, const torch::Tensor& ts, int64_t b) {
    std::vector<double> s(8);
    for (int i = 0; i < 4; ++i) s[i] = xs[b][i].item<double>(), s[4 + i] = ts[i].item<double>();
    return s;
  };
  // Values: the layer is the density matrix of the device circuit.
  for (int64_t b = 0; b < 2; ++b) {
    auto ref = reference(noise, symbols(x, theta, b), nq);
    for (std::size_t k = 0; k < ref.size(); ++k) EXPECT_NEAR(y[b][int64_t(k)].item<double>(), ref[k], 1e-12);
  }
  (y * g).sum().backward();
  const double h = 1e-5;
  torch::NoGradGuard ng;
  auto xd = x.detach().clone(), td = theta.detach().clone();
  auto loss = [&]() {
    double l = 0;
    for (int64_t b = 0; b < 2; ++b) {
      auto out = reference(noise, symbols(xd, td, b), nq);
      for (std::size_t k = 0; k < out.size(); ++k) l += g[b][int64_t(k)].item<double>() * out[k];
    }
    return l;
  };
  auto diff = [&](torch::Tensor& t, int64_t i) { return central_difference(t, i, h, loss); };
  double largest = 0;
  for (int64_t i = 0; i < xd.numel(); ++i) {
    const double fd = diff(xd, i);
    largest = std::max(largest, std::fabs(fd));
    EXPECT_NEAR(x.grad().view(-1)[i].item<double>(), fd, 1e-7) << "x " << i;
  }
  for (int64_t i = 0; i < td.numel(); ++i) {
    const double fd = diff(td, i);
    largest = std::max(largest, std::fabs(fd));
    EXPECT_NEAR(theta.grad().view(-1)[i].item<double>(), fd, 1e-7) << "theta " << i;
  }
  EXPECT_GT(largest, 1e-3);  // the gradient is not trivially zero
}

std::string entangler_circuit() { return std::string(QFORGE_SOURCE_DIR) + "/circuits/basic_entangler.qasm"; }

/// The hybrid CNN's quantum head on the fez device layer `d` (its noise, or
/// `noise` instead when given), in double precision, and the ideal
/// amplitude-embedding head with the same weights.
struct HybridHeads {
  std::shared_ptr<QuantumHead> device, ideal;
};
HybridHeads hybrid_heads(const DeviceLayer& d, std::shared_ptr<const LayerNoise> noise) {
  HybridHeads h;
  h.ideal = std::make_shared<QuantumHead>(
      QuantumHeadSpec{entangler_circuit(), "", true, QuantumReadout::ExpectationZ, nullptr});
  h.device = std::make_shared<QuantumHead>(
      QuantumHeadSpec{d.layer_qasm, kStatePrepInput, true, QuantumReadout::ExpectationZ, std::move(noise)});
  h.ideal->to(torch::kDouble);
  h.device->to(torch::kDouble);
  torch::NoGradGuard ng;
  auto w = h.ideal->named_parameters()["layer.w"];
  w.copy_(torch::rand(w.sizes(), torch::kDouble) * 6.28);
  h.device->named_parameters()["layer.w"].copy_(w);
  return h;
}

TEST(NoiseFez, HybridCnnDeviceLayerWithoutNoiseIsTheAmplitudeEmbedding) {
  FEZ_OR_SKIP(model);
  const auto d = compile_device_layer(entangler_circuit(), model, true, true);
  ASSERT_FALSE(d->layer_qasm.empty());
  // The device circuit as compiled, its channels and readout error removed.
  auto quiet = std::make_shared<sim::NoisyCircuit>(*d->noise->circuit);
  std::size_t channels = 0;
  for (auto& a : quiet->after) {
    channels += a.size();
    a.clear();
  }
  EXPECT_GT(channels, 50u);
  auto ln = std::make_shared<LayerNoise>(*d->noise);
  ln->circuit = quiet;
  ln->readout_error = false;
  torch::manual_seed(5);
  const HybridHeads h = hybrid_heads(*d, ln);
  // Features of either sign, one with a zero pair and one with a zero half.
  auto f = torch::randn({4, 16}, torch::kDouble);
  f[1][6] = 0;
  f[1][7] = 0;
  f[2].slice(0, 8, 16).zero_();
  torch::NoGradGuard ng;
  const auto want = h.ideal->forward(f), got = h.device->forward(f);
  ASSERT_EQ(got.sizes(), want.sizes());
  EXPECT_LT((got - want).abs().max().item<double>(), 1e-10) << got << want;
  // The compiled circuit is in fez's basis on 4 device qubits, with every
  // state-preparation rotation kept (the angles are inputs).
  EXPECT_EQ(quiet->physical.size(), 4u);
  EXPECT_EQ(d->noise->circuit->circuit.num_symbols(), 8u + 15u);
}

TEST(NoiseFez, HybridCnnDeviceLayerGradientMatchesFiniteDifferences) {
  FEZ_OR_SKIP(model);
  const auto d = compile_device_layer(entangler_circuit(), model, true, true);
  ASSERT_TRUE(d->noise->readout_error);
  torch::manual_seed(7);
  const HybridHeads h = hybrid_heads(*d, d->noise);
  auto f = torch::randn({2, 16}, torch::kDouble).requires_grad_(true);
  auto w = h.device->named_parameters()["layer.w"];
  auto y = h.device->forward(f);
  auto g = torch::randn(y.sizes(), torch::kDouble);
  (y * g).sum().backward();
  torch::NoGradGuard ng;
  // The noise shows: the noisy outputs differ from the ideal layer's.
  EXPECT_GT((y - h.ideal->forward(f)).abs().max().item<double>(), 1e-3);
  auto fd = f.detach().clone();
  const double step = 1e-5;
  auto loss = [&]() { return (h.device->forward(fd) * g).sum().item<double>(); };
  auto diff = [&](torch::Tensor t, int64_t i) { return central_difference(t, i, step, loss); };
  double largest = 0;
  for (int64_t i = 0; i < fd.numel(); ++i) {
    const double want = diff(fd, i);
    largest = std::max(largest, std::fabs(want));
    EXPECT_NEAR(f.grad().view(-1)[i].item<double>(), want, 1e-7) << "feature " << i;
  }
  const auto wg = w.grad().clone();
  for (int64_t i = 0; i < w.numel(); ++i) {
    const double want = diff(w.detach(), i);
    EXPECT_NEAR(wg.view(-1)[i].item<double>(), want, 1e-7) << "weight " << i;
  }
  EXPECT_GT(largest, 1e-3);
}

TEST(NoiseFez, HybridCnnTrainsUnderFezNoise) {
  FEZ_OR_SKIP(model);
  expect_trains(model, "hybrid-cnn");
}

}  // namespace
}  // namespace qforge::models
