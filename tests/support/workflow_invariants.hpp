#pragma once

#include <soci/soci.h>

#include <string>

namespace agentstudio::testing {

// How many tasks have more than one TaskCompleted event in their workflow's
// log: completions applied twice, which guarantee 2 rules out.
int CountCompletionsAppliedTwice(soci::session& session);

// Whether agentstudiod `output` logged an offset reset of a consumer group:
// messages dropped by the broker before they were consumed.
bool ReportsKafkaDataLoss(const std::string& output);

}  // namespace agentstudio::testing
