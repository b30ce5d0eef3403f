#include "sql/dispatch_queue_store.hpp"

#include "sql/commit_signal.hpp"
#include "sql/json_rows_writer.hpp"
#include "sql/prepared_query.hpp"
#include "sql/queries.hpp"

namespace agentstudio::store {

void EnqueueDispatches(soci::session& session, const std::vector<QueuedDispatch>& dispatches) {
  if (dispatches.empty()) return;
  JsonRowsWriter rows;
  for (const QueuedDispatch& d : dispatches) {
    rows.BeginRow();
    rows.Text("task_id", d.task_id);
    rows.Integer("attempt", d.attempt);
    rows.Text("agent_type", d.agent_type);
    rows.Integer("priority", d.priority);
    rows.Text("topic", d.message.topic);
    rows.Text("key", d.message.key);
    rows.Bytes("payload", d.message.payload);
    rows.TextObject("headers", d.message.headers);
  }
  RunPrepared(session, queries::kInsertDispatches, {rows.Finish()});
  session << std::string("NOTIFY ") + kDispatchChannel;
}

void EndDispatches(soci::session& session, const std::vector<EndedAttempt>& attempts) {
  if (attempts.empty()) return;
  JsonRowsWriter rows;
  for (const EndedAttempt& a : attempts) {
    rows.BeginRow();
    rows.Text("task_id", a.task_id);
    rows.Integer("attempt", a.attempt);
  }
  // Nothing deleted, no slot freed: no gate needs waking.
  if (RunPrepared(session, queries::kDeleteDispatches, {rows.Finish()}).affected > 0) {
    session << std::string("NOTIFY ") + kDispatchChannel;
  }
}

std::vector<std::string> WaitingDispatchTypes(soci::session& session) {
  return SelectPrepared(session, queries::kSelectWaitingDispatchTypes, {});
}

uint64_t ReleaseDispatches(soci::session& session, const std::string& agent_type,
                           engine::TimeMs live_since, int prefetch) {
  const std::vector<std::string> locked =
      SelectPrepared(session, queries::kLockDispatchType, {agent_type});
  if (locked.empty() || locked.front() != "t") return 0;  // another gate is at it
  const uint64_t released =
      RunPrepared(session, queries::kReleaseDispatches,
                  {agent_type, std::to_string(live_since), std::to_string(prefetch)})
          .affected;
  if (released > 0) session << std::string("NOTIFY ") + kOutboxChannel;
  return released;
}

}  // namespace agentstudio::store
