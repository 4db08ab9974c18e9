// Path-aware JSON access (see json_path.hpp).
#include "json_path.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

namespace qforge::noise::detail {

std::string type_name(const json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "an array";
  return "an object";
}

At At::operator[](const char* key) const {
  const json& o = object();
  std::string sub = path.empty() ? std::string(key) : path + "." + key;
  auto it = o.find(key);
  if (it == o.end()) throw NoiseFormatError(file + ": " + sub + ": missing");
  return {*it, file, sub};
}

const json& At::object() const {
  if (!v.is_object()) fail("expected an object, got " + type_name(v));
  return v;
}

const json& At::array() const {
  if (!v.is_array()) fail("expected an array, got " + type_name(v));
  return v;
}

std::string At::string() const {
  if (!v.is_string()) fail("expected a string, got " + type_name(v));
  return v.get<std::string>();
}

double At::number() const {
  if (!v.is_number()) fail("expected a number, got " + type_name(v));
  double x = v.get<double>();
  if (!std::isfinite(x)) fail("expected a finite number");
  return x;
}

double At::probability() const {
  double x = number();
  if (x < 0 || x > 1) fail("expected a probability in [0, 1], got " + v.dump());
  return x;
}

unsigned At::index(unsigned bound, const char* what) const {
  if (!v.is_number_integer()) fail(std::string("expected ") + what + " (an integer), got " + type_name(v));
  long long x = v.get<long long>();
  if (x < 0 || x >= static_cast<long long>(bound))
    fail(std::string(what) + " " + std::to_string(x) + " is out of range (0 .. " + std::to_string(bound) + ")");
  return static_cast<unsigned>(x);
}

json parse(const std::string& text, const std::string& file) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw NoiseFormatError(file + ": invalid JSON: " + e.what());
  }
}

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read '" + path + "'");
  std::ostringstream s;
  s << f.rdbuf();
  if (f.bad()) throw std::runtime_error("cannot read '" + path + "'");
  return s.str();
}

}  // namespace qforge::noise::detail
