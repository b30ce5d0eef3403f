#pragma once

#include <soci/soci.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/decide.hpp"
#include "producers/topics.hpp"
#include "sql/dispatch_queue_store.hpp"
#include "sql/outbox_store.hpp"
#include "sql/workflow_store.hpp"

namespace agentstudio::kafka {

// Collects what applying decisions must write, then writes it all in one go:
// the changed executions, their new events, checkpoints and timers, the
// outbox messages (workflow events, cancels), and the dispatch gate's rows:
// task dispatches queued, and the slots of attempts that ended freed. Used by
// the scheduler for a poll batch and by the timer sweeper for a round of
// timers; Write() runs on the caller's transaction.
class ExecutionWrites {
 public:
  // `states` holds the executions being worked on, as loaded from the store;
  // Write() saves what changed of the touched ones.
  ExecutionWrites(const Topics& topics, std::map<std::string, engine::WorkflowState>& states);

  // Records an applied decision; `traceparent` goes on the outbox messages,
  // `message_id` (empty for timers) on the events it logs.
  void Record(const engine::Decision& decision, const std::string& message_id,
              const std::string& traceparent, engine::TimeMs now);

  // The execution is deleted: drop what was queued for its rows (messages
  // already queued for Kafka still go out) and publish a WorkflowDeleted
  // event (kWorkflowDeletedEvent) numbered after its last.
  void Forget(const engine::WorkflowState& state, const std::string& traceparent,
              engine::TimeMs now);

  void Write(soci::session& session);

 private:
  // Queues `event` of `state` for the workflow-events topic.
  void Publish(const engine::WorkflowState& state, const engine::ExecutionEvent& event,
               const std::map<std::string, std::string>& headers);

  const Topics& topics_;
  std::map<std::string, engine::WorkflowState>& states_;
  std::map<std::string, store::StoredExecution> loaded_;  // to write only what changed
  std::set<std::string> touched_;
  std::vector<store::WorkflowEventRow> events_;
  std::vector<store::CheckpointRow> checkpoints_;
  std::vector<std::pair<std::string, engine::Timer>> timers_;
  std::vector<store::OutboxMessage> outbox_;
  std::vector<std::pair<std::string, store::QueuedDispatch>> dispatches_;  // (workflow id, ...)
  std::vector<std::string> deleted_;
};

}  // namespace agentstudio::kafka
