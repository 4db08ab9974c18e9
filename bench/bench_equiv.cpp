// bench_equiv: prove every optimised output of the corpus equivalent to its
// input with `qforge equiv`'s exact engines, and time each proof.
//
//   QFORGE_CORPUS=/work/shared/corpus ./bench_equiv [--suite nam|small|medium]... [--level N]...
//       [--target T]... [--only NAME]... [--skip NAME]... [--timeout S]
//
// Defaults: the Nam suite, QASMBench small and medium; -O2 and -O3; the
// targets generic (no target), nam, ibm_eagle and ibm_heron (routed on their
// heavy-hex maps, compared through the recorded layouts). One row per
// compilation: the input's qubits and gates, the output's gates, the engine
// that proved it (path sums, all basis inputs, decision diagrams), the
// seconds the proof took and the answer. Each proof runs in a child process
// killed after --timeout seconds (default 60), so one that runs away is
// reported and the rest still run. The summary counts the answers per suite
// and level, and lists every compilation not proved.
#include "qforge/diagnostics.hpp"
#include "qforge/equiv.hpp"
#include "qforge/frontend.hpp"
#include "qforge/passes.hpp"
#include "qforge/pipeline.hpp"

#include <fmt/core.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct Proof {
  std::string answer;  // "yes", "NO", "error", "timeout"
  std::string method;  // the engine's first words
  double seconds = 0;
  std::string detail;
};

// The engine's name: the words of `method` before the first ':' or '(' .
std::string engine_of(const std::string& method) {
  std::string s = method.substr(0, method.find_first_of(":("));
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// check_equivalence with the exact engines in a child process; the child
// writes "answer\tmethod\tseconds\tdetail" to a pipe.
Proof prove(const qforge::Circuit& c, const qforge::CompileResult& r, double timeout) {
  int fd[2];
  if (pipe(fd) != 0) return {"error", "", 0, std::strerror(errno)};
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) return {"error", "", 0, std::strerror(errno)};
  if (pid == 0) {
    close(fd[0]);
    std::string line;
    try {
      qforge::EquivOptions eo;
      eo.engine = qforge::EquivEngine::Exact;
      eo.initial_layout = r.initial_layout;
      eo.final_layout = r.final_layout;
      const auto s0 = std::chrono::steady_clock::now();
      const qforge::EquivResult er = qforge::check_equivalence(c, r.circuit, eo);
      const double s = seconds_since(s0);
      line = fmt::format("{}\t{}\t{}\t{}", er.equivalent ? (er.exact ? "yes" : "probable") : "NO",
                         engine_of(er.method), s, er.detail);
    } catch (const std::exception& e) {
      line = fmt::format("error\t\t{}\t{}", seconds_since(t0), e.what());
    }
    for (char& ch : line)
      if (ch == '\n') ch = ' ';
    std::size_t off = 0;
    while (off < line.size()) {
      const ssize_t w = write(fd[1], line.data() + off, line.size() - off);
      if (w <= 0) break;
      off += static_cast<std::size_t>(w);
    }
    _exit(0);
  }
  close(fd[1]);
  std::string out;
  char buf[4096];
  bool timed_out = false;
  for (;;) {
    const double left = timeout - seconds_since(t0);
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fd[0], POLLIN, 0};
    const int k = poll(&p, 1, static_cast<int>(std::min(left, 1.0) * 1000) + 1);
    if (k < 0 && errno != EINTR) break;
    if (k <= 0) continue;
    const ssize_t n = read(fd[0], buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  close(fd[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  if (timed_out) return {"timeout", "", timeout, fmt::format("no answer within {} s", timeout)};
  std::vector<std::string> f;
  for (std::size_t a = 0;;) {
    const std::size_t b = out.find('\t', a);
    f.push_back(out.substr(a, b == std::string::npos ? std::string::npos : b - a));
    if (b == std::string::npos || f.size() == 4) break;
    a = b + 1;
  }
  if (f.size() < 4) {
    const std::string why = WIFSIGNALED(status) ? fmt::format("the proof died of signal {}", WTERMSIG(status))
                                                : "the proof gave no answer";
    return {"error", "", seconds_since(t0), why};
  }
  return {f[0], f[1], std::strtod(f[2].c_str(), nullptr), f[3]};
}

std::vector<fs::path> circuits_of(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() == ".qasm" && name.find("_transpiled") == std::string::npos) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct Tally {
  int compilations = 0, proved = 0, over_1s = 0, over_10s = 0;
  double max_s = 0, total_s = 0;
  std::map<std::string, int> by_engine;
  std::vector<std::string> not_proved;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> suites, targets, only, skip;
  std::vector<int> levels;
  double timeout = 60;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--suite" && has_value) suites.push_back(argv[++i]);
    else if (a == "--level" && has_value) levels.push_back(std::atoi(argv[++i]));
    else if (a == "--target" && has_value) targets.push_back(argv[++i]);
    else if (a == "--only" && has_value) only.push_back(argv[++i]);
    else if (a == "--skip" && has_value) skip.push_back(argv[++i]);
    else if (a == "--timeout" && has_value) timeout = std::atof(argv[++i]);
    else {
      fmt::print(stderr,
                 "usage: bench_equiv [--suite nam|small|medium]... [--level N]... [--target T]... [--only NAME]... "
                 "[--skip NAME]... [--timeout S]\n");
      return 2;
    }
  }
  if (suites.empty()) suites = {"nam", "small", "medium"};
  if (levels.empty()) levels = {2, 3};
  if (targets.empty()) targets = {"generic", "nam", "ibm_eagle", "ibm_heron"};
  const char* corpus = std::getenv("QFORGE_CORPUS");
  if (!corpus) {
    fmt::print(stderr, "set QFORGE_CORPUS to the corpus folder (e.g. /work/shared/corpus)\n");
    return 2;
  }
  const std::map<std::string, std::string> folder = {
      {"nam", "nam"}, {"small", "qasmbench/small"}, {"medium", "qasmbench/medium"}};

  std::map<std::string, Tally> tallies;  // "suite -O<level>"
  fmt::print("{:<7} {:<22} {:<10} {:>3} {:>6} {:>7} {:>7} {:>8} {:<22} {:>8}  {}\n", "suite", "circuit", "target",
             "O", "qubits", "gates", "out", "compile", "method", "proof s", "answer");
  for (const std::string& suite : suites) {
    if (!folder.count(suite)) {
      fmt::print(stderr, "unknown suite '{}' (nam, small, medium)\n", suite);
      return 2;
    }
    for (const fs::path& file : circuits_of(fs::path(corpus) / folder.at(suite))) {
      const std::string name = file.stem().string();
      if (!only.empty() && std::find(only.begin(), only.end(), name) == only.end()) continue;
      if (std::find(skip.begin(), skip.end(), name) != skip.end()) continue;
      qforge::DiagnosticSink diags;
      const qforge::Circuit c = qforge::compile_file(file.string(), {}, diags);
      if (diags.has_errors()) {
        fmt::print("{:<7} {:<22} the front end rejects it: {}\n", suite, name, diags.all().front().message);
        continue;
      }
      const uint64_t gates_in = qforge::count_gates(c).total;
      for (int level : levels) {
        Tally& t = tallies[fmt::format("{} -O{}", suite, level)];
        for (const std::string& target : targets) {
          const auto t0 = std::chrono::steady_clock::now();
          qforge::CompileResult r;
          try {
            r = qforge::run_pipeline(c, level, target);
          } catch (const std::exception& e) {
            fmt::print("{:<7} {:<22} {:<10} {:>3} not compiled: {}\n", suite, name, target, level, e.what());
            continue;
          }
          const double compile_s = seconds_since(t0);
          const Proof p = prove(c, r, timeout);
          ++t.compilations;
          t.total_s += p.seconds;
          t.max_s = std::max(t.max_s, p.seconds);
          if (p.seconds > 1) ++t.over_1s;
          if (p.seconds > 10) ++t.over_10s;
          const std::string what = fmt::format("{} {} -O{}", name, target, level);
          if (p.answer == "yes") {
            ++t.proved;
            ++t.by_engine[p.method];
          } else {
            t.not_proved.push_back(what + ": " + p.answer + (p.detail.empty() ? "" : ": " + p.detail));
          }
          fmt::print("{:<7} {:<22} {:<10} {:>3} {:>6} {:>7} {:>7} {:>8.2f} {:<22} {:>8.3f}  {}{}\n", suite, name,
                     target, level, c.num_qubits, gates_in, qforge::count_gates(r.circuit).total, compile_s,
                     p.method.empty() ? "-" : p.method, p.seconds, p.answer,
                     p.answer == "yes" ? "" : ": " + p.detail.substr(0, 160));
          std::fflush(stdout);
        }
      }
    }
  }
  fmt::print("\n{:<14} {:>6} {:>6} {:>6} {:>6} {:>8} {:>8}  {}\n", "suite", "runs", "proved", ">1 s", ">10 s", "max s",
             "total s", "proved by");
  for (const auto& [key, t] : tallies) {
    std::string engines;
    for (const auto& [e, k] : t.by_engine) engines += fmt::format("{}{} {}", engines.empty() ? "" : ", ", e, k);
    fmt::print("{:<14} {:>6} {:>6} {:>6} {:>6} {:>8.3f} {:>8.2f}  {}\n", key, t.compilations, t.proved, t.over_1s,
               t.over_10s, t.max_s, t.total_s, engines);
  }
  bool all = true;
  for (const auto& [key, t] : tallies)
    for (const std::string& s : t.not_proved) {
      if (all) fmt::print("\nnot proved:\n");
      all = false;
      fmt::print("  {}: {}\n", key, s);
    }
  return all ? 0 : 1;
}
