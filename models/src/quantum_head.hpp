// models/src/quantum_head.hpp - the one place the classifiers touch the
// quantum layer. A QuantumHead is qforge::QuantumLayer (runtime/torch) built
// from a .qasm file: the input named `data_input` is bound to the data ([B, k]
// from the previous layer), every other input is a trainable weight; with
// amplitude_embedding the data is instead [B, 2^n] amplitudes of the initial
// state (normalised per sample by the layer), or, on a device (a data input
// with amplitude_embedding: the circuit begins with a state preparation, see
// device_layer.hpp), the features' state-preparation angles
// (state_preparation_angles) fed to that input. Output: <Z> per qubit [B, n],
// or basis-state probabilities [B, 2^n].
#pragma once

#include "qforge/circuit.hpp"
#include "qforge/torch/quantum_layer.hpp"

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

namespace qforge::models {

enum class QuantumReadout { ExpectationZ, Probabilities };

struct QuantumHeadSpec {
  std::string circuit_path;        ///< a .qasm file, or OpenQASM text (QuantumLayerOptions)
  std::string data_input;          ///< empty: no data-bound input
  /// With data_input: the features' state-preparation angles go to it.
  bool amplitude_embedding = false;
  QuantumReadout readout = QuantumReadout::ExpectationZ;
  std::shared_ptr<const LayerNoise> noise;  ///< set: run on this noisy device
};

class QuantumHead : public torch::nn::Module {
 public:
  /// Throws std::runtime_error (with the compiler's diagnostics) when the
  /// circuit cannot be loaded or its inputs do not fit the spec.
  explicit QuantumHead(const QuantumHeadSpec& spec);
  torch::Tensor forward(torch::Tensor data);
  int num_qubits() const { return int(layer_->ir().num_qubits); }
  int64_t num_weights() const;
  /// Columns of forward's output: n for ExpectationZ, 2^n for Probabilities.
  int64_t output_size() const { return layer_->num_outputs(); }
  const QuantumHeadSpec& spec() const { return spec_; }
  /// The circuit as the layer compiled it (symbols as the layer binds them).
  const Circuit& circuit() const { return layer_->ir(); }
  /// The noisy engine when spec().noise is set, else null.
  const sim::NoisyBatchCircuit* noisy_circuit() const { return layer_->noisy_circuit(); }
  /// One value per symbol of circuit(): the trained weights' current values
  /// at their symbols, NaN at the data input's symbols.
  std::vector<double> weight_values() const;

 private:
  QuantumHeadSpec spec_;
  QuantumLayer layer_{nullptr};
};

}  // namespace qforge::models
