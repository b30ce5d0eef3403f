#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "consumers/inbound_message.hpp"
#include "producers/kafka_config.hpp"

namespace agentstudio::kafka {

// Copies a consumed message (topic, partition, offset, key, payload, headers).
InboundMessage CopyMessage(RdKafka::Message& message);

// A topic and a partition of it.
using TopicPartition = std::pair<std::string, int32_t>;
// Per partition, the offset of the next message to read.
using Positions = std::map<TopicPartition, int64_t>;

struct BatchConsumerOptions {
  std::string group_id;
  std::vector<std::string> topics;
  size_t max_batch = 500;                   // messages handed out per Poll()
  std::chrono::milliseconds max_wait{100};  // how long Poll() waits for the first message
  // How long Poll() goes on collecting once the first message is there (0:
  // only what has already arrived). A consumer that pays a transaction per
  // batch trades this much latency for fewer, larger batches at moderate
  // rates, where batches of a few messages cost most per message.
  std::chrono::milliseconds linger{0};
  // Called on the polling thread, inside Poll(), before partitions are taken
  // away in a rebalance (while they can still be committed), and after new
  // ones were assigned. Optional.
  std::function<void(const std::vector<TopicPartition>&)> on_revoke = nullptr;
  std::function<void(const std::vector<TopicPartition>&)> on_assign = nullptr;
};

// A consumer-group member that hands out messages in batches and commits
// offsets only when told (enable.auto.commit=false): the caller commits after
// its database transaction. Not thread-safe: one thread polls and commits.
class BatchConsumer {
 public:
  // Throws std::invalid_argument / std::runtime_error when the client cannot be made.
  BatchConsumer(ConfigMap properties, BatchConsumerOptions options);
  ~BatchConsumer();  // leaves the group

  // Up to max_batch messages (or `max`), in partition order: what arrives
  // within `linger` after the first, and what had already arrived by then;
  // empty after max_wait. The messages of one call all come from
  // one assignment: a rebalance during the call drops what it had collected (redelivered).
  std::vector<InboundMessage> Poll();
  std::vector<InboundMessage> Poll(size_t max);

  // Commits, per partition, the offset after the last message of `batch`.
  // Returns false when the commit failed (e.g. during a rebalance); the
  // messages are then redelivered, which is harmless because applying is
  // idempotent.
  bool Commit(const std::vector<InboundMessage>& batch);
  // Commits the given next-to-read offsets. Same failure semantics.
  bool Commit(const Positions& positions);

  // Stops (Pause) and restarts (Resume) fetching from every assigned
  // partition; the group membership goes on as long as Poll() is called.
  // Partitions assigned later start unpaused.
  void Pause();
  void Resume();

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
  uint64_t rebalances_ = 0;  // the polling thread's
  bool closed_ = false;
};

}  // namespace agentstudio::kafka
