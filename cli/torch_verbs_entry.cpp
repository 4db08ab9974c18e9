// Entry point of the qforge_torch_verbs module (see main.cpp): runs one of
// the verbs registered in this module.
#include "cli.hpp"

#include <iostream>

extern "C" __attribute__((visibility("default"))) int qforge_run_torch_verb(const char* name, int argc,
                                                                            char** argv) {
  using namespace qforge::cli;
  for (const auto& v : verbs())
    if (v.name == name) return run_verb(v, std::vector<std::string>(argv, argv + argc));
  std::cerr << "qforge: unknown verb '" << name << "'\n";
  return kUsage;
}
