// The statistics of repeated runs against closed forms and hand-computed
// cases: I_x(a, b) where it has a closed form, Student's t CDF for 1 and 2
// degrees of freedom (Cauchy; t / (2 sqrt(2 + t^2))), tabulated quantiles,
// and a paired t-test worked by hand.
#include "qforge/models/stats.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace qs = qforge::models::stats;

TEST(SeedStats, MeanAndSampleStandardDeviation) {
  EXPECT_DOUBLE_EQ(qs::mean({1, 2, 3, 4}), 2.5);
  // deviations -1.5, -0.5, 0.5, 1.5: squares sum to 5, over n - 1 = 3
  EXPECT_DOUBLE_EQ(qs::stddev({1, 2, 3, 4}), std::sqrt(5.0 / 3.0));
  EXPECT_TRUE(std::isnan(qs::stddev({7})));
  EXPECT_TRUE(std::isnan(qs::mean({})));
}

TEST(SeedStats, IncompleteBetaClosedForms) {
  for (double x : {0.0, 0.1, 0.37, 0.5, 0.9, 1.0}) {
    EXPECT_NEAR(qs::incomplete_beta(1, 1, x), x, 1e-14);                        // uniform
    EXPECT_NEAR(qs::incomplete_beta(3, 1, x), x * x * x, 1e-14);                // x^a
    EXPECT_NEAR(qs::incomplete_beta(1, 4, x), 1 - std::pow(1 - x, 4), 1e-14);   // 1 - (1-x)^b
  }
  EXPECT_NEAR(qs::incomplete_beta(7.5, 7.5, 0.5), 0.5, 1e-14);  // symmetry
  // I_x(2, 2) = 3x^2 - 2x^3
  EXPECT_NEAR(qs::incomplete_beta(2, 2, 0.3), 3 * 0.09 - 2 * 0.027, 1e-14);
  EXPECT_TRUE(std::isnan(qs::incomplete_beta(0, 1, 0.5)));
  EXPECT_TRUE(std::isnan(qs::incomplete_beta(1, 1, 1.5)));
}

TEST(SeedStats, StudentTCdfClosedForms) {
  const double pi = std::acos(-1.0);
  for (double t : {-30.0, -2.0, -0.3, 0.0, 0.7, 1.0, 4.0, 100.0}) {
    EXPECT_NEAR(qs::student_t_cdf(t, 1), 0.5 + std::atan(t) / pi, 1e-13) << t;        // Cauchy
    EXPECT_NEAR(qs::student_t_cdf(t, 2), 0.5 + t / (2 * std::sqrt(2 + t * t)), 1e-13) << t;
  }
  EXPECT_DOUBLE_EQ(qs::student_t_cdf(0, 17), 0.5);
  EXPECT_DOUBLE_EQ(qs::student_t_cdf(INFINITY, 3), 1);
}

TEST(SeedStats, StudentTQuantilesMatchTheTables) {
  // Two-sided 95% critical values, as printed in every t table.
  EXPECT_NEAR(qs::student_t_quantile(0.975, 1), 12.706, 5e-4);
  EXPECT_NEAR(qs::student_t_quantile(0.975, 2), 4.303, 5e-4);
  EXPECT_NEAR(qs::student_t_quantile(0.975, 4), 2.776, 5e-4);
  EXPECT_NEAR(qs::student_t_quantile(0.975, 10), 2.228, 5e-4);
  EXPECT_NEAR(qs::student_t_quantile(0.975, 30), 2.042, 5e-4);
  EXPECT_NEAR(qs::student_t_quantile(0.995, 9), 3.250, 5e-4);
  // df = 2 inverts in closed form: t = (2p - 1) / sqrt(2 p (1 - p))
  EXPECT_NEAR(qs::student_t_quantile(0.975, 2), 0.95 / std::sqrt(2 * 0.975 * 0.025), 1e-9);
  EXPECT_NEAR(qs::student_t_quantile(0.025, 4), -2.776, 5e-4);
}

TEST(SeedStats, PairedTTestByHand) {
  // Differences 1, 2, 3: mean 2, s = 1, se = 1/sqrt(3), t = 2 sqrt(3),
  // df = 2: p = 2 (1 - F(t)) = 1 - t / sqrt(2 + t^2) = 1 - 2 sqrt(3) / sqrt(14);
  // 95% interval 2 +- 4.302653 / sqrt(3).
  auto r = qs::paired_t_test({11, 22, 33}, {10, 20, 30});
  EXPECT_EQ(r.n, 3);
  EXPECT_DOUBLE_EQ(r.mean_difference, 2);
  EXPECT_DOUBLE_EQ(r.sd_difference, 1);
  EXPECT_NEAR(r.t, 2 * std::sqrt(3.0), 1e-12);
  EXPECT_NEAR(r.p, 1 - 2 * std::sqrt(3.0) / std::sqrt(14.0), 1e-10);
  EXPECT_NEAR(r.p, 0.074180, 1e-6);
  const double half = 0.95 / std::sqrt(2 * 0.975 * 0.025) / std::sqrt(3.0);
  EXPECT_NEAR(r.low, 2 - half, 1e-9);
  EXPECT_NEAR(r.high, 2 + half, 1e-9);
  EXPECT_TRUE(r.contains(0));  // p > 0.05: zero is inside the interval
  EXPECT_FALSE(r.contains(5));

  // Five pairs: differences 1, 2, 0, 3, 1: mean 1.4, s^2 = 5.2 / 4 = 1.3,
  // t = 1.4 / sqrt(1.3 / 5) = 2.7456; df = 4, between the tables' 0.10 (2.132)
  // and 0.05 (2.776) two-sided points.
  auto f = qs::paired_t_test({3, 4, 2, 6, 2}, {2, 2, 2, 3, 1});
  EXPECT_NEAR(f.t, 1.4 / std::sqrt(1.3 / 5), 1e-12);
  EXPECT_GT(f.p, 0.05);
  EXPECT_LT(f.p, 0.10);
  EXPECT_NEAR(f.low, 1.4 - 2.776445 * std::sqrt(1.3 / 5), 1e-5);
}

TEST(SeedStats, PairedTTestEdgeCases) {
  auto one = qs::paired_t_test({1}, {0});
  EXPECT_EQ(one.n, 1);
  EXPECT_TRUE(std::isnan(one.p));
  EXPECT_FALSE(one.contains(1));
  auto same = qs::paired_t_test({2, 3, 4}, {1, 2, 3});  // every difference 1
  EXPECT_DOUBLE_EQ(same.p, 0);
  EXPECT_DOUBLE_EQ(same.low, 1);
  EXPECT_TRUE(same.contains(1));
  auto none = qs::paired_t_test({2, 3}, {2, 3});
  EXPECT_DOUBLE_EQ(none.p, 1);
  EXPECT_THROW(qs::paired_t_test({1, 2}, {1}), std::invalid_argument);
}
