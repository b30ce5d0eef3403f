#include "daemon/accepted_executions.hpp"

namespace agentstudio::daemon {

void AcceptedExecutions::Put(const std::string& id, nlohmann::json execution, engine::TimeMs now) {
  std::lock_guard lock(mutex_);
  while (!order_.empty() && (order_.size() >= capacity_ || !entries_.count(order_.front()) ||
                             entries_.at(order_.front()).accepted_at + ttl_ms_ < now)) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
  if (entries_.emplace(id, Entry{std::move(execution), now}).second) order_.push_back(id);
}

std::optional<nlohmann::json> AcceptedExecutions::Get(const std::string& id,
                                                      engine::TimeMs now) const {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(id);
  if (it == entries_.end() || it->second.accepted_at + ttl_ms_ < now) return std::nullopt;
  return it->second.execution;
}

void AcceptedExecutions::Erase(const std::string& id) {
  std::lock_guard lock(mutex_);
  entries_.erase(id);  // its slot in order_ goes when it comes to the front
}

}  // namespace agentstudio::daemon
