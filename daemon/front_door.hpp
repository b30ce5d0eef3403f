#pragma once

#include <pistache/endpoint.h>
#include <pistache/router.h>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "daemon/accepted_executions.hpp"
#include "daemon/blocking_executor.hpp"
#include "daemon/problem.hpp"
#include "engine/decide.hpp"
#include "producers/command_producer.hpp"
#include "sql/database.hpp"

namespace agentstudio::daemon {

struct FrontDoorOptions {
  std::string address = "127.0.0.1:8080";  // host:port; port 0 picks a free one
  int threads = 2;                         // Pistache reactor threads
  size_t max_body_bytes = 1 << 20;
};

// The Pistache REST front door. Handlers run on reactor threads and never
// block there: commands go to Kafka with the answer sent from the delivery
// report, and database reads run on the BlockingExecutor.
//   POST /api/workflows        validate, assign ids, produce StartWorkflow,
//                              answer 201 once the command is durable in Kafka
//   GET  /api/workflows        a page of executions (status filter, sort, paging)
//   GET  /api/workflows/{id}   the execution from PostgreSQL
//   GET  /api/workflows/{id}/checkpoints
//   POST /api/workflows/{id}/cancel|pause|resume, DELETE /api/workflows/{id}
//   GET  /api/meta-agent/types, /api/meta-agent/health   from agent heartbeats
//   GET  /health               liveness plus PostgreSQL and Kafka checks
// Errors are application/problem+json (RFC 7807).
class FrontDoor {
 public:
  FrontDoor(FrontDoorOptions options, store::SessionPool& pool,
            kafka::WorkflowCommandProducer& commands, kafka::MessageProducer& producer,
            BlockingExecutor& executor);
  ~FrontDoor();

  // Binds and starts serving on background threads. Throws when it cannot bind.
  void Start();
  // From now on every request is answered 503 at once (shutting down), so
  // the caller can drain the executor and the producer before Stop().
  void BeginDrain() { draining_ = true; }
  // Stops accepting and closes connections. REQUIRES: nothing will answer a
  // request any more (executor and producer drained).
  void Stop();
  uint16_t port() const;

 private:
  void CreateWorkflow(const Pistache::Rest::Request& request,
                      Pistache::Http::ResponseWriter response);
  void GetWorkflow(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response);
  void ListWorkflows(const Pistache::Rest::Request& request,
                     Pistache::Http::ResponseWriter response);
  void GetCheckpoints(const Pistache::Rest::Request& request,
                      Pistache::Http::ResponseWriter response);
  // cancel, pause, resume, delete: 404 unknown, 409 when the status does not
  // allow it, 200 once the command is durable in Kafka (applied right after).
  void ControlWorkflow(const Pistache::Rest::Request& request,
                       Pistache::Http::ResponseWriter response, engine::Control control);
  void Health(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response);
  void AgentTypes(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response);
  void AgentHealth(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response);
  void NotFound(const Pistache::Rest::Request& request, Pistache::Http::ResponseWriter response);
  // Runs `job` on the executor with a pooled session; database failures
  // become 503 (retryable) or 500 problems, a full queue 503.
  void RunDatabaseJob(const std::string& instance, const std::string& trace,
                      std::shared_ptr<Pistache::Http::ResponseWriter> writer,
                      std::function<void(soci::session&, Pistache::Http::ResponseWriter&)> job);
  // What a /api/workflows/{id} handler works with.
  struct Target {
    std::string trace;
    std::string instance;
    std::string id;
    Problem not_found;
  };
  // Reads the target of a /api/workflows/{id} request; answers (and returns
  // nullopt) while draining or when the id cannot name a workflow.
  std::optional<Target> TargetOf(const Pistache::Rest::Request& request,
                                 Pistache::Http::ResponseWriter& response);
  // Answers 503 and returns true while draining.
  bool RefuseWhileDraining(const Pistache::Rest::Request& request,
                           Pistache::Http::ResponseWriter& response);

  const FrontDoorOptions options_;
  store::SessionPool& pool_;
  kafka::WorkflowCommandProducer& commands_;
  kafka::MessageProducer& producer_;
  BlockingExecutor& executor_;
  AcceptedExecutions accepted_;
  Pistache::Rest::Router router_;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint_;
  bool started_ = false;
  std::atomic<bool> draining_{false};
};

}  // namespace agentstudio::daemon
