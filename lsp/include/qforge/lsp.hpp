// qforge/lsp.hpp - the OpenQASM language server (Language Server Protocol
// 3.17 over JSON-RPC 2.0 with Content-Length framing), as `qforge lsp` runs
// it on standard input and output.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace qforge::lsp {

struct ServerOptions {
  /// Include directories searched after the including file's folder (the
  /// client's `includePaths` setting adds to them).
  std::vector<std::string> include_dirs;
};

/// Serve the messages read from `in`, writing responses and notifications to
/// `out`, until the `exit` notification or the end of `in`. Changed
/// documents are checked (and their diagnostics published) when `in` has
/// no more input available (`in.rdbuf()->in_avail() <= 0`) or before the
/// next request, so changes that arrive together are checked once. Returns the exit
/// code the specification asks for: 0 after `shutdown` then `exit`, 1 when
/// `exit` (or the end of input) comes without `shutdown`. Never throws on bad
/// input: malformed messages are answered with JSON-RPC errors.
int run_server(std::istream& in, std::ostream& out, const ServerOptions& options);

/// A file path as a URI reference: `file://` and the path for an absolute
/// path, the path alone (a relative reference) for a relative one; bytes
/// other than letters, digits and `/-_.~` percent-encoded. The server names
/// files to its clients this way, and `qforge check --format sarif` its
/// artifacts.
std::string path_uri(const std::string& path);

}  // namespace qforge::lsp
