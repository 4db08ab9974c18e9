// The density-matrix engine (see qforge/noisy.hpp): rho of n qubits as a
// 2n-qubit state vector, vec(rho)[r + 2^n c] = rho[r][c], run on the
// ordinary kernels.
#include "noisy_detail.hpp"
#include "ordered_sum.hpp"

#include <stdexcept>

namespace qforge::sim::detail {
namespace {

using cd = std::complex<double>;

/// `g` on the column qubits: conj(U) on targets + n, controls + n.
GateOp column_op(GateOp g, unsigned n) {
  for (unsigned& t : g.targets) t += n;
  g.ctrl_mask <<= n;
  for (cd& v : g.matrix) v = std::conj(v);
  return g;
}

/// A channel's superoperator as one dense op on (row qubits, column qubits).
GateOp channel_op(const Channel& ch, unsigned n, std::size_t source) {
  std::vector<unsigned> targets = ch.qubits;
  for (unsigned q : ch.qubits) targets.push_back(q + n);
  GateOp g = make_gate(std::move(targets), superoperator(ch));
  g.source = source;
  return g;
}

Channel reset_channel(unsigned q) {
  return Channel{{q}, {{1, 0, 0, 0}, {0, 1, 0, 0}}, "reset"};
}

}  // namespace

template <typename FP>
void run_density_matrix(const NoisyCircuit& nc, const std::vector<double>& inputs,
                        const RunOptions& o, NoisyRunResult& r) {
  const Circuit& c = nc.circuit;
  const unsigned n = c.num_qubits;
  if (first_record_dependent_operation(nc) != SIZE_MAX)
    throw std::logic_error("run_density_matrix: the circuit needs trajectories.");
  const double* in = inputs.empty() ? nullptr : inputs.data();
  std::vector<GateOp> ops;
  for (std::size_t i = 0; i < c.ops.size(); ++i) {
    const Operation& op = c.ops[i];
    if (op.kind == OpKind::Gate) {
      GateOp g = evaluate_gate(op, in);
      g.source = i;
      if (g.kind != KernelKind::Identity) {
        ops.push_back(column_op(g, n));
        ops.push_back(std::move(g));
      }
    } else if (op.kind == OpKind::Reset) {
      for (uint32_t q : op.qubits) ops.push_back(channel_op(reset_channel(q), n, i));
    }
    for (const Channel& ch : nc.after[i]) ops.push_back(channel_op(ch, n, i));
  }
  // Row and column ops act on disjoint qubits; fusion merges them (and the
  // channels) into blocks of at most fusion_width of the 2n qubits.
  ops = fuse(ops, o.fusion_width);
  StateVector<FP> rho(2 * n);
  for (const GateOp& g : ops) apply(rho, g);

  const uint64_t dim = uint64_t(1) << n;
  const auto diag = [&](uint64_t i) { return double(rho[i * (dim + 1)].real()); };
  const double trace = ordered_sum<double>(dim, [&](uint64_t b, uint64_t e) {
    double s = 0;
    for (uint64_t i = b; i < e; ++i) s += diag(i);
    return s;
  });
  if (o.probabilities) {
    r.probabilities.resize(dim);
    for (uint64_t i = 0; i < dim; ++i) r.probabilities[i] = diag(i) / trace;
  }
  for (const Observable& obs : o.observables) {
    double v = 0;
    for (const PauliTerm& t : obs.terms) v += t.coefficient * trace_pauli(rho.data(), n, t);
    r.expectations.push_back(v / trace);
  }
  if (o.shots) {
    Stream rng(o.seed, 0);
    const KeyLayout layout = key_layout(c);
    for (auto [index, count] : sample_distribution(dim, diag, o.shots, rng, trace))
      add_counts(layout, index, count, nc.readout, rng, r.counts);
  }
}

template void run_density_matrix<float>(const NoisyCircuit&, const std::vector<double>&,
                                        const RunOptions&, NoisyRunResult&);
template void run_density_matrix<double>(const NoisyCircuit&, const std::vector<double>&,
                                         const RunOptions&, NoisyRunResult&);

}  // namespace qforge::sim::detail
