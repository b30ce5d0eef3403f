#include "daemon/http_headers.hpp"

#include <nlohmann/json.hpp>

#include "producers/kafka_config.hpp"

namespace agentstudio::daemon {

std::string TraceparentOf(const Pistache::Http::Request& request) {
  if (auto raw = request.headers().tryGetRaw("traceparent")) return raw->value();
  return kafka::NewTraceparent();
}

bool IfNoneMatchHolds(const std::string& if_none_match, const std::string& etag) {
  const auto opaque = [](std::string tag) {
    const auto first = tag.find_first_not_of(" \t");
    const auto last = tag.find_last_not_of(" \t");
    tag = first == std::string::npos ? "" : tag.substr(first, last - first + 1);
    return tag.rfind("W/", 0) == 0 ? tag.substr(2) : tag;
  };
  const std::string wanted = opaque(etag);
  size_t start = 0;
  while (start <= if_none_match.size()) {
    const size_t comma = std::min(if_none_match.find(',', start), if_none_match.size());
    const std::string tag = opaque(if_none_match.substr(start, comma - start));
    if (tag == "*" || (!tag.empty() && tag == wanted)) return true;
    start = comma + 1;
  }
  return false;
}

std::string IfNoneMatchOf(const Pistache::Http::Request& request) {
  if (auto raw = request.headers().tryGetRaw("If-None-Match")) return raw->value();
  return {};
}

std::map<std::string, std::string> QueryParameters(const Pistache::Http::Request& request) {
  std::map<std::string, std::string> params;
  for (auto it = request.query().parameters_begin(); it != request.query().parameters_end(); ++it) {
    params[PercentDecoded(it->first)] = PercentDecoded(it->second);
  }
  return params;
}

std::string PercentDecoded(const std::string& text) {
  if (text.find('%') == std::string::npos) return text;
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string decoded;
  decoded.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      decoded += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else {
      decoded += text[i];
    }
  }
  // NUL would cut the value where libpq reads it as a C string.
  if (decoded.find('\0') != std::string::npos) return text;
  try {
    (void)nlohmann::json(decoded).dump();  // nlohmann's UTF-8 check, the answers' own
  } catch (const nlohmann::json::type_error&) {
    return text;
  }
  return decoded;
}

}  // namespace agentstudio::daemon
