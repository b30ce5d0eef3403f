#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace agentstudio::testing {

// Polls `condition` until it holds or `timeout` passes; returns whether it
// held. Tests wait for conditions this way, never for fixed sleeps.
inline bool WaitUntil(const std::function<bool()>& condition,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll until the condition holds
  }
  return true;
}

}  // namespace agentstudio::testing
