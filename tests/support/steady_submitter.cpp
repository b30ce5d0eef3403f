#include "tests/support/steady_submitter.hpp"

#include <gtest/gtest.h>

#include "tests/support/http_client.hpp"
#include "tests/support/wait.hpp"

namespace agentstudio::testing {

SteadySubmitter::SteadySubmitter(std::string url, std::string body, std::chrono::milliseconds pace)
    : url_(std::move(url)), body_(std::move(body)), pace_(pace) {
  thread_ = std::thread([this] {
    std::unique_lock lock(pace_mutex_);
    do {
      lock.unlock();
      Submit();
      lock.lock();
      // The client's rate (load shaping, not a wait for a condition); Stop()
      // ends it at once.
    } while (!stopped_.wait_for(lock, pace_, [this] { return stop_.load(); }));
  });
}

SteadySubmitter::~SteadySubmitter() { Stop(); }

void SteadySubmitter::Submit() {
  const auto response = Http("POST", url_, body_);
  if (response.status == 201) {
    std::lock_guard lock(mutex_);
    accepted_.push_back(response.Json()["id"]);
    return;
  }
  ++refused_;
  EXPECT_EQ(response.status, 503) << response.body;
  EXPECT_EQ(response.Header("content-type"), "application/problem+json");
  EXPECT_EQ(response.Json()["status"], 503);
  EXPECT_FALSE(response.Header("retry-after").empty());
}

size_t SteadySubmitter::accepted_count() const {
  std::lock_guard lock(mutex_);
  return accepted_.size();
}

bool SteadySubmitter::AcceptsMore(size_t more) const {
  const size_t target = accepted_count() + more;
  return WaitUntil([&] { return accepted_count() >= target; }, std::chrono::seconds(60));
}

std::vector<std::string> SteadySubmitter::Stop() {
  {
    std::lock_guard lock(pace_mutex_);
    stop_ = true;
  }
  stopped_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  return accepted_;
}

}  // namespace agentstudio::testing
