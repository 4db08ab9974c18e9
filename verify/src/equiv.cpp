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
#include "qforge/equiv.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

namespace qforge {
namespace {

using u128 = unsigned __int128;

struct KeyHash {
  std::size_t operator()(u128 k) const {
    uint64_t lo = static_cast<uint64_t>(k), hi = static_cast<uint64_t>(k >> 64);
    return std::hash<uint64_t>()(lo * 0x9e3779b97f4a7c15ULL ^ (hi + 0x632be59bd9b4e019ULL));
  }
};
using Sparse = std::unordered_map<u128, cplx, KeyHash>;

constexpr uint32_t kDenseMax = 22;

// One gate ready to apply: matrix of the table gate, control mask, the bit
// positions of the gate's own qubits (first qubit = most significant sub-index bit).
struct Prepared {
  std::vector<cplx> m;   // 2^g x 2^g
  std::vector<uint32_t> pos;  // bit positions of the gate qubits
  std::vector<uint32_t> ctrl;  // bit positions of extra controls
};

std::vector<double> eval_params(const Operation& op, const std::vector<double>& vals) {
  std::vector<double> p;
  for (const auto& e : op.params) {
    if (e.is_const()) {
      p.push_back(e.value());
    } else {
      std::vector<uint32_t> syms;
      e.collect_symbols(syms);
      for (uint32_t s : syms)
        if (s >= vals.size()) throw std::invalid_argument("symbolic parameter without a value");
      p.push_back(e.eval(vals.data()));
    }
  }
  return p;
}

double eval_phase(const Expr& e, const std::vector<double>& vals) {
  if (e.is_const()) return e.value();
  return e.eval(vals.data());
}

class DenseState {
 public:
  explicit DenseState(uint32_t n) : n_(n), v_(Eigen::VectorXcd::Zero(Eigen::Index(1) << n)) {}
  uint32_t n_;
  Eigen::VectorXcd v_;

  void apply(const Prepared& g) {
    const std::size_t k = g.pos.size(), d = std::size_t(1) << k;
    uint64_t gmask = 0, cmask = 0;
    for (uint32_t p : g.pos) gmask |= uint64_t(1) << p;
    for (uint32_t p : g.ctrl) cmask |= uint64_t(1) << p;
    std::vector<uint64_t> off(d);
    for (std::size_t s = 0; s < d; ++s) {
      uint64_t o = 0;
      for (std::size_t j = 0; j < k; ++j)
        if (s >> (k - 1 - j) & 1) o |= uint64_t(1) << g.pos[j];
      off[s] = o;
    }
    std::vector<cplx> in(d);
    const uint64_t dim = uint64_t(1) << n_;
    for (uint64_t i = 0; i < dim; ++i) {
      if ((i & gmask) || (i & cmask) != cmask) continue;
      for (std::size_t s = 0; s < d; ++s) in[s] = v_[Eigen::Index(i | off[s])];
      for (std::size_t r = 0; r < d; ++r) {
        cplx acc = 0;
        for (std::size_t s = 0; s < d; ++s) acc += g.m[r * d + s] * in[s];
        v_[Eigen::Index(i | off[r])] = acc;
      }
    }
  }
};

void apply_sparse(Sparse& st, const Prepared& g, uint64_t cap) {
  const std::size_t k = g.pos.size(), d = std::size_t(1) << k;
  u128 gmask = 0, cmask = 0;
  for (uint32_t p : g.pos) gmask |= u128(1) << p;
  for (uint32_t p : g.ctrl) cmask |= u128(1) << p;
  std::vector<u128> off(d);
  for (std::size_t s = 0; s < d; ++s) {
    u128 o = 0;
    for (std::size_t j = 0; j < k; ++j)
      if (s >> (k - 1 - j) & 1) o |= u128(1) << g.pos[j];
    off[s] = o;
  }
  Sparse out;
  out.reserve(st.size() * 2);
  for (const auto& [key, amp] : st) {
    if ((key & cmask) != cmask) {
      out[key] += amp;
      continue;
    }
    std::size_t sin = 0;
    for (std::size_t j = 0; j < k; ++j)
      if ((key >> g.pos[j]) & 1) sin |= std::size_t(1) << (k - 1 - j);
    u128 base = key & ~gmask;
    for (std::size_t r = 0; r < d; ++r) {
      cplx m = g.m[r * d + sin];
      if (m == cplx(0)) continue;
      out[base | off[r]] += m * amp;
    }
  }
  for (auto it = out.begin(); it != out.end();) {
    if (std::norm(it->second) < 1e-26) it = out.erase(it);
    else ++it;
  }
  st.swap(out);
  if (st.size() > cap)
    throw std::invalid_argument("too large to compare: the sparse state grew beyond " + std::to_string(cap) +
                                " amplitudes");
}

// A circuit reduced to what the simulator needs.
struct Program {
  uint32_t n = 0;
  std::vector<Operation> gates;            // gates only, qubits renumbered
  std::map<uint32_t, uint32_t> measured;   // qubit -> clbit (trailing measures)
  Expr phase;
  std::vector<std::string> symbols;        // names of the circuit's symbols
};

Program make_program(const Circuit& c, const char* which) {
  Program p;
  p.n = c.num_qubits;
  p.phase = c.global_phase;
  p.symbols = c.symbol_names();
  // Trailing measures: a measure after which its qubit sees no gate.
  std::vector<bool> after_measure(c.num_qubits, false);
  for (const auto& op : c.ops) {
    if (!op.conditions.empty())
      throw error_at(op, std::string(which) + ": classically conditioned operations cannot be compared");
    switch (op.kind) {
      case OpKind::Gate:
        for (uint32_t q : op.qubits)
          if (after_measure[q])
            throw error_at(op, std::string(which) + ": a gate after a measurement cannot be compared");
        p.gates.push_back(op);
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

Prepared prepare(const Operation& op, const std::vector<double>& vals, uint32_t n) {
  Prepared g;
  auto params = eval_params(op, vals);
  g.m = gate_matrix(op.gate, params.data());
  for (std::size_t i = 0; i < op.qubits.size(); ++i) {
    uint32_t pos = n - 1 - op.qubits[i];
    if (i < op.num_controls) g.ctrl.push_back(pos);
    else g.pos.push_back(pos);
  }
  return g;
}

std::string basis_label(u128 key, uint32_t n) {
  std::string s = "|";
  for (uint32_t q = 0; q < n; ++q) s += ((key >> (n - 1 - q)) & 1) ? '1' : '0';
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
  std::vector<Prepared> gs;
  for (const auto& op : p.gates) gs.push_back(prepare(op, vals, p.n));
  std::vector<cplx> u(dim * dim);
  cplx ph = std::polar(1.0, eval_phase(p.phase, vals));
  for (uint64_t j = 0; j < dim; ++j) {
    DenseState s(p.n);
    s.v_[Eigen::Index(j)] = 1;
    for (const auto& g : gs) s.apply(g);
    for (uint64_t i = 0; i < dim; ++i) u[i * dim + j] = ph * s.v_[Eigen::Index(i)];
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
    for (const auto& op : B.gates)
      for (uint32_t q : op.qubits) used[q] = true;
    for (uint32_t q : init) used[q] = true;
    for (uint32_t q : fin) used[q] = true;
    for (const auto& [q, c] : B.measured) used[q] = true;
    uint32_t k = 0;
    for (uint32_t q = 0; q < B.n; ++q)
      if (used[q]) newq[q] = k++;
    for (auto& op : B.gates)
      for (auto& q : op.qubits) q = static_cast<uint32_t>(newq[q]);
    std::map<uint32_t, uint32_t> m;
    for (const auto& [q, c] : B.measured) m[static_cast<uint32_t>(newq[q])] = c;
    B.measured = m;
    for (auto& q : init) q = static_cast<uint32_t>(newq[q]);
    for (auto& q : fin) q = static_cast<uint32_t>(newq[q]);
    B.n = k;
  }
  if (A.n > 128 || B.n > 128) throw std::invalid_argument("more than 128 qubits to simulate");
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

  bool have_phase = false;
  cplx phase = 1;
  for (uint32_t t = 0; t < trials; ++t) {
    std::map<std::string, double> val;
    for (const auto& s : names) val[s] = angle(rng);
    std::vector<double> va, vb;
    for (const auto& s : A.symbols) va.push_back(val[s]);
    for (const auto& s : B.symbols) vb.push_back(val[s]);
    std::vector<Prepared> ga, gb;
    for (const auto& op : A.gates) ga.push_back(prepare(op, va, A.n));
    for (const auto& op : B.gates) gb.push_back(prepare(op, vb, B.n));
    const cplx pa = std::polar(1.0, eval_phase(A.phase, va)), pb = std::polar(1.0, eval_phase(B.phase, vb));
    auto embed = [&](u128 x, const std::vector<uint32_t>& lay) {
      u128 y = 0;
      for (uint32_t i = 0; i < A.n; ++i)
        if ((x >> (A.n - 1 - i)) & 1) y |= u128(1) << (B.n - 1 - lay[i]);
      return y;
    };
    u128 fin_mask = 0;
    for (uint32_t i = 0; i < A.n; ++i) fin_mask |= u128(1) << (B.n - 1 - fin[i]);
    auto unembed = [&](u128 y) {
      u128 x = 0;
      for (uint32_t i = 0; i < A.n; ++i)
        if ((y >> (B.n - 1 - fin[i])) & 1) x |= u128(1) << (A.n - 1 - i);
      return x;
    };
    const uint64_t num_inputs = res.exact ? (uint64_t(1) << A.n) : opt.num_random_states;
    for (uint64_t in = 0; in < num_inputs; ++in) {
      // Input as a sparse list over A's basis.
      Sparse input;
      if (res.exact) {
        input[u128(in)] = 1;
      } else if (A.n <= 16 && dense) {
        double norm = 0;
        std::vector<cplx> v(std::size_t(1) << A.n);
        for (auto& z : v) { z = cplx(gauss(rng), gauss(rng)); norm += std::norm(z); }
        for (std::size_t i = 0; i < v.size(); ++i) input[u128(i)] = v[i] / std::sqrt(norm);
      } else {
        u128 base = 0;
        for (uint32_t q = 0; q < A.n; ++q)
          if (rng() & 1) base |= u128(1) << q;
        input[base] = 1;
        for (int k = 0; k < 4 && A.n > 0; ++k) {
          uint32_t q = static_cast<uint32_t>(rng() % A.n);
          u128 bit = u128(1) << (A.n - 1 - q);
          double th = angle(rng), ph = angle(rng);
          cplx c0 = std::cos(th / 2), c1 = std::polar(std::sin(th / 2), ph);
          Sparse next;
          for (const auto& [key, amp] : input) {
            next[key & ~bit] += amp * c0;
            next[key | bit] += amp * c1;
          }
          input.swap(next);
        }
      }
      // Simulate both.
      Sparse outA, outB;
      if (A.n <= kDenseMax) {
        DenseState s(A.n);
        for (const auto& [k, a] : input) s.v_[Eigen::Index(k)] = a;
        for (const auto& g : ga) s.apply(g);
        for (Eigen::Index i = 0; i < s.v_.size(); ++i)
          if (std::norm(s.v_[i]) > 1e-26) outA[u128(i)] = pa * s.v_[i];
      } else {
        Sparse s = input;
        for (const auto& g : ga) apply_sparse(s, g, opt.max_sparse_support);
        for (const auto& [k, a] : s) outA[k] = pa * a;
      }
      if (dense) {
        DenseState s(B.n);
        for (const auto& [k, a] : input) s.v_[Eigen::Index(embed(k, init))] = a;
        for (const auto& g : gb) s.apply(g);
        for (Eigen::Index i = 0; i < s.v_.size(); ++i)
          if (std::norm(s.v_[i]) > 1e-26) outB[u128(i)] = pb * s.v_[i];
      } else {
        Sparse s;
        for (const auto& [k, a] : input) s[embed(k, init)] = a;
        for (const auto& g : gb) apply_sparse(s, g, opt.max_sparse_support);
        for (const auto& [k, a] : s) outB[k] = pb * a;
      }
      // Map B back; leakage into ancillas is an error.
      Sparse mappedB;
      double leak = 0;
      u128 leak_key = 0;
      for (const auto& [k, a] : outB) {
        if (k & ~fin_mask) {
          if (std::abs(a) > leak) { leak = std::abs(a); leak_key = k; }
          continue;
        }
        mappedB[unembed(k)] += a;
      }
      std::string input_label = res.exact ? "basis input " + basis_label(u128(in), A.n)
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
      double worst = 0;
      u128 worst_key = 0;
      auto consider = [&](u128 k) {
        cplx a = 0, b = 0;
        if (auto it = outA.find(k); it != outA.end()) a = it->second;
        if (auto it = mappedB.find(k); it != mappedB.end()) b = it->second;
        double e = std::abs(b - phase * a);
        if (e > worst || (e == worst && e > 0 && k < worst_key)) { worst = e; worst_key = k; }
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
