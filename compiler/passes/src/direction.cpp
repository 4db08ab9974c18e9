// Gate direction (see createGateDirectionPass in qforge/passes.hpp).
//
// A two-qubit gate calibrated in one direction only: a gate written the
// other way round is rewritten into the calibrated direction.
//   cz (symmetric): the operands are exchanged.
//   ecr: ecr(a, b) = exp(i phi) (h (x) h) ecr(b, a) (ry(-pi/2) (x) ry(pi/2)),
//        the single-qubit gates synthesised in the {rz, sx, x} basis. The
//        corrections and phi are computed once from the gate matrices and
//        checked to reproduce ecr(a, b) exactly.
#include "qforge/passes.hpp"
#include "structured.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace qforge {
namespace {

using G = GateId;

/// ecr(0, 1) as the calibrated ecr(1, 0) with single-qubit gates around it.
struct EcrReversal {
  std::vector<Operation> ops;  ///< on qubits 0 (a) and 1 (b), in circuit order
  double phase = 0;            ///< ecr(0, 1) = exp(i phase) * product of ops
};

EcrReversal make_ecr_reversal() {
  EcrReversal r;
  double ignored = 0;
  auto add_1q = [&](const Mat2& u, uint32_t q) {
    for (Operation op : synthesize_1q(u, Basis::IbmEcr, ignored)) {
      op.qubits = {q};
      r.ops.push_back(std::move(op));
    }
  };
  add_1q(gate_matrix_1q(G::RY, -M_PI / 2), 0);
  add_1q(gate_matrix_1q(G::RY, M_PI / 2), 1);
  r.ops.push_back(make_gate(G::ECR, {1, 0}));
  add_1q(gate_matrix_1q(G::H), 0);
  add_1q(gate_matrix_1q(G::H), 1);
  // The phase from the product itself, then an exactness check.
  Mat4 product{};
  for (int i = 0; i < 4; ++i) product[static_cast<std::size_t>(i * 5)] = 1;
  for (const Operation& op : r.ops) product = multiply(pair_matrix(op, 0), product);
  const Mat4 want = pair_matrix(make_gate(G::ECR, {0, 1}), 0);
  std::size_t k = 0;
  for (std::size_t i = 1; i < 16; ++i)
    if (std::abs(want[i]) > std::abs(want[k])) k = i;
  r.phase = std::arg(want[k] / product[k]);
  const cplx factor = std::polar(1.0, r.phase);
  for (std::size_t i = 0; i < 16; ++i)
    if (std::abs(want[i] - factor * product[i]) > 1e-12)
      throw std::logic_error("gate direction: the ecr reversal identity does not hold");
  return r;
}

const EcrReversal& ecr_reversal() {
  static const EcrReversal r = make_ecr_reversal();
  return r;
}

class GateDirectionPass : public Pass {
 public:
  explicit GateDirectionPass(GateDirectionConfig cfg) : cfg_(std::move(cfg)) {
    std::sort(cfg_.directions.begin(), cfg_.directions.end());
    if (cfg_.gate != G::ECR && cfg_.gate != G::CZ)
      throw std::invalid_argument("gate direction: only ecr and cz can be turned around, not " +
                                  std::string(gate_info(cfg_.gate).name));
  }
  std::string name() const override { return "gate-direction(" + std::string(gate_info(cfg_.gate).name) + ")"; }

  bool run(Circuit& c) override {
    if (cfg_.directions.empty()) return false;
    auto allowed = [&](uint32_t a, uint32_t b) {
      return std::binary_search(cfg_.directions.begin(), cfg_.directions.end(), std::make_pair(a, b));
    };
    std::vector<Operation> out;
    out.reserve(c.ops.size());
    uint64_t turned = 0;
    Expr phase = c.global_phase;
    for (Operation& op : c.ops) {
      const bool candidate = op.kind == OpKind::Gate && op.gate == cfg_.gate && op.num_controls == 0 &&
                             op.qubits.size() == 2 && !allowed(op.qubits[0], op.qubits[1]) &&
                             allowed(op.qubits[1], op.qubits[0]);
      if (!candidate) {
        out.push_back(std::move(op));
        continue;
      }
      ++turned;
      if (cfg_.gate == G::CZ) {
        std::swap(op.qubits[0], op.qubits[1]);
        out.push_back(std::move(op));
        continue;
      }
      const EcrReversal& rev = ecr_reversal();
      if (!op.conditions.empty() && std::abs(std::remainder(rev.phase, 2 * M_PI)) > 1e-12)
        throw error_at(op, "a conditioned ecr $" + std::to_string(op.qubits[0]) + ", $" +
                               std::to_string(op.qubits[1]) + " cannot be turned into the calibrated direction");
      const uint32_t q[2] = {op.qubits[0], op.qubits[1]};
      for (Operation g : rev.ops) {
        for (auto& x : g.qubits) x = q[x];
        g.conditions = op.conditions;
        g.loc = op.loc;
        out.push_back(std::move(g));
      }
      phase = phase + Expr(rev.phase);
    }
    c.ops = std::move(out);
    c.global_phase = phase;
    report_ = std::to_string(turned) + " turned around";
    return turned > 0;
  }

 private:
  GateDirectionConfig cfg_;
};

}  // namespace

std::unique_ptr<Pass> createGateDirectionPass(GateDirectionConfig cfg) {
  return around_classical(std::make_unique<GateDirectionPass>(std::move(cfg)));
}

}  // namespace qforge
