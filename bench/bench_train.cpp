// bench_train: epoch time of each hybrid model against its classical twin
// (same trunk), measured in one process run with the two models interleaved
// so that machine load affects both alike. Runs `qforge train` and reads the
// train_seconds of each epoch from metrics.json.
//
//   bench_train [--epochs N] [--rounds R] [--threads T] [--pair lean|cnn]
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

/// train_seconds of every epoch in a run's metrics.json.
std::vector<double> train_seconds(const std::string& path) {
  std::ifstream f(path);
  std::vector<double> out;
  const nlohmann::json j = nlohmann::json::parse(f);
  for (const auto& e : j.at("epochs")) out.push_back(e.at("train_seconds").get<double>());
  return out;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

}  // namespace

int main(int argc, char** argv) {
  int epochs = 2, rounds = 3, threads = 0;
  std::string pair = "lean";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--epochs") epochs = std::atoi(argv[i + 1]);
    else if (a == "--rounds") rounds = std::atoi(argv[i + 1]);
    else if (a == "--threads") threads = std::atoi(argv[i + 1]);
    else if (a == "--pair") pair = argv[i + 1];
  }
  const std::string hybrid = pair == "lean" ? "lcqhnn" : "hybrid-cnn";
  const std::string twin = pair == "lean" ? "cnn-4" : "cnn-twin";
  const std::string extra = pair == "lean" ? " --classes trouser,shirt" : "";
  const std::string base = "/tmp/qforge_bench_train_" + std::to_string(::getpid());
  std::vector<double> th, tc;
  for (int r = 0; r < rounds; ++r) {
    for (const auto& m : {hybrid, twin}) {
      std::string dir = base + "/" + m + "_" + std::to_string(r);
      std::string cmd = std::string(QFORGE_EXE) + " train --model " + m + extra + " --epochs " +
                        std::to_string(epochs) + " --threads " + std::to_string(threads) +
                        " --circuits-dir " + QFORGE_SOURCE_DIR + "/circuits --progress none -o " +
                        dir + " > /dev/null";
      if (std::system(cmd.c_str()) != 0) {
        std::cerr << "failed: " << cmd << "\n";
        return 1;
      }
      std::vector<double> s;
      try {
        s = train_seconds(dir + "/metrics.json");
      } catch (const std::exception& e) {
        std::cerr << dir << "/metrics.json: " << e.what() << "\n";
        return 1;
      }
      // The first epoch of a process includes warm-up; keep the rest when any.
      for (std::size_t i = s.size() > 1 ? 1 : 0; i < s.size(); ++i)
        (m == hybrid ? th : tc).push_back(s[i]);
    }
  }
  double mh = median(th), mc = median(tc);
  std::printf("%-12s %-12s %10s %10s %8s %8s\n", "hybrid", "classical", "hybrid s", "classic s",
              "ratio", "threads");
  std::printf("%-12s %-12s %10.3f %10.3f %8.3f %8d\n", hybrid.c_str(), twin.c_str(), mh, mc,
              mc > 0 ? mh / mc : 0.0, threads);
  std::printf("(median training seconds per epoch over %zu epochs each; target ratio <= 1.1)\n",
              th.size());
  std::system(("rm -rf " + base).c_str());
  return 0;
}
