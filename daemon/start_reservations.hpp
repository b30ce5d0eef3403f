#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace agentstudio::daemon {

// The starts of each tenant that a front door checked against the tenant's
// concurrent-workflow limit and has not settled yet (not yet accepted, nor
// refused): counted with the stored and accepted ones, so that requests
// checked at the same time cannot all pass. Thread-safe.
class StartReservations {
 public:
  // Released when the last copy is destroyed.
  using Reservation = std::shared_ptr<const void>;

  // Counts one start of `tenant` in; `*count` becomes the tenant's starts
  // reserved now, this one included.
  Reservation Reserve(const std::string& tenant, int* count);

  int CountOf(const std::string& tenant) const;

 private:
  void Release(const std::string& tenant);

  mutable std::mutex mutex_;
  std::map<std::string, int> reserved_;  // guarded by mutex_; no zero counts
};

}  // namespace agentstudio::daemon
