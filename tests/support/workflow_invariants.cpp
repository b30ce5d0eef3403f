#include "tests/support/workflow_invariants.hpp"

namespace agentstudio::testing {

int CountCompletionsAppliedTwice(soci::session& session) {
  int twice = -1;
  session << "SELECT count(*) FROM (SELECT 1 FROM workflow_events WHERE type = 'TaskCompleted' "
             "GROUP BY workflow_id, data->>'taskId' HAVING count(*) > 1) AS twice",
      soci::into(twice);
  return twice;
}

bool ReportsKafkaDataLoss(const std::string& output) {
  return output.find("messages were lost before they were consumed") != std::string::npos;
}

}  // namespace agentstudio::testing
