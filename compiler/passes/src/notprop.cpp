// NOT propagation (see qforge/passes.hpp).
//
// One forward sweep with a Pauli-X frame: flip[q] says an x gate is still
// owed on wire q. Moving an owed x forward past a gate uses exact identities
// (circuit order left to right):
//   x; rz(t)          = rz(-t); x
//   x(t); cx(c, t)    = cx(c, t); x(t)
//   x(c); cx(c, t)    = cx(c, t); x(c); x(t)
//   x(a); swap(a, b)  = swap(a, b); x(b)
//   x; h              = h; z         and z = exp(i pi/2) rz(pi)
// Any other operation (or a condition, or extra controls) first receives
// the x gates owed on its qubits; the rest are placed at the end. Two x
// gates owed on one wire cancel on the way, and a z that comes out of an h
// is an rz that phase-polynomial merging can fold into another.
#include "qforge/passes.hpp"
#include "structured.hpp"

#include <cmath>

namespace qforge {
namespace {

class NotPropagationPass : public Pass {
 public:
  std::string name() const override { return "not-propagation"; }
  bool run(Circuit& c) override {
    std::vector<uint8_t> flip(c.num_qubits, 0);
    std::vector<Operation> out;
    out.reserve(c.ops.size());
    std::size_t x_before = 0, x_after = 0, to_rz = 0;
    auto emit_x = [&](uint32_t q) {
      if (!flip[q]) return;
      out.push_back(make_gate(GateId::X, {q}));
      flip[q] = 0;
      ++x_after;
    };
    Expr phase = c.global_phase;
    for (auto& op : c.ops) {
      const bool plain = op.kind == OpKind::Gate && op.conditions.empty() && op.num_controls == 0;
      if (plain && op.gate == GateId::X) {
        flip[op.qubits[0]] ^= 1;
        ++x_before;
        continue;
      }
      if (plain && op.gate == GateId::CX) {
        flip[op.qubits[1]] ^= flip[op.qubits[0]];
      } else if (plain && op.gate == GateId::Swap) {
        std::swap(flip[op.qubits[0]], flip[op.qubits[1]]);
      } else if (plain && op.gate == GateId::RZ) {
        if (flip[op.qubits[0]]) op.params[0] = -op.params[0];
      } else if (plain && op.gate == GateId::H) {
        const uint32_t q = op.qubits[0];
        out.push_back(std::move(op));
        if (flip[q]) {
          out.push_back(make_gate(GateId::RZ, {q}, {Expr(M_PI)}));
          phase = phase + Expr(M_PI / 2);
          flip[q] = 0;
          ++to_rz;
        }
        continue;
      } else if (op.kind == OpKind::Barrier && op.qubits.empty()) {
        for (uint32_t q = 0; q < c.num_qubits; ++q) emit_x(q);
      } else {
        for (uint32_t q : op.qubits) emit_x(q);
      }
      out.push_back(std::move(op));
    }
    for (uint32_t q = 0; q < c.num_qubits; ++q) emit_x(q);
    if (phase.is_const()) phase = Expr(std::remainder(phase.value(), 2 * M_PI));
    c.global_phase = phase;
    c.ops.swap(out);
    report_ = std::to_string(x_before) + " x gates -> " + std::to_string(x_after) + " x and " +
              std::to_string(to_rz) + " rz(pi)";
    return x_after + to_rz != x_before;
  }
};

}  // namespace

std::unique_ptr<Pass> createNotPropagationPass(NotPropagationConfig) { return around_classical(std::make_unique<NotPropagationPass>()); }

}  // namespace qforge
