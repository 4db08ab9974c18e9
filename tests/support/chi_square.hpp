// chi_square.hpp - Pearson chi-square tests of sampled counts: against a
// distribution, against another sample, and the limit a statistic must stay
// under.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

namespace qforge::test {

/// Pearson chi-square statistic of counts against probabilities over the
/// outcomes with expected count >= 5 (others pooled).
inline double chi_square(const std::map<std::string, uint64_t>& counts, const std::map<std::string, double>& probs,
                         uint64_t shots, int& dof) {
  double chi = 0, pooled_obs = 0, pooled_exp = 0;
  dof = -1;
  for (const auto& [k, p] : probs) {
    const double e = p * double(shots);
    const auto it = counts.find(k);
    const double o = it == counts.end() ? 0 : double(it->second);
    if (e < 5) {
      pooled_obs += o;
      pooled_exp += e;
      continue;
    }
    chi += (o - e) * (o - e) / e;
    ++dof;
  }
  if (pooled_exp > 0) {
    chi += (pooled_obs - pooled_exp) * (pooled_obs - pooled_exp) / pooled_exp;
    ++dof;
  }
  for (const auto& [k, n] : counts)
    EXPECT_TRUE(probs.count(k)) << "sampled an outcome of probability 0: " << k;
  return chi;
}

/// Upper 0.1% quantile of chi-square with `dof` degrees of freedom
/// (Wilson-Hilferty approximation).
inline double chi_square_limit(int dof) {
  const double k = std::max(dof, 1), z = 3.09;
  const double t = 1 - 2 / (9 * k) + z * std::sqrt(2 / (9 * k));
  return k * t * t * t;
}

/// Two-sample chi-square statistic of two count tables of equal totals
/// over the outcomes seen at least 10 times in both together.
inline double two_sample_chi(const std::map<std::string, uint64_t>& a, const std::map<std::string, uint64_t>& b, int& dof) {
  std::map<std::string, std::pair<double, double>> both;
  for (const auto& [x, v] : a) both[x].first = double(v);
  for (const auto& [x, v] : b) both[x].second = double(v);
  double chi = 0;
  dof = -1;
  for (const auto& [x, v] : both) {
    if (v.first + v.second < 10) continue;
    chi += (v.first - v.second) * (v.first - v.second) / (v.first + v.second);
    ++dof;
  }
  return chi;
}

}  // namespace qforge::test
