// models/src/checkpoint.hpp - the one reader and writer of checkpoint files
// (checkpoint.pt, epoch_NNN.pt), and the torch helpers the training,
// evaluation, export and report code share: scoped thread counts and FGSM.
// Includes torch (internal to the models library).
#pragma once

#include "qforge/models/networks.hpp"
#include "qforge/models/training.hpp"

#include <torch/torch.h>

#include <string>
#include <vector>

namespace qforge::models {

/// A checkpoint file (a LibTorch archive): "meta", the run's configuration,
/// the epoch it was written after and the metrics so far as JSON
/// (run_files::checkpoint_meta; older files have "config" as config text,
/// "epoch" and "history" tensors instead, read the same); "model",
/// "optimizer" and "rng" (rank 0's default generator's state) stay in
/// `archive`; "sampler" (JSON, runs since data-parallel training): the world
/// size and the data sampler's state (seed, epoch, position in the epoch).
struct Checkpoint {
  std::string path;
  TrainConfig config;
  int epoch = 0;
  std::vector<EpochMetrics> history;
  int world_size = 1;  ///< ranks that trained it (1 for files without "sampler")
  torch::serialize::InputArchive archive;

  /// The model `spec` describes with this checkpoint's weights, in eval mode.
  Classifier model(const ModelSpec& spec);
};

/// Open `path`; throws std::runtime_error "no checkpoint 'PATH'" or "'PATH'
/// is not a qforge checkpoint (...)" naming what is wrong.
Checkpoint read_checkpoint(const std::string& path);

/// Write a checkpoint atomically (files::write_atomic).
void write_checkpoint(const std::string& path, Classifier& model, torch::optim::Optimizer& optimizer,
                      int epoch, const TrainConfig& config, const std::vector<EpochMetrics>& history,
                      int world_size = 1);

/// LibTorch's intra-op thread count set for the lifetime of the object and
/// restored after: `requested` threads, or all cores for 0.
class TorchThreads {
 public:
  explicit TorchThreads(int requested);
  ~TorchThreads();
  TorchThreads(const TorchThreads&) = delete;
  TorchThreads& operator=(const TorchThreads&) = delete;
  int count() const { return count_; }

 private:
  int previous_ = 0, count_ = 0;
};

/// The default CPU generator (weights' initialisation, dropout, augmentation)
/// seeded with `seed` for the lifetime of the object, its state restored after.
class TorchSeed {
 public:
  explicit TorchSeed(uint64_t seed);
  ~TorchSeed();
  TorchSeed(const TorchSeed&) = delete;
  TorchSeed& operator=(const TorchSeed&) = delete;

 private:
  torch::Tensor saved_;
};

/// FGSM (Goodfellow et al.): for each image x of `pixels` ([N, C, H, W] in
/// [0, 1]) with label y, x' = clamp(x + eps * sign(d loss / d x), 0, 1) with
/// the NLL loss of the model's output at x; one gradient per image, eps only
/// scales it. Batches of 256, the model in eval mode.
struct FgsmResult {
  std::vector<int64_t> correct;   ///< per eps: images x' still classified as y
  std::vector<int> predictions;   ///< per image: the class predicted at x
};
FgsmResult fgsm(Classifier& model, const torch::Tensor& pixels, const torch::Tensor& labels,
                const std::vector<double>& eps);

}  // namespace qforge::models
