// Gate fusion (see fuse() in qforge/simulator.hpp).
//
// Algorithm (greedy, one pass, in the spirit of qsim's fuser):
//  1. Keep a list of blocks in creation order; each has a qubit mask and its
//     member gates in program order. last[q] is the newest block that
//     touched qubit q.
//  2. For a gate g with qubits Q, let S = {last[q] : q in Q}. If the union of
//     the masks of S and Q has at most max_width qubits, try to merge all of
//     S and g into one block placed at the position P of one member of S
//     (newest first): every other member A moves to P, which is allowed when
//     no live block between A and P outside S shares a qubit with A. The
//     merged members keep their block order and g comes last.
//  3. Otherwise g starts a new block.
//  4. Emit blocks in creation order: a single gate keeps its own kernel; a
//     block of diagonal gates becomes one Diagonal op; any other block one
//     dense matrix on its qubits, built by applying the members to the
//     identity with the ordinary kernels.
// Invariant: two gates that share a qubit are emitted in program order, so
// the fused list is equivalent to the input.
#include "qforge/kernels.hpp"
#include "qforge/simulator.hpp"

#include <algorithm>
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
};

bool is_diagonal_kind(KernelKind k) {
  return k == KernelKind::Phase || k == KernelKind::Diagonal || k == KernelKind::Identity;
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

}  // namespace

std::vector<GateOp> fuse(const std::vector<GateOp>& ops, unsigned max_width) {
  std::vector<GateOp> out;
  if (max_width == 0) {
    for (const auto& g : ops)
      if (g.kind != KernelKind::Identity) out.push_back(g);
    return out;
  }
  max_width = std::min(max_width, kMaxDenseQubits);
  std::vector<Block> blocks;
  std::vector<int64_t> last(64, -1);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const GateOp& g = ops[i];
    if (g.kind == KernelKind::Identity) continue;
    const uint64_t qmask = g.qubit_mask();
    // S: the newest block on each of g's qubits.
    std::vector<int64_t> S;
    uint64_t merged = qmask;
    for (uint64_t m = qmask; m; m &= m - 1) {
      const int64_t a = last[__builtin_ctzll(m)];
      if (a >= 0 && std::find(S.begin(), S.end(), a) == S.end()) {
        S.push_back(a);
        merged |= blocks[a].mask;
      }
    }
    std::sort(S.begin(), S.end());
    int64_t place = -1;
    if (!S.empty() && unsigned(__builtin_popcountll(merged)) <= max_width) {
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
      blocks[place].members = std::move(members);
      blocks[place].mask = merged;
      for (uint64_t m = claimed; m; m &= m - 1) last[__builtin_ctzll(m)] = place;
    } else {
      Block b;
      b.mask = qmask;
      b.members.push_back(i);
      blocks.push_back(std::move(b));
      for (uint64_t m = qmask; m; m &= m - 1) last[__builtin_ctzll(m)] = int64_t(blocks.size() - 1);
    }
  }
  for (const Block& b : blocks)
    if (b.alive) out.push_back(emit_block(ops, b));
  return out;
}

}  // namespace qforge::sim
