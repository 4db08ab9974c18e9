// qforge/models/report.hpp - `qforge report`: the figures of one or more runs
// (the folders `qforge train` / `qforge experiment` write) as PNG + SVG and a
// self-contained HTML page. Torch-free interface; the analyses that need the
// checkpoints (confusion, FGSM sweep, features, Grad-CAM, Bloch vectors) live
// in report_torch.cpp.
#pragma once

#include "qforge/models/metrics.hpp"
#include "qforge/models/training.hpp"

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace qforge::models {

/// What a run folder holds (read without torch).
struct RunRecord {
  std::string dir;
  std::string model;                       ///< config's model
  TrainConfig config;                      ///< config.txt
  std::vector<EpochMetrics> history;       ///< metrics.csv
  std::vector<std::string> class_names;    ///< metrics.json
  ParameterCounts parameters;              ///< metrics.json
  std::vector<int> fixed_test_positions;   ///< test_images.txt: positions in the test subset
  std::vector<std::size_t> fixed_test_sources;  ///< ... and indices in the test split
  std::vector<int> epoch_checkpoints;      ///< epochs with an epoch_NNN.pt, ascending
  std::string circuit_file;                ///< circuit.qasm in the run (hybrids), else ""
  std::string device_json;                 ///< device.json's text (runs on a noise model), else ""
};

/// metrics.csv text -> per-epoch rows (throws std::runtime_error on a bad line).
std::vector<EpochMetrics> parse_metrics_csv(const std::string& text);
/// Read a run folder; throws std::runtime_error naming what is missing.
RunRecord read_run(const std::string& dir);
/// Each argument is a run folder (has metrics.csv) or a folder with runs at
/// any depth below it (an experiment's OUT/MODEL or OUT/MODEL/seed-S, or a
/// folder of experiments), found in the order of the experiments' tables.
/// Throws when an argument holds none.
std::vector<std::string> expand_run_dirs(const std::vector<std::string>& args);

/// Results of analysing a run's checkpoints (report_torch.cpp).
struct RunAnalysis {
  int epoch = 0;                           ///< of the analysed (last) checkpoint
  int threads = 0;                         ///< LibTorch threads used (set for the call only)
  ConfusionMatrix confusion;               ///< on the whole test subset
  std::vector<double> fgsm_eps, fgsm_accuracy;
  // Features entering the classifier head (the quantum layer's input for the
  // hybrids) of the first `points` test images.
  int feature_dim = 0;
  std::vector<int> point_labels, point_predictions;
  std::vector<double> pca_xy, tsne_xy;     ///< n x 2, row-major
  double pca_explained[2] = {0, 0};        ///< fraction of variance
  // Decision regions of the trained head on the PCA plane.
  double region_x0 = 0, region_x1 = 0, region_y0 = 0, region_y1 = 0;
  int region_res = 0;
  std::vector<int> region_class;           ///< region_res^2, row y major
  // Fixed test images (test_images.txt).
  int channels = 1, height = 0, width = 0;
  std::vector<std::vector<uint8_t>> images;   ///< each C*H*W
  std::vector<int> image_labels, image_predictions;  ///< last checkpoint
  // Grad-CAM of the first gradcam images, per epoch checkpoint.
  std::vector<int> cam_epochs;
  std::vector<std::vector<std::vector<float>>> cams;  ///< [epoch][image] H*W in [0,1]
  std::vector<std::vector<int>> cam_predictions;      ///< [epoch][image]
  // Bloch vectors after the encoding layer (hybrids).
  int bloch_qubits = 0;
  std::vector<double> bloch;               ///< samples x qubits x 3
  std::vector<int> bloch_labels;
  std::string circuit_path;                ///< the circuit used (hybrids)
  std::vector<std::string> notes;          ///< parts skipped, and why
};

struct AnalysisOptions {
  std::vector<double> fgsm_eps;            ///< empty: 0, 0.025, ..., 0.3
  int points = 500;                        ///< images for PCA / t-SNE
  int gradcam_images = 6;
  int grid_images = 32;
  int bloch_samples = 64;
  int region_res = 120;
  uint64_t seed = 0;                       ///< t-SNE seed
  int threads = 0;                         ///< LibTorch threads; 0: all cores
};
RunAnalysis analyse_run(const RunRecord& run, const AnalysisOptions& options);

struct ReportOptions {
  std::vector<std::string> run_dirs;       ///< runs or experiment folders
  std::string out_dir;
  AnalysisOptions analysis;
  bool checkpoints = true;                 ///< false: only what the metrics files give
  std::string gnuplot;                     ///< empty: gnuplot_program()
};

struct ReportFigure {
  std::string id;                          ///< file stem: id.png, id.svg
  std::string title, caption;
  int width = 0, height = 0;               ///< pixels of the PNG (as asked of gnuplot)
};

struct ReportResult {
  std::string html;                        ///< out_dir/index.html
  std::vector<ReportFigure> figures;
  std::vector<std::string> notes;
};

/// Write out_dir/index.html, out_dir/<figure>.png/.svg and out_dir/gnuplot/.
/// Progress to `log`. Throws PlotError when gnuplot is missing.
ReportResult write_report(const ReportOptions& options, std::ostream& log);

/// A Markdown document with pipe tables (table.md) as HTML.
std::string markdown_to_html(const std::string& md);

}  // namespace qforge::models
