#include "consumers/timer_sweeper.hpp"

#include <spdlog/spdlog.h>

#include <set>
#include <thread>

#include "consumers/execution_writes.hpp"
#include "consumers/round_loop.hpp"
#include "engine/decide.hpp"
#include "engine/timestamp.hpp"
#include "producers/kafka_config.hpp"
#include "sql/timer_store.hpp"
#include "sql/workflow_store.hpp"

namespace agentstudio::kafka {

TimerSweeper::TimerSweeper(store::SessionPool& pool, const Topics& topics,
                           std::chrono::milliseconds idle_wait)
    : pool_(pool), topics_(topics), idle_wait_(idle_wait) {}

size_t TimerSweeper::RunOnce(engine::TimeMs now) {
  auto session = pool_.Acquire();
  try {
    return store::InTransaction(*session, [&](soci::session& s) -> size_t {
      const std::vector<store::TimerRow> due = store::ClaimDueTimers(s, now, 200);
      if (due.empty()) return 0;
      std::set<std::string> ids;
      for (const auto& row : due) ids.insert(row.workflow_id);
      auto states = store::LoadExecutions(s, {ids.begin(), ids.end()}, /*for_update=*/true);
      ExecutionWrites writes(topics_, states);
      std::vector<int64_t> handled;
      for (const store::TimerRow& row : due) {
        handled.push_back(row.id);
        if (!row.known_kind) {
          spdlog::error("timer {} of workflow {} has a kind this version does not know; dropped",
                        row.id, row.workflow_id);
          continue;
        }
        auto it = states.find(row.workflow_id);
        if (it == states.end()) continue;
        engine::Decision decision = engine::Decide(
            it->second,
            engine::TimerFiredInput{row.timer.kind, row.timer.task_id, row.timer.attempt, now});
        if (decision.outcome != engine::Outcome::kApplied) continue;
        writes.Record(decision, /*message_id=*/"", NewTraceparent(), now);
        it->second = std::move(decision.state);
        ++fired_;
      }
      store::DeleteTimers(s, handled);
      writes.Write(s);
      return handled.size();
    });
  } catch (const std::exception& error) {
    store::DatabaseError classified = store::ClassifyDatabaseError(error);
    session.ReconnectIfLost();
    throw classified;
  }
}

void TimerSweeper::Run(const std::atomic<bool>& stop) {
  RunRounds("timer sweeper", stop, [&] {
    if (RunOnce(engine::WallClockNow()) == 0) std::this_thread::sleep_for(idle_wait_);
  });
}

}  // namespace agentstudio::kafka
