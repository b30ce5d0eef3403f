#pragma once

#include <soci/soci.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/workflow_definition.hpp"
#include "engine/workflow_state.hpp"

namespace agentstudio::store {

// Tasks as the control plane shows them (GET /v1/tasks...): any task of a
// tenant's executions, whether a workflow's step or a single task of
// POST /v1/tasks. Like the rest of the store, functions run on the caller's
// session and throw soci errors.

// What the control plane calls a task's state.
enum class TaskShownState { kPending, kRunning, kCompleted, kFailed, kCancelled, kSkipped };
const char* ToString(TaskShownState state);  // "pending", "running", ...
std::optional<TaskShownState> ParseTaskShownState(const std::string& text);

struct TaskView {
  std::string id;
  std::string workflow_id;
  std::string name;  // the step's name: what the agent is asked to do
  std::string agent_type;
  TaskShownState state = TaskShownState::kPending;
  engine::Priority priority = engine::Priority::kNormal;
  int attempt = 0;
  double progress = 0;
  nlohmann::json response;  // the AgentResponse once completed, else null
  std::string error_message;
  engine::TimeMs created_at = 0;
  engine::TimeMs started_at = 0;    // 0: not yet
  engine::TimeMs completed_at = 0;  // 0: not yet
};

struct TaskPageQuery {
  std::string tenant;
  std::string id;          // empty: any (SelectTasks only)
  std::string agent_type;  // empty: any
  std::optional<TaskShownState> state;
  std::optional<engine::Priority> priority;
  engine::TimeMs created_after = 0;   // 0: no bound
  engine::TimeMs created_before = 0;  // 0: no bound
  int limit = 20;
  int64_t offset = 0;
};

// A page of the tenant's tasks, newest first.
std::vector<TaskView> SelectTasks(soci::session& session, const TaskPageQuery& query);
// How many tasks match the query's filters (not its id), up to `bound`.
int64_t CountTasks(soci::session& session, const TaskPageQuery& query, int64_t bound);

}  // namespace agentstudio::store
