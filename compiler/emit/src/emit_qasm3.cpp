//===- emit_qasm3.cpp - The IR as OpenQASM 3 text --------------------------===//
//
// Writes the program the way Qiskit's OpenQASM 3 exporter does:
//   1. header and `include "stdgates.inc";`;
//   2. a `gate` definition for each used table gate that stdgates.inc lacks
//      (and for the gates those definitions use), exact including global
//      phase, so that `ctrl @` on them stays exact;
//   3. `input` declarations, `bit` registers, `qubit` registers (none with
//      physical `$n` qubits);
//   4. run-time variables (`int[8] n;`, `output float[64] f;`; a `for`
//      loop's variable is declared by its loop), `output bit[n]` registers;
//   5. one statement per operation; consecutive operations under the same
//      conditions share one `if` block; assignments, if/else, while, for,
//      switch, break, continue, end and gates with run-time parameters as
//      OpenQASM 3 statements whose expressions spell every cast, so that the
//      front end reads them back as the same IR;
//   6. with EmitOptions::global_phase, `gphase(...)`: the IR's global phase
//      minus what reading the u2/u3 lines back adds (frontend.hpp), its
//      symbolic part before the first operation and its constant after the
//      last, so that the phase read back is the IR's bit for bit.
// u2/u3 with extra controls are written as `ctrl(n-1) @ cu(theta, phi,
// lambda, 0)`: stdgates' u2/u3 (and U) differ from the table gate by a phase
// that would become a controlled phase under `ctrl @`, while `cu` is exact.
//
//===----------------------------------------------------------------------===//
#include "qforge/definitions.hpp"
#include "qforge/emit.hpp"

#include "emit_text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <sstream>
#include <stdexcept>

namespace qforge {
namespace {

using G = GateId;

const emit_detail::DefinitionStyle kStyle{"_gate_p_", "_gate_q_", ", ", true, true};

class Qasm3Writer {
 public:
  Qasm3Writer(const Circuit& c, const EmitOptions& opt)
      : c_(c), opt_(opt), names_(c.symbol_names()) {
    if (!c.physical_qubits) qregs_ = wire_registers(c, true);
    cregs_ = wire_registers(c, false);
  }

  std::string run() {
    std::ostringstream out;
    out << "OPENQASM 3.0;\ninclude \"stdgates.inc\";\n";
    write_definitions(out);
    for (const InputDecl& in : c_.inputs) {
      out << "input " << emit_detail::input_type(in) << " " << in.name << ";\n";
    }
    for (const Register& r : cregs_)
      out << (r.output ? "output " : "") << (r.is_array ? "bit[" + std::to_string(r.size) + "] " : "bit ") << r.name
          << ";\n";
    std::vector<bool> loop_var(c_.vars.size(), false);
    for_each_operation(c_.ops, [&](const Operation& op) {
      if (op.kind == OpKind::For) loop_var.at(op.classical->var) = true;
    });
    for (std::size_t v = 0; v < c_.vars.size(); ++v)
      if (!loop_var[v])
        out << (c_.vars[v].output ? "output " : "") << type_name(c_.vars[v].type) << " " << c_.vars[v].name << ";\n";
    for (const Register& r : qregs_)
      out << (r.is_array ? "qubit[" + std::to_string(r.size) + "] " : "qubit ") << r.name << ";\n";
    if (opt_.global_phase) plan_global_phase();
    if (!first_phase_.empty()) out << "gphase(" << first_phase_ << ");\n";
    write_body(out, c_.ops, "");
    if (!last_phase_.empty()) out << "gphase(" << last_phase_ << ");\n";
    return out.str();
  }

 private:
  void write_definitions(std::ostringstream& out) {
    std::set<GateId> used;
    for_each_operation(c_.ops, [&](const Operation& op) {
      if (op.is_gate() || op.kind == OpKind::RuntimeGate) used.insert(op.gate);
    });
    for (const GateDefinition* d : definitions_for(used, GateLibrary::StdGates)) out << emit_detail::definition_text(*d, kStyle);
  }

  std::string bit(const std::vector<Register>& regs, uint32_t i, const char* dollar) const {
    if (dollar) return dollar + std::to_string(i);
    for (const Register& r : regs)
      if (i >= r.first && i < r.first + r.size)
        return r.is_array ? r.name + "[" + std::to_string(i - r.first) + "]" : r.name;
    throw std::logic_error("emit_qasm3: wire " + std::to_string(i) + " has no register");
  }
  std::string qubit(uint32_t q) const { return bit(qregs_, q, c_.physical_qubits ? "$" : nullptr); }
  std::string clbit(uint32_t b) const { return bit(cregs_, b, nullptr); }

  std::string qubit_list(const std::vector<uint32_t>& qs, std::size_t from = 0) const {
    std::string s;
    for (std::size_t i = from; i < qs.size(); ++i) s += (i > from ? ", " : "") + qubit(qs[i]);
    return s;
  }

  static const Register* whole(const std::vector<Register>& regs, const std::vector<uint32_t>& bits) {
    return emit_detail::whole_register(regs, bits);
  }

  const Register& register_of(uint32_t b) const {
    for (const Register& r : cregs_)
      if (b >= r.first && b < r.first + r.size) return r;
    throw std::logic_error("emit_qasm3: clbit " + std::to_string(b) + " has no register");
  }

  /// `bits` (all in register r, an array) as `r[i]`, `r[a:b]` or `r[{i, j}]`.
  static std::string bit_selection(const Register& r, const std::vector<uint32_t>& bits) {
    if (bits.size() == 1) return r.name + "[" + std::to_string(bits[0] - r.first) + "]";
    bool ascending = true;
    for (std::size_t i = 1; i < bits.size(); ++i) ascending = ascending && bits[i] == bits[0] + i;
    if (ascending)
      return r.name + "[" + std::to_string(bits[0] - r.first) + ":" +
             std::to_string(bits.back() - r.first) + "]";
    std::string s = r.name + "[{";
    for (std::size_t i = 0; i < bits.size(); ++i) s += (i ? ", " : "") + std::to_string(bits[i] - r.first);
    return s + "}]";
  }

  /// `if` text of a condition: `c == 5`, `c[1] == 1`, `c[0:1] == 2`,
  /// `c[{0, 2}] == 3`; bits of several registers compare per register,
  /// joined with && (or || for !=).
  std::string condition(const Condition& cond) const {
    const char* cmp = cond.equal ? " == " : " != ";
    if (cond.clbits.empty())
      throw std::invalid_argument("a condition without classical bits");
    if (const Register* r = whole(cregs_, cond.clbits))
      return r->name + cmp + std::to_string(cond.value);
    if (cond.clbits.size() == 1) return clbit(cond.clbits[0]) + cmp + std::to_string(cond.value);
    if (cond.clbits.size() < 64 && (cond.value >> cond.clbits.size()) != 0)
      throw std::invalid_argument("condition value " + std::to_string(cond.value) +
                                  " does not fit in " + std::to_string(cond.clbits.size()) +
                                  " bits");
    // Group the bits by register, keeping the order of first appearance;
    // each group compares its own bits of the value.
    std::vector<std::pair<const Register*, std::vector<std::size_t>>> groups;
    for (std::size_t i = 0; i < cond.clbits.size(); ++i) {
      const Register* r = &register_of(cond.clbits[i]);
      auto g = std::find_if(groups.begin(), groups.end(), [&](const auto& x) { return x.first == r; });
      if (g == groups.end()) groups.push_back({r, {i}});
      else g->second.push_back(i);
    }
    std::string out;
    for (const auto& [r, positions] : groups) {
      std::vector<uint32_t> bits;
      uint64_t value = 0;
      for (std::size_t k = 0; k < positions.size(); ++k) {
        bits.push_back(cond.clbits[positions[k]]);
        value |= ((cond.value >> positions[k]) & 1) << k;
      }
      std::string lhs = !r->is_array ? r->name
                        : whole(cregs_, bits) ? r->name
                                              : bit_selection(*r, bits);
      if (!out.empty()) out += cond.equal ? " && " : " || ";
      out += lhs + cmp + std::to_string(value);
    }
    return out;
  }

  std::string params(const std::vector<Expr>& ps) const {
    if (ps.empty()) return "";
    std::string s = "(";
    for (std::size_t i = 0; i < ps.size(); ++i) s += (i ? ", " : "") + ps[i].to_qasm(names_);
    return s + ")";
  }

  static std::string ctrl_prefix(unsigned n) {
    if (n == 0) return "";
    return n == 1 ? "ctrl @ " : "ctrl(" + std::to_string(n) + ") @ ";
  }

  // The statements of one operation, without conditions.
  std::vector<std::string> statements(const Operation& op) const {
    switch (op.kind) {
      case OpKind::Gate: {
        if (op.num_controls > 0 && (op.gate == G::U3 || op.gate == G::U2)) {
          // ctrl(n) @ u3(t, p, l) == ctrl(n-1) @ cu(t, p, l, 0), exactly.
          std::vector<Expr> p = op.gate == G::U3
                                    ? std::vector<Expr>{op.params[0], op.params[1], op.params[2], 0.0}
                                    : std::vector<Expr>{M_PI / 2, op.params[0], op.params[1], 0.0};
          return {ctrl_prefix(op.num_controls - 1u) + "cu" + params(p) + " " + qubit_list(op.qubits)};
        }
        return {ctrl_prefix(op.num_controls) + std::string(gate_info(op.gate).name) +
                params(op.params) + " " + qubit_list(op.qubits)};
      }
      case OpKind::Measure: {
        const Register* qr = c_.physical_qubits ? nullptr : whole(qregs_, op.qubits);
        const Register* cr = whole(cregs_, op.clbits);
        if (qr && cr && qr->is_array && cr->is_array && op.qubits.size() > 1)
          return {cr->name + " = measure " + qr->name};
        std::vector<std::string> out;
        for (std::size_t i = 0; i < op.qubits.size(); ++i)
          out.push_back(clbit(op.clbits.at(i)) + " = measure " + qubit(op.qubits[i]));
        return out;
      }
      case OpKind::Reset: {
        std::vector<std::string> out;
        for (uint32_t q : op.qubits) out.push_back("reset " + qubit(q));
        return out;
      }
      case OpKind::Barrier:
        return {op.qubits.empty() ? std::string("barrier") : "barrier " + qubit_list(op.qubits)};
      case OpKind::Delay: {
        if (op.params.size() != 1 || !op.params[0].is_const())
          throw std::invalid_argument("the duration of a delay must be a number");
        std::string d = "delay[" + format_decimal(op.params[0].value()) + op.delay_unit + "]";
        return {op.qubits.empty() ? d : d + " " + qubit_list(op.qubits)};
      }
      case OpKind::Assign: {
        const ClassicalData& d = *op.classical;
        std::string target;
        if (d.var != ClassicalData::kNoVar) {
          target = c_.vars.at(d.var).name;
        } else if (const Register* r = whole(cregs_, op.clbits)) {
          target = r->name;
        } else if (op.clbits.size() == 1) {
          target = clbit(op.clbits[0]);
        } else {
          const Register& r = register_of(op.clbits[0]);
          for (uint32_t b : op.clbits)
            if (&register_of(b) != &r) throw std::invalid_argument("the assigned bits are in several registers");
          target = bit_selection(r, op.clbits);
        }
        return {target + " = " + expr(d.value)};
      }
      case OpKind::RuntimeGate: {
        std::string ps = "(";
        for (std::size_t i = 0; i < op.classical->cparams.size(); ++i)
          ps += (i ? ", " : "") + expr(op.classical->cparams[i]);
        return {ctrl_prefix(op.num_controls) + std::string(gate_info(op.gate).name) + ps + ") " + qubit_list(op.qubits)};
      }
      case OpKind::Break: return {"break"};
      case OpKind::Continue: return {"continue"};
      case OpKind::End: return {"end"};
      default: break;
    }
    throw std::logic_error("emit_qasm3: unknown operation kind");
  }

  static bool same_conditions(const Operation& a, const Operation& b) {
    if (a.conditions.size() != b.conditions.size()) return false;
    for (std::size_t i = 0; i < a.conditions.size(); ++i) {
      const Condition& x = a.conditions[i];
      const Condition& y = b.conditions[i];
      if (x.clbits != y.clbits || x.value != y.value || x.equal != y.equal) return false;
    }
    return true;
  }

  /// A run-time expression with clbits named by their registers.
  std::string expr(const CExpr& e) const {
    return emit_detail::cexpr_text(
        e,
        [&](const std::vector<uint32_t>& bits) {
          if (const Register* r = whole(cregs_, bits)) return r->name;
          if (bits.size() == 1) return clbit(bits[0]);
          const Register& r = register_of(bits[0]);
          for (uint32_t b : bits)
            if (&register_of(b) != &r) throw std::invalid_argument("an expression reads bits of several registers");
          return bit_selection(r, bits);
        },
        [&](uint32_t v) { return c_.vars.at(v).name; });
  }

  /// An if, while, for or switch with its blocks, each line indented by `pad`.
  void write_control_flow(std::ostringstream& out, const Operation& op, const std::string& pad) const {
    const ClassicalData& d = *op.classical;
    std::string head;
    try {
      switch (op.kind) {
        case OpKind::If: head = "if (" + expr(d.value) + ")"; break;
        case OpKind::While: head = "while (" + expr(d.value) + ")"; break;
        case OpKind::Switch: head = "switch (" + expr(d.value) + ")"; break;
        case OpKind::For: {
          const ClassicalVar& v = c_.vars.at(d.var);
          head = "for " + type_name(v.type) + " " + v.name + " in ";
          if (d.start) {
            const bool unit = d.step.node().op == COp::Const && d.step.node().value.as_int() == 1 &&
                              d.step.node().value.type == v.type;
            head += "[" + expr(d.start) + ":" + (unit ? "" : expr(d.step) + ":") + expr(d.stop) + "]";
          } else {
            head += "{";
            for (std::size_t i = 0; i < d.set.size(); ++i) head += (i ? ", " : "") + expr(d.set[i]);
            head += "}";
          }
          break;
        }
        default: break;
      }
    } catch (const std::invalid_argument& e) {
      throw error_at(op, std::string("cannot write '") + op_name(op) + "' in OpenQASM 3: " + e.what());
    }
    out << pad << head << " {\n";
    const std::string inner = pad + "  ";
    if (op.kind == OpKind::Switch) {
      for (std::size_t b = 0; b < op.blocks.size(); ++b) {
        const auto& labels = d.cases.at(b);
        std::string label = labels.empty() ? "default" : "case ";
        for (std::size_t k = 0; k < labels.size(); ++k) label += (k ? ", " : "") + std::to_string(labels[k]);
        out << inner << label << " {\n";
        write_body(out, op.blocks[b], inner + "  ");
        out << inner << "}\n";
      }
    } else {
      write_body(out, op.blocks.at(0), inner);
      if (op.kind == OpKind::If && op.blocks.size() > 1) {
        out << pad << "} else {\n";
        write_body(out, op.blocks[1], inner);
      }
    }
    out << pad << "}\n";
  }

  void write_body(std::ostringstream& out, const std::vector<Operation>& ops, const std::string& pad) const {
    for (std::size_t i = 0; i < ops.size();) {
      if (ops[i].is_control_flow()) {
        write_control_flow(out, ops[i], pad);
        ++i;
        continue;
      }
      std::size_t j = i + 1;
      if (!ops[i].conditions.empty())
        while (j < ops.size() && same_conditions(ops[i], ops[j])) ++j;
      std::vector<std::string> stmts;
      std::string prefix;
      // What this text cannot say is an error at the operation's source.
      std::size_t at = i;
      try {
        for (std::size_t k = i; k < j; ++k) {
          at = k;
          for (auto& s : statements(ops[k])) stmts.push_back(std::move(s));
        }
        at = i;
        for (const Condition& cond : ops[i].conditions) prefix += "if (" + condition(cond) + ") ";
      } catch (const std::invalid_argument& e) {
        throw error_at(ops[at], std::string("cannot write '") + op_name(ops[at]) + "' in OpenQASM 3: " + e.what());
      }
      if (prefix.empty()) {
        for (const auto& s : stmts) out << pad << s << ";\n";
      } else if (stmts.size() == 1) {
        out << pad << prefix << stmts[0] << ";\n";
      } else {
        out << pad << prefix << "{\n";
        for (const auto& s : stmts) out << pad << "  " << s << ";\n";
        out << pad << "}\n";
      }
      i = j;
    }
  }

  // The global phase the reader computes: `gphase(g)` first (skipped when
  // g is 0), then -(phi + lambda)/2 per unconditioned u2/u3 line, in order,
  // each built the way the reader builds it. (A phase inside an `if` is a
  // phase of that branch only, and the reader does not record it.)
  Expr phase_read_back(const Expr& g) const {
    Expr r(0.0);
    if (!(g.is_const() && g.value() == 0)) r = r + g;
    for (const Operation& op : c_.ops) {
      if (!op.is_gate() || op.num_controls > 0 || !op.conditions.empty()) continue;
      if (op.gate != G::U3 && op.gate != G::U2) continue;
      const Expr& phi = op.params[op.gate == G::U3 ? 1 : 0];
      const Expr& lambda = op.params[op.gate == G::U3 ? 2 : 1];
      const Expr ph = -(phi + lambda) * Expr(0.5);
      if (!(ph.is_const() && ph.value() == 0)) r = r + ph;
    }
    return r;
  }

  // `gphase(...)` statements such that reading the program back gives the
  // IR's global phase bit for bit: the symbolic part of the phase minus what
  // the u2/u3 lines add, before the first operation, and a constant after
  // the last, chosen so that the reader's sum rounds to the IR's constant.
  void plan_global_phase() {
    const Expr& want = c_.global_phase;
    if (phase_read_back(Expr(0.0)).same_as(want)) return;
    Expr g = want - phase_read_back(Expr(0.0));
    g = g - Expr(g.constant_term());
    if (!(g.is_const() && g.value() == 0)) first_phase_ = g.to_qasm(names_);
    const Expr r = phase_read_back(g);
    if (r.same_as(want)) return;
    const double k0 = want.constant_term() - r.constant_term();
    double lo = k0, hi = k0, k = k0;
    for (int step = 0; step < 16 && !(r + Expr(k)).same_as(want); ++step) {
      lo = std::nextafter(lo, -INFINITY);
      hi = std::nextafter(hi, INFINITY);
      k = (r + Expr(lo)).same_as(want) ? lo : hi;
    }
    if (!(r + Expr(k)).same_as(want)) k = k0;  // unreachable by rounding: the nearest
    if (k != 0) last_phase_ = format_number(k);
  }

  const Circuit& c_;
  const EmitOptions& opt_;
  std::vector<std::string> names_;
  std::string first_phase_, last_phase_;  ///< gphase arguments, see plan_global_phase
  std::vector<Register> qregs_, cregs_;
};

}  // namespace

std::string emit_qasm3(const Circuit& c, const EmitOptions& opt) {
  return Qasm3Writer(c, opt).run();
}

}  // namespace qforge
