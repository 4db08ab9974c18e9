// Local searches over {h, x, cx, rz} circuits (see qforge/passes.hpp):
// rotation floating and Hadamard flips. Each tries one rewrite of a stretch
// of the circuit at a time, runs the cleanup passes it is given on that
// stretch (any contiguous stretch of a circuit is a circuit), and keeps the
// rewrite when the stretch gets cheaper (fewer two-qubit gates, then fewer
// gates).
//
// Rotation floating: every wire holds, at every point, an affine parity of
// path variables: the inputs and one fresh variable per h (the
// sum-over-paths form of Amy, Maslov, Mosca 2014). The unitary is fixed by
// the h gates, the final parities and the phase polynomial, the sum of each
// rz angle on the parity its wire holds. So an rz can move to any other point
// where some wire holds the same parity (angle negated when the constant part
// differs) and the circuit stays the same, global phase included. Phase
// folding keeps one rz per parity at one of those points; which one decides
// which {cx, x, rz} region has to show the parity, and so how many cx that
// region's resynthesis needs.
//
// Hadamard flips: between two h on a wire w that only cx touch (as control
// or target), h(w) cx(w,a) h(w) = h(a) cx(a,w) h(a) and h(w) cx(b,w) h(w) =
// h(b) cx(w,b) h(b): the two h go, every cx turns round with h on its other
// qubit. That moves where {cx, x, rz} regions start and end, which phase
// folding and region resynthesis then use; most of the new h cancel against
// their neighbours.
#include "qforge/passes.hpp"
#include "structured.hpp"

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

// The shell both searches share: the cleanup, the gate-set check, and one
// trial on a stretch of the circuit.
class LocalSearchPass : public Pass {
 public:
  explicit LocalSearchPass(std::unique_ptr<Pass> cleanup) : cleanup_(std::move(cleanup)) {}
  void set_checks(bool on) override {
    checks_ = on;
    cleanup_->set_checks(on);
  }
  std::string describe(int indent) const override {
    return std::string(indent, ' ') + name() + " (each trial then:)\n" + cleanup_->describe(indent + 2);
  }
  bool run(Circuit& c) final {
    report_.clear();
    if (!supported(c)) {
      report_ = "skipped: only {h, x, cx, rz} circuits";
      return false;
    }
    return search(c);
  }

 protected:
  virtual bool search(Circuit& c) = 0;

  // One trial: ops [first, last] of c, with kMargin ops on either side,
  // taken out as a circuit of their own (no global phase), rewritten by
  // `rewrite` (which gets the offset of the stretch in c), cleaned up, and
  // put back in their place when that made them cheaper.
  template <typename F>
  bool try_stretch(Circuit& c, std::size_t first, std::size_t last, F&& rewrite) {
    const std::size_t lo = first > kMargin ? first - kMargin : 0;
    const std::size_t hi = std::min<std::size_t>(c.ops.size(), last + kMargin + 1);
    Circuit before;
    before.num_qubits = c.num_qubits;
    before.num_clbits = c.num_clbits;
    before.inputs = c.inputs;
    before.source_version = c.source_version;
    before.ops.assign(c.ops.begin() + static_cast<std::ptrdiff_t>(lo), c.ops.begin() + static_cast<std::ptrdiff_t>(hi));
    Circuit trial = before;
    rewrite(trial, lo);
    cleanup_->apply(trial);
    if (!(cost(trial) < cost(before))) return false;
    std::vector<Operation> ops(c.ops.begin(), c.ops.begin() + static_cast<std::ptrdiff_t>(lo));
    for (auto& op : trial.ops) ops.push_back(std::move(op));
    ops.insert(ops.end(), c.ops.begin() + static_cast<std::ptrdiff_t>(hi), c.ops.end());
    c.ops.swap(ops);
    c.global_phase = c.global_phase + trial.global_phase;
    return true;
  }

 private:
  static constexpr std::size_t kMargin = 48;  // ops cleaned up on either side of a trial's stretch
  std::unique_ptr<Pass> cleanup_;
};

class RotationFloatingPass : public LocalSearchPass {
 public:
  RotationFloatingPass(std::unique_ptr<Pass> cleanup, RotationFloatingConfig cfg)
      : LocalSearchPass(std::move(cleanup)), cfg_(cfg) {}
  std::string name() const override { return "rotation-floating"; }

 protected:
  bool search(Circuit& c) override {
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
    Analysis an;
    std::vector<std::size_t> rz;  // the rz ops in circuit order
    bool stale = true;
    for (std::size_t rank = 0; trials < cfg_.max_trials; ++rank) {
      if (stale) {
        an = analyse(c);
        rz.clear();
        for (std::size_t i = 0; i < c.ops.size(); ++i)
          if (an.home[i] >= 0) rz.push_back(i);
        stale = false;
      }
      if (rank >= rz.size()) break;
      const std::size_t r = rz[rank];
      const uint32_t home = static_cast<uint32_t>(an.home[r]);
      const Point& own = an.points[home];
      std::size_t tried = 0;
      for (uint32_t p : an.groups[an.group_of[home]]) {
        if (p == home || tried >= cfg_.max_points || trials >= cfg_.max_trials) continue;
        const Point& to = an.points[p];
        // Next to where it is already (same wire, same value): nothing to gain.
        if (to.qubit == own.qubit && to.after == own.after) continue;
        // Far apart: the regions between are out of reach of the cleanup.
        const int64_t first = std::min<int64_t>(static_cast<int64_t>(r), to.after + 1);
        const int64_t last = std::max<int64_t>(static_cast<int64_t>(r), to.after);
        if (last - first > static_cast<int64_t>(cfg_.max_distance)) continue;
        ++tried;
        ++trials;
        const bool kept = try_stretch(c, static_cast<std::size_t>(first), static_cast<std::size_t>(last),
                                      [&](Circuit& s, std::size_t lo) {
                                        move(s, r - lo, to.after - static_cast<int64_t>(lo), to.qubit,
                                             own.flip != to.flip);
                                      });
        if (kept) {
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
  struct Analysis {
    std::vector<Point> points;
    std::vector<std::vector<uint32_t>> groups;  // points with one linear parity
    std::vector<uint32_t> group_of;             // point -> its group
    std::vector<int64_t> home;                  // op -> the point an rz sits on, -1 for other ops
  };

  // Every point where a wire takes a new value, grouped by linear parity.
  static Analysis analyse(const Circuit& c) {
    Analysis an;
    const uint32_t n = c.num_qubits;
    std::vector<Parity> wire(n);
    std::vector<uint32_t> current(n);  // wire -> its latest point
    std::unordered_map<std::vector<uint64_t>, uint32_t, VecHash> group;  // linear parity -> group
    uint32_t vars = 0;
    auto add_point = [&](int64_t after, uint32_t q) {
      current[q] = static_cast<uint32_t>(an.points.size());
      an.points.push_back({after, q, wire[q].flip});
      auto [it, added] = group.emplace(wire[q].linear(), static_cast<uint32_t>(an.groups.size()));
      if (added) an.groups.emplace_back();
      an.groups[it->second].push_back(current[q]);
      an.group_of.push_back(it->second);
    };
    for (uint32_t q = 0; q < n; ++q) {
      wire[q].toggle(vars++);
      add_point(-1, q);
    }
    an.home.assign(c.ops.size(), -1);
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
          an.home[i] = current[op.qubits[0]];
          break;
      }
    }
    return an;
  }

  // Move the rz at op r of s to wire q just after op `after` (-1: at the
  // start), its angle negated if `negate`.
  static void move(Circuit& s, std::size_t r, int64_t after, uint32_t q, bool negate) {
    Operation rz = s.ops[r];
    rz.qubits = {q};
    if (negate) rz.params[0] = -rz.params[0];
    std::vector<Operation> ops;
    ops.reserve(s.ops.size());
    if (after < 0) ops.push_back(rz);
    for (std::size_t i = 0; i < s.ops.size(); ++i) {
      if (i != r) ops.push_back(s.ops[i]);
      if (static_cast<int64_t>(i) == after) ops.push_back(rz);
    }
    s.ops.swap(ops);
  }

  RotationFloatingConfig cfg_;
};

class HadamardFlipPass : public LocalSearchPass {
 public:
  HadamardFlipPass(std::unique_ptr<Pass> cleanup, HadamardFlipConfig cfg)
      : LocalSearchPass(std::move(cleanup)), cfg_(cfg) {}
  std::string name() const override { return "hadamard-flip"; }

 protected:
  bool search(Circuit& c) override {
    std::size_t trials = 0, flips = 0;
    auto on_wire = [](const Operation& op, uint32_t w) {
      return std::find(op.qubits.begin(), op.qubits.end(), w) != op.qubits.end();
    };
    auto ops_on = [&](uint32_t w) {
      std::vector<std::size_t> on;
      for (std::size_t i = 0; i < c.ops.size(); ++i)
        if (on_wire(c.ops[i], w)) on.push_back(i);
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
        const bool kept = try_stretch(c, first, last, [&](Circuit& s, std::size_t lo) {
          std::vector<Operation> ops;
          for (std::size_t i = 0; i < s.ops.size(); ++i) {
            const Operation& op = s.ops[i];
            const std::size_t at = lo + i;
            if (at == first || at == last) continue;
            if (at < first || at > last || !on_wire(op, w)) {
              ops.push_back(op);
              continue;
            }
            const uint32_t other = op.qubits[0] == w ? op.qubits[1] : op.qubits[0];
            ops.push_back(make_gate(GateId::H, {other}));
            ops.push_back(make_gate(GateId::CX, {op.qubits[1], op.qubits[0]}));
            ops.push_back(make_gate(GateId::H, {other}));
          }
          s.ops.swap(ops);
        });
        if (kept) {
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
  HadamardFlipConfig cfg_;
};

}  // namespace

std::unique_ptr<Pass> createRotationFloatingPass(std::unique_ptr<Pass> cleanup, RotationFloatingConfig cfg) {
  return around_classical(std::make_unique<RotationFloatingPass>(std::move(cleanup), cfg));
}

std::unique_ptr<Pass> createHadamardFlipPass(std::unique_ptr<Pass> cleanup, HadamardFlipConfig cfg) {
  return around_classical(std::make_unique<HadamardFlipPass>(std::move(cleanup), cfg));
}

}  // namespace qforge
