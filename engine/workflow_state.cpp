#include "engine/workflow_state.hpp"

#include <cmath>

namespace agentstudio::engine {

std::string_view ToString(TaskStatus status) {
  switch (status) {
    case TaskStatus::kWaiting:
      return "waiting";
    case TaskStatus::kPending:
      return "pending";
    case TaskStatus::kRunning:
      return "running";
    case TaskStatus::kCompleted:
      return "completed";
    case TaskStatus::kFailed:
      return "failed";
    case TaskStatus::kSkipped:
      return "skipped";
  }
  return "waiting";
}

std::string_view ToString(WorkflowStatus status) {
  switch (status) {
    case WorkflowStatus::kPending:
      return "pending";
    case WorkflowStatus::kRunning:
      return "running";
    case WorkflowStatus::kCompleted:
      return "completed";
    case WorkflowStatus::kFailed:
      return "failed";
    case WorkflowStatus::kCancelled:
      return "cancelled";
    case WorkflowStatus::kPaused:
      return "paused";
  }
  return "pending";
}

std::string_view ToString(FailureCause cause) {
  switch (cause) {
    case FailureCause::kNone:
      return "";
    case FailureCause::kAgentError:
      return "agent_error";
    case FailureCause::kStepTimeout:
      return "step_timeout";
    case FailureCause::kCancelled:
      return "cancelled";
    case FailureCause::kSkipped:
      return "skipped";
    case FailureCause::kTaskFailed:
      return "task_failed";
    case FailureCause::kWorkflowTimeout:
      return "workflow_timeout";
  }
  return "";
}

FailureCause ParseFailureCause(std::string_view text) {
  for (FailureCause c :
       {FailureCause::kAgentError, FailureCause::kStepTimeout, FailureCause::kCancelled,
        FailureCause::kSkipped, FailureCause::kTaskFailed, FailureCause::kWorkflowTimeout}) {
    if (ToString(c) == text) return c;
  }
  return FailureCause::kNone;
}

std::optional<TaskStatus> ParseTaskStatus(std::string_view text) {
  for (TaskStatus s : {TaskStatus::kWaiting, TaskStatus::kPending, TaskStatus::kRunning,
                       TaskStatus::kCompleted, TaskStatus::kFailed, TaskStatus::kSkipped}) {
    if (ToString(s) == text) return s;
  }
  return std::nullopt;
}

std::optional<WorkflowStatus> ParseWorkflowStatus(std::string_view text) {
  for (WorkflowStatus s :
       {WorkflowStatus::kPending, WorkflowStatus::kRunning, WorkflowStatus::kCompleted,
        WorkflowStatus::kFailed, WorkflowStatus::kCancelled, WorkflowStatus::kPaused}) {
    if (ToString(s) == text) return s;
  }
  return std::nullopt;
}

bool IsTerminal(TaskStatus status) {
  return status == TaskStatus::kCompleted || status == TaskStatus::kFailed ||
         status == TaskStatus::kSkipped;
}

bool IsTerminal(WorkflowStatus status) {
  return status == WorkflowStatus::kCompleted || status == WorkflowStatus::kFailed ||
         status == WorkflowStatus::kCancelled;
}

TaskState* WorkflowState::FindTask(std::string_view task_id) {
  for (TaskState& task : tasks) {
    if (task.id == task_id) return &task;
  }
  return nullptr;
}

const TaskState* WorkflowState::FindTask(std::string_view task_id) const {
  return const_cast<WorkflowState*>(this)->FindTask(task_id);
}

const StepDefinition* WorkflowState::FindStep(std::string_view step_id) const {
  for (const StepDefinition& step : definition.steps) {
    if (step.id == step_id) return &step;
  }
  return nullptr;
}

double Progress(const WorkflowState& state) {
  if (state.tasks.empty()) return 0;
  size_t completed = 0;
  for (const TaskState& task : state.tasks) completed += task.status == TaskStatus::kCompleted;
  const double percent = 100.0 * static_cast<double>(completed) / state.tasks.size();
  return std::round(percent * 100.0) / 100.0;
}

Json Results(const WorkflowState& state) {
  Json results = Json::object();
  for (const TaskState& task : state.tasks) {
    if (task.status == TaskStatus::kCompleted && !task.response.is_null()) {
      results[task.id] = task.response;
    }
  }
  return results;
}

}  // namespace agentstudio::engine
