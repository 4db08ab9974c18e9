// Active reset: measure, and flip the qubit back to |0> when it reads 1.
// `before` is 1 with probability sin^2(0.55) and `after` is 0 in every shot.
OPENQASM 3.0;
include "stdgates.inc";
qubit q;
output bit before;
output bit after;
rx(1.1) q;
before = measure q;
if (before == 1) x q;
after = measure q;
