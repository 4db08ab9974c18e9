// bench_lsp: how long after an edit does `qforge lsp` publish the diagnostics
// of a large file?
//
// Generates an OpenQASM 3 file of N lines (default 10000) of random one- and
// two-qubit gates and measurements (random_circuit.hpp, as bench_parse's),
// starts the real `qforge lsp` executable over pipes, opens the file and
// waits for its diagnostics, then makes edits and times each from the moment
// the change is written to the moment the diagnostics of that version arrive:
//   single  one edit at a time (a random line replaced by a gate call), the
//           next sent once the previous one's diagnostics arrived;
//   burst   five edits written at once, as fast typing sends them, timed to
//           the diagnostics of the last one;
//   error   an edit that breaks a line (the diagnostics then hold one error),
//           then the edit that mends it;
//   tokens  after an edit's diagnostics, the semantic tokens of the whole
//           file (what an editor asks for next): the symbol index built.
// Beside them, in the same process, the front end's check of the whole file
// (compile_source) and its parse to the syntax tree alone (ast::parse_source).
// Target: an edit's diagnostics in under 150 ms on the project's 2-core
// machine. `--baseline EXE` runs another qforge executable (e.g. one built
// from main) in the same run, alternating with this one, for a side-by-side
// comparison. The load average is printed with the results.
//
//   bench_lsp [--lines N] [--edits E] [--rounds R] [--baseline EXE] [--keep FILE]
#include "qforge/ast.hpp"
#include "qforge/frontend.hpp"
#include "random_circuit.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

/// A `qforge lsp` child process with pipes to its standard input and output.
class Session {
 public:
  explicit Session(const std::string& exe) {
    int to_child[2], from_child[2];
    if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::dup2(to_child[0], 0);
      ::dup2(from_child[1], 1);
      ::close(to_child[1]);
      ::close(from_child[0]);
      std::freopen("/dev/null", "w", stderr);
      ::execl(exe.c_str(), exe.c_str(), "lsp", static_cast<char*>(nullptr));
      std::_Exit(127);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    in_ = to_child[1];
    out_ = from_child[0];
  }
  ~Session() {
    ::close(in_);
    ::close(out_);
    int st = 0;
    ::waitpid(pid_, &st, 0);
  }

  void send(const json& message) {
    const std::string body = message.dump();
    const std::string bytes = "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    for (std::size_t at = 0; at < bytes.size();) {
      const ssize_t n = ::write(in_, bytes.data() + at, bytes.size() - at);
      if (n <= 0) throw std::runtime_error("the server closed its input");
      at += static_cast<std::size_t>(n);
    }
  }
  void notify(const std::string& method, const json& params) {
    send({{"jsonrpc", "2.0"}, {"method", method}, {"params", params}});
  }
  void request(int id, const std::string& method, const json& params) {
    send({{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}});
  }

  /// The next message from the server.
  json read() {
    while (true) {
      const std::size_t head_end = buffer_.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const std::size_t length = std::stoul(buffer_.substr(buffer_.find(':') + 1));
        if (buffer_.size() >= head_end + 4 + length) {
          json m = json::parse(buffer_.substr(head_end + 4, length));
          buffer_.erase(0, head_end + 4 + length);
          return m;
        }
      }
      char chunk[65536];
      const ssize_t n = ::read(out_, chunk, sizeof chunk);
      if (n <= 0) throw std::runtime_error("the server ended its output");
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  /// Wait for the diagnostics of `version` of `uri`; their number.
  std::size_t diagnostics(const std::string& uri, int version) {
    while (true) {
      const json m = read();
      if (m.value("method", "") != "textDocument/publishDiagnostics") continue;
      const json& p = m["params"];
      if (p["uri"] == uri && p.value("version", -1) == version) return p["diagnostics"].size();
    }
  }

 private:
  pid_t pid_ = -1;
  int in_ = -1, out_ = -1;
  std::string buffer_;
};

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

json change(const std::string& uri, int version, int line, int end_char, const std::string& text) {
  const json range = {{"start", {{"line", line}, {"character", 0}}}, {"end", {{"line", line}, {"character", end_char}}}};
  return {{"textDocument", {{"uri", uri}, {"version", version}}},
          {"contentChanges", json::array({{{"range", range}, {"text", text}}})}};
}

struct Times {
  std::vector<double> open, single, burst, error, tokens;
};

/// One session of `exe` on `text`: its times appended to `t`.
void session(const std::string& exe, const std::string& path, const std::string& text, int edits, uint64_t seed,
             Times& t) {
  Session s(exe);
  const std::string uri = "file://" + path;
  s.request(1, "initialize", {{"processId", nullptr}, {"rootUri", nullptr}, {"capabilities", json::object()}});
  s.notify("initialized", json::object());
  auto start = Clock::now();
  s.notify("textDocument/didOpen",
           {{"textDocument", {{"uri", uri}, {"languageId", "openqasm"}, {"version", 1}, {"text", text}}}});
  s.diagnostics(uri, 1);
  t.open.push_back(ms_since(start));

  // Every edit rewrites one line of gates or measurements (lines 4..); the
  // line's current length is tracked so that the range covers it exactly.
  std::vector<std::size_t> length;
  for (std::size_t a = 0, b; (b = text.find('\n', a)) != std::string::npos; a = b + 1) length.push_back(b - a);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> line(4, static_cast<int>(length.size()) - 1);
  std::uniform_int_distribution<int> qubit(0, 15);
  int version = 1;
  auto edit = [&](const std::string& new_text) {
    const int l = line(rng);
    s.notify("textDocument/didChange", change(uri, ++version, l, static_cast<int>(length[l]), new_text));
    length[l] = new_text.size();
  };
  auto gate = [&] { return fmt::format("rx(0.{}) q[{}];", qubit(rng), qubit(rng)); };
  for (int e = 0; e < edits; ++e) {
    start = Clock::now();
    edit(gate());
    if (s.diagnostics(uri, version) != 0) throw std::runtime_error("a valid edit got diagnostics");
    t.single.push_back(ms_since(start));
  }
  for (int e = 0; e < edits / 5 + 1; ++e) {
    start = Clock::now();
    for (int k = 0; k < 5; ++k) edit(gate());
    s.diagnostics(uri, version);
    t.burst.push_back(ms_since(start));
  }
  for (int e = 0; e < edits / 2 + 1; ++e) {
    start = Clock::now();
    const int l = line(rng);
    s.notify("textDocument/didChange", change(uri, ++version, l, 0, "rx(0.5) q["));
    if (s.diagnostics(uri, version) == 0) throw std::runtime_error("a broken line got no diagnostics");
    s.notify("textDocument/didChange", change(uri, ++version, l, 10, ""));
    if (s.diagnostics(uri, version) != 0) throw std::runtime_error("the mended line still has diagnostics");
    t.error.push_back(ms_since(start) / 2);
  }
  for (int e = 0; e < edits / 2 + 1; ++e) {
    edit(gate());
    s.diagnostics(uri, version);
    start = Clock::now();
    const int id = 100 + e;
    s.request(id, "textDocument/semanticTokens/full", {{"textDocument", {{"uri", uri}}}});
    while (true) {
      const json m = s.read();
      if (m.value("id", -1) == id) break;
    }
    t.tokens.push_back(ms_since(start));
  }
  s.request(2, "shutdown", nullptr);
  s.notify("exit", json::object());
}

std::string summary(std::vector<double> v) {
  if (v.empty()) return "-";
  std::sort(v.begin(), v.end());
  return fmt::format("{:7.1f} {:7.1f} {:7.1f}", v.front(), v[v.size() / 2], v.back());
}

double load_average() {
  double l[1] = {0};
  return ::getloadavg(l, 1) == 1 ? l[0] : -1;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  std::size_t lines = 10000;
  int edits = 10, rounds = 3;
  std::string baseline, keep;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--lines") lines = std::stoul(next());
    else if (a == "--edits") edits = std::stoi(next());
    else if (a == "--rounds") rounds = std::stoi(next());
    else if (a == "--baseline") baseline = next();
    else if (a == "--keep") keep = next();
    else {
      std::fprintf(stderr, "usage: bench_lsp [--lines N] [--edits E] [--rounds R] [--baseline EXE] [--keep FILE]\n");
      return 2;
    }
  }
  const uint32_t qubits = 16;
  const std::string text = random_circuit(lines - 4 - qubits, qubits, 7);
  const std::string path = keep.empty() ? "/tmp/bench_lsp_" + std::to_string(::getpid()) + ".qasm" : keep;
  std::ofstream(path, std::ios::binary) << text;

  std::vector<std::pair<std::string, std::string>> exes = {{"this build", QFORGE_EXE}};
  if (!baseline.empty()) exes.push_back({"baseline", baseline});
  std::vector<Times> times(exes.size());
  std::vector<double> check, parse;
  const double load_before = load_average();
  for (int r = 0; r < rounds; ++r) {
    for (std::size_t e = 0; e < exes.size(); ++e) session(exes[e].second, path, text, edits, 100 + r, times[e]);
    auto t = Clock::now();
    qforge::DiagnosticSink sink;
    qforge::compile_source(text, path, {}, sink);
    check.push_back(ms_since(t));
    t = Clock::now();
    qforge::DiagnosticSink sink2;
    qforge::ast::parse_source(text, path, sink2);
    parse.push_back(ms_since(t));
  }
  const double load_after = load_average();
  if (keep.empty()) std::remove(path.c_str());

  fmt::print("{} lines, {} bytes; {} rounds; load average {:.1f} before, {:.1f} after\n", lines, text.size(), rounds,
             load_before, load_after);
  fmt::print("milliseconds: min median max\n");
  fmt::print("{:<34} {}\n", "front end: whole-file check", summary(check));
  fmt::print("{:<34} {}\n", "front end: parse to syntax tree", summary(parse));
  for (std::size_t e = 0; e < exes.size(); ++e) {
    fmt::print("{} ({}):\n", exes[e].first, exes[e].second);
    fmt::print("  {:<32} {}\n", "open: diagnostics", summary(times[e].open));
    fmt::print("  {:<32} {}\n", "one edit: diagnostics", summary(times[e].single));
    fmt::print("  {:<32} {}\n", "5 edits at once: diagnostics", summary(times[e].burst));
    fmt::print("  {:<32} {}\n", "error edit, then mend (each)", summary(times[e].error));
    fmt::print("  {:<32} {}\n", "edit, then semantic tokens", summary(times[e].tokens));
  }
  return 0;
}
