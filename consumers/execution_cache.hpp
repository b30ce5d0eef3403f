#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>

#include "engine/workflow_state.hpp"
#include "sql/workflow_store.hpp"

namespace agentstudio::kafka {

// The executions a scheduler committed last, kept between poll batches so
// that an event of a workflow under way neither loads nor parses all of its
// tasks again: without it, the cost of a step grows with the workflow.
//
// An entry is used only while the store still has its stamp
// (store::LockExecutions, read under the row lock): any other writer (the
// timer sweeper, another scheduler after a rebalance, a delete and a new
// start under the same id) changes the version or the creation time, and the
// entry is dropped. Entries go in only after their transaction committed.
// Finished executions are not kept. Bounded by the tasks of the executions
// kept (one at least for each); the least recently put goes first. Not
// thread-safe.
class ExecutionCache {
 public:
  explicit ExecutionCache(size_t max_tasks) : max_tasks_(max_tasks) {}

  // Moves the execution out when its stamp is `stamp`; drops it otherwise.
  std::optional<engine::WorkflowState> Take(const std::string& id,
                                            const store::ExecutionStamp& stamp);

  // Keeps `state` as committed (a finished one is dropped instead).
  void Put(engine::WorkflowState state);

  void Clear();

  size_t size() const { return index_.size(); }
  size_t tasks() const { return tasks_; }
  uint64_t hits() const { return hits_; }
  uint64_t misses() const { return misses_; }

 private:
  struct Entry {
    engine::WorkflowState state;
    size_t weight = 0;  // its tasks, counted when put (a state moved out has none left)
  };
  using Entries = std::list<Entry>;  // most recently put first
  void Erase(std::unordered_map<std::string, Entries::iterator>::iterator it);

  const size_t max_tasks_;
  Entries entries_;
  std::unordered_map<std::string, Entries::iterator> index_;
  size_t tasks_ = 0;  // the sum of the weights
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
};

}  // namespace agentstudio::kafka
