// draw_labels.hpp - numbers and parameter expressions as the circuit drawers
// (text and SVG) show them (internal to the draw library).
#pragma once

#include "qforge/expr.hpp"

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace qforge::detail {

/// A number as a drawing shows it: `π/2`, `-3π/4`, else `digits`
/// significant digits.
inline std::string draw_number(double v, int digits) {
  if (v == 0) return "0";
  for (int d : {1, 2, 3, 4, 6, 8, 12, 16}) {
    double k = v * d / M_PI;
    double kr = std::round(k);
    if (kr == 0 || std::fabs(kr) > 64 || std::fabs(k - kr) > 1e-9) continue;
    long ki = static_cast<long>(std::fabs(kr));
    std::string s = kr < 0 ? "-" : "";
    if (ki != 1) s += std::to_string(ki);
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
