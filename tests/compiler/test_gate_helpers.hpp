// The gate builder shared by the equivalence, decision-diagram and path-sum
// tests.
#pragma once

#include "qforge/circuit.hpp"

#include <cstdint>
#include <vector>

namespace qforge::test_gates {

// The IR's make_gate with `controls` extra controls.
inline Operation g(GateId id, std::vector<uint32_t> q, std::vector<Expr> p = {}, uint8_t controls = 0) {
  Operation op = make_gate(id, std::move(q), std::move(p));
  op.num_controls = controls;
  return op;
}

}  // namespace qforge::test_gates
