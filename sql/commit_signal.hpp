#pragma once

#include <soci/soci.h>

#include <chrono>
#include <memory>
#include <string>

namespace agentstudio::store {

// Channels notified in the writing transaction; PostgreSQL delivers a
// notification when that transaction commits, not before.
// EnqueueOutbox and ReleaseDispatches notify this one, for the relay:
inline constexpr const char* kOutboxChannel = "agentstudio_outbox";
// EnqueueDispatches and EndDispatches this one, for the dispatch gate:
inline constexpr const char* kDispatchChannel = "agentstudio_dispatch";

// Wakes a loop (the relay, the dispatch gate) as soon as a transaction that
// wrote its rows commits (LISTEN on a connection of its own), so rows move
// without waiting for the loop's next poll. Notifications are a hint, never
// the only way rows are found: the loop still polls, for rows of writers that
// did not notify, and after the connection was lost (notifications sent
// meanwhile are gone). Not thread-safe: one thread waits.
class CommitSignal {
 public:
  // Connects and listens on `channel`. Throws DatabaseError when it cannot
  // connect.
  explicit CommitSignal(const std::string& database_url, std::string channel = kOutboxChannel);
  ~CommitSignal();

  // Returns once a notification arrived (true) or after `timeout` (false).
  // A lost connection is reopened on the next call, which then returns true
  // at once (rows may have been written unannounced), or, when it cannot be
  // reopened, false after `timeout`.
  bool Wait(std::chrono::milliseconds timeout);

  // Reads what arrived without waiting; true if a notification had. A loop
  // that is busy calls it every round: a listener that stops reading makes
  // the server keep every notification of the cluster queued, and once that
  // queue is full, commits that notify fail.
  bool Drain();

 private:
  void Listen();

  const std::string url_;
  const std::string channel_;
  std::unique_ptr<soci::session> session_;
};

}  // namespace agentstudio::store
