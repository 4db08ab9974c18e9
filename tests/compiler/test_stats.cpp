// circuit_stats on hand-counted circuits: counts, two-qubit gates, T count
// and depth (on qubits and clbits, barriers skipped), and the text and JSON forms.
#include "qforge/stats.hpp"
#include "test_emit_helpers.hpp"

#include <gtest/gtest.h>

namespace qforge {
namespace {

using namespace test_emit;
using G = GateId;

TEST(Stats, CountNames) {
  EXPECT_EQ(gate_count_name(gate(G::H, {0})), "h");
  EXPECT_EQ(gate_count_name(gate(G::CX, {0, 1})), "cx");
  EXPECT_EQ(gate_count_name(gate(G::X, {0, 1}, {}, 1)), "cx");
  EXPECT_EQ(gate_count_name(gate(G::CX, {0, 1, 2}, {}, 1)), "ccx");
  EXPECT_EQ(gate_count_name(gate(G::X, {0, 1, 2, 3}, {}, 3)), "c3x");
  EXPECT_EQ(gate_count_name(gate(G::RZZ, {0, 1, 2}, {0.1}, 1)), "crzz");
  EXPECT_EQ(gate_count_name(gate(G::CRZ, {0, 1, 2, 3}, {0.1}, 2)), "c3rz");
  EXPECT_EQ(gate_count_name(gate(G::CSwap, {0, 1, 2, 3}, {}, 1)), "ccswap");
}

// q0: h ─ cx ─────── measure ─┐
// q1: ─── cx ─ t ─── ccx      │ (conditioned on c0)
// q2: tdg ──────────  ccx ────┘
TEST(Stats, HandCounted) {
  Circuit c = circuit(3, 2,
                      {gate(G::H, {0}),                        // depth 1 (q0)
                       gate(G::Tdg, {2}),                      // depth 1 (q2)
                       gate(G::CX, {0, 1}),                    // depth 2 (q0 q1)
                       gate(G::T, {1}),                        // depth 3
                       other(OpKind::Barrier, {0, 1, 2}),      // skipped
                       measure(0, 0),                          // depth 3 (q0 at 2)
                       when(gate(G::CCX, {1, 2, 0}), {0}, 1),  // after t (3) and the measure (3): 4
                       gate(G::T, {1, 2}, {}, 1),              // ctrl @ t: "ct", 5
                       measure(2, 1)});                        // 6
  CircuitStats s = circuit_stats(c);
  EXPECT_EQ(s.qubits, 3u);
  EXPECT_EQ(s.clbits, 2u);
  EXPECT_EQ(s.total, 8u);
  EXPECT_EQ(s.two_qubit, 2u);  // cx and ctrl @ t
  EXPECT_EQ(s.t_count, 2u);    // t and tdg; ctrl @ t is not a T gate
  EXPECT_EQ(s.depth, 6u);
  std::map<std::string, uint64_t> expected = {{"barrier", 1}, {"ccx", 1}, {"ct", 1},  {"cx", 1},
                                              {"h", 1},       {"measure", 2}, {"t", 1}, {"tdg", 1}};
  EXPECT_EQ(s.counts, expected);
}

// Conditions read clbits: a gate conditioned on a bit waits for the measure
// that writes it, even on another qubit; measures into one clbit chain.
TEST(Stats, DepthThroughClbits) {
  Circuit c = circuit(3, 1,
                      {gate(G::H, {0}), gate(G::H, {0}), measure(0, 0),  // 1, 2, 3
                       when(gate(G::X, {1}), {0}, 1),                    // 4 via c0
                       gate(G::X, {2}),                                  // 1
                       measure(2, 0)});                                  // 5 via c0
  EXPECT_EQ(circuit_stats(c).depth, 5u);
}

// Barriers neither count nor synchronise (Qiskit's depth()).
TEST(Stats, BarriersAreSkipped) {
  Circuit c = circuit(2, 0,
                      {gate(G::H, {0}), gate(G::H, {0}), other(OpKind::Barrier, {0, 1}),
                       gate(G::H, {1})});
  CircuitStats s = circuit_stats(c);
  EXPECT_EQ(s.depth, 2u);
  EXPECT_EQ(s.total, 3u);
  EXPECT_EQ(s.counts.at("barrier"), 1u);
}

// Multi-qubit measure, reset and delay count per qubit; extra controls widen
// a gate's footprint.
TEST(Stats, PerQubitInstructionsAndControls) {
  Operation m = other(OpKind::Measure, {0, 1, 2});
  m.clbits = {0, 1, 2};
  Circuit c = circuit(4, 3,
                      {gate(G::X, {0, 1, 2, 3}, {}, 3),  // c3x: 4 qubits, depth 1
                       other(OpKind::Reset, {0, 1}),     // 2 resets, depth 2
                       delay(10, "ns", {2, 3}),          // 2 delays, depth 2
                       m});                              // 3 measures, depth 3
  CircuitStats s = circuit_stats(c);
  EXPECT_EQ(s.total, 8u);
  EXPECT_EQ(s.two_qubit, 0u);
  EXPECT_EQ(s.depth, 3u);
  std::map<std::string, uint64_t> expected = {{"c3x", 1}, {"delay", 2}, {"measure", 3}, {"reset", 2}};
  EXPECT_EQ(s.counts, expected);
}

TEST(Stats, Empty) {
  CircuitStats s = circuit_stats(Circuit{});
  EXPECT_EQ(s.depth, 0u);
  EXPECT_EQ(stats_json(s), R"({
  "qubits": 0,
  "clbits": 0,
  "counts": {},
  "total": 0,
  "two_qubit": 0,
  "depth": 0,
  "t_count": 0
}
)");
}

TEST(Stats, TextAndJson) {
  Circuit c = circuit(2, 2, {gate(G::H, {0}), gate(G::CX, {0, 1}), measure(0, 0), measure(1, 1)});
  CircuitStats s = circuit_stats(c);
  EXPECT_EQ(stats_text(s), R"(qubits:     2
clbits:     2
total:      4
two_qubit:  1
depth:      3
t_count:    0
counts:
  cx       1
  h        1
  measure  2
)");
  EXPECT_EQ(stats_json(s), R"({
  "qubits": 2,
  "clbits": 2,
  "counts": {
    "cx": 1,
    "h": 1,
    "measure": 2
  },
  "total": 4,
  "two_qubit": 1,
  "depth": 3,
  "t_count": 0
}
)");
}

}  // namespace
}  // namespace qforge
