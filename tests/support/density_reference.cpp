// The dense density-matrix reference (see density_reference.hpp).
#include "density_reference.hpp"

#include <stdexcept>

namespace qforge::ref {

Eigen::MatrixXcd final_density(const Circuit& c, const std::vector<std::vector<KrausChannel>>& after,
                               const std::vector<double>& inputs) {
  const uint32_t n = c.num_qubits;
  const Eigen::Index dim = Eigen::Index(1) << n;
  Eigen::MatrixXcd rho = Eigen::MatrixXcd::Zero(dim, dim);
  rho(0, 0) = 1;
  const auto channel = [&](const std::vector<Eigen::MatrixXcd>& kraus, const std::vector<uint32_t>& qubits) {
    Eigen::MatrixXcd out = Eigen::MatrixXcd::Zero(dim, dim);
    for (const auto& k : kraus) {
      const Eigen::MatrixXcd e = Eigen::MatrixXcd(embed(k, qubits, n));
      out += e * rho * e.adjoint();
    }
    rho = out;
  };
  for (std::size_t i = 0; i < c.ops.size(); ++i) {
    const Operation& op = c.ops[i];
    if (!op.conditions.empty()) throw std::invalid_argument("final_density: conditions are not supported.");
    if (op.kind == OpKind::Gate) {
      const Eigen::MatrixXcd u = Eigen::MatrixXcd(operation_unitary(op, n, inputs));
      rho = u * rho * u.adjoint();
    } else if (op.kind == OpKind::Reset) {
      Eigen::MatrixXcd k0 = Eigen::MatrixXcd::Zero(2, 2), k1 = Eigen::MatrixXcd::Zero(2, 2);
      k0(0, 0) = 1;
      k1(0, 1) = 1;
      for (uint32_t q : op.qubits) channel({k0, k1}, {q});
    }
    if (i < after.size())
      for (const KrausChannel& ch : after[i]) channel(ch.kraus, ch.qubits);
  }
  return rho;
}

Eigen::MatrixXcd pauli_matrix(uint64_t x, uint64_t y, uint64_t z, uint32_t n) {
  const Eigen::Index dim = Eigen::Index(1) << n;
  Eigen::MatrixXcd p = Eigen::MatrixXcd::Identity(dim, dim);
  const std::complex<double> i(0, 1);
  for (uint32_t q = 0; q < n; ++q) {
    Eigen::Matrix2cd m;
    if ((x >> q) & 1)
      m << 0, 1, 1, 0;
    else if ((y >> q) & 1)
      m << 0, -i, i, 0;
    else if ((z >> q) & 1)
      m << 1, 0, 0, -1;
    else
      continue;
    p = Eigen::MatrixXcd(embed(m, {q}, n)) * p;
  }
  return p;
}

std::vector<Eigen::MatrixXcd> random_kraus(unsigned k, unsigned count, std::mt19937_64& rng) {
  const Eigen::Index d = Eigen::Index(1) << k;
  std::normal_distribution<double> g;
  Eigen::MatrixXcd a(d * count, d);
  for (Eigen::Index r = 0; r < a.rows(); ++r)
    for (Eigen::Index c = 0; c < d; ++c) a(r, c) = {g(rng), g(rng)};
  const Eigen::MatrixXcd q = Eigen::HouseholderQR<Eigen::MatrixXcd>(a).householderQ() *
                             Eigen::MatrixXcd::Identity(a.rows(), d);
  std::vector<Eigen::MatrixXcd> out;
  for (unsigned j = 0; j < count; ++j) out.push_back(q.block(Eigen::Index(j) * d, 0, d, d));
  return out;
}

}  // namespace qforge::ref
