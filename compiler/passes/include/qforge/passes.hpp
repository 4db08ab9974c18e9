// qforge/passes.hpp - the optimizing compiler's passes.
//
// Every pass is a class with a nested Config, made by a create*Pass()
// factory, and rewrites a Circuit in place keeping it equivalent including
// the global phase (Circuit::global_phase is updated exactly for constant
// gates). On a circuit with run-time classical logic every pass runs on the
// stretches of quantum operations between classical ones and inside every
// control-flow block, so nothing moves, cancels or merges across an
// assignment, a RuntimeGate, a control-flow operation, break, continue or
// end, and gates inside blocks are optimised like the others. Parameterised gates over `input` symbols stay symbolic: they are
// merged symbolically (rz(a) rz(b) -> rz(a + b)) but never resynthesised.
// Passes assume nothing about the gate set unless stated; the pipelines
// (pipeline.hpp) first lower to {h, x, cx, rz}, optimise there, then
// translate to the target.
#pragma once

#include "qforge/circuit.hpp"
#include "qforge/pass.hpp"
#include "qforge/synthesis.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace qforge {

// ---------------------------------------------------------------- passes --

/// Exact translation into a basis. Every table gate with any number of extra
/// controls is decomposed (multi-controlled gates by Barenco et al.'s
/// recursion); constant single-qubit gates are resynthesised, symbolic ones
/// rewritten by fixed rules. Measurements, resets, barriers, delays and
/// conditions are kept (a conditioned gate's decomposition keeps the condition).
struct BasisTranslationConfig {
  Basis basis = Basis::Nam;
};
std::unique_ptr<Pass> createBasisTranslationPass(BasisTranslationConfig cfg = {});

/// Turn two-qubit gates into the direction a device calibrated them in: a
/// `gate` on (a, b) with (a, b) not in `directions` but (b, a) in it is
/// rewritten exactly (cz: operands exchanged; ecr: the calibrated ecr(b, a)
/// with single-qubit {rz, sx, x} gates around it and the global phase).
/// Gates allowed in neither direction are left for check_target to report.
struct GateDirectionConfig {
  GateId gate = GateId::ECR;                              ///< ecr or cz
  std::vector<std::pair<uint32_t, uint32_t>> directions;  ///< calibrated (first, second) pairs
};
std::unique_ptr<Pass> createGateDirectionPass(GateDirectionConfig cfg = {});

/// Remove adjacent inverse pairs (h h, cx cx, s sdg, ...) on the same qubits.
struct InverseCancellationConfig {};
std::unique_ptr<Pass> createInverseCancellationPass(InverseCancellationConfig cfg = {});

/// Merge adjacent rotations about the same axis on the same qubits (rz rz,
/// rx rx, p p, rzz rzz, crz crz, ...) and remove identity rotations
/// (angle 0 mod 4pi; 2pi becomes global phase pi).
struct RotationMergeConfig {
  double tolerance = 1e-12;
};
std::unique_ptr<Pass> createRotationMergePass(RotationMergeConfig cfg = {});

/// Commutation-aware cancellation: a gate travels forward past gates it
/// commutes with (on every shared qubit both diagonal in Z, e.g. rz / cx
/// controls / cz, or both diagonal in X, e.g. x / cx targets / rx) and
/// cancels against its inverse or merges with a rotation of its own kind.
struct CommutationCancellationConfig {
  uint32_t max_lookahead = 400;  ///< ops per qubit wire scanned per gate
  double tolerance = 1e-12;
};
std::unique_ptr<Pass> createCommutationCancellationPass(CommutationCancellationConfig cfg = {});

/// Phase-polynomial rotation merging (Nam et al. 2018, "rotation merging"):
/// tracks, per wire, the affine parity of path variables through x, cx,
/// swap and diagonal gates (any other gate gives its non-diagonal qubits a
/// fresh variable), and folds every rz whose parity was seen before into
/// the first rz of that parity. Exact by the sum-over-paths argument.
struct PhasePolynomialConfig {
  /// Where the merged rotation of a parity goes: its first or its last
  /// occurrence, or (Smart) the first occurrence that does not sit between
  /// two identical cx gates targeting its wire (which could then cancel).
  /// All are exact; they unblock different cancellations.
  enum class Placement { First, Last, Smart } placement = Placement::Smart;
};
std::unique_ptr<Pass> createPhasePolynomialPass(PhasePolynomialConfig cfg = {});

/// CNOT-phase region resynthesis: each maximal {cx, x, rz} region (cut
/// greedily in circuit order; other gates close their qubits) is a linear
/// map, x gates and a phase polynomial; it is rebuilt by gray-synth (Amy,
/// Azimzadeh, Mosca 2018) plus a linear-map circuit, and by its own cx with
/// the rotations floating, each run of cx on at most five wires replaced by
/// the shortest one that keeps every parity it alone shows; the region is
/// replaced only when that has fewer cx (or as many cx and fewer gates). Exact, including the
/// global phase; symbolic rz angles are moved, never evaluated.
struct CnotPhaseResynthesisConfig {
  uint32_t max_region_qubits = 128;  ///< larger regions are left as they are
  bool from_back = false;            ///< cut regions from the end of the circuit
  uint32_t relabellings = 4;         ///< extra gray-synth walks on relabelled qubits (regions of 3-16)
  bool windows = true;               ///< shortest rewrites of runs of cx on at most 5 wires
};
std::unique_ptr<Pass> createCnotPhaseResynthesisPass(CnotPhaseResynthesisConfig cfg = {});

/// NOT propagation (Nam et al. preprocessing): every x gate moves forward as
/// far as it can (past cx, swap and rz exactly; past h as an rz(pi)), so
/// pairs cancel and what is left sits at the end or before the first gate
/// it cannot pass.
struct NotPropagationConfig {};
std::unique_ptr<Pass> createNotPropagationPass(NotPropagationConfig cfg = {});

/// Rotation floating across regions: in an {h, x, cx, rz} circuit each wire
/// holds an affine parity of path variables (inputs and one per h), and an
/// rz may sit at any point where some wire holds its parity (negated where
/// the constant differs), global phase included. Phase folding keeps one
/// point per parity; this pass moves rotations one at a time to their other
/// points, runs `cleanup` on the stretch of the circuit between the two
/// points (and a margin), and keeps a move when that stretch gets fewer
/// two-qubit gates (or as many and fewer gates). Other circuits are left
/// alone.
struct RotationFloatingConfig {
  std::size_t max_trials = 400;  ///< cleanup runs at most, over the whole circuit
  std::size_t max_points = 4;    ///< other points tried per rotation
  std::size_t max_distance = 400;  ///< ops between the two points at most
  std::size_t max_words = std::size_t(1) << 22;  ///< parity storage (64-bit words): larger circuits are left alone
};
std::unique_ptr<Pass> createRotationFloatingPass(std::unique_ptr<Pass> cleanup, RotationFloatingConfig cfg = {});

/// Hadamard flips: between two h on a wire w that only cx touch,
/// h(w) cx(w,a) h(w) = h(a) cx(a,w) h(a) (and likewise with w the target):
/// both h go and every cx turns round with h on its other qubit. That moves
/// region boundaries; the pass tries each such pair of h in an {h, x, cx, rz}
/// circuit, runs `cleanup` on the stretch (and a margin), and keeps a flip
/// when that stretch gets fewer two-qubit gates (or as many and fewer gates).
struct HadamardFlipConfig {
  std::size_t max_trials = 200;  ///< cleanup runs at most, over the whole circuit
  std::size_t max_span = 400;    ///< ops between the two h at most
};
std::unique_ptr<Pass> createHadamardFlipPass(std::unique_ptr<Pass> cleanup, HadamardFlipConfig cfg = {});

/// Hadamard reduction (Nam et al. rules): h rz(+-pi/2) h -> rz(-+pi/2) h
/// rz(-+pi/2), and h(a) h(b) cx(a,b) h(a) h(b) -> cx(b,a); fewer H gates
/// split fewer phase-polynomial regions.
struct HadamardReductionConfig {};
std::unique_ptr<Pass> createHadamardReductionPass(HadamardReductionConfig cfg = {});

/// Fuse maximal runs of constant single-qubit gates on a wire into one 2x2
/// unitary and resynthesise it in `basis` when that is shorter (or when the
/// run has gates outside the basis).
struct SingleQubitFusionConfig {
  Basis basis = Basis::Nam;
};
std::unique_ptr<Pass> createSingleQubitFusionPass(SingleQubitFusionConfig cfg = {});

/// Two-qubit block resynthesis (KAK): maximal runs of constant gates acting
/// only on one pair of qubits (two-qubit gates either way round, including
/// singly controlled single-qubit gates, and single-qubit gates on either;
/// consecutive on both wires, at least one two-qubit gate) become one 4x4
/// unitary, resynthesised by synthesize_2q with the fewest two-qubit gates its
/// KAK class allows (0..3) and single-qubit gates in `basis`; the result
/// stands where the block's last gate stood. A block is replaced only when
/// strictly cheaper: fewer gates + two-qubit gates, ties broken by fewer
/// two-qubit gates (with two_qubit_first: fewer two-qubit gates, ties broken
/// by fewer gates). Symbolic or conditioned gates, gates on three or more
/// qubits, measurements, resets, barriers and delays end blocks and are never
/// touched.
struct TwoQubitResynthesisConfig {
  Basis basis = Basis::Nam;
  double tolerance = 1e-9;       ///< as in synthesize_2q: snapping of KAK coordinates,
                                 ///< and the largest entry error of a replacement
  bool two_qubit_first = false;  ///< lexicographic (two-qubit, total) instead of total + two-qubit
  bool keep_clifford_t = false;  ///< a block whose angles are all multiples of pi/4 is replaced only
                                 ///< by one whose angles are too
};
std::unique_ptr<Pass> createTwoQubitResynthesisPass(TwoQubitResynthesisConfig cfg = {});


/// Run `passes` in order, again and again until none changes the circuit
/// (at most max_rounds rounds).
struct FixpointConfig {
  std::string name = "fixpoint";
  uint32_t max_rounds = 8;
};
std::unique_ptr<Pass> createFixpointPass(std::vector<std::unique_ptr<Pass>> passes, FixpointConfig cfg = {});

/// Run each alternative on a copy of the circuit and keep the cheapest
/// result (cost: gates + two-qubit gates, i.e. CX counted twice).
struct BestOfConfig {
  std::string name = "best-of";
};
std::unique_ptr<Pass> createBestOfPass(std::vector<std::unique_ptr<Pass>> alternatives, BestOfConfig cfg = {});
// -------------------------------------------------------------- counting --

/// Gate counts in the Nam gate set as the corpus README counts them: every
/// gate counts one (t, s, z and any rz/p/u1 count as one Rz), CX = two-qubit
/// gates, T = diagonal rotations by an odd multiple of pi/4. Gates inside the
/// blocks of control-flow operations count once each, as written.
struct GateCounts {
  uint64_t total = 0, two_qubit = 0, t = 0;
};
GateCounts count_gates(const Circuit& c);

}  // namespace qforge
