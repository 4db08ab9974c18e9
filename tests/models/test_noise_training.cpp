// Training the lean hybrid classifier under device noise (TrainConfig::noise):
// on a hand-made 5-qubit line device written as a noise model file, the
// lcqhnn model trains for 2 epochs on 128 Fashion-MNIST images (loss falls,
// accuracy above chance), --resume continues to the same weights, evaluate
// reports the noisy columns, and a changed model file is refused. The run
// records the ideal numbers of its weights beside the noisy ones, and its
// report draws them and the error budget of the layout from device.json.
#include "qforge/models/plot.hpp"
#include "qforge/models/report.hpp"
#include "qforge/models/training.hpp"
#include "qforge/noise_model.hpp"
#include "noisy_train_config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
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

TrainConfig noisy_config(const std::string& run) { return test::small_noisy_lean_run(device_file(), tmp(run)); }

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

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

TEST(NoiseTraining, ReportShowsIdealVsNoisyAndTheErrorBudget) {
  TrainConfig c = noisy_config("report");
  std::ostringstream log;
  TrainResult r = train(c, log);
  ASSERT_EQ(r.history.size(), 2u);
  // Ideal beside noisy, per epoch, in both metrics files (and they differ).
  for (const auto& e : r.history) {
    ASSERT_TRUE(e.has_ideal());
    EXPECT_GE(e.ideal_val_accuracy, 0.0);
    EXPECT_LE(e.ideal_val_accuracy, 1.0);
    EXPECT_GT(e.ideal_val_loss, 0.0);
  }
  EXPECT_NE(r.history[1].ideal_val_loss, r.history[1].val_loss);
  const std::string csv = read_file(r.run_dir + "/metrics.csv");
  EXPECT_NE(csv.find(",ideal_val_loss,ideal_val_accuracy,ideal_val_macro_f1,ideal_test_accuracy\n"), std::string::npos)
      << csv;
  EXPECT_NE(read_file(r.run_dir + "/metrics.json").find("\"ideal_test_accuracy\""), std::string::npos);
  RunRecord run = read_run(r.run_dir);
  ASSERT_EQ(run.history.size(), 2u);
  EXPECT_NEAR(run.history[1].ideal_val_accuracy, r.history[1].ideal_val_accuracy, 1e-6);
  EXPECT_NEAR(run.history[1].ideal_test_accuracy, r.history[1].ideal_test_accuracy, 1e-6);
  // The budget in device.json: the placement avoids the noisy qubit 4, so it
  // uses 0..3 with their calibration, and cz on the couplers between them.
  const std::string dev = read_file(r.run_dir + "/device.json");
  EXPECT_NE(dev.find("\"budget\""), std::string::npos) << dev;
  EXPECT_EQ(dev.find("\"device\": 4,"), std::string::npos) << dev;
  EXPECT_NE(dev.find("\"t1_s\": 0.00012,"), std::string::npos) << dev;
  EXPECT_NE(dev.find("\"t2_s\": 9e-05,"), std::string::npos) << dev;
  EXPECT_NE(dev.find("\"readout_error\": 0.015"), std::string::npos) << dev;
  EXPECT_NE(dev.find("\"gate_1q_error\": 0.0003,"), std::string::npos) << dev;
  EXPECT_NE(dev.find("\"gate\": \"cz\""), std::string::npos) << dev;
  EXPECT_NE(dev.find("\"error\": 0.008,"), std::string::npos) << dev;
  // The report.
  ReportOptions o;
  o.run_dirs = {r.run_dir};
  o.out_dir = r.run_dir + "/report";
  o.checkpoints = false;
  ReportResult rep;
  try {
    rep = write_report(o, log);
  } catch (const PlotError& e) {
    GTEST_SKIP() << "no gnuplot: " << e.what();
  }
  std::vector<std::string> ids;
  for (const auto& f : rep.figures) ids.push_back(f.id);
  EXPECT_NE(std::find(ids.begin(), ids.end(), "ideal_vs_noisy_lcqhnn"), ids.end()) << log.str();
  EXPECT_NE(std::find(ids.begin(), ids.end(), "error_budget_lcqhnn"), ids.end()) << log.str();
  for (const char* id : {"ideal_vs_noisy_lcqhnn", "error_budget_lcqhnn"}) {
    std::ifstream png(o.out_dir + "/" + id + ".png");
    EXPECT_TRUE(png.good()) << id;
  }
  // The ideal curve's data are the metrics' numbers.
  const std::string script = read_file(o.out_dir + "/gnuplot/ideal_vs_noisy_lcqhnn.body.gp");
  char acc[64];
  std::snprintf(acc, sizeof acc, "%.9g", 100 * run.history[1].ideal_val_accuracy);
  EXPECT_NE(script.find(acc), std::string::npos) << script;
  const std::string html = read_file(rep.html);
  EXPECT_NE(html.find("Device error budget of the chosen layout"), std::string::npos);
  EXPECT_NE(html.find("<h3>LCQHNN on line5 (-O2, idle noise on, readout error on)</h3>"), std::string::npos) << html;
  // Qubit rows: $0 .. $3 with T1 120 us, T2 90 us, P(1|0) 0.01, P(0|1) 0.02,
  // readout 0.015, sx error 0.0003; the noisy qubit 4 is not in the layout.
  for (int q = 0; q < 4; ++q)
    EXPECT_NE(html.find("<tr><td>$" + std::to_string(q) + "</td>"), std::string::npos) << q;
  EXPECT_EQ(html.find("<tr><td>$4</td>"), std::string::npos);
  EXPECT_NE(html.find("</td><td>120.0</td><td>90.0</td><td>0.01</td><td>0.02</td><td>0.015</td><td>sx</td><td>0.0003</td>"),
            std::string::npos)
      << html;
  // Couplers: cz with error 0.008, 84 ns.
  EXPECT_NE(html.find("<tr><td>cz</td>"), std::string::npos);
  EXPECT_NE(html.find("</td><td>0.008</td><td>84</td>"), std::string::npos) << html;
  EXPECT_EQ(html.find("<td>0.04</td>"), std::string::npos);  // the cz 3-4 is not used
  // Fidelity factors as device.json has them.
  char fid[32];
  std::snprintf(fid, sizeof fid, "<tr><td>%.4f</td>", 0.0);
  const auto pf = dev.find("\"predicted_fidelity\": ");
  ASSERT_NE(pf, std::string::npos);
  std::snprintf(fid, sizeof fid, "<tr><td>%.4f</td>", std::strtod(dev.c_str() + pf + 22, nullptr));
  EXPECT_NE(html.find(fid), std::string::npos) << fid;
}

TEST(NoiseTraining, NoiseIsOnlyForTheLeanModel) {
  TrainConfig c = noisy_config("cnn");
  c.model = "cnn-4";
  std::ostringstream log;
  EXPECT_THROW(train(c, log), std::runtime_error);
}

}  // namespace
}  // namespace qforge::models
