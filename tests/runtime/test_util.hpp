// Helpers shared by the runtime tests: building circuits by hand, random
// gates, comparing a simulator state with the dense reference, and the
// distributions and mixed state of a dynamic circuit by the exhaustive-branch
// reference.
#pragma once

#include "chi_square.hpp"
#include "dense_reference.hpp"
#include "density_reference.hpp"
#include "qforge/observables.hpp"
#include "qforge/circuit.hpp"
#include "qforge/simulator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <map>
#include <string>
#include <numeric>
#include <random>
#include <vector>

namespace qforge::test {

/// A gate operation: `qubits` are the extra controls, then the gate's qubits.
inline Operation gate(GateId g, std::vector<uint32_t> qubits, std::vector<double> params = {},
                      uint8_t extra_controls = 0) {
  Operation op;
  op.kind = OpKind::Gate;
  op.gate = g;
  op.num_controls = extra_controls;
  op.qubits = std::move(qubits);
  for (double p : params) op.params.emplace_back(p);
  return op;
}

inline Operation measure(uint32_t q, uint32_t c) {
  Operation op;
  op.kind = OpKind::Measure;
  op.qubits = {q};
  op.clbits = {c};
  return op;
}

inline Operation reset(uint32_t q) {
  Operation op;
  op.kind = OpKind::Reset;
  op.qubits = {q};
  return op;
}

inline Circuit circuit(uint32_t num_qubits, uint32_t num_clbits = 0) {
  Circuit c;
  c.num_qubits = num_qubits;
  c.num_clbits = num_clbits;
  return c;
}

/// `count` distinct qubits below n in random order.
inline std::vector<uint32_t> random_qubits(std::mt19937_64& rng, uint32_t n, uint32_t count) {
  std::vector<uint32_t> all(n);
  std::iota(all.begin(), all.end(), 0u);
  std::shuffle(all.begin(), all.end(), rng);
  all.resize(count);
  return all;
}

/// A random table gate on random qubits with random parameters and up to
/// `max_extra` extra controls (limited by n).
inline Operation random_gate(std::mt19937_64& rng, uint32_t n, unsigned max_extra) {
  std::uniform_int_distribution<int> pick(0, int(kNumGates) - 1);
  std::uniform_real_distribution<double> angle(-4, 4);
  for (;;) {
    const GateId g = GateId(pick(rng));
    const GateInfo& info = gate_info(g);
    if (info.num_qubits > n) continue;
    const unsigned room = n - info.num_qubits;
    const unsigned extra =
        std::uniform_int_distribution<unsigned>(0, std::min(room, max_extra))(rng);
    std::vector<double> p(info.num_params);
    for (auto& x : p) x = angle(rng);
    return gate(g, random_qubits(rng, n, info.num_qubits + extra), p, uint8_t(extra));
  }
}

template <typename FP>
Eigen::VectorXcd to_eigen(const sim::StateVector<FP>& s) {
  Eigen::VectorXcd v(Eigen::Index(s.size()));
  for (uint64_t i = 0; i < s.size(); ++i) v(Eigen::Index(i)) = std::complex<double>(s[i]);
  return v;
}

template <typename FP>
sim::StateVector<FP> from_eigen(const Eigen::VectorXcd& v, unsigned n) {
  sim::StateVector<FP> s(n);
  s.assign(v.data());
  return s;
}

/// psi <- M psi on `targets` under `ctrl`, one basis block at a time, in double.
inline std::vector<std::complex<double>> plain_product(std::vector<std::complex<double>> psi, unsigned n,
                                                      const std::vector<unsigned>& targets,
                                                      const std::vector<std::complex<double>>& m, uint64_t ctrl) {
  const unsigned k = unsigned(targets.size());
  const std::size_t d = std::size_t(1) << k;
  uint64_t tmask = 0;
  for (unsigned t : targets) tmask |= uint64_t(1) << t;
  std::vector<uint64_t> off(d, 0);
  for (std::size_t r = 0; r < d; ++r)
    for (unsigned a = 0; a < k; ++a)
      if ((r >> (k - 1 - a)) & 1) off[r] |= uint64_t(1) << targets[a];
  std::vector<std::complex<double>> v(d);
  for (uint64_t i = 0; i < (uint64_t(1) << n); ++i) {
    if ((i & tmask) || (i & ctrl) != ctrl) continue;
    for (std::size_t c = 0; c < d; ++c) v[c] = psi[i | off[c]];
    for (std::size_t r = 0; r < d; ++r) {
      std::complex<double> s = 0;
      for (std::size_t c = 0; c < d; ++c) s += m[r * d + c] * v[c];
      psi[i | off[r]] = s;
    }
  }
  return psi;
}

template <typename FP>
constexpr double tolerance() {
  return sizeof(FP) == 4 ? 2e-5 : 1e-11;
}

/// Clbits as run() keys its counts: the highest clbit first.
inline std::string bit_key(const std::vector<uint8_t>& bits) {
  std::string s(bits.size(), '0');
  for (std::size_t i = 0; i < bits.size(); ++i)
    if (bits[i]) s[bits.size() - 1 - i] = '1';
  return s;
}

/// `c` run with `o` on 1, 2 and 3 threads (in that order), expecting 2 and 3
/// threads to give one thread's counts, probabilities and expectation values
/// bit for bit.
inline std::vector<sim::RunResult> run_on_one_two_and_three_threads(const Circuit& c, sim::RunOptions o) {
  std::vector<sim::RunResult> runs;
  for (int threads : {1, 2, 3}) {
    o.threads = threads;
    runs.push_back(sim::run(c, o));
  }
  for (std::size_t k : {1, 2}) {
    EXPECT_EQ(runs[k].counts, runs[0].counts) << k + 1 << " threads";
    EXPECT_EQ(runs[k].probabilities, runs[0].probabilities) << k + 1 << " threads";
    EXPECT_EQ(runs[k].expectations, runs[0].expectations) << k + 1 << " threads";
  }
  return runs;
}

/// What the exhaustive-branch reference (ref::classical_branches) says of a
/// dynamic circuit: the distribution of the clbits (keyed as run() keys its
/// counts), of each classical register and variable by name (values written
/// as run()'s outputs write them: bit strings highest bit first, the others
/// by CValue::to_qasm), the mixed final state and the total probability.
struct Reference {
  std::map<std::string, double> probs;
  std::map<std::string, std::map<std::string, double>> values;
  Eigen::MatrixXcd rho;
  double total = 0;

  explicit Reference(const Circuit& c, const ref::BranchOptions& options = {}) {
    const Eigen::Index dim = Eigen::Index(1) << c.num_qubits;
    rho = Eigen::MatrixXcd::Zero(dim, dim);
    for (const ref::ClassicalBranch& b : ref::classical_branches(c, options)) {
      const double p = b.rho.trace().real();
      probs[bit_key(b.cs.clbits)] += p;
      for (const Register& r : c.cregs)
        values[r.name][bit_key({b.cs.clbits.begin() + r.first, b.cs.clbits.begin() + r.first + r.size})] += p;
      for (std::size_t v = 0; v < c.vars.size(); ++v) values[c.vars[v].name][b.cs.vars[v].to_qasm()] += p;
      rho += b.rho;
      total += p;
    }
  }

  /// <O> in the mixed final state.
  double expectation(const sim::Observable& o, unsigned n) const {
    double v = 0;
    for (const auto& t : o.terms)
      v += (t.coefficient * (rho * ref::pauli_matrix(t.x_mask, t.y_mask, t.z_mask, n)).trace()).real();
    return v;
  }
};

}  // namespace qforge::test
