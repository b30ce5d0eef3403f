#pragma once

#include <soci/soci.h>

#include <string>
#include <vector>

#include "engine/decide.hpp"

namespace agentstudio::store {

// A stored timer, due or not.
struct TimerRow {
  int64_t id = 0;
  std::string workflow_id;
  engine::Timer timer;
  bool known_kind = true;  // false: a kind this version does not know (timer.kind is meaningless)
};

// Stores timers (workflow id, timer), on the caller's transaction.
void InsertTimers(soci::session& session,
                  const std::vector<std::pair<std::string, engine::Timer>>& timers);

// Locks and returns up to `limit` timers due at `now`, soonest first, skipping
// rows another scheduler holds. REQUIRES: an open transaction.
std::vector<TimerRow> ClaimDueTimers(soci::session& session, engine::TimeMs now, int limit);

void DeleteTimers(soci::session& session, const std::vector<int64_t>& ids);

}  // namespace agentstudio::store
