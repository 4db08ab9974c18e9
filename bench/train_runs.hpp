// bench/train_runs.hpp - reading the runs `qforge train` writes, for the
// benchmarks that time it (bench_train, bench_ddp).
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>
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

/// train_seconds of the epochs of the run in `dir` after the first (the
/// first of a process includes warm-up), or all of one epoch, appended to
/// `out`; false, saying why, when its metrics.json cannot be read.
inline bool read_epoch_seconds(const std::string& dir, std::vector<double>& out) {
  std::vector<double> s;
  try {
    s = train_seconds(dir + "/metrics.json");
  } catch (const std::exception& e) {
    std::cerr << dir << "/metrics.json: " << e.what() << "\n";
    return false;
  }
  out.insert(out.end(), s.begin() + (s.size() > 1 ? 1 : 0), s.end());
  return true;
}

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

}  // namespace qforge::bench
