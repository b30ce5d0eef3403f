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
  // How many tasks run at once (each on a thread of the runtime's own). At
  // that many the runtime stops fetching: further tasks wait in Kafka for an
  // agent with room.
  size_t max_concurrent_tasks = 16;
  // The task consumer's max.poll.interval.ms. The runtime polls all the
  // time, whatever its tasks do, so this bounds a stall of the runtime
  // itself, not how long a task may run (30 minutes is normal).
  std::chrono::milliseconds max_poll_interval{std::chrono::minutes(5)};
  // How often the positions of finished tasks are committed while the
  // runtime runs (always on a revoke and at stop). Each commit is a round
  // trip to the group coordinator and an append to __consumer_offsets;
  // committing after every poll cost the broker and the agent more than
  // the tasks under load. Tasks that finished within this window (plus one
  // pass of the loop, up to about 0.6 s more at capacity) before a crash
  // run again on another process (dispatch is at least once).
  std::chrono::milliseconds commit_interval{100};
  // When set, the runtime creates the topics it uses (its task topics and the
  // fixed ones) with the admin API before it subscribes, so it works on
  // clusters that forbid auto-creation. Unset where another party made them
  // (the embedded development broker, which has no admin API).
  std::optional<kafka::TopicSettings> create_topics = kafka::TopicSettings{};
  // Whether it heartbeats. Off for a process that hands its tasks on (the
  // HTTP task forwarder): the types' agents heartbeat themselves, and its
  // own capacity would count as theirs at the dispatch gate.
  bool heartbeat = true;
};

// The agent side of the protocol (the C++ SDK): consumes `tasks.<type>` for
// every handler's type in the `<prefix>agents` group and runs up to
// max_concurrent_tasks at once; drops duplicate dispatches of the same
// (task, attempt); reports progress then completion or error on
// `task-events`; commits each partition only up to its first task whose
// report is not yet durable (tasks finish in any order); heartbeats on
// `agent-heartbeats` with its load (tasks running / capacity). Undecodable
// task messages go to `dlq`. Cancels on `agent-control` make the task's
// `cancelled()` true (a task cancelled while queued is not started); its
// report is then the error CANCELLED, not retryable. In a rebalance, tasks
// of partitions taken away run to the end here while their new owner may run
// them again: at least once, never lost.
class AgentRuntime {
 public:
  // Throws std::runtime_error when its topics cannot be created or read.
  AgentRuntime(AgentRuntimeOptions options, std::vector<std::unique_ptr<AgentHandler>> handlers);
  ~AgentRuntime();

  // Runs until `stop` is set. Then `cancelled()` turns true for the tasks in
  // hand: what a handler still completes is reported and committed; what it
  // gives up is not reported and stays uncommitted, so another agent runs the
  // same attempt. Tasks not started stay uncommitted too. Returns once every
  // running handler has returned.
  void Run(const std::atomic<bool>& stop);

  uint64_t tasks_completed() const;
  uint64_t tasks_failed() const;
  uint64_t duplicates_dropped() const;
  uint64_t tasks_cancelled() const;   // also counted in tasks_failed()
  uint64_t tasks_delegated() const;   // handed on (AgentResult::Delegated)
  uint64_t cancels_received() const;  // for this runtime's agent types
  uint64_t dead_lettered() const;     // task messages sent to `dlq`
  int producer_replacements() const;  // Kafka clients replaced after a fatal error
  size_t tasks_running() const;
  size_t assigned_partitions() const;  // of the task topics, now
  std::vector<std::string> agent_types() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentstudio::agents
