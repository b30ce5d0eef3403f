#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "consumers/workflow_event_feed.hpp"
#include "sql/database.hpp"

namespace agentstudio::daemon {

// How a wait for the end of a workflow ended.
enum class WaitEnd {
  kEnded,     // the workflow reached completed, failed or cancelled, or is gone
              // (deleted, or its start was dead-lettered)
  kTimedOut,  // the deadline came first (the workflow goes on)
  kStopping,  // the front door is shutting down
};

// Calls back when workflows end, or are deleted, so the waiting endpoints
// (/execute, resume, meta-agent execute, delete) answer without holding a
// thread per request. Woken by
// the workflow-event feed; a check of PostgreSQL every `recheck` covers
// events the feed did not see (published before it started, or lost with a
// broker). Thread-safe.
class WorkflowEndWaiter {
 public:
  using Done = std::function<void(WaitEnd)>;

  // REQUIRES: `feed` stops (delivers nothing more) before this is destroyed.
  WorkflowEndWaiter(kafka::WorkflowEventFeed& feed, store::SessionPool& pool,
                    std::chrono::milliseconds recheck = std::chrono::seconds(1));
  ~WorkflowEndWaiter();  // Stop()

  // Waits for the workflow to end with an event numbered after
  // `after_sequence` (0 for a new workflow; the current last sequence when
  // resuming one that already ended once), at most `timeout` (any value: a
  // step may allow 30,000 years, more than a steady_clock time point holds,
  // so waits are capped at kLongestWait). `done` runs exactly once, on the
  // feed's or the waiter's thread, and must not block. Register before
  // sending the command whose effect is awaited.
  uint64_t Wait(const std::string& workflow_id, int64_t after_sequence,
                std::chrono::milliseconds timeout, Done done);

  // Waits for the workflow to be deleted (its WorkflowDeleted event, or its
  // row gone); kEnded once it is. The same contract as Wait().
  uint64_t WaitForDeletion(const std::string& workflow_id, std::chrono::milliseconds timeout,
                           Done done);

  static constexpr std::chrono::hours kLongestWait{24 * 365 * 10};

  // Forgets a wait without calling its `done` (its command was not accepted).
  void Cancel(uint64_t wait);

  // Calls every pending `done` with kStopping and stops checking. Idempotent.
  void Stop();

 private:
  struct Pending {
    std::string workflow_id;
    bool deletion = false;  // waits for the deletion, not the end
    int64_t after_sequence = 0;
    std::chrono::steady_clock::time_point deadline;
    Done done;
    uint64_t subscription = 0;
  };

  uint64_t Register(Pending pending);
  // Removes the wait and calls its `done` with `how` (no-op if already gone).
  void Finish(uint64_t wait, WaitEnd how);
  void Run();
  void Recheck();

  kafka::WorkflowEventFeed& feed_;
  store::SessionPool& pool_;
  const std::chrono::milliseconds recheck_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<uint64_t, Pending> pending_;  // guarded by mutex_
  uint64_t next_id_ = 1;                 // guarded by mutex_
  bool stopping_ = false;                // guarded by mutex_
  std::thread thread_;
};

}  // namespace agentstudio::daemon
