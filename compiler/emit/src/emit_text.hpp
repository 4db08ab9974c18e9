// emit_text.hpp - text pieces the emitters share (internal to emit/).
#pragma once

#include "qforge/circuit.hpp"
#include "qforge/definitions.hpp"

#include <functional>
#include <string>
#include <vector>

namespace qforge::emit_detail {

/// The type of an `input` as OpenQASM 3 writes it: InputDecl::type with its
/// shape (`array[float[64], 4]`), or the whole array type as the front end
/// recorded it.
std::string input_type(const InputDecl& in);

/// The register that is exactly `bits` in order, or nullptr.
const Register* whole_register(const std::vector<Register>& regs, const std::vector<uint32_t>& bits);

/// A run-time expression as OpenQASM 3 text: every operator parenthesised,
/// every Cast node written as a cast (`int[8](x)`), constants as their
/// OpenQASM text (an angle as its integer steps, which an angle context
/// reads back as the same steps); `bits` names clbits, `var` variables.
/// The front end reads the text back as the same expression.
std::string cexpr_text(const CExpr& e, const std::function<std::string(const std::vector<uint32_t>&)>& bits,
                       const std::function<std::string(uint32_t)>& var);

/// How a language writes a `gate` definition.
struct DefinitionStyle {
  std::string param_prefix;  ///< parameter i is named param_prefix + i
  std::string qubit_prefix;  ///< qubit i is named qubit_prefix + i
  const char* separator;     ///< between parameters and between qubits
  bool multiline;            ///< one statement a line (OpenQASM 3) or one line
  bool gphase;               ///< the language has gphase (else the phase must be 0)
};

/// `gate name(params) qubits { body }` for the table's definition of a gate.
std::string definition_text(const GateDefinition& d, const DefinitionStyle& style);

}  // namespace qforge::emit_detail
