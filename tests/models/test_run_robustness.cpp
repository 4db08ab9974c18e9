// Runs that cannot go wrong silently: images too small for the trunk and
// splits of different sizes refused before anything is written; the on-disk
// state a kill between the checkpoint and the metrics files leaves, repaired
// by --resume; a checkpoint with corrupt metadata names its file.
#include "qforge/models/datasets.hpp"
#include "qforge/models/networks.hpp"
#include "qforge/models/report.hpp"  // read_run
#include "qforge/models/training.hpp"

#include <gtest/gtest.h>
#include "tiny_data.hpp"

#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

using namespace qforge::models;

namespace {

std::string scratch(const std::string& tag) {
  std::string d = "/tmp/qforge_robust_" + tag + "_" + std::to_string(::getpid());
  ::mkdir(d.c_str(), 0755);
  return d;
}

bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

std::string text_of(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream o;
  o << f.rdbuf();
  return o.str();
}

ImageSet blank(int n, int h, int w) {
  ImageSet s;
  s.height = h;
  s.width = w;
  for (int i = 0; i < n; ++i) s.labels.push_back(i % 2);
  s.pixels.assign(std::size_t(n) * h * w, 7);
  return s;
}

TrainConfig config_for(const std::string& data, const std::string& run) {
  TrainConfig c;
  c.model = "cnn-4";
  c.dataset = "mnist";
  c.data_dir = data;
  c.classes = "0,1";
  c.train_size = 32;
  c.val_size = 16;
  c.test_size = 16;
  c.batch = 16;
  c.epochs = 2;
  c.threads = 1;
  c.quiet = true;
  c.run_dir = run;
  return c;
}

std::string train_error(const TrainConfig& c) {
  std::ostringstream log;
  try {
    train(c, log);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST(RunRobustness, ImagesTooSmallForTheTrunkWriteNothing) {
  for (int side : {0, 1, 9}) {
    const std::string d = scratch("small" + std::to_string(side));
    write_idx(d + "/train-images-idx3-ubyte", d + "/train-labels-idx1-ubyte", blank(64, side, side), false);
    write_idx(d + "/t10k-images-idx3-ubyte", d + "/t10k-labels-idx1-ubyte", blank(32, side, side), false);
    auto c = config_for(d, d + "/run");
    const std::string s = std::to_string(side);
    EXPECT_EQ(train_error(c), "'" + d + "/train-images-idx3-ubyte' holds " + s + "x" + s +
                                  " images; the models' convolutional trunk needs at least 10x10");
    EXPECT_FALSE(exists(c.run_dir)) << "side " << side;
  }
  // 10x10 is the smallest the trunk takes: a forward pass runs.
  TrainConfig c;
  c.model = "cnn-4";
  Classifier m(model_spec(c, blank(1, 10, 10), 2, ""));
  EXPECT_EQ(m->forward(torch::zeros({3, 1, 10, 10})).size(1), 2);
}

TEST(RunRobustness, SplitsOfDifferentSizesWriteNothing) {
  const std::string d = scratch("geometry");
  std::mt19937 rng(3);
  write_idx(d + "/train-images-idx3-ubyte", d + "/train-labels-idx1-ubyte", test_data::bar_images(64, rng), false);
  write_idx(d + "/t10k-images-idx3-ubyte", d + "/t10k-labels-idx1-ubyte", blank(32, 14, 14), false);
  auto c = config_for(d, d + "/run");
  EXPECT_EQ(train_error(c), "'" + d + "/t10k-images-idx3-ubyte' holds 14x14 images with 1 channel but '" + d +
                                "/train-images-idx3-ubyte' holds 28x28 images with 1 channel: every split of a run "
                                "must have the same image size and channels");
  EXPECT_FALSE(exists(c.run_dir));
}

TEST(RunRobustness, ResumeRepairsTheFilesAKillAfterTheCheckpointLeaves) {
  const std::string data = test_data::make_bar_dataset("robust_kill", 96, 48, 11);
  const std::string d = scratch("kill");
  auto c = config_for(data, d + "/run");
  c.epochs = 3;
  c.stop_after = 1;
  std::ostringstream log;
  train(c, log);
  const std::string csv1 = text_of(c.run_dir + "/metrics.csv"), json1 = text_of(c.run_dir + "/metrics.json");
  c.stop_after = 2;
  c.resume = true;
  train(c, log);
  const std::string csv2 = text_of(c.run_dir + "/metrics.csv"), json2 = text_of(c.run_dir + "/metrics.json");
  ASSERT_NE(csv1, csv2);
  // A kill after epoch 2's checkpoint was renamed into place and before its
  // metrics and its epoch file were written (epoch 2 of 3 keeps
  // epoch_002.pt): the metrics one epoch behind, the epoch file missing.
  std::ofstream(c.run_dir + "/metrics.csv", std::ios::trunc) << csv1;
  std::ofstream(c.run_dir + "/metrics.json", std::ios::trunc) << json1;
  ASSERT_EQ(::unlink((c.run_dir + "/epoch_002.pt").c_str()), 0);
  // Resuming with nothing left to train (a complete run read back) repairs them.
  c.stop_after = 0;
  c.epochs = 2;
  auto r = train(c, log);
  EXPECT_EQ(r.history.size(), 2u);
  EXPECT_EQ(text_of(c.run_dir + "/metrics.csv"), csv2);
  EXPECT_EQ(text_of(c.run_dir + "/metrics.json"), json2);
  ASSERT_TRUE(exists(c.run_dir + "/epoch_002.pt"));
  EXPECT_EQ(checkpoint_parameters(c.run_dir + "/epoch_002.pt"), checkpoint_parameters(c.run_dir + "/checkpoint.pt"));
  EXPECT_EQ(read_run(c.run_dir).history.size(), 2u);
  // No temporary files left behind by the atomic writes.
  for (const auto& n : {"metrics.csv", "metrics.json", "checkpoint.pt", "config.txt"})
    EXPECT_FALSE(exists(c.run_dir + "/" + n + ".tmp." + std::to_string(::getpid()))) << n;
}

TEST(RunRobustness, CorruptCheckpointMetadataNamesTheFile) {
  const std::string d = scratch("ckpt");
  auto write = [&](const std::string& name, const std::string& key, const std::string& text) {
    torch::serialize::OutputArchive ar;
    ar.write(key, torch::from_blob(const_cast<char*>(text.data()), {int64_t(text.size())}, torch::kChar).clone());
    if (key == "config") {
      ar.write("epoch", torch::tensor(int64_t(1)));
      ar.write("history", torch::zeros({1, 12}, torch::kFloat64));
    }
    ar.save_to(d + "/" + name);
    return d + "/" + name;
  };
  auto error_of = [](const std::string& path) {
    EvalOptions o;
    o.checkpoint = path;
    o.threads = 1;
    try {
      evaluate(o);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("<no error>");
  };
  // Replaced storages: the config text of an older checkpoint, the JSON of a newer one.
  const auto old_format = write("old.pt", "config", "\x01\x02garbage");
  EXPECT_EQ(error_of(old_format), old_format + ": config:1: expected key = value");
  const auto meta = write("meta.pt", "meta", "{\"config\": 5}");
  const std::string m = error_of(meta);
  EXPECT_EQ(m.rfind(meta + ": checkpoint metadata: ", 0), 0u) << m;
}
