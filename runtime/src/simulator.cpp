// Running whole circuits: sampling and shot branching (see qforge/simulator.hpp).
#include "qforge/simulator.hpp"

#include "qforge/kernels.hpp"

#include "program.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace qforge::sim {
namespace detail {

bool has_any_measure(const Circuit& c) {
  for (const auto& op : c.ops)
    if (op.kind == OpKind::Measure) return true;
  return false;
}

std::string bit_string(const std::vector<uint8_t>& bits) {
  std::string s(bits.size(), '0');
  for (std::size_t i = 0; i < bits.size(); ++i)
    if (bits[i]) s[bits.size() - 1 - i] = '1';
  return s;
}

bool conditions_hold(const std::vector<Condition>& conds, const std::vector<uint8_t>& clbits) {
  for (const Condition& c : conds) {
    uint64_t v = 0;
    for (std::size_t i = 0; i < c.clbits.size() && i < 64; ++i)
      if (clbits[c.clbits[i]]) v |= uint64_t(1) << i;
    if ((v == c.value) != c.equal) return false;
  }
  return true;
}

void check_qubits(const Circuit& c, const Operation& op) {
  for (uint32_t q : op.qubits)
    if (q >= c.num_qubits)
      throw error_at(op, std::string("an operation") +
                                  " uses qubit " + std::to_string(q) + " of a " +
                                  std::to_string(c.num_qubits) + "-qubit circuit.");
  for (uint32_t b : op.clbits)
    if (b >= c.num_clbits)
      throw error_at(op, std::string("a measurement") +
                                  " writes clbit " + std::to_string(b) + " of a circuit with " +
                                  std::to_string(c.num_clbits) + " clbits.");
  for (const Condition& cond : op.conditions)
    for (uint32_t b : cond.clbits)
      if (b >= c.num_clbits)
        throw error_at(op, std::string("a condition") +
                                  " reads clbit " + std::to_string(b) + " of a circuit with " +
                                    std::to_string(c.num_clbits) + " clbits.");
  if (op.kind == OpKind::Measure && op.clbits.size() != op.qubits.size())
    throw error_at(op, std::string("a measurement") +
                           " has " + std::to_string(op.qubits.size()) + " qubits but " +
                           std::to_string(op.clbits.size()) + " clbits.");
}

std::vector<Step> build_program(const Circuit& c, const std::vector<double>& inputs,
                                unsigned fusion_width, const std::vector<std::vector<Channel>>* after) {
  std::vector<Step> steps;
  std::vector<GateOp> run;
  const double* in = inputs.empty() ? nullptr : inputs.data();
  uint64_t touched = 0;
  const auto flush = [&] {
    if (run.empty()) return;
    Step s;
    s.gates = fuse(run, fusion_width);
    run.clear();
    if (!s.gates.empty()) steps.push_back(std::move(s));
  };
  for (std::size_t i = 0; i < c.ops.size(); ++i) {
    const Operation& op = c.ops[i];
    check_qubits(c, op);
    switch (op.kind) {
      case OpKind::Barrier:
      case OpKind::Delay:
        break;
      case OpKind::Gate: {
        GateOp g = evaluate_gate(op, in);
        g.source = i;
        touched |= g.qubit_mask();
        if (op.conditions.empty()) {
          run.push_back(std::move(g));
        } else {
          flush();
          Step s;
          s.gates.push_back(std::move(g));
          s.conditions = op.conditions;
          steps.push_back(std::move(s));
        }
        break;
      }
      case OpKind::Measure: {
        flush();
        Step s;
        s.kind = Step::Kind::Measure;
        s.source = i;
        for (std::size_t k = 0; k < op.qubits.size(); ++k) {
          s.meas.emplace_back(op.qubits[k], op.clbits[k]);
          touched |= uint64_t(1) << op.qubits[k];
        }
        s.conditions = op.conditions;
        steps.push_back(std::move(s));
        break;
      }
      case OpKind::Reset: {
        Step s;
        s.kind = Step::Kind::Reset;
        s.source = i;
        for (uint32_t q : op.qubits)
          if (!op.conditions.empty() || (touched & (uint64_t(1) << q))) s.reset.push_back(q);
        if (s.reset.empty()) break;  // resets of fresh qubits do nothing
        flush();
        s.conditions = op.conditions;
        steps.push_back(std::move(s));
        break;
      }
    }
    if (after && i < after->size() && !(*after)[i].empty()) {
      flush();
      for (const Channel& ch : (*after)[i]) {
        Step s;
        s.kind = Step::Kind::Channel;
        s.channel = &ch;
        s.conditions = op.conditions;
        for (unsigned q : ch.qubits) touched |= uint64_t(1) << q;
        steps.push_back(std::move(s));
      }
    }
  }
  flush();
  return steps;
}

std::vector<int64_t> defer_terminal_measurements(std::vector<Step>& steps, unsigned num_clbits) {
  std::vector<int64_t> source(num_clbits, -1);
  // Walking backwards: what the later steps do.
  std::vector<uint8_t> read(num_clbits, 0), overwritten(num_clbits, 0), maybe_written(num_clbits, 0);
  uint64_t touched = 0;
  for (std::size_t k = steps.size(); k-- > 0;) {
    Step& st = steps[k];
    switch (st.kind) {
      case Step::Kind::Gates:
        for (const GateOp& g : st.gates) touched |= g.qubit_mask();
        break;
      case Step::Kind::Reset:
        for (unsigned q : st.reset) touched |= uint64_t(1) << q;
        break;
      case Step::Kind::Channel:
        for (unsigned q : st.channel->qubits) touched |= uint64_t(1) << q;
        break;
      case Step::Kind::Measure: {
        if (!st.conditions.empty()) {
          for (auto [q, b] : st.meas) maybe_written[b] = 1;
          break;
        }
        std::vector<std::pair<unsigned, unsigned>> kept;
        for (std::size_t j = st.meas.size(); j-- > 0;) {
          const auto [q, b] = st.meas[j];
          if (!(touched >> q & 1) && !read[b] && !maybe_written[b]) {
            if (!overwritten[b]) source[b] = q;
          } else {
            kept.push_back(st.meas[j]);
          }
          overwritten[b] = 1;
        }
        st.meas.assign(kept.rbegin(), kept.rend());
        break;
      }
    }
    for (const Condition& cond : st.conditions)
      for (uint32_t b : cond.clbits) read[b] = 1;
  }
  steps.erase(std::remove_if(steps.begin(), steps.end(),
                             [](const Step& st) { return st.kind == Step::Kind::Measure && st.meas.empty(); }),
              steps.end());
  return source;
}

unsigned random_outcome_bound(const std::vector<Step>& steps) {
  uint64_t basis = ~uint64_t(0);  // qubits surely in a basis state
  unsigned bound = 0;
  const auto clear = [&](unsigned q) { basis &= ~(uint64_t(1) << q); };
  for (const Step& st : steps) {
    switch (st.kind) {
      case Step::Kind::Gates:
        for (const GateOp& g : st.gates) {
          const bool controls = (g.ctrl_mask & ~basis) == 0;
          switch (g.kind) {
            case KernelKind::Identity:
            case KernelKind::Phase:
            case KernelKind::Diagonal:
              break;
            case KernelKind::X:
              if (!controls) clear(g.targets[0]);
              break;
            case KernelKind::Swap: {
              const unsigned a = g.targets[0], b = g.targets[1];
              const bool both = (basis >> a & 1) && (basis >> b & 1);
              clear(a);
              clear(b);
              if (controls && both) basis |= (uint64_t(1) << a) | (uint64_t(1) << b);
              break;
            }
            case KernelKind::Dense:
              for (unsigned t : g.targets) clear(t);
              break;
          }
        }
        break;
      case Step::Kind::Measure:
      case Step::Kind::Reset: {
        std::vector<unsigned> qubits = st.reset;
        for (auto [q, b] : st.meas) qubits.push_back(q);
        for (unsigned q : qubits) {
          if (!(basis >> q & 1)) bound += 1;
          if (st.conditions.empty()) basis |= uint64_t(1) << q;
        }
        break;
      }
      case Step::Kind::Channel:
        for (unsigned q : st.channel->qubits) clear(q);
        break;
    }
  }
  return bound;
}

}  // namespace detail

namespace {

using cd = std::complex<double>;
using namespace detail;

/// An outcome of probability at most this is taken as impossible: the
/// measurement or reset does not branch (the state is still projected).
template <typename FP>
constexpr double certain_tolerance() {
  return std::is_same<FP, float>::value ? 1e-6 : 1e-12;
}

/// A measurement or reset whose outcome is random: where the state branches.
struct BranchPoint {
  bool reset = false;
  unsigned qubit = 0, clbit = 0;
  double p1 = 0, norm = 1;  ///< probability of reading 1; squared norm of the state
};

/// Project `s` onto outcome `out` of `point` and record it: the clbit of a
/// measurement, X on a reset qubit that read 1.
template <typename FP>
void take_outcome(StateVector<FP>& s, std::vector<uint8_t>& clbits, const BranchPoint& point, int out) {
  if (point.p1 != (out ? 1.0 : 0.0)) collapse_qubit(s, point.qubit, out, point.p1, point.norm);
  if (point.reset) {
    if (out) apply_x<FP>(s.data(), s.num_qubits(), point.qubit, 0);
  } else {
    clbits[point.clbit] = uint8_t(out);
  }
}

/// The walk's visitor for run(): a measurement or reset whose outcome is
/// certain (within certain_tolerance) is done here; a random one stops the
/// walk with its BranchPoint.
template <typename FP>
struct Branches {
  StateVector<FP>& s;
  std::vector<uint8_t>& clbits;
  BranchPoint point;

  bool outcome(unsigned q, unsigned b, bool reset) {
    point.reset = reset;
    point.qubit = q;
    point.clbit = b;
    point.norm = s.norm_squared();
    point.p1 = probability_one(s.data(), s.num_qubits(), q) / point.norm;
    const double tol = certain_tolerance<FP>();
    if (point.p1 > tol && point.p1 < 1 - tol) return false;
    take_outcome(s, clbits, point, point.p1 >= 0.5 ? 1 : 0);
    return true;
  }
  bool measure(unsigned q, unsigned b) { return outcome(q, b, false); }
  bool reset(unsigned q) { return outcome(q, 0, true); }
  bool channel(std::size_t) { throw std::logic_error("run(): a program with channels"); }
};

/// True when both outcomes of resetting `q` in `s` (with BranchPoint `bp`)
/// give the same state up to a global phase, amplitude by amplitude within
/// certain_tolerance (rounding, not entanglement): q is in a product state
/// with the other qubits.
template <typename FP>
bool reset_outcomes_coincide(const StateVector<FP>& s, const BranchPoint& bp) {
  const uint64_t bit = uint64_t(1) << bp.qubit;
  const double s0 = 1 / std::sqrt((1 - bp.p1) * bp.norm), s1 = 1 / std::sqrt(bp.p1 * bp.norm);
  uint64_t top = 0;
  double largest = -1;
  for (uint64_t i = 0; i < s.size(); ++i)
    if (!(i & bit) && std::norm(std::complex<double>(s[i])) > largest) {
      largest = std::norm(std::complex<double>(s[i]));
      top = i;
    }
  const cd ratio = cd(s[top | bit]) * s1 / (cd(s[top]) * s0);
  const double tol = certain_tolerance<FP>();
  if (std::abs(std::abs(ratio) - 1) > tol) return false;
  const cd phase = ratio / std::abs(ratio);
  for (uint64_t i = 0; i < s.size(); ++i)
    if (!(i & bit) && std::abs(cd(s[i | bit]) * s1 - phase * cd(s[i]) * s0) > tol) return false;
  return true;
}

/// The random stream of the node reached from `id` by outcome `out`.
uint64_t child_id(uint64_t id, int out) { return splitmix(id * 2 + uint64_t(out) + 1); }

template <typename FP>
void accumulate_outputs(const StateVector<FP>& s, const RunOptions& o, RunResult& r, double weight) {
  if (o.probabilities) {
    const double norm = s.norm_squared();
    if (r.probabilities.empty()) r.probabilities.assign(s.size(), 0.0);
    for (uint64_t i = 0; i < s.size(); ++i)
      r.probabilities[i] += weight * std::norm(std::complex<double>(s[i])) / norm;
  }
  if (!o.observables.empty()) {
    if (r.expectations.empty()) r.expectations.assign(o.observables.size(), 0.0);
    for (std::size_t k = 0; k < o.observables.size(); ++k)
      r.expectations[k] += weight * expectation(s, o.observables[k]);
  }
}

/// run() by shot branching, depth first. The walk stops at each measurement
/// or reset with a random outcome; the node's shots split binomially (drawn
/// from the node's own stream, so the counts do not depend on the order in
/// which branches are visited or on the thread count), outcome 0 is followed
/// at once and outcome 1 waits on a stack with a copy of the state. A leaf
/// adds its shots to the counts (sampling the deferred terminal measurements
/// from its state) and its weight times its outputs to the averages: its
/// probability when the averages are exact, its share of the shots when
/// they are sampled (then branches without shots are not followed).
template <typename FP>
void run_typed(const Circuit& c, const RunOptions& o, const std::vector<double>& inputs, RunResult& r) {
  const uint64_t max_memory = o.max_memory;
  const unsigned n = c.num_qubits;
  const double* in = inputs.empty() ? nullptr : inputs.data();
  const double phase = c.global_phase.is_const() ? c.global_phase.value() : c.global_phase.eval(in);
  for (const auto& obs : o.observables)
    for (const auto& t : obs.terms)
      if (t.min_qubits() > n)
        throw std::invalid_argument("the observable \"" + obs.text + "\" acts on qubit " +
                                    std::to_string(t.min_qubits() - 1) + ", but the circuit has " +
                                    std::to_string(n) + " qubit" + (n == 1 ? "" : "s") + ".");

  std::vector<Step> steps = build_program(c, inputs, o.fusion_width);
  const std::vector<int64_t> final_source = defer_terminal_measurements(steps, c.num_clbits);
  const bool measures = has_any_measure(c);
  bool sample_final = !measures;
  for (int64_t q : final_source) sample_final = sample_final || q >= 0;
  r.trajectories = !is_terminal_measurement_circuit(c);

  const bool averages = o.probabilities || !o.observables.empty();
  if (!o.shots && !averages && !o.statevector) return;
  const unsigned bound = random_outcome_bound(steps);
  const bool exact = averages && (o.shots == 0 || (bound < 64 && (uint64_t(1) << bound) <= o.exact_branches));
  r.exact_averages = exact;
  const uint64_t state = state_bytes(n, o.precision);
  const uint64_t outputs = run_memory_bytes(c, o) - state * (r.trajectories ? 2 : 1);

  struct Pending {
    Position at;
    std::vector<uint8_t> clbits;
    BranchPoint point;
    uint64_t shots;
    double weight;
    uint64_t id;
    StateVector<FP> state;
  };
  std::vector<Pending> stack;
  StateVector<FP> s(n);
  Position at;
  std::vector<uint8_t> clbits(c.num_clbits, 0);
  uint64_t shots = o.shots, id = 0;
  double weight = 1;
  uint64_t branches = 1;  // leaves of the tree so far, visited or pending

  const auto leaf = [&] {
    r.branches += 1;
    if (o.statevector) {
      if (phase != 0)
        apply_scale<FP>(s.data(), n, std::complex<FP>(FP(std::cos(phase)), FP(std::sin(phase))));
      r.statevector.resize(s.size());
      for (uint64_t i = 0; i < s.size(); ++i) r.statevector[i] = cd(s[i]);
    }
    const double w = exact ? weight : double(shots) / double(o.shots);
    if (averages && w > 0) accumulate_outputs(s, o, r, w);
    if (!shots) return;
    if (!sample_final) {
      r.counts[bit_string(clbits)] += shots;
      return;
    }
    // The tree's root keeps the generator run() always sampled with.
    std::mt19937_64 root(o.seed);
    Stream node(o.seed, id);
    const auto samples = id == 0 ? sample_indices(s.data(), n, shots, root, s.norm_squared())
                                 : sample_indices(s.data(), n, shots, node, s.norm_squared());
    std::vector<uint8_t> bits = measures ? clbits : std::vector<uint8_t>(n);
    for (auto [index, count] : samples) {
      if (measures) {
        for (std::size_t b = 0; b < bits.size(); ++b)
          if (final_source[b] >= 0) bits[b] = uint8_t((index >> final_source[b]) & 1);
      } else {
        for (unsigned q = 0; q < n; ++q) bits[q] = uint8_t((index >> q) & 1);
      }
      r.counts[bit_string(bits)] += count;
    }
  };

  for (;;) {
    Branches<FP> v{s, clbits, {}};
    if (walk(steps, at, s, clbits, v)) {
      leaf();
      if (stack.empty()) break;
      Pending& p = stack.back();
      s = std::move(p.state);
      at = p.at;
      clbits = std::move(p.clbits);
      shots = p.shots;
      weight = p.weight;
      id = p.id;
      take_outcome(s, clbits, p.point, 1);
      stack.pop_back();
      ++at.item;
      continue;
    }
    const BranchPoint& bp = v.point;
    if (bp.reset && reset_outcomes_coincide(s, bp)) {
      take_outcome(s, clbits, bp, 0);  // one branch stands for both
      ++at.item;
      continue;
    }
    const Operation& op = c.ops[steps[at.step].source];
    const std::string what = bp.reset ? "the reset" : "the measurement";
    if (o.statevector) {
      std::ostringstream p1;
      p1 << std::setprecision(6) << bp.p1;
      throw error_at(op, what + " of qubit " + std::to_string(bp.qubit) + " has a random outcome (1 with probability " +
                             p1.str() + "), so the circuit has no single final state vector; ask for "
                             "--probabilities or --observable (averaged over the outcomes) instead of "
                             "--statevector.");
    }
    Stream rng(o.seed, id);
    const uint64_t m1 = binomial(shots, bp.p1, rng), m0 = shots - m1;
    const bool want0 = exact || m0, want1 = exact || m1;
    if (want0 && want1) {
      branches += 1;
      if (!o.shots && branches > o.exact_branches)
        throw error_at(op, what + " of qubit " + std::to_string(bp.qubit) + " makes the circuit branch into more than " +
                               std::to_string(o.exact_branches) +
                               " outcomes to average exactly; give the number of shots with --shots N to "
                               "sample them.");
      const std::string copies = "shot branching (a copy of the " + std::to_string(n) +
                                 "-qubit state for each of " + std::to_string(stack.size() + 1) +
                                 " pending branches, at line " + std::to_string(op.loc.line) + ")";
      if (max_memory)
        check_memory(outputs + state * (stack.size() + 2), max_memory, copies);
      else
        check_memory(state, 0, copies);
      stack.push_back(Pending{at, clbits, bp, m1, weight * bp.p1, child_id(id, 1), s});
    }
    const int out = want0 ? 0 : 1;
    take_outcome(s, clbits, bp, out);
    shots = out ? m1 : m0;
    weight *= out ? bp.p1 : 1 - bp.p1;
    id = child_id(id, out);
    ++at.item;
  }
}

}  // namespace

std::size_t first_dynamic_operation(const Circuit& c) {
  uint64_t touched = 0, measured = 0;
  for (std::size_t i = 0; i < c.ops.size(); ++i) {
    const Operation& op = c.ops[i];
    if (!op.conditions.empty()) return i;
    uint64_t m = 0;
    for (uint32_t q : op.qubits)
      if (q < 64) m |= uint64_t(1) << q;
    switch (op.kind) {
      case OpKind::Barrier:
      case OpKind::Delay:
        break;
      case OpKind::Gate:
        if (m & measured) {
          // The measurement before this gate is the mid-circuit one.
          for (std::size_t j = i; j-- > 0;)
            if (c.ops[j].kind == OpKind::Measure) {
              for (uint32_t q : c.ops[j].qubits)
                if (q < 64 && (m >> q & 1)) return j;
            }
          return i;
        }
        touched |= m;
        break;
      case OpKind::Reset:
        if (m & touched) return i;
        break;
      case OpKind::Measure:
        measured |= m;
        touched |= m;
        break;
    }
  }
  return SIZE_MAX;
}

bool is_terminal_measurement_circuit(const Circuit& c) { return first_dynamic_operation(c) == SIZE_MAX; }

uint64_t run_memory_bytes(const Circuit& c, const RunOptions& o) {
  const unsigned n = c.num_qubits;
  const uint64_t state = state_bytes(n, o.precision);
  if (state == UINT64_MAX) return UINT64_MAX;
  const uint64_t amps = uint64_t(1) << n;
  uint64_t total = state;
  // Shot branching: the working state and the copy of one pending branch
  // (run() checks each further copy before making it).
  if (!is_terminal_measurement_circuit(c)) total += state;
  if (o.probabilities) total += amps * sizeof(double);
  if (o.statevector) total += amps * sizeof(cd);
  return total;
}

RunResult run(const Circuit& circuit, const RunOptions& options, const std::vector<double>& inputs) {
  const auto t0 = std::chrono::steady_clock::now();
  check_inputs_bound(circuit, inputs);
  if (circuit.num_qubits > 62)
    throw MemoryError("a " + std::to_string(circuit.num_qubits) +
                      "-qubit state vector needs more than 2^62 amplitudes; nothing was allocated.");
  {
    const uint64_t need = run_memory_bytes(circuit, options);
    std::string what = "simulating " + std::to_string(circuit.num_qubits) + " qubits in " +
                       to_string(options.precision) + " precision";
    if (options.probabilities || options.statevector || !is_terminal_measurement_circuit(circuit))
      what += " (the state vector, its copies and the requested outputs)";
    check_memory(need, options.max_memory, what);
  }
  // The thread count holds for this call only; every reduction is in a fixed
  // order, so results are the same for any count.
  const ScopedThreads scoped_threads(options.threads);
  RunResult r;
  r.num_qubits = circuit.num_qubits;
  r.shots = options.shots;
  r.seed = options.seed;
  r.threads = max_threads();
  if (options.precision == Precision::Single)
    run_typed<float>(circuit, options, inputs, r);
  else
    run_typed<double>(circuit, options, inputs, r);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

template <typename FP>
StateVector<FP> simulate(const Circuit& circuit, const std::vector<double>& inputs,
                         unsigned fusion_width, uint64_t max_memory) {
  for (const Operation& op : circuit.ops)
    if (op.kind == OpKind::Measure || op.kind == OpKind::Reset || !op.conditions.empty())
      throw std::invalid_argument(
          "simulate() takes a circuit of gates only; this one measures, resets or has conditions "
          "(use run()).");
  std::vector<GateOp> gates = fuse(evaluate_gates(circuit, inputs), fusion_width);
  StateVector<FP> s(circuit.num_qubits, max_memory);
  for (const GateOp& g : gates) apply(s, g);
  const double* in = inputs.empty() ? nullptr : inputs.data();
  const double phase =
      circuit.global_phase.is_const() ? circuit.global_phase.value() : circuit.global_phase.eval(in);
  if (phase != 0)
    apply_scale<FP>(s.data(), s.num_qubits(), std::complex<FP>(FP(std::cos(phase)), FP(std::sin(phase))));
  return s;
}

template StateVector<float> simulate<float>(const Circuit&, const std::vector<double>&, unsigned, uint64_t);
template StateVector<double> simulate<double>(const Circuit&, const std::vector<double>&, unsigned, uint64_t);

}  // namespace qforge::sim
