// models/src/device_layer.hpp - a hybrid model's quantum layer compiled for
// the device of a noise model (`qforge train --noise`): the layer's circuit
// is compiled at -O<kDeviceLevel> with noise::compile_for_device (its inputs,
// the data x and the weights theta, stay symbolic), its noise attached with
// noise::attach_noise, and logical qubit q read from the compact qubit that
// holds it at the end (final layout, then NoisyCircuit::physical), with the
// device's readout error applied to the measured distribution.
//
// Amplitude embedding (hybrid-cnn) on a device: the embedded state becomes a
// state-preparation circuit in front of the layer's circuit, with the same
// structure for every sample (real_state_preparation_template, stateprep.hpp:
// every uniformly controlled RY and CX kept), its 2^n - 1 angles a data input
// (kStatePrepInput) that the quantum head computes from the features with
// state_preparation_angles, a differentiable torch function, so autograd
// chains the adjoint's angle gradients back to the features. The whole
// circuit is then compiled for the device like any layer.
// Internal to the models library.
#pragma once

#include "qforge/noise_model.hpp"
#include "qforge/device_compile.hpp"
#include "qforge/torch/quantum_layer.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace qforge::models {

/// -O2: the same placement and predicted fidelity as -O1 on the lean circuit,
/// with fewer physical gates (single-qubit runs resynthesised: 56 operations
/// instead of 65 on ibm_fez), hence fewer noisy sx gates; inputs stay symbolic.
constexpr int kDeviceLevel = 2;

/// The data input of an amplitude-embedding layer's state-preparation angles.
constexpr const char* kStatePrepInput = "stateprep_angles";

/// One device qubit the layer uses, with its calibration (the error budget).
struct BudgetQubit {
  uint32_t device = 0;
  int logical_initial = -1, logical_final = -1;  ///< logical qubit placed there; -1: none
  std::optional<double> t1, t2;                  ///< seconds; absent: not reported (infinite)
  double p1_given_0 = 0, p0_given_1 = 0;         ///< readout
  double readout_error = 0;                      ///< their mean
  std::string gate_1q;                           ///< the 1q gate whose error is given ("sx")
  double gate_1q_error = 0;
  int gates_1q = 0;                              ///< noisy 1q gates (not rz) on it
};
/// One two-qubit gate the layer uses on a coupler, with its calibration.
struct BudgetCoupler {
  std::string gate;
  std::vector<unsigned> qubits;                  ///< device qubits, as the gate is applied
  double error = 0, length = 0;
  int count = 0;                                 ///< uses in the compiled circuit
};

struct DeviceLayer {
  std::string noise_path;   ///< the model file
  std::string noise_hash;   ///< content_hash of its bytes
  std::string device;       ///< its backend name
  bool idle_noise = true;
  std::vector<uint32_t> initial_layout, final_layout;  ///< logical -> device qubit
  noise::FidelityEstimate predicted;
  std::string summary;      ///< noise::fidelity_summary
  std::vector<BudgetQubit> qubits;      ///< the used device qubits, ascending
  std::vector<BudgetCoupler> couplers;  ///< the two-qubit gates used, by (gate, qubits)
  std::shared_ptr<const LayerNoise> noise;
  /// Amplitude embedding: the layer's circuit with its state-preparation
  /// prefix (OpenQASM 3 text; the QuantumLayer's circuit). Empty otherwise.
  std::string layer_qasm;
};

/// Compile the circuit file at `circuit_path` for the device of the noise
/// model at `noise_path` (with `amplitude_embedding`, its initial state as a
/// state-preparation prefix, see above). Throws std::runtime_error naming the
/// file and what is wrong.
std::shared_ptr<const DeviceLayer> compile_device_layer(const std::string& circuit_path,
                                                        const std::string& noise_path, bool idle_noise,
                                                        bool amplitude_embedding = false);

/// The angles of real_state_preparation_template (in its symbol order) that
/// prepare amplitudes / |amplitudes| for each row of amplitudes [B, 2^n]:
/// [B, 2^n - 1], differentiable. Where a whole subtree of amplitudes is
/// exactly zero (features dropped out) its angle is 0 and its norm gets a
/// zero gradient instead of NaN (the state does not depend on them there).
torch::Tensor state_preparation_angles(const torch::Tensor& amplitudes);

/// 16 hex digits: FNV-1a (64 bit) of the file's bytes.
std::string content_hash(const std::string& path);
/// "44,45,37,25".
std::string layout_text(const std::vector<uint32_t>& layout);
/// The device part of a run's metadata (device.json): device, noise model
/// path and hash, idle noise, level, layouts, predicted fidelity and factors,
/// and the error budget of the layout ("qubits": device, logical_initial,
/// logical_final, t1_s, t2_s (null: infinite), p1_given_0, p0_given_1,
/// readout_error, gate_1q, gate_1q_error, gates_1q; "couplers": gate,
/// qubits, error, length_s, count).
std::string device_json(const DeviceLayer& d);

}  // namespace qforge::models
