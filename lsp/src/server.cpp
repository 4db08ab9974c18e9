// The language server: lifecycle, documents and the LSP requests (see
// qforge/lsp.hpp). Diagnostics come from the front end exactly as
// `qforge check` reports them; names and their places from the SymbolIndex.
#include "qforge/lsp.hpp"

#include "jsonrpc.hpp"
#include "symbols.hpp"
#include "text.hpp"

#include "qforge/ast.hpp"
#include "qforge/device_compile.hpp"
#include "qforge/format.hpp"
#include "qforge/frontend.hpp"
#include "qforge/gates.hpp"
#include "qforge/pipeline.hpp"
#include "qforge/stats.hpp"
#include "qforge/target.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>

namespace qforge::lsp {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// A request that cannot be answered: sent as a JSON-RPC error.
struct RequestError : std::runtime_error {
  RequestError(int c, const std::string& message) : std::runtime_error(message), code(c) {}
  int code;
};

const char* encoding_name(Encoding e) {
  return e == Encoding::Utf8 ? "utf-8" : e == Encoding::Utf32 ? "utf-32" : "utf-16";
}

/// A file's text and where its lines start (for position conversions).
struct Lines {
  std::string text;
  std::vector<std::size_t> starts;
  /// line_units of the lines converted so far (negotiated encoding), by 0-based line
  mutable std::unordered_map<std::size_t, std::vector<int64_t>> units;
};

struct Document {
  std::string uri;
  std::string path;  ///< the name the front end gets (its includes are found next to it)
  std::string text;
  int64_t version = 0;
  /// `text` changed since the last check (which is done once no message is
  /// waiting, or before the next request).
  bool stale = true;
  // The last check of `text`.
  bool valid = false;
  bool compiled = false;  ///< `circuit` is of `text` (not only its edited calls checked)
  Circuit circuit;
  /// The last text that checked without any diagnostic (the current one or
  /// an earlier one), its top-level
  /// statements (when known) and a bound on its operations: the base an
  /// edit of gate calls alone is checked against.
  std::optional<std::string> clean;
  std::vector<TopStatement> clean_statements;
  std::size_t operations_bound = 0;
  std::optional<SymbolIndex> index;
  std::set<std::string> published;  ///< URIs this document's diagnostics went to
  std::map<std::string, Lines> lines;  ///< the texts of it and its includes, by file (cleared on change)
  std::optional<nlohmann::json> lenses;  ///< the code lenses of this text and settings
};

std::string format_number(double v) {
  if (std::fabs(v) < 5e-13) v = 0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.12g", v);
  return buf;
}

/// "0.7071", "-0.5i", "0.5+0.5i"
std::string format_complex(cplx z) {
  const double re = std::fabs(z.real()) < 5e-5 ? 0 : z.real(), im = std::fabs(z.imag()) < 5e-5 ? 0 : z.imag();
  auto num = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4f", v);
    std::string s = buf;
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s == "-0" ? std::string("0") : s;
  };
  if (im == 0) return num(re);
  std::string i = (im == 1 ? "" : im == -1 ? "-" : num(im)) + "i";
  if (re == 0) return i;
  return num(re) + (im > 0 ? "+" : "") + i;
}

/// A 2^n x 2^n matrix as aligned rows in a code block.
std::string format_matrix(const std::vector<cplx>& m) {
  const std::size_t n = static_cast<std::size_t>(std::llround(std::sqrt(static_cast<double>(m.size()))));
  std::vector<std::string> cells;
  std::size_t width = 0;
  for (const auto& z : m) {
    cells.push_back(format_complex(z));
    width = std::max(width, cells.back().size());
  }
  std::string out = "```\n";
  for (std::size_t r = 0; r < n; ++r) {
    out += "[";
    for (std::size_t c = 0; c < n; ++c) {
      const std::string& s = cells[r * n + c];
      out += std::string(width - s.size() + (c ? 2 : 0), ' ') + s;
    }
    out += "]\n";
  }
  return out + "```\n";
}

/// Where a built-in gate comes from, as hover (`markdown`), rename and
/// completion say it.
std::string library_origin(GateLibrary lib, bool markdown = false) {
  const std::string quote = markdown ? "`" : "";
  switch (lib) {
    case GateLibrary::StdGates: return "a gate of " + quote + "stdgates.inc" + quote;
    case GateLibrary::Qelib1: return "a gate of " + quote + "qelib1.inc" + quote;
    case GateLibrary::Builtin2: return "built into OpenQASM 2.0";
    case GateLibrary::Builtin3: return "built into OpenQASM 3";
  }
  return "";
}

/// The parameter names of a built-in gate with `n` parameters, as
/// stdgates.inc's U, u2 and cu write them.
std::vector<std::string> builtin_parameters(unsigned n) {
  static const std::vector<std::string> names[] = {{}, {"θ"}, {"φ", "λ"}, {"θ", "φ", "λ"}, {"θ", "φ", "λ", "γ"}};
  if (n < 5) return names[n];
  std::vector<std::string> out;
  for (unsigned k = 0; k < n; ++k) out.push_back("p" + std::to_string(k));
  return out;
}

std::vector<std::string> builtin_qubits(unsigned n) {
  std::vector<std::string> out;
  for (unsigned k = 0; k < n; ++k) out.push_back("q" + std::to_string(k));
  return out;
}

/// `gate name(θ, φ, λ) q0, q1`
std::string gate_signature(const std::string& name, const std::vector<std::string>& params,
                           const std::vector<std::string>& qubits) {
  std::string out = "gate " + name;
  for (std::size_t k = 0; k < params.size(); ++k) out += (k ? ", " : "(") + params[k] + (k + 1 == params.size() ? ")" : "");
  for (std::size_t q = 0; q < qubits.size(); ++q) out += (q ? ", " : " ") + qubits[q];
  return out;
}

std::string builtin_signature(const Symbol& s) {
  return gate_signature(s.name, builtin_parameters(s.num_params), builtin_qubits(s.num_qubits));
}

int lsp_symbol_kind(SymbolKind k) {
  switch (k) {
    case SymbolKind::BuiltinGate:
    case SymbolKind::Gate: return 12;             // Function
    case SymbolKind::Subroutine: return 6;        // Method
    case SymbolKind::QubitRegister:
    case SymbolKind::ClassicalRegister: return 18;  // Array
    case SymbolKind::Constant: return 14;         // Constant
    case SymbolKind::GateParameter: return 26;    // TypeParameter
    case SymbolKind::Input:
    case SymbolKind::Output: return 7;            // Property
    default: return 13;                           // Variable
  }
}

const char* kind_description(SymbolKind k) {
  switch (k) {
    case SymbolKind::BuiltinGate: return "built-in gate";
    case SymbolKind::Gate: return "gate";
    case SymbolKind::Subroutine: return "subroutine";
    case SymbolKind::QubitRegister: return "qubit register";
    case SymbolKind::ClassicalRegister: return "classical register";
    case SymbolKind::Input: return "input";
    case SymbolKind::Output: return "output";
    case SymbolKind::Constant: return "constant";
    case SymbolKind::Variable: return "variable";
    case SymbolKind::Alias: return "alias";
    case SymbolKind::LoopVariable: return "loop variable";
    case SymbolKind::GateParameter: return "gate parameter";
    case SymbolKind::GateQubit: return "gate qubit argument";
    case SymbolKind::SubroutineArgument: return "subroutine argument";
  }
  return "";
}

class Server {
 public:
  Server(std::ostream& out, const ServerOptions& options) : out_(out), base_dirs_(options.include_dirs) {}

  /// Handle one message's content; false once `exit` arrived.
  bool handle(const std::string& body) {
    json msg;
    try {
      msg = json::parse(body);
    } catch (const json::exception& e) {
      send_error(nullptr, kParseError, std::string("parse error: ") + e.what());
      return true;
    }
    if (!msg.is_object() || !msg.contains("method") || !msg["method"].is_string()) {
      // A response from the client (we send no requests) or garbage.
      if (msg.is_object() && (msg.contains("result") || msg.contains("error"))) return true;
      json id = msg.is_object() && msg.contains("id") ? msg["id"] : json(nullptr);
      if (!id.is_string() && !id.is_number_integer()) id = nullptr;
      send_error(id, kInvalidRequest, "invalid request: expected an object with a string \"method\"");
      return true;
    }
    const std::string method = msg["method"];
    const bool is_request = msg.contains("id");
    json id = is_request ? msg["id"] : json(nullptr);
    if (is_request && !id.is_string() && !id.is_number_integer()) {
      send_error(nullptr, kInvalidRequest, "invalid request: \"id\" must be an integer or a string");
      return true;
    }
    const json params = msg.contains("params") ? msg["params"] : json::object();

    if (method == "exit") {
      exit_code_ = shutdown_ ? 0 : 1;
      return false;
    }
    if (!is_request) {
      if (!initialized_ || shutdown_) return true;  // dropped, as the specification asks
      try {
        notification(method, params);
      } catch (const std::exception& e) {
        log(method + ": " + e.what());
      }
      return true;
    }
    if (method == "initialize") {
      if (initialized_) return send_error(id, kInvalidRequest, "initialize was already received"), true;
      try {
        send_result(id, initialize(params));
        initialized_ = true;
      } catch (const json::exception& e) {
        send_error(id, kInvalidParams, std::string("invalid params: ") + e.what());
      }
      return true;
    }
    if (!initialized_) return send_error(id, kServerNotInitialized, "the server is not initialized"), true;
    if (shutdown_) return send_error(id, kInvalidRequest, "the server is shut down"), true;
    try {
      send_result(id, request(method, params));
    } catch (const RequestError& e) {
      send_error(id, e.code, e.what());
    } catch (const json::exception& e) {
      send_error(id, kInvalidParams, std::string("invalid params: ") + e.what());
    } catch (const std::exception& e) {
      send_error(id, kInternalError, std::string("internal error: ") + e.what());
    }
    return true;
  }

  int exit_code() const { return exit_code_; }

  /// Check every document changed since its last check and publish its
  /// diagnostics. The loop calls this when no message is waiting, so that
  /// of several changes that arrive together only the last is checked.
  void idle() {
    for (auto& [uri, doc] : docs_)
      if (doc.stale) check(doc);
  }

  void bad_message(const std::string& error) { send_error(nullptr, kParseError, error); }

 private:
  // ------------------------------------------------------------ messages

  void send_result(const json& id, const json& result) {
    write_message(out_, {{"jsonrpc", "2.0"}, {"id", id}, {"result", result}});
  }
  void send_error(const json& id, int code, const std::string& message) {
    write_message(out_, {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}});
  }
  void notify(const std::string& method, const json& params) {
    write_message(out_, {{"jsonrpc", "2.0"}, {"method", method}, {"params", params}});
  }
  void log(const std::string& message) { notify("window/logMessage", {{"type", 1}, {"message", message}}); }

  json initialize(const json& params) {
    encoding_ = Encoding::Utf16;
    if (params.contains("capabilities")) {
      const json& caps = params["capabilities"];
      const json encodings = caps.value("/general/positionEncodings"_json_pointer, json::array());
      bool utf8 = false, utf32 = false;
      for (const auto& e : encodings) {
        utf8 |= e == "utf-8";
        utf32 |= e == "utf-32";
      }
      encoding_ = utf8 ? Encoding::Utf8 : utf32 ? Encoding::Utf32 : Encoding::Utf16;
      snippets_ = caps.value("/textDocument/completion/completionItem/snippetSupport"_json_pointer, false);
    }
    if (params.contains("initializationOptions")) configure(params["initializationOptions"]);
    json caps = {
        {"positionEncoding", encoding_name(encoding_)},
        {"textDocumentSync", {{"openClose", true}, {"change", 2}, {"save", {{"includeText", false}}}}},
        {"hoverProvider", true},
        {"definitionProvider", true},
        {"referencesProvider", true},
        {"renameProvider", {{"prepareProvider", true}}},
        {"documentSymbolProvider", true},
        {"completionProvider", {{"triggerCharacters", json::array()}}},
        {"signatureHelpProvider", {{"triggerCharacters", {"(", ","}}}},
        {"documentFormattingProvider", true},
        {"codeLensProvider", {{"resolveProvider", false}}},
        {"semanticTokensProvider",
         {{"legend", {{"tokenTypes", {"keyword", "number", "string", "function", "variable", "parameter"}},
                      {"tokenModifiers", {"declaration", "readonly", "defaultLibrary"}}}},
          {"full", true}}},
    };
    return {{"capabilities", caps}, {"serverInfo", {{"name", "qforge"}, {"version", "0.1.0"}}}};
  }

  /// `includePaths` and `target` from initializationOptions or the `qforge`
  /// settings.
  void configure(const json& settings) {
    if (!settings.is_object()) return;
    const json* s = &settings;
    if (settings.contains("qforge") && settings["qforge"].is_object()) s = &settings["qforge"];
    if (s->contains("target")) target_ = (*s)["target"].is_string() ? (*s)["target"].get<std::string>() : "";
    if (s->contains("noise")) {
      noise_path_ = (*s)["noise"].is_string() ? (*s)["noise"].get<std::string>() : "";
      noise_model_.reset();
      if (!noise_path_.empty()) {
        try {
          noise_model_ = noise::read_noise_model(noise_path_);
        } catch (const std::exception& e) {
          log(std::string("noise model: ") + e.what());
        }
      }
    }
    if (!s->contains("includePaths")) return;
    extra_dirs_.clear();
    for (const auto& d : (*s)["includePaths"])
      if (d.is_string()) extra_dirs_.push_back(d);
  }

  CompileOptions compile_options() const {
    CompileOptions opt;
    opt.include_dirs = base_dirs_;
    opt.include_dirs.insert(opt.include_dirs.end(), extra_dirs_.begin(), extra_dirs_.end());
    return opt;
  }

  void notification(const std::string& method, const json& params) {
    if (method == "textDocument/didOpen") {
      const json& td = params.at("textDocument");
      Document d;
      d.uri = td.at("uri").get<std::string>();
      d.path = path_of_uri(d.uri);
      if (d.path.empty()) d.path = d.uri;
      d.text = td.at("text").get<std::string>();
      d.version = td.value("version", 0);
      auto& doc = docs_[d.uri];
      d.published = std::move(doc.published);
      doc = std::move(d);
      changed(doc);
    } else if (method == "textDocument/didChange") {
      Document& doc = document(params.at("textDocument").at("uri").get<std::string>());
      for (const auto& change : params.at("contentChanges")) {
        const std::string text = change.at("text").get<std::string>();
        if (change.contains("range")) {
          const json& r = change["range"];
          apply_change(doc.text, position(r.at("start")), position(r.at("end")), text, encoding_);
        } else {
          doc.text = text;
        }
      }
      doc.version = params["textDocument"].value("version", doc.version + 1);
      changed(doc);
    } else if (method == "textDocument/didClose") {
      const std::string uri = params.at("textDocument").at("uri").get<std::string>();
      auto it = docs_.find(uri);
      if (it == docs_.end()) return;
      for (const auto& u : it->second.published)
        notify("textDocument/publishDiagnostics", {{"uri", u}, {"diagnostics", json::array()}});
      docs_.erase(it);
    } else if (method == "textDocument/didSave") {
      // An included file may have changed on disk: check every document
      // again, whole (its calls may no longer check as they did).
      for (auto& [uri, doc] : docs_) changed(doc, true);
    } else if (method == "workspace/didChangeConfiguration") {
      configure(params.value("settings", json::object()));
      for (auto& [uri, doc] : docs_) changed(doc, true);  // the include paths may have changed
    }
  }

  json request(const std::string& method, const json& params) {
    // A request sees the documents as the changes before it left them.
    idle();
    if (method == "shutdown") {
      shutdown_ = true;
      return nullptr;
    }
    static const std::map<std::string, json (Server::*)(Document&, const json&)> handlers = {
        {"textDocument/hover", &Server::hover},
        {"textDocument/definition", &Server::definition},
        {"textDocument/references", &Server::references},
        {"textDocument/prepareRename", &Server::prepare_rename},
        {"textDocument/rename", &Server::rename},
        {"textDocument/documentSymbol", &Server::document_symbols},
        {"textDocument/completion", &Server::completion},
        {"textDocument/semanticTokens/full", &Server::semantic_tokens},
        {"textDocument/formatting", &Server::formatting},
        {"textDocument/signatureHelp", &Server::signature_help},
        {"textDocument/codeLens", &Server::code_lenses},
    };
    auto it = handlers.find(method);
    if (it == handlers.end()) throw RequestError(kMethodNotFound, "method not found: " + method);
    Document& doc = document(params.at("textDocument").at("uri").get<std::string>());
    return (this->*(it->second))(doc, params);
  }

  Document& document(const std::string& uri) {
    auto it = docs_.find(uri);
    if (it == docs_.end()) throw RequestError(kInvalidParams, "document not open: " + uri);
    return it->second;
  }

  Position position(const json& p) const {
    return {p.at("line").get<int64_t>(), p.at("character").get<int64_t>()};
  }

  // ------------------------------------------------------------ positions

  /// The text of `file` as the front end read it: the document's own text,
  /// an included file the index holds, or the file on disk.
  std::string file_text(const Document& doc, const std::string& file) {
    if (file == doc.path) return doc.text;
    if (doc.index)
      if (const std::string* t = doc.index->file_text(file)) return *t;
    std::ifstream in(file, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::string uri_of(const Document& doc, const std::string& file) const {
    if (file == doc.path) return doc.uri;
    std::error_code ec;
    const std::string canon = fs::weakly_canonical(fs::path(file), ec).string();
    return path_uri(canon.empty() ? file : canon);
  }

  /// An LSP range from front-end line/columns (end line 0: an empty range).
  /// The text of `file` with its line starts, kept until the document changes.
  const Lines& lines(Document& doc, const std::string& file) {
    auto it = doc.lines.find(file);
    if (it == doc.lines.end()) {
      Lines l{file_text(doc, file), {}};
      l.starts = line_starts(l.text);
      it = doc.lines.emplace(file, std::move(l)).first;
    }
    return it->second;
  }

  json lsp_range(const Lines& f, uint32_t line, uint32_t col, uint32_t end_line, uint32_t end_col) const {
    if (line == 0) return {{"start", {{"line", 0}, {"character", 0}}}, {"end", {{"line", 0}, {"character", 0}}}};
    auto at = [&](uint32_t l, uint32_t c) {
      auto it = f.units.find(l - 1);
      if (it == f.units.end()) it = f.units.emplace(l - 1, line_units(f.text, f.starts, l - 1, encoding_)).first;
      return position_of_column(it->second, l, c);
    };
    const Position a = at(line, col);
    const Position b = end_line > 0 ? at(end_line, end_col) : a;
    return {{"start", {{"line", a.line}, {"character", a.character}}},
            {"end", {{"line", b.line}, {"character", b.character}}}};
  }

  json location(Document& doc, const SourceRange& r) {
    return {{"uri", uri_of(doc, r.file)},
            {"range", lsp_range(lines(doc, r.file), r.line, r.col, r.end_line, r.end_col)}};
  }

  SymbolIndex& index(Document& doc) {
    if (!doc.index) {
      DiagnosticSink ignored;  // the check reports them
      const ast::File tree = ast::parse_source(doc.text, doc.path, ignored);
      doc.index = index_symbols(tree, doc.text, doc.path, compile_options().include_dirs, &includes_);
    }
    return *doc.index;
  }

  /// The occurrence under the request's position, or nullptr.
  const Occurrence* occurrence(Document& doc, const json& params) {
    const Position p = position(params.at("position"));
    const auto starts = line_starts(doc.text);
    const uint32_t col = column_of(doc.text, starts, p, encoding_);
    return index(doc).occurrence_at(doc.path, static_cast<uint32_t>(p.line + 1), col);
  }

  // ------------------------------------------------------------ diagnostics

  /// The text (or the settings, or files on disk: `everything`) of `doc`
  /// changed: what was derived from it is dropped, and it is checked once
  /// the messages waiting are handled (whole, after a change of
  /// `everything`).
  void changed(Document& doc, bool everything = false) {
    doc.stale = true;
    if (everything) doc.clean.reset();
    doc.index.reset();
    doc.lines.clear();
    doc.lenses.reset();
  }

  /// Check the document and publish its diagnostics: every diagnostic of
  /// the front end (as `qforge check` reports them) to the file it is in.
  /// An edit of gate calls alone in a document that checked clean is
  /// checked on its own first (see check_calls).
  void check(Document& doc) {
    doc.stale = false;
    if (!check_calls(doc)) check_file(doc);
  }

  /// Check the whole document and publish its diagnostics.
  void check_file(Document& doc) {
    doc.stale = false;
    DiagnosticSink sink;
    doc.circuit = compile_source(doc.text, doc.path, compile_options(), sink);
    doc.valid = !sink.has_errors();
    doc.compiled = true;
    // A clean text is the new base; after an error the last clean text
    // stays the base (an edit that mends a call is checked against it).
    if (sink.all().empty()) {
      doc.clean = doc.text;
      doc.clean_statements.clear();
      doc.operations_bound = doc.circuit.ops.size();
    }
    std::map<std::string, json> by_uri;
    by_uri[doc.uri] = json::array();
    bool main_has_error = false;
    std::vector<const Diagnostic*> elsewhere;  // errors in included files
    for (const Diagnostic& d : sink.all()) {
      const std::string file = d.loc.file ? *d.loc.file : doc.path;
      json j;
      j["range"] = lsp_range(lines(doc, file), d.loc.line, d.loc.col, d.end.line, d.end.col);
      j["severity"] = d.severity == Severity::Error ? 1 : d.severity == Severity::Warning ? 2 : 3;
      j["code"] = d.code.empty() ? "QF0000" : d.code;
      j["source"] = "qforge";
      j["message"] = d.message;
      if (!d.related.empty()) {
        json rel = json::array();
        for (const auto& r : d.related) {
          const std::string rf = r.loc.file ? *r.loc.file : doc.path;
          rel.push_back({{"location",
                          {{"uri", uri_of(doc, rf)},
                           {"range", lsp_range(lines(doc, rf), r.loc.line, r.loc.col, r.end.line, r.end.col)}}},
                         {"message", r.message}});
        }
        j["relatedInformation"] = rel;
      }
      by_uri[uri_of(doc, file)].push_back(j);
      if (d.severity != Severity::Error) continue;
      if (file == doc.path)
        main_has_error = true;
      else
        elsewhere.push_back(&d);
    }
    // The document fails to check but its own text has no error: say so at
    // the include that leads to the first error.
    if (!main_has_error && !elsewhere.empty()) {
      const Diagnostic& d = *elsewhere.front();
      const std::string file = *d.loc.file;
      SourceRange at;
      const SymbolIndex& idx = index(doc);
      for (std::string f = file; at.file != doc.path;) {
        auto it = idx.include_sites.find(f);
        if (it == idx.include_sites.end()) break;
        at = it->second;
        f = at.file;
      }
      json j;
      j["range"] = at.file == doc.path ? lsp_range(lines(doc, doc.path), at.line, at.col, at.end_line, at.end_col)
                                       : lsp_range(lines(doc, doc.path), 0, 0, 0, 0);
      j["severity"] = 1;
      j["code"] = d.code.empty() ? "QF0000" : d.code;
      j["source"] = "qforge";
      j["message"] = "error in included file " + fs::path(file).filename().string() + ": " + d.message;
      j["relatedInformation"] = json::array(
          {{{"location",
             {{"uri", uri_of(doc, file)}, {"range", lsp_range(lines(doc, file), d.loc.line, d.loc.col, d.end.line, d.end.col)}}},
            {"message", d.message}}});
      by_uri[doc.uri].push_back(j);
    }
    publish(doc, by_uri);
  }

  /// Publish the diagnostics of `doc` by URI, and empty lists to the URIs
  /// that had some before and now have none.
  void publish(Document& doc, const std::map<std::string, json>& by_uri) {
    std::set<std::string> now;
    for (auto& [uri, diags] : by_uri) {
      json p = {{"uri", uri}, {"diagnostics", diags}};
      if (uri == doc.uri) p["version"] = doc.version;
      notify("textDocument/publishDiagnostics", p);
      now.insert(uri);
    }
    for (const auto& u : doc.published)
      if (!now.count(u)) notify("textDocument/publishDiagnostics", {{"uri", u}, {"diagnostics", json::array()}});
    doc.published = std::move(now);
  }

  /// The circuit of the document's text (checked in full if the last check
  /// was of its edited gate calls alone).
  const Circuit& compiled(Document& doc) {
    if (!doc.compiled) check_file(doc);  // diagnostics as before (none), unless a limit is now exceeded
    return doc.circuit;
  }

  /// Operations (an upper bound) beyond which every check is of the whole
  /// file: far below the front end's limits on operations and inlined gates,
  /// which only a whole check counts.
  static constexpr std::size_t kCallCheckOperations = 100'000;

  /// Check an edit that changed gate calls only, without the other gate
  /// calls of the file. When the last text checked without any diagnostic,
  /// every statement the edit touched (before and after it) is a top-level
  /// gate call (`name(params) qubits;`, which declares nothing), the other
  /// statements are unchanged (and lex the same), and no physical qubit is
  /// used (whose checks span statements): then the other gate calls check
  /// as they did, and the file has the diagnostics of its declarations,
  /// definitions and other statements with the edited calls. Those are
  /// checked with the other calls blanked out (positions kept). True when
  /// that check is clean: its (empty) diagnostics are published and the
  /// circuit is compiled in full when a request needs it. False to check
  /// the whole file (which gives the exact messages of any error).
  bool check_calls(Document& doc) {
    if (!doc.clean || doc.operations_bound > kCallCheckOperations) return false;
    const std::string& before = *doc.clean;
    const std::string& now = doc.text;
    std::size_t prefix = 0;
    const std::size_t shorter = std::min(before.size(), now.size());
    while (prefix < shorter && before[prefix] == now[prefix]) ++prefix;
    std::size_t suffix = 0;
    while (suffix < shorter - prefix && before[before.size() - 1 - suffix] == now[now.size() - 1 - suffix]) ++suffix;
    if (doc.clean_statements.empty()) doc.clean_statements = top_level_statements(before);
    std::vector<TopStatement> statements = top_level_statements(now);
    // The statements an edit of [from, to) touches: those it overlaps, or
    // that an insertion falls inside of.
    auto touched = [](const TopStatement& t, std::size_t from, std::size_t to) {
      return from < to ? t.begin < to && from < t.end : t.begin < from && from < t.end;
    };
    // The untouched statements, those after the edit as offsets from the end.
    auto untouched = [&](const std::vector<TopStatement>& list, std::size_t size, std::vector<TopStatement>& out) {
      const std::size_t to = size - suffix;
      for (const TopStatement& t : list) {
        if (t.physical) return false;
        if (touched(t, prefix, to)) {
          if (!t.call) return false;
          continue;
        }
        TopStatement u = t;
        if (t.begin >= to) u.begin = size - t.begin, u.end = size - t.end;
        out.push_back(u);
      }
      return true;
    };
    std::vector<TopStatement> old_rest, new_rest;
    if (!untouched(doc.clean_statements, before.size(), old_rest) || !untouched(statements, now.size(), new_rest) ||
        old_rest != new_rest)
      return false;
    // The document with its untouched calls blanked out: one space a
    // character, line breaks kept, so that every position stays.
    std::string reduced;
    reduced.reserve(now.size());
    std::size_t at = 0;
    for (const TopStatement& t : statements) {
      if (!t.call || touched(t, prefix, now.size() - suffix)) continue;
      reduced.append(now, at, t.begin - at);
      for (std::size_t i = t.begin; i < t.end; ++i) {
        const unsigned char c = static_cast<unsigned char>(now[i]);
        if (c == '\n' || c == '\r') reduced += static_cast<char>(c);
        else if ((c & 0xC0) != 0x80) reduced += ' ';
      }
      at = t.end;
    }
    reduced.append(now, at, std::string::npos);
    DiagnosticSink sink;
    const Circuit part = compile_source(reduced, doc.path, compile_options(), sink);
    if (!sink.all().empty() || doc.operations_bound + part.ops.size() > kCallCheckOperations) return false;
    doc.operations_bound += part.ops.size();
    doc.clean = now;
    doc.clean_statements = std::move(statements);
    doc.compiled = false;
    doc.valid = true;
    publish(doc, {{doc.uri, json::array()}});
    return true;
  }

  // ------------------------------------------------------------ hover

  /// The value of global constant `s`: the document up to its declaration,
  /// then the constant as the angle of a `U`, compiled by the front end.
  std::optional<double> constant_value(Document& doc, const Symbol& s) {
    if (s.name_range.file != doc.path || doc.circuit.source_version == 2)
      return std::nullopt;
    const auto starts = line_starts(doc.text);
    const Position p = position_of_column(doc.text, starts, s.name_range.line, s.name_range.col, Encoding::Utf32);
    const std::size_t at = offset_of(doc.text, starts, p, Encoding::Utf32);
    const std::size_t semi = doc.text.find(';', at);
    if (semi == std::string::npos) return std::nullopt;
    const std::string probe = "qforge_hover_qubit";
    std::string program = doc.text.substr(0, semi + 1) + "\nqubit " + probe + ";\nU(" + s.name + ", 0, 0) " + probe + ";\n";
    DiagnosticSink sink;
    Circuit c = compile_source(program, doc.path, compile_options(), sink);
    if (sink.has_errors() || c.ops.empty() || c.ops.back().params.empty() || !c.ops.back().params[0].is_const())
      return std::nullopt;
    return c.ops.back().params[0].value();
  }

  /// The matrix of the gate call at `o`: the one table operation the front
  /// end made of it, when its parameters are constant.
  std::optional<std::vector<cplx>> call_matrix(const Document& doc, const Occurrence& o) {
    // Only a plain call: with modifiers (`ctrl @ x`) the operation is not the gate's.
    if (!doc.valid || o.declaration || o.range.line != o.statement.line || o.range.col != o.statement.col)
      return std::nullopt;
    const Operation* found = nullptr;
    for (const auto& op : doc.circuit.ops) {
      if (!op.loc.file || *op.loc.file != o.statement.file || op.loc.line != o.statement.line ||
          op.loc.col != o.statement.col)
        continue;
      if (found) return std::nullopt;  // more than one operation
      found = &op;
    }
    if (!found || !found->is_gate() || found->num_controls || found->qubits.size() > 2) return std::nullopt;
    for (const auto& p : found->params)
      if (!p.is_const()) return std::nullopt;
    return operation_matrix(*found);
  }

  json hover(Document& doc, const json& params) {
    compiled(doc);
    const Occurrence* o = occurrence(doc, params);
    if (!o) return nullptr;
    const SymbolIndex& idx = index(doc);
    const Symbol& s = idx.symbols()[o->symbol];
    std::string md = "```qasm\n" + (s.kind == SymbolKind::BuiltinGate ? builtin_signature(s) : s.declaration) + "\n```\n";
    auto where = [&](const SourceRange& r) {
      const std::string file = r.file == doc.path ? "this file" : "`" + fs::path(r.file).filename().string() + "`";
      return file + ", line " + std::to_string(r.line);
    };
    if (s.kind == SymbolKind::BuiltinGate) {
      std::string origin = library_origin(s.library, true);
      origin[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(origin[0])));
      md += origin + ".\n";
    } else {
      md += std::string(1, static_cast<char>(std::toupper(kind_description(s.kind)[0]))) +
            std::string(kind_description(s.kind)).substr(1) + ", declared in " + where(s.name_range) + ".\n";
    }
    if (s.kind == SymbolKind::Input)
      md += "\nA parameter of the compiled circuit: `--set " + s.name + "=VALUE` binds it.\n";
    if (s.kind == SymbolKind::Constant)
      if (auto v = constant_value(doc, s)) md += "\nValue: `" + format_number(*v) + "`\n";
    if ((s.kind == SymbolKind::QubitRegister || s.kind == SymbolKind::ClassicalRegister) && doc.valid &&
        s.parent == Symbol::kNone) {
      const bool qubits = s.kind == SymbolKind::QubitRegister;
      for (const auto& r : qubits ? doc.circuit.qregs : doc.circuit.cregs) {
        if (r.name != s.name || r.size == 0) continue;
        md += std::string("\n") + (qubits ? "Qubit" : "Bit") + (r.size == 1 ? " " + std::to_string(r.first)
                                                                         : "s " + std::to_string(r.first) + "–" +
                                                                               std::to_string(r.first + r.size - 1)) +
              " of the compiled circuit.\n";
      }
    }
    if (s.kind == SymbolKind::BuiltinGate || s.kind == SymbolKind::Gate) {
      const bool uses_u3 = s.kind == SymbolKind::BuiltinGate && doc.circuit.source_version == 3 &&
                           (s.name == "U" || s.name == "u2" || s.name == "u3");
      const char* phase_note =
          uses_u3 ? "OpenQASM 3 gives this gate a global phase beyond the table's matrix (README, Reading OpenQASM).\n"
                  : "";
      if (auto m = s.kind == SymbolKind::BuiltinGate ? call_matrix(doc, *o) : std::nullopt) {
        md += "\nMatrix of this call (the gate table's; the first qubit is the most significant):\n" + format_matrix(*m) +
              phase_note;
      } else if (auto g = gate_by_name(s.name);
                 s.kind == SymbolKind::BuiltinGate && g && gate_info(*g).num_params == 0 && gate_info(*g).num_qubits <= 2) {
        md += "\nMatrix (the gate table's; the first qubit is the most significant):\n" + format_matrix(gate_matrix(*g, nullptr));
      } else if (s.kind == SymbolKind::BuiltinGate && s.num_params > 0 && s.num_qubits <= 2) {
        md += "\nA call with constant parameters shows its matrix.\n";
      }
    }
    const json range = lsp_range(lines(doc, doc.path), o->range.line, o->range.col, o->range.end_line, o->range.end_col);
    return {{"contents", {{"kind", "markdown"}, {"value", md}}}, {"range", range}};
  }

  // ------------------------------------------------------------ navigation

  json definition(Document& doc, const json& params) {
    const Occurrence* o = occurrence(doc, params);
    if (!o) return nullptr;
    const Symbol& s = index(doc).symbols()[o->symbol];
    if (s.name_range.file.empty()) return nullptr;  // built in: no source
    return location(doc, s.name_range);
  }

  json references(Document& doc, const json& params) {
    const Occurrence* o = occurrence(doc, params);
    if (!o) return nullptr;
    const bool with_decl = params.value("/context/includeDeclaration"_json_pointer, true);
    json out = json::array();
    for (const Occurrence* r : index(doc).occurrences_of(o->symbol))
      if (with_decl || !r->declaration) out.push_back(location(doc, r->range));
    return out;
  }

  const Occurrence& renamable(Document& doc, const json& params) {
    const Occurrence* o = occurrence(doc, params);
    if (!o) throw RequestError(kRequestFailed, "no symbol to rename here");
    const Symbol& s = index(doc).symbols()[o->symbol];
    if (s.kind == SymbolKind::BuiltinGate)
      throw RequestError(kRequestFailed, "'" + s.name + "' is " + library_origin(s.library) + " and cannot be renamed");
    return *o;
  }

  json prepare_rename(Document& doc, const json& params) {
    const Occurrence& o = renamable(doc, params);
    return {{"range", lsp_range(lines(doc, doc.path), o.range.line, o.range.col, o.range.end_line, o.range.end_col)},
            {"placeholder", index(doc).symbols()[o.symbol].name}};
  }

  json rename(Document& doc, const json& params) {
    const Occurrence& o = renamable(doc, params);
    const std::string name = params.at("newName").get<std::string>();
    if (!is_identifier(name)) throw RequestError(kRequestFailed, "'" + name + "' is not an identifier");
    const SymbolIndex& idx = index(doc);
    const Symbol& s = idx.symbols()[o.symbol];
    for (const auto& other : idx.symbols())
      if (other.name == name && other.parent == s.parent && other.kind != SymbolKind::BuiltinGate &&
          (s.parent != Symbol::kNone || other.kind != SymbolKind::LoopVariable))
        throw RequestError(kRequestFailed, "'" + name + "' is already declared in " +
                                               (other.name_range.file == doc.path
                                                    ? std::string("this file")
                                                    : fs::path(other.name_range.file).filename().string()) +
                                               ", line " + std::to_string(other.name_range.line));
    json changes = json::object();
    for (const Occurrence* r : idx.occurrences_of(o.symbol)) {
      json loc = location(doc, r->range);
      changes[loc["uri"].get<std::string>()].push_back({{"range", loc["range"]}, {"newText", name}});
    }
    return {{"changes", changes}};
  }

  json document_symbols(Document& doc, const json&) {
    const SymbolIndex& idx = index(doc);
    json out = json::array();
    std::map<std::size_t, std::size_t> position;  // symbol -> index in out
    for (std::size_t i = 0; i < idx.symbols().size(); ++i) {
      const Symbol& s = idx.symbols()[i];
      if (s.name_range.file != doc.path || s.kind == SymbolKind::LoopVariable) continue;
      // The declaration's whole range, which contains its name.
      SourceRange whole = s.statement.end_line ? s.statement : s.name_range;
      const auto before = [](uint32_t l1, uint32_t c1, uint32_t l2, uint32_t c2) { return l1 < l2 || (l1 == l2 && c1 < c2); };
      if (before(s.name_range.line, s.name_range.col, whole.line, whole.col)) {
        whole.line = s.name_range.line;
        whole.col = s.name_range.col;
      }
      if (before(whole.end_line, whole.end_col, s.name_range.end_line, s.name_range.end_col)) {
        whole.end_line = s.name_range.end_line;
        whole.end_col = s.name_range.end_col;
      }
      json j = {{"name", s.name},
                {"detail", s.declaration},
                {"kind", lsp_symbol_kind(s.kind)},
                {"range", lsp_range(lines(doc, doc.path), whole.line, whole.col, whole.end_line, whole.end_col)},
                {"selectionRange", lsp_range(lines(doc, doc.path), s.name_range.line, s.name_range.col, s.name_range.end_line,
                                             s.name_range.end_col)}};
      if (s.parent != Symbol::kNone) {
        auto it = position.find(s.parent);
        if (it != position.end()) out[it->second]["children"].push_back(j);
        continue;
      }
      // Declarations inside a subroutine or loop body are not listed at the top.
      position[i] = out.size();
      out.push_back(j);
    }
    return out;
  }

  /// The parameter and qubit names of every gate the document defines, by symbol.
  static std::map<std::size_t, std::pair<std::vector<std::string>, std::vector<std::string>>> gate_arguments(
      const SymbolIndex& idx) {
    std::map<std::size_t, std::pair<std::vector<std::string>, std::vector<std::string>>> arguments;
    for (const auto& a : idx.symbols()) {
      if (a.kind == SymbolKind::GateParameter) arguments[a.parent].first.push_back(a.name);
      if (a.kind == SymbolKind::GateQubit) arguments[a.parent].second.push_back(a.name);
    }
    return arguments;
  }

  /// The parameters and qubits of gate `name` as hover and completion show
  /// them: a gate the document (or a file it includes) defines, else a gate
  /// of the libraries in scope; nullopt for any other name.
  std::optional<std::pair<std::vector<std::string>, std::vector<std::string>>> gate_arguments_of(
      const SymbolIndex& idx, const std::string& name) {
    for (std::size_t i = 0; i < idx.symbols().size(); ++i)
      if (idx.symbols()[i].kind == SymbolKind::Gate && idx.symbols()[i].name == name) return gate_arguments(idx)[i];
    for (GateLibrary lib : idx.libraries)
      for (const auto& g : library_gates(lib))
        if (g.name == name) return std::make_pair(builtin_parameters(g.num_params), builtin_qubits(g.num_qubits));
    return std::nullopt;
  }

  /// The signature of the gate called by the statement at the cursor, with
  /// the argument the cursor is in: inside the parentheses the parameter
  /// (by the commas before it), after them the qubit.
  json signature_help(Document& doc, const json& params) {
    const auto starts = line_starts(doc.text);
    const std::size_t at = offset_of(doc.text, starts, position(params.at("position")), encoding_);
    std::size_t begin = doc.text.find_last_of(";{}@", at == 0 ? 0 : at - 1);
    begin = begin == std::string::npos || at == 0 ? 0 : begin + 1;
    const std::string prefix = doc.text.substr(begin, at - begin);
    auto is_name_byte = [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80;
    };
    std::size_t i = prefix.find_first_not_of(" \t\r\n");
    if (i == std::string::npos) return nullptr;
    std::size_t name_end = i;
    while (name_end < prefix.size() && is_name_byte(prefix[name_end])) ++name_end;
    if (name_end == i || name_end == prefix.size()) return nullptr;  // no name, or the cursor is still in it
    const std::string name = prefix.substr(i, name_end - i);
    const auto args = gate_arguments_of(index(doc), name);
    if (!args) return nullptr;
    // Walk the rest: parentheses hold the parameters, then come the qubits
    // (commas inside brackets or nested parentheses separate nothing).
    int depth = 0, brackets = 0;
    bool in_params = false, after_params = false;
    std::size_t param = 0, qubit = 0;
    for (std::size_t k = name_end; k < prefix.size(); ++k) {
      const char c = prefix[k];
      if (c == '(') {
        if (depth++ == 0 && !after_params) in_params = true;
      } else if (c == ')') {
        if (depth > 0 && --depth == 0 && in_params) in_params = false, after_params = true;
      } else if (c == '[') {
        ++brackets;
      } else if (c == ']') {
        if (brackets > 0) --brackets;
      } else if (c == ',' && brackets == 0) {
        if (in_params && depth == 1) ++param;
        else if (!in_params && depth == 0) ++qubit;
      } else if (!in_params && !after_params && depth == 0 && !std::isspace(static_cast<unsigned char>(c))) {
        after_params = true;  // the qubits began without parentheses
      }
    }
    const auto& [names, qubits] = *args;
    const std::string label = gate_signature(name, names, qubits);
    const auto label_starts = line_starts(label);
    json parameters = json::array();
    std::size_t from = 5 + name.size();  // after "gate NAME"
    for (const auto* list : {&names, &qubits})
      for (const auto& n : *list) {
        const std::size_t p = label.find(n, from);
        from = p + n.size();
        const json range = json::array({position_of(label, label_starts, p, encoding_).character,
                                        position_of(label, label_starts, from, encoding_).character});
        parameters.push_back({{"label", range}});
      }
    const std::size_t active = in_params ? param : names.size() + qubit;
    json sig = {{"label", label}, {"parameters", parameters}, {"activeParameter", active}};
    return {{"signatures", json::array({sig})}, {"activeSignature", 0}, {"activeParameter", active}};
  }

  /// The keywords that start a statement at the cursor: OpenQASM 2's few
  /// after `OPENQASM 2.0;`; in a gate's body the gate-body statements; the
  /// declarations only a program's top level allows only there; `break`
  /// and `continue` in loops, `return` in subroutines, `else` after an if.
  static std::vector<std::string> statement_keywords(const CursorContext& cx) {
    if (cx.version == 2)
      return cx.in_gate ? std::vector<std::string>{"barrier"}
                        : std::vector<std::string>{"barrier", "creg", "gate", "if", "include", "measure", "opaque",
                                                   "qreg", "reset"};
    if (cx.in_gate) return {"ctrl", "gphase", "inv", "negctrl", "pow"};
    std::vector<std::string> out = {"angle", "array", "barrier", "bit", "bool", "box", "complex", "const", "ctrl",
                                    "delay", "duration", "end", "float", "for", "gphase", "if", "int", "inv", "let",
                                    "measure", "negctrl", "pow", "reset", "stretch", "switch", "uint", "while"};
    if (!cx.nested)
      for (const char* k : {"cal", "creg", "def", "defcal", "extern", "gate", "include", "input", "output", "pragma",
                            "qreg", "qubit"})
        out.push_back(k);
    if (cx.in_loop) out.insert(out.end(), {"break", "continue"});
    if (cx.in_def) out.push_back("return");
    if (cx.after_if) out.push_back("else");
    std::sort(out.begin(), out.end());
    return out;
  }

  /// The completions that fit the cursor (see CursorContext): keywords the
  /// grammar allows there, the gates in scope as snippets with their
  /// parameters and qubits, registers with their types, values in
  /// expressions, and `$n` for the physical qubits of the configured target
  /// or noise model.
  json completion(Document& doc, const json& params) {
    const SymbolIndex& idx = index(doc);
    const auto starts = line_starts(doc.text);
    const Position pos = position(params.at("position"));
    const std::size_t at = offset_of(doc.text, starts, pos, encoding_);
    const CursorContext cx = cursor_context(doc.text, at);
    const uint32_t line = static_cast<uint32_t>(pos.line + 1), col = column_of(doc.text, starts, pos, encoding_);
    auto before_cursor = [&](const SourceRange& r) {
      return r.file != doc.path || r.line < line || (r.line == line && r.end_col <= col);
    };
    auto inside = [&](const SourceRange& r) {
      if (r.file.empty()) return true;
      if (r.file != doc.path) return false;
      const bool after_start = r.line < line || (r.line == line && r.col <= col);
      const bool before_end = r.end_line > line || (r.end_line == line && r.end_col >= col);
      return after_start && before_end;
    };
    // The gate or subroutine whose body the cursor is in: its arguments are in scope.
    auto in_scope = [&](const Symbol& s) {
      if (s.kind == SymbolKind::BuiltinGate || !before_cursor(s.name_range) || !inside(s.scope)) return false;
      if ((cx.in_gate || cx.in_def) && s.parent == Symbol::kNone && s.scope.file.empty())
        return s.kind == SymbolKind::Constant || s.kind == SymbolKind::Gate || s.kind == SymbolKind::Subroutine;
      return true;
    };

    json items = json::array();
    std::set<std::string> seen;
    auto add = [&](json item) {
      if (seen.insert(item["label"].get<std::string>()).second) items.push_back(std::move(item));
    };
    auto keyword = [&](const std::string& k) { add({{"label", k}, {"kind", 14}}); };
    // A gate call as a snippet: its parameters and qubits are tab stops.
    auto gate_item = [&](const std::string& name, const std::vector<std::string>& ps,
                         const std::vector<std::string>& qubits, const std::string& detail) {
      json it = {{"label", name}, {"kind", 3}, {"detail", detail}};
      if (snippets_) {
        std::string snippet = name;
        unsigned n = 1;
        for (std::size_t k = 0; k < ps.size(); ++k)
          snippet += (k ? ", ${" : "(${") + std::to_string(n++) + ":" + ps[k] + "}" + (k + 1 == ps.size() ? ")" : "");
        for (std::size_t q = 0; q < qubits.size(); ++q)
          snippet += (q ? ", ${" : " ${") + std::to_string(n++) + ":" + qubits[q] + "}";
        it["insertText"] = snippet + ";";
        it["insertTextFormat"] = 2;
      }
      add(it);
    };
    auto gates = [&] {
      auto arguments = gate_arguments(idx);
      for (std::size_t i = 0; i < idx.symbols().size(); ++i)
        if (idx.symbols()[i].kind == SymbolKind::Gate && in_scope(idx.symbols()[i]))
          gate_item(idx.symbols()[i].name, arguments[i].first, arguments[i].second, idx.symbols()[i].declaration);
      for (GateLibrary lib : idx.libraries)
        for (const auto& g : library_gates(lib)) {
          const auto ps = builtin_parameters(g.num_params), qubits = builtin_qubits(g.num_qubits);
          gate_item(g.name, ps, qubits, gate_signature(g.name, ps, qubits) + " (" + library_origin(lib) + ")");
        }
    };
    auto qubit_like = [](const Symbol& s) {
      return s.kind == SymbolKind::QubitRegister || s.kind == SymbolKind::GateQubit || s.kind == SymbolKind::Alias ||
             (s.kind == SymbolKind::SubroutineArgument && s.declaration.find("qubit") != std::string::npos);
    };
    auto bit_like = [](const Symbol& s) {
      return s.kind == SymbolKind::ClassicalRegister ||
             ((s.kind == SymbolKind::Output || s.kind == SymbolKind::Variable) && s.type.rfind("bit", 0) == 0);
    };
    // A declared name: registers with their type and size (`qubit[4]`).
    auto name_item = [&](const Symbol& s) {
      std::string detail = s.type.empty() ? s.declaration : s.type;
      if ((s.kind == SymbolKind::QubitRegister || s.kind == SymbolKind::ClassicalRegister) &&
          s.parent == Symbol::kNone && s.scope.file.empty() && (compiled(doc), doc.valid)) {
        const bool qubits = s.kind == SymbolKind::QubitRegister;
        for (const auto& r : qubits ? doc.circuit.qregs : doc.circuit.cregs)
          if (r.name == s.name && !s.type.empty() && s.type.find('[') != std::string::npos)
            detail = std::string(qubits ? "qubit[" : "bit[") + std::to_string(r.size) + "]";
      }
      const int kind = s.kind == SymbolKind::Subroutine ? 3 : lsp_symbol_kind(s.kind) == 14 ? 21 : 6;
      add({{"label", s.name}, {"kind", kind}, {"detail", detail}});
    };
    auto names = [&](const std::function<bool(const Symbol&)>& want) {
      // Innermost declarations first: a name declared again in a block shadows the outer one.
      for (auto it = idx.symbols().rbegin(); it != idx.symbols().rend(); ++it)
        if (in_scope(*it) && want(*it)) name_item(*it);
    };
    auto values = [&] {
      names([&](const Symbol& s) { return !qubit_like(s) && s.kind != SymbolKind::Gate; });
      const std::vector<std::string> constants = cx.version == 2 ? std::vector<std::string>{"pi"}
                                                                 : std::vector<std::string>{"euler", "pi", "tau", "false", "true"};
      for (const auto& c : constants) add({{"label", c}, {"kind", c == "true" || c == "false" ? 14 : 21}});
      const std::vector<std::string> functions =
          cx.version == 2 ? std::vector<std::string>{"cos", "exp", "ln", "sin", "sqrt", "tan"}
                          : std::vector<std::string>{"arccos", "arcsin", "arctan", "ceiling", "cos", "exp", "floor", "ln",
                                                     "mod", "popcount", "rotl", "rotr", "sin", "sizeof", "sqrt", "tan"};
      for (const auto& f : functions) add({{"label", f}, {"kind", 3}, {"detail", "built-in function"}});
      if (cx.value && cx.version == 3) keyword("measure");
    };
    auto hardware_qubits = [&] {
      if (cx.version == 2 || cx.in_gate || cx.in_def) return;
      const uint32_t n = physical_qubits();
      const Position from = position_of(doc.text, starts, cx.prefix_begin, encoding_);
      const json edit_range = {{"start", {{"line", from.line}, {"character", from.character}}},
                               {"end", {{"line", pos.line}, {"character", pos.character}}}};
      for (uint32_t q = 0; q < n; ++q) {
        json it = {{"label", "$" + std::to_string(q)}, {"kind", 6}, {"detail", "physical qubit of " + physical_name()}};
        if (!cx.prefix.empty() && cx.prefix[0] == '$')
          it["textEdit"] = {{"range", edit_range}, {"newText", it["label"]}};
        add(it);
      }
    };

    switch (cx.place) {
      case Place::StatementStart:
        if (!cx.has_version && !cx.nested) keyword("OPENQASM");
        gates();
        if (cx.version == 3 && !cx.in_gate)
          names([&](const Symbol& s) { return !qubit_like(s) && s.kind != SymbolKind::Gate && s.kind != SymbolKind::Input &&
                                              s.kind != SymbolKind::Constant; });
        for (const auto& k : statement_keywords(cx)) keyword(k);
        break;
      case Place::GateName:
        gates();
        break;
      case Place::Expression:
        values();
        break;
      case Place::QubitList:
        if (!cx.call.empty() && !gate_arguments_of(idx, cx.call)) {
          bool subroutine = false;
          for (const auto& s : idx.symbols()) subroutine |= s.kind == SymbolKind::Subroutine && s.name == cx.call;
          if (!subroutine) break;  // `c[0] |`: an operator comes next
        }
        names(qubit_like);
        hardware_qubits();
        break;
      case Place::BitList:
        names(bit_like);
        break;
      case Place::Type: {
        std::vector<std::string> types = {"angle", "array", "bit", "bool", "complex", "duration", "float", "int", "uint"};
        const std::size_t ts = cx.prefix_begin;
        const std::string before = doc.text.substr(0, ts);
        if (before.find_last_of("(,") != std::string::npos && before.find_last_of("(,") > before.find_last_of(";{}")) {
          // a subroutine's argument
          types.insert(types.end(), {"creg", "mutable", "qreg", "qubit", "readonly"});
        }
        std::sort(types.begin(), types.end());
        for (const auto& t : types) keyword(t);
        break;
      }
      case Place::Nothing:
        break;
    }
    return {{"isIncomplete", false}, {"items", items}};
  }

  /// The physical qubits `$n` can name: the noise model's device's, else
  /// the target's coupling map's (none without either).
  uint32_t physical_qubits() const {
    if (noise_model_) return static_cast<uint32_t>(noise_model_->qubits.size());
    if (target_.empty()) return 0;
    try {
      const Target t = make_target(target_);
      return t.coupling ? t.coupling->num_qubits : 0;
    } catch (const std::exception&) {
      return 0;
    }
  }
  std::string physical_name() const { return noise_model_ ? noise_model_->backend_name : target_; }

  /// Keywords, literals and the names the index resolves, with the legend
  /// of initialize: types keyword 0, number 1, string 2, function 3 (gates,
  /// subroutines), variable 4, parameter 5 (arguments of gates and
  /// subroutines); modifiers declaration 1, readonly 2 (constants, inputs),
  /// defaultLibrary 4 (built-in gates).
  json semantic_tokens(Document& doc, const json&) {
    const SymbolIndex& idx = index(doc);
    std::unordered_map<uint64_t, const Occurrence*> at;
    for (const auto& o : idx.occurrences())
      if (o.range.file == doc.path) at[(uint64_t(o.range.line) << 32) | o.range.col] = &o;
    const Lines& f = lines(doc, doc.path);
    json data = json::array();
    int64_t last_line = 0, last_char = 0;
    for (const LexicalToken& t : lexical_tokens(doc.text)) {
      int type = static_cast<int>(t.cls), modifiers = 0;  // keyword, number, string as the legend orders them
      if (t.cls == TokenClass::Name) {
        auto it = at.find((uint64_t(t.line) << 32) | t.col);
        if (it == at.end()) continue;  // a name the index does not know
        const Symbol& s = idx.symbols()[it->second->symbol];
        switch (s.kind) {
          case SymbolKind::BuiltinGate: type = 3, modifiers = 4; break;
          case SymbolKind::Gate: case SymbolKind::Subroutine: type = 3; break;
          case SymbolKind::GateParameter: case SymbolKind::GateQubit: case SymbolKind::SubroutineArgument: type = 5; break;
          case SymbolKind::Constant: case SymbolKind::Input: type = 4, modifiers = 2; break;
          default: type = 4;
        }
        if (it->second->declaration) modifiers |= 1;
      }
      const json r = lsp_range(f, t.line, t.col, t.line, t.end_col);
      const int64_t line = r["start"]["line"], start = r["start"]["character"], end = r["end"]["character"];
      data.push_back(line - last_line);
      data.push_back(line == last_line ? start - last_char : start);
      data.push_back(end - start);
      data.push_back(type);
      data.push_back(modifiers);
      last_line = line;
      last_char = start;
    }
    return {{"data", data}};
  }

  // ------------------------------------------------------------ formatting

  /// The document as `qforge fmt` writes it: one edit replacing the whole
  /// text, none when it is already formatted, an error when it has syntax
  /// errors (its diagnostics stay as published).
  json formatting(Document& doc, const json&) {
    DiagnosticSink sink;
    const std::optional<std::string> formatted = format::format_source(doc.text, doc.path, sink);
    if (!formatted) {
      std::string first;
      for (const Diagnostic& d : sink.all())
        if (d.severity == Severity::Error) {
          first = ": line " + std::to_string(d.loc.line) + ": " + d.message;
          break;
        }
      throw RequestError(kRequestFailed, "cannot format a document with syntax errors" + first);
    }
    if (*formatted == doc.text) return json::array();
    const Position end = position_of(doc.text, line_starts(doc.text), doc.text.size(), encoding_);
    return json::array({{{"range", {{"start", {{"line", 0}, {"character", 0}}},
                                    {"end", {{"line", end.line}, {"character", end.character}}}}},
                         {"newText", *formatted}}});
  }

  // ------------------------------------------------------------ code lenses

  /// With a `noise` model or a `target` set and a document that compiles:
  /// one lens on the first line with the two-qubit gate count and depth (as
  /// `qforge stats` counts them) of `qforge compile -O2 --noise M` (and its
  /// predicted fidelity), or else of `qforge compile -O2 --target T`. A
  /// target the compiler does not accept, or a circuit it cannot map, gives
  /// no lens and a log message. Kept until the document or the settings
  /// change.
  json code_lenses(Document& doc, const json&) {
    if (doc.lenses) return *doc.lenses;
    compiled(doc);
    doc.lenses = json::array();
    if ((target_.empty() && !noise_model_) || !doc.valid) return *doc.lenses;
    std::string name = target_;
    CompileResult compiled;
    std::optional<noise::FidelityEstimate> predicted;
    try {
      if (noise_model_) {
        name = noise_model_->backend_name;
        noise::DeviceCompileResult device = noise::compile_for_device(doc.circuit, 2, *noise_model_);
        compiled = std::move(device.compiled);
        predicted = device.predicted;
      } else {
        compiled = run_pipeline(doc.circuit, 2, target_);
      }
    } catch (const std::exception& e) {
      log("code lens for " + std::string(noise_model_ ? "the noise model's device " : "target ") + name + ": " +
          e.what());
      return *doc.lenses;
    }
    const CircuitStats st = circuit_stats(compiled.circuit);
    std::string title = name + " -O2: " + std::to_string(st.two_qubit) + " two-qubit gate" +
                        (st.two_qubit == 1 ? "" : "s") + ", depth " + std::to_string(st.depth);
    json data = {{"target", name}, {"twoQubitGates", st.two_qubit}, {"depth", st.depth}};
    if (predicted) {
      char f[32];
      std::snprintf(f, sizeof f, "%.4f", predicted->fidelity);
      title += std::string(", predicted fidelity ") + f;
      data["predictedFidelity"] = predicted->fidelity;
    }
    doc.lenses->push_back({{"range", lsp_range(lines(doc, doc.path), 0, 0, 0, 0)},
                           {"command", {{"title", title}, {"command", ""}}},
                           {"data", data}});
    return *doc.lenses;
  }

  std::ostream& out_;
  std::string target_;  ///< the `target` setting (empty: no code lens)
  std::string noise_path_;  ///< the `noise` setting: a model of `qforge noise import`
  std::optional<noise::NoiseModel> noise_model_;  ///< read from noise_path_ (it takes precedence over target_)
  std::vector<std::string> base_dirs_, extra_dirs_;
  std::map<std::string, Document> docs_;
  IncludeCache includes_;  ///< the included files' syntax trees, for every document's index
  Encoding encoding_ = Encoding::Utf16;
  bool snippets_ = false;
  bool initialized_ = false, shutdown_ = false;
  int exit_code_ = 1;
};

}  // namespace

int run_server(std::istream& in, std::ostream& out, const ServerOptions& options) {
  Server server(out, options);
  std::string body, error;
  while (true) {
    const ReadStatus st = read_message(in, body, error);
    if (st == ReadStatus::End) break;
    if (st == ReadStatus::Bad) {
      server.bad_message(error);
      continue;
    }
    if (!server.handle(body)) break;
    // Nothing more waiting (or the input ended): publish what changed.
    if (in.rdbuf()->in_avail() <= 0) server.idle();
  }
  return server.exit_code();
}

}  // namespace qforge::lsp
