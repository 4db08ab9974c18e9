// Text pieces the emitters share (see emit_text.hpp).
#include "emit_text.hpp"

#include <stdexcept>
#include <vector>

namespace qforge::emit_detail {

std::string input_type(const InputDecl& in) {
  if (in.shape.empty() || in.type.rfind("array[", 0) == 0) return in.type;
  std::string out = "array[" + in.type;
  for (uint32_t d : in.shape) out += ", " + std::to_string(d);
  return out + "]";
}

std::string cexpr_text(const CExpr& e, const std::function<std::string(const std::vector<uint32_t>&)>& bits,
                       const std::function<std::string(uint32_t)>& var) {
  const CExprNode& n = e.node();
  auto arg = [&](std::size_t i) { return cexpr_text(n.args.at(i), bits, var); };
  switch (n.op) {
    case COp::Const: {
      std::string t = n.value.type.kind == CType::Angle ? std::to_string(n.value.u) : n.value.to_qasm();
      return t.rfind('-', 0) == 0 ? "(" + t + ")" : t;
    }
    case COp::Bits: return bits(n.clbits);
    case COp::Var: return var(n.var);
    case COp::Cast: return type_name(n.type) + "(" + arg(0) + ")";
    case COp::Neg: return "-(" + arg(0) + ")";
    case COp::BitNot: return "~(" + arg(0) + ")";
    case COp::LogNot: return "!(" + arg(0) + ")";
    case COp::Sin: return "sin(" + arg(0) + ")";
    case COp::Cos: return "cos(" + arg(0) + ")";
    case COp::Tan: return "tan(" + arg(0) + ")";
    case COp::Arcsin: return "arcsin(" + arg(0) + ")";
    case COp::Arccos: return "arccos(" + arg(0) + ")";
    case COp::Arctan: return "arctan(" + arg(0) + ")";
    case COp::Exp: return "exp(" + arg(0) + ")";
    case COp::Log: return "ln(" + arg(0) + ")";
    case COp::Sqrt: return "sqrt(" + arg(0) + ")";
    case COp::Popcount: return "popcount(" + arg(0) + ")";
    case COp::Rotl: return "rotl(" + arg(0) + ", " + arg(1) + ")";
    case COp::Rotr: return "rotr(" + arg(0) + ", " + arg(1) + ")";
    default: break;
  }
  static const char* const names[] = {"+", "-", "*", "/", "%", "**", "<<", ">>", nullptr, nullptr,
                                      "&", "|", "^", "&&", "||", "==", "!=", "<", "<=", ">", ">="};
  const int k = int(n.op) - int(COp::Add);
  if (k < 0 || k >= int(sizeof names / sizeof names[0]) || !names[k])
    throw std::logic_error("cexpr_text: unknown operator");
  return "(" + arg(0) + " " + names[k] + " " + arg(1) + ")";
}

const Register* whole_register(const std::vector<Register>& regs, const std::vector<uint32_t>& bits) {
  for (const Register& r : regs) {
    if (r.size != bits.size()) continue;
    bool same = true;
    for (uint32_t i = 0; i < r.size; ++i) same = same && bits[i] == r.first + i;
    if (same) return &r;
  }
  return nullptr;
}

std::string definition_text(const GateDefinition& d, const DefinitionStyle& style) {
  const GateInfo& g = gate_info(d.gate);
  std::vector<std::string> params;
  for (int i = 0; i < g.num_params; ++i) params.push_back(style.param_prefix + std::to_string(i));
  const auto list = [&](const std::vector<std::string>& items) {
    std::string s;
    for (std::size_t i = 0; i < items.size(); ++i) s += (i ? style.separator : "") + items[i];
    return s;
  };
  const auto qubits = [&](const std::vector<uint32_t>& qs) {
    std::vector<std::string> names;
    for (uint32_t q : qs) names.push_back(style.qubit_prefix + std::to_string(q));
    return list(names);
  };
  std::vector<uint32_t> own(g.num_qubits);
  for (uint32_t i = 0; i < g.num_qubits; ++i) own[i] = i;
  std::string out = "gate " + std::string(g.name);
  if (!params.empty()) out += "(" + list(params) + ")";
  out += " " + qubits(own) + " {" + (style.multiline ? "\n" : "");
  std::vector<std::string> statements;
  for (const Operation& op : d.body) {
    std::vector<std::string> values;
    for (const Expr& e : op.params) values.push_back(e.to_qasm(params));
    std::string s = std::string(gate_info(op.gate).name);
    if (!values.empty()) s += "(" + list(values) + ")";
    statements.push_back(s + " " + qubits(op.qubits));
  }
  if (!(d.phase.is_const() && d.phase.value() == 0)) {
    if (!style.gphase) throw std::logic_error("definition of " + std::string(g.name) + " needs gphase");
    statements.push_back("gphase(" + d.phase.to_qasm(params) + ")");
  }
  for (const std::string& s : statements) out += style.multiline ? "  " + s + ";\n" : " " + s + ";";
  return out + (style.multiline ? "}\n" : " }");
}

}  // namespace qforge::emit_detail
