// qforge: compile, inspect, run and train OpenQASM circuits.
#include "cli.hpp"

#include <iostream>

using namespace qforge::cli;

static void print_help() {
  std::cout << "usage: qforge <verb> [options] ...\n\nverbs:\n";
  for (const auto& v : verbs()) {
    std::string name = v.name;
    name.resize(std::max<std::size_t>(name.size(), 10), ' ');
    std::cout << "  " << name << "  " << v.summary << "\n";
  }
  std::cout << "\n`qforge <verb> --help` describes a verb.\n";
}

int main(int argc, char** argv) {
  if (argc < 2) {
    print_help();
    return kUsage;
  }
  std::string verb = argv[1];
  if (verb == "--help" || verb == "-h" || verb == "help") {
    print_help();
    return kOk;
  }
  if (verb == "--version") {
    std::cout << "qforge 0.1.0\n";
    return kOk;
  }
  for (const auto& v : verbs()) {
    if (v.name != verb) continue;
    std::vector<std::string> args(argv + 2, argv + argc);
    try {
      return v.fn(args);
    } catch (const UsageError& e) {
      std::cerr << "qforge " << verb << ": " << e.what() << "\n";
      return kUsage;
    } catch (const std::exception& e) {
      std::cerr << "qforge " << verb << ": error: " << e.what() << "\n";
      return kFailed;
    }
  }
  std::cerr << "qforge: unknown verb '" << verb << "' (see qforge --help)\n";
  return kUsage;
}
