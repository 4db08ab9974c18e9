// Two-qubit block resynthesis (see qforge/passes.hpp): maximal runs of
// constant gates on one pair of qubits become one 4x4 unitary, rebuilt by
// synthesize_2q (synthesis/src/kak.cpp) when that is cheaper.
#include "qforge/passes.hpp"
#include "structured.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace qforge {
namespace {

using G = GateId;

// Whether every angle of `op` is a multiple of pi/4 (Clifford+T in the Nam
// basis).
bool pi_over_4_angles(const Operation& op) {
  for (const auto& p : op.params) {
    const double k = std::round(p.value() / (M_PI / 4));
    if (std::abs(p.value() - k * M_PI / 4) > 1e-9) return false;
  }
  return true;
}

bool constant_gate(const Operation& op) {
  if (op.kind != OpKind::Gate || !op.conditions.empty()) return false;
  for (const auto& p : op.params)
    if (!p.is_const()) return false;
  return true;
}

class TwoQubitResynthesisPass : public Pass {
 public:
  explicit TwoQubitResynthesisPass(TwoQubitResynthesisConfig cfg) : cfg_(cfg) {}
  std::string name() const override { return "two-qubit-resynthesis(" + basis_name(cfg_.basis) + ")"; }

  bool run(Circuit& c) override {
    const std::size_t n = c.ops.size();
    std::vector<Block> blocks = collect(c);
    std::vector<bool> del(n, false);
    std::vector<std::vector<Operation>> repl(n);
    double phase = 0;
    uint32_t replaced = 0;
    int64_t saved = 0, saved_2q = 0;
    for (const Block& b : blocks) {
      const int64_t old_total = static_cast<int64_t>(b.ops.size()), old_2q = b.two_qubit;
      if (old_2q == 0) continue;
      const Mat4 u = block_matrix(c, b);
      const int count = cx_count_2q(u, cfg_.tolerance);
      // The cheapest conceivable result: `count` two-qubit gates alone.
      if (!better(count, count, old_total, old_2q)) continue;
      std::vector<Operation> seq;
      double ph = 0;
      try {
        seq = synthesize_2q(u, cfg_.basis, ph, cfg_.tolerance);
      } catch (const std::logic_error&) {
        continue;  // no form close enough: leave the block as it is
      }
      if (cfg_.keep_clifford_t &&
          std::all_of(b.ops.begin(), b.ops.end(), [&](uint32_t i) { return pi_over_4_angles(c.ops[i]); }) &&
          !std::all_of(seq.begin(), seq.end(), pi_over_4_angles))
        continue;
      int64_t new_2q = 0;
      for (const auto& op : seq) new_2q += op.qubits.size() == 2;
      const int64_t new_total = static_cast<int64_t>(seq.size());
      if (!better(new_total, new_2q, old_total, old_2q)) continue;
      const uint32_t last = b.ops.back();
      for (uint32_t i : b.ops) del[i] = true;
      for (auto& op : seq) {
        for (auto& q : op.qubits) q = q == 0 ? b.a : b.b;
        op.loc = c.ops[last].loc;
      }
      repl[last] = std::move(seq);
      phase += ph;
      ++replaced;
      saved += old_total - new_total;
      saved_2q += old_2q - new_2q;
    }
    report_ = "resynthesised " + std::to_string(replaced) + " of " + std::to_string(blocks.size()) +
              " blocks, saved " + std::to_string(saved) + " gates (" + std::to_string(saved_2q) + " two-qubit)";
    if (!replaced) return false;
    std::vector<Operation> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      if (!del[i]) out.push_back(std::move(c.ops[i]));
      for (auto& s : repl[i]) out.push_back(std::move(s));
    }
    c.ops.swap(out);
    c.global_phase = c.global_phase + Expr(phase);
    if (c.global_phase.is_const()) {
      double t = std::remainder(c.global_phase.value(), 2 * M_PI);
      if (t <= -M_PI) t += 2 * M_PI;
      c.global_phase = Expr(t);
    }
    return true;
  }

 private:
  struct Block {
    uint32_t a = 0, b = 0;       // qubits 0 and 1 of the block's matrix
    std::vector<uint32_t> ops;   // op indices, in circuit order
    int64_t two_qubit = 0;
  };

  bool better(int64_t total, int64_t two, int64_t old_total, int64_t old_two) const {
    if (cfg_.two_qubit_first) return two < old_two || (two == old_two && total < old_total);
    const int64_t cost = total + two, old_cost = old_total + old_two;
    return cost < old_cost || (cost == old_cost && two < old_two);
  }

  // Maximal blocks in one sweep. A constant single-qubit gate joins the open
  // block of its wire, or waits (pending) for the next block there; a
  // constant gate on two qubits joins the block open on both, or closes their
  // blocks and opens one with the pending gates of both wires; anything else
  // closes the blocks of its qubits and drops their pending gates. So a
  // block's gates are consecutive on both of its wires, and the replacement
  // can stand where its last gate stood.
  static std::vector<Block> collect(const Circuit& c) {
    std::vector<Block> blocks;
    std::vector<int64_t> open(c.num_qubits, -1);
    std::vector<std::vector<uint32_t>> pending(c.num_qubits);
    auto close = [&](uint32_t q) {
      const int64_t k = open[q];
      if (k < 0) return;
      open[blocks[k].a] = open[blocks[k].b] = -1;
    };
    for (uint32_t i = 0; i < c.ops.size(); ++i) {
      const Operation& op = c.ops[i];
      const bool con = constant_gate(op);
      if (con && op.qubits.size() == 1) {
        const uint32_t q = op.qubits[0];
        if (open[q] >= 0) blocks[open[q]].ops.push_back(i);
        else pending[q].push_back(i);
        continue;
      }
      if (con && op.qubits.size() == 2) {
        const uint32_t qa = op.qubits[0], qb = op.qubits[1];
        if (open[qa] >= 0 && open[qa] == open[qb]) {
          blocks[open[qa]].ops.push_back(i);
          ++blocks[open[qa]].two_qubit;
          continue;
        }
        close(qa);
        close(qb);
        Block b;
        b.a = qa;
        b.b = qb;
        b.ops = pending[qa];
        b.ops.insert(b.ops.end(), pending[qb].begin(), pending[qb].end());
        std::sort(b.ops.begin(), b.ops.end());
        b.ops.push_back(i);
        b.two_qubit = 1;
        pending[qa].clear();
        pending[qb].clear();
        open[qa] = open[qb] = static_cast<int64_t>(blocks.size());
        blocks.push_back(std::move(b));
        continue;
      }
      auto stop = [&](uint32_t q) {
        close(q);
        pending[q].clear();
      };
      if (op.kind == OpKind::Barrier && op.qubits.empty())
        for (uint32_t q = 0; q < c.num_qubits; ++q) stop(q);
      for (uint32_t q : op.qubits) stop(q);
    }
    return blocks;
  }

  static Mat4 block_matrix(const Circuit& c, const Block& b) {
    Mat4 u = Mat4{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    for (uint32_t i : b.ops) u = multiply(pair_matrix(c.ops[i], b.a), u);
    return u;
  }

  TwoQubitResynthesisConfig cfg_;
};

}  // namespace

std::unique_ptr<Pass> createTwoQubitResynthesisPass(TwoQubitResynthesisConfig cfg) {
  return around_classical(std::make_unique<TwoQubitResynthesisPass>(cfg));
}

}  // namespace qforge
