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

#include "checkpoint.hpp"
#include "files.hpp"
#include "quantum_head.hpp"

#include "qforge/circuit.hpp"
#include "qforge/observables.hpp"
#include "qforge/simulator.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <complex>
#include <cstdio>
#include <cstdlib>

namespace qforge::models {
namespace {

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

/// A checkpoint's model, built for the run's test images.
Classifier load_model(const RunRecord& r, const std::string& checkpoint, const ImageSet& s,
                      const std::string& circuit, int* epoch) {
  Checkpoint k = read_checkpoint(checkpoint);
  if (epoch) *epoch = k.epoch;
  return k.model(model_spec(r.config, s, int(s.class_names.size()), circuit));
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

/// Bloch vectors (<X>, <Y>, <Z> of every qubit, qubit q = bit q of the basis
/// index) of each sample's state after the quantum layer's encoding, run by
/// the runtime: the circuit's operations up to the last one that reads the
/// data input, with the trained weights bound (none for amplitude embedding,
/// whose encoding is the initial state: the normalised features).
void bloch_vectors(const QuantumHead& head, const torch::Tensor& feats, RunAnalysis& a) {
  const Circuit& c = head.circuit();
  const unsigned n = c.num_qubits;
  if (n == 0 || n > 12) throw std::runtime_error("Bloch vectors: circuit has " + std::to_string(n) + " qubits");
  const QuantumHeadSpec& spec = head.spec();
  std::vector<uint32_t> data_syms;
  for (const auto& in : c.inputs)
    if (!spec.amplitude_embedding && in.name == spec.data_input)
      for (uint32_t i = 0; i < in.size(); ++i) data_syms.push_back(in.first_symbol + i);
  Circuit encoding = c;
  encoding.ops.clear();
  if (!spec.amplitude_embedding) {
    std::size_t prefix = 0;
    for (std::size_t k = 0; k < c.ops.size(); ++k) {
      std::vector<uint32_t> syms;
      for (const auto& e : c.ops[k].params) e.collect_symbols(syms);
      for (auto s : syms)
        if (std::find(data_syms.begin(), data_syms.end(), s) != data_syms.end()) prefix = k + 1;
    }
    for (std::size_t k = 0; k < prefix; ++k)
      if (c.ops[k].kind == OpKind::Gate) encoding.ops.push_back(c.ops[k]);
  }
  std::vector<sim::Observable> xyz;
  for (unsigned q = 0; q < n; ++q)
    for (const char* p : {"X", "Y", "Z"}) xyz.push_back(sim::parse_observable(p + std::to_string(q)));
  auto f = feats.to(torch::kFloat64).contiguous();
  const int64_t B = f.size(0), K = f.size(1);
  const std::size_t N = std::size_t(1) << n;
  if (spec.amplitude_embedding ? std::size_t(K) != N : std::size_t(K) != data_syms.size())
    throw std::runtime_error("Bloch vectors: " + std::to_string(K) + " features for the circuit's encoding");
  a.bloch_qubits = int(n);
  std::vector<double> vals = head.weight_values();
  for (int64_t b = 0; b < B; ++b) {
    const double* row = f.data_ptr<double>() + b * K;
    sim::StateVector<double> psi(n);
    if (spec.amplitude_embedding) {
      double nrm = 0;
      for (int64_t i = 0; i < K; ++i) nrm += row[i] * row[i];
      nrm = std::sqrt(nrm) + 1e-12;
      std::vector<std::complex<double>> amp(N);
      for (std::size_t i = 0; i < N; ++i) amp[i] = row[i] / nrm;
      psi.assign(amp.data());
    } else {
      for (std::size_t i = 0; i < data_syms.size(); ++i) vals[data_syms[i]] = row[i];
      psi = sim::simulate<double>(encoding, vals);
    }
    for (const auto& o : xyz) a.bloch.push_back(sim::expectation(psi, o));
  }
}

}  // namespace

RunAnalysis analyse_run(const RunRecord& r, const AnalysisOptions& o) {
  TorchThreads threads(o.threads);
  RunAnalysis a;
  a.threads = threads.count();
  TestData td = test_data(r);
  const ImageSet& s = td.set;
  const int C = int(s.class_names.size());
  a.channels = s.channels;
  a.height = s.height;
  a.width = s.width;
  a.circuit_path = is_hybrid(r.model) ? run_circuit_file(r.dir, r.config) : "";
  Classifier net = load_model(r, r.dir + "/checkpoint.pt", s, a.circuit_path, &a.epoch);

  auto X = pixels(s, range(s.size()));
  auto Y = torch::from_blob(const_cast<int32_t*>(s.labels.data()), {int64_t(s.size())}, torch::kInt32)
               .to(torch::kLong);
  // Predictions and the FGSM sweep.
  a.fgsm_eps = o.fgsm_eps;
  if (a.fgsm_eps.empty())
    for (int i = 0; i <= 12; ++i) a.fgsm_eps.push_back(0.025 * i);
  const int64_t N = X.size(0);
  FgsmResult adv = fgsm(net, X, Y, a.fgsm_eps);
  const std::vector<int>& pred_all = adv.predictions;
  a.confusion = ConfusionMatrix(C);
  for (std::size_t i = 0; i < s.size(); ++i) a.confusion.add(s.labels[i], pred_all[i]);
  for (auto c : adv.correct) a.fgsm_accuracy.push_back(double(c) / double(std::max<int64_t>(1, N)));

  // Features, PCA, t-SNE, decision regions.
  {
    torch::NoGradGuard ng;
    const int64_t P = std::min<int64_t>(o.points, N);
    auto f = net->features(X.narrow(0, 0, P)).to(torch::kFloat64).contiguous();
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
      auto cls = net->head(grid.to(torch::kFloat32)).argmax(1);
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
      Classifier ne = load_model(r, r.dir + "/" + epoch_checkpoint_file(e), s, a.circuit_path, nullptr);
      torch::Tensor pred;
      auto cam = grad_cam([&](const torch::Tensor& x) { return ne->maps(x); },
                          [&](const torch::Tensor& m) { return ne->head(ne->features_from_maps(m)); },
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
  if (net->quantum()) {
    try {
      torch::NoGradGuard ng;
      const int64_t B = std::min<int64_t>(o.bloch_samples, N);
      bloch_vectors(*net->quantum(), net->features(X.narrow(0, 0, B)), a);
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
