#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "producers/message_producer.hpp"
#include "producers/topics.hpp"
#include "sql/commit_signal.hpp"
#include "sql/database.hpp"
#include "sql/outbox_store.hpp"

namespace agentstudio::kafka {

struct OutboxRelayOptions {
  int batch_size = 500;  // rows claimed per transaction
  // Pause when the outbox is empty; with a signal, a notification ends it.
  std::chrono::milliseconds idle_wait{20};
  // The first pause after a failure; it doubles while failures go on (to 5 s).
  std::chrono::milliseconds error_backoff{500};
  // How long a topic found missing is taken as missing before the cluster is
  // asked again.
  std::chrono::milliseconds missing_topic_recheck{1000};
};

// Publishes outbox rows to their topics and deletes each row only after its
// delivery report said it is durable. Rows are claimed with FOR UPDATE SKIP
// LOCKED inside a transaction held across the sends, so relays can run side
// by side and a relay that dies leaves its rows to the next (at least once).
// A row whose send can succeed later (its topic does not exist yet, the
// broker timed out) stays and is due again after a backoff that doubles per
// attempt, up to 30 s, while the rows behind it flow; rows of a topic the
// cluster says is missing are not even sent. A row Kafka refuses for good
// (too large, not authorised, an impossible topic name) leaves the outbox
// once what replaces it is durable: for a task message, a non-retryable
// DISPATCH_REFUSED error of that attempt on `task-events`, so the scheduler
// fails the task and the REST answer says why; for anything else, a dead
// letter (payload cut to 64 KiB).
class OutboxRelay {
 public:
  // `signal` (may be null) wakes the relay when new rows commit.
  OutboxRelay(store::SessionPool& pool, MessageProducer& producer, Topics topics,
              OutboxRelayOptions options = {},
              std::unique_ptr<store::CommitSignal> signal = nullptr);

  // One claim-send-delete round. Returns the number of rows published.
  // Throws store::DatabaseError.
  size_t RunOnce();

  // Loops until `stop` is set, then publishes what is left (bounded by one more
  // round). Never throws: failures are logged, counted and retried.
  void Run(const std::atomic<bool>& stop);

  uint64_t published() const { return published_; }
  uint64_t send_failures() const { return send_failures_; }  // rows postponed
  uint64_t refused() const { return refused_; }  // rows Kafka refused for good, replaced

 private:
  // Sends every message and waits for every report.
  std::vector<DeliveryResult> SendAll(const std::vector<store::OutboxMessage>& messages);
  bool TopicMissing(const std::string& topic);
  store::OutboxMessage InsteadOf(const store::OutboxRow& row, const std::string& error);

  store::SessionPool& pool_;
  MessageProducer& producer_;
  const std::unique_ptr<store::CommitSignal> signal_;
  const Topics topics_;
  const OutboxRelayOptions options_;
  // Of the relay's thread.
  struct Unsure {
    std::chrono::steady_clock::time_point until;
    bool missing = false;  // false: the cluster did not say
  };
  std::set<std::string> known_topics_;
  std::map<std::string, Unsure> unsure_;
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint64_t> published_{0};
  std::atomic<uint64_t> send_failures_{0};
};

}  // namespace agentstudio::kafka
