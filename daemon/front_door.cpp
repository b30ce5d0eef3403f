#include "daemon/front_door.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <map>
#include <set>

#include "daemon/http_headers.hpp"
#include "daemon/openapi.hpp"
#include "daemon/persistent_connections.hpp"
#include "daemon/problem.hpp"
#include "daemon/workflow_list.hpp"
#include "engine/planner.hpp"
#include "engine/timestamp.hpp"
#include "schemas/command_codec.hpp"
#include "schemas/execution_json.hpp"
#include "schemas/ids.hpp"
#include "sql/agent_store.hpp"
#include "sql/workflow_store.hpp"

namespace agentstudio::daemon {

namespace {

using Pistache::Http::Code;
using Pistache::Http::ResponseWriter;
using Json = nlohmann::json;

// ResponseWriter is move-only; callbacks that answer later share it.
using SharedWriter = std::shared_ptr<ResponseWriter>;

// Room reserved per event for a workflow's text, so that a long event log
// is not copied over and over as its text grows (a progress event is about
// 200 bytes).
constexpr size_t kEventBytesGuess = 256;
constexpr int64_t kEventsReservedAtMost = 100000;

// The 400 of a list endpoint whose query parameters are wrong (each listed).
void SendInvalidQuery(ResponseWriter& response, engine::FieldErrors errors,
                      const std::string& instance, const std::string& trace) {
  SendProblem(response, InvalidQueryProblem(std::move(errors)), instance, trace);
}

}  // namespace

FrontDoor::FrontDoor(FrontDoorOptions options, store::SessionPool& pool,
                     kafka::WorkflowCommandProducer& commands, kafka::MessageProducer& producer,
                     BlockingExecutor& executor, kafka::WorkflowEventFeed& feed)
    : options_(std::move(options)),
      pool_(pool),
      commands_(commands),
      producer_(producer),
      executor_(executor),
      feed_(feed),
      known_types_(options_.local_agent_types),
      waiter_(feed, pool),
      streams_(feed, pool, executor),
      authenticator_(options_.auth, options_.api_keys),
      token_issuer_(options_.auth.jwt, options_.api_keys, options_.token_lifetime),
      api_docs_(options_.api_docs_dir.empty() ? std::map<std::string, StaticFile>{}
                                              : LoadApiDocsPages(options_.api_docs_dir)) {
  // Any event of a workflow means a scheduler applied its start: PostgreSQL
  // answers for it from now on.
  feed.SubscribeToAll(
      [this](const kafka::WorkflowEventNotice& notice) { accepted_.Erase(notice.workflow_id); });
  using namespace Pistache::Rest;
  using Pistache::Http::Method;
  // Every route goes through `add`, so the methods a path does not serve can
  // answer 405 problem+json (Pistache's own 405 is plain text).
  std::map<std::string, std::set<Method>> methods_of;
  const auto add_open = [&](Method method, const std::string& path, Route::Handler handler) {
    methods_of[path].insert(method);
    routes_.push_back({method, path, std::nullopt});
    router_.addRoute(method, path, std::move(handler));
  };
  const auto add = [&](Method method, const std::string& path, auth::Scope scope,
                       GuardedHandler handler) {
    methods_of[path].insert(method);
    routes_.push_back({method, path, scope});
    router_.addRoute(method, path, Guarded(scope, std::move(handler)));
  };
  using Handler = void (FrontDoor::*)(const Request&, ResponseWriter, const Principal&);
  const auto bind = [this](Handler handler) -> GuardedHandler {
    return [this, handler](const Request& request, ResponseWriter w, const Principal& caller) {
      (this->*handler)(request, std::move(w), caller);
    };
  };
  using auth::Scope;
  add(Method::Post, "/api/workflows", Scope::kWorkflowsExecute, bind(&FrontDoor::CreateWorkflow));
  add(Method::Post, "/api/workflows/execute", Scope::kWorkflowsExecute,
      bind(&FrontDoor::ExecuteWorkflow));
  add(Method::Get, "/api/workflows/:id/events", Scope::kWorkflowsRead,
      bind(&FrontDoor::StreamEvents));
  add(Method::Get, "/api/workflows", Scope::kWorkflowsRead, bind(&FrontDoor::ListWorkflows));
  add(Method::Get, "/api/workflows/:id", Scope::kWorkflowsRead, bind(&FrontDoor::GetWorkflow));
  add(Method::Get, "/api/workflows/:id/checkpoints", Scope::kWorkflowsRead,
      bind(&FrontDoor::GetCheckpoints));
  for (const auto& [verb, control] :
       {std::pair{"cancel", engine::Control::kCancel}, std::pair{"pause", engine::Control::kPause},
        std::pair{"resume", engine::Control::kResume}}) {
    add(Method::Post, std::string("/api/workflows/:id/") + verb, Scope::kWorkflowsExecute,
        [this, control = control](const Request& request, ResponseWriter w,
                                  const Principal& caller) {
          ControlWorkflow(request, std::move(w), caller, control);
        });
  }
  add(Method::Delete, "/api/workflows/:id", Scope::kWorkflowsWrite,
      [this](const Request& request, ResponseWriter w, const Principal& caller) {
        ControlWorkflow(request, std::move(w), caller, engine::Control::kDelete);
      });
  add(Method::Get, "/api/meta-agent/types", Scope::kWorkflowsRead, bind(&FrontDoor::AgentTypes));
  add(Method::Get, "/api/meta-agent/health", Scope::kWorkflowsRead, bind(&FrontDoor::AgentHealth));
  for (const bool stream : {false, true}) {
    add(Method::Post,
        stream ? "/api/meta-agent/:agentType/execute/stream" : "/api/meta-agent/:agentType/execute",
        Scope::kTasksExecute,
        [this, stream](const Request& request, ResponseWriter w, const Principal& caller) {
          ExecuteAgentTask(request, std::move(w), caller, stream);
        });
  }
  add(Method::Post, "/api/meta-agent/tasks/:taskId/cancel", Scope::kTasksExecute,
      bind(&FrontDoor::CancelAgentTask));
  for (const auto& [name, kind] : {std::pair{"progress", schemas::TaskCallbackKind::kProgress},
                                   std::pair{"completion", schemas::TaskCallbackKind::kCompletion},
                                   std::pair{"error", schemas::TaskCallbackKind::kError},
                                   std::pair{"handoff", schemas::TaskCallbackKind::kHandoff}}) {
    add(Method::Post, std::string("/callbacks/v1/") + name, Scope::kAgentsReport,
        [this, kind = kind](const Request& request, ResponseWriter w, const Principal& caller) {
          ReportTask(request, std::move(w), caller, kind);
        });
  }
  add(Method::Post, "/callbacks/v1/heartbeat", Scope::kAgentsReport,
      bind(&FrontDoor::ReportHeartbeat));
  add(Method::Post, "/v1/tasks", Scope::kTasksExecute, bind(&FrontDoor::CreateTask));
  add(Method::Get, "/v1/tasks", Scope::kWorkflowsRead, bind(&FrontDoor::ListTasks));
  add(Method::Get, "/v1/tasks/:taskId", Scope::kWorkflowsRead, bind(&FrontDoor::GetTask));
  add(Method::Get, "/v1/tasks/:taskId/results", Scope::kWorkflowsRead,
      bind(&FrontDoor::GetTaskResults));
  add(Method::Get, "/v1/tasks/:taskId/logs", Scope::kWorkflowsRead, bind(&FrontDoor::GetTaskLogs));
  add(Method::Post, "/v1/tasks/:taskId/cancel", Scope::kTasksExecute, bind(&FrontDoor::CancelTask));
  add(Method::Get, "/v1/agents", Scope::kWorkflowsRead, bind(&FrontDoor::ListAgents));
  add(Method::Get, "/v1/agents/:agentId", Scope::kWorkflowsRead, bind(&FrontDoor::GetAgent));
  add(Method::Get, "/v1/agents/:agentId/health", Scope::kWorkflowsRead,
      bind(&FrontDoor::GetAgentHealth));
  add(Method::Get, "/v1/health", Scope::kWorkflowsRead, bind(&FrontDoor::SystemHealth));
  add(Method::Get, "/api/v1/agents", Scope::kWorkflowsRead, bind(&FrontDoor::ListRegistryAgents));
  add(Method::Post, "/api/v1/agents", Scope::kAgentsWrite, bind(&FrontDoor::CreateRegistryAgent));
  add(Method::Get, "/api/v1/agents/:agentId", Scope::kWorkflowsRead,
      bind(&FrontDoor::GetRegistryAgent));
  add(Method::Put, "/api/v1/agents/:agentId", Scope::kAgentsWrite,
      bind(&FrontDoor::UpdateRegistryAgent));
  add(Method::Delete, "/api/v1/agents/:agentId", Scope::kAgentsWrite,
      bind(&FrontDoor::DeleteRegistryAgent));
  add(Method::Post, "/api/v1/agents/:agentId/execute", Scope::kTasksExecute,
      bind(&FrontDoor::ExecuteRegistryAgent));
  add(Method::Get, "/api/v1/executions", Scope::kWorkflowsRead, bind(&FrontDoor::ListExecutions));
  add(Method::Get, "/api/v1/executions/:executionId", Scope::kWorkflowsRead,
      bind(&FrontDoor::GetExecution));
  add(Method::Get, "/api/v1/executions/:executionId/status", Scope::kWorkflowsRead,
      bind(&FrontDoor::GetExecutionStatus));
  add(Method::Get, "/api/v1/executions/:executionId/logs", Scope::kWorkflowsRead,
      bind(&FrontDoor::GetExecutionLogs));
  add(Method::Post, "/api/v1/executions/:executionId/cancel", Scope::kWorkflowsExecute,
      bind(&FrontDoor::CancelExecution));
  add_open(Method::Get, "/health", Routes::bind(&FrontDoor::Health, this));
  add_open(Method::Post, "/oauth/token", Routes::bind(&FrontDoor::IssueToken, this));
  // The document is part of the binary, so it always describes this build.
  add_open(Method::Get, "/openapi.json", [](const Request&, ResponseWriter w) {
    SendJsonText(w, Code::Ok, std::string(openapi::kOpenapi));
    return Route::Result::Ok;
  });
  for (const char* path : {"/docs", "/docs/:file", "/redoc", "/redoc/:file"}) {
    add_open(Method::Get, path, [this](const Request& request, ResponseWriter w) {
      const auto page = api_docs_.find(request.resource());
      if (page == api_docs_.end()) {
        SendProblem(w,
                    NotFoundProblem(api_docs_.empty()
                                        ? "The API documentation pages are not installed here "
                                          "(AGENTSTUDIO_API_DOCS_DIR); /openapi.json is"
                                        : "No such file of the API documentation pages"),
                    request.resource(), TraceparentOf(request));
        return Route::Result::Ok;
      }
      w.setMime(Pistache::Http::Mime::MediaType::fromString(page->second.content_type));
      w.send(Code::Ok, page->second.body);
      return Route::Result::Ok;
    });
  }
  if (options_.metrics != nullptr) {
    add(Method::Get, "/metrics", Scope::kAdmin, bind(&FrontDoor::Metrics));
  }
  for (const auto& [path, allowed] : methods_of) {
    std::string allow;
    for (const Method method : allowed) {
      allow += (allow.empty() ? "" : ", ") + std::string(Pistache::Http::methodString(method));
    }
    for (const Method method :
         {Method::Get, Method::Post, Method::Put, Method::Patch, Method::Delete}) {
      if (allowed.count(method) > 0) continue;
      router_.addRoute(method, path, [allow](const Request& request, ResponseWriter w) {
        w.headers().add(std::make_shared<AllowHeader>(allow));
        SendProblem(w,
                    {405,
                     "method-not-allowed",
                     "Method Not Allowed",
                     std::string(Pistache::Http::methodString(request.method())) +
                         " is not allowed here; allowed: " + allow,
                     {},
                     0},
                    request.resource(), TraceparentOf(request));
        return Route::Result::Ok;
      });
    }
  }
  router_.addNotFoundHandler(Routes::bind(&FrontDoor::NotFound, this));
}

FrontDoor::~FrontDoor() { Stop(); }

Pistache::Rest::Route::Handler FrontDoor::Guarded(auth::Scope scope, GuardedHandler handler) const {
  return [this, scope, handler = std::move(handler)](const Pistache::Rest::Request& request,
                                                     Pistache::Http::ResponseWriter response) {
    std::string authorization, api_key;
    if (auto header = request.headers().tryGet<Pistache::Http::Header::Authorization>()) {
      authorization = header->value();
    }
    if (auto raw = request.headers().tryGetRaw("X-API-Key")) api_key = raw->value();
    const auth::AuthResult result =
        authenticator_.Authenticate(authorization, api_key, engine::WallClockNow() / 1000);
    if (const auto* failure = std::get_if<auth::AuthFailure>(&result)) {
      // RFC 6750 section 3: the scheme to use, and why the token failed.
      response.headers().add(std::make_shared<WwwAuthenticateHeader>(
          failure->error == auth::AuthError::kMissing ? "Bearer"
                                                      : "Bearer error=\"invalid_token\""));
      SendProblem(response, {401, "authentication-error", "Unauthorized", failure->detail, {}, 0},
                  request.resource(), TraceparentOf(request));
      return Pistache::Rest::Route::Result::Ok;
    }
    const Principal& caller = std::get<Principal>(result);
    if (!TakeRequest(caller, request, response)) return Pistache::Rest::Route::Result::Ok;
    if (!caller.Has(scope)) {
      SendProblem(response,
                  {403,
                   "authorization-error",
                   "Forbidden",
                   "this route needs the scope " + std::string(auth::ToString(scope)),
                   {},
                   0},
                  request.resource(), TraceparentOf(request));
      return Pistache::Rest::Route::Result::Ok;
    }
    if (request.method() != Pistache::Http::Method::Get) Audit(caller, request);
    handler(request, std::move(response), caller);
    return Pistache::Rest::Route::Result::Ok;
  };
}

void FrontDoor::Audit(const Principal& caller, const Pistache::Rest::Request& request) {
  // Names, never credentials: the credential field is a key's id or the
  // token's tenant and subject.
  spdlog::info("audit {}", Json{{"caller", caller.subject},
                                {"credential", caller.credential},
                                {"tenant", caller.tenant},
                                {"method", Pistache::Http::methodString(request.method())},
                                {"resource", request.resource()},
                                {"traceparent", TraceparentOf(request)}}
                               .dump());
}

bool FrontDoor::TakeRequest(const Principal& caller, const Pistache::Rest::Request& request,
                            ResponseWriter& response) const {
  if (authenticator_.mode() == auth::AuthMode::kNone) return true;
  const auth::RateTier tier = options_.auth.rate_limits.TierOf(caller.tier);
  const auth::RateDecision taken =
      rate_limiter_.Take(caller.credential, tier.requests_per_minute, engine::WallClockNow());
  if (taken.limit == 0) return true;  // an unlimited tier
  // Sent with whatever the handler answers later.
  response.headers()
      .add(std::make_shared<RateLimitLimitHeader>(std::to_string(taken.limit)))
      .add(std::make_shared<RateLimitRemainingHeader>(std::to_string(taken.remaining)))
      .add(std::make_shared<RateLimitResetHeader>(std::to_string(taken.reset_unix)));
  if (taken.allowed) return true;
  const std::string detail = "More than " + std::to_string(taken.limit) +
                             " requests a minute with this credential; retry in " +
                             std::to_string(taken.retry_after_s) + " s";
  SendProblem(response,
              {429,
               "rate-limit-exceeded",
               "Too Many Requests",
               detail,
               {{"credential", detail, "RATE_LIMIT_EXCEEDED"}},
               taken.retry_after_s},
              request.resource(), TraceparentOf(request));
  return false;
}

void FrontDoor::Start() {
  endpoint_ = std::make_unique<Pistache::Http::Endpoint>(Pistache::Address(options_.address));
  endpoint_->init(Pistache::Http::Endpoint::options()
                      .threads(options_.threads)
                      .maxRequestSize(options_.max_body_bytes)
                      .flags(Pistache::Tcp::Options::ReuseAddr));
  const bool tls = !options_.tls_cert_file.empty();
  if (tls) endpoint_->useSSL(options_.tls_cert_file, options_.tls_key_file);
  endpoint_->setHandler(std::make_shared<PersistentConnectionHandler>(router_, connections_));
  endpoint_->serveThreaded();
  started_ = true;
  spdlog::info("front door listening on {}://{}:{}", tls ? "https" : "http",
               Pistache::Address(options_.address).host(), port());
}

void FrontDoor::BeginDrain() {
  draining_ = true;
  connections_->BeginClosing();
  waiter_.Stop();
  streams_.CloseAll();
}

void FrontDoor::Stop() {
  if (!started_) return;
  started_ = false;
  endpoint_->shutdown();
  connections_->ShutdownAll();
}

uint16_t FrontDoor::port() const { return static_cast<uint16_t>(endpoint_->getPort()); }

std::optional<FrontDoor::Target> FrontDoor::TargetOf(const Pistache::Rest::Request& request,
                                                     ResponseWriter& response,
                                                     const Principal& caller,
                                                     const std::string& param,
                                                     const std::string& noun) {
  if (RefuseWhileDraining(request, response)) return std::nullopt;
  Target target{TraceparentOf(request),
                request.resource(),
                request.param(param).as<std::string>(),
                caller.tenant,
                {}};
  target.not_found = NotFoundProblem(noun + " '" + target.id + "' not found");
  // An id that cannot name one is not looked up.
  if (!engine::IsValidIdentifier(target.id)) {
    SendProblem(response, target.not_found, target.instance, target.trace);
    return std::nullopt;
  }
  return target;
}

bool FrontDoor::RefuseWhileDraining(const Pistache::Rest::Request& request,
                                    ResponseWriter& response) {
  if (!draining_) return false;
  SendProblem(response, Unavailable("The server is shutting down"), request.resource(),
              TraceparentOf(request));
  return true;
}

void FrontDoor::CreateWorkflow(const Pistache::Rest::Request& request, ResponseWriter response,
                               const Principal& caller) {
  auto parsed = ParseStartBody(request, response, caller);
  if (!parsed) return;
  StartPlan plan{std::move(*parsed),
                 request.resource(),
                 TraceparentOf(request),
                 nullptr,
                 nullptr,
                 nullptr,
                 nullptr};
  plan.on_durable = [](const std::string& workflow_id, const Json& created, SharedWriter writer) {
    writer->headers().add<Pistache::Http::Header::Location>("/api/workflows/" + workflow_id);
    writer->headers().add(std::make_shared<ETagHeader>(created.value("etag", "")));
    SendJson(*writer, Code::Created, created);
  };
  StartWorkflow(std::move(plan), std::make_shared<ResponseWriter>(std::move(response)), caller);
}

void FrontDoor::RunDatabaseJob(const std::string& instance, const std::string& trace,
                               SharedWriter writer,
                               std::function<void(soci::session&, ResponseWriter&)> job) {
  const bool queued = executor_.Submit([this, writer, instance, trace, job = std::move(job)] {
    try {
      pool_.Run([&](soci::session& session) { job(session, *writer); });
    } catch (const std::exception& error) {
      const store::DatabaseError classified = store::ClassifyDatabaseError(error);
      spdlog::error("{}: {}", instance, classified.what());
      SendProblem(*writer,
                  classified.IsRetryable() ? Unavailable("The database is unavailable; retry later")
                                           : Problem{500,
                                                     "internal-error",
                                                     "Internal Server Error",
                                                     "The request could not be completed",
                                                     {},
                                                     0},
                  instance, trace);
    }
  });
  if (!queued) SendProblem(*writer, Unavailable("Too many requests in flight"), instance, trace);
}

void FrontDoor::GetWorkflow(const Pistache::Rest::Request& request, ResponseWriter response,
                            const Principal& caller) {
  const auto target = TargetOf(request, response, caller);
  if (!target) return;
  const auto& [trace, instance, id, tenant, not_found] = *target;
  // A poller that sends the ETag it has gets 304 while nothing changed, and
  // the events are not even read.
  RunDatabaseJob(
      instance, trace, std::make_shared<ResponseWriter>(std::move(response)),
      [this, id, tenant, instance, trace, not_found, if_none_match = IfNoneMatchOf(request)](
          soci::session& session, ResponseWriter& writer) {
        // `body` gives the document's text.
        const auto answer = [&](const std::string& etag, auto body) {
          writer.headers().add(std::make_shared<ETagHeader>(etag));
          if (IfNoneMatchHolds(if_none_match, etag)) {
            writer.send(Code::Not_Modified);
            return;
          }
          SendJsonText(writer, Code::Ok, body());
        };
        auto states = store::LoadExecutions(session, {id}, /*for_update=*/false);
        if (!states.empty() && states.begin()->second.tenant != tenant) {
          SendProblem(writer, not_found, instance, trace);
          return;
        }
        if (states.empty()) {
          // Accepted here a moment ago and not applied yet: pending.
          if (auto accepted = accepted_.Get(id, tenant)) {
            answer(accepted->value("etag", ""), [&] { return accepted->dump(); });
            return;
          }
          SendProblem(writer, not_found, instance, trace);
          return;
        }
        accepted_.Erase(id);  // from now on the database answers
        const engine::WorkflowState& state = states.begin()->second;
        answer(schemas::ETagOf(state), [&] {
          // The events go from the server's answer straight into
          // the text, without a copy of each.
          return schemas::ExecutionToJsonText(
              state,
              static_cast<size_t>(
                  std::clamp<int64_t>(state.last_event_sequence, 0, kEventsReservedAtMost)) *
                  kEventBytesGuess,
              [&](std::string& out) {
                schemas::EventLogJson log(out);
                store::ForEachEventText(session, id, [&](const store::EventText& e) {
                  log.Add(e.sequence, e.type, e.severity, e.data_json, e.timestamp);
                });
                log.Finish();
              });
        });
      });
}

void FrontDoor::GetCheckpoints(const Pistache::Rest::Request& request, ResponseWriter response,
                               const Principal& caller) {
  const auto target = TargetOf(request, response, caller);
  if (!target) return;
  const auto& [trace, instance, id, tenant, not_found] = *target;
  auto parsed = ParseCheckpointPageQuery(QueryParameters(request));
  if (auto* errors = std::get_if<engine::FieldErrors>(&parsed)) {
    SendInvalidQuery(response, std::move(*errors), instance, trace);
    return;
  }
  // A page at a time (snapshots hold every result so far): the next page's
  // address goes in a Link header, so the body keeps the reference's shape.
  RunDatabaseJob(
      instance, trace, std::make_shared<ResponseWriter>(std::move(response)),
      [id, tenant, instance, trace, not_found, page = std::get<CheckpointPageQuery>(parsed)](
          soci::session& session, ResponseWriter& writer) {
        const auto marks = store::LoadMarks(session, {id});
        if (marks.empty() || marks.begin()->second.tenant != tenant) {
          SendProblem(writer, not_found, instance, trace);
          return;
        }
        auto checkpoints = store::LoadCheckpoints(session, id, page.after_sequence, page.limit + 1);
        const bool more = checkpoints.size() > static_cast<size_t>(page.limit);
        if (more) checkpoints.pop_back();
        Json list = Json::array();
        for (const auto& checkpoint : checkpoints) {
          list.push_back(schemas::CheckpointToJson(id, checkpoint));
        }
        if (more) {
          writer.headers().add(std::make_shared<LinkHeader>(
              "<" + instance + "?afterSequence=" + std::to_string(checkpoints.back().sequence) +
              "&limit=" + std::to_string(page.limit) + ">; rel=\"next\""));
        }
        SendJson(writer, Code::Ok, list);
      });
}

void FrontDoor::SubmitCommand(const agentstudio::v1::WorkflowCommand& command,
                              const std::string& trace, kafka::DeliveryCallback done) {
  ++*unconfirmed_commands_;
  commands_.Submit(command, trace,
                   [unconfirmed = unconfirmed_commands_,
                    done = std::move(done)](const kafka::DeliveryResult& result) {
                     --*unconfirmed;
                     done(result);
                   });
}

void FrontDoor::SubmitMessage(const std::string& topic, const std::string& key,
                              const std::string& payload, const std::string& trace,
                              kafka::DeliveryCallback done) {
  ++*unconfirmed_commands_;
  commands_.producer().Send(topic, key, payload, {{"traceparent", trace}},
                            [unconfirmed = unconfirmed_commands_,
                             done = std::move(done)](const kafka::DeliveryResult& result) {
                              --*unconfirmed;
                              done(result);
                            });
}

void FrontDoor::ControlWorkflow(const Pistache::Rest::Request& request, ResponseWriter response,
                                const Principal& caller, engine::Control control,
                                const std::string& param, const std::string& noun,
                                ControlAnswer durable) {
  const auto target = TargetOf(request, response, caller, param, noun);
  if (!target) return;
  const auto& [trace, instance, id, tenant, not_found] = *target;
  RunDatabaseJob(instance, trace, std::make_shared<ResponseWriter>(std::move(response)),
                 [this, id, tenant, instance, trace, not_found, control,
                  durable = std::move(durable)](soci::session& session, ResponseWriter& writer) {
                   const auto states = store::LoadExecutions(session, {id}, /*for_update=*/false);
                   ControlTarget current;
                   if (!states.empty()) {
                     const engine::WorkflowState& state = states.begin()->second;
                     if (state.tenant != tenant) {
                       SendProblem(writer, not_found, instance, trace);
                       return;
                     }
                     current = {state.status, state.last_event_sequence,
                                WaitFor(state.definition.timeout_value)};
                   } else if (!accepted_.Get(id, tenant)) {
                     SendProblem(writer, not_found, instance, trace);
                     return;
                   }
                   // else: accepted here and not applied yet, so pending; the
                   // command follows the start on the workflow's partition.
                   SendControl(id, control, current,
                               std::make_shared<ResponseWriter>(std::move(writer)), instance, trace,
                               durable);
                 });
}

void FrontDoor::SendControl(const std::string& id, engine::Control control,
                            const ControlTarget& current, SharedWriter writer,
                            const std::string& instance, const std::string& trace,
                            ControlAnswer durable) {
  static constexpr const char* kVerbs[] = {"cancel", "pause", "resume", "delete"};
  static constexpr const char* kDone[] = {"cancelled", "paused", "resumed", "deleted"};
  const auto index = static_cast<size_t>(control);
  if (!engine::IsAllowed(control, current.status)) {
    const bool running = current.status == engine::WorkflowStatus::kRunning ||
                         current.status == engine::WorkflowStatus::kPending;
    const std::string message = std::string("Cannot ") + kVerbs[index] + " workflow in '" +
                                std::string(engine::ToString(current.status)) + "' status";
    SendProblem(*writer,
                {409,
                 "invalid-operation",
                 "Invalid Operation",
                 message,
                 {{"status", message,
                   control == engine::Control::kDelete && running ? "WORKFLOW_ALREADY_RUNNING"
                                                                  : "INVALID_WORKFLOW_STATUS"}},
                 0},
                instance, trace);
    return;
  }
  const std::string done_message = "Workflow '" + id + "' " + kDone[index] + " successfully";
  // Resume answers when the workflow ends, delete once the deletion applied
  // (a GET after the 200 is a 404), the others once the command is durable.
  // One answer per request, whichever comes first: the wait (which may end
  // at once while stopping) or the delivery report.
  auto answered = std::make_shared<std::atomic<bool>>(false);
  const auto first = [answered] { return !answered->exchange(true); };
  const bool answered_by_wait =
      control == engine::Control::kResume || control == engine::Control::kDelete;
  uint64_t wait = 0;
  if (control == engine::Control::kResume) {
    const auto timeout = current.wait;
    wait = waiter_.Wait(id, current.last_event_sequence, timeout,
                        [this, id, writer, instance, trace, timeout, first](WaitEnd how) {
                          if (!first()) return;
                          AnswerWorkflowResult(
                              id, how, writer, instance, trace,
                              std::chrono::duration_cast<std::chrono::seconds>(timeout).count());
                        });
  } else if (control == engine::Control::kDelete) {
    wait = waiter_.WaitForDeletion(
        id, options_.delete_wait, [writer, id, instance, trace, done_message, first](WaitEnd how) {
          if (!first()) return;
          switch (how) {
            case WaitEnd::kEnded:
              SendJson(*writer, Code::Ok, {{"message", done_message}});
              return;
            case WaitEnd::kTimedOut:
              // Durable in Kafka, but not applied in time: a scheduler may
              // be down, or the workflow started running again.
              SendJson(*writer, Code::Accepted,
                       {{"message", "Deletion of workflow '" + id +
                                        "' accepted but not applied yet; GET shows whether "
                                        "it still exists"}});
              return;
            case WaitEnd::kStopping:
              SendProblem(*writer,
                          Unavailable("The server is shutting down; the deletion may still "
                                      "apply"),
                          instance, trace);
              return;
          }
        });
  }
  SubmitCommand(
      schemas::MakeControlCommand(id, control, "requested through the REST API",
                                  engine::WallClockNow()),
      trace,
      [this, writer, id, instance, trace, control, wait, answered_by_wait, first, done_message,
       durable](const kafka::DeliveryResult& result) {
        if (!result.ok) {
          waiter_.Cancel(wait);
          if (!first()) return;
          SendProblem(*writer, NotStored("The command", result), instance, trace);
          return;
        }
        if (control == engine::Control::kDelete) accepted_.Erase(id);
        if (answered_by_wait || !first()) return;
        SendJson(*writer, Code::Ok, durable ? durable(id) : Json{{"message", done_message}});
      });
}

void FrontDoor::ListWorkflows(const Pistache::Rest::Request& request, ResponseWriter response,
                              const Principal& caller) {
  if (RefuseWhileDraining(request, response)) return;
  const std::string trace = TraceparentOf(request);
  const std::string instance = request.resource();
  auto parsed = ParseWorkflowListQuery(QueryParameters(request));
  if (auto* errors = std::get_if<engine::FieldErrors>(&parsed)) {
    SendInvalidQuery(response, std::move(*errors), instance, trace);
    return;
  }
  auto query = std::get<store::ExecutionPageQuery>(std::move(parsed));
  query.tenant = caller.tenant;
  RunDatabaseJob(instance, trace, std::make_shared<ResponseWriter>(std::move(response)),
                 [query = std::move(query)](soci::session& session, ResponseWriter& writer) {
                   SendJson(writer, Code::Ok,
                            WorkflowListJson(store::ListExecutions(session, query), query));
                 });
}

void FrontDoor::Health(const Pistache::Rest::Request& request, ResponseWriter response) {
  if (RefuseWhileDraining(request, response)) return;
  const std::string trace = TraceparentOf(request);
  auto writer = std::make_shared<ResponseWriter>(std::move(response));
  const bool queued = executor_.Submit([this, writer] {
    Json checks = Json::object();
    bool healthy = true;
    try {
      pool_.Run([](soci::session& session) {
        int one = 0;
        session << "SELECT 1", soci::into(one);
      });
      checks["postgresql"] = {{"status", "up"}};
    } catch (const std::exception& error) {
      healthy = false;
      checks["postgresql"] = {{"status", "down"}, {"error", error.what()}};
    }
    if (producer_.Ping(std::chrono::milliseconds(2000))) {
      checks["kafka"] = {{"status", "up"}};
    } else {
      healthy = false;
      checks["kafka"] = {{"status", "down"}, {"error", "no broker answered within 2 s"}};
    }
    SendJson(*writer, healthy ? Code::Ok : Code::Service_Unavailable,
             {{"status", healthy ? "healthy" : "unhealthy"},
              {"timestamp", engine::FormatTimestamp(engine::WallClockNow())},
              {"checks", std::move(checks)}});
  });
  if (!queued) SendProblem(*writer, Unavailable("Too many requests in flight"), "/health", trace);
}

// Agents are the deployment's, shared by its tenants (docs/security.md).
void FrontDoor::AgentTypes(const Pistache::Rest::Request& request, ResponseWriter response,
                           const Principal&) {
  if (RefuseWhileDraining(request, response)) return;
  RunDatabaseJob(request.resource(), TraceparentOf(request),
                 std::make_shared<ResponseWriter>(std::move(response)),
                 [](soci::session& session, ResponseWriter& writer) {
                   SendJson(
                       writer, Code::Ok,
                       store::LiveAgentTypes(session, engine::WallClockNow() - kAgentLivenessMs));
                 });
}

void FrontDoor::AgentHealth(const Pistache::Rest::Request& request, ResponseWriter response,
                            const Principal&) {
  if (RefuseWhileDraining(request, response)) return;
  RunDatabaseJob(request.resource(), TraceparentOf(request),
                 std::make_shared<ResponseWriter>(std::move(response)),
                 [](soci::session& session, ResponseWriter& writer) {
                   const engine::TimeMs now = engine::WallClockNow();
                   const auto types = store::LiveAgentTypes(session, now - kAgentLivenessMs);
                   const std::string timestamp = engine::FormatTimestamp(now);
                   if (types.empty()) {
                     SendJson(writer, Code::Service_Unavailable,
                              {{"status", "unhealthy"},
                               {"error", "No agent has sent a heartbeat in the last 60 s"},
                               {"timestamp", timestamp}});
                     return;
                   }
                   SendJson(
                       writer, Code::Ok,
                       {{"status", "healthy"}, {"agentTypes", types}, {"timestamp", timestamp}});
                 });
}

// Counters in memory: rendering never blocks, so it runs on the reactor thread.
void FrontDoor::Metrics(const Pistache::Rest::Request&, ResponseWriter response, const Principal&) {
  SendMetrics(response, *options_.metrics);
}

void FrontDoor::NotFound(const Pistache::Rest::Request& request, ResponseWriter response) {
  SendProblem(response,
              {404,
               "not-found",
               "Not Found",
               "No route for " + std::string(Pistache::Http::methodString(request.method())) + " " +
                   request.resource(),
               {},
               0},
              request.resource(), TraceparentOf(request));
}

}  // namespace agentstudio::daemon
