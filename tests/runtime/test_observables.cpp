// Pauli observables: parsing and expectation values against the dense reference.
#include "test_util.hpp"

#include "qforge/observables.hpp"

namespace qforge {
namespace {

using namespace qforge::test;

TEST(Observables, ParsesSumsCoefficientsAndProducts) {
  auto o = sim::parse_observable("Z0 Z1 + 0.5*X2");
  ASSERT_EQ(o.terms.size(), 2u);
  EXPECT_EQ(o.terms[0].z_mask, 3u);
  EXPECT_EQ(o.terms[0].coefficient, 1);
  EXPECT_EQ(o.terms[1].x_mask, 4u);
  EXPECT_EQ(o.terms[1].coefficient, 0.5);
  o = sim::parse_observable("-1.5*Y0");
  ASSERT_EQ(o.terms.size(), 1u);
  EXPECT_EQ(o.terms[0].coefficient, -1.5);
  EXPECT_EQ(o.terms[0].y_mask, 1u);
  o = sim::parse_observable("Z0*Z1 - 2 X0 X1 + 0.25 + I3");
  ASSERT_EQ(o.terms.size(), 4u);
  EXPECT_EQ(o.terms[1].coefficient, -2);
  EXPECT_EQ(o.terms[2].min_qubits(), 0u);
  EXPECT_EQ(o.terms[3].min_qubits(), 0u);
}

TEST(Observables, BadStringsGiveClearErrors) {
  const auto message = [](const std::string& text) {
    try {
      sim::parse_observable(text);
    } catch (const sim::ObservableError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("Z0 Q1").find("column 4"), std::string::npos) << message("Z0 Q1");
  EXPECT_NE(message("Z").find("qubit index after 'Z'"), std::string::npos) << message("Z");
  EXPECT_NE(message("Z0 Z0").find("appears twice"), std::string::npos);
  EXPECT_NE(message("").find("empty"), std::string::npos);
  EXPECT_NE(message("Z0 +").find("expected"), std::string::npos);
  EXPECT_NE(message("Z99").find("below 64"), std::string::npos);
}

template <typename FP>
class ExpectationTest : public ::testing::Test {};
using Precisions = ::testing::Types<float, double>;
TYPED_TEST_SUITE(ExpectationTest, Precisions);

Eigen::MatrixXcd pauli(char p) {
  Eigen::MatrixXcd m(2, 2);
  switch (p) {
    case 'X': m << 0, 1, 1, 0; break;
    case 'Y': m << 0, std::complex<double>(0, -1), std::complex<double>(0, 1), 0; break;
    case 'Z': m << 1, 0, 0, -1; break;
    default: m.setIdentity(); break;
  }
  return m;
}

TYPED_TEST(ExpectationTest, MatchesDenseMatrix) {
  using FP = TypeParam;
  std::mt19937_64 rng(8);
  const uint32_t n = 5;
  const char* letters = "IXYZ";
  for (int rep = 0; rep < 40; ++rep) {
    std::string text;
    Eigen::MatrixXcd total = Eigen::MatrixXcd::Zero(32, 32);
    for (int t = 0; t < 3; ++t) {
      // Rounded as printed, so the reference uses the parsed value.
      const double coef = std::stod(std::to_string(std::uniform_real_distribution<double>(-2, 2)(rng)));
      text += (t ? " + " : "") + std::to_string(coef) + "*";
      Eigen::MatrixXcd term = Eigen::MatrixXcd::Identity(32, 32);
      bool first = true;
      for (uint32_t q = 0; q < n; ++q) {
        const char p = letters[std::uniform_int_distribution<int>(0, 3)(rng)];
        if (p == 'I' && !(first && q == n - 1)) continue;
        text += (first ? "" : " ") + std::string(1, p) + std::to_string(q);
        first = false;
        term = ref::embed(pauli(p), {q}, n) * term;
      }
      total += coef * term;
    }
    const auto obs = sim::parse_observable(text);
    const Eigen::VectorXcd psi = ref::random_state(n, rng);
    const double want = (psi.adjoint() * total * psi)(0, 0).real();
    const auto s = from_eigen<FP>(psi, n);
    EXPECT_NEAR(sim::expectation(s, obs), want, 100 * tolerance<FP>()) << text;
  }
}

TEST(Observables, QubitBeyondCircuitIsAnError) {
  sim::StateVector<double> s(2);
  EXPECT_THROW(sim::expectation(s, sim::parse_observable("Z5")), std::invalid_argument);
}

}  // namespace
}  // namespace qforge
