// Single-qubit synthesis: random unitaries in every basis, exact with phase.
#include "qforge/synthesis.hpp"

#include <gtest/gtest.h>

#include <random>

namespace qforge {
namespace {

Mat2 mul(const Mat2& a, const Mat2& b) {
  return {a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3]};
}

TEST(Synth, RandomUnitariesEveryBasis) {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> a(-M_PI, M_PI);
  for (int i = 0; i < 200; ++i) {
    Operation u;
    u.gate = GateId::U3;
    u.qubits = {0};
    // Include the special angles 0, pi/2, pi.
    double th = i % 4 == 0 ? 0 : i % 4 == 1 ? M_PI / 2 : i % 4 == 2 ? M_PI : a(rng);
    u.params = {Expr(th), Expr(a(rng)), Expr(a(rng))};
    Mat2 m = op_matrix_1q(u);
    for (Basis b : {Basis::Nam, Basis::IbmEcr, Basis::Generic}) {
      double ph = 0;
      auto seq = synthesize_1q(m, b, ph);  // throws if inexact
      Mat2 p{1, 0, 0, 1};
      for (const auto& op : seq) p = mul(op_matrix_1q(op), p);
      for (int k = 0; k < 4; ++k) EXPECT_NEAR(std::abs(m[k] - std::polar(1.0, ph) * p[k]), 0, 1e-9);
      if (b == Basis::Nam) {
        EXPECT_LE(seq.size(), th == 0 ? 1u : th == M_PI ? 2u : th == M_PI / 2 ? 3u : 5u);
      }
    }
  }
}

TEST(Synth, ZyzOfHadamard) {
  Operation h;
  h.gate = GateId::H;
  h.qubits = {0};
  ZYZ z = zyz_decompose(op_matrix_1q(h));
  EXPECT_NEAR(z.gamma, M_PI / 2, 1e-12);
  double ph = 0;
  EXPECT_EQ(synthesize_1q(op_matrix_1q(h), Basis::Nam, ph).size(), 1u);
}

}  // namespace
}  // namespace qforge
