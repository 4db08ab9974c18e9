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
  std::vector<Operation> steps;
  Expr ph;
  if (!gate_power(g, p, k, steps, ph)) return false;
  // The table's rule is on the gate's own qubits; its own controls (the
  // leading ones) control every step, and a phase under them is a phase gate
  // on them.
  const uint8_t nc = gate_info(g).num_controls;
  const bool own_gate = steps.size() == 1 && steps[0].gate == g;
  if (!(ph.is_const() && ph.value() == 0)) {
    if (nc == 0) {
      out.push_back(phase(ph));
    } else {
      Prim q = gate(G::P, {ph}, iota(nc), static_cast<uint8_t>(nc - 1));
      out.push_back(q);
    }
  }
  for (const Operation& st : steps) {
    std::vector<uint8_t> args;
    if (!own_gate)
      for (uint8_t c = 0; c < nc; ++c) args.push_back(c);
    for (uint32_t q : st.qubits) args.push_back(static_cast<uint8_t>(q));
    out.push_back(gate(st.gate, st.params, args, own_gate ? 0 : nc));
  }
  return true;
}

}  // namespace qforge::detail
