#include "engine/decision_builder.hpp"

#include "engine/timestamp.hpp"

namespace agentstudio::engine::detail {

void DecisionBuilder::Event(std::string type, std::string severity, Json data, TimeMs now) {
  ExecutionEvent event;
  event.sequence = ++decision_.state.last_event_sequence;
  event.type = std::move(type);
  event.severity = std::move(severity);
  event.data = std::move(data);
  event.timestamp = now;
  decision_.events.push_back(std::move(event));
}

void DecisionBuilder::Dispatch(TaskState& task) {
  task.status = TaskStatus::kPending;
  if (decision_.state.status == WorkflowStatus::kPaused) {
    task.dispatched = false;
    return;
  }
  ++task.attempt;
  task.dispatched = true;
  task.request = BuildAgentRequest(decision_.state, task);
  decision_.dispatch_task_ids.push_back(task.id);
  if (const StepDefinition* step = decision_.state.FindStep(task.step_id);
      step && step->timeout_value) {
    Schedule(TimerKind::kStepTimeout, task.id, task.attempt, now_ + step->timeout_value->count());
  }
}

void DecisionBuilder::Checkpoint(std::string type, const std::string& completed_task_id,
                                 TimeMs now) {
  WorkflowState& s = decision_.state;
  engine::Checkpoint checkpoint;
  checkpoint.sequence = ++s.last_checkpoint_sequence;
  checkpoint.type = std::move(type);
  checkpoint.completed_task_id = completed_task_id;
  for (const TaskState& task : s.tasks) {
    if (task.status == TaskStatus::kPending || task.status == TaskStatus::kRunning) {
      checkpoint.next_task_id = task.id;
      break;
    }
  }
  checkpoint.context_snapshot = {{"workflowExecutionId", s.id},
                                 {"state", s.context_state},
                                 {"progress", Progress(s)},
                                 {"timestamp", FormatTimestamp(now)}};
  if (const TaskState* completed = s.FindTask(completed_task_id);
      completed != nullptr && completed->status == TaskStatus::kCompleted &&
      !completed->response.is_null()) {
    checkpoint.results_added[completed->id] = completed->response;
  }
  checkpoint.created_at = now;
  decision_.checkpoints.push_back(std::move(checkpoint));
}

Decision Unchanged(WorkflowState state, Outcome outcome) {
  Decision decision;
  decision.outcome = outcome;
  decision.state = std::move(state);
  return decision;
}

void UpdateCurrentStep(WorkflowState& state) {
  int started = 0;
  for (const TaskState& task : state.tasks) started += task.started_at != 0;
  state.context_state["currentStep"] = started;
  state.context_state["totalSteps"] = state.tasks.size();
  if (state.definition.pattern == Pattern::kIterative && !state.tasks.empty()) {
    state.context_state["iteration"] = state.tasks.back().iteration;
  }
}

}  // namespace agentstudio::engine::detail
