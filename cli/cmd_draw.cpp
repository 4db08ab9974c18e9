// `qforge draw`: a text drawing of a circuit in the style of Qiskit's text drawer.
#include "cli.hpp"
#include "qforge/emit.hpp"

namespace po = boost::program_options;

namespace qforge::cli {
namespace {

const char* kUsage =
    "usage: qforge draw FILE [--width N] [-o OUT] [--set NAME=VALUE]... [-I DIR]...\n\n"
    "Draw FILE as text. With --width N > 0 the drawing folds into blocks at most\n"
    "N characters wide; 0 (the default) never folds.";

int run_draw(const std::vector<std::string>& args) {
  po::options_description desc("options");
  desc.add_options()
      ("file", po::value<std::string>()->required(), "OpenQASM 3 or 2 source")
      ("width", po::value<int>()->default_value(0), "fold at N characters (0: never)")
      ("output,o", po::value<std::string>()->default_value("-"), "output file (- for stdout)");
  add_circuit_options(desc);
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  if (!parse_args(args, kUsage, desc, &pos, vm)) return kOk;

  const int width = vm["width"].as<int>();
  if (width < 0) throw UsageError("--width must be 0 or positive, got " + std::to_string(width));
  std::optional<Circuit> circuit = load_circuit(vm["file"].as<std::string>(), circuit_options(vm));
  if (!circuit) return kFailed;
  write_output(vm["output"].as<std::string>(), draw_text(*circuit, width));
  return kOk;
}

const Verb reg{"draw", "draw an OpenQASM file as text", &run_draw};

}  // namespace
}  // namespace qforge::cli
