// bench_parse: how fast and how lean is `qforge compile` on a large file?
//
// Generates an OpenQASM 3 file of N gates (default 200000; about 3 MB) in the
// style of QASMBench's large circuits, and the same circuit as OpenQASM 2.0
// (qelib1.inc, qreg/creg, `measure q[i] -> c[i];`), then runs the real
// `qforge compile` executable on them several times and prints wall time, CPU
// time and peak memory (the child's maximum resident set size), plus the
// in-process front-end time per statement, and the time to parse the
// OpenQASM 3 file to its syntax tree alone (ast::parse_source, what a
// formatter or an editor uses).
//
// The yardstick for the machine, measured in the same run, alternating with
// qforge: a Python regular-expression tokenisation of the OpenQASM 2 file
// (comments, strings, names, numbers, `->`, `==`, any other character; the
// whole process, /usr/bin/python3, as `qforge compile` is timed), and the
// interpreter's start alone. Targets for 200k gates: `qforge compile FILE
// --emit qasm2` of the OpenQASM 2 file at most 4x the yardstick's CPU time,
// under 300 MB. `--baseline EXE` runs another qforge executable (e.g. one
// built from main) on the same files in the same run, alternating with this
// one, for a side-by-side comparison.
//
//   bench_parse [--gates N] [--repeat R] [--keep FILE] [--baseline EXE]
#include "qforge/ast.hpp"
#include "qforge/frontend.hpp"
#include "random_circuit.hpp"

#include <fmt/core.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

struct Run {
  double seconds;   ///< wall clock
  double cpu;       ///< user + system CPU of the child
  double peak_mb;
  int status;
};

double cpu_seconds(const struct rusage& ru) {
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + 1e-6 * (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

Run run_cli(const std::string& exe, const std::vector<std::string>& args) {
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(exe.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const int null = open("/dev/null", O_WRONLY);  // the tokeniser prints its count
    if (null >= 0) dup2(null, STDOUT_FILENO);
    execv(exe.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  struct rusage ru {};
  wait4(pid, &status, 0, &ru);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {secs, cpu_seconds(ru), ru.ru_maxrss / 1024.0, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

/// The OpenQASM 2.0 form of random_circuit's program.
std::string openqasm2(const std::string& qasm3, uint32_t qubits) {
  std::string out = fmt::format("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[{}];\ncreg c[{}];\n", qubits, qubits);
  std::size_t at = 0;
  for (int line = 0; line < 4; ++line) at = qasm3.find('\n', at) + 1;  // its header
  while (at < qasm3.size()) {
    std::size_t eol = qasm3.find('\n', at);
    if (eol == std::string::npos) eol = qasm3.size();
    const std::string line = qasm3.substr(at, eol - at);
    unsigned c = 0, q = 0;
    if (std::sscanf(line.c_str(), "c[%u] = measure q[%u];", &c, &q) == 2)
      out += fmt::format("measure q[{}] -> c[{}];\n", q, c);
    else
      out += line + "\n";
    at = eol + 1;
  }
  return out;
}

/// The yardstick: a regular-expression tokenisation of an OpenQASM file.
const char* const kTokenise =
    "import re, sys\n"
    "TOKEN = re.compile(r'//[^\\n]*|/\\*.*?\\*/|\"[^\"]*\"|[A-Za-z_][A-Za-z0-9_]*'\n"
    "                   r'|\\d+\\.\\d*(?:[eE][-+]?\\d+)?|\\.\\d+(?:[eE][-+]?\\d+)?|\\d+(?:[eE][-+]?\\d+)?'\n"
    "                   r'|->|==|\\S', re.S)\n"
    "with open(sys.argv[1]) as f:\n"
    "    print(len(TOKEN.findall(f.read())))\n";

/// The best (least CPU) of `repeat` runs of each command, alternating.
std::vector<Run> best_of(const std::vector<std::pair<std::string, std::vector<std::string>>>& commands, int repeat) {
  std::vector<Run> best(commands.size(), Run{1e9, 1e9, 0, 0});
  for (int r = 0; r < repeat; ++r) {
    for (std::size_t e = 0; e < commands.size(); ++e) {  // alternating, so that all see the same machine
      Run run = run_cli(commands[e].first, commands[e].second);
      if (run.status != 0) {
        fmt::print(stderr, "{} exited with {}\n", commands[e].first, run.status);
        std::exit(1);
      }
      if (run.cpu < best[e].cpu) best[e] = run;
    }
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t gates = 200000;
  int repeat = 3;
  std::string keep, baseline;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--gates" && i + 1 < argc) gates = std::stoul(argv[++i]);
    else if (a == "--repeat" && i + 1 < argc) repeat = std::stoi(argv[++i]);
    else if (a == "--keep" && i + 1 < argc) keep = argv[++i];
    else if (a == "--baseline" && i + 1 < argc) baseline = argv[++i];
    else {
      fmt::print(stderr, "usage: bench_parse [--gates N] [--repeat R] [--keep FILE] [--baseline EXE]\n");
      return 2;
    }
  }
  const std::string text = random_circuit(gates, 20, 42);
  const std::string path = keep.empty() ? "/tmp/qforge_bench_parse.qasm" : keep;
  std::ofstream(path) << text;
  const std::string text2 = openqasm2(text, 20);
  const std::string path2 = path.substr(0, path.rfind(".qasm")) + "_2.qasm";
  std::ofstream(path2) << text2;

  // In process: the front end alone.
  qforge::DiagnosticSink diags;
  struct rusage r0 {}, r1 {};
  getrusage(RUSAGE_SELF, &r0);
  auto t0 = std::chrono::steady_clock::now();
  qforge::Circuit c = qforge::compile_source(text, path, {}, diags);
  double inproc = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  getrusage(RUSAGE_SELF, &r1);
  double inproc_cpu = cpu_seconds(r1) - cpu_seconds(r0);
  if (diags.has_errors()) {
    fmt::print(stderr, "{}", diags.format());
    return 1;
  }

  fmt::print("bench_parse: {} gates, {:.2f} MB of OpenQASM 3 ({} IR operations)\n\n", gates,
             text.size() / 1e6, c.ops.size());
  fmt::print("| what | wall s (best of {}) | CPU s | peak memory (MB) | CPU us per statement |\n|---|---|---|---|---|\n",
             repeat);
  fmt::print("| front end in process (compile_source) | {:.3f} | {:.3f} | - | {:.2f} |\n", inproc, inproc_cpu,
             1e6 * inproc_cpu / gates);
  std::vector<std::pair<std::string, std::string>> exes{{"", QFORGE_EXE}};
  if (!baseline.empty()) exes.emplace_back(" (baseline)", baseline);
  for (const char* emit : {"ir", "qasm3"}) {
    std::vector<std::pair<std::string, std::vector<std::string>>> commands;
    for (const auto& e : exes) commands.push_back({e.second, {"compile", path, "--emit", emit, "-o", "/dev/null"}});
    const std::vector<Run> best = best_of(commands, repeat);
    for (std::size_t e = 0; e < exes.size(); ++e)
      fmt::print("| `qforge compile --emit {}` (whole process){} | {:.3f} | {:.3f} | {:.0f} | {:.2f} |\n", emit,
                 exes[e].first, best[e].seconds, best[e].cpu, best[e].peak_mb, 1e6 * best[e].cpu / gates);
  }

  // OpenQASM 2.0 and the yardstick, alternating.
  const std::string python = "/usr/bin/python3";
  std::vector<std::pair<std::string, std::vector<std::string>>> commands;
  for (const auto& e : exes) commands.push_back({e.second, {"compile", path2, "--emit", "qasm2", "-o", "/dev/null"}});
  commands.push_back({python, {"-c", kTokenise, path2}});
  commands.push_back({python, {"-c", "pass"}});
  const std::vector<Run> best = best_of(commands, repeat);
  const Run& regex = best[exes.size()];
  const Run& start = best[exes.size() + 1];
  // Printed after the syntax tree's row, the end of the first table.
  std::string qasm2_table;
  qasm2_table += fmt::format("\nOpenQASM 2.0, {:.2f} MB:\n\n", text2.size() / 1e6);
  qasm2_table += fmt::format("| what | wall s (best of {}) | CPU s | peak memory (MB) | CPU / yardstick's |\n|---|---|---|---|---|\n",
             repeat);
  for (std::size_t e = 0; e < exes.size(); ++e)
    qasm2_table += fmt::format("| `qforge compile --emit qasm2` (whole process){} | {:.3f} | {:.3f} | {:.0f} | {:.2f}x |\n",
               exes[e].first, best[e].seconds, best[e].cpu, best[e].peak_mb, best[e].cpu / regex.cpu);
  qasm2_table += fmt::format("| yardstick: Python regex tokenisation (whole process) | {:.3f} | {:.3f} | {:.0f} | 1 |\n", regex.seconds,
             regex.cpu, regex.peak_mb);
  qasm2_table += fmt::format("| Python's start alone (`python3 -c pass`) | {:.3f} | {:.3f} | {:.0f} | - |\n", start.seconds, start.cpu,
             start.peak_mb);
  qasm2_table += fmt::format("\ntarget: qforge at most 4x the yardstick's CPU time, under 300 MB\n\n");
  // The syntax tree last: the children forked above would otherwise count
  // the memory it leaves in this process as theirs.
  {
    qforge::DiagnosticSink ast_diags;
    getrusage(RUSAGE_SELF, &r0);
    auto a0 = std::chrono::steady_clock::now();
    qforge::ast::File tree = qforge::ast::parse_source(text, path, ast_diags);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - a0).count();
    getrusage(RUSAGE_SELF, &r1);
    double cpu = cpu_seconds(r1) - cpu_seconds(r0);
    if (ast_diags.has_errors() || tree.statements.size() < gates) {
      fmt::print(stderr, "ast::parse_source failed\n{}", ast_diags.format());
      return 1;
    }
    // Peak memory: how far this process's peak grew (the tree, its tokens).
    fmt::print("| syntax tree in process (ast::parse_source) | {:.3f} | {:.3f} | +{:.0f} | {:.2f} |\n", secs, cpu,
               (r1.ru_maxrss - r0.ru_maxrss) / 1024.0, 1e6 * cpu / gates);
  }
  fmt::print("{}", qasm2_table);
  fmt::print("CPU time is the figure to compare when the machine is shared: wall time includes waiting for a\n"
             "core\n");
  if (keep.empty()) {
    std::remove(path.c_str());
    std::remove(path2.c_str());
  }
  return 0;
}
