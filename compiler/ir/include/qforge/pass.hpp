// qforge/pass.hpp - the interface every circuit rewrite implements.
//
// A pass rewrites a Circuit in place and keeps it equivalent, global phase
// included. Passes are made by create*Pass() factories (passes.hpp,
// routing.hpp) and run in pipelines (pipeline.hpp).
#pragma once

#include "qforge/circuit.hpp"

#include <string>

namespace qforge {

/// A circuit rewrite. run() returns true when it changed the circuit.
class Pass {
 public:
  virtual ~Pass() = default;
  virtual std::string name() const = 0;
  virtual bool run(Circuit& c) = 0;
  /// One line per pass (nested passes indented), for --print-passes.
  virtual std::string describe(int indent = 0) const;
  /// Statistics of the last run, e.g. "removed 12 gates" (may be empty).
  virtual std::string report() const { return report_; }

 protected:
  std::string report_;
};

}  // namespace qforge
