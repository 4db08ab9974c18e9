// quantum_layer.cpp - QuantumLayer and its autograd function.
//
// The function's forward packs the per-sample symbol matrix (data columns and
// broadcast weights), calls BatchCircuit::forward and keeps the final states
// as the tape; its backward calls BatchCircuit::backward (the runtime's
// adjoint or parameter-shift vector-Jacobian product) and scatters the
// symbol gradients back to the data columns (per sample) and the weights
// (summed over the batch). All numerics live in the runtime.
#include "qforge/torch/quantum_layer.hpp"

#include "qforge/frontend.hpp"

#include <torch/autograd.h>
#include <torch/torch.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace qforge {

using sim::BatchCircuit;
using sim::Span;

QuantumLayerOptions::QuantumLayerOptions(std::string circuit) : circuit_(std::move(circuit)) {}

namespace {

/// What backward needs besides the incoming gradient.
struct Tape : torch::CustomClassHolder {
  std::shared_ptr<const BatchCircuit> circuit;
  std::shared_ptr<const QuantumLayerImpl::Binding> binding;
  sim::GradientMethod method = sim::GradientMethod::Adjoint;
  sim::ShotOptions shots;
  torch::Tensor symbols;   ///< [B, num_symbols]
  torch::Tensor features;  ///< [B, num_features] (undefined without)
  torch::Tensor states;    ///< [B, 2^n, 2]
  std::vector<std::vector<int64_t>> weight_shapes;
};

template <typename FP>
void pack_symbols(const BatchCircuit& bc, const QuantumLayerImpl::Binding& bind, const torch::Tensor& x,
                  const std::vector<torch::Tensor>& weights, torch::Tensor& symbols) {
  const int64_t B = x.size(0), S = bc.num_symbols(), cols = x.size(1);
  FP* s = symbols.data_ptr<FP>();
  const FP* xp = x.data_ptr<FP>();
  for (int64_t b = 0; b < B; ++b)
    for (std::size_t j = 0; j < bind.data_symbols.size(); ++j) s[b * S + bind.data_symbols[j]] = xp[b * cols + j];
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const FP* w = weights[i].data_ptr<FP>();
    const auto& syms = bind.weight_symbols[i];
    for (int64_t b = 0; b < B; ++b)
      for (std::size_t e = 0; e < syms.size(); ++e) s[b * S + syms[e]] = w[e];
  }
}

template <typename FP>
torch::Tensor run_forward(const BatchCircuit& bc, const QuantumLayerImpl::Binding& bind, const torch::Tensor& x,
                          const std::vector<torch::Tensor>& weights, const sim::ShotOptions& shots, Tape* tape) {
  const int64_t B = x.size(0), nd = int64_t(bind.data_symbols.size()), nf = int64_t(bc.num_features());
  auto opts = x.options();
  torch::Tensor symbols = torch::empty({B, int64_t(bc.num_symbols())}, opts);
  pack_symbols<FP>(bc, bind, x, weights, symbols);
  torch::Tensor features;
  if (nf) features = x.narrow(1, nd, nf).contiguous();
  torch::Tensor out = torch::empty({B, int64_t(bc.num_outputs())}, opts);
  torch::Tensor states;
  if (tape) states = torch::empty({B, int64_t(bc.state_size()), 2}, opts);
  bc.forward<FP>(std::size_t(B), Span<const FP>(symbols.data_ptr<FP>(), std::size_t(symbols.numel())),
                 nf ? Span<const FP>(features.data_ptr<FP>(), std::size_t(features.numel())) : Span<const FP>(),
                 Span<FP>(out.data_ptr<FP>(), std::size_t(out.numel())),
                 tape ? Span<std::complex<FP>>(reinterpret_cast<std::complex<FP>*>(states.data_ptr<FP>()),
                                               std::size_t(B) * bc.state_size())
                      : Span<std::complex<FP>>(),
                 shots);
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
  const int64_t B = t.symbols.size(0), S = int64_t(bc.num_symbols()), nd = int64_t(bind.data_symbols.size()),
                nf = int64_t(bc.num_features());
  auto opts = t.symbols.options();
  torch::Tensor g = grad_out.to(opts.dtype()).contiguous();
  torch::Tensor gsym = torch::empty({B, S}, opts);
  torch::Tensor gfeat;
  if (want_x && nf) gfeat = torch::empty({B, nf}, opts);
  bc.backward<FP>(std::size_t(B), Span<const FP>(t.symbols.data_ptr<FP>(), std::size_t(B * S)),
                  nf ? Span<const FP>(t.features.data_ptr<FP>(), std::size_t(B * nf)) : Span<const FP>(),
                  Span<const std::complex<FP>>(reinterpret_cast<const std::complex<FP>*>(t.states.data_ptr<FP>()),
                                               std::size_t(B) * bc.state_size()),
                  Span<const FP>(g.data_ptr<FP>(), std::size_t(g.numel())),
                  Span<FP>(gsym.data_ptr<FP>(), std::size_t(B * S)),
                  gfeat.defined() ? Span<FP>(gfeat.data_ptr<FP>(), std::size_t(B * nf)) : Span<FP>(), t.method,
                  t.shots);
  const FP* gs = gsym.data_ptr<FP>();
  torch::autograd::variable_list grads;
  grads.push_back(torch::Tensor());  // the tape capsule
  torch::Tensor gx;
  if (want_x) {
    gx = torch::empty({B, nd + nf}, opts);
    FP* p = gx.data_ptr<FP>();
    const FP* pf = gfeat.defined() ? gfeat.data_ptr<FP>() : nullptr;
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t j = 0; j < nd; ++j) p[b * (nd + nf) + j] = gs[b * S + bind.data_symbols[std::size_t(j)]];
      for (int64_t j = 0; j < nf; ++j) p[b * (nd + nf) + nd + j] = pf[b * nf + j];
    }
  }
  grads.push_back(gx);
  for (std::size_t i = 0; i < bind.weight_symbols.size(); ++i) {
    if (!want_w[i]) {
      grads.push_back(torch::Tensor());
      continue;
    }
    const auto& syms = bind.weight_symbols[i];
    torch::Tensor gw = torch::empty(t.weight_shapes[i], opts);
    FP* p = gw.data_ptr<FP>();
    for (std::size_t e = 0; e < syms.size(); ++e) {
      double acc = 0;
      for (int64_t b = 0; b < B; ++b) acc += double(gs[b * S + syms[e]]);
      p[e] = FP(acc);
    }
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
                            ? run_forward<double>(*t->circuit, *t->binding, x, w, t->shots, t)
                            : run_forward<float>(*t->circuit, *t->binding, x, w, t->shots, t);
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
  sim::ShotOptions shots{options.shots(), options.seed() + 0x9E3779B97F4A7C15ull * calls_++};
  const bool needs_grad =
      torch::GradMode::is_enabled() &&
      (x.requires_grad() || std::any_of(w.begin(), w.end(), [](const torch::Tensor& t) { return t.requires_grad(); }));
  torch::Tensor out;
  if (!needs_grad) {
    std::vector<torch::Tensor> wc;
    for (auto& t : w) wc.push_back(t.detach().contiguous());
    out = x.scalar_type() == torch::kDouble
              ? run_forward<double>(*circuit_, *binding_, x.detach(), wc, shots, nullptr)
              : run_forward<float>(*circuit_, *binding_, x.detach(), wc, shots, nullptr);
  } else {
    auto tape = c10::make_intrusive<Tape>();
    tape->circuit = circuit_;
    tape->binding = binding_;
    tape->method = options.gradient();
    tape->shots = shots;
    for (auto& t : w) {
      t = t.contiguous();
      tape->weight_shapes.push_back(t.sizes().vec());
    }
    out = QuantumFunction::apply(c10::IValue::make_capsule(tape), x, torch::TensorList(w));
  }
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
  os << ", threads=" << options.threads() << ")";
}

}  // namespace qforge
