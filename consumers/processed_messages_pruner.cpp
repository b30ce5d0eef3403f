#include "consumers/processed_messages_pruner.hpp"

#include <spdlog/spdlog.h>

#include <thread>

#include "consumers/scheduler_handler.hpp"
#include "engine/timestamp.hpp"
#include "sql/workflow_store.hpp"

namespace agentstudio::kafka {

namespace {
constexpr int kBatch = 10000;
}  // namespace

ProcessedMessagesPruner::ProcessedMessagesPruner(store::SessionPool& pool,
                                                 std::chrono::milliseconds window,
                                                 std::chrono::milliseconds interval)
    : pool_(pool), window_(window), interval_(interval) {}

uint64_t ProcessedMessagesPruner::RunOnce(engine::TimeMs now) {
  uint64_t deleted = 0;
  for (;;) {
    const uint64_t batch = pool_.Run([&](soci::session& session) {
      return store::PruneProcessedMessages(
          session, now - window_.count() - PruneMargin(window_).count(), kBatch);
    });
    deleted += batch;
    pruned_ += batch;
    if (batch < static_cast<uint64_t>(kBatch)) return deleted;
  }
}

void ProcessedMessagesPruner::Run(const std::atomic<bool>& stop) {
  auto next = std::chrono::steady_clock::now();
  while (!stop) {
    if (std::chrono::steady_clock::now() >= next) {
      try {
        if (const uint64_t deleted = RunOnce(engine::WallClockNow())) {
          spdlog::info("processed_messages: forgot {} ids older than {} ms", deleted,
                       window_.count());
        }
      } catch (const std::exception& error) {
        spdlog::warn("processed_messages: pruning failed, next try in {} ms: {}", interval_.count(),
                     error.what());
      }
      next = std::chrono::steady_clock::now() + interval_;
    }
    // Wakes often enough that a stop is seen at once.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace agentstudio::kafka
