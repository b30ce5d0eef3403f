#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "engine/workflow_state.hpp"

namespace agentstudio::daemon {

// Executions this front door accepted (their StartWorkflow is durable in
// Kafka) that a scheduler may not have applied yet, so a GET right after the
// 201 answers the pending execution instead of 404. Bounded in time and size;
// thread-safe.
class AcceptedExecutions {
 public:
  AcceptedExecutions(engine::TimeMs ttl_ms = 60000, size_t capacity = 10000)
      : ttl_ms_(ttl_ms), capacity_(capacity) {}

  void Put(const std::string& id, nlohmann::json execution, engine::TimeMs now);
  // The execution as accepted, if it was accepted less than the TTL ago.
  std::optional<nlohmann::json> Get(const std::string& id, engine::TimeMs now) const;
  // Drops the entry: the database has the execution now, or it is deleted.
  void Erase(const std::string& id);

 private:
  struct Entry {
    nlohmann::json execution;
    engine::TimeMs accepted_at;
  };
  const engine::TimeMs ttl_ms_;
  const size_t capacity_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;  // guarded by mutex_
  std::deque<std::string> order_;         // guarded by mutex_; oldest first
};

}  // namespace agentstudio::daemon
