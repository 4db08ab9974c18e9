// The basic-entangler classifier's 4-qubit circuit (PennyLane's
// BasicEntanglerLayers with 2 layers of RX and a CNOT ring).
// Its input is a 16-vector amplitude-embedded as the initial state (normalised
// per sample), declared by the pragma below: qforge::QuantumLayer reads it
// (QuantumLayerOptions::initial_state overrides it); other tools ignore it.
// w: the trainable angles, w[l][i] for layer l and qubit i.
OPENQASM 3.0;
include "stdgates.inc";
pragma qforge.initial_state amplitude(16)

input array[float[64], 2, 4] w;

qubit[4] q;

for int l in [0:1] {
  for int i in [0:3] {
    rx(w[l][i]) q[i];
  }
  cx q[0], q[1];
  cx q[1], q[2];
  cx q[2], q[3];
  cx q[3], q[0];
}
