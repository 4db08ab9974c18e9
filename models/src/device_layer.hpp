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
#include <string>
#include <vector>

namespace qforge::models {

/// -O2: the same placement and predicted fidelity as -O1 on the lean circuit,
/// with fewer physical gates (single-qubit runs resynthesised: 56 operations
/// instead of 65 on ibm_fez), hence fewer noisy sx gates; inputs stay symbolic.
constexpr int kDeviceLevel = 2;

struct DeviceLayer {
  std::string noise_path;   ///< the model file
  std::string noise_hash;   ///< content_hash of its bytes
  std::string device;       ///< its backend name
  bool idle_noise = true;
  std::vector<uint32_t> initial_layout, final_layout;  ///< logical -> device qubit
  noise::FidelityEstimate predicted;
  std::string summary;      ///< noise::fidelity_summary
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
/// path and hash, idle noise, level, layouts, predicted fidelity and factors.
std::string device_json(const DeviceLayer& d);

}  // namespace qforge::models
