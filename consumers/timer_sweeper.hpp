#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "engine/workflow_state.hpp"
#include "producers/topics.hpp"
#include "sql/database.hpp"

namespace agentstudio::kafka {

// Fires the timers stored in PostgreSQL (retry backoff, step and workflow
// timeouts): claims due ones with FOR UPDATE SKIP LOCKED, locks their
// executions, applies TimerFiredInput through the engine, writes the results
// (outbox included) and deletes the timers, all in one transaction. Every
// scheduler runs one; any can fire any timer, none fires twice.
class TimerSweeper {
 public:
  TimerSweeper(store::SessionPool& pool, const Topics& topics,
               std::chrono::milliseconds idle_wait = std::chrono::milliseconds(100));

  // One round at `now`; returns the number of due timers handled (fired or
  // stale). Throws store::DatabaseError.
  size_t RunOnce(engine::TimeMs now);

  // Rounds until `stop` is set; failures are logged and retried.
  void Run(const std::atomic<bool>& stop);

  uint64_t fired() const { return fired_; }

 private:
  store::SessionPool& pool_;
  const Topics topics_;
  const std::chrono::milliseconds idle_wait_;
  std::atomic<uint64_t> fired_{0};
};

}  // namespace agentstudio::kafka
