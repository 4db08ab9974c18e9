// Helpers for the front end's diagnostic tests: tables of programs with the
// exact diagnostics they must produce, and a scratch folder for includes.
#pragma once

#include "qforge/frontend.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

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
