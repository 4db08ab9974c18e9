// PCA and t-SNE (tsne.hpp): well-separated clusters stay separated, results
// are reproducible with a seed, PCA finds the direction of spread.
#include "qforge/models/tsne.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace qforge::models;

namespace {

/// k clusters of m points in d dimensions, centres 20 apart, spread 1.
std::vector<double> clusters(int k, int m, int d, std::vector<int>& label, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> n01(0, 1);
  std::vector<double> x;
  for (int c = 0; c < k; ++c)
    for (int i = 0; i < m; ++i) {
      for (int j = 0; j < d; ++j) x.push_back((j == c ? 20.0 : 0.0) + n01(rng));
      label.push_back(c);
    }
  return x;
}

}  // namespace

TEST(Tsne, KeepsSeparatedClustersSeparated) {
  std::vector<int> label;
  const int k = 3, m = 30, d = 10;
  auto x = clusters(k, m, d, label, 1);
  auto y = tsne(x, std::size_t(k * m), d, TsneOptions{});
  ASSERT_EQ(y.size(), std::size_t(2 * k * m));
  // Every point's nearest neighbour in the embedding is in its cluster, and
  // the smallest distance between clusters exceeds the largest within one.
  double max_in = 0, min_out = INFINITY;
  for (int i = 0; i < k * m; ++i) {
    int best = -1;
    double bd = INFINITY;
    for (int j = 0; j < k * m; ++j) {
      if (i == j) continue;
      double dd = std::hypot(y[2 * i] - y[2 * j], y[2 * i + 1] - y[2 * j + 1]);
      if (dd < bd) bd = dd, best = j;
      if (label[i] == label[j]) max_in = std::max(max_in, dd);
      else min_out = std::min(min_out, dd);
    }
    EXPECT_EQ(label[best], label[i]) << "point " << i;
  }
  EXPECT_GT(min_out, max_in);
  for (double v : y) EXPECT_TRUE(std::isfinite(v));
}

TEST(Tsne, ReproducibleWithSeed) {
  std::vector<int> label;
  auto x = clusters(2, 20, 5, label, 2);
  TsneOptions o;
  o.iterations = 300;
  o.seed = 7;
  auto a = tsne(x, 40, 5, o), b = tsne(x, 40, 5, o);
  EXPECT_EQ(a, b);
  o.seed = 8;
  auto c = tsne(x, 40, 5, o);
  EXPECT_NE(a, c);
}

TEST(Tsne, TinyInputs) {
  EXPECT_EQ(tsne({1.0, 2.0}, 1, 2).size(), 2u);
  EXPECT_THROW(tsne({1.0, 2.0, 3.0}, 2, 2), std::invalid_argument);
}

TEST(Pca, FindsTheDirectionOfSpread) {
  // Points along (1, 2, 2)/3 with small noise in the other directions.
  std::mt19937 rng(3);
  std::normal_distribution<double> n01(0, 1);
  std::vector<double> x;
  const int n = 200;
  for (int i = 0; i < n; ++i) {
    double t = 10 * n01(rng);
    x.push_back(5 + t / 3 + 0.1 * n01(rng));
    x.push_back(-1 + 2 * t / 3 + 0.1 * n01(rng));
    x.push_back(2 * t / 3 + 0.1 * n01(rng));
  }
  Pca p = pca(x, n, 3, 2);
  ASSERT_EQ(p.axes.size(), 6u);
  EXPECT_NEAR(p.axes[0], 1.0 / 3, 0.01);
  EXPECT_NEAR(p.axes[1], 2.0 / 3, 0.01);
  EXPECT_NEAR(p.axes[2], 2.0 / 3, 0.01);
  EXPECT_GT(p.variance[0] / p.total_variance, 0.99);
  EXPECT_NEAR(p.mean[0], 5, 1.5);
  // Second axis orthogonal to the first; projections centred.
  double dot = 0, m0 = 0;
  for (int j = 0; j < 3; ++j) dot += p.axes[j] * p.axes[3 + j];
  for (int i = 0; i < n; ++i) m0 += p.projected[2 * i];
  EXPECT_NEAR(dot, 0, 1e-6);
  EXPECT_NEAR(m0 / n, 0, 1e-9);
}
