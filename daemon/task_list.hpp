#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/field_error.hpp"
#include "engine/workflow_definition.hpp"
#include "sql/task_store.hpp"

namespace agentstudio::daemon {

// Reads the query of GET /v1/tasks (reference 004): `page`, `limit`
// (ControlPlanePage), `agent_type`, `status` (pending, running, completed,
// failed, cancelled, skipped), `priority` (low ... critical),
// `created_after` and `created_before` (RFC 3339). Unknown parameters are
// errors; returns every problem at once. The tenant is left for the caller.
std::variant<store::TaskPageQuery, engine::FieldErrors> ParseTaskListQuery(
    const std::map<std::string, std::string>& params);

// A task as the control plane shows it: id, type (what the agent is asked
// to do), agent_type, status, priority, progress, attempt, workflow_id,
// created_at, started_at and completed_at (null until then), duration
// (seconds, once ended), result (of a completed task) or error.
nlohmann::json TaskJson(const store::TaskView& task);

// {data: [...], pagination: {page, limit, total, pages}}, with
// pagination.total_estimated true when `total` is only a lower bound (more
// tasks match than were counted).
nlohmann::json TaskPageJson(const std::vector<store::TaskView>& tasks,
                            const store::TaskPageQuery& query, int64_t total, bool total_estimated);

// An RFC 3339 time, or null for 0 (not yet).
nlohmann::json TimeOrNull(engine::TimeMs at);

// The RFC 3339 time of query parameter `name`; adds an error (and returns
// nullopt) when `value` is none.
std::optional<engine::TimeMs> ReadQueryTime(const std::string& name, const std::string& value,
                                            engine::FieldErrors& errors);

// The body of POST /v1/tasks (reference 000): `agent_type` or `agent_id`
// (a live agent, whose first type takes the task), `task_type` (required),
// `input` and `configuration` (objects: what the agent works on, and its
// settings), `priority` (default normal), `timeout_seconds` (1-86400).
struct TaskRequest {
  std::string agent_type;
  std::string agent_id;
  std::string task_type;
  nlohmann::json input = nlohmann::json::object();
  nlohmann::json configuration = nlohmann::json::object();
  engine::Priority priority = engine::Priority::kNormal;
  std::optional<int64_t> timeout_seconds;
};
std::variant<TaskRequest, engine::FieldErrors> ParseTaskRequest(const nlohmann::json& body);

// The single-step workflow that runs a TaskRequest for `agent_type`: one
// attempt (the caller sees the agent's error and decides about retrying).
nlohmann::json TaskWorkflowBody(const TaskRequest& task, const std::string& agent_type);

}  // namespace agentstudio::daemon
