// Aer-equivalent channels (see noise_model.hpp).
//
// Thermal relaxation at zero temperature (T2 <= 2 T1). Over a time t the
// populations decay towards |0> with gamma = 1 - exp(-t/T1) and the
// coherence rho_01 is multiplied by exp(-t/T2). Amplitude damping,
//   A0 = [[1, 0], [0, s]],  A1 = [[0, sqrt(gamma)], [0, 0]],  s = sqrt(1 - gamma) = exp(-t/(2 T1)),
// gives the populations exactly but multiplies rho_01 by s only. Pure
// dephasing {sqrt((1+c)/2) I, sqrt((1-c)/2) Z} multiplies rho_01 by c and
// leaves populations alone, so dephasing after damping with
//   c = exp(-t/T2) / s = exp(-t/T2 + t/(2 T1))   (<= 1 because T2 <= 2 T1)
// gives both. Its Kraus operators are sqrt((1+c)/2) A0, sqrt((1-c)/2) Z A0,
// and sqrt((1+c)/2) A1, sqrt((1-c)/2) Z A1 = -sqrt((1-c)/2) A1, the last two
// merging into A1 alone (their weights add to 1): three operators
//   K0 = diag(a, a s), K1 = diag(b, -b s), K2 = A1,  a = sqrt((1+c)/2), b = sqrt((1-c)/2).
// Check: rho_01 -> (a^2 - b^2) s rho_01 = c s rho_01 = exp(-t/T2) rho_01.
//
// Gate errors (Aer's _device_depolarizing_error): the reported error e is
// 1 - F for the composition "depolarizing, then relaxation". With F_r the
// average gate fidelity of the relaxation (the tensor product of the
// qubits' channels) and d = 2^n, the depolarizing channel with parameter p
// has F = F_r - p (d F_r - 1) / d, hence
//   p = d (e - (1 - F_r)) / (d F_r - 1),
// with e first capped at d / (d + 1) and p at 4^n / (4^n - 1); no
// depolarizing channel when e <= 1 - F_r.
#include "qforge/noise_model.hpp"
#include "text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace qforge::noise {

using cplx = std::complex<double>;
using Matrix = std::vector<cplx>;
using detail::gate_item;

namespace {

std::string time_text(double s) {
  if (!std::isfinite(s)) return "inf";
  const double a = std::abs(s);
  const double scale = a >= 1 ? 1 : a >= 1e-3 ? 1e3 : a >= 1e-6 ? 1e6 : 1e9;
  const char* unit = a >= 1 ? "s" : a >= 1e-3 ? "ms" : a >= 1e-6 ? "us" : "ns";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g %s", s * scale, unit);
  return buf;
}

/// sum_k |tr K_k|^2 (d^2 for the identity channel).
double trace_overlap(const sim::Channel& channel) {
  const std::size_t d = std::size_t(1) << channel.qubits.size();
  double sum = 0;
  for (const auto& k : channel.kraus) {
    cplx tr = 0;
    for (std::size_t i = 0; i < d; ++i) tr += k[i * d + i];
    sum += std::norm(tr);
  }
  return sum;
}

std::string number_text(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

Matrix kron(const Matrix& a, std::size_t da, const Matrix& b, std::size_t db) {
  Matrix out(da * db * da * db);
  const std::size_t d = da * db;
  for (std::size_t r1 = 0; r1 < da; ++r1)
    for (std::size_t c1 = 0; c1 < da; ++c1)
      for (std::size_t r2 = 0; r2 < db; ++r2)
        for (std::size_t c2 = 0; c2 < db; ++c2)
          out[(r1 * db + r2) * d + c1 * db + c2] = a[r1 * da + c1] * b[r2 * db + c2];
  return out;
}

const GateNoise& entry(const NoiseModel& model, const std::string& gate, const std::vector<unsigned>& qubits) {
  if (const GateNoise* e = model.find(gate, qubits)) return *e;
  if (const FaultyGate* f = model.find_faulty(gate, qubits))
    throw std::invalid_argument(gate_item(gate, qubits) + " is faulty on " + model.backend_name + " (gate_error " +
                                number_text(f->error) + "): the device reports it broken");
  std::string msg = gate_item(gate, qubits) + " has no calibration on " + model.backend_name;
  if (qubits.size() == 2) {
    std::vector<unsigned> rev{qubits[1], qubits[0]};
    if (model.find(gate, rev)) msg += " (the device's " + gate + " is directed: it has " + gate_item(gate, rev) + ")";
  }
  throw std::invalid_argument(msg);
}

struct GateError {
  std::vector<sim::Channel> relaxation;  // one per qubit, on device qubits
  double depolarizing = 0;
};

GateError gate_error(const NoiseModel& model, const GateNoise& e) {
  GateError out;
  const unsigned n = static_cast<unsigned>(e.qubits.size());
  const double d = std::ldexp(1.0, static_cast<int>(n));
  double overlap = 1;  // sum_k |tr K_k|^2 of the tensor product: the product of the qubits' sums
  if (e.length > 0) {
    const double inf = std::numeric_limits<double>::infinity();
    for (unsigned q : e.qubits) {
      const QubitNoise& qn = model.qubits.at(q);
      if (!qn.t1 && !qn.t2) {
        overlap *= 4;  // identity channel
        continue;
      }
      sim::Channel ch = thermal_relaxation(qn.t1.value_or(inf), qn.t2.value_or(inf), e.length);
      overlap *= trace_overlap(ch);
      ch.qubits = {q};
      out.relaxation.push_back(std::move(ch));
    }
  } else {
    overlap = d * d;
  }
  const double relax_fid = (overlap + d) / (d * (d + 1));
  const double relax_infid = 1 - relax_fid;
  if (e.error > relax_infid) {
    const double error = std::min(e.error, d / (d + 1));
    const double max_p = d * d / (d * d - 1);
    out.depolarizing = std::min(d * (error - relax_infid) / (d * relax_fid - 1), max_p);
  }
  return out;
}

}  // namespace

sim::Channel depolarizing(double p, unsigned nqubits) {
  const double d2 = std::ldexp(1.0, 2 * static_cast<int>(nqubits));  // 4^n Paulis
  if (nqubits == 0 || nqubits > 4) throw std::invalid_argument("depolarizing: 1 to 4 qubits");
  if (!(p >= 0 && p <= d2 / (d2 - 1) * (1 + 1e-15)))
    throw std::invalid_argument("depolarizing: p = " + number_text(p) + " is outside [0, 4^n/(4^n-1)]");
  static const Matrix kPauli[4] = {{1, 0, 0, 1}, {0, 1, 1, 0}, {0, cplx(0, -1), cplx(0, 1), 0}, {1, 0, 0, -1}};
  sim::Channel ch;
  for (unsigned q = 0; q < nqubits; ++q) ch.qubits.push_back(q);
  ch.label = "depolarizing p=" + number_text(p);
  const std::size_t count = static_cast<std::size_t>(d2);
  for (std::size_t k = 0; k < count; ++k) {
    const double weight = k == 0 ? std::max(0.0, 1 - p * (d2 - 1) / d2) : p / d2;
    if (weight == 0) continue;
    Matrix m{1};
    std::size_t dim = 1;
    for (unsigned q = 0; q < nqubits; ++q) {  // qubit 0 is the most significant digit of k in base 4
      const unsigned digit = (k >> (2 * (nqubits - 1 - q))) & 3;
      m = kron(m, dim, kPauli[digit], 2);
      dim *= 2;
    }
    const double s = std::sqrt(weight);
    for (auto& x : m) x *= s;
    ch.kraus.push_back(std::move(m));
  }
  return ch;
}

sim::Channel thermal_relaxation(double t1, double t2, double time) {
  if (!(t1 > 0) || !(t2 > 0) || !(time >= 0) || !std::isfinite(time))
    throw std::invalid_argument("thermal_relaxation: T1, T2 must be positive and the time finite and non-negative");
  if (t2 > 2 * t1) throw std::invalid_argument("thermal_relaxation: T2 > 2 T1 is unphysical");
  const double s = std::exp(-time / (2 * t1));  // sqrt(1 - gamma); 1 when T1 is infinite
  const double gamma = -std::expm1(-time / t1);
  const double c = std::min(1.0, std::exp(-time / t2 + time / (2 * t1)));
  const double a = std::sqrt((1 + c) / 2), b = std::sqrt((1 - c) / 2);
  sim::Channel ch;
  ch.qubits = {0};
  ch.label = "relaxation T1=" + time_text(t1) + " T2=" + time_text(t2) + " t=" + time_text(time);
  ch.kraus.push_back({a, 0, 0, a * s});
  if (b > 0) ch.kraus.push_back({b, 0, 0, -b * s});
  if (gamma > 0) ch.kraus.push_back({0, std::sqrt(gamma), 0, 0});
  return ch;
}

double average_gate_fidelity(const sim::Channel& channel) {
  const double d = std::ldexp(1.0, static_cast<int>(channel.qubits.size()));
  return (trace_overlap(channel) + d) / (d * (d + 1));
}

double depolarizing_parameter(const NoiseModel& model, const std::string& gate, const std::vector<unsigned>& qubits) {
  return gate_error(model, entry(model, gate, qubits)).depolarizing;
}

std::vector<sim::Channel> gate_channels(const NoiseModel& model, const std::string& gate,
                                        const std::vector<unsigned>& qubits) {
  const GateNoise& e = entry(model, gate, qubits);
  GateError err = gate_error(model, e);
  const std::string item = gate_item(gate, qubits);
  std::vector<sim::Channel> out;
  if (err.depolarizing > 0) {
    sim::Channel dep = depolarizing(err.depolarizing, static_cast<unsigned>(qubits.size()));
    dep.qubits = qubits;
    dep.label = item + ": " + dep.label;
    out.push_back(std::move(dep));
  }
  for (auto& r : err.relaxation) {
    r.label = item + ": $" + std::to_string(r.qubits[0]) + " " + r.label;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace qforge::noise
