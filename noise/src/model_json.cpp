// The model file (see noise_model.hpp): writing, reading, atomic output.
//
// Layout, in this key order:
//   format, version, backend {name, version, last_update_date}, sources,
//   dt (seconds or null), basis, coupling_map, qubits [{T1, T2 (seconds or
//   null = infinite), p1_given_0, p0_given_1, readout_length}],
//   gates [{gate, qubits, error, length}], repairs {faulty, t2_clipped, missing}.
// Numbers are written by nlohmann::json (shortest text that reads back to
// the same double), so writing what was read gives the same bytes.
#include "json_path.hpp"

#include <cstdio>
#include <fstream>

#include <unistd.h>

namespace qforge::noise {

using detail::At;
using detail::json;
using ojson = nlohmann::ordered_json;

namespace {

ojson opt_number(const std::optional<double>& v) { return v ? ojson(*v) : ojson(nullptr); }

/// `"key": [` then one compact element per line, then `]`.
void write_rows(std::string& out, const char* key, const ojson& rows, bool last) {
  out += "  \"";
  out += key;
  out += "\": [";
  for (std::size_t i = 0; i < rows.size(); ++i) out += (i ? ",\n    " : "\n    ") + rows[i].dump();
  out += rows.empty() ? "]" : "\n  ]";
  out += last ? "\n" : ",\n";
}

void write_field(std::string& out, const char* key, const ojson& value) {
  out += "  \"";
  out += key;
  out += "\": " + value.dump() + ",\n";
}

}  // namespace

std::string to_json(const NoiseModel& m) {
  std::string out = "{\n";
  write_field(out, "format", kFormatName);
  write_field(out, "version", kFormatVersion);
  write_field(out, "backend", ojson{{"name", m.backend_name},
                                    {"version", m.backend_version},
                                    {"last_update_date", m.last_update_date}});
  write_field(out, "sources", m.sources);
  write_field(out, "dt", opt_number(m.dt));
  write_field(out, "basis", m.basis);
  ojson edges = ojson::array();
  for (const auto& [a, b] : m.coupling_map) edges.push_back({a, b});
  write_field(out, "coupling_map", edges);
  ojson qubits = ojson::array();
  for (const auto& q : m.qubits)
    qubits.push_back(ojson{{"T1", opt_number(q.t1)},
                           {"T2", opt_number(q.t2)},
                           {"p1_given_0", q.p1_given_0},
                           {"p0_given_1", q.p0_given_1},
                           {"readout_length", q.readout_length}});
  write_rows(out, "qubits", qubits, false);
  ojson gates = ojson::array();
  for (const auto& g : m.gates)
    gates.push_back(ojson{{"gate", g.gate}, {"qubits", g.qubits}, {"error", g.error}, {"length", g.length}});
  write_rows(out, "gates", gates, false);
  out += "  \"repairs\": {\n";
  std::string inner;
  ojson faulty = ojson::array(), missing = ojson::array();
  for (const auto& f : m.repairs.faulty) faulty.push_back(ojson{{"gate", f.gate}, {"qubits", f.qubits}, {"error", f.error}});
  for (const auto& x : m.repairs.missing)
    missing.push_back(ojson{{"item", x.item}, {"field", x.field}, {"assumed", x.assumed}});
  write_rows(inner, "faulty", faulty, false);
  write_field(inner, "t2_clipped", m.repairs.t2_clipped);
  write_rows(inner, "missing", missing, true);
  for (std::size_t i = 0; i < inner.size(); ++i) {  // indent the block by two more spaces
    if (i == 0 || inner[i - 1] == '\n') out += "  ";
    out += inner[i];
  }
  out += "  }\n}\n";
  return out;
}

namespace {

std::optional<double> opt_time(const At& a) {
  if (a.v.is_null()) return std::nullopt;
  double x = a.number();
  if (x <= 0) a.fail("must be positive (null: infinite)");
  return x;
}

std::vector<std::string> strings(const At& a) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < a.array().size(); ++i) out.push_back(a[i].string());
  return out;
}

std::vector<unsigned> qubit_list(const At& a, unsigned n) {
  std::vector<unsigned> out;
  if (a.array().empty()) a.fail("expected at least one qubit");
  for (std::size_t i = 0; i < a.array().size(); ++i) out.push_back(a[i].index(n, "qubit"));
  return out;
}

double duration(const At& a) {
  double x = a.number();
  if (x < 0) a.fail("a duration cannot be negative");
  return x;
}

}  // namespace

NoiseModel model_from_json(const std::string& text, const std::string& source) {
  const json doc = detail::parse(text, source);
  At top{doc, source, ""};
  top.object();
  if (top["format"].string() != kFormatName)
    top["format"].fail("expected \"" + std::string(kFormatName) + "\", got \"" + top["format"].string() + "\"");
  At version = top["version"];
  if (!version.v.is_number_integer() || version.v.get<long long>() != kFormatVersion)
    version.fail("this qforge reads version " + std::to_string(kFormatVersion) + ", got " + version.v.dump());
  NoiseModel m;
  At backend = top["backend"];
  m.backend_name = backend["name"].string();
  m.backend_version = backend["version"].string();
  m.last_update_date = backend["last_update_date"].string();
  m.sources = strings(top["sources"]);
  m.dt = opt_time(top["dt"]);
  m.basis = strings(top["basis"]);

  At qubits = top["qubits"];
  const unsigned n = static_cast<unsigned>(qubits.array().size());
  for (unsigned q = 0; q < n; ++q) {
    At e = qubits[q];
    QubitNoise x;
    x.t1 = opt_time(e["T1"]);
    x.t2 = opt_time(e["T2"]);
    if (x.t1 && x.t2 && *x.t2 > 2 * *x.t1) e["T2"].fail("T2 exceeds 2*T1");
    x.p1_given_0 = e["p1_given_0"].probability();
    x.p0_given_1 = e["p0_given_1"].probability();
    x.readout_length = duration(e["readout_length"]);
    m.qubits.push_back(x);
  }
  At edges = top["coupling_map"];
  for (std::size_t i = 0; i < edges.array().size(); ++i) {
    At e = edges[i];
    if (e.array().size() != 2) e.fail("an edge needs two qubits");
    m.coupling_map.emplace_back(e[0].index(n, "qubit"), e[1].index(n, "qubit"));
  }
  At gates = top["gates"];
  for (std::size_t i = 0; i < gates.array().size(); ++i) {
    At g = gates[i];
    GateNoise x;
    x.gate = g["gate"].string();
    x.qubits = qubit_list(g["qubits"], n);
    x.error = g["error"].number();
    if (x.error < 0 || x.error >= 1) g["error"].fail("expected an error in [0, 1) (faulty gates go in repairs.faulty)");
    x.length = duration(g["length"]);
    if (i > 0 && !(std::tie(m.gates.back().gate, m.gates.back().qubits) < std::tie(x.gate, x.qubits)))
      g.fail("gates must be sorted by gate and qubits, each listed once");
    m.gates.push_back(std::move(x));
  }
  At rep = top["repairs"];
  At faulty = rep["faulty"];
  for (std::size_t i = 0; i < faulty.array().size(); ++i) {
    At f = faulty[i];
    m.repairs.faulty.push_back({f["gate"].string(), qubit_list(f["qubits"], n), f["error"].number()});
  }
  At clipped = rep["t2_clipped"];
  for (std::size_t i = 0; i < clipped.array().size(); ++i) m.repairs.t2_clipped.push_back(clipped[i].index(n, "qubit"));
  At missing = rep["missing"];
  for (std::size_t i = 0; i < missing.array().size(); ++i) {
    At x = missing[i];
    m.repairs.missing.push_back({x["item"].string(), x["field"].string(), x["assumed"].string()});
  }
  return m;
}

NoiseModel read_noise_model(const std::string& path) { return model_from_json(detail::read_text(path), path); }

void write_noise_model(const std::string& path, const NoiseModel& model) {
  const std::string text = to_json(model);
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary);
    if (!f) throw std::runtime_error("cannot write '" + tmp + "'");
    f << text;
    f.flush();
    if (!f) {
      f.close();
      std::remove(tmp.c_str());
      throw std::runtime_error("cannot write '" + tmp + "'");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot rename '" + tmp + "' to '" + path + "'");
  }
}

}  // namespace qforge::noise
