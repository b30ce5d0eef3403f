#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "engine/workflow_state.hpp"

namespace agentstudio::schemas {

using Json = nlohmann::json;

// The REST `AgentTask` of a task.
Json TaskToJson(const engine::WorkflowState& state, const engine::TaskState& task);

// The REST `ExecutionEvent` of a log entry ({type, timestamp, data, severity}).
Json EventToJson(const engine::ExecutionEvent& event);

// The REST `WorkflowExecution`: tasks, context (state, results, events,
// progress) and the ETag. `events` is the execution's log in order.
Json ExecutionToJson(const engine::WorkflowState& state,
                     const std::vector<engine::ExecutionEvent>& events);

// Appends the JSON array of EventToJson objects as text to a string, each
// event's data (JSON text, or empty for none) put in as it is: a long log is
// served without being parsed, and without a JSON value per event.
class EventLogJson {
 public:
  explicit EventLogJson(std::string& out);  // appends the '['
  void Add(int64_t sequence, std::string_view type, std::string_view severity,
           std::string_view data_json, engine::TimeMs timestamp);
  void Finish();  // appends the ']'

 private:
  void AppendString(std::string_view value);
  void AppendTimestamp(engine::TimeMs value);

  std::string& out_;
  bool first_ = true;
  int64_t cached_second_ = -1;  // events of one second share the formatted date and time
  std::string cached_prefix_;
};

// ExecutionToJson's document as text; `write_events` appends its
// context.events (a JSON array, with EventLogJson) to the text in place,
// after `events_bytes` were reserved for it.
std::string ExecutionToJsonText(const engine::WorkflowState& state, size_t events_bytes,
                                const std::function<void(std::string&)>& write_events);

// The answer of the waiting endpoints (`POST /api/workflows/execute`, resume):
// {workflowId, success (completed), status, context, duration ("hh:mm:ss.fff"
// from start to end), errorMessage when it failed}.
Json WorkflowResultToJson(const engine::WorkflowState& state,
                          const std::vector<engine::ExecutionEvent>& events);

// Whether the workflow failed because its own timeout came due.
bool FailedByWorkflowTimeout(const engine::WorkflowState& state);

// The REST `CheckpointData` of a checkpoint: id `cp_<workflow id>_<sequence>`.
Json CheckpointToJson(const std::string& workflow_id, const engine::Checkpoint& checkpoint);

// The quoted ETag of an execution version, `"v7"`.
std::string ETagOf(const engine::WorkflowState& state);

}  // namespace agentstudio::schemas
