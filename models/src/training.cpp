// Training, checkpoints, resume and evaluation (training.hpp).
#include "qforge/models/training.hpp"

#include "qforge/models/datasets.hpp"
#include "qforge/models/networks.hpp"

#include "checkpoint.hpp"
#include "distributed.hpp"
#include "files.hpp"
#include "device_layer.hpp"
#include "run_files.hpp"

#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qforge::models {

// ------------------------------------------------------------------ config

namespace {

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

std::string fmt_double(double v) {
  std::ostringstream o;
  o << std::setprecision(17) << v;
  return o.str();
}

}  // namespace

std::vector<std::pair<std::string, std::string>> config_entries(const TrainConfig& c) {
  return {{"model", c.model},
          {"dataset", c.dataset},
          {"data-dir", c.data_dir},
          {"classes", c.classes},
          {"train-size", std::to_string(c.train_size)},
          {"val-size", std::to_string(c.val_size)},
          {"test-size", std::to_string(c.test_size)},
          {"epochs", std::to_string(c.epochs)},
          {"batch", std::to_string(c.batch)},
          {"lr", fmt_double(c.lr)},
          {"seed", std::to_string(c.seed)},
          {"threads", std::to_string(c.threads)},
          {"dropout", fmt_double(c.dropout)},
          {"augment", c.augment ? "true" : "false"},
          {"circuit", c.circuit},
          {"circuits-dir", c.circuits_dir},
          {"run-dir", c.run_dir},
          {"fixed-test-images", std::to_string(c.fixed_test_images)},
          {"noise", c.noise},
          {"idle-noise", c.idle_noise ? "true" : "false"},
          {"noise-hash", c.noise_hash},
          {"noise-layout", c.noise_layout}};
}

void set_config_entry(TrainConfig& c, const std::string& k, const std::string& v, const std::string& where) {
  try {
    if (k == "model") c.model = v;
    else if (k == "dataset") c.dataset = v;
    else if (k == "data-dir") c.data_dir = v;
    else if (k == "classes") c.classes = v;
    else if (k == "train-size") c.train_size = std::stoull(v);
    else if (k == "val-size") c.val_size = std::stoull(v);
    else if (k == "test-size") c.test_size = std::stoull(v);
    else if (k == "epochs") c.epochs = std::stoi(v);
    else if (k == "batch") c.batch = std::stoi(v);
    else if (k == "lr") c.lr = std::stod(v);
    else if (k == "seed") c.seed = std::stoull(v);
    else if (k == "threads") c.threads = std::stoi(v);
    else if (k == "dropout") c.dropout = std::stod(v);
    else if (k == "augment") c.augment = (v == "true" || v == "1" || v == "yes");
    else if (k == "circuit") c.circuit = v;
    else if (k == "circuits-dir") c.circuits_dir = v;
    else if (k == "run-dir") c.run_dir = v;
    else if (k == "fixed-test-images") c.fixed_test_images = std::stoi(v);
    else if (k == "noise") c.noise = v;
    else if (k == "idle-noise") c.idle_noise = (v == "true" || v == "1" || v == "yes" || v == "on");
    else if (k == "noise-hash") c.noise_hash = v;
    else if (k == "noise-layout") c.noise_layout = v;
    else throw std::runtime_error(where + ": unknown key '" + k + "'");
  } catch (const std::logic_error&) {
    throw std::runtime_error(where + ": bad value '" + v + "' for " + k);
  }
}

std::string config_to_text(const TrainConfig& c) {
  std::string o;
  for (const auto& [k, v] : config_entries(c)) o += k + " = " + v + "\n";
  return o;
}

void apply_config_text(TrainConfig& c, const std::string& text, const std::string& source) {
  std::istringstream in(text);
  int lineno = 0;
  for (std::string line; std::getline(in, line);) {
    ++lineno;
    auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    line = trim(line);
    if (line.empty()) continue;
    auto eq = line.find('=');
    auto where = source + ":" + std::to_string(lineno);
    if (eq == std::string::npos) throw std::runtime_error(where + ": expected key = value");
    set_config_entry(c, trim(line.substr(0, eq)), trim(line.substr(eq + 1)), where);
  }
}

TorchThreads::TorchThreads(int requested) : previous_(torch::get_num_threads()) {
  int n = requested > 0 ? requested : int(std::max(1u, std::thread::hardware_concurrency()));
  if (n != previous_) torch::set_num_threads(n);
  count_ = torch::get_num_threads();
}

TorchThreads::~TorchThreads() {
  if (torch::get_num_threads() != previous_) torch::set_num_threads(previous_);
}

TorchSeed::TorchSeed(uint64_t seed) {
  auto gen = at::detail::getDefaultCPUGenerator();
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    saved_ = gen.get_state();
  }
  torch::manual_seed(seed);
}

TorchSeed::~TorchSeed() {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(saved_);
}

// ------------------------------------------------------------------ helpers

namespace {

using files::is_dir;
using files::is_file;
using files::make_dirs;
using files::read_text;
using files::write_atomic;

std::string circuit_path(const TrainConfig& c) {
  if (!is_hybrid(c.model)) return "";
  if (!c.circuit.empty()) return c.circuit;
  std::string file = default_circuit_file(c.model);
  std::vector<std::string> dirs;
  if (!c.circuits_dir.empty()) dirs.push_back(c.circuits_dir);
  if (const char* env = std::getenv("QFORGE_CIRCUITS")) dirs.push_back(env);
  dirs.push_back("circuits");
  std::string here = __FILE__;  // <source>/models/src/training.cpp
  auto cut = here.rfind("/models/src/");
  if (cut != std::string::npos) dirs.push_back(here.substr(0, cut) + "/circuits");
  for (const auto& d : dirs)
    if (is_file(d + "/" + file)) return d + "/" + file;
  std::string tried;
  for (const auto& d : dirs) tried += "\n  " + d + "/" + file;
  throw std::runtime_error("cannot find circuit " + file + " for model " + c.model +
                           " (set --circuits-dir or --circuit); tried:" + tried);
}

/// The parts drawn from `train` (the training split, or a single pool):
/// training and validation, and the test part too from a single pool.
std::vector<std::size_t> split_sizes(const TrainConfig& c, const ImageSet& train) {
  if (train.single_pool) return {c.train_size, c.val_size, c.test_size};
  return {c.train_size, c.val_size};
}

/// The three balanced parts, as bytes, plus their indices into the splits.
struct Data {
  ImageSet train, val, test;
  std::vector<std::size_t> test_source;  // index of each test image in the test split
  std::vector<std::string> class_names;
  Normalization norm;
};

Data prepare_data(const TrainConfig& c) {
  ImageSet tr = load_dataset(c.dataset, c.data_dir, "train");
  auto classes = parse_classes(c.classes, tr.class_names);
  if (!classes.empty()) tr = select_classes(tr, classes);
  const int C = int(tr.class_names.size());
  Data d;
  d.class_names = tr.class_names;
  auto parts = balanced_split(tr.labels, C, split_sizes(c, tr), c.seed);
  d.train = subset(tr, parts[0]);
  d.val = subset(tr, parts[1]);
  TestSplit t = test_split(c);
  check_same_geometry(tr, t.images);
  d.test = std::move(t.images);
  d.test_source = std::move(t.source);
  d.norm = dataset_normalization(c.dataset, tr.channels);
  return d;
}

}  // namespace

TestSplit test_split(const TrainConfig& c) {
  ImageSet te = load_dataset(c.dataset, c.data_dir, "test");
  auto classes = parse_classes(c.classes, te.class_names);
  // Positions in the test file of the images the class selection keeps.
  std::vector<std::size_t> kept;
  std::vector<int> keep(te.class_names.size(), -1);
  for (std::size_t k = 0; k < classes.size(); ++k) keep[classes[k]] = int(k);
  for (std::size_t i = 0; i < te.size(); ++i)
    if (classes.empty() || keep[te.labels[i]] >= 0) kept.push_back(i);
  if (!classes.empty()) te = select_classes(te, classes);
  // A single pool: the test part of the same draw as training's parts.
  auto parts = te.single_pool ? balanced_split(te.labels, int(te.class_names.size()), split_sizes(c, te), c.seed)
                              : balanced_split(te.labels, int(te.class_names.size()), {c.test_size}, c.seed + 1);
  const auto& part = parts.back();
  TestSplit t;
  t.images = subset(te, part);
  for (auto i : part) t.source.push_back(kept[i]);
  return t;
}

namespace {

ModelSpec model_spec(const TrainConfig& c, const ImageSet& s, int num_classes) {
  return qforge::models::model_spec(c, s, num_classes, circuit_path(c));
}

torch::Tensor images_u8(const ImageSet& s) {
  return torch::from_blob(const_cast<uint8_t*>(s.pixels.data()),
                          {int64_t(s.size()), s.channels, s.height, s.width}, torch::kUInt8)
      .clone();
}
torch::Tensor labels_t(const ImageSet& s) {
  return torch::from_blob(const_cast<int32_t*>(s.labels.data()), {int64_t(s.size())}, torch::kInt32)
      .to(torch::kLong);
}

torch::Tensor augment_batch(torch::Tensor x, bool flip) {
  // Random crop with zero padding (1/14 of the side), and horizontal flips.
  const int64_t H = x.size(2), W = x.size(3), pad = std::max<int64_t>(1, H / 14);
  auto padded = torch::constant_pad_nd(x, {pad, pad, pad, pad}, 0);
  auto offs = torch::randint(0, 2 * pad + 1, {x.size(0), 2}, torch::kLong);
  auto flips = torch::rand({x.size(0)});
  auto out = torch::empty_like(x);
  auto oa = offs.accessor<int64_t, 2>();
  auto fa = flips.accessor<float, 1>();
  for (int64_t b = 0; b < x.size(0); ++b) {
    auto img = padded[b].narrow(1, oa[b][0], H).narrow(2, oa[b][1], W);
    if (flip && fa[b] < 0.5f) img = img.flip({2});
    out[b].copy_(img);
  }
  return out;
}

struct PassResult {
  double loss = 0;
  ConfusionMatrix cm;
};

/// The floating type of the model's parameters (inputs are converted to it).
torch::ScalarType input_type(Classifier& model) {
  for (const auto& p : model->parameters()) return p.scalar_type();
  return torch::kFloat32;
}

/// With a process group: this rank's contiguous part of the images.
torch::Tensor rank_rows(const torch::Tensor& t, ProcessGroup* group) {
  if (!group) return t;
  const Part p = rank_part(t.size(0), group->size(), group->rank());
  return t.narrow(0, p.begin, p.count);
}

/// Loss (mean) and confusion matrix over the images X, labels Y; with a
/// group, each rank runs its part and every rank gets the sums of all.
PassResult eval_pass(Classifier& model, const torch::Tensor& X_all, const torch::Tensor& Y_all, int C,
                     ProcessGroup* group = nullptr) {
  torch::NoGradGuard ng;
  model->eval();
  PassResult r{0, ConfusionMatrix(C)};
  const auto X = rank_rows(X_all, group), Y = rank_rows(Y_all, group);
  const int64_t N = X.size(0), bs = 256;
  for (int64_t i = 0; i < N; i += bs) {
    auto x = X.narrow(0, i, std::min(bs, N - i)).to(input_type(model)) / 255.0;
    auto y = Y.narrow(0, i, x.size(0));
    auto out = model->forward(x);
    r.loss += torch::nll_loss(out, y, {}, at::Reduction::Sum).item<double>();
    auto pred = out.argmax(1);
    auto pa = pred.accessor<int64_t, 1>();
    auto ya = y.accessor<int64_t, 1>();
    for (int64_t b = 0; b < x.size(0); ++b) r.cm.add(int(ya[b]), int(pa[b]));
  }
  if (group) distributed::allreduce_counts(*group, r.cm, r.loss, "evaluation results");
  r.loss /= double(std::max<int64_t>(1, X_all.size(0)));
  return r;
}

double peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_maxrss) / 1024.0;
}
double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         1e-6 * double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

torch::Tensor text_tensor(const std::string& text) {
  return torch::from_blob(const_cast<char*>(text.data()), {int64_t(text.size())}, torch::kChar).clone();
}
std::string tensor_text(const torch::Tensor& t) {
  return std::string(reinterpret_cast<const char*>(t.data_ptr<int8_t>()), std::size_t(t.numel()));
}

/// The metrics of checkpoints written before the "meta" entry: one row of
/// 12 doubles per epoch, in metrics.csv's column order.
std::vector<EpochMetrics> history_from(const torch::Tensor& t) {
  std::vector<EpochMetrics> h;
  auto a = t.accessor<double, 2>();
  for (int64_t i = 0; i < t.size(0); ++i) {
    EpochMetrics m;
    m.epoch = int(a[i][0]);
    const auto& fields = run_files::kEpochFields;
    for (std::size_t k = 0; k < fields.size(); ++k) m.*fields[k].value = a[i][int64_t(k) + 1];
    h.push_back(m);
  }
  return h;
}

/// A checkpoint's "sampler" entry: the world size and where the data
/// sampler stands. Epoch e's order is a shuffle seeded by (seed, e); each
/// global batch of it is split over the ranks (rank_part). Checkpoints are
/// written after whole epochs, so the position is always 0.
std::string sampler_state(int world_size, uint64_t seed, int epoch) {
  return nlohmann::json{{"world_size", world_size},
                        {"sampler", "global batches split over ranks"},
                        {"seed", seed},
                        {"epoch", epoch},
                        {"position", 0}}
      .dump();
}
int sampler_world_size(const std::string& text, const std::string& path) {
  try {
    return nlohmann::json::parse(text).at("world_size").get<int>();
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error("'" + path + "': bad sampler entry (" + e.what() + ")");
  }
}

std::string fmt_time(double s) {
  int t = int(s + 0.5);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60);
  return buf;
}

/// `from`'s parameters and buffers into `to` (the same model with another
/// quantum layer: the same names and shapes).
void copy_weights(Classifier& from, Classifier& to) {
  torch::NoGradGuard ng;
  auto src = from->named_parameters(), dst = to->named_parameters();
  for (auto& p : dst) p.value().copy_(src[p.key()]);
  auto sb = from->named_buffers(), db = to->named_buffers();
  for (auto& b : db) b.value().copy_(sb[b.key()]);
}

void copy_file(const std::string& from, const std::string& to) {
  write_atomic(to, read_text(from));
}

}  // namespace

// ------------------------------------------------------------------ checkpoints

Checkpoint read_checkpoint(const std::string& path) {
  if (!is_file(path)) throw std::runtime_error("no checkpoint '" + path + "'");
  Checkpoint k;
  k.path = path;
  try {
    k.archive.load_from(path);
    torch::Tensor meta;  // fresh tensors: read() into a defined one keeps its dtype
    if (k.archive.try_read("meta", meta)) {
      auto m = run_files::read_checkpoint_meta(tensor_text(meta), path);
      k.config = std::move(m.config);
      k.epoch = m.epoch;
      k.history = std::move(m.history);
    } else {  // written before the metadata was JSON
      torch::Tensor t, e, h;
      k.archive.read("config", t);
      k.archive.read("epoch", e);
      k.archive.read("history", h);
      apply_config_text(k.config, tensor_text(t), path + ": config");
      k.epoch = int(e.item<int64_t>());
      k.history = history_from(h);
    }
    torch::Tensor sampler;
    if (k.archive.try_read("sampler", sampler)) k.world_size = sampler_world_size(tensor_text(sampler), path);
  } catch (const c10::Error& e) {
    throw std::runtime_error("'" + path + "' is not a qforge checkpoint (" +
                             std::string(e.what_without_backtrace()) + ")");
  }
  return k;
}

namespace {

/// The type of the first of `m`'s parameters that `ar` (a saved `m`) holds.
std::optional<torch::ScalarType> archived_type(torch::nn::Module& m, torch::serialize::InputArchive& ar) {
  for (const auto& p : m.named_parameters(/*recurse=*/false)) {
    torch::Tensor t;
    if (ar.try_read(p.key(), t)) return t.scalar_type();
  }
  for (const auto& c : m.named_children()) {
    torch::serialize::InputArchive sub;
    if (ar.try_read(c.key(), sub))
      if (auto t = archived_type(*c.value(), sub)) return t;
  }
  return std::nullopt;
}

}  // namespace

Classifier Checkpoint::model(const ModelSpec& spec) {
  Classifier m(spec);
  torch::serialize::InputArchive mar;
  try {
    archive.read("model", mar);
    // A float64 run's weights into float64 parameters (load keeps the type
    // of the parameters it fills).
    auto type = archived_type(*m, mar);
    if (type && *type != torch::kFloat32) m->to(*type);
    m->load(mar);
  } catch (const c10::Error& e) {
    throw std::runtime_error("'" + path + "' does not hold a " + spec.kind + " model for these data (" +
                             std::string(e.what_without_backtrace()) + ")");
  }
  m->eval();
  return m;
}

void write_checkpoint(const std::string& path, Classifier& model, torch::optim::Optimizer& opt,
                      int epoch, const TrainConfig& c, const std::vector<EpochMetrics>& h, int world_size) {
  torch::serialize::OutputArchive ar;
  torch::serialize::OutputArchive mar, oar;
  model->save(mar);
  opt.save(oar);
  ar.write("model", mar);
  ar.write("optimizer", oar);
  ar.write("meta", text_tensor(run_files::checkpoint_meta(c, epoch, h)));
  ar.write("sampler", text_tensor(sampler_state(world_size, c.seed, epoch)));
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    ar.write("rng", gen.get_state());
  }
  std::ostringstream bytes;
  ar.save_to(bytes);
  write_atomic(path, bytes.str());
}

// ------------------------------------------------------------------ FGSM

FgsmResult fgsm(Classifier& model, const torch::Tensor& X, const torch::Tensor& Y,
                const std::vector<double>& eps) {
  model->eval();
  FgsmResult r;
  r.correct.assign(eps.size(), 0);
  const int64_t N = X.size(0), bs = 256;
  for (int64_t i = 0; i < N; i += bs) {
    auto x = X.narrow(0, i, std::min(bs, N - i)).detach().clone().set_requires_grad(true);
    auto y = Y.narrow(0, i, x.size(0));
    torch::Tensor out, g;
    {
      torch::AutoGradMode on(true);
      out = model->forward(x);
      g = torch::autograd::grad({torch::nll_loss(out, y)}, {x})[0].sign();
    }
    torch::NoGradGuard ng;
    auto pred = out.argmax(1);
    for (int64_t b = 0; b < x.size(0); ++b) r.predictions.push_back(int(pred[b].item<int64_t>()));
    for (std::size_t k = 0; k < eps.size(); ++k) {
      auto adv = (x.detach() + eps[k] * g).clamp(0, 1);
      r.correct[k] += model->forward(adv).argmax(1).eq(y).sum().item<int64_t>();
    }
  }
  return r;
}

std::string find_circuit_file(const TrainConfig& c) { return circuit_path(c); }

std::string epoch_checkpoint_file(int epoch) {
  char name[32];
  std::snprintf(name, sizeof name, "epoch_%03d.pt", epoch);
  return name;
}

std::string run_circuit_file(const std::string& run_dir, const TrainConfig& c) {
  if (is_file(run_dir + "/circuit.qasm")) return run_dir + "/circuit.qasm";
  TrainConfig search = c;
  if (!is_file(search.circuit)) search.circuit.clear();
  return circuit_path(search);
}

ParameterCounts count_parameters(const TrainConfig& c) {
  ImageSet probe;
  probe.channels = (c.dataset == "cifar-100" || c.dataset == "stl-10") ? 3 : 1;
  probe.height = probe.width = 28;
  int C = c.classes.empty() ? (c.dataset == "cifar-100" ? 100 : 10)
                            : int(std::count(c.classes.begin(), c.classes.end(), ',') + 1);
  Classifier m(model_spec(c, probe, C));
  return m->counts();
}

namespace {

/// Record the device a run trains on in its configuration (so checkpoints
/// carry it), or check that a resumed or evaluated run still finds the same
/// noise model file and layout.
void record_device(TrainConfig& c, const DeviceLayer& d) {
  const std::string layout = layout_text(d.final_layout);
  if (!c.noise_hash.empty() && c.noise_hash != d.noise_hash)
    throw std::runtime_error("the noise model '" + c.noise + "' changed since the run trained on it (hash " +
                             c.noise_hash + ", now " + d.noise_hash + ")");
  if (!c.noise_layout.empty() && c.noise_layout != layout)
    throw std::runtime_error("the layer now compiles to layout [" + layout + "] on '" + c.noise +
                             "', the run trained on [" + c.noise_layout + "]");
  c.noise_hash = d.noise_hash;
  c.noise_layout = layout;
}

/// The epochs train() keeps a checkpoint of (epoch_NNN.pt).
bool kept_epoch(int epoch, int epochs) { return epoch == 1 || epoch == (epochs + 1) / 2 || epoch == epochs; }

/// Resuming after `epoch`: the metrics files from the checkpoint's history
/// (a kill between writing them and the checkpoint leaves them an epoch
/// behind or ahead) and the checkpoint's copy as epoch_NNN.pt when that
/// epoch keeps one and a kill came before the copy.
void repair_run_files(const TrainConfig& c, const TrainResult& r, const std::vector<std::string>& class_names,
                      int epoch) {
  write_atomic(c.run_dir + "/metrics.csv", run_files::metrics_csv(r.history));
  write_atomic(c.run_dir + "/metrics.json", run_files::metrics_json(c, r, class_names));
  const std::string kept = c.run_dir + "/" + epoch_checkpoint_file(epoch);
  if (kept_epoch(epoch, c.epochs) && !is_file(kept)) copy_file(c.run_dir + "/checkpoint.pt", kept);
}

}  // namespace

TrainResult train(const TrainConfig& cfg_in, std::ostream& log) {
  TrainConfig c = cfg_in;
  if (c.run_dir.empty()) throw std::runtime_error("no run directory");
  if (c.epochs < 1 || c.batch < 1) throw std::runtime_error("epochs and batch must be positive");
  TrainResult r;
  TorchThreads threads(c.threads);
  r.threads = threads.count();
  r.run_dir = c.run_dir;
  const std::string ckpt = c.run_dir + "/checkpoint.pt";
  // Data-parallel: rank 0 alone writes files and progress.
  const std::shared_ptr<ProcessGroup> group = c.group;
  const int ranks = group ? group->size() : 1, rank = group ? group->rank() : 0;
  const bool lead = rank == 0;
  if (!lead) c.quiet = true;
  if (c.batch < ranks)
    throw std::runtime_error("--batch " + std::to_string(c.batch) + " is smaller than the " + std::to_string(ranks) +
                             " ranks it is split over");
  r.world_size = ranks;

  int start_epoch = 0;
  Checkpoint resume;
  if (c.resume && is_file(ckpt)) {
    resume = read_checkpoint(ckpt);
    const Checkpoint& l = resume;
    // The stored run decides everything that shapes the result.
    int epochs = c.epochs, threads = c.threads, stop = c.stop_after, progress = c.progress;
    bool quiet = c.quiet, float64 = c.float64;
    std::string run_dir = c.run_dir;
    c = l.config;
    c.epochs = epochs;
    c.threads = threads;
    c.stop_after = stop;
    c.progress = progress;
    c.quiet = quiet;
    c.run_dir = run_dir;
    c.resume = true;
    c.group = group;
    c.float64 = float64;
    start_epoch = l.epoch;
    r.history = l.history;
  }
  if (group && std::to_string(start_epoch) != distributed::broadcast_bytes(*group, std::to_string(start_epoch),
                                                                             "the epoch to resume after"))
    throw DistributedError("rank " + std::to_string(rank) + " would resume after epoch " +
                           std::to_string(start_epoch) + ", rank 0 after another: every rank must see the same " +
                           ckpt);

  Data d = prepare_data(c);
  const int C = int(d.class_names.size());
  // Ranks that are threads of one process share the default generator: each
  // seeds it and draws its initial weights alone.
  static std::mutex build_mutex;
  std::unique_lock<std::mutex> build_lock(build_mutex);
  TorchSeed seed(c.seed);
  const ModelSpec spec = model_spec(c, d.train, C);
  if (spec.device) record_device(c, *spec.device);
  Classifier model = start_epoch > 0 ? resume.model(spec) : Classifier(spec);
  // On a device: the same model through the noiseless layer, given the
  // trained weights after each epoch (ideal beside noisy in the metrics).
  // Built with the random generator's state put back, so the noisy run's
  // numbers do not depend on it.
  Classifier ideal_model{nullptr};
  if (spec.device) {
    TrainConfig ideal = c;
    ideal.noise.clear();
    auto gen = at::detail::getDefaultCPUGenerator();
    at::Tensor state;
    {
      std::lock_guard<std::mutex> lock(gen.mutex());
      state = gen.get_state();
    }
    ideal_model = Classifier(model_spec(ideal, d.train, C));
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state);
  }
  build_lock.unlock();
  if (c.float64) {
    model->to(torch::kFloat64);
    if (!ideal_model.is_empty()) ideal_model->to(torch::kFloat64);
  }
  if (group) distributed::broadcast_module(*group, *model);
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(c.lr));
  r.parameters = model->counts();
  if (start_epoch > 0) {
    torch::serialize::InputArchive oar;
    resume.archive.read("optimizer", oar);
    opt.load(oar);
    torch::Tensor rng;
    resume.archive.read("rng", rng);
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(rng);
  }
  if (lead) {
    make_dirs(c.run_dir);  // the data and the model are known to fit: write
    write_atomic(c.run_dir + "/config.txt", config_to_text(c));
    if (start_epoch > 0) repair_run_files(c, r, d.class_names, start_epoch);
    // The circuit as trained (for `qforge report`: its diagram, Bloch vectors).
    if (is_hybrid(c.model)) copy_file(spec.circuit_path, c.run_dir + "/circuit.qasm");
    if (spec.device) write_atomic(c.run_dir + "/device.json", device_json(*spec.device));
    std::ostringstream o;
    o << "# fixed test images: position in the test subset, index in the " << c.dataset
      << " test split, label\n";
    for (int i = 0; i < std::min<int>(c.fixed_test_images, int(d.test.size())); ++i)
      o << i << " " << d.test_source[i] << " " << d.class_names[d.test.labels[i]] << "\n";
    write_atomic(c.run_dir + "/test_images.txt", o.str());
  }

  auto Xtr = images_u8(d.train), Ytr = labels_t(d.train);
  auto Xva = images_u8(d.val), Yva = labels_t(d.val);
  auto Xte = images_u8(d.test), Yte = labels_t(d.test);
  const int64_t N = Xtr.size(0);
  const int64_t nb = (N + c.batch - 1) / c.batch;
  const bool bar = c.progress == 1 || (c.progress < 0 && ::isatty(2));
  const bool flip = c.dataset != "mnist";
  if (!c.quiet && start_epoch == 0)
    log << c.model << " on " << c.dataset << " (" << C << " classes): " << d.train.size()
        << " train, " << d.val.size() << " validation, " << d.test.size() << " test images; "
        << r.parameters.total << " parameters (" << r.parameters.quantum << " quantum); "
        << r.threads << " threads\n";
  if (!c.quiet && start_epoch > 0)
    log << "resuming " << c.run_dir << " after epoch " << start_epoch
        << (resume.world_size != ranks ? " (trained on " + std::to_string(resume.world_size) + " ranks, now " +
                                             std::to_string(ranks) + ")"
                                       : std::string())
        << "\n";
  if (!c.quiet && group)
    log << ranks << " ranks (data-parallel over Gloo), " << c.batch << " images per step in all\n";
  if (!c.quiet && spec.device)
    log << "noise model " << c.noise << " (idle noise " << (c.idle_noise ? "on" : "off") << ", -O" << kDeviceLevel
        << ")\n"
        << spec.device->summary;

  auto t_run0 = std::chrono::steady_clock::now();
  int done_this_run = 0;
  for (int epoch = start_epoch + 1; epoch <= c.epochs; ++epoch) {
    auto t0 = std::chrono::steady_clock::now();
    double cpu0 = cpu_seconds();
    const double allreduce0 = group ? group->allreduce_seconds() : 0;
    // Ranks > 0 draw dropout and augmentation from their own stream, seeded
    // per (seed, rank, epoch) so that resume reproduces it; rank 0 keeps the
    // stream a one-process run has.
    if (rank > 0) torch::manual_seed(distributed::rank_seed(c.seed, rank, epoch));
    // Data order depends only on (seed, epoch): resume reproduces it.
    std::vector<int64_t> order(N);
    for (int64_t i = 0; i < N; ++i) order[i] = i;
    std::mt19937_64 rng(c.seed * 1000003ULL + uint64_t(epoch));
    std::shuffle(order.begin(), order.end(), rng);
    auto perm = torch::from_blob(order.data(), {N}, torch::kLong).clone();
    model->train();
    PassResult tr{0, ConfusionMatrix(C)};
    for (int64_t b = 0; b < nb; ++b) {
      // This rank's part of the global batch (all of it for one process).
      const int64_t batch_n = std::min<int64_t>(c.batch, N - b * c.batch);
      const Part part = rank_part(batch_n, ranks, rank);
      auto idx = perm.narrow(0, b * c.batch + part.begin, part.count);
      auto x = Xtr.index_select(0, idx).to(input_type(model)) / 255.0;
      auto y = Ytr.index_select(0, idx);
      if (c.augment) x = augment_batch(x, flip);
      opt.zero_grad();
      auto out = model->forward(x);
      // Over ranks: this part's share of the global batch's mean loss, so that
      // the summed gradients are those of one process.
      auto loss = group ? torch::nll_loss(out, y, {}, at::Reduction::Sum) / double(batch_n) : torch::nll_loss(out, y);
      loss.backward();
      if (group)
        distributed::allreduce_gradients(*group, model->parameters(),
                                         "epoch " + std::to_string(epoch) + ", step " + std::to_string(b + 1));
      opt.step();
      tr.loss += loss.item<double>() * double(group ? batch_n : x.size(0));
      auto pred = out.argmax(1);
      auto pa = pred.accessor<int64_t, 1>();
      auto ya = y.accessor<int64_t, 1>();
      for (int64_t i = 0; i < x.size(0); ++i) tr.cm.add(int(ya[i]), int(pa[i]));
      if (bar && !c.quiet) {
        double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_run0).count();
        double units_done = done_this_run * nb + b + 1;
        double units_left = double(c.epochs - epoch) * nb + (nb - b - 1);
        int filled = int(30 * (b + 1) / nb);
        log << "\r[epoch " << epoch << "/" << c.epochs << "] [" << std::string(filled, '#')
            << std::string(30 - filled, '.') << "] " << (b + 1) << "/" << nb << " loss "
            << std::fixed << std::setprecision(4) << tr.loss / double(std::max<int64_t>(1, tr.cm.total()))
            << std::defaultfloat << " ETA " << fmt_time(el / units_done * units_left) << "   "
            << std::flush;
      }
    }
    if (group) distributed::allreduce_counts(*group, tr.cm, tr.loss, "the epoch's training metrics");
    double train_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EpochMetrics m;
    m.epoch = epoch;
    m.train_loss = tr.loss / double(N);
    m.train_accuracy = tr.cm.accuracy();
    m.train_macro_f1 = tr.cm.macro_f1();
    auto va = eval_pass(model, Xva, Yva, C, group.get());
    m.val_loss = va.loss;
    m.val_accuracy = va.cm.accuracy();
    m.val_macro_f1 = va.cm.macro_f1();
    m.test_accuracy = eval_pass(model, Xte, Yte, C, group.get()).cm.accuracy();
    if (!ideal_model.is_empty()) {
      copy_weights(model, ideal_model);
      auto iv = eval_pass(ideal_model, Xva, Yva, C, group.get());
      m.ideal_val_loss = iv.loss;
      m.ideal_val_accuracy = iv.cm.accuracy();
      m.ideal_val_macro_f1 = iv.cm.macro_f1();
      m.ideal_test_accuracy = eval_pass(ideal_model, Xte, Yte, C, group.get()).cm.accuracy();
    }
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    m.seconds = wall;
    m.train_seconds = train_s;
    m.peak_rss_mib = peak_rss_mib();
    m.cpu_percent = 100.0 * (cpu_seconds() - cpu0) / std::max(1e-9, wall);
    r.history.push_back(m);
    ++done_this_run;

    if (group) {
      r.allreduce_seconds = group->allreduce_seconds();
      r.allreduce_steps = group->allreduce_steps();
    }
    if (lead) {
      // The metrics, then the checkpoint: a kill before the checkpoint redoes
      // the epoch; a kill after it (before the epoch file) leaves what
      // resuming repairs (repair_run_files).
      write_atomic(c.run_dir + "/metrics.csv", run_files::metrics_csv(r.history));
      write_atomic(c.run_dir + "/metrics.json", run_files::metrics_json(c, r, d.class_names));
      write_checkpoint(ckpt, model, opt, epoch, c, r.history, ranks);
      if (kept_epoch(epoch, c.epochs)) copy_file(ckpt, c.run_dir + "/" + epoch_checkpoint_file(epoch));
    }
    if (!c.quiet) {
      if (bar) log << "\r" << std::string(100, ' ') << "\r";
      char line[256];
      std::snprintf(line, sizeof line,
                    "epoch %3d/%d  train loss %.4f acc %.2f%% F1 %.4f | val loss %.4f acc %.2f%% "
                    "F1 %.4f | test acc %.2f%% | %.2f s, %.0f MiB, CPU %.0f%%",
                    epoch, c.epochs, m.train_loss, 100 * m.train_accuracy, m.train_macro_f1,
                    m.val_loss, 100 * m.val_accuracy, m.val_macro_f1, 100 * m.test_accuracy,
                    m.seconds, m.peak_rss_mib, m.cpu_percent);
      log << line;
      if (m.has_ideal()) {  // the same weights without the device's noise
        std::snprintf(line, sizeof line, " | ideal val loss %.4f acc %.2f%% test acc %.2f%%", m.ideal_val_loss,
                      100 * m.ideal_val_accuracy, 100 * m.ideal_test_accuracy);
        log << line;
      }
      if (group) {
        const double ar = group->allreduce_seconds() - allreduce0;
        std::snprintf(line, sizeof line, " | allreduce %.3f s (%.1f%% of training)", ar, 100 * ar / std::max(1e-9, train_s));
        log << line;
      }
      log << "\n" << std::flush;
    }
    if (c.stop_after > 0 && epoch >= c.stop_after && epoch < c.epochs) {
      r.stopped_early = true;
      break;
    }
  }
  return r;
}

std::vector<float> checkpoint_parameters(const std::string& path) {
  Checkpoint k = read_checkpoint(path);
  Data d = prepare_data(k.config);
  Classifier model = k.model(model_spec(k.config, d.train, int(d.class_names.size())));
  std::vector<float> out;
  for (const auto& p : model->parameters()) {
    auto t = p.detach().to(torch::kFloat32).contiguous().view(-1);
    out.insert(out.end(), t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
  }
  return out;
}

EvalResult evaluate(const EvalOptions& o) {
  if (o.split != "val" && o.split != "test")
    throw std::runtime_error("unknown split '" + o.split + "' (expected test or val)");
  EvalResult r;
  TorchThreads threads(o.threads);
  r.threads = threads.count();
  Checkpoint k = read_checkpoint(o.checkpoint);
  TrainConfig c = k.config;
  if (!o.data_dir.empty()) c.data_dir = o.data_dir;
  r.config = c;
  r.epoch = k.epoch;
  Data d = prepare_data(c);
  const int C = int(d.class_names.size());
  r.class_names = d.class_names;
  // The ideal model: the trained weights through the noiseless layer.
  TrainConfig ideal = c;
  ideal.noise.clear();
  Classifier model = k.model(model_spec(ideal, d.train, C));
  r.parameters = model->counts();
  const ImageSet& s = o.split == "val" ? d.val : d.test;
  auto X = images_u8(s), Y = labels_t(s);
  r.images = s.size();
  ProcessGroup* group = o.group.get();
  auto pr = eval_pass(model, X, Y, C, group);
  r.confusion = pr.cm;
  r.loss = pr.loss;
  r.fgsm_eps = o.fgsm_eps;
  auto fgsm_accuracy = [&](Classifier& m) {
    auto f = fgsm(m, rank_rows(X, group).to(input_type(m)) / 255.0, rank_rows(Y, group), {o.fgsm_eps});
    ConfusionMatrix none(0);
    double correct = double(f.correct[0]);
    if (group) distributed::allreduce_counts(*group, none, correct, "FGSM results");
    return correct / double(std::max<int64_t>(1, X.size(0)));
  };
  if (o.fgsm_eps >= 0) r.fgsm_accuracy = fgsm_accuracy(model);
  // The same weights on the device (the given noise model, else the run's).
  TrainConfig noisy = c;
  if (!o.noise.empty() && o.noise != c.noise) {
    noisy.noise = o.noise;
    noisy.noise_hash.clear();
    noisy.noise_layout.clear();
  }
  if (o.idle_noise >= 0 && bool(o.idle_noise) != c.idle_noise) {
    noisy.idle_noise = o.idle_noise != 0;
    noisy.noise_layout.clear();
  }
  if (!noisy.noise.empty()) {
    const ModelSpec spec = model_spec(noisy, d.train, C);
    record_device(noisy, *spec.device);
    Classifier nm = k.model(spec);
    auto np = eval_pass(nm, X, Y, C, group);
    EvalResult::Noisy n;
    n.device = spec.device->device;
    n.noise = noisy.noise;
    n.layout = noisy.noise_layout;
    n.predicted_fidelity = spec.device->predicted.fidelity;
    n.confusion = np.cm;
    n.loss = np.loss;
    if (o.fgsm_eps >= 0) n.fgsm_accuracy = fgsm_accuracy(nm);
    r.noisy = n;
  }
  return r;
}

}  // namespace qforge::models
