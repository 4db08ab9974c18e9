// `qforge fmt FILE... [--check] [-i]`: the canonical layout of OpenQASM
// files (qforge/format.hpp), printed, checked or written back in place.
#include "cli.hpp"

#include "qforge/format.hpp"

#include <fstream>
#include <iostream>
#include <sstream>

namespace po = boost::program_options;

namespace qforge::cli {
namespace {

/// A file with syntax errors (it is left as it is): the exit code of
/// formatters that tell "needs formatting" (1) from "cannot format" (2).
constexpr int kSyntaxErrors = 2;

int run_fmt(const std::vector<std::string>& args) {
  po::options_description desc("options");
  desc.add_options()("check", po::bool_switch(), "list the files whose layout would change; write nothing")
                    ("in-place,i", po::bool_switch(), "rewrite the files that change (atomically)")
                    ("files", po::value<std::vector<std::string>>()->composing(), "OpenQASM files");
  po::positional_options_description pos;
  pos.add("files", -1);
  po::variables_map vm;
  if (!parse_args(args, "usage: qforge fmt FILE... [--check | -i]\n\n"
                        "Print OpenQASM 3 or 2 files in the canonical layout: two-space\n"
                        "indentation, one statement a line, single spaces around operators and\n"
                        "after commas, every comment kept where it was. Without options the\n"
                        "formatted text goes to stdout; -i rewrites each file that changes;\n"
                        "--check lists those files instead and exits 1 when there are any.\n"
                        "A file with syntax errors gets the errors `qforge check` prints, is\n"
                        "left unchanged, and makes the exit code 2.",
                  desc, &pos, vm))
    return kOk;
  if (!vm.count("files")) throw UsageError("no input file (usage: qforge fmt FILE...)");
  const bool check = vm["check"].as<bool>(), in_place = vm["in-place"].as<bool>();
  if (check && in_place) throw UsageError("--check and -i cannot be used together");
  int status = kOk;
  for (const auto& path : vm["files"].as<std::vector<std::string>>()) {
    DiagnosticSink diags;
    std::ifstream in(path, std::ios::binary);
    std::optional<std::string> formatted;
    std::string text;
    if (in) {
      std::stringstream ss;
      ss << in.rdbuf();
      text = ss.str();
      formatted = format::format_source(text, path, diags);
    } else {
      ast::parse_file(path, diags);  // reports the file that cannot be read
    }
    std::cerr << diags.format();
    if (!formatted) {
      status = kSyntaxErrors;
      continue;
    }
    if (check) {
      if (*formatted != text) {
        std::cout << path << "\n";
        if (status == kOk) status = kFailed;
      }
    } else if (in_place) {
      if (*formatted != text) write_output(path, *formatted);
    } else {
      std::cout << *formatted;
    }
  }
  std::cout << std::flush;
  return status;
}

const Verb reg{"fmt", "print OpenQASM files in the canonical layout (--check, -i)", &run_fmt};

}  // namespace
}  // namespace qforge::cli
