// `qforge check FILE...`: parse and check; every error with its location,
// as text (file:line:col: error: message), JSON or SARIF 2.1.0.
#include "cli.hpp"

#include "qforge/diagnostic_codes.hpp"
#include "qforge/lsp.hpp"

#include <nlohmann/json.hpp>

#include <iostream>
#include <set>

namespace po = boost::program_options;
using nlohmann::ordered_json;

namespace qforge::cli {
namespace {

const char* severity_name(Severity s) {
  return s == Severity::Error ? "error" : s == Severity::Warning ? "warning" : "note";
}

std::string file_of(const SourceLoc& l, const std::string& fallback) { return l.file ? *l.file : fallback; }

/// {"line": 3, "column": 7}; columns count characters from 1.
ordered_json position(const SourceLoc& l) { return {{"line", l.line}, {"column", l.col}}; }

ordered_json range(const SourceLoc& start, const SourceLoc& end) {
  ordered_json r;
  r["start"] = position(start);
  if (end.line > 0) r["end"] = position(end);
  return r;
}

/// The JSON document: every file's verdict and every diagnostic.
ordered_json to_json(const std::vector<std::pair<std::string, DiagnosticSink>>& results) {
  ordered_json files = ordered_json::array(), diags = ordered_json::array();
  for (const auto& [path, sink] : results) {
    std::size_t warnings = 0;
    for (const auto& d : sink.all()) {
      warnings += d.severity == Severity::Warning;
      ordered_json j;
      j["file"] = file_of(d.loc, path);
      j["code"] = d.code.empty() ? kFallbackDiagnosticCode : d.code;
      j["severity"] = severity_name(d.severity);
      j["message"] = d.message;
      if (d.loc.line > 0) j["range"] = range(d.loc, d.end);
      ordered_json related = ordered_json::array();
      for (const auto& r : d.related) {
        ordered_json rj;
        rj["file"] = file_of(r.loc, path);
        rj["message"] = r.message;
        if (r.loc.line > 0) rj["range"] = range(r.loc, r.end);
        related.push_back(rj);
      }
      j["related"] = related;
      diags.push_back(j);
    }
    files.push_back({{"file", path}, {"valid", !sink.has_errors()}, {"errors", sink.error_count()}, {"warnings", warnings}});
  }
  return {{"files", files}, {"diagnostics", diags}};
}

/// A file path as a SARIF artifact URI: a relative reference for a relative
/// path, file:// for an absolute one; bytes outside the unreserved set and
/// '/' percent-encoded.
std::string artifact_uri(const std::string& path) { return lsp::path_uri(path); }

ordered_json sarif_location(const SourceLoc& start, const SourceLoc& end, const std::string& path) {
  ordered_json phys;
  phys["artifactLocation"] = {{"uri", artifact_uri(file_of(start, path))}};
  if (start.line > 0) {
    ordered_json region;
    region["startLine"] = start.line;
    if (start.col > 0) region["startColumn"] = start.col;
    if (end.line > 0) {
      region["endLine"] = end.line;
      region["endColumn"] = end.col;
    }
    phys["region"] = region;
  }
  return {{"physicalLocation", phys}};
}

/// A SARIF 2.1.0 log with one run: the rules are every code qforge has, the
/// results every diagnostic.
ordered_json to_sarif(const std::vector<std::pair<std::string, DiagnosticSink>>& results) {
  ordered_json rules = ordered_json::array();
  for (const auto& r : diagnostic_rules())
    rules.push_back({{"id", r.code}, {"name", r.name}, {"shortDescription", {{"text", r.summary}}}});
  ordered_json out = ordered_json::array();
  for (const auto& [path, sink] : results) {
    for (const auto& d : sink.all()) {
      ordered_json res;
      const std::string code = d.code.empty() ? kFallbackDiagnosticCode : d.code;
      res["ruleId"] = code;
      const auto& all = diagnostic_rules();
      for (std::size_t i = 0; i < all.size(); ++i)
        if (code == all[i].code) res["ruleIndex"] = i;
      res["level"] = d.severity == Severity::Error ? "error" : d.severity == Severity::Warning ? "warning" : "note";
      res["message"] = {{"text", d.message}};
      res["locations"] = ordered_json::array({sarif_location(d.loc, d.end, path)});
      if (!d.related.empty()) {
        ordered_json rel = ordered_json::array();
        int id = 1;
        for (const auto& r : d.related) {
          ordered_json l = sarif_location(r.loc, r.end, path);
          l["id"] = id++;
          l["message"] = {{"text", r.message}};
          rel.push_back(l);
        }
        res["relatedLocations"] = rel;
      }
      out.push_back(res);
    }
  }
  ordered_json driver = {{"name", "qforge"}, {"rules", rules}};
  ordered_json run = {{"tool", {{"driver", driver}}}, {"columnKind", "unicodeCodePoints"}, {"results", out}};
  return {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
          {"version", "2.1.0"},
          {"runs", ordered_json::array({run})}};
}

int run_check(const std::vector<std::string>& args) {
  po::options_description desc("options");
  add_circuit_options(desc);
  desc.add_options()("format", po::value<std::string>()->default_value("text"),
                     "text, json or sarif (SARIF 2.1.0), printed to stdout for json and sarif")
                    ("files", po::value<std::vector<std::string>>()->composing(), "OpenQASM files");
  po::positional_options_description pos;
  pos.add("files", -1);
  po::variables_map vm;
  if (!parse_args(args, "usage: qforge check FILE... [-I DIR]... [--format text|json|sarif]\n\n"
                        "Parse and check OpenQASM 3 or 2 files. Prints every error as\n"
                        "file:line:col: error: message, with the source line and a caret;\n"
                        "--format json or sarif prints every diagnostic with its code,\n"
                        "severity, range and related locations instead. Exits 0 when all\n"
                        "files are valid, 1 otherwise.",
                  desc, &pos, vm))
    return kOk;
  if (!vm.count("files")) throw UsageError("no input file (usage: qforge check FILE...)");
  const std::string format = one_of(vm, "format", {"text", "json", "sarif"});
  CompileOptions opt = circuit_options(vm);
  int status = kOk;
  if (format == "text") {
    for (const auto& f : vm["files"].as<std::vector<std::string>>())
      if (!load_circuit(f, opt)) status = kFailed;
    return status;
  }
  std::vector<std::pair<std::string, DiagnosticSink>> results;
  for (const auto& f : vm["files"].as<std::vector<std::string>>()) {
    DiagnosticSink diags;
    compile_file(f, opt, diags);
    if (diags.has_errors()) status = kFailed;
    results.emplace_back(f, std::move(diags));
  }
  std::cout << (format == "json" ? to_json(results) : to_sarif(results)).dump(2) << "\n";
  return status;
}

const Verb reg{"check", "parse and check OpenQASM files, reporting every error", &run_check};

}  // namespace
}  // namespace qforge::cli
