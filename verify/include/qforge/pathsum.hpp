// Path sums (Amy, "Towards large-scale functional verification of universal
// quantum circuits", 2018): the fast proof for Clifford+T circuits, tried by
// check_equivalence before the decision diagrams.
//
// A circuit over {x, y, z, h, s, sdg, t, tdg, cx, cz, ccx, ccz, swap, cswap,
// ecr, rz, p, u1, and any other constant one-qubit gate through its Euler angles
// (zyz_decompose), e.g. sx, u3(pi/2, 0, pi)}
// maps |x> to a sum over path variables y (one per h; two for a one-qubit
// gate taken as Rz H Rz H Rz) of w^P(x, y) e^(i A(x, y)) |f(x, y)> with
// w = exp(i pi/4): P a polynomial with coefficients mod 8 over 0/1
// variables, A a sum of other angles times parities (a rotation by an angle
// that is not a multiple of pi/4), each output f_q
// a polynomial over GF(2). B^-1 * P * A (the layout permutation P, ancillas as the constant 0)
// is built gate by gate, and path variables are eliminated as soon as they
// leave the outputs, by the rules
//   Elim: y appears nowhere:                 sum_y 1 = 2;
//   HH:   P = 4 y (y' + R) + ..., y' a path variable appearing in no other
//         monomial of the bracket: the sum over y forces y' = R, substituted;
//   omega: P = +-2 y + 4 y Q + ...: the sum over y is sqrt(2) w^(+-(1 - 2 Q)).
// A path variable in a term of A is never eliminated; terms of A on the same
// parity add up, and a sum that is a multiple of pi/4 joins P. Once every
// gate is in and no rule applies, the parities left are written as
// monomials (P's normal form as a function of 0/1 variables), so that a
// phase one circuit writes as a parity cancels against the other's
// monomials.
// A run of one-qubit gates on a wire with an angle that is not a multiple of
// pi/4 (the Euler angles of a fused product such as T H T H are not, nor are
// those of one rz-sx-rz-sx-rz gate of an IBM basis) is first multiplied out
// and, when the product is D v D' with v Clifford+T of at most six H and D,
// D' diagonal, read as v; D is carried to the wire's next run across the
// gates it commutes with (cz, ccz, controls), so that those angles cancel.
// A run of one-qubit gates at either end of one of A's wires whose product
// has no such form (an rx by an arbitrary angle) moves to B, inverted: B =
// P T A' L (L, T those runs) exactly when (T^-1) B (L^-1) = P A', and there
// L^-1 joins B's first run on the wire, which is Clifford+T again where an
// optimiser merged A's rotation into it (a swap test's rx with the first
// gates of its cswap's form).
// An ecr is read as e^(-i pi/4) (X S (x) SX) CX, its one-qubit factors
// joining the runs after it, so that a routed cx for ibm_eagle is a cx
// between Clifford runs.
// When every path variable is gone, each output is its input and P is a
// constant and A empty, the circuits are equal up to global phase.
// The sum is first built another way: on a Bell state sum_x |x>|x, 0>, the
// complex conjugate of A on the first register and B on the second, a gate
// of each in turns (in proportion to their counts), so that the circuits'
// gates meet as they come (QCEC's alternating scheme) instead of all of A
// waiting for B^-1. Its inputs are summed over too, so a change of
// variables may leave each wire holding one variable (v := v + r when the
// wire holds v + r), and the sum is proved when it is a constant phase times
// the Bell state. Hadamards are held at first (a held H is summed over
// only when a gate it does not turn into an affine map meets it); when that
// sum does not close, it is built again with every H summed over at once,
// then B^-1 * P * A is tried, both ways.
// Anything else (a gate
// outside the set, a variable no rule removes, more monomials formed than a
// budget of 400 a gate plus 2^16, 48 a gate once more than four path
// variables per qubit are alive) is no answer, not a "no": the caller then
// uses the decision diagrams. The budget bounds the time: the outputs of a
// chain of Toffolis can grow doubly exponentially in monomials.
#pragma once

#include "qforge/circuit.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qforge::pathsum {

/// The gates of one circuit for the path sum: `ops` gates on qubits renamed
/// through `qubit_map`, with the circuit's constant global phase.
struct Side {
  const std::vector<Operation>* ops;
  std::vector<uint32_t> qubit_map;
  double global_phase;
};

/// Whether B^-1 * P * A is the identity (up to global phase) on the inputs
/// with the ancillas in |0>, A on the qubits init (A's qubit i on init[i] of
/// n), P taking init[i] to fin[i] and the other qubits to the remaining ones
/// in order. The global phase phi (B = e^(i phi) A) when proved; nullopt
/// when the path sum gives no proof. `closed`, when given, is set to the
/// sum that closed (e.g. "B^-1 * A (Hadamards held) reduced to the
/// identity").
std::optional<double> prove_identity(uint32_t n, const Side& a, const Side& b, const std::vector<uint32_t>& init,
                                     const std::vector<uint32_t>& fin, std::string* closed = nullptr);

}  // namespace qforge::pathsum
