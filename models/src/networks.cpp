// The classifiers (networks.hpp) and the quantum head (quantum_head.hpp).
//
// Until qforge::QuantumLayer (runtime/torch) lands, the quantum head is a
// small adjoint-differentiated simulator over the compiled gate IR: the
// circuit is loaded from its .qasm file at run time, gate matrices and their
// derivatives come from the shared gate table, so any circuit of table gates
// works. Cost is negligible next to the convolutions for a few qubits.
#include "qforge/models/networks.hpp"

#include "quantum_head.hpp"

#include "qforge/circuit.hpp"
#include "qforge/frontend.hpp"
#include "qforge/gates.hpp"

#include <ATen/Parallel.h>

#if __has_include("qforge/torch/quantum_layer.hpp")
#include "qforge/torch/quantum_layer.hpp"
#define QFORGE_MODELS_HAVE_LAYER 1
#endif

#include <cmath>
#include <complex>
#include <stdexcept>

namespace qforge::models {

// ---------------------------------------------------------------- quantum head

int64_t QuantumHead::output_size() const {
  return readout == QuantumReadout::ExpectationZ ? num_qubits() : (int64_t(1) << num_qubits());
}

namespace {

using cd = std::complex<double>;

struct ProgOp {
  GateId gate;
  std::vector<unsigned> targets;   // table gate's qubits, first = MSB of its matrix
  uint64_t ctrl = 0;               // extra controls
  std::vector<Expr> params;
  // d params[j] / d symbol s, for the symbols params[j] depends on
  std::vector<std::vector<std::pair<uint32_t, Expr>>> dparams;
};

struct Program {
  unsigned n = 0;
  uint32_t num_symbols = 0;
  std::vector<uint32_t> data_syms, weight_syms;
  std::vector<ProgOp> ops;
  bool amplitude = false;
  QuantumReadout readout = QuantumReadout::ExpectationZ;
};

/// psi <- M psi on `targets` (targets[0] MSB of M's index) where all `ctrl`
/// bits are 1; elsewhere unchanged, or zeroed when `zero_outside`.
void apply_dense(cd* psi, unsigned n, const std::vector<unsigned>& targets, const cd* M,
                 uint64_t ctrl, bool zero_outside) {
  const unsigned k = unsigned(targets.size());
  const std::size_t dim = std::size_t(1) << k;
  uint64_t tmask = 0;
  for (auto t : targets) tmask |= uint64_t(1) << t;
  std::size_t off[8];
  for (std::size_t j = 0; j < dim; ++j) {
    uint64_t b = 0;
    for (unsigned m = 0; m < k; ++m)
      if (j >> (k - 1 - m) & 1) b |= uint64_t(1) << targets[m];
    off[j] = b;
  }
  cd v[8], w[8];
  const std::size_t N = std::size_t(1) << n;
  for (std::size_t i = 0; i < N; ++i) {
    if (i & tmask) continue;
    if ((i & ctrl) != ctrl) {
      if (zero_outside)
        for (std::size_t j = 0; j < dim; ++j) psi[i | off[j]] = 0;
      continue;
    }
    for (std::size_t j = 0; j < dim; ++j) v[j] = psi[i | off[j]];
    for (std::size_t r = 0; r < dim; ++r) {
      cd s = 0;
      for (std::size_t c = 0; c < dim; ++c) s += M[r * dim + c] * v[c];
      w[r] = s;
    }
    for (std::size_t j = 0; j < dim; ++j) psi[i | off[j]] = w[j];
  }
}

std::vector<cd> dagger(const std::vector<cd>& M, std::size_t dim) {
  std::vector<cd> D(M.size());
  for (std::size_t r = 0; r < dim; ++r)
    for (std::size_t c = 0; c < dim; ++c) D[c * dim + r] = std::conj(M[r * dim + c]);
  return D;
}

std::shared_ptr<Program> compile_program(const QuantumHeadSpec& spec) {
  DiagnosticSink diags;
  Circuit c = compile_file(spec.circuit_path, CompileOptions{}, diags);
  if (diags.has_errors())
    throw std::runtime_error("cannot load circuit '" + spec.circuit_path + "':\n" + diags.format());
  auto p = std::make_shared<Program>();
  p->n = c.num_qubits;
  if (p->n == 0 || p->n > 16)
    throw std::runtime_error("circuit '" + spec.circuit_path + "' has " +
                             std::to_string(p->n) + " qubits; the quantum head takes 1..16");
  p->num_symbols = c.num_symbols();
  p->amplitude = spec.amplitude_embedding;
  p->readout = spec.readout;
  bool found = spec.data_input.empty();
  for (const auto& in : c.inputs) {
    auto& dst = (!spec.data_input.empty() && in.name == spec.data_input) ? p->data_syms : p->weight_syms;
    if (!spec.data_input.empty() && in.name == spec.data_input) found = true;
    for (uint32_t i = 0; i < in.size(); ++i) dst.push_back(in.first_symbol + i);
  }
  if (!found)
    throw std::runtime_error("circuit '" + spec.circuit_path + "' has no input named '" +
                             spec.data_input + "' to bind to the data");
  for (const auto& op : c.ops) {
    if (op.kind == OpKind::Barrier || op.kind == OpKind::Delay || op.kind == OpKind::Measure) continue;
    if (op.kind != OpKind::Gate || !op.conditions.empty())
      throw std::runtime_error("circuit '" + spec.circuit_path + "' line " +
                               std::to_string(op.loc.line) +
                               ": the quantum head takes unitary circuits only (no reset or if)");
    ProgOp g;
    g.gate = op.gate;
    for (unsigned i = 0; i < op.qubits.size(); ++i) {
      if (i < op.num_controls) g.ctrl |= uint64_t(1) << op.qubits[i];
      else g.targets.push_back(op.qubits[i]);
    }
    if (g.targets.size() > 3) throw std::runtime_error("gate wider than 3 qubits");
    g.params = op.params;
    for (const auto& e : op.params) {
      std::vector<uint32_t> syms;
      e.collect_symbols(syms);
      std::sort(syms.begin(), syms.end());
      syms.erase(std::unique(syms.begin(), syms.end()), syms.end());
      std::vector<std::pair<uint32_t, Expr>> d;
      for (auto s : syms) d.emplace_back(s, e.derivative(s));
      g.dparams.push_back(std::move(d));
    }
    p->ops.push_back(std::move(g));
  }
  return p;
}

void gather_symbols(const Program& P, const double* data, const double* weights,
                    std::vector<double>& vals) {
  vals.assign(P.num_symbols, 0.0);
  for (std::size_t i = 0; i < P.data_syms.size(); ++i) vals[P.data_syms[i]] = data[i];
  for (std::size_t i = 0; i < P.weight_syms.size(); ++i) vals[P.weight_syms[i]] = weights[i];
}

/// Final state of one sample; `mats` receives each op's matrix.
void run_forward(const Program& P, const std::vector<double>& vals, const double* psi0,
                 std::vector<cd>& psi, std::vector<std::vector<cd>>& mats) {
  const std::size_t N = std::size_t(1) << P.n;
  psi.assign(N, 0.0);
  if (psi0)
    for (std::size_t i = 0; i < N; ++i) psi[i] = psi0[i];
  else
    psi[0] = 1.0;
  mats.resize(P.ops.size());
  std::vector<double> pv;
  for (std::size_t k = 0; k < P.ops.size(); ++k) {
    const auto& g = P.ops[k];
    pv.resize(g.params.size());
    for (std::size_t j = 0; j < pv.size(); ++j) pv[j] = g.params[j].eval(vals.data());
    mats[k] = gate_matrix(g.gate, pv.data());
    apply_dense(psi.data(), P.n, g.targets, mats[k].data(), g.ctrl, false);
  }
}

struct QuantumFunction : public torch::autograd::Function<QuantumFunction> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, torch::Tensor data,
                               torch::Tensor weights, torch::Tensor psi0, int64_t prog) {
    const Program& P = *reinterpret_cast<const Program*>(prog);
    data = data.contiguous();
    weights = weights.contiguous();
    psi0 = psi0.contiguous();
    ctx->save_for_backward({data, weights, psi0});
    ctx->saved_data["prog"] = prog;
    const int64_t B = P.amplitude ? psi0.size(0) : data.size(0);
    const std::size_t N = std::size_t(1) << P.n;
    const int64_t out_dim = P.readout == QuantumReadout::ExpectationZ ? P.n : int64_t(N);
    auto out = torch::zeros({B, out_dim}, torch::kFloat64);
    const double* dp = data.numel() ? data.data_ptr<double>() : nullptr;
    const double* wp = weights.numel() ? weights.data_ptr<double>() : nullptr;
    const double* ap = P.amplitude ? psi0.data_ptr<double>() : nullptr;
    double* op = out.data_ptr<double>();
    const int64_t k = P.data_syms.size();
    at::parallel_for(0, B, 8, [&](int64_t b0, int64_t b1) {
      std::vector<double> vals;
      std::vector<cd> psi;
      std::vector<std::vector<cd>> mats;
      for (int64_t b = b0; b < b1; ++b) {
        gather_symbols(P, dp ? dp + b * k : nullptr, wp, vals);
        run_forward(P, vals, ap ? ap + b * N : nullptr, psi, mats);
        double* o = op + b * out_dim;
        for (std::size_t i = 0; i < N; ++i) {
          double pr = std::norm(psi[i]);
          if (P.readout == QuantumReadout::Probabilities) o[i] = pr;
          else
            for (unsigned q = 0; q < P.n; ++q) o[q] += (i >> q & 1) ? -pr : pr;
        }
      }
    });
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const Program& P = *reinterpret_cast<const Program*>(ctx->saved_data["prog"].toInt());
    auto saved = ctx->get_saved_variables();
    auto data = saved[0], weights = saved[1], psi0 = saved[2];
    auto g = grads[0].to(torch::kFloat64).contiguous();
    const int64_t B = g.size(0);
    const std::size_t N = std::size_t(1) << P.n;
    const int64_t k = P.data_syms.size(), nw = P.weight_syms.size();
    auto gdata = torch::zeros_like(data);
    auto gw_per = torch::zeros({B, nw}, torch::kFloat64);
    auto gpsi = P.amplitude ? torch::zeros_like(psi0) : torch::Tensor();
    const double* dp = data.numel() ? data.data_ptr<double>() : nullptr;
    const double* wp = weights.numel() ? weights.data_ptr<double>() : nullptr;
    const double* ap = P.amplitude ? psi0.data_ptr<double>() : nullptr;
    const double* gp = g.data_ptr<double>();
    double* gdp = gdata.numel() ? gdata.data_ptr<double>() : nullptr;
    double* gwp = gw_per.data_ptr<double>();
    double* gap = P.amplitude ? gpsi.data_ptr<double>() : nullptr;
    const int64_t out_dim = g.size(1);
    // symbol index -> (is weight, position)
    std::vector<int64_t> where(P.num_symbols, -1);
    for (int64_t i = 0; i < k; ++i) where[P.data_syms[i]] = i;
    for (int64_t i = 0; i < nw; ++i) where[P.weight_syms[i]] = k + i;
    at::parallel_for(0, B, 8, [&](int64_t b0, int64_t b1) {
      std::vector<double> vals, sg(P.num_symbols);
      std::vector<cd> psi, lam, phi;
      std::vector<std::vector<cd>> mats;
      std::vector<double> pv;
      for (int64_t b = b0; b < b1; ++b) {
        gather_symbols(P, dp ? dp + b * k : nullptr, wp, vals);
        run_forward(P, vals, ap ? ap + b * N : nullptr, psi, mats);
        const double* gb = gp + b * out_dim;
        lam.resize(N);
        for (std::size_t i = 0; i < N; ++i) {
          double d = 0;
          if (P.readout == QuantumReadout::Probabilities) d = gb[i];
          else
            for (unsigned q = 0; q < P.n; ++q) d += (i >> q & 1) ? -gb[q] : gb[q];
          lam[i] = d * psi[i];
        }
        std::fill(sg.begin(), sg.end(), 0.0);
        for (std::size_t kk = P.ops.size(); kk-- > 0;) {
          const auto& op = P.ops[kk];
          const std::size_t dim = std::size_t(1) << op.targets.size();
          auto inv = dagger(mats[kk], dim);
          apply_dense(psi.data(), P.n, op.targets, inv.data(), op.ctrl, false);
          bool any = false;
          for (const auto& d : op.dparams) any |= !d.empty();
          if (any) {
            pv.resize(op.params.size());
            for (std::size_t j = 0; j < pv.size(); ++j) pv[j] = op.params[j].eval(vals.data());
            for (std::size_t j = 0; j < op.params.size(); ++j) {
              if (op.dparams[j].empty()) continue;
              auto dM = gate_matrix_derivative(op.gate, pv.data(), unsigned(j));
              phi = psi;
              apply_dense(phi.data(), P.n, op.targets, dM.data(), op.ctrl, true);
              double dE = 0;
              for (std::size_t i = 0; i < N; ++i) dE += 2 * std::real(std::conj(lam[i]) * phi[i]);
              for (const auto& [s, e] : op.dparams[j]) sg[s] += dE * e.eval(vals.data());
            }
          }
          apply_dense(lam.data(), P.n, op.targets, inv.data(), op.ctrl, false);
        }
        for (uint32_t s = 0; s < P.num_symbols; ++s) {
          int64_t w = where[s];
          if (w < 0) continue;
          if (w < k) gdp[b * k + w] += sg[s];
          else gwp[b * nw + (w - k)] += sg[s];
        }
        if (gap)
          for (std::size_t i = 0; i < N; ++i) gap[b * N + i] = 2 * std::real(lam[i]);
      }
    });
    return {gdata, gw_per.sum(0), gpsi, torch::Tensor()};
  }
};

class SimQuantumHead : public QuantumHead {
 public:
  explicit SimQuantumHead(const QuantumHeadSpec& spec) : prog_(compile_program(spec)) {
    readout = spec.readout;
    weights_ = register_parameter(
        "weights", torch::rand({int64_t(prog_->weight_syms.size())}) * (2 * M_PI));
  }
  torch::Tensor forward(torch::Tensor x) override {
    auto dtype = x.scalar_type();
    auto xd = x.to(torch::kFloat64);
    torch::Tensor data, psi0;
    if (prog_->amplitude) {
      const int64_t N = int64_t(1) << prog_->n;
      if (xd.dim() != 2 || xd.size(1) != N)
        throw std::runtime_error("amplitude embedding expects [batch, " + std::to_string(N) + "]");
      psi0 = xd / (xd.norm(2, {1}, true) + 1e-12);
      data = torch::zeros({xd.size(0), 0}, torch::kFloat64);
    } else {
      if (xd.dim() != 2 || xd.size(1) != int64_t(prog_->data_syms.size()))
        throw std::runtime_error("quantum head expects [batch, " +
                                 std::to_string(prog_->data_syms.size()) + "] data");
      data = xd;
      psi0 = torch::zeros({0}, torch::kFloat64);
    }
    auto out = QuantumFunction::apply(data, weights_.to(torch::kFloat64), psi0,
                                      reinterpret_cast<int64_t>(prog_.get()));
    return out.to(dtype);
  }
  int num_qubits() const override { return int(prog_->n); }
  int64_t num_weights() const override { return weights_.numel(); }

 private:
  std::shared_ptr<Program> prog_;
  torch::Tensor weights_;
};

#ifdef QFORGE_MODELS_HAVE_LAYER
/// The runtime's qforge::QuantumLayer (batched, adjoint gradients).
class LayerQuantumHead : public QuantumHead {
 public:
  explicit LayerQuantumHead(const QuantumHeadSpec& spec) {
    readout = spec.readout;
    DiagnosticSink diags;
    Circuit c = compile_file(spec.circuit_path, CompileOptions{}, diags);
    if (diags.has_errors())
      throw std::runtime_error("cannot load circuit '" + spec.circuit_path + "':\n" + diags.format());
    n_ = int(c.num_qubits);
    QuantumLayerOptions o(spec.circuit_path);
    if (!spec.data_input.empty()) o.data_inputs({spec.data_input});
    o.readout(spec.readout == QuantumReadout::Probabilities ? sim::Readout::probabilities()
                                                             : sim::Readout::expectation_z());
    o.initial_state(spec.amplitude_embedding ? sim::InitialState::amplitude(1u << n_)
                                             : sim::InitialState::zero());
    layer_ = register_module("layer", QuantumLayer(o));
  }
  torch::Tensor forward(torch::Tensor x) override { return layer_->forward(x); }
  int num_qubits() const override { return n_; }
  int64_t num_weights() const override {
    int64_t k = 0;
    for (const auto& p : layer_->parameters()) k += p.numel();
    return k;
  }

 private:
  int n_ = 0;
  QuantumLayer layer_{nullptr};
};
#endif

}  // namespace

std::shared_ptr<QuantumHead> make_quantum_head(const QuantumHeadSpec& spec) {
#ifdef QFORGE_MODELS_HAVE_LAYER
  // QFORGE_QUANTUM_HEAD=reference selects the small built-in simulator (a
  // cross-check of the runtime layer).
  const char* env = std::getenv("QFORGE_QUANTUM_HEAD");
  if (!(env && std::string(env) == "reference")) return std::make_shared<LayerQuantumHead>(spec);
#endif
  return std::make_shared<SimQuantumHead>(spec);
}

std::string quantum_head_backend() {
#ifdef QFORGE_MODELS_HAVE_LAYER
  const char* env = std::getenv("QFORGE_QUANTUM_HEAD");
  if (!(env && std::string(env) == "reference")) return "qforge::QuantumLayer";
#endif
  return "reference simulator";
}

// ---------------------------------------------------------------- classifiers

std::vector<std::string> model_names() {
  return {"lcqhnn", "cnn-4", "cnn-8", "cnn-16", "hybrid-cnn", "cnn-twin"};
}

bool is_hybrid(const std::string& kind) { return kind == "lcqhnn" || kind == "hybrid-cnn"; }

std::string default_circuit_file(const std::string& kind) {
  if (kind == "lcqhnn") return "lean_hybrid.qasm";
  if (kind == "hybrid-cnn") return "basic_entangler.qasm";
  return "";
}

namespace {
constexpr int kTrunkC1 = 8, kTrunkC2 = 16, kPooled = 4;
constexpr int kFeatures = kTrunkC2 * kPooled * kPooled;  // 256
}  // namespace

ModelSpec model_spec(const TrainConfig& c, const ImageSet& s, int num_classes, const std::string& circuit) {
  ModelSpec m;
  m.kind = c.model;
  m.channels = s.channels;
  m.height = s.height;
  m.width = s.width;
  m.num_classes = num_classes;
  m.dropout = c.dropout;
  m.circuit_path = circuit;
  auto norm = dataset_normalization(c.dataset, s.channels);
  m.mean = norm.mean;
  m.stddev = norm.stddev;
  return m;
}

ClassifierImpl::ClassifierImpl(const ModelSpec& spec) : spec_(spec) {
  const auto& k = spec.kind;
  bool known = false;
  for (const auto& n : model_names()) known |= n == k;
  if (!known) {
    std::string all;
    for (const auto& n : model_names()) all += (all.empty() ? "" : ", ") + n;
    throw std::runtime_error("unknown model '" + k + "' (models: " + all + ")");
  }
  conv1_ = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(spec.channels, kTrunkC1, 3)));
  conv2_ = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(kTrunkC1, kTrunkC2, 3)));
  dropout_ = register_module("dropout", torch::nn::Dropout(spec.dropout));
  mean_ = register_buffer("mean", torch::tensor(spec.mean).view({1, -1, 1, 1}));
  std_ = register_buffer("std", torch::tensor(spec.stddev).view({1, -1, 1, 1}));
  const int C = spec.num_classes;
  if (k == "lcqhnn") {
    fc1_ = register_module("fc1", torch::nn::Linear(kFeatures, 4));
    QuantumHeadSpec q{spec.circuit_path, "x", false, QuantumReadout::Probabilities};
    auto head = make_quantum_head(q);
    if (head->output_size() < C)
      throw std::runtime_error("the circuit's " + std::to_string(head->output_size()) +
                               " basis states cannot map onto " + std::to_string(C) + " classes");
    quantum_ = register_module("quantum", head);
  } else if (k == "hybrid-cnn") {
    QuantumHeadSpec q{spec.circuit_path, "", true, QuantumReadout::ExpectationZ};
    auto head = make_quantum_head(q);
    fc1_ = register_module("fc1", torch::nn::Linear(kFeatures, int64_t(1) << head->num_qubits()));
    quantum_ = register_module("quantum", head);
    fc2_ = register_module("fc2", torch::nn::Linear(head->num_qubits(), C));
  } else if (k == "cnn-twin") {
    fc1_ = register_module("fc1", torch::nn::Linear(kFeatures, 16));
    fc2_ = register_module("fc2", torch::nn::Linear(16, 4));
    fc3_ = register_module("fc3", torch::nn::Linear(4, C));
  } else {  // cnn-H
    int h = std::stoi(k.substr(4));
    fc1_ = register_module("fc1", torch::nn::Linear(kFeatures, h));
    fc2_ = register_module("fc2", torch::nn::Linear(h, C));
  }
}

torch::Tensor ClassifierImpl::forward(torch::Tensor x) {
  x = (x - mean_) / std_;
  x = torch::max_pool2d(torch::relu(conv1_->forward(x)), 2);
  x = torch::max_pool2d(torch::relu(conv2_->forward(x)), 2);
  x = torch::adaptive_avg_pool2d(x, {kPooled, kPooled}).flatten(1);
  const auto& k = spec_.kind;
  const int C = spec_.num_classes;
  if (k == "lcqhnn") {
    x = dropout_->forward(fc1_->forward(x));
    auto probs = std::static_pointer_cast<QuantumHead>(quantum_)->forward(x);  // [B, 2^n]
    // Class c collects the basis states whose index is c modulo C: for two
    // classes, the measured value of qubit 0.
    const int64_t N = probs.size(1);
    auto idx = torch::arange(N, torch::kLong).remainder(C);
    auto cls = torch::zeros({probs.size(0), C}, probs.options()).index_add(1, idx, probs);
    return torch::log(cls.clamp_min(1e-9));
  }
  if (k == "hybrid-cnn") {
    x = dropout_->forward(fc1_->forward(x));
    x = std::static_pointer_cast<QuantumHead>(quantum_)->forward(x);
    return torch::log_softmax(fc2_->forward(x), 1);
  }
  if (k == "cnn-twin") {
    // The hybrid's 4-value bottleneck is <Z> in [-1, 1]; the twin's is tanh,
    // bounded the same way. (A ReLU there can die on all four units at
    // initialisation, and the model then never leaves chance accuracy.)
    x = dropout_->forward(torch::relu(fc1_->forward(x)));
    x = torch::tanh(fc2_->forward(x));
    return torch::log_softmax(fc3_->forward(x), 1);
  }
  x = dropout_->forward(torch::relu(fc1_->forward(x)));
  return torch::log_softmax(fc2_->forward(x), 1);
}

ParameterCounts ClassifierImpl::counts() const {
  ParameterCounts c;
  for (const auto& p : named_parameters(true)) {
    c.total += p.value().numel();
    if (p.key().rfind("quantum.", 0) == 0) c.quantum += p.value().numel();
  }
  c.classical = c.total - c.quantum;
  return c;
}

}  // namespace qforge::models
