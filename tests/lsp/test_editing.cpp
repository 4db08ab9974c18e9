// Formatting (`qforge fmt` through the server) and signature help, with
// golden results: the formatted text written out by hand from the layout
// rules of qforge fmt, signatures from the gates' definitions, positions
// counted by hand in UTF-16 units. Code lenses against `qforge compile
// -O2 --target T` then `qforge stats` on its output.
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

/// The result of formatting a document opened with `text`.
json format_result(const std::string& text, const json& capabilities = json::object()) {
  Script s;
  s.initialize(capabilities);
  s.open("file:///tmp/doc.qasm", text);
  const int f = format_request(s, "file:///tmp/doc.qasm");
  s.finish();
  return run(s).response(f)["result"];
}

TEST(LspFormatting, MessyDocumentGolden) {
  // Line 3 "rx( θ ) q[0];cx q[0],q[1];" is 26 UTF-16 units long.
  const json expected = json::array({{{"range", range(0, 0, 3, 26)}, {"newText", kFormatted}}});
  EXPECT_EQ(format_result(kMessy), expected);
}

TEST(LspFormatting, Utf8PositionsCountBytes) {
  // The same line is 27 bytes: θ takes two.
  EXPECT_EQ(format_result(kMessy, {{"general", {{"positionEncodings", {"utf-8"}}}}})[0]["range"], range(0, 0, 3, 27));
}

TEST(LspFormatting, FormattedDocumentNeedsNoEdit) { EXPECT_EQ(format_result(kFormatted), json::array()); }

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

TEST(LspSignatureHelp, WhileTypingTheCall) {
  // The document does not parse yet: the index still knows the gates in scope.
  Script s;
  s.initialize();
  const std::string u = "file:///tmp/typing.qasm";
  s.open(u, "OPENQASM 3.0;\ninclude \"stdgates.inc\";\nqubit[2] q;\ncrz(");
  const int open = s.at("textDocument/signatureHelp", u, 3, 4);
  s.finish();
  Transcript t = run(s);
  EXPECT_EQ(t.response(open)["result"], signature("gate crz(θ) q0, q1", {{9, 10}, {12, 14}, {16, 18}}, 0));
  EXPECT_FALSE(t.diagnostics(u).empty());
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

const char* kGhz =
    "OPENQASM 3.0;\n"
    "include \"stdgates.inc\";\n"
    "qubit[5] q;\n"
    "bit[5] c;\n"
    "h q[0];\n"
    "for int i in [0:3] { cx q[i], q[i + 1]; }\n"
    "cx q[4], q[0];\n"
    "crz(0.3) q[1], q[3];\n"
    "c = measure q;\n";

/// `qforge stats --format json` of `qforge compile -O2 --target T` of `file`.
json cli_stats(const fs::path& file, const std::string& target) {
  const fs::path out = file.parent_path() / ("compiled_" + target + ".qasm");
  auto [compile_out, compile_status] = shell(std::string(QFORGE_EXE) + " compile -O2 --target " + target +
                                             " --emit qasm3 -o '" + out.string() + "' '" + file.string() + "'");
  EXPECT_EQ(compile_status, 0) << compile_out;
  auto [stats, status] = shell(std::string(QFORGE_EXE) + " stats --format json '" + out.string() + "'");
  EXPECT_EQ(status, 0);
  return json::parse(stats);
}

TEST(LspCodeLens, CostEqualsCompileThenStats) {
  const fs::path dir = temp_dir("lens");
  const fs::path file = write(dir, "ghz.qasm", kGhz);
  for (const std::string target : {"ibm_heron", "nam"}) {
    const json expected = cli_stats(file, target);
    Script s;
    s.initialize(json::object(), {{"target", target}});
    s.open(uri(file), kGhz);
    const int lens = s.request("textDocument/codeLens", {{"textDocument", {{"uri", uri(file)}}}});
    s.finish();
    Transcript t = run(s);
    const json& r = t.response(lens)["result"];
    ASSERT_TRUE(r.is_array()) << t.response(lens);
    ASSERT_EQ(r.size(), 1u) << target;
    const uint64_t two = expected["two_qubit"], depth = expected["depth"];
    EXPECT_GT(two, 0u);
    EXPECT_EQ(r[0]["data"]["twoQubitGates"], two) << target;
    EXPECT_EQ(r[0]["data"]["depth"], depth) << target;
    EXPECT_EQ(r[0]["command"]["title"], target + " -O2: " + std::to_string(two) + " two-qubit gates, depth " +
                                            std::to_string(depth));
    EXPECT_EQ(r[0]["range"], range(0, 0, 0, 0));
  }
}

/// The lens with `noise` set to the model `qforge noise import` makes of
/// `props` and `conf`, against `qforge compile -O2 --noise` of the file: the
/// predicted fidelity it writes in its output, and the statistics of that
/// output.
void expect_noise_lens(const fs::path& file, const std::string& text, const std::string& props,
                       const std::string& conf) {
  const fs::path dir = file.parent_path();
  const fs::path model = dir / "device.noise.json", out = dir / "device_compiled.qasm";
  auto [imported, import_status] = shell(std::string(QFORGE_EXE) + " noise import '" + props + "' '" + conf + "' -o '" +
                                         model.string() + "' 2>&1");
  ASSERT_EQ(import_status, 0) << imported;
  auto [compiled, compile_status] = shell(std::string(QFORGE_EXE) + " compile -O2 --noise '" + model.string() +
                                          "' --emit qasm3 -o '" + out.string() + "' '" + file.string() + "' 2>&1");
  ASSERT_EQ(compile_status, 0) << compiled;
  std::ifstream in(out);
  std::string line, device;
  double fidelity = -1;
  while (std::getline(in, line))
    if (line.rfind("// qforge-noise device=", 0) == 0) {
      device = line.substr(23, line.find(' ', 23) - 23);
      fidelity = std::stod(line.substr(line.find("predicted_fidelity=") + 19));
    }
  ASSERT_GT(fidelity, 0) << "no fidelity comment in the compiled file";
  auto [stats_text, stats_status] = shell(std::string(QFORGE_EXE) + " stats --format json '" + out.string() + "'");
  ASSERT_EQ(stats_status, 0);
  const json stats = json::parse(stats_text);

  Script s;
  s.initialize(json::object(), {{"target", "nam"}, {"noise", model.string()}});  // the model's device wins
  s.open(uri(file), text);
  const int lens = s.request("textDocument/codeLens", {{"textDocument", {{"uri", uri(file)}}}});
  s.finish();
  Transcript t = run(s);
  const json& r = t.response(lens)["result"];
  ASSERT_EQ(r.size(), 1u) << t.response(lens);
  const json& data = r[0]["data"];
  EXPECT_EQ(data["target"], device);
  EXPECT_NEAR(data["predictedFidelity"].get<double>(), fidelity, 5e-7);  // the file writes 6 decimals
  EXPECT_LT(data["predictedFidelity"].get<double>(), 1.0);
  EXPECT_EQ(data["twoQubitGates"], stats["two_qubit"]);
  EXPECT_EQ(data["depth"], stats["depth"]);
  char f[32];
  std::snprintf(f, sizeof f, "%.4f", data["predictedFidelity"].get<double>());
  const uint64_t two = stats["two_qubit"];
  EXPECT_EQ(r[0]["command"]["title"], device + " -O2: " + std::to_string(two) + " two-qubit gate" + (two == 1 ? "" : "s") +
                                          ", depth " + std::to_string(stats["depth"].get<uint64_t>()) +
                                          ", predicted fidelity " + f);
}

TEST(LspCodeLens, PredictedFidelityOfTheTinyDevice) {
  // The committed 4-qubit calibration: its healthy part is two qubits.
  const std::string text =
      "OPENQASM 3.0;\ninclude \"stdgates.inc\";\nqubit[2] q;\nbit[2] c;\nh q[0];\ncx q[0], q[1];\nc = measure q;\n";
  const fs::path file = write(temp_dir("lens_tiny"), "bell.qasm", text);
  const std::string data = std::string(QFORGE_SOURCE_DIR) + "/tests/noise/data";
  expect_noise_lens(file, text, data + "/props_tiny.json", data + "/conf_tiny.json");
}

TEST(LspCodeLens, PredictedFidelityOfARealDevice) {
  const char* dir = std::getenv("QFORGE_CALIBRATION");
  if (!dir) GTEST_SKIP() << "QFORGE_CALIBRATION is not set, so the IBM calibration snapshots cannot be found "
                            "(set it to the calibration folder, e.g. /work/shared/calibration; scripts/test.sh does).";
  const fs::path file = write(temp_dir("lens_fez"), "ghz.qasm", kGhz);
  expect_noise_lens(file, kGhz, std::string(dir) + "/ibm/props_fez.json", std::string(dir) + "/ibm/conf_fez.json");
}

TEST(LspCodeLens, UnreadableNoiseModelIsLogged) {
  Script s;
  s.initialize(json::object(), {{"noise", "/nonexistent/device.noise.json"}});
  s.open("file:///tmp/ghz.qasm", kGhz);
  const int lens = s.request("textDocument/codeLens", {{"textDocument", {{"uri", "file:///tmp/ghz.qasm"}}}});
  s.finish();
  Transcript t = run(s);
  EXPECT_EQ(t.response(lens)["result"], json::array());
  const auto logs = t.notifications("window/logMessage");
  ASSERT_FALSE(logs.empty());
  EXPECT_EQ(logs[0]["message"].get<std::string>().rfind("noise model: ", 0), 0u) << logs[0];
}

TEST(LspCodeLens, NoneWithoutTargetOrWhenTheDocumentFails) {
  Script s;
  s.initialize();
  s.open("file:///tmp/ghz.qasm", kGhz);
  const int none = s.request("textDocument/codeLens", {{"textDocument", {{"uri", "file:///tmp/ghz.qasm"}}}});
  s.notify("workspace/didChangeConfiguration", {{"settings", {{"qforge", {{"target", "ibm_heron"}}}}}});
  const int set = s.request("textDocument/codeLens", {{"textDocument", {{"uri", "file:///tmp/ghz.qasm"}}}});
  s.open("file:///tmp/bad.qasm", "OPENQASM 3.0;\nqubit q;\nnope q;\n");
  const int bad = s.request("textDocument/codeLens", {{"textDocument", {{"uri", "file:///tmp/bad.qasm"}}}});
  s.notify("workspace/didChangeConfiguration", {{"settings", {{"qforge", {{"target", "no_such_device"}}}}}});
  const int unknown = s.request("textDocument/codeLens", {{"textDocument", {{"uri", "file:///tmp/ghz.qasm"}}}});
  s.finish();
  Transcript t = run(s);
  EXPECT_EQ(t.response(none)["result"], json::array());
  EXPECT_EQ(t.response(set)["result"].size(), 1u);
  EXPECT_EQ(t.response(bad)["result"], json::array());
  EXPECT_EQ(t.response(unknown)["result"], json::array());
  bool logged = false;
  for (const auto& m : t.notifications("window/logMessage"))
    logged |= m["message"].get<std::string>().rfind("code lens for target no_such_device: ", 0) == 0;
  EXPECT_TRUE(logged);
}

}  // namespace
