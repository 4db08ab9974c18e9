// Helpers for building IR by hand in the emitter, stats and drawing tests.
#pragma once

#include "qforge/circuit.hpp"

#include <string>
#include <vector>

namespace qforge::test_emit {

inline Operation gate(GateId id, std::vector<uint32_t> qubits, std::vector<Expr> params = {},
                      uint8_t extra_controls = 0, uint32_t line = 0) {
  Operation op;
  op.gate = id;
  op.qubits = std::move(qubits);
  op.params = std::move(params);
  op.num_controls = extra_controls;
  op.loc.line = line;
  return op;
}

inline Operation measure(uint32_t q, uint32_t c, uint32_t line = 0) {
  Operation op = make_measure({q}, {c});
  op.loc.line = line;
  return op;
}

inline Operation other(OpKind kind, std::vector<uint32_t> qubits) {
  Operation op;
  op.kind = kind;
  op.qubits = std::move(qubits);
  return op;
}

inline Operation delay(double duration, std::string unit, std::vector<uint32_t> qubits) {
  Operation op = other(OpKind::Delay, std::move(qubits));
  op.params = {duration};
  op.delay_unit = std::move(unit);
  return op;
}

/// `op` under `if (bits == value)` (appended to its conditions).
inline Operation when(Operation op, std::vector<uint32_t> bits, uint64_t value, bool equal = true) {
  Condition c;
  c.clbits = std::move(bits);
  c.value = value;
  c.equal = equal;
  op.conditions.push_back(c);
  return op;
}

inline Register reg(std::string name, uint32_t first, uint32_t size, bool is_array = true) {
  Register r;
  r.name = std::move(name);
  r.first = first;
  r.size = size;
  r.is_array = is_array;
  return r;
}

inline InputDecl input(std::string name, uint32_t first_symbol, std::vector<uint32_t> shape = {},
                       std::string type = "float[64]") {
  InputDecl d;
  d.name = std::move(name);
  d.type = std::move(type);
  d.shape = std::move(shape);
  d.first_symbol = first_symbol;
  return d;
}

inline Circuit circuit(uint32_t qubits, uint32_t clbits, std::vector<Operation> ops) {
  Circuit c;
  c.num_qubits = qubits;
  c.num_clbits = clbits;
  c.ops = std::move(ops);
  return c;
}

}  // namespace qforge::test_emit
