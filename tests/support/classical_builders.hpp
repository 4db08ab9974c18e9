// classical_builders.hpp - IR with run-time classical logic built by hand
// for the back-end tests of dynamic circuits (the front end that reads it
// from OpenQASM is tested on its own), random such circuits, and their
// exhaustive-branch reference (tests/support/density_reference.hpp).
#pragma once

#include "density_reference.hpp"
#include "qforge/circuit.hpp"
#include "qforge/classical.hpp"

#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace qforge::build {

inline const ClassicalType kBool{CType::Bool, 1};
inline ClassicalType int_t(uint32_t w) { return {CType::Int, w}; }
inline const ClassicalType kFloat{CType::Float, 64};

inline CExpr k_int(int64_t v, uint32_t w = 64) { return CExpr::constant(CValue::of_int(v, w)); }
inline CExpr bin(COp op, const ClassicalType& t, CExpr a, CExpr b) { return CExpr::apply(op, t, {std::move(a), std::move(b)}); }
/// `bits == v` (bits[0] least significant).
inline CExpr bits_eq(std::vector<uint32_t> bits, uint64_t v) {
  return bin(COp::Eq, kBool, CExpr::bits(std::move(bits)), CExpr::constant(CValue::of_uint(v)));
}
inline CExpr var(uint32_t i, const ClassicalType& t) { return CExpr::var(i, t); }

inline Operation at(Operation op, uint32_t line, uint32_t col = 1) {
  static const auto file = std::make_shared<const std::string>("dyn.qasm");
  op.loc.file = file;
  op.loc.line = line;
  op.loc.col = col;
  return op;
}

/// vars[v] = value (v = ClassicalData::kNoVar: into `clbits`).
inline Operation assign(uint32_t v, CExpr value, std::vector<uint32_t> clbits = {}) {
  ClassicalData d;
  d.var = v;
  d.value = std::move(value);
  Operation op;
  op.kind = OpKind::Assign;
  op.clbits = std::move(clbits);
  op.classical = std::make_shared<const ClassicalData>(std::move(d));
  return op;
}

inline Operation if_(CExpr cond, std::vector<Operation> then, std::vector<Operation> otherwise = {}, bool has_else = false) {
  ClassicalData d;
  d.value = std::move(cond);
  std::vector<std::vector<Operation>> blocks{std::move(then)};
  if (has_else || !otherwise.empty()) blocks.push_back(std::move(otherwise));
  return make_control_flow(OpKind::If, std::move(d), std::move(blocks));
}

inline Operation while_(CExpr cond, std::vector<Operation> body) {
  ClassicalData d;
  d.value = std::move(cond);
  return make_control_flow(OpKind::While, std::move(d), {std::move(body)});
}

/// for vars[v] in [start:step:stop] (stop inclusive).
inline Operation for_(uint32_t v, CExpr start, CExpr step, CExpr stop, std::vector<Operation> body) {
  ClassicalData d;
  d.var = v;
  d.start = std::move(start);
  d.step = std::move(step);
  d.stop = std::move(stop);
  return make_control_flow(OpKind::For, std::move(d), {std::move(body)});
}
inline Operation for_(uint32_t v, int64_t start, int64_t step, int64_t stop, std::vector<Operation> body) {
  return for_(v, k_int(start), k_int(step), k_int(stop), std::move(body));
}

inline Operation switch_(CExpr target, std::vector<std::vector<int64_t>> cases, std::vector<std::vector<Operation>> blocks) {
  ClassicalData d;
  d.value = std::move(target);
  d.cases = std::move(cases);
  return make_control_flow(OpKind::Switch, std::move(d), std::move(blocks));
}

inline Operation runtime_gate(GateId g, std::vector<uint32_t> qubits, std::vector<CExpr> params) {
  ClassicalData d;
  d.cparams = std::move(params);
  Operation op;
  op.kind = OpKind::RuntimeGate;
  op.gate = g;
  op.qubits = std::move(qubits);
  op.classical = std::make_shared<const ClassicalData>(std::move(d));
  return op;
}

inline Operation simple(OpKind k) {
  Operation op;
  op.kind = k;
  return op;
}

inline Operation conditioned(Operation op, std::vector<uint32_t> bits, uint64_t value) {
  op.conditions.push_back({std::move(bits), value, true});
  return op;
}

/// A circuit of n qubits, a bit[m] register c and the variables `vars`.
inline Circuit circuit(uint32_t n, uint32_t m, std::vector<ClassicalVar> vars = {}) {
  Circuit c;
  c.num_qubits = n;
  c.num_clbits = m;
  c.qregs = {Register{"q", 0, n, true}};
  if (m) c.cregs = {Register{"c", 0, m, true}};
  c.vars = std::move(vars);
  return c;
}

/// Random dynamic circuits on n qubits, clbits c[0..m), and one int[4]
/// variable `n` (index 0): gates (one- and two-qubit, a few three-qubit
/// when `toffoli`), measurements, resets, conditioned gates, if/else on
/// bits and on the variable, while loops counting the variable up to a
/// bound (with break sometimes), switch on the bits, assignments and
/// RuntimeGates whose angle reads the variable. Nesting depth <= 2.
class RandomDynamic {
 public:
  RandomDynamic(uint64_t seed, uint32_t n, uint32_t m, bool toffoli = false) : rng_(seed), n_(n), m_(m), toffoli_(toffoli) {}

  Circuit make(uint32_t len) {
    Circuit c = circuit(n_, m_, {{"n", int_t(4), false}});
    c.ops = block(len, 0, false);
    return c;
  }

 private:
  uint32_t q() { return static_cast<uint32_t>(rng_() % n_); }
  uint32_t b() { return static_cast<uint32_t>(rng_() % m_); }
  CExpr nvar() { return var(0, int_t(4)); }

  Operation gate() {
    static const GateId one[] = {GateId::H, GateId::X, GateId::S, GateId::T, GateId::Tdg, GateId::SX, GateId::Z};
    const uint32_t kind = static_cast<uint32_t>(rng_() % 10);
    if (toffoli_ && n_ >= 3 && kind == 0) {
      uint32_t a = q(), x = q(), y = q();
      while (x == a) x = q();
      while (y == a || y == x) y = q();
      return make_gate(GateId::CCX, {a, x, y});
    }
    if (n_ >= 2 && kind <= 4) {
      uint32_t a = q(), x = q();
      while (x == a) x = q();
      return make_gate(kind <= 2 ? GateId::CX : kind == 3 ? GateId::CZ : GateId::Swap, {a, x});
    }
    if (kind == 5) return make_gate(GateId::RZ, {q()}, {Expr(0.1 + 0.37 * static_cast<double>(rng_() % 9))});
    return make_gate(one[rng_() % 7], {q()});
  }

  std::vector<Operation> block(uint32_t len, int depth, bool in_loop) {
    std::vector<Operation> ops;
    for (uint32_t i = 0; i < len; ++i) {
      const uint32_t kind = static_cast<uint32_t>(rng_() % 20);
      if (kind == 0) {
        ops.push_back(make_measure({q()}, {b()}));
      } else if (kind == 1) {
        Operation r;
        r.kind = OpKind::Reset;
        r.qubits = {q()};
        ops.push_back(r);
      } else if (kind == 2) {
        ops.push_back(conditioned(gate(), {b()}, rng_() % 2));
      } else if (kind == 3 && depth < 2) {
        ops.push_back(if_(bits_eq({b()}, rng_() % 2), block(3, depth + 1, in_loop), block(rng_() % 3, depth + 1, in_loop)));
      } else if (kind == 4 && depth < 2) {
        ops.push_back(if_(bin(COp::Lt, kBool, nvar(), k_int(2, 4)), block(3, depth + 1, in_loop)));
      } else if (kind == 5 && depth < 2) {
        // while (n < bound) { ...; n = n + 1 }, maybe with a break on a bit.
        std::vector<Operation> body = block(3, depth + 1, true);
        if (rng_() % 2) body.push_back(if_(bits_eq({b()}, 1), {make_gate(GateId::X, {q()}), simple(OpKind::Break)}));
        body.push_back(assign(0, bin(COp::Add, int_t(4), nvar(), k_int(1, 4))));
        ops.push_back(while_(bin(COp::Lt, kBool, nvar(), k_int(static_cast<int64_t>(2 + rng_() % 3), 4)), std::move(body)));
      } else if (kind == 6 && depth < 2 && m_ >= 2) {
        ops.push_back(switch_(CExpr::bits({0, 1}), {{0}, {1, 2}, {}},
                              {block(2, depth + 1, in_loop), block(2, depth + 1, in_loop), block(2, depth + 1, in_loop)}));
      } else if (kind == 7) {
        ops.push_back(assign(0, CExpr::apply(COp::Cast, int_t(4), {CExpr::bits({b()})})));
      } else if (kind == 8) {
        ops.push_back(runtime_gate(GateId::RZ, {q()},
                                   {bin(COp::Mul, kFloat, CExpr::apply(COp::Cast, kFloat, {nvar()}),
                                        CExpr::constant(CValue::of_float(0.7)))}));
      } else if (kind == 9 && in_loop && rng_() % 3 == 0) {
        ops.push_back(if_(bits_eq({b()}, 0), {simple(OpKind::Continue)}));
      } else {
        ops.push_back(gate());
      }
    }
    return ops;
  }

  std::mt19937_64 rng_;
  uint32_t n_, m_;
  bool toffoli_;
};

/// The final classical-quantum state of `c` by ref::classical_branches,
/// `relabel` and `num_qubits` as there. A loop entered by one branch runs
/// at most 40 iterations, then its branches leave it: RandomDynamic's loops
/// need not end (a `continue` may skip the count), and the circuits a test
/// compares get the same cap.
inline std::vector<ref::ClassicalBranch> reference(const Circuit& c, std::vector<uint32_t> relabel = {},
                                                   uint32_t num_qubits = 0) {
  ref::BranchOptions o;
  o.relabel = std::move(relabel);
  o.num_qubits = num_qubits;
  o.max_iterations = 40;
  o.leave_loops = true;
  return ref::classical_branches(c, o);
}

}  // namespace qforge::build
