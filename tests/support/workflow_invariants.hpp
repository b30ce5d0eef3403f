#pragma once

#include <soci/soci.h>

namespace agentstudio::testing {

// How many tasks have more than one TaskCompleted event in their workflow's
// log: completions applied twice, which guarantee 2 rules out.
int CountCompletionsAppliedTwice(soci::session& session);

}  // namespace agentstudio::testing
