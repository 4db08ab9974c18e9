// classical_branches.hpp - an exhaustive-branch dense density-matrix
// reference for circuits with run-time classical logic (structured control
// flow, assignments, RuntimeGates), for the back-end tests of dynamic
// circuits.
//
// Every path is followed: a measurement splits a branch by the projectors on
// |0> and |1> (each keeps its unnormalised density matrix, whose trace is
// its probability); conditions, if/while/for/switch, assignments and
// RuntimeGate parameters are evaluated per branch by the IR's classical
// evaluator (eval/store, whose semantics test_classical.cpp pins down);
// gates act as U rho U^dag with the dense reference's matrices. Branches
// with the same classical state are merged. A while loop runs at most
// kMaxIterations times per branch (the same cap for the circuits compared).
// Intended for n <= 6.
#pragma once

#include "dense_reference.hpp"

#include "qforge/circuit.hpp"
#include "qforge/classical.hpp"

#include <Eigen/Dense>

#include <cstring>
#include <map>
#include <stdexcept>
#include <vector>

namespace qforge::ref {

struct ClassicalBranch {
  ClassicalState s;
  Eigen::MatrixXcd rho;
  int flow = 0;  // 0 running, 1 break, 2 continue, 3 ended
};

class BranchReference {
 public:
  static constexpr int kMaxIterations = 40;

  /// The final classical-quantum state of `c` from |0..0>, clbits and
  /// variables zero: classical state (clbits, then each variable's bits) ->
  /// the summed density matrix of the paths ending in it (entries of trace
  /// under 1e-14 dropped). `relabel` (may be empty) maps each qubit of `c` to
  /// one of `num_qubits` qubits (default: c.num_qubits, identity).
  static std::map<std::vector<uint64_t>, Eigen::MatrixXcd> run(const Circuit& c,
                                                                const std::vector<uint32_t>& relabel = {},
                                                                uint32_t num_qubits = 0) {
    BranchReference r(c, relabel, num_qubits ? num_qubits : c.num_qubits);
    ClassicalBranch b;
    b.s.clbits.assign(c.num_clbits, 0);
    for (const auto& v : c.vars) {
      CValue z;
      z.type = v.type;
      b.s.vars.push_back(z);
    }
    const Eigen::Index dim = Eigen::Index(1) << r.n_;
    b.rho = Eigen::MatrixXcd::Zero(dim, dim);
    b.rho(0, 0) = 1;
    std::vector<ClassicalBranch> out = r.ops(c.ops, {b});
    std::map<std::vector<uint64_t>, Eigen::MatrixXcd> m;
    for (auto& x : out) {
      auto k = key(x);
      k.pop_back();  // the flow
      auto it = m.find(k);
      if (it == m.end()) m.emplace(k, x.rho);
      else it->second += x.rho;
    }
    for (auto it = m.begin(); it != m.end();)
      it = std::abs(it->second.trace()) < 1e-14 ? m.erase(it) : std::next(it);
    return m;
  }

  /// The largest entry difference between two results (a missing key counts
  /// its whole matrix).
  static double distance(const std::map<std::vector<uint64_t>, Eigen::MatrixXcd>& a,
                         const std::map<std::vector<uint64_t>, Eigen::MatrixXcd>& b) {
    double d = 0;
    for (const auto& [k, rho] : a) {
      auto it = b.find(k);
      d = std::max(d, it == b.end() ? rho.cwiseAbs().maxCoeff() : (rho - it->second).cwiseAbs().maxCoeff());
    }
    for (const auto& [k, rho] : b)
      if (!a.count(k)) d = std::max(d, rho.cwiseAbs().maxCoeff());
    return d;
  }

 private:
  BranchReference(const Circuit& c, std::vector<uint32_t> relabel, uint32_t n) : c_(c), map_(std::move(relabel)), n_(n) {
    if (map_.empty())
      for (uint32_t q = 0; q < c.num_qubits; ++q) map_.push_back(q);
  }

  static std::vector<uint64_t> key(const ClassicalBranch& b) {
    std::vector<uint64_t> k(b.s.clbits.begin(), b.s.clbits.end());
    for (const CValue& v : b.s.vars) {
      uint64_t f;
      std::memcpy(&f, &v.f, sizeof f);
      k.push_back(v.u);
      k.push_back(f);
    }
    k.push_back(static_cast<uint64_t>(b.flow));
    return k;
  }

  static std::vector<ClassicalBranch> merged(std::vector<ClassicalBranch> in) {
    std::map<std::vector<uint64_t>, std::size_t> at;
    std::vector<ClassicalBranch> out;
    for (auto& b : in) {
      if (std::abs(b.rho.trace()) < 1e-15) continue;
      auto k = key(b);
      auto it = at.find(k);
      if (it == at.end()) {
        at.emplace(k, out.size());
        out.push_back(std::move(b));
      } else {
        out[it->second].rho += b.rho;
      }
    }
    return out;
  }

  Eigen::MatrixXcd on(const Eigen::MatrixXcd& m, const std::vector<uint32_t>& qubits) const {
    std::vector<uint32_t> q;
    for (uint32_t x : qubits) q.push_back(map_[x]);
    return Eigen::MatrixXcd(embed(m, q, n_));
  }

  void gate(ClassicalBranch& b, const Operation& op, const std::vector<double>& params) const {
    const Eigen::MatrixXcd u = on(add_controls(gate_unitary(op.gate, params), op.num_controls), op.qubits);
    b.rho = u * b.rho * u.adjoint();
  }

  static bool holds(const Operation& op, const ClassicalState& s) {
    for (const Condition& cond : op.conditions) {
      uint64_t v = 0;
      for (std::size_t i = 0; i < cond.clbits.size(); ++i) v |= uint64_t(s.clbits[cond.clbits[i]]) << i;
      if ((v == cond.value) != cond.equal) return false;
    }
    return true;
  }

  std::vector<ClassicalBranch> ops(const std::vector<Operation>& list, std::vector<ClassicalBranch> in) const {
    for (const Operation& op : list) {
      std::vector<ClassicalBranch> next;
      for (auto& b : in) {
        if (b.flow != 0 || !holds(op, b.s)) {
          next.push_back(std::move(b));
          continue;
        }
        for (auto& x : one(op, std::move(b))) next.push_back(std::move(x));
      }
      in = merged(std::move(next));
    }
    return in;
  }

  std::vector<ClassicalBranch> one(const Operation& op, ClassicalBranch b) const {
    Eigen::MatrixXcd p0 = Eigen::MatrixXcd::Zero(2, 2), p1 = p0, lower = p0;
    p0(0, 0) = 1;
    p1(1, 1) = 1;
    lower(0, 1) = 1;
    switch (op.kind) {
      case OpKind::Gate: {
        std::vector<double> ps;
        for (const Expr& e : op.params) ps.push_back(e.value());
        gate(b, op, ps);
        return {b};
      }
      case OpKind::RuntimeGate: {
        std::vector<double> ps;
        for (const CExpr& e : op.classical->cparams) ps.push_back(eval(e, b.s).as_float());
        gate(b, op, ps);
        return {b};
      }
      case OpKind::Barrier:
      case OpKind::Delay: return {b};
      case OpKind::Reset:
        for (uint32_t q : op.qubits) {
          const Eigen::MatrixXcd k0 = on(p0, {q}), k1 = on(lower, {q});
          b.rho = k0 * b.rho * k0.adjoint() + k1 * b.rho * k1.adjoint();
        }
        return {b};
      case OpKind::Measure: {
        std::vector<ClassicalBranch> parts{b};
        for (std::size_t j = 0; j < op.qubits.size(); ++j) {
          std::vector<ClassicalBranch> split;
          for (const auto& x : parts)
            for (int out = 0; out < 2; ++out) {
              const Eigen::MatrixXcd k = on(out ? p1 : p0, {op.qubits[j]});
              ClassicalBranch y = x;
              y.s.clbits[op.clbits[j]] = uint8_t(out);
              y.rho = k * x.rho * k.adjoint();
              split.push_back(std::move(y));
            }
          parts = std::move(split);
        }
        return parts;
      }
      case OpKind::Assign:
        store(b.s, op.classical->var, op.classical->var == ClassicalData::kNoVar ? op.clbits : std::vector<uint32_t>{},
              c_.vars, eval(op.classical->value, b.s));
        return {b};
      case OpKind::Break: b.flow = 1; return {b};
      case OpKind::Continue: b.flow = 2; return {b};
      case OpKind::End: b.flow = 3; return {b};
      case OpKind::If: {
        if (eval(op.classical->value, b.s).as_bool()) return ops(op.blocks[0], {b});
        if (op.blocks.size() > 1) return ops(op.blocks[1], {b});
        return {b};
      }
      case OpKind::Switch: {
        const int64_t v = eval(op.classical->value, b.s).as_int();
        for (std::size_t k = 0; k < op.blocks.size(); ++k) {
          const auto& cs = op.classical->cases[k];
          if (cs.empty() || std::find(cs.begin(), cs.end(), v) != cs.end()) return ops(op.blocks[k], {b});
        }
        return {b};
      }
      case OpKind::While: {
        std::vector<ClassicalBranch> done, active{b};
        for (int it = 0; it < kMaxIterations && !active.empty(); ++it) {
          std::vector<ClassicalBranch> go;
          for (auto& x : active)
            (eval(op.classical->value, x.s).as_bool() ? go : done).push_back(std::move(x));
          active.clear();
          for (auto& x : ops(op.blocks[0], std::move(go))) {
            if (x.flow == 1) x.flow = 0, done.push_back(std::move(x));
            else if (x.flow == 3) done.push_back(std::move(x));
            else x.flow = 0, active.push_back(std::move(x));
          }
          active = merged(std::move(active));
        }
        for (auto& x : active) done.push_back(std::move(x));  // the cap
        return done;
      }
      case OpKind::For: {
        const ClassicalData& d = *op.classical;
        std::vector<CValue> values;
        if (!d.set.empty()) {
          for (const CExpr& e : d.set) values.push_back(eval(e, b.s));
        } else {
          const int64_t a = eval(d.start, b.s).as_int(), st = eval(d.step, b.s).as_int(), z = eval(d.stop, b.s).as_int();
          for (int64_t v = a; st > 0 ? v <= z : v >= z; v += st) values.push_back(CValue::of_int(v));
        }
        std::vector<ClassicalBranch> done, active{b};
        for (const CValue& v : values) {
          for (auto& x : active) store(x.s, d.var, {}, c_.vars, v);
          std::vector<ClassicalBranch> go;
          for (auto& x : ops(op.blocks[0], std::move(active))) {
            if (x.flow == 1) x.flow = 0, done.push_back(std::move(x));
            else if (x.flow == 3) done.push_back(std::move(x));
            else x.flow = 0, go.push_back(std::move(x));
          }
          active = merged(std::move(go));
        }
        for (auto& x : active) done.push_back(std::move(x));
        return done;
      }
    }
    throw std::logic_error("reference: unknown operation");
  }

  const Circuit& c_;
  std::vector<uint32_t> map_;
  uint32_t n_;
};

}  // namespace qforge::ref
