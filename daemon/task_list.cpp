#include "daemon/task_list.hpp"

#include "daemon/control_plane_page.hpp"
#include "engine/definition_parser.hpp"
#include "engine/timestamp.hpp"

namespace agentstudio::daemon {
namespace {

using Json = nlohmann::json;

constexpr int64_t kMaxTimeoutSeconds = 86400;

}  // namespace

Json TimeOrNull(engine::TimeMs at) { return at > 0 ? Json(engine::FormatTimestamp(at)) : Json(); }

std::optional<engine::TimeMs> ReadQueryTime(const std::string& name, const std::string& value,
                                            engine::FieldErrors& errors) {
  const auto at = engine::ParseTimestamp(value);
  if (!at || *at <= 0) {
    errors.push_back(
        {name, name + " must be an RFC 3339 UTC time (2025-10-08T10:30:00Z)", "INVALID_FORMAT"});
    return std::nullopt;
  }
  return at;
}

std::variant<store::TaskPageQuery, engine::FieldErrors> ParseTaskListQuery(
    const std::map<std::string, std::string>& params) {
  store::TaskPageQuery query;
  engine::FieldErrors errors;
  ControlPlanePage page;
  for (const auto& [name, value] : params) {
    if (page.Read(name, value, errors)) continue;
    if (name == "agent_type") {
      if (!engine::IsValidIdentifier(value)) {
        errors.push_back({name, "agent_type must be an agent type", "INVALID_FORMAT"});
      } else {
        query.agent_type = value;
      }
    } else if (name == "status") {
      query.state = store::ParseTaskShownState(value);
      if (!query.state) {
        errors.push_back(
            {name, "status must be one of pending, running, completed, failed, cancelled, skipped",
             "INVALID_FORMAT"});
      }
    } else if (name == "priority") {
      query.priority = engine::ParsePriority(value);
      if (!query.priority) {
        errors.push_back({name, "priority must be one of low, normal, medium, high, critical",
                          "INVALID_FORMAT"});
      }
    } else if (name == "created_after" || name == "created_before") {
      if (const auto at = ReadQueryTime(name, value, errors)) {
        (name == "created_after" ? query.created_after : query.created_before) = *at;
      }
    } else {
      errors.push_back({name, "Unknown query parameter '" + name + "'", "INVALID_FORMAT"});
    }
  }
  if (!errors.empty()) return errors;
  query.limit = page.limit;
  query.offset = page.offset();
  return query;
}

Json TaskJson(const store::TaskView& task) {
  Json out = {{"id", task.id},
              {"type", task.name},
              {"agent_type", task.agent_type},
              {"status", store::ToString(task.state)},
              {"priority", engine::ToString(task.priority)},
              {"progress", task.progress},
              {"attempt", task.attempt},
              {"workflow_id", task.workflow_id},
              {"created_at", engine::FormatTimestamp(task.created_at)},
              {"started_at", TimeOrNull(task.started_at)},
              {"completed_at", TimeOrNull(task.completed_at)}};
  if (task.started_at > 0 && task.completed_at >= task.started_at) {
    out["duration"] = static_cast<double>(task.completed_at - task.started_at) / 1000.0;
  }
  if (task.state == store::TaskShownState::kCompleted && task.response.is_object()) {
    out["result"] = task.response.value("result", Json::object());
  } else if (!task.error_message.empty()) {
    out["error"] = task.error_message;
  }
  return out;
}

Json TaskPageJson(const std::vector<store::TaskView>& tasks, const store::TaskPageQuery& query,
                  int64_t total, bool total_estimated) {
  Json data = Json::array();
  for (const store::TaskView& task : tasks) data.push_back(TaskJson(task));
  const ControlPlanePage page{ControlPlanePage::Style::kControlPlane,
                              query.offset / query.limit + 1, query.limit};
  Json pagination = page.ToJson(total);
  if (total_estimated) pagination["total_estimated"] = true;
  return {{"data", std::move(data)}, {"pagination", std::move(pagination)}};
}

std::variant<TaskRequest, engine::FieldErrors> ParseTaskRequest(const Json& body) {
  engine::FieldErrors errors;
  if (!body.is_object()) {
    return engine::FieldErrors{{"", "The request body must be a JSON object", "INVALID_FORMAT"}};
  }
  TaskRequest task;
  const auto read_id = [&](const char* key, std::string& into) {
    const auto it = body.find(key);
    if (it == body.end() || it->is_null()) return;
    if (!it->is_string() || !engine::IsValidIdentifier(it->get<std::string>())) {
      errors.push_back(
          {key, std::string(key) + " must be 1-128 characters of letters, digits, '.', '_' or '-'",
           "INVALID_FORMAT"});
      return;
    }
    into = it->get<std::string>();
  };
  read_id("agent_type", task.agent_type);
  read_id("agent_id", task.agent_id);
  if (task.agent_type.empty() && task.agent_id.empty() && errors.empty()) {
    errors.push_back({"agent_type", "agent_type or agent_id is required", "REQUIRED_FIELD"});
  }
  if (const auto it = body.find("task_type");
      it == body.end() || !it->is_string() || it->get<std::string>().empty()) {
    errors.push_back(
        {"task_type", "task_type is required: what the agent should do", "REQUIRED_FIELD"});
  } else {
    task.task_type = it->get<std::string>();
  }
  for (auto [key, into] :
       {std::pair{"input", &task.input}, std::pair{"configuration", &task.configuration}}) {
    const auto it = body.find(key);
    if (it == body.end() || it->is_null()) continue;
    if (!it->is_object()) {
      errors.push_back({key, std::string(key) + " must be an object", "INVALID_FORMAT"});
    } else {
      *into = *it;
    }
  }
  if (const auto it = body.find("priority"); it != body.end() && !it->is_null()) {
    const auto priority =
        it->is_string() ? engine::ParsePriority(it->get<std::string>()) : std::nullopt;
    if (!priority) {
      errors.push_back({"priority", "priority must be one of low, normal, medium, high, critical",
                        "INVALID_FORMAT"});
    } else {
      task.priority = *priority;
    }
  }
  if (const auto it = body.find("timeout_seconds"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1 ||
        it->get<int64_t>() > kMaxTimeoutSeconds) {
      errors.push_back(
          {"timeout_seconds", "timeout_seconds must be an integer from 1 to 86400", "RANGE_ERROR"});
    } else {
      task.timeout_seconds = it->get<int64_t>();
    }
  }
  if (!errors.empty()) return errors;
  return task;
}

Json TaskWorkflowBody(const TaskRequest& task, const std::string& agent_type) {
  Json step = {{"id", "task"},
               {"name", task.task_type},
               {"agentType", agent_type},
               {"input", task.input},
               {"configuration", task.configuration},
               {"priority", engine::ToString(task.priority)}};
  if (task.timeout_seconds) step["timeout"] = "PT" + std::to_string(*task.timeout_seconds) + "S";
  return {{"definition",
           {{"id", "control-plane.task"},
            {"name", "Task (" + agent_type + ")"},
            {"pattern", "sequential"},
            {"maxRetries", 0},
            {"steps", Json::array({step})}}},
          {"initiatedBy", "control-plane"}};
}

}  // namespace agentstudio::daemon
