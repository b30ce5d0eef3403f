// FrontDoor: starting workflows (create, execute-and-wait), answering waits,
// and the SSE event streams.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "daemon/front_door.hpp"
#include "daemon/http_headers.hpp"
#include "engine/planner.hpp"
#include "engine/timestamp.hpp"
#include "schemas/command_codec.hpp"
#include "schemas/execution_json.hpp"
#include "schemas/ids.hpp"
#include "sql/workflow_store.hpp"

namespace agentstudio::daemon {
namespace {

using Pistache::Http::Code;
using Pistache::Http::ResponseWriter;
using Json = nlohmann::json;

// A grace period past a workflow's own timeout, for the scheduler to fire it.
constexpr auto kTimeoutGrace = std::chrono::seconds(10);

Problem WorkflowTimeout(const std::string& workflow_id, int64_t timeout_seconds) {
  Problem problem{408,
                  "workflow-timeout",
                  "Workflow Timeout",
                  "Workflow execution exceeded the specified timeout",
                  {},
                  0};
  problem.extensions = {{"workflowId", workflow_id}, {"timeoutSeconds", timeout_seconds}};
  return problem;
}

// Retry-After: a guess, as nobody knows when one of the running ends.
constexpr int kConcurrentLimitRetryAfterS = 5;

Problem ConcurrentWorkflowLimit(int limit) {
  const std::string detail = "This tenant runs " + std::to_string(limit) +
                             " workflows already, the most its tier allows at once; retry when "
                             "one has ended";
  return {429,
          "concurrent-workflow-limit",
          "Too Many Concurrent Workflows",
          detail,
          {{"tenant", detail, "CONCURRENT_WORKFLOW_LIMIT"}},
          kConcurrentLimitRetryAfterS};
}

Problem UnknownAgentTypes(const std::vector<std::pair<size_t, std::string>>& steps) {
  Problem problem{400, "validation-error", "Validation Error", "Invalid agent type specified", {},
                  0};
  for (const auto& [index, type] : steps) {
    problem.errors.push_back({"definition.steps[" + std::to_string(index) + "].agentType",
                              "Agent type '" + type + "' not found", "AGENT_TYPE_NOT_FOUND"});
  }
  return problem;
}

}  // namespace

std::optional<engine::WorkflowRequest> FrontDoor::ParseStartBody(
    const Pistache::Rest::Request& request, ResponseWriter& response, const Principal& caller) {
  if (RefuseWhileDraining(request, response)) return std::nullopt;
  const Json body = Json::parse(request.body(), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    SendProblem(
        response,
        {400, "malformed-request", "Bad Request", "The request body is not valid JSON", {}, 0},
        request.resource(), TraceparentOf(request));
    return std::nullopt;
  }
  engine::ParsedWorkflowRequest parsed = engine::ParseWorkflowRequest(body);
  if (!parsed.ok()) {
    SendProblem(response,
                {422, "validation-error", "Validation Error",
                 "One or more validation errors occurred", std::move(parsed.errors), 0},
                request.resource(), TraceparentOf(request));
    return std::nullopt;
  }
  parsed.request.tenant = caller.tenant;
  return std::move(parsed.request);
}

std::chrono::milliseconds FrontDoor::WaitFor(
    const std::optional<std::chrono::milliseconds>& timeout) const {
  if (timeout) return *timeout + kTimeoutGrace;
  return options_.execute_timeout;
}

void FrontDoor::StartWorkflow(StartPlan plan, SharedWriter writer, const Principal& caller) {
  const std::string instance = plan.instance;
  const std::string trace = plan.trace;
  const int limit = authenticator_.mode() == auth::AuthMode::kNone
                        ? 0
                        : options_.auth.rate_limits.TierOf(caller.tier).concurrent_workflows;
  RunDatabaseJob(
      instance, trace, writer,
      [this, plan = std::move(plan), writer, limit](soci::session& session, ResponseWriter&) {
        const engine::WorkflowDefinition& definition = plan.request.definition;
        std::vector<std::string> types;
        for (const auto& step : definition.steps) types.push_back(step.agent_type);
        const std::vector<std::string> unknown = known_types_.Unknown(session, types);
        if (!unknown.empty()) {
          std::vector<std::pair<size_t, std::string>> steps;
          for (size_t i = 0; i < types.size(); ++i) {
            if (std::find(unknown.begin(), unknown.end(), types[i]) != unknown.end()) {
              steps.emplace_back(i, types[i]);
            }
          }
          SendProblem(*writer,
                      plan.unknown_types ? plan.unknown_types(steps) : UnknownAgentTypes(steps),
                      plan.instance, plan.trace);
          return;
        }
        StartReservations::Reservation reservation;
        if (limit > 0) {
          // Reserved before counting: of starts checked at once, none passes
          // unseen by the others (all may be refused, which a retry fixes).
          const std::string& tenant = plan.request.tenant;
          int reserved = 0;
          reservation = reservations_.Reserve(tenant, &reserved);
          const int64_t active =
              store::CountActiveExecutions(session, tenant, accepted_.IdsOf(tenant), limit);
          if (active + reserved > limit) {
            SendProblem(*writer, ConcurrentWorkflowLimit(limit), plan.instance, plan.trace);
            return;
          }
        }
        const std::string workflow_id = schemas::NewWorkflowId();
        std::vector<std::string> task_ids;
        for (size_t i = 0; i < definition.steps.size(); ++i)
          task_ids.push_back(schemas::NewTaskId());
        const int64_t now = engine::WallClockNow();
        const auto command = schemas::MakeStartCommand(plan.request, workflow_id, task_ids, now);
        // The answer shows the execution as the scheduler will plan it: the
        // same pure function over the same ids and time.
        Json created = schemas::ExecutionToJson(
            engine::PlanExecution(workflow_id, plan.request, task_ids, now), {});
        const uint64_t wait = plan.before_send ? plan.before_send(workflow_id, writer) : 0;
        // Released before the answer, not when the callback is destroyed
        // (later, and on librdkafka's thread): a client that starts another
        // workflow on reading the 201 must not find this one counted twice,
        // accepted and still reserved.
        auto held = std::make_shared<StartReservations::Reservation>(std::move(reservation));
        SubmitCommand(command, plan.trace,
                      [this, writer, created = std::move(created), workflow_id, wait,
                       tenant = plan.request.tenant, held, on_durable = plan.on_durable,
                       on_refused = plan.on_refused, instance = plan.instance,
                       trace = plan.trace](const kafka::DeliveryResult& result) {
                        if (!result.ok) {
                          waiter_.Cancel(wait);
                          spdlog::warn("workflow {} not accepted: Kafka delivery failed: {}",
                                       workflow_id, result.error);
                          // A body under the HTTP limit can still encode
                          // bigger than a Kafka message may be.
                          Problem problem =
                              result.too_large
                                  ? Problem{413,
                                            "payload-too-large",
                                            "Payload Too Large",
                                            "The workflow is too large to be sent as one "
                                            "Kafka message; make its input or "
                                            "configuration smaller",
                                            {},
                                            0}
                                  : NotStored("The workflow", result);
                          // The id to look for when it may have been stored anyway.
                          if (result.possibly_stored)
                            problem.extensions = {{"workflowId", workflow_id}};
                          // Undone before the answer, so a client that reads the
                          // answer finds nothing left behind.
                          if (on_refused) on_refused();
                          held->reset();
                          SendProblem(*writer, problem, instance, trace);
                          return;
                        }
                        // Before answering: a GET that follows finds it even if no
                        // scheduler has applied the start yet.
                        accepted_.Put(workflow_id, tenant, created);
                        held->reset();
                        if (on_durable) on_durable(workflow_id, created, writer);
                      });
      });
}

void FrontDoor::ExecuteWorkflow(const Pistache::Rest::Request& request, ResponseWriter response,
                                const Principal& caller) {
  auto parsed = ParseStartBody(request, response, caller);
  if (!parsed) return;
  const auto timeout = WaitFor(parsed->definition.timeout_value);
  const int64_t timeout_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(
          parsed->definition.timeout_value.value_or(options_.execute_timeout))
          .count();
  StartPlan plan{std::move(*parsed),
                 request.resource(),
                 TraceparentOf(request),
                 nullptr,
                 nullptr,
                 nullptr,
                 nullptr};
  plan.before_send = [this, timeout, timeout_seconds, instance = plan.instance, trace = plan.trace](
                         const std::string& workflow_id, SharedWriter writer) {
    return waiter_.Wait(workflow_id, 0, timeout, [=, this](WaitEnd how) {
      AnswerWorkflowResult(workflow_id, how, writer, instance, trace, timeout_seconds);
    });
  };
  StartWorkflow(std::move(plan), std::make_shared<ResponseWriter>(std::move(response)), caller);
}

void FrontDoor::AnswerWorkflowResult(const std::string& workflow_id, WaitEnd how,
                                     SharedWriter writer, const std::string& instance,
                                     const std::string& trace, int64_t timeout_seconds) {
  switch (how) {
    case WaitEnd::kStopping:
      SendProblem(*writer, Unavailable("The server is shutting down; the workflow goes on"),
                  instance, trace);
      return;
    case WaitEnd::kTimedOut:
      SendProblem(*writer, WorkflowTimeout(workflow_id, timeout_seconds), instance, trace);
      return;
    case WaitEnd::kEnded:
      break;
  }
  RunDatabaseJob(
      instance, trace, writer,
      [workflow_id, instance, trace, timeout_seconds](soci::session& session, ResponseWriter& out) {
        const auto states = store::LoadExecutions(session, {workflow_id}, false);
        if (states.empty()) {
          SendProblem(out,
                      NotFoundProblem("Workflow '" + workflow_id +
                                      "' does not exist: it was deleted, or its start could "
                                      "not be applied (see the dead-letter topic)"),
                      instance, trace);
          return;
        }
        const engine::WorkflowState& state = states.begin()->second;
        if (schemas::FailedByWorkflowTimeout(state)) {
          SendProblem(out, WorkflowTimeout(workflow_id, timeout_seconds), instance, trace);
          return;
        }
        SendJson(out, Code::Ok,
                 schemas::WorkflowResultToJson(state, store::LoadEvents(session, workflow_id)));
      });
}

void FrontDoor::StreamEvents(const Pistache::Rest::Request& request, ResponseWriter response,
                             const Principal& caller) {
  const auto target = TargetOf(request, response, caller);
  if (!target) return;
  const auto& [trace, instance, id, tenant, not_found] = *target;
  int64_t last_event_id = 0;
  if (auto header = request.headers().tryGetRaw("Last-Event-ID")) {
    const std::string& text = header->value();
    char* end = nullptr;
    last_event_id = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || last_event_id < 0) {
      SendProblem(
          response,
          {400,
           "validation-error",
           "Bad Request",
           "Last-Event-ID must be the id of an event (a non-negative integer)",
           {{"Last-Event-ID", "not a non-negative integer: '" + text + "'", "INVALID_FORMAT"}},
           0},
          instance, trace);
      return;
    }
  }
  RunDatabaseJob(instance, trace, std::make_shared<ResponseWriter>(std::move(response)),
                 [this, id, tenant, instance, trace, not_found, last_event_id](
                     soci::session& session, ResponseWriter& writer) {
                   const auto marks = store::LoadMarks(session, {id});
                   // Accepted here and not applied yet: its events are still to come.
                   const bool found = marks.empty() ? accepted_.Get(id, tenant).has_value()
                                                    : marks.begin()->second.tenant == tenant;
                   if (!found) {
                     SendProblem(writer, not_found, instance, trace);
                     return;
                   }
                   streams_.Open(session, id, last_event_id, writer);
                 });
}

}  // namespace agentstudio::daemon
