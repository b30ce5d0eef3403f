#pragma once

#include <cstdint>
#include <map>
#include <optional>
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
  int64_t timestamp_ms = 0;  // Kafka's timestamp of the message (epoch ms); 0 when it has none

  std::string Header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// The largest payload consumers process: librdkafka's default
// message.max.bytes, which our producers keep, so a bigger message came from a
// foreign producer; it is dead-lettered (truncated) instead of decoded.
inline constexpr size_t kMaxPayloadBytes = 1000000;

// Why `message` is too big to process, or nullopt.
inline std::optional<std::string> OversizedReason(const InboundMessage& message) {
  if (message.payload.size() <= kMaxPayloadBytes) return std::nullopt;
  return "oversized payload: " + std::to_string(message.payload.size()) + " bytes (limit " +
         std::to_string(kMaxPayloadBytes) + ")";
}

}  // namespace agentstudio::kafka
