// The gate IR (see qforge/circuit.hpp).
#include "qforge/circuit.hpp"

#include "qforge/classical_reads.hpp"

#include <algorithm>
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
  std::function<void(std::vector<Operation>&)> fix_ops = [&](std::vector<Operation>& ops) {
    for (auto& op : ops) {
      for (auto& p : op.params) p = fix(p);
      for (auto& b : op.blocks) fix_ops(b);
    }
  };
  fix_ops(out.ops);
  out.global_phase = fix(global_phase);
  return out;
}

namespace {

std::string verify_ops(const Circuit& c, const std::vector<Operation>& ops, const std::string& prefix,
                       int loop_depth) {
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const Operation& op = ops[i];
    const std::string where = prefix + "operation " + std::to_string(i) + ": ";
    std::unordered_set<uint32_t> seen;
    for (uint32_t q : op.qubits) {
      if (q >= c.num_qubits) return where + "qubit " + std::to_string(q) + " out of range";
      if (op.kind != OpKind::Barrier && !op.is_control_flow() && !seen.insert(q).second)
        return where + "qubit " + std::to_string(q) + " used twice";
    }
    for (uint32_t b : op.clbits)
      if (b >= c.num_clbits) return where + "clbit " + std::to_string(b) + " out of range";
    for (const auto& cond : op.conditions)
      for (uint32_t b : cond.clbits)
        if (b >= c.num_clbits) return where + "condition clbit out of range";
    if (op.kind == OpKind::Gate || op.kind == OpKind::RuntimeGate) {
      const GateInfo& g = gate_info(op.gate);
      if (op.qubits.size() != g.num_qubits + op.num_controls)
        return where + "gate " + std::string(g.name) + " has the wrong number of qubits";
      const std::size_t np = op.kind == OpKind::Gate ? op.params.size()
                             : op.classical              ? op.classical->cparams.size()
                                                         : 0;
      if (np != g.num_params) return where + "gate " + std::string(g.name) + " has the wrong number of parameters";
    } else if (op.kind == OpKind::Measure && op.clbits.size() != op.qubits.size()) {
      return where + "measure needs one clbit per qubit";
    }
    if (op.is_classical() && op.kind != OpKind::Break && op.kind != OpKind::Continue &&
        op.kind != OpKind::End && !op.classical)
      return where + op_name(op) + " without its classical data";
    if (op.classical) {
      const ClassicalData& d = *op.classical;
      std::vector<uint32_t> bits, vars;
      collect_classical_reads(op, bits, vars);
      if (d.var != ClassicalData::kNoVar) vars.push_back(d.var);
      for (uint32_t b : bits)
        if (b >= c.num_clbits) return where + "reads clbit " + std::to_string(b) + " out of range";
      for (uint32_t v : vars)
        if (v >= c.vars.size()) return where + "uses variable " + std::to_string(v) + " out of range";
      if ((op.kind == OpKind::If || op.kind == OpKind::While || op.kind == OpKind::Switch ||
           op.kind == OpKind::Assign) && !d.value)
        return where + op_name(op) + " without its " + (op.kind == OpKind::Assign ? "value" : "condition");
      if (op.kind == OpKind::Assign && d.var == ClassicalData::kNoVar && op.clbits.empty())
        return where + "assignment without a target";
      if (op.kind == OpKind::For && d.var == ClassicalData::kNoVar) return where + "for without a loop variable";
      if (op.kind == OpKind::For && d.set.empty() && !(d.start && d.step && d.stop))
        return where + "for without a range";
      if (op.kind == OpKind::Switch && d.cases.size() != op.blocks.size())
        return where + "switch with " + std::to_string(d.cases.size()) + " case lists for " +
               std::to_string(op.blocks.size()) + " blocks";
    }
    if ((op.kind == OpKind::While || op.kind == OpKind::For) && op.blocks.size() != 1)
      return where + op_name(op) + " needs one body";
    if (op.kind == OpKind::If && (op.blocks.empty() || op.blocks.size() > 2))
      return where + "if needs a body and at most an else";
    if (!op.is_control_flow() && !op.blocks.empty()) return where + op_name(op) + " holds blocks";
    if ((op.kind == OpKind::Break || op.kind == OpKind::Continue) && loop_depth == 0)
      return where + op_name(op) + " outside a loop";
    if (op.is_control_flow()) {
      const bool loop = op.kind == OpKind::While || op.kind == OpKind::For;
      for (std::size_t b = 0; b < op.blocks.size(); ++b) {
        std::string err = verify_ops(c, op.blocks[b], where + "block " + std::to_string(b) + ": ",
                                     loop_depth + (loop ? 1 : 0));
        if (!err.empty()) return err;
      }
    }
  }
  return {};
}

}  // namespace

std::string Circuit::verify() const { return verify_ops(*this, ops, "", 0); }

bool Operation::is_control_flow() const {
  return kind == OpKind::If || kind == OpKind::While || kind == OpKind::For || kind == OpKind::Switch;
}

Operation make_measure(std::vector<uint32_t> qubits, std::vector<uint32_t> clbits) {
  Operation op;
  op.kind = OpKind::Measure;
  op.qubits = std::move(qubits);
  op.clbits = std::move(clbits);
  return op;
}

void for_each_operation(const std::vector<Operation>& ops, const std::function<void(const Operation&)>& f) {
  for (const Operation& op : ops) {
    f(op);
    for (const auto& b : op.blocks) for_each_operation(b, f);
  }
}

bool has_classical(const Circuit& c) {
  for (const Operation& op : c.ops)
    if (op.is_classical()) return true;
  return false;
}

Operation make_control_flow(OpKind kind, ClassicalData data, std::vector<std::vector<Operation>> blocks) {
  Operation op;
  op.kind = kind;
  op.classical = std::make_shared<const ClassicalData>(std::move(data));
  std::vector<uint32_t> qubits, clbits, vars;
  collect_classical_reads(op, clbits, vars);
  for (const auto& block : blocks)
    for_each_operation(block, [&](const Operation& inner) {
      qubits.insert(qubits.end(), inner.qubits.begin(), inner.qubits.end());
      clbits.insert(clbits.end(), inner.clbits.begin(), inner.clbits.end());
      for (const auto& cond : inner.conditions) clbits.insert(clbits.end(), cond.clbits.begin(), cond.clbits.end());
      collect_classical_reads(inner, clbits, vars);
    });
  const auto sort_unique = [](std::vector<uint32_t>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  };
  sort_unique(qubits);
  sort_unique(clbits);
  op.qubits = std::move(qubits);
  op.clbits = std::move(clbits);
  op.blocks = std::move(blocks);
  return op;
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
    case OpKind::Gate:
    case OpKind::RuntimeGate: return std::string(gate_info(op.gate).name);
    case OpKind::Measure: return "measure";
    case OpKind::Reset: return "reset";
    case OpKind::Barrier: return "barrier";
    case OpKind::Delay: return "delay";
    case OpKind::Assign: return "assignment";
    case OpKind::If: return "if";
    case OpKind::While: return "while";
    case OpKind::For: return "for";
    case OpKind::Switch: return "switch";
    case OpKind::Break: return "break";
    case OpKind::Continue: return "continue";
    case OpKind::End: return "end";
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
