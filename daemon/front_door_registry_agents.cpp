// The agent registry (reference 003, /api/v1/agents): agents a tenant set up,
// each naming the agent type that runs it. Executing one starts a task for
// that type with the agent's configuration, as POST /v1/tasks does, so it is
// followed and cancelled through /v1/tasks/{id}.
#include "daemon/front_door.hpp"
#include "daemon/http_headers.hpp"
#include "daemon/registry_agents.hpp"
#include "engine/definition_parser.hpp"
#include "schemas/ids.hpp"
#include "sql/registry_agent_store.hpp"

namespace agentstudio::daemon {
namespace {

using Json = nlohmann::json;
using Pistache::Http::Code;
using Pistache::Http::ResponseWriter;

constexpr const char* kCollection = "/api/v1/agents";

// 400 with every field's error (reference 003's validation answer).
Problem Invalid(engine::FieldErrors errors) {
  return {400,
          "validation-error",
          "Validation Error",
          "One or more validation errors occurred.",
          std::move(errors),
          0};
}

Problem NoSuchAgent(const std::string& id) {
  return NotFoundProblem("Agent '" + id + "' not found");
}

Problem NameTaken(const std::string& name) {
  return {409,
          "conflict",
          "Conflict",
          "An agent named '" + name + "' exists already",
          {{"name", "The name is taken", "DUPLICATE_NAME"}},
          0};
}

// The body as a JSON object, or nullopt after answering 400.
std::optional<Json> ObjectBody(const Pistache::Rest::Request& request, ResponseWriter& response) {
  Json body = Json::parse(request.body(), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    SendProblem(response, MalformedBodyProblem(), request.resource(), TraceparentOf(request));
    return std::nullopt;
  }
  return body;
}

}  // namespace

void FrontDoor::ListRegistryAgents(const Pistache::Rest::Request& request, ResponseWriter response,
                                   const Principal& caller) {
  if (RefuseWhileDraining(request, response)) return;
  auto parsed = ParseRegistryAgentListQuery(QueryParameters(request));
  if (auto* errors = std::get_if<engine::FieldErrors>(&parsed)) {
    SendProblem(response, InvalidQueryProblem(std::move(*errors)), request.resource(),
                TraceparentOf(request));
    return;
  }
  auto list = std::get<RegistryAgentListQuery>(std::move(parsed));
  list.query.tenant = caller.tenant;
  RunDatabaseJob(request.resource(), TraceparentOf(request),
                 std::make_shared<ResponseWriter>(std::move(response)),
                 [list](soci::session& session, ResponseWriter& writer) {
                   Json data = Json::array();
                   for (const auto& agent : store::SelectRegistryAgents(session, list.query)) {
                     data.push_back(RegistryAgentJson(agent));
                   }
                   const int64_t total = store::CountRegistryAgents(session, list.query);
                   SendJson(writer, Code::Ok,
                            {{"data", std::move(data)}, {"pagination", list.page.ToJson(total)}});
                 });
}

void FrontDoor::CreateRegistryAgent(const Pistache::Rest::Request& request, ResponseWriter response,
                                    const Principal& caller) {
  if (RefuseWhileDraining(request, response)) return;
  const std::string instance = request.resource();
  const std::string trace = TraceparentOf(request);
  const auto body = ObjectBody(request, response);
  if (!body) return;
  auto parsed = ParseRegistryAgentFields(*body, /*whole=*/true);
  if (auto* errors = std::get_if<engine::FieldErrors>(&parsed)) {
    SendProblem(response, Invalid(std::move(*errors)), instance, trace);
    return;
  }
  store::RegistryAgent agent;
  agent.id = "agent-" + schemas::NewMessageId();
  agent.tenant = caller.tenant;
  agent.created_by = caller.subject;
  ApplyRegistryAgentFields(std::get<RegistryAgentFields>(parsed), agent);
  RunDatabaseJob(
      instance, trace, std::make_shared<ResponseWriter>(std::move(response)),
      [agent, instance, trace](soci::session& session, ResponseWriter& writer) mutable {
        if (store::InsertRegistryAgent(session, agent) == store::RegistryWrite::kNameTaken) {
          SendProblem(writer, NameTaken(agent.name), instance, trace);
          return;
        }
        writer.headers().add<Pistache::Http::Header::Location>(std::string(kCollection) + "/" +
                                                               agent.id);
        SendJson(writer, Code::Created, RegistryAgentJson(agent));
      });
}

void FrontDoor::GetRegistryAgent(const Pistache::Rest::Request& request, ResponseWriter response,
                                 const Principal& caller) {
  const auto target = TargetOf(request, response, caller, ":agentId", "Agent");
  if (!target) return;
  const std::string& instance = target->instance;
  const std::string& trace = target->trace;
  const std::string& id = target->id;
  RunDatabaseJob(instance, trace, std::make_shared<ResponseWriter>(std::move(response)),
                 [id, tenant = caller.tenant, instance, trace](soci::session& session,
                                                               ResponseWriter& writer) {
                   const auto agent = store::SelectRegistryAgent(session, tenant, id);
                   if (!agent) {
                     SendProblem(writer, NoSuchAgent(id), instance, trace);
                     return;
                   }
                   SendJson(writer, Code::Ok, RegistryAgentJson(*agent));
                 });
}

void FrontDoor::UpdateRegistryAgent(const Pistache::Rest::Request& request, ResponseWriter response,
                                    const Principal& caller) {
  const auto target = TargetOf(request, response, caller, ":agentId", "Agent");
  if (!target) return;
  const std::string& instance = target->instance;
  const std::string& trace = target->trace;
  const std::string& id = target->id;
  const auto body = ObjectBody(request, response);
  if (!body) return;
  auto parsed = ParseRegistryAgentFields(*body, /*whole=*/false);
  if (auto* errors = std::get_if<engine::FieldErrors>(&parsed)) {
    SendProblem(response, Invalid(std::move(*errors)), instance, trace);
    return;
  }
  RunDatabaseJob(instance, trace, std::make_shared<ResponseWriter>(std::move(response)),
                 [id, tenant = caller.tenant, changes = std::get<RegistryAgentFields>(parsed),
                  instance, trace](soci::session& session, ResponseWriter& writer) {
                   store::RegistryAgent agent;
                   switch (store::UpdateRegistryAgent(session, tenant, id, changes, agent)) {
                     case store::RegistryWrite::kNameTaken:
                       SendProblem(writer, NameTaken(changes.name.value_or("")), instance, trace);
                       return;
                     case store::RegistryWrite::kNotFound:
                       SendProblem(writer, NoSuchAgent(id), instance, trace);
                       return;
                     case store::RegistryWrite::kDone:
                       SendJson(writer, Code::Ok, RegistryAgentJson(agent));
                       return;
                   }
                 });
}

void FrontDoor::DeleteRegistryAgent(const Pistache::Rest::Request& request, ResponseWriter response,
                                    const Principal& caller) {
  const auto target = TargetOf(request, response, caller, ":agentId", "Agent");
  if (!target) return;
  const std::string& instance = target->instance;
  const std::string& trace = target->trace;
  const std::string& id = target->id;
  RunDatabaseJob(instance, trace, std::make_shared<ResponseWriter>(std::move(response)),
                 [id, tenant = caller.tenant, instance, trace](soci::session& session,
                                                               ResponseWriter& writer) {
                   if (!store::DeleteRegistryAgent(session, tenant, id)) {
                     SendProblem(writer, NoSuchAgent(id), instance, trace);
                     return;
                   }
                   writer.send(Code::No_Content);
                 });
}

void FrontDoor::ExecuteRegistryAgent(const Pistache::Rest::Request& request,
                                     ResponseWriter response, const Principal& caller) {
  const auto target = TargetOf(request, response, caller, ":agentId", "Agent");
  if (!target) return;
  const std::string& instance = target->instance;
  const std::string& trace = target->trace;
  const std::string& id = target->id;
  // An empty body runs the agent with no parameters.
  const auto body =
      request.body().empty() ? std::optional<Json>(Json::object()) : ObjectBody(request, response);
  if (!body) return;
  auto parsed = ParseRegistryAgentExecution(*body);
  if (auto* errors = std::get_if<engine::FieldErrors>(&parsed)) {
    SendProblem(response, Invalid(std::move(*errors)), instance, trace);
    return;
  }
  auto writer = std::make_shared<ResponseWriter>(std::move(response));
  RunDatabaseJob(
      instance, trace, writer,
      [this, id, caller, execution = std::get<RegistryAgentExecution>(parsed), instance, trace,
       writer](soci::session& session, ResponseWriter& answer) {
        const auto agent = store::SelectRegistryAgent(session, caller.tenant, id);
        if (!agent) {
          SendProblem(answer, NoSuchAgent(id), instance, trace);
          return;
        }
        if (agent->status != "active") {
          SendProblem(answer,
                      {409,
                       "agent-inactive",
                       "Conflict",
                       "Agent '" + id + "' is inactive; set its status to active to execute it",
                       {},
                       0},
                      instance, trace);
          return;
        }
        TaskRequest task;
        task.agent_type = agent->agent_type;
        task.task_type = agent->name;
        task.input = execution.parameters;
        if (!execution.context.empty()) task.input["context"] = execution.context;
        task.configuration = agent->configuration;
        task.timeout_seconds = execution.timeout_seconds;
        StartTask(task, agent->agent_type, caller, instance, trace, writer,
                  [id](const Json& created, SharedWriter shared) {
                    const std::string task_id =
                        created.at("tasks").at(0).at("id").get<std::string>();
                    shared->headers().add<Pistache::Http::Header::Location>("/v1/tasks/" + task_id);
                    SendJson(*shared, Code::Accepted,
                             {{"execution_id", created.at("id")},
                              {"task_id", task_id},
                              {"agent_id", id},
                              {"status", "queued"},
                              {"created_at", created.value("createdAt", "")},
                              {"status_url", "/v1/tasks/" + task_id}});
                  });
      });
}

}  // namespace agentstudio::daemon
