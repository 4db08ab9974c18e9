// Basis translation (see qforge/passes.hpp, BasisTranslationConfig).
//
// Algorithm:
//  1. Every gate, with its extra controls, is lowered to {h, x, cx, rz} by
//     Lowerer::gate. The decompositions come from the gate table
//     (definitions.hpp): multi-qubit gates expand to their definition, with
//     only the definition's core under the extra controls; one-qubit gates
//     go through their Euler angles (euler_zyz, or the matrix's for constant
//     gates). Controlled one-qubit gates use the A X B X C construction
//     (Barenco et al. 1995, lemma 5.1) around multi-controlled X;
//     multi-controlled X uses lemma 7.5 (C^k X from C(SX), C^{k-1}X and
//     C^{k-1}(SX)) down to the table's Toffoli; a global phase under
//     controls becomes a controlled phase gate.
//  2. For the IBM bases, cx becomes ecr or cz with single-qubit corrections,
//     and every single-qubit gate outside {rz, sx, x} is resynthesised.
// Invariant: the result equals the input including the global phase
// (phases of classically conditioned gates are dropped: unobservable).
#include "qforge/definitions.hpp"
#include "structured.hpp"
#include "qforge/passes.hpp"

#include <cmath>
#include <stdexcept>

namespace qforge {
namespace {

using G = GateId;
using Qs = std::vector<uint32_t>;

bool all_const(const std::vector<Expr>& ps) {
  for (const auto& p : ps)
    if (!p.is_const()) return false;
  return true;
}

double wrap_pi(double t) {
  t = std::remainder(t, 2 * M_PI);
  if (t <= -M_PI) t += 2 * M_PI;
  return t;
}

class Lowerer {
 public:
  Lowerer(const Operation& proto, std::vector<Operation>& out, Expr& phase)
      : proto_(proto), out_(out), phase_(phase), conditioned_(!proto.conditions.empty()) {}

  void emit(G g, Qs qs, std::vector<Expr> ps = {}) {
    if (g == G::RZ && ps[0].is_const()) {
      double t = std::remainder(ps[0].value(), 4 * M_PI);  // [-2pi, 2pi]
      if (t > M_PI) { t -= 2 * M_PI; add_global(M_PI); }
      else if (t <= -M_PI) { t += 2 * M_PI; add_global(M_PI); }
      if (std::abs(t) < 1e-15) return;
      ps[0] = Expr(t);
    }
    out_.push_back(replacement(proto_, g, std::move(qs), std::move(ps)));
  }

  void add_global(const Expr& e) {
    if (!conditioned_) phase_ = phase_ + e;
  }

  void add_phase(const Qs& ctrls, const Expr& ph) {
    if (ph.is_const() && ph.value() == 0) return;
    if (ctrls.empty()) return add_global(ph);
    Qs rest(ctrls.begin(), ctrls.end() - 1);
    gate(G::P, rest, {ctrls.back()}, {ph});
  }

  void mcx(const Qs& ctrls, uint32_t t) {
    switch (ctrls.size()) {
      case 0: emit(G::X, {t}); return;
      case 1: emit(G::CX, {ctrls[0], t}); return;
      case 2: gate(G::CCX, {}, {ctrls[0], ctrls[1], t}, {}); return;
      default: break;
    }
    const uint32_t last = ctrls.back();
    Qs rest(ctrls.begin(), ctrls.end() - 1);
    gate(G::SX, {last}, {t}, {});
    mcx(rest, last);
    gate(G::SXdg, {last}, {t}, {});
    mcx(rest, last);
    gate(G::SX, rest, {t}, {});
  }

  // Controlled single-qubit U = e^{i al} Rz(be) Ry(ga) Rz(de) on t.
  void abc(const Qs& ctrls, uint32_t t, const Expr& al, const Expr& be, const Expr& ga, const Expr& de) {
    gate(G::RZ, {}, {t}, {(de - be) / Expr(2.0)});
    mcx(ctrls, t);
    gate(G::RZ, {}, {t}, {-(de + be) / Expr(2.0)});
    gate(G::RY, {}, {t}, {-ga / Expr(2.0)});
    mcx(ctrls, t);
    gate(G::RY, {}, {t}, {ga / Expr(2.0)});
    gate(G::RZ, {}, {t}, {be});
    add_phase(ctrls, al);
  }

  void gate(G g, const Qs& ctrls, const Qs& tg, const std::vector<Expr>& ps) {
    const GateInfo& info = gate_info(g);
    // Table gates with their own controls, except the cheap plain ones.
    if (info.num_controls > 0) {
      const bool plain = ctrls.empty() && (g == G::CX || g == G::CZ || g == G::CY || g == G::CCX ||
                                           g == G::CCZ || g == G::CSwap);
      if (!plain) {
        Qs c2 = ctrls;
        c2.insert(c2.end(), tg.begin(), tg.begin() + info.num_controls);
        Qs t2(tg.begin() + info.num_controls, tg.end());
        if (g == G::CU) {
          gate(G::U3, c2, t2, {ps[0], ps[1], ps[2]});
          add_phase(c2, ps[3]);
        } else {
          gate(info.base, c2, t2, ps);
        }
        return;
      }
    }
    if (ctrls.empty()) return plain(g, tg, ps);
    const uint32_t t = tg[0];
    // The basis's own gates under controls.
    switch (g) {
      case G::I: return;
      case G::X: return mcx(ctrls, t);
      case G::RZ:
        gate(G::RZ, {}, {t}, {ps[0] / Expr(2.0)});
        mcx(ctrls, t);
        gate(G::RZ, {}, {t}, {-ps[0] / Expr(2.0)});
        mcx(ctrls, t);
        return;
      case G::P: case G::U1:
        gate(G::RZ, ctrls, {t}, ps);
        add_phase(ctrls, ps[0] / Expr(2.0));
        return;
      default: break;
    }
    if (info.num_qubits == 1) {
      // A power of z that is one phase gate (z, s, sdg, t, tdg): p(angle).
      std::vector<Operation> steps;
      Expr power_phase;
      if (!is_rotation_gate(g) && gate_power(g, ps, 1.0, steps, power_phase) && steps.size() == 1 &&
          steps[0].gate == G::P && power_phase.is_const() && power_phase.value() == 0)
        return gate(G::P, ctrls, {t}, steps[0].params);
      if (auto e = euler_zyz(g, ps)) return abc(ctrls, t, e->alpha, e->beta, e->gamma, e->delta);
      if (all_const(ps)) {
        const ZYZ z = zyz_decompose(op_matrix_1q(make_gate(g, {0}, ps)));
        return abc(ctrls, t, Expr(z.alpha), Expr(z.beta), Expr(z.gamma), Expr(z.delta));
      }
    } else if (const GateDefinition* def = gate_definition(g)) {
      return expand(*def, ctrls, tg, ps);
    }
    throw std::logic_error("basis translation: no rule for controlled " + std::string(info.name));
  }

  // The table's definition of a gate, with only its core under `ctrls`.
  void expand(const GateDefinition& def, const Qs& ctrls, const Qs& q, const std::vector<Expr>& ps) {
    const std::vector<Operation> body = instantiate(def, ps, q);
    for (std::size_t i = 0; i < body.size(); ++i) {
      const bool core = i >= def.core_begin && i < def.core_end;
      gate(body[i].gate, core ? ctrls : Qs{}, body[i].qubits, body[i].params);
    }
    add_phase(ctrls, def.phase);
  }

  void plain(G g, const Qs& q, const std::vector<Expr>& ps) {
    const GateInfo& info = gate_info(g);
    switch (g) {
      case G::I: return;
      case G::X: case G::H: case G::CX: return emit(g, q);
      case G::RZ: return emit(G::RZ, q, ps);
      default: break;
    }
    if (info.num_qubits == 1) {
      if (all_const(ps)) {
        double ph = 0;
        for (auto& op : synthesize_1q(op_matrix_1q(make_gate(g, {0}, ps)), Basis::Nam, ph))
          emit(op.gate, q, op.params);
        add_global(Expr(ph));
        return;
      }
      if (auto e = euler_zyz(g, ps)) return euler(q, *e);
      throw std::logic_error("basis translation: no rule for symbolic " + std::string(info.name));
    }
    if (const GateDefinition* def = gate_definition(g)) return expand(*def, {}, q, ps);
    throw std::logic_error("basis translation: no rule for " + std::string(info.name));
  }

  // exp(i a) rz(b) ry(c) rz(d) in {h, rz}: ry(c) = rz(pi/2) h rz(c) h rz(-pi/2).
  void euler(const Qs& q, const EulerZYZ& e) {
    const Expr half_pi(M_PI / 2);
    if (e.gamma.is_const() && e.gamma.value() == 0) {
      emit(G::RZ, q, {e.delta});
      emit(G::RZ, q, {e.beta});
    } else {
      emit(G::RZ, q, {e.delta - half_pi});
      emit(G::H, q);
      emit(G::RZ, q, {e.gamma});
      emit(G::H, q);
      emit(G::RZ, q, {e.beta + half_pi});
    }
    if (!(e.alpha.is_const() && e.alpha.value() == 0)) add_global(e.alpha);
  }

 private:
  const Operation& proto_;
  std::vector<Operation>& out_;
  Expr& phase_;
  bool conditioned_;
};

}  // namespace

// Exposed for the other passes through this translation unit only.
void lower_operation_to_nam(const Operation& op, std::vector<Operation>& out, Expr& phase) {
  if (op.kind != OpKind::Gate) {
    out.push_back(op);
    return;
  }
  Lowerer L(op, out, phase);
  Qs ctrls(op.qubits.begin(), op.qubits.begin() + op.num_controls);
  Qs tg(op.qubits.begin() + op.num_controls, op.qubits.end());
  L.gate(op.gate, ctrls, tg, op.params);
}

namespace {

class BasisTranslationPass : public Pass {
 public:
  explicit BasisTranslationPass(BasisTranslationConfig cfg) : cfg_(cfg) {}
  std::string name() const override { return "basis-translation(" + basis_name(cfg_.basis) + ")"; }

  bool run(Circuit& c) override {
    if (cfg_.basis == Basis::Generic) {
      report_ = "no constraint";
      return false;
    }
    std::vector<Operation> out;
    out.reserve(c.ops.size() * 2);
    Expr phase = c.global_phase;
    const std::size_t before = c.ops.size();
    for (const auto& op : c.ops) {
      const bool in_nam = op.kind != OpKind::Gate ||
                          (op.num_controls == 0 && (op.gate == G::H || op.gate == G::X || op.gate == G::CX ||
                                                    (op.gate == G::RZ && !op.params[0].is_const())));
      if (in_nam) {
        out.push_back(op);
        continue;
      }
      try {
        lower_operation_to_nam(op, out, phase);
      } catch (const std::logic_error& e) {
        throw error_at(op, "cannot translate '" + op_name(op) + "' to " + basis_name(cfg_.basis) + ": " + e.what());
      }
    }
    if (cfg_.basis == Basis::IbmEcr || cfg_.basis == Basis::IbmCz) {
      std::vector<Operation> ibm;
      ibm.reserve(out.size() * 2);
      for (auto& op : out) {
        if (op.kind != OpKind::Gate || op.gate == G::RZ || op.gate == G::X || op.gate == G::SX) {
          ibm.push_back(std::move(op));
          continue;
        }
        const bool cond = !op.conditions.empty();
        auto make = [&](G g, Qs q, std::vector<Expr> ps = {}) {
          ibm.push_back(replacement(op, g, std::move(q), std::move(ps)));
        };
        if (op.gate == G::CX) {
          const uint32_t a = op.qubits[0], b = op.qubits[1];
          if (cfg_.basis == Basis::IbmEcr) {
            // cx = (rz(pi/2) x sx) . ecr . (x x id), exactly.
            make(G::X, {a});
            make(G::ECR, {a, b});
            make(G::RZ, {a}, {Expr(M_PI / 2)});
            make(G::SX, {b});
          } else {
            // cx = (id x h) cz (id x h); h = e^{i pi/2}.. resynthesised below.
            double ph = 0;
            auto hseq = synthesize_1q(op_matrix_1q([] { Operation h; h.gate = G::H; h.qubits = {0}; return h; }()),
                                      Basis::IbmCz, ph);
            for (const auto& h : hseq) make(h.gate, {b}, h.params);
            make(G::CZ, {a, b});
            for (const auto& h : hseq) make(h.gate, {b}, h.params);
            if (!cond) phase = phase + Expr(2 * ph);
          }
          continue;
        }
        if (gate_info(op.gate).num_qubits == 1 && all_const(op.params)) {
          double ph = 0;
          for (auto& s : synthesize_1q(op_matrix_1q(op), cfg_.basis, ph)) make(s.gate, op.qubits, s.params);
          if (!cond) phase = phase + Expr(ph);
          continue;
        }
        throw error_at(op, "cannot translate '" + op_name(op) + "' to " + basis_name(cfg_.basis) +
                               ": no rule for this gate with symbolic parameters");
      }
      out.swap(ibm);
    }
    if (phase.is_const()) phase = Expr(wrap_pi(phase.value()));
    c.ops.swap(out);
    c.global_phase = phase;
    report_ = std::to_string(before) + " -> " + std::to_string(c.ops.size()) + " operations";
    return true;
  }

 private:
  BasisTranslationConfig cfg_;
};

}  // namespace

std::unique_ptr<Pass> createBasisTranslationPass(BasisTranslationConfig cfg) {
  return around_classical(std::make_unique<BasisTranslationPass>(cfg));
}

}  // namespace qforge
