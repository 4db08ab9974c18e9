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

std::map<std::vector<uint8_t>, Eigen::MatrixXcd> final_branches(const Circuit& c, const std::vector<double>& inputs) {
  const uint32_t n = c.num_qubits;
  const Eigen::Index dim = Eigen::Index(1) << n;
  std::map<std::vector<uint8_t>, Eigen::MatrixXcd> state;
  state[std::vector<uint8_t>(c.num_clbits, 0)] = Eigen::MatrixXcd::Zero(dim, dim);
  state.begin()->second(0, 0) = 1;
  const auto holds = [](const Operation& op, const std::vector<uint8_t>& bits) {
    for (const Condition& cond : op.conditions) {
      uint64_t v = 0;
      for (std::size_t i = 0; i < cond.clbits.size(); ++i) v |= uint64_t(bits[cond.clbits[i]]) << i;
      if ((v == cond.value) != cond.equal) return false;
    }
    return true;
  };
  Eigen::MatrixXcd p0 = Eigen::MatrixXcd::Zero(2, 2), p1 = Eigen::MatrixXcd::Zero(2, 2), lower = p0;
  p0(0, 0) = 1;
  p1(1, 1) = 1;
  lower(0, 1) = 1;
  const auto add = [](std::map<std::vector<uint8_t>, Eigen::MatrixXcd>& m, const std::vector<uint8_t>& key,
                      const Eigen::MatrixXcd& rho) {
    auto it = m.find(key);
    if (it == m.end())
      m.emplace(key, rho);
    else
      it->second += rho;
  };
  for (const Operation& op : c.ops) {
    std::map<std::vector<uint8_t>, Eigen::MatrixXcd> next;
    for (auto& [bits, rho] : state) {
      if (!holds(op, bits)) {
        add(next, bits, rho);
        continue;
      }
      switch (op.kind) {
        case OpKind::Gate: {
          const Eigen::MatrixXcd u = Eigen::MatrixXcd(operation_unitary(op, n, inputs));
          add(next, bits, u * rho * u.adjoint());
          break;
        }
        case OpKind::Reset: {
          Eigen::MatrixXcd r = rho;
          for (uint32_t q : op.qubits) {
            const Eigen::MatrixXcd k0 = Eigen::MatrixXcd(embed(p0, {q}, n));
            const Eigen::MatrixXcd k1 = Eigen::MatrixXcd(embed(lower, {q}, n));
            r = k0 * r * k0.adjoint() + k1 * r * k1.adjoint();
          }
          add(next, bits, r);
          break;
        }
        case OpKind::Measure: {
          std::map<std::vector<uint8_t>, Eigen::MatrixXcd> parts{{bits, rho}};
          for (std::size_t j = 0; j < op.qubits.size(); ++j) {
            std::map<std::vector<uint8_t>, Eigen::MatrixXcd> split;
            for (auto& [b, r] : parts)
              for (int out = 0; out < 2; ++out) {
                const Eigen::MatrixXcd k = Eigen::MatrixXcd(embed(out ? p1 : p0, {op.qubits[j]}, n));
                std::vector<uint8_t> b2 = b;
                b2[op.clbits[j]] = uint8_t(out);
                add(split, b2, k * r * k.adjoint());
              }
            parts = std::move(split);
          }
          for (auto& [b, r] : parts) add(next, b, r);
          break;
        }
        default:
          add(next, bits, rho);
      }
    }
    state.clear();
    for (auto& [bits, rho] : next)
      if (rho.trace().real() > 1e-14) state[bits] = std::move(rho);
  }
  return state;
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
