// Channels (see qforge/channel.hpp).
#include "qforge/channel.hpp"

#include <algorithm>
#include <cmath>

namespace qforge::sim {

double completeness_error(const Channel& channel) {
  const std::size_t d = std::size_t(1) << channel.qubits.size();
  double worst = 0;
  for (std::size_t r = 0; r < d; ++r)
    for (std::size_t c = 0; c < d; ++c) {
      std::complex<double> s = r == c ? -1.0 : 0.0;
      for (const auto& k : channel.kraus)
        for (std::size_t m = 0; m < d; ++m) s += std::conj(k[m * d + r]) * k[m * d + c];
      worst = std::max(worst, std::abs(s));
    }
  return worst;
}

}  // namespace qforge::sim
