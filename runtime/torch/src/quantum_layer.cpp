// quantum_layer.cpp - QuantumLayer and its autograd function.
//
// The function's forward packs the per-sample symbol matrix (data columns and
// broadcast weights), calls BatchCircuit::forward and keeps the final states
// as the tape; its backward calls BatchCircuit::backward (the runtime's
// adjoint or parameter-shift vector-Jacobian product) and scatters the
// symbol gradients back to the data columns (per sample) and the weights
// (summed over the batch). All numerics live in the runtime. With noise the
// same packing feeds sim::NoisyBatchCircuit, whose tape is the final density
// matrices and the adjoint's checkpoints.
#include "qforge/torch/quantum_layer.hpp"

#include "qforge/frontend.hpp"

#include <torch/autograd.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace qforge {

using sim::BatchCircuit;
using sim::NoisyBatchCircuit;
using sim::Span;

namespace {
uint64_t remap_mask(uint64_t mask, const std::vector<unsigned>& map) {
  uint64_t out = 0;
  for (unsigned q = 0; mask; ++q, mask >>= 1)
    if (mask & 1) {
      if (q >= map.size())
        throw std::invalid_argument("remap_readout: logical qubit " + std::to_string(q) + " has no device qubit.");
      out |= uint64_t(1) << map[q];
    }
  return out;
}
}  // namespace

sim::Readout remap_readout(const sim::Readout& r, const std::vector<unsigned>& map, unsigned logical_qubits) {
  if (map.size() < logical_qubits)
    throw std::invalid_argument("remap_readout: " + std::to_string(map.size()) + " qubits mapped, the circuit has " +
                                std::to_string(logical_qubits) + ".");
  switch (r.kind) {
    case sim::ReadoutKind::ExpectationZ: {
      std::vector<sim::Observable> obs;
      for (unsigned q = 0; q < logical_qubits; ++q) {
        sim::PauliTerm t;
        t.z_mask = uint64_t(1) << map[q];
        obs.push_back({{t}, "Z" + std::to_string(map[q])});
      }
      return sim::Readout::from_observables(std::move(obs));
    }
    case sim::ReadoutKind::Observables: {
      std::vector<sim::Observable> obs = r.observables;
      for (auto& o : obs)
        for (auto& t : o.terms) {
          t.x_mask = remap_mask(t.x_mask, map);
          t.y_mask = remap_mask(t.y_mask, map);
          t.z_mask = remap_mask(t.z_mask, map);
        }
      return sim::Readout::from_observables(std::move(obs));
    }
    case sim::ReadoutKind::Probabilities:
      return sim::Readout::marginals(std::vector<unsigned>(map.begin(), map.begin() + logical_qubits));
    case sim::ReadoutKind::Marginals: {
      std::vector<unsigned> qs;
      for (unsigned q : r.qubits) {
        if (q >= map.size())
          throw std::invalid_argument("remap_readout: logical qubit " + std::to_string(q) + " has no device qubit.");
        qs.push_back(map[q]);
      }
      return sim::Readout::marginals(std::move(qs));
    }
  }
  return r;
}

QuantumLayerOptions::QuantumLayerOptions(std::string circuit) : circuit_(std::move(circuit)) {}

namespace {

/// What backward needs besides the incoming gradient.
struct Tape : torch::CustomClassHolder {
  std::shared_ptr<const BatchCircuit> circuit;
  std::shared_ptr<const NoisyBatchCircuit> noisy;  ///< set: the noisy engine runs
  std::shared_ptr<const QuantumLayerImpl::Binding> binding;
  sim::GradientMethod method = sim::GradientMethod::Adjoint;
  sim::ShotOptions shots;
  torch::Tensor symbols;   ///< [B, num_symbols]
  torch::Tensor features;  ///< [B, num_features] (undefined without)
  torch::Tensor states;    ///< [B, 2^n, 2]; noisy: [B, tape_size(), 2]
  std::vector<std::vector<int64_t>> weight_shapes;
};

template <typename FP>
void pack_symbols(const BatchCircuit& bc, const QuantumLayerImpl::Binding& bind, const torch::Tensor& x,
                  const std::vector<torch::Tensor>& weights, torch::Tensor& symbols) {
  std::vector<const FP*> w;
  for (const auto& t : weights) w.push_back(t.data_ptr<FP>());
  bind.pack<FP>(std::size_t(x.size(0)), bc.num_symbols(), x.data_ptr<FP>(), std::size_t(x.size(1)), w,
                symbols.data_ptr<FP>());
}

template <typename FP>
torch::Tensor run_forward(const BatchCircuit& bc, const NoisyBatchCircuit* noisy,
                          const QuantumLayerImpl::Binding& bind, const torch::Tensor& x,
                          const std::vector<torch::Tensor>& weights, const sim::ShotOptions& shots, Tape* tape) {
  const int64_t B = x.size(0), nd = int64_t(bind.data_symbols.size()), nf = int64_t(bc.num_features());
  const std::size_t per_sample = noisy ? noisy->tape_size() : bc.state_size();
  auto opts = x.options();
  torch::Tensor symbols = torch::empty({B, int64_t(bc.num_symbols())}, opts);
  pack_symbols<FP>(bc, bind, x, weights, symbols);
  torch::Tensor features;
  if (nf) features = x.narrow(1, nd, nf).contiguous();
  torch::Tensor out = torch::empty({B, int64_t(bc.num_outputs())}, opts);
  torch::Tensor states;
  if (tape) states = torch::empty({B, int64_t(per_sample), 2}, opts);
  const Span<const FP> sym_span(symbols.data_ptr<FP>(), std::size_t(symbols.numel()));
  const Span<const FP> feat_span =
      nf ? Span<const FP>(features.data_ptr<FP>(), std::size_t(features.numel())) : Span<const FP>();
  const Span<FP> out_span(out.data_ptr<FP>(), std::size_t(out.numel()));
  const Span<std::complex<FP>> tape_span =
      tape ? Span<std::complex<FP>>(reinterpret_cast<std::complex<FP>*>(states.data_ptr<FP>()),
                                    std::size_t(B) * per_sample)
           : Span<std::complex<FP>>();
  if (noisy)
    noisy->forward<FP>(std::size_t(B), sym_span, feat_span, out_span, tape_span);
  else
    bc.forward<FP>(std::size_t(B), sym_span, feat_span, out_span, tape_span, shots);
  if (tape) {
    tape->symbols = symbols;
    tape->features = features;
    tape->states = states;
  }
  return out;
}

template <typename FP>
torch::autograd::variable_list run_backward(const Tape& t, const torch::Tensor& grad_out, bool want_x,
                                            const std::vector<bool>& want_w) {
  const BatchCircuit& bc = *t.circuit;
  const auto& bind = *t.binding;
  const std::size_t per_sample = t.noisy ? t.noisy->tape_size() : bc.state_size();
  const int64_t B = t.symbols.size(0), S = int64_t(bc.num_symbols()), nd = int64_t(bind.data_symbols.size()),
                nf = int64_t(bc.num_features());
  auto opts = t.symbols.options();
  torch::Tensor g = grad_out.to(opts.dtype()).contiguous();
  torch::Tensor gsym = torch::empty({B, S}, opts);
  torch::Tensor gfeat;
  if (want_x && nf) gfeat = torch::empty({B, nf}, opts);
  const Span<const FP> sym_span(t.symbols.data_ptr<FP>(), std::size_t(B * S));
  const Span<const FP> feat_span =
      nf ? Span<const FP>(t.features.data_ptr<FP>(), std::size_t(B * nf)) : Span<const FP>();
  const Span<const std::complex<FP>> tape_span(
      reinterpret_cast<const std::complex<FP>*>(t.states.data_ptr<FP>()), std::size_t(B) * per_sample);
  const Span<const FP> g_span(g.data_ptr<FP>(), std::size_t(g.numel()));
  const Span<FP> gsym_span(gsym.data_ptr<FP>(), std::size_t(B * S));
  const Span<FP> gfeat_span = gfeat.defined() ? Span<FP>(gfeat.data_ptr<FP>(), std::size_t(B * nf)) : Span<FP>();
  if (t.noisy)
    t.noisy->backward<FP>(std::size_t(B), sym_span, feat_span, tape_span, g_span, gsym_span, gfeat_span);
  else
    bc.backward<FP>(std::size_t(B), sym_span, feat_span, tape_span, g_span, gsym_span, gfeat_span, t.method, t.shots);
  const FP* gs = gsym.data_ptr<FP>();
  torch::autograd::variable_list grads;
  grads.push_back(torch::Tensor());  // the tape capsule
  torch::Tensor gx;
  if (want_x) {
    gx = torch::empty({B, nd + nf}, opts);
    bind.data_gradient<FP>(std::size_t(B), std::size_t(S), gs, std::size_t(nf),
                           gfeat.defined() ? gfeat.data_ptr<FP>() : nullptr, gx.data_ptr<FP>());
  }
  grads.push_back(gx);
  for (std::size_t i = 0; i < bind.weight_symbols.size(); ++i) {
    if (!want_w[i]) {
      grads.push_back(torch::Tensor());
      continue;
    }
    torch::Tensor gw = torch::empty(t.weight_shapes[i], opts);
    bind.weight_gradient<FP>(i, std::size_t(B), std::size_t(S), gs, gw.data_ptr<FP>());
    grads.push_back(gw);
  }
  return grads;
}

struct QuantumFunction : torch::autograd::Function<QuantumFunction> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, c10::IValue tape_capsule,
                               const torch::Tensor& x, torch::TensorList weights) {
    auto tape = tape_capsule.toCapsule();
    auto* t = static_cast<Tape*>(tape.get());
    std::vector<torch::Tensor> w(weights.begin(), weights.end());
    torch::Tensor out = x.scalar_type() == torch::kDouble
                            ? run_forward<double>(*t->circuit, t->noisy.get(), *t->binding, x, w, t->shots, t)
                            : run_forward<float>(*t->circuit, t->noisy.get(), *t->binding, x, w, t->shots, t);
    ctx->saved_data["tape"] = tape_capsule;
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    auto holder = ctx->saved_data["tape"].toCapsule();
    const Tape& t = *static_cast<const Tape*>(holder.get());
    const bool want_x = ctx->needs_input_grad(0);  // edges count variables only
    std::vector<bool> want_w;
    for (std::size_t i = 0; i < t.weight_shapes.size(); ++i) want_w.push_back(ctx->needs_input_grad(1 + i));
    return t.symbols.scalar_type() == torch::kDouble ? run_backward<double>(t, grad_outputs[0], want_x, want_w)
                                                     : run_backward<float>(t, grad_outputs[0], want_x, want_w);
  }
};

bool is_qasm_text(const std::string& src) {
  return src.find("OPENQASM") != std::string::npos || src.find('\n') != std::string::npos;
}

Circuit compile_layer_circuit(const QuantumLayerOptions& o) {
  CompileOptions co;
  co.include_dirs = o.include_dirs();
  DiagnosticSink diags;
  const std::string& src = o.circuit();
  Circuit c = is_qasm_text(src) ? compile_source(src, "<QuantumLayer>", co, diags) : compile_file(src, co, diags);
  if (diags.has_errors()) throw std::invalid_argument("QuantumLayer: the circuit does not compile:\n" + diags.format());
  return c;
}

/// `pragma qforge.initial_state amplitude(k)` in the circuit text, if any.
sim::InitialState pragma_initial_state(const QuantumLayerOptions& o) {
  std::string text = o.circuit();
  if (!is_qasm_text(text)) {
    std::ifstream in(text);
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  static const std::regex re(R"(^\s*#?pragma\s+qforge\.initial_state\s+amplitude\(\s*(\d+)\s*\))");
  std::istringstream lines(text);
  std::string line;
  std::smatch m;
  while (std::getline(lines, line))
    if (std::regex_search(line, m, re)) return sim::InitialState::amplitude(unsigned(std::stoul(m[1].str())));
  return {};
}

/// The noisy engine of a layer (see LayerNoise), after checking that the
/// options and the noisy circuit fit the layer's circuit.
std::shared_ptr<NoisyBatchCircuit> make_noisy_engine(const Circuit& c, const LayerNoise& noise,
                                                     const QuantumLayerOptions& o, sim::BatchOptions bo) {
  if (!noise.circuit) throw std::invalid_argument("QuantumLayer: the noise option has no circuit.");
  if (o.gradient() != sim::GradientMethod::Adjoint)
    throw std::invalid_argument(
        "QuantumLayer: parameter shift is not available with noise; the noisy layer differentiates the density "
        "matrix by its exact adjoint.");
  if (o.shots())
    throw std::invalid_argument(
        "QuantumLayer: shots are not available with noise; the noisy layer outputs exact density-matrix values.");
  if (bo.initial_state.mode != sim::InitialStateMode::Zero)
    throw std::invalid_argument("QuantumLayer: amplitude embedding is not available with noise.");
  const Circuit& dc = noise.circuit->circuit;
  if (dc.num_symbols() != c.num_symbols() || dc.symbol_names() != c.symbol_names())
    throw std::invalid_argument(
        "QuantumLayer: the noisy circuit's inputs differ from the layer circuit's (it must be the layer's circuit "
        "compiled with its inputs kept symbolic).");
  for (unsigned q = 0; q < c.num_qubits && q < noise.qubit_map.size(); ++q)
    if (noise.qubit_map[q] >= dc.num_qubits)
      throw std::invalid_argument("QuantumLayer: the noise qubit map sends qubit " + std::to_string(q) + " to " +
                                  std::to_string(noise.qubit_map[q]) + ", beyond the noisy circuit's " +
                                  std::to_string(dc.num_qubits) + " qubits.");
  bo.readout = remap_readout(o.readout(), noise.qubit_map, c.num_qubits);
  sim::NoisyBatchOptions no;
  no.batch = bo;
  no.checkpoint_interval = noise.checkpoint_interval ? noise.checkpoint_interval : 1;
  auto engine = std::make_shared<NoisyBatchCircuit>(*noise.circuit, no);
  if (!noise.checkpoint_interval && engine->memory_bytes(256, sim::Precision::Double) > kNoiseTapeBudget) {
    no.checkpoint_interval =
        std::max(1u, unsigned(std::ceil(std::sqrt(double(engine->num_channel_steps())))));
    engine = std::make_shared<NoisyBatchCircuit>(*noise.circuit, no);
  }
  return engine;
}

/// The readout error of each bit the readout reads (ExpectationZ: qubits
/// 0..n-1; Probabilities: 0..n-1; Marginals: its qubits), through the map.
std::vector<sim::ReadoutError> read_errors(const Circuit& c, const LayerNoise& noise, const sim::Readout& r) {
  std::vector<unsigned> logical;
  switch (r.kind) {
    case sim::ReadoutKind::ExpectationZ:
    case sim::ReadoutKind::Probabilities:
      for (unsigned q = 0; q < c.num_qubits; ++q) logical.push_back(q);
      break;
    case sim::ReadoutKind::Marginals: logical = r.qubits; break;
    case sim::ReadoutKind::Observables:
      throw std::invalid_argument(
          "QuantumLayer: readout error applies to expectation_z, probabilities and marginals readouts, not to "
          "observables.");
  }
  const auto& errors = noise.circuit->readout;
  std::vector<sim::ReadoutError> out;
  for (unsigned q : logical) {
    const unsigned k = noise.qubit_map[q];
    out.push_back(k < errors.size() ? errors[k] : sim::ReadoutError{});
  }
  return out;
}

/// `out` [B, outputs] of `kind` with each bit's readout error applied.
torch::Tensor apply_readout_errors(torch::Tensor out, sim::ReadoutKind kind,
                                   const std::vector<sim::ReadoutError>& errors) {
  const int64_t B = out.size(0);
  if (kind == sim::ReadoutKind::ExpectationZ) {
    std::vector<double> a, c;
    for (const auto& e : errors) a.push_back(1 - e.p1_given_0 - e.p0_given_1), c.push_back(e.p0_given_1 - e.p1_given_0);
    auto opts = torch::TensorOptions().dtype(torch::kFloat64);
    return out * torch::tensor(a, opts).to(out.scalar_type()) + torch::tensor(c, opts).to(out.scalar_type());
  }
  // Distribution over bits (bit i of the outcome index = errors[i]).
  for (std::size_t i = 0; i < errors.size(); ++i) {
    const auto& e = errors[i];
    // m[read][true]
    auto m = torch::tensor({1 - e.p1_given_0, e.p0_given_1, e.p1_given_0, 1 - e.p0_given_1},
                           torch::TensorOptions().dtype(torch::kFloat64))
                 .view({2, 2})
                 .to(out.scalar_type());
    const int64_t low = int64_t(1) << i, high = out.size(1) / (2 * low);
    out = torch::einsum("rt,bhtl->bhrl", {m, out.reshape({B, high, 2, low})}).reshape({B, -1});
  }
  return out;
}

}  // namespace

QuantumLayerImpl::QuantumLayerImpl(QuantumLayerOptions opts) : options(std::move(opts)) {
  ir_ = std::make_shared<const Circuit>(compile_layer_circuit(options));
  const Circuit& c = *ir_;
  if (options.threads() <= 0) options.threads(torch::get_num_threads());
  if (options.initial_state().mode == sim::InitialStateMode::Zero && options.use_pragmas())
    options.initial_state(pragma_initial_state(options));
  sim::BatchOptions bo;
  bo.readout = options.readout();
  bo.initial_state = options.initial_state();
  bo.threads = options.threads();
  circuit_ = std::make_shared<BatchCircuit>(c, bo);
  if (options.noise()) {
    noisy_ = make_noisy_engine(c, *options.noise(), options, bo);
    if (options.noise()->readout_error) readout_errors_ = read_errors(c, *options.noise(), options.readout());
  }

  auto listed = [](const std::vector<std::string>& v, const std::string& n) {
    return std::find(v.begin(), v.end(), n) != v.end();
  };
  for (const auto& n : options.data_inputs())
    if (std::none_of(c.inputs.begin(), c.inputs.end(), [&](const InputDecl& d) { return d.name == n; }))
      throw std::invalid_argument("QuantumLayer: data input '" + n + "' is not an input of the circuit.");
  for (const auto& n : options.weights())
    if (std::none_of(c.inputs.begin(), c.inputs.end(), [&](const InputDecl& d) { return d.name == n; }))
      throw std::invalid_argument("QuantumLayer: weight '" + n + "' is not an input of the circuit.");
  auto binding = std::make_shared<Binding>();
  for (const InputDecl& d : c.inputs) {
    const bool is_data = listed(options.data_inputs(), d.name);
    const bool is_weight = options.weights().empty() ? !is_data : listed(options.weights(), d.name);
    if (is_data && is_weight)
      throw std::invalid_argument("QuantumLayer: input '" + d.name + "' is both a data input and a weight.");
    if (!is_data && !is_weight)
      throw std::invalid_argument("QuantumLayer: input '" + d.name +
                                  "' is neither a data input nor a weight; list it in one of them.");
    std::vector<uint32_t> syms;
    for (uint32_t i = 0; i < d.size(); ++i) syms.push_back(d.first_symbol + i);
    if (is_data) {
      data_symbols_.insert(data_symbols_.end(), syms.begin(), syms.end());
    } else {
      std::vector<int64_t> shape(d.shape.begin(), d.shape.end());
      weights_.push_back(register_parameter(d.name, torch::empty(shape, torch::kFloat32)));
      weight_names_.push_back(d.name);
      binding->weight_symbols.push_back(std::move(syms));
    }
  }
  binding->data_symbols = data_symbols_;
  binding_ = binding;
  reset_parameters();
}

std::vector<double> QuantumLayerImpl::weight_values() const {
  std::vector<double> values(ir_->num_symbols(), std::numeric_limits<double>::quiet_NaN());
  for (std::size_t w = 0; w < weights_.size(); ++w) {
    const torch::Tensor d = weights_[w].detach().to(torch::kFloat64).contiguous().view(-1);
    const auto& syms = binding_->weight_symbols[w];
    for (std::size_t e = 0; e < syms.size(); ++e) values[syms[e]] = d[int64_t(e)].item<double>();
  }
  return values;
}

void QuantumLayerImpl::reset_parameters() {
  torch::NoGradGuard guard;
  const WeightInit& in = options.init();
  for (auto& w : weights_) {
    switch (in.kind) {
      case WeightInit::Kind::Uniform: w.uniform_(in.a, in.b); break;
      case WeightInit::Kind::Normal: w.normal_(in.a, in.b); break;
      case WeightInit::Kind::Constant: w.fill_(in.a); break;
    }
  }
}

torch::Tensor QuantumLayerImpl::forward(const torch::Tensor& input) {
  const bool single = input.dim() == 1;
  torch::Tensor x = single ? input.unsqueeze(0) : input;
  TORCH_CHECK(x.dim() == 2, "QuantumLayer: the input must be [batch, ", num_columns(), "], got ", input.sizes());
  TORCH_CHECK(x.size(1) == num_columns(), "QuantumLayer: the input has ", x.size(1), " columns, expected ",
              num_columns(), " (", data_symbols_.size(), " data inputs + ", circuit_->num_features(),
              " features).");
  TORCH_CHECK(x.scalar_type() == torch::kFloat || x.scalar_type() == torch::kDouble,
              "QuantumLayer: the input must be float32 or float64, got ", x.scalar_type());
  TORCH_CHECK(x.device().is_cpu(), "QuantumLayer runs on the CPU; the input is on ", x.device());
  x = x.contiguous();
  std::vector<torch::Tensor> w;
  w.reserve(weights_.size());
  for (const auto& p : weights_) w.push_back(p.scalar_type() == x.scalar_type() ? p : p.to(x.scalar_type()));

  circuit_->set_threads(options.threads());
  if (noisy_) noisy_->set_threads(options.threads());
  sim::ShotOptions shots{options.shots(), options.seed() + 0x9E3779B97F4A7C15ull * calls_++};
  const bool needs_grad =
      torch::GradMode::is_enabled() &&
      (x.requires_grad() || std::any_of(w.begin(), w.end(), [](const torch::Tensor& t) { return t.requires_grad(); }));
  torch::Tensor out;
  if (!needs_grad) {
    std::vector<torch::Tensor> wc;
    for (auto& t : w) wc.push_back(t.detach().contiguous());
    out = x.scalar_type() == torch::kDouble
              ? run_forward<double>(*circuit_, noisy_.get(), *binding_, x.detach(), wc, shots, nullptr)
              : run_forward<float>(*circuit_, noisy_.get(), *binding_, x.detach(), wc, shots, nullptr);
  } else {
    auto tape = c10::make_intrusive<Tape>();
    tape->circuit = circuit_;
    tape->noisy = noisy_;
    tape->binding = binding_;
    tape->method = options.gradient();
    tape->shots = shots;
    for (auto& t : w) {
      t = t.contiguous();
      tape->weight_shapes.push_back(t.sizes().vec());
    }
    out = QuantumFunction::apply(c10::IValue::make_capsule(tape), x, torch::TensorList(w));
  }
  if (!readout_errors_.empty()) out = apply_readout_errors(out, options.readout().kind, readout_errors_);
  return single ? out.squeeze(0) : out;
}

void QuantumLayerImpl::pretty_print(std::ostream& os) const {
  static const char* kReadout[] = {"expectation_z", "observables", "probabilities", "marginals"};
  os << "qforge::QuantumLayer(qubits=" << circuit_->num_qubits() << ", gates=" << circuit_->num_gates()
     << ", data=" << data_symbols_.size() << ", weights=[";
  for (std::size_t i = 0; i < weight_names_.size(); ++i) os << (i ? ", " : "") << weight_names_[i];
  os << "], readout=" << kReadout[int(options.readout().kind)] << "(" << num_outputs() << ")";
  if (circuit_->num_features()) os << ", amplitude_features=" << circuit_->num_features();
  os << ", gradient=" << sim::to_string(options.gradient());
  if (options.shots()) os << ", shots=" << options.shots();
  if (noisy_)
    os << ", noise=density_matrix(" << noisy_->num_qubits() << " qubits, " << noisy_->num_channel_steps()
       << " channel steps, checkpoint_interval=" << noisy_->checkpoint_interval() << ")";
  os << ", threads=" << options.threads() << ")";
}

}  // namespace qforge
