// `qforge train`: train one of the hybrid or classical image classifiers.
#ifdef QFORGE_HAVE_MODELS
#include "cli.hpp"
#include "ddp.hpp"

#include "qforge/models/plot.hpp"
#include "qforge/models/report.hpp"
#include "qforge/models/training.hpp"

#include <fstream>
#include <iostream>
#include <sstream>

namespace po = boost::program_options;

namespace qforge::cli {

/// Options shared by `train` and `experiment` (defined here, used there too).
void add_train_options(po::options_description& desc) {
  desc.add_options()
      ("config", po::value<std::string>(), "read key = value settings from FILE (flags override)")
      ("model", po::value<std::string>(), "lcqhnn | cnn-4 | cnn-8 | cnn-16 | hybrid-cnn | cnn-twin")
      ("dataset", po::value<std::string>(), "fashion-mnist (default) | mnist | cifar-100 | stl-10")
      ("data-dir", po::value<std::string>(), "folder holding the dataset files")
      ("classes", po::value<std::string>(), "classes to keep: names or numbers, e.g. trouser,shirt")
      ("train-size", po::value<std::size_t>(), "balanced training images (default 2048; 0: all)")
      ("val-size", po::value<std::size_t>(), "balanced validation images (default 512)")
      ("test-size", po::value<std::size_t>(), "balanced test images (default 1024; 0: all)")
      ("epochs", po::value<int>(), "epochs (default 50)")
      ("batch", po::value<int>(), "batch size (default 64)")
      ("lr", po::value<double>(), "Adam learning rate (default 1e-3)")
      ("seed", po::value<uint64_t>(), "seed of data split, order and weights (default 42)")
      ("threads", po::value<int>(), "LibTorch intra-op threads (default 0: all cores)")
      ("dropout", po::value<double>(), "dropout before the head (default 0.2)")
      ("augment", "random crops and flips during training")
      ("circuit", po::value<std::string>(), "override the hybrid model's .qasm file")
      ("circuits-dir", po::value<std::string>(), "folder with lean_hybrid.qasm, basic_entangler.qasm")
      ("progress", po::value<std::string>(), "auto (bar on a terminal) | bar | lines | none")
      ("noise", po::value<std::string>(), "train the hybrid's quantum layer on this device (qforge noise import)")
      ("idle-noise", po::value<std::string>(), "on (default) | off: relaxation while qubits wait (--noise)");
}

/// Build a TrainConfig from defaults, --config and flags.
models::TrainConfig train_config(const po::variables_map& vm) {
  models::TrainConfig c;
  if (vm.count("config")) {
    auto path = vm["config"].as<std::string>();
    std::ifstream f(path);
    if (!f) throw std::runtime_error("cannot read config file '" + path + "'");
    std::ostringstream s;
    s << f.rdbuf();
    models::apply_config_text(c, s.str(), path);
  }
  auto str = [&](const char* k, std::string& dst) { if (vm.count(k)) dst = vm[k].as<std::string>(); };
  str("model", c.model);
  str("dataset", c.dataset);
  str("data-dir", c.data_dir);
  str("classes", c.classes);
  str("circuit", c.circuit);
  str("circuits-dir", c.circuits_dir);
  if (vm.count("train-size")) c.train_size = vm["train-size"].as<std::size_t>();
  if (vm.count("val-size")) c.val_size = vm["val-size"].as<std::size_t>();
  if (vm.count("test-size")) c.test_size = vm["test-size"].as<std::size_t>();
  if (vm.count("epochs")) c.epochs = vm["epochs"].as<int>();
  if (vm.count("batch")) c.batch = vm["batch"].as<int>();
  if (vm.count("lr")) c.lr = vm["lr"].as<double>();
  if (vm.count("seed")) c.seed = vm["seed"].as<uint64_t>();
  if (vm.count("threads")) c.threads = vm["threads"].as<int>();
  if (vm.count("dropout")) c.dropout = vm["dropout"].as<double>();
  if (vm.count("augment")) c.augment = true;
  str("noise", c.noise);
  if (vm.count("idle-noise")) {
    auto v = vm["idle-noise"].as<std::string>();
    if (v != "on" && v != "off") throw UsageError("--idle-noise expects on or off");
    if (!vm.count("noise") && c.noise.empty()) throw UsageError("--idle-noise needs --noise");
    c.idle_noise = v == "on";
  }
  if (vm.count("progress")) {
    auto p = vm["progress"].as<std::string>();
    if (p == "auto") c.progress = -1;
    else if (p == "bar") c.progress = 1;
    else if (p == "lines") c.progress = 0;
    else if (p == "none") c.quiet = true;
    else throw UsageError("--progress expects auto, bar, lines or none");
  }
  if (c.epochs < 1) throw UsageError("--epochs must be at least 1");
  if (c.batch < 1) throw UsageError("--batch must be at least 1");
  return c;
}

int render_report(const std::vector<std::string>& runs, const std::string& out,
                  const models::AnalysisOptions& analysis, bool checkpoints);

void add_ddp_options(po::options_description& desc) {
  desc.add_options()
      ("ddp-local", po::value<int>(), "data-parallel on N processes of this machine (loopback); --batch is split")
      ("world-size", po::value<int>(), "data-parallel over W processes on several machines (with --rank, --master)")
      ("rank", po::value<int>(), "this process's rank, 0..W-1 (rank 0 hosts --master, writes and prints)")
      ("master", po::value<std::string>(), "HOST:PORT where rank 0 listens and the others connect")
      ("ddp-timeout", po::value<double>(), "seconds before a rank that died or hangs fails the others (default 60)");
}

Ddp start_ddp(const po::variables_map& vm, const std::string& verb, const std::vector<std::string>& args) {
  Ddp d;
  const double timeout = vm.count("ddp-timeout") ? vm["ddp-timeout"].as<double>() : 60.0;
  if (!(timeout > 0)) throw UsageError("--ddp-timeout must be positive");
  const bool several = vm.count("world-size") || vm.count("rank") || vm.count("master");
  if (vm.count("ddp-local")) {
    if (several) throw UsageError("--ddp-local starts its own ranks: drop --world-size, --rank and --master");
    const int n = vm["ddp-local"].as<int>();
    if (n < 1) throw UsageError("--ddp-local must be at least 1");
    if (n == 1) return d;
    std::vector<std::string> worker{verb};
    for (std::size_t i = 0; i < args.size(); ++i) {  // the launch adds --ddp-timeout
      if (args[i] == "--ddp-local" || args[i] == "--ddp-timeout") ++i;
      else if (args[i].rfind("--ddp-local=", 0) != 0 && args[i].rfind("--ddp-timeout=", 0) != 0)
        worker.push_back(args[i]);
    }
    d.launch = std::make_unique<models::LocalLaunch>(n, worker, timeout);
    d.group = d.launch->group();
  } else if (several) {
    if (!vm.count("world-size") || !vm.count("rank") || !vm.count("master"))
      throw UsageError("--world-size, --rank and --master go together");
    models::DistributedOptions o;
    o.world_size = vm["world-size"].as<int>();
    o.rank = vm["rank"].as<int>();
    o.master = vm["master"].as<std::string>();
    o.timeout_seconds = timeout;
    if (o.world_size < 1) throw UsageError("--world-size must be at least 1");
    if (o.rank < 0 || o.rank >= o.world_size) throw UsageError("--rank must be in 0..--world-size - 1");
    d.group = models::ProcessGroup::connect(o);
  }
  return d;
}

namespace {

int run_train(const std::vector<std::string>& args) {
  po::options_description desc("options");
  add_train_options(desc);
  desc.add_options()
      ("run-dir,o", po::value<std::string>(), "output folder (default runs/MODEL-DATASET)")
      ("resume", "continue the run in --run-dir from its last checkpoint")
      ("stop-after", po::value<int>(), "stop after this epoch (as if killed; --resume continues)")
      ("report", "render the run's report (qforge report) into RUN_DIR/report at the end");
  add_ddp_options(desc);
  po::variables_map vm;
  if (!parse_args(args, "usage: qforge train [--model M] [--dataset D] [--epochs N] [options]\n\n"
                        "Train an image classifier. Per epoch: loss, accuracy and macro F1 on\n"
                        "train and validation, test accuracy, seconds, peak memory, CPU use.\n"
                        "The run folder gets metrics.csv, metrics.json, config.txt, a checkpoint\n"
                        "after every epoch (checkpoint.pt, written atomically), epoch_NNN.pt for\n"
                        "the first, middle and last epochs, and test_images.txt.\n\n"
                        "--noise DEVICE.noise.json (lcqhnn, hybrid-cnn) compiles the quantum layer for\n"
                        "that device at -O2 (noise-aware placement, inputs kept symbolic; hybrid-cnn's\n"
                        "amplitude embedding as a state-preparation circuit), attaches its\n"
                        "noise and trains through the exact density matrix and its adjoint; the\n"
                        "run records the device, layout, predicted fidelity and the error budget of\n"
                        "the used qubits and couplers (device.json), its checkpoints the model\n"
                        "file's hash and layout (evaluate, --resume), and per epoch the same\n"
                        "weights' validation and test numbers through the noiseless layer\n"
                        "(ideal_* columns of metrics.csv).\n\n"
                        "--ddp-local N trains data-parallel on N processes of this machine: each\n"
                        "global batch of --batch images is split over them, gradients summed in one\n"
                        "allreduce per step (Gloo over loopback), validation and test passes split\n"
                        "too; rank 0 prints and writes the run, with metrics over all ranks. On\n"
                        "several machines, start one process per rank with --world-size W --rank R\n"
                        "--master HOST:PORT (rank 0's address). If a rank dies or hangs, the others\n"
                        "stop with an error after --ddp-timeout seconds at most; the last checkpoint\n"
                        "stays, and --resume continues it on any number of ranks.",
                  desc, nullptr, vm))
    return kOk;
  models::TrainConfig c = train_config(vm);
  c.run_dir = vm.count("run-dir") ? vm["run-dir"].as<std::string>()
                                  : "runs/" + c.model + "-" + c.dataset;
  c.resume = vm.count("resume") > 0;
  if (!c.noise.empty() && c.model != "lcqhnn" && c.model != "hybrid-cnn")
    throw UsageError("--noise applies to a hybrid model's quantum layer (lcqhnn, hybrid-cnn; " + c.model +
                     " has no quantum layer)");
  if (vm.count("stop-after")) c.stop_after = vm["stop-after"].as<int>();
  if (vm.count("report")) models::check_gnuplot(models::gnuplot_program());  // fail before training
  Ddp ddp = start_ddp(vm, "train", args);
  c.group = ddp.group;
  auto r = ddp.run([&] { return models::train(c, std::cerr); });
  if (!ddp.lead()) return kOk;
  if (r.history.empty()) return kFailed;
  const auto& m = r.history.back();
  std::cout << "run: " << r.run_dir << "\nepochs: " << m.epoch << (r.stopped_early ? " (stopped)" : "")
            << "\nthreads: " << r.threads << "\nparameters: " << r.parameters.total << " ("
            << r.parameters.quantum << " quantum)\nval accuracy: " << 100 * m.val_accuracy
            << "%\ntest accuracy: " << 100 * m.test_accuracy << "%\n";
  if (r.world_size > 1)
    std::cout << "ranks: " << r.world_size << "\nallreduce: " << r.allreduce_seconds << " s in "
              << r.allreduce_steps << " steps\n";
  if (vm.count("report") && !r.stopped_early)
    return render_report({r.run_dir}, r.run_dir + "/report", models::AnalysisOptions{}, true);
  return kOk;
}

const Verb reg{"train", "train a hybrid quantum-classical or classical image classifier", &run_train};

}  // namespace
}  // namespace qforge::cli
#endif  // QFORGE_HAVE_MODELS
