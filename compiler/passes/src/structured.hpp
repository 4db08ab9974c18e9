// Passes on circuits with run-time classical logic (internal to the passes).
//
// Every pass factory wraps its pass with around_classical(). On a circuit
// without classical operations (Operation::is_classical) the wrapper runs
// the pass unchanged. Otherwise the pass runs on each stretch of quantum
// operations between two classical ones (an assignment, a RuntimeGate, a
// control-flow operation, break, continue, end), as a circuit of its own
// over the same qubits and clbits, and recursively on the stretches inside
// every block of every control-flow operation, whose qubits and clbits are
// then recomputed (make_control_flow). So no gate moves across, cancels
// through or merges over a classical operation, nothing reads a
// RuntimeGate's run-time parameters as gate parameters, and the gates
// inside blocks are optimised (and translated to the target's basis) like
// the others.
//
// Global phase: a stretch at the top level adds its phase change to the
// circuit's. A stretch inside a block drops it: the block runs in a branch
// chosen by classical values (measured bits and what is computed from
// them), and a phase on one classical branch of a shot is not observable.
#pragma once

#include "qforge/pass.hpp"

#include <memory>

namespace qforge {

std::unique_ptr<Pass> around_classical(std::unique_ptr<Pass> pass);

}  // namespace qforge
