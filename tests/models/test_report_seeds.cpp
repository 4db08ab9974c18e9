// `qforge report` over an experiment run with several seeds
// (OUT/MODEL/seed-S): run folders are found at any depth, labelled by seed,
// and the spread figure plots each seed's last-epoch accuracy with the mean and
// sample standard deviation worked out here.
#include "../../models/src/run_files.hpp"
#include "qforge/models/report.hpp"
#include "qforge/models/training.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

using namespace qforge::models;

namespace {

std::string read(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream o;
  o << f.rdbuf();
  return o.str();
}

/// A run folder with config.txt and a two-epoch metrics.csv ending at
/// `test` / `val` accuracy.
void fake_run(const std::string& dir, const std::string& model, uint64_t seed, double test, double val) {
  std::string p;
  std::stringstream ss(dir);
  for (std::string part; std::getline(ss, part, '/');)
    if (!part.empty()) ::mkdir((p += "/" + part).c_str(), 0755);
  TrainConfig c;
  c.model = model;
  c.seed = seed;
  c.epochs = 2;
  std::ofstream(dir + "/config.txt") << config_to_text(c);
  std::vector<EpochMetrics> h(2);
  for (int e = 0; e < 2; ++e) {
    h[e].epoch = e + 1;
    h[e].test_accuracy = e ? test : 0.5;
    h[e].val_accuracy = e ? val : 0.5;
    h[e].seconds = h[e].train_seconds = 1;
  }
  std::ofstream(dir + "/metrics.csv") << run_files::metrics_csv(h);
}

std::string scratch_dir(const std::string& tag) {
  std::string d = "/tmp/qforge_report_depth_" + tag + "_" + std::to_string(::getpid());
  ::mkdir(d.c_str(), 0755);
  return d;
}

}  // namespace

TEST(ReportSeeds, SpreadOverSeedsFromNestedRuns) {
  const std::string exp = "/tmp/qforge_report_seeds_" + std::to_string(::getpid());
  fake_run(exp + "/hybrid-cnn/seed-1", "hybrid-cnn", 1, 0.90, 0.80);
  fake_run(exp + "/hybrid-cnn/seed-2", "hybrid-cnn", 2, 0.94, 0.84);
  fake_run(exp + "/hybrid-cnn/seed-3", "hybrid-cnn", 3, 0.92, 0.86);
  fake_run(exp + "/cnn-twin/seed-1", "cnn-twin", 1, 0.88, 0.70);
  fake_run(exp + "/cnn-twin/seed-2", "cnn-twin", 2, 0.88, 0.74);
  fake_run(exp + "/cnn-twin/seed-3", "cnn-twin", 3, 0.88, 0.72);
  ReportOptions o;
  o.run_dirs = {exp};
  o.out_dir = exp + "/report";
  o.checkpoints = false;
  std::ostringstream log;
  ReportResult r = write_report(o, log);
  bool seeds = false;
  for (const auto& f : r.figures) seeds |= f.id == "seeds";
  ASSERT_TRUE(seeds) << log.str();
  const std::string html = read(r.html);
  EXPECT_NE(html.find("Hybrid CNN (seed-2)"), std::string::npos);
  EXPECT_NE(html.find("Classical twin (seed-3)"), std::string::npos);
  // $avg: model slot, test mean, test sd, validation mean, validation sd (%).
  // Hybrid test 90, 94, 92: mean 92, sd 2; validation 80, 84, 86: mean 83.333,
  // sd sqrt(((-3.333)^2 + 0.667^2 + 2.667^2) / 2) = 3.0551. Twin: 88 +- 0; 72 +- 2.
  const std::string gp = read(exp + "/report/gnuplot/seeds.body.gp");
  auto block = gp.substr(gp.find("$avg << EOD"));
  block = block.substr(0, block.find("\nEOD"));
  std::istringstream in(block.substr(block.find('\n') + 1));
  double v[2][5];
  for (auto& row : v)
    for (double& x : row) in >> x;
  EXPECT_EQ(v[0][0], 0);
  EXPECT_NEAR(v[0][1], 92, 1e-6);
  EXPECT_NEAR(v[0][2], 2, 1e-6);
  EXPECT_NEAR(v[0][3], 250.0 / 3, 1e-4);
  EXPECT_NEAR(v[0][4], std::sqrt((100.0 / 9 + 4.0 / 9 + 64.0 / 9) / 2), 1e-4);
  EXPECT_EQ(v[1][0], 1);
  EXPECT_NEAR(v[1][1], 88, 1e-6);
  EXPECT_NEAR(v[1][2], 0, 1e-6);
  EXPECT_NEAR(v[1][3], 72, 1e-6);
  EXPECT_NEAR(v[1][4], 2, 1e-6);
  std::filesystem::remove_all(exp);
}

TEST(ReportSeeds, FindsRunsAtAnyDepth) {
  const std::string d = scratch_dir("depth");
  for (const std::string sub : {"/exp/hybrid-cnn/seed-1", "/exp/hybrid-cnn/seed-2", "/exp/cnn-twin/seed-1",
                                "/exp/lcqhnn", "/exp/lcqhnn/report"}) {
    std::string p;
    std::stringstream ss(sub);
    for (std::string part; std::getline(ss, part, '/');)
      if (!part.empty()) ::mkdir((d + (p += "/" + part)).c_str(), 0755);
    if (sub.find("report") == std::string::npos) std::ofstream(d + sub + "/metrics.csv") << "epoch\n";
  }
  const std::vector<std::string> want = {d + "/exp/lcqhnn", d + "/exp/hybrid-cnn/seed-1", d + "/exp/hybrid-cnn/seed-2",
                                         d + "/exp/cnn-twin/seed-1"};
  EXPECT_EQ(expand_run_dirs({d}), want);
  EXPECT_EQ(expand_run_dirs({d + "/exp"}), want);
  ::mkdir((d + "/empty").c_str(), 0755);
  try {
    expand_run_dirs({d + "/empty"});
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "'" + d + "/empty' holds no run (no metrics.csv in it or any folder below it)");
  }
}
