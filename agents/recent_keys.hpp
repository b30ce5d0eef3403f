#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <string>

namespace agentstudio::agents {

// The last `capacity` keys added, each with a value; the oldest is forgotten
// first. Agents use it to remember dispatches ("<task id>#<attempt>") without
// growing for ever. Not thread-safe.
template <typename Value>
class RecentKeys {
 public:
  explicit RecentKeys(size_t capacity) : capacity_(capacity) {}

  const Value* Find(const std::string& key) const {
    const auto it = values_.find(key);
    return it == values_.end() ? nullptr : &it->second;
  }
  // Adding a key already present keeps its first value.
  void Add(const std::string& key, Value value = {}) {
    if (!values_.emplace(key, std::move(value)).second) return;
    order_.push_back(key);
    if (order_.size() > capacity_) {
      values_.erase(order_.front());
      order_.pop_front();
    }
  }

 private:
  const size_t capacity_;
  std::map<std::string, Value> values_;
  std::deque<std::string> order_;
};

}  // namespace agentstudio::agents
