// qforge/circuit.hpp - the gate IR: a flat list of operations on qubit and
// clbit indices, with symbolic parameters over the circuit's `input` scalars.
//
// Invariants (checked by `verify`):
//  - every gate is a table gate (gates.hpp): definitions are inlined and
//    modifiers resolved by the front end;
//  - qubits[0 .. num_controls) are extra |1>-controls added by `ctrl @`
//    beyond the table gate's own (negctrl is lowered to X conjugation), and
//    the rest are the table gate's arguments in order;
//  - all qubits of one operation are distinct and < Circuit::num_qubits;
//  - parameters: exactly gate_info(gate).num_params expressions;
//  - a conditioned operation runs only when every condition holds;
//  - run-time classical logic (classical.hpp) is structured: an If, While,
//    For or Switch operation holds its blocks of operations; Break and
//    Continue appear only inside a While or For body. A control-flow
//    operation's `qubits` and `clbits` list every qubit and clbit its blocks
//    use (sorted), so a pass that does not look inside treats it as one
//    opaque operation on them, like a barrier. A plain `if (bits == value)`
//    with gates, measurements or resets in its body stays as `conditions`
//    on those operations.
#pragma once

#include "qforge/classical.hpp"
#include "qforge/diagnostics.hpp"
#include "qforge/expr.hpp"
#include "qforge/gates.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace qforge {

enum class OpKind : uint8_t {
  Gate, Measure, Reset, Barrier, Delay,
  Assign,       ///< classical: vars[var] or `clbits` <- value
  RuntimeGate,  ///< `gate` with parameters computed at run time (cparams)
  If,           ///< blocks[0] when `value` (bool) holds, else blocks[1] if present
  While,        ///< blocks[0] while `value` (bool) holds
  For,          ///< blocks[0] with vars[var] over `range` or `set`
  Switch,       ///< the block whose `cases` hold `value` (an integer), or the default
  Break, Continue,
  End,          ///< ends the shot: the rest of the program does not run
};

/// The classical part of an Assign, RuntimeGate or control-flow operation.
struct ClassicalData {
  static constexpr uint32_t kNoVar = UINT32_MAX;
  uint32_t var = kNoVar;               ///< Assign: target variable (else the
                                       ///< operation's clbits are the target);
                                       ///< For: the loop variable
  CExpr value;                         ///< Assign: the value; If/While: the
                                       ///< condition; Switch: the target
  CExpr start, step, stop;             ///< For over a range (stop inclusive,
                                       ///< as OpenQASM ranges)
  std::vector<CExpr> set;              ///< For over `{a, b, ...}` (range unused)
  std::vector<CExpr> cparams;          ///< RuntimeGate: the gate's parameters
  std::vector<std::vector<int64_t>> cases;  ///< Switch: the values selecting
                                       ///< blocks[i]; an empty list marks the
                                       ///< default block (the last one)
};

/// `if (bits == value)`: the classical bits `clbits` (clbits[0] is the least
/// significant) read as an unsigned integer equal (or, with `equal` false,
/// not equal) to `value`.
struct Condition {
  std::vector<uint32_t> clbits;
  uint64_t value = 0;
  bool equal = true;
};

struct Operation {
  OpKind kind = OpKind::Gate;
  GateId gate = GateId::I;            ///< for Gate
  uint8_t num_controls = 0;           ///< extra controls in front of qubits
  std::vector<uint32_t> qubits;       ///< controls, then the gate's qubits;
                                      ///< for Measure/Reset/Barrier/Delay: the
                                      ///< qubits it acts on
  std::vector<Expr> params;           ///< gate parameters; Delay: duration
  std::vector<uint32_t> clbits;       ///< Measure: qubits[i] -> clbits[i]
  std::vector<Condition> conditions;  ///< all must hold (nested ifs)
  std::string delay_unit;             ///< Delay: "ns", "dt", ... of params[0]
  std::shared_ptr<const ClassicalData> classical;  ///< Assign, RuntimeGate,
                                      ///< If, While, For, Switch
  std::vector<std::vector<Operation>> blocks;  ///< If, While, For, Switch
  SourceLoc loc;                      ///< where the program wrote it: the
                                      ///< statement (for an inlined gate or
                                      ///< subroutine, its call); passes keep
                                      ///< the location of what they rewrite

  bool is_gate() const { return kind == OpKind::Gate; }
  /// If, While, For or Switch: an operation holding blocks.
  bool is_control_flow() const;
  /// Anything reading or writing run-time classical values beyond
  /// measurement and conditions: Assign, RuntimeGate, control flow, Break,
  /// Continue, End.
  bool is_classical() const { return kind >= OpKind::Assign; }
  /// Number of qubits the gate acts on including extra controls.
  std::size_t arity() const { return qubits.size(); }
};

/// One `input` declaration: a float/angle/int scalar or an array of them.
/// Its scalars are symbols first_symbol .. first_symbol + size() - 1, in
/// row-major order.
struct InputDecl {
  std::string name;
  std::string type;              ///< as written: "float[64]", "angle", ...
  std::vector<uint32_t> shape;   ///< empty for a scalar
  uint32_t first_symbol = 0;
  uint32_t size() const;
};

/// A named register as declared, for emitters and drawing: qubits
/// first .. first + size - 1 (or clbits for classical registers).
struct Register {
  std::string name;
  uint32_t first = 0;
  uint32_t size = 0;
  bool is_array = true;          ///< `qubit[2] q` vs `qubit q`
  bool output = false;           ///< an `output bit[n]` register
};

struct Circuit {
  uint32_t num_qubits = 0;
  uint32_t num_clbits = 0;
  std::vector<Register> qregs, cregs;
  bool physical_qubits = false;  ///< written with `$n` qubits
  std::vector<InputDecl> inputs;
  std::vector<ClassicalVar> vars;  ///< run-time variables (classical.hpp)
  std::vector<Operation> ops;
  Expr global_phase;             ///< exp(i * global_phase) multiplies the state
  int source_version = 3;        ///< 2 or 3: the OpenQASM version read

  uint32_t num_symbols() const;
  /// "theta" or "x[2]" for each symbol index.
  std::vector<std::string> symbol_names() const;
  /// Symbol index of a name as printed by symbol_names(), or -1.
  int64_t find_symbol(const std::string& name) const;
  /// Substitute values for symbols (NaN: stays symbolic). Inputs whose
  /// scalars all get values are removed from `inputs`, and remaining
  /// symbols are renumbered.
  Circuit bind(const std::vector<double>& values) const;
  /// Check the invariants above; an empty string when they hold, else what
  /// is wrong (an internal error: the front end never produces such IR).
  std::string verify() const;
};

/// A gate on `qubits` (no extra controls, no conditions): how passes and
/// tests build operations.
Operation make_gate(GateId gate, std::vector<uint32_t> qubits, std::vector<Expr> params = {});

/// `measure qubits[i] -> clbits[i]`.
Operation make_measure(std::vector<uint32_t> qubits, std::vector<uint32_t> clbits);

/// A control-flow operation of `kind` with `data` and `blocks`, its qubits
/// and clbits set to everything the blocks (and data's expressions and
/// assignment targets) use, sorted.
Operation make_control_flow(OpKind kind, ClassicalData data, std::vector<std::vector<Operation>> blocks);

/// True when the circuit has any operation with is_classical().
bool has_classical(const Circuit& c);

/// Call f(op) on every operation, recursing into blocks (a block's
/// operations after the operation holding it).
void for_each_operation(const std::vector<Operation>& ops, const std::function<void(const Operation&)>& f);

/// Give every operation without a source location (made by a rewrite, e.g.
/// the cx of a routing SWAP or a resynthesised region) the location of the
/// operation it serves: the next one on any of its qubits that has one, else
/// the previous one. Pass::apply calls this after every pass.
void fill_missing_locations(Circuit& c);

/// "rz" for a gate (and a RuntimeGate), "measure", "reset", "barrier",
/// "delay", "assignment", "if", "while", "for", "switch", "break",
/// "continue", "end" otherwise: how
/// messages name an operation.
std::string op_name(const Operation& op);

/// A LocatedError at `op`'s source location, its message prefixed by
/// nothing: callers say what is wrong in a sentence that names the
/// operation when that helps ("rz has a symbolic parameter ...").
LocatedError error_at(const Operation& op, const std::string& message);

/// The Pauli axis a gate operation is diagonal in on its k-th qubit: Z for an
/// extra control, else the table's gate_axis. For commutation: two gates
/// commute when on every shared qubit both have the same axis.
PauliAxis operation_axis(const Operation& op, std::size_t k);

/// A gate that stands in for (part of) `original` in a rewrite: on `qubits`,
/// under the same conditions, at the same source location.
Operation replacement(const Operation& original, GateId gate, std::vector<uint32_t> qubits,
                      std::vector<Expr> params = {});

/// The full matrix of one gate operation including its extra controls
/// (qubits in operation order, first most significant: the gate-matrix
/// convention of gates.hpp), parameters evaluated with `symbol_values`
/// (indexed by symbol). Throws std::invalid_argument for a non-gate or a
/// symbol without a value.
std::vector<cplx> operation_matrix(const Operation& op, const std::vector<double>& symbol_values = {});

}  // namespace qforge
