// libFuzzer target over the front end: every input is compiled as an
// OpenQASM program (parse, checks, lowering to the IR) with its diagnostics
// collected, and parsed to its syntax tree (qforge/ast.hpp), which is dumped
// (every span and comment is read). Built and run by scripts/fuzz.sh with ASan and UBSan; a crash,
// a sanitizer report, a leak or an input slower than the timeout is a bug.
#include "qforge/ast.hpp"
#include "qforge/frontend.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string source(reinterpret_cast<const char*>(data), size);
  qforge::CompileOptions options;
  qforge::DiagnosticSink diags;
  // A directory that does not exist: includes other than the built-in
  // libraries resolve to nothing, so the run never depends on files nearby.
  qforge::Circuit c = qforge::compile_source(source, "/nonexistent/qforge-fuzz/input.qasm", options, diags);
  // Format every diagnostic too: it reads the source lines and columns.
  std::string text = diags.format();
  (void)c;
  qforge::DiagnosticSink tree_diags;
  qforge::ast::File tree = qforge::ast::parse_source(source, "/nonexistent/qforge-fuzz/input.qasm", tree_diags);
  const std::string dumped = qforge::ast::dump(tree);
  (void)dumped;
  return text.empty() && diags.has_errors() ? 1 : 0;
}
