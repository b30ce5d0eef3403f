#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "consumers/inbound_message.hpp"
#include "producers/kafka_config.hpp"

namespace agentstudio::kafka {

// Copies a consumed message (topic, partition, offset, key, payload, headers).
InboundMessage CopyMessage(RdKafka::Message& message);

struct BatchConsumerOptions {
  std::string group_id;
  std::vector<std::string> topics;
  size_t max_batch = 500;                   // messages handed out per Poll()
  std::chrono::milliseconds max_wait{100};  // how long Poll() waits for the first message
};

// A consumer-group member that hands out messages in batches and commits
// offsets only when told (enable.auto.commit=false): the caller commits after
// its database transaction. Not thread-safe: one thread polls and commits.
class BatchConsumer {
 public:
  // Throws std::invalid_argument / std::runtime_error when the client cannot be made.
  BatchConsumer(ConfigMap properties, BatchConsumerOptions options);
  ~BatchConsumer();  // leaves the group

  // Up to max_batch messages, in partition order; empty after max_wait.
  std::vector<InboundMessage> Poll();

  // Commits, per partition, the offset after the last message of `batch`.
  // Returns false when the commit failed (e.g. during a rebalance); the
  // messages are then redelivered, which is harmless because applying is
  // idempotent.
  bool Commit(const std::vector<InboundMessage>& batch);

  // Moves each partition of `unhandled` back to its first message there, so
  // the next Poll() hands them out again (a later Commit() must not pass
  // over them). Messages of partitions no longer assigned are skipped: their
  // new owner reads them from the committed offset.
  void Rewind(const std::vector<InboundMessage>& unhandled);

  // Leaves the group now (the destructor also does).
  void Close();

  size_t assigned_partitions() const { return assigned_; }
  // Offsets reset because the committed one no longer exists on the broker:
  // messages were lost before they were consumed. Must stay 0.
  uint64_t offset_resets() const { return offset_resets_; }

 private:
  class Rebalance : public RdKafka::RebalanceCb {
   public:
    explicit Rebalance(BatchConsumer& owner) : owner_(owner) {}
    void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                      std::vector<RdKafka::TopicPartition*>& partitions) override;

   private:
    BatchConsumer& owner_;
  };

  const BatchConsumerOptions options_;
  Rebalance rebalance_{*this};
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::atomic<size_t> assigned_{0};
  std::atomic<uint64_t> offset_resets_{0};
  bool closed_ = false;
};

}  // namespace agentstudio::kafka
