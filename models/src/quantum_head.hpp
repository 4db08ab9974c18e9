// models/src/quantum_head.hpp - the one place the classifiers touch the
// quantum layer. make_quantum_head builds a torch module from a .qasm file:
// the input named `data_input` is bound to the data ([B, k] from the previous
// layer), every other input is a trainable weight; with amplitude_embedding
// the data is instead [B, 2^n] amplitudes of the initial state (normalised
// here). Output: <Z> per qubit [B, n], or basis-state probabilities [B, 2^n].
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

namespace qforge::models {

enum class QuantumReadout { ExpectationZ, Probabilities };

struct QuantumHeadSpec {
  std::string circuit_path;
  std::string data_input;          ///< empty: no data-bound input
  bool amplitude_embedding = false;
  QuantumReadout readout = QuantumReadout::ExpectationZ;
};

class QuantumHead : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(torch::Tensor data) = 0;
  virtual int num_qubits() const = 0;
  virtual int64_t num_weights() const = 0;
  int64_t output_size() const;
  QuantumReadout readout = QuantumReadout::ExpectationZ;
};

/// Throws std::runtime_error (with the compiler's diagnostics) when the
/// circuit cannot be loaded or its inputs do not fit the spec.
std::shared_ptr<QuantumHead> make_quantum_head(const QuantumHeadSpec& spec);

/// "qforge::QuantumLayer" or "reference simulator": what make_quantum_head builds.
std::string quantum_head_backend();

}  // namespace qforge::models
