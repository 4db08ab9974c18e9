// `qforge compile`: read an OpenQASM file and write it as the IR listing,
// OpenQASM 3 or OpenQASM 2.0.
#include "cli.hpp"
#include "qforge/device_compile.hpp"
#include "qforge/emit.hpp"
#include "qforge/pipeline.hpp"

#include <functional>
#include <iostream>
#include <map>

namespace po = boost::program_options;

namespace qforge::cli {
namespace {

const char* kUsage =
    "usage: qforge compile FILE [-O0|-O1|-O2|-O3] [--target nam|ibm_eagle|ibm_heron|generic]\n"
    "                      [--coupling-map SPEC] [--emit ir|qasm3|qasm2] [--set NAME=VALUE]...\n"
    "                      [--noise DEVICE.noise.json] [-I DIR]... [-o OUT] [--print-passes] [--verbose]\n\n"
    "Compile FILE to the gate IR, optimise it for the target, and write it in the chosen\n"
    "form (default: ir). -O0 only lowers (and translates to the target's gates); higher\n"
    "levels add passes: --print-passes lists them. A coupling map (line:N, ring:N,\n"
    "grid:RxC, heavy-hex:N or a JSON edge list; the IBM targets have their own) makes the\n"
    "output use physical qubits $n, routed with SWAPs, with the layout in a comment that\n"
    "`qforge equiv` reads. qasm2 fails (exit 1) when the circuit has something OpenQASM 2.0\n"
    "cannot express, such as unbound inputs: bind them with --set.\n\n"
    "--noise M (a model from `qforge noise import`) compiles for that device instead of\n"
    "--target: its basis (ecr or cz, rz, sx, x), its coupling map without faulty couplers,\n"
    "gates or qubits, its calibrated gate directions, and the placement of the qubits that\n"
    "maximises the predicted fidelity (gate errors, readout errors, T1/T2 decay over the\n"
    "circuit's duration). The layout and the predicted fidelity are printed to stderr and\n"
    "written as comments after the version line.";

/// The output forms, by --emit name.
const std::map<std::string, std::function<std::string(const Circuit&)>>& emitters() {
  static const std::map<std::string, std::function<std::string(const Circuit&)>> m = {
      {"ir", [](const Circuit& c) { return emit_ir(c); }},
      {"qasm3", [](const Circuit& c) { return emit_qasm3(c); }},
      {"qasm2", [](const Circuit& c) { return emit_qasm2(c); }},
  };
  return m;
}

int run_compile(const std::vector<std::string>& args) {
  po::options_description desc("options");
  desc.add_options()
      ("file", po::value<std::string>()->required(), "OpenQASM 3 or 2 source")
      ("emit", po::value<std::string>()->default_value("ir"), "output form: ir, qasm3 or qasm2")
      ("opt,O", po::value<int>()->default_value(0), "optimisation level 0-3")
      ("target", po::value<std::string>()->default_value("generic"),
       "gate set and device: nam, ibm_eagle, ibm_heron or generic")
      ("coupling-map", po::value<std::string>()->default_value(""),
       "qubit connectivity: line:N, ring:N, grid:RxC, heavy-hex:N or a JSON edge list")
      ("noise", po::value<std::string>(), "compile for the device of this noise model (qforge noise import)")
      ("print-passes", po::bool_switch(), "print the passes of the level and target, then exit")
      ("verbose", po::bool_switch(), "print each pass's gate counts and time to stderr")
      ("output,o", po::value<std::string>()->default_value("-"), "output file (- for stdout)");
  add_circuit_options(desc);
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  // -O2 is one token; Boost reads "-O2" as -O with the value 2.
  if (!parse_args(args, kUsage, desc, &pos, vm)) return kOk;
  const int level = vm["opt"].as<int>();
  if (level < 0 || level > 3) throw UsageError("-O takes 0, 1, 2 or 3, got " + std::to_string(level));
  const std::string target = vm["target"].as<std::string>();
  const std::string coupling = vm["coupling-map"].as<std::string>();
  std::optional<noise::NoiseModel> model;
  if (vm.count("noise")) {
    if (!vm["target"].defaulted() || !coupling.empty())
      throw UsageError("--noise takes the device's gates and coupling map from the model: drop --target and --coupling-map");
    model = noise::read_noise_model(vm["noise"].as<std::string>());
  }

  if (vm["print-passes"].as<bool>()) {
    try {
      if (model) {
        const Target device = noise::device_target(*model).target;
        std::cout << describe_pipeline(level, device) << "then the noise-aware placement on " << device.name
                  << " (the highest predicted fidelity)\n";
      } else {
        std::cout << describe_pipeline(level, target, coupling);
      }
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    return kOk;
  }

  auto emitter = emitters().find(one_of(vm, "emit", {"ir", "qasm3", "qasm2"}));
  const CompileOptions opt = circuit_options(vm);

  std::optional<Circuit> circuit = load_circuit(vm["file"].as<std::string>(), opt);
  if (!circuit) return kFailed;
  CompileResult result;
  std::optional<noise::DeviceCompileResult> device;
  try {
    if (model) {
      device = noise::compile_for_device(*circuit, level, *model);
      std::cerr << noise::fidelity_summary(*device);
      result = device->compiled;
    } else {
      result = run_pipeline(*circuit, level, target, coupling);
    }
  } catch (const LocatedError&) {
    throw;  // at an operation: printed with its source line
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());  // bad target, coupling map, or a circuit too large for it
  }
  if (vm["verbose"].as<bool>()) std::cerr << result.pass_report;
  std::string text = emitter->second(result.circuit);
  // Routed output records its layout on the line after the version line.
  if (device) {
    noise::write_device_comments(text, *device);
  } else if (std::string lc = layout_comment(result); !lc.empty()) {
    std::size_t eol = text.find('\n');
    text.insert(eol == std::string::npos ? text.size() : eol + 1, lc + "\n");
  }
  write_output(vm["output"].as<std::string>(), text);
  return kOk;
}

const Verb reg{"compile", "compile OpenQASM to the IR listing, OpenQASM 3 or OpenQASM 2.0",
               &run_compile};

}  // namespace
}  // namespace qforge::cli
