#include "consumers/execution_cache.hpp"

#include <algorithm>

namespace agentstudio::kafka {

void ExecutionCache::Erase(std::unordered_map<std::string, Entries::iterator>::iterator it) {
  tasks_ -= it->second->weight;
  entries_.erase(it->second);
  index_.erase(it);
}

std::optional<engine::WorkflowState> ExecutionCache::Take(const std::string& id,
                                                          const store::ExecutionStamp& stamp) {
  const auto it = index_.find(id);
  if (it == index_.end()) {
    ++misses_;
    return std::nullopt;
  }
  std::optional<engine::WorkflowState> out;
  if (store::StampOf(it->second->state) == stamp) {
    ++hits_;
    out = std::move(it->second->state);
  } else {
    ++misses_;
  }
  Erase(it);
  return out;
}

void ExecutionCache::Put(engine::WorkflowState state) {
  if (const auto it = index_.find(state.id); it != index_.end()) Erase(it);
  const size_t weight = std::max<size_t>(state.tasks.size(), 1);
  if (engine::IsTerminal(state.status) || weight > max_tasks_) return;
  tasks_ += weight;
  entries_.push_front({std::move(state), weight});
  index_.emplace(entries_.front().state.id, entries_.begin());
  while (tasks_ > max_tasks_) {
    Erase(index_.find(entries_.back().state.id));
  }
}

void ExecutionCache::Clear() {
  entries_.clear();
  index_.clear();
  tasks_ = 0;
}

}  // namespace agentstudio::kafka
