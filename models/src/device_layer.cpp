// A hybrid layer compiled for a noisy device (device_layer.hpp).
#include "device_layer.hpp"

#include "files.hpp"
#include "qforge/emit.hpp"
#include "qforge/frontend.hpp"
#include "qforge/stateprep.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <tuple>

namespace qforge::models {

std::string content_hash(const std::string& path) {
  const std::string bytes = files::read_text(path);
  uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : bytes) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string layout_text(const std::vector<uint32_t>& layout) {
  std::string s;
  for (std::size_t i = 0; i < layout.size(); ++i) s += (i ? "," : "") + std::to_string(layout[i]);
  return s;
}

namespace {

/// 2 atan2(y, x), and 0 with zero gradients where x = y = 0.
torch::Tensor half_angle(const torch::Tensor& y, const torch::Tensor& x) {
  const auto zero = (x == 0).logical_and(y == 0);
  return 2 * torch::atan2(torch::where(zero, torch::zeros_like(y), y), torch::where(zero, torch::ones_like(x), x));
}

/// sqrt(s) with a zero gradient at s = 0.
torch::Tensor safe_sqrt(const torch::Tensor& s) {
  const auto zero = s == 0;
  return torch::where(zero, torch::zeros_like(s), torch::sqrt(torch::where(zero, torch::ones_like(s), s)));
}

/// `c` with its amplitude embedding as a state-preparation prefix whose
/// angles are the new input kStatePrepInput (after c's inputs), as
/// OpenQASM 3 text.
std::string with_state_preparation(const Circuit& c, const std::string& circuit_path) {
  if (c.find_symbol(std::string(kStatePrepInput) + "[0]") >= 0 || c.find_symbol(kStatePrepInput) >= 0)
    throw std::runtime_error("'" + circuit_path + "' declares an input named " + kStatePrepInput +
                             ", which the state preparation of its amplitude embedding needs");
  Circuit out = c;
  InputDecl in;
  in.name = kStatePrepInput;
  in.type = "float[64]";
  in.shape = {(uint32_t(1) << c.num_qubits) - 1};
  in.first_symbol = c.num_symbols();
  out.inputs.push_back(in);
  out.ops = real_state_preparation_template(c.num_qubits, in.first_symbol);
  out.ops.insert(out.ops.end(), c.ops.begin(), c.ops.end());
  fill_missing_locations(out);
  return emit_qasm3(out);
}

}  // namespace

torch::Tensor state_preparation_angles(const torch::Tensor& a) {
  const int64_t B = a.size(0), N = a.size(1);
  int n = 0;
  while ((int64_t(1) << n) < N) ++n;
  std::vector<torch::Tensor> levels;
  for (int t = n - 1; t >= 0; --t) {
    // Index p 2^(t+1) + b 2^t + j: prefix p, bit t = b, the leaves j below.
    const auto v = a.reshape({B, int64_t(1) << (n - 1 - t), 2, int64_t(1) << t});
    if (t == 0) {
      levels.push_back(half_angle(v.select(2, 1).select(2, 0), v.select(2, 0).select(2, 0)));
    } else {
      const auto sq = v.pow(2).sum(-1);
      levels.push_back(half_angle(safe_sqrt(sq.select(2, 1)), safe_sqrt(sq.select(2, 0))));
    }
  }
  return torch::cat(levels, 1);
}

std::shared_ptr<const DeviceLayer> compile_device_layer(const std::string& circuit_path,
                                                        const std::string& noise_path, bool idle_noise,
                                                        bool amplitude_embedding) {
  DiagnosticSink diags;
  Circuit c = compile_file(circuit_path, CompileOptions{}, diags);
  if (diags.has_errors()) throw std::runtime_error("cannot load circuit '" + circuit_path + "':\n" + diags.format());
  std::string layer_qasm;
  if (amplitude_embedding) {
    layer_qasm = with_state_preparation(c, circuit_path);
    c = compile_source(layer_qasm, circuit_path, CompileOptions{}, diags);
    if (diags.has_errors())
      throw std::runtime_error("the state preparation of '" + circuit_path + "' does not compile:\n" + diags.format());
  }
  noise::NoiseModel model;
  try {
    model = noise::read_noise_model(noise_path);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot read noise model '" + noise_path + "': " + e.what());
  }
  auto d = std::make_shared<DeviceLayer>();
  d->noise_path = noise_path;
  d->noise_hash = content_hash(noise_path);
  d->device = model.backend_name;
  d->idle_noise = idle_noise;
  d->layer_qasm = std::move(layer_qasm);
  noise::DeviceCompileResult r;
  auto nc = std::make_shared<sim::NoisyCircuit>();
  try {
    r = noise::compile_for_device(c, kDeviceLevel, model);
    *nc = noise::attach_noise(r.compiled.circuit, model, noise::NoiseOptions{idle_noise});
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot compile '" + circuit_path + "' for the device of '" + noise_path +
                             "': " + e.what());
  }
  d->initial_layout = r.compiled.initial_layout;
  d->final_layout = r.compiled.final_layout;
  d->predicted = r.predicted;
  d->summary = noise::fidelity_summary(r);
  // The error budget: the calibration of every device qubit and coupler the
  // compiled circuit uses.
  for (uint32_t dev : nc->physical) {
    BudgetQubit b;
    b.device = dev;
    for (std::size_t q = 0; q < d->initial_layout.size(); ++q)
      if (d->initial_layout[q] == dev) b.logical_initial = int(q);
    for (std::size_t q = 0; q < d->final_layout.size(); ++q)
      if (d->final_layout[q] == dev) b.logical_final = int(q);
    if (dev < model.qubits.size()) {
      const noise::QubitNoise& qn = model.qubits[dev];
      b.t1 = qn.t1;
      b.t2 = qn.t2;
      b.p1_given_0 = qn.p1_given_0;
      b.p0_given_1 = qn.p0_given_1;
      b.readout_error = 0.5 * (qn.p1_given_0 + qn.p0_given_1);
    }
    if (const noise::GateNoise* g = model.find("sx", {dev})) {
      b.gate_1q = "sx";
      b.gate_1q_error = g->error;
    }
    d->qubits.push_back(b);
  }
  for (const Operation& op : r.compiled.circuit.ops) {
    if (!op.is_gate()) continue;
    const std::string name(gate_info(op.gate).name);
    std::vector<unsigned> qs(op.qubits.begin(), op.qubits.end());
    if (qs.size() == 1) {
      const noise::GateNoise* g = model.find(name, qs);
      if (!g || g->error <= 0) continue;  // rz: virtual
      for (auto& b : d->qubits)
        if (b.device == qs[0]) {
          ++b.gates_1q;
          if (b.gate_1q.empty()) {
            b.gate_1q = name;
            b.gate_1q_error = g->error;
          }
        }
    } else if (qs.size() == 2) {
      auto it = std::find_if(d->couplers.begin(), d->couplers.end(),
                             [&](const BudgetCoupler& k) { return k.gate == name && k.qubits == qs; });
      if (it == d->couplers.end()) {
        BudgetCoupler k;
        k.gate = name;
        k.qubits = qs;
        if (const noise::GateNoise* g = model.find(name, qs)) {
          k.error = g->error;
          k.length = g->length;
        }
        d->couplers.push_back(k);
        it = d->couplers.end() - 1;
      }
      ++it->count;
    }
  }
  std::sort(d->couplers.begin(), d->couplers.end(), [](const BudgetCoupler& a, const BudgetCoupler& b) {
    return std::tie(a.gate, a.qubits) < std::tie(b.gate, b.qubits);
  });
  auto ln = std::make_shared<LayerNoise>();
  for (uint32_t q = 0; q < c.num_qubits; ++q) {
    const uint32_t dev = q < d->final_layout.size() ? d->final_layout[q] : q;
    auto it = std::find(nc->physical.begin(), nc->physical.end(), dev);
    // A logical qubit no gate touches is not in the noisy circuit: it stays
    // |0>, which the readout cannot see; the layer needs every qubit placed.
    if (it == nc->physical.end())
      throw std::runtime_error("the device circuit of '" + circuit_path + "' does not use logical qubit " +
                               std::to_string(q) + " (device qubit " + std::to_string(dev) + ")");
    ln->qubit_map.push_back(unsigned(it - nc->physical.begin()));
  }
  ln->readout_error = true;  // the classifier's outputs are measured bits
  ln->circuit = std::move(nc);
  d->noise = std::move(ln);
  return d;
}

std::string device_json(const DeviceLayer& d) {
  nlohmann::ordered_json j = {{"device", d.device},
                              {"noise_model", d.noise_path},
                              {"noise_model_hash", d.noise_hash},
                              {"idle_noise", d.idle_noise},
                              {"readout_error", d.noise && d.noise->readout_error},
                              {"level", kDeviceLevel},
                              {"initial_layout", d.initial_layout},
                              {"final_layout", d.final_layout},
                              {"predicted_fidelity", d.predicted.fidelity},
                              {"gates", d.predicted.gates},
                              {"readout", d.predicted.readout},
                              {"decoherence", d.predicted.decoherence},
                              {"duration_s", d.predicted.duration}};
  auto qubits = nlohmann::ordered_json::array();
  for (const auto& b : d.qubits) {
    nlohmann::ordered_json q = {{"device", b.device},
                                {"logical_initial", b.logical_initial},
                                {"logical_final", b.logical_final},
                                {"t1_s", nullptr},
                                {"t2_s", nullptr},
                                {"p1_given_0", b.p1_given_0},
                                {"p0_given_1", b.p0_given_1},
                                {"readout_error", b.readout_error},
                                {"gate_1q", b.gate_1q},
                                {"gate_1q_error", b.gate_1q_error},
                                {"gates_1q", b.gates_1q}};
    if (b.t1) q["t1_s"] = *b.t1;
    if (b.t2) q["t2_s"] = *b.t2;
    qubits.push_back(std::move(q));
  }
  auto couplers = nlohmann::ordered_json::array();
  for (const auto& k : d.couplers)
    couplers.push_back({{"gate", k.gate}, {"qubits", k.qubits}, {"error", k.error}, {"length_s", k.length},
                        {"count", k.count}});
  j["budget"] = {{"qubits", std::move(qubits)}, {"couplers", std::move(couplers)}};
  return j.dump(2) + "\n";
}

}  // namespace qforge::models
