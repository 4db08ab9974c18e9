// Equivalence engine (see qforge/equiv.hpp).
//
// Algorithm:
//  1. Split off trailing measurements (compared as maps); reject other
//     non-unitary operations.
//  2. Compress B to the qubits it touches plus the layout images.
//  3. For each binding of the symbols, for each input state: simulate A on
//     the input and B on the input embedded through initial_layout (ancillas
//     |0>), read B's output back through final_layout, and compare with one
//     global phase fixed on the first input.
// Simulation is the runtime's: gates are evaluated by sim::evaluate_gates and
// applied by sim::apply to a StateVector (fused with sim::fuse) or by
// SparseState::apply. States are little-endian (qubit q is bit q of an
// index); inputs are enumerated and labelled qubit 0 first, as users read
// basis states, through reverse_bits.
#include "qforge/equiv.hpp"

#include "qforge/simulator.hpp"
#include "qforge/sparse_state.hpp"
#include "qforge/statevector.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

namespace qforge {
namespace {

using Index = uint64_t;                            // little-endian basis index
using Amplitudes = std::unordered_map<Index, cplx>;  // nonzero amplitudes of a state

// Up to this many qubits a circuit is simulated on a dense StateVector.
constexpr uint32_t kDenseMax = 22;
// Amplitudes below this magnitude are read as zero.
constexpr double kZero = 1e-13;

double eval_phase(const Expr& e, const std::vector<double>& vals) {
  if (e.is_const()) return e.value();
  return e.eval(vals.data());
}

// Bit i of `x` moved to bit n-1-i: between the big-endian order users see
// (qubit 0 first) and the runtime's little-endian indices.
Index reverse_bits(Index x, uint32_t n) {
  Index y = 0;
  for (uint32_t i = 0; i < n; ++i)
    if ((x >> i) & 1) y |= Index(1) << (n - 1 - i);
  return y;
}

// A circuit reduced to what the simulator needs.
struct Program {
  uint32_t n = 0;
  Circuit gates;                           // gates only (qubits renumbered for B)
  std::map<uint32_t, uint32_t> measured;   // qubit -> clbit (trailing measures)
  Expr phase;
  std::vector<std::string> symbols;        // names of the circuit's symbols
};

Program make_program(const Circuit& c, const char* which) {
  Program p;
  p.n = c.num_qubits;
  p.phase = c.global_phase;
  p.symbols = c.symbol_names();
  p.gates = c;
  p.gates.ops.clear();
  // Trailing measures: a measure after which its qubit sees no gate.
  std::vector<bool> after_measure(c.num_qubits, false);
  for (const auto& op : c.ops) {
    if (!op.conditions.empty())
      throw error_at(op, std::string(which) + ": classically conditioned operations cannot be compared");
    for (uint32_t q : op.qubits)
      if (q >= c.num_qubits)
        throw error_at(op, std::string(which) + ": operation on qubit " + std::to_string(q) + " of a " +
                               std::to_string(c.num_qubits) + "-qubit circuit");
    switch (op.kind) {
      case OpKind::Gate:
        for (uint32_t q : op.qubits)
          if (after_measure[q])
            throw error_at(op, std::string(which) + ": a gate after a measurement cannot be compared");
        p.gates.ops.push_back(op);
        break;
      case OpKind::Measure:
        for (std::size_t i = 0; i < op.qubits.size(); ++i) {
          after_measure[op.qubits[i]] = true;
          p.measured[op.qubits[i]] = op.clbits[i];
        }
        break;
      case OpKind::Reset:
        throw error_at(op, std::string(which) + ": reset cannot be compared");
      case OpKind::Barrier:
      case OpKind::Delay: break;
    }
  }
  return p;
}

// The circuit's gates evaluated with `vals` (its symbols in order) by the runtime.
std::vector<sim::GateOp> evaluate(const Program& p, const std::vector<double>& vals) {
  Circuit c = p.gates;
  c.num_qubits = p.n;
  return sim::evaluate_gates(c, vals);
}

// Runs gates on one input state at a time: a dense StateVector (fused gates)
// up to kDenseMax qubits, else a SparseState. The output excludes amplitudes
// below kZero and includes the global phase factor.
class Simulator {
 public:
  Simulator(uint32_t n, bool dense, std::vector<sim::GateOp> gates, cplx phase, uint64_t max_support)
      : phase_(phase), sparse_(n, max_support, kZero) {
    if (dense) {
      dense_.emplace(n);
      gates_ = sim::fuse(gates, sim::kDefaultFusionWidth);
    } else {
      gates_ = std::move(gates);
    }
  }

  Amplitudes run(const Amplitudes& input) {
    Amplitudes out;
    if (dense_) {
      sim::StateVector<double>& s = *dense_;
      std::fill(s.data(), s.data() + s.size(), cplx(0));
      for (const auto& [k, a] : input) s[k] = a;
      for (const auto& g : gates_) sim::apply(s, g);
      for (Index i = 0; i < s.size(); ++i)
        if (std::norm(s[i]) > kZero * kZero) out[i] = phase_ * s[i];
    } else {
      sparse_.clear();
      for (const auto& [k, a] : input) sparse_.set(k, a);
      try {
        for (const auto& g : gates_) sparse_.apply(g);
      } catch (const sim::SupportError& e) {
        throw std::invalid_argument(std::string("too large to compare: ") + e.what());
      }
      for (const auto& [k, a] : sparse_.amplitudes()) out[k] = phase_ * a;
    }
    return out;
  }

 private:
  cplx phase_;
  std::vector<sim::GateOp> gates_;
  std::optional<sim::StateVector<double>> dense_;
  sim::SparseState sparse_;
};

// "|q0 q1 ...>" for a little-endian index: qubit 0 first.
std::string basis_label(Index key, uint32_t n) {
  std::string s = "|";
  for (uint32_t q = 0; q < n; ++q) s += ((key >> q) & 1) ? '1' : '0';
  return s + ">";
}

std::string fmt_c(cplx z) {
  std::ostringstream o;
  o.precision(6);
  o << z.real() << (z.imag() < 0 ? "-" : "+") << std::abs(z.imag()) << "i";
  return o.str();
}

}  // namespace

std::vector<cplx> circuit_unitary(const Circuit& c, const std::vector<double>& vals) {
  if (c.num_qubits > 12) throw std::invalid_argument("circuit_unitary: more than 12 qubits");
  Program p = make_program(c, "circuit");
  const uint64_t dim = uint64_t(1) << p.n;
  std::vector<sim::GateOp> gates = evaluate(p, vals);
  sim::StateVector<double> s(p.n);
  std::vector<cplx> u(dim * dim);
  const cplx ph = std::polar(1.0, eval_phase(p.phase, vals));
  // Column j (qubit 0 the most significant bit) is the image of the basis
  // state with little-endian index reverse_bits(j).
  for (uint64_t j = 0; j < dim; ++j) {
    s.set_basis_state(reverse_bits(j, p.n));
    for (const auto& g : gates) sim::apply(s, g);
    for (uint64_t i = 0; i < dim; ++i) u[i * dim + j] = ph * s[reverse_bits(i, p.n)];
  }
  return u;
}

EquivResult check_equivalence(const Circuit& ca, const Circuit& cb, const EquivOptions& opt) {
  Program A = make_program(ca, "first circuit");
  Program B = make_program(cb, "second circuit");
  std::vector<uint32_t> init = opt.initial_layout, fin = opt.final_layout;
  const bool have_layout = !init.empty() || !fin.empty();
  if (!have_layout && A.n != B.n) {
    // Pad the smaller one with idle qubits.
    uint32_t n = std::max(A.n, B.n);
    A.n = B.n = n;
  }
  if (init.empty()) {
    if (B.n < A.n) throw std::invalid_argument("second circuit has fewer qubits than the first");
    for (uint32_t i = 0; i < A.n; ++i) init.push_back(i);
  }
  if (fin.empty()) fin = init;
  if (init.size() != A.n || fin.size() != A.n)
    throw std::invalid_argument("layout size " + std::to_string(init.size()) + "/" + std::to_string(fin.size()) +
                                " does not match the first circuit's " + std::to_string(A.n) + " qubits");
  for (auto* lay : {&init, &fin}) {
    std::vector<bool> seen(B.n, false);
    for (uint32_t q : *lay) {
      if (q >= B.n || seen[q]) throw std::invalid_argument("layout is not an injection into the second circuit's qubits");
      seen[q] = true;
    }
  }
  // Compress B: keep touched qubits and layout images.
  std::vector<int64_t> newq(B.n, -1);
  {
    std::vector<bool> used(B.n, false);
    for (const auto& op : B.gates.ops)
      for (uint32_t q : op.qubits) used[q] = true;
    for (uint32_t q : init) used[q] = true;
    for (uint32_t q : fin) used[q] = true;
    for (const auto& [q, c] : B.measured) used[q] = true;
    uint32_t k = 0;
    for (uint32_t q = 0; q < B.n; ++q)
      if (used[q]) newq[q] = k++;
    for (auto& op : B.gates.ops)
      for (auto& q : op.qubits) q = static_cast<uint32_t>(newq[q]);
    std::map<uint32_t, uint32_t> m;
    for (const auto& [q, c] : B.measured) m[static_cast<uint32_t>(newq[q])] = c;
    B.measured = m;
    for (auto& q : init) q = static_cast<uint32_t>(newq[q]);
    for (auto& q : fin) q = static_cast<uint32_t>(newq[q]);
    B.n = k;
  }
  if (A.n > 64)
    throw std::invalid_argument("too large to compare: the first circuit has " + std::to_string(A.n) +
                                " qubits; at most 64 can be simulated");
  if (B.n > 64)
    throw std::invalid_argument("too large to compare: the second circuit touches " + std::to_string(B.n) +
                                " qubits (after dropping idle ones); at most 64 can be simulated");
  const uint32_t num_anc = B.n - A.n;

  EquivResult res;
  // Measurements: same clbit for corresponding qubits.
  {
    std::map<uint32_t, uint32_t> bm;
    for (uint32_t i = 0; i < A.n; ++i) {
      auto it = B.measured.find(fin[i]);
      if (it != B.measured.end()) bm[i] = it->second;
    }
    if (bm.size() != B.measured.size() || bm != A.measured) {
      res.exact = true;
      res.method = "measurement maps";
      res.detail = "the circuits measure different qubits into different bits";
      return res;
    }
  }

  // Dense B only without many ancillas: routed circuits keep their ancillas
  // in |0>, so a sparse state stays within 2^(A's qubits) amplitudes.
  const bool dense = B.n <= kDenseMax && B.n <= A.n + 4;
  res.exact = A.n <= opt.max_exact_qubits && (dense || A.n <= 16);
  {
    std::ostringstream m;
    if (res.exact) m << "exact: all " << (uint64_t(1) << A.n) << " basis inputs (unitary) on " << A.n << " qubits";
    else m << "random: " << opt.num_random_states << " random input states on " << A.n << " qubits"
           << (dense ? " (dense)" : " (sparse, basis states with superposed subsets)");
    if (num_anc) m << ", " << num_anc << " ancilla qubit(s) in |0>";
    res.method = m.str();
  }

  // Symbols by name.
  std::vector<std::string> names = A.symbols;
  for (const auto& s : B.symbols)
    if (std::find(names.begin(), names.end(), s) == names.end()) names.push_back(s);
  const uint32_t trials = names.empty() ? 1 : std::max<uint32_t>(1, opt.symbol_trials);
  std::mt19937_64 rng(opt.seed);
  std::uniform_real_distribution<double> angle(-M_PI, M_PI);
  std::normal_distribution<double> gauss(0, 1);

  // Indices: A's qubit i is bit i of an A index, B's qubit q bit q of a B index.
  auto embed = [&](Index x, const std::vector<uint32_t>& lay) {
    Index y = 0;
    for (uint32_t i = 0; i < A.n; ++i)
      if ((x >> i) & 1) y |= Index(1) << lay[i];
    return y;
  };
  Index fin_mask = 0;
  for (uint32_t i = 0; i < A.n; ++i) fin_mask |= Index(1) << fin[i];
  auto unembed = [&](Index y) {
    Index x = 0;
    for (uint32_t i = 0; i < A.n; ++i)
      if ((y >> fin[i]) & 1) x |= Index(1) << i;
    return x;
  };

  bool have_phase = false;
  cplx phase = 1;
  for (uint32_t t = 0; t < trials; ++t) {
    std::map<std::string, double> val;
    for (const auto& s : names) val[s] = angle(rng);
    std::vector<double> va, vb;
    for (const auto& s : A.symbols) va.push_back(val[s]);
    for (const auto& s : B.symbols) vb.push_back(val[s]);
    Simulator simA(A.n, A.n <= kDenseMax, evaluate(A, va), std::polar(1.0, eval_phase(A.phase, va)),
                   opt.max_sparse_support);
    Simulator simB(B.n, dense, evaluate(B, vb), std::polar(1.0, eval_phase(B.phase, vb)),
                   opt.max_sparse_support);
    const uint64_t num_inputs = res.exact ? (uint64_t(1) << A.n) : opt.num_random_states;
    for (uint64_t in = 0; in < num_inputs; ++in) {
      // Input over A's basis. Exact inputs and dense random amplitudes go in
      // the order of the big-endian index users see.
      Amplitudes input;
      if (res.exact) {
        input[reverse_bits(in, A.n)] = 1;
      } else if (A.n <= 16 && dense) {
        double norm = 0;
        std::vector<cplx> v(std::size_t(1) << A.n);
        for (auto& z : v) { z = cplx(gauss(rng), gauss(rng)); norm += std::norm(z); }
        for (std::size_t i = 0; i < v.size(); ++i) input[reverse_bits(i, A.n)] = v[i] / std::sqrt(norm);
      } else {
        Index base = 0;
        for (uint32_t q = 0; q < A.n; ++q)
          if (rng() & 1) base |= Index(1) << (A.n - 1 - q);
        input[base] = 1;
        for (int k = 0; k < 4 && A.n > 0; ++k) {
          uint32_t q = static_cast<uint32_t>(rng() % A.n);
          Index bit = Index(1) << q;
          double th = angle(rng), ph = angle(rng);
          cplx c0 = std::cos(th / 2), c1 = std::polar(std::sin(th / 2), ph);
          Amplitudes next;
          for (const auto& [key, amp] : input) {
            next[key & ~bit] += amp * c0;
            next[key | bit] += amp * c1;
          }
          input.swap(next);
        }
      }
      // Simulate both.
      Amplitudes inputB;
      for (const auto& [k, a] : input) inputB[embed(k, init)] = a;
      const Amplitudes outA = simA.run(input);
      const Amplitudes outB = simB.run(inputB);
      // Map B back; leakage into ancillas is an error.
      Amplitudes mappedB;
      double leak = 0;
      Index leak_key = 0;
      for (const auto& [k, a] : outB) {
        if (k & ~fin_mask) {
          if (std::abs(a) > leak) { leak = std::abs(a); leak_key = k; }
          continue;
        }
        mappedB[unembed(k)] += a;
      }
      std::string input_label = res.exact ? "basis input " + basis_label(reverse_bits(in, A.n), A.n)
                                          : "random input state #" + std::to_string(in + 1);
      if (leak > opt.tolerance) {
        res.max_error = std::max(res.max_error, leak);
        res.detail = "on " + input_label + ", the second circuit leaves ancilla qubits excited (amplitude " +
                     std::to_string(leak) + " at B basis state " + basis_label(leak_key, B.n) + ")";
        return res;
      }
      if (!have_phase) {
        cplx overlap = 0;
        for (const auto& [k, a] : outA) {
          auto it = mappedB.find(k);
          if (it != mappedB.end()) overlap += std::conj(a) * it->second;
        }
        if (std::abs(overlap) < 1e-9) overlap = 1;
        phase = overlap / std::abs(overlap);
        have_phase = true;
        res.global_phase = std::arg(phase);
      }
      // The worst output; among equal errors the first in big-endian order.
      double worst = 0;
      Index worst_key = 0;
      auto consider = [&](Index k) {
        cplx a = 0, b = 0;
        if (auto it = outA.find(k); it != outA.end()) a = it->second;
        if (auto it = mappedB.find(k); it != mappedB.end()) b = it->second;
        double e = std::abs(b - phase * a);
        if (e > worst || (e == worst && e > 0 && reverse_bits(k, A.n) < reverse_bits(worst_key, A.n))) {
          worst = e;
          worst_key = k;
        }
      };
      for (const auto& [k, a] : outA) consider(k);
      for (const auto& [k, b] : mappedB) consider(k);
      res.max_error = std::max(res.max_error, worst);
      if (worst > opt.tolerance) {
        cplx a = 0, b = 0;
        if (auto it = outA.find(worst_key); it != outA.end()) a = it->second;
        if (auto it = mappedB.find(worst_key); it != mappedB.end()) b = it->second;
        std::ostringstream d;
        d << "on " << input_label;
        if (!names.empty()) d << " (symbol binding #" << t + 1 << ")";
        d << ": output amplitude of " << basis_label(worst_key, A.n) << " is " << fmt_c(a)
          << " in the first circuit but " << fmt_c(b) << " in the second (after removing global phase "
          << res.global_phase << ")";
        res.detail = d.str();
        return res;
      }
    }
  }
  res.equivalent = true;
  return res;
}

}  // namespace qforge
