// `qforge report` (report.hpp): on two tiny runs laid out as an experiment,
// every figure is produced as PNG (decodes, has the size asked for) and SVG,
// the HTML references only files that exist, and the numbers of its tables
// are the runs' metrics files'. Also: a missing gnuplot is a clear error;
// runs found at any depth (OUT/MODEL/seed-S), labelled by seed, and the
// spread over seeds with the mean and sample standard deviation worked out
// here.
// The one checkpoint reader (internal to the models library).
#include "../../models/src/checkpoint.hpp"
#include "../../models/src/run_files.hpp"
#include "qforge/models/datasets.hpp"
#include "qforge/models/networks.hpp"
#include "qforge/models/plot.hpp"
#include "qforge/models/report.hpp"
#include "qforge/models/training.hpp"

#include <gtest/gtest.h>
#include "tiny_data.hpp"

#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#include <stb/stb_image.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <set>
#include <sstream>

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
bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string tiny_data() {
  static const std::string dir = test_data::make_bar_dataset("report_data", 256, 128, 11);
  return dir;
}

/// An experiment folder with an lcqhnn and a cnn-4 run and a table.md.
std::string tiny_experiment() {
  static std::string exp;
  if (!exp.empty()) return exp;
  exp = "/tmp/qforge_report_exp_" + std::to_string(::getpid());
  ::mkdir(exp.c_str(), 0755);
  for (const char* model : {"lcqhnn", "cnn-4"}) {
    TrainConfig c;
    c.model = model;
    c.dataset = "mnist";
    c.data_dir = tiny_data();
    c.classes = "0,1";
    c.train_size = 128;
    c.val_size = 64;
    c.test_size = 64;
    c.batch = 16;
    c.epochs = 3;
    c.lr = 1e-2;
    c.threads = 1;
    c.quiet = true;
    c.circuits_dir = std::string(QFORGE_SOURCE_DIR) + "/circuits";
    c.run_dir = exp + "/" + model;
    std::ostringstream log;
    train(c, log);
  }
  std::ofstream(exp + "/table.md") << "Our table\n\n| Model | last |\n|---|---|\n| LCQHNN | 12.34 |\n";
  return exp;
}

struct Csv {
  std::vector<std::string> head;
  std::vector<std::vector<double>> rows;
};
Csv csv(const std::string& path) {
  Csv c;
  std::istringstream in(read(path));
  std::string line;
  std::getline(in, line);
  std::stringstream hs(line);
  for (std::string h; std::getline(hs, h, ',');) c.head.push_back(h);
  while (std::getline(in, line)) {
    std::vector<double> r;
    std::stringstream ls(line);
    for (std::string v; std::getline(ls, v, ',');) r.push_back(std::stod(v));
    c.rows.push_back(r);
  }
  return c;
}
double col(const Csv& c, const std::string& name) {
  for (std::size_t i = 0; i < c.head.size(); ++i)
    if (c.head[i] == name) return c.rows.back()[i];
  ADD_FAILURE() << "no column " << name;
  return NAN;
}

std::vector<std::vector<std::string>> html_table(const std::string& html, const std::string& id) {
  std::vector<std::vector<std::string>> rows;
  auto start = html.find("id=\"" + id + "\"");
  auto end = html.find("</table>", start);
  if (start == std::string::npos) return rows;
  std::string t = html.substr(start, end - start);
  std::regex row("<tr>(.*?)</tr>"), cell("<t[dh]>(.*?)</t[dh]>");
  for (std::sregex_iterator it(t.begin(), t.end(), row), e; it != e; ++it) {
    std::vector<std::string> r;
    std::string s = (*it)[1];
    for (std::sregex_iterator ci(s.begin(), s.end(), cell), ce; ci != ce; ++ci) r.push_back((*ci)[1]);
    rows.push_back(r);
  }
  return rows;
}

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
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

TEST(Report, EveryFigureOfAnExperiment) {
  const std::string exp = tiny_experiment();
  ReportOptions o;
  o.run_dirs = {exp};
  o.out_dir = exp + "/report";
  o.analysis.points = 60;
  o.analysis.threads = 1;
  o.analysis.fgsm_eps = {0, 0.05, 0.1, 0.2, 0.3};
  std::ostringstream log;
  ReportResult r = write_report(o, log);
  EXPECT_TRUE(r.notes.empty()) << log.str();

  std::set<std::string> ids;
  for (const auto& f : r.figures) ids.insert(f.id);
  for (const char* id : {"learning_curves", "confusion", "per_class", "fgsm", "resources", "pca", "tsne",
                         "decision_regions", "gradcam_lcqhnn", "gradcam_cnn-4", "predictions_lcqhnn",
                         "predictions_cnn-4", "circuit_lcqhnn", "bloch_lcqhnn"})
    EXPECT_TRUE(ids.count(id)) << "missing figure " << id << "\n" << log.str();
  EXPECT_FALSE(ids.count("circuit_cnn-4"));  // classical: no circuit

  const std::map<std::string, std::pair<int, int>> asked = {
      {"learning_curves", {1500, 460}}, {"fgsm", {900, 480}}, {"resources", {1500, 430}}};
  for (const auto& f : r.figures) {
    const std::string png = o.out_dir + "/" + f.id + ".png", svg = o.out_dir + "/" + f.id + ".svg";
    int w = 0, h = 0, ch = 0;
    unsigned char* px = stbi_load(png.c_str(), &w, &h, &ch, 3);
    ASSERT_NE(px, nullptr) << png << ": " << stbi_failure_reason();
    // Not blank: some pixel differs from the first.
    bool varied = false;
    for (int i = 3; i < w * h * 3 && !varied; ++i) varied = px[i] != px[i % 3];
    stbi_image_free(px);
    EXPECT_TRUE(varied) << png;
    EXPECT_EQ(w, f.width) << png;
    EXPECT_EQ(h, f.height) << png;
    if (asked.count(f.id)) {
      EXPECT_EQ(w, asked.at(f.id).first);
      EXPECT_EQ(h, asked.at(f.id).second);
    }
    std::string s = read(svg);
    EXPECT_NE(s.find("<svg"), std::string::npos) << svg;
    EXPECT_NE(s.find("</svg>"), std::string::npos) << svg;
  }

  // The HTML references only files that exist, and shows every figure.
  const std::string html = read(r.html);
  std::regex ref("(?:src|href)=\"([^\"#]+)\"");
  int refs = 0;
  for (std::sregex_iterator it(html.begin(), html.end(), ref), e; it != e; ++it, ++refs) {
    std::string target = (*it)[1];
    EXPECT_EQ(target.find("://"), std::string::npos) << "network reference " << target;
    EXPECT_TRUE(exists(o.out_dir + "/" + target)) << target;
  }
  EXPECT_GE(refs, int(3 * r.figures.size()));
  for (const auto& f : r.figures) EXPECT_NE(html.find("src=\"" + f.id + ".png\""), std::string::npos);

  // The experiment's table, verbatim, at the top; the run summary equals metrics.csv.
  auto pos_table = html.find("<td>12.34</td>");
  EXPECT_NE(pos_table, std::string::npos);
  EXPECT_LT(pos_table, html.find("<figure>"));
  auto rows = html_table(html, "summary");
  ASSERT_EQ(rows.size(), 3u);
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    ASSERT_EQ(row.size(), 12u);
    std::string model = row[1].substr(row[1].rfind('/') + 1);
    Csv m = csv(exp + "/" + model + "/metrics.csv");
    EXPECT_EQ(row[3], fmt("%.0f", col(m, "epoch")));
    EXPECT_EQ(row[4], fmt("%.2f", 100 * col(m, "train_accuracy")));
    EXPECT_EQ(row[5], fmt("%.2f", 100 * col(m, "val_accuracy")));
    EXPECT_EQ(row[6], fmt("%.4f", col(m, "val_macro_f1")));
    EXPECT_EQ(row[7], fmt("%.2f", 100 * col(m, "test_accuracy")));
    double sec = 0;
    for (const auto& rr : m.rows) sec += rr[8];
    EXPECT_EQ(row[9], fmt("%.3f", sec / double(m.rows.size())));
  }
}

TEST(Report, AnalysisAgreesWithTraining) {
  const std::string exp = tiny_experiment();
  RunRecord run = read_run(exp + "/lcqhnn");
  EXPECT_EQ(run.epoch_checkpoints, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(run.fixed_test_positions.size(), 32u);
  EXPECT_FALSE(run.circuit_file.empty());  // training saved circuit.qasm
  AnalysisOptions o;
  o.points = 40;
  o.threads = 1;
  o.fgsm_eps = {0, 0.1};
  RunAnalysis a = analyse_run(run, o);
  // The last checkpoint's test accuracy is the one training logged.
  EXPECT_DOUBLE_EQ(a.confusion.accuracy(), run.history.back().test_accuracy);
  EXPECT_DOUBLE_EQ(a.fgsm_accuracy[0], a.confusion.accuracy());
  // eps 0.1 as `qforge evaluate` computes it.
  EvalOptions eo;
  eo.checkpoint = exp + "/lcqhnn/checkpoint.pt";
  eo.fgsm_eps = 0.1;
  eo.threads = 1;
  EXPECT_DOUBLE_EQ(a.fgsm_accuracy[1], evaluate(eo).fgsm_accuracy);
  EXPECT_EQ(a.cams.size(), 3u);
  EXPECT_EQ(a.feature_dim, 4);
  EXPECT_EQ(a.bloch_qubits, 4);
  // Bloch vectors of pure product states after H and a phase lie on the equator.
  for (std::size_t i = 0; i + 2 < a.bloch.size(); i += 3) {
    EXPECT_NEAR(std::hypot(a.bloch[i], a.bloch[i + 1]), 1.0, 1e-9);
    EXPECT_NEAR(a.bloch[i + 2], 0.0, 1e-9);
  }
  // By hand: lean_hybrid.qasm encodes feature x_q as h q; u1(2 x_q) q, so
  // qubit q's Bloch vector is (cos 2x_q, sin 2x_q, 0), x the model's features.
  TestSplit test = test_split(run.config);
  Checkpoint k = read_checkpoint(run.dir + "/checkpoint.pt");
  Classifier model = k.model(model_spec(run.config, test.images, 2, run.circuit_file));
  const int64_t B = int64_t(a.bloch_labels.size());
  ASSERT_EQ(B, 64);
  auto px = torch::from_blob(test.images.pixels.data(), {B, 1, 28, 28}, torch::kUInt8).to(torch::kFloat32) / 255.0;
  torch::NoGradGuard ng;
  auto f = model->features(px).to(torch::kFloat64);
  ASSERT_EQ(a.bloch.size(), std::size_t(B * 4 * 3));
  for (int64_t b = 0; b < B; ++b)
    for (int q = 0; q < 4; ++q) {
      const double x = f[b][q].item<double>();
      const double* v = &a.bloch[std::size_t((b * 4 + q) * 3)];
      EXPECT_NEAR(v[0], std::cos(2 * x), 1e-6) << "sample " << b << " qubit " << q;
      EXPECT_NEAR(v[1], std::sin(2 * x), 1e-6) << "sample " << b << " qubit " << q;
      EXPECT_EQ(a.bloch_labels[std::size_t(b)], test.images.labels[std::size_t(b)]);
    }
}

TEST(Report, MissingGnuplotIsAClearError) {
  ReportOptions o;
  o.run_dirs = {"/nonexistent"};
  o.out_dir = "/tmp/qforge_report_none_" + std::to_string(::getpid());
  o.gnuplot = "/nonexistent/gnuplot";
  std::ostringstream log;
  try {
    write_report(o, log);
    FAIL() << "no error";
  } catch (const PlotError& e) {
    EXPECT_NE(std::string(e.what()).find("apt-get install gnuplot-nox"), std::string::npos) << e.what();
  }
}

TEST(Report, MetricsCsvAndMarkdown) {
  auto h = parse_metrics_csv(
      "epoch,train_loss,train_accuracy,train_macro_f1,val_loss,val_accuracy,val_macro_f1,test_accuracy,"
      "seconds,train_seconds,peak_rss_mib,cpu_percent\n1,0.5,0.8,0.79,0.4,0.9,0.89,0.91,2.5,2,300,95\n");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].epoch, 1);
  EXPECT_DOUBLE_EQ(h[0].test_accuracy, 0.91);
  EXPECT_DOUBLE_EQ(h[0].cpu_percent, 95);
  EXPECT_THROW(parse_metrics_csv("head\n1,2\n"), std::runtime_error);
  auto html = markdown_to_html("Title <x>\n\n| a | b |\n|---|---|\n| 1 | — |\n\nafter\n");
  EXPECT_NE(html.find("<p>Title &lt;x&gt;</p>"), std::string::npos) << html;
  EXPECT_NE(html.find("<tr><th>a</th><th>b</th></tr>"), std::string::npos) << html;
  EXPECT_NE(html.find("<tr><td>1</td><td>—</td></tr>"), std::string::npos) << html;
  EXPECT_NE(html.find("<p>after</p>"), std::string::npos);
}

TEST(Report, ReadsMetricsJsonOfEarlierVersions) {
  // metrics.json as qforge wrote it by hand before it used nlohmann-json.
  const std::string dir = "/tmp/qforge_report_oldrun_" + std::to_string(::getpid());
  ::mkdir(dir.c_str(), 0755);
  std::ofstream(dir + "/metrics.csv")
      << "epoch,train_loss,train_accuracy,train_macro_f1,val_loss,val_accuracy,val_macro_f1,test_accuracy,"
         "seconds,train_seconds,peak_rss_mib,cpu_percent\n1,0.5,0.8,0.79,0.4,0.9,0.89,0.91,2.5,2,300,95\n";
  std::ofstream(dir + "/metrics.json")
      << "{\n  \"model\": \"lcqhnn\",\n  \"dataset\": \"fashion-mnist\",\n  \"classes\": [\"trouser\", "
         "\"sh\\\"irt\"],\n  \"threads\": 2,\n  \"seed\": 42,\n  \"batch\": 64,\n  \"lr\": 0.001,\n  "
         "\"parameters\": {\"total\": 2434, \"quantum\": 4, \"classical\": 2430},\n  \"epochs\": [\n    "
         "{\"epoch\": 1, \"train_loss\": 0.5, \"train_accuracy\": 0.8, \"train_macro_f1\": 0.79, \"val_loss\": 0.4, "
         "\"val_accuracy\": 0.9, \"val_macro_f1\": 0.89, \"test_accuracy\": 0.91, \"seconds\": 2.5, "
         "\"train_seconds\": 2, \"peak_rss_mib\": 300, \"cpu_percent\": 95}\n  ]\n}\n";
  RunRecord r = read_run(dir);
  EXPECT_EQ(r.class_names, (std::vector<std::string>{"trouser", "sh\"irt"}));
  EXPECT_EQ(r.parameters.total, 2434);
  EXPECT_EQ(r.parameters.quantum, 4);
  EXPECT_EQ(r.parameters.classical, 2430);
  // A damaged file is an error that names it.
  std::ofstream(dir + "/metrics.json") << "{\"classes\": [\"a\", ";
  try {
    read_run(dir);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(dir + "/metrics.json: ", 0), 0u) << e.what();
  }
}

TEST(Report, TrainingWritesMetricsJsonTheReportReads) {
  const std::string exp = tiny_experiment();
  RunRecord r = read_run(exp + "/cnn-4");
  EXPECT_EQ(r.class_names, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(r.parameters.total, count_parameters(r.config).total);
  EXPECT_EQ(r.parameters.quantum, 0);
  EXPECT_EQ(r.parameters.classical, r.parameters.total);
}


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
