#include "daemon/http_headers.hpp"

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
    params[it->first] = it->second;
  }
  return params;
}

}  // namespace agentstudio::daemon
