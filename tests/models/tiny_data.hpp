// tiny_data.hpp - a small generated dataset in MNIST's IDX format, shared by
// the training, export and report tests.
#pragma once

#include "qforge/models/datasets.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>

namespace qforge::models::test_data {

/// `n` two-class 28x28 images: class 0 a bright vertical bar on the left,
/// class 1 on the right, with noise and jitter (easy but not trivial).
inline ImageSet bar_images(int n, std::mt19937& rng) {
  ImageSet s;
  s.height = s.width = 28;
  for (int i = 0; i < n; ++i) {
    int cls = i % 2;
    s.labels.push_back(cls);
    int col = (cls ? 17 : 6) + int(rng() % 5);
    for (int r = 0; r < 28; ++r)
      for (int c = 0; c < 28; ++c) {
        int v = int(rng() % 60);
        if (std::abs(c - col) <= 1 && r > 4 && r < 24) v += 150;
        s.pixels.push_back(uint8_t(std::min(v, 255)));
      }
  }
  return s;
}

/// A folder /tmp/qforge_<tag>_<pid> holding train and t10k IDX files of bar
/// images (the training images gzipped when `gzip_train`).
inline std::string make_bar_dataset(const std::string& tag, int train, int test, unsigned seed,
                                    bool gzip_train = false) {
  std::string dir = "/tmp/qforge_" + tag + "_" + std::to_string(::getpid());
  ::mkdir(dir.c_str(), 0755);
  std::mt19937 rng(seed);
  const std::string gz = gzip_train ? ".gz" : "";
  write_idx(dir + "/train-images-idx3-ubyte" + gz, dir + "/train-labels-idx1-ubyte" + gz, bar_images(train, rng),
            gzip_train);
  write_idx(dir + "/t10k-images-idx3-ubyte", dir + "/t10k-labels-idx1-ubyte", bar_images(test, rng), false);
  return dir;
}

}  // namespace qforge::models::test_data
