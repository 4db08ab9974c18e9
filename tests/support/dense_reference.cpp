// The dense reference (see dense_reference.hpp).
#include "dense_reference.hpp"

#include <unsupported/Eigen/KroneckerProduct>

#include <cmath>
#include <stdexcept>
#include <string>

namespace qforge::ref {
namespace {

double evaluate(const Expr& e, const std::vector<double>& inputs) {
  if (e.is_const()) return e.value();
  std::vector<uint32_t> symbols;
  e.collect_symbols(symbols);
  for (uint32_t s : symbols)
    if (s >= inputs.size())
      throw std::invalid_argument("the expression uses input symbol " + std::to_string(s) +
                                  " but only " + std::to_string(inputs.size()) +
                                  " input values were given.");
  return e.eval(inputs.data());
}

}  // namespace

Eigen::MatrixXcd gate_unitary(GateId gate, const std::vector<double>& params) {
  const GateInfo& info = gate_info(gate);
  if (params.size() != info.num_params)
    throw std::invalid_argument("gate " + std::string(info.name) + " takes " +
                                std::to_string(info.num_params) + " parameters, got " +
                                std::to_string(params.size()) + ".");
  const std::vector<std::complex<double>> m = gate_matrix(gate, params.data());
  const Eigen::Index d = Eigen::Index(1) << info.num_qubits;
  Eigen::MatrixXcd out(d, d);
  for (Eigen::Index r = 0; r < d; ++r)
    for (Eigen::Index c = 0; c < d; ++c) out(r, c) = m[std::size_t(r * d + c)];
  return out;
}

Eigen::MatrixXcd add_controls(const Eigen::MatrixXcd& m, unsigned num_controls) {
  if (num_controls == 0) return m;
  const Eigen::Index d = m.rows(), D = d << num_controls;
  Eigen::MatrixXcd out = Eigen::MatrixXcd::Identity(D, D);
  out.bottomRightCorner(d, d) = m;
  return out;
}

Sparse embed(const Eigen::MatrixXcd& m, const std::vector<uint32_t>& qubits, uint32_t n) {
  const uint32_t k = uint32_t(qubits.size());
  if (m.rows() != (Eigen::Index(1) << k) || m.cols() != m.rows())
    throw std::invalid_argument("embed: the matrix does not match " + std::to_string(k) + " qubits.");
  // Virtual order: qubits[0] at bit n-1, ..., qubits[k-1] at bit n-k, then
  // the other qubits in increasing order at bits 0 .. n-k-1.
  std::vector<uint32_t> pos(n, UINT32_MAX);
  for (uint32_t a = 0; a < k; ++a) {
    if (qubits[a] >= n || pos[qubits[a]] != UINT32_MAX)
      throw std::invalid_argument("embed: bad or repeated qubit " + std::to_string(qubits[a]) + ".");
    pos[qubits[a]] = n - 1 - a;
  }
  uint32_t next = 0;
  for (uint32_t q = 0; q < n; ++q)
    if (pos[q] == UINT32_MAX) pos[q] = next++;
  const Eigen::Index dim = Eigen::Index(1) << n;
  // Permutation P: |i> -> |v(i)>.
  std::vector<Eigen::Triplet<std::complex<double>>> pt;
  pt.reserve(std::size_t(dim));
  for (Eigen::Index i = 0; i < dim; ++i) {
    Eigen::Index v = 0;
    for (uint32_t q = 0; q < n; ++q)
      if ((i >> q) & 1) v |= Eigen::Index(1) << pos[q];
    pt.emplace_back(v, i, 1.0);
  }
  Sparse P(dim, dim);
  P.setFromTriplets(pt.begin(), pt.end());
  Sparse ms = m.sparseView(0.0, 0.0);
  Sparse id(Eigen::Index(1) << (n - k), Eigen::Index(1) << (n - k));
  id.setIdentity();
  Sparse K = Eigen::kroneckerProduct(ms, id);
  Sparse out = Sparse(P.transpose()) * K * P;
  return out;
}

Sparse operation_unitary(const Operation& op, uint32_t n, const std::vector<double>& inputs) {
  if (op.kind != OpKind::Gate)
    throw std::invalid_argument("operation_unitary: only gates have a unitary.");
  std::vector<double> params;
  for (const Expr& e : op.params)
    params.push_back(evaluate(e, inputs));
  const Eigen::MatrixXcd m = add_controls(gate_unitary(op.gate, params), op.num_controls);
  return embed(m, op.qubits, n);
}

Eigen::VectorXcd apply_unitary(const Circuit& c, const Eigen::VectorXcd& state,
                               const std::vector<double>& inputs) {
  if (state.size() != (Eigen::Index(1) << c.num_qubits))
    throw std::invalid_argument("apply_unitary: the state has the wrong size.");
  Eigen::VectorXcd v = state;
  for (const Operation& op : c.ops) {
    if (!op.conditions.empty())
      throw std::invalid_argument("apply_unitary: a conditioned operation has no unitary.");
    switch (op.kind) {
      case OpKind::Gate: v = operation_unitary(op, c.num_qubits, inputs) * v; break;
      case OpKind::Barrier:
      case OpKind::Delay: break;
      case OpKind::Measure:
      case OpKind::Reset:
        throw std::invalid_argument("apply_unitary: measure and reset have no unitary.");
      default:
        throw std::invalid_argument("apply_unitary: run-time classical logic has no unitary.");
    }
  }
  const double phase = evaluate(c.global_phase, inputs);
  return v * std::polar(1.0, phase);
}

Eigen::MatrixXcd circuit_unitary(const Circuit& c, const std::vector<double>& inputs) {
  const Eigen::Index dim = Eigen::Index(1) << c.num_qubits;
  Eigen::MatrixXcd u = Eigen::MatrixXcd::Identity(dim, dim);
  for (const Operation& op : c.ops) {
    if (!op.conditions.empty())
      throw std::invalid_argument("circuit_unitary: a conditioned operation has no unitary.");
    switch (op.kind) {
      case OpKind::Gate: u = operation_unitary(op, c.num_qubits, inputs) * u; break;
      case OpKind::Barrier:
      case OpKind::Delay: break;
      case OpKind::Measure:
      case OpKind::Reset:
        throw std::invalid_argument("circuit_unitary: measure and reset have no unitary.");
      default:
        throw std::invalid_argument("circuit_unitary: run-time classical logic has no unitary.");
    }
  }
  const double phase = evaluate(c.global_phase, inputs);
  return u * std::polar(1.0, phase);
}

Eigen::VectorXcd basis_state(uint32_t n, uint64_t index) {
  Eigen::VectorXcd v = Eigen::VectorXcd::Zero(Eigen::Index(1) << n);
  v(Eigen::Index(index)) = 1;
  return v;
}

Eigen::VectorXcd random_state(uint32_t n, std::mt19937_64& rng) {
  std::normal_distribution<double> g;
  Eigen::VectorXcd v(Eigen::Index(1) << n);
  for (Eigen::Index i = 0; i < v.size(); ++i) v(i) = {g(rng), g(rng)};
  return v / v.norm();
}

double max_abs_diff(const Eigen::VectorXcd& a, const Eigen::VectorXcd& b) {
  return (a - b).cwiseAbs().maxCoeff();
}

}  // namespace qforge::ref
