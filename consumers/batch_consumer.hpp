#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "consumers/inbound_message.hpp"
#include "engine/backoff.hpp"
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
  // ones were assigned. Optional. on_assign may come again for the same
  // partitions without a revoke between (see the restart below).
  std::function<void(const std::vector<TopicPartition>&)> on_revoke = nullptr;
  std::function<void(const std::vector<TopicPartition>&)> on_assign = nullptr;
};

// A consumer-group member that hands out messages in batches and commits
// offsets only when told (enable.auto.commit=false): the caller commits after
// its database transaction. Not thread-safe: one thread polls and commits.
//
// librdkafka never retries the fetch of an assignment's committed offsets
// when the group coordinator answers it with an error (NOT_COORDINATOR right
// after a broker restart, confluentinc/librdkafka#5586): it reports the error
// once and leaves the partitions unfetched until the next rebalance, which a
// stable group never has. Poll() therefore assigns the same partitions again,
// after a growing wait, when an error that is not about a fetched position
// comes before anything was received since the assignment; that fetches the
// committed offsets anew.
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
  // Times the assignment was assigned again (see the class comment).
  uint64_t restarts() const { return restarts_; }

 private:
  class Rebalance : public RdKafka::RebalanceCb {
   public:
    explicit Rebalance(BatchConsumer& owner) : owner_(owner) {}
    void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                      std::vector<RdKafka::TopicPartition*>& partitions) override;

   private:
    BatchConsumer& owner_;
  };

  // True for an error event that may have left the assignment unfetched.
  bool MayStallAssignment(const RdKafka::Message& error) const;
  // Assigns the current partitions again (see the class comment).
  void RestartAssignment();

  const BatchConsumerOptions options_;
  Rebalance rebalance_{*this};
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::atomic<size_t> assigned_{0};
  std::atomic<uint64_t> offset_resets_{0};
  std::atomic<uint64_t> restarts_{0};
  uint64_t rebalances_ = 0;  // the polling thread's
  // The polling thread's: whether a message came since the last assignment,
  // and when a restart of the assignment is due (none when unset).
  bool received_since_assign_ = false;
  std::optional<std::chrono::steady_clock::time_point> restart_at_;
  engine::Backoff restart_backoff_{std::chrono::seconds(1), std::chrono::seconds(30)};
  bool closed_ = false;
};

}  // namespace agentstudio::kafka
