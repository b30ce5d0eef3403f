#pragma once

#include <cstddef>
#include <list>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace agentstudio::daemon {

// Executions this front door accepted (their StartWorkflow is durable in
// Kafka) that a scheduler may not have applied yet, so a GET, cancel or
// pause right after the 201 finds the pending execution instead of 404.
// An entry stays until the execution is known to be in PostgreSQL (Erase():
// a read found its row, or the workflow-event feed showed one of its events)
// however long the schedulers take; only beyond `capacity` entries or
// `max_bytes` of JSON are the oldest forgotten (counted in evicted()).
// Thread-safe.
class AcceptedExecutions {
 public:
  explicit AcceptedExecutions(size_t capacity = 10000, size_t max_bytes = 64 << 20)
      : capacity_(capacity), max_bytes_(max_bytes) {}

  void Put(const std::string& id, const std::string& tenant, nlohmann::json execution);
  // The execution as accepted, if it is still remembered and `tenant`'s.
  std::optional<nlohmann::json> Get(const std::string& id, const std::string& tenant) const;
  // Drops the entry: the database has the execution now, or it is deleted.
  void Erase(const std::string& id);
  // The ids of `tenant`'s entries.
  std::vector<std::string> IdsOf(const std::string& tenant) const;

  size_t size() const;
  size_t evicted() const;

 private:
  struct Entry {
    std::string tenant;
    nlohmann::json execution;
    size_t bytes = 0;
    std::list<std::string>::iterator position;  // in order_
  };
  void EraseLocked(std::map<std::string, Entry>::iterator entry);

  const size_t capacity_;
  const size_t max_bytes_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;  // guarded by mutex_
  // guarded by mutex_; the ids of entries_ by tenant
  std::map<std::string, std::set<std::string>> by_tenant_;
  std::list<std::string> order_;  // guarded by mutex_; oldest first, live entries only
  size_t bytes_ = 0;              // guarded by mutex_
  size_t evicted_ = 0;            // guarded by mutex_
};

}  // namespace agentstudio::daemon
