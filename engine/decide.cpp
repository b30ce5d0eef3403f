#include "engine/decide.hpp"

#include <algorithm>

#include "engine/definition_parser.hpp"
#include "engine/task_ids.hpp"
#include "engine/timestamp.hpp"

namespace agentstudio::engine {
namespace {

const StepDefinition* FindStep(const WorkflowState& state, const std::string& step_id) {
  for (const StepDefinition& step : state.definition.steps) {
    if (step.id == step_id) return &step;
  }
  return nullptr;
}

// Collects the effects of one decision while it mutates the state.
class DecisionBuilder {
 public:
  DecisionBuilder(WorkflowState state, TimeMs now) : now_(now) {
    decision_.state = std::move(state);
  }

  WorkflowState& state() { return decision_.state; }

  void Event(std::string type, std::string severity, Json data, TimeMs now) {
    ExecutionEvent event;
    event.sequence = ++decision_.state.last_event_sequence;
    event.type = std::move(type);
    event.severity = std::move(severity);
    event.data = std::move(data);
    event.timestamp = now;
    decision_.events.push_back(std::move(event));
  }

  // Makes the task's next attempt pending and sends it, unless the workflow
  // is paused: then it waits, undispatched, for resume.
  void Dispatch(TaskState& task) {
    task.status = TaskStatus::kPending;
    if (decision_.state.status == WorkflowStatus::kPaused) {
      task.dispatched = false;
      return;
    }
    ++task.attempt;
    task.dispatched = true;
    task.request = BuildAgentRequest(decision_.state, task);
    decision_.dispatch_task_ids.push_back(task.id);
    if (const StepDefinition* step = FindStep(decision_.state, task.step_id);
        step && step->timeout_value) {
      Schedule(TimerKind::kStepTimeout, task.id, task.attempt, now_ + step->timeout_value->count());
    }
  }

  void Schedule(TimerKind kind, std::string task_id, int attempt, TimeMs fire_at) {
    decision_.timers.push_back({kind, std::move(task_id), attempt, fire_at});
  }

  void Cancel(const std::string& task_id) { decision_.cancel_task_ids.push_back(task_id); }

  void Checkpoint(std::string type, const std::string& completed_task_id, TimeMs now) {
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
                                   {"results", Results(s)},
                                   {"progress", Progress(s)},
                                   {"timestamp", FormatTimestamp(now)}};
    checkpoint.created_at = now;
    decision_.checkpoints.push_back(std::move(checkpoint));
  }

  Decision Applied(TimeMs now) {
    decision_.state.updated_at = now;
    ++decision_.state.version;
    decision_.outcome = Outcome::kApplied;
    return std::move(decision_);
  }

 private:
  Decision decision_;
  const TimeMs now_;
};

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

// Appends a waiting task for `step` (ids derived from its position, so
// replaying the decision gives the same id). Returns its id: references into
// `tasks` do not survive the append.
std::string AppendTask(WorkflowState& state, const StepDefinition& step,
                       std::vector<std::string> depends_on, int iteration, TimeMs now) {
  TaskState task;
  task.id = DeriveTaskId(state.id, "#" + std::to_string(state.tasks.size()));
  task.step_id = step.id;
  task.name = step.name;
  task.agent_type = step.agent_type;
  task.max_retries = state.definition.max_retries;
  task.iteration = iteration;
  task.depends_on = std::move(depends_on);
  task.created_at = now;
  state.tasks.push_back(std::move(task));
  return state.tasks.back().id;
}

// `iterative`: after the last step of an iteration completed, runs the step
// list again unless its result says "done": true or maxIterations is reached.
void ContinueIterating(DecisionBuilder& builder, const std::string& completed_id, TimeMs now) {
  WorkflowState& s = builder.state();
  const TaskState completed = *s.FindTask(completed_id);
  if (completed.step_id != s.definition.steps.back().id) return;
  const Json& result = completed.response.value("result", Json::object());
  const bool done = result.is_object() && result.value("done", false) == true;
  if (done) {
    builder.Event("IterationsConverged", "Information",
                  {{"iteration", completed.iteration}, {"taskId", completed.id}}, now);
    return;
  }
  if (completed.iteration >= s.definition.max_iterations) {
    builder.Event("IterationLimitReached", "Warning",
                  {{"iteration", completed.iteration},
                   {"maxIterations", s.definition.max_iterations},
                   {"taskId", completed.id}},
                  now);
    return;
  }
  const int next = completed.iteration + 1;
  std::string previous = completed.id;
  for (const StepDefinition& step : s.definition.steps) {
    previous = AppendTask(s, step, {previous}, next, now);
  }
  UpdateCurrentStep(s);
  builder.Event("IterationStarted", "Information",
                {{"iteration", next}, {"afterTaskId", completed.id}}, now);
}

// `dynamic`: a completed task's response asked another agent to continue.
// Adds a step (and its task) depending on it, within maxSteps.
void AddHandoffStep(DecisionBuilder& builder, const std::string& from_task_id, const Json& handoff,
                    TimeMs now) {
  WorkflowState& s = builder.state();
  const TaskState from = *s.FindTask(from_task_id);
  const std::string agent_type = handoff.value("agentType", "");
  const std::string reason = handoff.value("reason", "");
  std::string rejected;
  if (!IsValidIdentifier(agent_type)) {
    rejected = "handoff.agentType must be 1-128 characters of letters, digits, '.', '_' or '-'";
  } else if (s.definition.steps.size() >= static_cast<size_t>(s.definition.max_steps)) {
    rejected = "maxSteps (" + std::to_string(s.definition.max_steps) + ") reached";
  }
  if (!rejected.empty()) {
    builder.Event("HandoffRejected", "Warning",
                  {{"taskId", from.id}, {"agentType", agent_type}, {"error", rejected}}, now);
    return;
  }
  StepDefinition step;
  for (size_t n = s.definition.steps.size() + 1; step.id.empty() || FindStep(s, step.id); ++n) {
    step.id = "handoff-" + std::to_string(n);
  }
  const std::string task_text = handoff.value("task", "");
  step.name = task_text.empty() ? "Handoff to " + agent_type : task_text;
  step.agent_type = agent_type;
  step.depends_on = {from.step_id};
  if (const auto it = handoff.find("input"); it != handoff.end() && it->is_object()) {
    step.input = *it;
  }
  step.context = {
      {"handoff", {{"fromTaskId", from.id}, {"fromStepId", from.step_id}, {"reason", reason}}}};
  s.definition.steps.push_back(step);
  const std::string added = AppendTask(s, step, {from.id}, 1, now);
  UpdateCurrentStep(s);
  builder.Event("TaskHandoff", "Information",
                {{"taskId", from.id},
                 {"newTaskId", added},
                 {"stepId", step.id},
                 {"agentType", agent_type},
                 {"reason", reason}},
                now);
}

// Moves waiting tasks whose dependencies all completed to pending and
// dispatches them.
void ReleaseReadyTasks(DecisionBuilder& builder) {
  WorkflowState& state = builder.state();
  for (TaskState& task : state.tasks) {
    if (task.status != TaskStatus::kWaiting) continue;
    const bool ready =
        std::all_of(task.depends_on.begin(), task.depends_on.end(), [&](const std::string& dep) {
          const TaskState* d = state.FindTask(dep);
          return d && d->status == TaskStatus::kCompleted;
        });
    if (ready) builder.Dispatch(task);
  }
}

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

Json BuildAgentRequest(const WorkflowState& state, const TaskState& task) {
  const StepDefinition* step = FindStep(state, task.step_id);
  Json previous = Json::object();
  for (const std::string& dep_id : task.depends_on) {
    const TaskState* dep = state.FindTask(dep_id);
    if (dep && dep->response.is_object()) {
      previous[dep->step_id] = dep->response.value("result", Json::object());
    }
  }
  Json context = step && step->context.is_object() ? step->context : Json::object();
  context["workflowExecutionId"] = state.id;
  context["stepId"] = task.step_id;
  context["attempt"] = task.attempt;
  context["previousResults"] = std::move(previous);
  if (state.definition.pattern == Pattern::kIterative) {
    // Only the last iteration before this one: carrying them all made every
    // request grow with the iteration count (O(n^2) bytes, past Kafka's 1 MB
    // within a few iterations of large results). Older ones are in the
    // execution (GET /api/workflows/{id}); `iterationsOmitted` counts them.
    const int first = std::max(1, task.iteration - kIterationsCarried);
    Json earlier = Json::array();
    for (int i = first; i < task.iteration; ++i)
      earlier.push_back({{"iteration", i}, {"results", Json::object()}});
    for (const TaskState& t : state.tasks) {
      if (t.iteration >= first && t.iteration < task.iteration && t.response.is_object()) {
        earlier[t.iteration - first]["results"][t.step_id] =
            t.response.value("result", Json::object());
      }
    }
    context["iteration"] = task.iteration;
    context["previousIterations"] = std::move(earlier);
    context["iterationsOmitted"] = first - 1;
  }
  Json input = step && step->input.is_object() ? step->input
               : state.input.is_object()       ? state.input
                                               : Json::object();
  Json request = {{"task", task.name},
                  {"input", std::move(input)},
                  {"context", std::move(context)},
                  {"configuration", step ? step->configuration : Json::object()}};
  if (step && !step->timeout.empty()) request["timeout"] = step->timeout;
  return request;
}

Decision Decide(WorkflowState state, const Input& input) {
  return std::visit(
      [&state](const auto& in) -> Decision {
        using T = std::decay_t<decltype(in)>;
        if constexpr (std::is_same_v<T, StartInput>) {
          return ApplyStart(std::move(state), in);
        } else if constexpr (std::is_same_v<T, TaskProgressInput>) {
          return ApplyProgress(std::move(state), in);
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
