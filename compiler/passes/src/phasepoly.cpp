// Phase-polynomial rotation merging (see qforge/passes.hpp).
//
// Algorithm (Nam, Ross, Su, Childs, Maslov 2018, section 4.4, generalised):
//  1. Give every qubit a fresh path variable; a wire's value is an affine
//     parity (set of variables + constant bit).
//  2. Walk the circuit: x flips the constant, cx xors the control's parity
//     into the target, swap exchanges parities, diagonal gates change
//     nothing. Any other gate gives each qubit on which it is not diagonal in
//     Z a fresh variable. Measure, reset, barrier and conditioned
//     operations end the region: the table of seen parities is cleared.
//  3. An rz(t) on a wire with parity p and constant b multiplies the
//     amplitude of every path by exp(-+i t/2 (-1)^p). The first rz of each
//     parity is kept; later ones are folded into it (angle +-t) and removed.
// Why it is exact: in the sum over paths every rz is a scalar factor that
// depends only on its parity, so factors with equal parities can be
// multiplied together anywhere that parity is on a wire.
#include "qforge/passes.hpp"
#include "structured.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <unordered_map>

namespace qforge {
namespace {

using Parity = std::vector<uint32_t>;  // sorted variable ids

struct ParityHash {
  std::size_t operator()(const Parity& p) const {
    uint64_t h = 1469598103934665603ULL;
    for (uint32_t v : p) h = (h ^ v) * 1099511628211ULL;
    return h ^ p.size();
  }
};

Parity xor_parity(const Parity& a, const Parity& b) {
  Parity out;
  out.reserve(a.size() + b.size());
  std::set_symmetric_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

bool z_diagonal_on(const Operation& op, std::size_t i) {
  if (i < op.num_controls) return true;
  const GateInfo& info = gate_info(op.gate);
  return info.diagonal || (i - op.num_controls) < info.num_controls;
}

class PhasePolyPass : public Pass {
 public:
  explicit PhasePolyPass(PhasePolynomialConfig cfg) : cfg_(cfg) {}
  std::string name() const override {
    using P = PhasePolynomialConfig::Placement;
    return cfg_.placement == P::First  ? "phase-polynomial-merge(first)"
           : cfg_.placement == P::Last ? "phase-polynomial-merge(last)"
                                       : "phase-polynomial-merge(smart)";
  }
  bool run(Circuit& c) override {
    const std::size_t n = c.ops.size();
    std::vector<Parity> par(c.num_qubits);
    std::vector<uint8_t> cst(c.num_qubits, 0);
    uint32_t next_var = 0;
    auto fresh = [&](uint32_t q) {
      par[q] = {next_var++};
      cst[q] = 0;
    };
    for (uint32_t q = 0; q < c.num_qubits; ++q) fresh(q);
    std::unordered_map<Parity, uint32_t, ParityHash> seen;  // parity -> group
    std::vector<std::vector<uint32_t>> groups;
    std::vector<Parity> group_parity;  // per group
    std::vector<uint32_t> group_epoch;  // groups of one epoch share path variables
    uint32_t epoch = 0;
    std::vector<uint8_t> sign_at(n, 0);
    std::vector<bool> del(n, false);
    uint32_t merged = 0;
    for (uint32_t i = 0; i < n; ++i) {
      Operation& op = c.ops[i];
      if (op.kind != OpKind::Gate || !op.conditions.empty()) {
        seen.clear();
        ++epoch;
        for (uint32_t q : op.qubits) fresh(q);
        if (op.kind == OpKind::Barrier && op.qubits.empty())
          for (uint32_t q = 0; q < c.num_qubits; ++q) fresh(q);
        continue;
      }
      if (op.num_controls == 0) {
        if (op.gate == GateId::X) { cst[op.qubits[0]] ^= 1; continue; }
        if (op.gate == GateId::CX) {
          const uint32_t a = op.qubits[0], b = op.qubits[1];
          par[b] = xor_parity(par[b], par[a]);
          cst[b] ^= cst[a];
          continue;
        }
        if (op.gate == GateId::Swap) {
          std::swap(par[op.qubits[0]], par[op.qubits[1]]);
          std::swap(cst[op.qubits[0]], cst[op.qubits[1]]);
          continue;
        }
        if (op.gate == GateId::RZ) {
          const uint32_t q = op.qubits[0];
          if (par[q].empty()) continue;  // a constant wire: leave it
          auto it = seen.find(par[q]);
          sign_at[i] = cst[q];
          if (it == seen.end()) {
            seen.emplace(par[q], static_cast<uint32_t>(groups.size()));
            groups.push_back({i});
            group_parity.push_back(par[q]);
            group_epoch.push_back(epoch);
          } else {
            groups[it->second].push_back(i);
          }
          continue;
        }
      }
      for (std::size_t k = 0; k < op.qubits.size(); ++k)
        if (!z_diagonal_on(op, k)) fresh(op.qubits[k]);
    }
    resolve(c, groups, sign_at, del, merged);
    double identity_phase = 0;
    const uint32_t folded = fold_identities(c, groups, group_parity, group_epoch, sign_at, del, identity_phase);
    // Remove merged rotations that became identities (exactly: rz(2pi) = -1).
    Expr phase = c.global_phase + Expr(identity_phase);
    for (uint32_t i = 0; i < n; ++i) {
      Operation& op = c.ops[i];
      if (del[i] || op.kind != OpKind::Gate || op.gate != GateId::RZ || !op.conditions.empty() ||
          op.num_controls || !op.params[0].is_const())
        continue;
      double t = std::remainder(op.params[0].value(), 4 * M_PI);
      if (t > M_PI) { t -= 2 * M_PI; phase = phase + Expr(M_PI); }
      else if (t <= -M_PI) { t += 2 * M_PI; phase = phase + Expr(M_PI); }
      op.params[0] = Expr(t);
      if (std::abs(t) < 1e-12) { del[i] = true; ++merged; }
    }
    if (phase.is_const()) {
      double p = std::remainder(phase.value(), 2 * M_PI);
      phase = Expr(p);
    }
    c.global_phase = phase;
    report_ = "folded " + std::to_string(merged) + " rotations, " + std::to_string(folded) + " Toffoli identities";
    if (!merged && !folded) {
      c.global_phase = phase;
      return false;
    }
    std::vector<Operation> out;
    out.reserve(n);
    for (uint32_t i = 0; i < n; ++i)
      if (!del[i]) out.push_back(std::move(c.ops[i]));
    c.ops.swap(out);
    return true;
  }

 private:
  // Identities between terms (rz angle t on parity p contributes e^{i t p}
  // and a global e^{-i t/2}): for parities p, q, r,
  //   2 pi p q   = pi (p + q - p^q)                                   = 0
  //   2 pi p q r = pi/2 (p + q + r - p^q - p^r - q^r + p^q^r)         = 0
  // mod 2 pi, so adding these patterns to existing terms changes nothing but
  // the global phase. A Toffoli's seven T terms flipped in sign are such a
  // shift (its "polarity"); choosing it so that terms cancel instead of
  // adding up (T + T = S) removes rotations. Greedy: apply a shift when it
  // leaves fewer non-zero terms and no more T-like ones. Only constant
  // terms whose parity already carries a kept rz take part.
  uint32_t fold_identities(Circuit& c, const std::vector<std::vector<uint32_t>>& groups,
                           const std::vector<Parity>& parity_of, const std::vector<uint32_t>& epoch_of,
                           const std::vector<uint8_t>& sign_at, const std::vector<bool>& del,
                           double& phase) const {
    // Kept op and its angle on the linear parity, per group.
    std::vector<int64_t> kept(groups.size(), -1);

    auto angle = [&](uint32_t g) {
      const Operation& op = c.ops[kept[g]];
      return sign_at[kept[g]] ? -op.params[0].value() : op.params[0].value();
    };
    auto set_angle = [&](uint32_t g, double t) { c.ops[kept[g]].params[0] = Expr(sign_at[kept[g]] ? -t : t); };
    std::vector<uint32_t> clifford;  // groups at an odd multiple of pi/2 or at pi
    auto multiple = [](double t, double unit) {
      const double k = t / unit;
      return std::abs(k - std::round(k)) < 1e-9 ? static_cast<long long>(std::llround(k)) : LLONG_MIN;
    };
    // resolve() keeps exactly one op per group.
    for (uint32_t g = 0; g < groups.size(); ++g)
      for (uint32_t i : groups[g])
        if (!del[i]) { kept[g] = i; break; }
    for (uint32_t g = 0; g < groups.size(); ++g) {
      if (kept[g] < 0 || !c.ops[kept[g]].params[0].is_const()) { kept[g] = -1; continue; }
      const long long k = multiple(angle(g), M_PI / 2);
      if (k != LLONG_MIN && ((k % 4) + 4) % 4 != 0) clifford.push_back(g);
    }
    // Zobrist keys (xor of a random word per variable) find p ^ r without
    // building it; a hit is confirmed on the real parity.
    auto zobrist = [](uint32_t v) {
      uint64_t z = (v + 1) * 0x9E3779B97F4A7C15ULL;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      return z ^ (z >> 31);
    };
    std::vector<uint64_t> key(groups.size(), 0);
    std::unordered_map<uint64_t, uint32_t> by_key;
    for (uint32_t g = 0; g < groups.size(); ++g) {
      if (kept[g] < 0) continue;
      for (uint32_t v : parity_of[g]) key[g] ^= zobrist(v);
      // Identities hold between terms of one epoch (between measurements,
      // resets and conditions): the lookup key adds the epoch.
      by_key.emplace(key[g] ^ zobrist(0x80000000u + epoch_of[g]), g);
    }
    auto find_xor = [&](uint64_t k, const Parity& a, const Parity& b, uint32_t ep) -> int64_t {
      auto it = by_key.find(k ^ zobrist(0x80000000u + ep));
      if (it == by_key.end() || epoch_of[it->second] != ep) return -1;
      return xor_parity(a, b) == parity_of[it->second] ? static_cast<int64_t>(it->second) : -1;
    };
    std::size_t work = 0;  // bounded: clifford pairs times groups can be large
    constexpr std::size_t kMaxWork = 2000000;
    auto nonzero = [&](double t) { return multiple(t, 2 * M_PI) == LLONG_MIN; };
    auto t_like = [&](double t) {
      const long long k = multiple(t, M_PI / 4);
      return k == LLONG_MIN || (k % 2) != 0;
    };
    // Try adding `delta * sign[k]` to the terms; apply when it pays.
    auto attempt = [&](const std::vector<int64_t>& gs, const std::vector<int>& signs, double delta) {
      int before = 0, after = 0, t_before = 0, t_after = 0;
      for (std::size_t k = 0; k < gs.size(); ++k) {
        const double a = angle(gs[k]), b = a + signs[k] * delta;
        before += nonzero(a);
        after += nonzero(b);
        t_before += t_like(a);
        t_after += t_like(b);
      }
      if (after >= before || t_after > t_before) return false;
      double total = 0;
      for (std::size_t k = 0; k < gs.size(); ++k) {
        set_angle(gs[k], angle(gs[k]) + signs[k] * delta);
        total += signs[k] * delta;
      }
      phase += total / 2;
      return true;
    };
    // The kept groups of each epoch, in order: the third parity r of a
    // Toffoli identity comes from the same epoch.
    std::vector<std::vector<uint32_t>> in_epoch;
    for (uint32_t g = 0; g < groups.size(); ++g) {
      if (kept[g] < 0) continue;
      if (in_epoch.size() <= epoch_of[g]) in_epoch.resize(epoch_of[g] + 1);
      in_epoch[epoch_of[g]].push_back(g);
    }
    uint32_t applied = 0;
    for (std::size_t a = 0; a < clifford.size(); ++a)
      for (std::size_t b = a + 1; b < clifford.size(); ++b) {
        const uint32_t ga = clifford[a], gb = clifford[b];
        if (kept[ga] < 0 || kept[gb] < 0 || epoch_of[ga] != epoch_of[gb]) continue;
        if (++work > kMaxWork) return applied;
        const Parity& p = parity_of[ga];
        const Parity& q = parity_of[gb];
        const int64_t gpq = find_xor(key[ga] ^ key[gb], p, q, epoch_of[ga]);
        if (gpq < 0) continue;
        const Parity& pq = parity_of[gpq];
        bool done = false;
        for (double delta : {M_PI, -M_PI})
          if (!done && attempt({ga, gb, gpq}, {1, 1, -1}, delta)) { ++applied; done = true; }
        for (uint32_t gr : in_epoch[epoch_of[ga]]) {
          if (done) break;
          if (gr == ga || gr == gb || gr == static_cast<uint32_t>(gpq)) continue;
          if (++work > kMaxWork) return applied;
          const Parity& r = parity_of[gr];
          const int64_t gpr = find_xor(key[ga] ^ key[gr], p, r, epoch_of[ga]);
          if (gpr < 0) continue;
          const int64_t gqr = find_xor(key[gb] ^ key[gr], q, r, epoch_of[ga]);
          if (gqr < 0) continue;
          const int64_t gpqr = find_xor(key[ga] ^ key[gb] ^ key[gr], pq, r, epoch_of[ga]);
          if (gpqr < 0) continue;
          for (double delta : {M_PI / 2, -M_PI / 2})
            if (!done && attempt({ga, gb, gpq, gr, gpr, gqr, gpqr}, {1, 1, -1, 1, -1, -1, 1}, delta)) {
              ++applied;
              done = true;
            }
        }
      }
    return applied;
  }

  void resolve(Circuit& c, const std::vector<std::vector<uint32_t>>& groups, const std::vector<uint8_t>& sign_at,
               std::vector<bool>& del, uint32_t& merged) const {
    using P = PhasePolynomialConfig::Placement;
    std::vector<std::vector<uint32_t>> wire(c.num_qubits);
    std::vector<uint32_t> pos(c.ops.size(), 0);
    if (cfg_.placement == P::Smart) {
      for (uint32_t i = 0; i < c.ops.size(); ++i) {
        if (c.ops[i].qubits.size() == 1) {
          pos[i] = static_cast<uint32_t>(wire[c.ops[i].qubits[0]].size());
          wire[c.ops[i].qubits[0]].push_back(i);
        } else {
          for (uint32_t q : c.ops[i].qubits) wire[q].push_back(i);
        }
      }
    }
    auto is_rz = [&](uint32_t i) { return c.ops[i].kind == OpKind::Gate && c.ops[i].gate == GateId::RZ; };
    auto blocking = [&](uint32_t i) {
      const uint32_t q = c.ops[i].qubits[0];
      const auto& w = wire[q];
      int64_t a = static_cast<int64_t>(pos[i]) - 1, b = pos[i] + 1;
      while (a >= 0 && is_rz(w[a])) --a;
      while (b < static_cast<int64_t>(w.size()) && is_rz(w[b])) ++b;
      if (a < 0 || b >= static_cast<int64_t>(w.size())) return false;
      const Operation &x = c.ops[w[a]], &y = c.ops[w[b]];
      return x.gate == GateId::CX && y.gate == GateId::CX && x.qubits == y.qubits && x.qubits[1] == q &&
             x.num_controls == 0 && y.num_controls == 0;
    };
    for (const auto& g : groups) {
      if (g.size() < 2) continue;
      uint32_t keep = g.front();
      if (cfg_.placement == P::Last) keep = g.back();
      else if (cfg_.placement == P::Smart)
        for (uint32_t i : g)
          if (!blocking(i)) { keep = i; break; }
      Expr angle(0.0);
      for (uint32_t i : g)
        angle = sign_at[i] == sign_at[keep] ? angle + c.ops[i].params[0] : angle - c.ops[i].params[0];
      c.ops[keep].params[0] = angle;
      for (uint32_t i : g)
        if (i != keep) del[i] = true;
      merged += static_cast<uint32_t>(g.size() - 1);
    }
  }

  PhasePolynomialConfig cfg_;
};

}  // namespace

std::unique_ptr<Pass> createPhasePolynomialPass(PhasePolynomialConfig cfg) {
  return around_classical(std::make_unique<PhasePolyPass>(cfg));
}

}  // namespace qforge
