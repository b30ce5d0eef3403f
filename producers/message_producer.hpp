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
#include <vector>

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
//
// An idempotent librdkafka client can end in a fatal error (e.g. the broker's
// log lost acknowledged batches after a SIGKILL, so the sequence numbers no
// longer line up) after which it refuses every message for good. This class
// then replaces the client with a new one (a new producer id) on its poll
// thread: messages still queued in the old client fail with a retryable
// report, those already in flight get the broker's answer (possibly_stored
// if it never comes, so a retry may store a duplicate the consumers'
// deduplication drops), and later sends go to the new client. A client that
// fails soon after it was made is replaced after a growing wait (Backoff).
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

  // Waits until every queued message has its report, up to `timeout`, those
  // of clients replaced after a fatal error included. Returns whether the
  // queue drained.
  bool Flush(std::chrono::milliseconds timeout);

  // Asks the cluster whether `topic` exists: nullopt when it does not say
  // within `timeout`. (Producing to a missing topic fails only after the
  // whole message timeout.)
  std::optional<bool> TopicExists(const std::string& topic, std::chrono::milliseconds timeout);

  // Asks the cluster for metadata: true when a broker answers within `timeout`.
  bool Ping(std::chrono::milliseconds timeout);

  // How many times the client was replaced after a fatal error; the counter
  // outlives the producer (a metrics reading may hold it).
  int replacements() const { return replacements_->load(); }
  std::shared_ptr<const std::atomic<int>> replacement_counter() const { return replacements_; }

  // Raises a fatal error in the current client, as librdkafka raises one
  // itself (rd_kafka_test_fatal_error). For fault-injection tests.
  void InjectFatalError(const std::string& reason);

 private:
  class DeliveryReports : public RdKafka::DeliveryReportCb {
   public:
    void dr_cb(RdKafka::Message& message) override;
  };
  class Errors : public RdKafka::EventCb {
   public:
    void event_cb(RdKafka::Event& event) override;
  };

  std::shared_ptr<RdKafka::Producer> Create();
  std::shared_ptr<RdKafka::Producer> Current() const;
  void PollLoop();
  bool Replace(const std::string& reason);  // false: no new client yet
  void ServeRetired();

  const WhenQueueFull when_full_;
  const std::unique_ptr<RdKafka::Conf> conf_;  // to make a replacement client
  DeliveryReports reports_;
  Errors errors_;
  mutable std::mutex mutex_;                     // guards producer_
  std::shared_ptr<RdKafka::Producer> producer_;  // never null
  // Replaced clients whose reports are still due; only the poll thread (and
  // the destructor, after it) touches them.
  std::vector<std::shared_ptr<RdKafka::Producer>> retired_;
  std::atomic<size_t> retired_count_{0};  // retired_.size(), for Flush()
  const std::shared_ptr<std::atomic<int>> replacements_ = std::make_shared<std::atomic<int>>(0);
  std::atomic<bool> stopping_{false};
  std::thread poller_;
};

}  // namespace agentstudio::kafka
