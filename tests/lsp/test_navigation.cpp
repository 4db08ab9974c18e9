// Hover, go to definition, references, rename, document symbols and
// completion, with golden results: positions counted by hand in UTF-16
// units, matrices from the definitions of the gates (textbook values).
#include "lsp_client.hpp"

namespace {

using namespace lsp_test;

// Line numbers (0-based) are in the comments.
const char* kMain =
    "OPENQASM 3.0;\n"                                 // 0
    "include \"stdgates.inc\";\n"                     // 1
    "include \"lib/mine.inc\";\n"                     // 2
    "const float θ = pi / 4;  // 😀\n"                // 3
    "qubit[2] q;\n"                                   // 4
    "bit[2] c;\n"                                     // 5
    "input angle phi;\n"                              // 6
    "gate g(a) x, y { rz(a) x; cx x, y; }\n"          // 7
    "/* 😀 */ h q[0];\n"                              // 8
    "rx(θ) q[1];\n"                                   // 9
    "g(θ) q[0], q[1];\n"                              // 10
    "mine q[0];\n"                                    // 11
    "ctrl @ x q[0], q[1];\n"                          // 12
    "rz(phi) q[1];\n"                                 // 13
    "c = measure q;\n";                               // 14

const char* kLib = "// θ 😀\ngate mine a { x a; }\n";

struct Session {
  fs::path dir;
  std::string main_uri, lib_uri;
  Script script;

  Session() : dir(temp_dir("nav")) {
    fs::create_directories(dir / "lib");
    write(dir / "lib", "mine.inc", kLib);
    write(dir, "main.qasm", kMain);
    main_uri = uri(dir / "main.qasm");
    lib_uri = uri(dir / "lib" / "mine.inc");
    script.initialize({{"textDocument", {{"completion", {{"completionItem", {{"snippetSupport", true}}}}}}}});
    script.open(main_uri, kMain);
  }
  int at(const std::string& method, int line, int character, const json& extra = json::object()) {
    return script.at(method, main_uri, line, character, extra);
  }
  Transcript run() {
    script.finish();
    return lsp_test::run(script);
  }
};

std::string hover_text(const Transcript& t, int id) { return t.response(id)["result"]["contents"]["value"]; }

TEST(LspNavigation, HoverGolden) {
  Session s;
  const int h = s.at("textDocument/hover", 8, 9);       // h, after "/* 😀 */ " (10 UTF-16 units)
  const int rx = s.at("textDocument/hover", 9, 1);      // rx(θ): θ = π/4
  const int theta = s.at("textDocument/hover", 9, 3);   // θ
  const int reg = s.at("textDocument/hover", 4, 10);    // q, just after it
  const int user = s.at("textDocument/hover", 10, 0);   // g
  const int inc = s.at("textDocument/hover", 11, 2);    // mine
  const int ctrl = s.at("textDocument/hover", 12, 7);   // x under ctrl @
  const int rz = s.at("textDocument/hover", 13, 0);     // rz(phi): symbolic
  const int input = s.at("textDocument/hover", 13, 4);  // phi
  const int param = s.at("textDocument/hover", 7, 20);  // a in rz(a)
  const int space = s.at("textDocument/hover", 0, 8);   // between tokens
  Transcript t = s.run();
  EXPECT_EQ(hover_text(t, h),
            "```qasm\ngate h q0\n```\nA gate of `stdgates.inc`.\n\n"
            "Matrix of this call (the gate table's; the first qubit is the most significant):\n"
            "```\n[ 0.7071   0.7071]\n[ 0.7071  -0.7071]\n```\n");
  EXPECT_EQ(t.response(h)["result"]["range"], range(8, 9, 8, 10));
  // rx(π/4) = [[cos π/8, -i sin π/8], [-i sin π/8, cos π/8]]
  EXPECT_EQ(hover_text(t, rx),
            "```qasm\ngate rx(θ) q0\n```\nA gate of `stdgates.inc`.\n\n"
            "Matrix of this call (the gate table's; the first qubit is the most significant):\n"
            "```\n[  0.9239  -0.3827i]\n[-0.3827i    0.9239]\n```\n");
  EXPECT_EQ(hover_text(t, theta),
            "```qasm\nconst float θ\n```\nConstant, declared in this file, line 4.\n\nValue: `0.785398163397`\n");
  EXPECT_EQ(hover_text(t, reg),
            "```qasm\nqubit[2] q\n```\nQubit register, declared in this file, line 5.\n\n"
            "Qubits 0–1 of the compiled circuit.\n");
  EXPECT_EQ(hover_text(t, user), "```qasm\ngate g(a) x, y\n```\nGate, declared in this file, line 8.\n");
  EXPECT_EQ(hover_text(t, inc), "```qasm\ngate mine a\n```\nGate, declared in `mine.inc`, line 2.\n");
  EXPECT_EQ(hover_text(t, ctrl),
            "```qasm\ngate x q0\n```\nA gate of `stdgates.inc`.\n\n"
            "Matrix (the gate table's; the first qubit is the most significant):\n```\n[0  1]\n[1  0]\n```\n");
  EXPECT_EQ(hover_text(t, rz),
            "```qasm\ngate rz(θ) q0\n```\nA gate of `stdgates.inc`.\n\nA call with constant parameters shows its matrix.\n");
  EXPECT_EQ(hover_text(t, input),
            "```qasm\ninput angle phi\n```\nInput, declared in this file, line 7.\n\n"
            "A parameter of the compiled circuit: `--set phi=VALUE` binds it.\n");
  EXPECT_EQ(hover_text(t, param), "```qasm\nangle a\n```\nGate parameter, declared in this file, line 8.\n");
  EXPECT_TRUE(t.response(space)["result"].is_null());
}

TEST(LspNavigation, HoverTwoQubitMatrixAndOpenQasm2) {
  const fs::path dir = temp_dir("oq2");
  const std::string text =
      "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\nCX q[0], q[1];\ncu1(pi/2) q[0], q[1];\nswap q[0], q[1];\n";
  write(dir, "two.qasm", text);
  Script s;
  s.initialize();
  s.open(uri(dir / "two.qasm"), text);
  const int cx = s.at("textDocument/hover", uri(dir / "two.qasm"), 3, 0);
  const int cu1 = s.at("textDocument/hover", uri(dir / "two.qasm"), 4, 0);
  const int swap = s.at("textDocument/hover", uri(dir / "two.qasm"), 5, 0);
  const int rename = s.at("textDocument/rename", uri(dir / "two.qasm"), 3, 0, {{"newName", "cnot"}});
  s.finish();
  Transcript t = run(s);
  const std::string id4 = "```\n[1  0  0  0]\n[0  1  0  0]\n";
  EXPECT_EQ(hover_text(t, cx), "```qasm\ngate CX q0, q1\n```\nBuilt into OpenQASM 2.0.\n\n"
                               "Matrix of this call (the gate table's; the first qubit is the most significant):\n" +
                                   id4 + "[0  0  0  1]\n[0  0  1  0]\n```\n");
  EXPECT_EQ(hover_text(t, cu1), "```qasm\ngate cu1(θ) q0, q1\n```\nA gate of `qelib1.inc`.\n\n"
                                "Matrix of this call (the gate table's; the first qubit is the most significant):\n"
                                "```\n[1  0  0  0]\n[0  1  0  0]\n[0  0  1  0]\n[0  0  0  i]\n```\n");
  EXPECT_NE(hover_text(t, swap).find("```\n[1  0  0  0]\n[0  0  1  0]\n[0  1  0  0]\n[0  0  0  1]\n```\n"),
            std::string::npos);
  EXPECT_EQ(t.response(rename)["error"],
            json::parse(R"({"code": -32803, "message": "'CX' is built into OpenQASM 2.0 and cannot be renamed"})"));
}

TEST(LspNavigation, DefinitionAcrossIncludes) {
  Session s;
  const int mine = s.at("textDocument/definition", 11, 1);
  const int theta = s.at("textDocument/definition", 10, 2);
  const int arg = s.at("textDocument/definition", 7, 32);  // y in cx x, y
  const int builtin = s.at("textDocument/definition", 8, 9);
  Transcript t = s.run();
  EXPECT_EQ(t.response(mine)["result"], (json{{"uri", s.lib_uri}, {"range", range(1, 5, 1, 9)}}));
  EXPECT_EQ(t.response(theta)["result"], (json{{"uri", s.main_uri}, {"range", range(3, 12, 3, 13)}}));
  EXPECT_EQ(t.response(arg)["result"], (json{{"uri", s.main_uri}, {"range", range(7, 13, 7, 14)}}));
  EXPECT_TRUE(t.response(builtin)["result"].is_null());
}

TEST(LspNavigation, References) {
  Session s;
  const int q = s.at("textDocument/references", 8, 11, {{"context", {{"includeDeclaration", true}}}});
  const int q_uses = s.at("textDocument/references", 4, 9, {{"context", {{"includeDeclaration", false}}}});
  const int x = s.at("textDocument/references", 7, 10, {{"context", {{"includeDeclaration", true}}}});
  Transcript t = s.run();
  auto lines = [&](int id) {
    std::vector<std::pair<int, int>> out;
    for (const auto& l : t.response(id)["result"]) {
      EXPECT_EQ(l["uri"], s.main_uri);
      out.emplace_back(l["range"]["start"]["line"], l["range"]["start"]["character"]);
    }
    return out;
  };
  const std::vector<std::pair<int, int>> uses = {{8, 11}, {9, 6}, {10, 5}, {10, 11}, {11, 5}, {12, 9}, {12, 15}, {13, 8}, {14, 12}};
  std::vector<std::pair<int, int>> all = {{4, 9}};
  all.insert(all.end(), uses.begin(), uses.end());
  EXPECT_EQ(lines(q), all);
  EXPECT_EQ(lines(q_uses), uses);
  // The gate's qubit x: declared at 10, used in rz(a) x and cx x, y (not the
  // stdgates x of line 12).
  EXPECT_EQ(lines(x), (std::vector<std::pair<int, int>>{{7, 10}, {7, 23}, {7, 29}}));
}

TEST(LspNavigation, RenameAcrossIncludesAndRefusals) {
  Session s;
  const int mine = s.at("textDocument/rename", 11, 0, {{"newName", "yours"}});
  const int prepare = s.at("textDocument/prepareRename", 3, 12);
  const int theta = s.at("textDocument/rename", 9, 3, {{"newName", "ω"}});
  const int builtin = s.at("textDocument/rename", 8, 9, {{"newName", "hadamard"}});
  const int prepare_builtin = s.at("textDocument/prepareRename", 12, 7);
  const int keyword = s.at("textDocument/rename", 4, 9, {{"newName", "qubit"}});
  const int not_a_name = s.at("textDocument/rename", 4, 9, {{"newName", "two words"}});
  const int taken = s.at("textDocument/rename", 4, 9, {{"newName", "c"}});
  const int nothing = s.at("textDocument/rename", 0, 2, {{"newName", "z"}});
  Transcript t = s.run();
  EXPECT_EQ(t.response(mine)["result"],
            (json{{"changes",
                   {{s.main_uri, {{{"range", range(11, 0, 11, 4)}, {"newText", "yours"}}}},
                    {s.lib_uri, {{{"range", range(1, 5, 1, 9)}, {"newText", "yours"}}}}}}}));
  EXPECT_EQ(t.response(prepare)["result"], (json{{"range", range(3, 12, 3, 13)}, {"placeholder", "θ"}}));
  EXPECT_EQ(t.response(theta)["result"],
            (json{{"changes",
                   {{s.main_uri,
                     {{{"range", range(3, 12, 3, 13)}, {"newText", "ω"}},
                      {{"range", range(9, 3, 9, 4)}, {"newText", "ω"}},
                      {{"range", range(10, 2, 10, 3)}, {"newText", "ω"}}}}}}}));
  auto error = [&](int id) { return t.response(id)["error"]["message"].get<std::string>(); };
  EXPECT_EQ(error(builtin), "'h' is a gate of stdgates.inc and cannot be renamed");
  EXPECT_EQ(error(prepare_builtin), "'x' is a gate of stdgates.inc and cannot be renamed");
  EXPECT_EQ(error(keyword), "'qubit' is not an identifier");
  EXPECT_EQ(error(not_a_name), "'two words' is not an identifier");
  EXPECT_EQ(error(taken), "'c' is already declared in this file, line 6");
  EXPECT_EQ(error(nothing), "no symbol to rename here");
  EXPECT_EQ(t.response(builtin)["error"]["code"], -32803);
}

TEST(LspNavigation, DocumentSymbols) {
  Session s;
  const int id = s.script.request("textDocument/documentSymbol", {{"textDocument", {{"uri", s.main_uri}}}});
  Transcript t = s.run();
  std::vector<std::string> names;
  const json& result = t.response(id)["result"];
  for (const auto& sym : result) names.push_back(sym["name"].get<std::string>() + ":" + std::to_string(sym["kind"].get<int>()));
  EXPECT_EQ(names, (std::vector<std::string>{"θ:14", "q:18", "c:18", "phi:7", "g:12"}));
  const json& g = result[4];
  EXPECT_EQ(g["range"], range(7, 0, 7, 36));
  EXPECT_EQ(g["selectionRange"], range(7, 5, 7, 6));
  EXPECT_EQ(g["detail"], "gate g(a) x, y");
  ASSERT_EQ(g["children"].size(), 3u);
  EXPECT_EQ(g["children"][0]["name"], "a");
  EXPECT_EQ(g["children"][2]["selectionRange"], range(7, 13, 7, 14));
  EXPECT_EQ(result[0]["range"], range(3, 0, 3, 23));  // `const float θ = pi / 4;`
}

TEST(LspNavigation, CompletionOffersGatesKeywordsAndRegisters) {
  Session s;
  const int start = s.at("textDocument/completion", 15, 0);   // a new statement
  const int qubits = s.at("textDocument/completion", 14, 12); // c = measure |q
  Transcript t = s.run();
  std::map<std::string, json> items;
  for (const auto& it : t.response(start)["result"]["items"]) items[it["label"]] = it;
  ASSERT_TRUE(items.count("crx"));
  EXPECT_EQ(items["crx"]["insertText"], "crx(${1:θ}) ${2:q0}, ${3:q1};");
  EXPECT_EQ(items["cu"]["insertText"], "cu(${1:θ}, ${2:φ}, ${3:λ}, ${4:γ}) ${5:q0}, ${6:q1};");
  EXPECT_EQ(items["g"]["insertText"], "g(${1:a}) ${2:x}, ${3:y};");
  EXPECT_EQ(items["mine"]["detail"], "gate mine a");
  EXPECT_EQ(items["measure"]["kind"], 14);
  EXPECT_EQ(items["gate"]["kind"], 14);
  EXPECT_FALSE(items.count("cu3"));  // qelib1.inc is not included
  EXPECT_FALSE(items.count("a"));    // a gate's parameter is not in scope here
  EXPECT_FALSE(items.count("q"));    // no statement starts with a qubit
  items.clear();
  for (const auto& it : t.response(qubits)["result"]["items"]) items[it["label"]] = it;
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items["q"]["detail"], "qubit[2]");
}

TEST(LspNavigation, SemanticTokensGolden) {
  const fs::path dir = temp_dir("semantic");
  const std::string text =
      "OPENQASM 3.0;\ninclude \"stdgates.inc\";\nconst float θ = 0.5;\nqubit q;\n/* 😀 */ rx(θ) q;\n";
  write(dir, "sem.qasm", text);
  for (bool utf8 : {false, true}) {
    Script s;
    s.initialize(utf8 ? json{{"general", {{"positionEncodings", {"utf-8"}}}}} : json::object());
    s.open(uri(dir / "sem.qasm"), text);
    const int id = s.request("textDocument/semanticTokens/full", {{"textDocument", {{"uri", uri(dir / "sem.qasm")}}}});
    s.finish();
    Transcript t = run(s);
    // (delta line, delta start, length, type, modifiers) per token; types:
    // keyword 0, number 1, string 2, function 3, variable 4; modifiers:
    // declaration 1, readonly 2, defaultLibrary 4. `rx` starts after
    // "/* 😀 */ ": 9 UTF-16 units, 11 UTF-8 bytes; θ is 1 unit or 2 bytes.
    const int rx = utf8 ? 11 : 9, theta = utf8 ? 2 : 1, after_theta = utf8 ? 7 : 6;
    const std::vector<int> expected = {
        0, 0, 8, 0, 0,  0, 9, 3, 1, 0,                                          // OPENQASM 3.0
        1, 0, 7, 0, 0,  0, 8, 14, 2, 0,                                         // include "stdgates.inc"
        1, 0, 5, 0, 0,  0, 6, 5, 0, 0,  0, 6, theta, 4, 3,  0, after_theta - 2, 3, 1, 0,  // const float θ = 0.5
        1, 0, 5, 0, 0,  0, 6, 1, 4, 1,                                          // qubit q
        1, rx, 2, 3, 4,  0, 3, theta, 4, 2,  0, 2 + theta, 1, 4, 0,             // rx(θ) q
    };
    EXPECT_EQ(t.response(id)["result"]["data"], json(expected)) << (utf8 ? "utf-8" : "utf-16");
  }
}

}  // namespace
