// files.hpp - the file-system helpers of the models library (internal):
// run folders, atomic writes, reading small text files.
#pragma once

#include <string>
#include <vector>

namespace qforge::models::files {

bool is_dir(const std::string& path);
bool is_file(const std::string& path);
/// mkdir -p; throws std::runtime_error when the folder cannot be made.
void make_dirs(const std::string& path);
/// Write through a temporary file in the same folder, flushed to disk
/// (fsync), and a rename, so a reader or a crash never leaves half a file.
/// Throws std::runtime_error on failure.
void write_atomic(const std::string& path, const std::string& content);
/// The whole file; throws std::runtime_error naming it when it cannot be read.
std::string read_text(const std::string& path);
/// The folder holding `path` ("." for a bare name, "/" at the root);
/// trailing slashes of `path` are ignored.
std::string parent_dir(std::string path);
/// The entries of a folder (no . and ..), sorted; empty when it cannot be read.
std::vector<std::string> list_dir(const std::string& path);

}  // namespace qforge::models::files
