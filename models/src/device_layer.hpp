// models/src/device_layer.hpp - a hybrid model's quantum layer compiled for
// the device of a noise model (`qforge train --noise`): the layer's circuit
// is compiled at -O<kDeviceLevel> with noise::compile_for_device (its inputs,
// the data x and the weights theta, stay symbolic), its noise attached with
// noise::attach_noise, and logical qubit q read from the compact qubit that
// holds it at the end (final layout, then NoisyCircuit::physical), with the
// device's readout error applied to the measured distribution.
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
};

/// Compile the circuit file at `circuit_path` for the device of the noise
/// model at `noise_path`. Throws std::runtime_error naming the file and what
/// is wrong.
std::shared_ptr<const DeviceLayer> compile_device_layer(const std::string& circuit_path,
                                                        const std::string& noise_path, bool idle_noise);

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
