#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "agents/recent_keys.hpp"
#include "consumers/tail_consumer.hpp"
#include "producers/topics.hpp"

namespace agentstudio::agents {

// An agent process's view of `agent-control`: every process reads every
// partition from the end (TailReader, no group), because the scheduler
// cannot know which process holds a task. It remembers the cancels addressed
// to its agent types (the message key) so the runtime can stop a running
// task, or skip one still queued. Cancels sent while the process was down are
// not seen; their tasks' late results are ignored by the scheduler anyway.
// Undecodable messages are counted and skipped: every agent process reads
// them, so dead-lettering here would put one copy per process in `dlq`.
// Thread-safe.
class CancelListener {
 public:
  // Assigns the topic's partitions now (throws std::runtime_error when it
  // cannot), so cancels published after the constructor returns are seen.
  CancelListener(kafka::ConfigMap properties, const kafka::Topics& topics,
                 std::set<std::string> agent_types);
  ~CancelListener();  // Stop()

  void Start();
  void Stop();

  // The reason given with the cancel of that attempt of the task, if any.
  std::optional<std::string> CancelReason(const std::string& task_id, int attempt) const;

  uint64_t received() const { return received_; }
  uint64_t undecodable() const { return undecodable_; }

 private:
  void Handle(const kafka::InboundMessage& message);

  const std::set<std::string> agent_types_;
  mutable std::mutex mutex_;
  RecentKeys<std::string> cancelled_{10000};  // guarded by mutex_
  std::atomic<uint64_t> received_{0};
  std::atomic<uint64_t> undecodable_{0};
  kafka::TailReader reader_;  // last: its thread stops before the rest goes
};

// "<task id>#<attempt>": one dispatch of a task.
std::string DispatchKey(const std::string& task_id, int attempt);

}  // namespace agentstudio::agents
