// Diagnostics: what the server publishes equals `qforge check --format
// json` for the same file (every diagnostic, its range converted to the
// negotiated position encoding, code, severity and related locations),
// in included files too; never empty while the file fails to check.
#include "lsp_client.hpp"

#include <cstdlib>
#include <map>
#include <set>

namespace {

using namespace lsp_test;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// `qforge check --format json FILES` converted to what an LSP client
/// should receive: URI -> diagnostics. Positions: UTF-16 units (or UTF-8
/// bytes) of the check's code point columns, computed here from the files.
std::map<std::string, json> expected_from_check(const std::vector<fs::path>& files, bool utf8 = false) {
  std::string cmd = std::string(QFORGE_EXE) + " check --format json";
  for (const auto& f : files) cmd += " '" + f.string() + "'";
  auto [out, status] = shell(cmd + " 2>/dev/null");
  const json report = json::parse(out);
  auto uri_of = [](const std::string& file) { return uri(fs::weakly_canonical(file)); };
  auto position = [&](const std::string& file, const json& p) {
    const std::string text = read(file);
    const int line = p["line"], col = p["column"];
    const int ch = utf8 ? static_cast<int>(from_utf16(to_utf16(line_of(text, line - 1)).substr(
                                               0, utf16_character(text, line, col))).size())
                        : utf16_character(text, line, col);
    return json{{"line", line - 1}, {"character", ch}};
  };
  auto range = [&](const std::string& file, const json& j) {
    if (!j.contains("range")) return json{{"start", {{"line", 0}, {"character", 0}}}, {"end", {{"line", 0}, {"character", 0}}}};
    const json start = position(file, j["range"]["start"]);
    return json{{"start", start}, {"end", j["range"].contains("end") ? position(file, j["range"]["end"]) : start}};
  };
  std::map<std::string, json> out_by_uri;
  for (const auto& f : files) out_by_uri[uri(f)] = json::array();
  for (const auto& d : report["diagnostics"]) {
    const std::string file = d["file"];
    json l = {{"range", range(file, d)},
              {"severity", d["severity"] == "error" ? 1 : d["severity"] == "warning" ? 2 : 3},
              {"code", d["code"]},
              {"source", "qforge"},
              {"message", d["message"]}};
    if (!d["related"].empty()) {
      json rel = json::array();
      for (const auto& r : d["related"])
        rel.push_back({{"location", {{"uri", uri_of(r["file"])}, {"range", range(r["file"], r)}}}, {"message", r["message"]}});
      l["relatedInformation"] = rel;
    }
    out_by_uri[uri_of(file)].push_back(l);
  }
  return out_by_uri;
}

/// Open `file` in a session; the last diagnostics per URI.
Transcript open_files(const std::vector<fs::path>& files, bool utf8 = false) {
  Script s;
  s.initialize(utf8 ? json{{"general", {{"positionEncodings", {"utf-8"}}}}} : json::object());
  for (const auto& f : files) s.open(uri(f), read(f));
  s.finish();
  return run(s);
}

const char* kRedeclared =
    "OPENQASM 3.0;\n"
    "include \"stdgates.inc\";\n"
    "qubit[2] q;  // θ on 😀\n"
    "// µs θ 😀\n"
    "h q[0];\n"
    "/* 😀😀 */ bit q;\n"
    "rx(0.1, 0.2) q[1];\n";

const char* kSyntax =
    "OPENQASM 3.0;\n"
    "qubit q;\n"
    "/* 😀 θ */ reset q\n";

const char* kWarnings =
    "OPENQASM 3.0;\n"
    "include \"stdgates.inc\";\n"
    "output bit θb;  // 😀\n"
    "qubit q;\n"
    "box { 😀_is_not_a_name q; }\n";

TEST(LspDiagnostics, EqualToCheckUtf16) {
  const fs::path dir = temp_dir("diag16");
  std::vector<fs::path> files = {write(dir, "redeclared.qasm", kRedeclared), write(dir, "syntax.qasm", kSyntax),
                                 write(dir, "warnings.qasm", kWarnings)};
  const auto expected = expected_from_check(files);
  Transcript t = open_files(files);
  for (const auto& f : files) {
    const json got = t.diagnostics(uri(f));
    EXPECT_EQ(got, expected.at(uri(f))) << f;
    EXPECT_FALSE(got.empty()) << f;
  }
  // Hand-derived: the redeclaration `bit q;` after "/* 😀😀 */ " (nine
  // code points, two of them astral) starts at UTF-16 unit 11; its related
  // location is line 3 col 1.
  const json d = t.diagnostics(uri(files[0]))[0];
  EXPECT_EQ(d["range"], json::parse(R"({"start":{"line":5,"character":11},"end":{"line":5,"character":17}})"));
  EXPECT_EQ(d["code"], "QF2001");
  EXPECT_EQ(d["relatedInformation"][0]["location"]["range"]["start"], json::parse(R"({"line":2,"character":0})"));
  // The missing ';' after "/* 😀 θ */ reset q" (17 code points, one astral):
  // UTF-16 unit 18.
  EXPECT_EQ(t.diagnostics(uri(files[1]))[0]["range"]["start"], json::parse(R"({"line":2,"character":18})"));
}

TEST(LspDiagnostics, EqualToCheckUtf8) {
  const fs::path dir = temp_dir("diag8");
  std::vector<fs::path> files = {write(dir, "redeclared.qasm", kRedeclared), write(dir, "syntax.qasm", kSyntax)};
  const auto expected = expected_from_check(files, true);
  Transcript t = open_files(files, true);
  for (const auto& f : files) EXPECT_EQ(t.diagnostics(uri(f)), expected.at(uri(f))) << f;
  // "/* 😀😀 */ " is 15 bytes.
  EXPECT_EQ(t.diagnostics(uri(files[0]))[0]["range"]["start"]["character"], 15);
}

TEST(LspDiagnostics, ErrorsInIncludedFiles) {
  const fs::path dir = temp_dir("include");
  write(dir, "inner.inc", "// θ 😀\ngate bad a { 😀x a; }\n");
  write(dir, "outer.inc", "include \"inner.inc\";\n");
  const fs::path main = write(dir, "main.qasm", "OPENQASM 3.0;\ninclude \"outer.inc\";\nqubit q;\n");
  const auto expected = expected_from_check({main});
  const std::string inner = uri(dir / "inner.inc");
  ASSERT_EQ(expected.at(inner).size(), 1u);

  Script s;
  s.initialize();
  s.open(uri(main), read(main));
  s.pause();
  // Fixed in the document: the include goes away.
  s.change(uri(main), 2, range(1, 0, 2, 0), "");
  s.finish();
  Transcript t = run(s);
  auto published = t.notifications("textDocument/publishDiagnostics");
  ASSERT_EQ(published.size(), 4u);
  // First check: the included file gets check's diagnostic; the document,
  // which has no error of its own, one at its include that leads there.
  json first_inner, first_main;
  for (std::size_t k = 0; k < 2; ++k) (published[k]["uri"] == inner ? first_inner : first_main) = published[k];
  EXPECT_EQ(first_inner["diagnostics"], expected.at(inner));
  ASSERT_EQ(first_main["diagnostics"].size(), 1u);
  const json& summary = first_main["diagnostics"][0];
  EXPECT_EQ(summary["message"], "error in included file inner.inc: unexpected character '😀'");
  EXPECT_EQ(summary["range"], json::parse(R"({"start":{"line":1,"character":0},"end":{"line":1,"character":19}})"));
  EXPECT_EQ(summary["relatedInformation"][0]["location"]["uri"], inner);
  // Second check: both cleared.
  EXPECT_EQ(published[2]["uri"], uri(main));
  EXPECT_EQ(published[2]["diagnostics"], json::array());
  EXPECT_EQ(published[2]["version"], 2);
  EXPECT_EQ(published[3]["uri"], inner);
  EXPECT_EQ(published[3]["diagnostics"], json::array());
}

TEST(LspDiagnostics, IncludePathsFromTheClient) {
  const fs::path dir = temp_dir("includepaths");
  const fs::path lib = dir / "lib";
  fs::create_directories(lib);
  write(lib, "mine.inc", "gate mine a { U(0, 0, 0) a; }\n");
  const fs::path main = write(dir, "main.qasm", "OPENQASM 3.0;\ninclude \"mine.inc\";\nqubit q;\nmine q;\n");
  Script s;
  s.initialize(json::object(), {{"includePaths", {lib.string()}}});
  s.open(uri(main), read(main));
  s.pause();
  s.notify("workspace/didChangeConfiguration", {{"settings", {{"qforge", {{"includePaths", json::array()}}}}}});
  s.finish();
  Transcript t = run(s);
  auto published = t.notifications("textDocument/publishDiagnostics");
  ASSERT_EQ(published.size(), 2u);
  EXPECT_EQ(published[0]["diagnostics"], json::array());
  ASSERT_FALSE(published[1]["diagnostics"].empty());
  EXPECT_EQ(published[1]["diagnostics"][0]["code"], "QF6001");
  EXPECT_EQ(published[1]["diagnostics"][0]["range"], range(1, 0, 1, 19));
}

TEST(LspDiagnostics, SaveChecksAgainAndCloseClears) {
  const fs::path dir = temp_dir("save");
  write(dir, "lib.inc", "gate mine a { U(0, 0) a; }\n");
  const fs::path main = write(dir, "main.qasm", "OPENQASM 3.0;\ninclude \"lib.inc\";\nqubit q;\nmine q;\n");
  Script s;
  s.initialize();
  s.open(uri(main), read(main));
  s.pause();
  s.notify("textDocument/didSave", {{"textDocument", {{"uri", uri(main)}}}});
  s.pause();
  s.notify("textDocument/didClose", {{"textDocument", {{"uri", uri(main)}}}});
  s.finish();
  Transcript t = run(s);
  const auto published = t.notifications("textDocument/publishDiagnostics");
  ASSERT_EQ(published.size(), 6u);  // open: main, lib; save: main, lib; close: main, lib
  const auto expected = expected_from_check({main});
  const std::string lib = uri(dir / "lib.inc");
  for (std::size_t k : {0u, 1u, 2u, 3u}) {
    const json& d = published[k]["diagnostics"];
    if (published[k]["uri"] == lib) {
      EXPECT_EQ(d, expected.at(lib));
    } else {
      ASSERT_EQ(d.size(), 1u);
      EXPECT_EQ(d[0]["message"].get<std::string>().rfind("error in included file lib.inc: ", 0), 0u);
    }
  }
  for (std::size_t k : {4u, 5u}) EXPECT_EQ(published[k]["diagnostics"], json::array());
  EXPECT_EQ(std::set<std::string>({published[4]["uri"], published[5]["uri"]}),
            std::set<std::string>({uri(main), lib}));
}

/// Every example of the shared corpus: the same diagnostics as check.
TEST(LspDiagnostics, CorpusEqualToCheck) {
  const char* corpus = std::getenv("QFORGE_CORPUS");
  if (!corpus) GTEST_SKIP() << "QFORGE_CORPUS not set";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(corpus) / "openqasm-examples"))
    if (e.path().extension() == ".qasm") files.push_back(fs::weakly_canonical(e.path()));
  std::sort(files.begin(), files.end());
  ASSERT_GT(files.size(), 10u);
  const auto expected = expected_from_check(files);
  Transcript t = open_files(files);
  std::size_t with_diagnostics = 0;
  for (const auto& f : files) {
    EXPECT_EQ(t.diagnostics(uri(f)), expected.at(uri(f))) << f;
    with_diagnostics += !expected.at(uri(f)).empty();
  }
  std::cout << files.size() << " files, " << with_diagnostics << " with diagnostics\n";
}

}  // namespace

namespace {

/// Changes that arrive together are checked once, for the last version; a
/// client that waits after each gets each one's diagnostics.
TEST(LspDiagnostics, ChangesArrivingTogetherAreCheckedOnce) {
  const std::string u = "file:///tmp/qforge_together.qasm";
  const std::string text = "OPENQASM 3.0;\nqubit q;\nU(0, 0, 0) q;\n";
  for (bool wait : {false, true}) {
    Script s;
    s.initialize();
    s.open(u, text);
    if (wait) s.pause();
    s.change(u, 2, range(2, 0, 2, 0), "nope q;\n");  // an error
    if (wait) s.pause();
    s.change(u, 3, range(2, 0, 3, 0), "");           // mended
    if (wait) s.pause();
    s.change(u, 4, range(2, 0, 2, 0), "x q;\n");      // another error
    s.finish();
    Transcript t = run(s);
    const auto published = t.notifications("textDocument/publishDiagnostics");
    ASSERT_EQ(published.size(), wait ? 4u : 1u);
    std::vector<int> versions;
    for (const auto& p : published) versions.push_back(p["version"]);
    EXPECT_EQ(versions, (wait ? std::vector<int>{1, 2, 3, 4} : std::vector<int>{4}));
    if (wait) {
      EXPECT_TRUE(published[0]["diagnostics"].empty());
      EXPECT_FALSE(published[1]["diagnostics"].empty());
      EXPECT_TRUE(published[2]["diagnostics"].empty());
    }
    // The last, as `qforge check` reports the final text.
    const json& last = published.back()["diagnostics"];
    ASSERT_EQ(last.size(), 1u);
    EXPECT_EQ(last[0]["range"]["start"], json::parse(R"({"line":2,"character":0})"));
    EXPECT_NE(last[0]["message"].get<std::string>().find("'x'"), std::string::npos) << last[0]["message"];
  }
}

}  // namespace

namespace {

const char* kCalls =
    "OPENQASM 3.0;\n"                      // 0
    "include \"stdgates.inc\";\n"          // 1
    "const int n = 3;\n"                   // 2
    "qubit[n] q;\n"                        // 3
    "bit[3] c;\n"                          // 4
    "gate g(a) x { rz(a) x; }\n"           // 5
    "h q[0];\n"                            // 6
    "cx q[0], q[1];\n"                     // 7
    "rx(0.5) q[2]; g(θ) q[1];\n"           // 8 (θ: undefined until declared)
    "for int i in [0:1] { cx q[i], q[i + 1]; }\n"  // 9
    "g(0.25) q[2];\n"                      // 10
    "c = measure q;\n";                    // 11

std::string hover_text_of(const Transcript& t, int id) { return t.response(id)["result"]["contents"]["value"]; }

std::string replace_line(const std::string& text, int line, const std::string& with) {
  std::size_t a = 0;
  for (int l = 0; l < line; ++l) a = text.find('\n', a) + 1;
  const std::size_t b = text.find('\n', a);
  return text.substr(0, a) + with + text.substr(b);
}

/// Edits of gate calls are checked without the other calls when the file
/// checked clean before; every version's diagnostics still equal `qforge
/// check`'s of that version, whichever way it was checked.
TEST(LspDiagnostics, EditsOfCallsEqualCheck) {
  std::vector<std::string> versions;
  std::string t = replace_line(kCalls, 8, "rx(0.5) q[2];");  // clean
  versions.push_back(t);
  auto edit = [&](int line, const std::string& with) {
    t = replace_line(t, line, with);
    versions.push_back(t);
  };
  edit(6, "x q[1];");                   // a call for a call
  edit(8, "rx(0.5) q[7];");             // out of range
  edit(8, "rx(0.5) q[2];");             // mended
  edit(8, "rx(0.5 q[2];");              // a syntax error
  edit(8, "rx(0.5) q[2]; ry(0.1) q[0];");  // mended, and one more call
  edit(3, "// qubit[n] q;");            // the declaration commented out
  edit(3, "qubit[n] q;");
  edit(9, "for int i in [0:1] { cx q[i], q[i]; }");  // a call in a loop's body
  edit(9, "for int i in [0:1] { cx q[i], q[i + 1]; }");
  edit(7, "qubit r;");                  // a declaration for a call
  edit(6, "h r;");
  edit(7, "cx q[0], q[1];");            // the declaration gone: r is undeclared
  edit(6, "/* h q[0];");                // an unclosed comment
  edit(6, "h q[0];");
  edit(10, "foo q[0];");                // an undefined gate
  edit(10, "g(0.25) q[2]; g(θ) q[0];");  // θ undeclared
  edit(2, "const int n = 3; const float θ = 0.1;");  // declared
  edit(7, "cx q[0], q[0];");            // the same qubit twice
  edit(7, "cx q[0], q[1];  // θ 😀");   // a comment after a call
  edit(6, "h q[0]; rz(θ) q[1];");

  const fs::path dir = temp_dir("edit_calls");
  const fs::path file = dir / "calls.qasm";
  std::vector<json> expected;
  for (const auto& v : versions) {
    write(dir, "calls.qasm", v);
    expected.push_back(expected_from_check({file}).at(uri(file)));
  }
  Script s;
  s.initialize();
  s.open(uri(file), versions[0]);
  s.pause();
  for (std::size_t k = 1; k < versions.size(); ++k) {
    s.notify("textDocument/didChange", {{"textDocument", {{"uri", uri(file)}, {"version", k + 1}}},
                                        {"contentChanges", {{{"text", versions[k]}}}}});
    s.pause();
  }
  const int hover = s.at("textDocument/hover", uri(file), 3, 10);  // q: the compiled circuit's qubits
  s.finish();
  Transcript tr = run(s);
  std::map<int, json> published;
  for (const auto& p : tr.notifications("textDocument/publishDiagnostics"))
    if (p["uri"] == uri(file)) published[p["version"]] = p["diagnostics"];
  std::size_t failing = 0;
  for (std::size_t k = 0; k < versions.size(); ++k) {
    ASSERT_TRUE(published.count(static_cast<int>(k + 1))) << "version " << k + 1;
    EXPECT_EQ(published[static_cast<int>(k + 1)], expected[k]) << "version " << k + 1 << ":\n" << versions[k];
    failing += !expected[k].empty();
  }
  EXPECT_GE(failing, 8u);  // the comparison sees real errors
  EXPECT_NE(hover_text_of(tr, hover).find("Qubits 0–2 of the compiled circuit"), std::string::npos)
      << hover_text_of(tr, hover);
}

}  // namespace

namespace {

/// After a change of settings (or a save: an included file may have
/// changed) the document is checked whole: calls of a gate the included file
/// found now does not define are errors, though the text did not change,
/// and stay errors after an edit of an unrelated call.
TEST(LspDiagnostics, IncludeChangeChecksEveryCallAgain) {
  const fs::path dir = temp_dir("include_change");
  fs::create_directories(dir / "a");
  fs::create_directories(dir / "b");
  write(dir / "a", "lib.inc", "gate mine a { U(0, 0, 0) a; }\n");
  write(dir / "b", "lib.inc", "gate other a { U(0, 0, 0) a; }\n");
  const std::string text = "OPENQASM 3.0;\ninclude \"lib.inc\";\nqubit[2] q;\nmine q[0];\nU(0, 0, 0) q[1];\nmine q[1];\n";
  const fs::path main = write(dir, "main.qasm", text);
  Script s;
  s.initialize(json::object(), {{"includePaths", {(dir / "a").string()}}});
  s.open(uri(main), text);
  s.pause();
  s.notify("workspace/didChangeConfiguration", {{"settings", {{"qforge", {{"includePaths", {(dir / "b").string()}}}}}}});
  s.pause();
  s.change(uri(main), 2, range(4, 0, 4, 16), "U(0, 0, 1) q[1];");  // a call for a call
  s.pause();
  const int completion = s.at("textDocument/completion", uri(main), 4, 11);  // U(0, 0, 1) |q
  s.finish();
  Transcript t = run(s);
  // `qforge check -I b` of the edited text.
  write(dir, "edited.qasm", "OPENQASM 3.0;\ninclude \"lib.inc\";\nqubit[2] q;\nmine q[0];\nU(0, 0, 1) q[1];\nmine q[1];\n");
  auto [out, status] = shell(std::string(QFORGE_EXE) + " check --format json -I '" + (dir / "b").string() + "' '" +
                             (dir / "edited.qasm").string() + "'");
  EXPECT_EQ(status, 1);
  const json report = json::parse(out);
  std::vector<int> lines;
  for (const auto& d : report["diagnostics"]) lines.push_back(d["range"]["start"]["line"].get<int>() - 1);
  ASSERT_EQ(lines, (std::vector<int>{3, 5}));  // both calls of mine
  std::vector<json> mine;
  for (const auto& p : t.notifications("textDocument/publishDiagnostics"))
    if (p["uri"] == uri(main)) mine.push_back(p["diagnostics"]);
  ASSERT_EQ(mine.size(), 3u);
  EXPECT_TRUE(mine[0].empty());
  for (std::size_t k : {1u, 2u}) {
    ASSERT_EQ(mine[k].size(), 2u) << k << ": " << mine[k];
    EXPECT_EQ(mine[k][0]["range"]["start"]["line"], 3);
    EXPECT_EQ(mine[k][1]["range"]["start"]["line"], 5);
    EXPECT_EQ(mine[k][0]["message"], report["diagnostics"][0]["message"]);
  }
  const json& items = t.response(completion)["result"]["items"];
  ASSERT_EQ(items.size(), 1u) << items;
  EXPECT_EQ(items[0]["label"], "q");
}

/// After an edit checked without the other calls, the requests that read
/// the compiled circuit get the whole file's: completion shows a register's
/// compiled size, the code lens counts every gate.
TEST(LspDiagnostics, RequestsAfterACallEditSeeTheWholeCircuit) {
  std::string text = "OPENQASM 3.0;\ninclude \"stdgates.inc\";\nconst int n = 3;\nqubit[n] q;\n";
  for (int k = 0; k < 20; ++k) text += "cx q[0], q[1];\n";
  const std::string u = "file:///tmp/qforge_whole_circuit.qasm";
  Script s;
  s.initialize(json::object(), {{"target", "nam"}});
  s.open(u, text);
  s.pause();
  s.change(u, 2, range(10, 0, 10, 14), "cx q[1], q[2];");
  s.pause();
  const int completion = s.at("textDocument/completion", u, 10, 3);  // cx |q[1]
  const int lens = s.request("textDocument/codeLens", {{"textDocument", {{"uri", u}}}});
  s.finish();
  Transcript t = run(s);
  const json& items = t.response(completion)["result"]["items"];
  ASSERT_EQ(items.size(), 1u) << items;
  EXPECT_EQ(items[0]["detail"], "qubit[3]");
  // The lens is of the whole edited circuit, as `qforge compile -O2 --target
  // nam` then `qforge stats` count it: not of the text before the edit (its
  // 20 equal cx cancel) nor of the edited call alone (1).
  const fs::path dir = temp_dir("whole_circuit");
  auto two_qubit = [&](const std::string& program) {
    const fs::path in = write(dir, "in.qasm", program), out = dir / "out.qasm";
    auto [c, cs] = shell(std::string(QFORGE_EXE) + " compile -O2 --target nam --emit qasm3 -o '" + out.string() + "' '" +
                         in.string() + "' 2>&1");
    EXPECT_EQ(cs, 0) << c;
    auto [st, ss] = shell(std::string(QFORGE_EXE) + " stats --format json '" + out.string() + "'");
    EXPECT_EQ(ss, 0);
    return json::parse(st)["two_qubit"].get<uint64_t>();
  };
  std::string edited = text;
  const std::size_t at = edited.find("cx q[0], q[1];\n", edited.find("qubit[n] q;\n") + 6 * 15);
  edited.replace(at, 14, "cx q[1], q[2];");
  const uint64_t after = two_qubit(edited), before = two_qubit(text);
  EXPECT_NE(after, before);
  EXPECT_NE(after, 1u);
  ASSERT_EQ(t.response(lens)["result"].size(), 1u);
  EXPECT_EQ(t.response(lens)["result"][0]["data"]["twoQubitGates"], after);
}

}  // namespace
