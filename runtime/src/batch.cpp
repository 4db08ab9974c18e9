// batch.cpp - BatchCircuit: compile a circuit once, run and differentiate
// batches of it (see batch.hpp for the method and its reference).
//
// Layout of the work:
//  1. The constructor turns every gate into an Op (block + targets + control
//     mask) and every gate parameter into postfix bytecode plus the bytecode
//     of d(parameter)/d(symbol) for each symbol it reads.
//  2. forward(): each thread takes a contiguous share of the batch; it
//     evaluates the parameters of its samples, then applies gate 0 to all of
//     them, gate 1 to all of them, ... and reads out.
//  3. backward(), adjoint: the bra lambda = sum_k g_k O_k psi, then for each
//     gate in reverse, one adjoint_block_batch call (kernels.hpp) that
//     un-applies the gate to psi and lambda of every sample and accumulates
//     each sample's block "density" R[a][b] = sum conj(lambda_a) psi_b over
//     the rest of the qubits, from which dL/dp = 2 Re tr(R^T dU/dp) for every
//     parameter of the gate.
//  4. backward(), parameter shift: per sample, 2 or 4 shifted runs per
//     symbol-dependent gate parameter, with the rule the gate table derives
//     from the parameter's generator (gate_shift_rule).
// Gate blocks and their derivatives come from the gate table (gate_block);
// every state update goes through the batched kernels of kernels.hpp.
// No heap allocation happens per sample or per gate: every buffer is sized
// once per call and per thread.
#include "qforge/batch.hpp"

#include "qforge/kernels.hpp"
#include "program.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>
#include <type_traits>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace qforge::sim {

using cd = std::complex<double>;

namespace {

constexpr int kStackSize = 128;
constexpr double kPi = 3.14159265358979323846;

[[noreturn]] void fail(const std::string& msg) { throw std::invalid_argument(msg); }

void check_size(const char* what, std::size_t expected, std::size_t actual, bool optional) {
  if (optional && actual == 0) return;
  if (expected != actual)
    fail(std::string("BatchCircuit: ") + what + " has " + std::to_string(actual) +
         " elements, expected " + std::to_string(expected) + ".");
}

using detail::splitmix;

}  // namespace

// ---------------------------------------------------------------------------
// Readout

const char* to_string(GradientMethod m) {
  return m == GradientMethod::Adjoint ? "adjoint" : "parameter-shift";
}

Readout Readout::from_observables(std::vector<Observable> obs) {
  Readout r;
  r.kind = ReadoutKind::Observables;
  r.observables = std::move(obs);
  return r;
}

Readout Readout::paulis(const std::vector<std::string>& texts) {
  std::vector<Observable> obs;
  for (const auto& t : texts) obs.push_back(parse_observable(t));
  return from_observables(std::move(obs));
}

Readout Readout::probabilities() {
  Readout r;
  r.kind = ReadoutKind::Probabilities;
  return r;
}

Readout Readout::marginals(std::vector<unsigned> qubits) {
  Readout r;
  r.kind = ReadoutKind::Marginals;
  r.qubits = std::move(qubits);
  return r;
}

std::size_t Readout::size(unsigned n) const {
  switch (kind) {
    case ReadoutKind::ExpectationZ: return n;
    case ReadoutKind::Observables: return observables.size();
    case ReadoutKind::Probabilities: return std::size_t(1) << n;
    case ReadoutKind::Marginals: return std::size_t(1) << qubits.size();
  }
  return 0;
}

// ---------------------------------------------------------------------------
// Compilation

namespace {

struct Compiler {
  std::vector<BatchCircuit::Instr>& code;
  int depth = 0, max_depth = 0;

  void emit(const Expr& e) {
    if (e.is_const()) {
      code.push_back({ExprOp::Const, 0, e.value()});
      push();
      return;
    }
    const ExprNode& n = *e.node();
    switch (n.op) {
      case ExprOp::Const: code.push_back({ExprOp::Const, 0, 0}); push(); return;
      case ExprOp::Symbol: code.push_back({ExprOp::Symbol, n.symbol, 0}); push(); return;
      case ExprOp::Add: case ExprOp::Sub: case ExprOp::Mul: case ExprOp::Div: case ExprOp::Pow:
        emit(n.a);
        emit(n.b);
        code.push_back({n.op, 0, 0});
        --depth;
        return;
      default:
        emit(n.a);
        code.push_back({n.op, 0, 0});
        return;
    }
  }
  void push() {
    if (++depth > max_depth) max_depth = depth;
  }
};

}  // namespace

static BatchCircuit::Code compile_code(const Expr& e, std::vector<BatchCircuit::Instr>& code) {
  BatchCircuit::Code c;
  if (e.is_const()) {
    c.value = e.value();
    return c;
  }
  c.is_const = false;
  c.begin = uint32_t(code.size());
  Compiler comp{code};
  comp.emit(e);
  if (comp.max_depth > kStackSize)
    fail("BatchCircuit: a parameter expression nests deeper than " + std::to_string(kStackSize) + " levels.");
  c.end = uint32_t(code.size());
  return c;
}

double BatchCircuit::eval(const Code& c, const double* sym) const {
  if (c.is_const) return c.value;
  double st[kStackSize];
  int sp = 0;
  for (uint32_t i = c.begin; i < c.end; ++i) {
    const Instr& in = code_[i];
    switch (in.op) {
      case ExprOp::Const: st[sp++] = in.value; break;
      case ExprOp::Symbol: st[sp++] = sym[in.symbol]; break;
      case ExprOp::Neg: st[sp - 1] = -st[sp - 1]; break;
      case ExprOp::Add: --sp; st[sp - 1] += st[sp]; break;
      case ExprOp::Sub: --sp; st[sp - 1] -= st[sp]; break;
      case ExprOp::Mul: --sp; st[sp - 1] *= st[sp]; break;
      case ExprOp::Div: --sp; st[sp - 1] /= st[sp]; break;
      case ExprOp::Pow: --sp; st[sp - 1] = std::pow(st[sp - 1], st[sp]); break;
      case ExprOp::Sin: st[sp - 1] = std::sin(st[sp - 1]); break;
      case ExprOp::Cos: st[sp - 1] = std::cos(st[sp - 1]); break;
      case ExprOp::Tan: st[sp - 1] = std::tan(st[sp - 1]); break;
      case ExprOp::Asin: st[sp - 1] = std::asin(st[sp - 1]); break;
      case ExprOp::Acos: st[sp - 1] = std::acos(st[sp - 1]); break;
      case ExprOp::Atan: st[sp - 1] = std::atan(st[sp - 1]); break;
      case ExprOp::Exp: st[sp - 1] = std::exp(st[sp - 1]); break;
      case ExprOp::Ln: st[sp - 1] = std::log(st[sp - 1]); break;
      case ExprOp::Sqrt: st[sp - 1] = std::sqrt(st[sp - 1]); break;
    }
  }
  return st[0];
}

BatchCircuit::BatchCircuit(const Circuit& circuit, BatchOptions options) : options_(std::move(options)) {
  num_qubits_ = circuit.num_qubits;
  num_symbols_ = circuit.num_symbols();
  if (num_qubits_ > 30)
    fail("BatchCircuit: the circuit has " + std::to_string(num_qubits_) +
         " qubits; batched simulation supports at most 30.");
  const Readout& ro = options_.readout;
  if (ro.kind == ReadoutKind::Observables) {
    if (ro.observables.empty()) fail("BatchCircuit: the observable readout lists no observable.");
    for (const auto& o : ro.observables)
      for (const auto& t : o.terms)
        if (t.min_qubits() > num_qubits_)
          fail("BatchCircuit: observable '" + o.text + "' uses a qubit the " +
               std::to_string(num_qubits_) + "-qubit circuit does not have.");
  }
  if (ro.kind == ReadoutKind::Marginals) {
    if (ro.qubits.empty()) fail("BatchCircuit: the marginal readout lists no qubit.");
    uint64_t seen = 0;
    for (unsigned q : ro.qubits) {
      if (q >= num_qubits_)
        fail("BatchCircuit: marginal qubit " + std::to_string(q) + " is not in the " +
             std::to_string(num_qubits_) + "-qubit circuit.");
      if (seen >> q & 1) fail("BatchCircuit: marginal qubit " + std::to_string(q) + " is listed twice.");
      seen |= uint64_t(1) << q;
    }
  }
  num_outputs_ = ro.size(num_qubits_);
  if (options_.initial_state.mode == InitialStateMode::Amplitude) {
    num_features_ = options_.initial_state.num_features;
    if (num_features_ == 0 || num_features_ > state_size())
      fail("BatchCircuit: amplitude embedding of " + std::to_string(num_features_) +
           " features needs between 1 and 2^" + std::to_string(num_qubits_) + " = " +
           std::to_string(state_size()) + " features.");
  }

  for (const Operation& op : circuit.ops) {
    if (op.kind == OpKind::Barrier || op.kind == OpKind::Delay) continue;
    if (op.kind != OpKind::Gate)
      throw error_at(op, "a differentiable circuit must be unitary, but this " + op_name(op) +
                             " is not (BatchCircuit).");
    if (!op.conditions.empty())
      throw error_at(op, "a differentiable circuit cannot condition a gate on measured bits (BatchCircuit).");
    if (op.gate == GateId::I) continue;
    const GateInfo& info = gate_info(op.gate);
    const unsigned nc = op.num_controls + info.num_controls;
    const unsigned nt = info.num_qubits - info.num_controls;
    if (op.qubits.size() != op.num_controls + info.num_qubits || (nt != 1 && nt != 2))
      fail("BatchCircuit: malformed gate '" + std::string(info.name) + "'.");
    Op o;
    o.gate = op.gate;
    uint64_t ctrl_mask = 0;
    for (unsigned i = 0; i < nc; ++i) ctrl_mask |= uint64_t(1) << op.qubits[i];
    uint64_t used = 0;
    for (uint32_t q : op.qubits) {
      if (q >= num_qubits_ || (used >> q & 1))
        throw error_at(op, "BatchCircuit: gate '" + std::string(info.name) + "' uses qubit " + std::to_string(q) +
                               " twice or outside the " + std::to_string(num_qubits_) + "-qubit circuit.");
      used |= uint64_t(1) << q;
    }
    const unsigned targets[2] = {op.qubits[nc], nt == 2 ? op.qubits[nc + 1] : 0u};
    o.first_param = uint32_t(params_.size());
    o.num_params = uint8_t(op.params.size());
    std::vector<double> values;
    for (unsigned k = 0; k < op.params.size(); ++k) {
      const Expr& e = op.params[k];
      Param p;
      p.code = compile_code(e, code_);
      if (!e.is_const()) {
        o.parametric = true;
        std::vector<uint32_t> syms;
        e.collect_symbols(syms);
        std::sort(syms.begin(), syms.end());
        syms.erase(std::unique(syms.begin(), syms.end()), syms.end());
        p.deriv_begin = uint32_t(derivs_.size());
        for (uint32_t s : syms) {
          if (s >= num_symbols_) fail("BatchCircuit: a parameter uses an undeclared symbol.");
          Expr d = e.derivative(s);
          if (d.is_const() && d.value() == 0) continue;
          derivs_.push_back({s, compile_code(d, code_)});
        }
        p.deriv_end = uint32_t(derivs_.size());
        // The table's rule for the gate's own generator; extra controls
        // add the eigenvalue 0 (see gate_shift_rule).
        p.rule = gate_shift_rule(op.gate, k, op.num_controls);
      }
      values.push_back(e.is_const() ? e.value() : 0.0);
      params_.push_back(p);
    }
    BlockKind kind = info.diagonal ? BlockKind::Diagonal : BlockKind::Dense;
    if (!o.parametric) {
      gate_block(op.gate, values.data(), o.matrix);
      for (int i = 0; i < 16; ++i) o.matrix32[i] = std::complex<float>(o.matrix[i]);
      const std::size_t bd = nt == 1 ? 2 : 4;
      bool diag = true;
      for (std::size_t a = 0; a < bd; ++a)
        for (std::size_t b = 0; b < bd; ++b)
          if (a != b && o.matrix[a * bd + b] != cd(0)) diag = false;
      if (nt == 1 && o.matrix[0] == cd(0) && o.matrix[3] == cd(0) && o.matrix[1] == cd(1) && o.matrix[2] == cd(1))
        kind = BlockKind::X;
      else
        kind = diag ? BlockKind::Diagonal : BlockKind::Dense;
    }
    try {
      o.block = make_block_gate(num_qubits_, kind, nt, targets, ctrl_mask);
    } catch (const std::invalid_argument& e) {
      throw error_at(op, "BatchCircuit: gate '" + std::string(info.name) + "': " + e.what());
    }
    ops_.push_back(std::move(o));
  }
}

std::size_t BatchCircuit::num_trainable_gate_params() const {
  std::size_t n = 0;
  for (const auto& p : params_) n += !p.code.is_const;
  return n;
}

ShiftRule BatchCircuit::shift_rule(std::size_t gate, unsigned k) const {
  if (gate >= ops_.size() || k >= ops_[gate].num_params) fail("BatchCircuit::shift_rule: no such gate parameter.");
  return params_[ops_[gate].first_param + k].rule;
}

int BatchCircuit::threads() const { return options_.threads > 0 ? options_.threads : max_threads(); }

// ---------------------------------------------------------------------------
// The engine

/// Room for 2^n doubles: on the stack when small (the 4-qubit layer runs
/// millions of times), else on the heap.
class DoubleScratch {
 public:
  explicit DoubleScratch(std::size_t size) {
    if (size > kLocal) heap_.resize(size);
  }
  double* data() { return heap_.empty() ? local_ : heap_.data(); }

 private:
  static constexpr std::size_t kLocal = 1024;
  double local_[kLocal];
  std::vector<double> heap_;
};

/// out[q] = sum_i p_i (bit q of i ? -1 : 1) for q < n, in 2 * 2^n additions
/// rather than n * 2^n, divided by `divisor`: the top qubit's is (lower half - upper half) of p,
/// and folding the upper half onto the lower one leaves the distribution of
/// the other qubits. p (2^n entries) is overwritten.
template <typename FP>
void z_expectations(double* p, unsigned n, FP* out, double divisor = 1) {
  for (unsigned q = n; q-- > 0;) {
    const std::size_t half = std::size_t(1) << q;
    double lo = 0, hi = 0;
    for (std::size_t i = 0; i < half; ++i) {
      lo += p[i];
      hi += p[i + half];
      p[i] += p[i + half];
    }
    out[q] = FP((lo - hi) / divisor);
  }
}

/// w[i] = sum_q g_q (bit q of i ? -1 : 1) for i < 2^n, one subtraction each.
template <typename FP>
void z_weights(const FP* g, unsigned n, double* w) {
  w[0] = 0;
  for (unsigned q = 0; q < n; ++q) w[0] += double(g[q]);
  for (unsigned q = 0; q < n; ++q) {
    const std::size_t half = std::size_t(1) << q;
    const double d = 2 * double(g[q]);
    for (std::size_t i = 0; i < half; ++i) w[i + half] = w[i] - d;
  }
}

template <typename FP>
struct BatchEngine {
  using C = std::complex<FP>;
  const BatchCircuit& bc;
  const unsigned n;
  const std::size_t dim, P;

  explicit BatchEngine(const BatchCircuit& c)
      : bc(c), n(c.num_qubits_), dim(std::size_t(1) << c.num_qubits_), P(c.params_.size()) {}

  // Evaluate every gate parameter of one sample.
  void eval_params(const FP* inputs, double* sym, double* vals) const {
    for (uint32_t s = 0; s < bc.num_symbols_; ++s) sym[s] = double(inputs[s]);
    for (std::size_t p = 0; p < P; ++p) vals[p] = bc.eval(bc.params_[p].code, sym);
  }

  // Block of every sample of [0, nb) (vals: nb rows of P values) into m,
  // one block_size() apart; derivs (optional): for each sample, num_params
  // derivative blocks, in double.
  static void blocks_of(const BatchCircuit::Op& op, std::size_t nb, const double* vals, std::size_t P, C* m,
                        cd* derivs = nullptr) {
    const std::size_t bs = op.block.block_size();
    for (std::size_t b = 0; b < nb; ++b) {
      cd* d = derivs ? derivs + b * op.num_params * bs : nullptr;
      if constexpr (std::is_same_v<FP, double>) {
        gate_block(op.gate, vals + b * P + op.first_param, m + b * bs, d);
      } else {
        cd md[16];
        gate_block(op.gate, vals + b * P + op.first_param, md, d);
        for (std::size_t i = 0; i < bs; ++i) m[b * bs + i] = C(FP(md[i].real()), FP(md[i].imag()));
      }
    }
  }
  // A constant op's block in FP (converted once, when the op was compiled).
  static const C* const_block(const BatchCircuit::Op& op) {
    if constexpr (std::is_same_v<FP, double>) return op.matrix;
    else return op.matrix32;
  }

  // psi <- U psi for nb consecutive samples (vals: their parameter rows).
  void apply_op(C* psi, std::size_t nb, const BatchCircuit::Op& op, const double* vals, C* mbuf) const {
    if (!op.parametric) {
      apply_block_batch<FP>(psi, nb, op.block, const_block(op), 0);
      return;
    }
    blocks_of(op, nb, vals, P, mbuf);
    apply_block_batch<FP>(psi, nb, op.block, mbuf, op.block.block_size());
  }

  void init_state(C* psi, const FP* feat) const {
    std::fill(psi, psi + dim, C(0));
    if (!feat) {
      psi[0] = 1;
      return;
    }
    double norm = 0;
    for (std::size_t i = 0; i < bc.num_features_; ++i) norm += double(feat[i]) * double(feat[i]);
    const double inv = 1 / std::sqrt(norm);
    for (std::size_t i = 0; i < bc.num_features_; ++i) psi[i] = C(FP(double(feat[i]) * inv), 0);
  }

  // <psi| P |psi> of one Pauli term without its coefficient, and P psi.
  static double pauli_sign(uint64_t i, uint64_t zy) { return (__builtin_popcountll(i & zy) & 1) ? -1.0 : 1.0; }
  static cd ipow(int k) {
    switch (k & 3) {
      case 0: return {1, 0};
      case 1: return {0, 1};
      case 2: return {-1, 0};
      default: return {0, -1};
    }
  }
  double term_expectation(const C* psi, const PauliTerm& t) const {
    const uint64_t flip = t.x_mask | t.y_mask, zy = t.z_mask | t.y_mask;
    const cd ph = ipow(__builtin_popcountll(t.y_mask));
    cd acc = 0;
    for (uint64_t j = 0; j < dim; ++j) {
      const uint64_t i = j ^ flip;
      acc += std::conj(cd(psi[j])) * cd(psi[i]) * pauli_sign(i, zy);
    }
    return (ph * acc).real();
  }

  // Exact readout of one sample.
  void readout(const C* psi, FP* out) const {
    const Readout& ro = bc.options_.readout;
    switch (ro.kind) {
      case ReadoutKind::ExpectationZ: {
        DoubleScratch scratch(dim);
        double* p = scratch.data();
        for (std::size_t i = 0; i < dim; ++i) p[i] = std::norm(psi[i]);
        z_expectations(p, n, out);
        break;
      }
      case ReadoutKind::Observables:
        for (std::size_t k = 0; k < ro.observables.size(); ++k) {
          double e = 0;
          for (const auto& t : ro.observables[k].terms)
            e += t.coefficient * ((t.x_mask | t.y_mask | t.z_mask) ? term_expectation(psi, t) : 1.0);
          out[k] = FP(e);
        }
        break;
      case ReadoutKind::Probabilities:
        for (std::size_t i = 0; i < dim; ++i) out[i] = FP(std::norm(psi[i]));
        break;
      case ReadoutKind::Marginals: {
        const std::size_t m = std::size_t(1) << ro.qubits.size();
        std::fill(out, out + m, FP(0));
        for (std::size_t i = 0; i < dim; ++i) out[marginal_index(i)] += FP(std::norm(psi[i]));
        break;
      }
    }
  }

  std::size_t marginal_index(std::size_t i) const {
    const auto& qs = bc.options_.readout.qubits;
    std::size_t r = 0;
    for (std::size_t k = 0; k < qs.size(); ++k) r |= (i >> qs[k] & 1) << k;
    return r;
  }

  // Shot-sampled readout of one sample.
  void readout_sampled(const C* psi, FP* out, uint64_t shots, std::mt19937_64& rng, double* counts) const {
    const Readout& ro = bc.options_.readout;
    bool need_joint = ro.kind != ReadoutKind::Observables;
    if (!need_joint)
      for (const auto& o : ro.observables)
        for (const auto& t : o.terms)
          if (!(t.x_mask | t.y_mask) && t.z_mask) need_joint = true;
    const double S = double(shots);
    if (need_joint) {
      // Multinomial counts over the basis states (sequential binomials).
      double rest = 0;
      for (std::size_t i = 0; i < dim; ++i) rest += std::norm(cd(psi[i]));
      uint64_t left = shots;
      for (std::size_t i = 0; i < dim; ++i) {
        const double p = std::norm(cd(psi[i]));
        uint64_t c = 0;
        if (left > 0 && p > 0) {
          const double q = rest > 0 ? std::min(1.0, p / rest) : 1.0;
          c = q >= 1.0 ? left : std::binomial_distribution<uint64_t>(left, q)(rng);
        }
        counts[i] = double(c);
        left -= c;
        rest -= p;
      }
    }
    switch (ro.kind) {
      case ReadoutKind::ExpectationZ:
        z_expectations(counts, n, out, S);  // counts are not needed after this
        break;
      case ReadoutKind::Probabilities:
        for (std::size_t i = 0; i < dim; ++i) out[i] = FP(counts[i] / S);
        break;
      case ReadoutKind::Marginals: {
        const std::size_t m = std::size_t(1) << ro.qubits.size();
        std::fill(out, out + m, FP(0));
        for (std::size_t i = 0; i < dim; ++i) out[marginal_index(i)] += FP(counts[i] / S);
        break;
      }
      case ReadoutKind::Observables:
        for (std::size_t k = 0; k < ro.observables.size(); ++k) {
          double e = 0;
          for (const auto& t : ro.observables[k].terms) {
            if (!(t.x_mask | t.y_mask | t.z_mask)) {
              e += t.coefficient;
            } else if (!(t.x_mask | t.y_mask)) {
              double acc = 0;
              for (std::size_t i = 0; i < dim; ++i) acc += counts[i] * pauli_sign(i, t.z_mask);
              e += t.coefficient * acc / S;
            } else {
              // Measured in its own eigenbasis: each shot reads +-1.
              const double ex = std::clamp(term_expectation(psi, t), -1.0, 1.0);
              const uint64_t plus = std::binomial_distribution<uint64_t>(shots, (1 + ex) / 2)(rng);
              e += t.coefficient * (2.0 * double(plus) / S - 1.0);
            }
          }
          out[k] = FP(e);
        }
        break;
    }
  }

  // lam <- sum_k g_k O_k psi (the bra of the vector-Jacobian product).
  void bra(const C* psi, const FP* g, C* lam) const {
    const Readout& ro = bc.options_.readout;
    switch (ro.kind) {
      case ReadoutKind::ExpectationZ: {
        DoubleScratch scratch(dim);
        double* w = scratch.data();
        z_weights(g, n, w);
        for (std::size_t i = 0; i < dim; ++i) lam[i] = psi[i] * FP(w[i]);
        break;
      }
      case ReadoutKind::Probabilities:
        for (std::size_t i = 0; i < dim; ++i) lam[i] = psi[i] * g[i];
        break;
      case ReadoutKind::Marginals:
        for (std::size_t i = 0; i < dim; ++i) lam[i] = psi[i] * g[marginal_index(i)];
        break;
      case ReadoutKind::Observables:
        std::fill(lam, lam + dim, C(0));
        for (std::size_t k = 0; k < ro.observables.size(); ++k) {
          if (g[k] == FP(0)) continue;
          for (const auto& t : ro.observables[k].terms) {
            const uint64_t flip = t.x_mask | t.y_mask, zy = t.z_mask | t.y_mask;
            const cd ph = ipow(__builtin_popcountll(t.y_mask)) * (t.coefficient * double(g[k]));
            const C phf(FP(ph.real()), FP(ph.imag()));
            for (uint64_t j = 0; j < dim; ++j) {
              const uint64_t i = j ^ flip;
              lam[j] += phf * psi[i] * FP(pauli_sign(i, zy));
            }
          }
        }
        break;
    }
  }

  // Run one sample from scratch with given gate-parameter values.
  void run_one(const double* vals, const FP* feat, C* psi) const {
    init_state(psi, feat);
    C m[16];
    for (const auto& op : bc.ops_) apply_op(psi, 1, op, vals, m);
  }

  // Forward over samples [b0, b1) of the batch.
  void forward_chunk(std::size_t b0, std::size_t b1, const FP* inputs, const FP* features, FP* outputs,
                     C* states, const ShotOptions& shots) const {
    const std::size_t nb = b1 - b0;
    std::vector<double> vals(nb * P), sym(bc.num_symbols_ + 1);
    for (std::size_t b = 0; b < nb; ++b) eval_params(inputs + (b0 + b) * bc.num_symbols_, sym.data(), &vals[b * P]);
    for (std::size_t b = 0; b < nb; ++b)
      init_state(states + b * dim, features ? features + (b0 + b) * bc.num_features_ : nullptr);
    // Each gate on every sample of the chunk in one kernel call.
    std::vector<C> mbuf(nb * 16);
    for (const auto& op : bc.ops_) apply_op(states, nb, op, vals.data(), mbuf.data());
    std::vector<double> counts(shots.shots ? dim : 0);
    for (std::size_t b = 0; b < nb; ++b) {
      FP* out = outputs + (b0 + b) * bc.num_outputs_;
      if (shots.shots) {
        std::mt19937_64 rng(splitmix(shots.seed ^ splitmix(b0 + b)));
        readout_sampled(states + b * dim, out, shots.shots, rng, counts.data());
      } else {
        readout(states + b * dim, out);
      }
    }
  }

  void chain_rule(const double* gp, const double* sym, FP* grad_in) const {
    std::fill(grad_in, grad_in + bc.num_symbols_, FP(0));
    std::vector<double> acc;  // small: symbols
    double* a = nullptr;
    double local[256];
    if (bc.num_symbols_ <= 256) {
      a = local;
    } else {
      acc.resize(bc.num_symbols_);
      a = acc.data();
    }
    std::fill(a, a + bc.num_symbols_, 0.0);
    for (std::size_t p = 0; p < P; ++p) {
      const auto& pr = bc.params_[p];
      if (gp[p] == 0) continue;
      for (uint32_t d = pr.deriv_begin; d < pr.deriv_end; ++d) {
        const auto& dv = bc.derivs_[d];
        a[dv.symbol] += gp[p] * bc.eval(dv.code, sym);
      }
    }
    for (uint32_t s = 0; s < bc.num_symbols_; ++s) grad_in[s] = FP(a[s]);
  }

  void feature_grad(const C* lam, const FP* feat, FP* gf) const {
    // psi0 = a / |a|: dL/da = (g - psi0 (psi0 . g)) / |a|, g = 2 Re lam.
    const std::size_t k = bc.num_features_;
    double norm = 0, dot = 0;
    for (std::size_t i = 0; i < k; ++i) norm += double(feat[i]) * double(feat[i]);
    norm = std::sqrt(norm);
    for (std::size_t i = 0; i < k; ++i) dot += 2 * double(lam[i].real()) * double(feat[i]) / norm;
    for (std::size_t i = 0; i < k; ++i)
      gf[i] = FP((2 * double(lam[i].real()) - double(feat[i]) / norm * dot) / norm);
  }

  // Adjoint backward over samples [b0, b1).
  void adjoint_chunk(std::size_t b0, std::size_t b1, const FP* inputs, const FP* features, const C* final_states,
                     const FP* grad_out, FP* grad_in, FP* grad_feat) const {
    const std::size_t nb = b1 - b0;
    std::vector<double> vals(nb * P), gp(nb * P, 0.0), sym((bc.num_symbols_ + 1) * nb);
    for (std::size_t b = 0; b < nb; ++b)
      eval_params(inputs + (b0 + b) * bc.num_symbols_, &sym[b * (bc.num_symbols_ + 1)], &vals[b * P]);
    std::vector<C> psi(nb * dim), lam(nb * dim), mbuf(nb * 16), R(nb * 16);
    std::vector<cd> dbuf(nb * 4 * 16);
    if (final_states) {
      std::copy(final_states + b0 * dim, final_states + b1 * dim, psi.begin());
    } else {
      for (std::size_t b = 0; b < nb; ++b)
        init_state(&psi[b * dim], features ? features + (b0 + b) * bc.num_features_ : nullptr);
      for (const auto& op : bc.ops_) apply_op(psi.data(), nb, op, vals.data(), mbuf.data());
    }
    for (std::size_t b = 0; b < nb; ++b) bra(&psi[b * dim], grad_out + (b0 + b) * bc.num_outputs_, &lam[b * dim]);
    // Gates before the first symbol-dependent one matter only for the
    // feature gradient (lambda must reach the initial state).
    std::size_t stop = 0;
    if (!grad_feat)
      while (stop < bc.ops_.size() && !bc.ops_[stop].parametric) ++stop;
    for (std::size_t j = bc.ops_.size(); j-- > stop;) {
      const auto& op = bc.ops_[j];
      if (!op.parametric) {
        adjoint_block_batch<FP>(psi.data(), lam.data(), nb, op.block, const_block(op), 0, nullptr);
        continue;
      }
      const std::size_t bs = op.block.block_size();
      blocks_of(op, nb, vals.data(), P, mbuf.data(), dbuf.data());
      std::fill(R.begin(), R.begin() + nb * bs, C(0));
      adjoint_block_batch<FP>(psi.data(), lam.data(), nb, op.block, mbuf.data(), bs, R.data());
      for (std::size_t b = 0; b < nb; ++b)
        for (unsigned k = 0; k < op.num_params; ++k) {
          if (bc.params_[op.first_param + k].code.is_const) continue;
          // dL/dp = 2 Re tr(R^T dU/dp) = 2 Re sum_q dU_q R_q.
          const cd* dm = &dbuf[(b * op.num_params + k) * bs];
          const C* Rb = &R[b * bs];
          double acc = 0;
          for (std::size_t q = 0; q < bs; ++q)
            acc += dm[q].real() * double(Rb[q].real()) - dm[q].imag() * double(Rb[q].imag());
          gp[b * P + op.first_param + k] += 2 * acc;
        }
    }
    for (std::size_t b = 0; b < nb; ++b) {
      if (grad_in) chain_rule(&gp[b * P], &sym[b * (bc.num_symbols_ + 1)], grad_in + (b0 + b) * bc.num_symbols_);
      if (grad_feat)
        feature_grad(&lam[b * dim], features + (b0 + b) * bc.num_features_, grad_feat + (b0 + b) * bc.num_features_);
    }
  }

  // Parameter-shift backward over samples [b0, b1).
  void shift_chunk(std::size_t b0, std::size_t b1, const FP* inputs, const FP* features, const FP* grad_out,
                   FP* grad_in, const ShotOptions& shots) const {
    const std::size_t K = bc.num_outputs_;
    std::vector<double> vals(P), gp(P), sym(bc.num_symbols_ + 1), counts(dim);
    std::vector<C> psi(dim);
    std::vector<FP> out(K);
    const double cp = (std::sqrt(2.0) + 1) / (4 * std::sqrt(2.0)), cm = (std::sqrt(2.0) - 1) / (4 * std::sqrt(2.0));
    for (std::size_t b = b0; b < b1; ++b) {
      eval_params(inputs + b * bc.num_symbols_, sym.data(), vals.data());
      const FP* feat = features ? features + b * bc.num_features_ : nullptr;
      const FP* g = grad_out + b * K;
      uint64_t evals = 0;
      // sum_k g_k f_k at the parameters shifted by `shift` in parameter p.
      auto f = [&](std::size_t p, double shift) {
        const double keep = vals[p];
        vals[p] = keep + shift;
        run_one(vals.data(), feat, psi.data());
        vals[p] = keep;
        if (shots.shots) {
          std::mt19937_64 rng(splitmix(shots.seed ^ splitmix(b) ^ splitmix(0xABCDEFull + ++evals)));
          readout_sampled(psi.data(), out.data(), shots.shots, rng, counts.data());
        } else {
          readout(psi.data(), out.data());
        }
        double acc = 0;
        for (std::size_t k = 0; k < K; ++k) acc += double(g[k]) * double(out[k]);
        return acc;
      };
      const double h = kPi / 2;
      for (std::size_t p = 0; p < P; ++p) {
        switch (bc.params_[p].rule) {
          case ShiftRule::None: gp[p] = 0; break;
          case ShiftRule::TwoTerm: gp[p] = (f(p, h) - f(p, -h)) / 2; break;
          case ShiftRule::FourTerm:
            gp[p] = cp * (f(p, h) - f(p, -h)) - cm * (f(p, 3 * h) - f(p, -3 * h));
            break;
        }
      }
      chain_rule(gp.data(), sym.data(), grad_in + b * bc.num_symbols_);
    }
  }
};

template <typename F>
static void parallel_chunks(std::size_t batch, int threads, bool parallel, F&& work) {
  int nt = parallel ? int(std::min<std::size_t>(std::size_t(std::max(threads, 1)), batch)) : 1;
  if (nt <= 1) {
    work(std::size_t(0), batch);
    return;
  }
#ifdef _OPENMP
#pragma omp parallel num_threads(nt)
  {
    const std::size_t t = std::size_t(omp_get_thread_num()), T = std::size_t(omp_get_num_threads());
    work(batch * t / T, batch * (t + 1) / T);
  }
#else
  work(std::size_t(0), batch);
#endif
}

template <typename FP>
static void check_features(const FP* f, std::size_t batch, std::size_t k) {
  for (std::size_t b = 0; b < batch; ++b) {
    double norm = 0;
    for (std::size_t i = 0; i < k; ++i) norm += double(f[b * k + i]) * double(f[b * k + i]);
    if (!(norm > 0) || !std::isfinite(norm))
      fail("BatchCircuit: the amplitude-embedding features of sample " + std::to_string(b) +
           " have norm " + std::to_string(std::sqrt(norm)) + "; they must be finite and not all zero.");
  }
}

template <typename FP>
void BatchCircuit::forward(std::size_t batch, Span<const FP> inputs, Span<const FP> features, Span<FP> outputs,
                           Span<std::complex<FP>> final_states, const ShotOptions& shots) const {
  check_size("inputs (batch x symbols)", batch * num_symbols_, inputs.size, false);
  check_size("features (batch x features)", batch * num_features_, features.size, false);
  check_size("outputs (batch x outputs)", batch * num_outputs_, outputs.size, false);
  check_size("final_states (batch x 2^n)", batch * state_size(), final_states.size, true);
  if (num_features_) check_features(features.data, batch, num_features_);
  if (batch == 0) return;
  const ScopedThreads scoped_threads(threads());
  BatchEngine<FP> eng(*this);
  const bool par = batch * state_size() >= options_.parallel_threshold;
  std::vector<std::complex<FP>> scratch;
  std::complex<FP>* states = final_states.data;
  if (!states) {
    scratch.resize(batch * state_size());
    states = scratch.data();
  }
  parallel_chunks(batch, threads(), par, [&](std::size_t b0, std::size_t b1) {
    eng.forward_chunk(b0, b1, inputs.data, num_features_ ? features.data : nullptr, outputs.data,
                      states + b0 * state_size(), shots);
  });
}

template <typename FP>
void BatchCircuit::backward(std::size_t batch, Span<const FP> inputs, Span<const FP> features,
                            Span<const std::complex<FP>> final_states, Span<const FP> grad_outputs,
                            Span<FP> grad_inputs, Span<FP> grad_features, GradientMethod method,
                            const ShotOptions& shots) const {
  check_size("inputs (batch x symbols)", batch * num_symbols_, inputs.size, false);
  check_size("features (batch x features)", batch * num_features_, features.size, false);
  check_size("final_states (batch x 2^n)", batch * state_size(), final_states.size, true);
  check_size("grad_outputs (batch x outputs)", batch * num_outputs_, grad_outputs.size, false);
  check_size("grad_inputs (batch x symbols)", batch * num_symbols_, grad_inputs.size, true);
  check_size("grad_features (batch x features)", batch * num_features_, grad_features.size, true);
  if (num_features_) check_features(features.data, batch, num_features_);
  if (method == GradientMethod::ParameterShift && num_symbols_ && grad_inputs.size)
    for (std::size_t i = 0; i < ops_.size(); ++i)
      for (unsigned k = 0; k < ops_[i].num_params; ++k)
        if (!params_[ops_[i].first_param + k].code.is_const &&
            params_[ops_[i].first_param + k].rule == ShiftRule::None)
          fail("BatchCircuit: parameter " + std::to_string(k) + " of gate '" +
               std::string(gate_info(ops_[i].gate).name) + "' has no parameter-shift rule; use the adjoint method.");
  if (batch == 0) return;
  const ScopedThreads scoped_threads(threads());
  BatchEngine<FP> eng(*this);
  const FP* feat = num_features_ ? features.data : nullptr;
  FP* gf = num_features_ && grad_features.size ? grad_features.data : nullptr;
  FP* gi = num_symbols_ && grad_inputs.size ? grad_inputs.data : nullptr;
  if (method == GradientMethod::Adjoint) {
    const bool par = batch * state_size() >= options_.parallel_threshold;
    parallel_chunks(batch, threads(), par, [&](std::size_t b0, std::size_t b1) {
      eng.adjoint_chunk(b0, b1, inputs.data, feat, final_states.data, grad_outputs.data, gi, gf);
    });
    return;
  }
  // Parameter shift: ~2-4 runs per parameter per sample, worth threads sooner.
  const bool par = batch * state_size() * std::max<std::size_t>(1, num_trainable_gate_params()) * 2 >=
                   options_.parallel_threshold;
  if (gi)
    parallel_chunks(batch, threads(), par, [&](std::size_t b0, std::size_t b1) {
      eng.shift_chunk(b0, b1, inputs.data, feat, grad_outputs.data, gi, shots);
    });
  if (gf)
    parallel_chunks(batch, threads(), par, [&](std::size_t b0, std::size_t b1) {
      eng.adjoint_chunk(b0, b1, inputs.data, feat, final_states.data, grad_outputs.data, nullptr, gf);
    });
}

template void BatchCircuit::forward<float>(std::size_t, Span<const float>, Span<const float>, Span<float>,
                                           Span<std::complex<float>>, const ShotOptions&) const;
template void BatchCircuit::forward<double>(std::size_t, Span<const double>, Span<const double>, Span<double>,
                                            Span<std::complex<double>>, const ShotOptions&) const;
template void BatchCircuit::backward<float>(std::size_t, Span<const float>, Span<const float>,
                                            Span<const std::complex<float>>, Span<const float>, Span<float>,
                                            Span<float>, GradientMethod, const ShotOptions&) const;
template void BatchCircuit::backward<double>(std::size_t, Span<const double>, Span<const double>,
                                             Span<const std::complex<double>>, Span<const double>, Span<double>,
                                             Span<double>, GradientMethod, const ShotOptions&) const;

// ---------------------------------------------------------------------------
// One-sample helpers for the CLI

std::vector<std::vector<double>> expectation_gradients(const Circuit& circuit,
                                                       const std::vector<Observable>& observables,
                                                       const std::vector<double>& inputs) {
  BatchOptions opt;
  opt.readout = Readout::from_observables(observables);
  opt.threads = 1;
  BatchCircuit bc(circuit, opt);
  if (inputs.size() < bc.num_symbols())
    fail("expectation_gradients: " + std::to_string(inputs.size()) + " input values given, the circuit has " +
         std::to_string(bc.num_symbols()) + " symbols.");
  std::vector<double> in(inputs.begin(), inputs.begin() + bc.num_symbols());
  std::vector<double> out(bc.num_outputs());
  std::vector<std::complex<double>> state(bc.state_size());
  bc.forward<double>(1, in, {}, out, state);
  std::vector<std::vector<double>> rows;
  for (std::size_t k = 0; k < observables.size(); ++k) {
    std::vector<double> g(bc.num_outputs(), 0.0), gi(bc.num_symbols());
    g[k] = 1;
    bc.backward<double>(1, in, {}, Span<const std::complex<double>>(state), g, gi, {});
    rows.push_back(gi);
  }
  return rows;
}

std::vector<double> evaluate_readout(const Circuit& circuit, const Readout& readout,
                                     const std::vector<double>& inputs, const std::vector<double>& features,
                                     InitialState initial_state) {
  BatchOptions opt;
  opt.readout = readout;
  opt.initial_state = initial_state;
  opt.threads = 1;
  BatchCircuit bc(circuit, opt);
  std::vector<double> out(bc.num_outputs());
  bc.forward<double>(1, inputs, features, out);
  return out;
}

}  // namespace qforge::sim
