#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include "consumers/batch_applier.hpp"
#include "consumers/batch_consumer.hpp"
#include "consumers/dead_letter_publisher.hpp"
#include "consumers/scheduler_handler.hpp"
#include "sql/database.hpp"

namespace agentstudio::kafka {

struct SchedulerCounters {
  std::atomic<uint64_t> batches{0};
  std::atomic<uint64_t> applied{0};
  std::atomic<uint64_t> redelivered{0};
  std::atomic<uint64_t> duplicates{0};
  std::atomic<uint64_t> stale{0};
  std::atomic<uint64_t> dead_lettered{0};
  std::atomic<uint64_t> retried_batches{0};
  std::atomic<uint64_t> cache_hits{0};    // executions taken from the ExecutionCache
  std::atomic<uint64_t> cache_misses{0};  // loaded from the store instead
  std::atomic<uint64_t> cached_tasks{0};  // the tasks of the executions it holds now
};

// The default bound of a scheduler's ExecutionCache, in tasks (a few KB each).
inline constexpr size_t kDefaultCachedTasks = 5000;
// How long a poll goes on collecting messages after the first
// (BatchConsumerOptions::linger).
inline constexpr std::chrono::milliseconds kDefaultSchedulerLinger{2};

// The scheduler role's consumer loop: polls `commands` and `task-events` in
// the `<prefix>schedulers` group, applies each poll batch in one PostgreSQL
// transaction (SchedulerHandler), dead-letters poison messages before that
// transaction commits, and commits offsets only after it did. A batch that
// fails on the database is retried (reconnecting) until it succeeds or the
// loop is stopped, in which case its offsets stay uncommitted and the
// messages are redelivered; one that fails for good is split until the
// message that cannot apply is found and dead-lettered (BatchApplier).
// Executions under way stay in an ExecutionCache between batches; it is
// emptied when partitions are revoked.
class SchedulerConsumer {
 public:
  SchedulerConsumer(ConfigMap properties, const Topics& topics, store::SessionPool& pool,
                    MessageProducer& dlq_producer, size_t max_batch = 500,
                    std::chrono::milliseconds dedup_window = kDefaultDedupWindow,
                    size_t cached_tasks = kDefaultCachedTasks,
                    std::chrono::milliseconds linger = kDefaultSchedulerLinger);

  // Runs until `stop` is set; then finishes the batch in hand and leaves the group.
  void Run(const std::atomic<bool>& stop);

  const SchedulerCounters& counters() const { return counters_; }
  size_t assigned_partitions() const { return consumer_.assigned_partitions(); }
  uint64_t offset_resets() const { return consumer_.offset_resets(); }

 private:
  bool ApplyBatch(const std::vector<InboundMessage>& batch, const std::atomic<bool>& stop);
  // A StartWorkflow that went to the DLQ gets a WorkflowRejected event on
  // workflow-events, so front doors forget the execution they accepted and
  // its waits and streams end (404: it does not exist).
  void AnnounceIfStart(const PoisonMessage& letter);

  store::SessionPool& pool_;
  SchedulerHandler handler_;
  DeadLetterPublisher dead_letters_;
  BatchApplier applier_;
  MessageProducer& dlq_producer_;
  const Topics topics_;
  SchedulerCounters counters_;
  const size_t cached_tasks_;  // 0: no cache (nor its lock query)
  ExecutionCache cache_;       // used by the polling thread only
  BatchConsumer consumer_;     // last: stops before what it uses goes away
};

}  // namespace agentstudio::kafka
