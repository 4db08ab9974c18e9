// qforge/dd.hpp - decision diagrams for unitaries (QMDD-style), the exact
// engine behind `qforge equiv`.
//
// A matrix on n qubits is an Edge: a complex weight times a Node. A node at
// level v (qubit v; the root is qubit n-1, qubit 0 the lowest level) splits
// its matrix into four blocks by the row and column bit of qubit v:
// e[2*r + c]. Every path runs through every level (no skipped levels); zero
// blocks are the terminal with weight 0. Nodes are normalised (the child
// weight of largest magnitude, the first one within the tolerance of it, is
// exactly 1, the factor moves to the incoming edge) and kept unique by a
// unique table, so equal matrices are the same Edge up to the tolerance.
// Weights are snapped to a table of real numbers: a value within the
// tolerance of one already seen is replaced by it.
//
// multiply() and add() cache their results (direct-mapped compute tables).
// Those tables, the unique table and the order of add()'s operands go by
// the nodes' creation numbers, never their addresses, so the same sequence of
// operations gives the same diagrams (and sizes) in every run: with rounding
// snapped to the tolerance, an order that followed the addresses changed
// which nodes merged from run to run (one proof took 1 s or 100 s).
// Memory grows until collect_garbage(), which keeps the nodes reachable from
// the given roots and clears the caches; the caller decides when (e.g. when
// live_nodes() passes a threshold), since any Edge not passed as a root is
// invalid afterwards.
//
// Indices in entry() and in column bit vectors are little-endian: qubit q is
// bit q, as in the runtime's state vectors.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

namespace qforge::dd {

using cplx = std::complex<double>;

struct Node;

struct Edge {
  Node* p = nullptr;
  cplx w = 0;
};

struct Node {
  Edge e[4];
  uint64_t id = 0;    ///< creation number in its package (0: the terminal)
  int32_t v = -1;     ///< qubit (level); -1 for the terminal
  uint32_t mark = 0;  ///< garbage-collection epoch that last reached it
  uint32_t seen = 0;  ///< size() walk that last counted it
  Node* next = nullptr;  ///< unique-table chain or free list
};

class Package {
 public:
  /// A package for matrices on `num_qubits` qubits; weights closer than
  /// `tolerance` are identified.
  explicit Package(uint32_t num_qubits, double tolerance = 1e-12);
  ~Package();
  Package(const Package&) = delete;
  Package& operator=(const Package&) = delete;

  uint32_t num_qubits() const { return n_; }
  double tolerance() const { return tol_; }

  Edge zero() const { return {terminal_, 0}; }
  /// The identity on all qubits.
  Edge identity() const { return {ident_.empty() ? terminal_ : ident_.back(), 1}; }

  /// The gate `u` (row-major 2^k x 2^k, targets[0] the most significant bit
  /// of its index) on `targets`, applied when every qubit of `controls` is
  /// |1>, identity elsewhere. k = 0 is allowed: u is then one phase factor
  /// applied when all controls are |1>.
  Edge gate(const std::vector<uint32_t>& targets, const std::vector<cplx>& u, const std::vector<uint32_t>& controls);

  /// The projector |0><0| on each qubit with `on[q]` true (identity elsewhere).
  Edge zero_projector(const std::vector<bool>& on);

  Edge multiply(const Edge& a, const Edge& b);
  Edge add(const Edge& a, const Edge& b);

  /// Entry (row, col) of `e`; for tests (at most 64 qubits).
  cplx entry(const Edge& e, uint64_t row, uint64_t col) const;

  /// Nodes reachable from `e` (the terminal excluded).
  std::size_t size(const Edge& e);
  /// Nodes in the unique table (live or not yet collected).
  std::size_t live_nodes() const { return live_; }

  /// Free every node not reachable from `roots` and clear the caches.
  void collect_garbage(const std::vector<Edge*>& roots);

  /// s if `e` equals s * I on the columns whose `ignored` qubits are |0>
  /// (those columns must have zeros outside the diagonal), entries compared
  /// with `tol`; nullopt otherwise.
  std::optional<cplx> scalar_of_identity(const Edge& e, const std::vector<bool>& ignored, double tol);

  /// A column c (qubit q is c[q]; ignored qubits 0) where `e` differs from
  /// s * I by more than `tol`; nullopt when there is none.
  std::optional<std::vector<bool>> differing_column(const Edge& e, cplx s, const std::vector<bool>& ignored,
                                                    double tol);

 private:
  struct CacheSlot;
  Node* make_raw();
  Edge make_node(int32_t v, Edge e[4]);
  double snap(double x);
  cplx snap(cplx z) { return {snap(z.real()), snap(z.imag())}; }
  bool is_zero(const cplx& w) const { return std::abs(w.real()) < tol_ && std::abs(w.imag()) < tol_; }
  /// The result for (a, b, ratio) from `cache` (slot h) when it holds it in
  /// this epoch, else compute() stored there.
  template <class Compute>
  Edge cached(std::vector<CacheSlot>& cache, std::size_t h, Node* a, Node* b, cplx ratio, Compute compute);
  Edge multiply_nodes(Node* a, Node* b);
  Edge add_nodes(Node* a, Node* b, cplx ratio);
  void rebuild_reals();

  uint32_t n_;
  double tol_;
  Node* terminal_;
  std::vector<Node*> ident_;  // ident_[v]: identity on qubits 0..v
  std::vector<std::unique_ptr<Node[]>> chunks_;
  Node* free_ = nullptr;
  uint64_t next_id_ = 1;
  std::vector<Node*> table_;  // unique table buckets
  std::size_t live_ = 0;
  uint32_t epoch_ = 0;
  uint32_t walk_ = 0;
  std::unordered_map<int64_t, std::vector<double>> reals_;
  std::vector<CacheSlot> mul_cache_, add_cache_;
};

}  // namespace qforge::dd
