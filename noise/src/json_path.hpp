// json_path.hpp - reading JSON with errors that name the file and the JSON
// path of the bad field (`props.json: gates[3].qubits[1]: ...`).
#pragma once

#include "qforge/noise_model.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <type_traits>

namespace qforge::noise::detail {

using json = nlohmann::json;

/// A JSON value with the file it came from and its path inside it.
struct At {
  const json& v;
  const std::string& file;
  std::string path;

  [[noreturn]] void fail(const std::string& message) const {
    throw NoiseFormatError(file + ": " + (path.empty() ? std::string("(top level)") : path) + ": " + message);
  }
  At operator[](const char* key) const;  ///< a required member
  template <class I, std::enable_if_t<std::is_integral_v<I>, int> = 0>
  At operator[](I i) const {  ///< an array element
    const auto k = static_cast<std::size_t>(i);
    return {v[k], file, path + "[" + std::to_string(k) + "]"};
  }
  bool has(const char* key) const { return v.is_object() && v.contains(key) && !v[key].is_null(); }
  const json& object() const;
  const json& array() const;
  std::string string() const;
  double number() const;
  double probability() const;  ///< a number in [0, 1]
  unsigned index(unsigned bound, const char* what) const;  ///< an integer in [0, bound)
};

/// "a json type name" for messages.
std::string type_name(const json& v);

/// Parse `text` or throw NoiseFormatError("FILE: invalid JSON: ...").
json parse(const std::string& text, const std::string& file);

/// The text of a file, or std::runtime_error naming it.
std::string read_text(const std::string& path);

}  // namespace qforge::noise::detail
