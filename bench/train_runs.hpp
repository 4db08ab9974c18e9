// bench/train_runs.hpp - reading the runs `qforge train` writes, for the
// benchmarks that time it (bench_train, bench_ddp).
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

namespace qforge::bench {

/// train_seconds of every epoch in a run's metrics.json.
inline std::vector<double> train_seconds(const std::string& path) {
  std::ifstream f(path);
  std::vector<double> out;
  const nlohmann::json j = nlohmann::json::parse(f);
  for (const auto& e : j.at("epochs")) out.push_back(e.at("train_seconds").get<double>());
  return out;
}

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

}  // namespace qforge::bench
