// Training on a tiny generated dataset (real MNIST IDX files): learning,
// resume after a simulated kill, FGSM through the quantum layer.
#include "qforge/models/datasets.hpp"
#include "qforge/models/networks.hpp"
#include "qforge/models/training.hpp"

#include <gtest/gtest.h>
#include "tiny_data.hpp"

#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

using namespace qforge::models;

namespace {

std::string make_tiny_mnist() {
  static const std::string dir = test_data::make_bar_dataset("models_train", 256, 128, 7, /*gzip_train=*/true);
  return dir;
}

TrainConfig tiny_config(const std::string& model, const std::string& run) {
  TrainConfig c;
  c.model = model;
  c.dataset = "mnist";
  c.data_dir = make_tiny_mnist();
  c.classes = "0,1";
  c.train_size = 128;
  c.val_size = 64;
  c.test_size = 64;
  c.batch = 16;
  c.epochs = 4;
  c.lr = 1e-2;
  c.threads = 1;
  c.dropout = 0.1;
  c.quiet = true;
  c.circuits_dir = std::string(QFORGE_SOURCE_DIR) + "/circuits";
  c.run_dir = "/tmp/qforge_models_run_" + std::to_string(::getpid()) + "_" + run;
  return c;
}

bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

}  // namespace

TEST(Training, ClassicalLearnsTinyDatasetAndWritesRun) {
  std::ostringstream log;
  auto c = tiny_config("cnn-8", "smoke");
  auto r = train(c, log);
  ASSERT_EQ(r.history.size(), 4u);
  EXPECT_GE(r.history.back().val_accuracy, 0.9);
  EXPECT_LT(r.history.back().train_loss, r.history.front().train_loss);
  EXPECT_EQ(r.threads, 1);
  for (const char* f : {"metrics.csv", "metrics.json", "config.txt", "checkpoint.pt",
                        "epoch_001.pt", "epoch_002.pt", "epoch_004.pt", "test_images.txt"})
    EXPECT_TRUE(exists(c.run_dir + "/" + f)) << f;
  std::ifstream csv(c.run_dir + "/metrics.csv");
  int lines = 0;
  for (std::string l; std::getline(csv, l);) ++lines;
  EXPECT_EQ(lines, 5);
}

TEST(Training, ResumeAfterKillGivesSameWeights) {
  std::ostringstream log;
  auto full = tiny_config("lcqhnn", "full");
  full.epochs = 3;
  auto a = train(full, log);
  auto part = tiny_config("lcqhnn", "part");
  part.epochs = 3;
  part.stop_after = 1;
  auto b1 = train(part, log);
  EXPECT_TRUE(b1.stopped_early);
  ASSERT_EQ(b1.history.size(), 1u);
  part.stop_after = 0;
  part.resume = true;
  auto b2 = train(part, log);
  ASSERT_EQ(b2.history.size(), 3u);
  for (int e = 0; e < 3; ++e) {
    EXPECT_EQ(a.history[e].train_loss, b2.history[e].train_loss) << "epoch " << e + 1;
    EXPECT_EQ(a.history[e].val_loss, b2.history[e].val_loss) << "epoch " << e + 1;
  }
  EXPECT_EQ(checkpoint_parameters(full.run_dir + "/checkpoint.pt"),
            checkpoint_parameters(part.run_dir + "/checkpoint.pt"));
}

TEST(Training, FgsmThroughQuantumLayer) {
  std::ostringstream log;
  auto c = tiny_config("lcqhnn", "fgsm");
  c.epochs = 3;
  auto r = train(c, log);
  ASSERT_GE(r.history.back().test_accuracy, 0.8);
  EvalOptions o;
  o.checkpoint = c.run_dir + "/checkpoint.pt";
  o.threads = 1;
  o.fgsm_eps = 0;
  auto e0 = evaluate(o);
  EXPECT_DOUBLE_EQ(e0.fgsm_accuracy, e0.confusion.accuracy());
  EXPECT_DOUBLE_EQ(e0.confusion.accuracy(), r.history.back().test_accuracy);
  EXPECT_EQ(e0.parameters.quantum, 4);
  o.fgsm_eps = 0.3;
  auto e1 = evaluate(o);
  EXPECT_LT(e1.fgsm_accuracy, e0.confusion.accuracy() - 0.1);
}

TEST(Training, ConfigTextRoundTripAndErrors) {
  TrainConfig c;
  c.model = "cnn-16";
  c.lr = 0.003;
  c.classes = "trouser,shirt";
  TrainConfig d;
  apply_config_text(d, config_to_text(c), "x");
  EXPECT_EQ(config_to_text(d), config_to_text(c));
  try {
    apply_config_text(d, "# comment\nepochs = ten\n", "cfg.txt");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "cfg.txt:2: bad value 'ten' for epochs");
  }
  try {
    apply_config_text(d, "colour = red\n", "cfg.txt");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "cfg.txt:1: unknown key 'colour'");
  }
}

TEST(Training, ThreadCountDoesNotChangeTheWeights) {
  // LibTorch's threads and the quantum layer's OpenMP threads (the layer
  // takes LibTorch's count; batches of 128 are above its parallel threshold)
  // must not change a single bit of the trained weights.
  for (const char* model : {"lcqhnn", "hybrid-cnn", "cnn-8"}) {
    std::vector<std::vector<float>> weights;
    for (int threads : {1, 2}) {
      std::ostringstream log;
      auto c = tiny_config(model, std::string("threads") + std::to_string(threads));
      c.batch = 128;  // the whole training subset of 128 images
      c.epochs = 3;
      c.threads = threads;
      auto r = train(c, log);
      EXPECT_EQ(r.threads, threads);
      weights.push_back(checkpoint_parameters(c.run_dir + "/checkpoint.pt"));
    }
    ASSERT_EQ(weights[0].size(), weights[1].size()) << model;
    std::size_t differ = 0;
    for (std::size_t i = 0; i < weights[0].size(); ++i)
      differ += std::memcmp(&weights[0][i], &weights[1][i], sizeof(float)) != 0;
    EXPECT_EQ(differ, 0u) << model << ": " << differ << " of " << weights[0].size() << " parameters differ";
  }
}

TEST(Training, HybridCnnAmplitudeEmbeddingLearns) {
  std::ostringstream log;
  auto c = tiny_config("hybrid-cnn", "hcnn");
  c.epochs = 4;
  c.augment = true;
  auto r = train(c, log);
  EXPECT_EQ(r.parameters.quantum, 8);  // 2 layers x 4 qubits
  EXPECT_LT(r.history.back().train_loss, r.history.front().train_loss);
  EXPECT_GE(r.history.back().val_accuracy, 0.8);
  EXPECT_EQ(count_parameters(c).total, r.parameters.total);
}

TEST(Training, UnreadableCheckpointIsALocatedError) {
  const std::string path = "/tmp/qforge_models_not_a_checkpoint_" + std::to_string(::getpid()) + ".pt";
  std::ofstream(path) << "not a checkpoint\n";
  for (const std::string& p : {path, std::string("/nonexistent/checkpoint.pt")}) {
    EvalOptions o;
    o.checkpoint = p;
    o.threads = 1;
    try {
      evaluate(o);
      FAIL() << "no error for " << p;
    } catch (const std::runtime_error& e) {
      const std::string want = p == path ? "'" + p + "' is not a qforge checkpoint (" : "no checkpoint '" + p + "'";
      EXPECT_EQ(std::string(e.what()).rfind(want, 0), 0u) << e.what();
    }
  }
}

TEST(Training, ReadsCheckpointsOfEarlierVersions) {
  // A checkpoint as qforge wrote it before its metadata was JSON: "config"
  // (config-file text), "epoch" and "history" (12 doubles per epoch) tensors.
  auto c = tiny_config("cnn-4", "oldformat");
  ImageSet probe;
  probe.channels = 1;
  probe.height = probe.width = 28;
  torch::manual_seed(5);
  Classifier m(model_spec(c, probe, 2, ""));
  torch::serialize::OutputArchive ar, mar;
  m->save(mar);
  ar.write("model", mar);
  ar.write("epoch", torch::tensor(int64_t(7)));
  std::string cfg = config_to_text(c);
  ar.write("config", torch::from_blob(cfg.data(), {int64_t(cfg.size())}, torch::kChar).clone());
  auto h = torch::zeros({1, 12}, torch::kFloat64);
  h[0][0] = 7;
  ar.write("history", h);
  ::mkdir(c.run_dir.c_str(), 0755);
  const std::string path = c.run_dir + "/old.pt";
  ar.save_to(path);

  EvalOptions o;
  o.checkpoint = path;
  o.threads = 1;
  auto r = evaluate(o);
  EXPECT_EQ(r.epoch, 7);
  EXPECT_EQ(r.config.model, "cnn-4");
  EXPECT_EQ(config_to_text(r.config), config_to_text(c));
  std::vector<float> want;
  for (const auto& p : m->parameters()) {
    auto t = p.detach().contiguous().view(-1);
    want.insert(want.end(), t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
  }
  EXPECT_EQ(checkpoint_parameters(path), want);
}
