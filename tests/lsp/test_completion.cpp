// Completion that fits the cursor: golden lists at cursor positions of
// small programs, each derived by hand from the grammar (what may follow
// there) and the program's declarations in scope.
#include "lsp_client.hpp"

#include <algorithm>
#include <map>

namespace {

using namespace lsp_test;

// No standard library included: the gates in scope are U and g alone.
const char* kProgram =
    "OPENQASM 3.0;\n"                                  // 0
    "const int n = 4;\n"                               // 1
    "qubit[n] q;\n"                                    // 2
    "bit[2] c;\n"                                      // 3
    "float[64] x = 0.5;\n"                             // 4
    "gate g(a) s, t { U(a, 0, 0) s; }\n"               // 5
    "def f(int k, qubit r) -> bit { return measure r; }\n"  // 6
    "for int i in [0:3] {\n"                           // 7
    "  g(x) q[0], q[1];\n"                             // 8
    "}\n"                                              // 9
    "c[0] = measure q[0];\n"                           // 10
    "ctrl @ U(0, 0, 0) q[0], q[1];\n";                 // 11 (then line 12, empty)

const std::vector<std::string> kTopLevel = {
    "angle", "array", "barrier", "bit", "bool", "box", "cal", "complex", "const", "creg", "ctrl", "def", "defcal",
    "delay", "duration", "end", "extern", "float", "for", "gate", "gphase", "if", "include", "input", "int", "inv",
    "let", "measure", "negctrl", "output", "pow", "pragma", "qreg", "qubit", "reset", "stretch", "switch", "uint",
    "while"};
const std::vector<std::string> kMath = {"arccos", "arcsin", "arctan", "ceiling", "cos", "exp", "floor", "ln",
                                        "mod", "popcount", "rotl", "rotr", "sin", "sizeof", "sqrt", "tan"};

struct Completions {
  std::vector<std::string> labels;  ///< sorted
  std::map<std::string, json> items;
  bool has(const std::string& l) const { return items.count(l) > 0; }
  /// The labels of one completion kind (14: keywords), sorted.
  std::vector<std::string> of_kind(int kind) const {
    std::vector<std::string> out;
    for (const auto& [l, it] : items)
      if (it["kind"] == kind) out.push_back(l);
    return out;
  }
};

Completions completions(const Transcript& t, int id) {
  Completions c;
  const json& r = t.response(id)["result"];
  EXPECT_EQ(r["isIncomplete"], false);
  for (const auto& it : r["items"]) {
    c.labels.push_back(it["label"]);
    c.items[it["label"]] = it;
  }
  std::sort(c.labels.begin(), c.labels.end());
  return c;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}
std::vector<std::string> plus(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return sorted(a);
}

json snippets() { return {{"textDocument", {{"completion", {{"completionItem", {{"snippetSupport", true}}}}}}}}; }

/// `text` opened (with the settings `options`), completion asked at each of `at`.
std::vector<Completions> complete(const std::string& text, const std::vector<std::pair<int, int>>& at,
                                  const json& options = nullptr, const json& caps = snippets()) {
  Script s;
  s.initialize(caps, options);
  const std::string u = "file:///tmp/qforge_completion.qasm";
  s.open(u, text);
  std::vector<int> ids;
  for (auto [l, c] : at) ids.push_back(s.at("textDocument/completion", u, l, c));
  s.finish();
  Transcript t = run(s);
  std::vector<Completions> out;
  for (int id : ids) out.push_back(completions(t, id));
  return out;
}

TEST(LspCompletion, StatementStartAtTheTopLevel) {
  const auto c = complete(kProgram, {{12, 0}})[0];
  // Statements start with a keyword, a gate (U, g), or a classical name (an
  // assignment, a call): c, x and f. Not q (no statement starts with a
  // qubit), not n (a constant), not i, k, r, a, s, t (out of scope).
  EXPECT_EQ(c.labels, plus(kTopLevel, {"U", "g", "c", "x", "f"}));
  EXPECT_EQ(c.of_kind(14), kTopLevel);
  EXPECT_EQ(c.items.at("g")["insertText"], "g(${1:a}) ${2:s}, ${3:t};");
  EXPECT_EQ(c.items.at("g")["insertTextFormat"], 2);
  EXPECT_EQ(c.items.at("g")["detail"], "gate g(a) s, t");
  EXPECT_EQ(c.items.at("U")["insertText"], "U(${1:θ}, ${2:φ}, ${3:λ}) ${4:q0};");
  EXPECT_EQ(c.items.at("c")["detail"], "bit[2]");
  EXPECT_EQ(c.items.at("x")["detail"], "float[64]");
}

TEST(LspCompletion, InsideALoopAndAGateBody) {
  const auto c = complete(kProgram, {{8, 2}, {5, 17}, {5, 0}});
  // In the loop's body: break and continue too, and its variable; no
  // declarations that only the top level allows.
  EXPECT_EQ(c[0].of_kind(14), sorted({"angle", "array", "barrier", "bit", "bool", "box", "break", "complex", "const",
                                      "continue", "ctrl", "delay", "duration", "end", "float", "for", "gphase", "if",
                                      "int", "inv", "let", "measure", "negctrl", "pow", "reset", "stretch", "switch",
                                      "uint", "while"}));
  EXPECT_TRUE(c[0].has("i"));
  EXPECT_TRUE(c[0].has("g"));
  // In a gate's body: gate calls, their modifiers and gphase only.
  EXPECT_EQ(c[1].labels, sorted({"U", "g", "ctrl", "gphase", "inv", "negctrl", "pow"}));
  // Before the gate's declaration, g is not in scope yet.
  EXPECT_FALSE(c[2].has("g"));
  EXPECT_TRUE(c[2].has("U"));
}

TEST(LspCompletion, ExpressionsQubitListsAndModifiers) {
  // g(| ; g(x) | ; c[0] = measure | ; ctrl @ | ; gate body U(| ; U(0, 0, 0) q[0], |
  const auto c = complete(kProgram, {{8, 4}, {8, 7}, {10, 15}, {11, 7}, {5, 19}, {11, 24}, {10, 5}});
  // Values: the classical names in scope, the constants and functions.
  EXPECT_EQ(c[0].labels, plus(kMath, {"n", "c", "x", "f", "i", "euler", "pi", "tau", "false", "true"}));
  EXPECT_EQ(c[0].items.at("n")["detail"], "int");
  // A gate's qubits: the qubit registers, with their size as compiled.
  EXPECT_EQ(c[1].labels, (std::vector<std::string>{"q"}));
  EXPECT_EQ(c[1].items.at("q")["detail"], "qubit[4]");
  EXPECT_EQ(c[2].labels, (std::vector<std::string>{"q"}));
  // After a modifier's `@`: a gate.
  EXPECT_EQ(c[3].labels, (std::vector<std::string>{"U", "g"}));
  // Inside a gate's body, its parameter is the one value in scope.
  EXPECT_TRUE(c[4].has("a"));
  EXPECT_FALSE(c[4].has("x"));
  EXPECT_FALSE(c[4].has("s"));
  EXPECT_EQ(c[5].labels, (std::vector<std::string>{"q"}));
  // `c[0] |`: an operator comes next.
  EXPECT_TRUE(c[6].labels.empty());
}

TEST(LspCompletion, DeclarationsTypesAndBits) {
  const std::string head = "OPENQASM 3.0;\nqubit[2] q;\nbit[2] c;\n";
  const auto c = complete(head + "measure q -> ", {{3, 13}});
  EXPECT_EQ(c[0].labels, (std::vector<std::string>{"c"}));
  const auto after_type = complete(head + "float[64] ", {{3, 10}});
  EXPECT_TRUE(after_type[0].labels.empty());  // a new name comes next
  const auto after_const = complete(head + "const ", {{3, 6}});
  EXPECT_EQ(after_const[0].labels,
            sorted({"angle", "array", "bit", "bool", "complex", "duration", "float", "int", "uint"}));
  const auto argument = complete(head + "def f(int a, ", {{3, 13}});
  EXPECT_EQ(argument[0].labels, sorted({"angle", "array", "bit", "bool", "complex", "duration", "float", "int", "uint",
                                        "creg", "mutable", "qreg", "qubit", "readonly"}));
  const auto gate_name = complete(head + "gate ", {{3, 5}});
  EXPECT_TRUE(gate_name[0].labels.empty());
}

TEST(LspCompletion, OpenQasm2KeywordsOnly) {
  const std::string text = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[3];\ncreg c[3];\n\ngate g a { }\n";
  const auto c = complete(text, {{4, 0}, {5, 11}, {3, 11}});
  EXPECT_EQ(c[0].of_kind(14), sorted({"barrier", "creg", "gate", "if", "include", "measure", "opaque", "qreg", "reset"}));
  EXPECT_TRUE(c[0].has("cu3"));  // qelib1.inc's
  EXPECT_TRUE(c[0].has("CX"));   // OpenQASM 2's own
  EXPECT_FALSE(c[0].has("c"));   // OpenQASM 2 has no assignments
  EXPECT_EQ(c[1].of_kind(14), (std::vector<std::string>{"barrier"}));
  // At the very start of a file: OPENQASM too.
  const auto first = complete("", {{0, 0}});
  EXPECT_TRUE(first[0].has("OPENQASM"));
  EXPECT_FALSE(c[0].has("OPENQASM"));
}

TEST(LspCompletion, PhysicalQubitsOfTheTarget) {
  const std::string text = "OPENQASM 3.0;\ninclude \"stdgates.inc\";\nh \ncx $1, $1";
  const auto c = complete(text, {{2, 2}, {3, 9}}, {{"target", "ibm_eagle"}});
  // IBM Eagle has 127 qubits: $0 .. $126.
  std::size_t physical = 0;
  for (const auto& l : c[0].labels) physical += l[0] == '$';
  EXPECT_EQ(physical, 127u);
  EXPECT_TRUE(c[0].has("$126"));
  EXPECT_FALSE(c[0].has("$127"));
  EXPECT_EQ(c[0].items.at("$5")["detail"], "physical qubit of ibm_eagle");
  // Typed `$1`: the items replace it.
  EXPECT_EQ(c[1].items.at("$12")["textEdit"]["range"], range(3, 7, 3, 9));
  const auto none = complete(text, {{2, 2}});
  EXPECT_FALSE(none[0].has("$0"));  // no target: no physical qubits
}

TEST(LspCompletion, WithoutSnippetSupportPlainNames) {
  const auto c = complete(kProgram, {{12, 0}}, nullptr, json::object());
  EXPECT_FALSE(c[0].items.at("g").contains("insertText"));
  EXPECT_EQ(c[0].items.at("g")["kind"], 3);
}

}  // namespace
