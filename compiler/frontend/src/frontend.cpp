// OpenQASM 3/2 front end: the public API (see qforge/frontend.hpp). The work
// is split by stage: parse.cpp, check.cpp and lower.cpp (frontend_internal.hpp).
#include "frontend_internal.hpp"

#include "qforge/diagnostic_codes.hpp"

namespace qforge {

using namespace frontend_detail;

// ---------------------------------------------------------------- public API

Circuit compile_source(const std::string& source, const std::string& filename, const CompileOptions& options,
                       DiagnosticSink& diags) {
  std::error_code ec;
  std::string canon = fs::weakly_canonical(fs::path(filename), ec).string();
  auto file = make_file(source, filename, canon.empty() ? filename : canon);
  Circuit c;
  RetryWithLL sll_failed;
  for (bool ll : {false, true}) {
    DiagnosticSink local;
    try {
      Lowerer low(options, local, ll);
      if (ll) low.set_sll_prefix(sll_failed);
      c = low.run(file);
      // Every diagnostic leaves with its code: syntax errors have theirs,
      // the others are classified by their message.
      for (Diagnostic d : local.all()) {
        if (d.code.empty()) d.code = diagnostic_code(d.severity, d.message);
        diags.report(std::move(d));
      }
      break;
    } catch (const RetryWithLL& r) {
      sll_failed = r;
      continue;
    }
  }
  if (diags.has_errors()) return c;
  auto binding_error = [&](const std::string& message) {
    Diagnostic d;
    d.message = message;
    d.code = "QF0002";
    diags.report(std::move(d));
  };

  // --set bindings.
  if (!options.bindings.empty()) {
    std::vector<double> values(c.num_symbols(), std::nan(""));
    for (const auto& [name, vals] : options.bindings) {
      const InputDecl* decl = nullptr;
      for (const auto& in : c.inputs)
        if (in.name == name) decl = &in;
      if (decl) {
        if (vals.size() != decl->size()) {
          binding_error("--set " + name + ": expected " + std::to_string(decl->size()) + " value" +
                                (decl->size() == 1 ? "" : "s") + ", got " + std::to_string(vals.size()));
          continue;
        }
        for (uint32_t k = 0; k < decl->size(); ++k) values[decl->first_symbol + k] = vals[k];
        continue;
      }
      int64_t idx = c.find_symbol(name);
      if (idx < 0) {
        binding_error("--set " + name + ": the program has no input named '" + name + "'");
        continue;
      }
      if (vals.size() != 1) {
        binding_error("--set " + name + ": expected 1 value, got " + std::to_string(vals.size()));
        continue;
      }
      values[static_cast<std::size_t>(idx)] = vals[0];
    }
    if (!diags.has_errors()) c = c.bind(values);
  }
  std::string bad = c.verify();
  if (!bad.empty()) {
    Diagnostic d;
    d.message = "internal error: invalid IR: " + bad;
    d.code = "QF0001";
    diags.report(std::move(d));
  }
  return c;
}

bool frontend_detail::read_source(const std::string& path, std::string& text, DiagnosticSink& diags) {
  std::error_code ec;
  if (!fs::is_directory(path, ec) && read_text(path, text)) return true;
  Diagnostic d;
  d.loc = SourceLoc{std::make_shared<const std::string>(path), 0, 0};
  d.message = fs::exists(path, ec) ? "cannot read file" : "no such file";
  d.code = "QF6002";
  diags.report(std::move(d));
  return false;
}

Circuit compile_file(const std::string& path, const CompileOptions& options, DiagnosticSink& diags) {
  std::string text;
  if (!read_source(path, text, diags)) return Circuit{};
  return compile_source(text, path, options, diags);
}

bool parse_binding_value(const std::string& text, std::vector<double>& out, std::string& error) {
  // Reuse the expression grammar: wrap the text as a const array declaration.
  const std::string& t = text;
  out.clear();
  // Flatten nested brackets: [[1,2],[3,4]] -> elements in row-major order.
  std::string flat;
  for (char ch : t) flat += (ch == '[' || ch == ']') ? ' ' : ch;
  std::vector<std::string> parts;
  std::string cur;
  for (char ch : flat) {
    if (ch == ',') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += ch;
    }
  }
  parts.push_back(cur);
  for (auto& p : parts) {
    if (p.find_first_not_of(" \t") == std::string::npos) {
      error = "expected a number or a list [v0, v1, ...], got '" + text + "'";
      return false;
    }
    DiagnosticSink d;
    Circuit c = compile_source("OPENQASM 3.0;\nqubit q;\nU(" + p + ", 0, 0) q;\n", "--set", CompileOptions{}, d);
    if (d.has_errors() || c.ops.size() != 1 || !c.ops[0].params[0].is_const()) {
      error = "'" + p.substr(p.find_first_not_of(" \t")) + "' is not a constant number";
      return false;
    }
    out.push_back(c.ops[0].params[0].value());
  }
  return true;
}

}  // namespace qforge

