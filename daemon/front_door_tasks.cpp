// The control plane's tasks (references 000 and 004, under /v1): a task of
// POST /v1/tasks runs as a single-step workflow, like the meta-agent's, so it
// has the same durability, step timeout and cancel; the reads show every
// task of the caller's tenant, workflow steps included.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "daemon/front_door.hpp"
#include "daemon/http_headers.hpp"
#include "daemon/task_list.hpp"
#include "engine/definition_parser.hpp"
#include "engine/timestamp.hpp"
#include "sql/agent_store.hpp"
#include "sql/task_store.hpp"
#include "sql/workflow_store.hpp"

namespace agentstudio::daemon {
namespace {

using Json = nlohmann::json;
using Pistache::Http::Code;
using Pistache::Http::ResponseWriter;

Problem Invalid(engine::FieldErrors errors) {
  return {422,
          "validation-error",
          "Validation Error",
          "One or more validation errors occurred",
          std::move(errors),
          0};
}

Problem NoSuchTask(const std::string& id) { return NotFoundProblem("Task '" + id + "' not found"); }

// What accepted_tasks_ keeps of a task accepted and not yet applied, and the
// pending task it shows.
Json AcceptedTask(const Json& created, engine::Priority priority) {
  const Json& task = created.at("tasks").at(0);
  return {{"id", task.at("id")},
          {"workflowId", created.at("id")},
          {"name", task.value("name", "")},
          {"agentType", task.value("agentType", "")},
          {"priority", static_cast<int>(priority)},
          {"createdAt", engine::ParseTimestamp(created.value("createdAt", "")).value_or(0)}};
}

store::TaskView AcceptedTaskView(const Json& accepted) {
  store::TaskView view;
  view.id = accepted.at("id").get<std::string>();
  view.workflow_id = accepted.at("workflowId").get<std::string>();
  view.name = accepted.at("name").get<std::string>();
  view.agent_type = accepted.at("agentType").get<std::string>();
  view.priority = static_cast<engine::Priority>(accepted.at("priority").get<int>());
  view.created_at = accepted.at("createdAt").get<engine::TimeMs>();
  return view;
}

// A TaskLog event of `task_id` as a log line {timestamp, level, message,
// attempt}; null for any other event.
Json TaskLogLine(const engine::ExecutionEvent& event, const std::string& task_id) {
  if (event.type != "TaskLog" || event.data.value("taskId", "") != task_id) return nullptr;
  return {{"timestamp", engine::FormatTimestamp(event.timestamp)},
          {"level", event.data.value("level", "info")},
          {"message", event.data.value("message", "")},
          {"attempt", event.data.value("attempt", 0)}};
}

}  // namespace

void FrontDoor::StartTask(const TaskRequest& task, const std::string& agent_type,
                          const Principal& caller, const std::string& instance,
                          const std::string& trace, SharedWriter writer, TaskAccepted accepted) {
  engine::ParsedWorkflowRequest workflow =
      engine::ParseWorkflowRequest(TaskWorkflowBody(task, agent_type));
  if (!workflow.ok()) {
    SendProblem(
        *writer,
        Invalid(StepFieldsAsRequestFields(
            std::move(workflow.errors),
            {{"name", "task_type"}, {"agentType", "agent_type"}, {"timeout", "timeout_seconds"}})),
        instance, trace);
    return;
  }
  workflow.request.tenant = caller.tenant;
  StartPlan plan{std::move(workflow.request), instance, trace, nullptr, nullptr, nullptr, nullptr};
  plan.unknown_types = [agent_type](const auto&) {
    return Problem{
        400,
        "validation-error",
        "Validation Error",
        "No agent serves agent type '" + agent_type + "'",
        {{"agent_type", "Agent type '" + agent_type + "' not found", "AGENT_TYPE_NOT_FOUND"}},
        0};
  };
  plan.on_durable = [this, priority = task.priority, tenant = caller.tenant,
                     accepted = std::move(accepted)](const std::string&, const Json& created,
                                                     SharedWriter shared) {
    const std::string task_id = created.at("tasks").at(0).at("id").get<std::string>();
    // A GET of the task right after this answer finds it before a scheduler
    // applied its start.
    accepted_tasks_.Put(task_id, tenant, AcceptedTask(created, priority));
    accepted(created, std::move(shared));
  };
  StartWorkflow(std::move(plan), std::move(writer), caller);
}

void FrontDoor::CreateTask(const Pistache::Rest::Request& request, ResponseWriter response,
                           const Principal& caller) {
  if (RefuseWhileDraining(request, response)) return;
  const std::string instance = request.resource();
  const std::string trace = TraceparentOf(request);
  const Json body = Json::parse(request.body(), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    SendProblem(response, MalformedBodyProblem(), instance, trace);
    return;
  }
  auto parsed = ParseTaskRequest(body);
  if (auto* errors = std::get_if<engine::FieldErrors>(&parsed)) {
    SendProblem(response, Invalid(std::move(*errors)), instance, trace);
    return;
  }
  const TaskRequest task = std::get<TaskRequest>(std::move(parsed));
  auto writer = std::make_shared<ResponseWriter>(std::move(response));
  // Starts the task for `agent_type` (known, or answered 400 by StartWorkflow).
  auto start = [this, instance, trace, caller, writer, task](const std::string& agent_type) {
    StartTask(task, agent_type, caller, instance, trace, writer,
              [agent_type, task](const Json& created, SharedWriter shared) {
                const std::string task_id = created.at("tasks").at(0).at("id").get<std::string>();
                Json answer = {{"task_id", task_id},
                               {"status", "pending"},
                               {"agent_type", agent_type},
                               {"priority", engine::ToString(task.priority)},
                               {"created_at", created.value("createdAt", "")},
                               {"status_url", "/v1/tasks/" + task_id}};
                if (!task.agent_id.empty()) answer["agent_id"] = task.agent_id;
                shared->headers().add<Pistache::Http::Header::Location>("/v1/tasks/" + task_id);
                SendJson(*shared, Code::Accepted, answer);
              });
  };
  if (task.agent_id.empty()) {
    start(task.agent_type);
    return;
  }
  // A task for an agent goes to the agent's type: any live agent of that
  // type may run it (agents of a type share one consumer group).
  RunDatabaseJob(instance, trace, writer,
                 [id = task.agent_id, type = task.agent_type, start, instance, trace](
                     soci::session& session, ResponseWriter& answer) {
                   store::AgentPageQuery query;
                   query.since = engine::WallClockNow() - kAgentLivenessMs;
                   query.state = store::AgentState::kActive;
                   query.id = id;
                   query.limit = 1;
                   const auto found = store::SelectAgents(session, query);
                   const auto& types = found.empty() ? std::vector<std::string>{}
                                                     : found.front().record.agent_types;
                   if (types.empty() || (!type.empty() && std::find(types.begin(), types.end(),
                                                                    type) == types.end())) {
                     SendProblem(answer,
                                 Invalid({{"agent_id",
                                           type.empty() ? "No live agent '" + id + "'"
                                                        : "No live agent '" + id +
                                                              "' serving agent type '" + type + "'",
                                           "AGENT_NOT_FOUND"}}),
                                 instance, trace);
                     return;
                   }
                   start(type.empty() ? types.front() : type);
                 });
}

void FrontDoor::ListTasks(const Pistache::Rest::Request& request, ResponseWriter response,
                          const Principal& caller) {
  if (RefuseWhileDraining(request, response)) return;
  auto parsed = ParseTaskListQuery(QueryParameters(request));
  if (auto* errors = std::get_if<engine::FieldErrors>(&parsed)) {
    SendProblem(response, InvalidQueryProblem(std::move(*errors)), request.resource(),
                TraceparentOf(request));
    return;
  }
  auto query = std::get<store::TaskPageQuery>(std::move(parsed));
  query.tenant = caller.tenant;
  RunDatabaseJob(request.resource(), TraceparentOf(request),
                 std::make_shared<ResponseWriter>(std::move(response)),
                 [query](soci::session& session, ResponseWriter& writer) {
                   const auto tasks = store::SelectTasks(session, query);
                   // One more than the bound tells "more than that".
                   const int64_t counted =
                       store::CountTasks(session, query, store::kExactTotalBound + 1);
                   SendJson(writer, Code::Ok,
                            TaskPageJson(tasks, query, std::min(counted, store::kExactTotalBound),
                                         counted > store::kExactTotalBound));
                 });
}

void FrontDoor::RunTaskJob(
    const Pistache::Rest::Request& request, ResponseWriter response, const Principal& caller,
    std::function<void(soci::session&, const store::TaskView&, ResponseWriter&)> answer) {
  if (RefuseWhileDraining(request, response)) return;
  const std::string id = request.param(":taskId").as<std::string>();
  const std::string instance = request.resource();
  const std::string trace = TraceparentOf(request);
  if (!engine::IsValidIdentifier(id)) {
    SendProblem(response, NoSuchTask(id), instance, trace);
    return;
  }
  RunDatabaseJob(instance, trace, std::make_shared<ResponseWriter>(std::move(response)),
                 [this, id, tenant = caller.tenant, instance, trace, answer = std::move(answer)](
                     soci::session& session, ResponseWriter& writer) {
                   store::TaskPageQuery query;
                   query.tenant = tenant;
                   query.id = id;
                   query.limit = 1;
                   auto found = store::SelectTasks(session, query);
                   const auto accepted =
                       found.empty() ? accepted_tasks_.Get(id, tenant) : std::nullopt;
                   if (accepted) {
                     const store::TaskView view = AcceptedTaskView(*accepted);
                     // Still to be applied while its execution is accepted
                     // and not stored; otherwise applied since the read
                     // above (read again), deleted, or never to be applied.
                     if (accepted_.Get(view.workflow_id, tenant)) {
                       answer(session, view, writer);
                       return;
                     }
                     found = store::SelectTasks(session, query);
                   }
                   accepted_tasks_.Erase(id);  // the database answers from now on
                   if (found.empty()) {
                     SendProblem(writer, NoSuchTask(id), instance, trace);
                     return;
                   }
                   answer(session, found.front(), writer);
                 });
}

void FrontDoor::GetTask(const Pistache::Rest::Request& request, ResponseWriter response,
                        const Principal& caller) {
  RunTaskJob(request, std::move(response), caller,
             [](soci::session&, const store::TaskView& task, ResponseWriter& writer) {
               SendJson(writer, Code::Ok, {{"data", TaskJson(task)}});
             });
}

void FrontDoor::GetTaskResults(const Pistache::Rest::Request& request, ResponseWriter response,
                               const Principal& caller) {
  RunTaskJob(
      request, std::move(response), caller,
      [instance = request.resource(), trace = TraceparentOf(request)](
          soci::session&, const store::TaskView& task, ResponseWriter& writer) {
        switch (task.state) {
          case store::TaskShownState::kPending:
          case store::TaskShownState::kRunning: {
            Problem problem{409,
                            "task-not-finished",
                            "Task Not Finished",
                            "Task '" + task.id + "' is " + store::ToString(task.state) +
                                "; its results come when it completes",
                            {},
                            0};
            problem.extensions = {{"taskId", task.id}, {"status", store::ToString(task.state)}};
            SendProblem(writer, problem, instance, trace);
            return;
          }
          case store::TaskShownState::kCompleted: {
            const Json response = task.response.is_object() ? task.response : Json::object();
            SendJson(writer, Code::Ok,
                     {{"task_id", task.id},
                      {"status", "completed"},
                      {"result", response.value("result", Json::object())},
                      {"thoughts", response.value("thoughts", Json::array())},
                      {"metadata", response.value("metadata", Json::object())},
                      {"completed_at", engine::FormatTimestamp(task.completed_at)}});
            return;
          }
          case store::TaskShownState::kFailed:
          case store::TaskShownState::kCancelled:
          case store::TaskShownState::kSkipped:
            SendJson(writer, Code::Ok,
                     {{"task_id", task.id},
                      {"status", store::ToString(task.state)},
                      {"error", task.error_message},
                      {"completed_at", TimeOrNull(task.completed_at)}});
        }
      });
}

void FrontDoor::GetTaskLogs(const Pistache::Rest::Request& request, ResponseWriter response,
                            const Principal& caller) {
  bool follow = false;
  engine::FieldErrors errors;
  for (const auto& [name, value] : QueryParameters(request)) {
    if (name == "follow" && (value == "true" || value == "false")) {
      follow = value == "true";
    } else if (name == "follow") {
      errors.push_back({name, "follow must be true or false", "INVALID_FORMAT"});
    } else {
      errors.push_back({name, "Unknown query parameter '" + name + "'", "INVALID_FORMAT"});
    }
  }
  if (!errors.empty()) {
    SendProblem(response, InvalidQueryProblem(std::move(errors)), request.resource(),
                TraceparentOf(request));
    return;
  }
  RunTaskJob(
      request, std::move(response), caller,
      [this, follow](soci::session& session, const store::TaskView& task, ResponseWriter& writer) {
        if (follow) {
          // The workflow's event stream, showing this task's log lines only.
          streams_.Open(session, task.workflow_id, 0, writer,
                        [task_id = task.id](const std::string&, const engine::ExecutionEvent& event)
                            -> std::optional<WorkflowEventStreams::SentEvent> {
                          const Json line = TaskLogLine(event, task_id);
                          if (line.is_null()) return std::nullopt;
                          return WorkflowEventStreams::SentEvent{line.dump(), "log"};
                        });
          return;
        }
        Json logs = Json::array();
        for (const engine::ExecutionEvent& event : store::LoadEvents(session, task.workflow_id)) {
          Json line = TaskLogLine(event, task.id);
          if (!line.is_null()) logs.push_back(std::move(line));
        }
        SendJson(writer, Code::Ok, {{"task_id", task.id}, {"logs", std::move(logs)}});
      });
}

void FrontDoor::CancelTask(const Pistache::Rest::Request& request, ResponseWriter response,
                           const Principal& caller) {
  SendTaskCancel(request, std::move(response), caller, [](const std::string& task_id) {
    return Json{{"task_id", task_id}, {"status", "cancelling"}};
  });
}

}  // namespace agentstudio::daemon
