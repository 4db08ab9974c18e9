// SABRE-style layout and routing (Li, Ding, Xie 2019), with the refinements
// of Qiskit's LightSABRE (Zou et al. 2024) (see qforge/routing.hpp).
//
// Routing one pass (Router::route), from a layout:
//  - Dependencies are commutation-aware (forward passes): on each wire the
//    operations form runs of mutually commuting actions (all Z-type, e.g.
//    rz and CX controls, or all X-type, e.g. x and CX targets); a gate is
//    ready when every earlier run on each of its wires is done. So CX gates
//    sharing a control (or a target) may execute in any order.
//  - Ready gates execute as soon as their qubits are adjacent. Otherwise a
//    SWAP is chosen among the edges touching the front layer, minimising
//      H = (1/|F|) sum_F d + 0.5 (1/|E|) sum_E d,   times max(decay[a], decay[b])
//    with F the front (the earliest blocked gate on each qubit), E the next
//    20 two-qubit gates, decay += 0.001 per SWAP on a qubit, reset every 5
//    SWAPs and whenever a gate executes; ties broken at random (seeded).
//    Scores are computed as deltas over the gates on the two swapped qubits.
//  - Release valve: after 10 * diameter + 10 SWAPs without an executed gate,
//    those SWAPs are taken back and the closest front gate is walked
//    together along a shortest path.
//  - A SWAP costs 3 CX, but 2 when it merges with a CX on the same qubits
//    that every later gate on them commutes with
//      CX(c,t) [commuting gates] SWAP = [commuting gates] CX(t,c) CX(c,t),
//    and 2 when one side is an unused physical qubit (always |0>: unused
//    qubits start in |0> and SWAPs keep them there): a move CX(a,b) CX(b,a).
//    When the routed two-qubit blocks are resynthesised afterwards
//    (RoutingConfig::resynthesised), a SWAP after a CX on the same pair with
//    only single-qubit gates between counts 2 as well (the block of the CX
//    and the SWAP needs 2 CX); it is written as 3 CX.
//
// Layout and choice (RoutingPass::run), per trial: a start layout (a
// breadth-first region of the device; random for trials > 0), then four
// passes forward, backward (over the reversed circuit), forward, backward,
// each starting from the layout the previous one ended with (SABRE's
// layout refinement). Every pass is a candidate routing: a backward pass,
// reversed, routes the circuit from its final layout to its start layout.
// The last pass of a trial stops once it is no cheaper than the best so
// far. Small circuits get more trials (4x cfg.trials; 2x for the largest).
// The cheapest candidate, by two-qubit gates added, is routed once more,
// emitting.
//
// Run-time classical logic: assignments, RuntimeGates and control-flow
// operations also depend on the clbits their expressions read and on one
// wire standing for the classical variables; break, continue and end
// depend on every wire. A control-flow operation is one operation on its
// qubits at the top level; when it is emitted, each of its blocks is routed
// (one forward pass) from the layout at that point and ends with the SWAPs
// it made taken back in reverse order, so every path through it leaves the
// layout it found (as Qiskit does); a break or continue first takes back
// every SWAP made since its loop's body began. It clears the CX-merging
// state of every qubit (its SWAPs may pass any of them), and the SWAPs
// inside blocks do not enter the choice of layout. After an `end` inside a
// block, the qubits stay where that path left them (the final layout holds
// for paths that reach the end of the program).
#include "qforge/classical_reads.hpp"
#include "qforge/routing.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>

namespace qforge {
namespace {

constexpr double kExtendedWeight = 0.5;
constexpr uint32_t kExtendedSize = 20;
constexpr double kDecayStep = 0.001;
constexpr uint32_t kDecayReset = 5;
constexpr uint32_t kValvePerDiameter = 10;
constexpr uint32_t kPassesPerTrial = 4;      // forward, backward, forward, backward
constexpr double kTrialWork = 12000;         // trials x two-qubit gates for the 4x multiplier ...
constexpr double kMinTrialScale = 2, kMaxTrialScale = 4;  // ... clamped to this range
constexpr uint32_t kMaxOpen = 4;             // open CX gates remembered per qubit

// How an operation acts on one of its wires, for commutation. Gates that
// act on every shared wire as Z-type (diagonal), or on every shared wire as
// X-type (diagonal in the X basis), commute.
enum : uint8_t { kOther = 0, kZ = 1, kX = 2 };

// Every clbit `op` reads or writes: its clbits, its conditions' and those
// its run-time expressions read.
void op_clbits(const Operation& op, std::vector<uint32_t>& out) {
  out.insert(out.end(), op.clbits.begin(), op.clbits.end());
  for (const auto& c : op.conditions) out.insert(out.end(), c.clbits.begin(), c.clbits.end());
  std::vector<uint32_t> vars;
  collect_classical_reads(op, out, vars);
}

// Break, continue and end: nothing may move across them.
bool is_stop(const Operation& op) {
  return op.kind == OpKind::Break || op.kind == OpKind::Continue || op.kind == OpKind::End;
}

bool gate_like(const Operation& op) { return op.kind == OpKind::Gate || op.kind == OpKind::RuntimeGate; }

uint8_t wire_type(const Operation& op, std::size_t k) {
  if (op.kind != OpKind::Gate || !op.conditions.empty()) return kOther;
  switch (operation_axis(op, k)) {
    case PauliAxis::Z: return kZ;
    case PauliAxis::X: return kX;
    case PauliAxis::None: break;
  }
  return kOther;
}

bool is_plain_cx(const Operation& op) {
  return op.kind == OpKind::Gate && op.gate == GateId::CX && op.num_controls == 0 && op.conditions.empty() &&
         op.qubits.size() == 2;
}

// The dependency structure. Wires are the qubits, then the classical bits
// (measurements write them, conditions read them), then one wire for the
// run-time variables (classical operations). On each wire the
// operations form runs: consecutive Z-type actions, consecutive X-type
// actions, or a single other action (every action is "other" when
// `commute` is false: plain wire order). An operation is ready when on each
// of its wires the run it belongs to is the active one.
struct Dag {
  const std::vector<Operation>* ops = nullptr;
  uint32_t n = 0, wires = 0;
  std::vector<uint8_t> two_q;
  std::vector<uint32_t> q0, q1;       // the qubits of two-qubit gates
  std::vector<uint8_t> qt0, qt1, cx;  // wire types on the first two qubits; plain cx?
  std::vector<uint32_t> ent_off, ent_wire, ent_run;  // per operation: its wires and runs there
  std::vector<uint32_t> wire_run_off;                // per wire: first run id (size wires + 1)
  std::vector<uint32_t> run_off, run_ops;            // per run: its operations
  // Per run_ops entry: the operation's other wire and its run there
  // (kOne: no other wire, kMany: more than one).
  static constexpr uint32_t kOne = UINT32_MAX, kMany = UINT32_MAX - 1;
  std::vector<uint32_t> item_w2, item_r2;

  Dag(const std::vector<Operation>& o, uint32_t n_qubits, bool commute) : ops(&o), n(n_qubits) {
    uint32_t clbits = 0;
    std::vector<uint32_t> bits;
    for (const auto& op : o) {
      bits.clear();
      op_clbits(op, bits);
      for (uint32_t b : bits) clbits = std::max(clbits, b + 1);
    }
    wires = n + clbits + 1;
    const uint32_t vars_wire = n + clbits;
    const std::size_t k = o.size();
    two_q.assign(k, 0);
    q0.assign(k, 0);
    q1.assign(k, 0);
    qt0.assign(k, kOther);
    qt1.assign(k, kOther);
    cx.assign(k, 0);
    ent_off.assign(k + 1, 0);
    std::vector<uint8_t> ent_type;
    for (std::size_t i = 0; i < k; ++i) {
      const Operation& op = o[i];
      two_q[i] = gate_like(op) && op.qubits.size() == 2;
      if (two_q[i]) {
        q0[i] = op.qubits[0];
        q1[i] = op.qubits[1];
      }
      if (op.qubits.size() > 0) qt0[i] = wire_type(op, 0);
      if (op.qubits.size() > 1) qt1[i] = wire_type(op, 1);
      cx[i] = is_plain_cx(op);
      const std::size_t start = ent_wire.size();
      auto add = [&](uint32_t w, uint8_t t) {
        for (std::size_t e = start; e < ent_wire.size(); ++e)
          if (ent_wire[e] == w) {
            ent_type[e] = kOther;
            return;
          }
        ent_wire.push_back(w);
        ent_type.push_back(t);
      };
      if (is_stop(op)) {
        for (uint32_t w = 0; w < wires; ++w) add(w, kOther);
      } else {
        for (std::size_t q = 0; q < op.qubits.size(); ++q)
          add(op.qubits[q], commute ? wire_type(op, q) : static_cast<uint8_t>(kOther));
        bits.clear();
        op_clbits(op, bits);
        for (uint32_t b : bits) add(n + b, kOther);
        if (op.is_classical()) add(vars_wire, kOther);
      }
      ent_off[i + 1] = static_cast<uint32_t>(ent_wire.size());
    }
    ent_run.assign(ent_wire.size(), 0);
    std::vector<std::vector<uint32_t>> per_wire(wires);  // entries in operation order
    for (std::size_t e = 0; e < ent_wire.size(); ++e) per_wire[ent_wire[e]].push_back(static_cast<uint32_t>(e));
    std::vector<uint32_t> ent_op(ent_wire.size()), item_e2;
    for (std::size_t i = 0; i < k; ++i)
      for (uint32_t e = ent_off[i]; e < ent_off[i + 1]; ++e) ent_op[e] = static_cast<uint32_t>(i);
    wire_run_off.assign(wires + 1, 0);
    uint32_t run = 0;
    run_off.push_back(0);
    for (uint32_t w = 0; w < wires; ++w) {
      wire_run_off[w] = run;
      uint8_t cur = kOther;
      bool open = false;
      for (uint32_t e : per_wire[w]) {
        const uint8_t t = ent_type[e];
        if (!open || t == kOther || t != cur) {
          if (open) {
            ++run;
            run_off.push_back(static_cast<uint32_t>(run_ops.size()));
          }
          open = true;
          cur = t;
        }
        ent_run[e] = run;
        const uint32_t j = ent_op[e], cnt = ent_off[j + 1] - ent_off[j];
        const uint32_t other = ent_off[j] + (ent_off[j] == e ? 1 : 0);
        run_ops.push_back(j);
        item_w2.push_back(cnt == 1 ? kOne : cnt == 2 ? ent_wire[other] : kMany);
        item_e2.push_back(cnt == 2 ? other : 0);
      }
      if (open) {
        ++run;
        run_off.push_back(static_cast<uint32_t>(run_ops.size()));
      }
    }
    wire_run_off[wires] = run;
    item_r2.resize(item_e2.size());
    for (std::size_t x = 0; x < item_e2.size(); ++x) item_r2[x] = ent_run[item_e2[x]];
  }
  std::size_t size() const { return two_q.size(); }
};

using Swaps = std::vector<std::pair<uint32_t, uint32_t>>;

// Take back `swaps` (physical pairs, in the order made) in reverse order,
// appending the gates to `out`: a SWAP is 3 CX, a move to an unused qubit
// (in |0>) 2 CX, a swap of two unused qubits nothing. Updates l2p.
void take_back(const Swaps& swaps, std::vector<uint32_t>& l2p, uint32_t num_physical, std::vector<Operation>& out) {
  std::vector<int64_t> p2l(num_physical, -1);
  for (uint32_t l = 0; l < l2p.size(); ++l) p2l[l2p[l]] = l;
  for (auto it = swaps.rbegin(); it != swaps.rend(); ++it) {
    const uint32_t a = it->first, b = it->second;
    if (p2l[a] < 0 && p2l[b] < 0) continue;
    if (p2l[a] < 0 || p2l[b] < 0) {
      const uint32_t from = p2l[a] < 0 ? b : a, to = from == a ? b : a;
      out.push_back(make_gate(GateId::CX, {from, to}));
      out.push_back(make_gate(GateId::CX, {to, from}));
    } else {
      out.push_back(make_gate(GateId::CX, {a, b}));
      out.push_back(make_gate(GateId::CX, {b, a}));
      out.push_back(make_gate(GateId::CX, {a, b}));
    }
    std::swap(p2l[a], p2l[b]);
    if (p2l[a] >= 0) l2p[p2l[a]] = a;
    if (p2l[b] >= 0) l2p[p2l[b]] = b;
  }
}

struct RouteOut {
  std::vector<Operation> ops;
  Swaps pairs;            // the SWAPs made, in order (physical pairs)
  std::vector<uint32_t> final_l2p;
  uint32_t swaps = 0;     // including merged ones and moves
  uint32_t merged = 0;    // SWAPs that absorbed a CX (2 CX)
  uint32_t moves = 0;     // SWAPs with an unused qubit (2 CX)
  uint32_t blocks = 0;    // SWAPs after a cx on the pair, single-qubit gates between (2 CX once resynthesised)
  bool aborted = false;   // stopped early: no cheaper than the budget
  uint64_t cost() const { return 3ull * swaps - 2ull * merged - moves - 2ull * blocks; }  // CX gates added
};

class Router {
 public:
  Router(const Dag& dag, const CouplingMap& m, const std::vector<int16_t>& dist, uint32_t diameter, bool blocks)
      : g_(dag), m_(m), D_(dist), N_(m.num_qubits), valve_(kValvePerDiameter * std::max<uint32_t>(1, diameter) + 10),
        blocks_(blocks), diameter_(diameter) {}

  // Route from layout l2p (logical -> physical). Without `emit` only the
  // cost and final layout are computed. Stops early (aborted) once the cost
  // reaches `budget`. Deterministic for a given seed, emitting or not.
  // `loop_swaps`: inside a loop body, the SWAPs made since the body began
  // up to the start of these operations (a break or continue takes them
  // back); null outside loops.
  RouteOut route(std::vector<uint32_t> l2p, bool emit, uint64_t seed, uint64_t budget = UINT64_MAX,
                 const Swaps* loop_swaps = nullptr) const {
    std::mt19937_64 rng(seed);
    const auto& ops = *g_.ops;
    const uint32_t N = N_, n = g_.n;
    RouteOut out;
    std::vector<char> deleted;  // emitted operations taken out again (merged CX)
    std::vector<int64_t> p2l(N, -1);
    for (uint32_t l = 0; l < n; ++l) p2l[l2p[l]] = l;
    auto dist = [&](uint32_t a, uint32_t b) -> int32_t { return D_[static_cast<std::size_t>(a) * N + b]; };

    // ---- readiness
    std::vector<uint32_t> active(g_.wires), remain(g_.wires);
    for (uint32_t w = 0; w < g_.wires; ++w) {
      active[w] = g_.wire_run_off[w];
      remain[w] = active[w] < g_.wire_run_off[w + 1] ? g_.run_off[active[w] + 1] - g_.run_off[active[w]] : 0;
    }
    auto ready_in = [&](uint32_t j) {
      for (uint32_t e = g_.ent_off[j]; e < g_.ent_off[j + 1]; ++e)
        if (active[g_.ent_wire[e]] != g_.ent_run[e]) return false;
      return true;
    };
    std::vector<uint32_t> queue;  // ready, not yet looked at
    for (uint32_t i = 0; i < g_.size(); ++i)
      if (ready_in(i)) queue.push_back(i);
    auto exec = [&](uint32_t i) {
      for (uint32_t e = g_.ent_off[i]; e < g_.ent_off[i + 1]; ++e) {
        const uint32_t w = g_.ent_wire[e];
        if (--remain[w]) continue;
        if (++active[w] >= g_.wire_run_off[w + 1]) continue;
        const uint32_t r = active[w];
        remain[w] = g_.run_off[r + 1] - g_.run_off[r];
        for (uint32_t x = g_.run_off[r]; x < g_.run_off[r + 1]; ++x) {
          const uint32_t w2 = g_.item_w2[x];
          if (w2 == Dag::kOne || (w2 == Dag::kMany ? ready_in(g_.run_ops[x]) : active[w2] == g_.item_r2[x]))
            queue.push_back(g_.run_ops[x]);
        }
      }
    };

    // ---- emission and SWAP/CX merging. open[p]: CX gates on p (id, control)
    // that every later operation on p commutes with.
    struct Open {
      int64_t id;
      uint32_t ctl;
    };
    struct OpenList {
      std::array<Open, kMaxOpen> e;
      uint32_t size = 0;
    };
    std::vector<OpenList> open(N);
    // last_cx[p]: the cx that was the last operation on p other than
    // single-qubit gates, or -1.
    std::vector<int64_t> last_cx(N, -1);
    int64_t counter = 0;
    auto new_id = [&] { return emit ? static_cast<int64_t>(out.ops.size()) : counter++; };
    auto push_cx = [&](uint32_t c, uint32_t t) {
      if (emit) {
        out.ops.push_back(make_gate(GateId::CX, {c, t}));
        deleted.push_back(0);
      } else {
        ++counter;
      }
    };
    auto filter_open = [&](uint32_t p, uint8_t type) {  // an operation of `type` on p follows
      OpenList& o = open[p];
      if (type == kOther) {
        o.size = 0;
        return;
      }
      uint32_t k = 0;
      for (uint32_t x = 0; x < o.size; ++x)
        if ((o.e[x].ctl == p ? kZ : kX) == type) o.e[k++] = o.e[x];
      o.size = k;
    };
    auto add_open = [&](uint32_t p, Open v) {
      OpenList& o = open[p];
      if (o.size == kMaxOpen) {
        std::move(o.e.begin() + 1, o.e.end(), o.e.begin());
        --o.size;
      }
      o.e[o.size++] = v;
    };
    auto emit_op = [&](uint32_t i) {
      const Operation& op = ops[i];
      if (op.is_control_flow() || is_stop(op)) {
        // Its SWAPs may pass any qubit: nothing merges across it.
        for (auto& o : open) o.size = 0;
        std::fill(last_cx.begin(), last_cx.end(), -1);
        if (!emit) {
          ++counter;
          return;
        }
        Swaps since = loop_swaps ? *loop_swaps : Swaps{};
        since.insert(since.end(), out.pairs.begin(), out.pairs.end());
        if (op.is_control_flow()) {
          const bool loop = op.kind == OpKind::While || op.kind == OpKind::For;
          std::vector<std::vector<Operation>> blocks;
          for (const auto& b : op.blocks)
            blocks.push_back(route_block(b, l2p, seed, loop ? &kNone : loop_swaps ? &since : nullptr));
          Operation o = make_control_flow(op.kind, *op.classical, std::move(blocks));
          o.conditions = op.conditions;
          o.loc = op.loc;
          out.ops.push_back(std::move(o));
        } else {
          if (op.kind != OpKind::End && loop_swaps) {
            std::vector<uint32_t> back = l2p;
            take_back(since, back, N, out.ops);
            deleted.resize(out.ops.size(), 0);
          }
          out.ops.push_back(op);
        }
        deleted.push_back(0);
        return;
      }
      const int64_t id = new_id();
      if (!(op.kind == OpKind::Gate && op.qubits.size() == 1 && op.conditions.empty()))
        for (uint32_t q : op.qubits) last_cx[l2p[q]] = g_.cx[i] ? id : -1;
      if (op.kind == OpKind::Gate && op.qubits.size() <= 2) {
        if (op.qubits.size() > 0) filter_open(l2p[op.qubits[0]], g_.qt0[i]);
        if (op.qubits.size() > 1) filter_open(l2p[op.qubits[1]], g_.qt1[i]);
        if (g_.cx[i]) {
          const uint32_t a = l2p[op.qubits[0]], b = l2p[op.qubits[1]];
          add_open(a, {id, a});
          add_open(b, {id, a});
        }
      } else {
        for (uint32_t q : op.qubits) open[l2p[q]].size = 0;
      }
      if (emit) {
        Operation o = op;
        for (auto& q : o.qubits) q = l2p[q];
        out.ops.push_back(std::move(o));
        deleted.push_back(0);
      }
    };
    auto mergeable = [&](uint32_t a, uint32_t b) -> int {  // index into open[a] of a CX open on both, or -1
      const OpenList &oa = open[a], &ob = open[b];
      for (int x = static_cast<int>(oa.size) - 1; x >= 0; --x)
        for (uint32_t y = 0; y < ob.size; ++y)
          if (oa.e[x].id == ob.e[y].id) return x;
      return -1;
    };

    // ---- SWAPs
    struct SwapRec {
      uint32_t a, b;
      OpenList open_a, open_b;
      int64_t last_a, last_b;
      int64_t merged_id;
      bool move, block;
      std::size_t out_size;
    };
    std::vector<SwapRec> recent;  // SWAPs since the last executed gate
    std::vector<double> decay(N, 1.0);
    uint32_t swaps_since_reset = 0;
    auto do_swap = [&](uint32_t a, uint32_t b) {
      SwapRec rec{a, b, open[a], open[b], last_cx[a], last_cx[b], -1, false, false, out.ops.size()};
      const int x = mergeable(a, b);
      if (p2l[a] < 0 || p2l[b] < 0) {
        // Moving a qubit onto an unused one (in |0>): CX(from,to) CX(to,from).
        const uint32_t from = p2l[a] < 0 ? b : a, to = from == a ? b : a;
        push_cx(from, to);
        push_cx(to, from);
        rec.move = true;
        ++out.moves;
      } else if (x >= 0) {
        // CX(c,t) [commuting gates] SWAP(c,t) = [commuting gates] CX(t,c) CX(c,t)
        const Open& o = open[a].e[x];
        const uint32_t c = o.ctl, t = c == a ? b : a;
        rec.merged_id = o.id;
        if (emit) deleted[o.id] = 1;
        push_cx(t, c);
        push_cx(c, t);
        ++out.merged;
      } else {
        push_cx(a, b);
        push_cx(b, a);
        push_cx(a, b);
        if (blocks_ && last_cx[a] >= 0 && last_cx[a] == last_cx[b]) {
          rec.block = true;
          ++out.blocks;
        }
      }
      open[a].size = open[b].size = 0;
      last_cx[a] = last_cx[b] = -1;
      const int64_t la = p2l[a], lb = p2l[b];
      std::swap(p2l[a], p2l[b]);
      if (la >= 0) l2p[la] = b;
      if (lb >= 0) l2p[lb] = a;
      ++out.swaps;
      out.pairs.emplace_back(a, b);
      recent.push_back(rec);
      decay[a] += kDecayStep;
      decay[b] += kDecayStep;
      if (++swaps_since_reset >= kDecayReset) {
        std::fill(decay.begin(), decay.end(), 1.0);
        swaps_since_reset = 0;
      }
    };
    auto undo_swaps = [&] {
      while (!recent.empty()) {
        const SwapRec& r = recent.back();
        if (emit) {
          out.ops.resize(r.out_size);
          deleted.resize(r.out_size);
          if (r.merged_id >= 0) deleted[r.merged_id] = 0;
        }
        if (r.merged_id >= 0) --out.merged;
        if (r.move) --out.moves;
        if (r.block) --out.blocks;
        --out.swaps;
        out.pairs.pop_back();
        open[r.a] = r.open_a;
        open[r.b] = r.open_b;
        last_cx[r.a] = r.last_a;
        last_cx[r.b] = r.last_b;
        const int64_t la = p2l[r.a], lb = p2l[r.b];
        std::swap(p2l[r.a], p2l[r.b]);
        if (la >= 0) l2p[la] = r.b;
        if (lb >= 0) l2p[lb] = r.a;
        recent.pop_back();
      }
    };

    std::vector<uint32_t> front;  // ready two-qubit gates whose qubits are not adjacent
    auto drain = [&] {  // execute what is ready and executable
      for (std::size_t head = 0; head < queue.size(); ++head) {
        const uint32_t i = queue[head];
        if (g_.two_q[i] && dist(l2p[g_.q0[i]], l2p[g_.q1[i]]) != 1) {
          front.push_back(i);
          continue;
        }
        emit_op(i);
        exec(i);
      }
      queue.clear();
    };

    // ---- scoring sets. fl[l] / el[l]: the other qubits of the front /
    // extended-set gates on logical qubit l.
    std::vector<std::vector<uint32_t>> fl(n), el(n);
    std::vector<uint32_t> touched;  // logical qubits with non-empty fl or el
    int32_t fsum = 0, esum = 0;     // summed distances
    std::vector<uint32_t> sfront, rest, sorted, claim(n, 0);
    uint32_t cstamp = 0;
    std::size_t esize = 0;
    std::vector<uint32_t> vact(g_.wires), vrem(g_.wires), vstamp(g_.wires, 0), vq;
    uint32_t stamp = 0;
    auto add_pair = [&](std::vector<std::vector<uint32_t>>& lists, uint32_t a, uint32_t b) {
      if (fl[a].empty() && el[a].empty()) touched.push_back(a);
      if (fl[b].empty() && el[b].empty()) touched.push_back(b);
      lists[a].push_back(b);
      lists[b].push_back(a);
    };
    auto rebuild_sets = [&] {
      for (uint32_t l : touched) {
        fl[l].clear();
        el[l].clear();
      }
      touched.clear();
      fsum = esum = 0;
      esize = 0;
      // The scoring front: the earliest blocked gate on each qubit (with
      // commutation several front gates may share a qubit); the others
      // open the extended set.
      sfront.clear();
      rest.clear();
      sorted.assign(front.begin(), front.end());
      std::sort(sorted.begin(), sorted.end());
      ++cstamp;
      for (uint32_t i : sorted) {
        const uint32_t a = g_.q0[i], b = g_.q1[i];
        if (claim[a] == cstamp || claim[b] == cstamp) {
          rest.push_back(i);
          continue;
        }
        claim[a] = claim[b] = cstamp;
        sfront.push_back(i);
        add_pair(fl, a, b);
        fsum += dist(l2p[a], l2p[b]);
      }
      for (uint32_t i : rest) {
        if (esize >= kExtendedSize) return;
        add_pair(el, g_.q0[i], g_.q1[i]);
        esum += dist(l2p[g_.q0[i]], l2p[g_.q1[i]]);
        ++esize;
      }
      // Then the two-qubit gates that follow: execute the front virtually.
      ++stamp;
      vq.assign(front.begin(), front.end());
      for (std::size_t head = 0; head < vq.size() && esize < kExtendedSize; ++head) {
        const uint32_t i = vq[head];
        if (head >= front.size() && g_.two_q[i]) {
          add_pair(el, g_.q0[i], g_.q1[i]);
          esum += dist(l2p[g_.q0[i]], l2p[g_.q1[i]]);
          ++esize;
        }
        for (uint32_t e = g_.ent_off[i]; e < g_.ent_off[i + 1]; ++e) {
          const uint32_t w = g_.ent_wire[e];
          if (vstamp[w] != stamp) {
            vstamp[w] = stamp;
            vact[w] = active[w];
            vrem[w] = remain[w];
          }
          if (--vrem[w]) continue;
          if (++vact[w] >= g_.wire_run_off[w + 1]) continue;
          const uint32_t r = vact[w];
          vrem[w] = g_.run_off[r + 1] - g_.run_off[r];
          for (uint32_t x = g_.run_off[r]; x < g_.run_off[r + 1]; ++x) {
            const uint32_t j = g_.run_ops[x], w2 = g_.item_w2[x];
            auto act = [&](uint32_t v) { return vstamp[v] == stamp ? vact[v] : active[v]; };
            bool ok = true;
            if (w2 == Dag::kMany) {
              for (uint32_t f = g_.ent_off[j]; f < g_.ent_off[j + 1] && ok; ++f)
                ok = act(g_.ent_wire[f]) == g_.ent_run[f];
            } else if (w2 != Dag::kOne) {
              ok = act(w2) == g_.item_r2[x];
            }
            if (ok) vq.push_back(j);
          }
        }
      }
    };

    std::vector<uint32_t> mark(N, 0), seen(N, 0);
    uint32_t mstamp = 0;
    struct Cand {
      uint32_t a, b;
      int32_t df, de;
    };
    std::vector<Cand> bests;

    drain();
    bool dirty = true;
    while (!front.empty()) {
      if (recent.size() > valve_) {
        // Release valve: take back the SWAPs since the last executed gate and
        // bring the closest front gate together along a shortest path,
        // stepping from both ends in turn.
        undo_swaps();
        uint32_t best_i = front[0];
        int32_t bd = INT32_MAX;
        for (uint32_t i : front) {
          const int32_t d = dist(l2p[g_.q0[i]], l2p[g_.q1[i]]);
          if (d < bd) {
            bd = d;
            best_i = i;
          }
        }
        uint32_t a = l2p[g_.q0[best_i]], b = l2p[g_.q1[best_i]];
        bool from_a = true;
        while (dist(a, b) > 1) {
          uint32_t& s = from_a ? a : b;
          const uint32_t o = from_a ? b : a;
          uint32_t step = s;
          for (uint32_t v : m_.neighbours[s])
            if (dist(v, o) < dist(step, o)) step = v;
          do_swap(s, step);
          s = step;
          from_a = !from_a;
        }
      } else {
        if (dirty) {
          rebuild_sets();
          dirty = false;
        }
        // Candidates: edges touching the scoring front, each once.
        ++mstamp;
        for (uint32_t i : sfront) mark[l2p[g_.q0[i]]] = mark[l2p[g_.q1[i]]] = mstamp;
        const double sf = 1.0 / static_cast<double>(sfront.size());
        const double se = esize ? kExtendedWeight / static_cast<double>(esize) : 0.0;
        double best = 1e300;
        bests.clear();
        auto consider = [&](uint32_t a, uint32_t b) {
          const int64_t la = p2l[a], lb = p2l[b];
          int32_t df = 0, de = 0;
          if (la >= 0) {
            for (uint32_t q : fl[la])
              if (q != lb) df += dist(b, l2p[q]) - dist(a, l2p[q]);
            for (uint32_t q : el[la])
              if (q != lb) de += dist(b, l2p[q]) - dist(a, l2p[q]);
          }
          if (lb >= 0) {
            for (uint32_t q : fl[lb])
              if (q != la) df += dist(a, l2p[q]) - dist(b, l2p[q]);
            for (uint32_t q : el[lb])
              if (q != la) de += dist(a, l2p[q]) - dist(b, l2p[q]);
          }
          const double h = (static_cast<double>(fsum + df) * sf + static_cast<double>(esum + de) * se) *
                           std::max(decay[a], decay[b]);
          if (h < best - 1e-10) {
            best = h;
            bests.clear();
            bests.push_back({a, b, df, de});
          } else if (h < best + 1e-10) {
            bests.push_back({a, b, df, de});
          }
        };
        for (uint32_t i : sfront)
          for (uint32_t p : {l2p[g_.q0[i]], l2p[g_.q1[i]]}) {
            if (seen[p] == mstamp) continue;
            seen[p] = mstamp;
            for (uint32_t v : m_.neighbours[p])
              if (mark[v] != mstamp || p < v) consider(p, v);
          }
        const Cand pick = bests.size() == 1 ? bests[0] : bests[rng() % bests.size()];
        fsum += pick.df;
        esum += pick.de;
        do_swap(pick.a, pick.b);
      }
      // Front gates the SWAP(s) made executable.
      std::size_t keep = 0;
      for (uint32_t i : front) {
        if (dist(l2p[g_.q0[i]], l2p[g_.q1[i]]) == 1) queue.push_back(i);
        else front[keep++] = i;
      }
      front.resize(keep);
      if (!queue.empty()) {
        drain();
        recent.clear();
        std::fill(decay.begin(), decay.end(), 1.0);
        swaps_since_reset = 0;
        dirty = true;
        if (out.cost() >= budget) {
          out.aborted = true;
          return out;
        }
      }
    }
    if (emit) {
      std::size_t k = 0;
      for (std::size_t i = 0; i < out.ops.size(); ++i)
        if (!deleted[i]) {
          if (k != i) out.ops[k] = std::move(out.ops[i]);
          ++k;
        }
      out.ops.resize(k);
    }
    out.final_l2p = std::move(l2p);
    return out;
  }

  // One block of a control-flow operation routed from layout `l2p` (one
  // forward pass), its SWAPs taken back at its end.
  std::vector<Operation> route_block(const std::vector<Operation>& block, const std::vector<uint32_t>& l2p,
                                     uint64_t seed, const Swaps* loop_swaps) const {
    const Dag dag(block, g_.n, true);
    const Router r(dag, m_, D_, diameter_, blocks_);
    RouteOut o = r.route(l2p, true, seed, UINT64_MAX, loop_swaps);
    take_back(o.pairs, o.final_l2p, N_, o.ops);
    if (o.final_l2p != l2p) throw std::logic_error("routing: a block does not restore its layout");
    Circuit located;  // the SWAPs' cx take the location of the gate they serve
    located.num_qubits = N_;
    located.ops = std::move(o.ops);
    fill_missing_locations(located);
    return std::move(located.ops);
  }

 private:
  static inline const Swaps kNone{};
  const Dag& g_;
  const CouplingMap& m_;
  const std::vector<int16_t>& D_;
  uint32_t N_, valve_;
  bool blocks_;
  uint32_t diameter_;
};

// A start layout: the logical qubits on a breadth-first region of the device
// grown from `start`, in random order unless `ordered`.
std::vector<uint32_t> region_layout(const CouplingMap& m, uint32_t n, uint32_t start, bool ordered,
                                    std::mt19937_64& rng) {
  const uint32_t N = m.num_qubits;
  if (n == 0) return {};
  std::vector<uint32_t> order{start};
  std::vector<char> seen(N, 0);
  seen[start] = 1;
  for (std::size_t i = 0; i < order.size() && order.size() < n; ++i)
    for (uint32_t v : m.neighbours[order[i]])
      if (!seen[v]) {
        seen[v] = 1;
        order.push_back(v);
      }
  for (uint32_t q = 0; q < N && order.size() < n; ++q)
    if (!seen[q]) {
      seen[q] = 1;
      order.push_back(q);
    }
  order.resize(n);
  if (!ordered) std::shuffle(order.begin(), order.end(), rng);
  return order;
}

}  // namespace

bool RoutingPass::run(Circuit& c) {
  const CouplingMap& m = cfg_.coupling;
  if (c.num_qubits > m.num_qubits)
    throw std::invalid_argument("routing: " + std::to_string(c.num_qubits) + " qubits do not fit " + m.description);
  const uint32_t n = c.num_qubits, N = m.num_qubits;
  uint64_t n2q = 0;
  for_each_operation(c.ops, [](const Operation& op) {
    if (gate_like(op) && op.qubits.size() > 2)
      throw std::invalid_argument("routing needs gates on at most two qubits (lower the circuit first)");
  });
  for (const auto& op : c.ops) n2q += gate_like(op) && op.qubits.size() == 2;
  if (N > 1 && !m.is_connected_graph())
    throw std::invalid_argument("routing: the coupling map " + m.description + " is not connected");
  // Trailing measurements leave the routed body and come back at the end,
  // through the final layout (so no SWAP ever passes a measured qubit). A
  // measurement whose bit a later condition reads or a later measurement
  // writes stays in the body, and so does every measurement before a
  // classical operation (which may read its bit or end the shot).
  std::vector<Operation> body, tail;
  {
    std::vector<bool> later(c.num_qubits, false), later_bit(c.num_clbits, false);
    auto bit_later = [&](uint32_t b) { return b < later_bit.size() && later_bit[b]; };
    auto mark_bit = [&](uint32_t b) {
      if (b >= later_bit.size()) later_bit.resize(b + 1, false);
      later_bit[b] = true;
    };
    std::vector<bool> is_tail(c.ops.size(), false);
    std::size_t first_free = 0;  // no measurement before a classical operation moves
    for (std::size_t i = c.ops.size(); i-- > 0;)
      if (c.ops[i].is_classical()) {
        first_free = i + 1;
        break;
      }
    for (std::size_t i = c.ops.size(); i-- > first_free;) {
      const Operation& op = c.ops[i];
      for (const auto& cond : op.conditions)
        for (uint32_t b : cond.clbits) mark_bit(b);
      bool free = op.kind == OpKind::Measure && op.conditions.empty();
      for (uint32_t q : op.qubits) free = free && !later[q];
      for (uint32_t b : op.clbits) free = free && !bit_later(b);
      if (free) {
        is_tail[i] = true;
        continue;
      }
      for (uint32_t b : op.clbits) mark_bit(b);
      if (op.kind != OpKind::Barrier)
        for (uint32_t q : op.qubits) later[q] = true;
    }
    for (std::size_t i = 0; i < c.ops.size(); ++i) (is_tail[i] ? tail : body).push_back(c.ops[i]);
  }
  std::vector<int16_t> dist(static_cast<std::size_t>(N) * N);
  uint32_t diameter = 0;
  for (uint32_t a = 0; a < N; ++a)
    for (uint32_t b = 0; b < N; ++b) diameter = std::max(diameter, m.distance[a][b]);
  if (diameter > INT16_MAX) throw std::invalid_argument("routing: the coupling map " + m.description + " is too large");
  for (uint32_t a = 0; a < N; ++a)
    for (uint32_t b = 0; b < N; ++b) dist[static_cast<std::size_t>(a) * N + b] = static_cast<int16_t>(m.distance[a][b]);

  // Forward passes use commutation; backward passes, over the reversed
  // circuit, plain wire order (cheaper, and measured as good). A backward
  // pass is a routing too: reversed, its output is a routing of the circuit
  // (SWAPs are self-inverse, merged SWAPs and moves read backwards are the
  // same identities), from its final layout to its start layout.
  std::vector<Operation> rev(body.rbegin(), body.rend());
  const Dag fwd_dag(body, n, true), bwd_dag(rev, n, false);
  const Router fwd(fwd_dag, m, dist, diameter, cfg_.resynthesised), bwd(bwd_dag, m, dist, diameter, cfg_.resynthesised);

  const double scale = std::clamp(kTrialWork / std::max<double>(1.0, static_cast<double>(n2q)), kMinTrialScale,
                                  kMaxTrialScale);
  const uint32_t trials =
      std::max<uint32_t>(1, static_cast<uint32_t>(std::lround(std::max<uint32_t>(1, cfg_.trials) * scale)));
  uint64_t best_cost = UINT64_MAX, best_seed = 0;
  bool best_reversed = false;
  std::vector<uint32_t> best_l;
  for (uint32_t t = 0; t < trials && best_cost > 0; ++t) {
    std::mt19937_64 rng(cfg_.seed * 0x9E3779B97F4A7C15ULL + 1000003ULL * t + 17);
    std::vector<uint32_t> l = region_layout(m, n, t == 0 || N == 0 ? 0 : static_cast<uint32_t>(rng() % N), t == 0, rng);
    // Forward, backward, forward, ...: each pass starts from the layout the
    // previous one ended with (SABRE's layout refinement), and each is a
    // candidate; only the last may stop early.
    for (uint32_t k = 0; k < kPassesPerTrial; ++k) {
      const bool reversed = k % 2 == 1, last = k + 1 == kPassesPerTrial;
      const uint64_t seed = rng();
      RouteOut r = (reversed ? bwd : fwd).route(l, false, seed, last ? best_cost : UINT64_MAX);
      if (r.aborted) break;
      if (r.cost() < best_cost) {
        best_cost = r.cost();
        best_seed = seed;
        best_reversed = reversed;
        best_l = l;
      }
      if (r.cost() == 0) break;
      l = std::move(r.final_l2p);
    }
  }
  RouteOut best = (best_reversed ? bwd : fwd).route(best_l, true, best_seed);
  if (best.cost() != best_cost) throw std::logic_error("routing: the final pass does not repeat the best trial");
  if (best_reversed) {
    std::reverse(best.ops.begin(), best.ops.end());
    std::swap(best_l, best.final_l2p);
  }
  initial_ = best_l;
  final_ = best.final_l2p;
  swaps_ = best.swaps;
  c.ops = std::move(best.ops);
  for (auto& op : tail) {
    for (auto& q : op.qubits) q = final_[q];
    c.ops.push_back(std::move(op));
  }
  c.num_qubits = m.num_qubits;
  c.physical_qubits = true;
  c.qregs.clear();
  report_ = std::to_string(swaps_) + " swaps on " + m.description + " (+" + std::to_string(best.cost()) + " cx: " +
            std::to_string(best.merged) + " merged with a cx, " + std::to_string(best.moves) +
            " moves to unused qubits" +
            (cfg_.resynthesised ? ", " + std::to_string(best.blocks) + " after a cx for resynthesis" : std::string()) +
            "; " + std::to_string(trials) + " trials)";
  return true;
}

std::unique_ptr<RoutingPass> createRoutingPass(RoutingConfig cfg) { return std::make_unique<RoutingPass>(std::move(cfg)); }

}  // namespace qforge
