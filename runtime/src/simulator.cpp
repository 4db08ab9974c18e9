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
  bool any = false;
  for_each_operation(c.ops, [&](const Operation& op) { any = any || op.kind == OpKind::Measure; });
  return any;
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

namespace {

/// Compiles operations into a Program's steps (see build_program).
struct Builder {
  const Circuit& c;
  const double* in;
  unsigned fusion_width;
  const std::vector<std::vector<Channel>>* after;
  Program& p;
  std::vector<GateOp> run;
  uint64_t touched = 0;
  struct Loop {
    std::size_t next;                 ///< where `continue` goes
    std::vector<std::size_t> breaks;  ///< Jump steps to patch with the exit
    const Operation* op;
  };
  std::vector<Loop> loops;
  bool nested = false, looped = false;

  void flush() {
    if (run.empty()) return;
    Step s;
    s.gates = fuse(run, fusion_width);
    run.clear();
    if (s.gates.empty()) return;
    s.nested = nested;
    s.looped = looped;
    p.steps.push_back(std::move(s));
  }
  std::size_t emit(Step s) {
    flush();
    s.nested = nested;
    s.looped = looped;
    p.steps.push_back(std::move(s));
    return p.steps.size() - 1;
  }
  Step classical(Step::Kind kind, const Operation& op) {
    Step s;
    s.kind = kind;
    s.op = &op;
    p.classical = true;
    return s;
  }
  void block(const std::vector<Operation>& ops, std::size_t top, bool loop_body) {
    const bool was_nested = nested, was_looped = looped;
    nested = true;
    looped = looped || loop_body;
    for (const Operation& op : ops) add(op, top);
    flush();
    nested = was_nested;
    looped = was_looped;
  }
  void add(const Operation& op, std::size_t top);
};

void Builder::add(const Operation& op, std::size_t top) {
  check_qubits(c, op);
  const ClassicalData* d = op.classical.get();
  // A classical operation under conditions: skipped when they fail.
  std::size_t skip = SIZE_MAX;
  if (op.is_classical() && !op.conditions.empty()) {
    Step s = classical(Step::Kind::Branch, op);
    s.conditions = op.conditions;
    skip = emit(std::move(s));
  }
  switch (op.kind) {
    case OpKind::Barrier:
    case OpKind::Delay:
      break;
    case OpKind::Gate: {
      GateOp g = evaluate_gate(op, in);
      g.source = top;
      touched |= g.qubit_mask();
      if (op.conditions.empty()) {
        run.push_back(std::move(g));
      } else {
        Step s;
        s.gates.push_back(std::move(g));
        s.conditions = op.conditions;
        emit(std::move(s));
      }
      break;
    }
    case OpKind::Measure: {
      Step s;
      s.kind = Step::Kind::Measure;
      s.op = &op;
      for (std::size_t k = 0; k < op.qubits.size(); ++k) {
        s.meas.emplace_back(op.qubits[k], op.clbits[k]);
        touched |= uint64_t(1) << op.qubits[k];
      }
      s.conditions = op.conditions;
      emit(std::move(s));
      break;
    }
    case OpKind::Reset: {
      Step s;
      s.kind = Step::Kind::Reset;
      s.op = &op;
      for (uint32_t q : op.qubits)
        if (!op.conditions.empty() || (touched & (uint64_t(1) << q))) s.reset.push_back(q);
      if (s.reset.empty()) break;  // resets of fresh qubits do nothing
      s.conditions = op.conditions;
      emit(std::move(s));
      break;
    }
    case OpKind::Assign:
      emit(classical(Step::Kind::Assign, op));
      break;
    case OpKind::RuntimeGate:
      for (uint32_t q : op.qubits) touched |= uint64_t(1) << q;
      emit(classical(Step::Kind::RuntimeGate, op));
      break;
    case OpKind::End:
      emit(classical(Step::Kind::End, op));
      break;
    case OpKind::Break:
    case OpKind::Continue: {
      if (loops.empty()) throw std::invalid_argument("run(): " + op_name(op) + " outside a loop");
      Step s = classical(Step::Kind::Jump, op);
      if (op.kind == OpKind::Continue) {
        s.target = loops.back().next;
        s.back = true;
        s.op = loops.back().op;
        emit(std::move(s));
      } else {
        loops.back().breaks.push_back(emit(std::move(s)));
      }
      break;
    }
    case OpKind::If: {
      Step br = classical(Step::Kind::Branch, op);
      br.value = d->value;
      const std::size_t test = emit(std::move(br));
      block(op.blocks[0], top, false);
      if (op.blocks.size() > 1) {
        const std::size_t jump = emit(classical(Step::Kind::Jump, op));
        p.steps[test].target = p.steps.size();
        block(op.blocks[1], top, false);
        p.steps[jump].target = p.steps.size();
      } else {
        p.steps[test].target = p.steps.size();
      }
      break;
    }
    case OpKind::While:
    case OpKind::For: {
      // Everything the body uses counts as touched from its first iteration.
      for (uint32_t q : op.qubits) touched |= uint64_t(1) << q;
      std::size_t next;
      if (op.kind == OpKind::While) {
        Step br = classical(Step::Kind::Branch, op);
        br.value = d->value;
        next = emit(std::move(br));
      } else {
        Step enter = classical(Step::Kind::ForEnter, op);
        enter.slot = p.loops;
        emit(std::move(enter));
        Step nx = classical(Step::Kind::ForNext, op);
        nx.slot = p.loops++;
        next = emit(std::move(nx));
      }
      loops.push_back({next, {}, &op});
      block(op.blocks[0], top, true);
      Step back = classical(Step::Kind::Jump, op);
      back.target = next;
      back.back = true;
      emit(std::move(back));
      const std::size_t exit = p.steps.size();
      p.steps[next].target = exit;
      for (std::size_t j : loops.back().breaks) p.steps[j].target = exit;
      loops.pop_back();
      break;
    }
    case OpKind::Switch: {
      Step sw = classical(Step::Kind::Switch, op);
      sw.value = d->value;
      const std::size_t at = emit(std::move(sw));
      std::vector<std::size_t> ends;
      std::size_t fallback = SIZE_MAX;
      for (std::size_t b = 0; b < op.blocks.size(); ++b) {
        flush();
        const std::size_t start = p.steps.size();
        if (d->cases[b].empty()) fallback = start;
        for (int64_t v : d->cases[b]) p.steps[at].cases.emplace_back(v, start);
        block(op.blocks[b], top, false);
        ends.push_back(emit(classical(Step::Kind::Jump, op)));
      }
      const std::size_t exit = p.steps.size();
      for (std::size_t j : ends) p.steps[j].target = exit;
      p.steps[at].target = fallback == SIZE_MAX ? exit : fallback;
      break;
    }
  }
  if (skip != SIZE_MAX) {
    flush();
    p.steps[skip].target = p.steps.size();
  }
}

}  // namespace

Program build_program(const Circuit& c, const std::vector<double>& inputs, unsigned fusion_width,
                      const std::vector<std::vector<Channel>>* after) {
  Program p;
  p.vars = &c.vars;
  if (has_classical(c)) {
    const std::string err = c.verify();
    if (!err.empty()) throw std::invalid_argument("run(): malformed circuit: " + err);
  }
  Builder b{c, inputs.empty() ? nullptr : inputs.data(), fusion_width, after, p, {}, 0, {}, false, false};
  for (std::size_t i = 0; i < c.ops.size(); ++i) {
    const Operation& op = c.ops[i];
    b.add(op, i);
    if (after && i < after->size() && !(*after)[i].empty()) {
      for (const Channel& ch : (*after)[i]) {
        Step s;
        s.kind = Step::Kind::Channel;
        s.channel = &ch;
        s.conditions = op.conditions;
        for (unsigned q : ch.qubits) b.touched |= uint64_t(1) << q;
        b.emit(std::move(s));
      }
    }
  }
  b.flush();
  return p;
}

Machine start_machine(const Circuit& c, const Program& p) {
  Machine m;
  m.cs.clbits.assign(c.num_clbits, 0);
  for (const ClassicalVar& v : c.vars) m.cs.vars.push_back(convert(CValue::of_uint(0), v.type));
  m.loops.assign(std::size_t(p.loops) * 4, 0);
  return m;
}

namespace {

/// eval() with its errors located at `op`.
CValue eval_at(const Operation& op, const CExpr& e, const ClassicalState& s) {
  try {
    return eval(e, s);
  } catch (const std::domain_error& err) {
    throw error_at(op, std::string(err.what()) + " in the " + op_name(op) + ".");
  }
}

}  // namespace

std::size_t classical_step(const Program& p, std::size_t k, Machine& m) {
  const Step& st = p.steps[k];
  const Operation& op = *st.op;
  const ClassicalData* d = op.classical.get();
  switch (st.kind) {
    case Step::Kind::Assign: {
      const CValue v = eval_at(op, d->value, m.cs);
      try {
        store(m.cs, d->var, d->var == ClassicalData::kNoVar ? op.clbits : std::vector<uint32_t>{}, *p.vars, v);
      } catch (const std::domain_error& err) {
        throw error_at(op, std::string(err.what()) + " in the assignment.");
      }
      return k + 1;
    }
    case Step::Kind::Branch: {
      const bool holds = st.value ? eval_at(op, st.value, m.cs).as_bool() : conditions_hold(st.conditions, m.cs.clbits);
      return holds ? k + 1 : st.target;
    }
    case Step::Kind::Jump:
      if (st.back && ++m.iterations > p.max_iterations)
        throw error_at(op, "the " + op_name(op) + " loop goes on beyond " + std::to_string(p.max_iterations) +
                               " iterations in one shot (the limit of loop iterations along a shot; "
                               "raise it with --max-iterations N).");
      return st.target;
    case Step::Kind::Switch: {
      const int64_t v = eval_at(op, st.value, m.cs).as_int();
      for (const auto& [value, target] : st.cases)
        if (value == v) return target;
      return st.target;
    }
    case Step::Kind::ForEnter: {
      int64_t* slot = &m.loops[std::size_t(st.slot) * 4];
      if (!d->set.empty()) {
        slot[0] = slot[1] = 0;
        slot[2] = int64_t(d->set.size());
      } else {
        const int64_t start = eval_at(op, d->start, m.cs).as_int(), step = eval_at(op, d->step, m.cs).as_int(),
                      stop = eval_at(op, d->stop, m.cs).as_int();
        if (step == 0) throw error_at(op, "the for loop's range has a step of 0.");
        const __int128 span = __int128(stop) - start;
        slot[0] = start;
        slot[1] = step;
        slot[2] = (span != 0 && (span < 0) != (step < 0)) ? 0 : int64_t(span / step + 1);
      }
      slot[3] = 0;
      return k + 1;
    }
    case Step::Kind::ForNext: {
      int64_t* slot = &m.loops[std::size_t(st.slot) * 4];
      if (slot[3] >= slot[2]) return st.target;
      const CValue v = d->set.empty() ? CValue::of_int(slot[0] + slot[3] * slot[1])
                                      : eval_at(op, d->set[std::size_t(slot[3])], m.cs);
      slot[3] += 1;
      try {
        store(m.cs, d->var, {}, *p.vars, v);
      } catch (const std::domain_error& err) {
        throw error_at(op, std::string(err.what()) + " in the for loop.");
      }
      return k + 1;
    }
    default:
      throw std::logic_error("classical_step: not a classical step");
  }
}

GateOp runtime_gate(const Program& p, std::size_t k, const Machine& m) {
  const Operation& op = *p.steps[k].op;
  Operation g = op;
  g.kind = OpKind::Gate;
  g.classical.reset();
  g.conditions.clear();
  for (const CExpr& e : op.classical->cparams) {
    const double v = eval_at(op, e, m.cs).as_float();
    if (!std::isfinite(v))
      throw error_at(op, op_name(op) + " gets the parameter " + format_number(v) + " at run time.");
    g.params.emplace_back(v);
  }
  return evaluate_gate(g, nullptr);
}

namespace {

/// The clbits the classical data of `op` reads.
void classical_reads(const Operation& op, std::vector<uint32_t>& bits) {
  if (!op.classical) return;
  const ClassicalData& d = *op.classical;
  std::vector<uint32_t> vars;
  for (const CExpr* e : {&d.value, &d.start, &d.step, &d.stop})
    if (*e) e->collect(bits, vars);
  for (const CExpr& e : d.set) e.collect(bits, vars);
  for (const CExpr& e : d.cparams) e.collect(bits, vars);
}

}  // namespace

std::vector<int64_t> defer_terminal_measurements(std::vector<Step>& steps, unsigned num_clbits) {
  std::vector<int64_t> source(num_clbits, -1);
  // A measurement after an End (which some shots may reach) stays.
  std::size_t first_end = steps.size();
  for (std::size_t k = 0; k < steps.size() && first_end == steps.size(); ++k)
    if (steps[k].kind == Step::Kind::End) first_end = k;
  // Walking backwards: what the later steps do.
  std::vector<uint8_t> read(num_clbits, 0), overwritten(num_clbits, 0), maybe_written(num_clbits, 0);
  uint64_t touched = 0;
  std::vector<uint32_t> bits;
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
        if (!st.conditions.empty() || st.nested || k > first_end) {
          for (auto [q, b] : st.meas) {
            maybe_written[b] = 1;
            touched |= uint64_t(1) << q;
          }
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
      default:  // classical steps
        bits.clear();
        classical_reads(*st.op, bits);
        for (uint32_t b : bits) read[b] = 1;
        if (st.kind == Step::Kind::Assign)
          for (uint32_t b : st.op->clbits) maybe_written[b] = 1;
        if (st.kind == Step::Kind::RuntimeGate)
          for (uint32_t q : st.op->qubits) touched |= uint64_t(1) << q;
        break;
    }
    for (const Condition& cond : st.conditions)
      for (uint32_t b : cond.clbits) read[b] = 1;
  }
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
        // In a loop body: may repeat any number of times, after the body's
        // gates.
        if (st.looped && !qubits.empty()) return 64;
        for (unsigned q : qubits) {
          if (!(basis >> q & 1)) bound += 1;
          if (st.conditions.empty() && !st.nested) basis |= uint64_t(1) << q;
        }
        break;
      }
      case Step::Kind::Channel:
        for (unsigned q : st.channel->qubits) clear(q);
        break;
      case Step::Kind::RuntimeGate:
        for (uint32_t q : st.op->qubits) clear(q);
        break;
      default:
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

/// Exact averages do not follow a branch without shots whose probability is
/// below this: what they leave out is below double precision's rounding.
constexpr double kNegligible = 1e-15;

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

/// True when `a` and `b` are the same state up to a global phase, amplitude
/// by amplitude within certain_tolerance.
template <typename FP>
bool same_state(const StateVector<FP>& a, const StateVector<FP>& b) {
  uint64_t top = 0;
  double largest = -1;
  for (uint64_t i = 0; i < a.size(); ++i)
    if (std::norm(cd(a[i])) > largest) {
      largest = std::norm(cd(a[i]));
      top = i;
    }
  const cd ratio = cd(b[top]) / cd(a[top]);
  const double tol = certain_tolerance<FP>();
  if (std::abs(std::abs(ratio) - 1) > tol) return false;
  const cd phase = ratio / std::abs(ratio);
  for (uint64_t i = 0; i < a.size(); ++i)
    if (std::abs(cd(b[i]) - phase * cd(a[i])) > tol) return false;
  return true;
}

/// What run() reports of a circuit's classical values (see OutputCounts):
/// a register's clbits or a variable.
struct OutputSpec {
  std::string name, type;
  bool reg = false;
  uint32_t first = 0, size = 0;  ///< register
  uint32_t var = 0;              ///< variable
};

std::vector<OutputSpec> output_specs(const Circuit& c) {
  bool declared = false;
  for (const Register& reg : c.cregs) declared = declared || reg.output;
  for (const ClassicalVar& v : c.vars) declared = declared || v.output;
  if (!declared && c.vars.empty() && !has_classical(c)) return {};
  std::vector<OutputSpec> out;
  for (const Register& reg : c.cregs)
    if (!declared || reg.output)
      out.push_back({reg.name, type_name({CType::Bit, reg.size}), true, reg.first, reg.size, 0});
  for (std::size_t i = 0; i < c.vars.size(); ++i)
    if (!declared || c.vars[i].output) out.push_back({c.vars[i].name, type_name(c.vars[i].type), false, 0, 0, uint32_t(i)});
  return out;
}

/// The text of a variable's value in OutputCounts, and its place in their order.
std::pair<double, std::string> output_key(const CValue& v) {
  std::string text = v.to_qasm();
  if (v.type.kind == CType::Bit) text = text.substr(1, text.size() - 2);
  return {v.type.kind == CType::Uint || v.type.kind == CType::Bit ? double(v.u) : v.as_float(), text};
}

/// One branch of the tree: its state, where its walk stands, its classical
/// state, its shots, its weight (probability) and its random stream; `done`
/// when it reached the end, else the random outcome it stopped at.
template <typename FP>
struct Branch {
  StateVector<FP> s;
  Position at;
  Machine m;
  uint64_t shots = 0;
  double weight = 1;
  uint64_t id = 0;
  bool done = false;
  BranchPoint point;
};

/// run() by shot branching, depth first. The walk stops at each measurement
/// or reset with a random outcome; the branch's shots split binomially (drawn
/// from the branch's own stream, so the counts do not depend on the order in
/// which branches are visited or on the thread count); both outcomes walk on
/// to their next stop, and merge there when they are at the same step with
/// the same classical state and state vector; else outcome 0 is followed at
/// once and outcome 1 waits on a stack. A leaf adds its shots to the counts
/// and outputs (sampling the deferred terminal measurements from its state)
/// and its weight times its outputs to the averages: its probability when
/// the averages are exact, its share of the shots when they are sampled
/// (then branches without shots are not followed).
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

  Program program = build_program(c, inputs, o.fusion_width);
  program.max_iterations = o.max_iterations;
  const std::vector<int64_t> final_source = defer_terminal_measurements(program.steps, c.num_clbits);
  const bool measures = has_any_measure(c);
  bool sample_final = !measures;
  for (int64_t q : final_source) sample_final = sample_final || q >= 0;
  r.trajectories = !is_terminal_measurement_circuit(c);
  const std::vector<OutputSpec> specs = o.shots ? output_specs(c) : std::vector<OutputSpec>{};
  std::vector<std::map<std::pair<double, std::string>, uint64_t>> tallies(specs.size());

  const bool averages = o.probabilities || !o.observables.empty();
  if (!o.shots && !averages && !o.statevector) return;
  const unsigned bound = random_outcome_bound(program.steps);
  const bool exact = averages && (o.shots == 0 || (bound < 64 && (uint64_t(1) << bound) <= o.exact_branches));
  r.exact_averages = exact;
  const uint64_t state = state_bytes(n, o.precision);
  const uint64_t outputs = run_memory_bytes(c, o) - state * (r.trajectories ? 2 : 1);

  const auto advance = [&](Branch<FP>& b) {
    for (;;) {
      Branches<FP> v{b.s, b.m.cs.clbits, {}};
      b.done = walk(program, b.at, b.s, b.m, v);
      if (b.done) return;
      b.point = v.point;
      if (!(b.point.reset && reset_outcomes_coincide(b.s, b.point))) return;
      take_outcome(b.s, b.m.cs.clbits, b.point, 0);  // one branch stands for both
      ++b.at.item;
    }
  };

  // The registers among the outputs, from the clbits of `count` shots.
  const auto tally = [&](const std::vector<uint8_t>& bits, uint64_t count) {
    for (std::size_t k = 0; k < specs.size(); ++k)
      if (specs[k].reg) {
        std::string text(specs[k].size, '0');
        for (uint32_t j = 0; j < specs[k].size; ++j)
          if (bits[specs[k].first + j]) text[specs[k].size - 1 - j] = '1';
        tallies[k][{0.0, text}] += count;
      }
  };

  const auto leaf = [&](Branch<FP>& b) {
    StateVector<FP>& s = b.s;
    r.branches += 1;
    if (o.statevector) {
      if (phase != 0)
        apply_scale<FP>(s.data(), n, std::complex<FP>(FP(std::cos(phase)), FP(std::sin(phase))));
      r.statevector.resize(s.size());
      for (uint64_t i = 0; i < s.size(); ++i) r.statevector[i] = cd(s[i]);
    }
    const double w = exact ? b.weight : double(b.shots) / double(o.shots);
    if (averages && w > 0) accumulate_outputs(s, o, r, w);
    if (!b.shots) return;
    for (std::size_t k = 0; k < specs.size(); ++k)
      if (!specs[k].reg) tallies[k][output_key(b.m.cs.vars[specs[k].var])] += b.shots;
    const std::vector<uint8_t>& clbits = b.m.cs.clbits;
    if (!sample_final) {
      r.counts[bit_string(clbits)] += b.shots;
      tally(clbits, b.shots);
      return;
    }
    if (!measures) tally(clbits, b.shots);
    // The tree's root keeps the generator run() always sampled with.
    std::mt19937_64 root(o.seed);
    Stream node(o.seed, b.id);
    const auto samples = b.id == 0 ? sample_indices(s.data(), n, b.shots, root, s.norm_squared())
                                   : sample_indices(s.data(), n, b.shots, node, s.norm_squared());
    std::vector<uint8_t> bits = measures ? clbits : std::vector<uint8_t>(n);
    for (auto [index, count] : samples) {
      if (measures) {
        for (std::size_t k = 0; k < bits.size(); ++k)
          if (final_source[k] >= 0) bits[k] = uint8_t((index >> final_source[k]) & 1);
      } else {
        for (unsigned q = 0; q < n; ++q) bits[q] = uint8_t((index >> q) & 1);
      }
      r.counts[bit_string(bits)] += count;
      if (measures) tally(bits, count);
    }
  };

  std::vector<Branch<FP>> stack;
  Branch<FP> cur{StateVector<FP>(n), {}, start_machine(c, program), o.shots, 1, 0, false, {}};
  uint64_t branches = 1;  // leaves of the tree so far, visited or pending
  advance(cur);
  for (;;) {
    if (cur.done) {
      leaf(cur);
      if (stack.empty()) break;
      cur = std::move(stack.back());
      stack.pop_back();
      continue;
    }
    const BranchPoint bp = cur.point;
    const Operation& op = *program.steps[cur.at.step].op;
    const std::string what = bp.reset ? "the reset" : "the measurement";
    if (o.statevector) {
      std::ostringstream p1;
      p1 << std::setprecision(6) << bp.p1;
      throw error_at(op, what + " of qubit " + std::to_string(bp.qubit) + " has a random outcome (1 with probability " +
                             p1.str() + "), so the circuit has no single final state vector; ask for "
                             "--probabilities or --observable (averaged over the outcomes) instead of "
                             "--statevector.");
    }
    Stream rng(o.seed, cur.id);
    const uint64_t m1 = binomial(cur.shots, bp.p1, rng), m0 = cur.shots - m1;
    // Exact averages follow every outcome with shots, and those without
    // shots down to a probability of kNegligible.
    const bool want0 = m0 || (exact && cur.weight * (1 - bp.p1) >= kNegligible);
    const bool want1 = m1 || (exact && cur.weight * bp.p1 >= kNegligible);
    if (!want0 && !want1) {
      if (stack.empty()) break;
      cur = std::move(stack.back());
      stack.pop_back();
      continue;
    }
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
      Branch<FP> other{cur.s, cur.at, cur.m, m1, cur.weight * bp.p1, child_id(cur.id, 1), false, {}};
      take_outcome(other.s, other.m.cs.clbits, bp, 1);
      ++other.at.item;
      take_outcome(cur.s, cur.m.cs.clbits, bp, 0);
      cur.shots = m0;
      cur.weight *= 1 - bp.p1;
      cur.id = child_id(cur.id, 0);
      ++cur.at.item;
      advance(cur);
      advance(other);
      if (cur.done == other.done && cur.at == other.at && cur.m.same_state(other.m) && same_state(cur.s, other.s)) {
        // The two outcomes led to the same place: one branch goes on for both.
        cur.shots += other.shots;
        cur.weight += other.weight;
        cur.m.iterations = std::max(cur.m.iterations, other.m.iterations);
        branches -= 1;
      } else {
        stack.push_back(std::move(other));
      }
      continue;
    }
    const int out = want0 ? 0 : 1;
    take_outcome(cur.s, cur.m.cs.clbits, bp, out);
    cur.shots = out ? m1 : m0;
    cur.weight *= out ? bp.p1 : 1 - bp.p1;
    cur.id = child_id(cur.id, out);
    ++cur.at.item;
    advance(cur);
  }
  for (std::size_t k = 0; k < specs.size(); ++k) {
    OutputCounts oc{specs[k].name, specs[k].type, {}};
    for (const auto& [key, count] : tallies[k]) oc.counts.emplace_back(key.second, count);
    r.outputs.push_back(std::move(oc));
  }
}

}  // namespace

std::size_t first_dynamic_operation(const Circuit& c) {
  uint64_t touched = 0, measured = 0;
  for (std::size_t i = 0; i < c.ops.size(); ++i) {
    const Operation& op = c.ops[i];
    if (!op.conditions.empty() || op.is_classical()) return i;
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
      default:
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
    if (op.kind == OpKind::Measure || op.kind == OpKind::Reset || !op.conditions.empty() || op.is_classical())
      throw std::invalid_argument(
          "simulate() takes a circuit of gates only; this one measures, resets, has conditions "
          "or run-time classical logic (use run()).");
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
