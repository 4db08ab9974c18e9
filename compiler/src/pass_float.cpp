// Rotation floating across regions (see qforge/passes.hpp).
//
// In a {h, x, cx, rz} circuit every wire holds, at every point, an affine
// parity of path variables: the inputs and one fresh variable per h (the
// sum-over-paths form of Amy, Maslov, Mosca 2014). The unitary is fixed by
// the h gates, the final parities and the phase polynomial, the sum of each
// rz angle on the parity its wire holds. So an rz can move to any other point
// where some wire holds the same parity (angle negated when the constant part
// differs) and the circuit stays the same, global phase included. Phase
// folding keeps one rz per parity at one of those points; which one decides
// which {cx, x, rz} region has to show the parity, and so how many cx that
// region's resynthesis needs. This pass tries, rotation by rotation, the
// other points, runs the cleanup passes it is given on each trial, and keeps
// a move when the circuit gets cheaper (fewer two-qubit gates, then fewer
// gates).
#include "qforge/passes.hpp"

#include <algorithm>
#include <unordered_map>

namespace qforge {
namespace {

// An affine parity over path variables: bit v of `bits` is variable v.
struct Parity {
  std::vector<uint64_t> bits;
  bool flip = false;
  void toggle(uint32_t v) {
    if (bits.size() <= v / 64) bits.resize(v / 64 + 1, 0);
    bits[v / 64] ^= uint64_t(1) << (v % 64);
  }
  void add(const Parity& o) {
    if (bits.size() < o.bits.size()) bits.resize(o.bits.size(), 0);
    for (std::size_t i = 0; i < o.bits.size(); ++i) bits[i] ^= o.bits[i];
    flip ^= o.flip;
  }
  // The linear part, without trailing zero words (equal parities, equal keys).
  std::vector<uint64_t> linear() const {
    std::vector<uint64_t> b = bits;
    while (!b.empty() && !b.back()) b.pop_back();
    return b;
  }
};

struct VecHash {
  std::size_t operator()(const std::vector<uint64_t>& v) const {
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ v.size();
    for (uint64_t w : v) h = (h ^ w) * 0xFF51AFD7ED558CCDULL + (h >> 29);
    return static_cast<std::size_t>(h);
  }
};

// A point where wire `qubit` takes a new value: after op `after` (-1: at
// the start of the circuit).
struct Point {
  int64_t after;
  uint32_t qubit;
  bool flip;  // the constant part of the parity there
};

bool supported(const Circuit& c) {
  for (const auto& op : c.ops) {
    if (op.kind != OpKind::Gate || !op.conditions.empty() || op.num_controls) return false;
    if (op.gate != GateId::H && op.gate != GateId::X && op.gate != GateId::CX && op.gate != GateId::RZ) return false;
  }
  return true;
}

uint64_t cost(const Circuit& c) {
  const GateCounts g = count_gates(c);
  return uint64_t(g.two_qubit) << 32 | g.total;
}

constexpr int64_t kMargin = 48;  // ops cleaned up on either side of a trial's stretch

// Ops [lo, hi) of c as a circuit of its own, with no global phase.
Circuit slice(const Circuit& c, std::size_t lo, std::size_t hi) {
  Circuit out;
  out.num_qubits = c.num_qubits;
  out.num_clbits = c.num_clbits;
  out.inputs = c.inputs;
  out.source_version = c.source_version;
  out.ops.assign(c.ops.begin() + static_cast<std::ptrdiff_t>(lo), c.ops.begin() + static_cast<std::ptrdiff_t>(hi));
  return out;
}

// Put `trial` (a rewritten and cleaned-up c.ops[lo, hi)) in its place.
void splice(Circuit& c, std::size_t lo, std::size_t hi, Circuit& trial) {
  std::vector<Operation> ops(c.ops.begin(), c.ops.begin() + static_cast<std::ptrdiff_t>(lo));
  for (auto& op : trial.ops) ops.push_back(std::move(op));
  ops.insert(ops.end(), c.ops.begin() + static_cast<std::ptrdiff_t>(hi), c.ops.end());
  c.ops.swap(ops);
  c.global_phase = c.global_phase + trial.global_phase;
}

class RotationFloatingPass : public Pass {
 public:
  RotationFloatingPass(std::unique_ptr<Pass> cleanup, RotationFloatingConfig cfg)
      : cleanup_(std::move(cleanup)), cfg_(cfg) {}
  std::string name() const override { return "rotation-floating"; }
  std::string describe(int indent) const override {
    return std::string(indent, ' ') + name() + " (each trial then:)\n" + cleanup_->describe(indent + 2);
  }

  bool run(Circuit& c) override {
    report_.clear();
    if (!supported(c)) {
      report_ = "skipped: only {h, x, cx, rz} circuits";
      return false;
    }
    // Every point keeps its parity: points x (variables / 64) words.
    std::size_t hs = 0;
    for (const auto& op : c.ops) hs += op.gate == GateId::H;
    const std::size_t words = (c.ops.size() + c.num_qubits) * ((c.num_qubits + hs) / 64 + 1);
    if (words > cfg_.max_words) {
      report_ = "skipped: " + std::to_string(words) + " words of parities, over " + std::to_string(cfg_.max_words);
      return false;
    }
    std::size_t trials = 0, moves = 0;
    // Rotations are visited in circuit order; after a move the circuit is
    // analysed again and the walk goes on from the next rotation.
    std::vector<Point> points;
    std::unordered_map<std::vector<uint64_t>, std::vector<uint32_t>, VecHash> at;  // parity -> points
    std::vector<int64_t> home;  // rz op -> its point, -1 if not an rz
    std::vector<int64_t> rz;    // the rz ops in circuit order
    bool stale = true;
    for (std::size_t rank = 0; trials < cfg_.max_trials; ++rank) {
      if (stale) {
        points.clear();
        at.clear();
        analyse(c, points, at, home);
        rz.clear();
        for (std::size_t i = 0; i < c.ops.size(); ++i)
          if (c.ops[i].gate == GateId::RZ) rz.push_back(static_cast<int64_t>(i));
        stale = false;
      }
      if (rank >= rz.size()) break;
      const int64_t r = rz[rank];
      const Point& own = points[static_cast<std::size_t>(home[r])];
      const auto& same = at[parity_key_[static_cast<std::size_t>(home[r])]];
      std::size_t tried = 0;
      for (uint32_t p : same) {
        if (p == static_cast<uint32_t>(home[r]) || tried >= cfg_.max_points || trials >= cfg_.max_trials) continue;
        const Point& to = points[p];
        // Next to where it is already (same wire, same value): nothing to gain.
        if (to.qubit == own.qubit && to.after == own.after) continue;
        // Far apart: the regions between are out of reach of the cleanup.
        const int64_t lo_point = std::min<int64_t>(r, to.after + 1), hi_point = std::max<int64_t>(r, to.after);
        if (hi_point - lo_point > static_cast<int64_t>(cfg_.max_distance)) continue;
        ++tried;
        ++trials;
        // Only the ops between the two points, and a margin, are cleaned up
        // and compared: any contiguous stretch of a circuit is a circuit.
        const std::size_t lo = static_cast<std::size_t>(std::max<int64_t>(0, lo_point - kMargin));
        const std::size_t hi = std::min<std::size_t>(c.ops.size(), static_cast<std::size_t>(hi_point + kMargin + 1));
        Circuit before = slice(c, lo, hi);
        Circuit trial = moved(before, static_cast<std::size_t>(r) - lo, {to.after - static_cast<int64_t>(lo), to.qubit, to.flip},
                              own.flip != to.flip);
        cleanup_->run(trial);
        if (cost(trial) < cost(before)) {
          splice(c, lo, hi, trial);
          ++moves;
          stale = true;
          break;
        }
      }
    }
    report_ = std::to_string(moves) + " rotations moved in " + std::to_string(trials) + " trials";
    return moves > 0;
  }

 private:
  // Every point where a wire takes a new value, grouped by linear parity;
  // home[i]: the point an rz at op i sits on.
  void analyse(const Circuit& c, std::vector<Point>& points,
               std::unordered_map<std::vector<uint64_t>, std::vector<uint32_t>, VecHash>& at,
               std::vector<int64_t>& home) {
    const uint32_t n = c.num_qubits;
    std::vector<Parity> wire(n);
    std::vector<uint32_t> current(n);  // wire -> its latest point
    parity_key_.clear();
    uint32_t vars = 0;
    auto add_point = [&](int64_t after, uint32_t q) {
      current[q] = static_cast<uint32_t>(points.size());
      points.push_back({after, q, wire[q].flip});
      parity_key_.push_back(wire[q].linear());
      at[parity_key_.back()].push_back(current[q]);
    };
    for (uint32_t q = 0; q < n; ++q) {
      wire[q].toggle(vars++);
      add_point(-1, q);
    }
    home.assign(c.ops.size(), -1);
    for (std::size_t i = 0; i < c.ops.size(); ++i) {
      const Operation& op = c.ops[i];
      const int64_t k = static_cast<int64_t>(i);
      switch (op.gate) {
        case GateId::H:
          wire[op.qubits[0]] = Parity();
          wire[op.qubits[0]].toggle(vars++);
          add_point(k, op.qubits[0]);
          break;
        case GateId::X:
          wire[op.qubits[0]].flip ^= true;
          add_point(k, op.qubits[0]);
          break;
        case GateId::CX:
          wire[op.qubits[1]].add(wire[op.qubits[0]]);
          add_point(k, op.qubits[1]);
          break;
        default:  // rz
          home[i] = current[op.qubits[0]];
          break;
      }
    }
  }

  // c with the rz at op r moved to point `to` (angle negated if `negate`).
  static Circuit moved(const Circuit& c, std::size_t r, const Point& to, bool negate) {
    Circuit out = c;
    out.ops.clear();
    out.ops.reserve(c.ops.size());
    Operation rz = c.ops[r];
    rz.qubits = {to.qubit};
    if (negate) rz.params[0] = -rz.params[0];
    if (to.after < 0) out.ops.push_back(rz);
    for (std::size_t i = 0; i < c.ops.size(); ++i) {
      if (i != r) out.ops.push_back(c.ops[i]);
      if (static_cast<int64_t>(i) == to.after) out.ops.push_back(rz);
    }
    return out;
  }

  std::unique_ptr<Pass> cleanup_;
  RotationFloatingConfig cfg_;
  std::vector<std::vector<uint64_t>> parity_key_;  // per point, from the last analyse()
};

// Between two h on a wire w that only cx touch (as control or target),
// h(w) cx(w,a) h(w) = h(a) cx(a,w) h(a) and h(w) cx(b,w) h(w) = h(b) cx(w,b) h(b):
// the two h go, every cx turns round with h on its other qubit. That moves
// where {cx, x, rz} regions start and end, which phase folding and region
// resynthesis then use; most of the new h cancel against their neighbours.
class HadamardFlipPass : public Pass {
 public:
  HadamardFlipPass(std::unique_ptr<Pass> cleanup, HadamardFlipConfig cfg) : cleanup_(std::move(cleanup)), cfg_(cfg) {}
  std::string name() const override { return "hadamard-flip"; }
  std::string describe(int indent) const override {
    return std::string(indent, ' ') + name() + " (each trial then:)\n" + cleanup_->describe(indent + 2);
  }

  bool run(Circuit& c) override {
    report_.clear();
    if (!supported(c)) {
      report_ = "skipped: only {h, x, cx, rz} circuits";
      return false;
    }
    std::size_t trials = 0, flips = 0;
    auto ops_on = [&](uint32_t w) {
      std::vector<std::size_t> on;
      for (std::size_t i = 0; i < c.ops.size(); ++i)
        if (std::find(c.ops[i].qubits.begin(), c.ops[i].qubits.end(), w) != c.ops[i].qubits.end()) on.push_back(i);
      return on;
    };
    // Pairs of h are visited wire by wire, in circuit order; after a flip
    // the wire is read again and the walk goes on from the same place.
    for (uint32_t w = 0; w < c.num_qubits && trials < cfg_.max_trials; ++w) {
      std::vector<std::size_t> on = ops_on(w);
      for (std::size_t k = 0; k < on.size() && trials < cfg_.max_trials;) {
        if (c.ops[on[k]].gate != GateId::H) { ++k; continue; }
        std::size_t m = k + 1;
        while (m < on.size() && c.ops[on[m]].gate == GateId::CX) ++m;
        if (m == on.size()) break;
        // Not a pair with cx between: the walk goes on from on[m].
        if (m == k + 1 || c.ops[on[m]].gate != GateId::H || on[m] - on[k] > cfg_.max_span) { k = m; continue; }
        const std::size_t first = on[k], last = on[m];
        ++trials;
        const std::size_t lo = static_cast<std::size_t>(std::max<int64_t>(0, static_cast<int64_t>(first) - kMargin));
        const std::size_t hi = std::min<std::size_t>(c.ops.size(), last + static_cast<std::size_t>(kMargin) + 1);
        Circuit before = slice(c, lo, hi);
        Circuit trial = before;
        trial.ops.clear();
        for (std::size_t i = lo; i < hi; ++i) {
          const Operation& op = c.ops[i];
          if (i == first || i == last) continue;
          const bool touches = std::find(op.qubits.begin(), op.qubits.end(), w) != op.qubits.end();
          if (i < first || i > last || !touches) {
            trial.ops.push_back(op);
            continue;
          }
          const uint32_t other = op.qubits[0] == w ? op.qubits[1] : op.qubits[0];
          trial.ops.push_back(make_gate(GateId::H, {other}));
          trial.ops.push_back(make_gate(GateId::CX, {op.qubits[1], op.qubits[0]}));
          trial.ops.push_back(make_gate(GateId::H, {other}));
        }
        cleanup_->run(trial);
        if (cost(trial) < cost(before)) {
          splice(c, lo, hi, trial);
          ++flips;
          on = ops_on(w);  // and look at position k again
        } else {
          k = m;
        }
      }
    }
    report_ = std::to_string(flips) + " flips kept of " + std::to_string(trials) + " tried";
    return flips > 0;
  }

 private:
  std::unique_ptr<Pass> cleanup_;
  HadamardFlipConfig cfg_;
};

}  // namespace

std::unique_ptr<Pass> createRotationFloatingPass(std::unique_ptr<Pass> cleanup, RotationFloatingConfig cfg) {
  return std::make_unique<RotationFloatingPass>(std::move(cleanup), cfg);
}

std::unique_ptr<Pass> createHadamardFlipPass(std::unique_ptr<Pass> cleanup, HadamardFlipConfig cfg) {
  return std::make_unique<HadamardFlipPass>(std::move(cleanup), cfg);
}

}  // namespace qforge
