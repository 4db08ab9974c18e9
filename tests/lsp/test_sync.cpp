// Document synchronisation: incremental edits in UTF-16 (and UTF-8)
// positions on lines with µs, θ and emoji keep the server's copy identical
// to a reference buffer edited independently in the same units.
#include "lsp_client.hpp"

#include "text.hpp"

#include <random>

namespace {

using namespace lsp_test;
using qforge::lsp::Encoding;
using qforge::lsp::Position;

const char* kProgram =
    "OPENQASM 3.0;\n"
    "include \"stdgates.inc\";\n"
    "const float θ = pi / 4;  // angle θ\n"
    "qubit[2] q;\r\n"
    "delay[10µs] q[0];  // 10 µs 😀\n"
    "rx(θ) q[1];  // 🎉 two emoji 😀\n"
    "cx q[0], q[1];\n";

const std::vector<std::string> kPieces = {"", "θ", "µs", "😀", "\n", "x", "rx(θ) q[0];", "  ", "🎉;", "q"};

/// A reference buffer in UTF-16 (or UTF-8 bytes) with '\n' and "\r\n" line
/// ends, edited as an LSP client edits.
template <class Str>
struct Reference {
  Str text;

  std::vector<std::size_t> starts() const {
    std::vector<std::size_t> s{0};
    for (std::size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') s.push_back(i + 1);
    return s;
  }
  /// Length of line `l` without its line end.
  std::size_t length(std::size_t l) const {
    const auto s = starts();
    std::size_t end = l + 1 < s.size() ? s[l + 1] - 1 : text.size();
    if (l + 1 < s.size() && end > s[l] && text[end - 1] == '\r') --end;
    return end - s[l];
  }
  /// A random position on a character boundary (never inside a surrogate
  /// pair or a UTF-8 sequence), sometimes past the line's end.
  Position random_position(std::mt19937& rng) const {
    const auto s = starts();
    Position p;
    p.line = static_cast<int64_t>(rng() % s.size());
    const std::size_t len = length(static_cast<std::size_t>(p.line));
    std::size_t c = rng() % (len + 3);
    if (c < len)
      while (c > 0 && is_continuation(text[s[static_cast<std::size_t>(p.line)] + c])) --c;
    p.character = static_cast<int64_t>(c);
    return p;
  }
  static bool is_continuation(typename Str::value_type u) {
    if constexpr (sizeof(u) == 2) return u >= 0xDC00 && u < 0xE000;
    else return (static_cast<unsigned char>(u) & 0xC0) == 0x80;
  }
  std::size_t offset(Position p) const {
    const auto s = starts();
    const std::size_t l = static_cast<std::size_t>(p.line);
    return s[l] + std::min<std::size_t>(static_cast<std::size_t>(p.character), length(l));
  }
  void replace(Position a, Position b, const Str& with) {
    std::size_t x = offset(a), y = offset(b);
    if (y < x) std::swap(x, y);
    text.replace(x, y - x, with);
  }
};

std::string as_utf8(const std::u16string& s) { return from_utf16(s); }
std::string as_utf8(const std::string& s) { return s; }

template <class Str>
void random_edits(Encoding enc, Str initial, std::function<Str(const std::string&)> convert, unsigned seed) {
  std::mt19937 rng(seed);
  Reference<Str> ref{initial};
  std::string text = as_utf8(initial);
  for (int step = 0; step < 500; ++step) {
    Position a = ref.random_position(rng), b = ref.random_position(rng);
    if (b.line < a.line || (b.line == a.line && b.character < a.character)) std::swap(a, b);
    const std::string piece = kPieces[rng() % kPieces.size()];
    ref.replace(a, b, convert(piece));
    qforge::lsp::apply_change(text, a, b, piece, enc);
    ASSERT_EQ(text, as_utf8(ref.text)) << "step " << step;
  }
}

TEST(LspSync, RandomIncrementalEditsUtf16) {
  for (unsigned seed : {1u, 2u, 3u})
    random_edits<std::u16string>(Encoding::Utf16, to_utf16(kProgram), [](const std::string& s) { return to_utf16(s); },
                                 seed);
}

TEST(LspSync, RandomIncrementalEditsUtf8) {
  for (unsigned seed : {4u, 5u})
    random_edits<std::string>(Encoding::Utf8, kProgram, [](const std::string& s) { return s; }, seed);
}

TEST(LspSync, PositionsOnLinesWithEmoji) {
  // "a😀θb": a at 0, 😀 at 1-2 (UTF-16) or 1-4 (UTF-8), θ at 3 or 5, b at 4 or 7.
  const std::string text = "x\na😀θb\n";
  const auto starts = qforge::lsp::line_starts(text);
  EXPECT_EQ(qforge::lsp::offset_of(text, starts, {1, 3}, Encoding::Utf16), 2u + 1 + 4);
  EXPECT_EQ(qforge::lsp::offset_of(text, starts, {1, 5}, Encoding::Utf8), 2u + 1 + 4);
  EXPECT_EQ(qforge::lsp::offset_of(text, starts, {1, 2}, Encoding::Utf32), 2u + 1 + 4);
  EXPECT_EQ(qforge::lsp::offset_of(text, starts, {1, 2}, Encoding::Utf16), 2u + 1 + 4);  // inside 😀: after it
  EXPECT_EQ(qforge::lsp::offset_of(text, starts, {1, 99}, Encoding::Utf16), 2u + 1 + 4 + 2 + 1);  // line end
  EXPECT_EQ(qforge::lsp::offset_of(text, starts, {7, 0}, Encoding::Utf16), text.size());
  const Position b = qforge::lsp::position_of(text, starts, 2 + 1 + 4 + 2, Encoding::Utf16);
  EXPECT_EQ(b.line, 1);
  EXPECT_EQ(b.character, 4);
  EXPECT_EQ(qforge::lsp::position_of_column(text, starts, 2, 4, Encoding::Utf16).character, 4);
  EXPECT_EQ(qforge::lsp::position_of_column(text, starts, 2, 4, Encoding::Utf8).character, 7);
  EXPECT_EQ(qforge::lsp::column_of(text, starts, {1, 4}, Encoding::Utf16), 4u);
}

TEST(LspSync, UriPaths) {
  EXPECT_EQ(qforge::lsp::path_of_uri("file:///a%20b/c%C3%A9.qasm"), "/a b/cé.qasm");
  EXPECT_EQ(qforge::lsp::path_of_uri("file://localhost/x.qasm"), "/x.qasm");
  EXPECT_EQ(qforge::lsp::path_of_uri("untitled:Untitled-1"), "");
  EXPECT_EQ(qforge::lsp::path_uri("/a b/cé.qasm"), "file:///a%20b/c%C3%A9.qasm");
  EXPECT_EQ(qforge::lsp::path_uri("dir/a+b.qasm"), "dir/a%2Bb.qasm");
}

/// The server's copy after hundreds of incremental edits equals the
/// reference: every intermediate version gets the diagnostics and symbols a
/// full-text sync of the reference text gets.
TEST(LspSync, ServerFollowsIncrementalEdits) {
  const std::string u = "file:///tmp/qforge_lsp_sync.qasm";
  std::mt19937 rng(7);
  Reference<std::u16string> ref{to_utf16(kProgram)};
  Script incremental, full;
  incremental.initialize();
  full.initialize();
  incremental.open(u, kProgram);
  full.open(u, kProgram);
  for (int version = 2; version < 300; ++version) {
    json changes = json::array();
    for (int k = 0, n = 1 + static_cast<int>(rng() % 3); k < n; ++k) {  // several changes in one message
      Position a = ref.random_position(rng), b = ref.random_position(rng);
      if (b.line < a.line || (b.line == a.line && b.character < a.character)) std::swap(a, b);
      const std::string piece = kPieces[rng() % kPieces.size()];
      ref.replace(a, b, to_utf16(piece));
      changes.push_back({{"range",
                          {{"start", {{"line", a.line}, {"character", a.character}}},
                           {"end", {{"line", b.line}, {"character", b.character}}}}},
                         {"text", piece}});
    }
    incremental.notify("textDocument/didChange", {{"textDocument", {{"uri", u}, {"version", version}}},
                                                  {"contentChanges", changes}});
    full.notify("textDocument/didChange", {{"textDocument", {{"uri", u}, {"version", version}}},
                                           {"contentChanges", {{{"text", from_utf16(ref.text)}}}}});
    incremental.pause();
    full.pause();
    if (version % 50 == 0) {
      incremental.request("textDocument/documentSymbol", {{"textDocument", {{"uri", u}}}});
      full.request("textDocument/documentSymbol", {{"textDocument", {{"uri", u}}}});
    }
  }
  incremental.finish();
  full.finish();
  Transcript a = run(incremental), b = run(full);
  ASSERT_EQ(a.messages.size(), b.messages.size());
  std::size_t nonempty = 0;
  for (std::size_t i = 0; i < a.messages.size(); ++i) {
    EXPECT_EQ(a.messages[i], b.messages[i]) << "message " << i;
    if (a.messages[i].value("method", "") == "textDocument/publishDiagnostics")
      nonempty += !a.messages[i]["params"]["diagnostics"].empty();
  }
  EXPECT_GT(nonempty, 200u);  // the edits break the program: the comparison sees real ranges
  EXPECT_EQ(a.exit_code, 0);
}

}  // namespace
