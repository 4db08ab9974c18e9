// PCA and exact t-SNE (tsne.hpp).
#include "qforge/models/tsne.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

namespace qforge::models {

Pca pca(const std::vector<double>& x, std::size_t n, std::size_t d, std::size_t k) {
  if (x.size() != n * d) throw std::invalid_argument("pca: x is not n x d");
  k = std::min(k, d);
  Pca p;
  p.dims = d;
  p.components = k;
  p.mean.assign(d, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < d; ++j) p.mean[j] += x[i * d + j];
  for (auto& m : p.mean) m /= double(std::max<std::size_t>(1, n));
  std::vector<double> cov(d * d, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t a = 0; a < d; ++a) {
      double va = x[i * d + a] - p.mean[a];
      if (va == 0) continue;
      for (std::size_t b = a; b < d; ++b) cov[a * d + b] += va * (x[i * d + b] - p.mean[b]);
    }
  for (std::size_t a = 0; a < d; ++a)
    for (std::size_t b = a; b < d; ++b) {
      cov[a * d + b] /= double(std::max<std::size_t>(1, n - 1));
      cov[b * d + a] = cov[a * d + b];
    }
  for (std::size_t a = 0; a < d; ++a) p.total_variance += cov[a * d + a];
  std::vector<double> v(d), w(d);
  for (std::size_t c = 0; c < k; ++c) {
    for (std::size_t j = 0; j < d; ++j) v[j] = 1.0 + 0.01 * double(j % 7) + 0.001 * double(j);
    double lambda = 0;
    for (int it = 0; it < 1000; ++it) {
      for (std::size_t a = 0; a < d; ++a) {
        double s = 0;
        for (std::size_t b = 0; b < d; ++b) s += cov[a * d + b] * v[b];
        w[a] = s;
      }
      double nrm = 0;
      for (double t : w) nrm += t * t;
      nrm = std::sqrt(nrm);
      if (nrm < 1e-300) { lambda = 0; break; }
      double diff = 0;
      for (std::size_t a = 0; a < d; ++a) {
        double t = w[a] / nrm;
        diff = std::max(diff, std::fabs(t - v[a]));
        v[a] = t;
      }
      lambda = nrm;
      if (diff < 1e-12) break;
    }
    std::size_t big = 0;
    for (std::size_t a = 1; a < d; ++a)
      if (std::fabs(v[a]) > std::fabs(v[big])) big = a;
    if (v[big] < 0)
      for (auto& t : v) t = -t;
    p.axes.insert(p.axes.end(), v.begin(), v.end());
    p.variance.push_back(lambda);
    for (std::size_t a = 0; a < d; ++a)
      for (std::size_t b = 0; b < d; ++b) cov[a * d + b] -= lambda * v[a] * v[b];
  }
  p.projected.assign(n * k, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t c = 0; c < k; ++c) {
      double s = 0;
      for (std::size_t j = 0; j < d; ++j) s += (x[i * d + j] - p.mean[j]) * p.axes[c * d + j];
      p.projected[i * k + c] = s;
    }
  return p;
}

std::vector<double> tsne(const std::vector<double>& x, std::size_t n, std::size_t d,
                         const TsneOptions& o) {
  if (x.size() != n * d) throw std::invalid_argument("tsne: x is not n x d");
  std::vector<double> y(n * 2, 0.0);
  if (n < 2) return y;
  // Squared distances.
  std::vector<double> D(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      double s = 0;
      for (std::size_t k = 0; k < d; ++k) {
        double t = x[i * d + k] - x[j * d + k];
        s += t * t;
      }
      D[i * n + j] = D[j * n + i] = s;
    }
  // Conditional affinities with the perplexity's entropy (binary search on beta).
  const double perp = std::max(1.0, std::min(o.perplexity, double(n - 1) / 3.0));
  const double target = std::log(perp);
  std::vector<double> P(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    double beta = 1, lo = 0, hi = INFINITY;
    double* row = &P[i * n];
    for (int it = 0; it < 100; ++it) {
      double dmin = INFINITY;
      for (std::size_t j = 0; j < n; ++j)
        if (j != i) dmin = std::min(dmin, D[i * n + j]);
      double sum = 0, hsum = 0;
      for (std::size_t j = 0; j < n; ++j) {
        row[j] = j == i ? 0.0 : std::exp(-beta * (D[i * n + j] - dmin));
        sum += row[j];
        hsum += row[j] * (D[i * n + j] - dmin);
      }
      double H = std::log(sum) + beta * hsum / sum;
      for (std::size_t j = 0; j < n; ++j) row[j] /= sum;
      double diff = H - target;
      if (std::fabs(diff) < 1e-5) break;
      if (diff > 0) {
        lo = beta;
        beta = std::isinf(hi) ? beta * 2 : (beta + hi) / 2;
      } else {
        hi = beta;
        beta = (beta + lo) / 2;
      }
    }
  }
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      double s = std::max((P[i * n + j] + P[j * n + i]) / (2.0 * double(n)), 1e-12);
      P[i * n + j] = P[j * n + i] = s;
    }
  // Initial points: N(0, 1e-4), from the seed.
  std::mt19937_64 rng(o.seed);
  for (auto& v : y) {
    // Box-Muller from raw draws, so the result does not depend on the
    // standard library's normal_distribution.
    double u1 = (double(rng() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
    double u2 = (double(rng() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
    v = 1e-2 * std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2);
  }
  const double lr = o.learning_rate > 0 ? o.learning_rate
                                        : std::max(double(n) / std::max(1.0, o.exaggeration) / 4.0, 50.0);
  std::vector<double> g(n * 2), vel(n * 2, 0.0), gains(n * 2, 1.0), Q(n * n);
  for (int it = 0; it < o.iterations; ++it) {
    const double ex = it < o.exaggeration_iterations ? o.exaggeration : 1.0;
    const double mom = it < 250 ? 0.5 : 0.8;
    double qsum = 0;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = i + 1; j < n; ++j) {
        double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
        double q = 1.0 / (1.0 + dx * dx + dy * dy);
        Q[i * n + j] = Q[j * n + i] = q;
        qsum += 2 * q;
      }
    std::fill(g.begin(), g.end(), 0.0);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        if (i == j) continue;
        double q = Q[i * n + j];
        double m = 4.0 * (ex * P[i * n + j] - q / qsum) * q;
        g[2 * i] += m * (y[2 * i] - y[2 * j]);
        g[2 * i + 1] += m * (y[2 * i + 1] - y[2 * j + 1]);
      }
    for (std::size_t k = 0; k < 2 * n; ++k) {
      gains[k] = (g[k] > 0) != (vel[k] > 0) ? gains[k] + 0.2 : std::max(0.01, gains[k] * 0.8);
      vel[k] = mom * vel[k] - lr * gains[k] * g[k];
      y[k] += vel[k];
    }
    double mx = 0, my = 0;
    for (std::size_t i = 0; i < n; ++i) mx += y[2 * i], my += y[2 * i + 1];
    mx /= double(n);
    my /= double(n);
    for (std::size_t i = 0; i < n; ++i) y[2 * i] -= mx, y[2 * i + 1] -= my;
  }
  return y;
}

}  // namespace qforge::models
