// bench_ddp: data-parallel training on 1, 2 and 4 local ranks (`qforge train
// --ddp-local N`, one LibTorch thread per rank), the lean and the hybrid-CNN
// classifiers, measured in one run with the world sizes interleaved so that
// machine load affects them alike. Per model and world size: the median
// training seconds per epoch (rank 0's, from metrics.json, first epoch of
// each run left out), the speed-up over one rank, the share of the training
// time rank 0 spends in the gradient allreduce (waiting for slower ranks
// included) and that time per step.
//
//   bench_ddp [--epochs N] [--rounds R] [--train-size N] [--ranks 1,2,4]
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

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

/// Standard output of `cmd`; empty on failure.
std::string run(const std::string& cmd, bool& ok) {
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  ok = ::pclose(p) == 0;
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int epochs = 3, rounds = 2, train_size = 2048;
  std::vector<int> ranks{1, 2, 4};
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--epochs") epochs = std::atoi(argv[i + 1]);
    else if (a == "--rounds") rounds = std::atoi(argv[i + 1]);
    else if (a == "--train-size") train_size = std::atoi(argv[i + 1]);
    else if (a == "--ranks") {
      ranks.clear();
      std::stringstream s(argv[i + 1]);
      for (std::string n; std::getline(s, n, ',');) ranks.push_back(std::atoi(n.c_str()));
    }
  }
  const std::string base = "/tmp/qforge_bench_ddp_" + std::to_string(::getpid());
  struct Model {
    std::string label, args;
  };
  const Model models[] = {{"lcqhnn", "--model lcqhnn --classes trouser,shirt"},
                          {"hybrid-cnn", "--model hybrid-cnn"}};
  struct Cell {
    std::vector<double> seconds;
    double allreduce = 0, train = 0;
    long steps = 0;
  };
  std::map<std::pair<std::string, int>, Cell> cells;
  for (int r = 0; r < rounds; ++r)
    for (const auto& m : models)
      for (int n : ranks) {
        const std::string dir = base + "/" + m.label + "_" + std::to_string(n) + "_" + std::to_string(r);
        const std::string cmd = std::string(QFORGE_EXE) + " train " + m.args + " --epochs " + std::to_string(epochs) +
                                " --train-size " + std::to_string(train_size) + " --val-size 256 --test-size 256" +
                                " --threads 1 --ddp-local " + std::to_string(n) + " --circuits-dir " +
                                QFORGE_SOURCE_DIR + "/circuits --progress none -o " + dir;
        bool ok = false;
        const std::string out = run(cmd, ok);
        if (!ok) {
          std::cerr << "failed: " << cmd << "\n";
          return 1;
        }
        Cell& c = cells[{m.label, n}];
        std::vector<double> s;
        try {
          s = train_seconds(dir + "/metrics.json");
        } catch (const std::exception& e) {
          std::cerr << dir << "/metrics.json: " << e.what() << "\n";
          return 1;
        }
        for (std::size_t i = s.size() > 1 ? 1 : 0; i < s.size(); ++i) c.seconds.push_back(s[i]);
        for (double v : s) c.train += v;
        // "allreduce: X s in Y steps" (rank 0, all epochs) when n > 1.
        auto at = out.find("allreduce: ");
        if (at != std::string::npos) {
          double sec = 0;
          long steps = 0;
          std::sscanf(out.c_str() + at, "allreduce: %lf s in %ld steps", &sec, &steps);
          c.allreduce += sec;
          c.steps += steps;
        }
      }
  std::printf("%-11s %5s %12s %9s %15s %18s\n", "model", "ranks", "s/epoch", "speed-up", "allreduce share",
              "allreduce ms/step");
  for (const auto& m : models) {
    const double one = median(cells[{m.label, 1}].seconds);
    for (int n : ranks) {
      const Cell& c = cells[{m.label, n}];
      const double t = median(c.seconds);
      std::printf("%-11s %5d %12.3f %9.2f %14.1f%% %18.3f\n", m.label.c_str(), n, t, t > 0 ? one / t : 0.0,
                  c.train > 0 ? 100 * c.allreduce / c.train : 0.0, c.steps ? 1e3 * c.allreduce / double(c.steps) : 0.0);
    }
  }
  std::printf("(%d training images, batch 64 split over the ranks, %d epochs x %d rounds, one thread per rank;\n"
              " s/epoch: median of rank 0's training seconds, first epoch of each run left out)\n",
              train_size, epochs, rounds);
  std::system(("rm -rf " + base).c_str());
  return 0;
}
