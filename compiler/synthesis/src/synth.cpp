// Single-qubit synthesis: ZYZ decomposition and shortest known sequences in
// each basis (see qforge/synthesis.hpp).
//
// Algorithm of synthesize_1q:
//  1. U = e^{i a} Rz(b) Ry(g) Rz(d) (ZYZ), equivalently
//     e^{i a} Rz(b + pi/2) Rx(g) Rz(d - pi/2) (ZXZ).
//  2. Pick the form by g: 0 -> one rz; pi -> x then rz; pi/2 -> a form with
//     one H (nam: H S H = S^dg H S^dg up to phase) or one SX (ibm);
//     otherwise the general five-gate form (rz h rz h rz / rz sx rz sx rz).
//  3. Drop rz's whose angle is 0 mod 2pi and recover the exact global phase
//     by comparing the product with U (so every form is exact by construction,
//     and checked).
#include "qforge/synthesis.hpp"

#include <cmath>
#include <stdexcept>

namespace qforge {
namespace {

constexpr double kEps = 1e-10;

Mat2 rz(double t) { return gate_matrix_1q(GateId::RZ, t); }
Mat2 ry(double t) { return gate_matrix_1q(GateId::RY, t); }

double wrap_pi(double t) {
  t = std::remainder(t, 2 * M_PI);  // [-pi, pi]
  if (t <= -M_PI) t += 2 * M_PI;
  return t;
}

Operation gate1(GateId g, std::vector<Expr> params = {}) { return make_gate(g, {0}, std::move(params)); }

}  // namespace

Mat2 mul(const Mat2& a, const Mat2& b) {
  return {a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2],
          a[2] * b[1] + a[3] * b[3]};
}

Mat2 adjoint(const Mat2& a) { return {std::conj(a[0]), std::conj(a[2]), std::conj(a[1]), std::conj(a[3])}; }

std::string basis_name(Basis b) {
  switch (b) {
    case Basis::Nam: return "nam";
    case Basis::IbmEcr: return "ecr,rz,sx,x";
    case Basis::IbmCz: return "cz,rz,sx,x";
    case Basis::Generic: return "generic";
  }
  return "?";
}

Mat2 gate_matrix_1q(GateId g, double t) {
  const double params[4] = {t, 0, 0, 0};
  Mat2 m;
  gate_block(g, params, m.data());
  return m;
}

Mat2 op_matrix_1q(const Operation& op) {
  std::vector<double> p;
  for (const auto& e : op.params) {
    if (!e.is_const()) throw std::logic_error("op_matrix_1q: symbolic parameter");
    p.push_back(e.value());
  }
  auto m = gate_matrix(op.gate, p.data());
  if (m.size() != 4) throw std::logic_error("op_matrix_1q: not a single-qubit gate");
  return {m[0], m[1], m[2], m[3]};
}

ZYZ zyz_decompose(const Mat2& u) {
  ZYZ r;
  const cplx det = u[0] * u[3] - u[1] * u[2];
  const double a0 = std::arg(det) / 2;
  const cplx e = std::polar(1.0, -a0);
  const cplx v00 = u[0] * e, v10 = u[2] * e, v11 = u[3] * e;
  r.gamma = 2 * std::atan2(std::abs(v10), std::abs(v00));
  double sum = 0, diff = 0;  // beta + delta, beta - delta
  if (std::abs(v00) > kEps) sum = 2 * std::arg(v11);
  if (std::abs(v10) > kEps) diff = 2 * std::arg(v10);
  if (std::abs(v00) <= kEps) sum = 0;
  r.beta = (sum + diff) / 2;
  r.delta = (sum - diff) / 2;
  // Global phase from the reconstruction (robust to the branch choices above).
  Mat2 m = mul(mul(rz(r.beta), ry(r.gamma)), rz(r.delta));
  cplx ov = 0;
  for (int i = 0; i < 4; ++i) ov += u[i] * std::conj(m[i]);
  r.alpha = std::arg(ov);
  return r;
}

std::vector<Operation> synthesize_1q(const Mat2& u, Basis basis, double& phase) {
  const ZYZ z = zyz_decompose(u);
  const double a = z.beta + M_PI / 2, c = z.delta - M_PI / 2;  // ZXZ angles
  std::vector<Operation> seq;
  auto RZ = [&](double t) {
    t = wrap_pi(t);
    if (std::abs(t) > kEps) seq.push_back(gate1(GateId::RZ, {Expr(t)}));
  };
  const bool g0 = std::abs(z.gamma) < kEps, gpi = std::abs(z.gamma - M_PI) < kEps,
             ghalf = std::abs(z.gamma - M_PI / 2) < kEps;
  switch (basis) {
    case Basis::Nam:
      if (g0) RZ(z.beta + z.delta);
      else if (gpi) { seq.push_back(gate1(GateId::X)); RZ(a - c); }
      else if (ghalf) { RZ(c - M_PI / 2); seq.push_back(gate1(GateId::H)); RZ(a - M_PI / 2); }
      else { RZ(c); seq.push_back(gate1(GateId::H)); RZ(z.gamma); seq.push_back(gate1(GateId::H)); RZ(a); }
      break;
    case Basis::IbmEcr:
    case Basis::IbmCz:
      if (g0) RZ(z.beta + z.delta);
      else if (gpi) { seq.push_back(gate1(GateId::X)); RZ(a - c); }
      else if (ghalf) { RZ(c); seq.push_back(gate1(GateId::SX)); RZ(a); }
      else {
        RZ(z.delta); seq.push_back(gate1(GateId::SX)); RZ(z.gamma + M_PI);
        seq.push_back(gate1(GateId::SX)); RZ(z.beta + M_PI);
      }
      break;
    case Basis::Generic:
      if (g0) RZ(z.beta + z.delta);
      else seq.push_back(gate1(GateId::U3, {Expr(z.gamma), Expr(wrap_pi(z.beta)), Expr(wrap_pi(z.delta))}));
      break;
  }
  Mat2 m{1, 0, 0, 1};
  for (const auto& op : seq) m = mul(op_matrix_1q(op), m);
  cplx ov = 0;
  for (int i = 0; i < 4; ++i) ov += u[i] * std::conj(m[i]);
  phase = std::arg(ov);
  const cplx ph = std::polar(1.0, phase);
  for (int i = 0; i < 4; ++i)
    if (std::abs(u[i] - ph * m[i]) > 1e-8) throw std::logic_error("synthesize_1q: synthesis is inexact");
  return seq;
}

}  // namespace qforge
