// models/src/run_files.hpp - the JSON files of a run folder (metrics.json)
// and of `qforge evaluate --json`, written and read with nlohmann-json.
// Torch-free (internal to the models library).
#pragma once

#include "qforge/models/training.hpp"

#include <string>
#include <vector>

namespace qforge::models::run_files {

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

}  // namespace qforge::models::run_files
