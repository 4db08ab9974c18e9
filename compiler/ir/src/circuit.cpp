// The gate IR (see qforge/circuit.hpp).
#include "qforge/circuit.hpp"

#include <cmath>
#include <stdexcept>
#include <unordered_set>

namespace qforge {

uint32_t InputDecl::size() const {
  uint32_t n = 1;
  for (uint32_t d : shape) n *= d;
  return n;
}

uint32_t Circuit::num_symbols() const {
  uint32_t n = 0;
  for (const auto& in : inputs) n = std::max(n, in.first_symbol + in.size());
  return n;
}

std::vector<std::string> Circuit::symbol_names() const {
  std::vector<std::string> names(num_symbols());
  for (const auto& in : inputs) {
    for (uint32_t k = 0; k < in.size(); ++k) {
      std::string name = in.name;
      // Row-major multi-index of element k.
      std::vector<uint32_t> idx(in.shape.size());
      uint32_t rest = k;
      for (std::size_t d = in.shape.size(); d-- > 0;) {
        idx[d] = rest % in.shape[d];
        rest /= in.shape[d];
      }
      for (uint32_t i : idx) name += "[" + std::to_string(i) + "]";
      names[in.first_symbol + k] = name;
    }
  }
  return names;
}

int64_t Circuit::find_symbol(const std::string& name) const {
  auto names = symbol_names();
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<int64_t>(i);
  return -1;
}

Circuit Circuit::bind(const std::vector<double>& values) const {
  // Renumber: symbols that stay free keep their order.
  const uint32_t n = num_symbols();
  std::vector<double> subst(n, std::nan(""));
  std::vector<bool> bound(n, false);
  for (uint32_t i = 0; i < n && i < values.size(); ++i)
    if (!std::isnan(values[i])) bound[i] = true;

  Circuit out = *this;
  out.inputs.clear();
  uint32_t next = 0;
  std::vector<int64_t> new_index(n, -1);
  for (const auto& in : inputs) {
    bool all_bound = true;
    for (uint32_t k = 0; k < in.size(); ++k) all_bound = all_bound && bound[in.first_symbol + k];
    if (all_bound) continue;
    InputDecl d = in;
    d.first_symbol = next;
    for (uint32_t k = 0; k < in.size(); ++k) new_index[in.first_symbol + k] = next + k;
    next += in.size();
    out.inputs.push_back(d);
  }
  // Two steps: bind the values, then rename the survivors. Renaming is a
  // substitution of symbol i by symbol new_index[i], done by rebuilding.
  struct Renamer {
    const std::vector<int64_t>& idx;
    Expr operator()(const Expr& e) const {
      if (e.is_const()) return e;
      const ExprNode& n = *e.node();
      if (n.op == ExprOp::Symbol) return Expr::symbol(static_cast<uint32_t>(idx[n.symbol]));
      if (n.op >= ExprOp::Sin || n.op == ExprOp::Neg) return Expr::unary(n.op, (*this)(n.a));
      return Expr::binary(n.op, (*this)(n.a), (*this)(n.b));
    }
  } rename{new_index};
  auto fix = [&](const Expr& e) { return rename(e.bind(values)); };
  for (auto& op : out.ops)
    for (auto& p : op.params) p = fix(p);
  out.global_phase = fix(global_phase);
  return out;
}

std::string Circuit::verify() const {
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const Operation& op = ops[i];
    const std::string where = "operation " + std::to_string(i) + ": ";
    std::unordered_set<uint32_t> seen;
    for (uint32_t q : op.qubits) {
      if (q >= num_qubits) return where + "qubit " + std::to_string(q) + " out of range";
      if (op.kind != OpKind::Barrier && !seen.insert(q).second)
        return where + "qubit " + std::to_string(q) + " used twice";
    }
    for (uint32_t c : op.clbits)
      if (c >= num_clbits) return where + "clbit " + std::to_string(c) + " out of range";
    for (const auto& cond : op.conditions)
      for (uint32_t c : cond.clbits)
        if (c >= num_clbits) return where + "condition clbit out of range";
    if (op.kind == OpKind::Gate) {
      const GateInfo& g = gate_info(op.gate);
      if (op.qubits.size() != g.num_qubits + op.num_controls)
        return where + "gate " + std::string(g.name) + " has the wrong number of qubits";
      if (op.params.size() != g.num_params)
        return where + "gate " + std::string(g.name) + " has the wrong number of parameters";
    } else if (op.kind == OpKind::Measure && op.clbits.size() != op.qubits.size()) {
      return where + "measure needs one clbit per qubit";
    }
  }
  return {};
}

Operation make_gate(GateId gate, std::vector<uint32_t> qubits, std::vector<Expr> params) {
  Operation op;
  op.gate = gate;
  op.qubits = std::move(qubits);
  op.params = std::move(params);
  return op;
}

PauliAxis operation_axis(const Operation& op, std::size_t k) {
  if (k < op.num_controls) return PauliAxis::Z;
  return gate_axis(op.gate, unsigned(k - op.num_controls));
}

Operation replacement(const Operation& original, GateId gate, std::vector<uint32_t> qubits,
                      std::vector<Expr> params) {
  Operation op = make_gate(gate, std::move(qubits), std::move(params));
  op.conditions = original.conditions;
  op.loc = original.loc;
  return op;
}

void fill_missing_locations(Circuit& c) {
  bool any = false;
  for (const Operation& op : c.ops) any = any || op.loc.line == 0;
  if (!any) return;
  // Backward: the next located operation on each qubit; then forward for
  // what is still missing: the previous one.
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<const SourceLoc*> seen(c.num_qubits, nullptr);
    const auto visit = [&](Operation& op) {
      if (op.loc.line == 0)
        for (uint32_t q : op.qubits)
          if (q < seen.size() && seen[q]) {
            op.loc = *seen[q];
            break;
          }
      if (op.loc.line != 0)
        for (uint32_t q : op.qubits)
          if (q < seen.size()) seen[q] = &op.loc;
    };
    if (pass == 0)
      for (std::size_t i = c.ops.size(); i-- > 0;) visit(c.ops[i]);
    else
      for (Operation& op : c.ops) visit(op);
  }
}

std::string op_name(const Operation& op) {
  switch (op.kind) {
    case OpKind::Gate: return std::string(gate_info(op.gate).name);
    case OpKind::Measure: return "measure";
    case OpKind::Reset: return "reset";
    case OpKind::Barrier: return "barrier";
    case OpKind::Delay: return "delay";
  }
  return "operation";
}

LocatedError error_at(const Operation& op, const std::string& message) { return LocatedError(op.loc, message); }

std::vector<cplx> operation_matrix(const Operation& op, const std::vector<double>& vals) {
  if (op.kind != OpKind::Gate) throw std::invalid_argument("operation_matrix: not a gate");
  double p[4] = {0, 0, 0, 0};
  for (std::size_t i = 0; i < op.params.size() && i < 4; ++i) {
    const Expr& e = op.params[i];
    if (e.is_const()) {
      p[i] = e.value();
      continue;
    }
    std::vector<uint32_t> syms;
    e.collect_symbols(syms);
    for (uint32_t s : syms)
      if (s >= vals.size()) throw std::invalid_argument("operation_matrix: symbolic parameter without a value");
    p[i] = e.eval(vals.data());
  }
  // Each extra control is block diag(I, m) with the control most significant.
  std::vector<cplx> m = gate_matrix(op.gate, p);
  std::size_t dim = std::size_t(1) << gate_info(op.gate).num_qubits;
  for (unsigned c = 0; c < op.num_controls; ++c) {
    const std::size_t d = 2 * dim;
    std::vector<cplx> out(d * d, 0);
    for (std::size_t i = 0; i < dim; ++i) out[i * d + i] = 1;
    for (std::size_t i = 0; i < dim; ++i)
      for (std::size_t j = 0; j < dim; ++j) out[(dim + i) * d + dim + j] = m[i * dim + j];
    m.swap(out);
    dim = d;
  }
  return m;
}

}  // namespace qforge
