// Equivalence engine (see qforge/equiv.hpp).
//
// Algorithm:
//  1. Split off trailing measurements (compared as maps); reject other
//     non-unitary operations.
//  2. Compress B to the qubits it touches plus the layout images.
//  3. Without symbols: every basis input simulated when that is cheap
//     (kExactSimulationWork; up to max_exact_qubits qubits of A), then path sums for Clifford+T circuits
//     (pathsum.hpp), then every basis input again up to a larger budget
//     (kExactSimulationWorkBeforeDiagrams: the diagrams of rotations that
//     are not Clifford+T can grow dense). Then, for each binding of the
//     symbols:
//     - decision diagrams (dd.hpp), in B's qubits: M = B^-1 * P * Z * A,
//       where A acts on the images of its qubits under initial_layout, Z
//       projects B's other qubits (ancillas) onto |0> at the input, and P is
//       the qubit permutation taking initial_layout to final_layout (the
//       ancillas to the remaining qubits in order). Both circuits' SWAP
//       blocks (a SWAP up to one-qubit gates: a router's) are taken out
//       (unroute), A is placed on final_layout, and the gates are
//       multiplied in, those of A from the right and the inverse gates of B
//       from the left, last gates first: block by block when the two
//       circuits' runs of multi-qubit gates on each qubit match (a
//       resynthesised two-qubit block meets the block it replaces), else
//       in proportion to the two gate counts, so that M stays close to the
//       identity; the permutations are multiplied in at the end (run_dd).
//       The circuits are equivalent
//       when M is s * I on the columns Z keeps, |s| = 1. Otherwise a column
//       where M differs names the input basis state, and the simulation
//       below runs that input to say how the outputs differ;
//     - simulation (when the diagrams outgrow their node budget, or when
//       asked): simulate A on each input and B on the input embedded through
//       initial_layout (ancillas |0>), read B's output back through
//       final_layout, and compare with one global phase fixed on the first
//       input.
// Simulation is the runtime's: gates are evaluated by sim::evaluate_gates and
// applied by sim::apply to a StateVector (fused with sim::fuse) or by
// SparseState::apply. States are little-endian (qubit q is bit q of an
// index); inputs are enumerated and labelled qubit 0 first, as users read
// basis states, through reverse_bits.
#include "qforge/equiv.hpp"

#include "qforge/dd.hpp"
#include "qforge/pathsum.hpp"
#include "qforge/simulator.hpp"
#include "qforge/sparse_state.hpp"
#include "qforge/statevector.hpp"
#include "qforge/synthesis.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <queue>
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
// Exact simulation (all basis inputs) is chosen before the path sums when
// inputs x amplitudes x gates stays below the first (a fraction of a
// second), and after them, before the diagrams, below the second: the
// diagrams of a circuit with rotations that are not Clifford+T can grow
// dense (dnn_n8 routed to ibm_eagle, 8 qubits and 1,800 gates: 21,845
// nodes and 50 s, against about 0.2 s for its 256 basis inputs).
constexpr double kExactSimulationWork = 1e8;
constexpr double kExactSimulationWorkBeforeDiagrams = 2e9;
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
      default:
        throw error_at(op, std::string(which) + ": run-time classical logic (" + op_name(op) + ") cannot be compared");
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


namespace {

// Two programs ready to compare: B compressed to the qubits it touches and
// the layout images, the layouts in B's compressed qubits.
struct Problem {
  Program A, B;
  std::vector<uint32_t> init, fin;
  std::vector<std::string> names;  // every symbol by name, A's first
};

using Binding = std::map<std::string, double>;

std::vector<double> values_of(const Program& p, const Binding& bind) {
  std::vector<double> v;
  for (const auto& s : p.symbols) v.push_back(bind.at(s));
  return v;
}

// One gate for the decision diagrams: `u` on `targets` (targets[0] the most
// significant bit) when every qubit of `controls` is |1>.
struct DdGate {
  std::vector<uint32_t> targets, controls;
  std::vector<cplx> u;
};

// The gates of `p` with its symbols bound to `vals`, qubit q of p on qubit
// qubit_map[q]. Each operation is evaluated by the runtime on its own qubits
// renumbered from 0, so circuits wider than the runtime's 64 qubits work.
std::vector<DdGate> dd_gates(const Program& p, const std::vector<double>& vals,
                             const std::vector<uint32_t>& qubit_map) {
  std::vector<DdGate> out;
  out.reserve(p.gates.ops.size());
  for (const Operation& op : p.gates.ops) {
    Operation local = op;
    for (uint32_t j = 0; j < local.qubits.size(); ++j) local.qubits[j] = j;
    const sim::GateOp g = sim::evaluate_gate(local, vals.empty() ? nullptr : vals.data());
    const auto global = [&](unsigned l) { return qubit_map[op.qubits[l]]; };
    DdGate d;
    for (unsigned l = 0; l < op.qubits.size(); ++l)
      if ((g.ctrl_mask >> l) & 1) d.controls.push_back(global(l));
    const std::size_t k = g.targets.size(), dim = std::size_t(1) << k;
    switch (g.kind) {
      case sim::KernelKind::Identity: continue;
      case sim::KernelKind::Phase:  // the phase applies where every qubit is |1>
        for (unsigned t : g.targets) d.controls.push_back(global(t));
        d.u = {g.matrix[0]};
        out.push_back(std::move(d));
        continue;
      case sim::KernelKind::Diagonal:
        d.u.assign(dim * dim, 0);
        for (std::size_t i = 0; i < dim; ++i) d.u[i * dim + i] = g.matrix[i];
        break;
      case sim::KernelKind::X: d.u = {0, 1, 1, 0}; break;
      case sim::KernelKind::Swap: d.u = {1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1}; break;
      case sim::KernelKind::Dense: d.u = g.matrix; break;
    }
    for (unsigned t : g.targets) d.targets.push_back(global(t));
    out.push_back(std::move(d));
  }
  return out;
}

DdGate dagger(DdGate g) {
  const std::size_t dim = std::size_t(1) << g.targets.size();
  std::vector<cplx> u(g.u.size());
  for (std::size_t r = 0; r < dim; ++r)
    for (std::size_t c = 0; c < dim; ++c) u[r * dim + c] = std::conj(g.u[c * dim + r]);
  g.u = std::move(u);
  return g;
}

// The qubits a decision-diagram gate acts on: its targets and controls.
std::vector<uint32_t> dd_wires(const DdGate& g) {
  std::vector<uint32_t> w = g.targets;
  w.insert(w.end(), g.controls.begin(), g.controls.end());
  std::sort(w.begin(), w.end());
  return w;
}

// The 4x4 unitary of `gates` (in time order, each on qubits among hi and lo)
// with hi the more significant bit of the index, row-major.
std::array<cplx, 16> two_qubit_unitary(const std::vector<const DdGate*>& gates, uint32_t hi, uint32_t lo) {
  std::array<cplx, 16> u{};
  for (int i = 0; i < 4; ++i) u[5 * i] = 1;
  const auto bit = [&](uint32_t q) { return q == hi ? 1 : 0; };  // bit of q in the 2-bit index
  for (const DdGate* g : gates) {
    const std::size_t k = g->targets.size(), d = std::size_t(1) << k;
    std::array<cplx, 16> m{};
    for (int c = 0; c < 4; ++c) {
      bool on = true;
      for (uint32_t q : g->controls) on = on && ((c >> bit(q)) & 1);
      if (!on) {
        m[5 * c] = 1;
        continue;
      }
      std::size_t t = 0;  // the targets' bits of column c, targets[0] the most significant
      for (std::size_t j = 0; j < k; ++j) t = (t << 1) | ((c >> bit(g->targets[j])) & 1);
      for (std::size_t t2 = 0; t2 < d; ++t2) {
        int r = c;
        for (std::size_t j = 0; j < k; ++j) {
          const int b = bit(g->targets[j]);
          r = (r & ~(1 << b)) | static_cast<int>(((t2 >> (k - 1 - j)) & 1) << b);
        }
        m[4 * r + c] += g->u[t2 * d + t];
      }
    }
    std::array<cplx, 16> p{};
    for (int r = 0; r < 4; ++r)
      for (int c = 0; c < 4; ++c)
        for (int j = 0; j < 4; ++j) p[4 * r + c] += m[4 * r + j] * u[4 * j + c];
    u = p;
  }
  return u;
}

// A circuit with its SWAPs taken out (see unroute): the same operation as
// the SWAPs of `swaps` on its qubits, swaps[0] first, then `gates`.
struct Unrouted {
  std::vector<DdGate> gates;
  std::vector<std::pair<uint32_t, uint32_t>> swaps;
};

// The two-qubit blocks of `gates` (consecutive gates on the same two qubits,
// with the one-qubit gates on those qubits between them) that are a SWAP up
// to one-qubit gates, V = (x (x) y) SWAP, are replaced by x and y, and the
// SWAP is moved to the start of the circuit: the gates before the block
// exchange its two qubits. The product is the same (Unrouted). A routed
// circuit moves its qubits with such blocks (a router's SWAP, alone or with
// the one-qubit gates of the gates around it); taken out, B works on the
// qubits where the logical qubits end (final_layout) all along, as A does
// when placed there, and the blocks of the two circuits meet on the same
// qubits in run_dd.
Unrouted unroute(const std::vector<DdGate>& gates, uint32_t n) {
  const std::size_t none = static_cast<std::size_t>(-1);
  std::vector<std::vector<uint32_t>> wires(gates.size());
  std::vector<std::size_t> block(gates.size(), none), first, last;
  std::vector<std::vector<std::size_t>> members;  // each block's gates, in time order
  {
    std::vector<std::size_t> last_multi(n, none), open(n, none);  // per qubit
    for (std::size_t i = 0; i < gates.size(); ++i) {
      wires[i] = dd_wires(gates[i]);
      const std::vector<uint32_t>& w = wires[i];
      if (w.size() == 2) {
        const std::size_t k = last_multi[w[0]];
        if (k != none && k == last_multi[w[1]] && wires[k] == w) {
          block[i] = block[k];
        } else {
          block[i] = first.size();
          first.push_back(i);
          last.push_back(i);
          members.emplace_back();
        }
        last[block[i]] = i;
      }
      if (w.size() >= 2)
        for (uint32_t q : w) last_multi[q] = i;
    }
    for (std::size_t i = 0; i < gates.size(); ++i) {
      const std::vector<uint32_t>& w = wires[i];
      if (w.size() == 1) {  // between the gates of the block open on its qubit, if any
        const std::size_t b = open[w[0]];
        if (b != none && last[b] > i) members[b].push_back(i);
      } else if (w.size() >= 2) {
        if (block[i] != none) members[block[i]].push_back(i);
        for (uint32_t q : w) open[q] = block[i];
      }
    }
  }
  std::vector<std::size_t> member_of(gates.size(), none);
  for (std::size_t b = 0; b < members.size(); ++b)
    for (std::size_t i : members[b]) member_of[i] = b;
  // The one-qubit factors x, y of each SWAP block (x on its first qubit).
  std::vector<std::optional<std::pair<std::vector<cplx>, std::vector<cplx>>>> factors(first.size());
  for (std::size_t b = 0; b < first.size(); ++b) {
    const uint32_t hi = wires[first[b]][0], lo = wires[first[b]][1];
    std::vector<const DdGate*> gs;
    for (std::size_t i : members[b]) gs.push_back(&gates[i]);
    const std::array<cplx, 16> v = two_qubit_unitary(gs, hi, lo);
    std::array<cplx, 16> w{};  // w = v SWAP, x (x) y when v is a SWAP block: w[2a+b][2c+d] = x[a][c] y[b][d]
    for (int r = 0; r < 4; ++r)
      for (int c = 0; c < 4; ++c) w[4 * r + ((c & 1) << 1 | c >> 1)] = v[4 * r + c];
    if (cx_count_2q(w) != 0) continue;  // w is not a product of one-qubit gates (KAK coordinates)
    int top = 0;
    for (int k = 1; k < 16; ++k)
      if (std::abs(w[k]) > std::abs(w[top])) top = k;
    const int r0 = top / 4, c0 = top % 4, a0 = r0 >> 1, b0 = r0 & 1, ca = c0 >> 1, cb = c0 & 1;
    std::vector<cplx> x(4), y(4);
    for (int a = 0; a < 2; ++a)
      for (int c = 0; c < 2; ++c) {
        x[2 * a + c] = w[4 * (2 * a + b0) + (2 * c + cb)];
        y[2 * a + c] = w[4 * (2 * a0 + a) + (2 * ca + c)] / w[top];
      }
    double err = 0;
    for (int r = 0; r < 4; ++r)
      for (int c = 0; c < 4; ++c)
        err = std::max(err, std::abs(w[4 * r + c] - x[2 * (r >> 1) + (c >> 1)] * y[2 * (r & 1) + (c & 1)]));
    if (err < 1e-9) factors[b] = std::make_pair(std::move(x), std::move(y));
  }
  // From the end: sigma[q] is the qubit that gates before the SWAPs taken out so far use for q.
  Unrouted out;
  std::vector<uint32_t> sigma(n);
  for (uint32_t q = 0; q < n; ++q) sigma[q] = q;
  for (std::size_t i = gates.size(); i-- > 0;) {
    const std::size_t b = block[i];
    if (b != none && factors[b]) {
      if (i == last[b]) {  // x and y in its place, on the qubits where the block's qubits go
        const uint32_t hi = wires[i][0], lo = wires[i][1];
        out.gates.push_back({{sigma[lo]}, {}, factors[b]->second});
        out.gates.push_back({{sigma[hi]}, {}, factors[b]->first});
      }
      if (i == first[b]) {
        const uint32_t hi = wires[i][0], lo = wires[i][1];
        out.swaps.emplace_back(sigma[hi], sigma[lo]);
        std::swap(sigma[hi], sigma[lo]);
      }
      continue;
    }
    if (member_of[i] != none && factors[member_of[i]]) continue;  // a one-qubit gate in a SWAP block: in x and y
    DdGate g = gates[i];
    for (uint32_t& q : g.targets) q = sigma[q];
    for (uint32_t& q : g.controls) q = sigma[q];
    out.gates.push_back(std::move(g));
  }
  std::reverse(out.gates.begin(), out.gates.end());
  return out;
}

// Each qubit's runs, from the end of the circuit: on a qubit, the gates on
// two or more qubits form runs (consecutive gates on the same set of qubits:
// a two-qubit block); runs[q] holds the length of each, the last run first.
std::vector<std::vector<std::size_t>> dd_runs(const std::vector<DdGate>& gates, uint32_t n) {
  std::vector<std::vector<std::size_t>> runs(n);
  std::vector<std::vector<uint32_t>> last(n);  // the qubits of the run seen last on each qubit
  for (std::size_t i = gates.size(); i-- > 0;) {
    const std::vector<uint32_t> w = dd_wires(gates[i]);
    if (w.size() < 2) continue;
    for (uint32_t q : w) {
      if (runs[q].empty() || last[q] != w) runs[q].push_back(0);
      ++runs[q].back();
      last[q] = w;
    }
  }
  return runs;
}

// Whether the runs of two circuits on the same qubits (unrouted) match: the
// run counts differ by at most a tenth in total. The optimiser resynthesises
// two-qubit blocks (three interactions of nine CX become three CX, a run of
// one-qubit gates one gate or five), so the gate counts of the two circuits
// differ block by block while their runs match (QASMBench's dnn_n8 and
// dnn_n16 to ibm_heron, unrouted: six runs on every qubit in both); a
// Clifford+T circuit whose phase polynomials are resynthesised keeps few of
// its runs (ham15-high: 2,842 runs on its 20 qubits, 1,509 in its -O3
// output).
bool dd_runs_match(const std::vector<std::vector<std::size_t>>& ra, const std::vector<std::vector<std::size_t>>& rb) {
  std::size_t diff = 0, total = 0;
  for (std::size_t q = 0; q < ra.size(); ++q) {
    diff += ra[q].size() > rb[q].size() ? ra[q].size() - rb[q].size() : rb[q].size() - ra[q].size();
    total += std::max(ra[q].size(), rb[q].size());
  }
  return 10 * diff <= total;
}

// Where each gate stands in its circuit, counted from the end, for DdOrder,
// by its runs (dd_runs): a gate in run r (0 the last run) of its qubit's R
// runs, at j of the run's L gates from its end, stands at (r + j / L) / R on
// that qubit, and at the largest of these over its qubits; a one-qubit gate
// stands where the multi-qubit gate after it on its qubit stands (0 after the
// last one). When the runs of the two circuits match, a block of A and its
// resynthesis in B stand at about the same place.
std::vector<double> dd_run_positions(const std::vector<DdGate>& gates,
                                     const std::vector<std::vector<std::size_t>>& runs) {
  const std::size_t n = runs.size();
  std::vector<double> pos(gates.size(), 0.0), here(n, 0.0);  // here: the last multi-qubit gate's place on a qubit
  std::vector<std::vector<uint32_t>> last(n);
  std::vector<std::size_t> r(n, 0), j(n, 0);  // per qubit: the current run, its gates seen
  for (std::size_t i = gates.size(); i-- > 0;) {
    const std::vector<uint32_t> w = dd_wires(gates[i]);
    double p = 0;
    for (uint32_t q : w) {
      if (w.size() >= 2) {
        if (!last[q].empty() && last[q] != w) {
          ++r[q];
          j[q] = 0;
        }
        last[q] = w;
        here[q] = (static_cast<double>(r[q]) + static_cast<double>(j[q]) / static_cast<double>(runs[q][r[q]])) /
                  static_cast<double>(runs[q].size());
        ++j[q];
      }
      p = std::max(p, here[q]);
    }
    pos[i] = p;
  }
  return pos;
}

// The gates of one circuit in the order run_dd takes them, last gates first:
// of the gates whose later gates on every qubit are already taken, the one
// with the smallest position, the later one in the list among equal
// positions. Any such order keeps the order of the gates on every qubit: the
// same product.
class DdOrder {
 public:
  DdOrder(const std::vector<DdGate>& gates, std::vector<double> positions, uint32_t n)
      : pos_(std::move(positions)), wires_(gates.size()), on_wire_(n) {
    for (std::size_t i = 0; i < gates.size(); ++i) {
      wires_[i] = dd_wires(gates[i]);
      for (uint32_t q : wires_[i]) on_wire_[q].push_back(i);
    }
    for (std::size_t i = 0; i < gates.size(); ++i) push_if_ready(i);
  }
  bool done() const { return ready_.empty(); }
  /// The next gate's position and index (not done()).
  double position() const { return ready_.top().first; }
  std::size_t index() const { return static_cast<std::size_t>(-ready_.top().second); }
  void take() {
    const std::size_t i = index();
    ready_.pop();
    for (uint32_t q : wires_[i]) on_wire_[q].pop_back();
    // The gates now last on every qubit, each once (two of i's qubits may have the same next gate).
    std::vector<std::size_t> next;
    for (uint32_t q : wires_[i])
      if (!on_wire_[q].empty() && std::find(next.begin(), next.end(), on_wire_[q].back()) == next.end())
        next.push_back(on_wire_[q].back());
    for (std::size_t k : next) push_if_ready(k);
  }

 private:
  void push_if_ready(std::size_t i) {
    for (uint32_t q : wires_[i])
      if (on_wire_[q].back() != i) return;
    ready_.emplace(pos_[i], -static_cast<std::ptrdiff_t>(i));
  }
  using Entry = std::pair<double, std::ptrdiff_t>;  // (position, -index): the smallest first
  std::vector<double> pos_;
  std::vector<std::vector<uint32_t>> wires_;
  std::vector<std::vector<std::size_t>> on_wire_;  // each qubit's gates, taken from the back
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> ready_;
};

struct DdRun {
  bool too_large = false;
  bool equivalent = false;
  cplx phase = 1;               // B^-1 A = phase on the compared columns
  std::vector<bool> column;     // a differing input (B's qubits) when not equivalent
  std::size_t largest = 0;      // largest diagram seen (nodes)
};

// The alternating decision-diagram check for one binding (see the file comment).
DdRun run_dd(const Problem& P, const Binding& bind, const EquivOptions& opt) {
  DdRun run;
  const uint32_t n = P.B.n;
  std::vector<uint32_t> identity_map(n);
  for (uint32_t q = 0; q < n; ++q) identity_map[q] = q;
  const std::vector<double> va = values_of(P.A, bind), vb = values_of(P.B, bind);
  // A placed where its qubits end (qubit i on fin[i]), both circuits with their SWAPs taken out.
  const Unrouted ua = unroute(dd_gates(P.A, va, P.fin), n), ub = unroute(dd_gates(P.B, vb, identity_map), n);
  const std::vector<DdGate>& ga = ua.gates;
  const std::vector<DdGate>& gb = ub.gates;
  const cplx pa = std::polar(1.0, eval_phase(P.A.phase, va)), pb = std::polar(1.0, eval_phase(P.B.phase, vb));

  // M = B^-1 * P * Z * A (the file comment), A = A' * S_A and B = B' * S_B
  // (unroute), and P * Z * A = A_fin * Z_fin * P, where A_fin is A placed
  // on fin and Z_fin projects the qubits outside fin onto |0>, which A's
  // gates and SWAPs do not touch. So M = S_B^-1 * (B'^-1 * A'_fin * Z_fin)
  // * S_A,fin * P: the middle factor is built gate by gate, close to Z_fin
  // all along when the blocks of the two circuits meet, and the
  // permutations are multiplied in at the end.
  dd::Package pk(n);
  std::vector<bool> ancilla(n, true), off_fin(n, true);
  for (uint32_t q : P.init) ancilla[q] = false;
  for (uint32_t q : P.fin) off_fin[q] = false;
  dd::Edge m = pk.zero_projector(off_fin);
  const std::vector<cplx> swap = {1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1};
  std::size_t collect_at = std::size_t(1) << 16;
  // Last gates first. The order: when the runs of the two circuits match, by the runs
  // (dd_run_positions), each gate as it comes; otherwise by the place in the
  // gate list, in proportion to the two gate counts, and when the diagram
  // grows, the other circuit's next gate is tried too and the one that
  // leaves the smaller diagram is kept.
  const auto runs_a = dd_runs(ga, n), runs_b = dd_runs(gb, n);
  const bool by_runs = dd_runs_match(runs_a, runs_b);
  auto list_positions = [](const std::vector<DdGate>& g) {
    std::vector<double> pos(g.size());
    for (std::size_t i = 0; i < g.size(); ++i) pos[i] = static_cast<double>(g.size() - i) / static_cast<double>(g.size());
    return pos;
  };
  DdOrder order_a(ga, by_runs ? dd_run_positions(ga, runs_a) : list_positions(ga), n);
  DdOrder order_b(gb, by_runs ? dd_run_positions(gb, runs_b) : list_positions(gb), n);
  std::size_t size_m = pk.size(m);
  auto step = [&](bool a) {
    if (a) {
      const DdGate& g = ga[order_a.index()];
      return pk.multiply(m, pk.gate(g.targets, g.u, g.controls));
    }
    const DdGate g = dagger(gb[order_b.index()]);
    return pk.multiply(pk.gate(g.targets, g.u, g.controls), m);
  };
  while (!order_a.done() || !order_b.done()) {
    const bool a_first = order_b.done() || (!order_a.done() && order_a.position() <= order_b.position());
    dd::Edge next = step(a_first);
    std::size_t size_next = pk.size(next);
    bool took_a = a_first;
    if (!by_runs && size_next > size_m && !(a_first ? order_b : order_a).done()) {
      const dd::Edge other = step(!a_first);
      const std::size_t size_other = pk.size(other);
      if (size_other < size_next) {
        next = other;
        size_next = size_other;
        took_a = !a_first;
      }
    }
    m = next;
    size_m = size_next;
    (took_a ? order_a : order_b).take();
    run.largest = std::max(run.largest, size_m);
    if (pk.live_nodes() > collect_at) {
      pk.collect_garbage({&m});
      run.largest = std::max(run.largest, pk.size(m));
      if (pk.live_nodes() > opt.max_dd_nodes) {
        run.too_large = true;
        return run;
      }
      collect_at = std::max(collect_at, 2 * pk.live_nodes());
    }
  }
  run.largest = std::max(run.largest, pk.size(m));
  for (std::size_t k = ua.swaps.size(); k-- > 0;)
    m = pk.multiply(m, pk.gate({ua.swaps[k].first, ua.swaps[k].second}, swap, {}));
  // P: A's qubit on init[i] ends on fin[i]; ancillas keep their order.
  {
    std::vector<uint32_t> dest(n), in_free, out_free;
    for (std::size_t i = 0; i < P.init.size(); ++i) dest[P.init[i]] = P.fin[i];
    for (uint32_t q = 0; q < n; ++q) {
      if (ancilla[q]) in_free.push_back(q);
      if (off_fin[q]) out_free.push_back(q);
    }
    for (std::size_t i = 0; i < in_free.size(); ++i) dest[in_free[i]] = out_free[i];
    std::vector<uint32_t> loc(n), at(n);  // loc[value] = position; at[position] = value
    for (uint32_t q = 0; q < n; ++q) loc[q] = at[q] = q;
    dd::Edge perm = pk.identity();
    for (uint32_t p = 0; p < n; ++p) {
      if (loc[p] == dest[p]) continue;
      const uint32_t from = loc[p], to = dest[p], other = at[to];
      perm = pk.multiply(pk.gate({from, to}, swap, {}), perm);
      at[from] = other;
      loc[other] = from;
      at[to] = p;
      loc[p] = to;
    }
    m = pk.multiply(m, perm);
  }
  for (std::size_t k = ub.swaps.size(); k-- > 0;)
    m = pk.multiply(pk.gate({ub.swaps[k].first, ub.swaps[k].second}, swap, {}), m);
  run.largest = std::max(run.largest, pk.size(m));
  m.w *= std::conj(pb) * pa;
  if (auto s = pk.scalar_of_identity(m, ancilla, opt.tolerance); s && std::abs(std::abs(*s) - 1) < opt.tolerance) {
    run.equivalent = true;
    run.phase = *s;
    return run;
  }
  // The phase of column 0 (entry (0,0)) is the reference; find a column off it.
  cplx e00 = m.w;
  for (const dd::Node* p = m.p; p && p->v >= 0 && e00 != cplx(0); p = p->e[0].p) e00 *= p->e[0].w;
  const cplx ref = std::abs(e00) > opt.tolerance ? e00 / std::abs(e00) : cplx(1);
  run.phase = ref;
  auto col = pk.differing_column(m, ref, ancilla, opt.tolerance);
  run.column = col ? *col : std::vector<bool>(n, false);
  return run;
}

// The simulation engine: compares outputs on `inputs` (A's basis states,
// little-endian) when given, else on every basis state (exact) or on random
// states as the file comment of equiv.hpp says. Sets every field of the result.
EquivResult simulate(const Problem& P, const EquivOptions& opt, const std::vector<Binding>& binds,
                     std::mt19937_64& rng, const std::vector<Index>* inputs, std::size_t first_binding = 1) {
  const Program& A = P.A;
  const Program& B = P.B;
  const std::vector<uint32_t>& init = P.init;
  const std::vector<uint32_t>& fin = P.fin;
  if (A.n > 64)
    throw std::invalid_argument("too large to compare: the first circuit has " + std::to_string(A.n) +
                                " qubits; at most 64 can be simulated");
  if (B.n > 64)
    throw std::invalid_argument("too large to compare: the second circuit touches " + std::to_string(B.n) +
                                " qubits (after dropping idle ones); at most 64 can be simulated");
  const uint32_t num_anc = B.n - A.n;
  EquivResult res;
  // Dense B only without many ancillas: routed circuits keep their ancillas
  // in |0>, so a sparse state stays within 2^(A's qubits) amplitudes.
  const bool dense = B.n <= kDenseMax && B.n <= A.n + 4;
  res.exact = inputs || (A.n <= opt.max_exact_qubits && (dense || A.n <= 16) && P.names.empty());
  {
    std::ostringstream m;
    if (inputs) m << "simulation of " << inputs->size() << " basis input(s) on " << A.n << " qubits";
    else if (res.exact) m << "exact: all " << (uint64_t(1) << A.n) << " basis inputs (unitary) on " << A.n << " qubits";
    else m << "random: " << opt.num_random_states << " random input states on " << A.n << " qubits"
           << (dense ? " (dense)" : " (sparse, basis states with superposed subsets)");
    if (num_anc) m << ", " << num_anc << " ancilla qubit(s) in |0>";
    res.method = m.str();
  }
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
  for (std::size_t t = 0; t < binds.size(); ++t) {
    const std::vector<double> va = values_of(A, binds[t]), vb = values_of(B, binds[t]);
    Simulator simA(A.n, A.n <= kDenseMax, evaluate(A, va), std::polar(1.0, eval_phase(A.phase, va)),
                   opt.max_sparse_support);
    Simulator simB(B.n, dense, evaluate(B, vb), std::polar(1.0, eval_phase(B.phase, vb)),
                   opt.max_sparse_support);
    const uint64_t num_inputs =
        inputs ? inputs->size() : res.exact ? (uint64_t(1) << A.n) : opt.num_random_states;
    for (uint64_t in = 0; in < num_inputs; ++in) {
      // Input over A's basis. Exact inputs and dense random amplitudes go in
      // the order of the big-endian index users see.
      Amplitudes input;
      if (inputs) {
        input[(*inputs)[in]] = 1;
      } else if (res.exact) {
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
      const bool basis = inputs || res.exact;
      std::string input_label = basis ? "basis input " + basis_label(input.begin()->first, A.n)
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
        if (!P.names.empty()) d << " (symbol binding #" << first_binding + t << ")";
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

// "|q0 q1 ...>" for a column of the diagrams (B's qubits) read as A's input.
std::string column_label(const std::vector<bool>& col, const std::vector<uint32_t>& init) {
  std::string s = "|";
  for (uint32_t q : init) s += col[q] ? '1' : '0';
  return s + ">";
}

}  // namespace

EquivResult check_equivalence(const Circuit& ca, const Circuit& cb, const EquivOptions& opt) {
  Problem P{make_program(ca, "first circuit"), make_program(cb, "second circuit"), opt.initial_layout,
            opt.final_layout, {}};
  Program& A = P.A;
  Program& B = P.B;
  std::vector<uint32_t>& init = P.init;
  std::vector<uint32_t>& fin = P.fin;
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
  {
    std::vector<int64_t> newq(B.n, -1);
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

  // Symbols by name, bound to random values once per trial.
  P.names = A.symbols;
  for (const auto& s : B.symbols)
    if (std::find(P.names.begin(), P.names.end(), s) == P.names.end()) P.names.push_back(s);
  const uint32_t trials = P.names.empty() ? 1 : std::max<uint32_t>(1, opt.symbol_trials);
  std::mt19937_64 rng(opt.seed);
  std::uniform_real_distribution<double> angle(-M_PI, M_PI);
  std::vector<Binding> binds(trials);
  for (auto& b : binds)
    for (const auto& s : P.names) b[s] = angle(rng);

  if (opt.engine == EquivEngine::Simulation) return simulate(P, opt, binds, rng, nullptr);
  // Small circuits: every basis input simulated is exact too, and cheaper
  // than diagrams that are nearly dense.
  const std::size_t num_gates = A.gates.ops.size() + B.gates.ops.size();
  const double exact_work = std::ldexp(double(num_gates), static_cast<int>(A.n + B.n));
  auto all_inputs = [&](double limit) -> std::optional<EquivResult> {
    if (!P.names.empty() || A.n > opt.max_exact_qubits || A.n + B.n > 2 * kDenseMax || exact_work > limit)
      return std::nullopt;
    EquivOptions o = opt;
    o.max_exact_qubits = A.n;
    EquivResult r = simulate(P, o, binds, rng, nullptr);
    if (r.exact) return r;
    return std::nullopt;
  };
  if (auto r = all_inputs(kExactSimulationWork)) return *r;

  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    std::ostringstream m;
    m << std::fixed;
    m.precision(3);
    m << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s";
    return m.str();
  };
  // Clifford+T circuits without symbols: path sums first.
  if (P.names.empty() && A.phase.is_const() && B.phase.is_const()) {
    std::vector<uint32_t> identity_map(B.n);
    for (uint32_t q = 0; q < B.n; ++q) identity_map[q] = q;
    const pathsum::Side sa{&A.gates.ops, init, A.phase.value()}, sb{&B.gates.ops, identity_map, B.phase.value()};
    std::string closed;
    if (auto phi = pathsum::prove_identity(B.n, sa, sb, init, fin, &closed)) {
      res.equivalent = true;
      res.exact = true;
      res.global_phase = *phi;
      res.method = "path sums (Clifford+T): " + closed + " on " + std::to_string(B.n) + " qubits";
      if (num_anc) res.method += " (" + std::to_string(num_anc) + " ancilla qubit(s) in |0>)";
      res.method += ", " + elapsed();
      return res;
    }
  }
  if (exact_work > kExactSimulationWork)
    if (auto r = all_inputs(kExactSimulationWorkBeforeDiagrams)) return *r;
  std::size_t largest = 0;
  for (std::size_t t = 0; t < binds.size(); ++t) {
    DdRun run = run_dd(P, binds[t], opt);
    largest = std::max(largest, run.largest);
    if (run.too_large) {
      if (opt.engine == EquivEngine::Exact)
        throw std::invalid_argument("too large to compare: the decision diagram grew beyond " +
                                    std::to_string(opt.max_dd_nodes) + " nodes");
      EquivResult sim = simulate(P, opt, binds, rng, nullptr);
      sim.method += " (the decision diagrams grew beyond " + std::to_string(opt.max_dd_nodes) + " nodes)";
      return sim;
    }
    if (t == 0) res.global_phase = std::arg(std::conj(run.phase));
    if (!run.equivalent) {
      std::vector<Index> witness{0};
      Index x = 0;
      for (uint32_t i = 0; i < A.n && i < 64; ++i)
        if (run.column[init[i]]) x |= Index(1) << i;
      if (x != 0) witness.push_back(x);
      std::string label = column_label(run.column, init);
      res.detail = "on basis input " + label;
      if (!P.names.empty()) res.detail += " (symbol binding #" + std::to_string(t + 1) + ")";
      res.detail += ": the outputs differ (the column of B^-1 A for this input is not the first column's phase " +
                    fmt_c(run.phase) + " times the input)";
      res.max_error = 1;
      // The simulation of the witness says how the outputs differ, when it can.
      if (A.n <= 64 && B.n <= 64) {
        try {
          EquivResult sim = simulate(P, opt, {binds[t]}, rng, &witness, t + 1);
          if (!sim.equivalent) {
            res.detail = sim.detail;
            res.max_error = sim.max_error;
            res.global_phase = sim.global_phase;
          }
        } catch (const std::invalid_argument&) {  // the outputs are too large to simulate: keep the diagrams' words
        }
      }
      break;
    }
  }
  res.exact = P.names.empty();
  {
    std::ostringstream m;
    m << "decision diagrams: B^-1 * A built alternately on " << B.n << " qubits";
    if (num_anc) m << " (" << num_anc << " ancilla qubit(s) in |0>)";
    if (!P.names.empty()) m << ", for " << trials << " random binding(s) of the symbols";
    m << ", largest diagram " << largest << " nodes, " << elapsed();
    res.method = m.str();
  }
  if (res.detail.empty()) res.equivalent = true;
  return res;
}

}  // namespace qforge
