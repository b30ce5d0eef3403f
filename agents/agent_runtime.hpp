#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agents/agent_handler.hpp"
#include "producers/kafka_config.hpp"
#include "producers/topic_admin.hpp"
#include "producers/topics.hpp"

namespace agentstudio::agents {

struct AgentRuntimeOptions {
  kafka::ConfigMap kafka;  // BaseProperties() and overrides
  kafka::Topics topics;
  std::string agent_id;  // unique per process
  std::chrono::milliseconds heartbeat_interval{5000};
  // The task consumer group's session.timeout.ms: how long the tasks of an
  // agent process that died wait before another process gets them.
  std::chrono::milliseconds session_timeout{10000};
  // The task consumer's max.poll.interval.ms: how long one poll batch of
  // tasks (run one after another) may take before the group gives the
  // process's partitions to another. Tasks of AI agents run for minutes.
  std::chrono::milliseconds max_poll_interval{std::chrono::minutes(30)};
  // When set, the runtime creates the topics it uses (its task topics and the
  // fixed ones) with the admin API before it subscribes, so it works on
  // clusters that forbid auto-creation. Unset where another party made them
  // (the embedded development broker, which has no admin API).
  std::optional<kafka::TopicSettings> create_topics = kafka::TopicSettings{};
};

// The agent side of the protocol (the C++ SDK): consumes `tasks.<type>` for
// every handler's type in the `<prefix>agents` group, drops duplicate
// dispatches of the same (task, attempt), reports progress then completion or
// error on `task-events`, commits the offset only after that report is
// durable, and heartbeats on `agent-heartbeats`. Undecodable task messages go
// to `dlq`. Cancels on `agent-control` make the task's `cancelled()` true (a
// task cancelled while queued is not started); its report is then the error
// CANCELLED, not retryable.
class AgentRuntime {
 public:
  // Throws std::runtime_error when its topics cannot be created or read.
  AgentRuntime(AgentRuntimeOptions options, std::vector<std::unique_ptr<AgentHandler>> handlers);
  ~AgentRuntime();

  // Runs until `stop` is set. Then `cancelled()` turns true for the task in
  // hand: if its handler still completes it, it is reported and committed; if
  // the handler gives up, nothing is reported and its offset stays
  // uncommitted, so another agent runs the same attempt. Tasks not started
  // stay uncommitted too.
  void Run(const std::atomic<bool>& stop);

  uint64_t tasks_completed() const;
  uint64_t tasks_failed() const;
  uint64_t duplicates_dropped() const;
  uint64_t tasks_cancelled() const;   // also counted in tasks_failed()
  uint64_t cancels_received() const;  // for this runtime's agent types
  uint64_t dead_lettered() const;     // task messages sent to `dlq`
  std::vector<std::string> agent_types() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentstudio::agents
