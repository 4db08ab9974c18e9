// `qforge compile`: read an OpenQASM file and write it as the IR listing,
// OpenQASM 3 or OpenQASM 2.0.
#include "cli.hpp"
#include "qforge/emit.hpp"

#include <functional>
#include <iostream>
#include <map>

namespace po = boost::program_options;

namespace qforge::cli {
namespace {

const char* kUsage =
    "usage: qforge compile FILE [--emit ir|qasm3|qasm2] [--set NAME=VALUE]... [-I DIR]... "
    "[-o OUT]\n\n"
    "Compile FILE to the gate IR and write it in the chosen form (default: ir).\n"
    "qasm2 fails (exit 1) when the circuit has something OpenQASM 2.0 cannot express,\n"
    "such as unbound inputs: bind them with --set.";

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
      ("output,o", po::value<std::string>()->default_value("-"), "output file (- for stdout)");
  add_circuit_options(desc);
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  if (!parse_args(args, kUsage, desc, &pos, vm)) return kOk;

  const std::string form = vm["emit"].as<std::string>();
  auto emitter = emitters().find(form);
  if (emitter == emitters().end())
    throw UsageError("--emit must be ir, qasm3 or qasm2, got '" + form + "'");
  const CompileOptions opt = circuit_options(vm);

  std::optional<Circuit> circuit = load_circuit(vm["file"].as<std::string>(), opt);
  if (!circuit) return kFailed;
  std::string text;
  try {
    text = emitter->second(*circuit);
  } catch (const std::exception& e) {
    std::cerr << "qforge compile: error: " << e.what() << "\n";
    return kFailed;
  }
  write_output(vm["output"].as<std::string>(), text);
  return kOk;
}

const Verb reg{"compile", "compile OpenQASM to the IR listing, OpenQASM 3 or OpenQASM 2.0",
               &run_compile};

}  // namespace
}  // namespace qforge::cli
