// Teleportation with feed-forward: the state ry(0.8)|0> moves from q[0] to
// q[2], corrected by x and z conditioned on the two measured bits; undoing
// ry(0.8) on q[2] then gives |0>, so `result` is 0 in every shot and c0, c1
// are uniform.
OPENQASM 3.0;
include "stdgates.inc";
qubit[3] q;
bit c0;
bit c1;
output bit result;
ry(0.8) q[0];
h q[1];
cx q[1], q[2];
cx q[0], q[1];
h q[0];
c0 = measure q[0];
c1 = measure q[1];
if (c1 == 1) x q[2];
if (c0 == 1) z q[2];
ry(-0.8) q[2];
result = measure q[2];
