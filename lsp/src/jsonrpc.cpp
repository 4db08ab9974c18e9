// JSON-RPC framing (see jsonrpc.hpp).
#include "jsonrpc.hpp"

#include <algorithm>
#include <cctype>
#include <istream>
#include <ostream>

namespace qforge::lsp {

ReadStatus read_message(std::istream& in, std::string& body, std::string& error) {
  long long length = -1;
  bool any_header = false;
  std::string line;
  while (true) {
    if (!std::getline(in, line)) return ReadStatus::End;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      if (!any_header) continue;  // blank lines between messages
      break;
    }
    any_header = true;
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    if (name != "content-length") continue;
    const std::string value = line.substr(colon + 1);
    const std::size_t first = value.find_first_not_of(" \t");
    length = -1;
    if (first != std::string::npos && std::isdigit(static_cast<unsigned char>(value[first]))) {
      std::size_t used = 0;
      try {
        length = std::stoll(value.substr(first), &used);
      } catch (const std::exception&) {
        length = -2;
      }
      if (value.find_first_not_of(" \t", first + used) != std::string::npos) length = -1;
    }
  }
  if (length < 0) {
    error = length == -2 ? "Content-Length too large" : "message header without a valid Content-Length";
    return ReadStatus::Bad;
  }
  if (static_cast<unsigned long long>(length) > kMaxMessageBytes) {
    error = "message of " + std::to_string(length) + " bytes is larger than the limit of " +
            std::to_string(kMaxMessageBytes);
    in.ignore(length);
    return ReadStatus::Bad;
  }
  body.assign(static_cast<std::size_t>(length), '\0');
  in.read(body.data(), length);
  if (in.gcount() != length) return ReadStatus::End;
  return ReadStatus::Message;
}

void write_message(std::ostream& out, const nlohmann::json& message) {
  const std::string text = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out << "Content-Length: " << text.size() << "\r\n\r\n" << text;
  out.flush();
}

}  // namespace qforge::lsp
