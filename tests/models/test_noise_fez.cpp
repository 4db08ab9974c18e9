// The lean hybrid classifier on ibm_fez (the shared calibration snapshot,
// QFORGE_CALIBRATION; skipped without it): it trains under the device's noise
// for 2 epochs on 128 Fashion-MNIST images (loss falls, accuracy above
// chance), and the noisy layer's gradient on the fez-compiled lean circuit
// equals central differences of sim::run_noisy's density matrix for the
// inputs and the weights.
#include "../../models/src/device_layer.hpp"
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

TEST(NoiseFez, LeanClassifierTrainsUnderFezNoise) {
  FEZ_OR_SKIP(model);
  const TrainConfig c = test::small_noisy_lean_run(model, tmp("train"));
  std::ostringstream log;
  TrainResult r = train(c, log);
  ASSERT_EQ(r.history.size(), 2u);
  EXPECT_LT(r.history[1].train_loss, r.history[0].train_loss);
  EXPECT_GT(r.history[1].test_accuracy, 0.6);
  // The ideal numbers of the same weights are recorded beside the noisy ones.
  EXPECT_TRUE(r.history[1].has_ideal());
  EXPECT_GT(r.history[1].ideal_test_accuracy, 0.5);
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
  auto diff = [&](torch::Tensor& t, int64_t i) {
    auto v = t.view(-1);
    const double keep = v[i].item<double>();
    v[i] = keep + h;
    const double fp = loss();
    v[i] = keep - h;
    const double fm = loss();
    v[i] = keep;
    return (fp - fm) / (2 * h);
  };
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

}  // namespace
}  // namespace qforge::models
