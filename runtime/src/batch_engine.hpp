// batch_engine.hpp - the batched engine behind BatchCircuit (batch.cpp) and
// NoisyBatchCircuit (noisy_batch.cpp): parameter evaluation, gate blocks and
// their derivatives, initial states, readouts and their bras, the chain rule
// to the symbols, and the split of a batch over threads. One implementation,
// shared: the noisy engine runs the same compiled ops on vec(rho).
#pragma once

#include "qforge/batch.hpp"
#include "qforge/kernels.hpp"
#include "program.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <random>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace qforge::sim {
namespace batch_detail {

constexpr int kStackSize = 128;
constexpr double kPi = 3.14159265358979323846;
using cd = std::complex<double>;
using detail::splitmix;

[[noreturn]] inline void fail(const std::string& msg) { throw std::invalid_argument(msg); }

/// A buffer an entry point checks: its name, expected and actual sizes, and
/// whether it may be empty.
struct SizeCheck {
  const char* what;
  std::size_t expected, actual;
  bool optional;
};

/// Throw std::invalid_argument "<who>: <what> has A elements, expected E."
/// for the first buffer of `checks` with the wrong size.
inline void check_sizes(const char* who, std::initializer_list<SizeCheck> checks) {
  for (const SizeCheck& c : checks) {
    if (c.optional && c.actual == 0) continue;
    if (c.expected != c.actual)
      fail(std::string(who) + ": " + c.what + " has " + std::to_string(c.actual) + " elements, expected " +
           std::to_string(c.expected) + ".");
  }
}

}  // namespace batch_detail

using namespace batch_detail;  // NOLINT: the engine's own helpers

/// Room for 2^n doubles: on the stack when small (the 4-qubit layer runs
/// millions of times), else on the heap.
class DoubleScratch {
 public:
  explicit DoubleScratch(std::size_t size) {
    if (size > kLocal) heap_.resize(size);
  }
  double* data() { return heap_.empty() ? local_ : heap_.data(); }

 private:
  static constexpr std::size_t kLocal = 1024;
  double local_[kLocal];
  std::vector<double> heap_;
};

/// out[q] = sum_i p_i (bit q of i ? -1 : 1) for q < n, in 2 * 2^n additions
/// rather than n * 2^n, divided by `divisor`: the top qubit's is (lower half - upper half) of p,
/// and folding the upper half onto the lower one leaves the distribution of
/// the other qubits. p (2^n entries) is overwritten.
template <typename FP>
inline void z_expectations(double* p, unsigned n, FP* out, double divisor = 1) {
  for (unsigned q = n; q-- > 0;) {
    const std::size_t half = std::size_t(1) << q;
    double lo = 0, hi = 0;
    for (std::size_t i = 0; i < half; ++i) {
      lo += p[i];
      hi += p[i + half];
      p[i] += p[i + half];
    }
    out[q] = FP((lo - hi) / divisor);
  }
}

/// w[i] = sum_q g_q (bit q of i ? -1 : 1) for i < 2^n, one subtraction each.
template <typename FP>
inline void z_weights(const FP* g, unsigned n, double* w) {
  w[0] = 0;
  for (unsigned q = 0; q < n; ++q) w[0] += double(g[q]);
  for (unsigned q = 0; q < n; ++q) {
    const std::size_t half = std::size_t(1) << q;
    const double d = 2 * double(g[q]);
    for (std::size_t i = 0; i < half; ++i) w[i + half] = w[i] - d;
  }
}

/// From this many qubits on, each symbol-dependent step of the adjoint
/// sweep runs sample by sample in vector lanes (adjoint_step); below, on all
/// samples of a chunk at once through the gate's block index table.
constexpr unsigned kLaneStepQubits = 6;
/// Up to this many qubits the forward pass applies a chain's product
/// through an op's index table (BlockGate), beyond it by the vectorised
/// one-qubit kernels (measured: the table is 1.2-1.4x faster at 8-9
/// qubits, 0.75-0.9x as fast at 10-11).
constexpr unsigned kChainTableQubits = 9;

template <typename FP>
struct BatchEngine {
  using C = std::complex<FP>;
  const BatchCircuit& bc;
  const unsigned n;
  const std::size_t dim, P;

  explicit BatchEngine(const BatchCircuit& c)
      : bc(c), n(c.num_qubits_), dim(std::size_t(1) << c.num_qubits_), P(c.params_.size()) {}

  // Evaluate every gate parameter of one sample.
  void eval_params(const FP* inputs, double* sym, double* vals) const {
    for (uint32_t s = 0; s < bc.num_symbols_; ++s) sym[s] = double(inputs[s]);
    for (std::size_t p = 0; p < P; ++p) vals[p] = bc.eval(bc.params_[p].code, sym);
  }

  // Block of every sample of [0, nb) (vals: nb rows of P values) into m,
  // one block_size() apart; derivs (optional): for each sample, num_params
  // derivative blocks, in double.
  static void blocks_of(const BatchCircuit::Op& op, std::size_t nb, const double* vals, std::size_t P, C* m,
                        cd* derivs = nullptr) {
    const std::size_t bs = op.block.block_size();
    for (std::size_t b = 0; b < nb; ++b) {
      cd* d = derivs ? derivs + b * op.num_params * bs : nullptr;
      if constexpr (std::is_same_v<FP, double>) {
        gate_block(op.gate, vals + b * P + op.first_param, m + b * bs, d);
      } else {
        cd md[16];
        gate_block(op.gate, vals + b * P + op.first_param, md, d);
        for (std::size_t i = 0; i < bs; ++i) m[b * bs + i] = C(FP(md[i].real()), FP(md[i].imag()));
      }
    }
  }
  // Whether the op's derivative blocks d (blocks_of; num_params x its
  // block) are all real, as ry's: the gradient then reads only the real
  // parts of the step's density (adjoint_step's re_density).
  static bool real_derivs(const BatchCircuit::Op& op, const cd* d) {
    const std::size_t count = op.num_params * op.block.block_size();
    for (std::size_t i = 0; i < count; ++i)
      if (d[i].imag() != 0) return false;
    return true;
  }
  // A constant op's block in FP (converted once, when the op was compiled).
  static const C* const_block(const BatchCircuit::Op& op) {
    if constexpr (std::is_same_v<FP, double>) return op.matrix;
    else return op.matrix32;
  }

  // psi <- U psi for nb consecutive samples (vals: their parameter rows).
  void apply_op(C* psi, std::size_t nb, const BatchCircuit::Op& op, const double* vals, C* mbuf) const {
    if (!op.parametric) {
      apply_block_batch<FP>(psi, nb, op.block, const_block(op), 0);
      return;
    }
    blocks_of(op, nb, vals, P, mbuf);
    apply_block_batch<FP>(psi, nb, op.block, mbuf, op.block.block_size());
  }

  void init_state(C* psi, const FP* feat) const {
    std::fill(psi, psi + dim, C(0));
    if (!feat) {
      psi[0] = 1;
      return;
    }
    double norm = 0;
    for (std::size_t i = 0; i < bc.num_features_; ++i) norm += double(feat[i]) * double(feat[i]);
    const double inv = 1 / std::sqrt(norm);
    for (std::size_t i = 0; i < bc.num_features_; ++i) psi[i] = C(FP(double(feat[i]) * inv), 0);
  }

  // <psi| P |psi> of one Pauli term without its coefficient, and P psi.
  static double pauli_sign(uint64_t i, uint64_t zy) { return (__builtin_popcountll(i & zy) & 1) ? -1.0 : 1.0; }
  static cd ipow(int k) {
    switch (k & 3) {
      case 0: return {1, 0};
      case 1: return {0, 1};
      case 2: return {-1, 0};
      default: return {0, -1};
    }
  }
  double term_expectation(const C* psi, const PauliTerm& t) const {
    const uint64_t flip = t.x_mask | t.y_mask, zy = t.z_mask | t.y_mask;
    const cd ph = ipow(__builtin_popcountll(t.y_mask));
    cd acc = 0;
    for (uint64_t j = 0; j < dim; ++j) {
      const uint64_t i = j ^ flip;
      acc += std::conj(cd(psi[j])) * cd(psi[i]) * pauli_sign(i, zy);
    }
    return (ph * acc).real();
  }

  // Exact readout of one sample.
  void readout(const C* psi, FP* out) const {
    readout_with(
        out, [&](std::size_t i) { return std::norm(psi[i]); },
        [&](const PauliTerm& t) { return term_expectation(psi, t); });
  }

  // The readout from prob(i), the probability of basis state i, and term(t),
  // the expectation of Pauli term t without its coefficient (the pure state
  // above; vec(rho) in the noisy engine).
  template <typename Prob, typename Term>
  void readout_with(FP* out, Prob&& prob, Term&& term) const {
    const Readout& ro = bc.options_.readout;
    switch (ro.kind) {
      case ReadoutKind::ExpectationZ: {
        DoubleScratch scratch(dim);
        double* p = scratch.data();
        for (std::size_t i = 0; i < dim; ++i) p[i] = prob(i);
        z_expectations(p, n, out);
        break;
      }
      case ReadoutKind::Observables:
        for (std::size_t k = 0; k < ro.observables.size(); ++k) {
          double e = 0;
          for (const auto& t : ro.observables[k].terms)
            e += t.coefficient * ((t.x_mask | t.y_mask | t.z_mask) ? term(t) : 1.0);
          out[k] = FP(e);
        }
        break;
      case ReadoutKind::Probabilities:
        for (std::size_t i = 0; i < dim; ++i) out[i] = FP(prob(i));
        break;
      case ReadoutKind::Marginals: {
        const std::size_t m = std::size_t(1) << ro.qubits.size();
        std::fill(out, out + m, FP(0));
        for (std::size_t i = 0; i < dim; ++i) out[marginal_index(i)] += FP(prob(i));
        break;
      }
    }
  }

  std::size_t marginal_index(std::size_t i) const {
    const auto& qs = bc.options_.readout.qubits;
    std::size_t r = 0;
    for (std::size_t k = 0; k < qs.size(); ++k) r |= (i >> qs[k] & 1) << k;
    return r;
  }

  // Shot-sampled readout of one sample.
  void readout_sampled(const C* psi, FP* out, uint64_t shots, std::mt19937_64& rng, double* counts) const {
    const Readout& ro = bc.options_.readout;
    bool need_joint = ro.kind != ReadoutKind::Observables;
    if (!need_joint)
      for (const auto& o : ro.observables)
        for (const auto& t : o.terms)
          if (!(t.x_mask | t.y_mask) && t.z_mask) need_joint = true;
    const double S = double(shots);
    if (need_joint) {
      // Multinomial counts over the basis states (sequential binomials).
      double rest = 0;
      for (std::size_t i = 0; i < dim; ++i) rest += std::norm(cd(psi[i]));
      uint64_t left = shots;
      for (std::size_t i = 0; i < dim; ++i) {
        const double p = std::norm(cd(psi[i]));
        uint64_t c = 0;
        if (left > 0 && p > 0) {
          const double q = rest > 0 ? std::min(1.0, p / rest) : 1.0;
          c = q >= 1.0 ? left : std::binomial_distribution<uint64_t>(left, q)(rng);
        }
        counts[i] = double(c);
        left -= c;
        rest -= p;
      }
    }
    switch (ro.kind) {
      case ReadoutKind::ExpectationZ:
        z_expectations(counts, n, out, S);  // counts are not needed after this
        break;
      case ReadoutKind::Probabilities:
        for (std::size_t i = 0; i < dim; ++i) out[i] = FP(counts[i] / S);
        break;
      case ReadoutKind::Marginals: {
        const std::size_t m = std::size_t(1) << ro.qubits.size();
        std::fill(out, out + m, FP(0));
        for (std::size_t i = 0; i < dim; ++i) out[marginal_index(i)] += FP(counts[i] / S);
        break;
      }
      case ReadoutKind::Observables:
        for (std::size_t k = 0; k < ro.observables.size(); ++k) {
          double e = 0;
          for (const auto& t : ro.observables[k].terms) {
            if (!(t.x_mask | t.y_mask | t.z_mask)) {
              e += t.coefficient;
            } else if (!(t.x_mask | t.y_mask)) {
              double acc = 0;
              for (std::size_t i = 0; i < dim; ++i) acc += counts[i] * pauli_sign(i, t.z_mask);
              e += t.coefficient * acc / S;
            } else {
              // Measured in its own eigenbasis: each shot reads +-1.
              const double ex = std::clamp(term_expectation(psi, t), -1.0, 1.0);
              const uint64_t plus = std::binomial_distribution<uint64_t>(shots, (1 + ex) / 2)(rng);
              e += t.coefficient * (2.0 * double(plus) / S - 1.0);
            }
          }
          out[k] = FP(e);
        }
        break;
    }
  }

  // lam <- sum_k g_k O_k psi (the bra of the vector-Jacobian product).
  void bra(const C* psi, const FP* g, C* lam) const {
    const Readout& ro = bc.options_.readout;
    switch (ro.kind) {
      case ReadoutKind::ExpectationZ: {
        DoubleScratch scratch(dim);
        double* w = scratch.data();
        z_weights(g, n, w);
        for (std::size_t i = 0; i < dim; ++i) lam[i] = psi[i] * FP(w[i]);
        break;
      }
      case ReadoutKind::Probabilities:
        for (std::size_t i = 0; i < dim; ++i) lam[i] = psi[i] * g[i];
        break;
      case ReadoutKind::Marginals:
        for (std::size_t i = 0; i < dim; ++i) lam[i] = psi[i] * g[marginal_index(i)];
        break;
      case ReadoutKind::Observables:
        std::fill(lam, lam + dim, C(0));
        for (std::size_t k = 0; k < ro.observables.size(); ++k) {
          if (g[k] == FP(0)) continue;
          for (const auto& t : ro.observables[k].terms) {
            const uint64_t flip = t.x_mask | t.y_mask, zy = t.z_mask | t.y_mask;
            const cd ph = ipow(__builtin_popcountll(t.y_mask)) * (t.coefficient * double(g[k]));
            const C phf(FP(ph.real()), FP(ph.imag()));
            for (uint64_t j = 0; j < dim; ++j) {
              const uint64_t i = j ^ flip;
              lam[j] += phf * psi[i] * FP(pauli_sign(i, zy));
            }
          }
        }
        break;
    }
  }

  // Run one sample from scratch with given gate-parameter values.
  void run_one(const double* vals, const FP* feat, C* psi) const {
    init_state(psi, feat);
    C m[16];
    for (const auto& op : bc.ops_) apply_op(psi, 1, op, vals, m);
  }

  // Forward over samples [b0, b1) of the batch.
  void forward_chunk(std::size_t b0, std::size_t b1, const FP* inputs, const FP* features, FP* outputs,
                     C* states, const ShotOptions& shots) const {
    const std::size_t nb = b1 - b0;
    std::vector<double> vals(nb * P), sym(bc.num_symbols_ + 1);
    for (std::size_t b = 0; b < nb; ++b) eval_params(inputs + (b0 + b) * bc.num_symbols_, sym.data(), &vals[b * P]);
    for (std::size_t b = 0; b < nb; ++b)
      init_state(states + b * dim, features ? features + (b0 + b) * bc.num_features_ : nullptr);
    // Each gate on every sample of the chunk in one kernel call.
    std::vector<C> mbuf(nb * 16);
    run_fused(states, nb, vals.data(), mbuf.data());
    std::vector<double> counts(shots.shots ? dim : 0);
    for (std::size_t b = 0; b < nb; ++b) {
      FP* out = outputs + (b0 + b) * bc.num_outputs_;
      if (shots.shots) {
        std::mt19937_64 rng(splitmix(shots.seed ^ splitmix(b0 + b)));
        readout_sampled(states + b * dim, out, shots.shots, rng, counts.data());
      } else {
        readout(states + b * dim, out);
      }
    }
  }

  void chain_rule(const double* gp, const double* sym, FP* grad_in) const {
    std::fill(grad_in, grad_in + bc.num_symbols_, FP(0));
    std::vector<double> acc;  // small: symbols
    double* a = nullptr;
    double local[256];
    if (bc.num_symbols_ <= 256) {
      a = local;
    } else {
      acc.resize(bc.num_symbols_);
      a = acc.data();
    }
    std::fill(a, a + bc.num_symbols_, 0.0);
    for (std::size_t p = 0; p < P; ++p) {
      const auto& pr = bc.params_[p];
      if (gp[p] == 0) continue;
      for (uint32_t d = pr.deriv_begin; d < pr.deriv_end; ++d) {
        const auto& dv = bc.derivs_[d];
        a[dv.symbol] += gp[p] * bc.eval(dv.code, sym);
      }
    }
    for (uint32_t s = 0; s < bc.num_symbols_; ++s) grad_in[s] = FP(a[s]);
  }

  void feature_grad(const C* lam, const FP* feat, FP* gf) const {
    // psi0 = a / |a|: dL/da = (g - psi0 (psi0 . g)) / |a|, g = 2 Re lam.
    const std::size_t k = bc.num_features_;
    double norm = 0, dot = 0;
    for (std::size_t i = 0; i < k; ++i) norm += double(feat[i]) * double(feat[i]);
    norm = std::sqrt(norm);
    for (std::size_t i = 0; i < k; ++i) dot += 2 * double(lam[i].real()) * double(feat[i]) / norm;
    for (std::size_t i = 0; i < k; ++i)
      gf[i] = FP((2 * double(lam[i].real()) - double(feat[i]) / norm * dot) / norm);
  }

  // gp[b][p] += dL/dp = 2 Re tr(R_b^T dU/dp) = 2 Re sum_q dU_q R_q for every
  // symbol-dependent parameter p of `op` and sample b < nb, from the block
  // densities R (adjoint_block_batch) and the derivative blocks dbuf
  // (blocks_of).
  void accumulate(const BatchCircuit::Op& op, std::size_t nb, const cd* dbuf, const C* R, double* gp) const {
    const std::size_t bs = op.block.block_size();
    for (std::size_t b = 0; b < nb; ++b)
      for (unsigned k = 0; k < op.num_params; ++k) {
        if (bc.params_[op.first_param + k].code.is_const) continue;
        const cd* dm = &dbuf[(b * op.num_params + k) * bs];
        const C* Rb = &R[b * bs];
        double acc = 0;
        for (std::size_t q = 0; q < bs; ++q)
          acc += dm[q].real() * double(Rb[q].real()) - dm[q].imag() * double(Rb[q].imag());
        gp[b * P + op.first_param + k] += 2 * acc;
      }
  }

  // psi <- every op applied to the nb states in order; extra(pos) runs after
  // op pos - 1 (pos = 0 before the first, pos = num ops after the last): the
  // place for steps between the gates (a trajectory's Kraus unitaries).
  template <typename Extra>
  void run_ops(C* psi, std::size_t nb, const double* vals, C* mbuf, Extra&& extra) const {
    extra(std::size_t(0));
    for (std::size_t j = 0; j < bc.ops_.size(); ++j) {
      apply_op(psi, nb, bc.ops_[j], vals, mbuf);
      extra(j + 1);
    }
  }

  // The reverse sweep: for each op j from the last down to `stop`, unextra(j + 1)
  // un-applies what extra(j + 1) applied, then the op is un-applied from psi
  // and lam, with gp[b][p] += dL/dp for its parameters; unextra(0) ends it
  // when stop is 0. mbuf, R: nb x 16; dbuf: nb x 64.
  template <typename Unextra>
  void sweep(C* psi, C* lam, std::size_t nb, const double* vals, double* gp, std::size_t stop, C* mbuf, C* R,
             cd* dbuf, Unextra&& unextra) const {
    for (std::size_t j = bc.ops_.size(); j-- > stop;) {
      unextra(j + 1);
      unapply_op(psi, lam, nb, bc.ops_[j], vals, gp, mbuf, R, dbuf);
    }
    if (stop == 0) unextra(std::size_t(0));
  }

  // One step of the sweep: `op` un-applied from psi and lam, with
  // gp[b][p] += dL/dp for its parameters.
  void unapply_op(C* psi, C* lam, std::size_t nb, const BatchCircuit::Op& op, const double* vals, double* gp,
                  C* mbuf, C* R, cd* dbuf) const {
    if (!op.parametric) {
      adjoint_block_batch<FP>(psi, lam, nb, op.block, const_block(op), 0, nullptr);
      return;
    }
    const std::size_t bs = op.block.block_size();
    blocks_of(op, nb, vals, P, mbuf, dbuf);
    std::fill(R, R + nb * bs, C(0));
    if (n >= kLaneStepQubits) {
      // A large state: the step in vector lanes, one sample at a time.
      for (std::size_t b = 0; b < nb; ++b)
        adjoint_step<FP>(psi + b * dim, lam + b * dim, op.block, mbuf + b * bs, R + b * bs,
                         real_derivs(op, dbuf + b * op.num_params * bs));
    } else {
      adjoint_block_batch<FP>(psi, lam, nb, op.block, mbuf, bs, R);
    }
    accumulate(op, nb, dbuf, R, gp);
  }

  // run_ops without steps between the gates, each fused run of constant
  // ops (BatchCircuit::fused_) applied as its blocks, each chain of
  // one-qubit ops on the same qubit (the sweep's chains, in circuit order:
  // BatchCircuit::forward_chain_end_) as the product of its blocks.
  void run_fused(C* psi, std::size_t nb, const double* vals, C* mbuf) const {
    auto fr = bc.fused_.begin();
    for (std::size_t j = 0; j < bc.ops_.size();) {
      if (fr != bc.fused_.end() && fr->begin == j) {
        for (std::size_t b = 0; b < nb; ++b)
          for (const GateOp& g : fr->blocks) apply<FP>(psi + b * dim, n, g);
        j = fr->end;
        ++fr;
        continue;
      }
      if (!bc.forward_chain_end_.empty() && bc.forward_chain_end_[j] > j + 1) {
        const std::size_t e = bc.forward_chain_end_[j];
        for (std::size_t b = 0; b < nb; ++b) apply_chain(psi + b * dim, vals + b * P, j, e);
        j = e;
        continue;
      }
      apply_op(psi, nb, bc.ops_[j], vals, mbuf);
      ++j;
    }
  }

  // ops_[first, end), one-qubit ops without controls on the same qubit,
  // applied to one sample's psi as one 2x2 block: their product (in
  // double), diagonal when all of them are; up to kChainTableQubits
  // through the index table of one of the ops' BlockGates.
  void apply_chain(C* psi, const double* vals, std::size_t first, std::size_t end) const {
    cd prod[4] = {1, 0, 0, 1};
    const BlockGate* diag = &bc.ops_[first].block;
    const BlockGate* dense = nullptr;
    for (std::size_t j = first; j < end; ++j) {
      const BatchCircuit::Op& op = bc.ops_[j];
      C mb[16];
      const C* m = op.parametric ? mb : const_block(op);
      if (op.parametric) blocks_of(op, 1, vals, P, mb);
      if (op.block.kind != BlockKind::Diagonal) diag = nullptr;
      if (op.block.kind == BlockKind::Dense) dense = &op.block;
      const cd u[4] = {cd(m[0]), cd(m[1]), cd(m[2]), cd(m[3])};
      const cd p[4] = {prod[0], prod[1], prod[2], prod[3]};
      for (unsigned r = 0; r < 2; ++r)
        for (unsigned c = 0; c < 2; ++c) prod[r * 2 + c] = u[r * 2] * p[c] + u[r * 2 + 1] * p[2 + c];
    }
    const C m[4] = {C(prod[0]), C(prod[1]), C(prod[2]), C(prod[3])};
    if (n <= kChainTableQubits && (diag || dense)) return apply_block_batch<FP>(psi, 1, diag ? *diag : *dense, m, 0);
    const unsigned t = bc.ops_[first].block.targets[0];
    if (diag) {
      const C d[2] = {m[0], m[3]};
      return apply_diagonal<FP>(psi, n, &t, 1, d, 0);
    }
    apply_dense<FP>(psi, n, &t, 1, m, 0);
  }

  // Scratch of the tiled runs of the sweep: the blocks, derivative blocks
  // and each tile's densities of a run's symbol-dependent steps.
  struct TileScratch {
    std::vector<C> m, R;
    std::vector<cd> d;
  };

  // sweep without steps between the gates (BatchCircuit::sweep_): each
  // fused run undone by its inverse blocks on psi and lam, each run of
  // steps on low qubits tile by tile (sweep_tiles).
  void sweep_fused(C* psi, C* lam, std::size_t nb, const double* vals, double* gp, std::size_t stop, C* mbuf,
                   C* R, cd* dbuf, TileScratch& ts) const {
    const auto& steps = bc.sweep_;
    std::size_t end = 0;
    while (end < steps.size() && steps[end].op >= stop) ++end;
    for (std::size_t s = 0; s < end;) {
      const BatchCircuit::SweepStep& st = steps[s];
      const std::size_t e = std::min(st.tile_end, end);
      if (e > s + 1) {
        sweep_tiles(psi, lam, nb, vals, gp, s, e, ts);
        s = e;
        continue;
      }
      const std::size_t c = std::min(st.chain_end, end);
      if (c > s + 1) {
        for (std::size_t b = 0; b < nb; ++b) unapply_chain(psi + b * dim, lam + b * dim, vals + b * P, gp + b * P, s, c);
        s = c;
        continue;
      }
      if (st.fused >= 0) {
        const GateOp& g = bc.fused_[std::size_t(st.fused)].inverse[st.block];
        for (std::size_t b = 0; b < nb; ++b) {
          apply<FP>(psi + b * dim, n, g);
          apply<FP>(lam + b * dim, n, g);
        }
      } else {
        unapply_op(psi, lam, nb, bc.ops_[st.op], vals, gp, mbuf, R, dbuf);
      }
      ++s;
    }
  }

  // The chain [first, end) of sweep_ (SweepStep::chain_end) on psi and lam
  // of nq qubits (a whole state or a tile), one adjoint_chain call (a CX
  // first in the chain: its control): m, d hold the blocks and derivative
  // blocks of its symbol-dependent steps in order (16 and 64 apart,
  // blocks_of), R receives their densities (16 apart, added to). Returns
  // the number of symbol-dependent steps.
  std::size_t chain_step(C* psi, C* lam, unsigned nq, std::size_t first, std::size_t end, const C* m, const cd* d,
                         C* R) const {
    ChainStep<FP> cs[kMaxChainSteps];
    const int control = bc.sweep_[first].chain_control;
    if (control >= 0 && ++first == end) {  // the chain cut after its CX (the sweep's stop)
      adjoint_chain<FP>(psi, lam, nq, unsigned(bc.step_cx(bc.sweep_[first - 1]).first), cs, 0, control);
      return 0;
    }
    // The chain's qubit (the same on a tile: its qubits are the low ones).
    const unsigned target = bc.ops_[bc.sweep_[first].op].block.targets[0];
    std::size_t q = 0;
    for (std::size_t s = first; s < end; ++s) {
      const BatchCircuit::Op& op = bc.ops_[bc.sweep_[s].op];
      ChainStep<FP>& c = cs[s - first];
      c.kind = op.block.kind;
      if (!op.parametric) {
        c.m = const_block(op);
        continue;
      }
      c.m = m + q * 16;
      c.R = R + q * 16;
      c.re_density = real_derivs(op, d + q * 64);
      ++q;
    }
    adjoint_chain<FP>(psi, lam, nq, target, cs, unsigned(end - first), control);
    return q;
  }

  // The chain [first, end) of sweep_ un-applied from one sample's psi and
  // lam in one pass, with gp[p] += dL/dp for its parameters (vals: the
  // sample's parameter values).
  void unapply_chain(C* psi, C* lam, const double* vals, double* gp, std::size_t first, std::size_t end) const {
    C m[kMaxChainSteps * 16], R[kMaxChainSteps * 16] = {};
    cd d[kMaxChainSteps * 64];
    std::size_t np = 0;
    for (std::size_t s = first; s < end; ++s) {
      const BatchCircuit::Op& op = bc.ops_[bc.sweep_[s].op];
      if (!op.parametric) continue;
      blocks_of(op, 1, vals, P, &m[np * 16], &d[np * 64]);
      ++np;
    }
    chain_step(psi, lam, n, first, end, m, d, R);
    std::size_t q = 0;
    for (std::size_t s = first; s < end; ++s) {
      const BatchCircuit::Op& op = bc.ops_[bc.sweep_[s].op];
      if (!op.parametric) continue;
      accumulate(op, 1, &d[q * 64], &R[q * 16], gp);
      ++q;
    }
  }

  // Steps [first, end) of sweep_, all on qubits below k = sweep_tile_qubits,
  // tile by tile: every step on amplitudes [t 2^k, (t + 1) 2^k) of psi and
  // lam, then tile t + 1 (the tiles split over the threads). The density of
  // each symbol-dependent step is summed per tile and the tiles' sums added
  // in tile order: the same on any thread count.
  void sweep_tiles(C* psi, C* lam, std::size_t nb, const double* vals, double* gp, std::size_t first,
                   std::size_t end, TileScratch& ts) const {
    const unsigned k = bc.options_.sweep_tile_qubits;
    const std::size_t tile = std::size_t(1) << k, ntiles = dim >> k;
    const auto& steps = bc.sweep_;
    for (std::size_t b = 0; b < nb; ++b) {
      C* const ps = psi + b * dim;
      C* const ls = lam + b * dim;
      std::size_t np = 0;
      for (std::size_t s = first; s < end; ++s) {
        const auto& op = bc.ops_[steps[s].op];
        if (steps[s].fused >= 0 || !op.parametric) continue;
        blocks_of(op, 1, vals + b * P, P, &ts.m[np * 16], &ts.d[np * 64]);
        ++np;
      }
      C* const Rt = ts.R.data();
      std::fill(Rt, Rt + ntiles * np * 16, C(0));
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (ntiles >= 2 && omp_get_max_threads() > 1 && !omp_in_parallel())
#endif
      for (int64_t t = 0; t < int64_t(ntiles); ++t) {
        C* const pt = ps + std::size_t(t) * tile;
        C* const lt = ls + std::size_t(t) * tile;
        std::size_t q = 0;
        for (std::size_t s = first; s < end; ++s) {
          const BatchCircuit::SweepStep& st = steps[s];
          if (st.chain_end > s + 1) {  // a chain: one pass over the tile
            const std::size_t c = std::min(st.chain_end, end);
            q += chain_step(pt, lt, k, s, c, &ts.m[q * 16], &ts.d[q * 64], &Rt[(std::size_t(t) * np + q) * 16]);
            s = c - 1;
            continue;
          }
          if (st.fused >= 0) {
            const GateOp& g = bc.fused_[std::size_t(st.fused)].inverse[st.block];
            apply<FP>(pt, k, g);
            apply<FP>(lt, k, g);
          } else if (!bc.ops_[st.op].parametric) {
            adjoint_block_batch<FP>(pt, lt, 1, st.tile_gate, const_block(bc.ops_[st.op]), 0, nullptr);
          } else {
            adjoint_step<FP>(pt, lt, st.tile_gate, &ts.m[q * 16], &Rt[(std::size_t(t) * np + q) * 16],
                             real_derivs(bc.ops_[st.op], &ts.d[q * 64]));
            ++q;
          }
        }
      }
      std::size_t q = 0;
      for (std::size_t s = first; s < end; ++s) {
        const auto& op = bc.ops_[steps[s].op];
        if (steps[s].fused >= 0 || !op.parametric) continue;
        C Rq[16];
        for (unsigned i = 0; i < 16; ++i) {
          cd sum = 0;
          for (std::size_t t = 0; t < ntiles; ++t) sum += cd(Rt[(t * np + q) * 16 + i]);
          Rq[i] = C(sum);
        }
        accumulate(op, 1, &ts.d[q * 64], Rq, gp + b * P);
        ++q;
      }
    }
  }

  // The first op the sweep must reach: 0 when lambda must reach the initial
  // state (feature gradient), else the first symbol-dependent op.
  std::size_t sweep_stop(bool features_wanted) const {
    std::size_t stop = 0;
    if (!features_wanted)
      while (stop < bc.ops_.size() && !bc.ops_[stop].parametric) ++stop;
    return stop;
  }

  // Buffer `which` (0: psi, 1: lambda) of the adjoint sweep, at least
  // `size` amplitudes. Each thread keeps its two between calls: faulting
  // the pages of two fresh 2^n states in again on every backward cost as
  // much as a forward pass of a few gates (16 qubits: 0.75 ms).
  static C* sweep_states(int which, std::size_t size) {
    thread_local std::vector<C> buffers[2];
    std::vector<C>& b = buffers[which];
    if (b.size() < size) {
      b.clear();
      b.shrink_to_fit();
      b.resize(size);
    }
    return b.data();
  }

  // Adjoint backward over samples [b0, b1).
  void adjoint_chunk(std::size_t b0, std::size_t b1, const FP* inputs, const FP* features, const C* final_states,
                     const FP* grad_out, FP* grad_in, FP* grad_feat) const {
    const std::size_t nb = b1 - b0;
    std::vector<double> vals(nb * P), gp(nb * P, 0.0), sym((bc.num_symbols_ + 1) * nb);
    for (std::size_t b = 0; b < nb; ++b)
      eval_params(inputs + (b0 + b) * bc.num_symbols_, &sym[b * (bc.num_symbols_ + 1)], &vals[b * P]);
    std::vector<C> mbuf(nb * 16), R(nb * 16);
    std::vector<cd> dbuf(nb * 4 * 16);
    TileScratch ts;
    if (bc.max_tile_params_) {
      const std::size_t params = bc.max_tile_params_, ntiles = dim >> bc.options_.sweep_tile_qubits;
      ts.m.resize(params * 16);
      ts.d.resize(params * 64);
      ts.R.resize(ntiles * params * 16);
    }
    C* const psi = sweep_states(0, nb * dim);
    C* const lam = sweep_states(1, nb * dim);
    if (final_states) {
      std::copy(final_states + b0 * dim, final_states + b1 * dim, psi);
    } else {
      for (std::size_t b = 0; b < nb; ++b)
        init_state(&psi[b * dim], features ? features + (b0 + b) * bc.num_features_ : nullptr);
      run_fused(psi, nb, vals.data(), mbuf.data());
    }
    for (std::size_t b = 0; b < nb; ++b) bra(&psi[b * dim], grad_out + (b0 + b) * bc.num_outputs_, &lam[b * dim]);
    // Gates before the first symbol-dependent one matter only for the
    // feature gradient (lambda must reach the initial state).
    sweep_fused(psi, lam, nb, vals.data(), gp.data(), sweep_stop(grad_feat != nullptr), mbuf.data(), R.data(),
                dbuf.data(), ts);
    for (std::size_t b = 0; b < nb; ++b) {
      if (grad_in) chain_rule(&gp[b * P], &sym[b * (bc.num_symbols_ + 1)], grad_in + (b0 + b) * bc.num_symbols_);
      if (grad_feat)
        feature_grad(&lam[b * dim], features + (b0 + b) * bc.num_features_, grad_feat + (b0 + b) * bc.num_features_);
    }
  }

  // Parameter-shift backward over samples [b0, b1).
  void shift_chunk(std::size_t b0, std::size_t b1, const FP* inputs, const FP* features, const FP* grad_out,
                   FP* grad_in, const ShotOptions& shots) const {
    const std::size_t K = bc.num_outputs_;
    std::vector<double> vals(P), gp(P), sym(bc.num_symbols_ + 1), counts(dim);
    std::vector<C> psi(dim);
    std::vector<FP> out(K);
    const double cp = (std::sqrt(2.0) + 1) / (4 * std::sqrt(2.0)), cm = (std::sqrt(2.0) - 1) / (4 * std::sqrt(2.0));
    for (std::size_t b = b0; b < b1; ++b) {
      eval_params(inputs + b * bc.num_symbols_, sym.data(), vals.data());
      const FP* feat = features ? features + b * bc.num_features_ : nullptr;
      const FP* g = grad_out + b * K;
      uint64_t evals = 0;
      // sum_k g_k f_k at the parameters shifted by `shift` in parameter p.
      auto f = [&](std::size_t p, double shift) {
        const double keep = vals[p];
        vals[p] = keep + shift;
        run_one(vals.data(), feat, psi.data());
        vals[p] = keep;
        if (shots.shots) {
          std::mt19937_64 rng(splitmix(shots.seed ^ splitmix(b) ^ splitmix(0xABCDEFull + ++evals)));
          readout_sampled(psi.data(), out.data(), shots.shots, rng, counts.data());
        } else {
          readout(psi.data(), out.data());
        }
        double acc = 0;
        for (std::size_t k = 0; k < K; ++k) acc += double(g[k]) * double(out[k]);
        return acc;
      };
      const double h = kPi / 2;
      for (std::size_t p = 0; p < P; ++p) {
        switch (bc.params_[p].rule) {
          case ShiftRule::None: gp[p] = 0; break;
          case ShiftRule::TwoTerm: gp[p] = (f(p, h) - f(p, -h)) / 2; break;
          case ShiftRule::FourTerm:
            gp[p] = cp * (f(p, h) - f(p, -h)) - cm * (f(p, 3 * h) - f(p, -3 * h));
            break;
        }
      }
      chain_rule(gp.data(), sym.data(), grad_in + b * bc.num_symbols_);
    }
  }
};

template <typename F>
inline void parallel_chunks(std::size_t batch, int threads, bool parallel, F&& work) {
  int nt = parallel ? int(std::min<std::size_t>(std::size_t(std::max(threads, 1)), batch)) : 1;
  if (nt <= 1) {
    work(std::size_t(0), batch);
    return;
  }
#ifdef _OPENMP
#pragma omp parallel num_threads(nt)
  {
    const std::size_t t = std::size_t(omp_get_thread_num()), T = std::size_t(omp_get_num_threads());
    work(batch * t / T, batch * (t + 1) / T);
  }
#else
  work(std::size_t(0), batch);
#endif
}

template <typename FP>
inline void check_features(const FP* f, std::size_t batch, std::size_t k) {
  for (std::size_t b = 0; b < batch; ++b) {
    double norm = 0;
    for (std::size_t i = 0; i < k; ++i) norm += double(f[b * k + i]) * double(f[b * k + i]);
    if (!(norm > 0) || !std::isfinite(norm))
      fail("BatchCircuit: the amplitude-embedding features of sample " + std::to_string(b) +
           " have norm " + std::to_string(std::sqrt(norm)) + "; they must be finite and not all zero.");
  }
}

}  // namespace qforge::sim
