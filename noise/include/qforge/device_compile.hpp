// qforge/device_compile.hpp - compiling for the device a noise model
// describes: its basis, its healthy coupling map and gate directions, a
// noise-aware placement, and the predicted fidelity of the result.
//
// Healthy part (device_target). The two-qubit basis gate is the model's ecr
// or cz (with rz, sx, x). A qubit is usable when its rz, sx and x are
// calibrated and not faulty; a coupler when the two-qubit gate is calibrated
// and not faulty on it (in at least one direction) and both its qubits are
// usable. The target is the largest connected set of usable qubits joined by
// usable couplers (ties: the one with the lowest qubit), numbered compactly;
// faulty couplers, faulty gates and qubits outside that set are never used.
// The gate directions are the calibrated ones (ecr is often one-way).
//
// Predicted fidelity (predicted_fidelity) of a circuit on device qubits:
//   F = prod_gates (1 - e_g)                       every gate as placed: its
//                                                  calibrated error (rz: 0)
//     * prod_measurements (1 - (p(1|0) + p(0|1)) / 2)  average readout error
//     * prod_used qubits exp(-T / T1_q) exp(-T / T2_q)  decoherence over the
//                                                  circuit's duration T
// with T the end of the as-soon-as-possible schedule attach_noise uses (gate
// lengths, readout lengths, reset lengths, delays; barriers synchronise their
// qubits). Resets count their calibrated error; an absent T1 or T2 is
// infinite. Used qubits: those a gate, measurement, reset or delay touches.
//
// Placement (compile_for_device). The circuit is compiled and routed on the
// healthy map by run_pipeline (SABRE; a directed gate is left in either
// direction for now). Then every placement of the routed circuit's qubits
// onto the device that keeps each two-qubit gate on a usable coupler is a
// candidate: the qubits with two-qubit gates are enumerated by backtracking
// (VF2-style: a fixed order, each qubit next to an already placed neighbour;
// any usable qubits and couplers, not only the routing target's set), pruned
// by the product of the gate and readout factors placed so far (an upper
// bound of F), and each complete placement is scored by F without the qubits
// that have no two-qubit gate. Those are then placed one by one on the free
// usable qubit that maximises F. A cz calibrated one way only has its
// operands exchanged; a directed gate (ecr) placed against its calibrated
// direction is scored with the corrections the gate-direction pass adds (one
// sx before and one after it on each qubit). Ties keep the first placement
// found, so the result is deterministic; the enumeration stops after
// kMaxPlacementSteps search steps (DeviceCompileResult::search_complete).
// Finally the gate-direction pass turns every gate into a calibrated
// direction (from -O1, single-qubit fusion then merges the corrections), and
// the best placement's output replaces the router's placement's output
// (finished the same way) when its F, computed exactly, is higher.
#pragma once

#include "qforge/noise_model.hpp"
#include "qforge/pipeline.hpp"
#include "qforge/target.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace qforge::noise {

/// Search steps (qubit placements tried) before the placement search stops.
constexpr uint64_t kMaxPlacementSteps = 20'000'000;

struct DeviceTarget {
  Target target;                    ///< on compact qubits 0 .. k-1 (see the file comment)
  std::vector<uint32_t> physical;   ///< compact qubit -> device qubit, ascending
  uint32_t device_qubits = 0;       ///< qubits of the device
  std::vector<FaultyGate> faulty;   ///< the model's faulty gates (never used)
};
/// Throws std::invalid_argument when the model's basis has no ecr or cz, or
/// lacks rz, sx or x, or no qubit is usable.
DeviceTarget device_target(const NoiseModel& model);

struct FidelityEstimate {
  double fidelity = 1;     ///< gates * readout * decoherence
  double gates = 1;        ///< prod (1 - gate error)
  double readout = 1;      ///< prod over measurements (1 - average readout error)
  double decoherence = 1;  ///< prod over used qubits exp(-T/T1) exp(-T/T2)
  double duration = 0;     ///< T, seconds
};
/// F of a circuit on device qubits (see the file comment). Throws
/// LocatedError (error_at) for a gate the model has no entry for, as
/// attach_noise does, and for run-time classical logic (an assignment, a
/// RuntimeGate, control flow, end: the score covers one path).
FidelityEstimate predicted_fidelity(const Circuit& device_circuit, const NoiseModel& model);

struct DeviceCompileResult {
  CompileResult compiled;           ///< on device qubits $n; layouts logical -> device qubit
  FidelityEstimate predicted;       ///< of compiled.circuit
  FidelityEstimate router_placement;  ///< of the router's placement, before the search
  uint64_t placements_scored = 0;   ///< complete placements scored by F
  bool search_complete = true;      ///< false: stopped after kMaxPlacementSteps
  double search_seconds = 0;
  std::string device;               ///< the model's backend name
};
/// Compile `c` at -O<level> for the model's device (see the file comment).
/// A circuit with more qubits than the healthy part has throws LocatedError
/// at the first operation on a qubit beyond it (std::invalid_argument when
/// there is none); so does one with run-time classical logic, at its first
/// classical operation.
DeviceCompileResult compile_for_device(const Circuit& c, int level, const NoiseModel& model,
                                       bool check_each_pass = kCheckPassesByDefault);

/// `// qforge-noise device=ibm_fez predicted_fidelity=0.912345 ...`: a line
/// for the top of the output, after the layout comment.
std::string fidelity_comment(const DeviceCompileResult& r);
/// Insert the layout comment (layout_comment, which `qforge equiv` reads) and
/// fidelity_comment after the first line (the version line) of a program.
void write_device_comments(std::string& program_text, const DeviceCompileResult& r);
/// A few lines for stderr: the device, the chosen layout, F and its factors,
/// the router's placement's F and the search's size and time.
std::string fidelity_summary(const DeviceCompileResult& r);

}  // namespace qforge::noise
