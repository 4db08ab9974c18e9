// Repeat until success with `while`: prepare |1> by resetting, rotating with
// h and measuring until the outcome is 1. `result` is 1 in every shot;
// `attempts` is k with probability 2^-k.
OPENQASM 3.0;
include "stdgates.inc";
qubit q;
bit m;
output uint[16] attempts;
output bit result;
while (m == 0) {
  reset q;
  h q;
  m = measure q;
  attempts += 1;
}
result = measure q;
