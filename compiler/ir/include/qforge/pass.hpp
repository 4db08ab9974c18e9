// qforge/pass.hpp - the interface every circuit rewrite implements.
//
// A pass rewrites a Circuit in place and keeps it equivalent, global phase
// included. Passes are made by create*Pass() factories (passes.hpp,
// routing.hpp) and run in pipelines (pipeline.hpp).
#pragma once

#include "qforge/circuit.hpp"

#include <string>

namespace qforge {

/// Whether passes verify the IR after they run unless told otherwise: on in
/// debug builds, off in release builds (tests turn it on).
#ifdef NDEBUG
constexpr bool kCheckPassesByDefault = false;
#else
constexpr bool kCheckPassesByDefault = true;
#endif

/// A circuit rewrite. run() returns true when it changed the circuit.
class Pass {
 public:
  virtual ~Pass() = default;
  virtual std::string name() const = 0;
  virtual bool run(Circuit& c) = 0;
  /// run(), then fill_missing_locations (operations a rewrite made take the
  /// location of the one they serve), then, when checks are on, the IR
  /// verifier (Circuit::verify): a broken invariant throws std::logic_error
  /// naming this pass. Pipelines
  /// and passes that run other passes call this, not run().
  bool apply(Circuit& c);
  /// Turn the verifier after every pass on or off, for this pass and every
  /// pass it runs.
  virtual void set_checks(bool on) { checks_ = on; }
  bool checks() const { return checks_; }
  /// One line per pass (nested passes indented), for --print-passes.
  virtual std::string describe(int indent = 0) const;
  /// Statistics of the last run, e.g. "removed 12 gates" (may be empty).
  virtual std::string report() const { return report_; }

 protected:
  std::string report_;
  bool checks_ = kCheckPassesByDefault;
};

}  // namespace qforge
