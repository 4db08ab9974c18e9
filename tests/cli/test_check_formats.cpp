// `qforge check --format json|sarif`: every diagnostic with its code,
// severity, range and related locations; exit codes as for text.
#include "cli_helpers.hpp"

#include "qforge/diagnostic_codes.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <string>

namespace {

using nlohmann::json;

/// Only stdout of `qforge ARGS` (JSON and SARIF go there).
Result qforge_stdout(const std::string& args, const fs::path& cwd) {
  return qforge(args + " 2>/dev/null", cwd);
}

const char* kRedeclared =
    "OPENQASM 3.0;\n"
    "include \"stdgates.inc\";\n"
    "qubit[2] q;\n"
    "h q[0];\n"
    "bit q;\n"
    "rx(0.1, 0.2) q[1];\n";

const char* kMissingSemicolon =
    "OPENQASM 3.0;\n"
    "qubit q;\n"
    "reset q\n";

TEST(CheckFormats, JsonGolden) {
  fs::path dir = temp_dir();
  write(dir, "redeclared.qasm", kRedeclared);
  write(dir, "semicolon.qasm", kMissingSemicolon);
  Result r = qforge_stdout("check --format json redeclared.qasm semicolon.qasm", dir);
  EXPECT_EQ(r.status, 1);
  // The exact text: two-space indentation, keys in this order.
  EXPECT_EQ(r.out, R"json({
  "files": [
    {
      "file": "redeclared.qasm",
      "valid": false,
      "errors": 2,
      "warnings": 0
    },
    {
      "file": "semicolon.qasm",
      "valid": false,
      "errors": 1,
      "warnings": 0
    }
  ],
  "diagnostics": [
    {
      "file": "redeclared.qasm",
      "code": "QF2001",
      "severity": "error",
      "message": "'q' is already declared (at redeclared.qasm:3:1)",
      "range": {
        "start": {
          "line": 5,
          "column": 1
        },
        "end": {
          "line": 5,
          "column": 7
        }
      },
      "related": [
        {
          "file": "redeclared.qasm",
          "message": "'q' is first declared here",
          "range": {
            "start": {
              "line": 3,
              "column": 1
            },
            "end": {
              "line": 3,
              "column": 6
            }
          }
        }
      ]
    },
    {
      "file": "redeclared.qasm",
      "code": "QF3004",
      "severity": "error",
      "message": "gate 'rx' expects 1 parameter, got 2",
      "range": {
        "start": {
          "line": 6,
          "column": 1
        },
        "end": {
          "line": 6,
          "column": 19
        }
      },
      "related": []
    },
    {
      "file": "semicolon.qasm",
      "code": "QF1002",
      "severity": "error",
      "message": "expected ';' at the end of the statement",
      "range": {
        "start": {
          "line": 3,
          "column": 8
        },
        "end": {
          "line": 3,
          "column": 8
        }
      },
      "related": []
    }
  ]
}
)json");
}

TEST(CheckFormats, JsonValidFileAndWarnings) {
  fs::path dir = temp_dir();
  write(dir, "ok.qasm", "OPENQASM 3.0;\ninclude \"stdgates.inc\";\nqubit q;\nbox { h q; }\nstretch s;\n");
  Result r = qforge_stdout("check --format json ok.qasm", dir);
  EXPECT_EQ(r.status, 0) << r.out;
  json j = json::parse(r.out);
  EXPECT_EQ(j["files"][0]["valid"], true);
  EXPECT_EQ(j["files"][0]["warnings"], 2);
  std::set<std::string> codes;
  for (const auto& d : j["diagnostics"]) {
    EXPECT_EQ(d["severity"], "warning");
    codes.insert(d["code"].get<std::string>());
  }
  EXPECT_EQ(codes, (std::set<std::string>{"QF9002", "QF9005"}));
}

TEST(CheckFormats, UsageAndMissingFiles) {
  fs::path dir = temp_dir();
  EXPECT_EQ(qforge("check --format xml x.qasm", dir).status, 2);
  Result r = qforge_stdout("check --format json absent.qasm", dir);
  EXPECT_EQ(r.status, 1);
  json j = json::parse(r.out);
  ASSERT_EQ(j["diagnostics"].size(), 1u);
  EXPECT_EQ(j["diagnostics"][0]["code"], "QF6002");
  EXPECT_FALSE(j["diagnostics"][0].contains("range"));  // no line to point at
}

TEST(CheckFormats, SarifStructure) {
  fs::path dir = temp_dir();
  write(dir, "redeclared.qasm", kRedeclared);
  write(dir, "semicolon.qasm", kMissingSemicolon);
  write(dir, "with space.qasm", "OPENQASM 3.0;\nqubit q;\nh q;\n");
  Result r = qforge_stdout("check --format sarif redeclared.qasm semicolon.qasm 'with space.qasm'", dir);
  EXPECT_EQ(r.status, 1);
  json log = json::parse(r.out);
  EXPECT_EQ(log["version"], "2.1.0");
  ASSERT_TRUE(log["$schema"].is_string());
  EXPECT_NE(log["$schema"].get<std::string>().find("sarif-2.1.0"), std::string::npos);
  ASSERT_EQ(log["runs"].size(), 1u);
  const json& run = log["runs"][0];
  EXPECT_EQ(run["tool"]["driver"]["name"], "qforge");
  // The rules are every code, each once, in the table's order.
  const json& rules = run["tool"]["driver"]["rules"];
  ASSERT_EQ(rules.size(), qforge::diagnostic_rules().size());
  std::set<std::string> rule_ids;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    EXPECT_EQ(rules[i]["id"], qforge::diagnostic_rules()[i].code);
    EXPECT_TRUE(rules[i]["shortDescription"]["text"].is_string());
    EXPECT_TRUE(rule_ids.insert(rules[i]["id"].get<std::string>()).second);
  }
  const json& results = run["results"];
  ASSERT_EQ(results.size(), 4u) << r.out;
  std::set<std::string> result_ids;
  for (const auto& res : results) {
    ASSERT_TRUE(res.contains("ruleId"));
    const std::string id = res["ruleId"];
    result_ids.insert(id);
    EXPECT_TRUE(rule_ids.count(id)) << id;
    EXPECT_EQ(rules[res["ruleIndex"].get<std::size_t>()]["id"], id);
    EXPECT_EQ(res["level"], "error");
    EXPECT_TRUE(res["message"]["text"].is_string());
    ASSERT_EQ(res["locations"].size(), 1u);
    const json& phys = res["locations"][0]["physicalLocation"];
    EXPECT_TRUE(phys["artifactLocation"]["uri"].is_string());
    const json& region = phys["region"];
    for (const char* k : {"startLine", "startColumn", "endLine", "endColumn"}) {
      ASSERT_TRUE(region.contains(k)) << k;
      EXPECT_GE(region[k].get<int>(), 1) << k;
    }
    EXPECT_LE(region["startLine"].get<int>(), region["endLine"].get<int>());
  }
  EXPECT_EQ(result_ids, (std::set<std::string>{"QF2001", "QF3004", "QF1002", "QF2005"}));
  // The redeclaration points to the first declaration.
  const json& rel = results[0]["relatedLocations"];
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0]["physicalLocation"]["artifactLocation"]["uri"], "redeclared.qasm");
  EXPECT_EQ(rel[0]["physicalLocation"]["region"]["startLine"], 3);
  EXPECT_EQ(rel[0]["message"]["text"], "'q' is first declared here");
  EXPECT_EQ(results[3]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "with%20space.qasm");
}

TEST(CheckFormats, TextUnchanged) {
  fs::path dir = temp_dir();
  write(dir, "semicolon.qasm", kMissingSemicolon);
  Result r = qforge("check semicolon.qasm", dir);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "semicolon.qasm:3:8: error: expected ';' at the end of the statement\n    reset q\n           ^\n");
}

}  // namespace
