// Formatting (`qforge fmt` through the server), with golden results: the
// formatted text written out by hand from the layout rules of qforge fmt,
// positions counted by hand in UTF-16 units.
#include "lsp_client.hpp"

namespace {

using namespace lsp_test;

// The last line has no line end and a θ (one UTF-16 unit, two UTF-8 bytes).
const char* kMessy =
    "OPENQASM 3.0;\n"
    "include \"stdgates.inc\";\n"
    "const float θ=pi/4;   qubit[2] q;\n"
    "rx( θ ) q[0];cx q[0],q[1];";

const char* kFormatted =
    "OPENQASM 3.0;\n"
    "include \"stdgates.inc\";\n"
    "const float θ = pi / 4;\n"
    "qubit[2] q;\n"
    "rx(θ) q[0];\n"
    "cx q[0], q[1];\n";

json format_request(Script& s, const std::string& uri) {
  return s.request("textDocument/formatting",
                   {{"textDocument", {{"uri", uri}}}, {"options", {{"tabSize", 2}, {"insertSpaces", true}}}});
}

TEST(LspFormatting, Advertised) {
  Script s;
  const int init = s.initialize();
  s.finish();
  Transcript t = run(s);
  EXPECT_EQ(t.response(init)["result"]["capabilities"]["documentFormattingProvider"], true);
}

TEST(LspFormatting, MessyDocumentGolden) {
  Script s;
  s.initialize();
  s.open("file:///tmp/messy.qasm", kMessy);
  const int f = format_request(s, "file:///tmp/messy.qasm");
  s.finish();
  Transcript t = run(s);
  // Line 3 "rx( θ ) q[0];cx q[0],q[1];" is 26 UTF-16 units long.
  const json expected = json::array({{{"range", range(0, 0, 3, 26)}, {"newText", kFormatted}}});
  EXPECT_EQ(t.response(f)["result"], expected);
}

TEST(LspFormatting, Utf8PositionsCountBytes) {
  Script s;
  s.initialize({{"general", {{"positionEncodings", {"utf-8"}}}}});
  s.open("file:///tmp/messy.qasm", kMessy);
  const int f = format_request(s, "file:///tmp/messy.qasm");
  s.finish();
  Transcript t = run(s);
  // The same line is 27 bytes: θ takes two.
  EXPECT_EQ(t.response(f)["result"][0]["range"], range(0, 0, 3, 27));
}

TEST(LspFormatting, FormattedDocumentNeedsNoEdit) {
  Script s;
  s.initialize();
  s.open("file:///tmp/tidy.qasm", kFormatted);
  const int f = format_request(s, "file:///tmp/tidy.qasm");
  s.finish();
  Transcript t = run(s);
  EXPECT_EQ(t.response(f)["result"], json::array());
}

TEST(LspFormatting, EditThenFormatIsIdempotent) {
  // Apply the returned edit as the client does; formatting again gives no edit.
  Script s;
  s.initialize();
  s.open("file:///tmp/messy.qasm", kMessy);
  s.change("file:///tmp/messy.qasm", 2, range(0, 0, 3, 26), kFormatted);
  const int f = format_request(s, "file:///tmp/messy.qasm");
  s.finish();
  Transcript t = run(s);
  EXPECT_EQ(t.response(f)["result"], json::array());
  EXPECT_EQ(t.diagnostics("file:///tmp/messy.qasm"), json::array());
}

TEST(LspFormatting, SyntaxErrorIsAnErrorAndKeepsDiagnostics) {
  Script s;
  s.initialize();
  s.open("file:///tmp/bad.qasm", "OPENQASM 3.0;\nqubit q\nh q;\n");
  const int f = format_request(s, "file:///tmp/bad.qasm");
  s.finish();
  Transcript t = run(s);
  const json& r = t.response(f);
  ASSERT_TRUE(r.contains("error"));
  EXPECT_EQ(r["error"]["code"], -32803);
  EXPECT_EQ(r["error"]["message"].get<std::string>().rfind("cannot format a document with syntax errors: line ", 0), 0u)
      << r["error"]["message"];
  // One diagnostics notification (from didOpen), with the error; formatting published nothing.
  EXPECT_EQ(t.notifications("textDocument/publishDiagnostics").size(), 1u);
  const json d = t.diagnostics("file:///tmp/bad.qasm");
  ASSERT_FALSE(d.empty());
  EXPECT_EQ(d[0]["severity"], 1);
}

}  // namespace
