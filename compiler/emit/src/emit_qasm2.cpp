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
#include <cmath>
#include <set>
#include <sstream>
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

class Qasm2Writer {
 public:
  explicit Qasm2Writer(const Circuit& c)
      : c_(c), qregs_(wire_registers(c, true)), cregs_(wire_registers(c, false)),
        names_(c.symbol_names()) {}

  std::string run() {
    // Resolve every statement first, so that the definitions needed are known.
    std::vector<std::string> body;
    std::set<GateId> defined;
    for (std::size_t i = 0; i < c_.ops.size(); ++i) statements(i, body, defined);

    std::ostringstream out;
    out << "OPENQASM 2.0;\ninclude \"qelib1.inc\";\n";
    for (const GateDefinition* d : definitions_for(defined, GateLibrary::Qelib1))
      out << emit_detail::definition_text(*d, kStyle) << "\n";
    for (const Register& r : qregs_) out << "qreg " << checked(r.name) << "[" << r.size << "];\n";
    for (const Register& r : cregs_) out << "creg " << checked(r.name) << "[" << r.size << "];\n";
    for (const auto& s : body) out << s << "\n";
    return out.str();
  }

 private:
  static const std::string& checked(const std::string& name) {
    if (!is_identifier(name))
      throw std::runtime_error("emit_qasm2: register name '" + name +
                               "' is not an OpenQASM 2.0 identifier");
    return name;
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

  static std::string ref(const std::vector<Register>& regs, uint32_t i) {
    for (const Register& r : regs)
      if (i >= r.first && i < r.first + r.size) return r.name + "[" + std::to_string(i - r.first) + "]";
    throw std::logic_error("emit_qasm2: wire " + std::to_string(i) + " has no register");
  }

  static const Register* whole(const std::vector<Register>& regs, const std::vector<uint32_t>& bits) {
    return emit_detail::whole_register(regs, bits);
  }

  std::string qubit_list(const std::vector<uint32_t>& qs) const {
    std::string s;
    for (std::size_t i = 0; i < qs.size(); ++i) s += (i ? "," : "") + ref(qregs_, qs[i]);
    return s;
  }

  std::string number(std::size_t index, const Expr& e) const {
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
    return s;
  }

  std::string params(std::size_t index, const std::vector<Expr>& ps) const {
    if (ps.empty()) return "";
    std::string s = "(";
    for (std::size_t i = 0; i < ps.size(); ++i) s += (i ? "," : "") + number(index, ps[i]);
    return s + ")";
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
        bits += (i ? ", " : "") + ref(cregs_, cond.clbits[i]);
      fail(index, "a condition can only test a whole classical register; "
                  "this condition tests " + bits);
    }
    return "if (" + r->name + " == " + std::to_string(cond.value) + ") ";
  }

  // The gate statement of op, extra controls folded into a named gate.
  std::string gate_statement(std::size_t index, std::set<GateId>& defined) const {
    const Operation& op = c_.ops[index];
    std::string name(gate_info(op.gate).name);
    std::vector<Expr> ps = op.params;
    if (op.num_controls > 0) {
      name = gate_count_name(op);
      if (op.gate == G::U2 && op.num_controls == 1) {
        name = "cu3";
        ps = {M_PI / 2, op.params[0], op.params[1]};
      }
      if (name == "c3sx") name = "c3sqrtx";
      auto folded = gate_by_name(name);
      const bool known = find_library_gate(GateLibrary::Qelib1, name) || (folded && gate_definition(*folded));
      if (!known)
        fail(index, "there is no control modifier, and qelib1.inc has no gate '" + name +
                        "' to express it");
    }
    if (auto g = gate_by_name(name)) defined.insert(*g);
    return name + params(index, ps) + " " + qubit_list(op.qubits) + ";";
  }

  void statements(std::size_t index, std::vector<std::string>& out, std::set<GateId>& defined) const {
    const Operation& op = c_.ops[index];
    const std::string prefix = condition_prefix(index);
    switch (op.kind) {
      case OpKind::Gate: out.push_back(prefix + gate_statement(index, defined)); return;
      case OpKind::Measure: {
        const Register* qr = whole(qregs_, op.qubits);
        const Register* cr = whole(cregs_, op.clbits);
        if (qr && cr && op.qubits.size() > 1) {
          out.push_back(prefix + "measure " + qr->name + " -> " + cr->name + ";");
          return;
        }
        for (std::size_t i = 0; i < op.qubits.size(); ++i)
          out.push_back(prefix + "measure " + ref(qregs_, op.qubits[i]) + " -> " +
                        ref(cregs_, op.clbits.at(i)) + ";");
        return;
      }
      case OpKind::Reset:
        for (uint32_t q : op.qubits) out.push_back(prefix + "reset " + ref(qregs_, q) + ";");
        return;
      case OpKind::Barrier: {
        std::vector<uint32_t> all = op.qubits;
        if (all.empty())
          for (uint32_t q = 0; q < c_.num_qubits; ++q) all.push_back(q);
        if (!all.empty()) out.push_back(prefix + "barrier " + qubit_list(all) + ";");
        return;
      }
      case OpKind::Delay: fail(index, "there is no delay");
    }
  }

  const Circuit& c_;
  std::vector<Register> qregs_, cregs_;
  std::vector<std::string> names_;
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
