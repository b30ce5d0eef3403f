#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "producers/message_producer.hpp"
#include "sql/database.hpp"

namespace agentstudio::kafka {

struct OutboxRelayOptions {
  int batch_size = 500;                          // rows claimed per transaction
  std::chrono::milliseconds idle_wait{20};       // pause when the outbox is empty
  std::chrono::milliseconds error_backoff{500};  // pause after a failure
};

// Publishes outbox rows to their topics and deletes each row only after its
// delivery report said it is durable. Rows are claimed with FOR UPDATE SKIP
// LOCKED inside a transaction held across the sends, so relays can run side
// by side and a relay that dies leaves its rows to the next (at least once).
// A row whose send fails (e.g. its topic does not exist yet) stays and is
// retried.
class OutboxRelay {
 public:
  OutboxRelay(store::SessionPool& pool, MessageProducer& producer, OutboxRelayOptions options = {});

  // One claim-send-delete round. Returns the number of rows published.
  // Throws store::DatabaseError.
  size_t RunOnce();

  // Loops until `stop` is set, then publishes what is left (bounded by one more
  // round). Never throws: failures are logged, counted and retried.
  void Run(const std::atomic<bool>& stop);

  uint64_t published() const { return published_; }
  uint64_t send_failures() const { return send_failures_; }

 private:
  store::SessionPool& pool_;
  MessageProducer& producer_;
  const OutboxRelayOptions options_;
  std::atomic<uint64_t> published_{0};
  std::atomic<uint64_t> send_failures_{0};
};

}  // namespace agentstudio::kafka
