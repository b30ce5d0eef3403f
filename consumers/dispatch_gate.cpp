#include "consumers/dispatch_gate.hpp"

#include <spdlog/spdlog.h>

#include <string>
#include <thread>
#include <vector>

#include "consumers/round_loop.hpp"
#include "sql/dispatch_queue_store.hpp"

namespace agentstudio::kafka {

DispatchGate::DispatchGate(store::SessionPool& pool, std::unique_ptr<store::CommitSignal> signal,
                           int prefetch, std::chrono::milliseconds poll_interval,
                           engine::TimeMs agent_liveness)
    : pool_(pool),
      signal_(std::move(signal)),
      prefetch_(prefetch),
      poll_interval_(poll_interval),
      agent_liveness_(agent_liveness) {}

uint64_t DispatchGate::RunOnce(engine::TimeMs now) {
  auto session = pool_.Acquire();
  try {
    uint64_t released = 0;
    for (const std::string& type : store::WaitingDispatchTypes(*session)) {
      // One type per transaction: its lock is held only while its room is
      // counted and filled.
      const uint64_t n = store::InTransaction(*session, [&](soci::session& s) {
        return store::ReleaseDispatches(s, type, now - agent_liveness_, prefetch_);
      });
      released += n;
      released_ += n;
    }
    return released;
  } catch (const std::exception& error) {
    store::DatabaseError classified = store::ClassifyDatabaseError(error);
    session.ReconnectIfLost();
    throw classified;
  }
}

void DispatchGate::Run(const std::atomic<bool>& stop) {
  RunRounds("dispatch gate", stop, [&] {
    RunOnce(engine::WallClockNow());
    // A notification that arrived during the round starts the next at once.
    if (signal_) {
      signal_->Wait(poll_interval_);
    } else {
      std::this_thread::sleep_for(poll_interval_);
    }
  });
}

}  // namespace agentstudio::kafka
