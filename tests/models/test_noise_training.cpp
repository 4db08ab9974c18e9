// Training the lean hybrid classifier under device noise (TrainConfig::noise):
// on a hand-made 5-qubit line device written as a noise model file, the
// lcqhnn model trains for 2 epochs on 128 Fashion-MNIST images (loss falls,
// accuracy above chance), --resume continues to the same weights, evaluate
// reports the noisy columns, and a changed model file is refused.
#include "qforge/models/training.hpp"
#include "qforge/noise_model.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <tuple>

namespace qforge::models {
namespace {

/// A 5-qubit line 0-1-2-3-4 with cz both ways; qubit 4 is noisier, so the
/// placement has a choice to make.
noise::NoiseModel line_device() {
  noise::NoiseModel m;
  m.backend_name = "line5";
  m.backend_version = "1";
  m.dt = 4e-9;
  m.basis = {"cz", "rz", "sx", "x"};
  for (unsigned q = 0; q < 5; ++q) {
    noise::QubitNoise n;
    n.t1 = q == 4 ? 20e-6 : 120e-6;
    n.t2 = q == 4 ? 15e-6 : 90e-6;
    n.p1_given_0 = 0.01;
    n.p0_given_1 = 0.02;
    n.readout_length = 1e-6;
    m.qubits.push_back(n);
    m.gates.push_back({"rz", {q}, 0, 0});
    m.gates.push_back({"sx", {q}, q == 4 ? 3e-3 : 3e-4, 36e-9});
    m.gates.push_back({"x", {q}, q == 4 ? 3e-3 : 3e-4, 36e-9});
  }
  for (unsigned q = 0; q + 1 < 5; ++q) {
    m.coupling_map.push_back({q, q + 1});
    m.coupling_map.push_back({q + 1, q});
    m.gates.push_back({"cz", {q, q + 1}, q == 3 ? 4e-2 : 8e-3, 84e-9});
    m.gates.push_back({"cz", {q + 1, q}, q == 3 ? 4e-2 : 8e-3, 84e-9});
  }
  std::sort(m.gates.begin(), m.gates.end(), [](const noise::GateNoise& a, const noise::GateNoise& b) {
    return std::tie(a.gate, a.qubits) < std::tie(b.gate, b.qubits);
  });
  return m;
}

std::string tmp(const std::string& name) { return "/tmp/qforge_noise_training_" + std::to_string(::getpid()) + "_" + name; }

std::string device_file() {
  static const std::string path = [] {
    std::string p = tmp("line5.noise.json");
    noise::write_noise_model(p, line_device());
    return p;
  }();
  return path;
}

TrainConfig noisy_config(const std::string& run) {
  TrainConfig c;
  c.model = "lcqhnn";
  c.classes = "trouser,shirt";  // the embedded Fashion-MNIST
  c.train_size = 128;
  c.val_size = 64;
  c.test_size = 128;
  c.batch = 32;
  c.epochs = 2;
  c.lr = 1e-2;
  c.threads = 1;
  c.quiet = true;
  c.circuits_dir = std::string(QFORGE_SOURCE_DIR) + "/circuits";
  c.noise = device_file();
  c.run_dir = tmp(run);
  return c;
}

TEST(NoiseTraining, LeanClassifierTrainsUnderNoise) {
  std::ostringstream log;
  TrainResult r = train(noisy_config("train"), log);
  ASSERT_EQ(r.history.size(), 2u);
  EXPECT_LT(r.history[1].train_loss, r.history[0].train_loss);
  EXPECT_GT(r.history[1].test_accuracy, 0.6);
  // The run records the device; its checkpoint the model file's hash and layout.
  std::ifstream dev(r.run_dir + "/device.json");
  std::string text((std::istreambuf_iterator<char>(dev)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\"device\": \"line5\""), std::string::npos) << text;
  EXPECT_NE(text.find("predicted_fidelity"), std::string::npos);
  EvalOptions o;
  o.checkpoint = r.run_dir + "/checkpoint.pt";
  o.fgsm_eps = 0.05;
  o.threads = 1;
  EvalResult e = evaluate(o);
  ASSERT_TRUE(e.noisy.has_value());
  EXPECT_EQ(e.noisy->device, "line5");
  EXPECT_EQ(e.config.noise_hash.size(), 16u);
  // The run trained and was tested on the device: its noisy accuracy is the last epoch's.
  EXPECT_NEAR(e.noisy->confusion.accuracy(), r.history[1].test_accuracy, 1e-12);
  EXPECT_GE(e.noisy->fgsm_accuracy, 0.0);
  EXPECT_GT(e.confusion.accuracy(), 0.5);
}

TEST(NoiseTraining, ResumeGivesTheSameWeightsAndAChangedModelIsRefused) {
  std::ostringstream log;
  TrainConfig full = noisy_config("full");
  train(full, log);
  TrainConfig part = noisy_config("part");
  part.stop_after = 1;
  train(part, log);
  part.stop_after = 0;
  part.resume = true;
  part.noise.clear();  // the checkpoint decides
  train(part, log);
  EXPECT_EQ(checkpoint_parameters(full.run_dir + "/checkpoint.pt"),
            checkpoint_parameters(part.run_dir + "/checkpoint.pt"));
  // A different device file under the recorded name.
  auto m = line_device();
  m.gates[0].error = 0.02;
  const std::string copy = tmp("changed.noise.json");
  noise::write_noise_model(copy, m);
  TrainConfig moved = noisy_config("moved");
  moved.noise = copy;
  moved.epochs = 1;
  train(moved, log);
  noise::NoiseModel changed = line_device();
  changed.qubits[0].t1 = 50e-6;
  noise::write_noise_model(copy, changed);
  EvalOptions o;
  o.checkpoint = moved.run_dir + "/checkpoint.pt";
  o.fgsm_eps = -1;
  try {
    evaluate(o);
    ADD_FAILURE() << "no error for a changed noise model";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("changed since the run trained"), std::string::npos) << e.what();
  }
}

TEST(NoiseTraining, NoiseIsOnlyForTheLeanModel) {
  TrainConfig c = noisy_config("cnn");
  c.model = "cnn-4";
  std::ostringstream log;
  EXPECT_THROW(train(c, log), std::runtime_error);
}

}  // namespace
}  // namespace qforge::models
