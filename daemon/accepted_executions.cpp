#include "daemon/accepted_executions.hpp"

namespace agentstudio::daemon {

void AcceptedExecutions::Put(const std::string& id, const std::string& tenant,
                             nlohmann::json execution) {
  const size_t bytes = execution.dump().size();
  std::lock_guard lock(mutex_);
  if (auto existing = entries_.find(id); existing != entries_.end()) EraseLocked(existing);
  while (!order_.empty() && (entries_.size() >= capacity_ || bytes_ + bytes > max_bytes_)) {
    EraseLocked(entries_.find(order_.front()));
    ++evicted_;
  }
  order_.push_back(id);
  by_tenant_[tenant].insert(id);
  entries_.emplace(id, Entry{tenant, std::move(execution), bytes, std::prev(order_.end())});
  bytes_ += bytes;
}

std::optional<nlohmann::json> AcceptedExecutions::Get(const std::string& id,
                                                      const std::string& tenant) const {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(id);
  if (it == entries_.end() || it->second.tenant != tenant) return std::nullopt;
  return it->second.execution;
}

void AcceptedExecutions::Erase(const std::string& id) {
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(id); it != entries_.end()) EraseLocked(it);
}

size_t AcceptedExecutions::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

size_t AcceptedExecutions::evicted() const {
  std::lock_guard lock(mutex_);
  return evicted_;
}

std::vector<std::string> AcceptedExecutions::IdsOf(const std::string& tenant) const {
  std::lock_guard lock(mutex_);
  const auto it = by_tenant_.find(tenant);
  if (it == by_tenant_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

void AcceptedExecutions::EraseLocked(std::map<std::string, Entry>::iterator entry) {
  const auto ids = by_tenant_.find(entry->second.tenant);
  ids->second.erase(entry->first);
  if (ids->second.empty()) by_tenant_.erase(ids);
  bytes_ -= entry->second.bytes;
  order_.erase(entry->second.position);
  entries_.erase(entry);
}

}  // namespace agentstudio::daemon
