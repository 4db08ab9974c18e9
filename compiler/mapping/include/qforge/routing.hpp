// qforge/routing.hpp - layout and routing of a circuit onto a coupling map.
#pragma once

#include "qforge/pass.hpp"
#include "qforge/target.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace qforge {

/// Layout and routing onto a coupling map (SABRE-style: front layer with
/// commuting cx taken into account, extended-set lookahead with decay, a
/// release valve, several seeded trials of forward-backward layout
/// refinement; the trial adding the fewest two-qubit gates wins). Needs
/// gates on at most two qubits. Output: physical qubits
/// (Circuit::physical_qubits), num_qubits = the map's size; a SWAP is 3 cx,
/// or 2 when it merges with a cx on the same pair or moves a qubit onto an
/// unused physical qubit (unused qubits start in |0>, as OpenQASM says).
struct RoutingConfig {
  CouplingMap coupling;
  uint32_t trials = 8;
  uint64_t seed = 7;
  /// The routed two-qubit blocks are resynthesised afterwards (KAK): a SWAP
  /// after a cx on the same pair with only single-qubit gates between
  /// (a block of one cx and a SWAP: 2 cx) counts 2 cx when trials are
  /// compared. The SWAP is still written as 3 cx.
  bool resynthesised = false;
};
class RoutingPass : public Pass {
 public:
  explicit RoutingPass(RoutingConfig cfg) : cfg_(std::move(cfg)) {}
  std::string name() const override { return "sabre-routing"; }
  bool run(Circuit& c) override;
  /// logical qubit i -> physical qubit, before and after the circuit.
  const std::vector<uint32_t>& initial_layout() const { return initial_; }
  const std::vector<uint32_t>& final_layout() const { return final_; }
  uint32_t swaps() const { return swaps_; }

 private:
  RoutingConfig cfg_;
  std::vector<uint32_t> initial_, final_;
  uint32_t swaps_ = 0;
};
std::unique_ptr<RoutingPass> createRoutingPass(RoutingConfig cfg);

}  // namespace qforge
