// Process groups over c10d's Gloo backend, local launches, and the
// collective operations of data-parallel training (distributed.hpp).
// The one translation unit that includes the c10d and Gloo headers.
#define USE_C10D_GLOO 1
#include "distributed.hpp"

#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <chrono>
#include <climits>
#include <map>
#include <csignal>
#include <cstring>
#include <thread>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace qforge::models {

struct ProcessGroup::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
  int rank = 0, size = 1;
  double timeout = 60;
  double allreduce_seconds = 0;
  int64_t allreduce_steps = 0;

  std::chrono::milliseconds timeout_ms() const {
    return std::chrono::milliseconds(int64_t(timeout * 1000.0));
  }

  /// Wait for `work`; every failure becomes a DistributedError naming this
  /// rank, the operation and the timeout.
  void wait(const c10::intrusive_ptr<c10d::Work>& work, const std::string& what) const {
    try {
      work->wait(timeout_ms());
    } catch (const std::exception& e) {
      fail(what, e);
    }
  }

  [[noreturn]] void fail(const std::string& what, const std::exception& e) const {
    std::string msg = e.what();
    if (auto* ce = dynamic_cast<const c10::Error*>(&e)) msg = ce->what_without_backtrace();
    auto nl = msg.find('\n');
    if (nl != std::string::npos) msg.resize(nl);
    char t[32];
    std::snprintf(t, sizeof t, "%g", timeout);
    throw DistributedError("rank " + std::to_string(rank) + " of " + std::to_string(size) + ": " + what +
                           " failed: another rank died or did not answer within " + t + " s (" + msg + ")");
  }
};

ProcessGroup::ProcessGroup(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ProcessGroup::~ProcessGroup() = default;
int ProcessGroup::rank() const { return impl_->rank; }
int ProcessGroup::size() const { return impl_->size; }
double ProcessGroup::timeout_seconds() const { return impl_->timeout; }
double ProcessGroup::allreduce_seconds() const { return impl_->allreduce_seconds; }
int64_t ProcessGroup::allreduce_steps() const { return impl_->allreduce_steps; }

namespace {

bool loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1";
}

}  // namespace

std::shared_ptr<ProcessGroup> ProcessGroup::connect(const DistributedOptions& o) {
  if (o.world_size < 1) throw DistributedError("world size must be at least 1");
  if (o.rank < 0 || o.rank >= o.world_size)
    throw DistributedError("rank " + std::to_string(o.rank) + " outside 0.." + std::to_string(o.world_size - 1));
  if (!(o.timeout_seconds > 0)) throw DistributedError("the timeout must be positive");
  auto impl = std::make_unique<Impl>();
  impl->rank = o.rank;
  impl->size = o.world_size;
  impl->timeout = o.timeout_seconds;
  const auto timeout = impl->timeout_ms();
  const std::string where = "rank " + std::to_string(o.rank) + " of " + std::to_string(o.world_size);
  std::string host = "127.0.0.1";
  try {
    if (o.master.rfind("file:", 0) == 0) {
      impl->store = c10::make_intrusive<c10d::FileStore>(o.master.substr(5), o.world_size);
      impl->store->setTimeout(timeout);
    } else {
      auto colon = o.master.rfind(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == o.master.size())
        throw DistributedError("--master expects HOST:PORT or file:PATH, got '" + o.master + "'");
      host = o.master.substr(0, colon);
      int port = 0;
      try {
        std::size_t used = 0;
        port = std::stoi(o.master.substr(colon + 1), &used);
        if (used != o.master.size() - colon - 1) port = -1;
      } catch (const std::logic_error&) {
        port = -1;
      }
      if (port < 0 || port > 65535) throw DistributedError("bad port in --master '" + o.master + "'");
      c10d::TCPStoreOptions so;
      so.port = uint16_t(port);
      so.isServer = o.rank == 0;
      so.waitWorkers = false;
      so.timeout = timeout;
      impl->store = c10::make_intrusive<c10d::TCPStore>(host, so);
    }
    auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
    opts->devices.push_back(loopback(host) ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                                           : c10d::ProcessGroupGloo::createDefaultDevice());
    impl->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(impl->store, o.rank, o.world_size, opts);
  } catch (const DistributedError&) {
    throw;
  } catch (const std::exception& e) {
    std::string msg = e.what();
    if (auto* ce = dynamic_cast<const c10::Error*>(&e)) msg = ce->what_without_backtrace();
    auto nl = msg.find('\n');
    if (nl != std::string::npos) msg.resize(nl);
    throw DistributedError(where + ": cannot join the process group at '" + o.master + "' (" + msg + ")");
  }
  return std::shared_ptr<ProcessGroup>(new ProcessGroup(std::move(impl)));
}

Part rank_part(int64_t n, int world, int rank) {
  const int64_t q = n / world, r = n % world;
  Part p;
  p.count = q + (rank < r ? 1 : 0);
  p.begin = rank * q + std::min<int64_t>(rank, r);
  return p;
}

// ------------------------------------------------------------------ collectives

namespace distributed {

void broadcast_module(ProcessGroup& group, torch::nn::Module& module) {
  auto& g = group.impl();
  if (g.size == 1) return;
  torch::NoGradGuard ng;
  std::vector<at::Tensor> all;
  for (auto& p : module.parameters()) all.push_back(p);
  for (auto& b : module.buffers()) all.push_back(b);
  // One flat buffer per dtype keeps it to a few broadcasts.
  std::map<c10::ScalarType, std::vector<at::Tensor>> by_type;
  for (auto& t : all) by_type[t.scalar_type()].push_back(t);
  for (auto& [type, ts] : by_type) {
    std::vector<at::Tensor> flat{torch::cat([&] {
      std::vector<at::Tensor> v;
      for (auto& t : ts) v.push_back(t.reshape({-1}));
      return v;
    }())};
    c10d::BroadcastOptions bo;
    bo.rootRank = 0;
    g.wait(g.pg->broadcast(flat, bo), "broadcasting the model's parameters from rank 0");
    int64_t at = 0;
    for (auto& t : ts) {
      t.copy_(flat[0].narrow(0, at, t.numel()).view(t.sizes()));
      at += t.numel();
    }
  }
}

void allreduce_gradients(ProcessGroup& group, const std::vector<torch::Tensor>& parameters,
                         const std::string& where) {
  auto& g = group.impl();
  if (g.size == 1) return;
  auto t0 = std::chrono::steady_clock::now();
  torch::NoGradGuard ng;
  std::vector<at::Tensor> parts;
  for (const auto& p : parameters) {
    auto grad = p.grad();
    parts.push_back(grad.defined() ? grad.reshape({-1}) : torch::zeros({p.numel()}, p.options()));
  }
  std::vector<at::Tensor> flat{torch::cat(parts)};
  g.wait(g.pg->allreduce(flat), "the gradient allreduce (" + where + ")");
  int64_t at = 0;
  for (const auto& p : parameters) {
    auto sum = flat[0].narrow(0, at, p.numel()).view(p.sizes());
    auto& grad = const_cast<torch::Tensor&>(p).mutable_grad();
    if (grad.defined()) grad.copy_(sum);
    else grad = sum.clone();
    at += p.numel();
  }
  g.allreduce_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ++g.allreduce_steps;
}

void allreduce_sum(ProcessGroup& group, torch::Tensor& values, const std::string& where) {
  auto& g = group.impl();
  if (g.size == 1) return;
  std::vector<at::Tensor> v{values};
  g.wait(g.pg->allreduce(v), "summing " + where);
}

void allreduce_counts(ProcessGroup& group, ConfusionMatrix& counts, double& sum, const std::string& where) {
  if (group.size() == 1) return;
  const int C = counts.num_classes();
  auto t = torch::zeros({int64_t(C) * C + 1}, torch::kFloat64);
  auto a = t.accessor<double, 1>();
  for (int i = 0; i < C; ++i)
    for (int j = 0; j < C; ++j) a[i * C + j] = double(counts.at(i, j));
  a[int64_t(C) * C] = sum;
  allreduce_sum(group, t, where);
  ConfusionMatrix out(C);
  for (int i = 0; i < C; ++i)
    for (int j = 0; j < C; ++j) out.add(i, j, int64_t(std::llround(a[i * C + j])));
  counts = out;
  sum = a[int64_t(C) * C];
}

std::string broadcast_bytes(ProcessGroup& group, const std::string& bytes, const std::string& where) {
  auto& g = group.impl();
  if (g.size == 1) return bytes;
  c10d::BroadcastOptions bo;
  bo.rootRank = 0;
  std::vector<at::Tensor> n{torch::full({1}, int64_t(g.rank == 0 ? bytes.size() : 0), torch::kLong)};
  g.wait(g.pg->broadcast(n, bo), "broadcasting " + where + " from rank 0");
  const int64_t size = n[0].item<int64_t>();
  std::vector<at::Tensor> data{g.rank == 0 ? torch::from_blob(const_cast<char*>(bytes.data()), {size}, torch::kUInt8).clone()
                                           : torch::empty({size}, torch::kUInt8)};
  if (size > 0) g.wait(g.pg->broadcast(data, bo), "broadcasting " + where + " from rank 0");
  return std::string(reinterpret_cast<const char*>(data[0].data_ptr<uint8_t>()), std::size_t(size));
}

uint64_t rank_seed(uint64_t seed, int rank, int epoch) {
  // splitmix64 of the three, so nearby seeds, ranks and epochs differ.
  uint64_t z = seed * 0x9E3779B97F4A7C15ULL + uint64_t(rank) * 0xBF58476D1CE4E5B9ULL +
               uint64_t(epoch) * 0x94D049BB133111EBULL + 0x2545F4914F6CDD1DULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace distributed

// ------------------------------------------------------------------ local launch

namespace {

std::string self_exe() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw DistributedError("cannot find the running executable (/proc/self/exe)");
  return std::string(buf, std::size_t(n));
}

std::string describe(int rank, pid_t pid, int status) {
  std::string s = "worker rank " + std::to_string(rank) + " (pid " + std::to_string(pid) + ")";
  if (WIFSIGNALED(status)) return s + " was killed by signal " + std::to_string(WTERMSIG(status));
  return s + " exited with status " + std::to_string(WEXITSTATUS(status));
}

}  // namespace

LocalLaunch::LocalLaunch(int ranks, const std::vector<std::string>& worker_args, double timeout_seconds)
    : timeout_(timeout_seconds) {
  if (ranks < 1) throw DistributedError("--ddp-local needs at least 1 rank");
  if (ranks == 1) {
    DistributedOptions o;
    o.master = "127.0.0.1:0";
    o.timeout_seconds = timeout_seconds;
    group_ = ProcessGroup::connect(o);
    return;
  }
  // Rank 0's store first, on a free port the kernel picks; the workers get it.
  c10d::TCPStoreOptions so;
  so.port = 0;
  so.isServer = true;
  so.waitWorkers = false;
  so.timeout = std::chrono::milliseconds(int64_t(timeout_seconds * 1000.0));
  c10::intrusive_ptr<c10d::TCPStore> store;
  try {
    store = c10::make_intrusive<c10d::TCPStore>("127.0.0.1", so);
  } catch (const std::exception& e) {
    throw DistributedError(std::string("cannot open a TCP store on 127.0.0.1: ") + e.what());
  }
  const std::string master = "127.0.0.1:" + std::to_string(store->getPort());
  const std::string exe = self_exe();
  char tbuf[32];
  std::snprintf(tbuf, sizeof tbuf, "%g", timeout_seconds);
  const pid_t parent = ::getpid();
  for (int r = 1; r < ranks; ++r) {
    std::vector<std::string> args{exe};
    args.insert(args.end(), worker_args.begin(), worker_args.end());
    for (const std::string& a : {std::string("--world-size"), std::to_string(ranks), std::string("--rank"),
                                 std::to_string(r), std::string("--master"), master, std::string("--ddp-timeout"),
                                 std::string(tbuf)})
      args.push_back(a);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) throw DistributedError(std::string("cannot start worker processes: ") + std::strerror(errno));
    if (pid == 0) {  // the child: only async-signal-safe calls until exec
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) ::_exit(127);
      int null = ::open("/dev/null", O_WRONLY);
      if (null >= 0) ::dup2(null, 1);
      ::execv(exe.c_str(), argv.data());
      ::_exit(127);
    }
    pids_.push_back(pid);
    status_.push_back(-1);
  }
  try {
    auto impl = std::make_unique<ProcessGroup::Impl>();
    impl->rank = 0;
    impl->size = ranks;
    impl->timeout = timeout_seconds;
    impl->store = store;
    auto opts = c10d::ProcessGroupGloo::Options::create(impl->timeout_ms());
    opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    impl->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(store, 0, ranks, opts);
    group_ = std::shared_ptr<ProcessGroup>(new ProcessGroup(std::move(impl)));
  } catch (const std::exception& e) {
    std::string msg = e.what();
    if (auto* ce = dynamic_cast<const c10::Error*>(&e)) msg = ce->what_without_backtrace();
    auto nl = msg.find('\n');
    if (nl != std::string::npos) msg.resize(nl);
    throw DistributedError("rank 0 of " + std::to_string(ranks) + ": the workers did not join at " + master +
                           " (" + msg + ")" + failures());
  }
}

void LocalLaunch::poll(double seconds, bool until_one_failed) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(int64_t(seconds * 1000.0));
  for (;;) {
    bool running = false, failed = false;
    for (std::size_t i = 0; i < pids_.size(); ++i) {
      if (status_[i] == -1) {
        int st = 0;
        pid_t got = ::waitpid(pids_[i], &st, WNOHANG);
        if (got == pids_[i]) status_[i] = st;
        else if (got < 0) status_[i] = 0;  // reaped elsewhere
      }
      running = running || status_[i] == -1;
      failed = failed || (status_[i] != -1 && status_[i] != 0);
    }
    if (!running || (until_one_failed && failed) || std::chrono::steady_clock::now() >= deadline) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string LocalLaunch::failures() {
  // The connection to a killed worker may close before it can be reaped.
  poll(std::min(1.0, timeout_), true);
  std::string out;
  for (std::size_t i = 0; i < pids_.size(); ++i)
    if (status_[i] != -1 && status_[i] != 0) out += "; " + describe(int(i) + 1, pids_[i], status_[i]);
  return out;
}

void LocalLaunch::finish() {
  poll(timeout_, false);
  std::string out;
  for (std::size_t i = 0; i < pids_.size(); ++i) {
    if (status_[i] == -1) {
      ::kill(pids_[i], SIGKILL);
      ::waitpid(pids_[i], nullptr, 0);
      status_[i] = 0;
      out += (out.empty() ? "" : "; ") + std::string("worker rank ") + std::to_string(i + 1) + " (pid " +
             std::to_string(pids_[i]) + ") did not exit and was killed";
    } else if (status_[i] != 0) {
      out += (out.empty() ? "" : "; ") + describe(int(i) + 1, pids_[i], status_[i]);
    }
  }
  if (!out.empty()) throw DistributedError(out);
}

LocalLaunch::~LocalLaunch() {
  group_.reset();
  for (std::size_t i = 0; i < pids_.size(); ++i)
    if (status_[i] == -1) {  // SIGKILL: a stopped worker would hold SIGTERM
      ::kill(pids_[i], SIGKILL);
      ::waitpid(pids_[i], nullptr, 0);
    }
}

}  // namespace qforge::models
