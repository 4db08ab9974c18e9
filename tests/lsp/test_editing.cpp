// Formatting (`qforge fmt` through the server) and signature help, with
// golden results: the formatted text written out by hand from the layout
// rules of qforge fmt, signatures from the gates' definitions, positions
// counted by hand in UTF-16 units.
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

const char* kCalls =
    "OPENQASM 3.0;\n"                          // 0
    "include \"stdgates.inc\";\n"              // 1
    "gate g(a, b) x, y { rz(a) x; }\n"         // 2
    "qubit[2] q;\n"                            // 3
    "const float θ = 0.1;\n"                   // 4
    "u3(θ, (1+2), 0.3) q[0];\n"                // 5
    "cx q[0], q[1];\n"                         // 6
    "ctrl @ g(θ, 0) q[0], q[1];\n"             // 7
    "measure q[0];\n";                         // 8

json signature(const std::string& label, const std::vector<std::pair<int, int>>& params, int active) {
  json p = json::array();
  for (auto [a, b] : params) p.push_back({{"label", {a, b}}});
  return {{"signatures", json::array({{{"label", label}, {"parameters", p}, {"activeParameter", active}}})},
          {"activeSignature", 0},
          {"activeParameter", active}};
}

TEST(LspSignatureHelp, GateCallsGolden) {
  Script s;
  s.initialize();
  const std::string u = "file:///tmp/calls.qasm";
  s.open(u, kCalls);
  const int first = s.at("textDocument/signatureHelp", u, 5, 3);    // u3(|
  const int second = s.at("textDocument/signatureHelp", u, 5, 6);   // u3(θ, |
  const int nested = s.at("textDocument/signatureHelp", u, 5, 8);   // u3(θ, (1|
  const int third = s.at("textDocument/signatureHelp", u, 5, 13);   // u3(θ, (1+2), |
  const int qubit = s.at("textDocument/signatureHelp", u, 5, 18);   // u3(θ, (1+2), 0.3) |
  const int cx = s.at("textDocument/signatureHelp", u, 6, 9);       // cx q[0], |
  const int user = s.at("textDocument/signatureHelp", u, 7, 21);    // ctrl @ g(θ, 0) q[0], |
  const int in_body = s.at("textDocument/signatureHelp", u, 2, 23); // { rz(|
  const int measure = s.at("textDocument/signatureHelp", u, 8, 8);  // measure |
  s.finish();
  Transcript t = run(s);
  // stdgates.inc: gate u3(θ, φ, λ) q; one UTF-16 unit per Greek letter.
  const std::vector<std::pair<int, int>> u3 = {{8, 9}, {11, 12}, {14, 15}, {17, 19}};
  EXPECT_EQ(t.response(first)["result"], signature("gate u3(θ, φ, λ) q0", u3, 0));
  EXPECT_EQ(t.response(second)["result"], signature("gate u3(θ, φ, λ) q0", u3, 1));
  EXPECT_EQ(t.response(nested)["result"], signature("gate u3(θ, φ, λ) q0", u3, 1));
  EXPECT_EQ(t.response(third)["result"], signature("gate u3(θ, φ, λ) q0", u3, 2));
  EXPECT_EQ(t.response(qubit)["result"], signature("gate u3(θ, φ, λ) q0", u3, 3));
  EXPECT_EQ(t.response(cx)["result"], signature("gate cx q0, q1", {{8, 10}, {12, 14}}, 1));
  EXPECT_EQ(t.response(user)["result"], signature("gate g(a, b) x, y", {{7, 8}, {10, 11}, {13, 14}, {16, 17}}, 3));
  EXPECT_EQ(t.response(in_body)["result"], signature("gate rz(θ) q0", {{8, 9}, {11, 13}}, 0));
  EXPECT_EQ(t.response(measure)["result"], nullptr);
}

TEST(LspSignatureHelp, Utf8OffsetsCountBytes) {
  Script s;
  s.initialize({{"general", {{"positionEncodings", {"utf-8"}}}}});
  const std::string u = "file:///tmp/calls.qasm";
  s.open(u, kCalls);
  const int second = s.at("textDocument/signatureHelp", u, 5, 7);  // u3(θ, | with θ two bytes
  s.finish();
  Transcript t = run(s);
  EXPECT_EQ(t.response(second)["result"],
            signature("gate u3(θ, φ, λ) q0", {{8, 10}, {12, 14}, {16, 18}, {20, 22}}, 1));
}

}  // namespace
