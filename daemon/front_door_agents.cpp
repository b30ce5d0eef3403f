// FrontDoor: the meta-agent endpoints that run one task with one agent (as a
// single-step workflow, so it gets the same durability, timeouts and cancel)
// and cancel agent tasks.
#include <spdlog/spdlog.h>

#include <mutex>
#include <variant>

#include "daemon/front_door.hpp"
#include "daemon/http_headers.hpp"
#include "daemon/sse_stream.hpp"
#include "engine/definition_parser.hpp"
#include "engine/timestamp.hpp"
#include "schemas/command_codec.hpp"
#include "schemas/execution_json.hpp"
#include "sql/workflow_store.hpp"

namespace agentstudio::daemon {
namespace {

using Pistache::Http::Code;
using Pistache::Http::ResponseWriter;
using Json = nlohmann::json;

Problem InvalidAgentType(const std::string& agent_type) {
  Problem problem{
      400,
      "validation-error",
      "Validation Error",
      "Invalid agent type '" + agent_type + "'",
      {{"agentType", "Agent type '" + agent_type + "' not found", "AGENT_TYPE_NOT_FOUND"}},
      0};
  return problem;
}

// How an agent task that ended is answered: its AgentResponse, or the problem
// its failure maps to (504 timeout, 499 cancelled, 502 agent error).
std::variant<Json, Problem> AgentAnswer(const engine::WorkflowState& state,
                                        const std::string& agent_type) {
  const engine::TaskState& task = state.tasks.front();
  if (task.status == engine::TaskStatus::kCompleted) {
    Json response = task.response;
    if (!response["metadata"].is_object()) response["metadata"] = Json::object();
    response["metadata"]["taskId"] = task.id;
    response["metadata"]["workflowId"] = state.id;
    return response;
  }
  Problem problem;
  if (task.failure == engine::FailureCause::kStepTimeout) {
    problem = {504, "agent-timeout", "Agent Timeout", "Agent task timed out", {}, 0};
  } else if (state.status == engine::WorkflowStatus::kCancelled ||
             task.failure == engine::FailureCause::kCancelled) {
    problem = {499, "request-cancelled", "Request Cancelled", "The agent task was cancelled", {},
               0};
  } else {
    problem = {502,
               "agent-error",
               "Agent Service Error",
               task.error_message.empty() ? state.error_message : task.error_message,
               {},
               0};
  }
  problem.extensions = {{"agentType", agent_type}, {"taskId", task.id}, {"workflowId", state.id}};
  return problem;
}

Problem AgentTimeout(const std::string& agent_type) {
  Problem problem{504, "agent-timeout", "Agent Timeout", "Agent task timed out", {}, 0};
  problem.extensions = {{"agentType", agent_type}};
  return problem;
}

// An SSE answer of execute/stream: `thought` events as the agent reports them,
// then `response` (or `error`), then `[DONE]`. Thoughts that arrive before
// the stream opens wait in `early`.
struct AgentStream {
  std::mutex mutex;
  std::unique_ptr<SseStream> sse;  // guarded by mutex
  std::vector<Json> early;         // guarded by mutex
  size_t thoughts_sent = 0;        // guarded by mutex
  uint64_t subscription = 0;

  void Thought(const Json& thought) {
    std::lock_guard lock(mutex);
    if (!sse) {
      early.push_back(thought);
      return;
    }
    sse->Send(Json{{"type", "thought"}, {"thought", thought}}.dump());
    ++thoughts_sent;
  }
  void Open(ResponseWriter& writer) {
    std::lock_guard lock(mutex);
    sse = std::make_unique<SseStream>(writer);
    for (const Json& thought : early) {
      sse->Send(Json{{"type", "thought"}, {"thought", thought}}.dump());
      ++thoughts_sent;
    }
    early.clear();
  }
  // The last events; thoughts of the response not streamed yet go first.
  void Finish(const std::variant<Json, Problem>& answer, const std::string& instance,
              const std::string& trace) {
    std::lock_guard lock(mutex);
    if (!sse) return;
    if (const Json* response = std::get_if<Json>(&answer)) {
      const Json thoughts = response->value("thoughts", Json::array());
      for (size_t i = thoughts_sent; i < thoughts.size(); ++i) {
        sse->Send(Json{{"type", "thought"}, {"thought", thoughts[i]}}.dump());
      }
      sse->Send(Json{{"type", "response"}, {"response", *response}}.dump());
    } else {
      sse->Send(Json{{"type", "error"},
                     {"error", ProblemBody(std::get<Problem>(answer), instance, trace)}}
                    .dump());
    }
    sse->Send("[DONE]");
    sse->End();
  }
};

}  // namespace

void FrontDoor::ExecuteAgentTask(const Pistache::Rest::Request& request, ResponseWriter response,
                                 const Principal& caller, bool stream) {
  if (RefuseWhileDraining(request, response)) return;
  const std::string trace = TraceparentOf(request);
  const std::string instance = request.resource();
  const std::string agent_type = request.param(":agentType").as<std::string>();
  if (!engine::IsValidIdentifier(agent_type)) {
    SendProblem(response, InvalidAgentType(agent_type), instance, trace);
    return;
  }
  const Json body = Json::parse(request.body(), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    SendProblem(response, MalformedBodyProblem(), instance, trace);
    return;
  }
  engine::FieldErrors errors;
  if (!body.contains("task") || !body["task"].is_string() ||
      body["task"].get<std::string>().empty()) {
    errors.push_back({"task", "task is required: what the agent should do", "REQUIRED_FIELD"});
  }
  // `body` is const: its operator[] on a missing key is undefined, so read with value().
  Json name = body.value("task", Json(""));
  if (!name.is_string()) name = "";
  Json step = {{"id", "task"}, {"name", std::move(name)}, {"agentType", agent_type}};
  for (const char* key : {"input", "context", "configuration", "timeout"}) {
    if (body.contains(key)) step[key] = body[key];
  }
  // One attempt: the caller sees the agent's error and decides about retrying.
  const Json workflow = {{"definition",
                          {{"id", "meta-agent." + agent_type},
                           {"name", "Agent task (" + agent_type + ")"},
                           {"pattern", "sequential"},
                           {"maxRetries", 0},
                           {"steps", Json::array({step})}}},
                         {"initiatedBy", "meta-agent"}};
  engine::ParsedWorkflowRequest parsed = engine::ParseWorkflowRequest(workflow);
  if (!errors.empty() || !parsed.ok()) {
    for (auto& e : StepFieldsAsRequestFields(std::move(parsed.errors), {{"name", "task"}})) {
      if (e.field != "task") errors.push_back(std::move(e));
    }
    SendProblem(response,
                {422, "validation-error", "Validation Error",
                 "One or more validation errors occurred", std::move(errors), 0},
                instance, trace);
    return;
  }
  const auto wait_for = WaitFor(parsed.request.definition.steps.front().timeout_value);
  parsed.request.tenant = caller.tenant;

  StartPlan plan{std::move(parsed.request), instance, trace, nullptr, nullptr, nullptr, nullptr};
  plan.unknown_types = [agent_type](const auto&) { return InvalidAgentType(agent_type); };
  // Answers once the workflow ended (or the wait timed out): `send` gets the
  // AgentResponse or the problem.
  auto answer_when = [this, agent_type, instance, trace](
                         const std::string& workflow_id, WaitEnd how,
                         std::function<void(const std::variant<Json, Problem>&)> send) {
    if (how == WaitEnd::kStopping) return send(Unavailable("The server is shutting down"));
    if (how == WaitEnd::kTimedOut) return send(AgentTimeout(agent_type));
    const bool queued = executor_.Submit([this, workflow_id, agent_type, send] {
      try {
        const auto states = pool_.Run([&](soci::session& session) {
          return store::LoadExecutions(session, {workflow_id}, false);
        });
        if (states.empty()) return send(NotFoundProblem("The agent task was deleted"));
        send(AgentAnswer(states.begin()->second, agent_type));
      } catch (const std::exception& error) {
        spdlog::error("agent task {}: {}", workflow_id, error.what());
        send(Unavailable("The database is unavailable; retry later"));
      }
    });
    if (!queued) send(Unavailable("Too many requests in flight"));
  };

  if (!stream) {
    plan.before_send = [this, wait_for, answer_when, instance, trace](
                           const std::string& workflow_id, SharedWriter writer) {
      return waiter_.Wait(workflow_id, 0, wait_for, [=](WaitEnd how) {
        answer_when(workflow_id, how, [=](const std::variant<Json, Problem>& answer) {
          if (const Json* ok = std::get_if<Json>(&answer)) {
            SendJson(*writer, Code::Ok, *ok);
          } else {
            SendProblem(*writer, std::get<Problem>(answer), instance, trace);
          }
        });
      });
    };
  } else {
    auto state = std::make_shared<AgentStream>();
    plan.before_send = [this, wait_for, answer_when, instance, trace, state](
                           const std::string& workflow_id, SharedWriter) {
      state->subscription =
          feed_.Subscribe(workflow_id, [state](const kafka::WorkflowEventNotice& notice) {
            if (notice.event.type == "TaskThought") state->Thought(notice.event.data["thought"]);
          });
      return waiter_.Wait(workflow_id, 0, wait_for, [=, this](WaitEnd how) {
        answer_when(workflow_id, how, [=, this](const std::variant<Json, Problem>& answer) {
          feed_.Unsubscribe(state->subscription);
          state->Finish(answer, instance, trace);
        });
      });
    };
    plan.on_refused = [this, state] { feed_.Unsubscribe(state->subscription); };
    plan.on_durable = [state](const std::string&, const Json&, SharedWriter writer) {
      state->Open(*writer);
    };
  }
  StartWorkflow(std::move(plan), std::make_shared<ResponseWriter>(std::move(response)), caller);
}

void FrontDoor::CancelAgentTask(const Pistache::Rest::Request& request, ResponseWriter response,
                                const Principal& caller) {
  SendTaskCancel(request, std::move(response), caller, [](const std::string& task_id) {
    return Json{{"message", "Task '" + task_id + "' cancelled successfully"}};
  });
}

void FrontDoor::SendTaskCancel(const Pistache::Rest::Request& request, ResponseWriter response,
                               const Principal& caller,
                               std::function<Json(const std::string& task_id)> answer) {
  if (RefuseWhileDraining(request, response)) return;
  const std::string trace = TraceparentOf(request);
  const std::string instance = request.resource();
  const std::string task_id = request.param(":taskId").as<std::string>();
  const Problem not_found =
      NotFoundProblem("Task '" + task_id + "' not found or already completed");
  if (!engine::IsValidIdentifier(task_id)) {
    SendProblem(response, not_found, instance, trace);
    return;
  }
  RunDatabaseJob(
      instance, trace, std::make_shared<ResponseWriter>(std::move(response)),
      [this, task_id, tenant = caller.tenant, instance, trace, not_found,
       answer = std::move(answer)](soci::session& session, ResponseWriter& writer) {
        const auto owner = store::FindTaskOwner(session, task_id);
        if (!owner || owner->tenant != tenant || engine::IsTerminal(owner->status)) {
          SendProblem(writer, not_found, instance, trace);
          return;
        }
        auto shared = std::make_shared<ResponseWriter>(std::move(writer));
        SubmitCommand(
            schemas::MakeCancelTaskCommand(owner->workflow_id, task_id,
                                           "requested through the REST API",
                                           engine::WallClockNow()),
            trace, [shared, task_id, instance, trace, answer](const kafka::DeliveryResult& result) {
              if (!result.ok) {
                SendProblem(*shared, NotStored("The cancel", result), instance, trace);
                return;
              }
              SendJson(*shared, Code::Ok, answer(task_id));
            });
      });
}

}  // namespace agentstudio::daemon
