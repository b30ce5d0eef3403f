#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "auth/api_keys.hpp"
#include "sql/database.hpp"

namespace agentstudio::daemon {

// Keeps a front door's ApiKeyTable what api_keys holds: every `interval` it
// reads the live keys and replaces the table, so a key made or revoked with
// `agentstudio keys` counts within one interval, and requests check keys
// in memory, never waiting for the database. When a read fails the table
// stays as it was (keys keep working through a database outage) and the
// failure is logged.
class ApiKeyRefresher {
 public:
  ApiKeyRefresher(store::SessionPool& pool, std::shared_ptr<auth::ApiKeyTable> table,
                  std::chrono::milliseconds interval);
  ~ApiKeyRefresher();

  // Reads the keys once, now; throws on database errors.
  void RefreshOnce();
  // Refreshes every interval on a thread of its own until Stop().
  void Start();
  void Stop();

 private:
  store::SessionPool& pool_;
  const std::shared_ptr<auth::ApiKeyTable> table_;
  const std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace agentstudio::daemon
