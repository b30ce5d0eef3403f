#pragma once

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

#include "consumers/inbound_message.hpp"
#include "producers/message_producer.hpp"
#include "producers/topics.hpp"

namespace agentstudio::kafka {

// Kafka did not take a dead letter: worth a retry, never a verdict on the
// message.
class DeadLetterNotDelivered : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A message that cannot be processed, and why.
struct PoisonMessage {
  const InboundMessage* message = nullptr;
  std::string reason;
};

// Sends messages that cannot be processed to the `dlq` topic: original key and
// bytes, plus headers naming the source topic, partition, offset and the
// reason (x-source-topic, x-source-partition, x-source-offset, x-dlq-reason).
// A payload over kMaxPayloadBytes is cut to its first kTruncatedPayloadBytes,
// with x-dlq-truncated-from giving its size.
class DeadLetterPublisher {
 public:
  static constexpr size_t kTruncatedPayloadBytes = 64 * 1024;

  DeadLetterPublisher(MessageProducer& producer, Topics topics)
      : producer_(producer), topics_(std::move(topics)) {}

  // Sends all and waits for their delivery reports. Throws
  // DeadLetterNotDelivered when one is not durable, so the caller does not
  // commit past it.
  void PublishAll(const std::vector<PoisonMessage>& poison);

  uint64_t published() const { return published_; }

 private:
  MessageProducer& producer_;
  const Topics topics_;
  std::atomic<uint64_t> published_{0};
};

}  // namespace agentstudio::kafka
