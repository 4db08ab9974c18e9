// Path sums for Clifford+T circuits (see pathsum.hpp).
#include "qforge/pathsum.hpp"

#include "qforge/synthesis.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace qforge::pathsum {
namespace {

using Var = uint32_t;
using Mono = std::vector<Var>;  // a product of distinct variables, sorted; {} is 1
using Poly = std::vector<Mono>;  // a sum over GF(2) of distinct monomials, sorted

struct MonoHash {
  std::size_t operator()(const Mono& m) const {
    std::size_t h = m.size();
    for (Var v : m) h = (h ^ v) * 0x9e3779b97f4a7c15ull + (h >> 29);
    return h;
  }
};

struct PolyHash {
  std::size_t operator()(const Poly& p) const {
    std::size_t h = p.size();
    for (const Mono& m : p) h = (h ^ MonoHash{}(m)) * 0x9e3779b97f4a7c15ull + (h >> 29);
    return h;
  }
};

Mono unite(const Mono& a, const Mono& b) {
  Mono r;
  r.reserve(a.size() + b.size());
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(r));
  return r;
}

Mono without(const Mono& m, Var v) {
  Mono r;
  for (Var u : m)
    if (u != v) r.push_back(u);
  return r;
}

bool contains(const Mono& m, Var v) { return std::binary_search(m.begin(), m.end(), v); }

// Sorted, with pairs of equal monomials cancelled (x + x = 0 over GF(2)).
Poly normalise(std::vector<Mono> v) {
  std::sort(v.begin(), v.end());
  Poly out;
  for (std::size_t i = 0; i < v.size();) {
    std::size_t j = i;
    while (j < v.size() && v[j] == v[i]) ++j;
    if ((j - i) % 2) out.push_back(v[i]);
    i = j;
  }
  return out;
}

struct OverBudget {};

// Work counted against a budget: every monomial formed, in the phase
// polynomial and in the outputs. A Toffoli's output is the product of its
// controls' polynomials, so a chain of them can multiply the monomials of the
// outputs at every gate (doubly exponential growth): without this count such a
// chain ran on for hours instead of handing over to the next engine. Two
// budgets: the larger while the path variables are few (the rules remove
// them as the gates come: a long routed circuit), the smaller once they pile
// up (the rules are stuck, and the sum is unlikely to close).
struct Work {
  uint64_t done = 0;
  uint64_t budget = 0;        // while not crowded
  uint64_t crowded_budget = 0;
  bool crowded = false;
  void charge(uint64_t n) {
    done += n;
    if (done > budget || (crowded && done > crowded_budget)) throw OverBudget{};
  }
};

Poly plus(const Poly& a, const Poly& b, Work& work) {
  work.charge(a.size() + b.size());
  std::vector<Mono> all(a);
  all.insert(all.end(), b.begin(), b.end());
  return normalise(std::move(all));
}

Poly times(const Poly& a, const Poly& b, Work& work) {
  work.charge(a.size() * b.size());
  std::vector<Mono> all;
  all.reserve(a.size() * b.size());
  for (const Mono& x : a)
    for (const Mono& y : b) all.push_back(unite(x, y));
  return normalise(std::move(all));
}

// Parities of more terms are not lifted (their cubic part grows as n^3).
constexpr std::size_t kMaxLifted = 24;
// Monomials formed per gate (with 2^16 more) before giving up: the routed
// -O3 outputs of gf2^16_mult need about 100, those of gf2^32_mult about 270.
// Once more than kCrowded path variables per qubit are alive at once, the
// smaller budget applies (ham15-high's stuck sums reach 30 per qubit, and
// its routed output for ibm_heron, proved with 17 per qubit, needs 30 a
// gate; the gf2 multipliers' routed outputs stay below 1 per qubit).
constexpr uint64_t kWorkPerGate = 400;
constexpr uint64_t kCrowdedWorkPerGate = 48;
constexpr std::size_t kCrowded = 4;
// An angle this close to a multiple of pi/4 is that multiple.
constexpr double kAngleTolerance = 1e-9;

// How a gate is applied: as itself, its inverse, or its complex conjugate.
enum class Dir { Forward, Inverse, Conjugate };

class PathSum {
 public:
  PathSum(uint32_t n, uint32_t num_inputs, bool hold)
      : wire_(n), held_h_(n, false), hold_(hold), first_path_(num_inputs), out_count_(num_inputs, 0) {}

  void set_input(uint32_t q, Var x) { set_wire(q, {{x}}); }

  // A new path variable on the wires `qs` (a sum over it: the inputs of a
  // sum over a Bell state).
  void set_summed_input(const std::vector<uint32_t>& qs) {
    const Var y = new_path_variable();
    for (uint32_t q : qs) set_wire(q, {{y}});
  }

  // Applies one operation (its inverse or its complex conjugate when `dir`
  // says so); false when it is not a gate the path sum handles.
  bool apply(const Operation& op, const std::vector<uint32_t>& map, Dir dir) {
    if (op.kind == OpKind::Barrier || op.kind == OpKind::Delay) return true;
    if (op.kind != OpKind::Gate) return false;
    std::vector<uint32_t> q;
    for (uint32_t x : op.qubits) q.push_back(map[x]);
    const std::size_t nc = op.num_controls;
    if (nc == 0 && (op.gate == GateId::H || op.gate == GateId::CZ || op.gate == GateId::X || op.gate == GateId::Z ||
                    op.gate == GateId::CX))
      return clifford_on_held(op.gate, q);
    if (op.gate != GateId::Swap || nc)
      for (uint32_t w : q) settle(w);
    // The product of the extra controls' values (1 when there are none).
    auto controls = [&](std::size_t count) {
      Poly p{{}};
      for (std::size_t i = 0; i < count; ++i) p = times(p, wire_[q[i]], work_);
      return p;
    };
    const int sign = dir == Dir::Forward ? 1 : -1;
    auto rotation = [&](int k) {  // diag(1, w^k) on the last qubit, under the controls
      add_parity(times(controls(q.size() - 1), wire_[q.back()], work_), sign * k);
      return true;
    };
    switch (op.gate) {
      case GateId::I: return true;
      case GateId::X:
      case GateId::CX:
      case GateId::CCX: {
        Poly flip = controls(q.size() - 1);
        set_wire(q.back(), plus(wire_[q.back()], flip, work_));
        return true;
      }
      case GateId::Z:
      case GateId::CZ:
      case GateId::CCZ: return rotation(4);
      case GateId::S: return rotation(2);
      case GateId::Sdg: return rotation(6);
      case GateId::T: return rotation(1);
      case GateId::Tdg: return rotation(7);
      case GateId::Y:  // i X Z, its own inverse; its conjugate is -i X Z
        if (nc) return false;
        rotation(4);
        set_wire(q[0], plus(wire_[q[0]], {{}}, work_));
        phase_ += dir == Dir::Conjugate ? -M_PI / 2 : M_PI / 2;
        return true;
      case GateId::RZ:
      case GateId::P:
      case GateId::U1: {
        if (nc || !op.params[0].is_const()) return false;
        const double theta = op.params[0].value();
        const double k = std::round(theta / (M_PI / 4));
        if (op.gate == GateId::RZ) phase_ -= sign * theta / 2;  // rz = e^(-i theta/2) diag(1, e^(i theta))
        if (std::abs(theta - k * M_PI / 4) > kAngleTolerance) {
          add_angle(wire_[q.back()], sign * theta);
          return true;
        }
        return rotation(static_cast<int>(std::fmod(k, 8.0)));
      }
      case GateId::Swap:
        if (!nc) {
          std::swap(wire_[q[0]], wire_[q[1]]);
          std::vector<bool>::swap(held_h_[q[0]], held_h_[q[1]]);
          return true;
        }
        [[fallthrough]];
      case GateId::CSwap: {  // under the controls c, a and b swap: both gain c (a + b)
        const std::size_t n = q.size();
        const Poly flip = times(controls(n - 2), plus(wire_[q[n - 2]], wire_[q[n - 1]], work_), work_);
        set_wire(q[n - 2], plus(wire_[q[n - 2]], flip, work_));
        set_wire(q[n - 1], plus(wire_[q[n - 1]], flip, work_));
        return true;
      }
      case GateId::H: return false;  // handled above
      default: {
        // Any other constant one-qubit gate through its Euler angles.
        if (nc || q.size() != 1) return false;
        for (const Expr& e : op.params)
          if (!e.is_const()) return false;
        std::vector<Step> steps;
        euler_steps(op_matrix_1q(op), steps);
        return apply_steps(steps, q, dir);
      }
    }
  }

  // One step of a gate's decomposition, on the gate's qubit `q` (0 or 1):
  // H; Rot: diag(1, w^k) with k = value; Angle: diag(1, e^(i value)) for
  // any other angle; CX with control 0 and target 1; Phase: the constant
  // factor e^(i value).
  struct Step {
    enum Kind { H, Rot, Angle, CX, Phase } kind;
    uint32_t q;
    double value;
  };

  // U = e^(i alpha) Rz(beta) Ry(gamma) Rz(delta) as steps, Ry(gamma) being
  // Rz(pi/2) H Rz(gamma) H Rz(-pi/2) and Rz(t) = e^(-i t/2) diag(1, e^(i t)),
  // each Rz a Rot when t is a multiple of pi/4, else an Angle. gamma 0 and pi
  // leave one combination of beta and delta free: it is folded into one Rz.
  static void euler_steps(const Mat2& u, std::vector<Step>& steps) {
    const ZYZ z = zyz_decompose(u);
    double phase = z.alpha;
    auto rz = [&](double t) {
      const double k = std::round(t / (M_PI / 4));
      phase -= t / 2;
      if (std::abs(t - k * M_PI / 4) > kAngleTolerance) {
        steps.push_back({Step::Angle, 0, t});
        return;
      }
      const int r = static_cast<int>(std::fmod(k, 8.0) + 8) % 8;
      if (r) steps.push_back({Step::Rot, 0, double(r)});
    };
    if (std::abs(z.gamma) < 1e-9) {
      rz(z.beta + z.delta);
    } else {
      const bool flip = std::abs(z.gamma - M_PI) < 1e-9;  // Ry(pi) Rz(d) = Rz(-d) Ry(pi)
      if (!flip) rz(z.delta);
      rz(-M_PI / 2);
      steps.push_back({Step::H, 0, 0});
      rz(z.gamma);
      steps.push_back({Step::H, 0, 0});
      rz(M_PI / 2);
      rz(flip ? z.beta - z.delta : z.beta);
    }
    steps.push_back({Step::Phase, 0, phase});
  }

  // The steps in order on qubits q (the inverse: reversed, each inverted;
  // the conjugate: in order, each conjugated, which for these real steps
  // but the phases is the phases negated).
  bool apply_steps(const std::vector<Step>& steps, const std::vector<uint32_t>& q, Dir dir) {
    const int sign = dir == Dir::Forward ? 1 : -1;
    const bool reversed = dir == Dir::Inverse;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const Step& s = steps[reversed ? steps.size() - 1 - i : i];
      const uint32_t w = q[s.q];
      switch (s.kind) {
        case Step::H: clifford_on_held(GateId::H, {w}); break;
        case Step::Rot:
          if (static_cast<int>(s.value) % 8 == 4) {
            clifford_on_held(GateId::Z, {w});
            break;
          }
          settle(w);
          add_parity(wire_[w], sign * static_cast<int>(s.value));
          break;
        case Step::Angle:
          settle(w);
          add_angle(wire_[w], sign * s.value);
          break;
        case Step::CX: clifford_on_held(GateId::CX, {q[0], q[1]}); break;
        case Step::Phase: phase_ += sign * s.value; break;
      }
    }
    return true;
  }

  // A Hadamard is held on a wire (held_h_) instead of being summed over at
  // once: the sum is then the circuit so far with that H still to come. The
  // gates a held H turns into affine maps of the wires go through it (H CZ
  // = CX H with the held wire the target, H CX = CZ H with H on the target,
  // H X = Z H, H Z = X H, H H = I), so that the H CZ H of a routed CX, and
  // the routing SWAP's three of them, cost no path variable: only a held H
  // that another gate meets is summed over (settle). Without hold_, every H
  // is summed over at once.
  bool clifford_on_held(GateId g, const std::vector<uint32_t>& q) {
    switch (g) {
      case GateId::H:
        held_h_[q[0]] = !held_h_[q[0]];
        if (!hold_) settle(q[0]);
        return true;
      case GateId::X:
        if (held_h_[q[0]]) add_parity(wire_[q[0]], 4);
        else set_wire(q[0], plus(wire_[q[0]], {{}}, work_));
        return true;
      case GateId::Z:
        if (held_h_[q[0]]) set_wire(q[0], plus(wire_[q[0]], {{}}, work_));
        else add_parity(wire_[q[0]], 4);
        return true;
      case GateId::CX:  // H on the target: H CX = CZ H
        settle(q[0]);
        if (held_h_[q[1]]) add_parity(times(wire_[q[0]], wire_[q[1]], work_), 4);
        else set_wire(q[1], plus(wire_[q[1]], wire_[q[0]], work_));
        return true;
      case GateId::CZ: {
        if (held_h_[q[0]] && held_h_[q[1]]) settle(q[0]);
        if (held_h_[q[0]] || held_h_[q[1]]) {
          const uint32_t t = held_h_[q[0]] ? q[0] : q[1];
          const uint32_t c = t == q[0] ? q[1] : q[0];
          set_wire(t, plus(wire_[t], wire_[c], work_));
        } else {
          add_parity(times(wire_[q[0]], wire_[q[1]], work_), 4);
        }
        return true;
      }
      default: return false;
    }
  }

  // Sums over the Hadamard held on wire w, if any.
  void settle(uint32_t w) {
    if (!held_h_[w]) return;
    held_h_[w] = false;
    const Var y = new_path_variable();
    for (const Mono& m : wire_[w]) add_mono(unite(m, {y}), 4);
    set_wire(w, {{y}});
  }

  void settle_all() {
    for (uint32_t w = 0; w < wire_.size(); ++w) settle(w);
  }

  void permute(const std::vector<uint32_t>& dest) {
    std::vector<Poly> moved(wire_.size());
    std::vector<bool> held(wire_.size());
    for (std::size_t q = 0; q < wire_.size(); ++q) {
      moved[dest[q]] = std::move(wire_[q]);
      held[dest[q]] = held_h_[q];
    }
    wire_.swap(moved);
    held_h_.swap(held);
  }

  // Applies the reduction rules until none applies.
  void reduce() {
    while (!queue_.empty()) {
      Var y = queue_.back();
      queue_.pop_back();
      try_reduce(y);
    }
  }

  void reduce_all() {
    settle_all();
    reduce();
    for (int pass = 0; pass < 2; ++pass) {
      lifting_ = pass == 1;
      reduce_to_fixpoint();
    }
    // The parities left hold only variables no rule sums over (inputs, and
    // path variables that the wires hold): lifted into monomials, P is in
    // the normal form of a function of 0/1 variables (a multilinear
    // polynomial with coefficients mod 8), so that terms equal as functions
    // cancel (a parity [x + y] from one circuit against x + y - 2 x y from
    // the other's gates) and the comparison with the identity or the Bell
    // state does not depend on how P was written. The sum is then reduced
    // again.
    if (parities_.empty()) return;
    const std::vector<Poly> left = [&] {
      std::vector<Poly> fs;
      for (const auto& [f, b] : parities_)
        if (f.size() <= kMaxLifted) fs.push_back(f);
      std::sort(fs.begin(), fs.end());
      return fs;
    }();
    for (const Poly& f : left) {
      const int b = parities_.at(f);
      add_parity(f, -b);
      lift(f, b);
    }
    reduce_to_fixpoint();
  }

  void reduce_to_fixpoint() {
    for (bool progress = true; progress;) {
      progress = false;
      for (Var y = first_path_; y < alive_.size() + first_path_; ++y)
        if (try_reduce(y)) progress = true;
      reduce();
    }
  }

  // The global phase (radians) when the sum is the identity on the wires'
  // expected values, else nullopt.
  std::optional<double> identity_phase(const std::vector<Poly>& expected) const {
    for (bool a : alive_)
      if (a) return std::nullopt;
    if (wire_ != expected || !terms_.empty() || !parities_.empty() || !angles_.empty()) return std::nullopt;
    return phase_ + constant_ * M_PI / 4;
  }

  // The global phase (radians) when the sum is a multiple of the Bell
  // state sum_x |x> |x> between the wires 0..k-1 and the wires pair[0..k-1],
  // with every other wire 0: no path variable that the wires do not hold,
  // no phase but a constant, wire i and wire pair[i] the same polynomial,
  // those k polynomials affine and independent in the k variables left (so
  // that x -> the wires is onto), else nullopt.
  std::optional<double> bell_phase(const std::vector<uint32_t>& pair) const {
    const std::size_t k = pair.size();
    if (num_alive_ != k || !terms_.empty() || !parities_.empty() || !angles_.empty()) return std::nullopt;
    std::vector<bool> paired(wire_.size(), false);
    for (std::size_t i = 0; i < k; ++i) {
      paired[i] = paired[pair[i]] = true;
      if (wire_[i] != wire_[pair[i]]) return std::nullopt;
    }
    for (std::size_t q = 0; q < wire_.size(); ++q)
      if (!paired[q] && !wire_[q].empty()) return std::nullopt;
    // The linear parts as rows of bits over the variables alive, reduced.
    std::unordered_map<Var, std::size_t> column;
    for (Var v = first_path_; v < alive_.size() + first_path_; ++v)
      if (is_path(v)) column.emplace(v, column.size());
    const std::size_t words = (k + 63) / 64;
    std::vector<std::vector<uint64_t>> rows;
    for (std::size_t i = 0; i < k; ++i) {
      std::vector<uint64_t> row(words, 0);
      for (const Mono& m : wire_[i]) {
        if (m.empty()) continue;
        if (m.size() > 1) return std::nullopt;
        const auto c = column.find(m[0]);
        if (c == column.end()) return std::nullopt;
        row[c->second / 64] ^= uint64_t(1) << (c->second % 64);
      }
      for (const auto& r : rows) {  // each earlier row has a leading bit no later row keeps
        std::size_t lead = 0;
        while (!((r[lead / 64] >> (lead % 64)) & 1)) ++lead;
        if ((row[lead / 64] >> (lead % 64)) & 1)
          for (std::size_t w = 0; w < words; ++w) row[w] ^= r[w];
      }
      bool zero = true;
      for (uint64_t w : row) zero = zero && w == 0;
      if (zero) return std::nullopt;
      rows.push_back(std::move(row));
    }
    return phase_ + constant_ * M_PI / 4;
  }

  double& phase() { return phase_; }

  // A change of summation variables that leaves wire w holding one
  // variable: when w holds v + r, v a path variable in no other monomial of
  // w, v := v + r (a bijection of the sum over v) makes w hold v. Variables
  // that r held on w then leave w, and can be summed over once no other
  // wire holds them. Only in a sum over a Bell state, whose inputs are path
  // variables too.
  void isolate(uint32_t w) {
    const Poly& p = wire_[w];
    if (p.size() < 2) return;
    Var best = 0;
    std::size_t cost = SIZE_MAX;
    for (const Var v : lone_path_variables(p)) {
      std::size_t c = static_cast<std::size_t>(out_count_[v]);
      if (auto it = occ_.find(v); it != occ_.end()) c += it->second.size();
      if (auto it = occ_parity_.find(v); it != occ_parity_.end()) c += it->second.size();
      if (auto it = occ_angle_.find(v); it != occ_angle_.end()) c += it->second.size();
      if (c < cost) {
        cost = c;
        best = v;
      }
    }
    if (cost == SIZE_MAX) return;
    // v := u + r for a new variable u: w then holds u.
    const Var u = new_path_variable();
    std::vector<Mono> ur;
    for (const Mono& m : p)
      if (!(m.size() == 1 && m[0] == best)) ur.push_back(m);
    ur.push_back({u});
    substitute(best, normalise(std::move(ur)));
    kill(best);
  }

 private:
  bool is_path(Var v) const { return v >= first_path_ && alive_[v - first_path_]; }

  // The path variables that appear in p as a monomial of their own and in
  // no other monomial, in p's order.
  std::vector<Var> lone_path_variables(const Poly& p) const {
    std::vector<Var> out;
    for (const Mono& m : p) {
      if (m.size() != 1 || !is_path(m[0])) continue;
      bool elsewhere = false;
      for (const Mono& o : p)
        if (o.size() > 1 && contains(o, m[0])) elsewhere = true;
      if (!elsewhere) out.push_back(m[0]);
    }
    return out;
  }

  Var new_path_variable() {
    ++num_alive_;
    work_.crowded = work_.crowded || num_alive_ > kCrowded * wire_.size();
    alive_.push_back(true);
    out_count_.push_back(0);
    return static_cast<Var>(first_path_ + alive_.size() - 1);
  }

  void kill(Var v) {
    alive_[v - first_path_] = false;
    --num_alive_;
  }

  void candidate(Var v) {
    if (is_path(v) && out_count_[v] == 0) queue_.push_back(v);
  }

  // P = constant_ + sum a_m m (terms_) + sum b_f [f] (parities_): [f] is the
  // 0/1 value of a GF(2) sum f of two or more monomials without the constant,
  // b_f odd and kept 1 or 7 (the rest, 4 [f], is 4 times f's monomials).
  // Even multiples of [f] are expanded into monomials:
  // 2 [f] = 2 sum m_i - 4 sum m_i m_j (mod 8). Nothing cubic is ever formed.
  void add_mono(const Mono& m, int c) {
    work_.charge(1);
    c = ((c % 8) + 8) % 8;
    if (c == 0) return;
    if (m.empty()) {
      constant_ = (constant_ + c) % 8;
      return;
    }
    auto [it, inserted] = terms_.try_emplace(m, 0);
    if (inserted)
      for (Var v : m)
          if (v >= first_path_) occ_[v].insert(&it->first);
    it->second = (it->second + c) % 8;
    if (it->second == 0) {
      for (Var v : m)
          if (v >= first_path_) occ_[v].erase(&it->first);
      terms_.erase(it);
      for (Var v : m) candidate(v);
    }
  }

  void expand_even(const Poly& f, int c) {
    for (const Mono& m : f) add_mono(m, c);
    if ((2 * c) % 8 != 0)
      for (std::size_t i = 0; i < f.size(); ++i)
        for (std::size_t j = i + 1; j < f.size(); ++j) add_mono(unite(f[i], f[j]), -2 * c);
  }

  // c [f] as monomials, c odd.
  void lift(const Poly& f, int c) {
    const std::size_t n = f.size();
    for (std::size_t i = 0; i < n; ++i) add_mono(f[i], c);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = i + 1; j < n; ++j) {
        const Mono ij = unite(f[i], f[j]);
        add_mono(ij, -2 * c);
        for (std::size_t k = j + 1; k < n; ++k) add_mono(unite(ij, f[k]), 4);
      }
  }

  // Enters the key `f` of parities_ or angles_ under each path variable of
  // its monomials in `occ` (occ_parity_ or occ_angle_), or takes it out.
  void index_poly(std::unordered_map<Var, std::unordered_set<const Poly*>>& occ, const Poly& f, bool enter) {
    for (const Mono& m : f)
      for (Var v : m)
        if (v >= first_path_) {
          if (enter) occ[v].insert(&f);
          else occ[v].erase(&f);
        }
  }

  // Every variable of f may now be summed over.
  void candidates(const Poly& f) {
    for (const Mono& m : f)
      for (Var v : m) candidate(v);
  }

  // c [f].
  void add_parity(Poly f, int c) {
    c = ((c % 8) + 8) % 8;
    if (c == 0 || f.empty()) return;
    if (f.front().empty()) {  // [1 + g] = 1 - [g]
      f.erase(f.begin());
      constant_ = (constant_ + c) % 8;
      c = (8 - c) % 8;
      if (f.empty()) return;
    }
    if (f.size() == 1) return add_mono(f[0], c);
    if (c % 2 == 0) return expand_even(f, c);
    const int odd = (c == 1 || c == 5) ? 1 : 7;
    if (c != odd) expand_even(f, 4);
    auto [it, inserted] = parities_.try_emplace(f, 0);
    if (inserted) index_poly(occ_parity_, it->first, true);
    const int b = (it->second + odd) % 8;
    if (b == 1 || b == 7) {
      it->second = b;
      return;
    }
    index_poly(occ_parity_, it->first, false);
    parities_.erase(it);
    candidates(f);
    if (b != 0) expand_even(f, b);
  }

  // theta [f] for an angle theta that is not a multiple of pi/4 (a rotation
  // the circuits need not share gate by gate, such as the single-qubit parts
  // of a two-qubit block rebuilt by KAK). Such terms are kept apart, summed
  // per parity f; a sum that reaches a multiple of pi/4 joins the rest of P.
  // A path variable in such a term is never eliminated (no rule sums over
  // it), so a proof needs every one of them to cancel.
  void add_angle(Poly f, double theta) {
    work_.charge(f.size() + 1);
    if (f.empty()) return;
    if (f.front().empty()) {  // theta [1 + g] = theta - theta [g]
      f.erase(f.begin());
      phase_ += theta;
      theta = -theta;
      if (f.empty()) return;
    }
    auto [it, inserted] = angles_.try_emplace(f, 0.0);
    if (inserted) index_poly(occ_angle_, it->first, true);
    const double sum = std::remainder(it->second + theta, 2 * M_PI);
    const double k = std::round(sum / (M_PI / 4));
    if (std::abs(sum - k * M_PI / 4) > kAngleTolerance) {
      it->second = sum;
      return;
    }
    index_poly(occ_angle_, it->first, false);
    angles_.erase(it);
    candidates(f);
    add_parity(std::move(f), static_cast<int>(std::fmod(k, 8.0)));
  }

  void set_wire(uint32_t q, Poly p) {
    for (const Mono& m : wire_[q])
      for (Var v : m)
        if (--out_count_[v] == 0) candidate(v);
    wire_[q] = std::move(p);
    for (const Mono& m : wire_[q])
      for (Var v : m) ++out_count_[v];
  }

  // f with y := r, over GF(2).
  Poly substituted(const Poly& f, Var y, const Poly& r) {
    work_.charge(f.size() * r.size());
    std::vector<Mono> next;
    for (const Mono& m : f) {
      if (!contains(m, y)) {
        next.push_back(m);
        continue;
      }
      const Mono rest = without(m, y);
      for (const Mono& x : r) next.push_back(unite(x, rest));
    }
    return normalise(std::move(next));
  }

  // y := r everywhere.
  void substitute(Var y, const Poly& r) {
    if (auto it = occ_.find(y); it != occ_.end()) {
      const std::vector<Mono> with_y = sorted(it->second);
      for (const Mono& m : with_y) {
        const int c = terms_.at(m);
        add_mono(m, -c);
        add_parity(times(r, {without(m, y)}, work_), c);  // c y m' = c [r m']
      }
    }
    if (auto it = occ_parity_.find(y); it != occ_parity_.end()) {
      const std::vector<Poly> with_y = sorted(it->second);
      for (const Poly& f : with_y) {
        const int b = parities_.at(f);
        add_parity(f, -b);
        add_parity(substituted(f, y, r), b);
      }
    }
    if (auto it = occ_angle_.find(y); it != occ_angle_.end()) {
      const std::vector<Poly> with_y = sorted(it->second);
      for (const Poly& f : with_y) {
        const double theta = angles_.at(f);
        add_angle(f, -theta);
        add_angle(substituted(f, y, r), theta);
      }
    }
    if (out_count_[y] > 0)
      for (uint32_t q = 0; q < wire_.size(); ++q) {
        bool has = false;
        for (const Mono& m : wire_[q]) has = has || contains(m, y);
        if (has) set_wire(q, substituted(wire_[q], y, r));
      }
  }

  // The keys a set of occ_, occ_parity_ or occ_angle_ points to, copied (the
  // caller changes the maps) and sorted, so that the rules run in an order
  // that does not depend on addresses.
  template <class K>
  static std::vector<K> sorted(const std::unordered_set<const K*>& keys) {
    std::vector<K> out;
    out.reserve(keys.size());
    for (const K* k : keys) out.push_back(*k);
    std::sort(out.begin(), out.end());
    return out;
  }

  bool try_reduce(Var y) {
    if (!is_path(y) || out_count_[y] > 0) return false;
    if (auto a = occ_angle_.find(y); a != occ_angle_.end() && !a->second.empty()) return false;
    // Once every gate is in, the parities holding y become monomials (b [f]
    // = b sum m_i - 2b sum m_i m_j + 4b sum m_i m_j m_k), so that their parts
    // in y can cancel.
    if (auto p = occ_parity_.find(y); p != occ_parity_.end() && !p->second.empty()) {
      if (!lifting_) return false;
      for (const Poly* f : p->second)
        if (f->size() > kMaxLifted) return false;
      const std::vector<Poly> with_y = sorted(p->second);
      for (const Poly& f : with_y) {
        const int b = parities_.at(f);
        add_parity(f, -b);
        lift(f, b);
      }
    }
    auto it = occ_.find(y);
    if (it == occ_.end() || it->second.empty()) {  // Elim
      kill(y);
      return true;
    }
    int lone = 0;
    std::vector<Mono> q;
    const std::vector<Mono> with_y = sorted(it->second);
    for (const Mono& m : with_y) {
      const int c = terms_.at(m);
      Mono r = without(m, y);
      if (r.empty()) lone = c;
      else if (c == 4) q.push_back(std::move(r));
      else return false;
    }
    if (lone % 2) return false;
    if (lone == 4) q.push_back({});
    Poly qp = normalise(std::move(q));
    if (lone == 0 || lone == 4) {  // HH: find y' appearing in q only as the monomial y'
      const std::vector<Var> lone_vars = lone_path_variables(qp);
      if (lone_vars.empty()) return false;
      const Var pick = lone_vars.front();
      for (const Mono& m : with_y) add_mono(m, -terms_.at(m));
      Poly r;
      for (const Mono& m : qp)
        if (!(m.size() == 1 && m[0] == pick)) r.push_back(m);
      kill(y);
      substitute(pick, r);
      kill(pick);
      for (const Mono& m : r)
        for (Var v : m) candidate(v);
      return true;
    }
    // omega: lone is 2 or 6.
    for (const Mono& m : with_y) add_mono(m, -terms_.at(m));
    kill(y);
    constant_ = (constant_ + (lone == 2 ? 1 : 7)) % 8;  // and a factor sqrt(2), a magnitude
    add_parity(qp, lone == 2 ? -2 : 2);
    for (const Mono& m : qp)
      for (Var v : m) candidate(v);
    return true;
  }

  std::vector<Poly> wire_;
  std::vector<bool> held_h_;  // by wire: a Hadamard still to come (settle)
  bool hold_;                 // whether Hadamards are held at all
  Var first_path_;
  std::vector<int> out_count_;  // by variable: output monomials holding it
  std::vector<bool> alive_;     // by path variable (index - first_path_)
  int constant_ = 0;
  std::unordered_map<Mono, int, MonoHash> terms_;  // coefficients 1..7
  std::unordered_map<Poly, int, PolyHash> parities_;  // coefficients 1 or 7
  // By path variable: the keys of terms_, parities_ and angles_ that hold it
  // (pointers into the maps, whose keys do not move). The inputs are never
  // substituted nor summed over, so they are not indexed.
  std::unordered_map<Var, std::unordered_set<const Mono*>> occ_;
  std::unordered_map<Var, std::unordered_set<const Poly*>> occ_parity_;
  std::unordered_map<Poly, double, PolyHash> angles_;  // other angles, in (-pi, pi]
  std::unordered_map<Var, std::unordered_set<const Poly*>> occ_angle_;
  std::vector<Var> queue_;
  double phase_ = 0;
  bool lifting_ = false;

 public:
  Work work_;  // monomials formed so far, and the budgets
  std::size_t num_alive_ = 0;  // path variables alive
};

using Step = PathSum::Step;

// A 2x2 unitary up to diagonal factors on both sides (D u D'): the
// magnitudes of its entries and, when none is zero, the phase of
// u00 u11 / (u01 u10), on grids of 1e-6 and 2 pi / 2^20.
using Key = std::array<int64_t, 5>;
struct KeyHash {
  std::size_t operator()(const Key& k) const {
    std::size_t h = 0;
    for (int64_t x : k) h = (h ^ static_cast<std::size_t>(x)) * 0x9e3779b97f4a7c15ull + (h >> 29);
    return h;
  }
};

constexpr double kSmall = 1e-6;

Key key_of(const Mat2& u) {
  Key k{};
  bool zero = false;
  for (int i = 0; i < 4; ++i) {
    k[i] = std::llround(std::abs(u[i]) / kSmall);
    zero = zero || std::abs(u[i]) < kSmall;
  }
  if (!zero) {
    const int64_t turn = int64_t(1) << 20;
    const double a = std::arg(u[0] * u[3] * std::conj(u[1]) * std::conj(u[2]));
    k[4] = ((std::llround(a / (2 * M_PI) * double(turn)) % turn) + turn) % turn;
  }
  return k;
}

Mat2 phase_gate(int k) { return {1, 0, 0, std::polar(1.0, k * M_PI / 4)}; }
const Mat2 kH = {M_SQRT1_2, M_SQRT1_2, M_SQRT1_2, -M_SQRT1_2};

// Hadamards in the longest sequence of the table below.
constexpr int kMaxHadamards = 6;

bool multiple_of_pi_4(double t) {
  const double k = std::round(t / (M_PI / 4));
  return std::abs(t - k * M_PI / 4) <= kAngleTolerance;
}

// A Clifford+T operator H diag(1, w^km) H ... H diag(1, w^k1) H (I when
// `identity`): its rotations k1..km, first in time first, and its matrix.
struct Form {
  bool identity = false;
  std::vector<int8_t> ks;
  Mat2 v;
};

// u = diag(1, l) v diag(r0, r1): the factors, when they fit within the
// tolerance.
struct Fit {
  cplx l = 1, r0 = 1, r1 = 1;
};
std::optional<Fit> fit(const Mat2& u, const Mat2& v) {
  Fit f;
  if (std::abs(v[1]) < kSmall) {  // diagonal
    f.r0 = u[0] / v[0];
    f.r1 = u[3] / v[3];
  } else if (std::abs(v[0]) < kSmall) {  // anti-diagonal
    f.r0 = u[2] / v[2];
    f.r1 = u[1] / v[1];
  } else {
    f.r0 = u[0] / v[0];
    f.r1 = u[1] / v[1];
    f.l = u[2] / (v[2] * f.r0);
  }
  const Mat2 w = {v[0] * f.r0, v[1] * f.r1, f.l * v[2] * f.r0, f.l * v[3] * f.r1};
  for (int i = 0; i < 4; ++i)
    if (std::abs(w[i] - u[i]) > kAngleTolerance) return std::nullopt;
  return f;
}

// The single-qubit Clifford+T operators with at most kMaxHadamards H, by
// key_of, up to diagonal Clifford+T factors on both sides; one key can hold
// several (D v D' is Clifford+T for some D, D' that are not: entries such
// as (1 + i sqrt 2) / 2 and (sqrt 2 + i) / 2 differ by a phase that is not
// a multiple of pi/4). Built once, breadth first: every operator found with
// m H, extended by a rotation and H.
using Table = std::unordered_map<Key, std::vector<Form>, KeyHash>;
const Table& clifford_t_table() {
  static const Table table = [] {
    Table t;
    auto insert = [&](Form f) {
      std::vector<Form>& forms = t[key_of(f.v)];
      for (const Form& g : forms)
        if (auto ft = fit(f.v, g.v);
            ft && multiple_of_pi_4(std::arg(ft->l)) && multiple_of_pi_4(std::arg(ft->r1 / ft->r0)))
          return false;
      forms.push_back(std::move(f));
      return true;
    };
    insert({true, {}, {1, 0, 0, 1}});
    insert({false, {}, kH});
    std::vector<Form> frontier = {{false, {}, kH}};
    for (int m = 2; m <= kMaxHadamards; ++m) {
      std::vector<Form> next;
      for (const Form& f : frontier)
        for (int k = 1; k < 8; ++k) {
          Form g{false, f.ks, mul(kH, mul(phase_gate(k), f.v))};
          g.ks.push_back(int8_t(k));
          if (insert(g)) next.push_back(std::move(g));
        }
      frontier.swap(next);
    }
    return t;
  }();
  return table;
}

// diag(1, e^(i t)) as a step: Rot when t is a multiple of pi/4, else Angle.
void phase_step(double t, std::vector<Step>& steps) {
  const double k = std::round(t / (M_PI / 4));
  if (std::abs(t - k * M_PI / 4) > kAngleTolerance) {
    steps.push_back({Step::Angle, 0, t});
    return;
  }
  const int r = static_cast<int>(std::fmod(k, 8.0) + 8) % 8;
  if (r) steps.push_back({Step::Rot, 0, double(r)});
}

// u = diag(1, l) v diag(r0, r1) with v a Clifford+T operator of the table,
// preferring a v with r1 / r0 a multiple of pi/4: the steps diag(1, r1 /
// r0), v's steps and the phase of r0, and the angle of l (left to the
// caller). False when the table does not hold u.
bool clifford_t_steps(const Mat2& u, std::vector<Step>& steps, double& left) {
  const Table& table = clifford_t_table();
  const auto it = table.find(key_of(u));
  if (it == table.end()) return false;
  const Form* best = nullptr;
  Fit best_fit;
  for (const Form& f : it->second) {
    auto ft = fit(u, f.v);
    if (!ft) continue;
    if (!best || multiple_of_pi_4(std::arg(ft->r1 / ft->r0))) {
      best = &f;
      best_fit = *ft;
    }
    if (multiple_of_pi_4(std::arg(ft->r1 / ft->r0))) break;
  }
  if (!best) return false;
  steps.clear();
  phase_step(std::arg(best_fit.r1 / best_fit.r0), steps);
  if (!best->identity) {
    steps.push_back({Step::H, 0, 0});
    for (int8_t k : best->ks) {
      steps.push_back({Step::Rot, 0, double(k)});
      steps.push_back({Step::H, 0, 0});
    }
  }
  steps.push_back({Step::Phase, 0, std::arg(best_fit.r0)});
  left = std::arg(best_fit.l);
  return true;
}

bool pi_over_4(const Operation& op) {
  for (const Expr& e : op.params)
    if (!e.is_const() || !multiple_of_pi_4(e.value())) return false;
  return true;
}

// One step of a side: an operation, or steps on `qubits` (a run of
// single-qubit gates merged into Clifford+T steps, a carried angle, or the
// cx of an ecr).
struct Item {
  const Operation* op = nullptr;
  std::vector<uint32_t> qubits;
  std::vector<Step> steps;
};

// ecr = e^(-i pi/4) (X S (x) SX) CX, the cx first (qubit 0 the control):
// ecr = X0 rzx(pi/2), rzx(pi/2) = e^(-i pi/4 Z0 X1) = H1 e^(-i pi/4 Z0 Z1)
// H1 and e^(-i pi/4 Z0 Z1) = e^(-i pi/4) S0 S1 CZ, so that rzx(pi/2) =
// e^(-i pi/4) S0 (H S H)1 (H1 CZ H1) with H S H = SX and H1 CZ H1 = CX.
// The one-qubit factors join the runs that follow on each wire, so that the
// ecr of a routed cx (x0 ecr rz(pi/2)0 sx1) reads as a cx with Clifford
// runs on either side, and its Hadamards cost no path variable.
const Mat2 kEcrAfterControl = {0, cplx(0, 1), 1, 0};  // X S
const Mat2 kEcrAfterTarget = {cplx(0.5, 0.5), cplx(0.5, -0.5), cplx(0.5, -0.5), cplx(0.5, 0.5)};  // SX
constexpr double kEcrPhase = -M_PI / 4;

bool is_ecr(const Operation& op) {
  return op.kind == OpKind::Gate && op.gate == GateId::ECR && op.num_controls == 0 && op.conditions.empty();
}

// Whether diag(1, e^(i t)) on qubit q commutes with `op` (a diagonal gate,
// or q one of its controls: the first qubit of an ecr read as a cx).
bool diagonal_on(const Operation& op, uint32_t q) {
  if (op.kind != OpKind::Gate || !op.conditions.empty()) return false;
  switch (op.gate) {
    case GateId::CZ:
    case GateId::CCZ: return true;
    case GateId::CX:
    case GateId::CCX: return op.qubits.back() != q;
    case GateId::ECR: return is_ecr(op) && op.qubits[0] == q;
    case GateId::Swap:
    case GateId::CSwap: return q != op.qubits[op.qubits.size() - 2] && q != op.qubits.back();
    default: return false;
  }
}

// One gate of a run of single-qubit gates: an operation, or (op null) the
// factor m an ecr leaves on the wire.
struct Piece {
  const Operation* op = nullptr;
  Mat2 m{};
};

// A constant one-qubit gate: a member of a run.
bool one_qubit_constant(const Operation& op) {
  return op.kind == OpKind::Gate && op.qubits.size() == 1 && op.num_controls == 0 && op.conditions.empty() &&
         std::all_of(op.params.begin(), op.params.end(), [](const Expr& e) { return e.is_const(); });
}

// One-qubit factors a side gains at its ends, and the operations it loses
// (peel_runs): `before[q]` applied to the side's qubit q before its first
// gate, `after[q]` after its last; `dropped` by operation (empty: none).
struct Ends {
  std::vector<std::optional<Mat2>> before, after;
  std::vector<bool> dropped;
};

// A's runs of constant one-qubit gates that begin or end one of its wires,
// when the run's product has no Clifford+T form in the table (an rx by an
// arbitrary angle), move to B, inverted. With L the leading runs and T the
// trailing ones (one-qubit gates on A's inputs and outputs), B = e^(i phi)
// P T A' L on the inputs with the ancillas |0> exactly when (T^-1 on the
// wires fin) B (L^-1 on the wires init) = e^(i phi) P A', since P carries
// A's qubit i from init[i] to fin[i]. L^-1 then joins B's first run on the
// wire: where an optimiser merged A's rotation with the gates after it (a
// swap test's rx with the first gates of its cswap's form, in one
// rz-sx-rz-sx-rz), that run's product is Clifford+T again, and the angles
// that would otherwise have to meet and cancel term by term in the sum are
// gone. `ea` and `eb`: the two sides' Ends, B's by its own qubits; n
// wires.
void peel_runs(uint32_t n, const Side& a, const Side& b, const std::vector<uint32_t>& init,
               const std::vector<uint32_t>& fin, Ends& ea, Ends& eb) {
  const std::vector<Operation>& ops = *a.ops;
  const std::size_t k = init.size();
  ea = Ends{};
  eb = Ends{};
  std::vector<std::vector<std::size_t>> lead(k), trail(k);
  std::vector<bool> other(k, false);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const Operation& op = ops[i];
    if (op.kind == OpKind::Barrier || op.kind == OpKind::Delay) continue;
    const bool one = one_qubit_constant(op);
    for (uint32_t q : op.qubits) {
      if (q >= k) return;  // not a qubit of the layout: nothing moves
      if (!one) {
        other[q] = true;
        trail[q].clear();
      } else {
        (other[q] ? trail[q] : lead[q]).push_back(i);
      }
    }
  }
  // B's qubit on each wire (-1: none).
  std::vector<int64_t> own(n, -1);
  for (std::size_t q = 0; q < b.qubit_map.size(); ++q)
    if (b.qubit_map[q] < n) own[b.qubit_map[q]] = static_cast<int64_t>(q);
  ea.dropped.assign(ops.size(), false);
  eb.before.assign(b.qubit_map.size(), std::nullopt);
  eb.after.assign(b.qubit_map.size(), std::nullopt);
  auto move = [&](const std::vector<std::size_t>& run, int64_t to, std::vector<std::optional<Mat2>>& end) {
    if (run.empty() || to < 0) return;
    Mat2 u = {1, 0, 0, 1};
    for (std::size_t i : run) u = mul(op_matrix_1q(ops[i]), u);
    std::vector<Step> steps;
    double left = 0;
    if (clifford_t_steps(u, steps, left)) return;
    for (std::size_t i : run) ea.dropped[i] = true;
    end[static_cast<std::size_t>(to)] = adjoint(u);
  };
  for (std::size_t i = 0; i < k; ++i) {
    move(lead[i], own[init[i]], eb.before);
    move(trail[i], own[fin[i]], eb.after);
  }
}

// The operations of `ops` with every ecr read as a cx between one-qubit
// factors (kEcrAfterControl, kEcrAfterTarget), and every run of constant
// single-qubit gates on a wire (with those factors) that has an angle other
// than a multiple of pi/4 (the Euler angles of a fused product such as T H
// T H are not) or more than one gate replaced by a Clifford+T form of its
// product up to diagonal factors, when it has one with at most
// kMaxHadamards H. The diagonal factor on its left is carried on to the
// wire's next run, across the gates it commutes with, so that the forms can
// be chosen to leave no angle that is not a multiple of pi/4. A run stands
// where the operation that ends it stood (single-qubit gates on other wires
// commute with it). With `ends`, the factors it names join the first and
// last runs of their wires, and the operations it drops are left out.
std::vector<Item> items_of(const std::vector<Operation>& ops, uint32_t num_qubits, const Ends* ends = nullptr) {
  std::vector<Item> items;
  std::vector<std::vector<Piece>> run(num_qubits);
  if (ends)
    for (uint32_t q = 0; q < num_qubits && q < ends->before.size(); ++q)
      if (ends->before[q]) run[q].push_back({nullptr, *ends->before[q]});
  std::vector<double> carry(num_qubits, 0);
  auto emit_carry = [&](uint32_t q) {
    if (carry[q] == 0) return;
    Item c;
    c.qubits = {q};
    phase_step(carry[q], c.steps);
    items.push_back(std::move(c));
    carry[q] = 0;
  };
  auto flush = [&](uint32_t q) {
    std::vector<Piece>& r = run[q];
    if (r.empty()) return;
    Item merged;
    merged.qubits = {q};
    double left = 0;
    if (carry[q] != 0 || r.size() > 1 || !r[0].op || !pi_over_4(*r[0].op)) {
      Mat2 u = phase_gate(0);
      u[3] = std::polar(1.0, carry[q]);
      for (const Piece& p : r) u = mul(p.op ? op_matrix_1q(*p.op) : p.m, u);
      if (clifford_t_steps(u, merged.steps, left)) {
        items.push_back(std::move(merged));
        carry[q] = left;
        r.clear();
        return;
      }
    }
    emit_carry(q);
    for (const Piece& p : r) {
      if (p.op) {
        items.push_back({p.op, {}, {}});
        continue;
      }
      Item factor;
      factor.qubits = {q};
      PathSum::euler_steps(p.m, factor.steps);
      items.push_back(std::move(factor));
    }
    r.clear();
  };
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const Operation& op = ops[i];
    if (ends && !ends->dropped.empty() && ends->dropped[i]) continue;
    if (one_qubit_constant(op)) {
      run[op.qubits[0]].push_back({&op, {}});
      continue;
    }
    if (op.kind == OpKind::Barrier || op.kind == OpKind::Delay) continue;
    for (uint32_t q : op.qubits) {
      flush(q);
      if (!diagonal_on(op, q)) emit_carry(q);
    }
    if (is_ecr(op)) {
      items.push_back({nullptr, op.qubits, {{Step::CX, 0, 0}, {Step::Phase, 0, kEcrPhase}}});
      run[op.qubits[0]].push_back({nullptr, kEcrAfterControl});
      run[op.qubits[1]].push_back({nullptr, kEcrAfterTarget});
      continue;
    }
    items.push_back({&op, {}, {}});
  }
  for (uint32_t q = 0; q < num_qubits; ++q) {
    if (ends && q < ends->after.size() && ends->after[q]) run[q].push_back({nullptr, *ends->after[q]});
    flush(q);
    emit_carry(q);
  }
  return items;
}

bool apply_item(PathSum& ps, const Item& item, const std::vector<uint32_t>& map, Dir dir) {
  if (item.op) return ps.apply(*item.op, map, dir);
  std::vector<uint32_t> q;
  for (uint32_t x : item.qubits) q.push_back(map[x]);
  return ps.apply_steps(item.steps, q, dir);
}

// The two budgets of a sum over the gates of both circuits.
void set_budget(PathSum& ps, const Side& a, const Side& b) {
  const uint64_t gates = a.ops->size() + b.ops->size();
  ps.work_.budget = kWorkPerGate * gates + (uint64_t(1) << 16);
  ps.work_.crowded_budget = kCrowdedWorkPerGate * gates + (uint64_t(1) << 16);
}

// B^-1 A; items_a, items_b: items_of the two sides' gates.
std::optional<double> attempt(uint32_t n, const Side& a, const Side& b, const std::vector<Item>& items_a,
                              const std::vector<Item>& items_b, const std::vector<uint32_t>& init,
                              const std::vector<uint32_t>& fin, bool hold) {
  const uint32_t k = static_cast<uint32_t>(init.size());
  PathSum ps(n, k, hold);
  set_budget(ps, a, b);
  try {
  for (uint32_t i = 0; i < k; ++i) ps.set_input(init[i], i);
  for (const Item& item : items_a) {
    if (!apply_item(ps, item, a.qubit_map, Dir::Forward)) return std::nullopt;
    ps.reduce();
  }
  // The layout permutation; the ancillas keep their order.
  std::vector<uint32_t> dest(n);
  {
    std::vector<bool> is_init(n, false), is_fin(n, false);
    for (uint32_t i = 0; i < k; ++i) {
      dest[init[i]] = fin[i];
      is_init[init[i]] = true;
      is_fin[fin[i]] = true;
    }
    std::vector<uint32_t> free_out;
    for (uint32_t q = 0; q < n; ++q)
      if (!is_fin[q]) free_out.push_back(q);
    std::size_t next = 0;
    for (uint32_t q = 0; q < n; ++q)
      if (!is_init[q]) dest[q] = free_out[next++];
  }
  ps.permute(dest);
  for (auto it = items_b.rbegin(); it != items_b.rend(); ++it) {
    if (!apply_item(ps, *it, b.qubit_map, Dir::Inverse)) return std::nullopt;
    ps.reduce();
  }
  ps.reduce_all();
  std::vector<Poly> expected(n);
  for (uint32_t i = 0; i < k; ++i) expected[init[i]] = {{i}};
  auto phase = ps.identity_phase(expected);
  if (!phase) return std::nullopt;
  // B^-1 A = e^(i (phase + a - b)); B = e^(i phi) A with phi its negation.
  return std::remainder(-(*phase + a.global_phase - b.global_phase), 2 * M_PI);
  } catch (const OverBudget&) {
    return std::nullopt;
  }
}

// B = e^(i phi) P A checked on a Bell state: the sum over x of |x> on k
// wires (A's qubits) and |x> through init, ancillas |0>, on n more (B's),
// with the complex conjugate of A applied to the first k wires and B to the
// others, gate by gate in turns, the side behind in proportion to the gate
// counts first, and every wire a gate touched left holding one variable
// where a change of variables can (isolate).
// (A* (x) P^-1 B) sum_x |x>|x, 0> = (I (x) P^-1 B A^-1) sum_x |x>|x, 0>
// (since (I (x) A) sum_x |x>|x> = (A^T (x) I) sum_x |x>|x>), so that it is
// e^(i phi) times the Bell state exactly when B = e^(i phi) P A on the
// inputs with the ancillas |0>. The two circuits' first gates meet at once:
// the T of one side meets the T of the other on the same parity and they
// cancel, where B^-1 A keeps all of A's variables and phases until B's
// gates come back to them (QCEC's alternating G G'^-1 scheme, for path
// sums). Hadamards are held when `hold` says so, else summed over at once.
std::optional<double> attempt_bell(uint32_t n, const Side& a, const Side& b, const std::vector<Item>& items_a,
                                   const std::vector<Item>& items_b, const std::vector<uint32_t>& init,
                                   const std::vector<uint32_t>& fin, bool hold) {
  const uint32_t k = static_cast<uint32_t>(init.size());
  PathSum ps(k + n, 0, hold);
  set_budget(ps, a, b);
  std::vector<uint32_t> left(a.qubit_map.size()), right(b.qubit_map.size()), pair(k);
  for (uint32_t q = 0; q < left.size(); ++q) left[q] = q;
  for (uint32_t q = 0; q < right.size(); ++q) right[q] = k + b.qubit_map[q];
  for (uint32_t i = 0; i < k; ++i) pair[i] = k + fin[i];
  try {
    for (uint32_t i = 0; i < k; ++i) ps.set_summed_input({i, k + init[i]});
    const std::size_t na = items_a.size(), nb = items_b.size();
    for (std::size_t i = 0, j = 0; i < na || j < nb;) {
      const bool take_a = j == nb || (i < na && i * nb <= j * na);
      const Item& item = take_a ? items_a[i++] : items_b[j++];
      const std::vector<uint32_t>& map = take_a ? left : right;
      if (!apply_item(ps, item, map, take_a ? Dir::Conjugate : Dir::Forward)) return std::nullopt;
      if (item.op) {
        for (uint32_t q : item.op->qubits) ps.isolate(map[q]);
      } else {
        for (uint32_t q : item.qubits) ps.isolate(map[q]);
      }
      ps.reduce();
    }
    ps.reduce_all();
    for (uint32_t q = 0; q < k + n; ++q) ps.isolate(q);
    ps.reduce_all();
    const auto phase = ps.bell_phase(pair);
    if (!phase) return std::nullopt;
    // (A* (x) P^-1 B) = e^(i phi) on the Bell state, A* with the phase -a and B with b.
    return std::remainder(*phase - a.global_phase + b.global_phase, 2 * M_PI);
  } catch (const OverBudget&) {
    return std::nullopt;
  }
}

}  // namespace

// The two circuits in turns on a Bell state first, with Hadamards held (the
// cheaper sum on routed circuits, whose CX are H CZ H or an ecr); the
// rules, which are not complete, can get stuck in one order of summation
// and not in another, so a sum that does not close is tried again with
// every Hadamard summed at once; then B^-1 A, held and summed at once.
// (ham15-high to ibm_eagle and to ibm_heron: their -O3 outputs move T gates
// far from where the input has them; with Hadamards held, path variables
// pile up in T gates on parities, 300-700 alive, and the sums do not close;
// the Bell state with every Hadamard summed at once keeps at most about 60
// alive and closes.)
std::optional<double> prove_identity(uint32_t n, const Side& a, const Side& b, const std::vector<uint32_t>& init,
                                     const std::vector<uint32_t>& fin, std::string* closed) {
  const auto proved = [&](std::optional<double> phase, const char* how) {
    if (phase && closed) *closed = how;
    return phase;
  };
  // The gates as items once, for the four attempts, A's runs of other
  // angles at its ends moved to B.
  Ends ea, eb;
  peel_runs(n, a, b, init, fin, ea, eb);
  const std::vector<Item> ia = items_of(*a.ops, static_cast<uint32_t>(a.qubit_map.size()), &ea);
  const std::vector<Item> ib = items_of(*b.ops, static_cast<uint32_t>(b.qubit_map.size()), &eb);
  if (auto phase = attempt_bell(n, a, b, ia, ib, init, fin, true))
    return proved(phase, "A* and B in turns on a Bell state (Hadamards held) reduced to a phase times that state");
  if (auto phase = attempt_bell(n, a, b, ia, ib, init, fin, false))
    return proved(phase,
                  "A* and B in turns on a Bell state (every H summed at once) reduced to a phase times that state");
  if (auto phase = attempt(n, a, b, ia, ib, init, fin, true))
    return proved(phase, "B^-1 * A (Hadamards held) reduced to the identity");
  return proved(attempt(n, a, b, ia, ib, init, fin, false), "B^-1 * A (every H summed at once) reduced to the identity");
}

}  // namespace qforge::pathsum
