#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace agentstudio::daemon {

// A fixed pool of threads for blocking work (database reads) so Pistache's
// reactor threads never wait on I/O. The queue is bounded: when full, Submit
// refuses and the caller answers 503 at once instead of piling up latency.
class BlockingExecutor {
 public:
  BlockingExecutor(size_t threads, size_t max_queue);
  ~BlockingExecutor();  // Shutdown()

  // Refuses new jobs, runs what is queued, joins the threads. Idempotent.
  void Shutdown();

  // Returns false (and drops `job`) when the queue is full or stopping.
  bool Submit(std::function<void()> job);

 private:
  void Work();

  const size_t max_queue_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;  // guarded by mutex_
  bool stopping_ = false;                    // guarded by mutex_
  std::vector<std::thread> threads_;
};

}  // namespace agentstudio::daemon
