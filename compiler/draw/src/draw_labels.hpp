// draw_labels.hpp - numbers and parameter expressions as the circuit drawers
// (text and SVG) show them (internal to the draw library).
#pragma once

#include "qforge/expr.hpp"

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace qforge::detail {

/// A number as a drawing shows it: `π/2`, `-3π/4` (within 1e-9, see
/// pi_fraction), else `digits` significant digits.
inline std::string draw_number(double v, int digits) {
  if (v == 0) return "0";
  long k = 0;
  int d = 1;
  if (pi_fraction(v, false, k, d)) {
    std::string s = k < 0 ? "-" : "";
    if (std::labs(k) != 1) s += std::to_string(std::labs(k));
    s += "π";
    if (d != 1) s += "/" + std::to_string(d);
    return s;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

/// A parameter expression with drawing numbers.
inline std::string draw_expr(const Expr& e, const std::vector<std::string>& names, int digits) {
  return e.to_text(names, [digits](double v) { return draw_number(v, digits); });
}

}  // namespace qforge::detail
