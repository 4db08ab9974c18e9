// `qforge draw`: a drawing of a circuit in the style of Qiskit's drawers: text
// (the default), or a diagram as SVG or PNG.
#include "cli.hpp"
#include "qforge/draw.hpp"

namespace po = boost::program_options;

namespace qforge::cli {
namespace {

const char* kUsage =
    "usage: qforge draw FILE [--format text|svg|png] [--width N] [-o OUT] [--set NAME=VALUE]... [-I DIR]...\n\n"
    "Draw FILE as text (the default). With --width N > 0 the text drawing folds into\n"
    "blocks at most N characters wide; 0 (the default) never folds. --format svg or\n"
    "png draws a diagram as Qiskit's matplotlib drawer does (gates as boxes with their\n"
    "parameters); png needs -o and takes --scale (pixels per SVG unit, default 2).";

int run_draw(const std::vector<std::string>& args) {
  po::options_description desc("options");
  desc.add_options()
      ("file", po::value<std::string>()->required(), "OpenQASM 3 or 2 source")
      ("format", po::value<std::string>()->default_value("text"), "text | svg | png")
      ("width", po::value<int>()->default_value(0), "fold at N characters (0: never; text only)")
      ("scale", po::value<double>()->default_value(2.0), "png: pixels per SVG unit")
      ("output,o", po::value<std::string>()->default_value("-"), "output file (- for stdout)");
  add_circuit_options(desc);
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  if (!parse_args(args, kUsage, desc, &pos, vm)) return kOk;

  const int width = vm["width"].as<int>();
  if (width < 0) throw UsageError("--width must be 0 or positive, got " + std::to_string(width));
  const std::string format = one_of(vm, "format", {"text", "svg", "png"});
  const std::string out = vm["output"].as<std::string>();
  if (format == "png" && (out.empty() || out == "-"))
    throw UsageError("--format png writes a file: give -o FILE.png");
  const double scale = vm["scale"].as<double>();
  if (!(scale > 0 && scale <= 16)) throw UsageError("--scale must be in (0, 16]");
  std::optional<Circuit> circuit = load_circuit(vm["file"].as<std::string>(), circuit_options(vm));
  if (!circuit) return kFailed;
  if (format == "svg") write_output(out, draw_svg(*circuit));
  else if (format == "png") write_output(out, draw_png(*circuit, scale));
  else write_output(out, draw_text(*circuit, width));
  return kOk;
}

const Verb reg{"draw", "draw an OpenQASM file as text, SVG or PNG", &run_draw};

}  // namespace
}  // namespace qforge::cli
