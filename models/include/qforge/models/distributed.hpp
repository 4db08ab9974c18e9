// qforge/models/distributed.hpp - data-parallel training and evaluation over
// LibTorch's c10d process groups (the Gloo backend, the only one Debian's
// LibTorch has). Torch-free interface (the CLI and tests include only this);
// the c10d code lives in models/src/distributed.cpp.
//
// A run of W ranks: every rank holds the whole model and the whole data set;
// rank 0's parameters and buffers are broadcast at the start; each global
// batch (--batch) is split into W contiguous parts, one per rank; gradients
// are summed over the ranks in one allreduce per step (each rank's weighted by
// its share of the batch, so the sum is the gradient of the global batch's
// mean loss); metrics are summed over the ranks, so they mean what one
// process's mean. Validation, test and FGSM passes are split the same way.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <sys/types.h>
#include <vector>

namespace qforge::models {

/// Raised by every rank when a collective operation fails: another rank died
/// (its connections closed) or did not answer within the group's timeout.
struct DistributedError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct DistributedOptions {
  int world_size = 1;
  int rank = 0;
  /// Where the ranks meet: "HOST:PORT" of rank 0's TCP store (rank 0 listens
  /// on PORT on every interface, the others connect to HOST), or "file:PATH",
  /// a store in a file every rank can reach (a shared folder, or threads of
  /// one process in tests).
  std::string master;
  /// Rendezvous and every collective operation fail after this long.
  double timeout_seconds = 60;
};

/// One rank's membership of a c10d Gloo process group.
class ProcessGroup {
 public:
  /// Join the group (blocks until all world_size ranks have joined, at most
  /// the timeout); throws DistributedError naming the master and the rank.
  static std::shared_ptr<ProcessGroup> connect(const DistributedOptions& options);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const;
  int size() const;
  double timeout_seconds() const;
  /// Time spent in, and the number of, the per-step gradient allreduces so far.
  double allreduce_seconds() const;
  int64_t allreduce_steps() const;

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  friend class LocalLaunch;
  explicit ProcessGroup(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// The rank's contiguous part [begin, begin + count) of `n` items split over
/// `world` ranks: the first n % world ranks get one item more.
struct Part {
  int64_t begin = 0, count = 0;
};
Part rank_part(int64_t n, int world, int rank);

/// `--ddp-local N` on one machine: this process becomes rank 0 of N and
/// starts N-1 worker processes of the running executable with `worker_args`
/// followed by --world-size N --rank R --master 127.0.0.1:PORT --ddp-timeout T
/// (a TCP store of rank 0 on a free loopback port; the workers' standard
/// output goes to /dev/null, their errors to this process's standard error).
/// Workers die with this process (PR_SET_PDEATHSIG).
class LocalLaunch {
 public:
  LocalLaunch(int ranks, const std::vector<std::string>& worker_args, double timeout_seconds);
  ~LocalLaunch();  ///< kills workers still running
  LocalLaunch(const LocalLaunch&) = delete;
  LocalLaunch& operator=(const LocalLaunch&) = delete;

  const std::shared_ptr<ProcessGroup>& group() const { return group_; }
  /// Wait (at most the timeout) for every worker to exit; throws
  /// DistributedError naming each worker that failed, was killed or hung.
  void finish();
  /// "; worker rank 1 (pid N) was killed by signal 9" for each worker that
  /// has failed, waiting up to a second for one to (empty when none has):
  /// appended to errors of rank 0.
  std::string failures();

 private:
  std::shared_ptr<ProcessGroup> group_;
  std::vector<pid_t> pids_;
  std::vector<int> status_;   ///< waitpid status, -1 while running
  double timeout_ = 60;
  /// Reap workers until all have exited, one has failed (`until_one_failed`)
  /// or `seconds` have passed.
  void poll(double seconds, bool until_one_failed);
};

}  // namespace qforge::models
