#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "consumers/tail_consumer.hpp"
#include "engine/workflow_state.hpp"
#include "producers/topics.hpp"

namespace agentstudio::kafka {

// The type of the last event of a deleted workflow: published (not logged, the
// log goes with the workflow) so that a DELETE can answer once it applied.
inline constexpr std::string_view kWorkflowDeletedEvent = "WorkflowDeleted";

// The only event of a workflow whose StartWorkflow was dead-lettered: it
// never existed, and front doors forget that they accepted it.
inline constexpr std::string_view kWorkflowRejectedEvent = "WorkflowRejected";

// One `workflow-events` message, decoded.
struct WorkflowEventNotice {
  std::string workflow_id;
  engine::ExecutionEvent event;
  engine::WorkflowStatus workflow_status = engine::WorkflowStatus::kRunning;  // after the event
};

// The front door's view of `workflow-events`: every instance reads every
// partition from the end (TailReader) and hands each event to the listeners
// of its workflow. Events arrive at least once and, across relays, possibly
// out of order: listeners order and de-duplicate by `event.sequence`, and
// fill gaps from PostgreSQL. Undecodable messages are counted and skipped.
// Thread-safe.
class WorkflowEventFeed {
 public:
  using Listener = std::function<void(const WorkflowEventNotice&)>;

  // Assigns the topic's partitions now (throws std::runtime_error when it
  // cannot), so events published after the constructor returns are seen.
  WorkflowEventFeed(ConfigMap properties, const Topics& topics);
  ~WorkflowEventFeed();  // Stop()

  void Start();
  void Stop();

  // `listener` runs on the feed's thread for every later event of the
  // workflow; it must not block. It may still run once after Unsubscribe()
  // returns if that event was being delivered, so it must keep alive what it
  // touches (capture shared state).
  uint64_t Subscribe(const std::string& workflow_id, Listener listener);
  void Unsubscribe(uint64_t subscription);
  // `listener` runs on the feed's thread for every later event of every
  // workflow, until the feed stops; it must not block.
  void SubscribeToAll(Listener listener);

  uint64_t received() const { return received_; }
  size_t subscriptions() const;  // of single workflows (Subscribe)
  uint64_t undecodable() const { return undecodable_; }

 private:
  void Handle(const InboundMessage& message);
  void Deliver(const WorkflowEventNotice& notice);

  mutable std::mutex mutex_;
  uint64_t next_id_ = 1;                                                   // guarded by mutex_
  std::multimap<std::string, std::pair<uint64_t, Listener>> by_workflow_;  // guarded by mutex_
  std::map<uint64_t, std::string> workflow_of_;                            // guarded by mutex_
  std::vector<Listener> every_workflow_;                                   // guarded by mutex_
  std::atomic<uint64_t> received_{0};
  std::atomic<uint64_t> undecodable_{0};
  TailReader reader_;  // last: its thread stops before the rest goes
};

}  // namespace agentstudio::kafka
