// tests/lsp/lsp_client.hpp - a scripted LSP client: messages framed with
// Content-Length, run through the server in-process or through `qforge lsp`
// over pipes, and the replies read back.
#pragma once

#include "qforge/lsp.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace lsp_test {

namespace fs = std::filesystem;
using nlohmann::json;

inline std::string frame(const std::string& body) {
  return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

/// A client's side of a session, written before it runs (the server
/// answers each message before reading the next, so the replies are a
/// function of the script alone). The server checks changed documents once
/// no message is waiting: a `pause()` is where the client waits, so the
/// changes before it are checked and their diagnostics published; without
/// one, consecutive changes arrive together and only the last is checked.
struct Script {
  std::string input;
  std::vector<std::size_t> pauses;  ///< byte offsets of input where the client waits
  int next_id = 1;

  void pause() { pauses.push_back(input.size()); }

  void raw(const std::string& bytes) { input += bytes; }
  void send(const json& message) { input += frame(message.dump()); }
  /// A request; returns its id.
  int request(const std::string& method, const json& params = json::object()) {
    const int id = next_id++;
    send({{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}});
    return id;
  }
  void notify(const std::string& method, const json& params = json::object()) {
    send({{"jsonrpc", "2.0"}, {"method", method}, {"params", params}});
  }
  int initialize(const json& capabilities = json::object(), const json& options = nullptr) {
    json params = {{"processId", nullptr}, {"rootUri", nullptr}, {"capabilities", capabilities}};
    if (!options.is_null()) params["initializationOptions"] = options;
    const int id = request("initialize", params);
    notify("initialized");
    return id;
  }
  void open(const std::string& uri, const std::string& text, int version = 1) {
    notify("textDocument/didOpen",
           {{"textDocument", {{"uri", uri}, {"languageId", "openqasm"}, {"version", version}, {"text", text}}}});
  }
  int at(const std::string& method, const std::string& uri, int line, int character, json extra = json::object()) {
    extra["textDocument"] = {{"uri", uri}};
    extra["position"] = {{"line", line}, {"character", character}};
    return request(method, extra);
  }
  /// One incremental change.
  void change(const std::string& uri, int version, const json& range, const std::string& text) {
    notify("textDocument/didChange", {{"textDocument", {{"uri", uri}, {"version", version}}},
                                      {"contentChanges", json::array({{{"range", range}, {"text", text}}})}});
  }
  void finish() {
    request("shutdown", nullptr);
    notify("exit");
  }
};

inline json range(int l1, int c1, int l2, int c2) {
  return {{"start", {{"line", l1}, {"character", c1}}}, {"end", {{"line", l2}, {"character", c2}}}};
}

/// Every message the server wrote, in order, and its exit code.
struct Transcript {
  std::vector<json> messages;
  int exit_code = -1;

  const json& response(int id) const {
    for (const auto& m : messages)
      if (m.contains("id") && m["id"] == id && !m.contains("method")) return m;
    static const json none;
    ADD_FAILURE() << "no response to request " << id;
    return none;
  }
  std::vector<json> notifications(const std::string& method) const {
    std::vector<json> out;
    for (const auto& m : messages)
      if (m.value("method", "") == method) out.push_back(m["params"]);
    return out;
  }
  /// The last diagnostics published for `uri`.
  json diagnostics(const std::string& uri) const {
    json last = nullptr;
    for (const auto& p : notifications("textDocument/publishDiagnostics"))
      if (p["uri"] == uri) last = p["diagnostics"];
    return last;
  }
};

/// Split the server's output into messages; fails the test on bad framing.
inline std::vector<json> parse_output(const std::string& out) {
  std::vector<json> messages;
  std::size_t at = 0;
  while (at < out.size()) {
    const std::string head = "Content-Length: ";
    if (out.compare(at, head.size(), head) != 0) {
      ADD_FAILURE() << "bad framing at byte " << at;
      break;
    }
    const std::size_t end = out.find("\r\n\r\n", at);
    const std::size_t length = std::stoul(out.substr(at + head.size(), end - at - head.size()));
    messages.push_back(json::parse(out.substr(end + 4, length)));
    at = end + 4 + length;
  }
  return messages;
}

/// A script's input as a pipe delivers it: nothing more is available
/// (in_avail() is 0) at a pause until the server reads on.
class PausedInput : public std::streambuf {
 public:
  explicit PausedInput(const Script& s) : data_(s.input), pauses_(s.pauses) {
    char* b = data_.data();
    setg(b, b, b);
  }

 protected:
  int_type underflow() override {
    const std::size_t at = static_cast<std::size_t>(gptr() - data_.data());
    if (at >= data_.size()) return traits_type::eof();
    std::size_t end = data_.size();
    for (std::size_t p : pauses_)
      if (p > at && p < end) end = p;
    setg(data_.data(), data_.data() + at, data_.data() + end);
    return traits_type::to_int_type(*gptr());
  }

 private:
  std::string data_;
  std::vector<std::size_t> pauses_;
};

inline Transcript run(const Script& s, const qforge::lsp::ServerOptions& options = {}) {
  PausedInput buffer(s);
  std::istream in(&buffer);
  std::ostringstream out;
  Transcript t;
  t.exit_code = qforge::lsp::run_server(in, out, options);
  t.messages = parse_output(out.str());
  return t;
}

inline fs::path temp_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("qforge_lsp_test_" + std::to_string(::getpid())) / name;
  fs::create_directories(d);
  return d;
}

inline fs::path write(const fs::path& dir, const std::string& name, const std::string& text) {
  fs::path p = dir / name;
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

/// Run a shell command; its stdout and exit status.
inline std::pair<std::string, int> shell(const std::string& cmd) {
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int st = ::pclose(p);
  return {out, WIFEXITED(st) ? WEXITSTATUS(st) : -1};
}

/// The script through the `qforge lsp` executable over pipes.
inline Transcript run_exe(const Script& s, const std::string& args = "") {
  const fs::path dir = temp_dir("exe");
  const fs::path in = write(dir, "input.bin", s.input);
  auto [out, status] = shell(std::string(QFORGE_EXE) + " lsp " + args + " < '" + in.string() + "' 2>/dev/null");
  Transcript t;
  t.exit_code = status;
  t.messages = parse_output(out);
  return t;
}

inline std::string uri(const fs::path& p) { return "file://" + p.string(); }

// ------------------------------------------------ a reference for positions

/// The code points of UTF-8 `s` (valid input assumed).
inline std::u32string code_points(const std::string& s) {
  std::u32string out;
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char b = static_cast<unsigned char>(s[i]);
    const int n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    char32_t c = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
    for (int k = 1; k < n; ++k) c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out += c;
    i += n;
  }
  return out;
}

inline std::u16string to_utf16(const std::string& s) {
  std::u16string out;
  for (char32_t c : code_points(s)) {
    if (c < 0x10000) {
      out += static_cast<char16_t>(c);
    } else {
      c -= 0x10000;
      out += static_cast<char16_t>(0xD800 + (c >> 10));
      out += static_cast<char16_t>(0xDC00 + (c & 0x3FF));
    }
  }
  return out;
}

inline std::string from_utf16(const std::u16string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char32_t c = s[i];
    if (c >= 0xD800 && c < 0xDC00 && i + 1 < s.size()) c = 0x10000 + ((c - 0xD800) << 10) + (s[++i] - 0xDC00);
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

/// Line `line` (0-based, '\n' ends lines) of `text`.
inline std::string line_of(const std::string& text, std::size_t line) {
  std::size_t at = 0;
  for (std::size_t k = 0; k < line && at != std::string::npos; ++k) {
    at = text.find('\n', at);
    if (at != std::string::npos) ++at;
  }
  if (at == std::string::npos) return {};
  return text.substr(at, text.find('\n', at) - at);
}

/// The UTF-16 character of 1-based code point column `col` of 1-based
/// line `line` of `text` (columns past the end count one each).
inline int utf16_character(const std::string& text, int line, int col) {
  const std::u32string cps = code_points(line_of(text, static_cast<std::size_t>(line - 1)));
  int units = 0;
  for (int k = 0; k < col - 1; ++k) units += k < static_cast<int>(cps.size()) && cps[k] >= 0x10000 ? 2 : 1;
  return units;
}

}  // namespace lsp_test
