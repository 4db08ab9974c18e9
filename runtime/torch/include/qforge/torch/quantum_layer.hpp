// qforge/torch/quantum_layer.hpp - a compiled OpenQASM circuit as a
// differentiable LibTorch module.
//
//   qforge::QuantumLayer q(qforge::QuantumLayerOptions("circuits/lean_hybrid.qasm")
//                              .data_inputs({"x"})            // fed per sample
//                              .weights({"theta"})            // trainable
//                              .readout(qforge::sim::Readout::expectation_z()));
//   register_module("quantum", q);
//   torch::Tensor y = q->forward(x);   // x: [batch, 4] -> y: [batch, 4]
//
// Inputs of the circuit are bound in two ways:
//  - data inputs: the scalars of the `input` declarations named in
//    data_inputs, in declaration order (row-major within an array), are the
//    columns of the forward argument;
//  - weights: every other input (or those named in weights) is a registered
//    parameter named after it (e.g. "theta", shape as declared), initialised
//    by `init`.
// The circuit text may declare its initial state with the line
//   pragma qforge.initial_state amplitude(16)
// (the front end ignores pragmas); the initial_state option overrides it.
// With initial_state amplitude(k), the last k columns of the forward
// argument are the amplitude-embedding features (normalised per sample).
//
// Forward runs the whole batch in the runtime (qforge/batch.hpp; OpenMP over
// the batch with `threads` threads). Backward is the runtime's adjoint
// vector-Jacobian product (or parameter shift), giving gradients for the
// data inputs, the features and the weights. The computation follows the
// dtype of the input (float32 or float64; the weights are cast to it).
// Under torch::NoGradGuard (or when nothing requires grad) no tape is kept.
//
// Noise (QuantumLayerOptions::noise). The layer can instead run the circuit
// compiled for a device with its noise attached (a sim::NoisyCircuit: the
// output of noise::attach_noise on noise::compile_for_device's circuit, with
// the layer circuit's inputs still symbolic). Forward and backward are then
// sim::NoisyBatchCircuit's density-matrix run and exact adjoint (float32 or
// float64 as above); parameter shift and shots are rejected. The readout keeps
// its logical meaning: LayerNoise::qubit_map sends logical qubit q to the
// compact qubit of the noisy circuit that holds it at the end (the final
// layout composed with NoisyCircuit::physical), and the readout is rewritten
// onto those qubits (remap_readout: <Z_q> becomes the observable Z on
// qubit_map[q], the 2^n probabilities the marginal distribution of
// qubit_map[0..n-1]; routing ancillas are traced out). With
// LayerNoise::readout_error, each read qubit's readout error
// (NoisyCircuit::readout) is applied to the outputs as the measurement would:
// the distribution of ExpectationZ's qubit q becomes a_q <Z> + c_q
// (a = 1 - p(1|0) - p(0|1), c = p(0|1) - p(1|0)), and Probabilities and
// Marginals are multiplied by each bit's 2 x 2 confusion matrix (autograd
// differentiates this linear step); Observables readouts refuse it. Amplitude
// embedding is not supported with noise (the embedded state would have to be
// laid out on the device qubits).
#pragma once

#include "qforge/batch.hpp"
#include "qforge/layer_binding.hpp"
#include "qforge/noisy_batch.hpp"

#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace qforge {

/// How weights are initialised.
struct WeightInit {
  enum class Kind : uint8_t { Uniform, Normal, Constant };
  Kind kind = Kind::Uniform;
  double a = 0, b = 6.283185307179586;  ///< Uniform [a, b); Normal(mean a, std b); Constant a
  static WeightInit uniform(double lo, double hi) { return {Kind::Uniform, lo, hi}; }
  static WeightInit normal(double mean, double stddev) { return {Kind::Normal, mean, stddev}; }
  static WeightInit constant(double value) { return {Kind::Constant, value, 0}; }
};

/// The device a QuantumLayer runs on (see the file comment).
struct LayerNoise {
  /// The layer's circuit on the device's used qubits (numbered compactly),
  /// with its channels; its inputs must be the layer circuit's (same symbols).
  std::shared_ptr<const sim::NoisyCircuit> circuit;
  /// Logical qubit q -> the qubit of `circuit` holding it at the end.
  std::vector<unsigned> qubit_map;
  /// Checkpoint interval of the adjoint (NoisyBatchOptions); 0: 1 when the
  /// tape of a 256-sample batch fits in kNoiseTapeBudget bytes, else about
  /// sqrt(channel steps).
  unsigned checkpoint_interval = 0;
  /// Apply the circuit's readout errors to the outputs (see the file comment).
  bool readout_error = false;
};
/// Memory the default checkpoint interval allows a 256-sample batch.
constexpr uint64_t kNoiseTapeBudget = uint64_t(1) << 30;

/// `readout` (on the logical qubits) rewritten onto the qubits qubit_map
/// gives them on a circuit of `num_qubits` qubits. Throws
/// std::invalid_argument when a qubit has no image or Probabilities would
/// need more qubits than qubit_map lists.
sim::Readout remap_readout(const sim::Readout& readout, const std::vector<unsigned>& qubit_map,
                           unsigned logical_qubits);

struct QuantumLayerOptions {
  /// `circuit` is OpenQASM text when it contains "OPENQASM" or a newline,
  /// else the path of a .qasm file.
  QuantumLayerOptions(std::string circuit);  // NOLINT: a path converts

  TORCH_ARG(std::string, circuit);
  /// Inputs fed per sample from the forward argument, in declaration order.
  TORCH_ARG(std::vector<std::string>, data_inputs) = {};
  /// Inputs that are trainable parameters; empty: every input not in data_inputs.
  TORCH_ARG(std::vector<std::string>, weights) = {};
  TORCH_ARG(WeightInit, init) = {};
  TORCH_ARG(sim::Readout, readout) = {};
  /// Zero, or amplitude(k): the last k forward columns embed the initial state.
  TORCH_ARG(sim::InitialState, initial_state) = {};
  TORCH_ARG(sim::GradientMethod, gradient) = sim::GradientMethod::Adjoint;
  /// > 0: outputs are estimates from this many shots per sample.
  TORCH_ARG(uint64_t, shots) = 0;
  /// Seed of the shot sampling (each forward call advances the stream).
  TORCH_ARG(uint64_t, seed) = 0;
  /// OpenMP threads over the batch; 0: torch::get_num_threads() when built.
  TORCH_ARG(int, threads) = 0;
  TORCH_ARG(std::vector<std::string>, include_dirs) = {};
  /// Read `pragma qforge.initial_state amplitude(k)` from the circuit text
  /// when initial_state is left at Zero.
  TORCH_ARG(bool, use_pragmas) = true;
  /// Run on this device (see the file comment); null: noiseless.
  TORCH_ARG(std::shared_ptr<const LayerNoise>, noise) = nullptr;
};

class QuantumLayerImpl : public torch::nn::Module {
 public:
  explicit QuantumLayerImpl(QuantumLayerOptions options);

  /// x: [batch, num_columns()] (or [num_columns()] for one sample) ->
  /// [batch, num_outputs()] (or [num_outputs()]).
  torch::Tensor forward(const torch::Tensor& x);

  /// Re-initialise the weights with options.init().
  void reset_parameters();
  void pretty_print(std::ostream& stream) const override;

  /// Columns of the forward argument: data scalars, then features.
  int64_t num_columns() const { return int64_t(data_symbols_.size() + circuit_->num_features()); }
  int64_t num_outputs() const { return int64_t(circuit_->num_outputs()); }
  const sim::BatchCircuit& circuit() const { return *circuit_; }
  /// The noisy engine (options.noise() set), else null.
  const sim::NoisyBatchCircuit* noisy_circuit() const { return noisy_.get(); }
  const Circuit& ir() const { return *ir_; }
  /// One value per symbol of ir(): each weight's current value at its
  /// symbols, NaN at the data inputs' symbols (what ir().bind() takes to
  /// fix the trained weights).
  std::vector<double> weight_values() const;

  QuantumLayerOptions options;

  /// Binding of symbols, shared with the autograd function.
  using Binding = sim::LayerBinding;

 private:
  std::shared_ptr<const Circuit> ir_;
  std::shared_ptr<sim::BatchCircuit> circuit_;
  std::shared_ptr<sim::NoisyBatchCircuit> noisy_;
  /// Readout error per output bit (LayerNoise::readout_error): for each
  /// logical qubit read, p(1|0) and p(0|1); empty: none.
  std::vector<sim::ReadoutError> readout_errors_;
  std::vector<uint32_t> data_symbols_;
  std::vector<std::string> weight_names_;
  std::vector<torch::Tensor> weights_;
  std::shared_ptr<Binding> binding_;
  uint64_t calls_ = 0;
};

TORCH_MODULE(QuantumLayer);

}  // namespace qforge
