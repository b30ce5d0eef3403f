#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agents/agent_handler.hpp"
#include "agents/recent_keys.hpp"
#include "consumers/tail_consumer.hpp"
#include "engine/timestamp.hpp"
#include "producers/topics.hpp"

namespace agentstudio::agents {

// Where the HTTP agents of each type take their tasks: the `endpoint` and
// `tenant` of their heartbeats (sent through POST /callbacks/v1/heartbeat,
// the tenant set by the front door from the agent's credential), read from
// `agent-heartbeats` from its end by every forwarder process (TailReader, no
// group). Thread-safe.
class AgentEndpoints {
 public:
  // Assigns the topic's partitions now (throws std::runtime_error when it
  // cannot), so heartbeats published after the constructor returns are seen.
  AgentEndpoints(kafka::ConfigMap properties, const kafka::Topics& topics,
                 std::chrono::milliseconds liveness = std::chrono::seconds(30));
  ~AgentEndpoints();  // Stop()

  void Start();
  void Stop();

  // The endpoints of the agents of `agent_type` for `tenant` that take tasks
  // now (heard from within the liveness, not stopping), sorted by agent id.
  std::vector<std::string> Of(const std::string& agent_type, const std::string& tenant,
                              engine::TimeMs now) const;
  // Whether an agent at `endpoint` is still heard from (stopping or not): it
  // may still be running what it took.
  bool Heard(const std::string& endpoint, engine::TimeMs now) const;

  // For tests: records a heartbeat as if read from the topic.
  void Record(const std::string& payload);

 private:
  struct Agent {
    std::vector<std::string> agent_types;
    std::string endpoint;
    std::string tenant;
    bool stopping = false;
    engine::TimeMs heard_at = 0;
  };

  const engine::TimeMs liveness_ms_;
  mutable std::mutex mutex_;
  std::map<std::string, Agent> agents_;  // by agent id; guarded by mutex_
  kafka::TailReader reader_;             // last: its thread stops before the rest goes
};

// The final reports (completion, error, handoff) on `task-events`, read from
// the end, so a forwarder knows when an agent it handed a task to is done
// with it. Thread-safe.
class FinalReports {
 public:
  FinalReports(kafka::ConfigMap properties, const kafka::Topics& topics);
  ~FinalReports();  // Stop()

  void Start();
  void Stop();

  // Waits up to `timeout` for the final report of that attempt of the task;
  // true once it was seen (also when it came before the call).
  bool WaitFor(const std::string& task_id, int attempt, std::chrono::milliseconds timeout);

 private:
  std::mutex mutex_;
  std::condition_variable seen_one_;
  RecentKeys<bool> seen_{100000};  // dispatch keys; guarded by mutex_
  kafka::TailReader reader_;       // last
};

// The agent handler of an agent type whose agents speak HTTP instead of
// Kafka (reference 000's control plane). For each task it
//
// - posts the task to `<endpoint>/v1/tasks` of a live agent of the type and
//   of the task's tenant (round robin); 202 means taken, 200 with
//   {"status": "finished"} that the agent already finished that attempt (a
//   redelivery);
// - tries the next agent, and after a pass over all of them waits (growing
//   waits, engine::Backoff), when one answers 429, 503, another 5xx, 401,
//   403, 404 or 405 (not the agent for it now), or not at all;
// - fails the task for good (AGENT_REFUSED, not retryable) when an agent
//   answers 400, 413 or 422: the task itself is refused;
// - holds the task, uncommitted, until the agent's final report is on
//   `task-events` (the agent reports through the callback API), and posts it
//   again to another agent when the one that took it is no longer heard
//   from: an agent that dies after taking a task does not lose it. Every 5 s
//   it posts it again to the agent that holds it: 202 (still running, or
//   taken anew by a process restarted at that address) keeps holding, 200
//   {"status": "finished"} ends the hold (the report was refused for good),
//   anything else moves the task to another agent;
// - passes a cancel of the attempt on to the agent
//   (`<endpoint>/v1/tasks/{id}/cancel`, body {attempt}).
//
// Runs inside an AgentRuntime with heartbeats off (the agents' own state the
// capacity the dispatch gate counts), which commits a task once Handle()
// returns AgentResult::Delegated; a stop hands the tasks in hand back.
class HttpTaskForwarder : public AgentHandler {
 public:
  HttpTaskForwarder(std::string agent_type, std::shared_ptr<const AgentEndpoints> endpoints,
                    std::shared_ptr<FinalReports> reports);

  std::string agent_type() const override { return agent_type_; }
  AgentResult Handle(const TaskContext& context) override;

 private:
  const std::string agent_type_;
  const std::shared_ptr<const AgentEndpoints> endpoints_;
  const std::shared_ptr<FinalReports> reports_;
  std::atomic<uint64_t> next_{0};  // round robin over the endpoints
};

// The body posted to an HTTP agent for one attempt of a task: reference 000's
// task (task_id, agent_type, task_type, input, priority, timeout) with what a
// report needs (workflow_id, attempt) and the whole AgentRequest.
Json ForwardedTaskBody(const TaskContext& context);

}  // namespace agentstudio::agents
