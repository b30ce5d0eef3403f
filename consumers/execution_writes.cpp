#include "consumers/execution_writes.hpp"

#include <algorithm>
#include <set>

#include "agentstudio/v1/task_control.pb.h"
#include "agentstudio/v1/task_message.pb.h"
#include "agentstudio/v1/workflow_event.pb.h"
#include "consumers/workflow_event_feed.hpp"
#include "schemas/agent_codec.hpp"
#include "schemas/command_codec.hpp"
#include "sql/timer_store.hpp"

namespace agentstudio::kafka {
namespace {

// Whether a task holds a dispatch slot: its current attempt was sent and has
// not ended. (A task waiting out a retry's backoff is pending, not dispatched.)
bool InFlight(engine::TaskStatus status, bool dispatched) {
  return dispatched &&
         (status == engine::TaskStatus::kPending || status == engine::TaskStatus::kRunning);
}

}  // namespace

ExecutionWrites::ExecutionWrites(const Topics& topics,
                                 std::map<std::string, engine::WorkflowState>& states)
    : topics_(topics), states_(states) {
  for (const auto& [id, state] : states) loaded_.emplace(id, store::StoredExecutionOf(state));
}

void ExecutionWrites::Publish(const engine::WorkflowState& state,
                              const engine::ExecutionEvent& event,
                              const std::map<std::string, std::string>& headers) {
  agentstudio::v1::WorkflowEvent message;
  message.set_schema_version(schemas::kSchemaVersion);
  message.set_workflow_id(state.id);
  message.set_sequence(event.sequence);
  message.set_type(event.type);
  *message.mutable_timestamp() = schemas::ToTimestamp(event.timestamp);
  message.set_severity(event.severity);
  *message.mutable_data() = schemas::ToStruct(event.data);
  message.set_workflow_status(std::string(engine::ToString(state.status)));
  outbox_.push_back({topics_.workflow_events(), state.id, message.SerializeAsString(), headers});
}

void ExecutionWrites::Record(const engine::Decision& decision, const std::string& message_id,
                             const std::string& traceparent, engine::TimeMs now) {
  const engine::WorkflowState& state = decision.state;
  touched_.insert(state.id);
  const std::map<std::string, std::string> headers = {{"traceparent", traceparent},
                                                      {"correlation-id", state.id}};
  for (const engine::ExecutionEvent& event : decision.events) {
    events_.push_back({state.id, event, message_id});
    Publish(state, event, headers);
  }
  for (const std::string& task_id : decision.dispatch_task_ids) {
    const engine::TaskState& task = *state.FindTask(task_id);
    agentstudio::v1::TaskMessage message;
    message.set_schema_version(schemas::kSchemaVersion);
    message.set_task_id(task.id);
    message.set_workflow_id(state.id);
    message.set_attempt(task.attempt);
    message.set_step_id(task.step_id);
    message.set_agent_type(task.agent_type);
    message.set_tenant(state.tenant);
    *message.mutable_request() = schemas::AgentRequestFromJson(task.request);
    *message.mutable_dispatched_at() = schemas::ToTimestamp(now);
    engine::Priority priority = engine::Priority::kNormal;
    if (const engine::StepDefinition* step = state.FindStep(task.step_id)) {
      if (step->timeout_value) {
        *message.mutable_deadline() = schemas::ToTimestamp(now + step->timeout_value->count());
      }
      priority = step->priority;
      message.set_priority(std::string(engine::ToString(priority)));
    }
    dispatches_.emplace_back(state.id,
                             store::QueuedDispatch{task.id,
                                                   task.attempt,
                                                   task.agent_type,
                                                   static_cast<int>(priority),
                                                   {topics_.tasks(task.agent_type), task.id,
                                                    message.SerializeAsString(), headers}});
  }
  for (const std::string& task_id : decision.cancel_task_ids) {
    const engine::TaskState& task = *state.FindTask(task_id);
    agentstudio::v1::TaskControl message;
    message.set_schema_version(schemas::kSchemaVersion);
    message.set_task_id(task.id);
    message.set_workflow_id(state.id);
    message.set_attempt(task.attempt);
    message.set_action(agentstudio::v1::TaskControl::ACTION_CANCEL);
    // The task's own error says why (timed out, skipped, cancelled by a user).
    message.set_reason(task.error_message.empty() ? state.error_message : task.error_message);
    outbox_.push_back(
        {topics_.agent_control(), task.agent_type, message.SerializeAsString(), headers});
  }
  for (const engine::Timer& timer : decision.timers) timers_.emplace_back(state.id, timer);
  for (const engine::Checkpoint& checkpoint : decision.checkpoints) {
    checkpoints_.emplace_back(state.id, checkpoint);
  }
}

void ExecutionWrites::Forget(const engine::WorkflowState& state, const std::string& traceparent,
                             engine::TimeMs now) {
  const std::string& workflow_id = state.id;
  const engine::ExecutionEvent deleted{state.last_event_sequence + 1,
                                       std::string(kWorkflowDeletedEvent),
                                       now,
                                       "Information",
                                       {{"workflowId", workflow_id}}};
  Publish(state, deleted, {{"traceparent", traceparent}, {"correlation-id", workflow_id}});
  touched_.erase(workflow_id);
  std::erase_if(events_, [&](const auto& row) { return row.workflow_id == workflow_id; });
  std::erase_if(checkpoints_, [&](const auto& row) { return row.first == workflow_id; });
  std::erase_if(timers_, [&](const auto& row) { return row.first == workflow_id; });
  std::erase_if(dispatches_, [&](const auto& row) { return row.first == workflow_id; });
  deleted_.push_back(workflow_id);
}

void ExecutionWrites::Write(soci::session& session) {
  store::DeleteExecutions(session, deleted_);
  std::vector<store::ExecutionToSave> changed;
  for (const std::string& id : touched_) {
    const auto before = loaded_.find(id);
    // A start that follows a delete of its id in the same batch is new.
    const bool stored = before != loaded_.end() &&
                        std::find(deleted_.begin(), deleted_.end(), id) == deleted_.end();
    changed.push_back({&states_.at(id), stored ? &before->second : nullptr});
  }
  store::SaveExecutions(session, changed);
  store::InsertEvents(session, events_);
  store::InsertCheckpoints(session, checkpoints_);
  store::InsertTimers(session, timers_);
  store::EnqueueOutbox(session, outbox_);

  // The gate's rows, from each task's attempt as the batch found it and as it
  // leaves it: the slot of an attempt that was in flight and is no more is
  // freed, and only the last dispatch of a task still in flight is queued (one
  // made and ended in the same batch, a start and its cancel, never waits).
  std::vector<store::EndedAttempt> ended;
  for (const store::ExecutionToSave& execution : changed) {
    if (execution.before == nullptr) continue;
    const std::vector<engine::TaskState>& tasks = execution.state->tasks;
    const std::vector<store::StoredTask>& before = execution.before->tasks;
    for (size_t i = 0; i < before.size() && i < tasks.size(); ++i) {
      if (!InFlight(before[i].status, before[i].dispatched)) continue;
      const engine::TaskState& task = tasks[i];
      if (InFlight(task.status, task.dispatched) && task.attempt == before[i].attempt) continue;
      ended.push_back({task.id, before[i].attempt});
    }
  }
  std::vector<store::QueuedDispatch> queued;
  std::set<std::string> seen;
  for (auto it = dispatches_.rbegin(); it != dispatches_.rend(); ++it) {
    auto& [workflow_id, dispatch] = *it;
    if (!seen.insert(dispatch.task_id).second) continue;  // a later attempt of it follows
    const auto state = states_.find(workflow_id);
    if (state == states_.end()) continue;  // deleted in this batch
    const engine::TaskState* task = state->second.FindTask(dispatch.task_id);
    if (task == nullptr || task->attempt != dispatch.attempt ||
        !InFlight(task->status, task->dispatched)) {
      continue;
    }
    queued.push_back(std::move(dispatch));
  }
  std::reverse(queued.begin(), queued.end());
  store::EndDispatches(session, ended);
  store::EnqueueDispatches(session, queued);
}

}  // namespace agentstudio::kafka
