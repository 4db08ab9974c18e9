// qforge/models/networks.hpp - the classifiers as LibTorch modules.
// Includes torch: only the training code and torch-specific tests need it.
#pragma once

#include "qforge/models/training.hpp"

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

namespace qforge::models {

class QuantumHead;   // models/src/quantum_head.hpp
struct DeviceLayer;  // models/src/device_layer.hpp

struct ModelSpec {
  std::string kind;                 ///< cnn-4 | cnn-8 | cnn-16 | lcqhnn | hybrid-cnn | cnn-twin
  int channels = 1, height = 28, width = 28;
  int num_classes = 2;
  double dropout = 0.2;
  std::string circuit_path;         ///< for the hybrid models
  std::vector<float> mean, stddev;  ///< per-channel input normalisation
  /// Set: the quantum layer runs on this noisy device (the hybrids).
  std::shared_ptr<const DeviceLayer> device;
};

/// The network a run of `c` builds for images like `s`: its kind, input
/// shape and normalisation, dropout, and (hybrids) the circuit at `circuit`,
/// compiled for the device of c.noise when that is set.
ModelSpec model_spec(const TrainConfig& c, const ImageSet& s, int num_classes, const std::string& circuit);

/// Names of the models make_classifier knows.
std::vector<std::string> model_names();
/// True for the models with a quantum layer.
bool is_hybrid(const std::string& kind);
/// The circuit file (under circuits/) a hybrid model loads by default.
std::string default_circuit_file(const std::string& kind);

/// Image classifier: forward takes [B, C, H, W] pixels in [0, 1] and returns
/// log-probabilities [B, num_classes] (normalisation is its first step, so
/// FGSM perturbs raw pixels). The forward pass is cut in three seams that
/// export and the report use:
///   forward(x) = head(features(x)),  features(x) = features_from_maps(maps(x)).
class ClassifierImpl : public torch::nn::Module {
 public:
  explicit ClassifierImpl(const ModelSpec& spec);
  torch::Tensor forward(torch::Tensor pixels);
  /// Activations of the last convolution after its ReLU [B, 16, h, w]
  /// (the layer Grad-CAM looks at).
  torch::Tensor maps(const torch::Tensor& pixels);
  /// From those maps to the features entering the head: the quantum layer's
  /// input for the hybrids, the hidden layer for the CNNs (dropout applied in
  /// training mode).
  torch::Tensor features_from_maps(const torch::Tensor& maps);
  torch::Tensor features(const torch::Tensor& pixels) { return features_from_maps(maps(pixels)); }
  /// Features -> log-probabilities [B, num_classes].
  torch::Tensor head(const torch::Tensor& features);
  /// The quantum layer of a hybrid model; null for the classical ones.
  std::shared_ptr<QuantumHead> quantum() const { return quantum_; }
  ParameterCounts counts() const;
  const ModelSpec& spec() const { return spec_; }

 private:
  ModelSpec spec_;
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr}, fc3_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
  std::shared_ptr<QuantumHead> quantum_;
  torch::Tensor mean_, std_;
};
TORCH_MODULE(Classifier);

}  // namespace qforge::models
