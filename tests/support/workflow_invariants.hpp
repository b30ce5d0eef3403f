#pragma once

#include <soci/soci.h>

#include <string>
#include <vector>

namespace agentstudio::testing {

// The single integer `sql` (a count) selects.
int CountOf(soci::session& session, const std::string& sql);

// How many of the executions `ids` are `completed`.
int CountCompleted(soci::session& session, const std::vector<std::string>& ids);

// How many tasks have more than one TaskCompleted event in their workflow's
// log: completions applied twice, which guarantee 2 rules out.
int CountCompletionsAppliedTwice(soci::session& session);

// Whether agentstudiod `output` logged an offset reset of a consumer group:
// messages dropped by the broker before they were consumed.
bool ReportsKafkaDataLoss(const std::string& output);

}  // namespace agentstudio::testing
