#include "daemon/http_headers.hpp"

#include "producers/kafka_config.hpp"

namespace agentstudio::daemon {

std::string TraceparentOf(const Pistache::Http::Request& request) {
  if (auto raw = request.headers().tryGetRaw("traceparent")) return raw->value();
  return kafka::NewTraceparent();
}

}  // namespace agentstudio::daemon
