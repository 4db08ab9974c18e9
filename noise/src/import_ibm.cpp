// IBM BackendProperties / BackendConfiguration JSON -> NoiseModel.
//
// What the files hold (IBM's schema, as in the fake backends of
// qiskit-ibm-runtime): per qubit a list of {name, value, unit} with T1 and T2
// in "us", readout_length in "ns", readout_error, prob_meas0_prep1 and
// prob_meas1_prep0 unitless; per gate {gate, qubits, parameters} with
// gate_error (unitless) and gate_length ("ns"). Repairs, each recorded:
//  - gate_error >= 1: the device reports the gate broken; it is excluded
//    (repairs.faulty) and a circuit that uses it is refused;
//  - T2 > 2 T1 is unphysical; T2 is set to 2 T1 (repairs.t2_clipped), as
//    Aer's _truncate_t2_value does;
//  - a missing value (repairs.missing): T1 absent -> infinite (Aer), T2
//    absent -> 2 T1 (Aer: infinite, then truncated), prob_meas* absent ->
//    readout_error for both (Aer), no readout data -> ideal readout,
//    readout_length absent -> 0, gate_length absent -> 0 (no relaxation, as
//    Aer), gate_error absent -> 0 (no depolarizing channel, as Aer). reset
//    and measure are not unitary gates and carry no gate_error by design:
//    not recorded. A time without a unit is taken in IBM's unit (us for
//    T1/T2, ns for lengths), recorded.
#include "json_path.hpp"
#include "text.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

namespace qforge::noise {

using detail::At;
using detail::gate_item;
using detail::json;

namespace {

std::string seconds_text(double s) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g s", s);
  return buf;
}

/// The first parameter called `name` in an IBM parameter list (Aer's
/// _check_for_item), or -1.
long find_param(const At& list, const char* name) {
  const json& a = list.array();
  for (std::size_t i = 0; i < a.size(); ++i) {
    At p = list[i];
    if (p["name"].string() == name) return static_cast<long>(i);
  }
  return -1;
}

/// A parameter with a usable value (present and not null).
bool has_value(const At& list, long i) { return i >= 0 && list[static_cast<std::size_t>(i)].has("value"); }

/// The value of a time parameter in seconds; a missing unit is taken as
/// `default_unit` and recorded.
double time_value(const At& p, const char* default_unit, const std::string& item, Repairs& repairs) {
  double value = p["value"].number();
  std::string unit;
  if (p.has("unit")) unit = p["unit"].string();
  if (unit.empty()) {
    repairs.missing.push_back({item, p["name"].string() + ".unit", default_unit});
    unit = default_unit;
  }
  const std::optional<double> scale = detail::seconds_per(unit);
  if (!scale) p["unit"].fail("unknown time unit '" + unit + "'");
  if (value < 0) p["value"].fail("a duration cannot be negative");
  return value * *scale;
}

void read_qubit(const At& list, unsigned q, QubitNoise& out, Repairs& repairs) {
  list.array();
  const std::string item = "qubit " + std::to_string(q);
  if (long i = find_param(list, "T1"); has_value(list, i)) {
    At p = list[static_cast<std::size_t>(i)];
    out.t1 = time_value(p, "us", item, repairs);
    if (*out.t1 <= 0) p["value"].fail("T1 must be positive");
  } else {
    repairs.missing.push_back({item, "T1", "infinite (no amplitude damping)"});
  }
  if (long i = find_param(list, "T2"); has_value(list, i)) {
    At p = list[static_cast<std::size_t>(i)];
    out.t2 = time_value(p, "us", item, repairs);
    if (*out.t2 <= 0) p["value"].fail("T2 must be positive");
    if (out.t1 && *out.t2 > 2 * *out.t1) {
      out.t2 = 2 * *out.t1;
      repairs.t2_clipped.push_back(q);
    }
  } else if (out.t1) {
    out.t2 = 2 * *out.t1;
    repairs.missing.push_back({item, "T2", "2*T1 = " + seconds_text(*out.t2)});
  } else {
    repairs.missing.push_back({item, "T2", "infinite (no dephasing)"});
  }
  const long m1p0 = find_param(list, "prob_meas1_prep0"), m0p1 = find_param(list, "prob_meas0_prep1");
  const long ro = find_param(list, "readout_error");
  if (has_value(list, m1p0) && has_value(list, m0p1)) {
    out.p1_given_0 = list[static_cast<std::size_t>(m1p0)]["value"].probability();
    out.p0_given_1 = list[static_cast<std::size_t>(m0p1)]["value"].probability();
  } else if (has_value(list, ro)) {
    out.p1_given_0 = out.p0_given_1 = list[static_cast<std::size_t>(ro)]["value"].probability();
    repairs.missing.push_back({item, "prob_meas1_prep0, prob_meas0_prep1", "readout_error for both"});
  } else {
    repairs.missing.push_back({item, "readout_error", "0 (ideal readout)"});
  }
  if (long i = find_param(list, "readout_length"); has_value(list, i)) {
    out.readout_length = time_value(list[static_cast<std::size_t>(i)], "ns", item, repairs);
  } else {
    repairs.missing.push_back({item, "readout_length", "0 s"});
  }
}

}  // namespace

NoiseModel import_ibm(const std::string& props_json, const std::string& conf_json,
                      const std::vector<std::string>& source_names) {
  const std::string props_name = source_names.size() > 0 ? source_names[0] : "properties";
  const std::string conf_name = source_names.size() > 1 ? source_names[1] : "configuration";
  NoiseModel m;
  m.sources.push_back(props_name);
  if (!conf_json.empty()) m.sources.push_back(conf_name);
  Repairs& rep = m.repairs;

  const json props = detail::parse(props_json, props_name);
  At top{props, props_name, ""};
  top.object();
  if (top.has("backend_name")) m.backend_name = top["backend_name"].string();
  if (top.has("backend_version")) m.backend_version = top["backend_version"].string();
  if (top.has("last_update_date")) m.last_update_date = top["last_update_date"].string();

  At qubits = top["qubits"];
  const unsigned n = static_cast<unsigned>(qubits.array().size());
  m.qubits.resize(n);
  for (unsigned q = 0; q < n; ++q) read_qubit(qubits[q], q, m.qubits[q], rep);

  At gates = top["gates"];
  std::set<std::pair<std::string, std::vector<unsigned>>> seen;
  std::vector<std::string> names;  // in order of first appearance
  std::vector<std::pair<unsigned, unsigned>> two_qubit;
  for (std::size_t i = 0; i < gates.array().size(); ++i) {
    At g = gates[i];
    GateNoise e;
    e.gate = g["gate"].string();
    if (e.gate.empty()) g["gate"].fail("empty gate name");
    At qs = g["qubits"];
    if (qs.array().empty()) qs.fail("a gate needs at least one qubit");
    for (std::size_t k = 0; k < qs.array().size(); ++k) {
      unsigned q = qs[k].index(n, "qubit");
      if (std::find(e.qubits.begin(), e.qubits.end(), q) != e.qubits.end()) qs[k].fail("qubit repeated");
      e.qubits.push_back(q);
    }
    if (!seen.insert({e.gate, e.qubits}).second) g.fail(gate_item(e.gate, e.qubits) + " is listed twice");
    if (std::find(names.begin(), names.end(), e.gate) == names.end()) names.push_back(e.gate);
    if (e.qubits.size() == 2) two_qubit.emplace_back(e.qubits[0], e.qubits[1]);

    At params = g["parameters"];
    params.array();
    const bool instruction = e.gate == "reset" || e.gate == "measure";
    if (long k = find_param(params, "gate_error"); has_value(params, k)) {
      At v = params[static_cast<std::size_t>(k)]["value"];
      e.error = v.number();
      if (e.error < 0) v.fail("gate_error cannot be negative");
    } else if (!instruction) {
      rep.missing.push_back({gate_item(e.gate, e.qubits), "gate_error", "0 (no depolarizing error)"});
    }
    if (long k = find_param(params, "gate_length"); has_value(params, k)) {
      e.length = time_value(params[static_cast<std::size_t>(k)], "ns", gate_item(e.gate, e.qubits), rep);
    } else {
      rep.missing.push_back({gate_item(e.gate, e.qubits), "gate_length", "0 s (no relaxation)"});
    }
    if (e.error >= 1)
      rep.faulty.push_back({e.gate, e.qubits, e.error});
    else
      m.gates.push_back(std::move(e));
  }
  std::sort(m.gates.begin(), m.gates.end(), [](const GateNoise& a, const GateNoise& b) {
    return std::tie(a.gate, a.qubits) < std::tie(b.gate, b.qubits);
  });

  if (!conf_json.empty()) {
    const json conf = detail::parse(conf_json, conf_name);
    At c{conf, conf_name, ""};
    c.object();
    if (c.has("n_qubits")) {
      At nq = c["n_qubits"];
      if (!nq.v.is_number_unsigned() || nq.v.get<unsigned long long>() != n)
        nq.fail("is " + nq.v.dump() + " but " + props_name + " lists " + std::to_string(n) + " qubits");
    }
    At basis = c["basis_gates"];
    for (std::size_t i = 0; i < basis.array().size(); ++i) m.basis.push_back(basis[i].string());
    if (c.has("coupling_map")) {
      At cm = c["coupling_map"];
      for (std::size_t i = 0; i < cm.array().size(); ++i) {
        At e = cm[i];
        if (e.array().size() != 2) e.fail("an edge needs two qubits");
        unsigned a = e[0].index(n, "qubit"), b = e[1].index(n, "qubit");
        if (a == b) e.fail("an edge joins two different qubits");
        m.coupling_map.emplace_back(a, b);
      }
    } else {
      m.coupling_map = two_qubit;
      rep.missing.push_back({conf_name, "coupling_map", "the qubit pairs of the two-qubit gates"});
    }
    if (c.has("dt")) {
      double dt = c["dt"].number();  // nanoseconds in IBM's configuration
      if (dt <= 0) c["dt"].fail("dt must be positive");
      m.dt = dt * 1e-9;
    }
  } else {
    for (const auto& name : names)
      if (name != "reset" && name != "measure") m.basis.push_back(name);
    std::sort(m.basis.begin(), m.basis.end());
    m.coupling_map = two_qubit;
    rep.missing.push_back({"configuration", "basis_gates", "the gate names of the properties"});
    rep.missing.push_back({"configuration", "coupling_map", "the qubit pairs of the two-qubit gates"});
    rep.missing.push_back({"configuration", "dt", "none (delays in dt cannot be timed)"});
  }
  return m;
}

NoiseModel import_ibm_files(const std::string& props_path, const std::string& conf_path) {
  auto base = [](const std::string& p) {
    auto slash = p.rfind('/');
    return slash == std::string::npos ? p : p.substr(slash + 1);
  };
  std::string props = detail::read_text(props_path);
  std::string conf = conf_path.empty() ? std::string() : detail::read_text(conf_path);
  return import_ibm(props, conf, {base(props_path), base(conf_path)});
}

const GateNoise* NoiseModel::find(const std::string& gate, const std::vector<unsigned>& q) const {
  auto it = std::lower_bound(gates.begin(), gates.end(), std::tie(gate, q), [](const GateNoise& a, const auto& key) {
    return std::tie(a.gate, a.qubits) < key;
  });
  return it != gates.end() && it->gate == gate && it->qubits == q ? &*it : nullptr;
}

const FaultyGate* NoiseModel::find_faulty(const std::string& gate, const std::vector<unsigned>& q) const {
  for (const auto& f : repairs.faulty)
    if (f.gate == gate && f.qubits == q) return &f;
  return nullptr;
}

bool NoiseModel::in_basis(const std::string& gate) const {
  return std::find(basis.begin(), basis.end(), gate) != basis.end();
}

}  // namespace qforge::noise
