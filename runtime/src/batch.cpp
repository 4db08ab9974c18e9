// batch.cpp - BatchCircuit: compile a circuit once, run and differentiate
// batches of it (see batch.hpp for the method and its reference).
//
// Layout of the work:
//  1. The constructor turns every gate into an Op (block + targets + control
//     mask) and every gate parameter into postfix bytecode plus the bytecode
//     of d(parameter)/d(symbol) for each symbol it reads.
//     Beyond kBlockTableQubits qubits, each run of two or more constant ops
//     between symbol-dependent ones is fused (fuse(), fusion.cpp) into
//     blocks, and the blocks' inverses are computed once (build_fused_runs).
//  2. forward(): each thread takes a contiguous share of the batch; it
//     evaluates the parameters of its samples, then applies gate 0 to all of
//     them, gate 1 to all of them, ... (a fused run as its blocks, and from
//     6 qubits on a chain of one-qubit gates on the same qubit as the
//     product of its blocks, sample by sample) and reads out.
//  3. backward(), adjoint: the bra lambda = sum_k g_k O_k psi, then for each
//     gate in reverse, one kernel call that un-applies the gate to psi and
//     lambda of every sample and accumulates each sample's block "density"
//     R[a][b] = sum conj(lambda_a) psi_b over the rest of the qubits, from
//     which dL/dp = 2 Re tr(R^T dU/dp) for every parameter of the gate
//     (adjoint_block_batch through the index table below 6 qubits,
//     adjoint_step in vector lanes from 6 on); a fused run is undone by its
//     inverse blocks on psi and lambda. From sweep_tile_qubits + 6 qubits,
//     the runs of two or more steps on qubits below that many (build_sweep)
//     go tile by tile: every step of the run on one tile of both states,
//     then the next tile, the tiles split over the threads
//     (BatchEngine::sweep_tiles). From 6 qubits on, each run of 2 to 8
//     consecutive steps of one-qubit ops without controls on the same
//     qubit (mark_chains) is one pass over both states (adjoint_chain),
//     over the whole states or inside each tile; a CX with a control of 3
//     or above un-applies in the pass of the run on its target that comes
//     next on that qubit (moved up to it by reorder_for_chains before
//     the tiled runs are marked).
//  4. backward(), parameter shift: per sample, 2 or 4 shifted runs per
//     symbol-dependent gate parameter, with the rule the gate table derives
//     from the parameter's generator (gate_shift_rule).
// Gate blocks and their derivatives come from the gate table (gate_block);
// every state update goes through the batched kernels of kernels.hpp.
// The engine itself (BatchEngine) is in batch_engine.hpp, shared with the
// noisy engine (noisy_batch.cpp).
// No heap allocation happens per sample or per gate: every buffer is sized
// once per call and per thread (the sweep's two states once per thread).
#include "qforge/batch.hpp"

#include "batch_engine.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace qforge::sim {


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
  if (options_.sweep_tile_qubits != 0 && options_.sweep_tile_qubits < 3)
    fail("BatchCircuit: sweep_tile_qubits is " + std::to_string(options_.sweep_tile_qubits) +
         "; it must be 0 (no tiles) or at least 3.");
  num_outputs_ = ro.size(num_qubits_);
  if (options_.initial_state.mode == InitialStateMode::Amplitude) {
    num_features_ = options_.initial_state.num_features;
    if (num_features_ == 0 || num_features_ > state_size())
      fail("BatchCircuit: amplitude embedding of " + std::to_string(num_features_) +
           " features needs between 1 and 2^" + std::to_string(num_qubits_) + " = " +
           std::to_string(state_size()) + " features.");
  }

  for (std::size_t index = 0; index < circuit.ops.size(); ++index) {
    const Operation& op = circuit.ops[index];
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
    o.source = uint32_t(index);
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
  build_fused_runs();
  build_sweep();
  mark_chains();
}

void BatchCircuit::build_fused_runs() {
  fused_.clear();
  if (options_.fusion_width == 0 || num_qubits_ <= kBlockTableQubits) return;
  FusionOptions fo;
  fo.max_width = options_.fusion_width;
  for (std::size_t i = 0; i < ops_.size();) {
    std::size_t j = i;
    while (j < ops_.size() && !ops_[j].parametric) ++j;
    if (j - i >= 2) {
      std::vector<GateOp> run;
      for (std::size_t k = i; k < j; ++k) {
        const Op& o = ops_[k];
        const std::size_t bd = std::size_t(1) << o.block.k;
        run.push_back(make_gate(std::vector<unsigned>(o.block.targets, o.block.targets + o.block.k),
                                std::vector<cd>(o.matrix, o.matrix + bd * bd), o.block.ctrl_mask));
      }
      FusedRun fr;
      fr.begin = i;
      fr.end = j;
      fr.blocks = fuse(run, fo);
      for (auto b = fr.blocks.rbegin(); b != fr.blocks.rend(); ++b) fr.inverse.push_back(inverse(*b));
      fused_.push_back(std::move(fr));
    }
    i = j == i ? i + 1 : j;
  }
}

void BatchCircuit::build_sweep() {
  sweep_.clear();
  max_tile_params_ = 0;
  auto fr = fused_.rbegin();
  for (std::size_t j = ops_.size(); j > 0;) {
    if (fr != fused_.rend() && fr->end == j) {
      for (std::size_t i = 0; i < fr->inverse.size(); ++i) {
        SweepStep s;
        s.op = fr->begin;
        s.fused = int32_t(fused_.rend() - fr - 1);
        s.block = uint32_t(i);
        sweep_.push_back(std::move(s));
      }
      j = fr->begin;
      ++fr;
      continue;
    }
    SweepStep s;
    s.op = --j;
    sweep_.push_back(std::move(s));
  }
  reorder_for_chains();
  // Tiles pay once the two states outgrow the last-level cache: on a 32 MiB
  // L3, tiles of 2^14 amplitudes made the sweep 3-20% slower at 16-18 qubits
  // (each step set up once per tile) and 34-40% faster at 20.
  const unsigned k = options_.sweep_tile_qubits;
  if (k == 0 || num_qubits_ < k + kSweepTilesFromExtraQubits) return;
  const uint64_t high = ~((uint64_t(1) << k) - 1);
  for (std::size_t first = 0; first < sweep_.size();) {
    std::size_t end = first;
    while (end < sweep_.size() && !(step_qubits(sweep_[end]) & high)) ++end;
    if (end - first >= 2) {
      std::size_t params = 0;
      for (std::size_t i = first; i < end; ++i) {
        SweepStep& s = sweep_[i];
        s.tile_end = end;
        if (s.fused >= 0) continue;
        const BlockGate& b = ops_[s.op].block;
        s.tile_gate = make_block_gate(k, b.kind, b.k, b.targets, b.ctrl_mask);
        params += ops_[s.op].parametric;
      }
      max_tile_params_ = std::max(max_tile_params_, params);
    }
    first = end == first ? first + 1 : end;
  }
}

uint64_t BatchCircuit::step_qubits(const SweepStep& s) const {
  if (s.fused >= 0) return fused_[std::size_t(s.fused)].inverse[s.block].qubit_mask();
  const BlockGate& b = ops_[s.op].block;
  uint64_t m = b.ctrl_mask;
  for (unsigned a = 0; a < b.k; ++a) m |= uint64_t(1) << b.targets[a];
  return m;
}

int BatchCircuit::step_qubit(const SweepStep& s) const {
  if (s.fused >= 0) return -1;
  const BlockGate& b = ops_[s.op].block;
  return b.k == 1 && b.ctrl_mask == 0 ? int(b.targets[0]) : -1;
}

std::pair<int, int> BatchCircuit::step_cx(const SweepStep& s) const {
  uint64_t ctrl = 0;
  int target = -1;
  if (s.fused >= 0) {
    const GateOp& g = fused_[std::size_t(s.fused)].inverse[s.block];
    if (g.kind == KernelKind::X && g.targets.size() == 1) ctrl = g.ctrl_mask, target = int(g.targets[0]);
  } else {
    const BlockGate& b = ops_[s.op].block;
    if (b.kind == BlockKind::X && b.k == 1) ctrl = b.ctrl_mask, target = int(b.targets[0]);
  }
  const bool one = __builtin_popcountll(ctrl) == 1 && ctrl >= 8;
  return {one ? target : -1, one ? __builtin_ctzll(ctrl) : -1};
}

void BatchCircuit::reorder_for_chains() {
  // From kLaneStepQubits on, where the steps run in vector lanes (as the
  // chains, mark_chains). Before the tiled runs are marked (build_sweep),
  // so that a CX and the run moved up to it fall in the same tiled run.
  if (num_qubits_ < kLaneStepQubits) return;
  // Each CX(c, t) is followed in the sweep by the run of one-qubit steps
  // on t that comes next on t, moved up past the steps between (none of
  // them touches t, so each step's density, a sum over the other qubits,
  // is the same), so that the CX is un-applied in the run's chain pass.
  // Only steps of symbol-dependent ops or later ones: the sweep stops at
  // the first (sweep_fused) and reaches it through a prefix of sweep_.
  std::size_t first_param = 0;
  while (first_param < ops_.size() && !ops_[first_param].parametric) ++first_param;
  for (std::size_t i = 0; i < sweep_.size(); ++i) {
    const int t = step_cx(sweep_[i]).first;
    if (t < 0) continue;
    std::size_t j = i + 1;
    while (j < sweep_.size() && !(step_qubits(sweep_[j]) >> t & 1)) ++j;
    std::size_t r = j;
    while (r < sweep_.size() && step_qubit(sweep_[r]) == t && sweep_[r].op >= first_param) ++r;
    if (j > i + 1 && r > j) std::rotate(sweep_.begin() + std::ptrdiff_t(i + 1), sweep_.begin() + std::ptrdiff_t(j),
                                        sweep_.begin() + std::ptrdiff_t(r));
  }
}

void BatchCircuit::mark_chains() {
  // From kLaneStepQubits on, where the steps run in vector lanes; a chain
  // stays inside one tiled run or outside all (sweep_tiles takes it tile by
  // tile).
  forward_chain_end_.clear();
  if (num_qubits_ < kLaneStepQubits) return;
  for (std::size_t first = 0; first < sweep_.size();) {
    // A chain: a CX (step_cx) and the one-qubit steps on its target after
    // it, or two or more one-qubit steps on one qubit; the forward applies
    // its one-qubit steps [run, end) as one block when they are consecutive
    // ops (a run moved up above may have closed a gap between two steps on
    // another qubit).
    int q = step_qubit(sweep_[first]);
    std::size_t run = first, end = first + 1;
    const auto [t, control] = step_cx(sweep_[first]);
    if (t >= 0 && end < sweep_.size() && step_qubit(sweep_[end]) == t &&
        sweep_[end].tile_end == sweep_[first].tile_end) {
      q = t;
      run = end++;
    }
    if (q >= 0)
      while (end < sweep_.size() && end - run < kMaxChainSteps && step_qubit(sweep_[end]) == q &&
             sweep_[end].tile_end == sweep_[first].tile_end)
        ++end;
    if (end - first >= 2) {
      for (std::size_t i = first; i < end; ++i) sweep_[i].chain_end = end;
      if (run > first) sweep_[first].chain_control = control;
      if (end - run >= 2 && sweep_[run].op - sweep_[end - 1].op == end - 1 - run) {
        forward_chain_end_.resize(ops_.size());
        forward_chain_end_[sweep_[end - 1].op] = sweep_[run].op + 1;
      }
    }
    first = end;
  }
}

std::size_t BatchCircuit::num_chains() const {
  std::size_t chains = 0;
  for (std::size_t s = 0; s < sweep_.size(); s = std::max(s + 1, sweep_[s].chain_end)) chains += sweep_[s].chain_end != 0;
  return chains;
}

std::size_t BatchCircuit::num_tiled_runs() const {
  std::size_t runs = 0;
  for (std::size_t s = 0; s < sweep_.size(); s = std::max(s + 1, sweep_[s].tile_end)) runs += sweep_[s].tile_end != 0;
  return runs;
}

std::size_t BatchCircuit::num_trainable_gate_params() const {
  std::size_t n = 0;
  for (const auto& p : params_) n += !p.code.is_const;
  return n;
}

std::size_t BatchCircuit::num_passes() const {
  std::size_t n = ops_.size();
  for (const auto& r : fused_) n = n - (r.end - r.begin) + r.blocks.size();
  return n;
}

ShiftRule BatchCircuit::shift_rule(std::size_t gate, unsigned k) const {
  if (gate >= ops_.size() || k >= ops_[gate].num_params) fail("BatchCircuit::shift_rule: no such gate parameter.");
  return params_[ops_[gate].first_param + k].rule;
}

int BatchCircuit::threads() const { return options_.threads > 0 ? options_.threads : max_threads(); }

// ---------------------------------------------------------------------------
// Entry points (the engine is batch_engine.hpp)

template <typename FP>
void BatchCircuit::forward(std::size_t batch, Span<const FP> inputs, Span<const FP> features, Span<FP> outputs,
                           Span<std::complex<FP>> final_states, const ShotOptions& shots) const {
  check_sizes("BatchCircuit", {{"inputs (batch x symbols)", batch * num_symbols_, inputs.size, false},
                               {"features (batch x features)", batch * num_features_, features.size, false},
                               {"outputs (batch x outputs)", batch * num_outputs_, outputs.size, false},
                               {"final_states (batch x 2^n)", batch * state_size(), final_states.size, true}});
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
  check_sizes("BatchCircuit", {{"inputs (batch x symbols)", batch * num_symbols_, inputs.size, false},
                               {"features (batch x features)", batch * num_features_, features.size, false},
                               {"final_states (batch x 2^n)", batch * state_size(), final_states.size, true},
                               {"grad_outputs (batch x outputs)", batch * num_outputs_, grad_outputs.size, false},
                               {"grad_inputs (batch x symbols)", batch * num_symbols_, grad_inputs.size, true},
                               {"grad_features (batch x features)", batch * num_features_, grad_features.size, true}});
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
