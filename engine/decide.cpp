#include "engine/decide.hpp"

#include <algorithm>

#include "engine/decision_builder.hpp"
#include "engine/patterns.hpp"

namespace agentstudio::engine {
namespace {

using detail::AddHandoffStep;
using detail::ContinueIterating;
using detail::DecisionBuilder;
using detail::ReleaseReadyTasks;
using detail::Unchanged;
using detail::UpdateCurrentStep;

Decision ApplyStart(WorkflowState state, const StartInput& input) {
  if (state.status != WorkflowStatus::kPending)
    return Unchanged(std::move(state), Outcome::kDuplicate);
  DecisionBuilder builder(std::move(state), input.now);
  WorkflowState& s = builder.state();
  s.status = WorkflowStatus::kRunning;
  s.started_at = input.now;
  builder.Event("WorkflowStarted", "Information",
                {{"workflowId", s.id}, {"totalTasks", s.tasks.size()}}, input.now);
  if (s.definition.timeout_value) {
    builder.Schedule(TimerKind::kWorkflowTimeout, "", 0,
                     input.now + s.definition.timeout_value->count());
  }
  for (TaskState& task : s.tasks) {
    if (task.status == TaskStatus::kPending && !task.dispatched) builder.Dispatch(task);
  }
  return builder.Applied(input.now);
}

// Shared checks of every task event. Returns the outcome to report when the
// event must not apply, or nullopt when it applies to `task`.
std::optional<Outcome> CheckTaskEvent(const WorkflowState& state, const TaskState* task,
                                      int attempt) {
  if (task == nullptr) return Outcome::kUnknownTask;
  if (IsTerminal(state.status)) return Outcome::kStale;
  if (attempt != task->attempt) return Outcome::kStale;
  if (IsTerminal(task->status)) return Outcome::kDuplicate;
  if (task->status == TaskStatus::kWaiting || !task->dispatched) return Outcome::kStale;
  return std::nullopt;
}

void MarkStarted(DecisionBuilder& builder, TaskState& task, TimeMs now) {
  if (task.status != TaskStatus::kPending) return;
  task.status = TaskStatus::kRunning;
  if (task.started_at == 0) task.started_at = now;
  UpdateCurrentStep(builder.state());
  builder.Event("TaskStarted", "Information", {{"taskId", task.id}, {"attempt", task.attempt}},
                now);
}

Decision ApplyProgress(WorkflowState state, const TaskProgressInput& input) {
  if (auto outcome = CheckTaskEvent(state, state.FindTask(input.task_id), input.attempt)) {
    return Unchanged(std::move(state), *outcome);
  }
  DecisionBuilder builder(std::move(state), input.now);
  TaskState& task = *builder.state().FindTask(input.task_id);
  const bool was_pending = task.status == TaskStatus::kPending;
  MarkStarted(builder, task, input.now);
  const double percentage = std::clamp(input.percentage, 0.0, 100.0);
  const bool thought = input.thought.is_object();
  if (thought) {
    builder.Event("TaskThought", "Information", {{"taskId", task.id}, {"thought", input.thought}},
                  input.now);
  }
  if (percentage > task.progress) {
    task.progress = percentage;
    builder.Event("TaskProgressUpdated", "Information",
                  {{"taskId", task.id}, {"percentage", percentage}, {"message", input.message}},
                  input.now);
  } else if (!was_pending && !thought) {
    return Unchanged(std::move(builder.state()), Outcome::kDuplicate);
  }
  return builder.Applied(input.now);
}

Decision ApplyLog(WorkflowState state, const TaskLogInput& input) {
  if (auto outcome = CheckTaskEvent(state, state.FindTask(input.task_id), input.attempt)) {
    return Unchanged(std::move(state), *outcome);
  }
  DecisionBuilder builder(std::move(state), input.now);
  TaskState& task = *builder.state().FindTask(input.task_id);
  MarkStarted(builder, task, input.now);
  const bool known = input.level == "debug" || input.level == "info" || input.level == "warning" ||
                     input.level == "error";
  const std::string level = known ? input.level : "info";
  // An agent's line is data, not a place for its whole output: kept to the
  // first 8 KiB, marked when cut.
  std::string message = input.message;
  if (message.size() > kMaxLogLineBytes) {
    message.resize(kMaxLogLineBytes);
    message += " [truncated]";
  }
  const char* severity = level == "error"     ? "Error"
                         : level == "warning" ? "Warning"
                                              : "Information";
  builder.Event("TaskLog", severity,
                {{"taskId", task.id},
                 {"attempt", task.attempt},
                 {"level", level},
                 {"message", std::move(message)}},
                input.now);
  return builder.Applied(input.now);
}

// Ends the workflow: every task not finished is skipped (those already handed
// to an agent also get a cancel), with `why` as their error message.
void SkipUnfinished(DecisionBuilder& builder, const std::string& except, const std::string& why,
                    TimeMs now) {
  for (TaskState& task : builder.state().tasks) {
    if (task.id == except || IsTerminal(task.status)) continue;
    // A task already handed to an agent is told to stop; its late result is
    // then stale because the workflow has ended.
    if (task.dispatched) builder.Cancel(task.id);
    task.status = TaskStatus::kSkipped;
    task.failure = FailureCause::kSkipped;
    task.error_message = why;
    task.completed_at = now;
  }
}

void FailWorkflow(DecisionBuilder& builder, TaskState& failed, TimeMs now) {
  WorkflowState& s = builder.state();
  s.status = WorkflowStatus::kFailed;
  s.failure = FailureCause::kTaskFailed;
  s.completed_at = now;
  s.error_message =
      "Task '" + failed.id + "' (step '" + failed.step_id + "') failed: " + failed.error_message;
  SkipUnfinished(builder, failed.id, "Skipped: the workflow failed", now);
  builder.Event("WorkflowFailed", "Error", {{"workflowId", s.id}, {"error", s.error_message}}, now);
  builder.Checkpoint("failure", "", now);
}

Decision ApplyCancelTask(WorkflowState state, const CancelTaskInput& input) {
  const TaskState* found = state.FindTask(input.task_id);
  if (found == nullptr) return Unchanged(std::move(state), Outcome::kUnknownTask);
  if (IsTerminal(state.status)) return Unchanged(std::move(state), Outcome::kStale);
  if (IsTerminal(found->status)) return Unchanged(std::move(state), Outcome::kNotAllowed);
  DecisionBuilder builder(std::move(state), input.now);
  TaskState& task = *builder.state().FindTask(input.task_id);
  if (task.dispatched) builder.Cancel(task.id);
  task.status = TaskStatus::kFailed;
  task.failure = FailureCause::kCancelled;
  task.completed_at = input.now;
  task.error_message = input.reason.empty() ? "Cancelled" : "Cancelled: " + input.reason;
  builder.Event("TaskCancelled", "Warning", {{"taskId", task.id}, {"reason", input.reason}},
                input.now);
  FailWorkflow(builder, task, input.now);
  return builder.Applied(input.now);
}

Decision ApplyCancel(WorkflowState state, const CancelInput& input) {
  if (state.status == WorkflowStatus::kCancelled)
    return Unchanged(std::move(state), Outcome::kDuplicate);
  if (!IsAllowed(Control::kCancel, state.status))
    return Unchanged(std::move(state), Outcome::kNotAllowed);
  DecisionBuilder builder(std::move(state), input.now);
  WorkflowState& s = builder.state();
  s.status = WorkflowStatus::kCancelled;
  s.failure = FailureCause::kCancelled;
  s.completed_at = input.now;
  s.error_message = input.reason.empty() ? "Cancelled" : "Cancelled: " + input.reason;
  SkipUnfinished(builder, "", "Skipped: the workflow was cancelled", input.now);
  builder.Event("WorkflowCancelled", "Warning", {{"workflowId", s.id}, {"reason", input.reason}},
                input.now);
  return builder.Applied(input.now);
}

Decision ApplyPause(WorkflowState state, const PauseInput& input) {
  if (state.status == WorkflowStatus::kPaused)
    return Unchanged(std::move(state), Outcome::kDuplicate);
  if (!IsAllowed(Control::kPause, state.status))
    return Unchanged(std::move(state), Outcome::kNotAllowed);
  DecisionBuilder builder(std::move(state), input.now);
  builder.state().status = WorkflowStatus::kPaused;
  builder.Event("WorkflowPaused", "Information", {{"workflowId", builder.state().id}}, input.now);
  builder.Checkpoint("paused", "", input.now);
  return builder.Applied(input.now);
}

Decision ApplyResume(WorkflowState state, const ResumeInput& input) {
  if (state.status == WorkflowStatus::kRunning)
    return Unchanged(std::move(state), Outcome::kDuplicate);
  if (!IsAllowed(Control::kResume, state.status))
    return Unchanged(std::move(state), Outcome::kNotAllowed);
  DecisionBuilder builder(std::move(state), input.now);
  WorkflowState& s = builder.state();
  const std::string from(ToString(s.status));
  if (s.status == WorkflowStatus::kFailed) {
    // Re-run what did not complete: failed and skipped tasks start over with
    // a new attempt; completed ones keep their results.
    for (TaskState& task : s.tasks) {
      if (task.status != TaskStatus::kFailed && task.status != TaskStatus::kSkipped) continue;
      task.status = TaskStatus::kWaiting;
      task.dispatched = false;
      task.retry_count = 0;  // a resumed task gets its retries again; attempts go on
      task.error_message.clear();
      task.failure = FailureCause::kNone;
      task.progress = 0;
      task.completed_at = 0;
    }
    s.error_message.clear();
    s.failure = FailureCause::kNone;
    s.completed_at = 0;
  }
  s.status = WorkflowStatus::kRunning;
  if (s.started_at == 0) s.started_at = input.now;
  builder.Event("WorkflowResumed", "Information", {{"workflowId", s.id}, {"from", from}},
                input.now);
  for (TaskState& task : s.tasks) {
    if (task.status == TaskStatus::kPending && !task.dispatched) builder.Dispatch(task);
  }
  ReleaseReadyTasks(builder);
  return builder.Applied(input.now);
}

Decision ApplyFailure(WorkflowState state, const TaskFailedInput& input) {
  if (auto outcome = CheckTaskEvent(state, state.FindTask(input.task_id), input.attempt)) {
    return Unchanged(std::move(state), *outcome);
  }
  DecisionBuilder builder(std::move(state), input.now);
  TaskState& task = *builder.state().FindTask(input.task_id);
  MarkStarted(builder, task, input.now);
  task.error_message = input.message;
  if (input.retryable && task.retry_count < task.max_retries) {
    ++task.retry_count;
    task.progress = 0;
    // The next attempt waits out its backoff (a "retry" timer sends it).
    task.status = TaskStatus::kPending;
    task.dispatched = false;
    const auto delay = RetryDelay(task.id, task.retry_count);
    builder.Event("TaskRetried", "Warning",
                  {{"taskId", task.id},
                   {"attempt", task.attempt + 1},
                   {"retryCount", task.retry_count},
                   {"retryInMs", delay.count()},
                   {"error", input.message}},
                  input.now);
    builder.Schedule(TimerKind::kRetry, task.id, task.attempt, input.now + delay.count());
    return builder.Applied(input.now);
  }
  task.status = TaskStatus::kFailed;
  task.failure = FailureCause::kAgentError;
  task.completed_at = input.now;
  builder.Event("TaskFailed", "Error",
                {{"taskId", task.id},
                 {"error", input.message},
                 {"code", input.code},
                 {"retryable", input.retryable}},
                input.now);
  FailWorkflow(builder, task, input.now);
  return builder.Applied(input.now);
}

Decision ApplyCompletion(WorkflowState state, const TaskCompletedInput& input) {
  if (input.response.is_object() && input.response.value("success", true) == false) {
    TaskFailedInput failure{
        input.task_id,
        input.attempt,
        "AGENT_REPORTED_FAILURE",
        input.response.value("errorMessage", std::string("agent reported failure")),
        /*retryable=*/false,
        input.now};
    return ApplyFailure(std::move(state), failure);
  }
  if (auto outcome = CheckTaskEvent(state, state.FindTask(input.task_id), input.attempt)) {
    return Unchanged(std::move(state), *outcome);
  }
  DecisionBuilder builder(std::move(state), input.now);
  WorkflowState& s = builder.state();
  TaskState& task = *s.FindTask(input.task_id);
  MarkStarted(builder, task, input.now);
  task.status = TaskStatus::kCompleted;
  task.completed_at = input.now;
  task.progress = 100;
  task.response = input.response.is_object() ? input.response : Json::object();
  task.response["success"] = true;
  if (!task.response.contains("result")) task.response["result"] = Json::object();
  task.error_message.clear();
  task.failure = FailureCause::kNone;
  builder.Event("TaskCompleted", "Information", {{"taskId", task.id}, {"success", true}},
                input.now);
  const std::string completed_id = task.id;
  const Json handoff = task.response.value("handoff", Json());
  // `task` is not used below: adding tasks may move it.
  if (s.definition.pattern == Pattern::kIterative) {
    ContinueIterating(builder, completed_id, input.now);
  } else if (s.definition.pattern == Pattern::kDynamic && handoff.is_object()) {
    AddHandoffStep(builder, completed_id, handoff, input.now);
  }
  ReleaseReadyTasks(builder);
  builder.Checkpoint("automatic", completed_id, input.now);
  const bool all_done = std::all_of(s.tasks.begin(), s.tasks.end(), [](const TaskState& t) {
    return t.status == TaskStatus::kCompleted;
  });
  if (all_done) {
    s.status = WorkflowStatus::kCompleted;
    s.completed_at = input.now;
    Json data = {{"workflowId", s.id}, {"durationMs", input.now - s.started_at}};
    if (s.definition.pattern == Pattern::kIterative) data["iterations"] = s.tasks.back().iteration;
    builder.Event("WorkflowCompleted", "Information", std::move(data), input.now);
  }
  return builder.Applied(input.now);
}

Decision ApplyTimer(WorkflowState state, const TimerFiredInput& input) {
  if (IsTerminal(state.status)) return Unchanged(std::move(state), Outcome::kStale);
  if (input.kind == TimerKind::kWorkflowTimeout) {
    DecisionBuilder builder(std::move(state), input.now);
    WorkflowState& s = builder.state();
    s.status = WorkflowStatus::kFailed;
    s.failure = FailureCause::kWorkflowTimeout;
    s.completed_at = input.now;
    s.error_message = "Workflow timed out after " + s.definition.timeout;
    SkipUnfinished(builder, "", "Skipped: the workflow timed out", input.now);
    builder.Event("WorkflowFailed", "Error",
                  {{"workflowId", s.id}, {"error", s.error_message}, {"reason", "timeout"}},
                  input.now);
    builder.Checkpoint("failure", "", input.now);
    return builder.Applied(input.now);
  }
  const TaskState* task = state.FindTask(input.task_id);
  if (task == nullptr || task->attempt != input.attempt || IsTerminal(task->status)) {
    return Unchanged(std::move(state), Outcome::kStale);
  }
  if (input.kind == TimerKind::kRetry) {
    // While paused the task stays undispatched; resume sends it.
    if (task->status != TaskStatus::kPending || task->dispatched ||
        state.status == WorkflowStatus::kPaused) {
      return Unchanged(std::move(state), Outcome::kStale);
    }
    DecisionBuilder builder(std::move(state), input.now);
    builder.Dispatch(*builder.state().FindTask(input.task_id));
    return builder.Applied(input.now);
  }
  if (input.kind == TimerKind::kStepTimeout) {
    if (!task->dispatched) return Unchanged(std::move(state), Outcome::kStale);
    std::string timeout;
    for (const StepDefinition& step : state.definition.steps) {
      if (step.id == task->step_id) timeout = step.timeout;
    }
    Decision decision = ApplyFailure(
        std::move(state), TaskFailedInput{input.task_id, input.attempt, "STEP_TIMEOUT",
                                          "Step timed out after " + timeout, true, input.now});
    // The attempt that ran too long is told to stop.
    if (decision.outcome == Outcome::kApplied) {
      decision.cancel_task_ids.push_back(input.task_id);
      TaskState& timed_out = *decision.state.FindTask(input.task_id);
      if (timed_out.status == TaskStatus::kFailed) timed_out.failure = FailureCause::kStepTimeout;
    }
    return decision;
  }
  return Unchanged(std::move(state), Outcome::kStale);
}

}  // namespace

std::chrono::milliseconds RetryDelay(const std::string& task_id, int retry) {
  constexpr int64_t kBaseMs = 1000;
  constexpr int64_t kMaxMs = 60000;
  const int64_t exponential = kBaseMs << std::clamp(retry - 1, 0, 16);
  uint64_t hash = 14695981039346656037ull;  // FNV-1a of (task id, retry)
  for (const unsigned char c : task_id + "#" + std::to_string(retry)) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  const double jitter = 0.8 + 0.4 * static_cast<double>(hash % 1001) / 1000.0;
  return std::chrono::milliseconds(
      static_cast<int64_t>(static_cast<double>(std::min(exponential, kMaxMs)) * jitter));
}

std::string_view ToString(Outcome outcome) {
  switch (outcome) {
    case Outcome::kApplied:
      return "applied";
    case Outcome::kDuplicate:
      return "duplicate";
    case Outcome::kStale:
      return "stale";
    case Outcome::kUnknownTask:
      return "unknown_task";
    case Outcome::kNotAllowed:
      return "not_allowed";
  }
  return "applied";
}

std::string_view ToString(TimerKind kind) {
  switch (kind) {
    case TimerKind::kRetry:
      return "retry";
    case TimerKind::kStepTimeout:
      return "step_timeout";
    case TimerKind::kWorkflowTimeout:
      return "workflow_timeout";
  }
  return "retry";
}

std::optional<TimerKind> ParseTimerKind(std::string_view text) {
  for (TimerKind kind : {TimerKind::kRetry, TimerKind::kStepTimeout, TimerKind::kWorkflowTimeout}) {
    if (ToString(kind) == text) return kind;
  }
  return std::nullopt;
}

bool IsAllowed(Control control, WorkflowStatus status) {
  switch (control) {
    case Control::kCancel:
      return status == WorkflowStatus::kPending || status == WorkflowStatus::kRunning ||
             status == WorkflowStatus::kPaused;
    case Control::kPause:
      return status == WorkflowStatus::kPending || status == WorkflowStatus::kRunning;
    case Control::kResume:
      return status == WorkflowStatus::kPaused || status == WorkflowStatus::kFailed;
    case Control::kDelete:
      return status != WorkflowStatus::kPending && status != WorkflowStatus::kRunning;
  }
  return false;
}

Decision Decide(WorkflowState state, const Input& input) {
  return std::visit(
      [&state](const auto& in) -> Decision {
        using T = std::decay_t<decltype(in)>;
        if constexpr (std::is_same_v<T, StartInput>) {
          return ApplyStart(std::move(state), in);
        } else if constexpr (std::is_same_v<T, TaskProgressInput>) {
          return ApplyProgress(std::move(state), in);
        } else if constexpr (std::is_same_v<T, TaskLogInput>) {
          return ApplyLog(std::move(state), in);
        } else if constexpr (std::is_same_v<T, TaskCompletedInput>) {
          return ApplyCompletion(std::move(state), in);
        } else if constexpr (std::is_same_v<T, TaskFailedInput>) {
          return ApplyFailure(std::move(state), in);
        } else if constexpr (std::is_same_v<T, CancelTaskInput>) {
          return ApplyCancelTask(std::move(state), in);
        } else if constexpr (std::is_same_v<T, CancelInput>) {
          return ApplyCancel(std::move(state), in);
        } else if constexpr (std::is_same_v<T, PauseInput>) {
          return ApplyPause(std::move(state), in);
        } else if constexpr (std::is_same_v<T, ResumeInput>) {
          return ApplyResume(std::move(state), in);
        } else {
          static_assert(std::is_same_v<T, TimerFiredInput>);
          return ApplyTimer(std::move(state), in);
        }
      },
      input);
}

}  // namespace agentstudio::engine
