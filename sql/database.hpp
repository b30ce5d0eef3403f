#pragma once

#include <soci/soci.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace agentstudio::store {

// A database failure, with whether retrying the same work can help: lost
// connections, serialization failures and deadlocks can; constraint
// violations and SQL errors cannot.
class DatabaseError : public std::runtime_error {
 public:
  DatabaseError(const std::string& message, bool retryable)
      : std::runtime_error(message), retryable_(retryable) {}
  bool IsRetryable() const { return retryable_; }

 private:
  bool retryable_;
};

// Classifies any exception thrown by SOCI/libpq into a DatabaseError.
DatabaseError ClassifyDatabaseError(const std::exception& error);

// Opens one session. `url` is a libpq conninfo string or a postgresql:// URI.
// Throws DatabaseError (retryable) when the server cannot be reached.
std::unique_ptr<soci::session> Connect(const std::string& url);

// A fixed set of sessions shared by threads. A session is used by one thread
// at a time (SOCI sessions are not thread-safe); a lease returns it. After a
// failure the lease holder calls Reconnect() so the next user gets a live one.
class SessionPool {
 public:
  // Opens `size` sessions now. Throws DatabaseError when the first cannot be opened.
  SessionPool(std::string url, size_t size);

  class Lease {
   public:
    Lease(SessionPool& pool, size_t index) : pool_(&pool), index_(index) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), index_(other.index_) {
      other.pool_ = nullptr;
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    soci::session& operator*() { return *pool_->sessions_[index_]; }
    soci::session* operator->() { return pool_->sessions_[index_].get(); }
    // Drops the session and opens a new one (throws DatabaseError on failure).
    void Reconnect();
    // After a failure: reconnects if the connection is gone. Never throws; if
    // the server is still down, the next user of the session tries again.
    void ReconnectIfLost() noexcept;

   private:
    SessionPool* pool_;
    size_t index_;
  };

  // Blocks until a session is free.
  Lease Acquire();

  // Runs `work(session)` on a leased session and returns what it returns.
  // When it throws, the session reconnects if its connection was lost (so
  // the next user gets a live one) and the exception propagates.
  template <typename Work>
  auto Run(Work&& work) {
    Lease lease = Acquire();
    try {
      return work(*lease);
    } catch (...) {
      lease.ReconnectIfLost();
      throw;
    }
  }
  const std::string& url() const { return url_; }

 private:
  const std::string url_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<soci::session>> sessions_;  // slots fixed after construction
  std::vector<size_t> free_;                              // guarded by mutex_
};

// Runs `work(session)` in a transaction, committing when it returns and
// rolling back when it throws (the exception propagates).
template <typename Work>
auto InTransaction(soci::session& session, Work&& work) {
  soci::transaction tx(session);
  if constexpr (std::is_void_v<decltype(work(session))>) {
    work(session);
    tx.commit();
  } else {
    auto result = work(session);
    tx.commit();
    return result;
  }
}

// Whether the session's connection is still usable (a cheap libpq status check).
bool IsConnectionAlive(soci::session& session);

}  // namespace agentstudio::store
