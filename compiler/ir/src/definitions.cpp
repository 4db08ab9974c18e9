// Gate definitions and the OpenQASM gate libraries (see qforge/definitions.hpp).
#include "qforge/definitions.hpp"

#include <cmath>
#include <string>
#include <unordered_map>

namespace qforge {
namespace {

using G = GateId;

Expr p(uint32_t i) { return Expr::symbol(i); }

/// A definition whose whole body needs the controls.
GateDefinition define(G gate, std::vector<Operation> body, Expr phase = Expr(0.0), std::vector<G> uses = {}) {
  const std::size_t n = body.size();
  return GateDefinition{gate, std::move(body), std::move(phase), std::move(uses), 0, n};
}

/// A definition V * core * V^-1 with the core at body[core], one operation.
GateDefinition conjugation(G gate, std::vector<Operation> body, std::size_t core, std::vector<G> uses = {}) {
  return GateDefinition{gate, std::move(body), Expr(0.0), std::move(uses), core, core + 1};
}

std::vector<GateDefinition> make_definitions() {
  const Expr half_pi(M_PI / 2), quarter_pi(M_PI / 4);
  const auto g = [](G gate, std::vector<uint32_t> qubits, std::vector<Expr> params = {}) {
    return make_gate(gate, std::move(qubits), std::move(params));
  };
  return {
      // sxdg = exp(-i pi/4) s h s
      define(G::SXdg, {g(G::S, {0}), g(G::H, {0}), g(G::S, {0})}, Expr(-M_PI / 4)),
      // csx: sx = h s h, and h on the target commutes with the control
      conjugation(G::CSX, {g(G::H, {1}), g(G::CP, {0, 1}, {half_pi}), g(G::H, {1})}, 1),
      define(G::CU1, {g(G::CP, {0, 1}, {p(0)})}),
      define(G::CU3, {g(G::CU, {0, 1}, {p(0), p(1), p(2), Expr(0.0)})}),
      // rzz = exp(-i t/2 Z(x)Z): cx maps ZZ to Z on the target.
      conjugation(G::RZZ, {g(G::CX, {0, 1}), g(G::RZ, {1}, {p(0)}), g(G::CX, {0, 1})}, 1),
      // rxx, ryy, rzx: rzz in the bases that map Z to X or Y
      // (h Z h = X; rx(pi/2)^dag Z rx(pi/2) = Y).
      conjugation(G::RXX, {g(G::H, {0}), g(G::H, {1}), g(G::RZZ, {0, 1}, {p(0)}), g(G::H, {0}), g(G::H, {1})}, 2,
                  {G::RZZ}),
      conjugation(G::RYY,
                  {g(G::RX, {0}, {half_pi}), g(G::RX, {1}, {half_pi}), g(G::RZZ, {0, 1}, {p(0)}),
                   g(G::RX, {0}, {Expr(-M_PI / 2)}), g(G::RX, {1}, {Expr(-M_PI / 2)})},
                  2, {G::RZZ}),
      conjugation(G::RZX, {g(G::H, {1}), g(G::RZZ, {0, 1}, {p(0)}), g(G::H, {1})}, 1, {G::RZZ}),
      // ecr = rzx(-pi/4) (x (x) 1) rzx(pi/4) = (x (x) 1) rzx(pi/2), since x on
      // the first qubit anticommutes with Z(x)X: rzx(pi/2), then x.
      define(G::ECR, {g(G::RZX, {0, 1}, {half_pi}), g(G::X, {0})}, Expr(0.0), {G::RZX}),
      // The textbook Toffoli: 6 cx, 7 t/tdg, 2 h.
      define(G::CCX, {g(G::H, {2}), g(G::CX, {1, 2}), g(G::Tdg, {2}), g(G::CX, {0, 2}), g(G::T, {2}),
                      g(G::CX, {1, 2}), g(G::Tdg, {2}), g(G::CX, {0, 2}), g(G::T, {1}), g(G::T, {2}),
                      g(G::H, {2}), g(G::CX, {0, 1}), g(G::T, {0}), g(G::Tdg, {1}), g(G::CX, {0, 1})}),
      conjugation(G::CCZ, {g(G::H, {2}), g(G::CCX, {0, 1, 2}), g(G::H, {2})}, 1),
      conjugation(G::Swap, {g(G::CX, {1, 0}), g(G::CX, {0, 1}), g(G::CX, {1, 0})}, 1),
      conjugation(G::CSwap, {g(G::CX, {2, 1}), g(G::CCX, {0, 1, 2}), g(G::CX, {2, 1})}, 1),
      conjugation(G::CZ, {g(G::H, {1}), g(G::CX, {0, 1}), g(G::H, {1})}, 1),
      // cy: s x sdg = y on the target; rz(+-pi/2) differ from s, sdg by
      // opposite phases, which cancel.
      conjugation(G::CY, {g(G::RZ, {1}, {Expr(-M_PI / 2)}), g(G::CX, {0, 1}), g(G::RZ, {1}, {half_pi})}, 1),
  };
}

constexpr LibraryGate kBuiltin3[] = {{"U", 3, 1}};
constexpr LibraryGate kBuiltin2[] = {{"U", 3, 1}, {"CX", 0, 2}};
// stdgates.inc of the OpenQASM 3 specification.
constexpr LibraryGate kStdGates[] = {
    {"p", 1, 1},   {"x", 0, 1},    {"y", 0, 1},     {"z", 0, 1},      {"h", 0, 1},
    {"s", 0, 1},   {"sdg", 0, 1},  {"t", 0, 1},     {"tdg", 0, 1},    {"sx", 0, 1},
    {"rx", 1, 1},  {"ry", 1, 1},   {"rz", 1, 1},    {"cx", 0, 2},     {"cy", 0, 2},
    {"cz", 0, 2},  {"cp", 1, 2},   {"crx", 1, 2},   {"cry", 1, 2},    {"crz", 1, 2},
    {"ch", 0, 2},  {"swap", 0, 2}, {"ccx", 0, 3},   {"cswap", 0, 3},  {"cu", 4, 2},
    {"CX", 0, 2},  {"phase", 1, 1}, {"cphase", 1, 2}, {"id", 0, 1},   {"u1", 1, 1},
    {"u2", 2, 1},  {"u3", 3, 1},
};
// Qiskit's qelib1.inc and the legacy custom instructions its OpenQASM 2
// loader accepts.
constexpr LibraryGate kQelib1[] = {
    {"u3", 3, 1},   {"u2", 2, 1},    {"u1", 1, 1},   {"cx", 0, 2},   {"id", 0, 1},
    {"u0", 1, 1},   {"u", 3, 1},     {"p", 1, 1},    {"x", 0, 1},    {"y", 0, 1},
    {"z", 0, 1},    {"h", 0, 1},     {"s", 0, 1},    {"sdg", 0, 1},  {"t", 0, 1},
    {"tdg", 0, 1},  {"rx", 1, 1},    {"ry", 1, 1},   {"rz", 1, 1},   {"sx", 0, 1},
    {"sxdg", 0, 1}, {"cz", 0, 2},    {"cy", 0, 2},   {"swap", 0, 2}, {"ch", 0, 2},
    {"ccx", 0, 3},  {"cswap", 0, 3}, {"crx", 1, 2},  {"cry", 1, 2},  {"crz", 1, 2},
    {"cu1", 1, 2},  {"cp", 1, 2},    {"cu3", 3, 2},  {"csx", 0, 2},  {"cu", 4, 2},
    {"rxx", 1, 2},  {"rzz", 1, 2},   {"rccx", 0, 3}, {"rc3x", 0, 4}, {"c3x", 0, 4},
    {"c3sqrtx", 0, 4}, {"c4x", 0, 5},
};

template <std::size_t N>
const LibraryGate* find_in(const LibraryGate (&table)[N], std::string_view name) {
  // Looked up once per gate call: hash the table on first use.
  static const std::unordered_map<std::string_view, const LibraryGate*> index = [&] {
    std::unordered_map<std::string_view, const LibraryGate*> m;
    for (const auto& gate : table) m.emplace(gate.name, &gate);
    return m;
  }();
  auto it = index.find(name);
  return it == index.end() ? nullptr : it->second;
}

}  // namespace

const std::vector<GateDefinition>& gate_definitions() {
  static const std::vector<GateDefinition> all = make_definitions();
  return all;
}

const GateDefinition* gate_definition(GateId g) {
  static const auto index = [] {
    std::vector<const GateDefinition*> by_gate(kNumGates, nullptr);
    for (const auto& d : gate_definitions()) by_gate[std::size_t(d.gate)] = &d;
    return by_gate;
  }();
  return index[std::size_t(g)];
}

std::vector<Operation> instantiate(const GateDefinition& def, const std::vector<Expr>& params,
                                   const std::vector<uint32_t>& qubits) {
  std::vector<Operation> out = def.body;
  for (Operation& op : out) {
    for (uint32_t& q : op.qubits) q = qubits[q];
    for (Expr& e : op.params) e = e.substitute(params);
  }
  return out;
}

std::vector<const GateDefinition*> definitions_for(const std::set<GateId>& gates, GateLibrary lib) {
  std::set<GateId> needed;
  std::vector<GateId> work;
  for (GateId g : gates)
    if (!find_library_gate(lib, gate_info(g).name) && gate_definition(g)) work.push_back(g);
  while (!work.empty()) {
    const GateId g = work.back();
    work.pop_back();
    if (!needed.insert(g).second) continue;
    for (GateId dep : gate_definition(g)->uses)
      if (!find_library_gate(lib, gate_info(dep).name)) work.push_back(dep);
  }
  std::vector<const GateDefinition*> out;
  for (const auto& d : gate_definitions())
    if (needed.count(d.gate)) out.push_back(&d);
  return out;
}

std::optional<EulerZYZ> euler_zyz(GateId g, const std::vector<Expr>& ps) {
  const Expr zero(0.0), half_pi(M_PI / 2), two(2.0);
  switch (g) {
    // rx(t) = rz(-pi/2) ry(t) rz(pi/2): conjugating Y by rz(-pi/2) gives X.
    case G::RX: return EulerZYZ{zero, Expr(-M_PI / 2), ps[0], half_pi};
    case G::RY: return EulerZYZ{zero, zero, ps[0], zero};
    case G::RZ: return EulerZYZ{zero, ps[0], zero, zero};
    // p(t) = diag(1, e^{it}) = e^{it/2} rz(t)
    case G::P: case G::U1: return EulerZYZ{ps[0] / two, ps[0], zero, zero};
    // u3(t, f, l) = e^{i(f+l)/2} rz(f) ry(t) rz(l); u2(f, l) = u3(pi/2, f, l)
    case G::U3: return EulerZYZ{(ps[1] + ps[2]) / two, ps[1], ps[0], ps[2]};
    case G::U2: return EulerZYZ{(ps[0] + ps[1]) / two, ps[0], half_pi, ps[1]};
    default: return std::nullopt;
  }
}

bool gate_power(GateId g, const std::vector<Expr>& params, double k, std::vector<Operation>& steps, Expr& phase) {
  const GateInfo& info = gate_info(g);
  const Expr K(k), pi(M_PI);
  steps.clear();
  phase = Expr(0.0);
  if (g == G::I) return true;
  if (is_rotation_gate(g)) {  // exp(-i t G)^k = exp(-i k t G)
    std::vector<uint32_t> all(info.num_qubits);
    for (uint32_t i = 0; i < info.num_qubits; ++i) all[i] = i;
    steps.push_back(make_gate(g, all, {params[0] * K}));
    return true;
  }
  const uint32_t t = info.num_qubits - 1;  // the target of the base gate
  const auto on_t = [&](G gate, Expr angle) { steps.push_back(make_gate(gate, {t}, {std::move(angle)})); };
  switch (info.base) {
    case G::Z: on_t(G::P, pi * K); break;
    case G::S: on_t(G::P, Expr(M_PI / 2) * K); break;
    case G::Sdg: on_t(G::P, Expr(-M_PI / 2) * K); break;
    case G::T: on_t(G::P, Expr(M_PI / 4) * K); break;
    case G::Tdg: on_t(G::P, Expr(-M_PI / 4) * K); break;
    // X^k = exp(i k pi/2) rx(k pi), principal branch; sx = x^(1/2).
    case G::X: phase = pi * K * Expr(0.5); on_t(G::RX, pi * K); break;
    case G::SX: phase = pi * K * Expr(0.25); on_t(G::RX, pi * K * Expr(0.5)); break;
    case G::SXdg: phase = -pi * K * Expr(0.25); on_t(G::RX, -pi * K * Expr(0.5)); break;
    case G::Y: phase = pi * K * Expr(0.5); on_t(G::RY, pi * K); break;
    // H = ry(pi/4) Z ry(-pi/4), so H^k = ry(pi/4) p(k pi) ry(-pi/4).
    case G::H:
      on_t(G::RY, Expr(-M_PI / 4));
      on_t(G::P, pi * K);
      on_t(G::RY, Expr(M_PI / 4));
      break;
    default: return false;
  }
  return true;
}

std::optional<GateId> gate_with_control(GateId g, std::vector<Expr>& params) {
  const GateInfo& info = gate_info(g);
  std::optional<GateId> best;
  for (std::size_t i = 0; i < kNumGates; ++i) {
    const GateInfo& h = gate_info(GateId(i));
    if (h.id == g || h.base != info.base || h.num_controls != info.num_controls + 1 ||
        h.num_params < info.num_params)
      continue;
    if (!best || (find_library_gate(GateLibrary::StdGates, h.name) &&
                  !find_library_gate(GateLibrary::StdGates, gate_info(*best).name)))
      best = h.id;
  }
  if (best) params.resize(gate_info(*best).num_params, Expr(0.0));
  return best;
}

const LibraryGate* find_library_gate(GateLibrary lib, std::string_view name) {
  switch (lib) {
    case GateLibrary::Builtin3: return find_in(kBuiltin3, name);
    case GateLibrary::Builtin2: return find_in(kBuiltin2, name);
    case GateLibrary::StdGates: return find_in(kStdGates, name);
    case GateLibrary::Qelib1: return find_in(kQelib1, name);
  }
  return nullptr;
}

std::vector<LibraryGate> library_gates(GateLibrary lib) {
  switch (lib) {
    case GateLibrary::Builtin3: return {std::begin(kBuiltin3), std::end(kBuiltin3)};
    case GateLibrary::Builtin2: return {std::begin(kBuiltin2), std::end(kBuiltin2)};
    case GateLibrary::StdGates: return {std::begin(kStdGates), std::end(kStdGates)};
    case GateLibrary::Qelib1: return {std::begin(kQelib1), std::end(kQelib1)};
  }
  return {};
}

}  // namespace qforge
