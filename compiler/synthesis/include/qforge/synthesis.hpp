// qforge/synthesis.hpp - exact synthesis of small unitaries into a basis
// gate set: single-qubit ZYZ, two-qubit KAK (Cartan) with the fewest
// two-qubit gates its class allows. Shared by the translation and
// resynthesis passes and by hardware export.
#pragma once

#include "qforge/circuit.hpp"

#include <array>
#include <string>
#include <vector>

namespace qforge {

/// Gate sets the translation and resynthesis passes produce.
enum class Basis {
  Nam,       ///< {h, x, cx, rz}
  IbmEcr,    ///< {ecr, rz, sx, x}
  IbmCz,     ///< {cz, rz, sx, x}
  Generic,   ///< {u3, rz, cx} after optimisation (no constraint)
};
std::string basis_name(Basis b);

using Mat2 = std::array<cplx, 4>;  ///< row-major 2x2

/// The product a b of 2x2 matrices.
Mat2 mul(const Mat2& a, const Mat2& b);
/// The conjugate transpose of a 2x2 matrix.
Mat2 adjoint(const Mat2& a);

/// U = exp(i*alpha) Rz(beta) Ry(gamma) Rz(delta), gamma in [0, pi].
struct ZYZ {
  double alpha = 0, beta = 0, gamma = 0, delta = 0;
};
ZYZ zyz_decompose(const Mat2& u);

/// Gates (qubit 0, constant parameters) that implement `u` in `basis` with
/// the fewest gates this synthesiser knows, and the global phase to add.
std::vector<Operation> synthesize_1q(const Mat2& u, Basis basis, double& phase);

/// Matrix of a constant single-qubit gate operation (no controls).
Mat2 op_matrix_1q(const Operation& op);
/// The table matrix of single-qubit gate `g` with parameter `t` (when it has one).
Mat2 gate_matrix_1q(GateId g, double t = 0);

/// Row-major 4x4 matrix of a two-qubit operation on qubits (0, 1) in the
/// gate-matrix convention (gates.hpp): qubit 0 is the most significant bit of
/// the row/column index, so `cx 0, 1` is gate_matrix(GateId::CX) and
/// index = 2 * bit(qubit 0) + bit(qubit 1).
using Mat4 = std::array<cplx, 16>;

/// Gates on qubits 0 and 1 (constant parameters) implementing the unitary `u`
/// with cx_count_2q(u, tolerance) two-qubit gates (cx for Nam and Generic,
/// ecr for IbmEcr, cz for IbmCz, in either orientation) and single-qubit gates
/// of `basis` (synthesize_1q), via the KAK (Cartan) decomposition. With M the
/// product of the gates' matrices in circuit order, u = exp(i*phase) M to
/// within `tolerance` per entry (checked). Throws std::logic_error when no
/// form is that close (u is not unitary).
std::vector<Operation> synthesize_2q(const Mat4& u, Basis basis, double& phase, double tolerance = 1e-9);

/// The fewest CX any circuit for `u` needs (0..3), from its KAK coordinates
/// (a, b, c), u ~ exp(i(a XX + b YY + c ZZ)) up to single-qubit gates: 0 when
/// all are 0 mod pi/2 (u is a product of single-qubit gates), 1 when two are
/// and the third is pi/4 mod pi/2 (the class of cx), 2 when one is, else 3.
/// "Is" means within tolerance / 4: synthesize_2q snaps such coordinates, and
/// even three snaps keep it within `tolerance`.
int cx_count_2q(const Mat4& u, double tolerance = 1e-9);

/// a * b (row-major 4x4).
Mat4 multiply(const Mat4& a, const Mat4& b);
/// A constant gate operation acting on `first` and/or one other qubit only, as
/// a 4x4 matrix on (first, other), `first` the most significant bit.
Mat4 pair_matrix(const Operation& op, uint32_t first);

}  // namespace qforge
