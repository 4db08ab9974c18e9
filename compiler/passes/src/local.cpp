// Local rewrites on gate wires: inverse cancellation, rotation merging,
// commutation-aware cancellation, single-qubit fusion, Hadamard reduction.
//
// All of them work on per-qubit wires (the list of operation indices that
// touch each qubit) and mark operations deleted instead of moving them, so a
// rewrite at one place never invalidates another wire's indices.
//
// Commutation rule (CancelEngine::commutes): two gates commute when on every
// qubit they share both are diagonal in the Z basis on it (rz, cx control,
// cz, any control) or both diagonal in the X basis (x, rx, sx, cx target).
// Then each is a sum of projectors on the shared qubits times operators on
// disjoint qubits, and the products agree.
#include "qforge/passes.hpp"
#include "structured.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace qforge {
namespace {

using G = GateId;

double wrap(double t, double period) {
  t = std::remainder(t, period);
  if (t <= -period / 2) t += period;
  return t;
}

bool plain_gate(const Operation& op) { return op.kind == OpKind::Gate && op.conditions.empty(); }

bool commutes(const Operation& a, const Operation& b) {
  for (std::size_t i = 0; i < a.qubits.size(); ++i)
    for (std::size_t j = 0; j < b.qubits.size(); ++j) {
      if (a.qubits[i] != b.qubits[j]) continue;
      const PauliAxis x = operation_axis(a, i), y = operation_axis(b, j);
      if (x == PauliAxis::None || x != y) return false;
    }
  return true;
}

// exp(-i t/2 P) rotations with no control: t + 2pi is the same gate times -1.
bool has_half_period(const Operation& op) { return op.num_controls == 0 && rotation_has_half_period(op.gate); }

/// Normalise a constant rotation angle; true when the gate is now the
/// identity (the caller deletes it). Phase -1 goes to `phase`.
bool normalize_rotation(Operation& op, Expr& phase, double tol) {
  if (!is_rotation_gate(op.gate) || !op.params[0].is_const()) return false;
  double t = wrap(op.params[0].value(), rotation_period(op.gate));
  if (has_half_period(op) && op.conditions.empty()) {
    if (t > M_PI) { t -= 2 * M_PI; phase = phase + Expr(M_PI); }
    else if (t <= -M_PI) { t += 2 * M_PI; phase = phase + Expr(M_PI); }
  }
  op.params[0] = Expr(t);
  return std::abs(t) < tol;
}

bool same_targets(const Operation& a, const Operation& b) {
  return a.gate == b.gate && a.num_controls == b.num_controls && a.qubits == b.qubits;
}

bool is_inverse_pair(const Operation& a, const Operation& b) {
  if (a.num_controls != b.num_controls || a.qubits != b.qubits) return false;
  if (a.gate == b.gate) return gate_info(a.gate).hermitian;
  auto pair = [&](G x, G y) { return (a.gate == x && b.gate == y) || (a.gate == y && b.gate == x); };
  return pair(G::S, G::Sdg) || pair(G::T, G::Tdg) || pair(G::SX, G::SXdg);
}

struct Wires {
  std::vector<std::vector<uint32_t>> on;    // qubit -> op indices
  std::vector<std::vector<uint32_t>> pos;   // op -> position in on[qubits[k]]
  Wires(const Circuit& c) : on(c.num_qubits), pos(c.ops.size()) {
    for (uint32_t i = 0; i < c.ops.size(); ++i)
      for (uint32_t q : c.ops[i].qubits) {
        pos[i].push_back(static_cast<uint32_t>(on[q].size()));
        on[q].push_back(i);
      }
  }
};

void compact(Circuit& c, const std::vector<bool>& deleted) {
  std::vector<Operation> out;
  out.reserve(c.ops.size());
  for (std::size_t i = 0; i < c.ops.size(); ++i)
    if (!deleted[i]) out.push_back(std::move(c.ops[i]));
  c.ops.swap(out);
}

void tidy_phase(Circuit& c) {
  if (c.global_phase.is_const()) c.global_phase = Expr(wrap(c.global_phase.value(), 2 * M_PI));
}

// ------------------------------------------------------------ cancellation --

struct CancelOptions {
  bool commute = false, cancel = true, merge = false;
  uint32_t lookahead = 1;
  double tol = 1e-12;
};

class CancelEngine {
 public:
  CancelEngine(Circuit& c, CancelOptions o) : c_(c), o_(o), w_(c), del_(c.ops.size(), false) {}

  uint32_t run() {
    uint32_t removed = 0;
    Expr phase = c_.global_phase;
    for (uint32_t i = 0; i < c_.ops.size(); ++i) {
      if (del_[i] || !plain_gate(c_.ops[i])) continue;
      Operation& g = c_.ops[i];
      if (o_.merge && normalize_rotation(g, phase, o_.tol)) {
        del_[i] = true;
        ++removed;
        continue;
      }
      const uint32_t q0 = g.qubits[0];
      const auto& wire = w_.on[q0];
      uint32_t steps = 0;
      for (uint32_t p = w_.pos[i][0] + 1; p < wire.size() && steps < o_.lookahead; ++p) {
        const uint32_t j = wire[p];
        if (del_[j]) continue;
        ++steps;
        const Operation& h = c_.ops[j];
        if (!plain_gate(h)) break;
        const bool inv = o_.cancel && is_inverse_pair(g, h);
        const bool mrg = o_.merge && !inv && is_rotation_gate(g.gate) && same_targets(g, h);
        if (inv || mrg) {
          if (!between_ok(i, j)) break;
          if (inv) {
            del_[i] = del_[j] = true;
            removed += 2;
            break;
          }
          g.params[0] = g.params[0] + h.params[0];
          del_[j] = true;
          ++removed;
          if (normalize_rotation(g, phase, o_.tol)) {
            del_[i] = true;
            ++removed;
            break;
          }
          continue;
        }
        if (o_.commute && commutes(g, h)) continue;
        if (o_.commute) {
          // cx(x,y) [diagonal 1q gates] cx(x,y) is diagonal: skip it whole
          // when g is diagonal on the qubits it shares with it.
          int64_t m = diag_block_end(j);
          if (m >= 0 && z_type_on_shared(g, h)) {
            while (p + 1 < wire.size() && wire[p] != static_cast<uint32_t>(m)) ++p;
            continue;
          }
        }
        break;
      }
    }
    c_.global_phase = phase;
    if (removed) compact(c_, del_);
    tidy_phase(c_);
    return removed;
  }

 private:
  // Every live op strictly between i and j on g's wires commutes with g
  // (or, without commutation, there is none).
  bool between_ok(uint32_t i, uint32_t j) const {
    const Operation& g = c_.ops[i];
    for (std::size_t k = 1; k < g.qubits.size(); ++k) {
      const auto& wire = w_.on[g.qubits[k]];
      for (uint32_t p = w_.pos[i][k] + 1; p < wire.size() && wire[p] < j; ++p) {
        const uint32_t m = wire[p];
        if (del_[m]) continue;
        if (!o_.commute || !plain_gate(c_.ops[m])) return false;
        if (commutes(g, c_.ops[m])) continue;
        int64_t e = diag_block_end(m);
        if (e < 0 || e >= static_cast<int64_t>(j) || !z_type_on_shared(g, c_.ops[m])) return false;
        while (p + 1 < wire.size() && wire[p] != static_cast<uint32_t>(e)) ++p;
      }
    }
    return true;
  }

  static bool diag_1q(const Operation& op) {
    return plain_gate(op) && op.num_controls == 0 && op.qubits.size() == 1 && gate_info(op.gate).diagonal;
  }
  static bool z_type_on_shared(const Operation& g, const Operation& h) {
    for (std::size_t i = 0; i < g.qubits.size(); ++i)
      if (std::find(h.qubits.begin(), h.qubits.end(), g.qubits[i]) != h.qubits.end() && operation_axis(g, i) != PauliAxis::Z)
        return false;
    return true;
  }
  // If op j is cx(x,y) followed on both wires only by diagonal single-qubit
  // gates up to an identical cx(x,y), that closing cx's index; else -1.
  int64_t diag_block_end(uint32_t j) const {
    const Operation& h = c_.ops[j];
    if (!plain_gate(h) || h.gate != G::CX || h.num_controls) return -1;
    int64_t end = -1;
    for (std::size_t k = 0; k < 2; ++k) {
      const auto& wire = w_.on[h.qubits[k]];
      int64_t found = -1;
      for (uint32_t p = w_.pos[j][k] + 1; p < wire.size(); ++p) {
        const uint32_t m = wire[p];
        if (del_[m]) continue;
        const Operation& o = c_.ops[m];
        if (diag_1q(o)) continue;
        if (plain_gate(o) && o.gate == G::CX && o.num_controls == 0 && o.qubits == h.qubits) found = m;
        break;
      }
      if (found < 0 || (end >= 0 && end != found)) return -1;
      end = found;
    }
    return end;
  }

  Circuit& c_;
  CancelOptions o_;
  Wires w_;
  std::vector<bool> del_;
};

class CancelPass : public Pass {
 public:
  CancelPass(std::string name, CancelOptions o) : name_(std::move(name)), o_(o) {}
  std::string name() const override { return name_; }
  bool run(Circuit& c) override {
    uint32_t total = 0;
    for (int round = 0; round < 4; ++round) {
      uint32_t r = CancelEngine(c, o_).run();
      total += r;
      if (!r) break;
    }
    report_ = "removed " + std::to_string(total) + " gates";
    return total > 0;
  }

 private:
  std::string name_;
  CancelOptions o_;
};

// ------------------------------------------------------------------ fusion --

bool in_basis_1q(G g, Basis b) {
  switch (b) {
    case Basis::Nam: return g == G::H || g == G::X || g == G::RZ;
    case Basis::IbmEcr: case Basis::IbmCz: return g == G::SX || g == G::X || g == G::RZ;
    case Basis::Generic: return true;
  }
  return true;
}

bool const_1q(const Operation& op) {
  if (!plain_gate(op) || op.num_controls || gate_info(op.gate).num_qubits != 1) return false;
  for (const auto& p : op.params)
    if (!p.is_const()) return false;
  return true;
}

class FusionPass : public Pass {
 public:
  explicit FusionPass(SingleQubitFusionConfig cfg) : cfg_(cfg) {}
  std::string name() const override { return "single-qubit-fusion(" + basis_name(cfg_.basis) + ")"; }
  bool run(Circuit& c) override {
    const std::size_t n = c.ops.size();
    std::vector<bool> del(n, false);
    std::vector<std::vector<Operation>> repl(n);
    std::vector<std::vector<uint32_t>> run(c.num_qubits);
    double phase = 0;
    int64_t saved = 0;
    bool changed = false;
    auto flush = [&](uint32_t q) {
      auto& r = run[q];
      if (r.empty()) return;
      Mat2 m{1, 0, 0, 1};
      bool outside = false;
      for (uint32_t i : r) {
        m = mul(op_matrix_1q(c.ops[i]), m);
        outside = outside || !in_basis_1q(c.ops[i].gate, cfg_.basis);
      }
      double ph = 0;
      auto seq = synthesize_1q(m, cfg_.basis, ph);
      if (seq.size() < r.size() || outside) {
        for (uint32_t i : r) del[i] = true;
        for (auto& s : seq) {
          s.qubits = {q};
          s.loc = c.ops[r.back()].loc;
        }
        repl[r.back()] = std::move(seq);
        saved += static_cast<int64_t>(r.size()) - static_cast<int64_t>(repl[r.back()].size());
        phase += ph;
        changed = true;
      }
      r.clear();
    };
    for (uint32_t i = 0; i < n; ++i) {
      const Operation& op = c.ops[i];
      if (const_1q(op)) {
        run[op.qubits[0]].push_back(i);
        continue;
      }
      for (uint32_t q : op.qubits) flush(q);
      if (op.kind == OpKind::Barrier && op.qubits.empty())
        for (uint32_t q = 0; q < c.num_qubits; ++q) flush(q);
    }
    for (uint32_t q = 0; q < c.num_qubits; ++q) flush(q);
    report_ = "saved " + std::to_string(saved) + " gates";
    if (!changed) return false;
    std::vector<Operation> out;
    out.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
      if (!del[i]) out.push_back(std::move(c.ops[i]));
      for (auto& s : repl[i]) out.push_back(std::move(s));
    }
    c.ops.swap(out);
    c.global_phase = c.global_phase + Expr(phase);
    tidy_phase(c);
    return saved > 0;
  }

 private:
  SingleQubitFusionConfig cfg_;
};

// ------------------------------------------------------- Hadamard reduction --

bool is_rz_half_pi(const Operation& op, double& sign) {
  if (!const_1q(op) || op.gate != G::RZ) return false;
  double t = wrap(op.params[0].value(), 2 * M_PI);
  if (std::abs(t - M_PI / 2) < 1e-12) { sign = 1; return true; }
  if (std::abs(t + M_PI / 2) < 1e-12) { sign = -1; return true; }
  return false;
}

bool is_h(const Operation& op) { return plain_gate(op) && op.num_controls == 0 && op.gate == G::H; }
bool is_cx(const Operation& op) { return plain_gate(op) && op.num_controls == 0 && op.gate == G::CX; }

class HadamardPass : public Pass {
 public:
  std::string name() const override { return "hadamard-reduction"; }
  bool run(Circuit& c) override {
    uint32_t total = 0;
    for (int round = 0; round < 6; ++round) {
      uint32_t r = once(c);
      total += r;
      if (!r) break;
    }
    report_ = "applied " + std::to_string(total) + " rules";
    return total > 0;
  }

 private:
  // One sweep; rewrites never overlap (every touched op is marked used).
  uint32_t once(Circuit& c) {
    Wires w(c);
    const std::size_t n = c.ops.size();
    std::vector<bool> del(n, false), used(n, false);
    std::vector<std::vector<Operation>> before(n);  // inserted before op i
    std::vector<std::optional<Operation>> replace(n);
    double phase = 0;
    uint32_t applied = 0;
    auto next_on = [&](uint32_t i, std::size_t k, int dir) -> int64_t {
      const auto& wire = w.on[c.ops[i].qubits[k]];
      int64_t p = static_cast<int64_t>(w.pos[i][k]) + dir;
      if (p < 0 || p >= static_cast<int64_t>(wire.size())) return -1;
      return wire[p];
    };
    auto k_of = [&](uint32_t i, uint32_t q) -> std::size_t {
      const auto& qs = c.ops[i].qubits;
      return static_cast<std::size_t>(std::find(qs.begin(), qs.end(), q) - qs.begin());
    };
    for (uint32_t i = 0; i < n; ++i) {
      if (used[i]) continue;
      const Operation& op = c.ops[i];
      if (is_h(op)) {
        // Rule 1: h rz(+-pi/2) h -> rz(-+pi/2) h rz(-+pi/2).
        int64_t j = next_on(i, 0, 1);
        double s = 0;
        if (j < 0 || used[j] || !is_rz_half_pi(c.ops[j], s)) continue;
        int64_t k = next_on(static_cast<uint32_t>(j), 0, 1);
        if (k < 0 || used[k] || !is_h(c.ops[k])) continue;
        const uint32_t q = op.qubits[0];
        Mat2 old_m = mul(mul(op_matrix_1q(c.ops[i]), op_matrix_1q(c.ops[j])), op_matrix_1q(c.ops[k]));
        Operation r1 = make_gate(G::RZ, {q}, {Expr(-s * M_PI / 2)}), hh = make_gate(G::H, {q});
        Mat2 new_m = mul(mul(op_matrix_1q(r1), op_matrix_1q(hh)), op_matrix_1q(r1));
        cplx ov = 0;
        for (int e = 0; e < 4; ++e) ov += old_m[e] * std::conj(new_m[e]);
        phase += std::arg(ov);
        del[i] = del[j] = true;
        used[i] = used[j] = used[k] = true;
        replace[k] = r1;
        before[k] = {r1, hh};
        ++applied;
        continue;
      }
      if (is_cx(op)) {
        // Rule 2: h h cx h h -> reversed cx.
        const uint32_t a = op.qubits[0], b = op.qubits[1];
        int64_t pa = next_on(i, 0, -1), pb = next_on(i, 1, -1), na = next_on(i, 0, 1), nb = next_on(i, 1, 1);
        if (pa >= 0 && pb >= 0 && na >= 0 && nb >= 0 && !used[pa] && !used[pb] && !used[na] && !used[nb] &&
            is_h(c.ops[pa]) && is_h(c.ops[pb]) && is_h(c.ops[na]) && is_h(c.ops[nb])) {
          for (int64_t x : {pa, pb, na, nb}) del[x] = used[x] = true;
          used[i] = true;
          Operation r = op;
          r.qubits = {b, a};
          replace[i] = r;
          ++applied;
          continue;
        }
        // Rule 3: h(b) rz(s) cx(a,b) rz(-s) h(b) -> rz(-s) cx(a,b) rz(s), s = +-pi/2.
        (void)k_of;
        int64_t r1 = next_on(i, 1, -1), r2 = next_on(i, 1, 1);
        double s1 = 0, s2 = 0;
        if (r1 < 0 || r2 < 0 || used[r1] || used[r2] || !is_rz_half_pi(c.ops[r1], s1) ||
            !is_rz_half_pi(c.ops[r2], s2) || s1 != -s2)
          continue;
        int64_t h1 = next_on(static_cast<uint32_t>(r1), 0, -1), h2 = next_on(static_cast<uint32_t>(r2), 0, 1);
        if (h1 < 0 || h2 < 0 || used[h1] || used[h2] || !is_h(c.ops[h1]) || !is_h(c.ops[h2])) continue;
        for (int64_t x : {h1, h2}) del[x] = true;
        for (int64_t x : {h1, h2, r1, r2}) used[x] = true;
        used[i] = true;
        c.ops[r1].params[0] = Expr(-s1 * M_PI / 2);
        c.ops[r2].params[0] = Expr(-s2 * M_PI / 2);
        ++applied;
      }
    }
    if (!applied) return 0;
    std::vector<Operation> out;
    out.reserve(n + applied);
    for (uint32_t i = 0; i < n; ++i) {
      for (auto& b : before[i]) out.push_back(std::move(b));
      if (replace[i]) out.push_back(std::move(*replace[i]));
      else if (!del[i]) out.push_back(std::move(c.ops[i]));
    }
    c.ops.swap(out);
    c.global_phase = c.global_phase + Expr(phase);
    tidy_phase(c);
    return applied;
  }
};

// ---------------------------------------------------------------- fixpoint --

class FixpointPass : public Pass {
 public:
  FixpointPass(std::vector<std::unique_ptr<Pass>> passes, FixpointConfig cfg)
      : passes_(std::move(passes)), cfg_(std::move(cfg)) {}
  std::string name() const override { return cfg_.name; }
  void set_checks(bool on) override {
    checks_ = on;
    for (auto& p : passes_) p->set_checks(on);
  }
  std::string describe(int indent) const override {
    std::string s = std::string(indent, ' ') + name() + " (repeat until no change, at most " +
                    std::to_string(cfg_.max_rounds) + " rounds):\n";
    for (const auto& p : passes_) s += p->describe(indent + 2);
    return s;
  }
  bool run(Circuit& c) override {
    bool any = false;
    uint32_t rounds = 0;
    for (; rounds < cfg_.max_rounds; ++rounds) {
      bool changed = false;
      for (auto& p : passes_) changed = p->apply(c) || changed;
      any = any || changed;
      if (!changed) break;
    }
    report_ = std::to_string(rounds + 1 > cfg_.max_rounds ? cfg_.max_rounds : rounds + 1) + " round(s)";
    return any;
  }

 private:
  std::vector<std::unique_ptr<Pass>> passes_;
  FixpointConfig cfg_;
};

class BestOfPass : public Pass {
 public:
  BestOfPass(std::vector<std::unique_ptr<Pass>> alts, BestOfConfig cfg) : alts_(std::move(alts)), cfg_(std::move(cfg)) {}
  std::string name() const override { return cfg_.name; }
  void set_checks(bool on) override {
    checks_ = on;
    for (auto& p : alts_) p->set_checks(on);
  }
  std::string describe(int indent) const override {
    std::string s = std::string(indent, ' ') + name() + " (keep the cheapest of " + std::to_string(alts_.size()) +
                    " alternatives):\n";
    for (const auto& p : alts_) s += p->describe(indent + 2);
    return s;
  }
  bool run(Circuit& c) override {
    auto cost = [](const Circuit& x) {
      GateCounts g = count_gates(x);
      return g.total + g.two_qubit;
    };
    const uint64_t before = cost(c);
    Circuit best;
    uint64_t best_cost = UINT64_MAX;
    std::size_t best_i = 0;
    std::string all;  // gates/two-qubit gates of every alternative, for --verbose
    for (std::size_t i = 0; i < alts_.size(); ++i) {
      Circuit trial = c;
      alts_[i]->apply(trial);
      const GateCounts g = count_gates(trial);
      all += (i ? ", " : "") + std::to_string(g.total) + "/" + std::to_string(g.two_qubit);
      uint64_t k = cost(trial);
      if (k < best_cost) { best_cost = k; best = std::move(trial); best_i = i; }
    }
    report_ = "alternative " + std::to_string(best_i + 1) + " (" + alts_[best_i]->name() + ") of " + all;
    if (best_cost >= before) return false;
    c = std::move(best);
    return true;
  }

 private:
  std::vector<std::unique_ptr<Pass>> alts_;
  BestOfConfig cfg_;
};

}  // namespace

std::unique_ptr<Pass> createBestOfPass(std::vector<std::unique_ptr<Pass>> alts, BestOfConfig cfg) {
  return around_classical(std::make_unique<BestOfPass>(std::move(alts), std::move(cfg)));
}


std::unique_ptr<Pass> createInverseCancellationPass(InverseCancellationConfig) {
  CancelOptions o;
  o.commute = false;
  o.cancel = true;
  o.merge = false;
  o.lookahead = 1;
  return around_classical(std::make_unique<CancelPass>("inverse-cancellation", o));
}

std::unique_ptr<Pass> createRotationMergePass(RotationMergeConfig cfg) {
  CancelOptions o;
  o.commute = false;
  o.cancel = false;
  o.merge = true;
  o.lookahead = 1;
  o.tol = cfg.tolerance;
  return around_classical(std::make_unique<CancelPass>("rotation-merge", o));
}

std::unique_ptr<Pass> createCommutationCancellationPass(CommutationCancellationConfig cfg) {
  CancelOptions o;
  o.commute = true;
  o.cancel = true;
  o.merge = true;
  o.lookahead = cfg.max_lookahead;
  o.tol = cfg.tolerance;
  return around_classical(std::make_unique<CancelPass>("commutation-cancellation", o));
}

std::unique_ptr<Pass> createSingleQubitFusionPass(SingleQubitFusionConfig cfg) {
  return around_classical(std::make_unique<FusionPass>(cfg));
}

std::unique_ptr<Pass> createHadamardReductionPass(HadamardReductionConfig) {
  return around_classical(std::make_unique<HadamardPass>());
}

std::unique_ptr<Pass> createFixpointPass(std::vector<std::unique_ptr<Pass>> passes, FixpointConfig cfg) {
  return around_classical(std::make_unique<FixpointPass>(std::move(passes), std::move(cfg)));
}

}  // namespace qforge
