// Compiling for a noise model's device (see qforge/device_compile.hpp).
#include "qforge/device_compile.hpp"
#include "qforge/passes.hpp"
#include "text.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace qforge::noise {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr const char* kOneQubitBasis[] = {"rz", "sx", "x"};

/// The model's two-qubit basis gate: "ecr" or "cz".
std::string two_qubit_gate(const NoiseModel& m) {
  for (const char* g : kOneQubitBasis)
    if (!m.in_basis(g))
      throw std::invalid_argument("the basis of " + detail::device_name(m) + " has no " + g +
                                  ": only {ecr or cz, rz, sx, x} devices can be compiled for");
  if (m.in_basis("ecr")) return "ecr";
  if (m.in_basis("cz")) return "cz";
  throw std::invalid_argument("the basis of " + detail::device_name(m) +
                              " has neither ecr nor cz: only {ecr or cz, rz, sx, x} devices can be compiled for");
}

bool usable_qubit(const NoiseModel& m, unsigned q) {
  for (const char* g : kOneQubitBasis)
    if (!m.find(g, {q})) return false;  // absent or faulty (faulty entries are not in gates)
  return true;
}

// ---- the device's calibration as flat tables, for scoring placements ----

struct Tables {
  uint32_t n = 0;
  std::string g2;
  bool symmetric = false;                 // cz: either operand order is the same gate
  /// Placement scoring of a directed gate (ecr): it may also run the other
  /// way round, with the corrections the gate-direction pass adds (one sx
  /// before and one after it on each qubit).
  bool turn_directed = false;
  std::vector<double> e1[3], l1[3];       // rz, sx, x per qubit (NaN: uncalibrated)
  std::vector<double> reset_e, reset_l;   // NaN: uncalibrated
  std::vector<double> readout, readout_len, inv_t;  // inv_t = 1/T1 + 1/T2
  std::vector<double> e2, l2;             // per ordered pair a * n + b (NaN: uncalibrated)
  std::vector<std::vector<uint32_t>> healthy_nb;  // usable couplers, both ways, ascending
  std::vector<char> usable;

  explicit Tables(const NoiseModel& m) : n(static_cast<uint32_t>(m.qubits.size())), g2(two_qubit_gate(m)) {
    symmetric = g2 == "cz";
    const double nan = std::nan("");
    for (auto& v : e1) v.assign(n, nan);
    for (auto& v : l1) v.assign(n, nan);
    reset_e.assign(n, nan);
    reset_l.assign(n, nan);
    readout.assign(n, 0);
    readout_len.assign(n, 0);
    inv_t.assign(n, 0);
    e2.assign(static_cast<std::size_t>(n) * n, nan);
    l2.assign(static_cast<std::size_t>(n) * n, nan);
    usable.assign(n, 0);
    healthy_nb.assign(n, {});
    for (uint32_t q = 0; q < n; ++q) {
      const QubitNoise& qn = m.qubits[q];
      readout[q] = (qn.p1_given_0 + qn.p0_given_1) / 2;
      readout_len[q] = qn.readout_length;
      inv_t[q] = (qn.t1 ? 1 / *qn.t1 : 0) + (qn.t2 ? 1 / *qn.t2 : 0);
      usable[q] = usable_qubit(m, q);
    }
    for (const GateNoise& g : m.gates) {
      if (g.qubits.size() == 1) {
        const unsigned q = g.qubits[0];
        for (int k = 0; k < 3; ++k)
          if (g.gate == kOneQubitBasis[k]) {
            e1[k][q] = g.error;
            l1[k][q] = g.length;
          }
        if (g.gate == "reset") {
          reset_e[q] = g.error;
          reset_l[q] = g.length;
        }
      } else if (g.qubits.size() == 2 && g.gate == g2) {
        const unsigned a = g.qubits[0], b = g.qubits[1];
        e2[std::size_t(a) * n + b] = g.error;
        l2[std::size_t(a) * n + b] = g.length;
        if (usable[a] && usable[b]) {
          healthy_nb[a].push_back(b);
          healthy_nb[b].push_back(a);
        }
      }
    }
    for (auto& nb : healthy_nb) {
      std::sort(nb.begin(), nb.end());
      nb.erase(std::unique(nb.begin(), nb.end()), nb.end());
    }
  }
  bool calibrated(uint32_t a, uint32_t b) const { return !std::isnan(e2[std::size_t(a) * n + b]); }
  /// The ordered pair the gate (a, b) runs as on the device (its index in
  /// e2, l2): (a, b), or (b, a) for a symmetric gate or with turn_directed
  /// (`turned`); false: neither.
  bool runs_as(uint32_t a, uint32_t b, std::size_t& index, bool& turned) const {
    turned = false;
    if (calibrated(a, b)) {
      index = std::size_t(a) * n + b;
      return true;
    }
    if ((symmetric || turn_directed) && calibrated(b, a)) {
      index = std::size_t(b) * n + a;
      turned = true;
      return true;
    }
    return false;
  }
  bool runs(uint32_t a, uint32_t b) const {
    std::size_t i;
    bool turned;
    return runs_as(a, b, i, turned);
  }
  /// log of the gate factor of the two-qubit gate on (a, b), corrections included.
  double log_two(uint32_t a, uint32_t b) const {
    std::size_t i = 0;
    bool turned = false;
    runs_as(a, b, i, turned);
    double f = std::log1p(-e2[i]);
    if (turned && !symmetric) f += 2 * (std::log1p(-e1[1][a]) + std::log1p(-e1[1][b]));
    return f;
  }
};

/// Placement and the predicted fidelity score one path through the circuit:
/// run-time classical logic (several paths) is refused at its first
/// operation.
void refuse_classical(const Circuit& c) {
  for (const Operation& op : c.ops)
    if (op.is_classical())
      throw error_at(op, "the circuit has run-time classical logic (this " + op_name(op) +
                             "): compiling for a device's noise model (its placement and predicted fidelity) takes "
                             "circuits without it (compile with --target)");
}

/// The circuit's operations over "slots" (its used device qubits, 0 .. u-1),
/// scored under a placement slot -> device qubit.
struct SlotOp {
  enum Kind : uint8_t { One, Two, Measure, Reset, Barrier, Delay } kind = Barrier;
  int8_t gate = 0;  // One: index into kOneQubitBasis
  double seconds = 0;  // Delay
  std::vector<uint32_t> slots;
};

struct SlotCircuit {
  std::vector<uint32_t> device;     // slot -> device qubit in the circuit as given
  std::vector<int32_t> slot_of;     // device qubit -> slot (-1: unused)
  std::vector<SlotOp> ops;
  std::vector<char> timed;          // slot touched by a gate, measurement, reset or delay
};

SlotCircuit slot_circuit(const Circuit& c, const NoiseModel& m, const Tables& t,
                         const std::vector<uint32_t>& extra_qubits) {
  SlotCircuit s;
  s.slot_of.assign(t.n, -1);
  auto slot = [&](uint32_t q, const Operation* op) -> uint32_t {
    if (q >= t.n) {
      const std::string why = "qubit $" + std::to_string(q) + " is not on " + detail::device_name(m) + " (" +
                              std::to_string(t.n) + " qubits)";
      if (op) throw error_at(*op, why);
      throw std::invalid_argument(why);
    }
    if (s.slot_of[q] < 0) {
      s.slot_of[q] = static_cast<int32_t>(s.device.size());
      s.device.push_back(q);
      s.timed.push_back(0);
    }
    return static_cast<uint32_t>(s.slot_of[q]);
  };
  for (const Operation& op : c.ops) {
    SlotOp so;
    for (uint32_t q : op.qubits) so.slots.push_back(slot(q, &op));
    switch (op.kind) {
      case OpKind::Gate: {
        const std::string name(gate_info(op.gate).name);
        if (op.num_controls || !m.in_basis(name))
          throw error_at(op, op_name(op) + " is not a gate of " + detail::device_name(m) +
                                 ": the predicted fidelity needs a circuit compiled for it");
        if (op.qubits.size() == 2 && name == t.g2) {
          so.kind = SlotOp::Two;
          if (!t.runs(op.qubits[0], op.qubits[1]))
            throw error_at(op, detail::gate_item(name, {op.qubits[0], op.qubits[1]}) + " is not calibrated on " +
                                   detail::device_name(m));
        } else {
          so.kind = SlotOp::One;
          int k = 0;
          while (k < 3 && name != kOneQubitBasis[k]) ++k;
          if (k == 3 || op.qubits.size() != 1)
            throw error_at(op, op_name(op) + " cannot be timed on " + detail::device_name(m));
          so.gate = static_cast<int8_t>(k);
          if (std::isnan(t.e1[k][op.qubits[0]]))
            throw error_at(op, detail::gate_item(name, {op.qubits[0]}) + " is not calibrated (or faulty) on " +
                                   detail::device_name(m));
        }
        break;
      }
      case OpKind::Measure: so.kind = SlotOp::Measure; break;
      case OpKind::Reset:
        so.kind = SlotOp::Reset;
        for (uint32_t q : op.qubits)
          if (std::isnan(t.reset_e[q]))
            throw error_at(op, "reset $" + std::to_string(q) + " is not calibrated on " + detail::device_name(m));
        break;
      case OpKind::Barrier: so.kind = SlotOp::Barrier; break;
      case OpKind::Delay:
        so.kind = SlotOp::Delay;
        so.seconds = detail::delay_seconds(op, m);
        break;
      default:
        break;  // run-time classical logic: refused before (refuse_classical)
    }
    if (so.kind != SlotOp::Barrier)
      for (uint32_t x : so.slots) s.timed[x] = 1;
    s.ops.push_back(std::move(so));
  }
  for (uint32_t q : extra_qubits) slot(q, nullptr);
  return s;
}

/// F of the slot circuit under `place` (slot -> device qubit). Slots with
/// `skip` set are left out (their operations and decoherence).
FidelityEstimate score(const SlotCircuit& s, const Tables& t, const std::vector<uint32_t>& place,
                       const std::vector<char>* skip = nullptr) {
  FidelityEstimate f;
  double log_gates = 0, log_readout = 0;
  std::vector<double> ready(place.size(), 0.0);
  auto skipped = [&](const SlotOp& op) {
    if (!skip) return false;
    for (uint32_t x : op.slots)
      if ((*skip)[x]) return true;
    return false;
  };
  for (const SlotOp& op : s.ops) {
    if (skipped(op)) continue;
    switch (op.kind) {
      case SlotOp::One: {
        const uint32_t x = op.slots[0], q = place[x];
        log_gates += std::log1p(-t.e1[op.gate][q]);
        ready[x] += t.l1[op.gate][q];
        break;
      }
      case SlotOp::Two: {
        const uint32_t a = op.slots[0], b = op.slots[1], pa = place[a], pb = place[b];
        std::size_t i = 0;
        bool turned = false;
        t.runs_as(pa, pb, i, turned);
        log_gates += t.log_two(pa, pb);
        const double ca = turned && !t.symmetric ? t.l1[1][pa] : 0, cb = turned && !t.symmetric ? t.l1[1][pb] : 0;
        const double end = std::max(ready[a] + ca, ready[b] + cb) + t.l2[i];
        ready[a] = end + ca;
        ready[b] = end + cb;
        break;
      }
      case SlotOp::Measure:
        for (uint32_t x : op.slots) {
          log_readout += std::log1p(-t.readout[place[x]]);
          ready[x] += t.readout_len[place[x]];
        }
        break;
      case SlotOp::Reset:
        for (uint32_t x : op.slots) {
          log_gates += std::log1p(-t.reset_e[place[x]]);
          ready[x] += t.reset_l[place[x]];
        }
        break;
      case SlotOp::Barrier: {
        double start = 0;
        for (uint32_t x : op.slots) start = std::max(start, ready[x]);
        for (uint32_t x : op.slots) ready[x] = start;
        break;
      }
      case SlotOp::Delay:
        for (uint32_t x : op.slots) ready[x] += op.seconds;
        break;
    }
  }
  for (double r : ready) f.duration = std::max(f.duration, r);
  double log_deco = 0;
  for (std::size_t x = 0; x < place.size(); ++x)
    if (s.timed[x] && !(skip && (*skip)[x])) log_deco -= f.duration * t.inv_t[place[x]];
  f.gates = std::exp(log_gates);
  f.readout = std::exp(log_readout);
  f.decoherence = std::exp(log_deco);
  f.fidelity = std::exp(log_gates + log_readout + log_deco);
  return f;
}

/// The placement search of the file comment.
class PlacementSearch {
 public:
  PlacementSearch(const SlotCircuit& s, const Tables& t) : s_(s), t_(t) {
    const std::size_t u = s.device.size();
    nb_.assign(u, {});
    need_.assign(u * u, 0);
    for (const SlotOp& op : s.ops)
      if (op.kind == SlotOp::Two) {
        const uint32_t a = op.slots[0], b = op.slots[1];
        need_[a * u + b] = 1;
        if (std::find(nb_[a].begin(), nb_[a].end(), b) == nb_[a].end()) {
          nb_[a].push_back(b);
          nb_[b].push_back(a);
        }
      }
    // Order: each next slot the unplaced one with the most placed
    // neighbours (then the highest degree, then the lowest index).
    std::vector<char> placed(u, 0);
    std::vector<uint32_t> count(u, 0);
    for (std::size_t k = 0; k < u; ++k) {
      int64_t best = -1;
      for (uint32_t x = 0; x < u; ++x) {
        if (placed[x] || nb_[x].empty()) continue;
        if (best < 0 || count[x] > count[best] ||
            (count[x] == count[best] && nb_[x].size() > nb_[best].size()))
          best = x;
      }
      if (best < 0) break;
      placed[best] = 1;
      order_.push_back(static_cast<uint32_t>(best));
      for (uint32_t y : nb_[best]) ++count[y];
    }
    isolated_.assign(u, 1);
    for (uint32_t x : order_) isolated_[x] = 0;
    // Per position in the order: the operations all of whose slots are
    // placed once that slot is, for the bound.
    std::vector<int64_t> pos(u, -1);
    for (std::size_t k = 0; k < order_.size(); ++k) pos[order_[k]] = static_cast<int64_t>(k);
    completes_.assign(order_.size(), {});
    for (std::size_t i = 0; i < s.ops.size(); ++i) {
      const SlotOp& op = s.ops[i];
      if (op.kind == SlotOp::Barrier || op.kind == SlotOp::Delay) continue;
      int64_t last = -1;
      bool iso = false;
      for (uint32_t x : op.slots) {
        iso = iso || isolated_[x];
        last = std::max(last, pos[x]);
      }
      if (!iso && last >= 0) completes_[static_cast<std::size_t>(last)].push_back(static_cast<uint32_t>(i));
    }
  }

  /// The best placement: starts from `start` (a valid one), returns the best.
  std::vector<uint32_t> run(const std::vector<uint32_t>& start) {
    const std::size_t u = s_.device.size();
    best_ = start;
    best_log_ = std::log(score(s_, t_, start, &isolated_).fidelity);
    place_.assign(u, UINT32_MAX);
    taken_.assign(t_.n, 0);
    if (!order_.empty()) descend(0, 0.0);
    // Isolated slots, one by one, on the free usable qubit maximising F.
    std::vector<uint32_t> result = best_;
    std::vector<char> skip = isolated_;
    std::fill(taken_.begin(), taken_.end(), 0);
    for (std::size_t x = 0; x < u; ++x)
      if (!isolated_[x]) taken_[result[x]] = 1;
    for (uint32_t x = 0; x < u; ++x) {
      if (!isolated_[x]) continue;
      skip[x] = 0;
      double best = -kInf;
      uint32_t pick = UINT32_MAX;
      for (uint32_t q = 0; q < t_.n; ++q) {
        if (taken_[q] || !t_.usable[q]) continue;
        result[x] = q;
        const double f = score(s_, t_, result, &skip).fidelity;
        if (f > best) {
          best = f;
          pick = q;
        }
      }
      if (pick == UINT32_MAX) throw std::logic_error("placement: no free qubit for an isolated qubit");
      result[x] = pick;
      taken_[pick] = 1;
    }
    return result;
  }

  uint64_t scored() const { return scored_; }
  bool complete() const { return steps_ < kMaxPlacementSteps; }

 private:
  void descend(std::size_t k, double bound) {
    if (steps_ >= kMaxPlacementSteps) return;
    if (k == order_.size()) {
      ++scored_;
      const double f = std::log(score(s_, t_, place_, &isolated_).fidelity);
      if (f > best_log_) {
        best_log_ = f;
        for (uint32_t x : order_) best_[x] = place_[x];
      }
      return;
    }
    const uint32_t x = order_[k];
    // Candidates: the usable neighbours of a placed neighbour, else every
    // usable qubit.
    const std::vector<uint32_t>* cands = nullptr;
    for (uint32_t y : nb_[x])
      if (place_[y] != UINT32_MAX) {
        cands = &t_.healthy_nb[place_[y]];
        break;
      }
    const std::size_t u = s_.device.size();
    auto fits = [&](uint32_t q) {
      if (taken_[q] || !t_.usable[q]) return false;
      for (uint32_t y : nb_[x]) {
        const uint32_t p = place_[y];
        if (p == UINT32_MAX) continue;
        if (need_[x * u + y] && !t_.runs(q, p)) return false;
        if (need_[y * u + x] && !t_.runs(p, q)) return false;
      }
      return true;
    };
    auto visit = [&](uint32_t q) {
      ++steps_;
      place_[x] = q;
      taken_[q] = 1;
      double b = bound;
      for (uint32_t i : completes_[k]) b += log_factor(s_.ops[i]);
      if (b > best_log_) descend(k + 1, b);
      taken_[q] = 0;
      place_[x] = UINT32_MAX;
    };
    if (cands) {
      for (uint32_t q : *cands)
        if (fits(q)) visit(q);
    } else {
      for (uint32_t q = 0; q < t_.n && steps_ < kMaxPlacementSteps; ++q)
        if (fits(q)) visit(q);
    }
  }

  /// log of the gate or readout factor of a placed operation.
  double log_factor(const SlotOp& op) const {
    switch (op.kind) {
      case SlotOp::One: return std::log1p(-t_.e1[op.gate][place_[op.slots[0]]]);
      case SlotOp::Two: return t_.log_two(place_[op.slots[0]], place_[op.slots[1]]);
      case SlotOp::Measure: {
        double s = 0;
        for (uint32_t x : op.slots) s += std::log1p(-t_.readout[place_[x]]);
        return s;
      }
      case SlotOp::Reset: {
        double s = 0;
        for (uint32_t x : op.slots) s += std::log1p(-t_.reset_e[place_[x]]);
        return s;
      }
      default: return 0;
    }
  }

  const SlotCircuit& s_;
  const Tables& t_;
  std::vector<std::vector<uint32_t>> nb_;
  std::vector<char> need_;  // need_[a * u + b]: a two-qubit gate (a, b)
  std::vector<uint32_t> order_;
  std::vector<char> isolated_;
  std::vector<std::vector<uint32_t>> completes_;
  std::vector<uint32_t> place_, best_;
  std::vector<char> taken_;
  double best_log_ = -kInf;
  uint64_t steps_ = 0, scored_ = 0;
};

/// The circuit with its used qubits moved: device qubit slots.device[x] ->
/// place[x]; a symmetric gate calibrated only the other way gets its
/// operands exchanged (a directed one is left to the gate-direction pass).
void relabel(CompileResult& r, const SlotCircuit& s, const Tables& t, const std::vector<uint32_t>& place) {
  Circuit& c = r.circuit;
  auto to = [&](uint32_t q) { return place[static_cast<std::size_t>(s.slot_of[q])]; };
  for (Operation& op : c.ops) {
    for (auto& q : op.qubits) q = to(q);
    if (op.kind == OpKind::Gate && op.qubits.size() == 2 && t.symmetric &&
        !t.calibrated(op.qubits[0], op.qubits[1]))
      std::swap(op.qubits[0], op.qubits[1]);
  }
  for (auto& q : r.initial_layout) q = to(q);
  for (auto& q : r.final_layout) q = to(q);
}

std::string layout_text(const std::vector<uint32_t>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s + "]";
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace

DeviceTarget device_target(const NoiseModel& m) {
  const Tables t(m);
  DeviceTarget d;
  d.device_qubits = t.n;
  d.faulty = m.repairs.faulty;
  // The largest connected set of usable qubits (ties: the lowest qubit).
  std::vector<int32_t> comp(t.n, -1);
  std::vector<uint32_t> best;
  for (uint32_t s = 0; s < t.n; ++s) {
    if (!t.usable[s] || comp[s] >= 0) continue;
    std::vector<uint32_t> members{s};
    comp[s] = static_cast<int32_t>(s);
    for (std::size_t i = 0; i < members.size(); ++i)
      for (uint32_t v : t.healthy_nb[members[i]])
        if (comp[v] < 0) {
          comp[v] = static_cast<int32_t>(s);
          members.push_back(v);
        }
    if (members.size() > best.size()) best = std::move(members);
  }
  if (best.empty()) throw std::invalid_argument(detail::device_name(m) + " has no usable qubit (rz, sx and x calibrated, not faulty)");
  std::sort(best.begin(), best.end());
  d.physical = best;
  std::vector<int64_t> compact(t.n, -1);
  for (std::size_t i = 0; i < best.size(); ++i) compact[best[i]] = static_cast<int64_t>(i);
  std::vector<std::pair<uint32_t, uint32_t>> edges;
  for (uint32_t a : best)
    for (uint32_t b : best)
      if (t.calibrated(a, b) && t.usable[a] && t.usable[b]) {
        const auto ca = static_cast<uint32_t>(compact[a]), cb = static_cast<uint32_t>(compact[b]);
        edges.emplace_back(ca, cb);
        d.target.directions.emplace_back(ca, cb);
      }
  std::sort(d.target.directions.begin(), d.target.directions.end());
  const uint32_t k = static_cast<uint32_t>(best.size());
  d.target.name = detail::device_name(m);
  d.target.two_qubit = t.g2 == "ecr" ? GateId::ECR : GateId::CZ;
  d.target.basis = {d.target.two_qubit, GateId::RZ, GateId::SX, GateId::X};
  d.target.coupling = CouplingMap::from_edges(
      k, edges, d.target.name + " (" + std::to_string(k) + " usable of " + std::to_string(t.n) + " qubits)");
  return d;
}

FidelityEstimate predicted_fidelity(const Circuit& c, const NoiseModel& m) {
  refuse_classical(c);
  const Tables t(m);
  const SlotCircuit s = slot_circuit(c, m, t, {});
  return score(s, t, s.device);
}

DeviceCompileResult compile_for_device(const Circuit& c, int level, const NoiseModel& m, bool check_each_pass) {
  refuse_classical(c);
  const DeviceTarget d = device_target(m);
  const uint32_t k = static_cast<uint32_t>(d.physical.size());
  if (c.num_qubits > k) {
    std::string faulty;
    for (const FaultyGate& g : d.faulty) faulty += (faulty.empty() ? "" : ", ") + detail::gate_item(g.gate, g.qubits);
    if (d.faulty.size() > 4) faulty = std::to_string(d.faulty.size()) + " gates";
    const std::string why = "the circuit has " + std::to_string(c.num_qubits) + " qubits but " + d.target.name +
                            " has only " + std::to_string(k) + " usable connected qubits (of " +
                            std::to_string(d.device_qubits) + (faulty.empty() ? "" : "; faulty: " + faulty) + ")";
    for (const Operation& op : c.ops)
      for (uint32_t q : op.qubits)
        if (q >= k) throw error_at(op, why + " (this " + op_name(op) + " uses qubit " + std::to_string(q) + ")");
    throw std::invalid_argument(why);
  }
  DeviceCompileResult r;
  r.device = d.target.name;
  // A directed gate is placed first and turned around after (the router
  // works undirected anyway), so that the placement may use either direction.
  const Tables t = [&] {
    Tables x(m);
    x.turn_directed = true;
    return x;
  }();
  Target stage = d.target;
  if (!t.symmetric) stage.directions.clear();
  r.compiled = run_pipeline(c, level, stage, check_each_pass);
  CompileResult& cr = r.compiled;
  // Compact qubits -> device qubits.
  Circuit& out = cr.circuit;
  for (Operation& op : out.ops)
    for (auto& q : op.qubits) q = d.physical[q];
  for (auto& q : cr.initial_layout) q = d.physical[q];
  for (auto& q : cr.final_layout) q = d.physical[q];
  out.num_qubits = d.device_qubits;
  out.physical_qubits = true;
  out.qregs.clear();

  std::vector<uint32_t> extra = cr.initial_layout;
  extra.insert(extra.end(), cr.final_layout.begin(), cr.final_layout.end());
  const SlotCircuit s = slot_circuit(out, m, t, extra);
  const auto t0 = std::chrono::steady_clock::now();
  PlacementSearch search(s, t);
  const std::vector<uint32_t> place = search.run(s.device);
  r.search_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.placements_scored = search.scored();
  r.search_complete = search.complete();

  // Every calibrated direction on the device; the directed gate turned into
  // them, its corrections fused (-O1 and up), then F exactly.
  std::vector<std::pair<uint32_t, uint32_t>> directions;
  for (const GateNoise& g : m.gates)
    if (g.gate == t.g2 && g.qubits.size() == 2) directions.emplace_back(g.qubits[0], g.qubits[1]);
  std::string finish_report;
  auto finish = [&](CompileResult& x) {
    std::vector<std::unique_ptr<Pass>> passes;
    passes.push_back(createGateDirectionPass({stage.two_qubit, directions}));
    if (level >= 1 && !t.symmetric) passes.push_back(createSingleQubitFusionPass({basis_of(stage)}));
    finish_report.clear();
    for (auto& p : passes) {
      p->set_checks(check_each_pass);
      p->apply(x.circuit);
      finish_report += "  " + p->name() + ": " + p->report() + "\n";
    }
    return predicted_fidelity(x.circuit, m);
  };
  CompileResult moved = cr;
  relabel(moved, s, t, place);
  const FidelityEstimate moved_f = finish(moved);
  const std::string moved_report = finish_report;
  r.router_placement = finish(cr);
  if (moved_f.fidelity > r.router_placement.fidelity) {
    cr = std::move(moved);
    finish_report = moved_report;
  }
  cr.pass_report += finish_report;
  r.predicted = predicted_fidelity(out, m);
  std::sort(directions.begin(), directions.end());
  for (const Operation& op : out.ops)
    if (op.kind == OpKind::Gate && op.qubits.size() == 2 &&
        !std::binary_search(directions.begin(), directions.end(), std::make_pair(op.qubits[0], op.qubits[1])))
      throw std::logic_error("device compile: " + op_name(op) + " on an uncalibrated pair");
  cr.pass_report += "  noise-aware placement: " + std::to_string(r.placements_scored) + " placements scored, " +
                    fixed(r.search_seconds, 3) + " s\n";
  return r;
}

std::string fidelity_comment(const DeviceCompileResult& r) {
  return "// qforge-noise device=" + r.device + " predicted_fidelity=" + fixed(r.predicted.fidelity, 6) +
         " gates=" + fixed(r.predicted.gates, 6) + " readout=" + fixed(r.predicted.readout, 6) +
         " decoherence=" + fixed(r.predicted.decoherence, 6) + " duration_us=" + fixed(r.predicted.duration * 1e6, 3);
}

void write_device_comments(std::string& text, const DeviceCompileResult& r) {
  const std::size_t eol = text.find('\n');
  text.insert(eol == std::string::npos ? text.size() : eol + 1,
              layout_comment(r.compiled) + "\n" + fidelity_comment(r) + "\n");
}

std::string fidelity_summary(const DeviceCompileResult& r) {
  std::string s = "device " + r.device + ": layout " + layout_text(r.compiled.initial_layout) + " (final " +
                  layout_text(r.compiled.final_layout) + ")\n";
  s += "predicted fidelity " + fixed(r.predicted.fidelity, 4) + " = gates " + fixed(r.predicted.gates, 4) +
       " x readout " + fixed(r.predicted.readout, 4) + " x decoherence " + fixed(r.predicted.decoherence, 4) +
       " over " + fixed(r.predicted.duration * 1e6, 3) + " us\n";
  s += "router's placement: " + fixed(r.router_placement.fidelity, 4) + "; " + std::to_string(r.placements_scored) +
       " placements scored in " + fixed(r.search_seconds, 3) + " s" +
       (r.search_complete ? "" : " (search stopped at its step limit)") + "\n";
  return s;
}

}  // namespace qforge::noise
