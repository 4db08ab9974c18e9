// attach_noise: a device-qubit circuit with its channels (noise_model.hpp).
//
// Schedule (idle_noise): as soon as possible, each qubit busy from its start
// to start + duration. A gate starts when all its qubits are free and lasts
// its calibrated length; a measurement lasts the qubit's readout length and
// a reset its calibrated length, each qubit on its own; a barrier starts its
// qubits together (at the latest of their free times) and lasts nothing; a
// delay lasts its duration. A qubit that waits for others decays by thermal
// relaxation for the wait, attached after the operation it last took part
// in (channels on a qubit commute with operations on the others, so that is
// exactly when it acts). Not modelled: the wait before a qubit's first
// operation (|0> is a fixed point of zero-temperature relaxation) and the
// time after a qubit's final measurement (nothing reads it again); a qubit
// whose last operation is not a measurement decays until the circuit ends.
// Waits under 1 fs are rounding and are ignored. A RuntimeGate gets the
// channels of its gate; assignments and `end` take no time; a control-flow
// operation (if, while, for, switch) is refused with a located error: the
// noisy circuit holds channels after top-level operations only.
#include "qforge/noise_model.hpp"
#include "text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace qforge::noise {

namespace {

constexpr double kTimeEpsilon = 1e-15;

std::string ns_text(double s) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g ns", s * 1e9);
  return buf;
}

std::string basis_text(const NoiseModel& m) {
  std::string s = "{";
  for (std::size_t i = 0; i < m.basis.size(); ++i) s += (i ? ", " : "") + m.basis[i];
  return s + "}";
}

std::string device(const NoiseModel& m) { return detail::device_name(m); }

}  // namespace

double detail::delay_seconds(const Operation& op, const NoiseModel& m) {
  if (op.params.empty() || !op.params[0].is_const()) throw error_at(op, "delay needs a constant duration");
  const double v = op.params[0].value();
  if (op.delay_unit == "dt") {
    if (!m.dt) throw error_at(op, "delay in dt, but the noise model of " + device(m) + " has no dt");
    return v * *m.dt;
  }
  const std::optional<double> scale = detail::seconds_per(op.delay_unit);
  if (!scale) throw error_at(op, "delay unit '" + op.delay_unit + "' cannot be timed");
  return v * *scale;
}

namespace {

using detail::delay_seconds;

class Attacher {
 public:
  Attacher(const Circuit& c, const NoiseModel& m, NoiseOptions o) : c_(c), m_(m), o_(o) {}

  sim::NoisyCircuit run() {
    map_qubits();
    const std::size_t k = out_.physical.size();
    ready_.assign(k, 0.0);
    last_.assign(k, -1);
    out_.after.resize(out_.circuit.ops.size());
    for (std::size_t i = 0; i < out_.circuit.ops.size(); ++i) step(i);
    finish();
    for (unsigned q : out_.physical) {
      const QubitNoise& qn = m_.qubits[q];
      out_.readout.push_back({qn.p1_given_0, qn.p0_given_1});
    }
    return std::move(out_);
  }

 private:
  /// Used device qubits -> 0 .. k-1, ascending; the circuit rewritten on them.
  void map_qubits() {
    std::vector<bool> used(c_.num_qubits, false);
    for (const auto& op : c_.ops)
      for (uint32_t q : op.qubits) {
        if (q >= m_.qubits.size())
          throw error_at(op, "qubit $" + std::to_string(q) + " is not on " + device(m_) + " (" +
                                 std::to_string(m_.qubits.size()) + " qubits)");
        used[q] = true;
      }
    std::vector<uint32_t> index(c_.num_qubits, 0);
    for (uint32_t q = 0; q < c_.num_qubits; ++q)
      if (used[q]) {
        index[q] = static_cast<uint32_t>(out_.physical.size());
        out_.physical.push_back(q);
      }
    out_.circuit = c_;
    out_.circuit.num_qubits = static_cast<uint32_t>(out_.physical.size());
    if (out_.physical.size() != c_.num_qubits) out_.circuit.qregs.clear();  // their ranges no longer hold
    for (auto& op : out_.circuit.ops)
      for (auto& q : op.qubits) q = index[q];
  }

  /// Qubit k (compact) waits until `start`: relaxation for the wait.
  void wait(uint32_t k, double start) {
    const double idle = start - ready_[k];
    ready_[k] = std::max(ready_[k], start);
    if (!o_.idle_noise || idle <= kTimeEpsilon || last_[k] < 0) return;
    relax(k, idle, static_cast<std::size_t>(last_[k]), "idle");
  }

  void relax(uint32_t k, double time, std::size_t after, const char* what) {
    const unsigned q = out_.physical[k];
    const QubitNoise& qn = m_.qubits[q];
    if (!qn.t1 && !qn.t2) return;
    const double inf = std::numeric_limits<double>::infinity();
    sim::Channel ch = thermal_relaxation(qn.t1.value_or(inf), qn.t2.value_or(inf), time);
    ch.qubits = {k};
    ch.label = std::string(what) + " $" + std::to_string(q) + " (" + ns_text(time) + "): " + ch.label;
    out_.after[after].push_back(std::move(ch));
  }

  void step(std::size_t i) {
    const Operation& op = out_.circuit.ops[i];
    const Operation& orig = c_.ops[i];
    std::vector<unsigned> device_qubits;
    for (uint32_t k : op.qubits) device_qubits.push_back(out_.physical[k]);
    switch (op.kind) {
      case OpKind::Gate:
      case OpKind::RuntimeGate: {  // a gate's channels do not depend on its angle
        const std::string name(gate_info(op.gate).name);
        if (op.num_controls > 0)
          throw error_at(orig, "ctrl @ " + name + " is not a gate of " + device(m_) + ": compile for the device first (qforge compile --noise DEVICE.noise.json)");
        if (!m_.in_basis(name))
          throw error_at(orig, name + " is not in the basis of " + device(m_) + " " + basis_text(m_) +
                                   ": compile for the device first (qforge compile --noise DEVICE.noise.json)");
        std::vector<sim::Channel> chans;
        try {
          chans = gate_channels(m_, name, device_qubits);
        } catch (const std::invalid_argument& e) {
          throw error_at(orig, e.what());
        }
        const double length = m_.find(name, device_qubits)->length;
        double start = 0;
        for (uint32_t k : op.qubits) start = std::max(start, ready_[k]);
        for (uint32_t k : op.qubits) {
          wait(k, start);
          ready_[k] = start + length;
          last_[k] = static_cast<long>(i);
        }
        for (auto& ch : chans) {
          for (auto& q : ch.qubits) q = op.qubits[std::find(device_qubits.begin(), device_qubits.end(), q) - device_qubits.begin()];
          out_.after[i].push_back(std::move(ch));
        }
        break;
      }
      case OpKind::Measure:
        for (std::size_t j = 0; j < op.qubits.size(); ++j) {
          const uint32_t k = op.qubits[j];
          ready_[k] += m_.qubits[device_qubits[j]].readout_length;
          last_[k] = static_cast<long>(i);
        }
        break;
      case OpKind::Reset:
        for (std::size_t j = 0; j < op.qubits.size(); ++j) {
          const uint32_t k = op.qubits[j];
          std::vector<sim::Channel> chans;
          try {
            chans = gate_channels(m_, "reset", {device_qubits[j]});
          } catch (const std::invalid_argument& e) {
            throw error_at(orig, e.what());
          }
          ready_[k] += m_.find("reset", {device_qubits[j]})->length;
          last_[k] = static_cast<long>(i);
          for (auto& ch : chans) {
            ch.qubits = {k};
            out_.after[i].push_back(std::move(ch));
          }
        }
        break;
      case OpKind::Barrier: {
        double start = 0;
        for (uint32_t k : op.qubits) start = std::max(start, ready_[k]);
        for (uint32_t k : op.qubits) {
          wait(k, start);
          last_[k] = static_cast<long>(i);
        }
        break;
      }
      case OpKind::Delay: {
        const double t = delay_seconds(orig, m_);
        if (t < 0) throw error_at(orig, "a delay cannot be negative");
        for (uint32_t k : op.qubits) {
          ready_[k] += t;
          last_[k] = static_cast<long>(i);
          if (o_.idle_noise && t > kTimeEpsilon) relax(k, t, i, "delay");
        }
        break;
      }
      case OpKind::Assign:
      case OpKind::Break:
      case OpKind::Continue:
      case OpKind::End:
        break;  // classical: takes no time on the qubits
      case OpKind::If:
      case OpKind::While:
      case OpKind::For:
      case OpKind::Switch:
        throw error_at(orig, "the " + op_name(orig) + " statement's operations cannot carry noise: channels are attached "
                             "after operations outside control flow only (run without --noise)");
    }
  }

  /// Decay until the circuit ends, except after a final measurement.
  void finish() {
    double end = 0;
    for (double r : ready_) end = std::max(end, r);
    for (uint32_t k = 0; k < ready_.size(); ++k) {
      if (last_[k] < 0 || out_.circuit.ops[static_cast<std::size_t>(last_[k])].kind == OpKind::Measure) continue;
      wait(k, end);
    }
  }

  const Circuit& c_;
  const NoiseModel& m_;
  NoiseOptions o_;
  sim::NoisyCircuit out_;
  std::vector<double> ready_;  // when each compact qubit is free
  std::vector<long> last_;     // index of the last operation on it, -1: none yet
};

}  // namespace

sim::NoisyCircuit attach_noise(const Circuit& circuit, const NoiseModel& model, NoiseOptions options) {
  return Attacher(circuit, model, options).run();
}

}  // namespace qforge::noise
