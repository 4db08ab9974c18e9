// tests/models/noisy_train_config.hpp - the small lean-classifier run the
// device-noise tests train (128 Fashion-MNIST images, 2 epochs, 1 thread).
#pragma once

#include "qforge/models/training.hpp"

#include <string>

namespace qforge::models::test {

inline TrainConfig small_noisy_lean_run(const std::string& noise_model, const std::string& run_dir) {
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
  c.noise = noise_model;
  c.run_dir = run_dir;
  return c;
}

}  // namespace qforge::models::test
