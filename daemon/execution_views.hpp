#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "daemon/control_plane_page.hpp"
#include "engine/field_error.hpp"
#include "engine/workflow_state.hpp"
#include "sql/workflow_store.hpp"

namespace agentstudio::daemon {

// The Executions API of the Meta-Agents reference (/api/v1/executions,
// docs/api.md): the workflow executions of the caller's tenant, in the
// registry's snake_case shapes. An execution's `workflow_id` is the id of the
// definition it ran (workflow_executions.definition_id).

// An execution accepted by this front door and not applied yet, from the
// answer of its start (schemas::ExecutionToJson of the planned state):
// pending, with its tasks waiting.
engine::WorkflowState PendingExecutionOf(const nlohmann::json& accepted);

// GET /api/v1/executions: `workflow_id`, `status` (a workflow status),
// `from` and `to` (RFC 3339, bounds of the creation time, both included),
// `page` and `pageSize`. Newest first. Unknown parameters are errors;
// returns every problem at once. The tenant is left for the caller.
struct ExecutionListQuery {
  store::ExecutionPageQuery query;
  ControlPlanePage page{ControlPlanePage::Style::kRegistry};
};
std::variant<ExecutionListQuery, engine::FieldErrors> ParseExecutionListQuery(
    const std::map<std::string, std::string>& params);

// {data: [{id, workflow_id, status, started_at, completed_at, duration,
// steps_completed, steps_failed, result_summary}], pagination}. Times are
// null until they happen; duration (seconds) once ended; result_summary is
// {status: success | failure | cancelled} once ended, else null.
nlohmann::json ExecutionPageJson(const store::ExecutionPage& page, const ControlPlanePage& spec);

// GET /api/v1/executions/{id}: the list item's fields, workflow_name, and
// per task (in step order) {step_id, step_name, task_id, agent_id (its agent
// type), status, started_at, completed_at, duration, result or error};
// final_result, the result of the last task that completed once the
// execution completed (else null); metadata, the execution's metadata object
// with user_id (the start's initiatedBy, unless the metadata has one).
nlohmann::json ExecutionJson(const engine::WorkflowState& state);

// GET /api/v1/executions/{id}/status at `now`: progress {current_step (1-based,
// the first task not ended, or the last one once all ended), total_steps,
// percentage, current_step_name (null once all ended)}, elapsed_time
// (seconds since the start, to the end once ended), estimated_remaining (the
// mean duration of the tasks that ended times those left; null before one
// ended, 0 once the execution ended).
nlohmann::json ExecutionStatusJson(const engine::WorkflowState& state, engine::TimeMs now);

// GET /api/v1/executions/{id}/logs: `level` (debug, info, warning, error) and
// `from`, `to` (RFC 3339, both included). Unknown parameters are errors.
struct ExecutionLogQuery {
  std::optional<std::string> level;
  std::optional<engine::TimeMs> from;
  std::optional<engine::TimeMs> to;
};
std::variant<ExecutionLogQuery, engine::FieldErrors> ParseExecutionLogQuery(
    const std::map<std::string, std::string>& params);

// {execution_id, logs: [{timestamp, level, message, step_id, metadata}]},
// oldest first: the agents' log lines (TaskLog) and a line for each step and
// workflow transition (started, completed, failed, retried, cancelled,
// handed off, paused, resumed); progress and thoughts are not log lines.
// step_id is null for the workflow's own lines.
nlohmann::json ExecutionLogsJson(const engine::WorkflowState& state,
                                 const std::vector<engine::ExecutionEvent>& events,
                                 const ExecutionLogQuery& query);

}  // namespace agentstudio::daemon
