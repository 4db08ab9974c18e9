// The checkpoint analyses of `qforge report` (report.hpp: analyse_run):
// confusion matrix, FGSM sweep, head features (PCA, t-SNE, decision
// regions), Grad-CAM over the last convolution, predictions on the fixed test
// images, Bloch vectors after the circuit's encoding layer.
#include "qforge/models/report.hpp"

#include "qforge/models/datasets.hpp"
#include "qforge/models/gradcam.hpp"
#include "qforge/models/networks.hpp"
#include "qforge/models/training.hpp"
#include "qforge/models/tsne.hpp"

#include "files.hpp"
#include "quantum_head.hpp"

#include "qforge/circuit.hpp"
#include "qforge/frontend.hpp"
#include "qforge/gates.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <complex>
#include <cstdio>
#include <cstdlib>

namespace qforge::models {
namespace {

using files::is_file;

/// The circuit a hybrid run used: the copy in the run folder, else found the
/// way training finds it.
std::string find_circuit(const RunRecord& r) {
  if (!is_hybrid(r.model)) return "";
  if (!r.circuit_file.empty()) return r.circuit_file;
  if (!r.config.circuit.empty()) return r.config.circuit;
  return find_circuit_file(r.config);
}

/// The run's test subset, chosen exactly as training chose it.
struct TestData {
  ImageSet set;
  std::vector<std::size_t> source;
};
TestData test_data(const RunRecord& r) {
  TestSplit t = test_split(r.config);
  TestData d;
  d.set = std::move(t.images);
  d.source = std::move(t.source);
  for (std::size_t k = 0; k < r.fixed_test_positions.size(); ++k) {
    auto p = std::size_t(r.fixed_test_positions[k]);
    if (p >= d.source.size() || d.source[p] != r.fixed_test_sources[k])
      throw std::runtime_error("the test images of " + r.dir +
                               " do not match its test_images.txt (different dataset files?)");
  }
  return d;
}

/// A checkpoint's model, and its forward pass cut where the report looks.
struct Net {
  Classifier model{nullptr};
  std::string kind;
  int C = 0;
  torch::Tensor mean, std;
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr};
  std::shared_ptr<QuantumHead> quantum;

  /// Activations of the last convolutional layer (after its ReLU).
  torch::Tensor maps(const torch::Tensor& x) {
    auto h = (x - mean) / std;
    h = torch::max_pool2d(torch::relu(conv1->forward(h)), 2);
    return torch::relu(conv2->forward(h));
  }
  /// From those maps to the features entering the head.
  torch::Tensor features_from_maps(const torch::Tensor& a) {
    auto h = torch::adaptive_avg_pool2d(torch::max_pool2d(a, 2), {4, 4}).flatten(1);
    h = fc1->forward(h);
    if (kind == "lcqhnn" || kind == "hybrid-cnn") return h;  // dropout: identity in eval
    return torch::relu(h);
  }
  /// The head: features -> log-probabilities.
  torch::Tensor head(const torch::Tensor& f) {
    if (kind == "lcqhnn") {
      auto probs = quantum->forward(f);
      auto idx = torch::arange(probs.size(1), torch::kLong).remainder(C);
      auto cls = torch::zeros({probs.size(0), C}, probs.options()).index_add(1, idx, probs);
      return torch::log(cls.clamp_min(1e-9));
    }
    if (kind == "hybrid-cnn") return torch::log_softmax(fc2->forward(quantum->forward(f)), 1);
    if (kind == "cnn-twin") return torch::log_softmax(fc3->forward(torch::tanh(fc2->forward(f))), 1);
    return torch::log_softmax(fc2->forward(f), 1);
  }
  torch::Tensor features(const torch::Tensor& x) { return features_from_maps(maps(x)); }
};

Net load_net(const RunRecord& r, const std::string& checkpoint, const ImageSet& s,
             const std::string& circuit, int* epoch) {
  torch::serialize::InputArchive ar;
  try {
    ar.load_from(checkpoint);
  } catch (const c10::Error& e) {
    throw std::runtime_error("'" + checkpoint + "' is not a qforge checkpoint");
  }
  torch::Tensor e;
  ar.read("epoch", e);
  if (epoch) *epoch = int(e.item<int64_t>());
  const ModelSpec m = model_spec(r.config, s, int(s.class_names.size()), circuit);
  Net n;
  n.model = Classifier(m);
  torch::serialize::InputArchive mar;
  ar.read("model", mar);
  n.model->load(mar);
  n.model->eval();
  n.kind = r.model;
  n.C = m.num_classes;
  auto ch = n.model->named_children();
  auto buf = n.model->named_buffers(false);
  n.mean = buf["mean"];
  n.std = buf["std"];
  n.conv1 = torch::nn::Conv2d(std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(ch["conv1"]));
  n.conv2 = torch::nn::Conv2d(std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(ch["conv2"]));
  auto lin = [&](const char* k) {
    return ch.contains(k) ? torch::nn::Linear(std::dynamic_pointer_cast<torch::nn::LinearImpl>(ch[k]))
                          : torch::nn::Linear(nullptr);
  };
  n.fc1 = lin("fc1");
  n.fc2 = lin("fc2");
  n.fc3 = lin("fc3");
  if (ch.contains("quantum")) n.quantum = std::dynamic_pointer_cast<QuantumHead>(ch["quantum"]);
  return n;
}

torch::Tensor pixels(const ImageSet& s, const std::vector<std::size_t>& idx) {
  auto t = torch::empty({int64_t(idx.size()), s.channels, s.height, s.width}, torch::kUInt8);
  for (std::size_t i = 0; i < idx.size(); ++i)
    std::memcpy(t[int64_t(i)].data_ptr<uint8_t>(), s.image(idx[i]), s.image_bytes());
  return t.to(torch::kFloat32) / 255.0;
}

std::vector<std::size_t> range(std::size_t n) {
  std::vector<std::size_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = i;
  return v;
}

// ----------------------------------------------------------- Bloch vectors

using cd = std::complex<double>;

void apply_gate(std::vector<cd>& psi, unsigned n, const std::vector<unsigned>& targets,
                const std::vector<cd>& M, uint64_t ctrl) {
  const unsigned k = unsigned(targets.size());
  const std::size_t dim = std::size_t(1) << k;
  uint64_t tmask = 0;
  for (auto t : targets) tmask |= uint64_t(1) << t;
  std::vector<std::size_t> off(dim);
  for (std::size_t j = 0; j < dim; ++j) {
    uint64_t b = 0;
    for (unsigned m = 0; m < k; ++m)
      if (j >> (k - 1 - m) & 1) b |= uint64_t(1) << targets[m];
    off[j] = b;
  }
  std::vector<cd> v(dim);
  for (std::size_t i = 0; i < (std::size_t(1) << n); ++i) {
    if ((i & tmask) || (i & ctrl) != ctrl) continue;
    for (std::size_t j = 0; j < dim; ++j) v[j] = psi[i | off[j]];
    for (std::size_t r = 0; r < dim; ++r) {
      cd s = 0;
      for (std::size_t c = 0; c < dim; ++c) s += M[r * dim + c] * v[c];
      psi[i | off[r]] = s;
    }
  }
}

/// Bloch vectors of every qubit of each sample's state after the encoding:
/// the circuit's operations up to the last one that reads the data input
/// (none for amplitude embedding, whose encoding is the initial state).
void bloch_vectors(const Net& net, const std::string& circuit_path, const torch::Tensor& feats,
                   RunAnalysis& a) {
  DiagnosticSink diags;
  Circuit c = compile_file(circuit_path, CompileOptions{}, diags);
  if (diags.has_errors()) throw std::runtime_error("cannot compile " + circuit_path);
  const unsigned n = c.num_qubits;
  if (n == 0 || n > 12) throw std::runtime_error("Bloch vectors: circuit has " + std::to_string(n) + " qubits");
  const bool amplitude = net.kind == "hybrid-cnn";
  std::vector<uint32_t> data_syms;
  for (const auto& in : c.inputs)
    if (!amplitude && in.name == "x")
      for (uint32_t i = 0; i < in.size(); ++i) data_syms.push_back(in.first_symbol + i);
  std::size_t prefix = 0;
  if (!amplitude)
    for (std::size_t k = 0; k < c.ops.size(); ++k) {
      std::vector<uint32_t> syms;
      for (const auto& e : c.ops[k].params) e.collect_symbols(syms);
      for (auto s : syms)
        if (std::find(data_syms.begin(), data_syms.end(), s) != data_syms.end()) prefix = k + 1;
    }
  const std::size_t N = std::size_t(1) << n;
  auto f = feats.to(torch::kFloat64).contiguous();
  const int64_t B = f.size(0), K = f.size(1);
  a.bloch_qubits = int(n);
  std::vector<double> vals(c.num_symbols(), 0.0);
  for (int64_t b = 0; b < B; ++b) {
    std::vector<cd> psi(N, 0.0);
    const double* row = f.data_ptr<double>() + b * K;
    if (amplitude) {
      double nrm = 0;
      for (int64_t i = 0; i < K && std::size_t(i) < N; ++i) nrm += row[i] * row[i];
      nrm = std::sqrt(nrm) + 1e-12;
      for (int64_t i = 0; i < K && std::size_t(i) < N; ++i) psi[i] = row[i] / nrm;
    } else {
      psi[0] = 1;
      for (std::size_t i = 0; i < data_syms.size() && int64_t(i) < K; ++i) vals[data_syms[i]] = row[i];
      for (std::size_t k = 0; k < prefix; ++k) {
        const auto& op = c.ops[k];
        if (op.kind != OpKind::Gate) continue;
        std::vector<double> pv;
        for (const auto& e : op.params) pv.push_back(e.eval(vals.data()));
        std::vector<unsigned> targets;
        uint64_t ctrl = 0;
        for (unsigned i = 0; i < op.qubits.size(); ++i) {
          if (i < op.num_controls) ctrl |= uint64_t(1) << op.qubits[i];
          else targets.push_back(op.qubits[i]);
        }
        apply_gate(psi, n, targets, gate_matrix(op.gate, pv.data()), ctrl);
      }
    }
    // Qubit q is bit q of the basis index (as the layer's readout).
    for (unsigned q = 0; q < n; ++q) {
      cd r01 = 0;
      double p0 = 0, p1 = 0;
      for (std::size_t i = 0; i < N; ++i) {
        if (i >> q & 1) { p1 += std::norm(psi[i]); continue; }
        p0 += std::norm(psi[i]);
        r01 += psi[i] * std::conj(psi[i | (std::size_t(1) << q)]);
      }
      a.bloch.push_back(2 * r01.real());
      a.bloch.push_back(-2 * r01.imag());
      a.bloch.push_back(p0 - p1);
    }
  }
}

}  // namespace

RunAnalysis analyse_run(const RunRecord& r, const AnalysisOptions& o) {
  apply_threads(o.threads);
  torch::manual_seed(int64_t(o.seed));
  RunAnalysis a;
  TestData td = test_data(r);
  const ImageSet& s = td.set;
  const int C = int(s.class_names.size());
  a.channels = s.channels;
  a.height = s.height;
  a.width = s.width;
  a.circuit_path = find_circuit(r);
  Net net = load_net(r, r.dir + "/checkpoint.pt", s, a.circuit_path, &a.epoch);

  auto X = pixels(s, range(s.size()));
  auto Y = torch::from_blob(const_cast<int32_t*>(s.labels.data()), {int64_t(s.size())}, torch::kInt32)
               .to(torch::kLong);
  // The cut forward pass must be the model's.
  {
    torch::NoGradGuard ng;
    auto xb = X.narrow(0, 0, std::min<int64_t>(64, X.size(0)));
    double diff = (net.head(net.features(xb)) - net.model->forward(xb)).abs().max().item<double>();
    if (!(diff < 1e-4))
      throw std::runtime_error("report: the network's layers changed (cut forward differs by " +
                               std::to_string(diff) + "); update report_torch.cpp");
  }
  // Predictions and the FGSM sweep (one gradient per image; eps only scales it).
  a.fgsm_eps = o.fgsm_eps;
  if (a.fgsm_eps.empty())
    for (int i = 0; i <= 12; ++i) a.fgsm_eps.push_back(0.025 * i);
  a.confusion = ConfusionMatrix(C);
  std::vector<int64_t> correct(a.fgsm_eps.size(), 0);
  std::vector<int> pred_all(s.size());
  const int64_t N = X.size(0), bs = 256;
  for (int64_t i = 0; i < N; i += bs) {
    auto x = X.narrow(0, i, std::min(bs, N - i)).clone().set_requires_grad(true);
    auto y = Y.narrow(0, i, x.size(0));
    auto out = net.model->forward(x);
    auto loss = torch::nll_loss(out, y);
    auto g = torch::autograd::grad({loss}, {x})[0].sign();
    torch::NoGradGuard ng;
    auto pred = out.argmax(1);
    for (int64_t b = 0; b < x.size(0); ++b) {
      pred_all[i + b] = int(pred[b].item<int64_t>());
      a.confusion.add(int(y[b].item<int64_t>()), pred_all[i + b]);
    }
    for (std::size_t k = 0; k < a.fgsm_eps.size(); ++k) {
      auto adv = (x.detach() + a.fgsm_eps[k] * g).clamp(0, 1);
      correct[k] += net.model->forward(adv).argmax(1).eq(y).sum().item<int64_t>();
    }
  }
  for (auto c : correct) a.fgsm_accuracy.push_back(double(c) / double(std::max<int64_t>(1, N)));

  // Features, PCA, t-SNE, decision regions.
  {
    torch::NoGradGuard ng;
    const int64_t P = std::min<int64_t>(o.points, N);
    auto f = net.features(X.narrow(0, 0, P)).to(torch::kFloat64).contiguous();
    a.feature_dim = int(f.size(1));
    std::vector<double> fx(f.data_ptr<double>(), f.data_ptr<double>() + f.numel());
    for (int64_t i = 0; i < P; ++i) {
      a.point_labels.push_back(s.labels[i]);
      a.point_predictions.push_back(pred_all[i]);
    }
    Pca p = pca(fx, std::size_t(P), std::size_t(a.feature_dim), 2);
    a.pca_xy = p.projected;
    if (p.total_variance > 0)
      for (int k = 0; k < 2 && k < int(p.variance.size()); ++k)
        a.pca_explained[k] = p.variance[k] / p.total_variance;
    if (p.components < 2) a.pca_xy.assign(std::size_t(P) * 2, 0.0);
    TsneOptions to;
    to.seed = o.seed;
    a.tsne_xy = tsne(fx, std::size_t(P), std::size_t(a.feature_dim), to);
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (int64_t i = 0; i < P; ++i) {
      x0 = std::min(x0, a.pca_xy[2 * i]); x1 = std::max(x1, a.pca_xy[2 * i]);
      y0 = std::min(y0, a.pca_xy[2 * i + 1]); y1 = std::max(y1, a.pca_xy[2 * i + 1]);
    }
    double mx = 0.08 * std::max(1e-6, x1 - x0), my = 0.08 * std::max(1e-6, y1 - y0);
    a.region_x0 = x0 - mx; a.region_x1 = x1 + mx; a.region_y0 = y0 - my; a.region_y1 = y1 + my;
    if (p.components >= 2) {
      const int R = a.region_res = o.region_res;
      auto grid = torch::empty({int64_t(R) * R, a.feature_dim}, torch::kFloat64);
      auto ga = grid.accessor<double, 2>();
      for (int iy = 0; iy < R; ++iy)
        for (int ix = 0; ix < R; ++ix) {
          double u = a.region_x0 + (a.region_x1 - a.region_x0) * (ix + 0.5) / R;
          double v = a.region_y0 + (a.region_y1 - a.region_y0) * (iy + 0.5) / R;
          for (int j = 0; j < a.feature_dim; ++j)
            ga[iy * R + ix][j] = p.mean[j] + u * p.axes[j] + v * p.axes[a.feature_dim + j];
        }
      auto cls = net.head(grid.to(torch::kFloat32)).argmax(1);
      for (int64_t i = 0; i < cls.size(0); ++i) a.region_class.push_back(int(cls[i].item<int64_t>()));
    } else {
      a.notes.push_back("decision regions: the features have fewer than 2 dimensions");
    }
  }

  // Fixed test images: pixels, labels, predictions of the last checkpoint.
  std::vector<std::size_t> fixed;
  for (int p : r.fixed_test_positions)
    if (int(fixed.size()) < o.grid_images) fixed.push_back(std::size_t(p));
  for (auto p : fixed) {
    a.images.emplace_back(s.image(p), s.image(p) + s.image_bytes());
    a.image_labels.push_back(s.labels[p]);
    a.image_predictions.push_back(pred_all[p]);
  }

  // Grad-CAM per saved epoch.
  {
    std::vector<std::size_t> cam_idx(fixed.begin(), fixed.begin() + std::min<std::size_t>(fixed.size(), std::size_t(std::max(0, o.gradcam_images))));
    auto xc = pixels(s, cam_idx);
    for (int e : r.epoch_checkpoints) {
      if (cam_idx.empty()) break;
      char name[32];
      std::snprintf(name, sizeof name, "/epoch_%03d.pt", e);
      Net ne = load_net(r, r.dir + name, s, a.circuit_path, nullptr);
      torch::Tensor pred;
      auto cam = grad_cam([&](const torch::Tensor& x) { return ne.maps(x); },
                          [&](const torch::Tensor& m) { return ne.head(ne.features_from_maps(m)); },
                          xc, torch::Tensor(), s.height, s.width, &pred);
      a.cam_epochs.push_back(e);
      std::vector<std::vector<float>> per;
      std::vector<int> pp;
      for (int64_t b = 0; b < cam.size(0); ++b) {
        auto t = cam[b].contiguous();
        per.emplace_back(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
        pp.push_back(int(pred[b].item<int64_t>()));
      }
      a.cams.push_back(std::move(per));
      a.cam_predictions.push_back(std::move(pp));
    }
    if (r.epoch_checkpoints.empty()) a.notes.push_back("Grad-CAM: the run has no epoch_NNN.pt");
  }

  // Bloch vectors after the encoding layer.
  if (net.quantum) {
    try {
      torch::NoGradGuard ng;
      const int64_t B = std::min<int64_t>(o.bloch_samples, N);
      bloch_vectors(net, a.circuit_path, net.features(X.narrow(0, 0, B)), a);
      for (int64_t i = 0; i < B; ++i) a.bloch_labels.push_back(s.labels[i]);
    } catch (const std::exception& e) {
      a.bloch.clear();
      a.bloch_qubits = 0;
      a.notes.push_back(std::string("Bloch vectors: ") + e.what());
    }
  }
  return a;
}

}  // namespace qforge::models
