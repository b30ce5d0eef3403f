#pragma once

#include <nlohmann/json.hpp>
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
