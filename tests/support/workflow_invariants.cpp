#include "tests/support/workflow_invariants.hpp"

namespace agentstudio::testing {

int CountOf(soci::session& session, const std::string& sql) {
  int n = -1;
  session << sql, soci::into(n);
  return n;
}

int CountCompleted(soci::session& session, const std::vector<std::string>& ids) {
  int completed = 0;
  for (const std::string& id : ids) {
    std::string status;
    session << "SELECT status FROM workflow_executions WHERE id = :id", soci::use(id),
        soci::into(status);
    completed += status == "completed" ? 1 : 0;
  }
  return completed;
}

int CountMessagesAppliedTwice(soci::session& session) {
  return CountOf(session,
                 "SELECT count(*) FROM (SELECT 1 FROM workflow_events "
                 "WHERE source_message_id IS NOT NULL "
                 "GROUP BY workflow_id, source_message_id, type, data->>'taskId' "
                 "HAVING count(*) > 1) AS twice");
}

bool ReportsKafkaDataLoss(const std::string& output) {
  return output.find("messages were lost before they were consumed") != std::string::npos;
}

}  // namespace agentstudio::testing
