// qforge/models/metrics.hpp - classification metrics from a confusion matrix.
// Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace qforge::models {

/// counts[t][p]: images of true class t predicted as p.
class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(int num_classes = 0);
  void add(int truth, int predicted, int64_t count = 1);
  int num_classes() const { return int(counts_.size()); }
  int64_t at(int truth, int predicted) const { return counts_[truth][predicted]; }
  int64_t total() const;

  double accuracy() const;           ///< 0 for an empty matrix
  /// Per class; 0 when undefined (no prediction / no image of the class).
  double precision(int c) const;
  double recall(int c) const;
  double f1(int c) const;
  /// Unweighted means over all classes.
  double macro_precision() const;
  double macro_recall() const;
  double macro_f1() const;

  /// Aligned text table (rows: truth, columns: predicted).
  std::string format(const std::vector<std::string>& class_names = {}) const;

 private:
  std::vector<std::vector<int64_t>> counts_;
};

/// First epoch (1-based) whose value reaches `threshold`; 0 when none does.
int first_epoch_reaching(const std::vector<double>& per_epoch, double threshold);

/// Convergence-speed gain of A over B: (E_B - E_A) / E_B; NaN when E_B is 0.
double convergence_gain(int epochs_a, int epochs_b);

}  // namespace qforge::models
