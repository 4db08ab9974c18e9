// Helpers for the front end's diagnostic tests: tables of programs with the
// exact diagnostics they must produce, and a scratch folder for includes.
#pragma once

#include "qforge/frontend.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace qforge::test_frontend {

/// A program and DiagnosticSink::format() of its compilation as "test.qasm".
struct DiagnosticCase {
  const char* name;
  const char* source;
  const char* expected;
};

inline std::string diagnostics_of(const std::string& source, const CompileOptions& opt = {}) {
  DiagnosticSink d;
  compile_source(source, "test.qasm", opt, d);
  return d.format();
}

/// DiagnosticSink::format() of compiling the file at `path`.
inline std::string file_diagnostics(const std::string& path) {
  DiagnosticSink d;
  compile_file(path, CompileOptions{}, d);
  return d.format();
}

/// Names the instances of a test parameterised by DiagnosticCase.
inline std::string case_name(const ::testing::TestParamInfo<DiagnosticCase>& info) { return info.param.name; }

/// Every `//` and `/* ... */` comment of `text`, in order, by a scan of its
/// own: outside quoted file names, pragma and annotation lines (whose rest
/// is their content) and calibration blocks. A `//` comment is kept without
/// its line break (and a '\r' before it).
inline std::vector<std::string> comments_in(const std::string& text) {
  std::vector<std::string> out;
  bool line_start = true;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      line_start = true;
      continue;
    }
    if (line_start && (c == ' ' || c == '\t' || c == '\r')) continue;
    if (line_start && (c == '@' || text.compare(i, 6, "pragma") == 0 || text.compare(i, 7, "#pragma") == 0)) {
      i = text.find('\n', i);
      if (i == std::string::npos) break;
      --i;
      continue;
    }
    if (line_start && (text.compare(i, 4, "cal ") == 0 || text.compare(i, 4, "cal{") == 0 ||
                       text.compare(i, 7, "defcal ") == 0)) {
      // Calibration blocks are text of another language: skip to their '}'.
      int depth = 0;
      for (i = text.find('{', i); i < text.size(); ++i) {
        if (text[i] == '{') ++depth;
        if (text[i] == '}' && --depth == 0) break;
      }
      if (i >= text.size()) break;
      line_start = false;
      continue;
    }
    line_start = false;
    if (c == '"') {
      i = text.find('"', i + 1);
      if (i == std::string::npos) break;
    } else if (text.compare(i, 2, "//") == 0) {
      const std::size_t end = text.find('\n', i);
      std::string comment = text.substr(i, end == std::string::npos ? std::string::npos : end - i);
      if (!comment.empty() && comment.back() == '\r') comment.pop_back();
      out.push_back(comment);
      if (end == std::string::npos) break;
      i = end - 1;
    } else if (text.compare(i, 2, "/*") == 0) {
      const std::size_t end = text.find("*/", i + 2);
      out.push_back(text.substr(i, end == std::string::npos ? std::string::npos : end + 2 - i));
      if (end == std::string::npos) break;
      i = end + 1;
    }
  }
  return out;
}

/// The programs of circuits/ and the corpus (QFORGE_CORPUS), sorted, but
/// the few largest (over 300 KB), which take seconds and have nothing the
/// others lack.
inline std::vector<std::string> program_files() {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  auto add = [&](const fs::path& root) {
    std::error_code ec;
    if (!fs::is_directory(root, ec)) return;
    for (const auto& e : fs::recursive_directory_iterator(root))
      if (e.is_regular_file() && (e.path().extension() == ".qasm" || e.path().extension() == ".inc") &&
          e.file_size() <= 300'000)
        files.push_back(e.path().string());
  };
  add(fs::path(QFORGE_SOURCE_DIR) / "circuits");
  if (const char* corpus = std::getenv("QFORGE_CORPUS"); corpus && *corpus) add(corpus);
  std::sort(files.begin(), files.end());
  return files;
}

/// A fresh folder for the current test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("qforge_fe_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name, std::ios::binary) << text;
    return (path_ / name).string();
  }
  std::string path(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace qforge::test_frontend
