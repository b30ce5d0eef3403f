#include "consumers/scheduler_consumer.hpp"

#include <spdlog/spdlog.h>

#include <thread>

#include "engine/timestamp.hpp"
#include "faults/fault_point.hpp"

namespace agentstudio::kafka {

SchedulerConsumer::SchedulerConsumer(ConfigMap properties, const Topics& topics,
                                     store::SessionPool& pool, MessageProducer& dlq_producer,
                                     size_t max_batch)
    : pool_(pool),
      handler_(topics),
      dead_letters_(dlq_producer, topics),
      consumer_(std::move(properties),
                BatchConsumerOptions{topics.prefix() + "schedulers",
                                     {topics.commands(), topics.task_events()},
                                     max_batch,
                                     std::chrono::milliseconds(100)}) {}

bool SchedulerConsumer::ApplyWithRetry(const std::vector<InboundMessage>& batch,
                                       const std::atomic<bool>& stop) {
  std::chrono::milliseconds backoff(50);
  for (;;) {
    auto session = pool_.Acquire();
    try {
      const SchedulerBatchResult result = store::InTransaction(*session, [&](soci::session& s) {
        SchedulerBatchResult r = handler_.Apply(s, batch, engine::WallClockNow());
        dead_letters_.PublishAll(r.poison);  // before commit: a crash re-sends, never loses
        return r;
      });
      ++counters_.batches;
      counters_.applied += result.applied;
      counters_.redelivered += result.redelivered;
      counters_.duplicates += result.duplicates;
      counters_.stale += result.stale;
      counters_.dead_lettered += result.poison.size();
      return true;
    } catch (const std::exception& error) {
      const store::DatabaseError classified = store::ClassifyDatabaseError(error);
      ++counters_.retried_batches;
      spdlog::error("scheduler: batch of {} failed, retrying in {} ms: {}", batch.size(),
                    backoff.count(), classified.what());
      session.ReconnectIfLost();
    }
    if (stop) return false;
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
  }
}

void SchedulerConsumer::Run(const std::atomic<bool>& stop) {
  while (!stop) {
    const std::vector<InboundMessage> batch = consumer_.Poll();
    if (batch.empty()) continue;
    if (!ApplyWithRetry(batch, stop)) continue;
    faults::Reach(faults::kSchedulerAfterDatabaseCommit);
    consumer_.Commit(batch);
  }
  consumer_.Close();
}

}  // namespace agentstudio::kafka
