// The classifiers' quantum heads (networks.hpp) against the dense reference
// of tests/support (no simulator code): the head's output on random features
// and its gradients, for lcqhnn (data input x, class probabilities) and
// hybrid-cnn (amplitude embedding, <Z> per qubit, then fc2).
#include "dense_reference.hpp"
#include "qforge/frontend.hpp"
#include "qforge/models/networks.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

using namespace qforge;
using namespace qforge::models;

namespace {

ModelSpec spec_of(const std::string& kind, const std::string& circuit) {
  ModelSpec m;
  m.kind = kind;
  m.num_classes = 2;
  m.circuit_path = std::string(QFORGE_SOURCE_DIR) + "/circuits/" + circuit;
  m.mean = {0.5f};
  m.stddev = {0.25f};
  return m;
}

/// The values of the model's parameter whose name ends in `suffix`.
std::vector<double> param(Classifier& m, const std::string& suffix) {
  for (const auto& p : m->named_parameters(true)) {
    const auto& k = p.key();
    if (k.size() >= suffix.size() && k.compare(k.size() - suffix.size(), suffix.size(), suffix) == 0) {
      auto t = p.value().detach().to(torch::kFloat64).contiguous().view(-1);
      return {t.data_ptr<double>(), t.data_ptr<double>() + t.numel()};
    }
  }
  ADD_FAILURE() << "no parameter *" << suffix;
  return {};
}

Circuit load(const std::string& path) {
  DiagnosticSink diags;
  Circuit c = compile_file(path, CompileOptions{}, diags);
  EXPECT_FALSE(diags.has_errors()) << diags.format();
  return c;
}

/// Symbol values: each named input's values in declaration order.
std::vector<double> bind(const Circuit& c, const std::vector<std::pair<std::string, std::vector<double>>>& named) {
  std::vector<double> v(c.num_symbols(), 0.0);
  for (const auto& in : c.inputs)
    for (const auto& [name, values] : named)
      if (in.name == name)
        for (uint32_t i = 0; i < in.size(); ++i) v[in.first_symbol + i] = values.at(i);
  return v;
}

/// lcqhnn's head by the dense reference: log P(class), class = index mod 2.
std::vector<double> lcqhnn_reference(const Circuit& c, const std::vector<double>& x,
                                     const std::vector<double>& theta) {
  auto psi = ref::apply_unitary(c, ref::basis_state(c.num_qubits, 0), bind(c, {{"x", x}, {"theta", theta}}));
  std::vector<double> p(2, 0.0);
  for (Eigen::Index i = 0; i < psi.size(); ++i) p[std::size_t(i % 2)] += std::norm(psi[i]);
  return {std::log(p[0]), std::log(p[1])};
}

/// hybrid-cnn's head: <Z> per qubit of the circuit on the normalised
/// features, then log_softmax(W z + b).
std::vector<double> hybrid_reference(const Circuit& c, const std::vector<double>& f, const std::vector<double>& w,
                                     const std::vector<double>& W, const std::vector<double>& bias) {
  Eigen::VectorXcd psi0(Eigen::Index(f.size()));
  double nn = 0;
  for (double v : f) nn += v * v;
  for (std::size_t i = 0; i < f.size(); ++i) psi0[Eigen::Index(i)] = f[i] / std::sqrt(nn);
  auto psi = ref::apply_unitary(c, psi0, bind(c, {{"w", w}}));
  const unsigned n = c.num_qubits;
  std::vector<double> z(n, 0.0);
  for (Eigen::Index i = 0; i < psi.size(); ++i)
    for (unsigned q = 0; q < n; ++q) z[q] += (uint64_t(i) >> q & 1 ? -1 : 1) * std::norm(psi[i]);
  std::vector<double> logit(2, 0.0);
  for (int k = 0; k < 2; ++k) {
    logit[k] = bias[k];
    for (unsigned q = 0; q < n; ++q) logit[k] += W[k * n + q] * z[q];
  }
  double m = std::max(logit[0], logit[1]);
  double lse = m + std::log(std::exp(logit[0] - m) + std::exp(logit[1] - m));
  return {logit[0] - lse, logit[1] - lse};
}

/// head(f) and d(sum G * head)/d f by autograd, against `reference` and its
/// central differences.
template <class Ref>
void check_head(Classifier& model, int64_t k, Ref reference) {
  torch::manual_seed(7);
  const int64_t B = 3;
  auto f = (torch::rand({B, k}) * 2 - 1).set_requires_grad(true);
  auto G = torch::randn({B, 2});
  model->eval();
  auto out = model->head(f);
  auto gf = torch::autograd::grad({(out * G).sum()}, {f})[0];
  for (int64_t b = 0; b < B; ++b) {
    std::vector<double> x(std::size_t(k), 0.0);
    for (int64_t j = 0; j < k; ++j) x[std::size_t(j)] = f[b][j].item<double>();
    auto want = reference(x);
    for (int c = 0; c < 2; ++c) EXPECT_NEAR(out[b][c].item<double>(), want[c], 2e-5) << "sample " << b;
    const double h = 1e-5;
    for (int64_t j = 0; j < k; ++j) {
      auto xp = x, xm = x;
      xp[std::size_t(j)] += h;
      xm[std::size_t(j)] -= h;
      auto lp = reference(xp), lm = reference(xm);
      double d = 0;
      for (int c = 0; c < 2; ++c) d += G[b][c].item<double>() * (lp[c] - lm[c]) / (2 * h);
      EXPECT_NEAR(gf[b][j].item<double>(), d, 2e-3 * std::max(1.0, std::fabs(d))) << "sample " << b << " feature " << j;
    }
  }
}

}  // namespace

TEST(Networks, LcqhnnHeadMatchesDenseReference) {
  torch::manual_seed(1);
  ModelSpec spec = spec_of("lcqhnn", "lean_hybrid.qasm");
  Classifier model(spec);
  const Circuit c = load(spec.circuit_path);
  const auto theta = param(model, "theta");
  ASSERT_EQ(theta.size(), 4u);
  check_head(model, 4, [&](const std::vector<double>& x) { return lcqhnn_reference(c, x, theta); });
  EXPECT_EQ(model->counts().quantum, 4);
}

TEST(Networks, HybridCnnHeadMatchesDenseReference) {
  torch::manual_seed(2);
  ModelSpec spec = spec_of("hybrid-cnn", "basic_entangler.qasm");
  Classifier model(spec);
  const Circuit c = load(spec.circuit_path);
  const auto w = param(model, ".w"), W = param(model, "fc2.weight"), bias = param(model, "fc2.bias");
  ASSERT_EQ(w.size(), 8u);
  check_head(model, 16, [&](const std::vector<double>& f) { return hybrid_reference(c, f, w, W, bias); });
  EXPECT_EQ(model->counts().quantum, 8);
}

TEST(Networks, ForwardIsHeadOfFeaturesOfMaps) {
  torch::manual_seed(3);
  for (const char* kind : {"lcqhnn", "hybrid-cnn", "cnn-4", "cnn-twin"}) {
    ModelSpec spec = spec_of(kind, std::string(kind) == "lcqhnn" ? "lean_hybrid.qasm" : "basic_entangler.qasm");
    if (!is_hybrid(kind)) spec.circuit_path.clear();
    Classifier model(spec);
    model->eval();
    torch::NoGradGuard ng;
    auto x = torch::rand({5, 1, 28, 28});
    auto maps = model->maps(x);
    EXPECT_EQ(maps.sizes(), (std::vector<int64_t>{5, 16, 11, 11})) << kind;
    auto out = model->head(model->features_from_maps(maps));
    EXPECT_TRUE(torch::equal(out, model->forward(x))) << kind;
    // Log-probabilities: each row sums to 1 after exp.
    EXPECT_TRUE(torch::allclose(out.exp().sum(1), torch::ones({5}), 1e-4, 1e-5)) << kind;
  }
}

TEST(Networks, TrunkGradientsMatchLibTorchConvolution) {
  // The trunk sums its convolutions' weight gradients in a fixed order; they
  // must equal LibTorch's conv2d gradients (up to rounding).
  torch::manual_seed(4);
  Classifier model(spec_of("cnn-8", ""));
  model->eval();
  auto x = torch::rand({6, 1, 28, 28}).set_requires_grad(true);
  auto G = torch::randn({6, 16, 11, 11});
  model->zero_grad();
  auto gx = torch::autograd::grad({(model->maps(x) * G).sum()}, {x}, {}, true)[0];
  (model->maps(x) * G).sum().backward();
  std::map<std::string, torch::Tensor> mine, ref;
  for (const auto& p : model->named_parameters(true))
    if (p.key().rfind("conv", 0) == 0) mine[p.key()] = p.value().grad().clone();
  // The same trunk with LibTorch's convolution.
  model->zero_grad();
  auto P = model->named_parameters(true);
  auto B = model->named_buffers(true);
  auto x2 = x.detach().clone().set_requires_grad(true);
  auto h = (x2 - *B.find("mean")) / *B.find("std");
  h = torch::max_pool2d(torch::relu(torch::conv2d(h, *P.find("conv1.weight"), *P.find("conv1.bias"))), 2);
  h = torch::relu(torch::conv2d(h, *P.find("conv2.weight"), *P.find("conv2.bias")));
  (h * G).sum().backward();
  for (const auto& p : model->named_parameters(true))
    if (p.key().rfind("conv", 0) == 0) ref[p.key()] = p.value().grad().clone();
  ASSERT_EQ(mine.size(), 4u);
  for (const auto& [k, g] : mine)
    EXPECT_TRUE(torch::allclose(g, ref[k], 1e-4, 1e-4)) << k << " max diff " << (g - ref[k]).abs().max().item<double>();
  EXPECT_TRUE(torch::allclose(gx, x2.grad(), 1e-5, 1e-6));
}
