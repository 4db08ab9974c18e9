// cli/ddp.hpp - the data-parallel options of train, evaluate and experiment
// (--ddp-local N; --world-size W --rank R --master HOST:PORT; --ddp-timeout),
// defined in cmd_train.cpp.
#pragma once
#ifdef QFORGE_HAVE_MODELS

#include "cli.hpp"

#include "qforge/models/distributed.hpp"

#include <memory>
#include <string>
#include <vector>

namespace qforge::cli {

void add_ddp_options(boost::program_options::options_description& desc);

/// The process group the options ask for: none, the ranks of --ddp-local
/// (this process rank 0, the workers started), or this process's rank of
/// --world-size/--rank/--master.
struct Ddp {
  std::unique_ptr<models::LocalLaunch> launch;
  std::shared_ptr<models::ProcessGroup> group;
  /// Rank 0 (or no group): the process that prints and writes.
  bool lead() const { return !group || group->rank() == 0; }
  /// Wait for the workers of --ddp-local (DistributedError when one failed).
  void finish() {
    if (launch) launch->finish();
  }
  /// Run `work`; a DistributedError on rank 0 of --ddp-local names the workers
  /// that failed. Then wait for the workers.
  template <class F>
  auto run(F&& work) {
    try {
      auto result = work();
      finish();
      return result;
    } catch (const models::DistributedError& e) {
      if (!launch) throw;
      throw models::DistributedError(e.what() + launch->failures());
    }
  }
};

/// `verb` and `args` are the command line after the executable's name; the
/// workers of --ddp-local get them without --ddp-local.
Ddp start_ddp(const boost::program_options::variables_map& vm, const std::string& verb,
              const std::vector<std::string>& args);

}  // namespace qforge::cli

#endif  // QFORGE_HAVE_MODELS
