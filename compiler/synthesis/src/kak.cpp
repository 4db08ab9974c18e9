// Two-qubit synthesis by the KAK (Cartan) decomposition (see
// qforge/synthesis.hpp); the pass that resynthesises two-qubit blocks with it
// is passes/src/two_qubit.cpp.
//
// Notation: matrices act on (qubit 0, qubit 1) with qubit 0 the most
// significant bit (gates.hpp); products are written as matrices, so the
// rightmost factor comes first in time. CX01 has control 0, CX10 control 1.
// Can(a, b, c) = exp(i(a XX + b YY + c ZZ)); "~" means equal up to a global
// phase.
//
// KAK (kak()): with the magic basis B, B^dag (A (x) C) B is real orthogonal
// for A, C in SU(2), and B^dag Can B is diagonal. For u in SU(4) (u divided
// by det(u)^(1/4)), Up = B^dag u B = O1 D O2 with O1, O2 in SO(4) and D
// diagonal unitary. M = Up^T Up = O2^T D^2 O2 is symmetric unitary, so its
// real and imaginary parts are commuting real symmetric matrices with a
// common orthonormal eigenbasis P = O2^T; a generic real combination of the
// two has exactly that eigenbasis (the result is checked, and a few fixed
// combinations are tried until one diagonalises M). Then O1 = Up P D^-1 is
// real (D's square roots chosen so that det O1 = 1); B O1 B^dag and
// B P^T B^dag are local, split into their two factors; D's phases give
// (a, b, c).
//
// Synthesis (build()): each coordinate is first moved into [-pi/4, pi/4]
// (Can with a + pi/2 is Can times the local i XX). With the local
// equivalences (S x S) Can(b, 0, c) (S x S)^dag = Can(0, b, c),
// (R x R) Can(a, 0, b) (R x R)^dag = Can(a, b, 0) for R = Rx(pi/2), and
// (H x H) Can(0, 0, t) (H x H) = Can(t, 0, 0), the classes are
//   0 CX  all coordinates 0:      u ~ K1 K2;
//   1 CX  (0, 0, pi/4):           Can ~ (Rz(-pi/2) x Rz(-pi/2)) (I x H) CX01 (I x H);
//   2 CX  (a, 0, c):              Can = CX01 (Rx(-2a) x Rz(-2c)) CX01;
//   3 CX  any (the circuit of Vatan and Williams 2004, fig. 6, in this
//         frame; the single-qubit gates around it are checked numerically):
//         Can ~ (Rz(-pi/2) x I) CX10 (I x Ry(2b - pi/2)) CX01
//               (Rz(pi/2 - 2c) x Ry(pi/2 - 2a)) CX10 (I x Rz(pi/2)).
// The single-qubit factors between two CX on a wire are multiplied into one
// 2x2 matrix (a slot). The decomposition's local factors are only defined up
// to rotations that commute with the CX next to them (z on its control, x on
// its target), so the rotation a slot's sequence ends (starts) with is moved
// across the next (previous) CX; of the plain skeleton and these two, the
// shortest is kept. Then each CX is written in the basis exactly as the basis
// translation does (passes/src/lower.cpp), its corrections joining the slots, and
// every slot is resynthesised with synthesize_1q. The exact global phase comes
// from the overlap of the product with u, which is then compared entry by
// entry: every form is exact by construction and verified, and a cheaper form
// that fails (coordinates snapped too far) falls back to the next one.
#include "qforge/synthesis.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace qforge {
namespace {

using G = GateId;
using R4 = std::array<double, 16>;  // real 4x4, row-major

constexpr cplx kI{0, 1};

// ------------------------------------------------- small dense matrices --
// Plain row-major arrays: 4x4 is too small for a library to pay off, and
// these keep the two-qubit code free of Eigen's vectorised paths. The 2x2
// product and adjoint are synthesis.hpp's; mul below adds the 4x4 one.

using qforge::mul;
const Mat2 kId2{1, 0, 0, 1};

// Gate matrices come from the gate table.
Mat2 rz(double t) { return gate_matrix_1q(G::RZ, t); }
Mat2 ry(double t) { return gate_matrix_1q(G::RY, t); }
Mat2 rx(double t) { return gate_matrix_1q(G::RX, t); }
const Mat2 kX = gate_matrix_1q(G::X), kY = gate_matrix_1q(G::Y), kZ = gate_matrix_1q(G::Z),
           kH = gate_matrix_1q(G::H), kS = gate_matrix_1q(G::S), kSX = gate_matrix_1q(G::SX);

template <class T>
std::array<T, 16> mul(const std::array<T, 16>& a, const std::array<T, 16>& b) {
  std::array<T, 16> r{};
  for (int i = 0; i < 4; ++i)
    for (int k = 0; k < 4; ++k) {
      const T x = a[4 * i + k];
      for (int j = 0; j < 4; ++j) r[4 * i + j] += x * b[4 * k + j];
    }
  return r;
}
template <class T>
std::array<T, 16> transpose(const std::array<T, 16>& a) {
  std::array<T, 16> r;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) r[4 * j + i] = a[4 * i + j];
  return r;
}
Mat4 adj(const Mat4& a) {
  Mat4 r = transpose(a);
  for (auto& x : r) x = std::conj(x);
  return r;
}
Mat4 complexify(const R4& a) {
  Mat4 r;
  for (int i = 0; i < 16; ++i) r[i] = a[i];
  return r;
}
Mat4 identity4() {
  Mat4 r{};
  for (int i = 0; i < 4; ++i) r[5 * i] = 1;
  return r;
}
// Determinant by Gaussian elimination with partial pivoting.
template <class T>
T det(std::array<T, 16> a) {
  T d = 1;
  for (int c = 0; c < 4; ++c) {
    int piv = c;
    for (int r = c + 1; r < 4; ++r)
      if (std::abs(a[4 * r + c]) > std::abs(a[4 * piv + c])) piv = r;
    if (a[4 * piv + c] == T(0)) return 0;
    if (piv != c) {
      for (int j = 0; j < 4; ++j) std::swap(a[4 * c + j], a[4 * piv + j]);
      d = -d;
    }
    d *= a[4 * c + c];
    for (int r = c + 1; r < 4; ++r) {
      const T f = a[4 * r + c] / a[4 * c + c];
      for (int j = c; j < 4; ++j) a[4 * r + j] -= f * a[4 * c + j];
    }
  }
  return d;
}

Mat4 kron(const Mat2& a, const Mat2& b) {
  Mat4 m;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 2; ++k)
        for (int l = 0; l < 2; ++l) m[4 * (2 * i + k) + 2 * j + l] = a[2 * i + j] * b[2 * k + l];
  return m;
}

// The matrix of a two-qubit gate on (first, second) = (1, 0): swap the bits.
Mat4 swap_qubits(const Mat4& m) {
  static const int p[4] = {0, 2, 1, 3};
  Mat4 r;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) r[4 * p[i] + p[j]] = m[4 * i + j];
  return r;
}

// A gate operation (constant, on `a` and/or `b` only) as a matrix on (a, b).
Mat4 op_on_pair(const Operation& op, uint32_t a) {
  if (op.qubits.size() == 1) {
    const Mat2 m = op_matrix_1q(op);
    return op.qubits[0] == a ? kron(m, kId2) : kron(kId2, m);
  }
  const auto g = operation_matrix(op);
  Mat4 e;
  std::copy(g.begin(), g.end(), e.begin());
  return op.qubits[0] == a ? e : swap_qubits(e);
}

const Mat4& magic() {
  static const Mat4 b = [] {
    const double r = M_SQRT1_2;
    return Mat4{r, r * kI, 0, 0,   //
                0, 0, r * kI, r,   //
                0, 0, r * kI, -r,  //
                r, -r * kI, 0, 0};
  }();
  return b;
}

/// u ~ (k1a x k1b) Can(a, b, c) (k2a x k2b).
struct Kak {
  double coord[3] = {0, 0, 0};  // a, b, c
  Mat2 k1a = kId2, k1b = kId2, k2a = kId2, k2b = kId2;
};

// m = A (x) C for a local m (to rounding): the 2x2 block of largest norm is
// a nonzero multiple of C; A's entries are the overlaps of the blocks with C.
void split_local(const Mat4& m, Mat2& a, Mat2& c) {
  auto block = [&](int i, int j) {
    return Mat2{m[4 * (2 * i) + 2 * j], m[4 * (2 * i) + 2 * j + 1], m[4 * (2 * i + 1) + 2 * j],
                m[4 * (2 * i + 1) + 2 * j + 1]};
  };
  int bi = 0, bj = 0;
  double best = -1;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) {
      double n = 0;
      for (const cplx& x : block(i, j)) n += std::norm(x);
      if (n > best) { best = n; bi = i; bj = j; }
    }
  const Mat2 blk = block(bi, bj);
  const cplx s = std::sqrt(blk[0] * blk[3] - blk[1] * blk[2]);
  for (int k = 0; k < 4; ++k) c[k] = blk[k] / s;
  const Mat2 ca = adjoint(c);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) {
      const Mat2 p = mul(ca, block(i, j));
      a[2 * i + j] = (p[0] + p[3]) / 2.0;
    }
}

// Eigenvectors (columns of the result) of a real symmetric matrix by cyclic
// Jacobi rotations: accurate to rounding, and cheap at 4x4.
R4 symmetric_eigenvectors(R4 a) {
  R4 v{};
  for (int i = 0; i < 4; ++i) v[5 * i] = 1;
  double scale = 0;
  for (double x : a) scale += x * x;
  for (int sweep = 0; sweep < 32; ++sweep) {
    double off = 0;
    for (int p = 0; p < 4; ++p)
      for (int q = p + 1; q < 4; ++q) off += a[4 * p + q] * a[4 * p + q];
    if (off <= 1e-34 * scale) break;
    for (int p = 0; p < 4; ++p)
      for (int q = p + 1; q < 4; ++q) {
        const double apq = a[4 * p + q];
        if (apq == 0) continue;
        const double theta = (a[4 * q + q] - a[4 * p + p]) / (2 * apq);
        const double t = (theta >= 0 ? 1 : -1) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        // a <- J^T a J, v <- v J with the rotation J in the (p, q) plane.
        for (int k = 0; k < 4; ++k) {
          const double akp = a[4 * k + p], akq = a[4 * k + q];
          a[4 * k + p] = c * akp - s * akq;
          a[4 * k + q] = s * akp + c * akq;
        }
        for (int k = 0; k < 4; ++k) {
          const double apk = a[4 * p + k], aqk = a[4 * q + k];
          a[4 * p + k] = c * apk - s * aqk;
          a[4 * q + k] = s * apk + c * aqk;
        }
        for (int k = 0; k < 4; ++k) {
          const double vkp = v[4 * k + p], vkq = v[4 * k + q];
          v[4 * k + p] = c * vkp - s * vkq;
          v[4 * k + q] = s * vkp + c * vkq;
        }
      }
  }
  return v;
}

// Largest off-diagonal modulus of P^T m P.
double offdiag(const R4& p, const Mat4& m, Mat4* d_out = nullptr) {
  const Mat4 pc = complexify(p);
  const Mat4 d = mul(mul(transpose(pc), m), pc);
  double off = 0;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      if (i != j) off = std::max(off, std::abs(d[4 * i + j]));
  if (d_out) *d_out = d;
  return off;
}

// Gram-Schmidt on the columns: the orthogonal matrix nearest (to first
// order) to an almost orthogonal one.
void orthonormalise_columns(R4& o) {
  for (int j = 0; j < 4; ++j) {
    for (int k = 0; k < j; ++k) {
      double dot = 0;
      for (int i = 0; i < 4; ++i) dot += o[4 * i + j] * o[4 * i + k];
      for (int i = 0; i < 4; ++i) o[4 * i + j] -= dot * o[4 * i + k];
    }
    double n = 0;
    for (int i = 0; i < 4; ++i) n += o[4 * i + j] * o[4 * i + j];
    n = std::sqrt(n);
    for (int i = 0; i < 4; ++i) o[4 * i + j] /= n;
  }
}

Kak kak(const Mat4& u) {
  const Mat4& B = magic();
  const Mat4 Bd = adj(B);
  Mat4 su = u;
  const cplx norm = std::polar(1.0, -std::arg(det(u)) / 4);
  for (auto& x : su) x *= norm;
  const Mat4 up = mul(mul(Bd, su), B);
  const Mat4 m = mul(transpose(up), up);
  R4 re, im;
  for (int i = 0; i < 16; ++i) {
    re[i] = m[i].real();
    im[i] = m[i].imag();
  }
  // Fixed, unrelated mixing coefficients: deterministic, and a coincidence
  // for one of them (two distinct eigenvalues of M mapped to one eigenvalue
  // of re + r im) is not one for the next.
  static const double kMix[] = {0.6180339887, -1.7320508076, 2.7182818285, -0.3183098862, 4.1231056256};
  R4 p{};
  double best = std::numeric_limits<double>::infinity();
  for (double r : kMix) {
    R4 s;
    for (int i = 0; i < 16; ++i) s[i] = re[i] + r * im[i];
    const R4 q = symmetric_eigenvectors(s);
    const double off = offdiag(q, m);
    if (off < best) { best = off; p = q; }
    if (off < 1e-13) break;
  }
  if (det(p) < 0)
    for (int i = 0; i < 4; ++i) p[4 * i] = -p[4 * i];
  Mat4 d;
  offdiag(p, m, &d);
  double th[4];
  Mat4 o1c = mul(up, complexify(p));  // times D^-1: column k by exp(-i th_k)
  for (int k = 0; k < 4; ++k) {
    th[k] = std::arg(d[5 * k]) / 2;
    const cplx e = std::polar(1.0, -th[k]);
    for (int i = 0; i < 4; ++i) o1c[4 * i + k] *= e;
  }
  R4 o1;
  for (int i = 0; i < 16; ++i) o1[i] = o1c[i].real();
  orthonormalise_columns(o1);
  if (det(o1) < 0) {  // the other square root of D's first entry
    for (int i = 0; i < 4; ++i) o1[4 * i] = -o1[4 * i];
    th[0] += M_PI;
  }
  Kak r;
  split_local(mul(mul(B, complexify(o1)), Bd), r.k1a, r.k1b);
  split_local(mul(mul(B, transpose(complexify(p))), Bd), r.k2a, r.k2b);
  // B^dag XX B = diag(1,-1,1,-1), YY: (-1,1,1,-1), ZZ: (1,1,-1,-1).
  r.coord[0] = (th[0] - th[1] + th[2] - th[3]) / 4;
  r.coord[1] = (-th[0] + th[1] + th[2] - th[3]) / 4;
  r.coord[2] = (th[0] + th[1] - th[2] - th[3]) / 4;
  return r;
}

const Mat2& pauli(int k) { return k == 0 ? kX : k == 1 ? kY : kZ; }

// Shift coordinate k by m pi/2: Can(.. t ..) = Can(.. t - m pi/2 ..) (i PP)^m,
// the local factor joins k2.
void shift(Kak& k, int idx, double m) {
  k.coord[idx] -= m * M_PI / 2;
  if (std::fmod(std::abs(m), 2.0) == 1.0) {
    k.k2a = mul(pauli(idx), k.k2a);
    k.k2b = mul(pauli(idx), k.k2b);
  }
}

// kak() with every coordinate in [-pi/4, pi/4].
Kak reduced_kak(const Mat4& u) {
  Kak k = kak(u);
  for (int i = 0; i < 3; ++i) shift(k, i, std::round(k.coord[i] / (M_PI / 2)));
  return k;
}

// Coordinates within tol / 4 of a cheaper class snap to it: at most three
// snaps of that size keep the synthesis within tol.
int cx_count(const Kak& k, double tol, int& live) {
  const double snap = tol / 4;
  int zeros = 0;
  live = -1;
  for (int i = 0; i < 3; ++i) {
    if (std::abs(k.coord[i]) <= snap) ++zeros;
    else live = i;
  }
  if (zeros == 3) return 0;
  if (zeros == 2 && std::abs(M_PI / 4 - std::abs(k.coord[live])) <= snap) return 1;
  if (zeros >= 1) return 2;
  return 3;
}

// A circuit of CX gates with one single-qubit matrix per wire between them:
// slot[k][q] acts on wire q just before cx[k] (k == cx.size(): after all).
struct Skeleton {
  std::vector<std::array<int, 2>> cx;  // (control, target)
  std::vector<std::array<Mat2, 2>> slot{{kId2, kId2}};

  void local(int q, const Mat2& m) { slot.back()[q] = mul(m, slot.back()[q]); }
  void both(const Mat2& a, const Mat2& b) { local(0, a); local(1, b); }
  void add_cx(int c, int t) {
    cx.push_back({c, t});
    slot.push_back({kId2, kId2});
  }
};

// The single-qubit gate sequence of m in `basis`.
std::vector<Operation> seq_1q(const Mat2& m, Basis basis) {
  double ph = 0;  // the overlap with the block fixes the phase of the whole
  return synthesize_1q(m, basis, ph);
}

// The rz that m's sequence in `basis` ends with (last) or starts with, as a
// matrix; identity if none. Without it, m's sequence is a gate shorter.
Mat2 edge_rz(const Mat2& m, Basis basis, bool last) {
  const auto seq = seq_1q(m, basis);
  if (seq.empty()) return kId2;
  const Operation& op = last ? seq.back() : seq.front();
  return op.gate == G::RZ ? op_matrix_1q(op) : kId2;
}

// Single-qubit freedom around a CX: a z rotation commutes with its control,
// an x rotation (H rz H) with its target. Move the rz a slot's sequence ends
// with (forward) or starts with (backward) across the neighbouring CX into
// the next (previous) slot: the slot gets a gate shorter, and the rotation
// may merge there. Exact; only the count changes.
void carry(Skeleton& sk, Basis basis, bool forward) {
  const int n = static_cast<int>(sk.cx.size());
  for (int i = 0; i < n; ++i) {
    const int k = forward ? i : n - 1 - i;
    for (int role = 0; role < 2; ++role) {
      const int q = sk.cx[k][role];
      Mat2& here = sk.slot[forward ? k : k + 1][q];
      Mat2& there = sk.slot[forward ? k + 1 : k][q];
      // In the frame where the rotation to move is an rz (H . H on a target).
      const Mat2 f = role == 0 ? here : mul(mul(kH, here), kH);
      Mat2 r = edge_rz(f, basis, forward);
      if (role == 1) r = mul(mul(kH, r), kH);
      if (forward) {  // here = r (r^dag here); r runs first in the next slot
        here = mul(adjoint(r), here);
        there = mul(there, r);
      } else {  // here = (here r^dag) r; r runs last in the previous slot
        here = mul(here, adjoint(r));
        there = mul(r, there);
      }
    }
  }
}

// Write each CX in the basis (exactly as the basis translation does, its
// corrections folded into the slots) and resynthesise every slot.
std::vector<Operation> emit(Skeleton sk, Basis basis) {
  const std::size_t n = sk.cx.size();
  G two = G::CX;
  for (std::size_t k = 0; k < n; ++k) {
    const int c = sk.cx[k][0], t = sk.cx[k][1];
    auto& before = sk.slot[k];
    auto& after = sk.slot[k + 1];
    if (basis == Basis::IbmEcr) {  // cx = (rz(pi/2) x sx) . ecr . (x x id), exactly
      two = G::ECR;
      before[c] = mul(kX, before[c]);
      after[c] = mul(after[c], rz(M_PI / 2));
      after[t] = mul(after[t], kSX);
    } else if (basis == Basis::IbmCz) {  // cx = (id x h) cz (id x h)
      two = G::CZ;
      before[t] = mul(kH, before[t]);
      after[t] = mul(after[t], kH);
    }
  }
  std::vector<Operation> ops;
  for (std::size_t k = 0; k <= n; ++k) {
    for (int q = 0; q < 2; ++q)
      for (auto& op : seq_1q(sk.slot[k][q], basis)) {
        op.qubits = {static_cast<uint32_t>(q)};
        ops.push_back(std::move(op));
      }
    if (k == n) break;
    ops.push_back(make_gate(two, {static_cast<uint32_t>(sk.cx[k][0]), static_cast<uint32_t>(sk.cx[k][1])}));
  }
  return ops;
}

// The circuit of class n (0..3 CX) for a reduced decomposition; `live` is
// the coordinate that is not 0 in class 1. Of the skeleton as built and
// with rotations carried forward or backward, the shortest.
std::vector<Operation> build(Kak k, int n, int live, Basis basis) {
  Skeleton bd;
  const double* t = k.coord;
  Mat2 w = kId2;  // a single-qubit Clifford conjugating the core, on both wires
  switch (n) {
    case 0:
      bd.both(k.k2a, k.k2b);
      break;
    case 1: {
      if (t[live] < 0) shift(k, live, -1);  // -pi/4 -> pi/4
      if (live == 0) w = kH;
      else if (live == 1) w = rx(M_PI / 2);
      bd.both(k.k2a, k.k2b);
      bd.both(adjoint(w), adjoint(w));
      bd.local(1, kH);
      bd.add_cx(0, 1);
      bd.local(1, kH);
      bd.both(rz(-M_PI / 2), rz(-M_PI / 2));
      break;
    }
    case 2: {
      int zero = 1;
      for (int i : {0, 2})  // b when it is one of the smallest
        if (std::abs(t[i]) < std::abs(t[zero])) zero = i;
      double a = t[0], c = t[2];
      if (zero == 0) { w = kS; a = t[1]; }
      else if (zero == 2) { w = rx(M_PI / 2); c = t[1]; }
      bd.both(k.k2a, k.k2b);
      bd.both(adjoint(w), adjoint(w));
      bd.add_cx(0, 1);
      bd.both(rx(-2 * a), rz(-2 * c));
      bd.add_cx(0, 1);
      break;
    }
    default:
      bd.both(k.k2a, k.k2b);
      bd.local(1, rz(M_PI / 2));
      bd.add_cx(1, 0);
      bd.both(rz(M_PI / 2 - 2 * t[2]), ry(M_PI / 2 - 2 * t[0]));
      bd.add_cx(0, 1);
      bd.local(1, ry(2 * t[1] - M_PI / 2));
      bd.add_cx(1, 0);
      bd.local(0, rz(-M_PI / 2));
      break;
  }
  bd.both(w, w);
  bd.both(k.k1a, k.k1b);
  std::vector<Operation> best = emit(bd, basis);
  if (bd.cx.empty()) return best;
  for (bool forward : {true, false}) {
    Skeleton sk = bd;
    carry(sk, basis, forward);
    auto ops = emit(sk, basis);
    if (ops.size() < best.size()) best = std::move(ops);
  }
  return best;
}

// u = e^{i phase} (product of ops in circuit order) within what it returns:
// the phase, and the largest entry error.
double fit_phase(const Mat4& u, const std::vector<Operation>& ops, double& phase) {
  Mat4 v = identity4();
  for (const auto& op : ops) v = mul(op_on_pair(op, 0), v);
  cplx ov = 0;
  for (int i = 0; i < 16; ++i) ov += std::conj(v[i]) * u[i];
  phase = std::arg(ov);
  const cplx ph = std::polar(1.0, phase);
  double err = 0;
  for (int i = 0; i < 16; ++i) err = std::max(err, std::abs(u[i] - ph * v[i]));
  return err;
}

// The cheapest exact synthesis, starting from the class's count; false when
// even the general form is off by more than tol.
bool synthesize(const Mat4& u, const Kak& k, int count, int live, Basis basis, double tol,
                std::vector<Operation>& out, double& phase) {
  for (int n = count; n <= 3; ++n) {
    if (n == 1 && count != 1) continue;  // only the class of cx
    out = build(k, n, live, basis);
    if (fit_phase(u, out, phase) <= tol) return true;
  }
  return false;
}

}  // namespace

Mat4 multiply(const Mat4& a, const Mat4& b) { return mul(a, b); }

Mat4 pair_matrix(const Operation& op, uint32_t first) { return op_on_pair(op, first); }

int cx_count_2q(const Mat4& u, double tolerance) {
  int live = -1;
  return cx_count(reduced_kak(u), tolerance, live);
}

std::vector<Operation> synthesize_2q(const Mat4& u, Basis basis, double& phase, double tolerance) {
  const Kak k = reduced_kak(u);
  int live = -1;
  const int count = cx_count(k, tolerance, live);
  std::vector<Operation> out;
  if (!synthesize(u, k, count, live, basis, tolerance, out, phase))
    throw std::logic_error("synthesize_2q: synthesis is inexact (is the matrix unitary?)");
  return out;
}

}  // namespace qforge
