// qforge/models/training.hpp - training, evaluating and comparing the hybrid
// image classifiers. Torch-free interface (the CLI and tests include only
// this); the LibTorch code lives in models/src.
//
// Models (see networks.hpp for the layers):
//   cnn-4, cnn-8, cnn-16  the convolutional trunk + a classical head of 4/8/16
//                         hidden units (paper 1's baselines)
//   lcqhnn                the trunk + fc(256->4) + dropout + the lean 4-qubit
//                         circuit (circuits/lean_hybrid.qasm), class
//                         probabilities read from the measured qubits
//   hybrid-cnn            the trunk + fc(256->16) + amplitude embedding into
//                         circuits/basic_entangler.qasm, <Z> per qubit, fc(4->C)
//   cnn-twin              hybrid-cnn with the circuit replaced by fc(16->4)+ReLU
#pragma once

#include "qforge/models/datasets.hpp"
#include "qforge/models/metrics.hpp"

#include <cmath>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace qforge::models {

class ProcessGroup;  // distributed.hpp

struct TrainConfig {
  std::string model = "lcqhnn";
  std::string dataset = "fashion-mnist";
  std::string data_dir;                 ///< empty: the embedded Fashion-MNIST
  std::string classes;                  ///< "trouser,shirt" or "1,6"; empty: all
  std::size_t train_size = 2048;        ///< balanced, drawn from the train split; 0: all left
  std::size_t val_size = 512;           ///< balanced, drawn from the train split
  std::size_t test_size = 1024;         ///< balanced, drawn from the test split; 0: all
  int epochs = 50;
  int batch = 64;
  double lr = 1e-3;
  uint64_t seed = 42;
  int threads = 0;                      ///< LibTorch intra-op threads while training; 0: all cores
  double dropout = 0.2;
  bool augment = false;                 ///< random crop (pad 2 or 4) + flip (not for digits)
  std::string circuit;                  ///< override the model's circuit file
  std::string circuits_dir;             ///< where circuits/*.qasm live; empty: found
  std::string run_dir;                  ///< where metrics and checkpoints go
  bool resume = false;                  ///< continue from run_dir/checkpoint.pt
  int stop_after = 0;                   ///< stop after this epoch (simulated kill); 0: no
  int progress = -1;                    ///< -1: bar on a tty else lines; 0: lines; 1: bar
  bool quiet = false;                   ///< no per-epoch output at all
  int fixed_test_images = 32;           ///< indices saved for later reports
  /// A device noise model (`qforge noise import`): the lcqhnn layer is
  /// compiled for that device and trained through its noisy density matrix.
  std::string noise;
  bool idle_noise = true;               ///< relaxation while qubits wait (attach_noise)
  std::string noise_hash;               ///< recorded by train: content hash of `noise`
  std::string noise_layout;             ///< recorded by train: the final layout "44,45,37,25"
  /// Data-parallel training over these ranks (distributed.hpp); null: this
  /// process alone. Only rank 0 writes files and progress.
  std::shared_ptr<ProcessGroup> group;
  /// Train in float64 (weights and inputs). Not a setting of the run: the
  /// checkpoints hold float64 weights, and resume and evaluate keep their type.
  bool float64 = false;
};

/// The settings of `c` as (key, value text) pairs, in the order of the
/// config-file format; the one list config_to_text and checkpoints use.
std::vector<std::pair<std::string, std::string>> config_entries(const TrainConfig& c);
/// Set one setting from its text; throws std::runtime_error "WHERE: unknown
/// key 'K'" or "WHERE: bad value 'V' for K".
void set_config_entry(TrainConfig& c, const std::string& key, const std::string& value, const std::string& where);

/// key = value lines (the config-file format; '#' starts a comment).
std::string config_to_text(const TrainConfig& c);
/// Apply `text`'s key = value lines onto `c`; throws std::runtime_error naming
/// the line of an unknown key or a bad value.
void apply_config_text(TrainConfig& c, const std::string& text, const std::string& source);

/// The test split exactly as training draws it: the test file's images of the
/// chosen classes, balanced to test_size per class with seed + 1, and for each
/// its index in the test file (what test_images.txt records).
struct TestSplit {
  ImageSet images;
  std::vector<std::size_t> source;
};
TestSplit test_split(const TrainConfig& c);

struct EpochMetrics {
  int epoch = 0;
  double train_loss = 0, train_accuracy = 0, train_macro_f1 = 0;
  double val_loss = 0, val_accuracy = 0, val_macro_f1 = 0;
  double test_accuracy = 0;
  double seconds = 0;          ///< wall time of the epoch (training + evaluation)
  double train_seconds = 0;    ///< the training passes only
  double peak_rss_mib = 0;     ///< process peak resident memory so far
  double cpu_percent = 0;      ///< process CPU time / wall time during the epoch
  /// A run on a noisy device: the same weights through the noiseless layer
  /// after the epoch (NaN for runs without a noise model).
  double ideal_val_loss = NAN, ideal_val_accuracy = NAN, ideal_val_macro_f1 = NAN;
  double ideal_test_accuracy = NAN;
  bool has_ideal() const { return std::isfinite(ideal_val_accuracy); }
};

struct ParameterCounts {
  int64_t total = 0, quantum = 0, classical = 0;
};

struct TrainResult {
  std::vector<EpochMetrics> history;   ///< every epoch so far (resumed ones too)
  ParameterCounts parameters;
  int threads = 0;                     ///< LibTorch threads used (restored after train returns)
  std::string run_dir;
  bool stopped_early = false;          ///< stop_after hit
  int world_size = 1;                  ///< ranks of a data-parallel run
  double allreduce_seconds = 0;        ///< this rank's time in gradient allreduces, this run
  int64_t allreduce_steps = 0;
};

/// Train per `config`, writing into config.run_dir (created):
///   config.txt, metrics.csv, metrics.json (rewritten after every epoch),
///   checkpoint.pt (atomically after every epoch), epoch_NNN.pt for the
///   first, middle and last epochs, test_images.txt (fixed test indices).
/// Progress goes to `log`. LibTorch's thread count and its default random
/// generator are set for the run and restored on return.
TrainResult train(const TrainConfig& config, std::ostream& log);

/// The name of the checkpoint train() keeps of `epoch`: epoch_NNN.pt.
std::string epoch_checkpoint_file(int epoch);

/// Sum of the parameters of the model `config` describes (built, not trained).
ParameterCounts count_parameters(const TrainConfig& config);

struct EvalOptions {
  std::string checkpoint;              ///< a checkpoint.pt / epoch_NNN.pt
  /// A noise model: also evaluate the same weights on that device. Empty:
  /// the run's own noise model, if it trained with one.
  std::string noise;
  int idle_noise = -1;                 ///< 0/1: override; -1: the run's setting
  double fgsm_eps = 0.1;               ///< on [0,1] pixels; < 0: skip FGSM
  std::string split = "test";          ///< test or val
  std::string data_dir;                ///< override the checkpoint's data dir
  int threads = 0;                     ///< LibTorch threads for the call; 0: all cores
  /// Split the images over these ranks (every rank gets the whole result).
  std::shared_ptr<ProcessGroup> group;
};

struct EvalResult {
  TrainConfig config;                  ///< as stored in the checkpoint
  int epoch = 0;
  std::vector<std::string> class_names;
  ConfusionMatrix confusion;
  double loss = 0;
  double fgsm_eps = 0;
  double fgsm_accuracy = -1;           ///< -1 when skipped
  ParameterCounts parameters;
  int threads = 0;                     ///< LibTorch threads used
  std::size_t images = 0;
  /// The same weights through the noisy device layer (when evaluated).
  struct Noisy {
    std::string device, noise, layout;
    double predicted_fidelity = 0;
    ConfusionMatrix confusion;
    double loss = 0;
    double fgsm_accuracy = -1;
  };
  std::optional<Noisy> noisy;
};

EvalResult evaluate(const EvalOptions& options);

/// Every parameter of the model in a checkpoint, flattened in module order
/// (for comparing runs).
std::vector<float> checkpoint_parameters(const std::string& checkpoint);

/// `qforge evaluate --json`: the result as a JSON object (model, epoch,
/// accuracy, loss, macro precision/recall/F1, fgsm_eps, fgsm_accuracy,
/// threads, parameters {total, quantum}, confusion rows).
std::string evaluation_json(const EvalResult& result);

/// The .qasm file of a hybrid model: `c.circuit` when set, else the model's
/// default file in --circuits-dir, $QFORGE_CIRCUITS, ./circuits or the
/// source tree's circuits/. Empty for classical models; throws, naming every
/// place tried, when there is none.
std::string find_circuit_file(const TrainConfig& c);

/// The circuit a hybrid run in `run_dir` trained: the run's copy
/// (circuit.qasm) first, else the recorded --circuit when it still exists,
/// else the model's default file found as find_circuit_file finds it.
std::string run_circuit_file(const std::string& run_dir, const TrainConfig& c);

}  // namespace qforge::models
