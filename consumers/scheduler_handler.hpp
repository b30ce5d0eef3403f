#pragma once

#include <soci/soci.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

#include "consumers/dead_letter_publisher.hpp"
#include "consumers/execution_cache.hpp"
#include "consumers/inbound_message.hpp"
#include "engine/workflow_state.hpp"
#include "producers/topics.hpp"

namespace agentstudio::kafka {

// What one batch did, for logs and metrics.
struct SchedulerBatchResult {
  std::vector<PoisonMessage> poison;  // to dead-letter before committing
  uint64_t applied = 0;
  uint64_t redelivered = 0;  // message id already processed: Kafka delivered it again
  uint64_t duplicates = 0;   // a new message that changes nothing (e.g. progress not higher)
  uint64_t stale = 0;        // older attempt, or the workflow already ended
  uint64_t ignored = 0;      // valid but changes nothing (log events)
  // With a cache: the executions as the transaction leaves them, for the
  // cache once it committed.
  std::vector<engine::WorkflowState> states;
};

// Applies a batch of `commands` and `task-events` messages to PostgreSQL
// through the engine: decodes them, drops message ids already processed,
// locks the executions involved (in id order), runs Decide for each message in
// order, and writes the new states, event log, checkpoints and outbox
// messages. Runs on the caller's session inside the caller's transaction, so
// the caller commits Kafka offsets only after the transaction committed.
// Throws on database errors (the caller rolls back and retries the batch).
//
// Deduplication remembers message ids for `dedup_window` (then
// ProcessedMessagesPruner forgets them), so a message whose Kafka timestamp
// is older than that cannot be told from one applied before: it is
// dead-lettered, not applied. The default window is longer than Kafka's
// default retention (7 days), so only a message produced with an old
// timestamp, or one kept longer than the window by a topic, gets there.
inline constexpr std::chrono::milliseconds kDefaultDedupWindow = std::chrono::hours(24 * 8);

// How far clocks may be apart without harm: ids are pruned this much after
// the window, and a message timestamped further in the future than this is
// dead-lettered too (it would never look old). An eighth of the window, at
// most an hour.
inline std::chrono::milliseconds PruneMargin(std::chrono::milliseconds window) {
  return std::min<std::chrono::milliseconds>(window / 8, std::chrono::hours(1));
}

class SchedulerHandler {
 public:
  explicit SchedulerHandler(Topics topics,
                            std::chrono::milliseconds dedup_window = kDefaultDedupWindow)
      : topics_(std::move(topics)), dedup_window_(dedup_window) {}

  // With `cache`, executions whose copy there is current are taken from it
  // instead of loaded; the caller puts `states` back once committed.
  SchedulerBatchResult Apply(soci::session& session, std::span<const InboundMessage> batch,
                             engine::TimeMs now, ExecutionCache* cache = nullptr) const;

 private:
  const Topics topics_;
  const std::chrono::milliseconds dedup_window_;
};

}  // namespace agentstudio::kafka
