// The lean hybrid classifier's 4-qubit circuit (LCQHNN).
// x: the 4 features from the CNN (data inputs, one per qubit);
// theta: the 4 trainable rotation angles.
OPENQASM 3.0;
include "stdgates.inc";

input array[float[64], 4] x;
input array[float[64], 4] theta;

qubit[4] q;

// Encoding: Hadamard on every qubit, then a data-dependent phase.
h q;
for int i in [0:3] {
  u1(2 * x[i]) q[i];
}

// Entangle forward, rotate, entangle backward.
cx q[0], q[1];
cx q[1], q[2];
cx q[2], q[3];
for int i in [0:3] {
  ry(theta[i]) q[i];
}
cx q[2], q[3];
cx q[1], q[2];
cx q[0], q[1];
h q[0];
