// SABRE-style layout and routing (Li, Ding, Xie 2019) (see qforge/passes.hpp).
//
// Algorithm, per trial:
//  1. Initial layout: the logical qubits on a breadth-first region of the
//     device grown from a random start qubit, in random order (trial 0:
//     from qubit 0 in order).
//  2. Refine it SABRE's way: route the circuit forward, then the reversed
//     circuit from the resulting layout; the layout at the end of the
//     backward pass is the initial layout of the real pass.
//  3. Route: execute every front-layer gate whose qubits are adjacent; when
//     none is, apply the SWAP on an edge touching the front layer that
//     minimises  mean front distance + 0.5 * mean extended-set distance
//     (20 next two-qubit gates), scaled by a decay on recently swapped
//     qubits; if no progress after many swaps, walk the first front gate
//     along a shortest path.
// The trial with the fewest SWAPs wins. SWAPs are emitted as three cx.
#include "qforge/passes.hpp"

#include <algorithm>
#include <numeric>
#include <random>
#include <stdexcept>

namespace qforge {
namespace {

struct RouteOut {
  std::vector<Operation> ops;
  std::vector<uint32_t> final_l2p;
  uint32_t swaps = 0;
};

class Router {
 public:
  Router(const std::vector<Operation>& ops, uint32_t n_logical, const CouplingMap& m, uint64_t seed)
      : ops_(ops), n_(n_logical), m_(m), rng_(seed) {
    // DAG by qubit wires.
    const std::size_t k = ops.size();
    succ_.assign(k, {});
    npred_.assign(k, 0);
    std::vector<int64_t> last(n_logical, -1);
    for (std::size_t i = 0; i < k; ++i) {
      std::vector<int64_t> preds;
      for (uint32_t q : ops[i].qubits) {
        if (last[q] >= 0 && std::find(preds.begin(), preds.end(), last[q]) == preds.end()) preds.push_back(last[q]);
        last[q] = static_cast<int64_t>(i);
      }
      for (int64_t p : preds) succ_[p].push_back(static_cast<uint32_t>(i));
      npred_[i] = static_cast<uint32_t>(preds.size());
    }
  }

  RouteOut route(std::vector<uint32_t> l2p, bool emit) {
    RouteOut out;
    const uint32_t N = m_.num_qubits;
    std::vector<int64_t> p2l(N, -1);
    for (uint32_t l = 0; l < n_; ++l) p2l[l2p[l]] = l;
    std::vector<uint32_t> npred = npred_;
    std::vector<uint32_t> front;
    for (uint32_t i = 0; i < ops_.size(); ++i)
      if (!npred[i]) front.push_back(i);
    std::vector<double> decay(N, 1.0);
    uint32_t since_progress = 0, swaps_since_reset = 0;
    auto emit_op = [&](const Operation& op) {
      if (!emit) return;
      Operation o = op;
      for (auto& q : o.qubits) q = l2p[q];
      out.ops.push_back(std::move(o));
    };
    auto do_swap = [&](uint32_t a, uint32_t b) {
      if (emit) {
        for (auto [x, y] : {std::pair{a, b}, std::pair{b, a}, std::pair{a, b}}) {
          Operation cx;
          cx.gate = GateId::CX;
          cx.qubits = {x, y};
          out.ops.push_back(cx);
        }
      }
      int64_t la = p2l[a], lb = p2l[b];
      std::swap(p2l[a], p2l[b]);
      if (la >= 0) l2p[la] = b;
      if (lb >= 0) l2p[lb] = a;
      ++out.swaps;
      decay[a] += 0.001;
      decay[b] += 0.001;
      if (++swaps_since_reset >= 5) { std::fill(decay.begin(), decay.end(), 1.0); swaps_since_reset = 0; }
    };
    auto two_q = [&](uint32_t i) { return ops_[i].kind == OpKind::Gate && ops_[i].qubits.size() == 2; };
    while (!front.empty()) {
      // Execute what we can.
      bool progress = false;
      std::vector<uint32_t> next_front;
      for (std::size_t fi = 0; fi < front.size(); ++fi) {
        uint32_t i = front[fi];
        const Operation& op = ops_[i];
        bool ok = true;
        if (op.kind == OpKind::Gate && op.qubits.size() > 2)
          throw std::invalid_argument("routing needs gates on at most two qubits (lower the circuit first)");
        if (two_q(i)) ok = m_.connected(l2p[op.qubits[0]], l2p[op.qubits[1]]);
        if (!ok) { next_front.push_back(i); continue; }
        emit_op(op);
        progress = true;
        for (uint32_t s : succ_[i])
          if (--npred[s] == 0) front.push_back(s);  // processed in this same sweep
      }
      front.swap(next_front);
      if (progress) {
        since_progress = 0;
        std::fill(decay.begin(), decay.end(), 1.0);
        continue;
      }
      if (front.empty()) break;
      // Release valve: walk the first gate along a shortest path.
      if (++since_progress > 4 * N + 20) {
        const Operation& op = ops_[front[0]];
        uint32_t a = l2p[op.qubits[0]], b = l2p[op.qubits[1]];
        while (m_.distance[a][b] > 1) {
          uint32_t step = a;
          for (uint32_t v : m_.neighbours[a])
            if (m_.distance[v][b] < m_.distance[step][b]) step = v;
          do_swap(a, step);
          a = step;
        }
        since_progress = 0;
        continue;
      }
      // Extended set: upcoming two-qubit gates.
      std::vector<uint32_t> ext;
      {
        std::vector<uint32_t> np_copy;  // local BFS over successors
        std::vector<uint32_t> queue(front.begin(), front.end());
        std::vector<char> seen_ops;
        for (std::size_t qi = 0; qi < queue.size() && ext.size() < 20 && qi < 200; ++qi)
          for (uint32_t s : succ_[queue[qi]]) {
            if (std::find(queue.begin(), queue.end(), s) != queue.end()) continue;
            queue.push_back(s);
            if (two_q(s)) ext.push_back(s);
          }
      }
      auto dist_sum = [&](const std::vector<uint32_t>& set) {
        double d = 0;
        for (uint32_t i : set)
          if (two_q(i)) d += m_.distance[l2p[ops_[i].qubits[0]]][l2p[ops_[i].qubits[1]]];
        return d;
      };
      std::vector<std::pair<uint32_t, uint32_t>> cands;
      for (uint32_t i : front)
        for (uint32_t lq : ops_[i].qubits) {
          uint32_t p = l2p[lq];
          for (uint32_t v : m_.neighbours[p]) cands.emplace_back(std::min(p, v), std::max(p, v));
        }
      std::sort(cands.begin(), cands.end());
      cands.erase(std::unique(cands.begin(), cands.end()), cands.end());
      double best = 1e300;
      std::vector<std::pair<uint32_t, uint32_t>> bests;
      const double nf = static_cast<double>(front.size()), ne = std::max<std::size_t>(1, ext.size());
      for (auto [a, b] : cands) {
        // Tentatively swap.
        int64_t la = p2l[a], lb = p2l[b];
        if (la >= 0) l2p[la] = b;
        if (lb >= 0) l2p[lb] = a;
        double h = dist_sum(front) / nf + 0.5 * dist_sum(ext) / ne;
        h *= std::max(decay[a], decay[b]);
        if (la >= 0) l2p[la] = a;
        if (lb >= 0) l2p[lb] = b;
        if (h < best - 1e-12) { best = h; bests = {{a, b}}; }
        else if (h < best + 1e-12) bests.push_back({a, b});
      }
      auto pick = bests[rng_() % bests.size()];
      do_swap(pick.first, pick.second);
    }
    out.final_l2p = l2p;
    return out;
  }

  std::vector<uint32_t> initial_layout(uint32_t trial) {
    const uint32_t N = m_.num_qubits;
    uint32_t start = trial == 0 ? 0 : static_cast<uint32_t>(rng_() % N);
    std::vector<uint32_t> order{start};
    std::vector<char> seen(N, 0);
    seen[start] = 1;
    for (std::size_t i = 0; i < order.size() && order.size() < n_; ++i)
      for (uint32_t v : m_.neighbours[order[i]])
        if (!seen[v]) { seen[v] = 1; order.push_back(v); }
    for (uint32_t q = 0; q < N && order.size() < n_; ++q)
      if (!seen[q]) { seen[q] = 1; order.push_back(q); }
    order.resize(n_);
    if (trial > 0) std::shuffle(order.begin(), order.end(), rng_);
    return order;
  }

 private:
  const std::vector<Operation>& ops_;
  uint32_t n_;
  const CouplingMap& m_;
  std::mt19937_64 rng_;
  std::vector<std::vector<uint32_t>> succ_;
  std::vector<uint32_t> npred_;
};

}  // namespace

bool RoutingPass::run(Circuit& c) {
  const CouplingMap& m = cfg_.coupling;
  if (c.num_qubits > m.num_qubits)
    throw std::invalid_argument("routing: " + std::to_string(c.num_qubits) + " qubits do not fit " + m.description);
  const uint32_t n = c.num_qubits;
  for (const auto& op : c.ops)
    if (op.kind == OpKind::Gate && op.qubits.size() > 2)
      throw std::invalid_argument("routing needs gates on at most two qubits (lower the circuit first)");
  // Trailing measurements leave the routed body and come back at the end,
  // through the final layout (so no SWAP ever passes a measured qubit).
  std::vector<Operation> body, tail;
  {
    std::vector<bool> later(c.num_qubits, false);
    std::vector<bool> is_tail(c.ops.size(), false);
    for (std::size_t i = c.ops.size(); i-- > 0;) {
      const Operation& op = c.ops[i];
      bool free = op.kind == OpKind::Measure && op.conditions.empty();
      for (uint32_t q : op.qubits) free = free && !later[q];
      if (free) { is_tail[i] = true; continue; }
      if (op.kind != OpKind::Barrier)
        for (uint32_t q : op.qubits) later[q] = true;
    }
    for (std::size_t i = 0; i < c.ops.size(); ++i) (is_tail[i] ? tail : body).push_back(c.ops[i]);
  }
  c.ops = body;
  std::vector<Operation> rev(c.ops.rbegin(), c.ops.rend());
  RouteOut best;
  bool have = false;
  for (uint32_t t = 0; t < std::max<uint32_t>(1, cfg_.trials); ++t) {
    Router fwd(c.ops, n, m, cfg_.seed + 1000003ULL * t);
    Router bwd(rev, n, m, cfg_.seed + 7919ULL * t + 1);
    std::vector<uint32_t> l0 = fwd.initial_layout(t);
    std::vector<uint32_t> init = l0;
    if (n > 1) {
      RouteOut f1 = fwd.route(l0, false);
      RouteOut b1 = bwd.route(f1.final_l2p, false);
      init = b1.final_l2p;
    }
    RouteOut r = fwd.route(init, true);
    if (!have || r.swaps < best.swaps) {
      best = std::move(r);
      initial_ = init;
      have = true;
    }
    if (best.swaps == 0) break;
  }
  final_ = best.final_l2p;
  swaps_ = best.swaps;
  c.ops = std::move(best.ops);
  for (auto& m : tail) {
    for (auto& q : m.qubits) q = final_[q];
    c.ops.push_back(std::move(m));
  }
  c.num_qubits = m.num_qubits;
  c.physical_qubits = true;
  c.qregs.clear();
  report_ = std::to_string(swaps_) + " swaps on " + m.description;
  return true;
}

std::unique_ptr<RoutingPass> createRoutingPass(RoutingConfig cfg) { return std::make_unique<RoutingPass>(std::move(cfg)); }

}  // namespace qforge
