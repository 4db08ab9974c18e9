// qforge/models/stats.hpp - the statistics of repeated runs: mean and
// standard deviation over seeds, Student's t distribution and the paired
// t-test that compares two models trained on the same seeds. Torch-free.
#pragma once

#include <vector>

namespace qforge::models::stats {

/// Arithmetic mean (NaN for no values).
double mean(const std::vector<double>& v);
/// Sample standard deviation, n - 1 in the denominator (NaN below 2 values).
double stddev(const std::vector<double>& v);

/// The regularized incomplete beta function I_x(a, b) for a, b > 0 and x in
/// [0, 1], by the continued fraction evaluated with Lentz's method (Press et
/// al., Numerical Recipes, 6.4); NaN outside the domain.
double incomplete_beta(double a, double b, double x);
/// P(T <= t) for Student's t with `df` > 0 degrees of freedom:
/// 1 - I_{df/(df+t^2)}(df/2, 1/2) / 2 for t >= 0, by symmetry below.
double student_t_cdf(double t, double df);
/// The t with P(T <= t) = p, 0 < p < 1 (bisection on student_t_cdf).
double student_t_quantile(double p, double df);

/// A paired comparison of a and b (the same seeds, in the same order):
/// the differences d = a - b, their mean, the 95% confidence interval
/// mean +- t_{0.975, n-1} s_d / sqrt(n), and the two-sided p-value of the
/// paired t-test of mean 0. With fewer than 2 pairs the interval, t and p
/// are NaN; with identical differences the interval is that difference and
/// p is 1 when it is 0, else 0.
struct PairedTest {
  int n = 0;
  double mean_difference = 0, sd_difference = 0;
  double t = 0, p = 0;
  double low = 0, high = 0;  ///< 95% confidence interval of the mean difference
  /// Whether `difference` lies inside [low, high] (false when NaN).
  bool contains(double difference) const { return difference >= low && difference <= high; }
};
/// Throws std::invalid_argument when the lengths differ.
PairedTest paired_t_test(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace qforge::models::stats
