// `qforge lsp`: the OpenQASM language server on standard input and output.
#include "cli.hpp"

#include "qforge/lsp.hpp"

#include <iostream>

namespace po = boost::program_options;

namespace qforge::cli {
namespace {

int run_lsp(const std::vector<std::string>& args) {
  po::options_description desc("options");
  desc.add_options()("include-dir,I", po::value<std::vector<std::string>>()->composing(),
                     "add DIR to the include search path")
                    ("stdio", "talk over standard input and output (the default and only transport)");
  po::variables_map vm;
  if (!parse_args(args, "usage: qforge lsp [-I DIR]... [--stdio]\n\n"
                        "Run the OpenQASM language server (Language Server Protocol 3.17,\n"
                        "JSON-RPC over standard input and output) for an editor: diagnostics\n"
                        "as `qforge check` gives them, hover, go to definition, references,\n"
                        "rename, document symbols, completion, semantic tokens, signature\n"
                        "help, formatting and a code lens with the compiled cost for the\n"
                        "`target` setting (and the predicted fidelity for `noise`). Exits 0\n"
                        "after the client's shutdown and exit, 1 when the input ends or exit\n"
                        "comes without shutdown.",
                  desc, nullptr, vm))
    return kOk;
  lsp::ServerOptions options;
  if (vm.count("include-dir")) options.include_dirs = vm["include-dir"].as<std::vector<std::string>>();
  std::ios::sync_with_stdio(false);
  return lsp::run_server(std::cin, std::cout, options);
}

const Verb reg{"lsp", "run the OpenQASM language server for editors (LSP over stdio)", &run_lsp};

}  // namespace
}  // namespace qforge::cli
