#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/workflow_definition.hpp"

namespace agentstudio::engine {

// Milliseconds since the Unix epoch; 0 means "not set". The engine never reads
// a clock: every input carries its `now`.
using TimeMs = int64_t;

enum class TaskStatus { kWaiting, kPending, kRunning, kCompleted, kFailed, kSkipped };
enum class WorkflowStatus { kPending, kRunning, kCompleted, kFailed, kCancelled, kPaused };

// Why a task or a workflow stopped short, for the answers that depend on it
// (504 for a step timeout, 499 for a cancel, 408 for a workflow timeout); the
// error message says it to people. Stored by name (ToString).
enum class FailureCause {
  kNone,
  kAgentError,       // the agent reported a failure (or its message could not be sent)
  kStepTimeout,      // the attempt outlived its step timeout
  kCancelled,        // a user cancelled the task or the workflow
  kSkipped,          // the workflow ended before the task ran
  kTaskFailed,       // (workflow) a task failed for good
  kWorkflowTimeout,  // (workflow) the workflow outlived its timeout
};
std::string_view ToString(FailureCause cause);
FailureCause ParseFailureCause(std::string_view text);  // unknown or empty: kNone

std::string_view ToString(TaskStatus status);
std::string_view ToString(WorkflowStatus status);
std::optional<TaskStatus> ParseTaskStatus(std::string_view text);
std::optional<WorkflowStatus> ParseWorkflowStatus(std::string_view text);
bool IsTerminal(TaskStatus status);
bool IsTerminal(WorkflowStatus status);

// One task of an execution (REST `AgentTask`).
struct TaskState {
  std::string id;
  std::string step_id;
  std::string name;
  std::string agent_type;
  TaskStatus status = TaskStatus::kWaiting;
  // Dispatches so far: 0 before the first, then 1, 2... Only events for the
  // current attempt apply.
  int attempt = 0;
  // Whether the current attempt was sent to agents. False for a task made
  // pending while the workflow is paused: resume sends it.
  bool dispatched = false;
  int retry_count = 0;
  int max_retries = kDefaultMaxRetries;
  int iteration = 1;  // `iterative`: which run of the step list this task belongs to
  std::vector<std::string> depends_on;  // task ids
  // The AgentRequest of the current attempt: set only when `attempt` grows.
  Json request = nullptr;
  // The AgentResponse: set only when the task becomes kCompleted. The store
  // relies on these two (it tells changed rows by the other fields).
  Json response = nullptr;
  std::string error_message;
  FailureCause failure = FailureCause::kNone;  // set when it failed or was skipped
  double progress = 0;                         // 0-100, last reported by the agent
  TimeMs created_at = 0;
  TimeMs started_at = 0;
  TimeMs completed_at = 0;
};

// One entry of the execution's event log (REST `ExecutionEvent`), numbered
// from 1 per execution; the number is the SSE event id and orders
// `workflow-events` messages.
struct ExecutionEvent {
  int64_t sequence = 0;
  std::string type;  // WorkflowStarted, TaskStarted, TaskCompleted, ...
  TimeMs timestamp = 0;
  std::string severity;  // Information, Warning, Error
  Json data = Json::object();
};

// A recovery point (REST `CheckpointData`).
struct Checkpoint {
  int64_t sequence = 0;
  std::string type;  // automatic, failure, paused
  std::string completed_task_id;
  std::string next_task_id;
  Json context_snapshot = Json::object();  // REST contextSnapshot, without results
  // The results this checkpoint adds (task id to response): the completed
  // task's. A snapshot's results are those of every checkpoint up to it, so
  // each completion writes its own result once, not every result so far.
  Json results_added = Json::object();
  TimeMs created_at = 0;
};

// Everything the engine needs to decide the next step of one execution.
struct WorkflowState {
  std::string id;
  WorkflowDefinition definition;
  WorkflowStatus status = WorkflowStatus::kPending;
  std::vector<TaskState> tasks;  // in step order
  Json input = Json::object();
  Json metadata = nullptr;
  std::string initiated_by;
  std::string tenant{kDefaultTenant};   // see WorkflowRequest::tenant
  Json context_state = Json::object();  // REST `context.state`
  std::string error_message;
  FailureCause failure = FailureCause::kNone;  // why it failed or was cancelled
  TimeMs created_at = 0;
  TimeMs started_at = 0;
  TimeMs completed_at = 0;
  TimeMs updated_at = 0;
  int64_t last_event_sequence = 0;
  int64_t last_checkpoint_sequence = 0;
  int64_t version = 1;  // bumped by every applied decision; the ETag

  TaskState* FindTask(std::string_view task_id);
  const TaskState* FindTask(std::string_view task_id) const;
  // The definition's step of a task (null for none).
  const StepDefinition* FindStep(std::string_view step_id) const;
};

// Completed tasks over all tasks, 0-100, two decimals.
double Progress(const WorkflowState& state);

// Task id -> response of every completed task (REST `context.results`).
Json Results(const WorkflowState& state);

}  // namespace agentstudio::engine
