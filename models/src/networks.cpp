// The classifiers (networks.hpp) and the quantum head (quantum_head.hpp):
// qforge::QuantumLayer over the circuit loaded from its .qasm file.
#include "qforge/models/networks.hpp"

#include "device_layer.hpp"
#include "quantum_head.hpp"

#include "qforge/frontend.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace qforge::models {

// ---------------------------------------------------------------- quantum head

QuantumHead::QuantumHead(const QuantumHeadSpec& spec) : spec_(spec) {
  QuantumLayerOptions o(spec.circuit_path);
  if (!spec.data_input.empty()) o.data_inputs({spec.data_input});
  o.readout(spec.readout == QuantumReadout::Probabilities ? sim::Readout::probabilities()
                                                           : sim::Readout::expectation_z());
  o.noise(spec.noise);
  if (spec.amplitude_embedding && spec.data_input.empty()) {
    // 2^n amplitudes: the qubit count comes from the circuit.
    DiagnosticSink diags;
    Circuit c = compile_file(spec.circuit_path, CompileOptions{}, diags);
    if (diags.has_errors())
      throw std::runtime_error("cannot load circuit '" + spec.circuit_path + "':\n" + diags.format());
    o.initial_state(sim::InitialState::amplitude(1u << c.num_qubits));
  } else {
    o.initial_state(sim::InitialState::zero());
  }
  QuantumLayer layer{nullptr};
  try {
    layer = QuantumLayer(o);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error("cannot load circuit '" + spec.circuit_path + "': " + e.what());
  }
  layer_ = register_module("layer", layer);
}

torch::Tensor QuantumHead::forward(torch::Tensor x) {
  if (spec_.amplitude_embedding && !spec_.data_input.empty()) return layer_->forward(state_preparation_angles(x));
  return layer_->forward(x);
}

int64_t QuantumHead::num_weights() const {
  int64_t k = 0;
  for (const auto& p : layer_->parameters()) k += p.numel();
  return k;
}

std::vector<double> QuantumHead::weight_values() const { return layer_->weight_values(); }

// ---------------------------------------------------------------- classifiers

std::vector<std::string> model_names() {
  return {"lcqhnn", "cnn-4", "cnn-8", "cnn-16", "hybrid-cnn", "cnn-twin"};
}

bool is_hybrid(const std::string& kind) { return kind == "lcqhnn" || kind == "hybrid-cnn"; }

std::string default_circuit_file(const std::string& kind) {
  if (kind == "lcqhnn") return "lean_hybrid.qasm";
  if (kind == "hybrid-cnn") return "basic_entangler.qasm";
  return "";
}

namespace {
constexpr int kTrunkC1 = 8, kTrunkC2 = 16, kPooled = 4;

/// sum_l a[l] * b[l] (b null: sum_l a[l]) in an order fixed by L alone:
/// 16 lanes of T (l mod 16), then the tail and the lanes added in double.
template <class T>
double fixed_order_dot(const T* a, const T* b, int64_t L) {
  constexpr int kLanes = 16;
  T lane[kLanes] = {};
  int64_t l = 0;
  if (b)
    for (; l + kLanes <= L; l += kLanes)
      for (int j = 0; j < kLanes; ++j) lane[j] += a[l + j] * b[l + j];
  else
    for (; l + kLanes <= L; l += kLanes)
      for (int j = 0; j < kLanes; ++j) lane[j] += a[l + j];
  double s = 0;
  for (; l < L; ++l) s += double(a[l]) * (b ? double(b[l]) : 1.0);
  for (int j = 0; j < kLanes; ++j) s += double(lane[j]);
  return s;
}

/// A 3x3 convolution (stride 1, no padding) whose weight and bias gradients
/// are summed in a fixed order: LibTorch's own backward splits the sum over
/// the batch and the image among its threads, so the weights it trains depend
/// on the thread count. Here the gradient of output channel o is computed by
/// one thread (threads share out the channels): for each image in turn, a
/// fixed_order_dot over the output positions, added in double. Forward and
/// the input's gradient are LibTorch's (those do not reduce across threads).
struct FixedOrderConv : public torch::autograd::Function<FixedOrderConv> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& w, const torch::Tensor& b) {
    ctx->save_for_backward({x, w});
    return torch::conv2d(x, w, b);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    const auto& w = saved[1];
    torch::Tensor gx;
    if (ctx->needs_input_grad(0))
      gx = std::get<0>(at::convolution_backward(grads[0], x, w, std::vector<int64_t>{w.size(0)}, {1, 1}, {0, 0},
                                                {1, 1}, false, {0, 0}, 1, {true, false, false}));
    // In float64 for float64 weights, else in float32.
    auto [gw, gb] = w.scalar_type() == torch::kFloat64 ? weight_grads<double>(grads[0], x, w)
                                                       : weight_grads<float>(grads[0], x, w);
    return {gx, gw.view(w.sizes()).to(w.scalar_type()), gb.to(w.scalar_type())};
  }

  /// The gradients of the weight [O, K] and of the bias [O], in T.
  template <class T>
  static std::pair<torch::Tensor, torch::Tensor> weight_grads(const torch::Tensor& grad, const torch::Tensor& x,
                                                              const torch::Tensor& w) {
    const auto type = std::is_same<T, double>::value ? torch::kFloat64 : torch::kFloat32;
    auto g = grad.to(type).contiguous();  // [N, O, Ho, Wo]
    const int64_t N = g.size(0), O = g.size(1), L = g.size(2) * g.size(3);
    const int64_t K = w.size(1) * w.size(2) * w.size(3);
    // cols[n][k][l]: the input value under kernel entry k at output position l.
    namespace F = torch::nn::functional;
    auto cols = F::unfold(x.detach(), F::UnfoldFuncOptions({w.size(2), w.size(3)})).to(type).contiguous();
    const T* cp = cols.template data_ptr<T>();
    const T* gp = g.template data_ptr<T>();
    auto gw = torch::empty({O, K}, type), gb = torch::empty({O}, type);
    T* wp = gw.template data_ptr<T>();
    T* bp = gb.template data_ptr<T>();
    at::parallel_for(0, O, 1, [&](int64_t o0, int64_t o1) {
      std::vector<double> acc(std::size_t(K + 1));
      for (int64_t o = o0; o < o1; ++o) {
        std::fill(acc.begin(), acc.end(), 0.0);
        for (int64_t n = 0; n < N; ++n) {
          const T* go = gp + (n * O + o) * L;
          for (int64_t k = 0; k < K; ++k) acc[std::size_t(k)] += fixed_order_dot<T>(go, cp + (n * K + k) * L, L);
          acc[std::size_t(K)] += fixed_order_dot<T>(go, nullptr, L);
        }
        for (int64_t k = 0; k < K; ++k) wp[o * K + k] = T(acc[std::size_t(k)]);
        bp[o] = T(acc[std::size_t(K)]);
      }
    });
    return {gw, gb};
  }
};

torch::Tensor conv(const torch::nn::Conv2d& c, const torch::Tensor& x) {
  return FixedOrderConv::apply(x, c->weight, c->bias);
}
constexpr int kFeatures = kTrunkC2 * kPooled * kPooled;  // 256
}  // namespace

ModelSpec model_spec(const TrainConfig& c, const ImageSet& s, int num_classes, const std::string& circuit) {
  // The trunk's two 3x3 convolutions, each followed by 2x2 max pooling,
  // leave a pixel of an image of 10x10 or more.
  constexpr int kMinSide = 10;
  if (s.height < kMinSide || s.width < kMinSide)
    throw std::runtime_error("'" + s.source + "' holds " + std::to_string(s.height) + "x" + std::to_string(s.width) +
                             " images; the models' convolutional trunk needs at least " + std::to_string(kMinSide) +
                             "x" + std::to_string(kMinSide));
  ModelSpec m;
  m.kind = c.model;
  m.channels = s.channels;
  m.height = s.height;
  m.width = s.width;
  m.num_classes = num_classes;
  m.dropout = c.dropout;
  m.circuit_path = circuit;
  auto norm = dataset_normalization(c.dataset, s.channels);
  m.mean = norm.mean;
  m.stddev = norm.stddev;
  if (!c.noise.empty()) {
    if (!is_hybrid(c.model))
      throw std::runtime_error("a noise model applies to a hybrid model's quantum layer, not to " + c.model);
    m.device = compile_device_layer(circuit, c.noise, c.idle_noise, c.model == "hybrid-cnn");
  }
  return m;
}

ClassifierImpl::ClassifierImpl(const ModelSpec& spec) : spec_(spec) {
  const auto& k = spec.kind;
  bool known = false;
  for (const auto& n : model_names()) known |= n == k;
  if (!known) {
    std::string all;
    for (const auto& n : model_names()) all += (all.empty() ? "" : ", ") + n;
    throw std::runtime_error("unknown model '" + k + "' (models: " + all + ")");
  }
  conv1_ = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(spec.channels, kTrunkC1, 3)));
  conv2_ = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(kTrunkC1, kTrunkC2, 3)));
  dropout_ = register_module("dropout", torch::nn::Dropout(spec.dropout));
  mean_ = register_buffer("mean", torch::tensor(spec.mean).view({1, -1, 1, 1}));
  std_ = register_buffer("std", torch::tensor(spec.stddev).view({1, -1, 1, 1}));
  const int C = spec.num_classes;
  if (k == "lcqhnn") {
    fc1_ = register_module("fc1", torch::nn::Linear(kFeatures, 4));
    QuantumHeadSpec q{spec.circuit_path, "x", false, QuantumReadout::Probabilities,
                      spec.device ? spec.device->noise : nullptr};
    auto head = std::make_shared<QuantumHead>(q);
    if (head->output_size() < C)
      throw std::runtime_error("the circuit's " + std::to_string(head->output_size()) +
                               " basis states cannot map onto " + std::to_string(C) + " classes");
    quantum_ = register_module("quantum", head);
  } else if (k == "hybrid-cnn") {
    QuantumHeadSpec q{spec.circuit_path, "", true, QuantumReadout::ExpectationZ};
    if (spec.device) {  // the embedding as a state-preparation circuit on the device
      q.circuit_path = spec.device->layer_qasm;
      q.data_input = kStatePrepInput;
      q.noise = spec.device->noise;
    }
    auto head = std::make_shared<QuantumHead>(q);
    fc1_ = register_module("fc1", torch::nn::Linear(kFeatures, int64_t(1) << head->num_qubits()));
    quantum_ = register_module("quantum", head);
    fc2_ = register_module("fc2", torch::nn::Linear(head->num_qubits(), C));
  } else if (k == "cnn-twin") {
    fc1_ = register_module("fc1", torch::nn::Linear(kFeatures, 16));
    fc2_ = register_module("fc2", torch::nn::Linear(16, 4));
    fc3_ = register_module("fc3", torch::nn::Linear(4, C));
  } else {  // cnn-H
    int h = std::stoi(k.substr(4));
    fc1_ = register_module("fc1", torch::nn::Linear(kFeatures, h));
    fc2_ = register_module("fc2", torch::nn::Linear(h, C));
  }
}

torch::Tensor ClassifierImpl::forward(torch::Tensor x) { return head(features(x)); }

torch::Tensor ClassifierImpl::maps(const torch::Tensor& pixels) {
  auto x = (pixels - mean_) / std_;
  x = torch::max_pool2d(torch::relu(conv(conv1_, x)), 2);
  return torch::relu(conv(conv2_, x));
}

torch::Tensor ClassifierImpl::features_from_maps(const torch::Tensor& maps) {
  auto x = torch::adaptive_avg_pool2d(torch::max_pool2d(maps, 2), {kPooled, kPooled}).flatten(1);
  x = fc1_->forward(x);
  // The hybrids feed fc1's output to the circuit as it is; the CNNs' hidden
  // layer has a ReLU.
  if (!is_hybrid(spec_.kind)) x = torch::relu(x);
  return dropout_->forward(x);
}

torch::Tensor ClassifierImpl::head(const torch::Tensor& f) {
  const auto& k = spec_.kind;
  const int C = spec_.num_classes;
  if (k == "lcqhnn") {
    auto probs = quantum_->forward(f);  // [B, 2^n]
    // Class c collects the basis states whose index is c modulo C: for two
    // classes, the measured value of qubit 0.
    const int64_t N = probs.size(1);
    auto idx = torch::arange(N, torch::kLong).remainder(C);
    auto cls = torch::zeros({probs.size(0), C}, probs.options()).index_add(1, idx, probs);
    return torch::log(cls.clamp_min(1e-9));
  }
  if (k == "hybrid-cnn") return torch::log_softmax(fc2_->forward(quantum_->forward(f)), 1);
  if (k == "cnn-twin") {
    // The hybrid's 4-value bottleneck is <Z> in [-1, 1]; the twin's is tanh,
    // bounded the same way. (A ReLU there can die on all four units at
    // initialisation, and the model then never leaves chance accuracy.)
    return torch::log_softmax(fc3_->forward(torch::tanh(fc2_->forward(f))), 1);
  }
  return torch::log_softmax(fc2_->forward(f), 1);
}

ParameterCounts ClassifierImpl::counts() const {
  ParameterCounts c;
  for (const auto& p : parameters(true)) c.total += p.numel();
  if (quantum_) c.quantum = quantum_->num_weights();
  c.classical = c.total - c.quantum;
  return c;
}

}  // namespace qforge::models
