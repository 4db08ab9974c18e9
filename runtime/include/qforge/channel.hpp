// qforge/channel.hpp - noise on the one engine: quantum channels as Kraus
// sets and a circuit with the channels that act while it runs.
//
// The noise library (noise/) builds a NoisyCircuit from a device model; the
// runtime executes it (density matrix or trajectories, see noisy.hpp).
#pragma once

#include "qforge/circuit.hpp"

#include <complex>
#include <string>
#include <vector>

namespace qforge::sim {

/// A completely positive, trace-preserving map on one or two qubits:
/// rho -> sum_k K_k rho K_k^dag. Each Kraus operator is 2^k x 2^k,
/// row-major, with qubits[0] the most significant bit of the matrix index
/// (as GateOp::targets).
struct Channel {
  std::vector<unsigned> qubits;
  std::vector<std::vector<std::complex<double>>> kraus;
  std::string label;  ///< what it models, e.g. "cz $3,$4" or "idle $5 (120 ns)"
};

/// Readout error of one qubit: the probabilities of reading 1 after
/// preparing 0 and of reading 0 after preparing 1.
struct ReadoutError {
  double p1_given_0 = 0;
  double p0_given_1 = 0;
};

/// A circuit on qubits 0 .. n-1 and its noise: after[i] lists the channels
/// that act, in order, right after circuit.ops[i] (after.size() ==
/// circuit.ops.size()); readout[q] is qubit q's readout error (empty: ideal
/// readout). physical[q] is the device qubit that circuit qubit q stands for
/// (empty: the identity), for messages and output labels.
struct NoisyCircuit {
  Circuit circuit;
  std::vector<std::vector<Channel>> after;
  std::vector<ReadoutError> readout;
  std::vector<unsigned> physical;
};

/// max |sum_k K_k^dag K_k - I| over the entries: 0 for an exact channel.
double completeness_error(const Channel& channel);

}  // namespace qforge::sim
