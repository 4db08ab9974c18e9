// qforge/kernels.hpp - gate kernels on a raw state buffer.
//
// Every kernel takes the amplitudes `psi` (2^n of them, little-endian: qubit q
// is bit q of the basis index) and the qubit count `n`, so storage policies
// (owned, batched, distributed) can share them. Kernels are instantiated for
// float and double; they run on OpenMP threads when the state is large.
//
// Matrix convention (as in gates.hpp): a 2^k x 2^k matrix is row-major and
// `targets[0]` is the MOST significant bit of its row/column index.
//
// `ctrl_mask` holds |1>-controls: the kernel acts only on basis states whose
// index has every bit of `ctrl_mask` set and leaves the others unchanged.
//
// Preconditions (checked by the callers that build ops from a Circuit, not
// here, as this is the inner loop): targets are distinct, < n and not in
// ctrl_mask; ctrl_mask < 2^n; k <= kMaxDenseQubits.
//
// Batched entry points (apply_block_batch, adjoint_block_batch) run one gate
// on `nb` states stored one after the other (state b at psi + b * 2^n), each
// with its own 2x2 or 4x4 block: the layer BatchCircuit runs on. Small
// states loop over the samples inside one call through a precomputed table
// of block indices; large ones hand each sample to the kernels above, and
// the adjoint step with its block density to one pass over both states
// (split over the OpenMP threads, the density summed in fixed index blocks
// so it is the same on any thread count).
//
// Thread counts: kernels use the calling thread's OpenMP thread count;
// ScopedThreads changes it for a scope and restores it.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace qforge::sim {

/// Largest k of a dense kernel (a fused gate can be at most this wide).
constexpr unsigned kMaxDenseQubits = 6;

/// Dense 2^k x 2^k matrix `m` on `targets[0..k)` (k = 1 .. kMaxDenseQubits).
template <typename FP>
void apply_dense(std::complex<FP>* psi, unsigned n, const unsigned* targets, unsigned k,
                 const std::complex<FP>* m, uint64_t ctrl_mask);

/// Diagonal matrix with entries `diag[0..2^k)` on `targets[0..k)`.
template <typename FP>
void apply_diagonal(std::complex<FP>* psi, unsigned n, const unsigned* targets, unsigned k,
                    const std::complex<FP>* diag, uint64_t ctrl_mask);

/// Multiply by `phase` every amplitude whose index has all bits of `mask` set
/// (Z, S, T, P on the last bit of mask; CZ, CP, CCZ, multi-controlled phases).
/// Touches only those amplitudes.
template <typename FP>
void apply_phase(std::complex<FP>* psi, unsigned n, uint64_t mask, std::complex<FP> phase);

/// NOT on `target` under `ctrl_mask` (X, CX, CCX, multi-controlled X).
template <typename FP>
void apply_x(std::complex<FP>* psi, unsigned n, unsigned target, uint64_t ctrl_mask);

/// Exchange qubits `a` and `b` under `ctrl_mask` (SWAP, CSWAP, ...).
template <typename FP>
void apply_swap(std::complex<FP>* psi, unsigned n, unsigned a, unsigned b, uint64_t ctrl_mask);

/// Multiply every amplitude by `factor` (global phase, renormalisation).
template <typename FP>
void apply_scale(std::complex<FP>* psi, unsigned n, std::complex<FP> factor);

/// Probability (unnormalised: sum of |a|^2) that `qubit` reads 1.
template <typename FP>
double probability_one(const std::complex<FP>* psi, unsigned n, unsigned qubit);

/// Project `qubit` onto `outcome` (0 or 1) and multiply the kept amplitudes
/// by `scale` (1/sqrt(p) renormalises).
template <typename FP>
void collapse(std::complex<FP>* psi, unsigned n, unsigned qubit, int outcome, FP scale);

/// Number of OpenMP threads the kernels use (1 without OpenMP).
int max_threads();
/// Set the number of OpenMP threads (n >= 1); a no-op without OpenMP.
void set_num_threads(int n);

/// Sets the calling thread's OpenMP thread count to `threads` for its
/// lifetime and restores the previous count on destruction (threads <= 0:
/// changes nothing). Library entry points use it instead of set_num_threads
/// so they leave no process-wide setting behind.
class ScopedThreads {
 public:
  explicit ScopedThreads(int threads);
  ~ScopedThreads();
  ScopedThreads(const ScopedThreads&) = delete;
  ScopedThreads& operator=(const ScopedThreads&) = delete;

 private:
  int previous_ = 0;
};

/// How a BlockGate's block is applied.
enum class BlockKind : uint8_t {
  X,         ///< the block is [[0, 1], [1, 0]] (k = 1)
  Diagonal,  ///< only the diagonal of the block is used
  Dense,     ///< the full 2^k x 2^k block
};

/// Up to this many qubits, a BlockGate carries the table of its block
/// indices (2^(n - qubits of the gate) entries).
constexpr unsigned kBlockTableQubits = 12;

/// A gate on k = 1 or 2 targets under a control mask, prepared once for
/// many batched calls on states of `n` qubits.
struct BlockGate {
  BlockKind kind = BlockKind::Dense;
  unsigned n = 0;
  unsigned k = 1;
  unsigned targets[2] = {0, 0};  ///< targets[0] is the block's most significant bit
  uint64_t ctrl_mask = 0;
  std::vector<uint8_t> fixed;    ///< sorted bit positions of targets and controls
  std::vector<uint32_t> table;   ///< n <= kBlockTableQubits: index of every block's
                                 ///< first amplitude (target bits 0, controls 1)
  /// Entries of a block (4 or 16).
  unsigned block_size() const { return 1u << (2 * k); }
};

/// Prepare a BlockGate; throws std::invalid_argument for k outside 1..2, a
/// target or control >= n, a repeated qubit, or X with k = 2.
BlockGate make_block_gate(unsigned n, BlockKind kind, unsigned k, const unsigned* targets,
                          uint64_t ctrl_mask);

/// psi_b <- M_b psi_b for the nb states psi_b = psi + b 2^n, with
/// M_b = m + b * m_stride (m_stride 0: one block for every sample;
/// block_size(): one block per sample). Ignored for BlockKind::X.
template <typename FP>
void apply_block_batch(std::complex<FP>* psi, std::size_t nb, const BlockGate& g,
                       const std::complex<FP>* m, std::size_t m_stride);

/// One step of the adjoint sweep on nb samples: psi_b <- M_b^dag psi_b,
/// lam_b <- M_b^dag lam_b and, when R is not null, the block "density"
/// R_b[a][c] += sum over the other qubits of conj(lam_b[a]) psi_b[c] (lam
/// before, psi after the step; R_b = R + b * block_size(), row-major), from
/// which dL/dp = 2 Re tr(R_b^T dM/dp).
template <typename FP>
void adjoint_block_batch(std::complex<FP>* psi, std::complex<FP>* lam, std::size_t nb,
                         const BlockGate& g, const std::complex<FP>* m, std::size_t m_stride,
                         std::complex<FP>* R);

/// A sparse 2^k x 2^k matrix on k = 1 .. 4 targets (no controls), prepared
/// once for many batched calls on states of `n` qubits: the pattern of its
/// non-zero entries by row; the values are passed to each call in that
/// order. A channel's superoperator on (row, column) qubits is mostly zeros
/// (two-qubit depolarizing: 28 of 256 entries).
struct SparseBlock {
  unsigned n = 0;
  unsigned k = 0;
  std::vector<uint64_t> offset;     ///< 2^k: index offset of block entry i (targets[0] most significant)
  std::vector<uint8_t> fixed;       ///< sorted target bit positions
  std::vector<uint32_t> table;      ///< n <= kBlockTableQubits: every block's first index
  std::vector<uint32_t> row_begin;  ///< 2^k + 1: entries of row r are [row_begin[r], row_begin[r + 1])
  std::vector<uint8_t> col;         ///< column of each entry
  std::vector<std::size_t> entry;   ///< index of each entry in the dense row-major matrix
  std::size_t nonzeros() const { return col.size(); }
};

/// The pattern of the entries of `m` (2^k x 2^k, row-major) that are not
/// exactly zero; throws std::invalid_argument for k outside 1..4 or bad targets.
SparseBlock make_sparse_block(unsigned n, unsigned k, const unsigned* targets, const std::complex<double>* m);

/// psi_b <- M psi_b for the nb states psi_b = psi + b 2^n, M the sparse
/// matrix with `values` (g.nonzeros() of them, in pattern order).
template <typename FP>
void apply_sparse_batch(std::complex<FP>* psi, std::size_t nb, const SparseBlock& g, const std::complex<FP>* values);

/// One step of the adjoint sweep on one state of g.n qubits, as
/// adjoint_block_batch with nb = 1 and R not null: psi <- M^dag psi,
/// lam <- M^dag lam and R[a][c] += sum over the other qubits of
/// conj(lam[a]) psi[c] (lam before, psi after the step), in one pass over
/// both states. Eight blocks are processed at once as vector lanes whatever
/// the targets (gathered when a target or control is below qubit 3, so low
/// targets do not fall into runs of one or two amplitudes), split over the
/// OpenMP threads, with R summed in fixed index blocks: the same on any
/// thread count. Only M's diagonal is read for BlockKind::Diagonal;
/// BlockKind::X is taken as its dense block. re_density: the caller needs
/// only R's real parts (every derivative block of the step is real, as
/// ry's); for a real 2x2 M only those are summed (imaginary parts += 0).
template <typename FP>
void adjoint_step(std::complex<FP>* psi, std::complex<FP>* lam, const BlockGate& g, const std::complex<FP>* m,
                  std::complex<FP>* R, bool re_density = false);

/// Most steps of one adjoint_chain call.
constexpr unsigned kMaxChainSteps = 8;

/// One step of an adjoint_chain: a 2x2 block M on the chain's qubit (no
/// controls), as adjoint_step's g, m, R and re_density.
template <typename FP>
struct ChainStep {
  BlockKind kind = BlockKind::Dense;  ///< Diagonal: only M's diagonal is read; X: m is not read
  const std::complex<FP>* m = nullptr;  ///< M, row-major
  std::complex<FP>* R = nullptr;  ///< the step's density (4 entries, added to); null: none
  bool re_density = false;
};

/// steps[0 .. count) (count <= kMaxChainSteps) on qubit `target` of one
/// state of n qubits, one after the other, as adjoint_step would take them
/// (step i: psi <- M_i^dag psi, lam <- M_i^dag lam, R_i[a][c] += sum of
/// conj(lam[a]) psi[c], lam before and psi after step i), in one pass over
/// both states: each pair of amplitudes is loaded once and every step
/// un-applied from it in vector registers; each step sums the 2x2 Gram
/// matrix G[a][c] = sum conj(lam[a]) psi[c] of the values before it, and
/// R_i = G_i conj(M_i) is formed once at the end. Split over the OpenMP
/// threads with the sums in fixed index blocks: the same on any thread
/// count. Real blocks (ry) take half
/// the multiplications of the un-apply, and with re_density only the
/// density's real parts are summed (the imaginary parts are then not to be
/// read), as in adjoint_step. Below 3 qubits the steps run one at a time
/// (adjoint_step). control >= 0: a CX with that control on `target` is
/// un-applied before the steps (psi <- CX psi, lam <- CX lam; it has no
/// density), in the same pass where the control bit is the same for all
/// amplitudes of a vector (control >= 3, or 2 with target >= 2), else on
/// its own first. A control equal to the target or not below n is an
/// std::invalid_argument.
template <typename FP>
void adjoint_chain(std::complex<FP>* psi, std::complex<FP>* lam, unsigned n, unsigned target,
                   const ChainStep<FP>* steps, unsigned count, int control = -1);

}  // namespace qforge::sim
