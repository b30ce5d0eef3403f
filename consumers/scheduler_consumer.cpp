#include "consumers/scheduler_consumer.hpp"

#include <spdlog/spdlog.h>

#include <thread>

#include "engine/timestamp.hpp"
#include "faults/fault_point.hpp"

namespace agentstudio::kafka {

SchedulerConsumer::SchedulerConsumer(ConfigMap properties, const Topics& topics,
                                     store::SessionPool& pool, MessageProducer& dlq_producer,
                                     size_t max_batch, std::chrono::milliseconds dedup_window)
    : pool_(pool),
      handler_(topics, dedup_window),
      dead_letters_(dlq_producer, topics),
      applier_(pool, dead_letters_, "scheduler"),
      consumer_(std::move(properties),
                BatchConsumerOptions{topics.prefix() + "schedulers",
                                     {topics.commands(), topics.task_events()},
                                     max_batch,
                                     std::chrono::milliseconds(100)}) {}

bool SchedulerConsumer::ApplyBatch(const std::vector<InboundMessage>& batch,
                                   const std::atomic<bool>& stop) {
  const uint64_t retried_before = applier_.retried();
  const bool applied = applier_.ApplyAll(
      batch,
      [this](soci::session& s, BatchApplier::Slice slice) -> BatchApplier::AfterCommit {
        SchedulerBatchResult r = handler_.Apply(s, slice, engine::WallClockNow());
        // Dead letters go out after the transaction (once, not once per
        // retry) and before the offsets: a crash between re-sends them.
        return [this, r = std::move(r)] {
          dead_letters_.PublishAll(r.poison);
          counters_.applied += r.applied;
          counters_.redelivered += r.redelivered;
          counters_.duplicates += r.duplicates;
          counters_.stale += r.stale;
        };
      },
      stop);
  counters_.retried_batches += applier_.retried() - retried_before;
  if (applied) {
    ++counters_.batches;
    counters_.dead_lettered = dead_letters_.published();
  }
  return applied;
}

void SchedulerConsumer::Run(const std::atomic<bool>& stop) {
  while (!stop) {
    const std::vector<InboundMessage> batch = consumer_.Poll();
    if (batch.empty()) continue;
    if (!ApplyBatch(batch, stop)) continue;
    faults::Reach(faults::kSchedulerAfterDatabaseCommit);
    consumer_.Commit(batch);
  }
  consumer_.Close();
}

}  // namespace agentstudio::kafka
