#include "sql/timer_store.hpp"

#include <nlohmann/json.hpp>

#include "sql/json_rows_writer.hpp"
#include "sql/prepared_query.hpp"
#include "sql/queries.hpp"

namespace agentstudio::store {

using Json = nlohmann::json;

void InsertTimers(soci::session& session,
                  const std::vector<std::pair<std::string, engine::Timer>>& timers) {
  if (timers.empty()) return;
  JsonRowsWriter rows;
  for (const auto& [workflow_id, timer] : timers) {
    rows.BeginRow();
    rows.Text("workflow_id", workflow_id);
    rows.Text("kind", engine::ToString(timer.kind));
    rows.Text("task_id", timer.task_id);
    rows.Integer("attempt", timer.attempt);
    rows.Integer("fire_at", timer.fire_at);
  }
  RunPrepared(session, queries::kInsertTimers, {rows.Finish()});
}

std::vector<TimerRow> ClaimDueTimers(soci::session& session, engine::TimeMs now, int limit) {
  std::vector<TimerRow> out;
  for (const std::string& value : SelectPrepared(session, queries::kClaimDueTimers,
                                                 {std::to_string(now), std::to_string(limit)})) {
    const Json row = Json::parse(value);
    TimerRow timer;
    timer.id = row.at("id").get<int64_t>();
    timer.workflow_id = row.at("workflowId").get<std::string>();
    const auto kind = engine::ParseTimerKind(row.at("kind").get<std::string>());
    timer.known_kind = kind.has_value();
    timer.timer.kind = kind.value_or(engine::TimerKind::kRetry);
    timer.timer.task_id = row.value("taskId", "");
    timer.timer.attempt = row.value("attempt", 0);
    out.push_back(std::move(timer));
  }
  return out;
}

void DeleteTimers(soci::session& session, const std::vector<int64_t>& ids) {
  if (ids.empty()) return;
  RunPrepared(session, queries::kDeleteTimers, {Json(ids).dump()});
}

}  // namespace agentstudio::store
