// Basis translation (see qforge/passes.hpp, BasisTranslationConfig).
//
// Algorithm:
//  1. Every gate, with its extra controls, is lowered to {h, x, cx, rz} by
//     Lowerer::gate: fixed exact rules for plain table gates; controlled
//     single-qubit gates by the A X B X C construction (Barenco et al. 1995,
//     lemma 5.1) around multi-controlled X; multi-controlled X by lemma 7.5
//     (C^k X from C(SX), C^{k-1}X and C^{k-1}(SX)) down to the Toffoli;
//     a global phase under controls becomes a controlled phase gate.
//  2. For the IBM bases, cx becomes ecr or cz with single-qubit corrections,
//     and every single-qubit gate outside {rz, sx, x} is resynthesised.
// Invariant: the result equals the input including the global phase
// (phases of classically conditioned gates are dropped: unobservable).
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
      case 2: toffoli(ctrls[0], ctrls[1], t); return;
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

  void toffoli(uint32_t a, uint32_t b, uint32_t c) {
    const Expr t(M_PI / 4), td(-M_PI / 4);
    emit(G::H, {c});
    emit(G::CX, {b, c}); emit(G::RZ, {c}, {td});
    emit(G::CX, {a, c}); emit(G::RZ, {c}, {t});
    emit(G::CX, {b, c}); emit(G::RZ, {c}, {td});
    emit(G::CX, {a, c}); emit(G::RZ, {b}, {t}); emit(G::RZ, {c}, {t});
    emit(G::H, {c});
    emit(G::CX, {a, b}); emit(G::RZ, {a}, {t}); emit(G::RZ, {b}, {td});
    emit(G::CX, {a, b});
    // t = e^{i pi/8} rz(pi/4): t count 4, tdg count 3 -> phase pi/8.
    add_global(Expr(M_PI / 8));
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
    const Expr pi(M_PI), half_pi(M_PI / 2);
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
    const bool structural = g == G::Swap || g == G::RZZ || g == G::RXX || g == G::RYY || g == G::RZX || g == G::ECR;
    if (ctrls.empty() && !structural) return plain(g, tg, ps);
    const uint32_t t = tg[0];
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
      case G::Z: return gate(G::P, ctrls, {t}, {pi});
      case G::S: return gate(G::P, ctrls, {t}, {half_pi});
      case G::Sdg: return gate(G::P, ctrls, {t}, {Expr(-M_PI / 2)});
      case G::T: return gate(G::P, ctrls, {t}, {Expr(M_PI / 4)});
      case G::Tdg: return gate(G::P, ctrls, {t}, {Expr(-M_PI / 4)});
      case G::RX: return abc(ctrls, t, Expr(0.0), Expr(-M_PI / 2), ps[0], half_pi);
      case G::RY: return abc(ctrls, t, Expr(0.0), Expr(0.0), ps[0], Expr(0.0));
      case G::U3: return abc(ctrls, t, (ps[1] + ps[2]) / Expr(2.0), ps[1], ps[0], ps[2]);
      case G::U2: return abc(ctrls, t, (ps[0] + ps[1]) / Expr(2.0), ps[0], half_pi, ps[1]);
      case G::Swap: {
        emit(G::CX, {tg[1], tg[0]});
        Qs c2 = ctrls;
        c2.push_back(tg[0]);
        mcx(c2, tg[1]);
        emit(G::CX, {tg[1], tg[0]});
        return;
      }
      case G::RZZ:
        emit(G::CX, {tg[0], tg[1]});
        gate(G::RZ, ctrls, {tg[1]}, ps);
        emit(G::CX, {tg[0], tg[1]});
        return;
      case G::RXX:
        emit(G::H, {tg[0]}); emit(G::H, {tg[1]});
        gate(G::RZZ, ctrls, tg, ps);
        emit(G::H, {tg[0]}); emit(G::H, {tg[1]});
        return;
      case G::RYY:
        gate(G::RX, {}, {tg[0]}, {half_pi}); gate(G::RX, {}, {tg[1]}, {half_pi});
        gate(G::RZZ, ctrls, tg, ps);
        gate(G::RX, {}, {tg[0]}, {Expr(-M_PI / 2)}); gate(G::RX, {}, {tg[1]}, {Expr(-M_PI / 2)});
        return;
      case G::RZX:
        emit(G::H, {tg[1]});
        gate(G::RZZ, ctrls, tg, ps);
        emit(G::H, {tg[1]});
        return;
      case G::ECR:
        gate(G::RZX, ctrls, tg, {half_pi});
        mcx(ctrls, tg[0]);
        return;
      default: break;
    }
    // Remaining constant single-qubit gates (Y, H, SX, SXdg).
    if (info.num_qubits == 1 && all_const(ps)) {
      Operation tmp;
      tmp.gate = g;
      tmp.qubits = {0};
      tmp.params = ps;
      ZYZ z = zyz_decompose(op_matrix_1q(tmp));
      return abc(ctrls, t, Expr(z.alpha), Expr(z.beta), Expr(z.gamma), Expr(z.delta));
    }
    throw std::logic_error("basis translation: no rule for controlled " + std::string(info.name));
  }

  void plain(G g, const Qs& q, const std::vector<Expr>& ps) {
    const GateInfo& info = gate_info(g);
    const Expr half_pi(M_PI / 2);
    switch (g) {
      case G::I: return;
      case G::X: case G::H: case G::CX: return emit(g, q);
      case G::RZ: return emit(G::RZ, q, ps);
      default: break;
    }
    if (info.num_qubits == 1) {
      if (all_const(ps)) {
        Operation tmp;
        tmp.gate = g;
        tmp.qubits = {0};
        tmp.params = ps;
        double ph = 0;
        for (auto& op : synthesize_1q(op_matrix_1q(tmp), Basis::Nam, ph))
          emit(op.gate, q, op.params);
        add_global(Expr(ph));
        return;
      }
      switch (g) {
        case G::RX:
          emit(G::H, q); emit(G::RZ, q, ps); emit(G::H, q);
          return;
        case G::RY:
          emit(G::RZ, q, {Expr(-M_PI / 2)}); emit(G::H, q); emit(G::RZ, q, ps); emit(G::H, q);
          emit(G::RZ, q, {half_pi});
          return;
        case G::P: case G::U1:
          emit(G::RZ, q, ps);
          add_global(ps[0] / Expr(2.0));
          return;
        case G::U3:
          emit(G::RZ, q, {ps[2] - half_pi}); emit(G::H, q); emit(G::RZ, q, {ps[0]}); emit(G::H, q);
          emit(G::RZ, q, {ps[1] + half_pi});
          add_global((ps[1] + ps[2]) / Expr(2.0));
          return;
        case G::U2:
          return plain(G::U3, q, {half_pi, ps[0], ps[1]});
        default: break;
      }
      throw std::logic_error("basis translation: no rule for symbolic " + std::string(info.name));
    }
    switch (g) {
      case G::CZ:
        emit(G::H, {q[1]}); emit(G::CX, q); emit(G::H, {q[1]});
        return;
      case G::CY:
        emit(G::RZ, {q[1]}, {Expr(-M_PI / 2)}); emit(G::CX, q); emit(G::RZ, {q[1]}, {half_pi});
        return;
      case G::CCX: return toffoli(q[0], q[1], q[2]);
      case G::CCZ:
        emit(G::H, {q[2]}); toffoli(q[0], q[1], q[2]); emit(G::H, {q[2]});
        return;
      case G::CSwap:
        emit(G::CX, {q[2], q[1]}); toffoli(q[0], q[1], q[2]); emit(G::CX, {q[2], q[1]});
        return;
      default: break;
    }
    throw std::logic_error("basis translation: no rule for " + std::string(info.name));
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
  return std::make_unique<BasisTranslationPass>(cfg);
}

}  // namespace qforge
