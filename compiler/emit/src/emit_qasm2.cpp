//===- emit_qasm2.cpp - The IR as OpenQASM 2.0 text ------------------------===//
//
// Writes OpenQASM 2.0 in the form Qiskit's exporter does (`cx q[0],q[1];`):
//   1. header and `include "qelib1.inc";` (Qiskit's qelib1.inc, whose gate set
//      its loader also accepts as built-in);
//   2. one-line `gate` definitions for the used table gates qelib1.inc lacks
//      (ecr, ryy, rzx, ccz), exact up to global phase;
//   3. `qreg`/`creg` declarations (a non-array register becomes size 1);
//   4. one statement per operation. Extra controls fold into a gate of the
//      same matrix when qelib1.inc (or a definition above) has one: ctrl @ x
//      is cx, ctrl(3) @ x is c3x, ctrl @ u2(p, l) is cu3(pi/2, p, l).
// Anything 2.0 cannot say is an error naming the operation (std::runtime_error):
// symbolic parameters, conditions other than `whole register == value`,
// nested conditions, delays, other extra controls. The global phase is
// dropped: without modifiers it is unobservable.
//
//===----------------------------------------------------------------------===//
#include "qforge/definitions.hpp"
#include "qforge/emit.hpp"

#include "emit_text.hpp"
#include "qforge/stats.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <set>
#include <stdexcept>

namespace qforge {
namespace {

using G = GateId;

const emit_detail::DefinitionStyle kStyle{"param", "q", ",", false, false};

bool is_identifier(const std::string& s) {
  if (s.empty() || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  for (char ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_') return false;
  return true;
}

/// Appends `n` in decimal.
void append_uint(std::string& out, uint64_t n) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, n).ptr);
}

class Qasm2Writer {
 public:
  explicit Qasm2Writer(const Circuit& c)
      : c_(c), qregs_(wire_registers(c, true)), cregs_(wire_registers(c, false)),
        names_(c.symbol_names()), qwires_(wires(qregs_)), cwires_(wires(cregs_)) {}

  std::string run() {
    // Write every statement first, so that the definitions needed are known.
    std::string body;
    body.reserve(24 * c_.ops.size());
    std::set<GateId> defined;
    for (std::size_t i = 0; i < c_.ops.size(); ++i) statements(i, body, defined);

    std::string out = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\n";
    for (const GateDefinition* d : definitions_for(defined, GateLibrary::Qelib1))
      out += emit_detail::definition_text(*d, kStyle) + "\n";
    for (const Register& r : qregs_) declare(out, "qreg ", r);
    for (const Register& r : cregs_) declare(out, "creg ", r);
    out.reserve(out.size() + body.size());
    out += body;
    return out;
  }

 private:
  static const std::string& checked(const std::string& name) {
    if (!is_identifier(name))
      throw std::runtime_error("emit_qasm2: register name '" + name +
                               "' is not an OpenQASM 2.0 identifier");
    return name;
  }

  static void declare(std::string& out, const char* keyword, const Register& r) {
    out += keyword;
    out += checked(r.name);
    out += '[';
    append_uint(out, r.size);
    out += "];\n";
  }

  /// The register of each wire: the first of `regs` that holds it.
  static std::vector<const Register*> wires(const std::vector<Register>& regs) {
    std::vector<const Register*> out;
    for (auto r = regs.rbegin(); r != regs.rend(); ++r) {
      if (r->size == 0) continue;
      if (out.size() < r->first + r->size) out.resize(r->first + r->size, nullptr);
      for (uint32_t i = 0; i < r->size; ++i) out[r->first + i] = &*r;
    }
    return out;
  }

  /// Every operation OpenQASM 2.0 cannot express is an error at its source:
  /// "cannot write 'rz' in OpenQASM 2.0: <why>".
  [[noreturn]] void fail(std::size_t index, const std::string& why) const {
    const Operation& op = c_.ops[index];
    std::string what = op_name(op);
    if (op.num_controls == 1) what = "ctrl @ " + what;
    if (op.num_controls > 1) what = "ctrl(" + std::to_string(op.num_controls) + ") @ " + what;
    throw error_at(op, "cannot write '" + what + "' in OpenQASM 2.0: " + why);
  }

  /// Appends wire `i` as `name[k]`.
  static void ref(std::string& out, const std::vector<const Register*>& wires, uint32_t i) {
    const Register* r = i < wires.size() ? wires[i] : nullptr;
    if (!r) throw std::logic_error("emit_qasm2: wire " + std::to_string(i) + " has no register");
    out += r->name;
    out += '[';
    append_uint(out, i - r->first);
    out += ']';
  }
  static std::string ref(const std::vector<const Register*>& wires, uint32_t i) {
    std::string s;
    ref(s, wires, i);
    return s;
  }

  static const Register* whole(const std::vector<Register>& regs, const std::vector<uint32_t>& bits) {
    return emit_detail::whole_register(regs, bits);
  }

  void qubit_list(std::string& out, const std::vector<uint32_t>& qs) const {
    for (std::size_t i = 0; i < qs.size(); ++i) {
      if (i) out += ',';
      ref(out, qwires_, qs[i]);
    }
  }

  void number(std::string& out, std::size_t index, const Expr& e) const {
    if (!e.is_const()) {
      std::vector<uint32_t> syms;
      e.collect_symbols(syms);
      fail(index, "its parameter '" + e.to_qasm(names_) + "' depends on input '" + names_.at(syms.at(0)) +
                      "', which has no value; bind it with --set");
    }
    double v = e.value();
    if (!std::isfinite(v)) fail(index, "parameter is not a finite number");
    std::string s = format_number(v);
    // OpenQASM 2.0 reals need a decimal point before an exponent.
    auto epos = s.find('e');
    if (epos != std::string::npos && s.find('.') == std::string::npos) s.insert(epos, ".0");
    out += s;
  }

  void params(std::string& out, std::size_t index, const std::vector<Expr>& ps) const {
    if (ps.empty()) return;
    out += '(';
    for (std::size_t i = 0; i < ps.size(); ++i) {
      if (i) out += ',';
      number(out, index, ps[i]);
    }
    out += ')';
  }

  std::string condition_prefix(std::size_t index) const {
    const Operation& op = c_.ops[index];
    if (op.conditions.empty()) return "";
    if (op.conditions.size() > 1) fail(index, "conditions cannot be nested");
    const Condition& cond = op.conditions[0];
    if (!cond.equal) fail(index, "conditions can only test equality (==)");
    const Register* r = whole(cregs_, cond.clbits);
    if (!r) {
      std::string bits;
      for (std::size_t i = 0; i < cond.clbits.size(); ++i)
        bits += (i ? ", " : "") + ref(cwires_, cond.clbits[i]);
      fail(index, "a condition can only test a whole classical register; "
                  "this condition tests " + bits);
    }
    return "if (" + r->name + " == " + std::to_string(cond.value) + ") ";
  }

  // The gate statement of op, extra controls folded into a named gate.
  void gate_statement(std::string& out, std::size_t index, std::set<GateId>& defined) const {
    const Operation& op = c_.ops[index];
    std::string name(gate_info(op.gate).name);
    const std::vector<Expr>* ps = &op.params;
    std::vector<Expr> cu3;
    if (op.num_controls > 0) {
      name = gate_count_name(op);
      if (op.gate == G::U2 && op.num_controls == 1) {
        name = "cu3";
        cu3 = {M_PI / 2, op.params[0], op.params[1]};
        ps = &cu3;
      }
      if (name == "c3sx") name = "c3sqrtx";
      auto folded = gate_by_name(name);
      const bool known = find_library_gate(GateLibrary::Qelib1, name) || (folded && gate_definition(*folded));
      if (!known)
        fail(index, "there is no control modifier, and qelib1.inc has no gate '" + name +
                        "' to express it");
    }
    if (auto g = gate_by_name(name)) defined.insert(*g);
    out += name;
    params(out, index, *ps);
    out += ' ';
    qubit_list(out, op.qubits);
    out += ";\n";
  }

  void statements(std::size_t index, std::string& out, std::set<GateId>& defined) const {
    const Operation& op = c_.ops[index];
    const std::string prefix = condition_prefix(index);
    switch (op.kind) {
      case OpKind::Gate:
        out += prefix;
        gate_statement(out, index, defined);
        return;
      case OpKind::Measure: {
        const Register* qr = whole(qregs_, op.qubits);
        const Register* cr = whole(cregs_, op.clbits);
        if (qr && cr && op.qubits.size() > 1) {
          out += prefix + "measure " + qr->name + " -> " + cr->name + ";\n";
          return;
        }
        for (std::size_t i = 0; i < op.qubits.size(); ++i) {
          out += prefix + "measure ";
          ref(out, qwires_, op.qubits[i]);
          out += " -> ";
          ref(out, cwires_, op.clbits.at(i));
          out += ";\n";
        }
        return;
      }
      case OpKind::Reset:
        for (uint32_t q : op.qubits) {
          out += prefix + "reset ";
          ref(out, qwires_, q);
          out += ";\n";
        }
        return;
      case OpKind::Barrier: {
        std::vector<uint32_t> all = op.qubits;
        if (all.empty())
          for (uint32_t q = 0; q < c_.num_qubits; ++q) all.push_back(q);
        if (all.empty()) return;
        out += prefix + "barrier ";
        qubit_list(out, all);
        out += ";\n";
        return;
      }
      case OpKind::Delay: fail(index, "there is no delay");
      // Run-time classical logic: emit_qasm2 refuses it before the writer runs.
      case OpKind::Assign: case OpKind::RuntimeGate: case OpKind::If: case OpKind::While: case OpKind::For:
      case OpKind::Switch: case OpKind::Break: case OpKind::Continue: case OpKind::End:
        fail(index, "cannot write '" + op_name(op) + "' in OpenQASM 2.0");
    }
  }

  const Circuit& c_;
  std::vector<Register> qregs_, cregs_;
  std::vector<std::string> names_;
  std::vector<const Register*> qwires_, cwires_;  ///< the register of each wire
};

}  // namespace

std::string emit_qasm2(const Circuit& c) {
  // OpenQASM 2.0 has no run-time classical logic: name the first such construct.
  for (const Operation& op : c.ops)
    if (op.is_classical())
      throw error_at(op, "cannot write '" + op_name(op) + "' in OpenQASM 2.0: run-time classical logic needs OpenQASM 3");
  return Qasm2Writer(c).run();
}

}  // namespace qforge
