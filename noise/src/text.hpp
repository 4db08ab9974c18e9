// text.hpp - names and units shared by the noise library's sources.
#pragma once

#include "qforge/noise_model.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace qforge::noise::detail {

/// "ecr $3,$2": how messages and repair notes name a gate on device qubits.
inline std::string gate_item(const std::string& gate, const std::vector<unsigned>& qubits) {
  std::string s = gate;
  for (std::size_t i = 0; i < qubits.size(); ++i) s += (i ? ",$" : " $") + std::to_string(qubits[i]);
  return s;
}

/// Seconds per time unit ("s", "ms", "us", "µs", "ns"); nullopt for others.
inline std::optional<double> seconds_per(const std::string& unit) {
  static const std::map<std::string, double> kUnits = {
      {"s", 1.0}, {"ms", 1e-3}, {"us", 1e-6}, {"\xC2\xB5s", 1e-6}, {"ns", 1e-9}};
  auto it = kUnits.find(unit);
  return it == kUnits.end() ? std::nullopt : std::optional<double>(it->second);
}

/// A delay's duration in seconds (dt from the model). Throws LocatedError
/// when it is not constant or its unit cannot be timed (attach.cpp).
double delay_seconds(const Operation& op, const NoiseModel& model);

/// The model's backend name, or "the device" when it has none.
inline std::string device_name(const NoiseModel& m) {
  return m.backend_name.empty() ? std::string("the device") : m.backend_name;
}

}  // namespace qforge::noise::detail
