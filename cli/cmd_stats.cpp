// `qforge stats`: gate counts, two-qubit count, depth and T count of a circuit.
#include "cli.hpp"
#include "qforge/stats.hpp"

namespace po = boost::program_options;

namespace qforge::cli {
namespace {

const char* kUsage =
    "usage: qforge stats FILE [--format text|json] [--set NAME=VALUE]... [-I DIR]...\n\n"
    "Print the qubit and clbit counts, operations per gate, total, two-qubit\n"
    "operations, depth (barriers excluded) and T count of FILE.";

int run_stats(const std::vector<std::string>& args) {
  po::options_description desc("options");
  desc.add_options()
      ("file", po::value<std::string>()->required(), "OpenQASM 3 or 2 source")
      ("format", po::value<std::string>()->default_value("text"), "text or json");
  add_circuit_options(desc);
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  if (!parse_args(args, kUsage, desc, &pos, vm)) return kOk;

  const std::string format = one_of(vm, "format", {"text", "json"});
  std::optional<Circuit> circuit = load_circuit(vm["file"].as<std::string>(), circuit_options(vm));
  if (!circuit) return kFailed;
  const CircuitStats s = circuit_stats(*circuit);
  write_output("-", format == "json" ? stats_json(s) : stats_text(s));
  return kOk;
}

const Verb reg{"stats", "count gates, depth and T gates of an OpenQASM file", &run_stats};

}  // namespace
}  // namespace qforge::cli
