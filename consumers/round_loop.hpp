#pragma once

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <string_view>
#include <thread>

#include "engine/backoff.hpp"

namespace agentstudio::kafka {

// The loop of a component that works in rounds (the timer sweeper, the
// dispatch gate): calls `round` until `stop`. A round that succeeded waits
// for its next itself (idle or woken); one that threw is logged under
// `name` and followed by a growing wait (100 ms doubling to 5 s), so a lost
// database is not hammered and a recovered one is used again soon.
template <typename Round>
void RunRounds(std::string_view name, const std::atomic<bool>& stop, Round&& round) {
  engine::Backoff backoff(std::chrono::milliseconds(100), std::chrono::seconds(5));
  while (!stop) {
    try {
      round();
      backoff.Reset();
    } catch (const std::exception& error) {
      const std::chrono::milliseconds wait = backoff.Next();
      spdlog::error("{}: {} (next round in {} ms)", name, error.what(), wait.count());
      std::this_thread::sleep_for(wait);
    }
  }
}

}  // namespace agentstudio::kafka
