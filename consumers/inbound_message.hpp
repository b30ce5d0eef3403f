#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace agentstudio::kafka {

// A consumed Kafka message, copied out of librdkafka so handlers can be
// tested without a broker.
struct InboundMessage {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string payload;
  std::map<std::string, std::string> headers;

  std::string Header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

}  // namespace agentstudio::kafka
