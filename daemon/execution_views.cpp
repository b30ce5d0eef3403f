#include "daemon/execution_views.hpp"

#include "daemon/task_list.hpp"
#include "engine/definition_parser.hpp"
#include "engine/timestamp.hpp"

namespace agentstudio::daemon {
namespace {

using Json = nlohmann::json;
using engine::TaskStatus;
using engine::WorkflowStatus;

bool Ended(TaskStatus status) {
  return status == TaskStatus::kCompleted || status == TaskStatus::kFailed ||
         status == TaskStatus::kSkipped;
}

Json Duration(engine::TimeMs started_at, engine::TimeMs completed_at) {
  if (started_at <= 0 || completed_at < started_at) return nullptr;
  return static_cast<double>(completed_at - started_at) / 1000.0;
}

// success, failure or cancelled once the execution ended; null before.
Json ResultSummary(const std::string& status) {
  if (status == "completed") return {{"status", "success"}};
  if (status == "failed") return {{"status", "failure"}};
  if (status == "cancelled") return {{"status", "cancelled"}};
  return nullptr;
}

std::string LevelOf(const engine::ExecutionEvent& event) {
  if (event.type == "TaskLog") return event.data.value("level", "info");
  if (event.severity == "Error") return "error";
  if (event.severity == "Warning") return "warning";
  return "info";
}

// The text of the log line of `event` about `task` (null for the
// workflow's own).
std::string MessageOf(const engine::ExecutionEvent& event, const engine::TaskState* task) {
  const std::string& type = event.type;
  const std::string step = task ? (task->name.empty() ? task->step_id : task->name) : "";
  const auto with = [&](std::string text, const char* field) {
    const std::string detail = event.data.value(field, "");
    return detail.empty() ? text : text + ": " + detail;
  };
  if (type == "TaskLog") return event.data.value("message", "");
  if (type == "TaskStarted") return "Starting step: " + step;
  if (type == "TaskCompleted") return "Step completed: " + step;
  if (type == "TaskFailed") return with("Step failed: " + step, "error");
  if (type == "TaskRetried") return with("Step retried: " + step, "error");
  if (type == "TaskCancelled") return with("Step cancelled: " + step, "reason");
  if (type == "TaskHandoff")
    return "Step handed off: " + step + " to " + event.data.value("agentType", "");
  if (type == "HandoffRejected") return with("Handoff rejected: " + step, "error");
  if (type == "WorkflowFailed") return with("Workflow failed", "error");
  if (type == "WorkflowCancelled") return with("Workflow cancelled", "reason");
  if (type == "WorkflowStarted") return "Workflow started";
  if (type == "WorkflowCompleted") return "Workflow completed";
  if (type == "WorkflowPaused") return "Workflow paused";
  if (type == "WorkflowResumed") return "Workflow resumed";
  return type;  // IterationStarted and the like: their data says the rest
}

}  // namespace

engine::WorkflowState PendingExecutionOf(const Json& accepted) {
  engine::WorkflowState state;
  state.id = accepted.value("id", "");
  state.definition.id = accepted.value("workflowDefinitionId", "");
  state.definition.name = accepted.value("name", "");
  state.initiated_by = accepted.value("initiatedBy", "");
  if (const auto it = accepted.find("metadata"); it != accepted.end()) state.metadata = *it;
  state.created_at = engine::ParseTimestamp(accepted.value("createdAt", "")).value_or(0);
  if (const auto tasks = accepted.find("tasks"); tasks != accepted.end() && tasks->is_array()) {
    for (const Json& task : *tasks) {
      engine::TaskState planned;
      planned.id = task.value("id", "");
      planned.step_id = task.value("stepDefinitionId", "");
      planned.name = task.value("name", "");
      planned.agent_type = task.value("agentType", "");
      state.tasks.push_back(std::move(planned));
    }
  }
  return state;
}

std::variant<ExecutionListQuery, engine::FieldErrors> ParseExecutionListQuery(
    const std::map<std::string, std::string>& params) {
  ExecutionListQuery list;
  engine::FieldErrors errors;
  for (const auto& [name, value] : params) {
    if (list.page.Read(name, value, errors)) continue;
    if (name == "workflow_id") {
      if (!engine::IsValidIdentifier(value)) {
        errors.push_back({name, "workflow_id must be a workflow id", "INVALID_FORMAT"});
      } else {
        list.query.definition_id = value;
      }
    } else if (name == "status") {
      if (!engine::ParseWorkflowStatus(value)) {
        errors.push_back({name,
                          "status must be one of pending, running, completed, failed, cancelled, "
                          "paused",
                          "INVALID_FORMAT"});
      } else {
        list.query.status = value;
      }
    } else if (name == "from" || name == "to") {
      if (const auto at = ReadQueryTime(name, value, errors)) {
        (name == "from" ? list.query.created_from : list.query.created_to) = *at;
      }
    } else {
      errors.push_back({name, "Unknown query parameter '" + name + "'", "INVALID_FORMAT"});
    }
  }
  if (!errors.empty()) return errors;
  list.query.limit = list.page.limit;
  list.query.offset = list.page.offset();
  return list;
}

Json ExecutionPageJson(const store::ExecutionPage& page, const ControlPlanePage& spec) {
  Json data = Json::array();
  for (const store::ExecutionSummary& e : page.items) {
    data.push_back({{"id", e.id},
                    {"workflow_id", e.definition_id},
                    {"status", e.status},
                    {"started_at", TimeOrNull(e.started_at)},
                    {"completed_at", TimeOrNull(e.completed_at)},
                    {"duration", Duration(e.started_at, e.completed_at)},
                    {"steps_completed", e.tasks_completed},
                    {"steps_failed", e.tasks_failed},
                    {"result_summary", ResultSummary(e.status)}});
  }
  Json pagination = spec.ToJson(page.total);
  if (page.total_estimated) pagination["total_estimated"] = true;
  return {{"data", std::move(data)}, {"pagination", std::move(pagination)}};
}

Json ExecutionJson(const engine::WorkflowState& state) {
  Json steps = Json::array();
  int64_t completed = 0;
  int64_t failed = 0;
  Json final_result = nullptr;
  for (const engine::TaskState& task : state.tasks) {
    Json step = {{"step_id", task.step_id},
                 {"step_name", task.name},
                 {"task_id", task.id},
                 {"agent_id", task.agent_type},
                 {"status", std::string(engine::ToString(task.status))},
                 {"started_at", TimeOrNull(task.started_at)},
                 {"completed_at", TimeOrNull(task.completed_at)},
                 {"duration", Duration(task.started_at, task.completed_at)}};
    if (task.status == TaskStatus::kCompleted) {
      ++completed;
      step["result"] = task.response.is_object() ? task.response.value("result", Json::object())
                                                 : Json::object();
      final_result = step["result"];
    } else if (!task.error_message.empty()) {
      step["error"] = task.error_message;
    }
    failed += task.status == TaskStatus::kFailed;
    steps.push_back(std::move(step));
  }
  const std::string status(engine::ToString(state.status));
  Json metadata = state.metadata.is_object() ? state.metadata : Json::object();
  metadata.emplace("user_id", state.initiated_by);  // a user_id of the start's own wins
  Json out = {{"id", state.id},
              {"workflow_id", state.definition.id},
              {"workflow_name", state.definition.name},
              {"status", status},
              {"started_at", TimeOrNull(state.started_at)},
              {"completed_at", TimeOrNull(state.completed_at)},
              {"duration", Duration(state.started_at, state.completed_at)},
              {"steps_completed", completed},
              {"steps_failed", failed},
              {"result_summary", ResultSummary(status)},
              {"steps", std::move(steps)},
              {"final_result", state.status == WorkflowStatus::kCompleted ? final_result : Json()},
              {"metadata", std::move(metadata)}};
  if (!state.error_message.empty()) out["error"] = state.error_message;
  return out;
}

Json ExecutionStatusJson(const engine::WorkflowState& state, engine::TimeMs now) {
  const size_t total = state.tasks.size();
  size_t ended = 0;
  engine::TimeMs ended_time = 0;  // summed over the tasks that ran and ended
  size_t timed = 0;
  const engine::TaskState* current = nullptr;
  for (const engine::TaskState& task : state.tasks) {
    if (Ended(task.status)) {
      ++ended;
      if (task.started_at > 0 && task.completed_at >= task.started_at) {
        ended_time += task.completed_at - task.started_at;
        ++timed;
      }
    } else if (!current) {
      current = &task;
    }
  }
  const bool finished = state.status == WorkflowStatus::kCompleted ||
                        state.status == WorkflowStatus::kFailed ||
                        state.status == WorkflowStatus::kCancelled;
  size_t current_index = total;
  if (current) current_index = static_cast<size_t>(current - state.tasks.data()) + 1;
  const engine::TimeMs until = finished && state.completed_at > 0 ? state.completed_at : now;
  Json remaining = nullptr;
  if (finished) {
    remaining = 0.0;
  } else if (timed > 0) {
    remaining = static_cast<double>(ended_time) / static_cast<double>(timed) *
                static_cast<double>(total - ended) / 1000.0;
  }
  return {{"execution_id", state.id},
          {"status", std::string(engine::ToString(state.status))},
          {"progress",
           {{"current_step", current_index},
            {"total_steps", total},
            {"percentage", engine::Progress(state)},
            {"current_step_name",
             current ? Json(current->name.empty() ? current->step_id : current->name) : Json()}}},
          {"elapsed_time", state.started_at > 0 && until >= state.started_at
                               ? static_cast<double>(until - state.started_at) / 1000.0
                               : 0.0},
          {"estimated_remaining", remaining}};
}

std::variant<ExecutionLogQuery, engine::FieldErrors> ParseExecutionLogQuery(
    const std::map<std::string, std::string>& params) {
  ExecutionLogQuery query;
  engine::FieldErrors errors;
  for (const auto& [name, value] : params) {
    if (name == "level") {
      if (value != "debug" && value != "info" && value != "warning" && value != "error") {
        errors.push_back(
            {name, "level must be one of debug, info, warning, error", "INVALID_FORMAT"});
      } else {
        query.level = value;
      }
    } else if (name == "from" || name == "to") {
      if (const auto at = ReadQueryTime(name, value, errors)) {
        (name == "from" ? query.from : query.to) = *at;
      }
    } else {
      errors.push_back({name, "Unknown query parameter '" + name + "'", "INVALID_FORMAT"});
    }
  }
  if (!errors.empty()) return errors;
  return query;
}

Json ExecutionLogsJson(const engine::WorkflowState& state,
                       const std::vector<engine::ExecutionEvent>& events,
                       const ExecutionLogQuery& query) {
  Json logs = Json::array();
  for (const engine::ExecutionEvent& event : events) {
    if ((query.from && event.timestamp < *query.from) ||
        (query.to && event.timestamp > *query.to)) {
      continue;
    }
    if (!event.data.is_object() || event.type == "TaskProgressUpdated" ||
        event.type == "TaskThought") {
      continue;  // not log lines (they have their own views)
    }
    const std::string task_id = event.data.value("taskId", "");
    const engine::TaskState* task = task_id.empty() ? nullptr : state.FindTask(task_id);
    const std::string message = MessageOf(event, task);
    const std::string level = LevelOf(event);
    if (query.level && level != *query.level) continue;
    Json metadata = event.data;
    metadata.erase("message");
    metadata.erase("level");
    metadata["event"] = event.type;
    logs.push_back({{"timestamp", engine::FormatTimestamp(event.timestamp)},
                    {"level", level},
                    {"message", message},
                    {"step_id", task ? Json(task->step_id) : Json()},
                    {"metadata", std::move(metadata)}});
  }
  return {{"execution_id", state.id}, {"logs", std::move(logs)}};
}

}  // namespace agentstudio::daemon
