// qforge/classical_reads.hpp - what an operation's run-time expressions
// read, for the stages that order or draw operations by the clbits they use.
#pragma once

#include "qforge/circuit.hpp"

#include <cstdint>
#include <vector>

namespace qforge {

/// Append the clbits and variables `op`'s run-time expressions read (the
/// value, range, set and RuntimeGate parameters of its classical data; not
/// its conditions, its clbits or its blocks).
void collect_classical_reads(const Operation& op, std::vector<uint32_t>& clbits, std::vector<uint32_t>& vars);

}  // namespace qforge
