// Tests of qforge::QuantumLayer (LibTorch binding): values against the
// runtime, gradients through autograd against finite differences for data
// inputs, weights and amplitude-embedded features, dtype handling, no tape
// under NoGradGuard, parameter shift, a learning test, and save/load.
#include "qforge/torch/quantum_layer.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>

namespace qforge {
namespace {

const std::string kLean = std::string(QFORGE_SOURCE_DIR) + "/circuits/lean_hybrid.qasm";
const std::string kEntangler = std::string(QFORGE_SOURCE_DIR) + "/circuits/basic_entangler.qasm";

QuantumLayerOptions lean_options() { return QuantumLayerOptions(kLean).data_inputs({"x"}); }

// d(sum(g * layer(x)))/dx and /dtheta by central differences (float64).
std::pair<torch::Tensor, torch::Tensor> fd_grads(QuantumLayer& q, const torch::Tensor& x, const torch::Tensor& g,
                                                 torch::Tensor theta) {
  torch::NoGradGuard ng;
  const double h = 1e-6;
  auto f = [&](const torch::Tensor& xx) { return (q->forward(xx) * g).sum().item<double>(); };
  torch::Tensor gx = torch::zeros_like(x);
  auto xf = x.clone();
  for (int64_t i = 0; i < x.numel(); ++i) {
    auto v = xf.view(-1);
    const double keep = v[i].item<double>();
    v[i] = keep + h;
    double fp = f(xf);
    v[i] = keep - h;
    double fm = f(xf);
    v[i] = keep;
    gx.view(-1)[i] = (fp - fm) / (2 * h);
  }
  torch::Tensor gt = torch::zeros_like(theta);
  for (int64_t i = 0; i < theta.numel(); ++i) {
    auto v = theta.view(-1);
    const double keep = v[i].item<double>();
    v[i] = keep + h;
    double fp = f(x);
    v[i] = keep - h;
    double fm = f(x);
    v[i] = keep;
    gt.view(-1)[i] = (fp - fm) / (2 * h);
  }
  return {gx, gt};
}

TEST(QuantumLayer, ModuleBasics) {
  QuantumLayer q(lean_options());
  auto named = q->named_parameters();
  ASSERT_EQ(named.size(), 1u);
  EXPECT_TRUE(named.contains("theta"));
  EXPECT_EQ(named["theta"].sizes(), torch::IntArrayRef({4}));
  EXPECT_EQ(q->num_columns(), 4);
  EXPECT_EQ(q->num_outputs(), 4);
  q->eval();
  EXPECT_FALSE(q->is_training());
  q->train();
  std::ostringstream os;
  q->pretty_print(os);
  EXPECT_NE(os.str().find("qforge::QuantumLayer(qubits=4"), std::string::npos) << os.str();
  EXPECT_THROW(QuantumLayer(QuantumLayerOptions(kLean).data_inputs({"nope"})), std::invalid_argument);
  EXPECT_THROW(QuantumLayer(QuantumLayerOptions(kLean).data_inputs({"x"}).weights({"x"})), std::invalid_argument);
  EXPECT_THROW(q->forward(torch::zeros({3, 5})), c10::Error);
}

// weight_values puts each weight element at its symbol (lean_hybrid.qasm
// declares x[4] then theta[4]: symbols 0-3 are x, 4-7 theta) and NaN at the
// data input's.
TEST(QuantumLayer, WeightValuesAtTheirSymbols) {
  QuantumLayer q(lean_options());
  {
    torch::NoGradGuard ng;
    q->named_parameters()["theta"].copy_(torch::tensor({0.5f, -1.25f, 2.0f, 0.125f}));
  }
  const std::vector<double> v = q->weight_values();
  ASSERT_EQ(v.size(), 8u);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(std::isnan(v[i])) << i;
  EXPECT_EQ(v[4], 0.5);
  EXPECT_EQ(v[5], -1.25);
  EXPECT_EQ(v[6], 2.0);
  EXPECT_EQ(v[7], 0.125);
}

TEST(QuantumLayer, ValuesMatchRuntimeAndGradientsMatchFiniteDifferences) {
  QuantumLayer q(lean_options());
  q->to(torch::kDouble);
  torch::manual_seed(3);
  auto x = torch::randn({5, 4}, torch::kDouble).requires_grad_(true);
  auto y = q->forward(x);
  ASSERT_EQ(y.sizes(), torch::IntArrayRef({5, 4}));
  EXPECT_EQ(y.scalar_type(), torch::kDouble);
  auto theta = q->named_parameters()["theta"];
  for (int b = 0; b < 5; ++b) {
    std::vector<double> in(8);
    for (int i = 0; i < 4; ++i) in[i] = x[b][i].item<double>(), in[4 + i] = theta[i].item<double>();
    auto ref = sim::evaluate_readout(q->ir(), sim::Readout::expectation_z(), in);
    for (int k = 0; k < 4; ++k) EXPECT_NEAR(y[b][k].item<double>(), ref[k], 1e-12);
  }
  auto g = torch::randn({5, 4}, torch::kDouble);
  (y * g).sum().backward();
  auto [fx, ft] = fd_grads(q, x.detach(), g, theta.detach());
  EXPECT_TRUE(torch::allclose(x.grad(), fx, 1e-6, 1e-7)) << x.grad() << fx;
  EXPECT_TRUE(torch::allclose(theta.grad(), ft, 1e-6, 1e-7)) << theta.grad() << ft;
}

TEST(QuantumLayer, ParameterShiftEqualsAdjointAndObservableReadouts) {
  for (auto ro : {sim::Readout::paulis({"Z0 Z1", "X2 + 0.5*Y3", "Y0 X1 Z2"}), sim::Readout::probabilities(),
                  sim::Readout::marginals({3, 1})}) {
    torch::manual_seed(5);
    QuantumLayer a(lean_options().readout(ro).gradient(sim::GradientMethod::Adjoint));
    torch::manual_seed(5);
    QuantumLayer p(lean_options().readout(ro).gradient(sim::GradientMethod::ParameterShift));
    a->to(torch::kDouble);
    p->to(torch::kDouble);
    auto x1 = torch::randn({6, 4}, torch::kDouble).requires_grad_(true);
    auto x2 = x1.detach().clone().requires_grad_(true);
    auto ya = a->forward(x1), yp = p->forward(x2);
    EXPECT_TRUE(torch::equal(ya, yp));
    if (ro.kind != sim::ReadoutKind::Observables) {
      EXPECT_TRUE(torch::allclose(ya.sum(1), torch::ones({6}, torch::kDouble)));
    }
    auto g = torch::randn_like(ya);
    (ya * g).sum().backward();
    (yp * g).sum().backward();
    EXPECT_TRUE(torch::allclose(x1.grad(), x2.grad(), 1e-9, 1e-10));
    EXPECT_TRUE(torch::allclose(a->parameters()[0].grad(), p->parameters()[0].grad(), 1e-9, 1e-10));
  }
}

TEST(QuantumLayer, DtypeFollowsInputAndNoTapeWithoutGrad) {
  torch::manual_seed(1);
  QuantumLayer q(lean_options());
  auto x = torch::randn({7, 4});
  auto y32 = q->forward(x);
  EXPECT_EQ(y32.scalar_type(), torch::kFloat);
  EXPECT_TRUE(y32.requires_grad());  // theta requires grad
  auto y64 = q->forward(x.to(torch::kDouble));
  EXPECT_EQ(y64.scalar_type(), torch::kDouble);
  EXPECT_TRUE(torch::allclose(y32.to(torch::kDouble), y64, 1e-5, 1e-5));
  // float32 gradients close to float64 ones
  auto xa = x.clone().requires_grad_(true), xb = x.to(torch::kDouble).requires_grad_(true);
  q->forward(xa).pow(2).sum().backward();
  auto gt32 = q->parameters()[0].grad().clone();
  q->zero_grad();
  q->forward(xb).pow(2).sum().backward();
  EXPECT_TRUE(torch::allclose(xa.grad().to(torch::kDouble), xb.grad(), 1e-4, 1e-4));
  EXPECT_TRUE(torch::allclose(gt32, q->parameters()[0].grad(), 1e-4, 1e-4));
  {
    torch::NoGradGuard ng;
    auto y = q->forward(x.requires_grad_(true));
    EXPECT_FALSE(y.requires_grad());
    EXPECT_FALSE(y.grad_fn());
  }
  auto one = q->forward(x[0].detach());
  EXPECT_EQ(one.sizes(), torch::IntArrayRef({4}));
  EXPECT_TRUE(torch::allclose(one, y32[0]));
}

TEST(QuantumLayer, ThreadsDoNotChangeResults) {
  torch::manual_seed(2);
  QuantumLayer q1(lean_options().threads(1));
  torch::manual_seed(2);
  QuantumLayer q2(lean_options().threads(2));
  auto x = torch::randn({300, 4}, torch::kDouble);
  q1->to(torch::kDouble);
  q2->to(torch::kDouble);
  auto xa = x.clone().requires_grad_(true), xb = x.clone().requires_grad_(true);
  auto ya = q1->forward(xa), yb = q2->forward(xb);
  EXPECT_TRUE(torch::equal(ya, yb));
  ya.sum().backward();
  yb.sum().backward();
  EXPECT_TRUE(torch::allclose(xa.grad(), xb.grad(), 1e-14, 1e-14));
}

TEST(QuantumLayer, AmplitudeEmbeddingFromPragmaWithGradients) {
  QuantumLayer q{QuantumLayerOptions(kEntangler)};
  EXPECT_EQ(q->num_columns(), 16);
  EXPECT_EQ(q->circuit().num_features(), 16u);
  q->to(torch::kDouble);
  torch::manual_seed(4);
  auto x = torch::randn({3, 16}, torch::kDouble).requires_grad_(true);
  auto y = q->forward(x);
  // Scaling the features does not change the (normalised) state.
  EXPECT_TRUE(torch::allclose(y, q->forward(3.5 * x.detach()), 1e-12, 1e-12));
  auto g = torch::randn_like(y);
  (y * g).sum().backward();
  auto w = q->named_parameters()["w"];
  EXPECT_EQ(w.sizes(), torch::IntArrayRef({2, 4}));
  auto [fx, fw] = fd_grads(q, x.detach(), g, w.detach());
  EXPECT_TRUE(torch::allclose(x.grad(), fx, 1e-6, 1e-7)) << x.grad() - fx;
  EXPECT_TRUE(torch::allclose(w.grad(), fw, 1e-6, 1e-7));
  // The C++ option chooses fewer features (zero-padded).
  QuantumLayer q8(QuantumLayerOptions(kEntangler).initial_state(sim::InitialState::amplitude(8)));
  EXPECT_EQ(q8->num_columns(), 8);
}

TEST(QuantumLayer, ShotSampledForward) {
  torch::manual_seed(6);
  QuantumLayer exact(lean_options());
  torch::manual_seed(6);
  QuantumLayer noisy(lean_options().shots(20000).seed(9));
  auto x = torch::randn({4, 4}, torch::kDouble);
  exact->to(torch::kDouble);
  noisy->to(torch::kDouble);
  auto ye = exact->forward(x), y1 = noisy->forward(x), y2 = noisy->forward(x);
  EXPECT_TRUE(torch::allclose(ye, y1, 0, 0.05));
  EXPECT_FALSE(torch::equal(y1, y2));  // each call draws new shots
  auto xg = x.clone().requires_grad_(true);
  noisy->forward(xg).sum().backward();  // exact adjoint gradient of the sampled forward
  EXPECT_TRUE(xg.grad().defined());
}

// The lean hybrid model in miniature: Linear -> QuantumLayer -> Linear.
struct HybridImpl : torch::nn::Module {
  torch::nn::Linear pre{nullptr}, post{nullptr};
  QuantumLayer quantum{nullptr};
  HybridImpl() {
    pre = register_module("pre", torch::nn::Linear(2, 4));
    quantum = register_module("quantum", QuantumLayer(lean_options()));
    post = register_module("post", torch::nn::Linear(4, 2));
  }
  torch::Tensor forward(torch::Tensor x) { return post(quantum(torch::tanh(pre(x)) * 1.5)); }
};
TORCH_MODULE(Hybrid);

TEST(QuantumLayer, HybridModelLearnsXor) {
  torch::manual_seed(0);
  const int64_t N = 256;
  auto x = torch::rand({N, 2}) * 2 - 1;
  auto y = ((x.select(1, 0) * x.select(1, 1)) > 0).to(torch::kLong);
  Hybrid model;
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(0.05));
  std::vector<double> losses;
  auto t0 = std::chrono::steady_clock::now();
  for (int epoch = 0; epoch < 200; ++epoch) {
    opt.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(model->forward(x), y);
    loss.backward();
    opt.step();
    losses.push_back(loss.item<double>());
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  torch::NoGradGuard ng;
  model->eval();
  const double acc = (model->forward(x).argmax(1) == y).to(torch::kDouble).mean().item<double>();
  std::printf("XOR: accuracy %.3f after 200 full-batch steps in %.2f s; loss %.3f -> %.3f\n", acc, secs,
              losses.front(), losses.back());
  EXPECT_GE(acc, 0.9);
  EXPECT_LT(secs, 10.0);
  // Monotone on average: the mean loss of each block of 20 steps decreases.
  for (int blk = 1; blk < 10; ++blk) {
    double prev = 0, cur = 0;
    for (int i = 0; i < 20; ++i) prev += losses[(blk - 1) * 20 + i], cur += losses[blk * 20 + i];
    EXPECT_LT(cur, prev + 1e-3) << "block " << blk;
  }
}

TEST(QuantumLayer, SaveLoadGivesIdenticalOutputs) {
  torch::manual_seed(10);
  Hybrid a;
  torch::manual_seed(11);
  Hybrid b;
  auto x = torch::randn({9, 2});
  EXPECT_FALSE(torch::equal(a->forward(x), b->forward(x)));
  const std::string path = std::string(QFORGE_BINARY_DIR) + "/quantum_layer_test_model.pt";
  torch::save(a, path);
  torch::load(b, path);
  EXPECT_TRUE(torch::equal(a->forward(x), b->forward(x)));
  std::remove(path.c_str());
}

}  // namespace
}  // namespace qforge
