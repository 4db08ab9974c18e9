// jsonrpc.hpp - JSON-RPC 2.0 messages with the LSP's Content-Length framing
// (internal to the server).
#pragma once

#include <nlohmann/json.hpp>

#include <iosfwd>
#include <string>

namespace qforge::lsp {

enum class ReadStatus {
  Message,  ///< `body` holds one message's content
  Bad,      ///< a header without a usable Content-Length: `error` says why; the next message can follow
  End,      ///< end of input (possibly in the middle of a message)
};

/// The largest message read (a bigger one is skipped with an error).
inline constexpr std::size_t kMaxMessageBytes = std::size_t(1) << 28;

/// Read one message: header lines up to an empty line (CRLF or LF line
/// ends), then Content-Length bytes of content.
ReadStatus read_message(std::istream& in, std::string& body, std::string& error);

/// Write `message` with its Content-Length header; strings that are not
/// valid UTF-8 have the bad bytes replaced.
void write_message(std::ostream& out, const nlohmann::json& message);

/// JSON-RPC and LSP error codes.
enum ErrorCode : int {
  kParseError = -32700,
  kInvalidRequest = -32600,
  kMethodNotFound = -32601,
  kInvalidParams = -32602,
  kInternalError = -32603,
  kServerNotInitialized = -32002,
  kRequestFailed = -32803,
};

}  // namespace qforge::lsp
