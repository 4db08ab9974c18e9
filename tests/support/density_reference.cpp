// The dense density-matrix reference (see density_reference.hpp).
#include "density_reference.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>

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

namespace {

/// A branch while it runs: its classical state, its density matrix as
/// f f^dag (a column per pure part: an operator K acts as f <- K f, a merge
/// puts the columns side by side), and how it leaves the current block.
struct Branch {
  ClassicalState cs;
  Eigen::MatrixXcd f;
  enum Flow { Run, Break, Continue, Ended } flow = Run;
};

/// f with the same f f^dag and at most f.rows() columns: V sqrt(D) of the
/// eigendecomposition V D V^dag of f f^dag.
void compress(Eigen::MatrixXcd& f) {
  if (f.cols() <= f.rows()) return;
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXcd> eig(f * f.adjoint());
  const Eigen::VectorXd d = eig.eigenvalues().cwiseMax(0).cwiseSqrt();
  f = eig.eigenvectors() * d.asDiagonal();
}

/// The merge key of a branch: clbits, each variable's bits, the flow.
std::vector<uint64_t> key(const ClassicalState& cs, int flow) {
  std::vector<uint64_t> k(cs.clbits.begin(), cs.clbits.end());
  for (const CValue& v : cs.vars) {
    uint64_t f;
    std::memcpy(&f, &v.f, sizeof f);
    k.push_back(v.u);
    k.push_back(f);
  }
  k.push_back(uint64_t(flow));
  return k;
}

class Interpreter {
 public:
  Interpreter(const Circuit& c, const BranchOptions& o) : c_(c), o_(o), n_(o.num_qubits ? o.num_qubits : c.num_qubits) {
    map_ = o.relabel;
    if (map_.empty())
      for (uint32_t q = 0; q < c.num_qubits; ++q) map_.push_back(q);
    Eigen::MatrixXcd p0 = Eigen::MatrixXcd::Zero(2, 2), p1 = p0, lower = p0;
    p0(0, 0) = 1;
    p1(1, 1) = 1;
    lower(0, 1) = 1;
    p0_ = p0, p1_ = p1, lower_ = lower;
  }

  uint32_t num_qubits() const { return n_; }

  std::vector<Branch> block(const std::vector<Operation>& ops, std::vector<Branch> in) const {
    for (const Operation& op : ops) {
      std::vector<Branch> next;
      for (Branch& b : in) {
        if (b.flow != Branch::Run || !holds(op, b.cs)) {
          next.push_back(std::move(b));
          continue;
        }
        for (Branch& x : one(op, std::move(b))) next.push_back(std::move(x));
      }
      in = merged(std::move(next));
    }
    return in;
  }

  std::vector<Branch> merged(std::vector<Branch> in) const {
    std::map<std::vector<uint64_t>, std::size_t> at;
    std::vector<Branch> out;
    for (Branch& b : in) {
      if (!o_.rng && b.f.squaredNorm() < o_.min_probability) continue;
      const auto k = key(b.cs, b.flow);
      const auto it = at.find(k);
      if (it == at.end()) {
        at.emplace(k, out.size());
        out.push_back(std::move(b));
      } else {
        Eigen::MatrixXcd& f = out[it->second].f;
        Eigen::MatrixXcd both(f.rows(), f.cols() + b.f.cols());
        both << f, b.f;
        f = std::move(both);
      }
    }
    for (Branch& b : out) compress(b.f);
    return out;
  }

 private:
  /// `m` on the (relabelled) `qubits`.
  Sparse on(const Eigen::MatrixXcd& m, const std::vector<uint32_t>& qubits) const {
    std::vector<uint32_t> q;
    for (uint32_t x : qubits) q.push_back(map_.at(x));
    return embed(m, q, n_);
  }


  /// Gate `op` (a RuntimeGate with its parameters evaluated in the branch)
  /// on the relabelled qubits.
  void gate(Branch& b, const Operation& op) const {
    Operation g;
    g.gate = op.gate;
    g.num_controls = op.num_controls;
    for (uint32_t q : op.qubits) g.qubits.push_back(map_.at(q));
    if (op.kind == OpKind::RuntimeGate)
      for (const CExpr& e : op.classical->cparams) g.params.emplace_back(eval(e, b.cs).as_float());
    else
      g.params = op.params;
    b.f = operation_unitary(g, n_, o_.inputs) * b.f;
  }

  static bool holds(const Operation& op, const ClassicalState& cs) {
    for (const Condition& cond : op.conditions) {
      uint64_t v = 0;
      for (std::size_t i = 0; i < cond.clbits.size(); ++i) v |= uint64_t(cs.clbits[cond.clbits[i]]) << i;
      if ((v == cond.value) != cond.equal) return false;
    }
    return true;
  }

  /// The body of loop `op` run on `active` until no branch goes on:
  /// `enter(b, k)` says whether branch b takes iteration k (counted from 0)
  /// and sets it up for it.
  std::vector<Branch> loop(const Operation& op, std::vector<Branch> active,
                           const std::function<bool(Branch&, uint64_t)>& enter) const {
    std::vector<Branch> done;
    for (uint64_t iteration = 0; !active.empty(); ++iteration) {
      std::vector<Branch> go;
      for (Branch& b : active) (enter(b, iteration) ? go : done).push_back(std::move(b));
      if (go.empty()) break;
      if (iteration == o_.max_iterations) {
        if (!o_.leave_loops)
          throw std::runtime_error("classical_branches: a loop runs more than " + std::to_string(o_.max_iterations) +
                                   " times");
        for (Branch& b : go) done.push_back(std::move(b));
        break;
      }
      active.clear();
      for (Branch& b : block(op.blocks[0], std::move(go))) {
        if (b.flow == Branch::Break) {
          b.flow = Branch::Run;
          done.push_back(std::move(b));
        } else if (b.flow == Branch::Ended) {
          done.push_back(std::move(b));
        } else {
          b.flow = Branch::Run;
          active.push_back(std::move(b));
        }
      }
      active = merged(std::move(active));
    }
    return done;
  }

  std::vector<Branch> one(const Operation& op, Branch b) const {
    const ClassicalData* d = op.classical.get();
    switch (op.kind) {
      case OpKind::Gate:
      case OpKind::RuntimeGate:
        gate(b, op);
        return {b};
      case OpKind::Barrier:
      case OpKind::Delay:
        return {b};
      case OpKind::Reset:
        // The channel {|0><0|, |0><1|}; one shot draws which of the two acts.
        for (uint32_t q : op.qubits) {
          const Eigen::MatrixXcd f0 = on(p0_, {q}) * b.f, f1 = on(lower_, {q}) * b.f;
          if (o_.rng) {
            const double p1 = f1.squaredNorm() / b.f.squaredNorm();
            const bool one = std::uniform_real_distribution<double>(0, 1)(*o_.rng) < p1;
            b.f = one ? Eigen::MatrixXcd(f1 / std::sqrt(p1)) : Eigen::MatrixXcd(f0 / std::sqrt(1 - p1));
          } else {
            b.f.resize(f0.rows(), f0.cols() + f1.cols());
            b.f << f0, f1;
            compress(b.f);
          }
        }
        return {b};
      case OpKind::Measure: {
        std::vector<Branch> parts{b};
        for (std::size_t j = 0; j < op.qubits.size(); ++j) {
          std::vector<Branch> split;
          for (const Branch& x : parts) {
            Branch y[2] = {x, x};
            for (int out = 0; out < 2; ++out) {
              y[out].f = on(out ? p1_ : p0_, {op.qubits[j]}) * x.f;
              y[out].cs.clbits[op.clbits[j]] = uint8_t(out);
            }
            if (o_.rng) {
              const double p1 = y[1].f.squaredNorm() / x.f.squaredNorm();
              const int o = std::uniform_real_distribution<double>(0, 1)(*o_.rng) < p1 ? 1 : 0;
              y[o].f /= std::sqrt(o ? p1 : 1 - p1);
              split.push_back(std::move(y[o]));
            } else {
              split.push_back(std::move(y[0]));
              split.push_back(std::move(y[1]));
            }
          }
          parts = std::move(split);
        }
        return parts;
      }
      case OpKind::Assign:
        store(b.cs, d->var, d->var == ClassicalData::kNoVar ? op.clbits : std::vector<uint32_t>{}, c_.vars,
              eval(d->value, b.cs));
        return {b};
      case OpKind::Break:
        b.flow = Branch::Break;
        return {b};
      case OpKind::Continue:
        b.flow = Branch::Continue;
        return {b};
      case OpKind::End:
        b.flow = Branch::Ended;
        return {b};
      case OpKind::If:
        if (eval(d->value, b.cs).as_bool()) return block(op.blocks[0], {b});
        if (op.blocks.size() > 1) return block(op.blocks[1], {b});
        return {b};
      case OpKind::Switch: {
        const int64_t v = eval(d->value, b.cs).as_int();
        for (std::size_t k = 0; k < op.blocks.size(); ++k)
          if (std::find(d->cases[k].begin(), d->cases[k].end(), v) != d->cases[k].end())
            return block(op.blocks[k], {b});
        for (std::size_t k = 0; k < op.blocks.size(); ++k)
          if (d->cases[k].empty()) return block(op.blocks[k], {b});
        return {b};
      }
      case OpKind::While:
        return loop(op, {b}, [&](Branch& x, uint64_t) { return eval(d->value, x.cs).as_bool(); });
      case OpKind::For: {
        std::vector<CValue> values;
        if (!d->set.empty()) {
          for (const CExpr& e : d->set) values.push_back(eval(e, b.cs));
        } else {
          const int64_t start = eval(d->start, b.cs).as_int(), step = eval(d->step, b.cs).as_int(),
                        stop = eval(d->stop, b.cs).as_int();
          if (step == 0) throw std::runtime_error("classical_branches: a for loop's step is 0");
          for (int64_t v = start; step > 0 ? v <= stop : v >= stop; v += step) values.push_back(CValue::of_int(v));
        }
        // The branches of one entry iterate together: iteration k gives
        // each the k-th value.
        return loop(op, {b}, [&](Branch& x, uint64_t iteration) {
          if (iteration >= values.size()) return false;
          store(x.cs, d->var, {}, c_.vars, values[iteration]);
          return true;
        });
      }
    }
    throw std::logic_error("classical_branches: an unknown operation");
  }

  const Circuit& c_;
  const BranchOptions& o_;
  uint32_t n_;
  std::vector<uint32_t> map_;
  Eigen::MatrixXcd p0_, p1_, lower_;
};

}  // namespace

std::vector<ClassicalBranch> classical_branches(const Circuit& c, const BranchOptions& o) {
  const Interpreter in(c, o);
  Branch start;
  start.cs.clbits.assign(c.num_clbits, 0);
  for (const ClassicalVar& v : c.vars) start.cs.vars.push_back(convert(CValue::of_uint(0), v.type));
  const Eigen::Index dim = Eigen::Index(1) << in.num_qubits();
  start.f = Eigen::MatrixXcd::Zero(dim, 1);
  start.f(0, 0) = 1;
  std::vector<Branch> end = in.block(c.ops, {start});
  for (Branch& b : end) b.flow = Branch::Run;  // ended or not, the same final state
  std::vector<ClassicalBranch> out;
  for (Branch& b : in.merged(std::move(end))) out.push_back({std::move(b.cs), b.f * b.f.adjoint()});
  return out;
}

double branch_distance(const std::vector<ClassicalBranch>& a, const std::vector<ClassicalBranch>& b) {
  std::map<std::vector<uint64_t>, const Eigen::MatrixXcd*> of_b;
  for (const ClassicalBranch& x : b) of_b[key(x.cs, 0)] = &x.rho;
  double d = 0;
  for (const ClassicalBranch& x : a) {
    const auto it = of_b.find(key(x.cs, 0));
    if (it == of_b.end()) {
      d = std::max(d, x.rho.cwiseAbs().maxCoeff());
    } else {
      d = std::max(d, (x.rho - *it->second).cwiseAbs().maxCoeff());
      of_b.erase(it);
    }
  }
  for (const auto& [k, rho] : of_b) d = std::max(d, rho->cwiseAbs().maxCoeff());
  return d;
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
