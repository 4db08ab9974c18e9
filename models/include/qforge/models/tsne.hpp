// qforge/models/tsne.hpp - 2-D views of feature vectors: PCA and exact t-SNE
// (van der Maaten & Hinton 2008: perplexity-calibrated Gaussian affinities,
// Student-t similarities, early exaggeration, momentum with per-coordinate
// gains). Torch-free; O(n^2) per iteration, meant for up to a few thousand
// points. Deterministic in the seed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qforge::models {

struct Pca {
  std::size_t dims = 0, components = 0;
  std::vector<double> mean;          ///< dims
  std::vector<double> axes;          ///< components x dims, unit rows
  std::vector<double> variance;      ///< per component
  double total_variance = 0;
  std::vector<double> projected;     ///< n x components
};
/// PCA of the n x d row-major `x` (power iteration with deflation on the
/// covariance). Each axis's sign is fixed so its largest |entry| is positive.
Pca pca(const std::vector<double>& x, std::size_t n, std::size_t d, std::size_t components = 2);

struct TsneOptions {
  double perplexity = 30;            ///< clamped to (n - 1) / 3
  int iterations = 750;
  double learning_rate = 0;          ///< 0: max(n / exaggeration / 4, 50) (scikit-learn's auto)
  double exaggeration = 12;
  int exaggeration_iterations = 250;
  uint64_t seed = 0;
};
/// n x 2 embedding (row-major) of the n x d row-major `x`.
std::vector<double> tsne(const std::vector<double>& x, std::size_t n, std::size_t d,
                         const TsneOptions& options = {});

}  // namespace qforge::models
