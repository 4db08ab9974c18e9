// The built-in gate libraries (see library.hpp).
#include "library.hpp"

#include <cmath>
#include <stdexcept>

namespace qforge::detail {
namespace {

using G = GateId;

Prim gate(G g, std::vector<Expr> params, std::vector<uint8_t> args, uint8_t extra = 0) {
  Prim p;
  p.gate = g;
  p.params = std::move(params);
  p.args = std::move(args);
  p.extra_controls = extra;
  return p;
}

Prim phase(Expr e) {
  Prim p;
  p.is_phase = true;
  p.params = {std::move(e)};
  return p;
}

std::vector<uint8_t> iota(uint8_t n) {
  std::vector<uint8_t> v(n);
  for (uint8_t i = 0; i < n; ++i) v[i] = i;
  return v;
}

// A library name that is exactly a table gate of the same arity.
std::vector<Prim> table_call(G g, const std::vector<Expr>& params) {
  return {gate(g, params, iota(gate_info(g).num_qubits))};
}

// Qiskit's relative-phase Toffolis, as qelib1.inc defines them.
std::vector<Prim> rccx() {
  const Expr pi4(M_PI / 4);
  return {gate(G::U2, {0.0, M_PI}, {2}), gate(G::U1, {pi4}, {2}), gate(G::CX, {}, {1, 2}),
          gate(G::U1, {-pi4}, {2}),      gate(G::CX, {}, {0, 2}), gate(G::U1, {pi4}, {2}),
          gate(G::CX, {}, {1, 2}),       gate(G::U1, {-pi4}, {2}), gate(G::U2, {0.0, M_PI}, {2})};
}

std::vector<Prim> rc3x() {
  const Expr pi4(M_PI / 4);
  return {gate(G::U2, {0.0, M_PI}, {3}), gate(G::U1, {pi4}, {3}),  gate(G::CX, {}, {2, 3}),
          gate(G::U1, {-pi4}, {3}),      gate(G::U2, {0.0, M_PI}, {3}), gate(G::CX, {}, {0, 3}),
          gate(G::U1, {pi4}, {3}),       gate(G::CX, {}, {1, 3}),  gate(G::U1, {-pi4}, {3}),
          gate(G::CX, {}, {0, 3}),       gate(G::U1, {pi4}, {3}),  gate(G::CX, {}, {1, 3}),
          gate(G::U1, {-pi4}, {3}),      gate(G::U2, {0.0, M_PI}, {3}), gate(G::U1, {pi4}, {3}),
          gate(G::CX, {}, {2, 3}),       gate(G::U1, {-pi4}, {3}), gate(G::U2, {0.0, M_PI}, {3})};
}

}  // namespace

std::vector<Prim> expand_library_gate(Library lib, const std::string& n,
                                      const std::vector<Expr>& p) {
  const Expr half(0.5);
  if (lib == Library::Builtin3 && n == "U")  // U = exp(i*theta/2) * UGate
    return {gate(G::U3, p, {0}), phase(p[0] * half)};
  if (lib == Library::Builtin2) {
    if (n == "U")  // U = Rz(phi) Ry(theta) Rz(lambda) = exp(-i(phi+lambda)/2) * UGate
      return {gate(G::U3, p, {0}), phase(-(p[1] + p[2]) * half)};
    if (n == "CX") return table_call(G::CX, p);
  }
  if (lib == Library::StdGates) {
    if (n == "u2") return {gate(G::U2, p, {0}), phase(-(p[0] + p[1]) * half)};
    if (n == "u3") return {gate(G::U3, p, {0}), phase(-(p[1] + p[2]) * half)};
    if (n == "phase") return table_call(G::P, p);
    if (n == "cphase") return table_call(G::CP, p);
    if (n == "CX") return table_call(G::CX, p);
  }
  if (lib == Library::Qelib1) {
    if (n == "u0") return {gate(G::I, {}, {0})};
    if (n == "u") return table_call(G::U3, p);
    if (n == "rccx") return rccx();
    if (n == "rc3x") return rc3x();
    if (n == "c3x") return {gate(G::X, {}, {0, 1, 2, 3}, 3)};
    if (n == "c4x") return {gate(G::X, {}, {0, 1, 2, 3, 4}, 4)};
    if (n == "c3sqrtx") return {gate(G::SX, {}, {0, 1, 2, 3}, 3)};
  }
  if (auto g = gate_by_name(n)) return table_call(*g, p);
  throw std::logic_error("expand_library_gate: no expansion for '" + n + "'");
}

std::vector<Prim> invert(const std::vector<Prim>& prims) {
  std::vector<Prim> out;
  out.reserve(prims.size());
  for (auto it = prims.rbegin(); it != prims.rend(); ++it) {
    if (it->is_phase) {
      out.push_back(phase(-it->params[0]));
      continue;
    }
    InverseRule r = gate_inverse(it->gate);
    Prim q = *it;
    q.gate = r.gate;
    q.params.assign(gate_info(r.gate).num_params, Expr());
    for (std::size_t i = 0; i < q.params.size(); ++i) {
      Expr v = r.sign[i] == 0 ? Expr(0.0) : Expr(double(r.sign[i])) * it->params[r.src[i]];
      q.params[i] = v + Expr(r.offset[i]);
    }
    q.extra_controls = static_cast<uint8_t>(q.extra_controls + r.extra_controls);
    out.push_back(std::move(q));
  }
  return out;
}

bool table_gate_power(G g, const std::vector<Expr>& p, double k, std::vector<Prim>& out) {
  const GateInfo& info = g == G::I ? gate_info(G::I) : gate_info(g);
  const Expr K(k);
  const auto n = info.num_qubits;
  const auto all = iota(n);
  switch (g) {
    case G::I: return true;
    case G::RX: case G::RY: case G::RZ: case G::P: case G::U1:
    case G::RXX: case G::RYY: case G::RZZ: case G::RZX:
    case G::CP: case G::CU1: case G::CRX: case G::CRY: case G::CRZ:
      out.push_back(gate(g, {p[0] * K}, all));
      return true;
    default: break;
  }
  // Gates whose own controls stay controls: power of the base gate, then the
  // table's controls added as extra controls of every prim.
  const uint8_t nc = info.num_controls;
  std::vector<Prim> base;
  const Expr pi(M_PI);
  auto tgt = [&](uint8_t i) { return static_cast<uint8_t>(nc + i); };
  switch (info.base) {
    case G::Z: base = {gate(G::P, {pi * K}, {tgt(0)})}; break;
    case G::S: base = {gate(G::P, {Expr(M_PI / 2) * K}, {tgt(0)})}; break;
    case G::Sdg: base = {gate(G::P, {Expr(-M_PI / 2) * K}, {tgt(0)})}; break;
    case G::T: base = {gate(G::P, {Expr(M_PI / 4) * K}, {tgt(0)})}; break;
    case G::Tdg: base = {gate(G::P, {Expr(-M_PI / 4) * K}, {tgt(0)})}; break;
    // X^k = exp(i k pi/2) rx(k pi), principal branch; sx = x^(1/2).
    case G::X: base = {phase(pi * K * Expr(0.5)), gate(G::RX, {pi * K}, {tgt(0)})}; break;
    case G::SX: base = {phase(pi * K * Expr(0.25)), gate(G::RX, {pi * K * Expr(0.5)}, {tgt(0)})}; break;
    case G::SXdg: base = {phase(-pi * K * Expr(0.25)), gate(G::RX, {-pi * K * Expr(0.5)}, {tgt(0)})}; break;
    case G::Y: base = {phase(pi * K * Expr(0.5)), gate(G::RY, {pi * K}, {tgt(0)})}; break;
    // H = ry(pi/4) Z ry(-pi/4), so H^k = ry(pi/4) p(k pi) ry(-pi/4).
    case G::H:
      base = {gate(G::RY, {Expr(-M_PI / 4)}, {tgt(0)}), gate(G::P, {pi * K}, {tgt(0)}),
              gate(G::RY, {Expr(M_PI / 4)}, {tgt(0)})};
      break;
    default: return false;
  }
  for (auto& b : base) {
    if (nc > 0) {
      if (b.is_phase) {
        // A phase under the table's controls is a phase gate on them.
        Prim q = gate(G::P, {b.params[0]}, {}, 0);
        for (uint8_t c = 0; c < nc; ++c) q.args.push_back(c);
        q.extra_controls = static_cast<uint8_t>(nc - 1);
        b = q;
      } else {
        std::vector<uint8_t> args;
        for (uint8_t c = 0; c < nc; ++c) args.push_back(c);
        args.insert(args.end(), b.args.begin(), b.args.end());
        b.args = args;
        b.extra_controls = static_cast<uint8_t>(b.extra_controls + nc);
      }
    }
    out.push_back(std::move(b));
  }
  return true;
}

}  // namespace qforge::detail
