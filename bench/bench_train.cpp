// bench_train: epoch time of each hybrid model against its classical twin
// (same trunk), measured in one process run with the two models interleaved
// so that machine load affects both alike. Runs `qforge train` and reads the
// train_seconds of each epoch from metrics.json.
//
//   bench_train [--epochs N] [--rounds R] [--threads T] [--pair lean|cnn|noise|noise-cnn]
//               [--noise DEVICE.noise.json]
//
// --pair noise compares the lean classifier trained under a device's noise
// (--noise; default: ibm_fez imported from $QFORGE_CALIBRATION) with the
// same classifier noiseless (goal: a noisy epoch costs at most 3x);
// --pair noise-cnn the same for the hybrid CNN.
#include "train_runs.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

using qforge::bench::median;

}  // namespace

int main(int argc, char** argv) {
  int epochs = 2, rounds = 3, threads = 0;
  std::string pair = "lean", noise;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--epochs") epochs = std::atoi(argv[i + 1]);
    else if (a == "--rounds") rounds = std::atoi(argv[i + 1]);
    else if (a == "--threads") threads = std::atoi(argv[i + 1]);
    else if (a == "--pair") pair = argv[i + 1];
    else if (a == "--noise") noise = argv[i + 1];
  }
  const std::string base = "/tmp/qforge_bench_train_" + std::to_string(::getpid());
  // Each arm: a label and its `qforge train` arguments.
  struct Arm {
    std::string label, args;
  };
  Arm hybrid{"hybrid-cnn", "--model hybrid-cnn"}, twin{"cnn-twin", "--model cnn-twin"};
  const char* target = "1.1";
  if (pair == "lean") {
    hybrid = {"lcqhnn", "--model lcqhnn --classes trouser,shirt"};
    twin = {"cnn-4", "--model cnn-4 --classes trouser,shirt"};
  } else if (pair == "noise" || pair == "noise-cnn") {
    if (noise.empty()) {
      const char* cal = std::getenv("QFORGE_CALIBRATION");
      if (!cal) {
        std::cerr << "--pair noise needs --noise DEVICE.noise.json or QFORGE_CALIBRATION\n";
        return 1;
      }
      noise = base + "/fez.noise.json";
      const std::string cmd = "mkdir -p " + base + " && " + QFORGE_EXE + " noise import " + cal +
                              "/ibm/props_fez.json " + cal + "/ibm/conf_fez.json -o " + noise + " > /dev/null";
      if (std::system(cmd.c_str()) != 0) {
        std::cerr << "failed: " << cmd << "\n";
        return 1;
      }
    }
    if (pair == "noise") {
      hybrid = {"lcqhnn+noise", "--model lcqhnn --classes trouser,shirt --noise " + noise};
      twin = {"lcqhnn", "--model lcqhnn --classes trouser,shirt"};
    } else {
      hybrid = {"hybrid-cnn+noise", "--model hybrid-cnn --noise " + noise};
      twin = {"hybrid-cnn", "--model hybrid-cnn"};
    }
    target = "3";
  }
  std::vector<double> th, tc;
  for (int r = 0; r < rounds; ++r) {
    for (const Arm* arm : {&hybrid, &twin}) {
      std::string dir = base + "/" + arm->label + "_" + std::to_string(r);
      std::string cmd = std::string(QFORGE_EXE) + " train " + arm->args + " --epochs " +
                        std::to_string(epochs) + " --threads " + std::to_string(threads) +
                        " --circuits-dir " + QFORGE_SOURCE_DIR + "/circuits --progress none -o " +
                        dir + " > /dev/null";
      if (std::system(cmd.c_str()) != 0) {
        std::cerr << "failed: " << cmd << "\n";
        return 1;
      }
      if (!qforge::bench::read_epoch_seconds(dir, arm == &hybrid ? th : tc)) return 1;
    }
  }
  double mh = median(th), mc = median(tc);
  std::printf("%-12s %-12s %10s %10s %8s %8s\n", "hybrid", "classical", "hybrid s", "classic s",
              "ratio", "threads");
  std::printf("%-12s %-12s %10.3f %10.3f %8.3f %8d\n", hybrid.label.c_str(), twin.label.c_str(), mh, mc,
              mc > 0 ? mh / mc : 0.0, threads);
  std::printf("(median training seconds per epoch over %zu epochs each; target ratio <= %s)\n", th.size(),
              target);
  std::system(("rm -rf " + base).c_str());
  return 0;
}
