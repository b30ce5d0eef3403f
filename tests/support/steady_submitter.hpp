#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace agentstudio::testing {

// A client that POSTs `body` to `url` every `pace` on a thread of its own
// while faults are injected. It records the ids answered 201; any other
// answer must be a 503 problem+json with Retry-After (a test failure
// otherwise): the front door never accepts what it could not make durable and
// never fails in another way.
class SteadySubmitter {
 public:
  SteadySubmitter(std::string url, std::string body, std::chrono::milliseconds pace);
  ~SteadySubmitter();  // Stop()

  size_t accepted_count() const;
  int refused() const { return refused_; }
  // Waits (up to a minute) until `more` further workflows were accepted.
  bool AcceptsMore(size_t more) const;
  // Stops submitting; returns the ids answered 201.
  std::vector<std::string> Stop();

 private:
  void Submit();

  const std::string url_;
  const std::string body_;
  const std::chrono::milliseconds pace_;
  mutable std::mutex mutex_;
  std::vector<std::string> accepted_;  // guarded by mutex_
  std::atomic<int> refused_{0};
  std::mutex pace_mutex_;
  std::condition_variable stopped_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace agentstudio::testing
