// tests/cli/cli_helpers.hpp - running the qforge executable from tests.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace {

namespace fs = std::filesystem;

struct Result {
  int status;
  std::string out;  ///< stdout and stderr together
};

/// Run `qforge ARGS` (in folder `cwd` when given); stdout and stderr together.
inline Result qforge(const std::string& args, const fs::path& cwd = {}) {
  std::string cmd = std::string(QFORGE_EXE) + " " + args + " 2>&1";
  if (!cwd.empty()) cmd = "cd '" + cwd.string() + "' && " + cmd;
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int st = ::pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

inline fs::path temp_dir() {
  // A new folder each call (mkdtemp): a folder named after the pid could be
  // one a killed run left behind, with files in it.
  std::string d = (fs::temp_directory_path() / "qforge_cli_test_XXXXXX").string();
  if (!::mkdtemp(d.data())) throw std::runtime_error("mkdtemp failed for " + d);
  return d;
}

inline fs::path write(const fs::path& dir, const std::string& name, const std::string& text) {
  fs::path p = dir / name;
  std::ofstream(p) << text;
  return p;
}

}  // namespace
