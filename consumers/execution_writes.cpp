#include "consumers/execution_writes.hpp"

#include <algorithm>

#include "agentstudio/v1/task_control.pb.h"
#include "agentstudio/v1/task_message.pb.h"
#include "agentstudio/v1/workflow_event.pb.h"
#include "consumers/workflow_event_feed.hpp"
#include "schemas/agent_codec.hpp"
#include "schemas/command_codec.hpp"
#include "sql/timer_store.hpp"

namespace agentstudio::kafka {

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
    *message.mutable_request() = schemas::AgentRequestFromJson(task.request);
    *message.mutable_dispatched_at() = schemas::ToTimestamp(now);
    if (const engine::StepDefinition* step = state.FindStep(task.step_id)) {
      if (step->timeout_value) {
        *message.mutable_deadline() = schemas::ToTimestamp(now + step->timeout_value->count());
      }
      message.set_priority(std::string(engine::ToString(step->priority)));
    }
    outbox_.push_back(
        {topics_.tasks(task.agent_type), task.id, message.SerializeAsString(), headers});
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
}

}  // namespace agentstudio::kafka
