// qforge/pipeline.hpp - the -O0..-O3 pipelines: a named list of passes per
// level and target, printed by describe_pipeline (`qforge compile
// --print-passes`), run by run_pipeline.
#pragma once

#include "qforge/pass.hpp"
#include "qforge/routing.hpp"
#include "qforge/synthesis.hpp"
#include "qforge/target.hpp"

#include <memory>
#include <string>
#include <vector>

namespace qforge {

/// The basis a target's gate set asks the translation passes for.
Basis basis_of(const Target& t);

// -------------------------------------------------------------- pipelines --

struct Pipeline {
  std::string name;                          ///< e.g. "O2/nam"
  std::vector<std::unique_ptr<Pass>> passes;
  RoutingPass* routing = nullptr;            ///< owned by `passes`, if routing
};

/// The pass list of -O<level> (0..3) for `target`. Throws std::invalid_argument
/// for a level outside 0..3.
Pipeline pipeline_for_level(int level, const Target& target);

struct CompileResult {
  Circuit circuit;
  std::vector<uint32_t> initial_layout;  ///< logical -> physical (empty: not routed)
  std::vector<uint32_t> final_layout;    ///< logical -> physical at the end
  std::string pass_report;               ///< one line per pass: name, gates after, time
};

/// Compile `c` at -O<level> for the named target (and coupling-map spec,
/// may be empty). Throws std::invalid_argument for a bad level, target or spec.
/// With check_each_pass, the IR verifier runs after every pass, nested ones
/// included, and names the pass that broke an invariant (std::logic_error).
CompileResult run_pipeline(const Circuit& c, int level, const std::string& target,
                           const std::string& coupling_map_spec = "", bool check_each_pass = kCheckPassesByDefault);
/// The same for a Target built by the caller (e.g. a device from its noise
/// model). A directed target's output is checked with check_target.
CompileResult run_pipeline(const Circuit& c, int level, const Target& target,
                           bool check_each_pass = kCheckPassesByDefault);
/// The text --print-passes shows.
std::string describe_pipeline(int level, const std::string& target, const std::string& coupling_map_spec = "");
std::string describe_pipeline(int level, const Target& target);

/// `// qforge-layout initial=[0,5,2] final=[5,0,2]`: the line the compile
/// verb writes at the top of routed output, and that `qforge equiv` reads.
std::string layout_comment(const CompileResult& r);
/// Find such a line in source text; false when there is none.
bool parse_layout_comment(const std::string& text, std::vector<uint32_t>& initial, std::vector<uint32_t>& final_);

}  // namespace qforge
