// Mottonen state preparation (stateprep.hpp).
#include "qforge/stateprep.hpp"

#include <cmath>
#include <stdexcept>
#include <type_traits>

namespace qforge {
namespace {

constexpr double kZero = 1e-14;

Operation cx(uint32_t c, uint32_t t) { return make_gate(GateId::CX, {c, t}); }

/// Uniformly controlled rotation `g` (RY or RZ) on `target` with controls
/// `controls` (bit j of the control value = qubit controls[j]): for control
/// value p the target gets g(alpha[p]). Gray-code decomposition. Angles are
/// numbers (double; zero rotations left out) or expressions (Expr; every
/// rotation kept, a fixed structure).
template <typename Angle>
void uniformly_controlled(GateId g, uint32_t target, const std::vector<uint32_t>& controls,
                          const std::vector<Angle>& alpha, std::vector<Operation>& out) {
  constexpr bool numeric = std::is_same_v<Angle, double>;
  const auto zero = [](const Angle& a) {
    if constexpr (numeric) return std::abs(a) <= kZero;
    else return false;
  };
  const std::size_t k = controls.size(), m = std::size_t(1) << k;
  bool any = false;
  for (const Angle& a : alpha) any |= !zero(a);
  if (!any) return;
  if (k == 0) {
    out.push_back(make_gate(g, {target}, {Expr(alpha[0])}));
    return;
  }
  // theta_i = 2^-k sum_p (-1)^{popcount(p & gray(i))} alpha_p
  std::vector<Angle> theta(m);
  for (std::size_t i = 0; i < m; ++i) {
    const std::size_t gi = i ^ (i >> 1);
    Angle s = alpha[0];
    for (std::size_t p = 1; p < m; ++p) s = (__builtin_popcountll(p & gi) & 1) ? s - alpha[p] : s + alpha[p];
    theta[i] = s / double(m);
  }
  for (std::size_t i = 0; i < m; ++i) {
    if (!zero(theta[i])) out.push_back(make_gate(g, {target}, {Expr(theta[i])}));
    const std::size_t gi = i ^ (i >> 1);
    const std::size_t next = i + 1 == m ? 0 : ((i + 1) ^ ((i + 1) >> 1));
    const unsigned bit = unsigned(__builtin_ctzll(gi ^ next));
    out.push_back(cx(controls[bit], target));
  }
  // Adjacent identical CX with nothing between them (zero angles) cancel.
  std::vector<Operation> tmp;
  for (auto& op : out) {
    if (!tmp.empty() && op.gate == GateId::CX && tmp.back().gate == GateId::CX &&
        tmp.back().qubits == op.qubits) {
      tmp.pop_back();
      continue;
    }
    tmp.push_back(std::move(op));
  }
  out = std::move(tmp);
}

/// The controls of the level of target qubit t: qubits t+1 .. n-1.
std::vector<uint32_t> level_controls(unsigned t, unsigned n) {
  std::vector<uint32_t> controls;
  for (unsigned q = t + 1; q < n; ++q) controls.push_back(q);
  return controls;
}

}  // namespace

std::vector<Operation> state_preparation_ops(const std::vector<cplx>& amplitudes, double& global_phase) {
  const std::size_t N = amplitudes.size();
  if (N < 2 || (N & (N - 1)) != 0)
    throw std::invalid_argument("state preparation needs 2^n amplitudes (n >= 1), got " + std::to_string(N));
  unsigned n = 0;
  while ((std::size_t(1) << n) < N) ++n;
  double norm = 0;
  bool real = true;
  for (const auto& a : amplitudes) {
    norm += std::norm(a);
    real &= a.imag() == 0.0;
  }
  norm = std::sqrt(norm);
  if (!(norm > 0)) throw std::invalid_argument("state preparation of the zero vector");
  std::vector<double> mag(N), ph(N);
  for (std::size_t i = 0; i < N; ++i) {
    const cplx a = amplitudes[i] / norm;
    mag[i] = std::abs(a);
    ph[i] = real ? 0.0 : std::arg(a);
  }
  std::vector<Operation> ops;
  // Level for target qubit t: prefix p = index >> (t + 1), controls t+1 .. n-1.
  // sq[t][node] = squared norm of the subtree with index >> t == node.
  for (int t = int(n) - 1; t >= 0; --t) {
    const std::size_t prefixes = std::size_t(1) << (n - 1 - t);
    const std::size_t span = std::size_t(1) << t;  // leaves per child subtree
    std::vector<double> ry(prefixes), rz(prefixes);
    for (std::size_t p = 0; p < prefixes; ++p) {
      const std::size_t base0 = (p << (t + 1)), base1 = base0 | span;
      if (real && t == 0) {
        // Signed amplitudes: cos(theta/2), sin(theta/2) take the signs.
        ry[p] = 2 * std::atan2(amplitudes[base1].real(), amplitudes[base0].real());
      } else {
        double s0 = 0, s1 = 0;
        for (std::size_t j = 0; j < span; ++j) {
          s0 += mag[base0 + j] * mag[base0 + j];
          s1 += mag[base1 + j] * mag[base1 + j];
        }
        ry[p] = 2 * std::atan2(std::sqrt(s1), std::sqrt(s0));
      }
      if (!real) {
        double f0 = 0, f1 = 0;
        for (std::size_t j = 0; j < span; ++j) {
          f0 += ph[base0 + j];
          f1 += ph[base1 + j];
        }
        rz[p] = (f1 - f0) / double(span);
      }
    }
    const std::vector<uint32_t> controls = level_controls(unsigned(t), n);
    uniformly_controlled(GateId::RY, uint32_t(t), controls, ry, ops);
    if (!real) uniformly_controlled(GateId::RZ, uint32_t(t), controls, rz, ops);
  }
  double mean = 0;
  for (double f : ph) mean += f;
  global_phase = real ? 0.0 : mean / double(N);
  return ops;
}

Circuit state_preparation_circuit(const std::vector<cplx>& amplitudes) {
  double phase = 0;
  Circuit c;
  c.ops = state_preparation_ops(amplitudes, phase);
  std::size_t N = amplitudes.size();
  while ((std::size_t(1) << c.num_qubits) < N) ++c.num_qubits;
  c.qregs.push_back(Register{"q", 0, c.num_qubits, true});
  c.global_phase = Expr(phase);
  return c;
}

std::vector<Operation> real_state_preparation_template(unsigned n, uint32_t first_symbol) {
  if (n < 1 || n > 20) throw std::invalid_argument("state preparation needs 1 to 20 qubits, got " + std::to_string(n));
  std::vector<Operation> ops;
  uint32_t next = first_symbol;
  for (int t = int(n) - 1; t >= 0; --t) {
    std::vector<Expr> alpha;
    for (std::size_t p = 0; p < (std::size_t(1) << (n - 1 - unsigned(t))); ++p) alpha.push_back(Expr::symbol(next++));
    uniformly_controlled(GateId::RY, uint32_t(t), level_controls(unsigned(t), n), alpha, ops);
  }
  return ops;
}

}  // namespace qforge
