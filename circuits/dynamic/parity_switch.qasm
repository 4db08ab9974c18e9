// A measurement-based parity check of a three-qubit repetition code: an
// ancilla measures the parities d0^d1 and d1^d2, and a `switch` on the
// syndrome flips the qubit it points to. With the error on d[1], the
// syndrome is 3 in every shot and `data` reads 000.
OPENQASM 3.0;
include "stdgates.inc";
qubit[3] d;
qubit anc;
bit[2] syndrome;
output bit[3] data;
x d[1];
cx d[0], anc;
cx d[1], anc;
syndrome[0] = measure anc;
reset anc;
cx d[1], anc;
cx d[2], anc;
syndrome[1] = measure anc;
switch (syndrome) {
  case 1 {
    x d[0];
  }
  case 3 {
    x d[1];
  }
  case 2 {
    x d[2];
  }
  default {
  }
}
data = measure d;
