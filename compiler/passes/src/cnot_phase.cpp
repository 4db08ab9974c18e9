// CNOT-phase region resynthesis (see qforge/passes.hpp).
//
// A {cx, x, rz} region is a CNOT-dihedral circuit: it maps a basis state x
// to exp(i f(x)) |A x + c>, where A is an invertible GF(2) matrix, c a
// constant vector and f a phase polynomial: a sum of rz angles, each on an
// affine parity p.x + b of the region's inputs. Any circuit with the same
// (A, c, f) is the same unitary, including the global phase. Rewriting a
// region therefore means: realise every parity of f on some wire at some
// point (where its rz goes), then finish with the linear map A and the x
// gates of c. Per region this pass tries
//   - gray-synth (Amy, Azimzadeh, Mosca, "On the CNOT-complexity of
//     CNOT-phase circuits", 2018, Algorithm 1): a Gray-code walk over the
//     parities, grouped by a greedy split on the most decisive variable,
//     then a Gaussian-elimination circuit from the walk's final map to A;
//   - the same with the variables split in the other tie-break order, walked
//     backward, and on a few relabellings of the qubits;
//   - the region's own cx with the rotations floating: pairs of cx dropped
//     while every parity still shows somewhere, and every run of cx on at
//     most five wires replaced by the shortest cx circuit with the same map
//     that still shows the parities only that run shows (windows);
// and keeps the cheapest result only when it has fewer cx than the region
// (or as many cx and fewer gates). Regions are cut greedily in circuit
// order: starting from the front of what is left, every {cx, x, rz} gate
// whose qubits are all still open joins the region, and any other gate (h,
// measure, a conditioned gate, ...) closes its qubits for the rest of the
// region; so a region is a convex set of gates that can be moved to the
// front of what is left. Symbolic rz angles are moved, never evaluated.
#include "qforge/passes.hpp"
#include "structured.hpp"

#include <algorithm>
#include <array>
#include <bitset>
#include <cmath>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace qforge {
namespace {

constexpr std::size_t kMaxRegionQubits = 128;
constexpr std::size_t kMaxGraySynthTerms = 512;
using Bits = std::bitset<kMaxRegionQubits>;

bool is_region_gate(const Operation& op) {
  if (op.kind != OpKind::Gate || !op.conditions.empty() || op.num_controls) return false;
  return op.gate == GateId::CX || op.gate == GateId::X || op.gate == GateId::RZ;
}

struct Term {
  Bits parity;  ///< over the region's local qubits
  Expr angle;   ///< rz angle on a wire holding exactly this parity (constant 0)
};

/// A region in local qubit numbering: what any replacement must realise.
struct RegionSpec {
  uint32_t n = 0;
  std::vector<Term> terms;        ///< distinct parities, in order of first appearance
  std::vector<Bits> final_map;    ///< row q: the parity wire q holds at the end
  std::vector<uint8_t> final_x;   ///< the constant wire q holds at the end
};

struct Cost {
  std::size_t cx = 0, total = 0;
  bool operator<(const Cost& o) const { return cx != o.cx ? cx < o.cx : total < o.total; }
};

Cost cost_of(const std::vector<Operation>& ops) {
  Cost c;
  c.total = ops.size();
  for (const auto& op : ops) c.cx += op.gate == GateId::CX;
  return c;
}

// Row operations (target row ^= control row) that turn `m` into the identity,
// in the order found; `m` must be invertible. Returns false if it is not.
bool eliminate(std::vector<Bits> m, uint32_t n, std::vector<std::pair<uint32_t, uint32_t>>& ops) {
  for (uint32_t col = 0; col < n; ++col) {
    if (!m[col][col]) {
      uint32_t r = col + 1;
      while (r < n && !m[r][col]) ++r;
      if (r == n) return false;
      m[col] ^= m[r];
      ops.emplace_back(r, col);  // (control, target)
    }
    for (uint32_t r = 0; r < n; ++r)
      if (r != col && m[r][col]) {
        m[r] ^= m[col];
        ops.emplace_back(col, r);
      }
  }
  return true;
}

// Solve for the rows of M with M * from = to (all n x n over GF(2), rows as
// Bits where bit j of row i is entry (i, j)): M = to * from^-1.
bool transition(const std::vector<Bits>& from, const std::vector<Bits>& to, uint32_t n, std::vector<Bits>& m) {
  // Invert `from` by Gauss-Jordan on [from | I].
  std::vector<Bits> a = from, inv(n);
  for (uint32_t i = 0; i < n; ++i) inv[i].set(i);
  for (uint32_t col = 0; col < n; ++col) {
    uint32_t p = col;
    while (p < n && !a[p][col]) ++p;
    if (p == n) return false;
    std::swap(a[p], a[col]);
    std::swap(inv[p], inv[col]);
    for (uint32_t r = 0; r < n; ++r)
      if (r != col && a[r][col]) {
        a[r] ^= a[col];
        inv[r] ^= inv[col];
      }
  }
  m.assign(n, Bits());
  for (uint32_t i = 0; i < n; ++i)
    for (uint32_t k = 0; k < n; ++k)
      if (to[i][k]) m[i] ^= inv[k];
  return true;
}

using Cx = std::pair<uint32_t, uint32_t>;  // (control, target)

/// A cx circuit taking the wire map `from` to `to`: Gaussian elimination of
/// M = to * from^-1 (row operations) or of M^T (column operations, each a
/// reversed cx), whichever is shorter.
bool linear_circuit(const std::vector<Bits>& from, const std::vector<Bits>& to, uint32_t n, std::vector<Cx>& out) {
  std::vector<Bits> m;
  if (!transition(from, to, n, m)) return false;
  std::vector<Cx> rows, cols;
  if (!eliminate(m, n, rows)) return false;
  // M = E_1 E_2 ... E_k: the last operation found is applied first.
  std::reverse(rows.begin(), rows.end());
  std::vector<Bits> mt(n);
  for (uint32_t i = 0; i < n; ++i)
    for (uint32_t j = 0; j < n; ++j)
      if (m[i][j]) mt[j].set(i);
  // M^T = E_1 ... E_k, so M = E_k^T ... E_1^T: E_1^T first, each transposed.
  if (eliminate(mt, n, cols) && cols.size() < rows.size()) {
    for (auto& c : cols) std::swap(c.first, c.second);
    rows.swap(cols);
  }
  out.insert(out.end(), rows.begin(), rows.end());
  return true;
}

/// Gray-synth: a cx circuit that shows every parity of `spec` on some wire
/// and ends with the region's map; false when it fails or needs more than
/// `max_cx` cx. `prefer_high` breaks ties in the split towards
/// higher-numbered variables. `backward` walks from the region's final map
/// instead of from the identity and plays the walk in reverse (every state
/// it passes is visited again), so the linear-map circuit comes first.
bool gray_synth(const RegionSpec& spec, bool prefer_high, bool backward, std::size_t max_cx, std::vector<Cx>& result) {
  const uint32_t n = spec.n;
  std::vector<Cx> walk;
  std::vector<Bits> identity(n);
  for (uint32_t q = 0; q < n; ++q) identity[q].set(q);
  std::vector<Bits> state = backward ? spec.final_map : identity;
  // cur[t]: term t's parity in the coordinates of the wires' current values
  // w = S x: p.x = (S^-T p).w, the xor of the rows of S^-1 that p selects.
  std::vector<Bits> cur;
  cur.reserve(spec.terms.size());
  if (backward) {
    std::vector<Bits> inv;
    if (!transition(state, identity, n, inv)) return false;
    for (const auto& t : spec.terms) {
      Bits b;
      for (uint32_t j = 0; j < n; ++j)
        if (t.parity[j]) b ^= inv[j];
      cur.push_back(b);
    }
  } else {
    for (const auto& t : spec.terms) cur.push_back(t.parity);
  }
  struct Entry {
    std::vector<uint32_t> terms;
    Bits rows;       // variables not split on yet
    int32_t target;  // -1: none yet
  };
  std::vector<Entry> stack;
  {
    Entry e;
    for (uint32_t t = 0; t < spec.terms.size(); ++t) e.terms.push_back(t);
    for (uint32_t q = 0; q < n; ++q) e.rows.set(q);
    e.target = -1;
    stack.push_back(std::move(e));
  }
  std::size_t guard = 0;
  std::vector<uint32_t> ones;
  while (!stack.empty()) {
    Entry e = std::move(stack.back());
    stack.pop_back();
    if (e.terms.empty()) continue;
    if (e.target >= 0) {
      const uint32_t i = static_cast<uint32_t>(e.target);
      for (bool again = true; again;) {
        again = false;
        // Variables that every term of the entry has.
        Bits all;
        all.set();
        for (uint32_t t : e.terms) all &= cur[t];
        all.reset(i);
        for (uint32_t j = 0; j < n; ++j) {
          if (!all[j]) continue;
          if (walk.size() >= max_cx) return false;
          walk.emplace_back(j, i);
          state[i] ^= state[j];
          for (auto& c : cur)
            if (c[i]) c.flip(j);
          again = true;
          if (++guard > 64u * n * (spec.terms.size() + 1)) return false;
          break;
        }
      }
    }
    if (e.rows.none()) continue;
    // The variable that splits the terms most unevenly.
    ones.assign(n, 0);
    for (uint32_t t : e.terms)
      for (uint32_t b = 0; b < n; ++b) ones[b] += cur[t][b];
    uint32_t best = n;
    std::size_t best_score = 0;
    for (uint32_t k = 0; k < n; ++k) {
      const uint32_t r = prefer_high ? n - 1 - k : k;
      if (!e.rows[r]) continue;
      const std::size_t score = std::max<std::size_t>(ones[r], e.terms.size() - ones[r]);
      if (best == n || score > best_score) { best = r; best_score = score; }
    }
    Entry zero, one;
    zero.rows = one.rows = e.rows;
    zero.rows.reset(best);
    one.rows.reset(best);
    for (uint32_t t : e.terms) (cur[t][best] ? one : zero).terms.push_back(t);
    one.target = e.target < 0 ? static_cast<int32_t>(best) : e.target;
    zero.target = e.target;
    stack.push_back(std::move(one));
    stack.push_back(std::move(zero));
  }
  result.clear();
  if (backward) {
    if (!linear_circuit(identity, state, n, result)) return false;
    result.insert(result.end(), walk.rbegin(), walk.rend());
  } else {
    result = walk;
    if (!linear_circuit(state, spec.final_map, n, result)) return false;
  }
  return result.size() <= max_cx;
}

/// Every parity of `spec` appears on some wire of the cx circuit.
bool covers(const RegionSpec& spec, const std::vector<Cx>& cxs, std::vector<Bits>& state,
            std::unordered_map<Bits, uint8_t>& seen) {
  state.assign(spec.n, Bits());
  for (uint32_t q = 0; q < spec.n; ++q) state[q].set(q);
  seen.clear();
  for (const auto& t : spec.terms) seen.emplace(t.parity, 0);
  std::size_t missing = seen.size();
  auto look = [&](const Bits& b) {
    auto it = seen.find(b);
    if (it != seen.end() && !it->second) { it->second = 1; --missing; }
  };
  for (uint32_t q = 0; q < spec.n; ++q) look(state[q]);
  for (const auto& [c, t] : cxs) {
    state[t] ^= state[c];
    look(state[t]);
  }
  return missing == 0;
}

/// Two cx commute unless one's target is the other's control.
bool commute(const Cx& a, const Cx& b) { return a.second != b.first && a.first != b.second; }

/// How often each term's parity shows in a cx circuit: is there at the
/// start or is written to a wire by a cx. A rewrite of part of the circuit
/// is checked by tentative changes to the counts (see, then settle): it may
/// go when no count drops to zero.
class ParityCounts {
 public:
  explicit ParityCounts(const RegionSpec& spec) : spec_(spec), shows_(spec.terms.size()), delta_(spec.terms.size()) {
    for (uint32_t t = 0; t < spec.terms.size(); ++t) term_of_.emplace(spec.terms[t].parity, t);
  }
  void count(const std::vector<Cx>& cxs) {
    std::fill(shows_.begin(), shows_.end(), 0);
    std::vector<Bits> state(spec_.n);
    for (uint32_t q = 0; q < spec_.n; ++q) {
      state[q].set(q);
      if (auto it = term_of_.find(state[q]); it != term_of_.end()) ++shows_[it->second];
    }
    for (const auto& [c, t] : cxs) {
      state[t] ^= state[c];
      if (auto it = term_of_.find(state[t]); it != term_of_.end()) ++shows_[it->second];
    }
  }
  /// A tentative change: parity `b` shows `d` more times.
  void see(const Bits& b, int32_t d) {
    auto it = term_of_.find(b);
    if (it == term_of_.end()) return;
    if (!delta_[it->second]) touched_.push_back(it->second);
    delta_[it->second] += d;
  }
  /// Drop the tentative changes, calling lost(t) for every term they would
  /// leave unshown.
  template <typename F>
  void settle(F&& lost) {
    for (uint32_t t : touched_) {
      if (shows_[t] + delta_[t] <= 0) lost(t);
      delta_[t] = 0;
    }
    touched_.clear();
  }

 private:
  const RegionSpec& spec_;
  std::unordered_map<Bits, uint32_t> term_of_;
  std::vector<int32_t> shows_, delta_;
  std::vector<uint32_t> touched_;
};

/// Remove pairs of equal cx while every parity still appears somewhere: the
/// rz gates float to wherever their parity is left (Nam et al.'s "floating"
/// rotations). The first cx of a pair travels right past commuting cx, and
/// past at most one that does not commute by the rules
///   cx(a,b) cx(b,c) = cx(b,c) cx(a,c) cx(a,b)
///   cx(a,b) cx(c,a) = cx(c,a) cx(c,b) cx(a,b)
/// leaving the new cx behind (a net saving of one instead of two).
/// Each try costs a pass over the circuit: at most `max_tries` of them.
void prune(const RegionSpec& spec, std::vector<Cx>& cxs, std::size_t max_tries) {
  std::vector<Bits> state;
  std::unordered_map<Bits, uint8_t> seen;
  ParityCounts counts(spec);
  std::vector<Bits> cur(spec.n), tmp;
  std::size_t tries = 0;
  std::vector<Cx> trial;
  for (bool changed = true; changed;) {
    changed = false;
    counts.count(cxs);
    for (uint32_t q = 0; q < spec.n; ++q) cur[q] = Bits().set(q);
    for (std::size_t i = 0; i < cxs.size() && !changed; ++i) {
      const Cx g = cxs[i];
      std::size_t spawn_after = SIZE_MAX;
      Cx spawn{};
      for (std::size_t j = i + 1; j < cxs.size(); ++j) {
        const Cx& h = cxs[j];
        if (h == g) {
          if (++tries > max_tries) return;
          if (spawn_after == SIZE_MAX) {
            // Only the target wire changes between the two: by the control's
            // row v, which nothing in between writes.
            tmp = cur;
            const Bits v = tmp[g.first];
            for (std::size_t p = i; p <= j; ++p) {
              tmp[cxs[p].second] ^= tmp[cxs[p].first];
              if (cxs[p].second != g.second) continue;
              counts.see(tmp[g.second], -1);
              if (p != i && p != j) counts.see(tmp[g.second] ^ v, +1);
            }
            bool ok = true;
            counts.settle([&](uint32_t) { ok = false; });
            if (ok) {
              cxs.erase(cxs.begin() + static_cast<std::ptrdiff_t>(j));
              cxs.erase(cxs.begin() + static_cast<std::ptrdiff_t>(i));
              changed = true;
            }
            break;
          }
          trial.clear();
          for (std::size_t k = 0; k < cxs.size(); ++k) {
            if (k != i && k != j) trial.push_back(cxs[k]);
            if (k == spawn_after) trial.push_back(spawn);
          }
          if (covers(spec, trial, state, seen)) {
            cxs.swap(trial);
            changed = true;
          }
          break;
        }
        if (commute(g, h)) continue;
        if (spawn_after != SIZE_MAX) break;
        spawn_after = j;
        spawn = g.second == h.first ? Cx{g.first, h.second} : Cx{h.first, g.second};
        if (spawn.first == spawn.second) break;  // h is g reversed: no rule
      }
      cur[g.second] ^= cur[g.first];
    }
  }
}

// ---- Windowed optimal resynthesis of a cx skeleton -------------------------
//
// A k x k GF(2) map (k <= 5) is packed row-major: row i in bits [i k, i k + k).

inline uint32_t wapply(uint32_t m, uint32_t c, uint32_t t, uint32_t k) {
  const uint32_t mask = (1u << k) - 1;
  return m ^ (((m >> (c * k)) & mask) << (t * k));
}

inline uint32_t wrow(uint32_t m, uint32_t i, uint32_t k) { return (m >> (i * k)) & ((1u << k) - 1); }

// Row i of a*b is the xor of the rows of b that row i of a selects.
inline uint32_t wmul(uint32_t a, uint32_t b, uint32_t k) {
  uint32_t out = 0;
  for (uint32_t i = 0; i < k; ++i) {
    uint32_t r = 0;
    const uint32_t ai = wrow(a, i, k);
    for (uint32_t j = 0; j < k; ++j)
      if (ai >> j & 1) r ^= wrow(b, j, k);
    out |= r << (i * k);
  }
  return out;
}

inline uint32_t widentity(uint32_t k) {
  uint32_t id = 0;
  for (uint32_t i = 0; i < k; ++i) id |= 1u << (i * k + i);
  return id;
}

/// The fewest cx that make an invertible k x k map (k = 2..5), from tables
/// built on first use by a breadth-first search from the identity. Exact up
/// to four wires; on five the search stops at depth 6 (0.05 s, where the
/// whole group takes 1.7 s and 32 MB), and maps further away get 7, a lower
/// bound. A map and its inverse need as many (play the circuit backwards).
uint32_t cx_distance(uint32_t k, uint32_t m) {
  constexpr uint8_t kFive = 6;
  auto build = [](uint32_t k, uint8_t max_depth) {
    std::vector<uint8_t> d(std::size_t(1) << (k * k), 255);
    std::vector<uint32_t> frontier{widentity(k)}, next;
    d[frontier[0]] = 0;
    for (uint8_t depth = 1; depth <= max_depth && !frontier.empty(); ++depth) {
      next.clear();
      for (uint32_t x : frontier)
        for (uint32_t c = 0; c < k; ++c)
          for (uint32_t t = 0; t < k; ++t) {
            if (c == t) continue;
            const uint32_t x2 = wapply(x, c, t, k);
            if (d[x2] == 255) { d[x2] = depth; next.push_back(x2); }
          }
      frontier.swap(next);
    }
    return d;
  };
  if (k == 5) {
    static const std::vector<uint8_t> five = build(5, kFive);
    return five[m] == 255 ? kFive + 1 : five[m];
  }
  static const std::array<std::vector<uint8_t>, 5> small = [&] {
    std::array<std::vector<uint8_t>, 5> all;
    for (uint32_t j = 2; j <= 4; ++j) all[j] = build(j, 255);
    return all;
  }();
  return small[k][m];
}

uint32_t winverse(uint32_t m, uint32_t k) {
  // Gauss-Jordan on [m | I], rows packed separately.
  uint32_t a[5], b[5];
  for (uint32_t i = 0; i < k; ++i) { a[i] = wrow(m, i, k); b[i] = 1u << i; }
  for (uint32_t col = 0; col < k; ++col) {
    uint32_t piv = col;
    while (piv < k && !(a[piv] >> col & 1)) ++piv;
    if (piv == k) return UINT32_MAX;
    std::swap(a[piv], a[col]);
    std::swap(b[piv], b[col]);
    for (uint32_t i = 0; i < k; ++i)
      if (i != col && (a[i] >> col & 1)) { a[i] ^= a[col]; b[i] ^= b[col]; }
  }
  uint32_t out = 0;
  for (uint32_t i = 0; i < k; ++i) out |= b[i] << (i * k);
  return out;
}

/// A shortest cx circuit on k wires from the identity to `target` that, on
/// the way, shows every local row in `needed` on some wire; at most `max_len`
/// cx. Breadth-first over (map, rows shown so far), pruned by the exact
/// distance to the target; answers are remembered per thread, since the same
/// windows come back in every round and alternative of the optimiser.
bool window_search(uint32_t k, uint32_t target, const std::vector<uint32_t>& needed, std::size_t max_len,
                   std::vector<Cx>& out) {
  const uint32_t tinv = winverse(target, k);
  if (tinv == UINT32_MAX || needed.size() > 8) return false;
  // The key packs k (3 bits), max_len (8), the target (25) and the needed
  // rows (5 bits each, at most 8 of them, and their count).
  uint64_t key_needed = needed.size();
  for (uint32_t r : needed) key_needed = key_needed << 5 | r;
  const uint64_t key_map = uint64_t(k) << 33 | uint64_t(std::min<std::size_t>(max_len, 255)) << 25 | target;
  const uint64_t key = key_map * 0x9E3779B97F4A7C15ULL ^ key_needed;
  struct Answer {
    uint64_t map, needed;
    std::vector<Cx> path;  // empty: none
  };
  thread_local std::unordered_map<uint64_t, Answer> memo;
  if (auto it = memo.find(key); it != memo.end() && it->second.map == key_map && it->second.needed == key_needed) {
    out = it->second.path;
    return !out.empty();
  }
  // Four wires have at most 20160 maps; on five the search is cut short.
  const std::size_t max_nodes = k <= 4 ? SIZE_MAX : 2000;
  const uint32_t all = (1u << needed.size()) - 1;
  auto mark = [&](uint32_t seen, uint32_t row) {
    for (uint32_t i = 0; i < needed.size(); ++i)
      if (needed[i] == row) seen |= 1u << i;
    return seen;
  };
  // Each cx writes one row: every wire not yet at its target row needs one,
  // and so does every parity still unseen that is no wire's target row.
  auto lower_bound = [&](uint32_t m, uint32_t seen) -> std::size_t {
    std::size_t wrong = 0, unseen = 0;
    uint32_t finals = 0;  // bit r: some wrong wire ends holding row r
    for (uint32_t q = 0; q < k; ++q)
      if (wrow(m, q, k) != wrow(target, q, k)) {
        ++wrong;
        finals |= 1u << wrow(target, q, k);
      }
    for (uint32_t i = 0; i < needed.size(); ++i)
      unseen += !(seen >> i & 1) && !(finals >> needed[i] & 1);
    return std::max<std::size_t>(cx_distance(k, wmul(m, tinv, k)), wrong + unseen);
  };
  struct Node {
    uint32_t m, parent;
    uint16_t seen;
    uint8_t c, t;
  };
  std::vector<Node> nodes;
  std::unordered_set<uint64_t> visited;
  uint32_t seen0 = 0;
  for (uint32_t q = 0; q < k; ++q) seen0 = mark(seen0, 1u << q);
  nodes.push_back({widentity(k), UINT32_MAX, static_cast<uint16_t>(seen0), 0, 0});
  visited.insert(uint64_t(nodes[0].m) << 16 | seen0);
  std::vector<Cx> path;
  std::size_t level_begin = 0;
  bool done = nodes[0].m == target && seen0 == all;
  for (std::size_t depth = 0; depth < max_len && !done && level_begin < nodes.size() && nodes.size() < max_nodes; ++depth) {
    const std::size_t level_end = nodes.size();
    for (std::size_t n = level_begin; n < level_end && !done; ++n)
      for (uint32_t c = 0; c < k && !done; ++c)
        for (uint32_t t = 0; t < k && !done; ++t) {
          if (c == t) continue;
          const Node cur = nodes[n];
          const uint32_t m2 = wapply(cur.m, c, t, k);
          const uint32_t seen2 = mark(cur.seen, wrow(m2, t, k));
          if (depth + 1 + lower_bound(m2, seen2) > max_len) continue;
          if (!visited.insert(uint64_t(m2) << 16 | seen2).second) continue;
          nodes.push_back({m2, static_cast<uint32_t>(n), static_cast<uint16_t>(seen2), static_cast<uint8_t>(c),
                           static_cast<uint8_t>(t)});
          if (m2 == target && seen2 == all) {
            for (uint32_t p = static_cast<uint32_t>(nodes.size() - 1); nodes[p].parent != UINT32_MAX;
                 p = nodes[p].parent)
              path.emplace_back(nodes[p].c, nodes[p].t);
            std::reverse(path.begin(), path.end());
            done = true;
          }
        }
    level_begin = level_end;
  }
  if (memo.size() > 100000) memo.clear();
  memo[key] = Answer{key_map, key_needed, path};
  out = path;
  return !path.empty();
}

/// Peephole resynthesis of a cx skeleton with the rotations floating: each
/// run of cx on at most five wires (cx that commute with the rest of the run
/// step aside, after it) is replaced by the shortest cx circuit with the
/// same map that still shows every parity no other part of the circuit
/// shows. Returns whether anything changed.
bool window_resynth(const RegionSpec& spec, std::vector<Cx>& cxs, std::size_t max_attempts) {
  constexpr uint32_t kMaxWires = 5;
  constexpr std::size_t kMaxRun = 32, kMaxAside = 32;
  ParityCounts counts(spec);
  counts.count(cxs);
  // The wires' parities before cx i (a cx undoes itself: stepping back
  // applies it again).
  std::vector<Bits> cur(spec.n);
  for (uint32_t q = 0; q < spec.n; ++q) cur[q].set(q);
  bool changed = false;
  std::size_t attempts = 0;
  std::vector<uint32_t> run, aside, wires;
  std::vector<Cx> found, trial;
  std::vector<uint32_t> span;
  std::vector<std::pair<uint32_t, Bits>> saved;
  for (std::size_t i = 0; i < cxs.size();) {
    bool replaced = false;
    run.assign(1, static_cast<uint32_t>(i));
    aside.clear();
    wires = {cxs[i].first, cxs[i].second};
    auto local = [&](uint32_t q) {
      for (uint32_t w = 0; w < wires.size(); ++w)
        if (wires[w] == q) return w;
      return UINT32_MAX;
    };
    for (std::size_t j = i + 1; j < cxs.size() && run.size() < kMaxRun && aside.size() <= kMaxAside; ++j) {
      const Cx g = cxs[j];
      bool joins = true;
      for (uint32_t a : aside) joins = joins && commute(cxs[a], g);
      uint32_t extra = (local(g.first) == UINT32_MAX) + (local(g.second) == UINT32_MAX);
      if (wires.size() + extra > kMaxWires) joins = false;
      if (!joins) { aside.push_back(static_cast<uint32_t>(j)); continue; }
      if (local(g.first) == UINT32_MAX) wires.push_back(g.first);
      if (local(g.second) == UINT32_MAX) wires.push_back(g.second);
      run.push_back(static_cast<uint32_t>(j));
      if (run.size() < 2) continue;
      const uint32_t k = std::max<uint32_t>(2, static_cast<uint32_t>(wires.size()));
      uint32_t m = widentity(k);
      for (uint32_t r : run) m = wapply(m, local(cxs[r].first), local(cxs[r].second), k);
      if (cx_distance(k, m) >= run.size()) continue;
      if (++attempts > max_attempts) return changed;
      // Parities the run alone shows: the events of the run and the cx set
      // aside are replayed in the new order (run first) from the state
      // before cx i; the wires' rows after the run stay visible.
      // Each replay runs on the rows of the wires it touches, then puts them back.
      auto replay = [&](auto&& gates, auto&& after_run) {
        saved.clear();
        for (uint32_t p : gates) saved.emplace_back(cxs[p].second, cur[cxs[p].second]);
        after_run();
        for (auto it = saved.rbegin(); it != saved.rend(); ++it) cur[it->first] = it->second;
      };
      span.clear();
      for (std::size_t p = i; p <= j; ++p) span.push_back(static_cast<uint32_t>(p));
      replay(span, [&] {
        for (uint32_t p : span) {
          cur[cxs[p].second] ^= cur[cxs[p].first];
          counts.see(cur[cxs[p].second], -1);
        }
      });
      span.assign(run.begin(), run.end());
      span.insert(span.end(), aside.begin(), aside.end());
      replay(span, [&] {
        std::vector<Bits> start;
        for (uint32_t w : wires) start.push_back(cur[w]);
        for (uint32_t r : run) cur[cxs[r].second] ^= cur[cxs[r].first];
        for (uint32_t w = 0; w < wires.size(); ++w)
          if (cur[wires[w]] != start[w]) counts.see(cur[wires[w]], +1);
        for (uint32_t a : aside) {
          cur[cxs[a].second] ^= cur[cxs[a].first];
          counts.see(cur[cxs[a].second], +1);
        }
      });
      // The local rows that give each parity the run must show.
      std::vector<uint32_t> needed;
      bool possible = true;
      counts.settle([&](uint32_t t) {
        if (!possible) return;
        uint32_t hit = UINT32_MAX;
        for (uint32_t r = 1; r < (1u << k) && hit == UINT32_MAX; ++r) {
          Bits b;
          for (uint32_t w = 0; w < wires.size(); ++w)
            if (r >> w & 1) b ^= cur[wires[w]];
          if (b == spec.terms[t].parity) hit = r;
        }
        if (hit == UINT32_MAX || needed.size() >= 8) possible = false;
        else needed.push_back(hit);
      });
      if (!possible) continue;
      if (!window_search(k, m, needed, run.size() - 1, found)) continue;
      trial.assign(cxs.begin(), cxs.begin() + i);
      for (const auto& [c, t] : found) trial.emplace_back(wires[c], wires[t]);
      for (uint32_t a : aside) trial.push_back(cxs[a]);
      trial.insert(trial.end(), cxs.begin() + j + 1, cxs.end());
      cxs.swap(trial);
      counts.count(cxs);
      changed = replaced = true;
      break;
    }
    // After a rewrite, look again from the cx before: the new cx may pair with it.
    if (!replaced) {
      cur[cxs[i].second] ^= cur[cxs[i].first];
      ++i;
    } else if (i > 0) {
      --i;
      cur[cxs[i].second] ^= cur[cxs[i].first];
    }
  }
  return changed;
}

/// The region's gates for a cx circuit that covers every parity and ends in
/// the region's map: each rz at the first wire that shows its parity, the x
/// gates at the end. Empty if the circuit does not do that.
std::vector<Operation> materialize(const RegionSpec& spec, const std::vector<Cx>& cxs) {
  std::vector<Operation> out;
  std::vector<Bits> state(spec.n);
  for (uint32_t q = 0; q < spec.n; ++q) state[q].set(q);
  std::unordered_map<Bits, uint32_t> pending;  // parity -> term
  for (uint32_t t = 0; t < spec.terms.size(); ++t) pending.emplace(spec.terms[t].parity, t);
  auto apply_phase = [&](uint32_t q) {
    auto it = pending.find(state[q]);
    if (it == pending.end()) return;
    out.push_back(make_gate(GateId::RZ, {q}, {spec.terms[it->second].angle}));
    pending.erase(it);
  };
  for (uint32_t q = 0; q < spec.n; ++q) apply_phase(q);
  for (const auto& [c, t] : cxs) {
    out.push_back(make_gate(GateId::CX, {c, t}));
    state[t] ^= state[c];
    apply_phase(t);
  }
  if (!pending.empty() || state != spec.final_map) return {};
  for (uint32_t q = 0; q < spec.n; ++q)
    if (spec.final_x[q]) out.push_back(make_gate(GateId::X, {q}));
  return out;
}

class CnotPhasePass : public Pass {
 public:
  explicit CnotPhasePass(CnotPhaseResynthesisConfig cfg) : cfg_(cfg) {}
  std::string name() const override {
    return cfg_.from_back ? "cnot-phase-resynthesis(from-back)" : "cnot-phase-resynthesis";
  }

  bool run(Circuit& c) override {
    const uint32_t nq = c.num_qubits;
    const uint32_t n = static_cast<uint32_t>(c.ops.size());
    // Positions in scan order; from the back, position k is op n-1-k.
    auto at = [&](uint32_t k) -> uint32_t { return cfg_.from_back ? n - 1 - k : k; };
    std::vector<uint32_t> rem(n);
    for (uint32_t k = 0; k < n; ++k) rem[k] = k;
    std::vector<std::vector<Operation>> blocks;  // in scan order
    std::vector<uint8_t> open(nq), taken(n, 0);
    std::size_t regions = 0, rewritten = 0, saved_cx = 0;
    auto qubits_of = [&](const Operation& op, auto&& fn) {
      if (op.kind == OpKind::Barrier && op.qubits.empty()) {
        for (uint32_t q = 0; q < nq; ++q) fn(q);
      } else {
        for (uint32_t q : op.qubits) fn(q);
      }
    };
    // Ops left per qubit: a scan can stop once every qubit with ops left is
    // closed (else each scan would run to the end of the circuit).
    std::vector<uint32_t> left(nq, 0);
    for (const auto& op : c.ops) qubits_of(op, [&](uint32_t q) { ++left[q]; });
    auto reset_open = [&] {
      uint32_t k = 0;
      for (uint32_t q = 0; q < nq; ++q) {
        open[q] = left[q] > 0;
        k += open[q];
      }
      return k;
    };
    // Scan what is left; take every op `want` accepts while its qubits are
    // all open, close the qubits of every other op.
    // rem[front..] holds what is left (taken ops in it are skipped); it is
    // compacted once half of it is taken, not after every region.
    std::size_t front = 0, taken_since = 0;
    auto scan = [&](bool region_gates, std::vector<uint32_t>& got) {
      uint32_t n_open = reset_open();
      for (std::size_t idx = front; idx < rem.size(); ++idx) {
        const uint32_t k = rem[idx];
        if (taken[k]) continue;
        const Operation& op = c.ops[at(k)];
        bool all_open = true;
        qubits_of(op, [&](uint32_t q) { all_open = all_open && open[q]; });
        if (all_open && is_region_gate(op) == region_gates) {
          got.push_back(at(k));
          taken[k] = 1;
          qubits_of(op, [&](uint32_t q) { --left[q]; });
          continue;
        }
        qubits_of(op, [&](uint32_t q) {
          if (open[q]) { open[q] = 0; --n_open; }
        });
        if (!n_open) break;
      }
      // Back to circuit order.
      if (cfg_.from_back) std::reverse(got.begin(), got.end());
    };
    std::vector<uint32_t> region, rest;
    while (front < rem.size()) {
      region.clear();
      scan(true, region);
      if (!region.empty()) {
        ++regions;
        std::vector<Operation> block = rewrite_region(c, region);
        if (block.empty()) {
          for (uint32_t i : region) block.push_back(c.ops[i]);
        } else {
          ++rewritten;
          saved_cx += cost_of_region(c, region).cx - cost_of(block).cx;
        }
        blocks.push_back(std::move(block));
      }
      rest.clear();
      scan(false, rest);
      std::vector<Operation> block;
      for (uint32_t i : rest) block.push_back(c.ops[i]);
      blocks.push_back(std::move(block));
      taken_since += region.size() + rest.size();
      if (2 * taken_since > rem.size() - front) {
        rem.erase(std::remove_if(rem.begin(), rem.end(), [&](uint32_t k) { return taken[k] != 0; }), rem.end());
        front = 0;
        taken_since = 0;
      }
      while (front < rem.size() && taken[rem[front]]) ++front;
    }
    report_ = std::to_string(regions) + " regions, " + std::to_string(rewritten) + " rewritten, " +
              std::to_string(saved_cx) + " cx saved";
    if (!rewritten) return false;
    if (cfg_.from_back) std::reverse(blocks.begin(), blocks.end());
    std::vector<Operation> out;
    out.reserve(n);
    for (auto& b : blocks)
      for (auto& op : b) out.push_back(std::move(op));
    c.ops.swap(out);
    return true;
  }

 private:
  static Cost cost_of_region(const Circuit& c, const std::vector<uint32_t>& region) {
    Cost k;
    k.total = region.size();
    for (uint32_t i : region) k.cx += c.ops[i].gate == GateId::CX;
    return k;
  }

  // The region resynthesised when that is cheaper, else empty.
  std::vector<Operation> rewrite_region(const Circuit& c, const std::vector<uint32_t>& region) const {
    auto keep = [] { return std::vector<Operation>(); };
    std::vector<uint32_t> local(c.num_qubits, UINT32_MAX), global;
    std::size_t cx = 0;
    for (uint32_t i : region) {
      cx += c.ops[i].gate == GateId::CX;
      for (uint32_t q : c.ops[i].qubits)
        if (local[q] == UINT32_MAX) {
          local[q] = static_cast<uint32_t>(global.size());
          global.push_back(q);
        }
    }
    if (cx < 2 || global.size() > kMaxRegionQubits || global.size() > cfg_.max_region_qubits) return keep();
    RegionSpec spec;
    spec.n = static_cast<uint32_t>(global.size());
    spec.final_map.assign(spec.n, Bits());
    spec.final_x.assign(spec.n, 0);
    for (uint32_t q = 0; q < spec.n; ++q) spec.final_map[q].set(q);
    std::unordered_map<Bits, uint32_t> index;
    for (uint32_t i : region) {
      const Operation& op = c.ops[i];
      if (op.gate == GateId::X) {
        spec.final_x[local[op.qubits[0]]] ^= 1;
      } else if (op.gate == GateId::CX) {
        const uint32_t a = local[op.qubits[0]], b = local[op.qubits[1]];
        spec.final_map[b] ^= spec.final_map[a];
        spec.final_x[b] ^= spec.final_x[a];
      } else {
        const uint32_t q = local[op.qubits[0]];
        const Expr angle = spec.final_x[q] ? -op.params[0] : op.params[0];
        auto it = index.find(spec.final_map[q]);
        if (it == index.end()) {
          index.emplace(spec.final_map[q], static_cast<uint32_t>(spec.terms.size()));
          spec.terms.push_back({spec.final_map[q], angle});
        } else {
          spec.terms[it->second].angle = spec.terms[it->second].angle + angle;
        }
      }
    }
    // Rotations that merged to nothing (angle 0 mod 4 pi) need no parity.
    spec.terms.erase(std::remove_if(spec.terms.begin(), spec.terms.end(),
                                    [](const Term& t) {
                                      return t.angle.is_const() &&
                                             std::abs(std::remainder(t.angle.value(), 4 * M_PI)) < 1e-12;
                                    }),
                     spec.terms.end());
    // Regions come back unchanged round after round of a fixpoint: remember
    // the ones no synthesis improves (keyed by everything that defines them).
    std::string key;
    bool symbolic = false;
    key.reserve(16 * (spec.n + spec.terms.size()) + 16);
    auto put = [&](const Bits& b) {
      for (uint32_t w = 0; w < spec.n; w += 64) {
        uint64_t v = ((b >> w) & Bits(~0ULL)).to_ullong();
        key.append(reinterpret_cast<const char*>(&v), sizeof v);
      }
    };
    key += std::to_string(spec.n) + ":" + std::to_string(region.size()) + ":" + std::to_string(cx) + ":";
    for (uint32_t q = 0; q < spec.n; ++q) {
      put(spec.final_map[q]);
      key += static_cast<char>('0' + spec.final_x[q]);
    }
    for (const auto& t : spec.terms) {
      put(t.parity);
      if (t.angle.is_const()) {
        double v = t.angle.value();
        key.append(reinterpret_cast<const char*>(&v), sizeof v);
      } else {
        symbolic = true;  // not remembered: symbolic regions are rare and small
      }
    }
    // The region's own cx order is a candidate too, so it is part of the key.
    for (uint32_t i : region)
      if (c.ops[i].gate == GateId::CX) {
        key += static_cast<char>(local[c.ops[i].qubits[0]]);
        key += static_cast<char>(local[c.ops[i].qubits[1]]);
      }
    auto& no_gain = no_gain_cache();
    if (!symbolic && no_gain.count(key)) return keep();
    const Cost old_cost = cost_of_region(c, region);
    std::vector<Operation> best;
    Cost best_cost = old_cost;
    auto consider = [&](std::vector<Cx> cxs) {
      prune(spec, cxs, 256);
      // Windows save a few cx per run: not worth it on a walk far behind.
      if (cfg_.windows && cxs.size() <= best_cost.cx + 2 + best_cost.cx / 10 &&
          window_resynth(spec, cxs, 4 * cxs.size() + 64))
        prune(spec, cxs, 256);
      if (cxs.size() > best_cost.cx) return;
      std::vector<Operation> cand = materialize(spec, cxs);
      if (cand.empty()) return;
      const Cost k = cost_of(cand);
      if (k < best_cost) { best = std::move(cand); best_cost = k; }
    };
    // The region's own cx, with the rotations floating.
    std::vector<Cx> own;
    for (uint32_t i : region)
      if (c.ops[i].gate == GateId::CX) own.emplace_back(local[c.ops[i].qubits[0]], local[c.ops[i].qubits[1]]);
    consider(own);
    // Each cx shows one new parity at most: a bound no synthesis can beat.
    std::size_t hidden = 0;
    for (const auto& t : spec.terms) hidden += t.parity.count() > 1;
    // Gray-synth's walk costs about terms^2 x wires; on regions of
    // thousands of parities (gf2^32 has 2000 on 96 wires) it takes seconds
    // and has never beaten the region's own cx.
    const bool walks = hidden <= best_cost.cx && spec.terms.size() <= kMaxGraySynthTerms;
    std::vector<Cx> walk;
    if (walks)
      for (bool backward : {false, true})
        for (bool prefer_high : {false, true})
          if (gray_synth(spec, prefer_high, backward, best_cost.cx + 4, walk)) consider(walk);
    // Gray-synth's splits break ties by variable number: a few fixed
    // relabellings of the region's qubits give it other walks.
    if (walks && spec.n <= 16 && spec.n >= 3)
      for (uint32_t seed = 1; seed <= cfg_.relabellings; ++seed) {
        std::vector<uint32_t> perm(spec.n);  // new label -> old label
        for (uint32_t q = 0; q < spec.n; ++q) perm[q] = q;
        uint64_t x = 0x9E3779B97F4A7C15ULL * seed;
        for (uint32_t q = spec.n - 1; q > 0; --q) {
          x ^= x << 13; x ^= x >> 7; x ^= x << 17;
          std::swap(perm[q], perm[x % (q + 1)]);
        }
        auto relabel = [&](const Bits& b) {
          Bits out;
          for (uint32_t q = 0; q < spec.n; ++q)
            if (b[perm[q]]) out.set(q);
          return out;
        };
        RegionSpec r;
        r.n = spec.n;
        r.final_x.assign(spec.n, 0);
        r.final_map.assign(spec.n, Bits());
        for (uint32_t q = 0; q < spec.n; ++q) r.final_map[q] = relabel(spec.final_map[perm[q]]);
        for (const auto& t : spec.terms) r.terms.push_back({relabel(t.parity), t.angle});
        for (bool backward : {false, true})
          if (gray_synth(r, false, backward, best_cost.cx + 4, walk)) {
            for (auto& [a, b] : walk) { a = perm[a]; b = perm[b]; }
            consider(walk);
          }
      }
    if (best.empty()) {
      if (!symbolic) {
        if (no_gain.size() > 200000) no_gain.clear();
        no_gain.insert(std::move(key));
      }
      return keep();
    }
    for (auto& op : best)
      for (auto& q : op.qubits) q = global[q];
    return best;
  }

  // Regions no candidate improves, shared by every instance on this thread:
  // the best-of alternatives and fixpoint rounds meet the same regions again.
  static std::unordered_set<std::string>& no_gain_cache() {
    thread_local std::unordered_set<std::string> cache;
    return cache;
  }

  CnotPhaseResynthesisConfig cfg_;
};

}  // namespace

std::unique_ptr<Pass> createCnotPhaseResynthesisPass(CnotPhaseResynthesisConfig cfg) {
  return around_classical(std::make_unique<CnotPhasePass>(cfg));
}

}  // namespace qforge
