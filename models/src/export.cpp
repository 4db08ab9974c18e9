// `qforge export` (export.hpp): bind a hybrid checkpoint's trained circuit,
// optionally one test sample's data, compile it for a target and emit it.
#include "qforge/models/export.hpp"

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
namespace {

using files::is_file;

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

/// The circuit the run trained: the run folder's copy first.
std::string find_circuit(const std::string& checkpoint, const TrainConfig& c) {
  std::string run = dir_of(checkpoint) + "/circuit.qasm";
  if (is_file(run)) return run;
  // A recorded --circuit that is gone falls back to the model's default file.
  TrainConfig search = c;
  if (!is_file(search.circuit)) search.circuit.clear();
  return find_circuit_file(search);
}

torch::Tensor param(const torch::OrderedDict<std::string, torch::Tensor>& P, const std::string& k) {
  const torch::Tensor* t = P.find(k);
  if (!t) throw std::runtime_error("checkpoint model has no parameter '" + k + "'");
  return *t;
}

}  // namespace

ExportResult export_checkpoint(const ExportOptions& o) {
  if (o.emit != "qasm3" && o.emit != "qasm2")
    throw std::invalid_argument("--emit must be qasm3 or qasm2, got '" + o.emit + "'");
  if (o.level < 0 || o.level > 3)
    throw std::invalid_argument("-O takes 0, 1, 2 or 3, got " + std::to_string(o.level));
  make_target(o.target, o.coupling_map);  // validate before the expensive part

  // Checkpoint header and model.
  torch::serialize::InputArchive ar;
  if (!is_file(o.checkpoint)) throw std::runtime_error("no checkpoint '" + o.checkpoint + "'");
  try {
    ar.load_from(o.checkpoint);
  } catch (const c10::Error& e) {
    throw std::runtime_error("'" + o.checkpoint + "' is not a qforge checkpoint (" +
                             std::string(e.what_without_backtrace()) + ")");
  }
  TrainConfig cfg;
  {
    torch::Tensor t;
    ar.read("config", t);
    std::string text(reinterpret_cast<const char*>(t.data_ptr<int8_t>()), std::size_t(t.numel()));
    apply_config_text(cfg, text, "checkpoint config");
  }
  if (!o.data_dir.empty()) cfg.data_dir = o.data_dir;
  if (!is_hybrid(cfg.model))
    throw std::invalid_argument("model '" + cfg.model + "' has no quantum layer to export");
  const bool amplitude = cfg.model == "hybrid-cnn";
  if (amplitude && o.sample < 0)
    throw std::invalid_argument("model '" + cfg.model +
                                "' embeds its data as the initial state: --sample is required");

  // The test split exactly as training drew it.
  const ImageSet test = test_split(cfg).images;
  const int C = int(test.class_names.size());

  const ModelSpec spec = model_spec(cfg, test, C, find_circuit(o.checkpoint, cfg));
  Classifier model(spec);
  {
    torch::serialize::InputArchive mar;
    ar.read("model", mar);
    model->load(mar);
  }
  model->eval();
  torch::NoGradGuard no_grad;

  ExportResult r;
  r.model = cfg.model;
  DiagnosticSink diags;
  Circuit circuit = compile_file(spec.circuit_path, CompileOptions{}, diags);
  if (diags.has_errors())
    throw std::runtime_error("cannot load circuit '" + spec.circuit_path + "':\n" + diags.format());
  const uint32_t n = circuit.num_qubits;
  std::shared_ptr<QuantumHead> head;
  for (const auto& child : model->named_children())
    if (child.key() == "quantum") head = std::dynamic_pointer_cast<QuantumHead>(child.value());
  if (!head) throw std::runtime_error("checkpoint model has no quantum layer");

  // Weights: the layer's parameters by input name (qforge::QuantumLayer), or
  // one flat vector in symbol order (the reference head).
  const std::string data_input = amplitude ? "" : "x";
  auto QP = head->named_parameters(true);
  std::vector<double> values(circuit.num_symbols(), std::numeric_limits<double>::quiet_NaN());
  std::vector<double> flat;
  std::size_t flat_pos = 0;
  if (const torch::Tensor* w = QP.find("weights")) {
    auto t = w->detach().to(torch::kFloat64).contiguous().view(-1);
    flat.assign(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
  }
  for (const auto& in : circuit.inputs) {
    if (in.name == data_input) continue;
    torch::Tensor t;
    for (const auto& p : QP)
      if (p.key() == in.name || (p.key().size() > in.name.size() &&
                                 p.key().compare(p.key().size() - in.name.size() - 1, std::string::npos,
                                                 "." + in.name) == 0))
        t = p.value();
    std::vector<double> v;
    if (t.defined()) {
      auto d = t.detach().to(torch::kFloat64).contiguous().view(-1);
      v.assign(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
    } else if (flat_pos + in.size() <= flat.size()) {
      v.assign(flat.begin() + long(flat_pos), flat.begin() + long(flat_pos + in.size()));
      flat_pos += in.size();
    }
    if (v.size() != in.size())
      throw std::runtime_error("no trained values for input '" + in.name + "' in the checkpoint");
    for (uint32_t i = 0; i < in.size(); ++i) values[in.first_symbol + i] = v[i];
    r.weights.insert(r.weights.end(), v.begin(), v.end());
  }

  // The sample: the trunk, as ClassifierImpl::forward runs it (eval mode).
  std::vector<cplx> amplitudes;
  if (o.sample >= 0) {
    if (std::size_t(o.sample) >= test.size())
      throw std::invalid_argument("--sample " + std::to_string(o.sample) + " is out of range: the test split has " +
                                  std::to_string(test.size()) + " images");
    r.label = test.labels[std::size_t(o.sample)];
    auto pixels = torch::from_blob(const_cast<uint8_t*>(test.image(std::size_t(o.sample))),
                                   {1, test.channels, test.height, test.width}, torch::kUInt8)
                      .to(torch::kFloat32) / 255.0;
    auto P = model->named_parameters(true);
    auto B = model->named_buffers(true);
    auto x = (pixels - *B.find("mean")) / *B.find("std");
    x = torch::max_pool2d(torch::relu(torch::conv2d(x, param(P, "conv1.weight"), param(P, "conv1.bias"))), 2);
    x = torch::max_pool2d(torch::relu(torch::conv2d(x, param(P, "conv2.weight"), param(P, "conv2.bias"))), 2);
    x = torch::adaptive_avg_pool2d(x, {4, 4}).flatten(1);
    x = torch::linear(x, param(P, "fc1.weight"), param(P, "fc1.bias"));
    auto out = head->forward(x).to(torch::kFloat64).contiguous().view(-1);
    r.layer_output.assign(out.data_ptr<double>(), out.data_ptr<double>() + out.numel());
    auto xd = x.to(torch::kFloat64).contiguous().view(-1);
    r.data.assign(xd.data_ptr<double>(), xd.data_ptr<double>() + xd.numel());
    // Cross-check the replicated trunk against the model's own forward.
    auto logp = model->forward(pixels).to(torch::kFloat64);
    torch::Tensor mine;
    auto lo = out.view({1, -1});
    if (amplitude) {
      mine = torch::log_softmax(torch::linear(lo, param(P, "fc2.weight").to(torch::kFloat64),
                                              param(P, "fc2.bias").to(torch::kFloat64)), 1);
      r.layer_z = r.layer_output;
    } else {
      const int64_t N = lo.size(1);
      auto idx = torch::arange(N, torch::kLong).remainder(C);
      auto cls = torch::zeros({1, C}, lo.options()).index_add(1, idx, lo);
      mine = torch::log(cls.clamp_min(1e-9));
      r.layer_z.assign(n, 0.0);
      for (std::size_t i = 0; i < r.layer_output.size(); ++i)
        for (uint32_t q = 0; q < n; ++q) r.layer_z[q] += (i >> q & 1) ? -r.layer_output[i] : r.layer_output[i];
    }
    if ((mine - logp).abs().max().item<double>() > 1e-4)
      throw std::logic_error("export: the replicated CNN trunk disagrees with the model's forward pass");
    if (amplitude) {
      if (r.data.size() != (std::size_t(1) << n))
        throw std::runtime_error("the trunk gives " + std::to_string(r.data.size()) + " amplitudes for " +
                                 std::to_string(n) + " qubits");
      double nn = 0;
      for (double v : r.data) nn += v * v;
      if (!(nn > 0)) throw std::runtime_error("sample " + std::to_string(o.sample) + " embeds the zero vector");
      for (double v : r.data) amplitudes.emplace_back(v / std::sqrt(nn), 0.0);
    } else {
      int64_t sym = -1;
      for (const auto& in : circuit.inputs)
        if (in.name == data_input) {
          if (in.size() != r.data.size())
            throw std::runtime_error("data input '" + data_input + "' takes " + std::to_string(in.size()) +
                                     " values, the trunk gives " + std::to_string(r.data.size()));
          sym = in.first_symbol;
        }
      if (sym < 0) throw std::runtime_error("circuit has no data input '" + data_input + "'");
      for (std::size_t i = 0; i < r.data.size(); ++i) values[std::size_t(sym) + i] = r.data[i];
    }
  }

  // Bind, prepend the state preparation, drop any measurement of the source.
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
  for (const auto& op : bound.ops)
    if (op.kind == OpKind::Gate || op.kind == OpKind::Barrier) logical.ops.push_back(op);
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
