#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include "engine/timestamp.hpp"
#include "sql/agent_store.hpp"
#include "sql/commit_signal.hpp"
#include "sql/database.hpp"

namespace agentstudio::kafka {

// Honours task priority where tasks wait: keeps a type's task messages in
// PostgreSQL (the dispatch queue, sql/dispatch_queue_store.hpp) while its live
// agents are busy, and moves them to the outbox, the most urgent first, as
// slots free. Kafka then holds about one capacity's worth of each type's tasks
// instead of its whole backlog in arrival order. Every scheduler runs one; a
// round takes each waiting type's lock in turn, so gates share the work and
// never hand out one slot twice.
//
// Woken by kDispatchChannel (a dispatch queued, a slot freed); it also runs a
// round every `poll_interval`, for what no commit announces: an agent that
// joins, a capacity that grows, a stopping agent's slots, a lost connection.
class DispatchGate {
 public:
  // `prefetch`: dispatches let into Kafka for each live agent beyond its
  // capacity (AGENTSTUDIO_DISPATCH_PREFETCH).
  DispatchGate(store::SessionPool& pool, std::unique_ptr<store::CommitSignal> signal,
               int prefetch = 0,
               std::chrono::milliseconds poll_interval = std::chrono::milliseconds(500),
               engine::TimeMs agent_liveness = store::kAgentLivenessMs);

  // One round at `now`: releases what every waiting type has room for, one
  // transaction per type. Returns how many dispatches it released. Throws
  // store::DatabaseError.
  uint64_t RunOnce(engine::TimeMs now);

  // Rounds until `stop` is set; failures are logged and retried with backoff.
  void Run(const std::atomic<bool>& stop);

  uint64_t released() const { return released_; }

 private:
  store::SessionPool& pool_;
  const std::unique_ptr<store::CommitSignal> signal_;
  const int prefetch_;
  const std::chrono::milliseconds poll_interval_;
  const engine::TimeMs agent_liveness_;
  std::atomic<uint64_t> released_{0};
};

}  // namespace agentstudio::kafka
