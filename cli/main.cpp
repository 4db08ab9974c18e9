// qforge: compile, inspect, run and train OpenQASM circuits.
//
// The verbs that train or analyse LibTorch models (train, evaluate,
// experiment, report) live in a module, qforge_torch_verbs.so beside this
// executable, loaded only when one of them runs: LibTorch takes about 0.4 s
// and 150 MB just to load, which `qforge compile` and `qforge run` should
// not pay.
#include "cli.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <iostream>

using namespace qforge::cli;

namespace {

struct LazyVerb {
  const char* name;
  const char* summary;
};
// Keep the summaries in step with the verbs' own registrations.
constexpr LazyVerb kTorchVerbs[] = {
    {"train", "train an image classifier (hybrid or classical) with metrics and checkpoints"},
    {"evaluate", "evaluate a checkpoint: accuracy, F1, confusion matrix, FGSM robustness"},
    {"experiment", "run a paper's protocol and print its table beside the paper's"},
    {"report", "figures and an HTML page from run folders"},
    {"export", "export a hybrid checkpoint's trained circuit as a hardware job (IBM, Nam)"},
};

std::string module_path() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  std::string exe = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("qforge");
  auto slash = exe.rfind('/');
  return (slash == std::string::npos ? std::string(".") : exe.substr(0, slash)) + "/qforge_torch_verbs.so";
}

int run_torch_verb(const std::string& verb, int argc, char** argv) {
  std::string path = module_path();
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    std::cerr << "qforge " << verb << ": this build has no LibTorch support (" << ::dlerror() << ")\n";
    return kFailed;
  }
  using Entry = int (*)(const char*, int, char**);
  auto entry = reinterpret_cast<Entry>(::dlsym(handle, "qforge_run_torch_verb"));
  if (!entry) {
    std::cerr << "qforge " << verb << ": " << path << " has no entry point\n";
    return kFailed;
  }
  return entry(verb.c_str(), argc, argv);
}

void print_help() {
  std::cout << "usage: qforge <verb> [options] ...\n\nverbs:\n";
  auto line = [](const std::string& n, const std::string& summary) {
    std::string name = n;
    name.resize(std::max<std::size_t>(name.size(), 10), ' ');
    std::cout << "  " << name << "  " << summary << "\n";
  };
  for (const auto& v : verbs()) line(v.name, v.summary);
  for (const auto& v : kTorchVerbs) line(v.name, v.summary);
  std::cout << "\n`qforge <verb> --help` describes a verb.\n";
}

}  // namespace

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
  for (const auto& v : verbs())
    if (v.name == verb) return run_verb(v, std::vector<std::string>(argv + 2, argv + argc));
  for (const auto& v : kTorchVerbs)
    if (verb == v.name) return run_torch_verb(verb, argc - 2, argv + 2);
  std::cerr << "qforge: unknown verb '" << verb << "' (see qforge --help)\n";
  return kUsage;
}
