#pragma once

#include <pistache/endpoint.h>
#include <pistache/router.h>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/authenticator.hpp"
#include "auth/token_issuer.hpp"
#include "consumers/workflow_event_feed.hpp"
#include "daemon/accepted_executions.hpp"
#include "daemon/api_docs_pages.hpp"
#include "daemon/blocking_executor.hpp"
#include "daemon/known_agent_types.hpp"
#include "daemon/metrics_registry.hpp"
#include "daemon/persistent_connections.hpp"
#include "daemon/problem.hpp"
#include "daemon/start_reservations.hpp"
#include "daemon/task_list.hpp"
#include "daemon/workflow_end_waiter.hpp"
#include "daemon/workflow_event_streams.hpp"
#include "engine/decide.hpp"
#include "producers/command_producer.hpp"
#include "schemas/callback_codec.hpp"
#include "sql/agent_store.hpp"
#include "sql/database.hpp"
#include "sql/task_store.hpp"

namespace agentstudio::daemon {

struct FrontDoorOptions {
  std::string address = "127.0.0.1:8080";  // host:port; port 0 picks a free one
  int threads = 2;                         // Pistache reactor threads
  size_t max_body_bytes = 1 << 20;
  // How long the waiting endpoints wait when the request sets no timeout.
  std::chrono::milliseconds execute_timeout{600000};
  // What GET /metrics renders (this process's roles); none: 404.
  const MetricsRegistry* metrics = nullptr;
  // How long a DELETE waits for a scheduler to apply it before answering 202.
  std::chrono::milliseconds delete_wait{10000};
  // The agent types an agent role of this process serves: known at once.
  std::vector<std::string> local_agent_types;
  // Who may call (docs/security.md); the default lets everyone in.
  auth::AuthSettings auth;
  // The API keys that count (kept up to date by an ApiKeyRefresher); none:
  // every key is refused.
  std::shared_ptr<const auth::ApiKeyTable> api_keys;
  // PEM files of the certificate (chain) and private key: HTTPS when both
  // are set; Start() throws when they cannot be loaded or do not match.
  std::string tls_cert_file;
  std::string tls_key_file;
  // How long the tokens of POST /oauth/token last.
  std::chrono::seconds token_lifetime{3600};
  // The node_modules with swagger-ui-dist and redoc (LoadApiDocsPages);
  // empty: /docs and /redoc answer 404.
  std::string api_docs_dir;
};

using store::kAgentLivenessMs;

// A route the front door serves, and the scope it needs (none: open to all).
struct FrontDoorRoute {
  Pistache::Http::Method method;
  std::string path;  // Pistache's form: /api/workflows/:id
  std::optional<auth::Scope> scope;
};

// The Pistache REST front door. Handlers run on reactor threads and never
// block there: commands go to Kafka with the answer sent from the delivery
// report, database reads run on the BlockingExecutor, and the waiting
// endpoints answer from the workflow-event feed (WorkflowEndWaiter).
//   POST /api/workflows        validate, check agent types, produce StartWorkflow,
//                              answer 201 once the command is durable in Kafka
//   POST /api/workflows/execute  the same, answering when the workflow ends
//   GET  /api/workflows        a page of executions (status filter, sort, paging)
//   GET  /api/workflows/{id}   the execution from PostgreSQL
//   GET  /api/workflows/{id}/checkpoints
//   GET  /api/workflows/{id}/events   Server-Sent Events, Last-Event-ID
//   POST /api/workflows/{id}/cancel|pause|resume, DELETE /api/workflows/{id}
//   GET  /api/meta-agent/types, /api/meta-agent/health   from agent heartbeats
//   POST /api/meta-agent/{agentType}/execute[/stream]     one task, waits (SSE)
//   POST /api/meta-agent/tasks/{taskId}/cancel
//   GET  /health               liveness plus PostgreSQL and Kafka checks
//   POST /oauth/token          client credentials (an API key) for a bearer token
//   POST /callbacks/v1/progress|completion|error|handoff|heartbeat   HTTP agents report
//   POST /v1/tasks, GET /v1/tasks, /v1/tasks/{id}[/results|/logs], POST /v1/tasks/{id}/cancel
//   GET  /v1/agents, /v1/agents/{id}, /v1/agents/{id}/health, /v1/health   control plane
//   GET  /openapi.json, /docs, /redoc   the API's document and its pages (open to all)
// Errors are application/problem+json (RFC 7807).
class FrontDoor {
 public:
  // REQUIRES: `feed` stops before this is destroyed.
  FrontDoor(FrontDoorOptions options, store::SessionPool& pool,
            kafka::WorkflowCommandProducer& commands, kafka::MessageProducer& producer,
            BlockingExecutor& executor, kafka::WorkflowEventFeed& feed);
  ~FrontDoor();

  // Binds and starts serving on background threads. Throws when it cannot bind.
  void Start();
  // From now on every request is answered 503 at once (shutting down),
  // waiting requests get 503 and event streams end, so the caller can drain
  // the executor and the producer before Stop().
  void BeginDrain();
  // Stops accepting and closes connections. REQUIRES: nothing will answer a
  // request any more (executor and producer drained).
  void Stop();
  uint16_t port() const;
  // Commands sent and not confirmed by Kafka yet (requests waiting for it);
  // readable after this is destroyed.
  std::shared_ptr<const std::atomic<int64_t>> unconfirmed_commands() const {
    return unconfirmed_commands_;
  }
  // Every route, in the order added (the OpenAPI document and the tests of
  // authentication walk them).
  const std::vector<FrontDoorRoute>& routes() const { return routes_; }

 private:
  using SharedWriter = std::shared_ptr<Pistache::Http::ResponseWriter>;
  using Principal = auth::Principal;
  // A protected route's handler: it runs only for a caller whose credential
  // holds the route's scope, and sees and touches only `caller.tenant`'s
  // resources (another tenant's ids answer 404).
  using GuardedHandler = std::function<void(const Pistache::Rest::Request&,
                                            Pistache::Http::ResponseWriter, const Principal&)>;

  // What a validated start request becomes; see StartWorkflow().
  struct StartPlan {
    engine::WorkflowRequest request;
    std::string instance;
    std::string trace;
    // The problem for agent types no agent serves (index of the step, type).
    std::function<Problem(const std::vector<std::pair<size_t, std::string>>&)> unknown_types;
    // Runs before the command is sent (register waits here); returns a wait
    // id to cancel if the command is not accepted, or 0.
    std::function<uint64_t(const std::string& workflow_id, SharedWriter writer)> before_send;
    // Runs when the command was not stored (after the problem was sent):
    // undo what before_send set up besides its wait.
    std::function<void()> on_refused;
    // Runs once the command is durable; `created` is the planned execution.
    std::function<void(const std::string& workflow_id, const nlohmann::json& created,
                       SharedWriter writer)>
        on_durable;
  };
  // On the executor: refuses unknown agent types (400 AGENT_TYPE_NOT_FOUND),
  // assigns ids, produces StartWorkflow and remembers the accepted execution;
  // 503 when Kafka cannot confirm.
  // Past the concurrent-workflow limit of the caller's tier (001's table),
  // 429 instead.
  void StartWorkflow(StartPlan plan, SharedWriter writer, const Principal& caller);
  // Parses a `POST /api/workflows` body; answers 400/422 and returns nullopt
  // when it is not a valid request.
  // The request is `caller`'s tenant's.
  std::optional<engine::WorkflowRequest> ParseStartBody(const Pistache::Rest::Request& request,
                                                        Pistache::Http::ResponseWriter& response,
                                                        const Principal& caller);
  // Answers a waiting request once its workflow ended: the WorkflowResult,
  // or 408 when the workflow (or the wait) timed out.
  void AnswerWorkflowResult(const std::string& workflow_id, WaitEnd how, SharedWriter writer,
                            const std::string& instance, const std::string& trace,
                            int64_t timeout_seconds);
  // How long a waiting request waits for work with this timeout (none: the
  // configured default).
  std::chrono::milliseconds WaitFor(const std::optional<std::chrono::milliseconds>& timeout) const;

  void CreateWorkflow(const Pistache::Rest::Request& request,
                      Pistache::Http::ResponseWriter response, const Principal& caller);
  void ExecuteWorkflow(const Pistache::Rest::Request& request,
                       Pistache::Http::ResponseWriter response, const Principal& caller);
  void StreamEvents(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response,
                    const Principal& caller);
  // One task with one agent, as a single-step workflow; `stream` answers SSE.
  void ExecuteAgentTask(const Pistache::Rest::Request& request,
                        Pistache::Http::ResponseWriter response, const Principal& caller,
                        bool stream);
  void CancelAgentTask(const Pistache::Rest::Request& request,
                       Pistache::Http::ResponseWriter response, const Principal& caller);
  // Cancels the running or waiting task of the request's :taskId (404 when
  // the caller's tenant has no such task or it ended); 200 with `answer`'s
  // body once the command is durable in Kafka.
  void SendTaskCancel(const Pistache::Rest::Request& request,
                      Pistache::Http::ResponseWriter response, const Principal& caller,
                      std::function<nlohmann::json(const std::string& task_id)> answer);
  // The control plane's tasks (front_door_tasks.cpp): POST /v1/tasks (202,
  // a single-step workflow), GET /v1/tasks (filters, page/limit),
  // /v1/tasks/{id}, /v1/tasks/{id}/results (409 until it ended),
  // POST /v1/tasks/{id}/cancel.
  void CreateTask(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response,
                  const Principal& caller);
  // Runs `task` as a single-step workflow for `agent_type` (400 when no agent
  // serves it); once Kafka has the start, GET /v1/tasks/{id} finds the task
  // and `accepted` answers with the planned execution (`created`).
  using TaskAccepted = std::function<void(const nlohmann::json& created, SharedWriter writer)>;
  void StartTask(const TaskRequest& task, const std::string& agent_type, const Principal& caller,
                 const std::string& instance, const std::string& trace, SharedWriter writer,
                 TaskAccepted accepted);
  // The agent registry (front_door_registry_agents.cpp, reference 003):
  // /api/v1/agents list (page/pageSize, filters, sort), create (201; 409 for
  // a name the tenant uses), get, partial update (PUT), delete (204), and
  // execute (202: a task for the agent's type with its configuration; 409
  // for an inactive agent).
  void ListRegistryAgents(const Pistache::Rest::Request& request,
                          Pistache::Http::ResponseWriter response, const Principal& caller);
  void CreateRegistryAgent(const Pistache::Rest::Request& request,
                           Pistache::Http::ResponseWriter response, const Principal& caller);
  void GetRegistryAgent(const Pistache::Rest::Request& request,
                        Pistache::Http::ResponseWriter response, const Principal& caller);
  void UpdateRegistryAgent(const Pistache::Rest::Request& request,
                           Pistache::Http::ResponseWriter response, const Principal& caller);
  void DeleteRegistryAgent(const Pistache::Rest::Request& request,
                           Pistache::Http::ResponseWriter response, const Principal& caller);
  void ExecuteRegistryAgent(const Pistache::Rest::Request& request,
                            Pistache::Http::ResponseWriter response, const Principal& caller);
  void ListTasks(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response,
                 const Principal& caller);
  void GetTask(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response,
               const Principal& caller);
  void GetTaskResults(const Pistache::Rest::Request& request,
                      Pistache::Http::ResponseWriter response, const Principal& caller);
  void CancelTask(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response,
                  const Principal& caller);
  // Finds the caller's task of a /v1/tasks/{taskId} request on the executor
  // and lets `answer` answer; 404 when there is none.
  void RunTaskJob(
      const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response,
      const Principal& caller,
      std::function<void(soci::session&, const store::TaskView&, Pistache::Http::ResponseWriter&)>
          answer);
  // GET /v1/tasks/{id}/logs: the task's TaskLog events {task_id, logs}; with
  // ?follow=true an SSE stream of them (event `log`) until its workflow ends.
  void GetTaskLogs(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response,
                   const Principal& caller);
  void GetWorkflow(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response,
                   const Principal& caller);
  void ListWorkflows(const Pistache::Rest::Request& request,
                     Pistache::Http::ResponseWriter response, const Principal& caller);
  void GetCheckpoints(const Pistache::Rest::Request& request,
                      Pistache::Http::ResponseWriter response, const Principal& caller);
  // cancel, pause, resume, delete: 404 unknown (an execution accepted here
  // and not applied yet is pending), 409 when the status does not allow it,
  // 200 once the command is durable in Kafka (applied right after); resume
  // answers when the resumed workflow ends (WorkflowResult); delete once the
  // deletion applied, or 202 if that takes longer than `delete_wait`.
  // The target is named by `param` (`noun` in the 404); `durable`, when
  // set, makes the 200 of a cancel or pause (the execution's id in).
  using ControlAnswer = std::function<nlohmann::json(const std::string& id)>;
  void ControlWorkflow(const Pistache::Rest::Request& request,
                       Pistache::Http::ResponseWriter response, const Principal& caller,
                       engine::Control control, const std::string& param = ":id",
                       const std::string& noun = "Workflow", ControlAnswer durable = nullptr);
  // What ControlWorkflow() knows of its target.
  struct ControlTarget {
    engine::WorkflowStatus status = engine::WorkflowStatus::kPending;
    int64_t last_event_sequence = 0;
    std::chrono::milliseconds wait{0};  // how long a resume waits for the end
  };
  void SendControl(const std::string& id, engine::Control control, const ControlTarget& current,
                   SharedWriter writer, const std::string& instance, const std::string& trace,
                   ControlAnswer durable = nullptr);
  // The Executions API (front_door_executions.cpp, reference 003): the
  // caller's executions in the registry's shapes (execution_views.hpp): list,
  // get, status, logs, and cancel (200 once the cancel is durable in Kafka).
  // 404 for an unknown id; an execution accepted here and not applied yet is
  // pending.
  void ListExecutions(const Pistache::Rest::Request& request,
                      Pistache::Http::ResponseWriter response, const Principal& caller);
  void GetExecution(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response,
                    const Principal& caller);
  void GetExecutionStatus(const Pistache::Rest::Request& request,
                          Pistache::Http::ResponseWriter response, const Principal& caller);
  void GetExecutionLogs(const Pistache::Rest::Request& request,
                        Pistache::Http::ResponseWriter response, const Principal& caller);
  void CancelExecution(const Pistache::Rest::Request& request,
                       Pistache::Http::ResponseWriter response, const Principal& caller);
  // Finds the caller's execution named by :executionId on the executor and
  // lets `answer` answer with it (stored, or as accepted and pending).
  void RunExecutionJob(const Pistache::Rest::Request& request,
                       Pistache::Http::ResponseWriter response, const Principal& caller,
                       std::function<void(soci::session&, const engine::WorkflowState&,
                                          Pistache::Http::ResponseWriter&)>
                           answer);
  void Health(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response);
  // POST /callbacks/v1/progress|completion|error|handoff (front_door_callbacks.cpp):
  // 400 without X-Agent-ID or X-Idempotency-Key, 404 for an unknown task, 403
  // when the task's agent type is not among the caller's, 202 once the
  // TaskEvent is in Kafka.
  void ReportTask(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response,
                  const Principal& caller, schemas::TaskCallbackKind kind);
  // The control plane's agents and health (reference 004; front_door_control_plane.cpp):
  // GET /v1/agents (page, limit, status, type), /v1/agents/{id},
  // /v1/agents/{id}/health, /v1/health.
  void ListAgents(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response,
                  const Principal& caller);
  void GetAgent(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response,
                const Principal& caller);
  void GetAgentHealth(const Pistache::Rest::Request& request,
                      Pistache::Http::ResponseWriter response, const Principal& caller);
  void SystemHealth(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response,
                    const Principal& caller);
  // Finds the agent of a /v1/agents/{agentId} request on the executor and
  // lets `answer` answer; 404 when there is none.
  void RunAgentJob(
      const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response,
      std::function<void(const store::AgentView&, Pistache::Http::ResponseWriter&)> answer);
  // POST /callbacks/v1/heartbeat: 202 once the AgentHeartbeat is in Kafka.
  void ReportHeartbeat(const Pistache::Rest::Request& request,
                       Pistache::Http::ResponseWriter response, const Principal& caller);
  // POST /oauth/token (auth::TokenIssuer): the client's credentials in the
  // body (JSON or form) or in Authorization: Basic.
  void IssueToken(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response);
  void Metrics(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response,
               const Principal& caller);
  void AgentTypes(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response,
                  const Principal& caller);
  void AgentHealth(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response,
                   const Principal& caller);
  void NotFound(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response);
  // Runs `job` on the executor with a pooled session; database failures
  // become 503 (retryable) or 500 problems, a full queue 503.
  void RunDatabaseJob(const std::string& instance, const std::string& trace, SharedWriter writer,
                      std::function<void(soci::session&, Pistache::Http::ResponseWriter&)> job);
  // What a /api/workflows/{id} handler works with.
  struct Target {
    std::string trace;
    std::string instance;
    std::string id;
    std::string tenant;  // the caller's: only its executions are found
    Problem not_found;
  };
  // Reads the target of a request naming a resource by the path parameter
  // `param` (a workflow's :id, a registry agent's :agentId; `noun` names it in
  // the 404); answers (and returns nullopt) while draining or when the id
  // cannot name one.
  std::optional<Target> TargetOf(const Pistache::Rest::Request& request,
                                 Pistache::Http::ResponseWriter& response, const Principal& caller,
                                 const std::string& param = ":id",
                                 const std::string& noun = "Workflow");
  // Sends a command; `done` gets the delivery report (counted while pending).
  void SubmitCommand(const agentstudio::v1::WorkflowCommand& command, const std::string& trace,
                     kafka::DeliveryCallback done);
  // Sends another message of a request (a callback's event) the same way:
  // on the commands' producer, which never blocks the caller and is drained
  // before Stop(), counted while pending.
  void SubmitMessage(const std::string& topic, const std::string& key, const std::string& payload,
                     const std::string& trace, kafka::DeliveryCallback done);
  // `handler` behind the credential check: 401 problem+json without a valid
  // credential, 403 without `scope`.
  Pistache::Rest::Route::Handler Guarded(auth::Scope scope, GuardedHandler handler) const;
  // The audit log line of a write (any method but GET) that passed the
  // credential, rate and scope checks: who, which tenant, what resource.
  static void Audit(const Principal& caller, const Pistache::Rest::Request& request);
  // Takes one request from the caller's rate-limit bucket and puts the
  // X-RateLimit-* headers on the answer; answers 429 and returns false past
  // the limit. Every request passes with authentication off.
  bool TakeRequest(const Principal& caller, const Pistache::Rest::Request& request,
                   Pistache::Http::ResponseWriter& response) const;
  // Answers 503 and returns true while draining.
  bool RefuseWhileDraining(const Pistache::Rest::Request& request,
                           Pistache::Http::ResponseWriter& response);

  const FrontDoorOptions options_;
  store::SessionPool& pool_;
  kafka::WorkflowCommandProducer& commands_;
  kafka::MessageProducer& producer_;
  BlockingExecutor& executor_;
  kafka::WorkflowEventFeed& feed_;
  AcceptedExecutions accepted_;
  // Tasks of POST /v1/tasks by task id, the same way (not counted as
  // executions: accepted_ has those).
  AcceptedExecutions accepted_tasks_{10000, 8 << 20};
  StartReservations reservations_;
  KnownAgentTypes known_types_;
  WorkflowEndWaiter waiter_;
  WorkflowEventStreams streams_;
  auth::Authenticator authenticator_;
  auth::TokenIssuer token_issuer_;
  const std::map<std::string, StaticFile> api_docs_;
  mutable auth::RateLimiter rate_limiter_;
  std::vector<FrontDoorRoute> routes_;
  Pistache::Rest::Router router_;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint_;
  const std::shared_ptr<OpenConnections> connections_ = std::make_shared<OpenConnections>();
  bool started_ = false;
  std::atomic<bool> draining_{false};
  const std::shared_ptr<std::atomic<int64_t>> unconfirmed_commands_ =
      std::make_shared<std::atomic<int64_t>>(0);
};

}  // namespace agentstudio::daemon
