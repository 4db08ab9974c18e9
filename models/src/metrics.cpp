// Classification metrics (see metrics.hpp). Torch-free.
#include "qforge/models/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace qforge::models {

ConfusionMatrix::ConfusionMatrix(int n) : counts_(n, std::vector<int64_t>(n, 0)) {}

void ConfusionMatrix::add(int t, int p, int64_t count) { counts_.at(t).at(p) += count; }

int64_t ConfusionMatrix::total() const {
  int64_t s = 0;
  for (const auto& r : counts_)
    for (auto v : r) s += v;
  return s;
}

double ConfusionMatrix::accuracy() const {
  int64_t t = total(), d = 0;
  for (int c = 0; c < num_classes(); ++c) d += counts_[c][c];
  return t ? double(d) / double(t) : 0.0;
}

double ConfusionMatrix::precision(int c) const {
  int64_t col = 0;
  for (int t = 0; t < num_classes(); ++t) col += counts_[t][c];
  return col ? double(counts_[c][c]) / double(col) : 0.0;
}

double ConfusionMatrix::recall(int c) const {
  int64_t row = 0;
  for (int p = 0; p < num_classes(); ++p) row += counts_[c][p];
  return row ? double(counts_[c][c]) / double(row) : 0.0;
}

double ConfusionMatrix::f1(int c) const {
  double p = precision(c), r = recall(c);
  return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

#define QF_MACRO(fn)                                            \
  double ConfusionMatrix::macro_##fn() const {                  \
    if (num_classes() == 0) return 0.0;                         \
    double s = 0;                                               \
    for (int c = 0; c < num_classes(); ++c) s += fn(c);         \
    return s / num_classes();                                   \
  }
QF_MACRO(precision)
QF_MACRO(recall)
QF_MACRO(f1)
#undef QF_MACRO

std::string ConfusionMatrix::format(const std::vector<std::string>& names) const {
  int n = num_classes();
  auto name = [&](int c) { return c < int(names.size()) ? names[c] : std::to_string(c); };
  std::size_t w = 6;
  for (int c = 0; c < n; ++c) w = std::max(w, name(c).size() + 1);
  for (const auto& r : counts_)
    for (auto v : r) w = std::max(w, std::to_string(v).size() + 1);
  auto pad = [&](const std::string& s) { return std::string(w - std::min(w, s.size()), ' ') + s; };
  std::ostringstream o;
  o << pad("t\\p");
  for (int c = 0; c < n; ++c) o << pad(name(c));
  o << "\n";
  for (int t = 0; t < n; ++t) {
    o << pad(name(t));
    for (int p = 0; p < n; ++p) o << pad(std::to_string(counts_[t][p]));
    o << "\n";
  }
  return o.str();
}

int first_epoch_reaching(const std::vector<double>& v, double threshold) {
  for (std::size_t i = 0; i < v.size(); ++i)
    if (v[i] >= threshold) return int(i) + 1;
  return 0;
}

double convergence_gain(int a, int b) {
  if (b == 0) return std::numeric_limits<double>::quiet_NaN();
  return double(b - a) / double(b);
}

}  // namespace qforge::models
