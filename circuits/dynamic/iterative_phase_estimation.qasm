// Iterative phase estimation of p(theta) on its eigenstate |1>, theta =
// 2*pi * 5/8 (binary 0.101), three bits from the least significant: each
// round's feedback phase is the estimate so far shifted right (run-time
// angle arithmetic), so every measurement is certain: m reads 1, 0, 1 and
// `estimate` ends as 5 steps of 2*pi/8.
OPENQASM 3.0;
include "stdgates.inc";
const float[64] theta = 2 * pi * 5 / 8;
qubit a;
qubit t;
bit m;
output angle[3] estimate;
x t;
for int k in [3:-1:1] {
  reset a;
  h a;
  ctrl @ pow(2 ** (k - 1)) @ p(theta) a, t;
  inv @ p(estimate >> 1) a;
  h a;
  m = measure a;
  estimate = (estimate >> 1) | (angle[3](m) << 2);
}
