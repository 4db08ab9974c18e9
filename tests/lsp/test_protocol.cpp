// The JSON-RPC and LSP lifecycle of `qforge lsp`: the initialize handshake,
// position encoding negotiation, errors for bad input, shutdown and exit
// codes, in-process and over pipes.
#include "lsp_client.hpp"

namespace {

using namespace lsp_test;

TEST(LspProtocol, InitializeHandshakeGolden) {
  Script s;
  const int id = s.initialize();
  s.finish();
  Transcript t = run(s);
  EXPECT_EQ(t.exit_code, 0);
  const json expected = json::parse(R"({
    "jsonrpc": "2.0", "id": 1,
    "result": {
      "capabilities": {
        "positionEncoding": "utf-16",
        "textDocumentSync": {"openClose": true, "change": 2, "save": {"includeText": false}},
        "hoverProvider": true,
        "definitionProvider": true,
        "referencesProvider": true,
        "renameProvider": {"prepareProvider": true},
        "documentSymbolProvider": true,
        "completionProvider": {"triggerCharacters": []},
        "signatureHelpProvider": {"triggerCharacters": ["(", ","]},
        "documentFormattingProvider": true,
        "codeLensProvider": {"resolveProvider": false},
        "semanticTokensProvider": {
          "legend": {"tokenTypes": ["keyword", "number", "string", "function", "variable", "parameter"],
                     "tokenModifiers": ["declaration", "readonly", "defaultLibrary"]},
          "full": true
        }
      },
      "serverInfo": {"name": "qforge", "version": "0.1.0"}
    }
  })");
  EXPECT_EQ(t.response(id), expected);
  // shutdown answers null.
  EXPECT_EQ(t.response(2), json::parse(R"({"jsonrpc": "2.0", "id": 2, "result": null})"));
  EXPECT_EQ(t.messages.size(), 2u);
}

TEST(LspProtocol, PositionEncodingNegotiation) {
  auto negotiated = [](const json& encodings) {
    Script s;
    s.initialize({{"general", {{"positionEncodings", encodings}}}});
    return run(s).response(1)["result"]["capabilities"]["positionEncoding"];
  };
  EXPECT_EQ(negotiated(json::array({"utf-16"})), "utf-16");
  EXPECT_EQ(negotiated(json::array({"utf-16", "utf-8"})), "utf-8");
  EXPECT_EQ(negotiated(json::array({"utf-8"})), "utf-8");
  EXPECT_EQ(negotiated(json::array({"utf-32", "utf-16"})), "utf-32");
  EXPECT_EQ(negotiated(json::array()), "utf-16");
}

TEST(LspProtocol, RequestsBeforeInitializeAreRefused) {
  Script s;
  const int early = s.request("textDocument/hover", {{"textDocument", {{"uri", "file:///x.qasm"}}},
                                                      {"position", {{"line", 0}, {"character", 0}}}});
  s.open("file:///x.qasm", "OPENQASM 3.0;\nqubit q;\nreset q\n");  // dropped: not initialized
  s.initialize();
  s.finish();
  Transcript t = run(s);
  EXPECT_EQ(t.response(early)["error"]["code"], -32002);
  EXPECT_TRUE(t.notifications("textDocument/publishDiagnostics").empty());
  EXPECT_EQ(t.exit_code, 0);
}

TEST(LspProtocol, MalformedInputIsAnsweredAndTheServerGoesOn) {
  Script s;
  s.initialize();
  s.raw(frame("{not json"));                                       // parse error
  s.raw(frame("[1, 2]"));                                          // not a request object
  s.raw(frame(R"({"jsonrpc":"2.0","id":{"a":1},"method":"x"})"));  // bad id
  s.raw("Content-Type: application/vscode-jsonrpc\r\n\r\n");       // no Content-Length
  s.raw("Content-Length: abc\r\n\r\n");
  const int unknown = s.request("textDocument/frobnicate");
  s.notify("workspace/unknownNotification");                       // ignored
  const int no_doc = s.at("textDocument/hover", "file:///nowhere.qasm", 0, 0);
  const int bad_params = s.request("textDocument/hover", {{"textDocument", 5}});
  s.send({{"jsonrpc", "2.0"}, {"id", 99}, {"method", "initialize"}, {"params", json::object()}});
  const int after = s.request("shutdown", nullptr);
  const int late = s.request("textDocument/hover");
  s.notify("exit");
  Transcript t = run(s);
  std::vector<int> codes;
  for (const auto& m : t.messages)
    if (m.contains("error")) codes.push_back(m["error"]["code"]);
  EXPECT_EQ(codes, (std::vector<int>{-32700, -32600, -32600, -32700, -32700, -32601, -32602, -32602, -32600, -32600}));
  for (std::size_t k = 0; k < 5; ++k) EXPECT_TRUE(t.messages[1 + k]["id"].is_null()) << k;
  EXPECT_EQ(t.response(unknown)["error"]["message"], "method not found: textDocument/frobnicate");
  EXPECT_EQ(t.response(no_doc)["error"]["message"], "document not open: file:///nowhere.qasm");
  EXPECT_EQ(t.response(bad_params)["error"]["code"], -32602);
  EXPECT_EQ(t.response(99)["error"]["message"], "initialize was already received");
  EXPECT_TRUE(t.response(after)["result"].is_null());
  EXPECT_EQ(t.response(late)["error"]["message"], "the server is shut down");
  EXPECT_EQ(t.exit_code, 0);
}

TEST(LspProtocol, ExitCodes) {
  {
    Script s;  // shutdown then exit
    s.initialize();
    s.finish();
    EXPECT_EQ(run(s).exit_code, 0);
  }
  {
    Script s;  // exit without shutdown
    s.initialize();
    s.notify("exit");
    EXPECT_EQ(run(s).exit_code, 1);
  }
  {
    Script s;  // the input ends
    s.initialize();
    EXPECT_EQ(run(s).exit_code, 1);
  }
  {
    Script s;  // the input ends in the middle of a message
    s.initialize();
    s.raw("Content-Length: 100\r\n\r\n{\"jsonrpc\"");
    EXPECT_EQ(run(s).exit_code, 1);
  }
  {
    Script s;  // nothing after exit is read
    s.initialize();
    s.finish();
    s.request("shutdown", nullptr);
    Transcript t = run(s);
    EXPECT_EQ(t.exit_code, 0);
    EXPECT_EQ(t.messages.size(), 2u);
  }
}

TEST(LspProtocol, OverPipesWithTheExecutable) {
  Script s;
  s.initialize({{"general", {{"positionEncodings", {"utf-8"}}}}});
  s.open("file:///tmp/x.qasm", "OPENQASM 3.0;\nqubit q;\nreset q\n");
  s.finish();
  Transcript t = run_exe(s, "--stdio");
  EXPECT_EQ(t.exit_code, 0);
  EXPECT_EQ(t.response(1)["result"]["capabilities"]["positionEncoding"], "utf-8");
  const json d = t.diagnostics("file:///tmp/x.qasm");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0]["message"], "expected ';' at the end of the statement");

  Script no_shutdown;
  no_shutdown.initialize();
  no_shutdown.notify("exit");
  EXPECT_EQ(run_exe(no_shutdown).exit_code, 1);

  Script garbage;
  garbage.raw(std::string("Content-Length: 5\r\n\r\n\xff\xfe\x00{]", 26));
  garbage.raw("Content-Length: 99999999999999999999999\r\n\r\n");
  garbage.raw("Content-Length: 4000000000\r\n\r\n");
  Transcript g = run_exe(garbage);
  EXPECT_EQ(g.exit_code, 1);
  ASSERT_EQ(g.messages.size(), 3u);
  for (const auto& m : g.messages) EXPECT_EQ(m["error"]["code"], -32700);
}

}  // namespace
