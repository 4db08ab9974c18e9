// bench_ddp: data-parallel training on 1, 2 and 4 local ranks (`qforge train
// --ddp-local N`, one LibTorch thread per rank), the lean and the hybrid-CNN
// classifiers, measured in one run with the world sizes interleaved so that
// machine load affects them alike. Per model and world size: the median
// training seconds per epoch (rank 0's, from metrics.json, first epoch of
// each run left out), the speed-up over one rank, the share of the training
// time rank 0 spends in the gradient allreduce (waiting for slower ranks
// included) and that time per step. Then the allreduce alone: ranks as
// threads of this process, already in step, sum a gradient the size of each
// model's parameters over loopback Gloo (the communication cost per step).
//
//   bench_ddp [--epochs N] [--rounds R] [--train-size N] [--ranks 1,2,4]
#include "train_runs.hpp"

#include "qforge/models/distributed.hpp"
#include "qforge/models/training.hpp"
#include "../models/src/distributed.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace {

using qforge::bench::median;
using qforge::bench::train_seconds;

/// Standard output of `cmd`; empty on failure.
std::string run(const std::string& cmd, bool& ok) {
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  ok = ::pclose(p) == 0;
  return out;
}

/// Mean seconds of one gradient allreduce of `params` float32 values over
/// `ranks` threads in step (`steps` of them, after 20 to warm up).
double allreduce_seconds(int ranks, int64_t params, int steps, const std::string& store) {
  ::unlink(store.c_str());
  std::vector<double> seconds(ranks);
  std::vector<std::thread> threads;
  for (int r = 0; r < ranks; ++r)
    threads.emplace_back([&, r] {
      qforge::models::DistributedOptions o;
      o.world_size = ranks;
      o.rank = r;
      o.master = "file:" + store;
      auto group = qforge::models::ProcessGroup::connect(o);
      auto p = torch::zeros({params}, torch::requires_grad());
      p.mutable_grad() = torch::ones({params});
      for (int i = 0; i < 20; ++i) qforge::models::distributed::allreduce_gradients(*group, {p}, "warm-up");
      const double before = group->allreduce_seconds();
      for (int i = 0; i < steps; ++i) qforge::models::distributed::allreduce_gradients(*group, {p}, "bench");
      seconds[r] = (group->allreduce_seconds() - before) / steps;
    });
  for (auto& t : threads) t.join();
  ::unlink(store.c_str());
  return seconds[0];
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
        if (!qforge::bench::read_epoch_seconds(dir, c.seconds)) return 1;
        for (double v : train_seconds(dir + "/metrics.json")) c.train += v;
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
  std::printf("\n%-11s %10s %5s %22s\n", "model", "parameters", "ranks", "allreduce alone, µs");
  for (const auto& m : models) {
    qforge::models::TrainConfig c;
    c.model = m.label;
    c.classes = m.label == "lcqhnn" ? "trouser,shirt" : "";
    c.circuits_dir = std::string(QFORGE_SOURCE_DIR) + "/circuits";
    const int64_t params = qforge::models::count_parameters(c).total;
    for (int n : ranks)
      if (n > 1)
        std::printf("%-11s %10lld %5d %22.1f\n", m.label.c_str(), (long long)params, n,
                    1e6 * allreduce_seconds(n, params, 500, base + "_store"));
  }
  std::system(("rm -rf " + base).c_str());
  return 0;
}
