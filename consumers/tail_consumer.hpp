#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "consumers/inbound_message.hpp"
#include "producers/kafka_config.hpp"

namespace agentstudio::kafka {

// Reads topics from their end without a consumer group, so every instance
// sees every message published after it started (fan-out: SSE feeds, agent
// cancels). Nothing is committed; what was published before the start, or
// while the process was down, is not seen (callers catch up from PostgreSQL).
// Not thread-safe: one thread polls.
class TailConsumer {
 public:
  // Assigns every partition of `topics` at its end. Throws std::runtime_error
  // when the topics' metadata cannot be read within `timeout`.
  TailConsumer(ConfigMap properties, const std::vector<std::string>& topics,
               std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~TailConsumer();

  // Up to `max` messages; waits at most `wait` for the first.
  std::vector<InboundMessage> Poll(std::chrono::milliseconds wait, size_t max = 500);

 private:
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
};

// A TailConsumer polled on a thread of its own, handing each message to
// `on_message` on that thread (the fan-out readers: front doors' workflow
// events, agents' cancels). The partitions are assigned in the constructor, so
// what is published after it returns is seen once Start() runs.
class TailReader {
 public:
  using Handler = std::function<void(const InboundMessage&)>;

  TailReader(ConfigMap properties, const std::vector<std::string>& topics, Handler on_message);
  ~TailReader();  // Stop()

  void Start();
  void Stop();  // joins the thread; `on_message` is not called after it returns

 private:
  TailConsumer consumer_;
  const Handler on_message_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace agentstudio::kafka
