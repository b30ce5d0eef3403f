#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "engine/workflow_state.hpp"
#include "sql/database.hpp"

namespace agentstudio::kafka {

// Keeps `processed_messages` (the ids of applied commands and task events,
// guarantee 2) from growing forever: every `interval` it deletes the ids
// processed more than `window` ago, in batches. Safe because no message
// older than the window applies any more: the scheduler dead-letters a
// message whose Kafka timestamp lies outside it (SchedulerHandler), and the
// window defaults to longer than Kafka keeps messages (docs/reliability.md).
// Ids are kept a margin longer than the window (PruneMargin()), so clocks of
// producers, PostgreSQL and schedulers a little apart cannot open a gap
// between the two. Every scheduler runs one; concurrent rounds skip the rows
// the other holds.
class ProcessedMessagesPruner {
 public:
  ProcessedMessagesPruner(store::SessionPool& pool, std::chrono::milliseconds window,
                          std::chrono::milliseconds interval);

  // One round at `now`; returns the ids deleted. Throws on database errors.
  uint64_t RunOnce(engine::TimeMs now);

  // Rounds every `interval` until `stop` is set; failures are logged and the
  // round is tried again at the next interval.
  void Run(const std::atomic<bool>& stop);

  uint64_t pruned() const { return pruned_; }

 private:
  store::SessionPool& pool_;
  const std::chrono::milliseconds window_;
  const std::chrono::milliseconds interval_;
  std::atomic<uint64_t> pruned_{0};
};

}  // namespace agentstudio::kafka
