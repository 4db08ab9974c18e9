// noisy_batch.cpp - NoisyBatchCircuit: BatchCircuit's compiled ops run on
// vec(rho), channels as superoperators, and the adjoint sweep with
// checkpoints (see noisy_batch.hpp for the derivation and the memory).
//
// Everything per gate is BatchEngine's (batch_engine.hpp): parameter
// evaluation, gate_block and its derivatives, the accumulation of
// 2 Re tr(R^T dU/dp), the chain rule to the symbols and the feature
// gradient; the state updates are the batched kernels (apply_block_batch,
// adjoint_block_batch) on 2n qubits, and apply_dense for two-qubit channels
// (a 16 x 16 superoperator on four of the 2n qubits).
#include "qforge/noisy_batch.hpp"

#include "batch_engine.hpp"
#include "noisy_detail.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace qforge::sim {
namespace {

constexpr const char* kWho = "NoisyBatchCircuit";

/// A channel as its superoperator on `qubits` (superoperator()'s index
/// convention: row bits, then column bits, qubits[0] first within each).
struct Super {
  std::vector<unsigned> qubits;
  std::vector<cd> s;
};

Super to_super(const Channel& ch) { return {ch.qubits, superoperator(ch)}; }

/// Measurement (non-selective) and reset as channels. The measurement is
/// Z dephasing, written with the Kraus operators I / sqrt(2) and Z / sqrt(2)
/// (the same map as {|0><0|, |1><1|}) so that trajectories draw unitaries.
Channel dephasing_channel(unsigned q) {
  const double h = std::sqrt(0.5);
  return Channel{{q}, {{h, 0, 0, h}, {h, 0, 0, -h}}, "measure"};
}
Channel reset_channel(unsigned q) { return Channel{{q}, {{1, 0, 0, 0}, {0, 1, 0, 0}}, "reset"}; }

bool subset(const std::vector<unsigned>& a, const std::vector<unsigned>& b) {
  for (unsigned q : a)
    if (std::find(b.begin(), b.end(), q) == b.end()) return false;
  return true;
}

/// `sub`'s superoperator extended by the identity to the qubits `full`
/// (sub's qubits are a subset of full's, in any order).
std::vector<cd> embed(const Super& sub, const std::vector<unsigned>& full) {
  const unsigned m = unsigned(full.size()), k = unsigned(sub.qubits.size());
  const std::size_t Df = std::size_t(1) << (2 * m), Ds = std::size_t(1) << (2 * k);
  // Bit of qubit full[j] in a full index: row 2m - 1 - j, column m - 1 - j.
  auto bit = [](std::size_t i, unsigned pos) { return (i >> pos) & 1; };
  std::vector<cd> out(Df * Df, 0);
  for (std::size_t a = 0; a < Df; ++a)
    for (std::size_t b = 0; b < Df; ++b) {
      std::size_t sa = 0, sb = 0;
      bool ok = true;
      for (unsigned j = 0; j < m && ok; ++j) {
        const auto it = std::find(sub.qubits.begin(), sub.qubits.end(), full[j]);
        const unsigned rp = 2 * m - 1 - j, cp = m - 1 - j;
        if (it == sub.qubits.end()) {
          ok = bit(a, rp) == bit(b, rp) && bit(a, cp) == bit(b, cp);
        } else {
          const unsigned i = unsigned(it - sub.qubits.begin());
          const unsigned srp = 2 * k - 1 - i, scp = k - 1 - i;
          sa |= bit(a, rp) << srp | bit(a, cp) << scp;
          sb |= bit(b, rp) << srp | bit(b, cp) << scp;
        }
      }
      if (ok) out[a * Df + b] = sub.s[sa * Ds + sb];
    }
  return out;
}

/// `second` after `first` as one superoperator, when one's qubits contain
/// the other's.
Super compose(const Super& first, const Super& second) {
  const bool grow = subset(first.qubits, second.qubits);
  Super out;
  out.qubits = grow ? second.qubits : first.qubits;
  const std::vector<cd> a = grow ? embed(first, out.qubits) : first.s;
  const std::vector<cd> b = grow ? second.s : embed(second, out.qubits);
  const std::size_t D = std::size_t(1) << (2 * out.qubits.size());
  out.s.assign(D * D, 0);
  for (std::size_t r = 0; r < D; ++r)
    for (std::size_t j = 0; j < D; ++j)
      for (std::size_t c = 0; c < D; ++c) out.s[r * D + c] += b[r * D + j] * a[j * D + c];
  return out;
}

/// The superoperator U (x) conj(U) of a compiled constant gate on its
/// qubits (controls, then targets).
Super gate_super(const BatchCircuit::Op& op) {
  std::vector<unsigned> qs;
  for (unsigned q = 0; q < 64; ++q)
    if (op.block.ctrl_mask >> q & 1) qs.push_back(q);
  const unsigned k = op.block.k, nctrl = unsigned(qs.size());
  for (unsigned a = 0; a < k; ++a) qs.push_back(op.block.targets[a]);
  const std::size_t d = std::size_t(1) << qs.size(), bd = std::size_t(1) << k;
  const std::size_t ctrl = ((std::size_t(1) << nctrl) - 1) << k, low = bd - 1;
  std::vector<cd> u(d * d, 0);
  for (std::size_t c = 0; c < d; ++c) {
    if ((c & ctrl) != ctrl) {
      u[c * d + c] = 1;
      continue;
    }
    for (std::size_t t = 0; t < bd; ++t) u[((c & ~low) | t) * d + c] = op.matrix[t * bd + (c & low)];
  }
  return to_super(Channel{qs, {u}, ""});
}

NoisyBatchCircuit::ChannelStep make_channel_step(const Super& sup, unsigned n) {
  NoisyBatchCircuit::ChannelStep st;
  const unsigned k = unsigned(sup.qubits.size());
  st.num_qubits = k;
  for (unsigned i = 0; i < k; ++i) {
    st.targets[i] = sup.qubits[i];
    st.targets[k + i] = sup.qubits[i] + n;
  }
  const std::size_t D = std::size_t(1) << (2 * k);
  st.s = sup.s;
  st.s_dag.resize(D * D);
  bool diagonal = true;
  for (std::size_t r = 0; r < D; ++r)
    for (std::size_t c = 0; c < D; ++c) {
      st.s_dag[r * D + c] = std::conj(sup.s[c * D + r]);
      if (r != c && sup.s[r * D + c] != cd(0)) diagonal = false;
    }
  if (k == 1) {
    st.block = make_block_gate(2 * n, diagonal ? BlockKind::Diagonal : BlockKind::Dense, 2, st.targets, 0);
  } else {
    st.pattern = make_sparse_block(2 * n, 4, st.targets, st.s.data());
    st.pattern_dag = make_sparse_block(2 * n, 4, st.targets, st.s_dag.data());
    st.sparse = st.pattern.nonzeros() * 4 <= D * D;
    if (st.sparse) {
      std::vector<cd> s, sd;
      for (std::size_t e : st.pattern.entry) s.push_back(st.s[e]);
      for (std::size_t e : st.pattern_dag.entry) sd.push_back(st.s_dag[e]);
      st.s = std::move(s);
      st.s_dag = std::move(sd);
    }
  }
  for (const cd& v : st.s) st.s32.emplace_back(float(v.real()), float(v.imag()));
  for (const cd& v : st.s_dag) st.s_dag32.emplace_back(float(v.real()), float(v.imag()));
  return st;
}

/// The channels that act right after operation i of `nc`: a measurement's
/// or reset's own channel first, then nc.after[i].
std::vector<Channel> channels_after(const NoisyCircuit& nc, std::size_t i) {
  const Operation& op = nc.circuit.ops[i];
  std::vector<Channel> out;
  if (op.kind == OpKind::Measure || op.kind == OpKind::Reset)
    for (uint32_t q : op.qubits) out.push_back(op.kind == OpKind::Measure ? dephasing_channel(q) : reset_channel(q));
  out.insert(out.end(), nc.after[i].begin(), nc.after[i].end());
  return out;
}

/// nc.circuit, checked, with every measurement and reset replaced by a
/// barrier (their channels are in channels_after).
Circuit unitary_part(const NoisyCircuit& nc) {
  check_noisy_circuit(nc);
  if (nc.circuit.num_qubits > 15)
    fail("NoisyBatchCircuit: the circuit has " + std::to_string(nc.circuit.num_qubits) +
         " qubits; its density matrix is a vector of 2n qubits, and at most 30 are supported.");
  Circuit c = nc.circuit;
  for (Operation& op : c.ops) {
    if (!op.conditions.empty())
      throw error_at(op, "a differentiable noisy circuit cannot condition an operation on measured bits "
                         "(NoisyBatchCircuit).");
    if (op.kind != OpKind::Measure && op.kind != OpKind::Reset) continue;
    op.kind = OpKind::Barrier;
    op.clbits.clear();
  }
  return c;
}

}  // namespace

NoisyBatchCircuit::NoisyBatchCircuit(const NoisyCircuit& nc, NoisyBatchOptions options)
    : circuit_(unitary_part(nc), options.batch), options_(std::move(options)) {
  if (options_.checkpoint_interval == 0) fail("NoisyBatchCircuit: the checkpoint interval must be at least 1.");
  const unsigned n = circuit_.num_qubits();
  for (const BatchCircuit::Op& op : circuit_.ops()) {
    GateSteps g;
    unsigned t[2] = {op.block.targets[0], op.block.targets[1]};
    g.row = make_block_gate(2 * n, op.block.kind, op.block.k, t, op.block.ctrl_mask);
    t[0] += n;
    t[1] += n;
    g.col = make_block_gate(2 * n, op.block.kind, op.block.k, t, op.block.ctrl_mask << n);
    for (int i = 0; i < 16; ++i) {
      g.conj_matrix[i] = std::conj(op.matrix[i]);
      g.conj_matrix32[i] = std::conj(op.matrix32[i]);
    }
    gates_.push_back(std::move(g));
  }
  // Steps in circuit order; nested consecutive channels multiply into one, and
  // a constant gate joins the channel right after it.
  std::vector<Super> supers;
  std::size_t j = 0;
  for (std::size_t i = 0; i < nc.circuit.ops.size(); ++i) {
    if (j < circuit_.ops().size() && circuit_.ops()[j].source == i) steps_.push_back({false, uint32_t(j++)});
    for (const Channel& ch : channels_after(nc, i)) {
      add_trajectory_channel(ch, uint32_t(j), n);
      Super s = to_super(ch);
      if (!steps_.empty() && steps_.back().is_channel &&
          (subset(supers.back().qubits, s.qubits) || subset(s.qubits, supers.back().qubits))) {
        supers.back() = compose(supers.back(), s);
        continue;
      }
      // A constant gate right before the channel, on at most two qubits that
      // nest with the channel's, joins it: one linear map, one pass.
      if (!steps_.empty() && !steps_.back().is_channel && !circuit_.ops()[steps_.back().index].parametric) {
        const Super g = gate_super(circuit_.ops()[steps_.back().index]);
        if (g.qubits.size() <= 2 && (subset(g.qubits, s.qubits) || subset(s.qubits, g.qubits))) {
          steps_.back() = {true, uint32_t(supers.size())};
          supers.push_back(compose(g, s));
          continue;
        }
      }
      steps_.push_back({true, uint32_t(supers.size())});
      supers.push_back(std::move(s));
    }
  }
  for (const Super& s : supers) channels_.push_back(make_channel_step(s, n));
}

void NoisyBatchCircuit::add_trajectory_channel(const Channel& ch, uint32_t position, unsigned n) {
  TrajectoryChannel t;
  t.position = position;
  const unsigned targets[2] = {ch.qubits[0], ch.qubits.size() > 1 ? ch.qubits[1] : 0u};
  t.block = make_block_gate(n, BlockKind::Dense, unsigned(ch.qubits.size()), targets, 0);
  const std::size_t d = std::size_t(1) << ch.qubits.size();
  const std::vector<bool> id = detail::identity_kraus(ch);
  double run = 0;
  for (std::size_t k = 0; k < ch.kraus.size(); ++k) {
    // The proposal q_k = tr(K_k^dag K_k) / d (see the header).
    double q = 0;
    for (const cd& v : ch.kraus[k]) q += std::norm(v);
    q /= double(d);
    run += q;
    t.cumulative.push_back(run);
    t.identity.push_back(id[k] ? 1 : 0);
    const bool unitary = is_mixed_unitary(Channel{ch.qubits, {ch.kraus[k]}, ""});
    t.unitary.push_back(unitary ? 1 : 0);
    const double scale = q > 0 ? 1 / std::sqrt(q) : 0;
    std::vector<cd> a(d * d), inv(d * d, 0.0);
    for (std::size_t r = 0; r < d; ++r)
      for (std::size_t c = 0; c < d; ++c) {
        a[r * d + c] = ch.kraus[k][r * d + c] * scale;
        const cd adag = std::conj(ch.kraus[k][c * d + r]) * scale;
        t.ops.push_back(a[r * d + c]);
        t.ops_dag.push_back(adag);
        t.ops32.emplace_back(float(a[r * d + c].real()), float(a[r * d + c].imag()));
        t.ops_dag32.emplace_back(float(adag.real()), float(adag.imag()));
      }
    // A one-qubit A_k the sweep can undo by its inverse (see the header).
    bool invertible = false;
    if (!unitary && d == 2) {
      const cd det = a[0] * a[3] - a[1] * a[2];
      double big = 0;
      for (const cd& v : a) big = std::max(big, std::abs(v));
      invertible = std::abs(det) >= 1e-6 * big * big;
      if (invertible) inv = {a[3] / det, -a[1] / det, -a[2] / det, a[0] / det};
    }
    t.invertible.push_back(invertible ? 1 : 0);
    for (const cd& v : inv) {
      t.ops_inv.push_back(v);
      t.ops_inv32.emplace_back(float(v.real()), float(v.imag()));
    }
  }
  trajectory_channels_.push_back(std::move(t));
}

std::size_t NoisyBatchCircuit::num_checkpoints() const {
  const std::size_t k = options_.checkpoint_interval;
  return (channels_.size() + k - 1) / k;
}

uint64_t NoisyBatchCircuit::memory_bytes(std::size_t batch, Precision precision) const {
  const uint64_t amp = precision == Precision::Double ? 16 : 8;
  const uint64_t states = 3 + num_checkpoints() + (options_.checkpoint_interval - 1);
  return states * uint64_t(batch) * uint64_t(state_size()) * amp;
}

// ---------------------------------------------------------------------------
// The engine

template <typename FP>
struct NoisyBatchEngine {
  using C = std::complex<FP>;
  using Op = BatchCircuit::Op;
  const NoisyBatchCircuit& nbc;
  const BatchCircuit& bc;
  const BatchEngine<FP> eng;
  const unsigned n, n2;
  const std::size_t dim, D, P, k;
  std::vector<std::size_t> channel_step;  ///< step index of each channel step

  explicit NoisyBatchEngine(const NoisyBatchCircuit& c)
      : nbc(c), bc(c.circuit_), eng(c.circuit_), n(bc.num_qubits()), n2(2 * n), dim(std::size_t(1) << n),
        D(dim * dim), P(bc.params_.size()), k(c.options_.checkpoint_interval) {
    for (std::size_t s = 0; s < c.steps_.size(); ++s)
      if (c.steps_[s].is_channel) channel_step.push_back(s);
  }

  // What every entry point does after checking its own buffers: check the
  // inputs and features (sizes, norms), then run work(eng, b0, b1) on each
  // thread's contiguous share of the batch (`amplitudes` per sample decide
  // whether threads pay off).
  template <typename Work>
  static void each_chunk(const NoisyBatchCircuit& c, std::size_t batch, Span<const FP> inputs,
                         Span<const FP> features, std::size_t amplitudes, Work&& work) {
    check_sizes(kWho, {{"inputs (batch x symbols)", batch * c.num_symbols(), inputs.size, false},
                       {"features (batch x features)", batch * c.num_features(), features.size, false}});
    if (c.num_features()) check_features(features.data, batch, c.num_features());
    if (batch == 0) return;
    const ScopedThreads scoped_threads(c.threads());
    const NoisyBatchEngine eng(c);
    const bool par = batch * amplitudes >= c.options().parallel_threshold;
    parallel_chunks(batch, c.threads(), par, [&](std::size_t b0, std::size_t b1) { work(eng, b0, b1); });
  }

  static const C* conj_block(const NoisyBatchCircuit::GateSteps& g) {
    if constexpr (std::is_same_v<FP, double>) return g.conj_matrix;
    else return g.conj_matrix32;
  }

  void apply_channel(C* v, std::size_t nb, const NoisyBatchCircuit::ChannelStep& ch, bool adjoint) const {
    const C* m;
    if constexpr (std::is_same_v<FP, double>) m = adjoint ? ch.s_dag.data() : ch.s.data();
    else m = adjoint ? ch.s_dag32.data() : ch.s32.data();
    if (ch.num_qubits == 1) return apply_block_batch<FP>(v, nb, ch.block, m, 0);
    if (ch.sparse) return apply_sparse_batch<FP>(v, nb, adjoint ? ch.pattern_dag : ch.pattern, m);
    for (std::size_t b = 0; b < nb; ++b) apply_dense<FP>(v + b * D, n2, ch.targets, 4, m, 0);
  }

  // Gate blocks of op for nb samples into mbuf and their conjugates into cbuf
  // (and the derivative blocks into dbuf when not null).
  void gate_blocks(const Op& op, std::size_t nb, const double* vals, C* mbuf, C* cbuf, cd* dbuf = nullptr) const {
    BatchEngine<FP>::blocks_of(op, nb, vals, P, mbuf, dbuf);
    const std::size_t bs = op.block.block_size();
    for (std::size_t i = 0; i < nb * bs; ++i) cbuf[i] = std::conj(mbuf[i]);
  }

  // U on the rows and conj(U) on the columns of nb samples.
  void apply_gate(C* v, std::size_t nb, uint32_t j, const double* vals, C* mbuf, C* cbuf) const {
    const Op& op = bc.ops_[j];
    const auto& g = nbc.gates_[j];
    if (!op.parametric) {
      apply_block_batch<FP>(v, nb, g.row, BatchEngine<FP>::const_block(op), 0);
      apply_block_batch<FP>(v, nb, g.col, conj_block(g), 0);
      return;
    }
    gate_blocks(op, nb, vals, mbuf, cbuf);
    const std::size_t bs = op.block.block_size();
    apply_block_batch<FP>(v, nb, g.row, mbuf, bs);
    apply_block_batch<FP>(v, nb, g.col, cbuf, bs);
  }

  // Steps [from, to) on nb samples; keep(c) sees v right before channel step c.
  template <typename Keep>
  void run(C* v, std::size_t nb, std::size_t from, std::size_t to, const double* vals, C* mbuf, C* cbuf,
           Keep&& keep) const {
    for (std::size_t s = from; s < to; ++s) {
      const auto& st = nbc.steps_[s];
      if (!st.is_channel) {
        apply_gate(v, nb, st.index, vals, mbuf, cbuf);
        continue;
      }
      keep(std::size_t(st.index));
      apply_channel(v, nb, nbc.channels_[st.index], false);
    }
  }

  // vec(|psi0><psi0|) with psi0 BatchEngine's initial state (real).
  void init(C* v, const FP* feat, C* psi0) const {
    eng.init_state(psi0, feat);
    for (std::size_t c = 0; c < dim; ++c)
      for (std::size_t r = 0; r < dim; ++r) v[r + dim * c] = psi0[r] * std::conj(psi0[c]);
  }

  double diag(const C* v, std::size_t i) const { return double(v[i * (dim + 1)].real()); }

  // tr(O rho) for the readout of one sample.
  void readout(const C* v, FP* out) const {
    eng.readout_with(
        out, [&](std::size_t i) { return diag(v, i); },
        [&](const PauliTerm& t) { return detail::trace_pauli(v, n, t); });
  }

  // lam <- vec(sum_k g_k O_k): the readout is linear in rho, so the bra does
  // not depend on the state. A Pauli term P|c> = phase(c)|c ^ f> has
  // P[c ^ f][c] = phase(c).
  void bra(const FP* g, C* lam) const {
    const Readout& ro = bc.options_.readout;
    std::fill(lam, lam + D, C(0));
    switch (ro.kind) {
      case ReadoutKind::ExpectationZ: {
        DoubleScratch scratch(dim);
        double* w = scratch.data();
        z_weights(g, n, w);
        for (std::size_t i = 0; i < dim; ++i) lam[i * (dim + 1)] = C(FP(w[i]), 0);
        break;
      }
      case ReadoutKind::Probabilities:
        for (std::size_t i = 0; i < dim; ++i) lam[i * (dim + 1)] = C(g[i], 0);
        break;
      case ReadoutKind::Marginals:
        for (std::size_t i = 0; i < dim; ++i) lam[i * (dim + 1)] = C(g[eng.marginal_index(i)], 0);
        break;
      case ReadoutKind::Observables:
        for (std::size_t o = 0; o < ro.observables.size(); ++o) {
          if (g[o] == FP(0)) continue;
          for (const auto& t : ro.observables[o].terms) {
            const uint64_t f = t.x_mask | t.y_mask, zy = t.z_mask | t.y_mask;
            const cd ph = BatchEngine<FP>::ipow(__builtin_popcountll(t.y_mask)) * (t.coefficient * double(g[o]));
            for (uint64_t c = 0; c < dim; ++c) {
              const cd e = ph * BatchEngine<FP>::pauli_sign(c, zy);
              lam[(c ^ f) + dim * c] += C(FP(e.real()), FP(e.imag()));
            }
          }
        }
        break;
    }
  }

  // Feature gradient from lambda_0 (a Hermitian Lambda_0): L = psi0^T Lambda_0
  // psi0 for real psi0, so dL/dpsi0 = 2 Re(Lambda_0 psi0), which is what
  // BatchEngine::feature_grad takes as 2 Re(lam) of its pure-state bra.
  void feature_grad(const C* lam, const FP* feat, FP* gf, C* psi0, C* tmp) const {
    eng.init_state(psi0, feat);
    for (std::size_t r = 0; r < dim; ++r) {
      C acc = 0;
      for (std::size_t c = 0; c < dim; ++c) acc += lam[r + dim * c] * psi0[c];
      tmp[r] = acc;
    }
    eng.feature_grad(tmp, feat, gf);
  }

  void eval_chunk(std::size_t b0, std::size_t nb, const FP* inputs, double* sym, std::size_t sym_stride,
                  double* vals) const {
    for (std::size_t b = 0; b < nb; ++b)
      eng.eval_params(inputs + (b0 + b) * bc.num_symbols_, sym + b * sym_stride, vals + b * P);
  }

  void init_chunk(C* v, std::size_t b0, std::size_t nb, const FP* features, C* psi0) const {
    for (std::size_t b = 0; b < nb; ++b)
      init(v + b * D, features ? features + (b0 + b) * bc.num_features_ : nullptr, psi0);
  }

  // Forward over samples [b0, b1): v holds their states (nb x 4^n); ck (when
  // not null) checkpoint 0 of sample b0, slots `stride` apart.
  void forward_chunk(std::size_t b0, std::size_t b1, const FP* inputs, const FP* features, FP* outputs, C* v,
                     C* ck, std::size_t stride) const {
    const std::size_t nb = b1 - b0;
    std::vector<double> vals(nb * P), sym(bc.num_symbols_ + 1);
    eval_chunk(b0, nb, inputs, sym.data(), 0, vals.data());
    std::vector<C> mbuf(nb * 16), cbuf(nb * 16), psi0(dim);
    init_chunk(v, b0, nb, features, psi0.data());
    run(v, nb, 0, nbc.steps_.size(), vals.data(), mbuf.data(), cbuf.data(), [&](std::size_t c) {
      if (ck && c % k == 0) std::copy(v, v + nb * D, ck + (c / k) * stride);
    });
    if (outputs)
      for (std::size_t b = 0; b < nb; ++b) readout(v + b * D, outputs + (b0 + b) * bc.num_outputs_);
  }

  // Adjoint backward over samples [b0, b1). final/ck: the tape's final
  // states and checkpoints of sample b0 (null: re-run the forward pass).
  void backward_chunk(std::size_t b0, std::size_t b1, const FP* inputs, const FP* features, const C* final,
                      const C* ck, std::size_t stride, const FP* grad_out, FP* grad_in, FP* grad_feat) const {
    const std::size_t nb = b1 - b0, ss = bc.num_symbols_ + 1;
    std::vector<double> vals(nb * P), gp(nb * P, 0.0), sym(ss * nb);
    eval_chunk(b0, nb, inputs, sym.data(), ss, vals.data());
    std::vector<C> v(nb * D), lam(nb * D), mbuf(nb * 16), cbuf(nb * 16), R(nb * 16), psi0(dim), tmp(dim);
    std::vector<cd> dbuf(nb * 4 * 16);
    std::vector<C> own_ck;
    if (final) {
      std::copy(final, final + nb * D, v.begin());
    } else {
      own_ck.resize(nbc.num_checkpoints() * nb * D);
      forward_chunk(b0, b1, inputs, features, nullptr, v.data(), own_ck.data(), nb * D);
      ck = own_ck.data();
      stride = nb * D;
    }
    std::vector<C> seg(k > 1 ? (k - 1) * nb * D : 0);
    std::size_t seg_loaded = SIZE_MAX;
    for (std::size_t b = 0; b < nb; ++b) bra(grad_out + (b0 + b) * bc.num_outputs_, &lam[b * D]);
    // Steps before the first symbol-dependent gate matter only for the
    // feature gradient (lambda must reach the initial state).
    const auto& steps = nbc.steps_;
    std::size_t stop = 0;
    if (!grad_feat)
      while (stop < steps.size() && (steps[stop].is_channel || !bc.ops_[steps[stop].index].parametric)) ++stop;
    for (std::size_t s = steps.size(); s-- > stop;) {
      const auto& st = steps[s];
      if (st.is_channel) {
        // lambda <- S^dag lambda; vec(rho) <- the state before the channel.
        const std::size_t c = st.index;
        apply_channel(lam.data(), nb, nbc.channels_[c], true);
        const std::size_t segment = c / k, first = segment * k;
        if (c == first) {
          std::copy(ck + segment * stride, ck + segment * stride + nb * D, v.begin());
        } else if (seg_loaded == segment) {
          const C* src = &seg[(c - first - 1) * nb * D];
          std::copy(src, src + nb * D, v.begin());
        } else {
          // Re-run the segment from its checkpoint up to this channel,
          // keeping the states before its channels.
          std::copy(ck + segment * stride, ck + segment * stride + nb * D, v.begin());
          run(v.data(), nb, channel_step[first], s, vals.data(), mbuf.data(), cbuf.data(), [&](std::size_t c2) {
            if (c2 > first) std::copy(v.begin(), v.end(), seg.begin() + std::ptrdiff_t((c2 - first - 1) * nb * D));
          });
          seg_loaded = segment;
        }
        continue;
      }
      const Op& op = bc.ops_[st.index];
      const auto& g = nbc.gates_[st.index];
      if (!op.parametric) {
        adjoint_block_batch<FP>(v.data(), lam.data(), nb, g.col, conj_block(g), 0, nullptr);
        adjoint_block_batch<FP>(v.data(), lam.data(), nb, g.row, BatchEngine<FP>::const_block(op), 0, nullptr);
        continue;
      }
      // Column op first (no density), then the row op with R: dL/dp =
      // 2 Re <lambda| (dU on rows)(conj(U) on columns) |rho> (see the header).
      const std::size_t bs = op.block.block_size();
      gate_blocks(op, nb, vals.data(), mbuf.data(), cbuf.data(), dbuf.data());
      adjoint_block_batch<FP>(v.data(), lam.data(), nb, g.col, cbuf.data(), bs, nullptr);
      std::fill(R.begin(), R.begin() + std::ptrdiff_t(nb * bs), C(0));
      adjoint_block_batch<FP>(v.data(), lam.data(), nb, g.row, mbuf.data(), bs, R.data());
      eng.accumulate(op, nb, dbuf.data(), R.data(), gp.data());
    }
    for (std::size_t b = 0; b < nb; ++b) {
      if (grad_in) eng.chain_rule(&gp[b * P], &sym[b * ss], grad_in + (b0 + b) * bc.num_symbols_);
      if (grad_feat)
        feature_grad(&lam[b * D], features + (b0 + b) * bc.num_features_, grad_feat + (b0 + b) * bc.num_features_,
                     psi0.data(), tmp.data());
    }
  }

  // ------------------------------------------------------------------------
  // Trajectories (fixed proposals, see the header): pure states of n qubits.

  struct Draw {
    uint32_t channel;
    uint32_t kraus;
    bool operator<(const Draw& o) const { return channel != o.channel ? channel < o.channel : kraus < o.kraus; }
    bool operator==(const Draw& o) const { return channel == o.channel && kraus == o.kraus; }
  };
  using Sequence = std::vector<Draw>;  ///< the non-identity draws, in channel order

  // The distinct draw sequences of sample b's T trajectories, appended to
  // seqs with their weights (count / T) and owner `local`.
  void draw_sample(uint64_t b, std::size_t local, const NoisyBatchCircuit::TrajectoryOptions& t,
                   std::vector<Sequence>& seqs, std::vector<double>& weights, std::vector<std::size_t>& owner) const {
    const auto& tcs = nbc.trajectory_channels_;
    std::vector<Sequence> all(t.trajectories);
    for (uint64_t j = 0; j < t.trajectories; ++j) {
      detail::Stream rng(t.seed, b * t.trajectories + j);
      for (uint32_t c = 0; c < tcs.size(); ++c) {
        const double u = detail::uniform(rng);
        const auto& cum = tcs[c].cumulative;
        uint32_t k = 0;
        while (k + 1 < cum.size() && u >= cum[k]) ++k;
        if (!tcs[c].identity[k]) all[j].push_back({c, k});
      }
    }
    std::sort(all.begin(), all.end());
    for (std::size_t j = 0; j < all.size();) {
      std::size_t e = j;
      while (e < all.size() && all[e] == all[j]) ++e;
      seqs.push_back(all[j]);
      weights.push_back(double(e - j) / double(t.trajectories));
      owner.push_back(local);
      j = e;
    }
  }

  // A_k, A_k^dag or A_k^-1 of a trajectory channel.
  enum class Form { Op, Dag, Inverse };
  const C* kraus_op(const NoisyBatchCircuit::TrajectoryChannel& tc, uint32_t k, Form f) const {
    const std::size_t bs = tc.block.block_size();
    if constexpr (std::is_same_v<FP, double>)
      return (f == Form::Op ? tc.ops : f == Form::Dag ? tc.ops_dag : tc.ops_inv).data() + k * bs;
    else return (f == Form::Op ? tc.ops32 : f == Form::Dag ? tc.ops_dag32 : tc.ops_inv32).data() + k * bs;
  }
  // The sweep restores the state before this draw from a saved copy.
  static bool saved_draw(const NoisyBatchCircuit::TrajectoryChannel& tc, uint32_t k) {
    return !tc.unitary[k] && !tc.invertible[k];
  }

  // Forward (outputs, when not null) and backward (when grad_out is not
  // null) of the trajectories of samples [b0, b1).
  void trajectory_chunk(std::size_t b0, std::size_t b1, const FP* inputs, const FP* features,
                        const NoisyBatchCircuit::TrajectoryOptions& t, FP* outputs, const FP* grad_out, FP* grad_in,
                        FP* grad_feat) const {
    const std::size_t nb = b1 - b0, ss = bc.num_symbols_ + 1, K = bc.num_outputs_, nf = bc.num_features_;
    const auto& tcs = nbc.trajectory_channels_;
    std::vector<double> svals(nb * P), sym(nb * ss);
    eval_chunk(b0, nb, inputs, sym.data(), ss, svals.data());
    std::vector<Sequence> seqs;
    std::vector<double> w;
    std::vector<std::size_t> owner;
    for (std::size_t b = 0; b < nb; ++b) draw_sample(b0 + b, b, t, seqs, w, owner);
    const std::size_t S = seqs.size();
    std::vector<double> vals(S * P);
    for (std::size_t s = 0; s < S; ++s)
      std::copy(&svals[owner[s] * P], &svals[owner[s] * P] + P, &vals[s * P]);
    std::vector<C> psi(S * dim), mbuf(S * 16);
    for (std::size_t s = 0; s < S; ++s)
      eng.init_state(&psi[s * dim], features ? features + (b0 + owner[s]) * nf : nullptr);
    // The states before each sequence's singular draws, for the sweep.
    std::vector<std::size_t> saved_at(S + 1, 0);
    if (grad_out)
      for (std::size_t s = 0; s < S; ++s) {
        std::size_t m = 0;
        for (const Draw& d : seqs[s]) m += saved_draw(tcs[d.channel], d.kraus);
        saved_at[s + 1] = saved_at[s] + m * dim;
      }
    std::vector<C> saved(saved_at[S]);
    std::vector<std::size_t> cur(S, 0), nsaved(S, 0);
    eng.run_ops(psi.data(), S, vals.data(), mbuf.data(), [&](std::size_t pos) {
      for (std::size_t s = 0; s < S; ++s)
        for (; cur[s] < seqs[s].size() && tcs[seqs[s][cur[s]].channel].position == pos; ++cur[s]) {
          const Draw& d = seqs[s][cur[s]];
          const auto& tc = tcs[d.channel];
          if (grad_out && saved_draw(tc, d.kraus))
            std::copy(&psi[s * dim], &psi[s * dim] + dim, &saved[saved_at[s] + dim * nsaved[s]++]);
          apply_block_batch<FP>(&psi[s * dim], 1, tc.block, kraus_op(tc, d.kraus, Form::Op), 0);
        }
    });
    if (outputs) {
      std::vector<double> acc(nb * K, 0.0);
      std::vector<FP> one(K);
      for (std::size_t s = 0; s < S; ++s) {
        eng.readout(&psi[s * dim], one.data());
        for (std::size_t k = 0; k < K; ++k) acc[owner[s] * K + k] += w[s] * double(one[k]);
      }
      for (std::size_t i = 0; i < nb * K; ++i) outputs[b0 * K + i] = FP(acc[i]);
    }
    if (!grad_out) return;
    std::vector<C> lam(S * dim), R(S * 16);
    std::vector<cd> dbuf(S * 4 * 16);
    std::vector<double> gp(S * P, 0.0);
    for (std::size_t s = 0; s < S; ++s) eng.bra(&psi[s * dim], grad_out + (b0 + owner[s]) * K, &lam[s * dim]);
    eng.sweep(psi.data(), lam.data(), S, vals.data(), gp.data(), eng.sweep_stop(grad_feat != nullptr), mbuf.data(),
              R.data(), dbuf.data(), [&](std::size_t pos) {
                for (std::size_t s = 0; s < S; ++s)
                  for (; cur[s] > 0 && tcs[seqs[s][cur[s] - 1].channel].position == pos; --cur[s]) {
                    const Draw& d = seqs[s][cur[s] - 1];
                    const auto& tc = tcs[d.channel];
                    if (tc.unitary[d.kraus]) {
                      adjoint_block_batch<FP>(&psi[s * dim], &lam[s * dim], 1, tc.block,
                                              kraus_op(tc, d.kraus, Form::Op), 0, nullptr);
                      continue;
                    }
                    // lambda <- A^dag lambda; psi <- the state before A.
                    apply_block_batch<FP>(&lam[s * dim], 1, tc.block, kraus_op(tc, d.kraus, Form::Dag), 0);
                    if (tc.invertible[d.kraus]) {
                      apply_block_batch<FP>(&psi[s * dim], 1, tc.block, kraus_op(tc, d.kraus, Form::Inverse), 0);
                      continue;
                    }
                    const C* before = &saved[saved_at[s] + dim * --nsaved[s]];
                    std::copy(before, before + dim, &psi[s * dim]);
                  }
              });
    // Weighted means over each sample's sequences, in sequence order.
    std::vector<double> sgp(nb * P, 0.0), sgf(nb * nf, 0.0);
    std::vector<FP> gf(nf);
    for (std::size_t s = 0; s < S; ++s) {
      for (std::size_t p = 0; p < P; ++p) sgp[owner[s] * P + p] += w[s] * gp[s * P + p];
      if (grad_feat) {
        eng.feature_grad(&lam[s * dim], features + (b0 + owner[s]) * nf, gf.data());
        for (std::size_t i = 0; i < nf; ++i) sgf[owner[s] * nf + i] += w[s] * double(gf[i]);
      }
    }
    for (std::size_t b = 0; b < nb; ++b) {
      if (grad_in) eng.chain_rule(&sgp[b * P], &sym[b * ss], grad_in + (b0 + b) * bc.num_symbols_);
      if (grad_feat)
        for (std::size_t i = 0; i < nf; ++i) grad_feat[(b0 + b) * nf + i] = FP(sgf[b * nf + i]);
    }
  }
};

template <typename FP>
void NoisyBatchCircuit::forward(std::size_t batch, Span<const FP> inputs, Span<const FP> features, Span<FP> outputs,
                                Span<std::complex<FP>> tape) const {
  check_sizes(kWho, {{"outputs (batch x outputs)", batch * num_outputs(), outputs.size, false},
                     {"tape (batch x tape_size())", batch * tape_size(), tape.size, true}});
  const std::size_t D = state_size();
  const FP* feat = num_features() ? features.data : nullptr;
  NoisyBatchEngine<FP>::each_chunk(*this, batch, inputs, features, D, [&](const auto& eng, std::size_t b0,
                                                                          std::size_t b1) {
    if (tape.data) {
      eng.forward_chunk(b0, b1, inputs.data, feat, outputs.data, tape.data + b0 * D, tape.data + (batch + b0) * D,
                        batch * D);
    } else {
      std::vector<std::complex<FP>> v((b1 - b0) * D);
      eng.forward_chunk(b0, b1, inputs.data, feat, outputs.data, v.data(), nullptr, 0);
    }
  });
}

template <typename FP>
void NoisyBatchCircuit::backward(std::size_t batch, Span<const FP> inputs, Span<const FP> features,
                                 Span<const std::complex<FP>> tape, Span<const FP> grad_outputs, Span<FP> grad_inputs,
                                 Span<FP> grad_features) const {
  check_sizes(kWho, {{"tape (batch x tape_size())", batch * tape_size(), tape.size, true},
                     {"grad_outputs (batch x outputs)", batch * num_outputs(), grad_outputs.size, false},
                     {"grad_inputs (batch x symbols)", batch * num_symbols(), grad_inputs.size, true},
                     {"grad_features (batch x features)", batch * num_features(), grad_features.size, true}});
  const std::size_t D = state_size();
  const FP* feat = num_features() ? features.data : nullptr;
  FP* gf = num_features() && grad_features.size ? grad_features.data : nullptr;
  FP* gi = num_symbols() && grad_inputs.size ? grad_inputs.data : nullptr;
  NoisyBatchEngine<FP>::each_chunk(*this, batch, inputs, features, D, [&](const auto& eng, std::size_t b0,
                                                                          std::size_t b1) {
    const std::complex<FP>* fin = tape.data ? tape.data + b0 * D : nullptr;
    const std::complex<FP>* ck = tape.data ? tape.data + (batch + b0) * D : nullptr;
    eng.backward_chunk(b0, b1, inputs.data, feat, fin, ck, batch * D, grad_outputs.data, gi, gf);
  });
}

template <typename FP>
void NoisyBatchCircuit::forward_trajectories(std::size_t batch, Span<const FP> inputs, Span<const FP> features,
                                             Span<FP> outputs, const TrajectoryOptions& t) const {
  check_sizes(kWho, {{"outputs (batch x outputs)", batch * num_outputs(), outputs.size, false}});
  check_trajectories(t);
  const FP* feat = num_features() ? features.data : nullptr;
  NoisyBatchEngine<FP>::each_chunk(*this, batch, inputs, features, t.trajectories * circuit_.state_size(),
                                   [&](const auto& eng, std::size_t b0, std::size_t b1) {
                                     eng.trajectory_chunk(b0, b1, inputs.data, feat, t, outputs.data, nullptr,
                                                          nullptr, nullptr);
                                   });
}

template <typename FP>
void NoisyBatchCircuit::backward_trajectories(std::size_t batch, Span<const FP> inputs, Span<const FP> features,
                                              Span<const FP> grad_outputs, Span<FP> grad_inputs,
                                              Span<FP> grad_features, const TrajectoryOptions& t) const {
  check_sizes(kWho, {{"grad_outputs (batch x outputs)", batch * num_outputs(), grad_outputs.size, false},
                     {"grad_inputs (batch x symbols)", batch * num_symbols(), grad_inputs.size, true},
                     {"grad_features (batch x features)", batch * num_features(), grad_features.size, true}});
  check_trajectories(t);
  const FP* feat = num_features() ? features.data : nullptr;
  FP* gf = num_features() && grad_features.size ? grad_features.data : nullptr;
  FP* gi = num_symbols() && grad_inputs.size ? grad_inputs.data : nullptr;
  NoisyBatchEngine<FP>::each_chunk(*this, batch, inputs, features, t.trajectories * circuit_.state_size(),
                                   [&](const auto& eng, std::size_t b0, std::size_t b1) {
                                     eng.trajectory_chunk(b0, b1, inputs.data, feat, t, nullptr, grad_outputs.data,
                                                          gi, gf);
                                   });
}

void NoisyBatchCircuit::check_trajectories(const TrajectoryOptions& t) const {
  if (t.trajectories == 0) fail(std::string(kWho) + ": the trajectory count must be at least 1.");
}

template void NoisyBatchCircuit::forward<float>(std::size_t, Span<const float>, Span<const float>, Span<float>,
                                                Span<std::complex<float>>) const;
template void NoisyBatchCircuit::forward<double>(std::size_t, Span<const double>, Span<const double>, Span<double>,
                                                 Span<std::complex<double>>) const;
template void NoisyBatchCircuit::backward<float>(std::size_t, Span<const float>, Span<const float>,
                                                 Span<const std::complex<float>>, Span<const float>, Span<float>,
                                                 Span<float>) const;
template void NoisyBatchCircuit::backward<double>(std::size_t, Span<const double>, Span<const double>,
                                                  Span<const std::complex<double>>, Span<const double>, Span<double>,
                                                  Span<double>) const;

#define QFORGE_TRAJECTORY_INSTANTIATE(FP)                                                                       \
  template void NoisyBatchCircuit::forward_trajectories<FP>(std::size_t, Span<const FP>, Span<const FP>,        \
                                                            Span<FP>, const TrajectoryOptions&) const;          \
  template void NoisyBatchCircuit::backward_trajectories<FP>(std::size_t, Span<const FP>, Span<const FP>,       \
                                                             Span<const FP>, Span<FP>, Span<FP>,                \
                                                             const TrajectoryOptions&) const;
QFORGE_TRAJECTORY_INSTANTIATE(float)
QFORGE_TRAJECTORY_INSTANTIATE(double)
#undef QFORGE_TRAJECTORY_INSTANTIATE

}  // namespace qforge::sim
