// `qforge check FILE...`: parse and check; every error with its location.
#include "cli.hpp"

#include <iostream>

namespace po = boost::program_options;

namespace qforge::cli {
namespace {

int run_check(const std::vector<std::string>& args) {
  po::options_description desc("options");
  add_circuit_options(desc);
  desc.add_options()("files", po::value<std::vector<std::string>>()->composing(), "OpenQASM files");
  po::positional_options_description pos;
  pos.add("files", -1);
  po::variables_map vm;
  if (!parse_args(args, "usage: qforge check FILE... [-I DIR]...\n\n"
                        "Parse and check OpenQASM 3 or 2 files. Prints every error as\n"
                        "file:line:col: error: message, with the source line and a caret;\n"
                        "exits 0 when all files are valid, 1 otherwise.",
                  desc, &pos, vm))
    return kOk;
  if (!vm.count("files")) throw UsageError("no input file (usage: qforge check FILE...)");
  CompileOptions opt = circuit_options(vm);
  int status = kOk;
  for (const auto& f : vm["files"].as<std::vector<std::string>>())
    if (!load_circuit(f, opt)) status = kFailed;
  return status;
}

const Verb reg{"check", "parse and check OpenQASM files, reporting every error", &run_check};

}  // namespace
}  // namespace qforge::cli
