// `qforge export` (export.hpp): bind a hybrid checkpoint's trained circuit,
// optionally one test sample's data, compile it for a target and emit it.
#include "qforge/models/export.hpp"

#include "checkpoint.hpp"
#include "device_layer.hpp"
#include "files.hpp"
#include "quantum_head.hpp"

#include "qforge/emit.hpp"
#include "qforge/frontend.hpp"
#include "qforge/models/datasets.hpp"
#include "qforge/models/networks.hpp"
#include "qforge/models/training.hpp"
#include "qforge/stateprep.hpp"

#include <cmath>
#include <fstream>
#include <limits>
#include <stdexcept>

namespace qforge::models {

ExportResult export_checkpoint(const ExportOptions& o) {
  if (o.emit != "qasm3" && o.emit != "qasm2")
    throw std::invalid_argument("--emit must be qasm3 or qasm2, got '" + o.emit + "'");
  if (o.level < 0 || o.level > 3)
    throw std::invalid_argument("-O takes 0, 1, 2 or 3, got " + std::to_string(o.level));
  make_target(o.target, o.coupling_map);  // validate before the expensive part

  Checkpoint k = read_checkpoint(o.checkpoint);
  TrainConfig cfg = k.config;
  if (!o.data_dir.empty()) cfg.data_dir = o.data_dir;
  if (!is_hybrid(cfg.model))
    throw std::invalid_argument("model '" + cfg.model + "' has no quantum layer to export");

  // The test split exactly as training drew it, and the trained model.
  const ImageSet test = test_split(cfg).images;
  const int C = int(test.class_names.size());
  Classifier model = k.model(model_spec(cfg, test, C, run_circuit_file(files::parent_dir(o.checkpoint), cfg)));
  torch::NoGradGuard no_grad;
  const QuantumHead& head = *model->quantum();
  const QuantumHeadSpec& qs = head.spec();
  // A device layer's circuit prepares the embedded state itself from angles
  // (device_layer.hpp): the sample binds them like data.
  const bool prepared = qs.amplitude_embedding && !qs.data_input.empty();
  const bool amplitude = qs.amplitude_embedding && !prepared;
  if (qs.amplitude_embedding && o.sample < 0)
    throw std::invalid_argument("model '" + cfg.model +
                                "' embeds its data as the initial state: --sample is required");

  ExportResult r;
  r.model = cfg.model;
  const Circuit& circuit = head.circuit();
  const uint32_t n = circuit.num_qubits;

  // The trained weights, in symbol order.
  std::vector<double> values = head.weight_values();
  for (const auto& in : circuit.inputs)
    if (in.name != qs.data_input)
      for (uint32_t i = 0; i < in.size(); ++i) r.weights.push_back(values[in.first_symbol + i]);

  // The sample: the model's own features (the quantum layer's input, eval mode).
  std::vector<cplx> amplitudes;
  if (o.sample >= 0) {
    if (std::size_t(o.sample) >= test.size())
      throw std::invalid_argument("--sample " + std::to_string(o.sample) + " is out of range: the test split has " +
                                  std::to_string(test.size()) + " images");
    r.label = test.labels[std::size_t(o.sample)];
    auto pixels = torch::from_blob(const_cast<uint8_t*>(test.image(std::size_t(o.sample))),
                                   {1, test.channels, test.height, test.width}, torch::kUInt8)
                      .to(torch::kFloat32) / 255.0;
    auto x = model->features(pixels);
    auto out = model->quantum()->forward(x).to(torch::kFloat64).contiguous().view(-1);
    r.layer_output.assign(out.data_ptr<double>(), out.data_ptr<double>() + out.numel());
    auto xd = x.to(torch::kFloat64).contiguous().view(-1);
    r.data.assign(xd.data_ptr<double>(), xd.data_ptr<double>() + xd.numel());
    if (qs.readout == QuantumReadout::ExpectationZ) {
      r.layer_z = r.layer_output;
    } else {
      r.layer_z.assign(n, 0.0);
      for (std::size_t i = 0; i < r.layer_output.size(); ++i)
        for (uint32_t q = 0; q < n; ++q) r.layer_z[q] += (i >> q & 1) ? -r.layer_output[i] : r.layer_output[i];
    }
    if (amplitude) {
      if (r.data.size() != (std::size_t(1) << n))
        throw std::runtime_error("the model gives " + std::to_string(r.data.size()) + " amplitudes for " +
                                 std::to_string(n) + " qubits");
      double nn = 0;
      for (double v : r.data) nn += v * v;
      if (!(nn > 0)) throw std::runtime_error("sample " + std::to_string(o.sample) + " embeds the zero vector");
      for (double v : r.data) amplitudes.emplace_back(v / std::sqrt(nn), 0.0);
    } else {
      std::vector<double> data = r.data;
      if (prepared) {
        auto a = state_preparation_angles(x.to(torch::kFloat64)).contiguous().view(-1);
        data.assign(a.data_ptr<double>(), a.data_ptr<double>() + a.numel());
      }
      int64_t sym = -1;
      for (const auto& in : circuit.inputs)
        if (in.name == qs.data_input) {
          if (in.size() != data.size())
            throw std::runtime_error("data input '" + qs.data_input + "' takes " + std::to_string(in.size()) +
                                     " values, the model gives " + std::to_string(data.size()));
          sym = in.first_symbol;
        }
      if (sym < 0) throw std::runtime_error("circuit has no data input '" + qs.data_input + "'");
      for (std::size_t i = 0; i < data.size(); ++i) values[std::size_t(sym) + i] = data[i];
    }
  }

  // Bind, prepend the state preparation, drop any measurement of the source
  // (run-time classical logic and conditions are refused: dropping the
  // measurements they read would change the circuit).
  Circuit bound = circuit.bind(values);
  Circuit logical = bound;
  logical.ops.clear();
  logical.num_clbits = 0;
  logical.cregs.clear();
  if (amplitude) {
    double phase = 0;
    logical.ops = state_preparation_ops(amplitudes, phase);
    logical.global_phase = logical.global_phase + Expr(phase);
  }
  for (const auto& op : bound.ops) {
    if (op.is_classical() || !op.conditions.empty())
      throw error_at(op, "the circuit to export has " + std::string(op.is_classical() ? "" : "a conditioned ") +
                             op_name(op) + ": a model's circuit is exported as gates measured at the end");
    if (op.kind == OpKind::Gate || op.kind == OpKind::Barrier) logical.ops.push_back(op);
  }
  r.logical = logical;

  r.compiled = run_pipeline(logical, o.level, o.target, o.coupling_map);
  Circuit& out = r.compiled.circuit;
  for (uint32_t i = 0; i < n; ++i)
    r.measured.push_back(r.compiled.final_layout.empty() ? i : r.compiled.final_layout[i]);
  if (!out.physical_qubits) {
    out.physical_qubits = true;  // hardware jobs address physical qubits $n
    out.qregs.clear();
  }
  out.num_clbits = n;
  out.cregs = {Register{"c", 0, n, true}};
  Operation bar;
  bar.kind = OpKind::Barrier;
  bar.qubits = r.measured;
  out.ops.push_back(bar);
  for (uint32_t i = 0; i < n; ++i) {
    Operation m;
    m.kind = OpKind::Measure;
    m.qubits = {r.measured[i]};
    m.clbits = {i};
    out.ops.push_back(m);
  }
  if (auto err = out.verify(); !err.empty()) throw std::logic_error("export produced invalid IR: " + err);

  if (o.emit == "qasm3") {
    EmitOptions eo;
    eo.global_phase = false;
    r.text = emit_qasm3(out, eo);
  } else {
    r.text = emit_qasm2(out);
  }
  if (std::string lc = layout_comment(r.compiled); !lc.empty()) {
    std::size_t eol = r.text.find('\n');
    r.text.insert(eol == std::string::npos ? r.text.size() : eol + 1, lc + "\n");
  }
  return r;
}

}  // namespace qforge::models
