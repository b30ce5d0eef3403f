#pragma once

#include <soci/soci.h>

#include <string>
#include <vector>

namespace agentstudio::testing {

// The single integer `sql` (a count) selects.
int CountOf(soci::session& session, const std::string& sql);

// How many of the executions `ids` are `completed`.
int CountCompleted(soci::session& session, const std::vector<std::string>& ids);

// How many messages (commands, task events) were applied more than once,
// which guarantee 2 rules out: applying one message logs at most one event of
// each type per task, each stamped with the message's id, so a second
// application shows as a second event of that (message, type, task). The
// engine alone cannot hide it: a repeated thought, pause or cancel of a
// running task is logged again.
int CountMessagesAppliedTwice(soci::session& session);

// Whether agentstudiod `output` logged an offset reset of a consumer group:
// messages dropped by the broker before they were consumed.
bool ReportsKafkaDataLoss(const std::string& output);

}  // namespace agentstudio::testing
