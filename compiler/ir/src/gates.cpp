// The gate table and exact gate matrices (see qforge/gates.hpp).
#include "qforge/gates.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace qforge {
namespace {

using G = GateId;

// name, qubits, params, diagonal, hermitian, controls, base
constexpr GateInfo kTable[] = {
    {G::I, "id", 1, 0, true, true, 0, G::I, "I", "I", DrawFamily::Pauli},
    {G::X, "x", 1, 0, false, true, 0, G::X, "X", "X", DrawFamily::Pauli},
    {G::Y, "y", 1, 0, false, true, 0, G::Y, "Y", "Y", DrawFamily::Pauli},
    {G::Z, "z", 1, 0, true, true, 0, G::Z, "Z", "Z", DrawFamily::Pauli},
    {G::H, "h", 1, 0, false, true, 0, G::H, "H", "H", DrawFamily::Hadamard},
    {G::S, "s", 1, 0, true, false, 0, G::S, "S", "S", DrawFamily::Phase},
    {G::Sdg, "sdg", 1, 0, true, false, 0, G::Sdg, "Sdg", "S†", DrawFamily::Phase},
    {G::T, "t", 1, 0, true, false, 0, G::T, "T", "T", DrawFamily::Phase},
    {G::Tdg, "tdg", 1, 0, true, false, 0, G::Tdg, "Tdg", "T†", DrawFamily::Phase},
    {G::SX, "sx", 1, 0, false, false, 0, G::SX, "√X", "√X", DrawFamily::Rotation},
    {G::SXdg, "sxdg", 1, 0, false, false, 0, G::SXdg, "√Xdg", "√Xdg", DrawFamily::Rotation},
    {G::RX, "rx", 1, 1, false, false, 0, G::RX, "Rx", "Rx", DrawFamily::Rotation},
    {G::RY, "ry", 1, 1, false, false, 0, G::RY, "Ry", "Ry", DrawFamily::Rotation},
    {G::RZ, "rz", 1, 1, true, false, 0, G::RZ, "Rz", "Rz", DrawFamily::Phase},
    {G::P, "p", 1, 1, true, false, 0, G::P, "P", "P", DrawFamily::Phase},
    {G::U1, "u1", 1, 1, true, false, 0, G::U1, "U1", "U1", DrawFamily::Phase},
    {G::U2, "u2", 1, 2, false, false, 0, G::U2, "U2", "U2", DrawFamily::Rotation},
    {G::U3, "u3", 1, 3, false, false, 0, G::U3, "U3", "U3", DrawFamily::Rotation},
    {G::CX, "cx", 2, 0, false, true, 1, G::X, "Cx", "CX", DrawFamily::Other},
    {G::CY, "cy", 2, 0, false, true, 1, G::Y, "Cy", "CY", DrawFamily::Other},
    {G::CZ, "cz", 2, 0, true, true, 1, G::Z, "Cz", "CZ", DrawFamily::Other},
    {G::CH, "ch", 2, 0, false, true, 1, G::H, "Ch", "CH", DrawFamily::Other},
    {G::CSX, "csx", 2, 0, false, false, 1, G::SX, "Csx", "CSX", DrawFamily::Other},
    {G::Swap, "swap", 2, 0, false, true, 0, G::Swap, "Swap", "SWAP", DrawFamily::Other},
    {G::ECR, "ecr", 2, 0, false, true, 0, G::ECR, "Ecr", "Ecr", DrawFamily::Other},
    {G::CP, "cp", 2, 1, true, false, 1, G::P, "Cp", "CP", DrawFamily::Other},
    {G::CU1, "cu1", 2, 1, true, false, 1, G::U1, "Cu1", "CU1", DrawFamily::Other},
    {G::CRX, "crx", 2, 1, false, false, 1, G::RX, "Crx", "CRX", DrawFamily::Other},
    {G::CRY, "cry", 2, 1, false, false, 1, G::RY, "Cry", "CRY", DrawFamily::Other},
    {G::CRZ, "crz", 2, 1, true, false, 1, G::RZ, "Crz", "CRZ", DrawFamily::Other},
    {G::CU3, "cu3", 2, 3, false, false, 1, G::U3, "Cu3", "CU3", DrawFamily::Other},
    {G::CU, "cu", 2, 4, false, false, 1, G::U3, "U", "U", DrawFamily::Rotation},
    {G::RXX, "rxx", 2, 1, false, false, 0, G::RXX, "Rxx", "Rxx", DrawFamily::Other},
    {G::RYY, "ryy", 2, 1, false, false, 0, G::RYY, "Ryy", "Ryy", DrawFamily::Other},
    {G::RZZ, "rzz", 2, 1, true, false, 0, G::RZZ, "Rzz", "Rzz", DrawFamily::Other},
    {G::RZX, "rzx", 2, 1, false, false, 0, G::RZX, "Rzx", "Rzx", DrawFamily::Other},
    {G::CCX, "ccx", 3, 0, false, true, 2, G::X, "Ccx", "CCX", DrawFamily::Other},
    {G::CCZ, "ccz", 3, 0, true, true, 2, G::Z, "Ccz", "CCZ", DrawFamily::Other},
    {G::CSwap, "cswap", 3, 0, false, true, 1, G::Swap, "Cswap", "CSWAP", DrawFamily::Other},
};
static_assert(sizeof(kTable) / sizeof(kTable[0]) == kNumGates, "one table row per GateId");

constexpr bool table_in_order() {
  for (std::size_t i = 0; i < kNumGates; ++i)
    if (static_cast<std::size_t>(kTable[i].id) != i) return false;
  return true;
}
static_assert(table_in_order(), "table rows must be in GateId order");

constexpr cplx kI{0, 1};

// The constant single-qubit gates (parametric ones come from gate_block).
std::vector<cplx> one_qubit(GateId id) {
  const double r = 1 / std::sqrt(2.0);
  switch (id) {
    case G::I: return {1, 0, 0, 1};
    case G::X: return {0, 1, 1, 0};
    case G::Y: return {0, -kI, kI, 0};
    case G::Z: return {1, 0, 0, -1};
    case G::H: return {r, r, r, -r};
    case G::S: return {1, 0, 0, kI};
    case G::Sdg: return {1, 0, 0, -kI};
    case G::T: return {1, 0, 0, std::polar(1.0, M_PI / 4)};
    case G::Tdg: return {1, 0, 0, std::polar(1.0, -M_PI / 4)};
    case G::SX: return {cplx(0.5, 0.5), cplx(0.5, -0.5), cplx(0.5, -0.5), cplx(0.5, 0.5)};
    case G::SXdg: return {cplx(0.5, -0.5), cplx(0.5, 0.5), cplx(0.5, 0.5), cplx(0.5, -0.5)};
    default: break;
  }
  throw std::logic_error("one_qubit: not a constant one-qubit gate");
}

// Block-diagonal controlled matrix: control is the most significant qubit.
std::vector<cplx> controlled(const std::vector<cplx>& u, std::size_t dim_u) {
  std::size_t d = 2 * dim_u;
  std::vector<cplx> m(d * d, 0);
  for (std::size_t i = 0; i < dim_u; ++i) m[i * d + i] = 1;
  for (std::size_t i = 0; i < dim_u; ++i)
    for (std::size_t j = 0; j < dim_u; ++j) m[(dim_u + i) * d + dim_u + j] = u[i * dim_u + j];
  return m;
}

}  // namespace

const GateInfo& gate_info(GateId id) {
  auto i = static_cast<std::size_t>(id);
  if (i >= kNumGates) throw std::out_of_range("gate_info: bad GateId " + std::to_string(i));
  return kTable[i];
}

std::optional<GateId> gate_by_name(std::string_view name) {
  static const std::unordered_map<std::string_view, GateId> by_name = [] {
    std::unordered_map<std::string_view, GateId> m;
    for (const auto& row : kTable) m.emplace(row.name, row.id);
    return m;
  }();
  auto it = by_name.find(name);
  if (it == by_name.end()) return std::nullopt;
  return it->second;
}

std::vector<cplx> gate_matrix(GateId id, const double* p) {
  const GateInfo& info = gate_info(id);
  if (info.num_params > 0 || info.num_controls > 0) {
    // The block under the gate's own controls, embedded: gate_block's closed
    // form for a parametric gate, the base gate's matrix for cx, ccx, cswap, ...
    const std::size_t bd = std::size_t(1) << (info.num_qubits - info.num_controls);
    std::vector<cplx> m(bd * bd);
    if (info.num_params > 0) gate_block(id, p, m.data());
    else m = gate_matrix(info.base, nullptr);
    for (unsigned c = 0; c < info.num_controls; ++c) m = controlled(m, bd << c);
    return m;
  }
  if (info.num_qubits == 1) return one_qubit(id);
  switch (id) {
    case G::Swap: return {1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1};
    case G::ECR: {
      const double r = 1 / std::sqrt(2.0);
      return {0, 0, r, kI * r, 0, 0, kI * r, r, r, -kI * r, 0, 0, -kI * r, r, 0, 0};
    }
    default: break;
  }
  throw std::logic_error("gate_matrix: no matrix for gate " + std::string(info.name));
}

std::vector<cplx> gate_matrix_derivative(GateId id, const double* p, unsigned k) {
  const GateInfo& info = gate_info(id);
  if (k >= info.num_params)
    throw std::out_of_range("gate_matrix_derivative: gate " + std::string(info.name) + " has no parameter " +
                            std::to_string(k));
  // The block's derivative, embedded with zeros where the controls are off.
  const std::size_t bd = std::size_t(1) << (info.num_qubits - info.num_controls);
  std::vector<cplx> m(bd * bd);
  gate_block_derivative(id, p, k, m.data());
  for (unsigned c = 0; c < info.num_controls; ++c) {
    m = controlled(m, bd << c);
    for (std::size_t i = 0; i < (bd << c); ++i) m[i * 2 * (bd << c) + i] = 0;
  }
  return m;
}

InverseRule gate_inverse(GateId id) {
  InverseRule r;
  r.gate = id;
  auto negate_all = [&] { r.sign = {-1, -1, -1, -1}; };
  switch (id) {
    case G::S: r.gate = G::Sdg; break;
    case G::Sdg: r.gate = G::S; break;
    case G::T: r.gate = G::Tdg; break;
    case G::Tdg: r.gate = G::T; break;
    case G::SX: r.gate = G::SXdg; break;
    case G::SXdg: r.gate = G::SX; break;
    case G::CSX: r.gate = G::SXdg; r.extra_controls = 1; break;
    case G::U3: case G::CU3: case G::CU:
      // u3(t,p,l)^-1 = u3(-t,-l,-p); cu adds -gamma.
      r.src = {0, 2, 1, 3};
      negate_all();
      break;
    case G::U2:
      // u2(p,l) = u3(pi/2,p,l)  ->  u3(-pi/2,-l,-p)
      r.gate = G::U3;
      r.src = {0, 1, 0, 3};
      r.sign = {0, -1, -1, 0};
      r.offset = {-M_PI / 2, 0, 0, 0};
      break;
    default:
      if (is_rotation_gate(id)) {  // exp(-i t G)^-1 = exp(i t G)
        negate_all();
        break;
      }
      if (!gate_info(id).hermitian)
        throw std::logic_error("gate_inverse: no rule for " + std::string(gate_info(id).name));
      break;
  }
  return r;
}

}  // namespace qforge

// ---------------------------------------------------------------------------
// Allocation-free blocks, generators and shift rules (see gates.hpp).

namespace qforge {
namespace {

// Entries of the two-qubit Pauli product P of rxx/ryy/rzz/rzx (first qubit
// most significant), for the block c I - i s P.
void pauli_product(GateId id, cplx* pp) {
  std::fill(pp, pp + 16, cplx(0));
  switch (id) {
    case G::RXX: pp[3] = pp[6] = pp[9] = pp[12] = 1; break;
    case G::RYY: pp[3] = pp[12] = -1; pp[6] = pp[9] = 1; break;
    case G::RZZ: pp[0] = pp[15] = 1; pp[5] = pp[10] = -1; break;
    case G::RZX: pp[1] = pp[4] = 1; pp[11] = pp[14] = -1; break;
    default: throw std::logic_error("pauli_product: not a two-qubit Pauli rotation");
  }
}

}  // namespace

void gate_block(GateId id, const double* p, cplx* m, cplx* d) {
  switch (id) {
    case G::RX: case G::CRX: {
      const double c = std::cos(p[0] / 2), s = std::sin(p[0] / 2);
      m[0] = m[3] = c; m[1] = m[2] = -kI * s;
      if (d) { d[0] = d[3] = -s / 2; d[1] = d[2] = -kI * (c / 2); }
      return;
    }
    case G::RY: case G::CRY: {
      const double c = std::cos(p[0] / 2), s = std::sin(p[0] / 2);
      m[0] = m[3] = c; m[1] = -s; m[2] = s;
      if (d) { d[0] = d[3] = -s / 2; d[1] = -c / 2; d[2] = c / 2; }
      return;
    }
    case G::RZ: case G::CRZ: {
      // e^{-+i t/2} and their derivatives -+(i/2) e^{-+i t/2}, by components.
      const double c = std::cos(p[0] / 2), s = std::sin(p[0] / 2);
      m[0] = cplx(c, -s); m[1] = m[2] = 0; m[3] = cplx(c, s);
      if (d) { d[0] = cplx(-s / 2, -c / 2); d[1] = d[2] = 0; d[3] = cplx(-s / 2, c / 2); }
      return;
    }
    case G::P: case G::U1: case G::CP: case G::CU1: {
      const double c = std::cos(p[0]), s = std::sin(p[0]);
      m[0] = 1; m[1] = m[2] = 0; m[3] = cplx(c, s);
      if (d) { d[0] = d[1] = d[2] = 0; d[3] = cplx(-s, c); }
      return;
    }
    case G::U2: {
      const double r = 1 / std::sqrt(2.0);
      const cplx ep = r * std::polar(1.0, p[0]), el = r * std::polar(1.0, p[1]), epl = ep * el / r;
      m[0] = r; m[1] = -el; m[2] = ep; m[3] = epl;
      if (d) {
        d[0] = d[1] = 0; d[2] = kI * ep; d[3] = kI * epl;
        d[4] = d[6] = 0; d[5] = -kI * el; d[7] = kI * epl;
      }
      return;
    }
    case G::U3: case G::CU3: case G::CU: {
      const double c = std::cos(p[0] / 2), s = std::sin(p[0] / 2);
      const cplx g = id == G::CU ? std::polar(1.0, p[3]) : cplx(1);
      const cplx ep = g * std::polar(1.0, p[1]), el = g * std::polar(1.0, p[2]);
      const cplx epl = g * std::polar(1.0, p[1] + p[2]);
      m[0] = g * c; m[1] = -el * s; m[2] = ep * s; m[3] = epl * c;
      if (d) {
        d[0] = -g * (s / 2); d[1] = -el * (c / 2); d[2] = ep * (c / 2); d[3] = -epl * (s / 2);
        d[4] = d[5] = 0; d[6] = kI * ep * s; d[7] = kI * epl * c;
        d[8] = 0; d[9] = -kI * el * s; d[10] = 0; d[11] = kI * epl * c;
        if (id == G::CU)
          for (int i = 0; i < 4; ++i) d[12 + i] = kI * m[i];
      }
      return;
    }
    case G::RXX: case G::RYY: case G::RZZ: case G::RZX: {
      const double c = std::cos(p[0] / 2), s = std::sin(p[0] / 2);
      cplx pp[16];
      pauli_product(id, pp);
      for (int i = 0; i < 16; ++i) m[i] = -kI * s * pp[i] + (i % 5 == 0 ? c : 0.0);
      if (d)
        for (int i = 0; i < 16; ++i) d[i] = -kI * (c / 2) * pp[i] + (i % 5 == 0 ? -s / 2 : 0.0);
      return;
    }
    default:
      break;
  }
  const GateInfo& info = gate_info(id);
  if (info.num_params != 0)
    throw std::logic_error("gate_block: no closed form for gate " + std::string(info.name));
  const std::vector<cplx> full = gate_matrix(id, p);
  const std::size_t dim = std::size_t(1) << info.num_qubits;
  const std::size_t bd = std::size_t(1) << (info.num_qubits - info.num_controls), off = dim - bd;
  for (std::size_t a = 0; a < bd; ++a)
    for (std::size_t b = 0; b < bd; ++b) m[a * bd + b] = full[(off + a) * dim + off + b];
}

void gate_block_derivative(GateId id, const double* p, unsigned k, cplx* out) {
  const GateInfo& info = gate_info(id);
  if (k >= info.num_params)
    throw std::out_of_range("gate_block_derivative: gate " + std::string(info.name) + " has no parameter " +
                            std::to_string(k));
  const std::size_t bs = std::size_t(1) << (2 * (info.num_qubits - info.num_controls));
  cplx m[16], d[64];
  gate_block(id, p, m, d);
  std::copy(d + k * bs, d + (k + 1) * bs, out);
}

GeneratorSpectrum gate_generator_spectrum(GateId id, unsigned k) {
  const GateInfo& info = gate_info(id);
  if (k >= info.num_params)
    throw std::out_of_range("gate_generator_spectrum: gate " + std::string(info.name) + " has no parameter " +
                            std::to_string(k));
  const GeneratorSpectrum rotation{2, {{-0.5, 0.5, 0}}}, controlled_rotation{3, {{-0.5, 0, 0.5}}},
      phase{2, {{-1, 0, 0}}};
  switch (id) {
    case G::RX: case G::RY: case G::RZ: case G::RXX: case G::RYY: case G::RZZ: case G::RZX:
      return rotation;
    case G::CRX: case G::CRY: case G::CRZ:
      return controlled_rotation;
    case G::U3:
      return k == 0 ? rotation : phase;
    case G::CU3: case G::CU:
      return k == 0 ? controlled_rotation : phase;
    case G::P: case G::U1: case G::CP: case G::CU1: case G::U2:
      return phase;
    default:
      break;
  }
  throw std::logic_error("gate_generator_spectrum: no generator for gate " + std::string(info.name));
}

ShiftRule shift_rule(const GeneratorSpectrum& s) {
  constexpr double kTol = 1e-12;
  bool half = false, one = false;
  for (unsigned i = 0; i < s.count; ++i)
    for (unsigned j = i + 1; j < s.count; ++j) {
      const double gap = std::abs(s.values[j] - s.values[i]);
      if (std::abs(gap - 1) < kTol) one = true;
      else if (std::abs(gap - 0.5) < kTol) half = true;
      else if (gap > kTol) return ShiftRule::None;
    }
  if (one && half) return ShiftRule::FourTerm;
  if (one) return ShiftRule::TwoTerm;
  return ShiftRule::None;
}

ShiftRule gate_shift_rule(GateId id, unsigned k, unsigned extra_controls) {
  GeneratorSpectrum s = gate_generator_spectrum(id, k);
  if (extra_controls > 0) {
    bool has_zero = false;
    for (unsigned i = 0; i < s.count; ++i) has_zero = has_zero || s.values[i] == 0;
    if (!has_zero) {
      if (s.count == s.values.size()) return ShiftRule::None;  // four or more eigenvalues
      unsigned i = s.count++;
      for (; i > 0 && s.values[i - 1] > 0; --i) s.values[i] = s.values[i - 1];
      s.values[i] = 0;
    }
  }
  return shift_rule(s);
}

bool is_rotation_gate(GateId id) {
  // A one-parameter gate is a rotation exp(-i t G) when it is the identity
  // at t = 0 (its generator, from the table, does not depend on t). Found
  // once per gate: the passes ask for every operation.
  static const std::array<bool, kNumGates> rotation = [] {
    std::array<bool, kNumGates> r{};
    const double zero = 0;
    for (std::size_t i = 0; i < kNumGates; ++i) {
      const GateInfo& info = gate_info(GateId(i));
      if (info.num_params != 1) continue;
      const std::vector<cplx> m = gate_matrix(info.id, &zero);
      const std::size_t d = std::size_t(1) << info.num_qubits;
      bool identity = true;
      for (std::size_t a = 0; a < d; ++a)
        for (std::size_t b = 0; b < d; ++b)
          identity = identity && std::abs(m[a * d + b] - cplx(a == b ? 1.0 : 0.0)) <= 1e-15;
      r[i] = identity;
    }
    return r;
  }();
  return rotation.at(static_cast<std::size_t>(id));
}

double rotation_period(GateId id) {
  const GeneratorSpectrum s = gate_generator_spectrum(id, 0);
  // Eigenvalues are multiples of 1/2; their gcd is 1/2 or 1.
  bool half = false;
  for (uint8_t i = 0; i < s.count; ++i) half = half || std::abs(std::remainder(s.values[i], 1.0)) > 1e-12;
  return half ? 4 * M_PI : 2 * M_PI;
}

bool rotation_has_half_period(GateId id) {
  const GeneratorSpectrum s = gate_generator_spectrum(id, 0);
  for (uint8_t i = 0; i < s.count; ++i)
    if (std::abs(std::abs(s.values[i]) - 0.5) > 1e-12) return false;
  return s.count > 0;
}

namespace {

// Does the 2^n x 2^n matrix m commute with the Pauli p (2x2) on qubit j
// (qubit 0 the most significant bit)?
bool commutes_on(const std::vector<cplx>& m, unsigned n, unsigned j, const cplx* p) {
  const std::size_t d = std::size_t(1) << n, bit = std::size_t(1) << (n - 1 - j);
  const auto pauli = [&](std::size_t r, std::size_t c) -> cplx {
    if ((r & ~bit) != (c & ~bit)) return 0;
    return p[((r & bit) ? 2 : 0) + ((c & bit) ? 1 : 0)];
  };
  for (std::size_t r = 0; r < d; ++r)
    for (std::size_t c = 0; c < d; ++c) {
      cplx mp = 0, pm = 0;
      for (std::size_t k = 0; k < d; ++k) {
        mp += m[r * d + k] * pauli(k, c);
        pm += pauli(r, k) * m[k * d + c];
      }
      if (std::abs(mp - pm) > 1e-12) return false;
    }
  return true;
}

}  // namespace

PauliAxis gate_axis(GateId id, unsigned qubit) {
  static const std::vector<std::vector<PauliAxis>> axes = [] {
    std::vector<std::vector<PauliAxis>> all(kNumGates);
    const cplx z[4] = {1, 0, 0, -1}, x[4] = {0, 1, 1, 0};
    // Parameter values with no special relation to pi: a structural
    // commutation holds for them, an accidental one does not.
    const double generic[4] = {0.731, 1.297, -0.413, 0.389};
    for (std::size_t i = 0; i < kNumGates; ++i) {
      const GateInfo& info = gate_info(GateId(i));
      const std::vector<cplx> m = gate_matrix(info.id, generic);
      for (unsigned j = 0; j < info.num_qubits; ++j)
        all[i].push_back(commutes_on(m, info.num_qubits, j, z)   ? PauliAxis::Z
                         : commutes_on(m, info.num_qubits, j, x) ? PauliAxis::X
                                                                 : PauliAxis::None);
    }
    return all;
  }();
  const auto& a = axes.at(static_cast<std::size_t>(id));
  if (qubit >= a.size())
    throw std::out_of_range("gate_axis: gate " + std::string(gate_info(id).name) + " has no qubit " +
                            std::to_string(qubit));
  return a[qubit];
}

}  // namespace qforge
