#pragma once

#include <soci/soci.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/timestamp.hpp"
#include "sql/outbox_store.hpp"

namespace agentstudio::store {

// The dispatch gate's queue (migration 022): task messages wait here, instead
// of in their Kafka topic, until the live agents of their type have a free
// slot; then the most urgent go to the outbox. A dispatch holds its slot from
// its release until its attempt ends.

// One task attempt's dispatch. `priority` is engine::Priority as a number
// (0 low .. 4 critical); `message` is the TaskMessage for tasks.<type>.
struct QueuedDispatch {
  std::string task_id;
  int attempt = 0;
  std::string agent_type;
  int priority = 1;
  OutboxMessage message;
};

// Queues dispatches in order (REQUIRES: at most one per task), replacing the
// row of an earlier attempt of the same task, on the caller's transaction;
// notifies kDispatchChannel (commit_signal.hpp) at its commit.
void EnqueueDispatches(soci::session& session, const std::vector<QueuedDispatch>& dispatches);

// An attempt that ended (or was withdrawn before it ran).
struct EndedAttempt {
  std::string task_id;
  int attempt = 0;
};

// Deletes the rows of these attempts, freeing their slots (rows of later
// attempts stay), and notifies kDispatchChannel at commit.
void EndDispatches(soci::session& session, const std::vector<EndedAttempt>& attempts);

// The agent types with dispatches waiting, sorted.
std::vector<std::string> WaitingDispatchTypes(soci::session& session);

// Releases as many waiting dispatches of `agent_type` as its live agents
// (heard from after `live_since`, not stopping) have free slots, counting
// `prefetch` more for each, into the outbox, highest priority first, and
// notifies kOutboxChannel when it moved any; release_dispatches.sql says how
// the room is counted. Returns 0 at once when another transaction holds the
// type (a gate releasing it now). REQUIRES: a transaction, which holds the
// type until it ends. Returns how many it released.
uint64_t ReleaseDispatches(soci::session& session, const std::string& agent_type,
                           engine::TimeMs live_since, int prefetch = 0);

}  // namespace agentstudio::store
