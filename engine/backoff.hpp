#pragma once

#include <algorithm>
#include <chrono>

namespace agentstudio::engine {

// The waits of a loop that tries again after failures (a batch the database
// refused, a report Kafka did not take, a relay or sweeper round that
// failed): `initial` after the first failure, doubling after each further
// one, at most `max`; Reset() after a success starts again from `initial`.
// The one backoff policy of the process's loops (tasks' own retry delays are
// RetryDelay(), which adds jitter per task). Not thread-safe: one per loop.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max)
      : initial_(initial), max_(max), next_(initial) {}

  // The wait before the next try; the one after it is twice as long.
  std::chrono::milliseconds Next() {
    const std::chrono::milliseconds wait = next_;
    next_ = std::min(next_ * 2, max_);
    return wait;
  }
  void Reset() { next_ = initial_; }

 private:
  const std::chrono::milliseconds initial_;
  const std::chrono::milliseconds max_;
  std::chrono::milliseconds next_;
};

}  // namespace agentstudio::engine
