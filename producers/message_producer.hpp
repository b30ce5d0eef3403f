#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "producers/kafka_config.hpp"

namespace agentstudio::kafka {

// The outcome of one produce: durable in Kafka (ok) or not, with why.
struct DeliveryResult {
  bool ok = false;
  std::string error;
  bool retryable = true;   // false for errors no retry can fix (message too large...)
  bool too_large = false;  // the message exceeds message.max.bytes
  // Not confirmed, yet it may be in the log: it was sent and the answer never
  // came (timed out or purged in flight). A retry may store it twice.
  bool possibly_stored = false;
  int32_t partition = -1;
  int64_t offset = -1;
};

using Headers = std::map<std::string, std::string>;
using DeliveryCallback = std::function<void(const DeliveryResult&)>;

// An idempotent producer (enable.idempotence: acks=all, ordered, no duplicates
// from retries) with its own thread serving delivery reports. Thread-safe.
class MessageProducer {
 public:
  // What Send() does when librdkafka's local queue is full.
  enum class WhenQueueFull {
    kWait,  // wait for room (back-pressure on the caller's thread)
    kFail,  // report a retryable failure at once (callers that must not block)
  };

  // `properties`: BaseProperties() plus overrides. `delivery_timeout` bounds how
  // long a message may wait for the broker before its report says it failed.
  // Throws std::invalid_argument / std::runtime_error when the client cannot be made.
  MessageProducer(ConfigMap properties, std::chrono::milliseconds delivery_timeout,
                  WhenQueueFull when_full = WhenQueueFull::kWait);
  ~MessageProducer();  // flushes for up to 5 s, then stops the poll thread

  MessageProducer(const MessageProducer&) = delete;
  MessageProducer& operator=(const MessageProducer&) = delete;

  // Queues a message; `done` runs exactly once, on the producer's poll thread,
  // with the delivery report (or at once, on this thread, with a local error
  // such as a full queue under WhenQueueFull::kFail). It must not block.
  void Send(const std::string& topic, const std::string& key, const std::string& payload,
            const Headers& headers, DeliveryCallback done);

  // Sends and waits for the delivery report.
  DeliveryResult SendAndWait(const std::string& topic, const std::string& key,
                             const std::string& payload, const Headers& headers);

  // Waits until every queued message has its report, up to `timeout`. Returns
  // whether the queue drained.
  bool Flush(std::chrono::milliseconds timeout);

  // Asks the cluster whether `topic` exists: nullopt when it does not say
  // within `timeout`. (Producing to a missing topic fails only after the
  // whole message timeout.)
  std::optional<bool> TopicExists(const std::string& topic, std::chrono::milliseconds timeout);

  // Asks the cluster for metadata: true when a broker answers within `timeout`.
  bool Ping(std::chrono::milliseconds timeout);

 private:
  class DeliveryReports : public RdKafka::DeliveryReportCb {
   public:
    void dr_cb(RdKafka::Message& message) override;
  };
  class Errors : public RdKafka::EventCb {
   public:
    void event_cb(RdKafka::Event& event) override;
  };

  void PollLoop();

  const WhenQueueFull when_full_;
  DeliveryReports reports_;
  Errors errors_;
  std::unique_ptr<RdKafka::Producer> producer_;
  std::atomic<bool> stopping_{false};
  std::thread poller_;
};

}  // namespace agentstudio::kafka
