// models/src/run_files.hpp - the metrics files of a run (metrics.csv,
// metrics.json), a checkpoint's metadata and `qforge evaluate --json`; the
// JSON written and read with nlohmann-json.
// Torch-free (internal to the models library).
#pragma once

#include "qforge/models/training.hpp"

#include <string>
#include <vector>

namespace qforge::models::run_files {

/// The per-epoch numbers after the epoch itself, in metrics.csv's column
/// order, named as metrics.csv and metrics.json name them.
struct EpochField {
  const char* name;
  double EpochMetrics::*value;
};
extern const std::vector<EpochField> kEpochFields;
/// The ideal (noiseless) numbers of a noisy run, after kEpochFields in
/// metrics.csv and per epoch in metrics.json; written only when the run has
/// them, read when present (older runs and runs without noise lack them).
extern const std::vector<EpochField> kIdealFields;

/// metrics.csv: a header line "epoch,train_loss,...", then one line per epoch
/// (with kIdealFields' columns when an epoch has ideal numbers).
std::string metrics_csv(const std::vector<EpochMetrics>& history);

/// metrics.json: {"model", "dataset", "classes": [...], "threads", "seed",
/// "batch", "lr", "parameters": {"total", "quantum", "classical"},
/// "epochs": [{"epoch", "train_loss", ..., "cpu_percent"}, ...]}.
std::string metrics_json(const TrainConfig& config, const TrainResult& result,
                         const std::vector<std::string>& class_names);

/// What the report reads from metrics.json.
struct MetricsSummary {
  std::vector<std::string> class_names;
  ParameterCounts parameters;
};
/// Parse metrics.json text (as every version of qforge wrote it); throws
/// std::runtime_error naming `source` and what is wrong.
MetricsSummary read_metrics_json(const std::string& text, const std::string& source);

/// A checkpoint's metadata (its "meta" entry): {"config": {KEY: VALUE text,
/// as config_entries}, "epoch": N, "history": [the epochs as in metrics.json]}.
struct CheckpointMeta {
  TrainConfig config;
  int epoch = 0;
  std::vector<EpochMetrics> history;
};
std::string checkpoint_meta(const TrainConfig& config, int epoch, const std::vector<EpochMetrics>& history);
/// Throws std::runtime_error naming `source` and what is wrong.
CheckpointMeta read_checkpoint_meta(const std::string& text, const std::string& source);

}  // namespace qforge::models::run_files
