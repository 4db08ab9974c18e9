// The gate table: consistency, unitarity, inverses and exact derivatives.
#include "qforge/gates.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

namespace qforge {
namespace {

using M = std::vector<cplx>;

M multiply(const M& a, const M& b, std::size_t d) {
  M c(d * d, 0);
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t k = 0; k < d; ++k)
      for (std::size_t j = 0; j < d; ++j) c[i * d + j] += a[i * d + k] * b[k * d + j];
  return c;
}

M dagger(const M& a, std::size_t d) {
  M c(d * d);
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = 0; j < d; ++j) c[j * d + i] = std::conj(a[i * d + j]);
  return c;
}

double max_diff(const M& a, const M& b) {
  double m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

std::vector<double> random_params(std::mt19937_64& rng, std::size_t n) {
  std::uniform_real_distribution<double> u(-3.5, 3.5);
  std::vector<double> p(n);
  for (auto& v : p) v = u(rng);
  return p;
}

TEST(GateTable, NamesRoundTripAndShapesMatch) {
  for (std::size_t i = 0; i < kNumGates; ++i) {
    auto id = static_cast<GateId>(i);
    const GateInfo& g = gate_info(id);
    ASSERT_EQ(gate_by_name(g.name), id) << g.name;
    std::vector<double> p(g.num_params, 0.3);
    EXPECT_EQ(gate_matrix(id, p.data()).size(), std::size_t(1) << (2 * g.num_qubits)) << g.name;
    EXPECT_LT(g.num_controls, g.num_qubits) << g.name;
  }
  EXPECT_FALSE(gate_by_name("nosuchgate").has_value());
}

TEST(GateTable, EveryMatrixIsUnitaryAndItsInverseRuleIsExact) {
  std::mt19937_64 rng(7);
  for (std::size_t i = 0; i < kNumGates; ++i) {
    auto id = static_cast<GateId>(i);
    const GateInfo& g = gate_info(id);
    const std::size_t d = std::size_t(1) << g.num_qubits;
    auto p = random_params(rng, g.num_params);
    M u = gate_matrix(id, p.data());
    M eye(d * d, 0);
    for (std::size_t k = 0; k < d; ++k) eye[k * d + k] = 1;
    EXPECT_LT(max_diff(multiply(u, dagger(u, d), d), eye), 1e-12) << g.name;

    InverseRule r = gate_inverse(id);
    std::vector<double> q(gate_info(r.gate).num_params);
    for (std::size_t k = 0; k < q.size(); ++k) q[k] = (r.sign[k] ? r.sign[k] * p[r.src[k]] : 0.0) + r.offset[k];
    M inv = gate_matrix(r.gate, q.data());
    // Extra controls of the rule (csx^-1 = ctrl @ sxdg) wrap the matrix.
    std::size_t di = std::size_t(1) << gate_info(r.gate).num_qubits;
    for (int c = 0; c < r.extra_controls; ++c) {
      M big(4 * di * di, 0);
      for (std::size_t k = 0; k < di; ++k) big[k * 2 * di + k] = 1;
      for (std::size_t a = 0; a < di; ++a)
        for (std::size_t b = 0; b < di; ++b) big[(di + a) * 2 * di + di + b] = inv[a * di + b];
      inv = big;
      di *= 2;
    }
    ASSERT_EQ(di, d) << g.name;
    EXPECT_LT(max_diff(inv, dagger(u, d)), 1e-12) << g.name;
  }
}

TEST(GateTable, DerivativesMatchCentralFiniteDifferences) {
  std::mt19937_64 rng(11);
  const double h = 1e-6;
  for (std::size_t i = 0; i < kNumGates; ++i) {
    auto id = static_cast<GateId>(i);
    const GateInfo& g = gate_info(id);
    for (unsigned k = 0; k < g.num_params; ++k) {
      auto p = random_params(rng, g.num_params);
      M exact = gate_matrix_derivative(id, p.data(), k);
      auto plus = p, minus = p;
      plus[k] += h;
      minus[k] -= h;
      M a = gate_matrix(id, plus.data()), b = gate_matrix(id, minus.data());
      M fd(a.size());
      for (std::size_t e = 0; e < a.size(); ++e) fd[e] = (a[e] - b[e]) / (2 * h);
      EXPECT_LT(max_diff(exact, fd), 1e-8) << g.name << " parameter " << k;
    }
  }
  EXPECT_THROW(gate_matrix_derivative(GateId::RX, nullptr, 1), std::out_of_range);
}

TEST(GateTable, KnownMatrices) {
  const double t = 0.7;
  M rz = gate_matrix(GateId::RZ, &t);
  EXPECT_LT(std::abs(rz[0] - std::polar(1.0, -t / 2)), 1e-15);
  EXPECT_LT(std::abs(rz[3] - std::polar(1.0, t / 2)), 1e-15);
  // cx: control is the first (most significant) qubit.
  M cx = gate_matrix(GateId::CX, nullptr);
  EXPECT_EQ(cx[2 * 4 + 3], cplx(1));
  EXPECT_EQ(cx[3 * 4 + 2], cplx(1));
  EXPECT_EQ(cx[1 * 4 + 1], cplx(1));
  // sx * sx = x
  M sx = gate_matrix(GateId::SX, nullptr);
  EXPECT_LT(max_diff(multiply(sx, sx, 2), gate_matrix(GateId::X, nullptr)), 1e-15);
}

}  // namespace
}  // namespace qforge

namespace qforge {
namespace {

// Axes and rotation properties, written out by hand for every table gate.
TEST(GateTable, AxesAndRotationsByHand) {
  using G = GateId;
  using A = PauliAxis;
  const std::map<G, std::vector<A>> axes = {
      {G::I, {A::Z}},    {G::X, {A::X}},    {G::Y, {A::None}}, {G::Z, {A::Z}},    {G::H, {A::None}},
      {G::S, {A::Z}},    {G::Sdg, {A::Z}},  {G::T, {A::Z}},    {G::Tdg, {A::Z}},  {G::SX, {A::X}},
      {G::SXdg, {A::X}}, {G::RX, {A::X}},   {G::RY, {A::None}}, {G::RZ, {A::Z}},  {G::P, {A::Z}},
      {G::U1, {A::Z}},   {G::U2, {A::None}}, {G::U3, {A::None}},
      {G::CX, {A::Z, A::X}},     {G::CY, {A::Z, A::None}},  {G::CZ, {A::Z, A::Z}},
      {G::CH, {A::Z, A::None}},  {G::CSX, {A::Z, A::X}},    {G::Swap, {A::None, A::None}},
      {G::ECR, {A::None, A::X}}, {G::CP, {A::Z, A::Z}},     {G::CU1, {A::Z, A::Z}},
      {G::CRX, {A::Z, A::X}},    {G::CRY, {A::Z, A::None}}, {G::CRZ, {A::Z, A::Z}},
      {G::CU3, {A::Z, A::None}}, {G::CU, {A::Z, A::None}},  {G::RXX, {A::X, A::X}},
      {G::RYY, {A::None, A::None}}, {G::RZZ, {A::Z, A::Z}}, {G::RZX, {A::Z, A::X}},
      {G::CCX, {A::Z, A::Z, A::X}}, {G::CCZ, {A::Z, A::Z, A::Z}}, {G::CSwap, {A::Z, A::None, A::None}}};
  ASSERT_EQ(axes.size(), kNumGates);
  for (const auto& [g, want] : axes)
    for (unsigned q = 0; q < want.size(); ++q)
      EXPECT_EQ(int(gate_axis(g, q)), int(want[q])) << gate_info(g).name << " qubit " << q;

  const std::map<G, std::pair<double, bool>> rotations = {  // period, half period
      {G::RX, {4 * M_PI, true}},   {G::RY, {4 * M_PI, true}},   {G::RZ, {4 * M_PI, true}},
      {G::RXX, {4 * M_PI, true}},  {G::RYY, {4 * M_PI, true}},  {G::RZZ, {4 * M_PI, true}},
      {G::RZX, {4 * M_PI, true}},  {G::CRX, {4 * M_PI, false}}, {G::CRY, {4 * M_PI, false}},
      {G::CRZ, {4 * M_PI, false}}, {G::P, {2 * M_PI, false}},   {G::U1, {2 * M_PI, false}},
      {G::CP, {2 * M_PI, false}},  {G::CU1, {2 * M_PI, false}}};
  for (std::size_t i = 0; i < kNumGates; ++i) {
    const G g = G(i);
    auto it = rotations.find(g);
    EXPECT_EQ(is_rotation_gate(g), it != rotations.end()) << gate_info(g).name;
    if (it == rotations.end()) continue;
    EXPECT_DOUBLE_EQ(rotation_period(g), it->second.first) << gate_info(g).name;
    EXPECT_EQ(rotation_has_half_period(g), it->second.second) << gate_info(g).name;
  }
}

}  // namespace
}  // namespace qforge
