// `qforge report RUN_DIR... [-o OUT_DIR]`: the figures of runs as PNG + SVG
// and one HTML page.
#ifdef QFORGE_HAVE_MODELS
#include "cli.hpp"

#include "qforge/models/plot.hpp"
#include "qforge/models/report.hpp"

#include <iostream>

namespace po = boost::program_options;

namespace qforge::cli {

/// Render the report of `runs` into `out` (used by train/experiment --report).
int render_report(const std::vector<std::string>& runs, const std::string& out,
                  const models::AnalysisOptions& analysis, bool checkpoints) {
  models::ReportOptions o;
  o.run_dirs = runs;
  o.out_dir = out;
  o.analysis = analysis;
  o.checkpoints = checkpoints;
  try {
    auto r = models::write_report(o, std::cerr);
    std::cout << "report: " << r.html << " (" << r.figures.size() << " figures)\n";
    return kOk;
  } catch (const models::PlotError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kFailed;
  }
}

namespace {

const char* kUsage =
    "usage: qforge report RUN_DIR... [-o OUT_DIR] [options]\n\n"
    "Draw every figure of the runs `qforge train` and `qforge experiment` write (a run\n"
    "folder, or any folder with runs below it at any depth, such as an experiment's\n"
    "OUT/MODEL/seed-S): learning curves, the spread of accuracy over seeds,\n"
    "confusion matrices, per-class metrics, FGSM robustness for eps 0..0.3, time,\n"
    "memory and CPU, PCA / t-SNE of the head's input features with the head's decision\n"
    "regions, Grad-CAM from the first/middle/last epoch checkpoints, test images with\n"
    "predictions, the circuit and Bloch vectors after its encoding (hybrids); for a\n"
    "run trained with --noise, ideal vs noisy accuracy and loss per epoch and the\n"
    "error budget of the chosen layout (from its device.json). Writes\n"
    "OUT_DIR/index.html (opens from disk) and each figure as PNG and SVG. Charts are\n"
    "drawn by gnuplot (apt-get install gnuplot-nox; or set QFORGE_GNUPLOT).";

int run_report(const std::vector<std::string>& args) {
  po::options_description desc("options");
  desc.add_options()
      ("runs", po::value<std::vector<std::string>>()->multitoken(), "run or experiment folders")
      ("out,o", po::value<std::string>(), "output folder (default: RUN_DIR/report for one argument, else report)")
      ("fgsm-max", po::value<double>()->default_value(0.3), "largest FGSM eps")
      ("fgsm-steps", po::value<int>()->default_value(12), "FGSM eps steps after 0")
      ("points", po::value<int>()->default_value(500), "test images in the PCA / t-SNE views")
      ("gradcam-images", po::value<int>()->default_value(6), "fixed test images shown with Grad-CAM")
      ("grid-images", po::value<int>()->default_value(32), "fixed test images in the prediction grid")
      ("seed", po::value<uint64_t>()->default_value(0), "t-SNE seed")
      ("threads", po::value<int>()->default_value(0), "LibTorch threads (0: all cores)")
      ("metrics-only", "skip the checkpoint analyses (only curves and resources)");
  po::positional_options_description pos;
  pos.add("runs", -1);
  po::variables_map vm;
  if (!parse_args(args, kUsage, desc, &pos, vm)) return kOk;
  if (!vm.count("runs")) throw UsageError("no run folder (see qforge report --help)");
  auto runs = vm["runs"].as<std::vector<std::string>>();
  std::string out = vm.count("out") ? vm["out"].as<std::string>()
                                    : (runs.size() == 1 ? runs[0] + "/report" : std::string("report"));
  models::AnalysisOptions a;
  const int steps = vm["fgsm-steps"].as<int>();
  const double emax = vm["fgsm-max"].as<double>();
  if (steps < 1 || emax <= 0) throw UsageError("--fgsm-steps and --fgsm-max must be positive");
  for (int i = 0; i <= steps; ++i) a.fgsm_eps.push_back(emax * i / steps);
  a.points = vm["points"].as<int>();
  a.gradcam_images = vm["gradcam-images"].as<int>();
  a.grid_images = vm["grid-images"].as<int>();
  a.seed = vm["seed"].as<uint64_t>();
  a.threads = vm["threads"].as<int>();
  if (a.points < 2) throw UsageError("--points must be at least 2");
  return render_report(runs, out, a, !vm.count("metrics-only"));
}

const Verb reg{"report", "figures and an HTML page for training runs and experiments", &run_report};

}  // namespace
}  // namespace qforge::cli
#endif  // QFORGE_HAVE_MODELS
