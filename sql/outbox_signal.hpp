#pragma once

#include <soci/soci.h>

#include <chrono>
#include <memory>
#include <string>

namespace agentstudio::store {

// The channel EnqueueOutbox notifies in the writing transaction; PostgreSQL
// delivers the notification when that transaction commits, not before.
inline constexpr const char* kOutboxChannel = "agentstudio_outbox";

// Wakes a relay as soon as a transaction that wrote outbox rows commits
// (LISTEN on a connection of its own), so rows leave without waiting for the
// relay's next poll. Notifications are a hint, never the only way rows are
// found: the relay still polls, for rows of writers that did not notify, and
// after the connection was lost (notifications sent meanwhile are gone).
// Not thread-safe: one relay thread waits.
class OutboxSignal {
 public:
  // Connects and listens. Throws DatabaseError when it cannot connect.
  explicit OutboxSignal(const std::string& database_url);
  ~OutboxSignal();

  // Returns once a notification arrived (true) or after `timeout` (false).
  // A lost connection is reopened on the next call, which then returns true
  // at once (rows may have been written unannounced), or, when it cannot be
  // reopened, false after `timeout`.
  bool Wait(std::chrono::milliseconds timeout);

  // Reads what arrived without waiting; true if a notification had. A relay
  // that is busy calls it every round: a listener that stops reading makes
  // the server keep every notification of the cluster queued, and once that
  // queue is full, commits that notify fail.
  bool Drain();

 private:
  void Listen();

  const std::string url_;
  std::unique_ptr<soci::session> session_;
};

}  // namespace agentstudio::store
