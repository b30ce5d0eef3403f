// The HTTP callback API (reference 000): agents that do not speak Kafka
// report through the front door. Each call becomes one message on
// `task-events` or `agent-heartbeats` and is answered 202 only once Kafka
// has it. A task event's id comes from X-Idempotency-Key (with the
// credential, agent, task and kind: CallbackEventId), so a retried call
// produces the same id and the schedulers apply it once (processed_messages),
// like any redelivered event. Callers report on their own tenant's tasks.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "auth/api_keys.hpp"
#include "daemon/front_door.hpp"
#include "daemon/http_headers.hpp"
#include "engine/definition_parser.hpp"
#include "engine/timestamp.hpp"
#include "schemas/command_codec.hpp"
#include "schemas/struct_json.hpp"
#include "sql/workflow_store.hpp"

namespace agentstudio::daemon {
namespace {

using Json = nlohmann::json;
using Pistache::Http::Code;
using Pistache::Http::ResponseWriter;

constexpr size_t kIdempotencyKeyMaxBytes = 255;

void SendInvalid(ResponseWriter& response, engine::FieldErrors errors,
                 const Pistache::Rest::Request& request) {
  SendProblem(response,
              {400, "validation-error", "Bad Request", "Invalid callback", std::move(errors), 0},
              request.resource(), TraceparentOf(request));
}

std::string HeaderOf(const Pistache::Rest::Request& request, const char* name) {
  const auto header = request.headers().tryGetRaw(name);
  return header ? header->value() : std::string();
}

// The agent id of X-Agent-ID, or empty after answering 400.
std::string AgentIdOf(const Pistache::Rest::Request& request, ResponseWriter& response) {
  std::string agent_id = HeaderOf(request, "X-Agent-ID");
  if (!engine::IsValidIdentifier(agent_id)) {
    SendInvalid(response,
                {{"X-Agent-ID", "the X-Agent-ID header must name the agent ([A-Za-z0-9._-])",
                  "REQUIRED_FIELD"}},
                request);
    return {};
  }
  return agent_id;
}

// What an agent's credential may report on: admin reports for every agent
// type, other credentials for their `agent_types` only.
bool MayReportFor(bool admin, const std::vector<std::string>& allowed, const std::string& type) {
  return admin || std::find(allowed.begin(), allowed.end(), type) != allowed.end();
}

// The same for a retry of one report, different for any other: the key is
// the caller's to choose, so it is scoped to the credential, the agent, the
// task and the kind of report (two agents, or two reports of one agent,
// that pick the same key do not suppress each other).
std::string CallbackEventId(const std::string& credential, const std::string& agent_id,
                            const std::string& task_id, schemas::TaskCallbackKind kind,
                            const std::string& key) {
  const std::string scope = credential + "\n" + agent_id + "\n" + task_id + "\n" +
                            std::to_string(static_cast<int>(kind)) + "\n" + key;
  return "cb_" + auth::Sha256Hex(scope).substr(0, 32);
}

Problem NotForYourTypes(const std::string& type) {
  return {403,         "authorization-error",
          "Forbidden", "this credential does not report for the agent type " + type,
          {},          0};
}

}  // namespace

void FrontDoor::ReportTask(const Pistache::Rest::Request& request, ResponseWriter response,
                           const Principal& caller, schemas::TaskCallbackKind kind) {
  if (RefuseWhileDraining(request, response)) return;
  const std::string agent_id = AgentIdOf(request, response);
  if (agent_id.empty()) return;
  const std::string key = HeaderOf(request, "X-Idempotency-Key");
  if (key.empty() || key.size() > kIdempotencyKeyMaxBytes) {
    SendInvalid(response,
                {{"X-Idempotency-Key",
                  "the X-Idempotency-Key header is required (at most 255 bytes): a retried call "
                  "with the same key is applied once",
                  "REQUIRED_FIELD"}},
                request);
    return;
  }
  auto parsed = schemas::ParseTaskCallback(kind, Json::parse(request.body(), nullptr, false));
  if (auto* errors = std::get_if<engine::FieldErrors>(&parsed)) {
    SendInvalid(response, std::move(*errors), request);
    return;
  }
  const std::string trace = TraceparentOf(request);
  const std::string instance = request.resource();
  RunDatabaseJob(
      instance, trace, std::make_shared<ResponseWriter>(std::move(response)),
      [this, callback = std::get<schemas::TaskCallback>(std::move(parsed)), agent_id, key, kind,
       tenant = caller.tenant, credential = caller.credential,
       admin = caller.scopes.count(auth::Scope::kAdmin) > 0, allowed = caller.agent_types, instance,
       trace](soci::session& session, ResponseWriter& writer) mutable {
        const auto owner = store::FindTaskOwner(session, callback.task_id);
        // Another tenant's task is not found, as everywhere (docs/security.md).
        if (!owner || owner->tenant != tenant) {
          SendProblem(writer, NotFoundProblem("Task '" + callback.task_id + "' not found"),
                      instance, trace);
          return;
        }
        if (!MayReportFor(admin, allowed, owner->agent_type)) {
          SendProblem(writer, NotForYourTypes(owner->agent_type), instance, trace);
          return;
        }
        if (!callback.workflow_id.empty() && callback.workflow_id != owner->workflow_id) {
          SendProblem(writer,
                      {400,
                       "validation-error",
                       "Bad Request",
                       "Invalid callback",
                       {{"workflow_id", "the task belongs to another workflow", "INVALID_FORMAT"}},
                       0},
                      instance, trace);
          return;
        }
        if (owner->attempt == 0) {
          SendProblem(writer,
                      {409,
                       "conflict",
                       "Conflict",
                       "Task '" + callback.task_id + "' was not dispatched to an agent yet",
                       {},
                       0},
                      instance, trace);
          return;
        }
        agentstudio::v1::TaskEvent& event = callback.event;
        event.set_schema_version(schemas::kSchemaVersion);
        event.set_event_id(CallbackEventId(credential, agent_id, callback.task_id, kind, key));
        event.set_task_id(callback.task_id);
        event.set_workflow_id(owner->workflow_id);
        event.set_attempt(callback.attempt.value_or(owner->attempt));
        event.set_agent_id(agent_id);
        *event.mutable_timestamp() = schemas::ToTimestamp(engine::WallClockNow());
        auto shared = std::make_shared<ResponseWriter>(std::move(writer));
        SubmitMessage(
            commands_.topics().task_events(), owner->workflow_id, event.SerializeAsString(), trace,
            [shared, event_id = event.event_id(), task_id = callback.task_id, instance,
             trace](const kafka::DeliveryResult& result) {
              if (!result.ok) {
                SendProblem(*shared, NotStored("The callback", result), instance, trace);
                return;
              }
              SendJson(*shared, Code::Accepted,
                       {{"status", "accepted"}, {"event_id", event_id}, {"task_id", task_id}});
            });
      });
}

void FrontDoor::ReportHeartbeat(const Pistache::Rest::Request& request, ResponseWriter response,
                                const Principal& caller) {
  if (RefuseWhileDraining(request, response)) return;
  const std::string agent_id = AgentIdOf(request, response);
  if (agent_id.empty()) return;
  auto parsed = schemas::ParseHeartbeatCallback(Json::parse(request.body(), nullptr, false));
  if (auto* errors = std::get_if<engine::FieldErrors>(&parsed)) {
    SendInvalid(response, std::move(*errors), request);
    return;
  }
  agentstudio::v1::AgentHeartbeat& heartbeat = std::get<agentstudio::v1::AgentHeartbeat>(parsed);
  const bool admin = caller.scopes.count(auth::Scope::kAdmin) > 0;
  for (const std::string& type : heartbeat.agent_types()) {
    if (!MayReportFor(admin, caller.agent_types, type)) {
      SendProblem(response, NotForYourTypes(type), request.resource(), TraceparentOf(request));
      return;
    }
  }
  heartbeat.set_schema_version(schemas::kSchemaVersion);
  heartbeat.set_agent_id(agent_id);
  heartbeat.set_tenant(caller.tenant);  // whose tasks a forwarder may post to it
  *heartbeat.mutable_timestamp() = schemas::ToTimestamp(engine::WallClockNow());
  const std::string trace = TraceparentOf(request);
  auto shared = std::make_shared<ResponseWriter>(std::move(response));
  SubmitMessage(
      commands_.topics().agent_heartbeats(), agent_id, heartbeat.SerializeAsString(), trace,
      [shared, agent_id, instance = request.resource(),
       trace](const kafka::DeliveryResult& result) {
        if (!result.ok) {
          SendProblem(*shared, NotStored("The heartbeat", result), instance, trace);
          return;
        }
        SendJson(*shared, Code::Accepted, {{"status", "accepted"}, {"agent_id", agent_id}});
      });
}

}  // namespace agentstudio::daemon
