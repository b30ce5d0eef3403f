#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/workflow_state.hpp"

namespace agentstudio::engine {

// Inputs: what happened to an execution. Each carries the time it is applied.

// The StartWorkflow command reached a scheduler: the planned execution starts.
struct StartInput {
  TimeMs now = 0;
};

// An agent reported progress on (task, attempt); the first report marks the
// task running. A report may carry a thought ({timestamp, type, content}),
// logged as a TaskThought event so clients can stream it.
struct TaskProgressInput {
  std::string task_id;
  int attempt = 0;
  double percentage = 0;
  std::string message;
  TimeMs now = 0;
  Json thought = nullptr;
};

// An agent's log line for (task, attempt): recorded in the event log as a
// TaskLog event {taskId, attempt, level, message} (severity by level); like
// progress it marks a pending task running, and changes nothing else.
inline constexpr size_t kMaxLogLineBytes = 8192;  // longer messages are cut
struct TaskLogInput {
  std::string task_id;
  int attempt = 0;
  std::string level;  // debug, info, warning, error (others are kept as info)
  std::string message;
  TimeMs now = 0;
};

// An agent finished (task, attempt). `response` is the AgentResponse; one with
// "success": false counts as a non-retryable failure. In a `dynamic` workflow
// a response with a `handoff` {agentType, task, input, reason} adds a step
// that depends on this task (up to `maxSteps`); in an `iterative` one, the
// completion of the last step starts the next iteration unless its result has
// "done": true or `maxIterations` is reached.
struct TaskCompletedInput {
  std::string task_id;
  int attempt = 0;
  Json response = Json::object();
  TimeMs now = 0;
};

// An agent gave up on (task, attempt).
struct TaskFailedInput {
  std::string task_id;
  int attempt = 0;
  std::string code;
  std::string message;
  bool retryable = true;
  TimeMs now = 0;
};

// Stop one task: it fails as cancelled (not retried), its agent is told to
// stop, and the workflow fails as with any task failing for good (so resume
// can re-run it).
struct CancelTaskInput {
  std::string task_id;
  std::string reason;
  TimeMs now = 0;
};

// Operator controls (REST or WorkflowCommand).
struct CancelInput {
  std::string reason;
  TimeMs now = 0;
};
struct PauseInput {
  TimeMs now = 0;
};
// Continues a paused workflow, or re-runs a failed one from where it failed:
// completed tasks keep their results, failed and skipped tasks run again.
struct ResumeInput {
  TimeMs now = 0;
};

// What a timer is for. Stored by name (ToString: "retry", "step_timeout",
// "workflow_timeout").
enum class TimerKind {
  kRetry,            // send the next attempt of a task after its backoff
  kStepTimeout,      // the task's attempt took longer than its step timeout
  kWorkflowTimeout,  // the workflow took longer than its timeout
};
std::string_view ToString(TimerKind kind);
std::optional<TimerKind> ParseTimerKind(std::string_view text);

// A timer the engine asked for (Decision::timers) came due. A timer that no
// longer matches the state (the attempt moved on, the workflow ended) is
// stale.
struct TimerFiredInput {
  TimerKind kind = TimerKind::kRetry;
  std::string task_id;  // empty for workflow_timeout
  int attempt = 0;
  TimeMs now = 0;
};

using Input =
    std::variant<StartInput, TaskProgressInput, TaskLogInput, TaskCompletedInput, TaskFailedInput,
                 CancelTaskInput, CancelInput, PauseInput, ResumeInput, TimerFiredInput>;

// A timer to store; it comes back as a TimerFiredInput at `fire_at`.
struct Timer {
  TimerKind kind = TimerKind::kRetry;
  std::string task_id;
  int attempt = 0;
  TimeMs fire_at = 0;
};

// The wait before retry number `retry` (1, 2, ...) of a task: exponential
// from 1 s, doubling, at most 60 s, spread by a jitter of -20%..+20% derived
// from (task id, retry) so it is deterministic yet differs between tasks.
std::chrono::milliseconds RetryDelay(const std::string& task_id, int retry);

enum class Control { kCancel, kPause, kResume, kDelete };

// Whether an operator control applies to a workflow in `status`: cancel a
// pending, running or paused one; pause a pending or running one; resume a
// paused or failed one; delete one that is not pending or running.
bool IsAllowed(Control control, WorkflowStatus status);

enum class Outcome {
  kApplied,      // state changed
  kDuplicate,    // already applied (task already in that state, workflow already started)
  kStale,        // an older attempt, or the workflow already ended: ignored
  kUnknownTask,  // refers to no task of this execution: a poison message
  kNotAllowed,   // a control the workflow's (or task's) status does not allow
};

std::string_view ToString(Outcome outcome);

// The result of applying one input. When outcome != kApplied, `state` is the
// input state unchanged and every list is empty.
struct Decision {
  Outcome outcome = Outcome::kApplied;
  WorkflowState state;
  std::vector<ExecutionEvent> events;          // appended to the log, published
  std::vector<std::string> dispatch_task_ids;  // send their current attempt to agents
  std::vector<std::string> cancel_task_ids;    // tell agents to stop these
  std::vector<Checkpoint> checkpoints;
  std::vector<Timer> timers;
};

// The state machine. Pure and deterministic: the same state and input give the
// same decision. Thread-safe (no shared state).
Decision Decide(WorkflowState state, const Input& input);

// The AgentRequest for a task's next dispatch: step name as `task`, the
// step's `input` or else the workflow input, the step configuration and
// timeout, and in `context` (over the step's own `context`) the execution id,
// step id, attempt, the results of the steps it depends on (`previousResults`,
// keyed by step id) and, for `iterative`, `iteration`, `previousIterations`
// ([{iteration, results: {stepId: result}}] of the last kIterationsCarried
// runs before this one) and `iterationsOmitted` (the older runs left out), so
// a request's size does not grow with the iteration count.
inline constexpr int kIterationsCarried = 1;
Json BuildAgentRequest(const WorkflowState& state, const TaskState& task);

}  // namespace agentstudio::engine
