// Gate fusion (see fuse() in qforge/simulator.hpp).
//
// Algorithm (greedy, in the spirit of qsim's fuser, with a cost model as in
// Qulacs' block optimizer):
//  1. Keep a list of blocks in creation order; each has a qubit mask, its
//     member gates in program order and its estimated cost (op_cost: the
//     time of the op it will become, in read+write passes over the state).
//     last[q] is the newest block that touched qubit q.
//  2. For a gate g with qubits Q, let S = {last[q] : q in Q}. If the union of
//     the masks of S and Q has at most `width` qubits, try to merge all of
//     S and g into one block placed at the position P of one member of S
//     (newest first): every other member A moves to P, which is allowed when
//     no live block between A and P outside S shares a qubit with A. The
//     merged members keep their block order and g comes last.
//  3. Otherwise g starts a new block.
//  4. Cost model (plan): each block of steps 1-3 is kept whole, or replaced
//     by the blocking of its own members at width - 1 (recursively) when
//     that costs no more; costs come from one of three tables (CostTable):
//     small states (up to 14 qubits, where the fixed cost of a kernel call
//     and the octet kernels of the lowest qubits weigh), states in cache
//     and states beyond it, picked by the highest qubit used; per circuit,
//     the width from 2 to max_width whose blocking costs least is taken.
//     Without the cost model, the blocks of steps 1-3 at max_width are
//     taken as they are.
//     A block of diagonal gates and permutations (X, swap) that cancel is
//     costed as the diagonal op it becomes.
//  5. Emit blocks in order: a single gate keeps its own kernel; a block of
//     diagonal gates becomes one Diagonal op; any other block one matrix on
//     its qubits, built by applying the members to the identity with the
//     ordinary kernels, whose kernel make_gate picks (Diagonal or Phase when
//     the permutations cancel, Dense otherwise).
// Invariant: two gates that share a qubit are emitted in program order, so
// the fused list is equivalent to the input.
#include "qforge/kernels.hpp"
#include "qforge/simulator.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace qforge::sim {
namespace {

using cd = std::complex<double>;

/// Longest stretch of blocks scanned when moving a block (bounds the cost on
/// long circuits; beyond it, blocks are simply not merged).
constexpr int64_t kMaxScan = 512;

struct Block {
  uint64_t mask = 0;
  std::vector<std::size_t> members;  // indices into the input list
  bool alive = true;
  bool diagonal = true;  // every member is diagonal
  double cost = 0;       // op_cost of the op the block becomes
};

bool is_diagonal_kind(KernelKind k) {
  return k == KernelKind::Phase || k == KernelKind::Diagonal || k == KernelKind::Identity;
}

/// Estimated times of the kernels, in units of a 1-qubit dense pass over
/// the state, from bench_simulator's kernel tables (fp64, 1 and 2 threads).
/// A kernel whose gate has a qubit below qubit 3 (below 2 for dense blocks
/// of 2 or more qubits and diagonal ones, whose vector kernels start there)
/// walks the state in aligned octets instead of unit-stride runs: the
/// `_low` entries.
struct CostTable {
  double dense[kMaxDenseQubits + 1];      ///< dense pass on k targets
  double dense_low[kMaxDenseQubits + 1];  ///< the same with a low qubit
  double dense1_q0;                       ///< a 1-qubit gate on qubit 0, no control
  double diagonal, diagonal_low, phase, phase_low, swap, swap_low, x, x_low;
  /// Skipping the amplitudes a control or phase leaves alone pays only for
  /// runs of at least 2^skip_bit amplitudes, and never below min_fraction
  /// of a full pass (low_min_fraction for a kernel with a low qubit).
  unsigned skip_bit;
  double min_fraction, low_min_fraction;
  /// The time of a call besides its passes, in amplitudes of a 1-qubit
  /// pass (so fixed / 2^n passes on n qubits): entering the kernel's
  /// OpenMP region, which it does even when it runs on one thread.
  double fixed;
  /// Further time per call of a dense block on k targets (preparing its
  /// matrix), in the same unit, without and with a low qubit.
  double dense_fixed[kMaxDenseQubits + 1], dense_low_fixed[kMaxDenseQubits + 1];
  /// Dense blocks of 2 or more qubits that leave fewer than 8 amplitudes
  /// per matrix row (n minus the block's qubits < 3) run a plain loop with
  /// no OpenMP region: tiny_fixed[k] per call (amplitudes, as `fixed`) and
  /// tiny_per_row[k] per amplitude (all 0: not modelled).
  double tiny_fixed[kMaxDenseQubits + 1];
  double tiny_per_row[kMaxDenseQubits + 1];
};
/// A kernel call's time besides its passes (CostTable::fixed): about 360 ns,
/// 780 amplitudes of a 1-qubit pass on a small state.
constexpr double kCallAmplitudes = 780;
/// A table that does not tell low qubits apart and has only the call cost
/// of small states (negligible on the states it is for): `dense` on k
/// targets, a diagonal block, a phase (1 on a full pass), swap and NOT.
constexpr CostTable uniform_table(const double (&dense)[kMaxDenseQubits + 1], double diagonal, double swap,
                                  double x, unsigned skip_bit, double min_fraction) {
  CostTable t{};
  for (unsigned k = 0; k <= kMaxDenseQubits; ++k) t.dense[k] = t.dense_low[k] = dense[k];
  t.dense1_q0 = dense[1];
  t.diagonal = t.diagonal_low = diagonal;
  t.phase = t.phase_low = 1.0;
  t.swap = t.swap_low = swap;
  t.x = t.x_low = x;
  t.skip_bit = skip_bit;
  t.min_fraction = t.low_min_fraction = min_fraction;
  t.fixed = kCallAmplitudes;
  return t;
}
/// States beyond the last-level cache (22 and 24 qubits measured, one
/// thread, double): a 1-qubit pass runs at the memory floor, dense blocks
/// on 2, 3 and 4 qubits (interleaved vector kernels) cost 1.25, 1.9 and
/// 3.6 passes as their complex products begin to dominate, a diagonal
/// block about one pass; below runs of
/// 2^10 amplitudes the hardware prefetchers read the skipped cache lines
/// anyway (a controlled phase on qubits 4 and 9 costs a full pass, a CX
/// controlled by qubit 23 a third).
constexpr double kLargeDense[] = {1.0, 1.0, 1.25, 1.9, 3.6, 10.0, 18.0};
constexpr CostTable kLargeState = uniform_table(kLargeDense, 1.05, 1.6, 1.0, 10, 0.0);
/// States in cache (18-20 qubits measured, kernel table and QFT): every
/// pass is compute bound, a dense k-qubit block costs about its complex
/// products (2, 3 and 4 qubits: 1.6, 2.3 and 4.5 one-qubit passes), a
/// diagonal block, a NOT or a swap is cheaper than a dense gate, and a
/// phase on a half or a quarter of the state costs about half a pass.
constexpr double kCachedDense[] = {1.0, 1.0, 1.6, 2.3, 4.5, 12.0, 18.0};
constexpr CostTable kCachedState = uniform_table(kCachedDense, 0.9, 1.1, 0.6, 0, 0.45);
/// Small states, up to kSmallQubits (`bench_simulator --small`: 2 to 14
/// qubits, one thread, double; a 1-qubit pass on qubit 3 or higher takes
/// 0.46 ns per amplitude): a call costs about 360 ns besides its passes
/// (780 amplitudes), so below 10 qubits the number of calls decides. Per
/// amplitude, dense 2-, 3- and 4-qubit blocks cost 1.45, 2.55 and 4.9
/// passes, or 2.0, 3.5 and 11.2 on qubits 0 and 1 (octet kernels; their
/// preparation another 160, 300 and 1200 amplitudes per call, 170 and 400
/// for 3- and 4-qubit blocks elsewhere); a 1-qubit gate 1.4-1.7 passes on
/// qubits 1-2 and 3.0 on qubit 0; a walk over octets (a NOT, swap or phase
/// with a qubit below 3) 0.8-1.3 passes whatever it skips, in runs 0.3
/// (NOT) and 0.64 (phase) per touched amplitude; a diagonal block 0.4 (2.3
/// to 3 on qubits 0-1: an entry picked per amplitude). Dense blocks too
/// small for the vector kernels (a plain loop, no OpenMP region) cost
/// 16, 33 and 100 ns per call and 1.9, 5.2 and 10 ns per amplitude for 2,
/// 3 and 4 qubits.
constexpr CostTable kSmallState = {
    {1.0, 1.0, 1.45, 2.55, 4.9, 12.0, 24.0}, {1.6, 1.6, 2.0, 3.5, 11.2, 24.0, 48.0}, 3.0,
    0.4, 2.8, 0.64, 1.0, 0.4, 0.82, 0.3, 1.0,
    0, 0.0, 1.0,
    kCallAmplitudes, {0, 0, 0, 170, 400, 800, 1600}, {0, 0, 160, 300, 1200, 2400, 4800},
    {0, 0, 35, 72, 220, 600, 1800}, {0, 0, 4.1, 11.4, 21.7, 45.0, 90.0}};
/// The largest state (qubits) taken to be small: 2^14 double amplitudes
/// are 256 KiB.
constexpr unsigned kSmallQubits = 14;
/// The largest state (qubits) taken to be in cache: 2^21 double amplitudes
/// are 32 MiB.
constexpr unsigned kCachedQubits = 21;

/// The cost table for a state of n qubits, with n.
struct CostModel {
  const CostTable& t;
  unsigned n;
  explicit CostModel(unsigned qubits)
      : t(qubits <= kSmallQubits ? kSmallState : qubits <= kCachedQubits ? kCachedState : kLargeState),
        n(qubits) {}
  /// fixed / 2^n: the cost of a call besides its passes.
  double call() const { return std::ldexp(t.fixed, -int(n)); }
};

double touched_fraction(uint64_t mask, const CostTable& t) {
  return std::max(t.min_fraction, std::ldexp(1.0, -__builtin_popcountll(mask >> t.skip_bit)));
}

/// Does a gate on `qubits` have a qubit below `bits`?
bool is_low(uint64_t qubits, unsigned bits) { return (qubits & ((uint64_t(1) << bits) - 1)) != 0; }

/// Passes of a kernel of relative cost (`high`, or `low` with a low qubit)
/// that touches the amplitudes `skip` leaves.
double passes(const CostTable& t, bool low, double high_cost, double low_cost, uint64_t skip) {
  const double f = touched_fraction(skip, t);
  return low ? low_cost * std::max(t.low_min_fraction, f) : high_cost * f;
}

/// Estimated time of a dense block on k targets and the qubits `mask`
/// (targets and controls) under `ctrl`.
double dense_cost(unsigned k, uint64_t mask, uint64_t ctrl, const CostModel& c) {
  const CostTable& t = c.t;
  if (k == 1) {
    if (mask == 1) return c.call() + t.dense1_q0;
    return c.call() + passes(t, is_low(mask, 3), t.dense[1], t.dense_low[1], ctrl);
  }
  if (t.tiny_per_row[k] > 0 && c.n < 3 + unsigned(__builtin_popcountll(mask)))
    return std::ldexp(t.tiny_fixed[k], -int(c.n)) + std::ldexp(t.tiny_per_row[k], -__builtin_popcountll(ctrl));
  const bool low = is_low(mask, 2);
  return c.call() + std::ldexp(low ? t.dense_low_fixed[k] : t.dense_fixed[k], -int(c.n)) +
         passes(t, low, t.dense[k], t.dense_low[k], ctrl);
}

/// Estimated time of `g`.
double op_cost(const GateOp& g, const CostModel& c) {
  const CostTable& t = c.t;
  const uint64_t mask = g.qubit_mask();
  switch (g.kind) {
    case KernelKind::Identity: return 0;
    case KernelKind::Phase: return c.call() + passes(t, is_low(mask, 3), t.phase, t.phase_low, g.phase_mask());
    case KernelKind::X: return c.call() + passes(t, is_low(mask, 3), t.x, t.x_low, g.ctrl_mask);
    case KernelKind::Swap: return c.call() + passes(t, is_low(mask, 3), t.swap, t.swap_low, g.ctrl_mask);
    case KernelKind::Diagonal:
      return c.call() + passes(t, is_low(mask, 2), t.diagonal, t.diagonal_low, g.ctrl_mask);
    case KernelKind::Dense: return dense_cost(unsigned(g.targets.size()), mask, g.ctrl_mask, c);
  }
  return 1;
}

/// Cost of a block of two or more gates on `mask` (the op emit_block builds).
double merged_cost(uint64_t mask, bool diagonal, const CostModel& c) {
  if (diagonal) return c.call() + passes(c.t, is_low(mask, 2), c.t.diagonal, c.t.diagonal_low, 0);
  return dense_cost(unsigned(__builtin_popcountll(mask)), mask, 0, c);
}

/// True when the product of ops[members] (on the qubits of `mask`) is
/// diagonal because every member is a diagonal gate or a permutation (X,
/// swap, controlled or not) and the permutations cancel: a controlled phase
/// written as cx, u1, cx. Each basis state of the block is followed
/// through the permutations. The emitted matrix is then exactly diagonal
/// (the permutations move entries without arithmetic), so make_gate gives
/// it a Diagonal or Phase kernel.
bool permutations_cancel(const std::vector<GateOp>& ops, const std::vector<std::size_t>& members, uint64_t mask) {
  for (std::size_t i : members) {
    const KernelKind k = ops[i].kind;
    if (k != KernelKind::X && k != KernelKind::Swap && !is_diagonal_kind(k)) return false;
  }
  const unsigned width = unsigned(__builtin_popcountll(mask));
  // Basis states of the block as full indices (the other qubits 0).
  std::vector<uint64_t> state(std::size_t(1) << width);
  for (std::size_t x = 0; x < state.size(); ++x) {
    uint64_t full = 0;
    unsigned j = 0;
    for (uint64_t m = mask; m; m &= m - 1, ++j)
      if ((x >> j) & 1) full |= uint64_t(1) << __builtin_ctzll(m);
    state[x] = full;
  }
  std::vector<uint64_t> image = state;
  for (std::size_t i : members) {
    const GateOp& g = ops[i];
    if (g.kind != KernelKind::X && g.kind != KernelKind::Swap) continue;
    for (uint64_t& s : image) {
      if ((s & g.ctrl_mask) != g.ctrl_mask) continue;
      const uint64_t a = uint64_t(1) << g.targets[0];
      if (g.kind == KernelKind::X) {
        s ^= a;
      } else {
        const uint64_t b = uint64_t(1) << g.targets[1];
        if (bool(s & a) != bool(s & b)) s ^= a | b;
      }
    }
  }
  return image == state;
}

GateOp emit_block(const std::vector<GateOp>& ops, const Block& b) {
  if (b.members.size() == 1) return ops[b.members[0]];
  const unsigned k = unsigned(__builtin_popcountll(b.mask));
  // Local qubit i is the i-th lowest qubit of the mask; the emitted matrix
  // uses targets = local qubits from highest to lowest, so its index equals
  // the little-endian local index.
  std::vector<unsigned> qubits;
  for (unsigned q = 0; q < 64; ++q)
    if (b.mask & (uint64_t(1) << q)) qubits.push_back(q);
  unsigned local[64] = {};
  for (unsigned i = 0; i < k; ++i) local[qubits[i]] = i;
  const auto to_local = [&](const GateOp& g) {
    GateOp l = g;
    l.ctrl_mask = 0;
    for (unsigned q = 0; q < 64; ++q)
      if (g.ctrl_mask & (uint64_t(1) << q)) l.ctrl_mask |= uint64_t(1) << local[q];
    for (auto& t : l.targets) t = local[t];
    return l;
  };
  const std::size_t d = std::size_t(1) << k;
  std::vector<unsigned> targets(qubits.rbegin(), qubits.rend());
  bool diagonal = true;
  for (std::size_t i : b.members) diagonal = diagonal && is_diagonal_kind(ops[i].kind);
  std::vector<cd> matrix(d * d, 0);
  if (diagonal) {
    std::vector<cd> diag(d, 1);
    for (std::size_t i : b.members) apply<double>(diag.data(), k, to_local(ops[i]));
    for (std::size_t r = 0; r < d; ++r) matrix[r * d + r] = diag[r];
  } else {
    // Columns of the identity as one 2k-qubit state (row = low k bits).
    std::vector<cd> cols(d * d, 0);
    for (std::size_t c = 0; c < d; ++c) cols[c * d + c] = 1;
    for (std::size_t i : b.members) apply<double>(cols.data(), 2 * k, to_local(ops[i]));
    for (std::size_t r = 0; r < d; ++r)
      for (std::size_t c = 0; c < d; ++c) matrix[r * d + c] = cols[c * d + r];
  }
  GateOp out = make_gate(std::move(targets), std::move(matrix), 0);
  out.source = ops[b.members[0]].source;
  return out;
}

/// Steps 1-3 on the gates ops[idx[0]], ops[idx[1]], ... (in that order)
/// with blocks of at most `width` qubits.
std::vector<Block> make_blocks(const std::vector<GateOp>& ops, const std::vector<std::size_t>& idx,
                               unsigned width, const CostModel& t) {
  std::vector<Block> blocks;
  std::vector<int64_t> last(64, -1);
  std::vector<int64_t> S;
  for (const std::size_t i : idx) {
    const GateOp& g = ops[i];
    if (g.kind == KernelKind::Identity) continue;
    const uint64_t qmask = g.qubit_mask();
    const bool gdiag = is_diagonal_kind(g.kind);
    const double gcost = op_cost(g, t);
    // S: the newest block on each of g's qubits.
    S.clear();
    uint64_t merged = qmask;
    bool diag = gdiag;
    for (uint64_t m = qmask; m; m &= m - 1) {
      const int64_t a = last[__builtin_ctzll(m)];
      if (a >= 0 && std::find(S.begin(), S.end(), a) == S.end()) {
        S.push_back(a);
        merged |= blocks[a].mask;
        diag = diag && blocks[a].diagonal;
      }
    }
    std::sort(S.begin(), S.end());
    const double together = merged_cost(merged, diag, t);
    int64_t place = -1;
    if (!S.empty() && unsigned(__builtin_popcountll(merged)) <= width) {
      const auto in_s = [&](int64_t j) { return std::binary_search(S.begin(), S.end(), j); };
      // Does a live block strictly between lo and hi, not in S, share a qubit with mask?
      const auto blocked = [&](int64_t lo, int64_t hi, uint64_t mask) {
        if (hi - lo > kMaxScan) return true;
        for (int64_t j = lo + 1; j < hi; ++j)
          if (blocks[j].alive && (blocks[j].mask & mask) && !in_s(j)) return true;
        return false;
      };
      for (auto p = S.rbegin(); p != S.rend() && place < 0; ++p) {
        bool ok = true;
        for (int64_t a : S) {
          if (a < *p && blocked(a, *p, blocks[a].mask)) ok = false;
          if (a > *p && blocked(*p, a, blocks[a].mask)) ok = false;
          if (!ok) break;
        }
        if (ok) place = *p;
      }
    }
    if (place >= 0) {
      std::vector<std::size_t> members;
      uint64_t claimed = qmask;
      for (int64_t a : S) {
        members.insert(members.end(), blocks[a].members.begin(), blocks[a].members.end());
        for (uint64_t m = blocks[a].mask; m; m &= m - 1) {
          const int64_t l = last[__builtin_ctzll(m)];
          if (std::binary_search(S.begin(), S.end(), l)) claimed |= uint64_t(1) << __builtin_ctzll(m);
        }
        if (a != place) {
          blocks[a].alive = false;
          blocks[a].members.clear();
        }
      }
      members.push_back(i);
      Block& b = blocks[place];
      b.members = std::move(members);
      b.mask = merged;
      b.diagonal = diag;
      b.cost = together;
      for (uint64_t m = claimed; m; m &= m - 1) last[__builtin_ctzll(m)] = place;
    } else {
      Block b;
      b.mask = qmask;
      b.members.push_back(i);
      b.diagonal = gdiag;
      b.cost = gcost;
      blocks.push_back(std::move(b));
      for (uint64_t m = qmask; m; m &= m - 1) last[__builtin_ctzll(m)] = int64_t(blocks.size() - 1);
    }
  }
  // A block whose permutations cancel becomes a diagonal op: cost it so.
  for (Block& b : blocks)
    if (b.alive && b.members.size() > 1 && !b.diagonal && permutations_cancel(ops, b.members, b.mask)) {
      b.diagonal = true;
      b.cost = merged_cost(b.mask, true, t);
    }
  return blocks;
}

/// The blocking of ops[idx...] with blocks of at most `width` qubits and
/// the least cost: the greedy blocks of that width, each kept whole or,
/// when that is cheaper, replaced by the best blocking of its own members
/// at width - 1. Returns the live blocks in emission order; `cost` gets
/// their total.
std::vector<Block> plan(const std::vector<GateOp>& ops, const std::vector<std::size_t>& idx, unsigned width,
                        const CostModel& t, double& cost) {
  std::vector<Block> out;
  cost = 0;
  for (Block& b : make_blocks(ops, idx, width, t)) {
    if (!b.alive) continue;
    if (b.members.size() > 1 && width > 1) {
      double split_cost = 0;
      std::vector<Block> split = plan(ops, b.members, width - 1, t, split_cost);
      if (split_cost <= b.cost + 1e-9) {  // on a tie, the fewer products
        cost += split_cost;
        for (Block& s : split) out.push_back(std::move(s));
        continue;
      }
    }
    cost += b.cost;
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace

std::vector<GateOp> fuse(const std::vector<GateOp>& ops, const FusionOptions& options) {
  std::vector<GateOp> out;
  const unsigned max_width = std::min(options.max_width, kMaxDenseQubits);
  if (max_width == 0) {
    for (const auto& g : ops)
      if (g.kind != KernelKind::Identity) out.push_back(g);
    return out;
  }
  std::vector<std::size_t> all(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) all[i] = i;
  // The state has at least as many qubits as the highest one used.
  uint64_t used = 0;
  for (const auto& g : ops) used |= g.qubit_mask();
  const unsigned n = used ? 64 - unsigned(__builtin_clzll(used)) : 0;
  const CostModel t(n);
  std::vector<Block> best;
  if (!options.cost_model) {
    for (Block& b : make_blocks(ops, all, max_width, t))
      if (b.alive) best.push_back(std::move(b));
  } else {
    double best_cost = 0;
    for (unsigned w = std::min(2u, max_width); w <= max_width; ++w) {
      double c = 0;
      std::vector<Block> blocks = plan(ops, all, w, t, c);
      if (w == std::min(2u, max_width) || c < best_cost - 1e-9) {
        best = std::move(blocks);
        best_cost = c;
      }
    }
  }
  for (const Block& b : best) out.push_back(emit_block(ops, b));
  return out;
}

std::vector<GateOp> fuse(const std::vector<GateOp>& ops, unsigned max_width) {
  FusionOptions o;
  o.max_width = max_width;
  return fuse(ops, o);
}

}  // namespace qforge::sim
