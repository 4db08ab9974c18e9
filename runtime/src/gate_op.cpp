// Evaluated gates: from an Operation to a GateOp, applying and inverting it
// (see qforge/simulator.hpp).
#include "qforge/kernels.hpp"
#include "qforge/simulator.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace qforge::sim {
namespace {

using cd = std::complex<double>;

std::string describe(const Operation& op) {
  std::string s = op.is_gate() ? std::string(gate_info(op.gate).name) : std::string("operation");
  return s;
}

bool is_exactly(const cd& a, const cd& b) { return a == b; }

}  // namespace

uint64_t GateOp::qubit_mask() const {
  uint64_t m = ctrl_mask;
  for (unsigned t : targets) m |= uint64_t(1) << t;
  return m;
}

GateOp make_gate(std::vector<unsigned> targets, std::vector<cd> matrix, uint64_t ctrl_mask) {
  const std::size_t k = targets.size();
  const std::size_t d = std::size_t(1) << k;
  if (k == 0 || k > kMaxDenseQubits)
    throw std::invalid_argument("a gate must act on 1 to " + std::to_string(kMaxDenseQubits) +
                                " target qubits, got " + std::to_string(k) + ".");
  if (matrix.size() != d * d)
    throw std::invalid_argument("a gate on " + std::to_string(k) + " qubits needs a " +
                                std::to_string(d) + "x" + std::to_string(d) + " matrix, got " +
                                std::to_string(matrix.size()) + " entries.");
  GateOp g;
  g.targets = std::move(targets);
  g.ctrl_mask = ctrl_mask;
  bool diagonal = true;
  for (std::size_t r = 0; r < d && diagonal; ++r)
    for (std::size_t c = 0; c < d; ++c)
      if (r != c && !is_exactly(matrix[r * d + c], 0)) {
        diagonal = false;
        break;
      }
  if (diagonal) {
    std::vector<cd> diag(d);
    for (std::size_t r = 0; r < d; ++r) diag[r] = matrix[r * d + r];
    bool identity = true, phase_only = true;
    for (std::size_t r = 0; r < d; ++r) {
      if (!is_exactly(diag[r], 1)) identity = false;
      if (r + 1 < d && !is_exactly(diag[r], 1)) phase_only = false;
    }
    if (identity) {
      g.kind = KernelKind::Identity;
    } else if (phase_only) {
      g.kind = KernelKind::Phase;
      g.matrix = {diag.back()};
    } else {
      g.kind = KernelKind::Diagonal;
      g.matrix = std::move(diag);
    }
    return g;
  }
  if (k == 1 && is_exactly(matrix[0], 0) && is_exactly(matrix[1], 1) &&
      is_exactly(matrix[2], 1) && is_exactly(matrix[3], 0)) {
    g.kind = KernelKind::X;
    return g;
  }
  if (k == 2) {
    const cd swap[16] = {1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1};
    bool is_swap = true;
    for (int i = 0; i < 16; ++i) is_swap = is_swap && is_exactly(matrix[i], swap[i]);
    if (is_swap) {
      g.kind = KernelKind::Swap;
      return g;
    }
  }
  g.kind = KernelKind::Dense;
  g.matrix = std::move(matrix);
  return g;
}

GateOp evaluate_gate(const Operation& op, const double* inputs) {
  if (!op.is_gate()) throw std::invalid_argument("evaluate_gate: " + describe(op) + " is not a gate.");
  const GateInfo& info = gate_info(op.gate);
  if (op.params.size() != info.num_params)
    throw error_at(op, "gate " + describe(op) + " expects " +
                                std::to_string(info.num_params) + " parameters, got " +
                                std::to_string(op.params.size()) + ".");
  if (op.qubits.size() != std::size_t(op.num_controls) + info.num_qubits)
    throw error_at(op, "gate " + describe(op) + " with " +
                                std::to_string(op.num_controls) + " extra controls expects " +
                                std::to_string(op.num_controls + info.num_qubits) +
                                " qubits, got " + std::to_string(op.qubits.size()) + ".");
  uint64_t seen = 0;
  for (uint32_t q : op.qubits) {
    if (q >= 64)
      throw error_at(op, "gate " + describe(op) + " uses qubit " + std::to_string(q) +
                                  "; the simulator supports at most 64 qubits.");
    if (seen & (uint64_t(1) << q))
      throw error_at(op, "gate " + describe(op) + " uses qubit " + std::to_string(q) +
                                  " twice.");
    seen |= uint64_t(1) << q;
  }
  double p[4] = {0, 0, 0, 0};
  for (std::size_t i = 0; i < op.params.size(); ++i) {
    if (!op.params[i].is_const() && !inputs)
      throw error_at(op, "gate " + describe(op) +
                                  " has a symbolic parameter but no input values were given.");
    p[i] = op.params[i].is_const() ? op.params[i].value() : op.params[i].eval(inputs);
  }
  const unsigned num_ctrl = unsigned(op.num_controls) + info.num_controls;
  uint64_t ctrl = 0;
  for (unsigned i = 0; i < num_ctrl; ++i) ctrl |= uint64_t(1) << op.qubits[i];
  std::vector<unsigned> targets(op.qubits.begin() + num_ctrl, op.qubits.end());
  // The table gate's matrix is block diagonal with its own controls as the
  // leading qubits: the target block is its lower-right corner.
  const std::vector<cd> full = gate_matrix(op.gate, p);
  const std::size_t dim = std::size_t(1) << info.num_qubits;
  const std::size_t dt = std::size_t(1) << targets.size();
  std::vector<cd> block(dt * dt);
  for (std::size_t r = 0; r < dt; ++r)
    for (std::size_t c = 0; c < dt; ++c) block[r * dt + c] = full[(dim - dt + r) * dim + dim - dt + c];
  return make_gate(std::move(targets), std::move(block), ctrl);
}

GateOp inverse(const GateOp& op) {
  GateOp g = op;
  switch (op.kind) {
    case KernelKind::Identity:
    case KernelKind::X:
    case KernelKind::Swap:
      return g;
    case KernelKind::Phase:
    case KernelKind::Diagonal:
      for (auto& v : g.matrix) v = std::conj(v);
      return g;
    case KernelKind::Dense: {
      const std::size_t d = std::size_t(1) << op.targets.size();
      for (std::size_t r = 0; r < d; ++r)
        for (std::size_t c = 0; c < d; ++c) g.matrix[r * d + c] = std::conj(op.matrix[c * d + r]);
      return g;
    }
  }
  throw std::logic_error("inverse: unknown kernel kind.");
}

template <typename FP>
void apply(std::complex<FP>* psi, unsigned n, const GateOp& op) {
  const unsigned k = unsigned(op.targets.size());
  // Uninitialised storage (an array of std::complex would be zeroed, 64 KiB
  // per call: the dominant cost on small states); only matrix.size() entries
  // are written and read.
  FP storage[2 << (2 * kMaxDenseQubits)];
  std::complex<FP>* m = reinterpret_cast<std::complex<FP>*>(storage);
  const auto convert = [&] {
    for (std::size_t i = 0; i < op.matrix.size(); ++i)
      m[i] = std::complex<FP>(FP(op.matrix[i].real()), FP(op.matrix[i].imag()));
  };
  switch (op.kind) {
    case KernelKind::Identity:
      return;
    case KernelKind::Phase:
      return apply_phase<FP>(psi, n, op.qubit_mask(),
                             std::complex<FP>(FP(op.matrix[0].real()), FP(op.matrix[0].imag())));
    case KernelKind::Diagonal:
      convert();
      return apply_diagonal<FP>(psi, n, op.targets.data(), k, m, op.ctrl_mask);
    case KernelKind::X:
      return apply_x<FP>(psi, n, op.targets[0], op.ctrl_mask);
    case KernelKind::Swap:
      return apply_swap<FP>(psi, n, op.targets[0], op.targets[1], op.ctrl_mask);
    case KernelKind::Dense:
      convert();
      return apply_dense<FP>(psi, n, op.targets.data(), k, m, op.ctrl_mask);
  }
  throw std::logic_error("apply: unknown kernel kind.");
}

template void apply<float>(std::complex<float>*, unsigned, const GateOp&);
template void apply<double>(std::complex<double>*, unsigned, const GateOp&);

std::vector<cd> local_matrix(const GateOp& op) {
  // Apply the op to every column of the identity at once: a 2k-qubit state
  // whose low k bits are the row and high k bits the column.
  const uint64_t mask = op.qubit_mask();
  const unsigned k = unsigned(__builtin_popcountll(mask));
  unsigned local[64];
  {
    unsigned i = 0;
    for (unsigned q = 0; q < 64; ++q)
      if (mask & (uint64_t(1) << q)) local[q] = i++;
  }
  GateOp g = op;
  g.ctrl_mask = 0;
  for (unsigned q = 0; q < 64; ++q)
    if (op.ctrl_mask & (uint64_t(1) << q)) g.ctrl_mask |= uint64_t(1) << local[q];
  for (auto& t : g.targets) t = local[t];
  const std::size_t d = std::size_t(1) << k;
  std::vector<cd> cols(d * d, 0);  // cols[c * d + r] = U[r][c]
  for (std::size_t c = 0; c < d; ++c) cols[c * d + c] = 1;
  apply<double>(cols.data(), 2 * k, g);
  std::vector<cd> u(d * d);
  for (std::size_t r = 0; r < d; ++r)
    for (std::size_t c = 0; c < d; ++c) u[r * d + c] = cols[c * d + r];
  return u;
}

void check_inputs_bound(const Circuit& circuit, const std::vector<double>& inputs) {
  const uint32_t n = circuit.num_symbols();
  if (n == 0) return;
  std::vector<std::string> names = circuit.symbol_names();
  std::string missing;
  std::size_t count = 0;
  for (uint32_t i = 0; i < n; ++i) {
    if (i < inputs.size() && !std::isnan(inputs[i])) continue;
    if (count < 10) missing += (missing.empty() ? "" : ", ") + names[i];
    ++count;
  }
  if (count == 0) return;
  if (count > 10) missing += ", ... (" + std::to_string(count) + " in all)";
  const std::string why = "the circuit has unbound input" + std::string(count > 1 ? "s" : "") + ": " + missing +
                          "; give values with --set NAME=VALUE.";
  // Located at the first operation that reads an unbound input.
  for (const Operation& op : circuit.ops)
    for (const Expr& e : op.params) {
      std::vector<uint32_t> syms;
      e.collect_symbols(syms);
      for (uint32_t sym : syms)
        if (sym >= inputs.size() || std::isnan(inputs[sym])) throw error_at(op, why);
    }
  throw std::invalid_argument(why);
}

std::vector<GateOp> evaluate_gates(const Circuit& circuit, const std::vector<double>& inputs) {
  check_inputs_bound(circuit, inputs);
  std::vector<GateOp> out;
  out.reserve(circuit.ops.size());
  for (std::size_t i = 0; i < circuit.ops.size(); ++i) {
    const Operation& op = circuit.ops[i];
    switch (op.kind) {
      case OpKind::Gate: {
        GateOp g = evaluate_gate(op, inputs.empty() ? nullptr : inputs.data());
        for (unsigned t : g.targets)
          if (t >= circuit.num_qubits)
            throw error_at(op, "gate " + describe(op) + " uses qubit " +
                                        std::to_string(t) + " of a " +
                                        std::to_string(circuit.num_qubits) + "-qubit circuit.");
        if (g.ctrl_mask >> circuit.num_qubits)
          throw error_at(op, "gate " + describe(op) + " has a control beyond qubit " +
                                      std::to_string(circuit.num_qubits - 1) + ".");
        g.source = i;
        out.push_back(std::move(g));
        break;
      }
      case OpKind::Barrier:
      case OpKind::Delay:
        break;
      case OpKind::Measure:
      case OpKind::Reset:
      case OpKind::Assign:
      case OpKind::RuntimeGate:
      case OpKind::If:
      case OpKind::While:
      case OpKind::For:
      case OpKind::Switch:
      case OpKind::Break:
      case OpKind::Continue:
      case OpKind::End:
        throw error_at(op, "evaluate_gates: " + op_name(op) + " is not a gate; run the circuit with run() instead.");
    }
  }
  return out;
}

}  // namespace qforge::sim
