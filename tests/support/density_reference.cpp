// The dense density-matrix reference (see density_reference.hpp).
#include "density_reference.hpp"

#include <cmath>
#include <functional>
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

namespace {

/// A path while it runs: how it leaves the current block, and the values
/// still to take of each enclosing for loop.
struct Path {
  Eigen::VectorXcd psi;
  ClassicalState cs;
  enum Flow { Run, Break, Continue, Ended } flow = Run;
  std::vector<std::pair<std::vector<CValue>, std::size_t>> loops;
};

struct Interpreter {
  const Circuit& c;
  const std::vector<double>& inputs;
  double min_p;
  std::mt19937_64* rng;
  uint32_t n;

  bool holds(const Operation& op, const ClassicalState& cs) const {
    for (const Condition& cond : op.conditions) {
      uint64_t v = 0;
      for (std::size_t i = 0; i < cond.clbits.size(); ++i) v |= uint64_t(cs.clbits[cond.clbits[i]]) << i;
      if ((v == cond.value) != cond.equal) return false;
    }
    return true;
  }

  /// The parts of psi with qubit q reading 0 and 1.
  std::pair<Eigen::VectorXcd, Eigen::VectorXcd> split(const Eigen::VectorXcd& psi, uint32_t q) const {
    Eigen::VectorXcd zero = psi, one = psi;
    for (Eigen::Index i = 0; i < psi.size(); ++i) (((i >> q) & 1) ? zero : one)(i) = 0;
    return {zero, one};
  }

  /// Outcome paths of measuring (or resetting) q on `p`: outcome 0 and 1.
  void outcomes(Path& p, uint32_t q, const std::function<void(Path&, int)>& set, std::vector<Path>& out) {
    auto [zero, one] = split(p.psi, q);
    if (rng) {
      const double p1 = one.squaredNorm() / p.psi.squaredNorm();
      const int o = std::uniform_real_distribution<double>(0, 1)(*rng) < p1 ? 1 : 0;
      Path next = p;
      next.psi = (o ? one : zero) / std::sqrt(o ? p1 : 1 - p1);
      set(next, o);
      out.push_back(std::move(next));
      return;
    }
    for (int o = 0; o < 2; ++o) {
      Path next = p;
      next.psi = o ? one : zero;
      if (next.psi.squaredNorm() < min_p) continue;
      set(next, o);
      out.push_back(std::move(next));
    }
  }

  void block(const std::vector<Operation>& ops, std::vector<Path>& paths) {
    for (const Operation& op : ops) run(op, paths);
  }

  /// Run `body` on the paths of a loop until none goes on: `enter(p)` says
  /// whether path p takes another iteration (and sets it up for it).
  void loop(const Operation& body_of, std::vector<Path>& paths, const std::function<bool(Path&)>& enter) {
    std::vector<Path> active = std::move(paths), done;
    for (int iteration = 0; !active.empty(); ++iteration) {
      if (iteration > 100000) throw std::runtime_error("classical_paths: a loop runs more than 100000 times");
      std::vector<Path> body;
      for (Path& p : active) (enter(p) ? body : done).push_back(std::move(p));
      block(body_of.blocks[0], body);
      active.clear();
      for (Path& p : body) {
        if (p.flow == Path::Break) {
          p.flow = Path::Run;
          done.push_back(std::move(p));
        } else if (p.flow == Path::Ended) {
          done.push_back(std::move(p));
        } else {
          p.flow = Path::Run;
          active.push_back(std::move(p));
        }
      }
    }
    paths = std::move(done);
  }

  void run(const Operation& op, std::vector<Path>& paths) {
    std::vector<Path> act, rest;
    for (Path& p : paths) (p.flow == Path::Run && holds(op, p.cs) ? act : rest).push_back(std::move(p));
    const ClassicalData* d = op.classical.get();
    switch (op.kind) {
      case OpKind::Gate: {
        const Eigen::MatrixXcd u = Eigen::MatrixXcd(operation_unitary(op, n, inputs));
        for (Path& p : act) p.psi = u * p.psi;
        break;
      }
      case OpKind::RuntimeGate:
        for (Path& p : act) {
          Operation g = op;
          g.kind = OpKind::Gate;
          g.classical.reset();
          g.conditions.clear();
          for (const CExpr& e : d->cparams) g.params.emplace_back(eval(e, p.cs).as_float());
          p.psi = Eigen::MatrixXcd(operation_unitary(g, n, inputs)) * p.psi;
        }
        break;
      case OpKind::Measure:
        for (std::size_t j = 0; j < op.qubits.size(); ++j) {
          std::vector<Path> next;
          for (Path& p : act)
            outcomes(p, op.qubits[j], [&](Path& x, int o) { x.cs.clbits[op.clbits[j]] = uint8_t(o); }, next);
          act = std::move(next);
        }
        break;
      case OpKind::Reset:
        for (uint32_t q : op.qubits) {
          std::vector<Path> next;
          for (Path& p : act)
            outcomes(p, q, [&](Path& x, int o) {
              if (!o) return;
              Eigen::VectorXcd moved = Eigen::VectorXcd::Zero(x.psi.size());
              for (Eigen::Index i = 0; i < x.psi.size(); ++i)
                if ((i >> q) & 1) moved(i & ~(Eigen::Index(1) << q)) = x.psi(i);
              x.psi = moved;
            }, next);
          act = std::move(next);
        }
        break;
      case OpKind::Assign:
        for (Path& p : act)
          store(p.cs, d->var, d->var == ClassicalData::kNoVar ? op.clbits : std::vector<uint32_t>{}, c.vars,
                eval(d->value, p.cs));
        break;
      case OpKind::If: {
        std::vector<Path> yes, no;
        for (Path& p : act) (eval(d->value, p.cs).as_bool() ? yes : no).push_back(std::move(p));
        block(op.blocks[0], yes);
        if (op.blocks.size() > 1) block(op.blocks[1], no);
        act = std::move(yes);
        for (Path& p : no) act.push_back(std::move(p));
        break;
      }
      case OpKind::While:
        loop(op, act, [&](Path& p) { return eval(d->value, p.cs).as_bool(); });
        break;
      case OpKind::For: {
        const std::size_t depth = act.empty() ? 0 : act[0].loops.size();
        for (Path& p : act) {
          std::vector<CValue> values;
          if (!d->set.empty()) {
            for (const CExpr& e : d->set) values.push_back(eval(e, p.cs));
          } else {
            const int64_t a = eval(d->start, p.cs).as_int(), s = eval(d->step, p.cs).as_int(),
                          b = eval(d->stop, p.cs).as_int();
            for (int64_t v = a; s > 0 ? v <= b : v >= b; v += s) values.push_back(CValue::of_int(v));
          }
          p.loops.emplace_back(std::move(values), 0);
        }
        loop(op, act, [&](Path& p) {
          auto& [values, k] = p.loops.back();
          if (k >= values.size()) {
            p.loops.pop_back();
            return false;
          }
          store(p.cs, d->var, {}, c.vars, values[k++]);
          return true;
        });
        for (Path& p : act)  // paths that left by break or end keep their frame
          while (p.loops.size() > depth) p.loops.pop_back();
        break;
      }
      case OpKind::Switch: {
        std::vector<std::vector<Path>> groups(op.blocks.size());
        std::vector<Path> none;
        for (Path& p : act) {
          const int64_t v = eval(d->value, p.cs).as_int();
          std::size_t chosen = SIZE_MAX;
          for (std::size_t b = 0; b < d->cases.size() && chosen == SIZE_MAX; ++b)
            for (int64_t x : d->cases[b])
              if (x == v) chosen = b;
          for (std::size_t b = 0; b < d->cases.size() && chosen == SIZE_MAX; ++b)
            if (d->cases[b].empty()) chosen = b;
          (chosen == SIZE_MAX ? none : groups[chosen]).push_back(std::move(p));
        }
        act = std::move(none);
        for (std::size_t b = 0; b < groups.size(); ++b) {
          block(op.blocks[b], groups[b]);
          for (Path& p : groups[b]) act.push_back(std::move(p));
        }
        break;
      }
      case OpKind::Break:
        for (Path& p : act) p.flow = Path::Break;
        break;
      case OpKind::Continue:
        for (Path& p : act) p.flow = Path::Continue;
        break;
      case OpKind::End:
        for (Path& p : act) p.flow = Path::Ended;
        break;
      default:
        break;
    }
    paths = std::move(rest);
    for (Path& p : act) paths.push_back(std::move(p));
  }
};

}  // namespace

std::vector<ClassicalPath> classical_paths(const Circuit& c, const std::vector<double>& inputs, double min_probability,
                                           std::mt19937_64* rng) {
  Interpreter in{c, inputs, min_probability, rng, c.num_qubits};
  Path start;
  start.psi = Eigen::VectorXcd::Zero(Eigen::Index(1) << c.num_qubits);
  start.psi(0) = 1;
  start.cs.clbits.assign(c.num_clbits, 0);
  for (const ClassicalVar& v : c.vars) start.cs.vars.push_back(convert(CValue::of_uint(0), v.type));
  std::vector<Path> paths{start};
  in.block(c.ops, paths);
  std::vector<ClassicalPath> out;
  for (Path& p : paths) out.push_back({std::move(p.psi), std::move(p.cs)});
  return out;
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
