// Data-parallel runs of real processes through the CLI (`qforge train
// --ddp-local 2`, loopback): two runs with the same seed are bitwise equal
// (dropout and augmentation on every rank); a worker killed or stopped makes
// rank 0 exit with a named error within --ddp-timeout, the last checkpoint
// intact.
#include "qforge/models/training.hpp"

#include <gtest/gtest.h>
#include "tiny_data.hpp"

#include <chrono>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace qforge::models;
using Clock = std::chrono::steady_clock;

namespace {

std::string tiny_mnist() {
  static const std::string dir = test_data::make_bar_dataset("models_ddp_proc", 160, 64, 13);
  return dir;
}

std::string run_dir(const std::string& name) {
  return "/tmp/qforge_ddp_proc_" + std::to_string(::getpid()) + "_" + name;
}

bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

std::string read_all(const std::string& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

/// Start `qforge train ... -o RUN ARGS` with stdout and stderr into RUN.log.
pid_t start_train(const std::string& run, const std::vector<std::string>& extra) {
  std::vector<std::string> args{std::string(QFORGE_BINARY_DIR) + "/cli/qforge",
                                "train", "--model", "cnn-4", "--dataset", "mnist", "--data-dir", tiny_mnist(),
                                "--classes", "0,1", "--train-size", "128", "--val-size", "22", "--test-size", "30",
                                "--batch", "16", "--threads", "1", "--progress", "lines", "-o", run};
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = run + ".log";
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

/// Exit status of `pid`, or -1 when it is still running after `seconds`.
int wait_for(pid_t pid, double seconds) {
  auto end = Clock::now() + std::chrono::milliseconds(int64_t(seconds * 1000));
  for (;;) {
    int st = 0;
    if (::waitpid(pid, &st, WNOHANG) == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (Clock::now() > end) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

/// The children of `parent` (from /proc/PID/stat).
std::vector<pid_t> children(pid_t parent) {
  std::vector<pid_t> out;
  DIR* d = ::opendir("/proc");
  while (dirent* e = d ? ::readdir(d) : nullptr) {
    pid_t pid = ::atoi(e->d_name);
    if (pid <= 0) continue;
    std::string stat = read_all("/proc/" + std::string(e->d_name) + "/stat");
    auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    int ppid = 0;
    char state = 0;
    if (std::sscanf(stat.c_str() + close + 1, " %c %d", &state, &ppid) == 2 && ppid == parent) out.push_back(pid);
  }
  if (d) ::closedir(d);
  return out;
}

/// Train on 2 local ranks until epoch 1's checkpoint exists, send `sig` to
/// rank 1, and check that rank 0 stops within the timeout with `expected`.
void break_rank_one(const std::string& name, int sig, double timeout, const std::string& expected) {
  const std::string run = run_dir(name);
  char t[16];
  std::snprintf(t, sizeof t, "%g", timeout);
  pid_t rank0 = start_train(run, {"--epochs", "1000", "--ddp-local", "2", "--ddp-timeout", t});
  auto until = Clock::now() + std::chrono::seconds(120);
  while (!exists(run + "/epoch_001.pt") && Clock::now() < until && wait_for(rank0, 0) == -1)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(exists(run + "/epoch_001.pt")) << read_all(run + ".log");
  auto kids = children(rank0);
  ASSERT_EQ(kids.size(), 1u) << read_all(run + ".log");
  const auto sent = Clock::now();
  ASSERT_EQ(::kill(kids[0], sig), 0);
  // Rank 0 must stop on its own. The bound is generous: on a loaded shared
  // machine the error takes seconds to travel, and a test never asserts a
  // tight absolute time.
  int status = wait_for(rank0, timeout + 60);
  const double took = std::chrono::duration<double>(Clock::now() - sent).count();
  if (status == -1) {
    ::kill(rank0, SIGKILL);
    ::kill(kids[0], SIGKILL);
    ::waitpid(rank0, nullptr, 0);
    FAIL() << "rank 0 still runs " << took << " s after rank 1 broke\n" << read_all(run + ".log");
  }
  const std::string log = read_all(run + ".log");
  EXPECT_EQ(status, 1) << log;
  EXPECT_NE(log.find("qforge train: error: rank 0 of 2: the "), std::string::npos) << log;
  EXPECT_NE(log.find(expected), std::string::npos) << log;
  EXPECT_TRUE(children(rank0).empty());  // the worker is gone too
  // The last complete checkpoint is intact and names its epoch.
  EvalOptions o;
  o.checkpoint = run + "/checkpoint.pt";
  o.threads = 1;
  o.fgsm_eps = -1;
  EvalResult r = evaluate(o);
  EXPECT_GE(r.epoch, 1);
  EXPECT_EQ(r.images, 30u);
}

}  // namespace

TEST(DistributedProcesses, SameSeedAndRanksGiveBitwiseEqualRuns) {
  const std::vector<std::string> flags{"--epochs", "2", "--augment", "--dropout", "0.3", "--ddp-local", "2"};
  pid_t a = start_train(run_dir("same_a"), flags);
  ASSERT_EQ(wait_for(a, 300), 0) << read_all(run_dir("same_a") + ".log");
  pid_t b = start_train(run_dir("same_b"), flags);
  ASSERT_EQ(wait_for(b, 300), 0) << read_all(run_dir("same_b") + ".log");
  EXPECT_NE(read_all(run_dir("same_a") + ".log").find("ranks: 2"), std::string::npos);
  auto wa = checkpoint_parameters(run_dir("same_a") + "/checkpoint.pt");
  auto wb = checkpoint_parameters(run_dir("same_b") + "/checkpoint.pt");
  ASSERT_EQ(wa.size(), wb.size());
  ASSERT_FALSE(wa.empty());
  EXPECT_EQ(std::memcmp(wa.data(), wb.data(), wa.size() * sizeof(float)), 0);
  EXPECT_EQ(read_all(run_dir("same_a") + "/test_images.txt"), read_all(run_dir("same_b") + "/test_images.txt"));
}

TEST(DistributedProcesses, KilledWorkerStopsRankZeroWithANamedError) {
  break_rank_one("killed", SIGKILL, 10, ") was killed by signal 9");
}

TEST(DistributedProcesses, HungWorkerStopsRankZeroAfterTheTimeout) {
  break_rank_one("stopped", SIGSTOP, 3, "did not answer within 3 s");
}
