// Summaries of a model for `qforge noise import` (noise_model.hpp).
#include "json_path.hpp"
#include "text.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

namespace qforge::noise {

using ojson = nlohmann::ordered_json;

namespace {

std::string qubits_text(const std::vector<unsigned>& qs) {
  std::string s;
  for (std::size_t i = 0; i < qs.size(); ++i) s += (i ? ",$" : "$") + std::to_string(qs[i]);
  return s;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

std::string summary_json(const NoiseModel& m) {
  ojson gates = ojson::object();
  std::map<std::string, std::size_t> counts;
  for (const auto& g : m.gates) ++counts[g.gate];
  for (const auto& [name, n] : counts) gates[name] = n;
  ojson faulty = ojson::array(), missing = ojson::array();
  for (const auto& f : m.repairs.faulty) faulty.push_back(ojson{{"gate", f.gate}, {"qubits", f.qubits}, {"error", f.error}});
  for (const auto& x : m.repairs.missing)
    missing.push_back(ojson{{"item", x.item}, {"field", x.field}, {"assumed", x.assumed}});
  ojson s{{"backend", m.backend_name},
          {"qubits", m.qubits.size()},
          {"gates", gates},
          {"basis", m.basis},
          {"couplings", m.coupling_map.size()},
          {"faulty", faulty},
          {"t2_clipped", m.repairs.t2_clipped},
          {"missing", missing}};
  return s.dump(2) + "\n";
}

std::string summary_text(const NoiseModel& m) {
  std::string out;
  char line[256];
  std::string basis;
  for (std::size_t i = 0; i < m.basis.size(); ++i) basis += (i ? ", " : "") + m.basis[i];
  std::snprintf(line, sizeof line, "%s %s: %zu qubits, basis {%s}, %zu couplings\n",
                m.backend_name.empty() ? "device" : m.backend_name.c_str(), m.backend_version.c_str(),
                m.qubits.size(), basis.c_str(), m.coupling_map.size());
  out += line;
  std::vector<double> t1, t2, ro;
  for (const auto& q : m.qubits) {
    if (q.t1) t1.push_back(*q.t1 * 1e6);
    if (q.t2) t2.push_back(*q.t2 * 1e6);
    ro.push_back((q.p1_given_0 + q.p0_given_1) / 2);
  }
  std::snprintf(line, sizeof line, "median T1 %.4g us, T2 %.4g us, readout error %.4g\n\n", median(t1), median(t2),
                median(ro));
  out += line;
  std::snprintf(line, sizeof line, "%-8s %8s %14s %14s\n", "gate", "entries", "median error", "median length");
  out += line;
  std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> by_gate;
  for (const auto& g : m.gates) {
    by_gate[g.gate].first.push_back(g.error);
    by_gate[g.gate].second.push_back(g.length * 1e9);
  }
  for (const auto& [name, v] : by_gate) {
    std::snprintf(line, sizeof line, "%-8s %8zu %14.4g %11.4g ns\n", name.c_str(), v.first.size(), median(v.first),
                  median(v.second));
    out += line;
  }
  out += "\nfaulty (excluded): " + std::to_string(m.repairs.faulty.size()) + "\n";
  constexpr std::size_t kListed = 10;  // the JSON summary lists them all
  for (std::size_t i = 0; i < m.repairs.faulty.size() && i < kListed; ++i) {
    const FaultyGate& f = m.repairs.faulty[i];
    std::snprintf(line, sizeof line, "  %s (gate_error %g)\n", detail::gate_item(f.gate, f.qubits).c_str(), f.error);
    out += line;
  }
  if (m.repairs.faulty.size() > kListed)
    out += "  ... and " + std::to_string(m.repairs.faulty.size() - kListed) + " more (--format json lists all)\n";
  out += "T2 clipped to 2*T1: " + std::to_string(m.repairs.t2_clipped.size());
  if (!m.repairs.t2_clipped.empty()) out += " (" + qubits_text(m.repairs.t2_clipped) + ")";
  out += "\nmissing: " + std::to_string(m.repairs.missing.size()) + "\n";
  for (const auto& x : m.repairs.missing) out += "  " + x.item + " " + x.field + ": assumed " + x.assumed + "\n";
  return out;
}

}  // namespace qforge::noise
