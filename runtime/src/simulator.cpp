// Running whole circuits: sampling and trajectories (see qforge/simulator.hpp).
#include "qforge/simulator.hpp"

#include "qforge/kernels.hpp"

#include "program.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <stdexcept>
#include <string>

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

}  // namespace detail

namespace {

using cd = std::complex<double>;
using namespace detail;

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

template <typename FP>
void run_typed(const Circuit& c, const RunOptions& o, const std::vector<double>& inputs,
               RunResult& r) {
  const unsigned n = c.num_qubits;
  const double* in = inputs.empty() ? nullptr : inputs.data();
  const double phase = c.global_phase.is_const() ? c.global_phase.value() : c.global_phase.eval(in);
  const std::complex<FP> global(FP(std::cos(phase)), FP(std::sin(phase)));
  std::mt19937_64 rng(o.seed);
  for (const auto& obs : o.observables)
    for (const auto& t : obs.terms)
      if (t.min_qubits() > n)
        throw std::invalid_argument("the observable \"" + obs.text + "\" acts on qubit " +
                                    std::to_string(t.min_qubits() - 1) + ", but the circuit has " +
                                    std::to_string(n) + " qubit" + (n == 1 ? "" : "s") + ".");

  std::vector<Step> steps = build_program(c, inputs, o.fusion_width);
  const bool terminal = is_terminal_measurement_circuit(c);
  r.trajectories = !terminal;

  if (terminal) {
    StateVector<FP> s(n, o.max_memory);
    // clbit -> qubit of the last measurement writing it.
    std::vector<int64_t> source(c.num_clbits, -1);
    for (const Step& st : steps) {
      if (st.kind == Step::Kind::Gates)
        for (const GateOp& g : st.gates) apply(s, g);
      else if (st.kind == Step::Kind::Measure)
        for (auto [q, b] : st.meas) source[b] = q;
    }
    if (phase != 0) apply_scale<FP>(s.data(), n, global);
    if (o.statevector) {
      r.statevector.resize(s.size());
      for (uint64_t i = 0; i < s.size(); ++i) r.statevector[i] = cd(s[i]);
    }
    accumulate_outputs(s, o, r, 1.0);
    if (o.shots) {
      const bool measures = has_any_measure(c);
      const auto samples = sample_indices(s.data(), n, o.shots, rng, s.norm_squared());
      for (auto [index, count] : samples) {
        std::vector<uint8_t> bits;
        if (measures) {
          bits.assign(c.num_clbits, 0);
          for (uint32_t b = 0; b < c.num_clbits; ++b)
            if (source[b] >= 0) bits[b] = uint8_t((index >> source[b]) & 1);
        } else {
          bits.resize(n);
          for (unsigned q = 0; q < n; ++q) bits[q] = uint8_t((index >> q) & 1);
        }
        r.counts[bit_string(bits)] += count;
      }
    }
    return;
  }

  // Trajectories: the unconditioned gates before the first measurement,
  // reset or condition are simulated once and copied for every shot.
  if (o.statevector)
    throw error_at(
        c.ops[first_dynamic_operation(c)],
        "the circuit measures or resets qubits mid-circuit or uses conditions, so it has no single "
        "final state vector; ask for --probabilities or --observable (averaged over the shots) "
        "instead of --statevector.");
  if (o.shots == 0)
    throw std::invalid_argument(
        "the circuit measures or resets qubits mid-circuit or uses conditions, so it is simulated "
        "shot by shot; give the number of shots with --shots N.");
  StateVector<FP> prefix(n, o.max_memory);
  std::size_t first = 0;
  if (!steps.empty() && steps[0].kind == Step::Kind::Gates && steps[0].conditions.empty()) {
    for (const GateOp& g : steps[0].gates) apply(prefix, g);
    first = 1;
  }
  StateVector<FP> s = prefix;
  const bool measures = has_any_measure(c);
  std::vector<uint8_t> clbits(c.num_clbits);
  const double weight = 1.0 / double(o.shots);
  for (uint64_t shot = 0; shot < o.shots; ++shot) {
    s = prefix;
    std::fill(clbits.begin(), clbits.end(), 0);
    run_shot(
        steps, first, s, clbits, rng,
        [&](unsigned q, unsigned b) { clbits[b] = uint8_t(measure_qubit(s, q, rng)); },
        [](std::size_t) {});  // run() has no channels
    if (phase != 0) apply_scale<FP>(s.data(), n, global);
    accumulate_outputs(s, o, r, weight);
    if (measures) {
      r.counts[bit_string(clbits)] += 1;
    } else {
      const auto one = sample_indices(s.data(), n, 1, rng, s.norm_squared());
      std::vector<uint8_t> bits(n);
      for (unsigned q = 0; q < n; ++q) bits[q] = uint8_t((one[0].first >> q) & 1);
      r.counts[bit_string(bits)] += 1;
    }
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
  if (!is_terminal_measurement_circuit(c)) total += state;  // prefix + working copy
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
  RunOptions o = options;
  o.max_memory = 0;  // checked above for the whole run
  if (options.precision == Precision::Single)
    run_typed<float>(circuit, o, inputs, r);
  else
    run_typed<double>(circuit, o, inputs, r);
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
