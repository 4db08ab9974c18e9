// program.hpp - the program of a circuit as steps, and the one interpreter
// of them, shared by run() (simulator.cpp, shot branching) and the noisy
// trajectories (trajectories.cpp, shot by shot).
//
// build_program turns a Circuit into steps: runs of unconditioned gates
// (fused), conditioned gates, measurements, resets of used qubits and, for a
// NoisyCircuit, the channels after each operation; run-time classical logic
// (classical.hpp) becomes classical steps: assignments, gates with run-time
// parameters, and If/While/For/Switch/Break/Continue/End compiled to
// branches and jumps between steps. walk() runs steps on a state and a
// Machine (the shot's classical state) and hands every measurement, reset
// and channel to a visitor, which may stop the walk there (run() branches
// the state at a random outcome; run_shot draws the outcome); a stopped walk
// resumes at its Position. The helpers below sample from a final state and
// measure one qubit with any 64-bit generator (std::mt19937_64 or the
// counter-based Stream), drawing the same uniforms the same way.
#pragma once

#include "qforge/channel.hpp"
#include "qforge/kernels.hpp"
#include "qforge/simulator.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace qforge::sim::detail {

/// The splitmix64 finaliser: a bijective mix of 64 bits.
inline uint64_t splitmix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// A counter-based random stream: value j of stream (seed, index) is
/// splitmix(key + j) with key = splitmix(seed ^ splitmix(index)), so stream
/// i gives the same numbers whichever thread runs it and whatever ran before.
struct Stream {
  uint64_t key = 0;
  uint64_t counter = 0;
  Stream(uint64_t seed, uint64_t index) : key(splitmix(seed ^ splitmix(index))) {}
  uint64_t operator()() { return splitmix(key + 0x632BE59BD9B4E019ull * ++counter); }
};

/// A uniform double in [0, 1) from 53 random bits (same on every platform).
template <typename Rng>
double uniform(Rng& rng) {
  return double(rng() >> 11) * 0x1.0p-53;
}

/// True when `c` measures anywhere (inside blocks too).
bool has_any_measure(const Circuit& c);

/// The bits, highest first.
std::string bit_string(const std::vector<uint8_t>& bits);

/// One step of a program.
struct Step {
  enum class Kind {
    Gates, Measure, Reset, Channel,
    Assign,       ///< op's value stored into its variable or clbits
    RuntimeGate,  ///< op's gate with its parameters evaluated now
    Branch,       ///< go on when `value` (or, without one, `conditions`) holds, else to `target`
    Jump,         ///< to `target`; `back`: a loop's back edge
    Switch,       ///< to the first case whose value equals `value`, else to `target`
    ForEnter,     ///< evaluate op's range (or set size) into the loop's slots
    ForNext,      ///< the next value into the loop variable, or to `target` when done
    End,          ///< the shot ends here
  } kind = Kind::Gates;
  std::vector<GateOp> gates;                        // Gates (fused when unconditioned)
  std::vector<std::pair<unsigned, unsigned>> meas;  // Measure: (qubit, clbit)
  std::vector<unsigned> reset;                      // Reset: qubits
  const Channel* channel = nullptr;                 // Channel
  std::vector<Condition> conditions;                // (Branch: tested only without a value)
  /// The operation the step comes from (Measure, Reset and classical steps;
  /// a loop's Jump: the loop): where run-time errors are located.
  const Operation* op = nullptr;
  CExpr value;                                      // Branch, Switch
  std::size_t target = SIZE_MAX;                    // Branch, Jump, Switch (default), ForNext (exit)
  std::vector<std::pair<int64_t, std::size_t>> cases;  // Switch: value -> step
  uint32_t slot = 0;                                // ForEnter, ForNext: the loop's slots
  bool back = false;                                // Jump: a loop's back edge
  bool nested = false;                              // inside a block of control flow
  bool looped = false;                              // inside a loop body
};

/// The steps of a circuit and what its classical steps need.
struct Program {
  std::vector<Step> steps;
  const std::vector<ClassicalVar>* vars = nullptr;  ///< the circuit's variables
  uint32_t loops = 0;                               ///< For loops (4 slots each)
  uint64_t max_iterations = UINT64_MAX;             ///< loop back edges allowed along one shot
  bool classical = false;                           ///< has classical steps
};

/// The classical state of one shot: clbits and variables, each For loop's
/// slots (start, step, number of values, values taken), and the loop
/// iterations so far (checked against Program::max_iterations).
struct Machine {
  ClassicalState cs;
  std::vector<int64_t> loops;
  uint64_t iterations = 0;
  /// The same clbits, variables and loop slots (iterations not compared).
  bool same_state(const Machine& o) const {
    return cs.clbits == o.cs.clbits && cs.vars == o.cs.vars && loops == o.loops;
  }
};

/// Every clbit 0 and every variable 0 of its type.
Machine start_machine(const Circuit& c, const Program& p);

bool conditions_hold(const std::vector<Condition>& conds, const std::vector<uint8_t>& clbits);

/// Run classical step `k` (not RuntimeGate, not End) on `m`; returns the
/// step to go on with. Run-time errors (division by zero, a loop beyond
/// max_iterations, a for loop's zero step) throw LocatedError at the step's
/// operation.
std::size_t classical_step(const Program& p, std::size_t k, Machine& m);

/// The gate of RuntimeGate step `k`, its parameters evaluated in `m`.
GateOp runtime_gate(const Program& p, std::size_t k, const Machine& m);

/// Throw (located at `op`) when it uses a qubit or clbit outside `c`, or a
/// measurement has unequal numbers of qubits and clbits.
void check_qubits(const Circuit& c, const Operation& op);

/// The steps of `c`. With `after` (a NoisyCircuit's channels), the channels
/// after operation i follow its step, carrying its conditions (noise of a
/// conditioned operation acts only when it runs); they end a fused run.
/// Throws LocatedError for bad qubits or clbits, std::invalid_argument for
/// malformed classical IR.
Program build_program(const Circuit& c, const std::vector<double>& inputs, unsigned fusion_width,
                      const std::vector<std::vector<Channel>>* after = nullptr);

/// Empty the measured pairs whose outcome can be read from the final state
/// instead: unconditioned, outside any block of control flow, after no End,
/// their qubit touched by no later gate, reset or channel, their clbit read
/// by no later condition or classical step and written by no later
/// conditioned or nested measurement or assignment. Returns, per clbit, the
/// qubit its last such measurement reads (-1 for none: the clbit keeps the
/// value the walk gives it). A pair whose clbit a later unconditioned
/// measurement overwrites is dropped. Steps stay where they are (jump
/// targets keep their meaning).
std::vector<int64_t> defer_terminal_measurements(std::vector<Step>& steps, unsigned num_clbits);

/// An upper bound on the measurements and resets along any walk of `steps`
/// whose outcome may be random: those of qubits that may be out of a basis
/// state. Every qubit starts in |0>; a measurement or reset outside blocks
/// leaves it in a basis state; X, SWAP, phase and diagonal gates keep basis
/// states when their controls are in basis states; any other gate on a
/// qubit does not. 64 (no bound) when a loop body measures or resets.
unsigned random_outcome_bound(const std::vector<Step>& steps);

/// Binomial(m, p) from m uniforms of `rng` (the same numbers on every
/// platform).
template <typename Rng>
uint64_t binomial(uint64_t m, double p, Rng& rng) {
  uint64_t k = 0;
  for (uint64_t i = 0; i < m; ++i) k += uniform(rng) < p;
  return k;
}

/// Sample `shots` basis indices with probabilities prob(i) / norm (i below
/// `size`) in one pass: sorted uniforms against the running sum. Returns
/// (index, count) in increasing index order.
template <typename Prob, typename Rng>
std::vector<std::pair<uint64_t, uint64_t>> sample_distribution(uint64_t size, Prob prob,
                                                               uint64_t shots, Rng& rng,
                                                               double norm) {
  std::vector<double> u(shots);
  for (auto& x : u) x = uniform(rng) * norm;
  std::sort(u.begin(), u.end());
  std::vector<std::pair<uint64_t, uint64_t>> out;
  double cum = 0;
  std::size_t k = 0;
  uint64_t last_nonzero = 0;
  for (uint64_t i = 0; i < size && k < shots; ++i) {
    const double p = prob(i);
    if (p <= 0) continue;
    last_nonzero = i;
    cum += p;
    uint64_t c = 0;
    while (k < shots && u[k] < cum) {
      ++c;
      ++k;
    }
    if (c) out.emplace_back(i, c);
  }
  if (k < shots) {  // rounding left the last uniforms past the total
    if (!out.empty() && out.back().first == last_nonzero)
      out.back().second += shots - k;
    else
      out.emplace_back(last_nonzero, shots - k);
  }
  return out;
}

/// sample_distribution over |psi_i|^2 of a state of n qubits.
template <typename FP, typename Rng>
std::vector<std::pair<uint64_t, uint64_t>> sample_indices(const std::complex<FP>* psi, unsigned n,
                                                          uint64_t shots, Rng& rng, double norm) {
  return sample_distribution(
      uint64_t(1) << n, [psi](uint64_t i) { return std::norm(std::complex<double>(psi[i])); },
      shots, rng, norm);
}

/// Collapse `q` of `s` (whose squared norm is `norm`, and in which q reads
/// 1 with probability p1 of it) onto `outcome` and renormalise.
template <typename FP>
void collapse_qubit(StateVector<FP>& s, unsigned q, int outcome, double p1, double norm) {
  const double p = outcome ? p1 : 1 - p1;
  collapse<FP>(s.data(), s.num_qubits(), q, outcome, FP(1 / std::sqrt(p * norm)));
}

/// Measure `q` in one shot: draw, collapse, renormalise; returns the outcome.
template <typename FP, typename Rng>
int measure_qubit(StateVector<FP>& s, unsigned q, Rng& rng) {
  const double norm = s.norm_squared();
  const double p1 = probability_one(s.data(), s.num_qubits(), q) / norm;
  const int outcome = uniform(rng) < p1 ? 1 : 0;
  collapse_qubit(s, q, outcome, p1, norm);
  return outcome;
}

/// Where a walk over steps stands: item `item` of step `step` (a measured
/// pair of a Measure step, a qubit of a Reset step; 0 for the others).
struct Position {
  std::size_t step = 0;
  std::size_t item = 0;
  bool operator==(const Position& o) const { return step == o.step && item == o.item; }
};

/// Run the program from `at` on `s` and `m`: gates here, a step's conditions
/// tested against the clbits when the walk enters it (at item 0), classical
/// steps by classical_step. Each measured pair goes to v.measure(qubit,
/// clbit), each reset qubit to v.reset(qubit), each channel step to
/// v.channel(step index); they do their part and return true, or return
/// false to stop the walk at that item (`at` then names it: the caller does
/// it and resumes at the next item). Returns true at the end (or an End).
template <typename FP, typename Visitor>
bool walk(const Program& p, Position& at, StateVector<FP>& s, Machine& m, Visitor& v) {
  const std::vector<Step>& steps = p.steps;
  while (at.step < steps.size()) {
    const Step& st = steps[at.step];
    if (at.item == 0 && st.kind != Step::Kind::Branch && !st.conditions.empty() &&
        !conditions_hold(st.conditions, m.cs.clbits)) {
      ++at.step;
      continue;
    }
    switch (st.kind) {
      case Step::Kind::Gates:
        for (const GateOp& g : st.gates) apply(s, g);
        break;
      case Step::Kind::Measure:
        for (; at.item < st.meas.size(); ++at.item)
          if (!v.measure(st.meas[at.item].first, st.meas[at.item].second)) return false;
        break;
      case Step::Kind::Reset:
        for (; at.item < st.reset.size(); ++at.item)
          if (!v.reset(st.reset[at.item])) return false;
        break;
      case Step::Kind::Channel:
        if (at.item == 0 && !v.channel(at.step)) return false;
        break;
      case Step::Kind::RuntimeGate:
        apply(s, runtime_gate(p, at.step, m));
        break;
      case Step::Kind::End:
        at = Position{steps.size(), 0};
        return true;
      default:
        at = Position{classical_step(p, at.step, m), 0};
        continue;
    }
    ++at.step;
    at.item = 0;
  }
  return true;
}

/// Run steps [first, end) of one shot on `s`: gates and resets (a drawn
/// outcome, then X on a 1) here, the conditions against m's clbits;
/// on_measure(qubit, clbit) and on_channel(step index) do the caller's part.
template <typename FP, typename Rng, typename OnMeasure, typename OnChannel>
void run_shot(const Program& p, std::size_t first, StateVector<FP>& s, Machine& m, Rng& rng,
              OnMeasure on_measure, OnChannel on_channel) {
  struct Shot {
    StateVector<FP>& s;
    Rng& rng;
    OnMeasure& on_measure;
    OnChannel& on_channel;
    bool measure(unsigned q, unsigned b) {
      on_measure(q, b);
      return true;
    }
    bool reset(unsigned q) {
      if (measure_qubit(s, q, rng)) apply_x<FP>(s.data(), s.num_qubits(), q, 0);
      return true;
    }
    bool channel(std::size_t k) {
      on_channel(k);
      return true;
    }
  } shot{s, rng, on_measure, on_channel};
  Position at{first, 0};
  walk(p, at, s, m, shot);
}

}  // namespace qforge::sim::detail
