#include "sql/timer_store.hpp"

#include <nlohmann/json.hpp>

#include "sql/queries.hpp"

namespace agentstudio::store {

using Json = nlohmann::json;

void InsertTimers(soci::session& session,
                  const std::vector<std::pair<std::string, engine::Timer>>& timers) {
  if (timers.empty()) return;
  Json rows = Json::array();
  for (const auto& [workflow_id, timer] : timers) {
    rows.push_back({{"workflow_id", workflow_id},
                    {"kind", std::string(engine::ToString(timer.kind))},
                    {"task_id", timer.task_id},
                    {"attempt", timer.attempt},
                    {"fire_at", timer.fire_at}});
  }
  const std::string text = rows.dump();
  session << std::string(queries::kInsertTimers), soci::use(text, "rows");
}

std::vector<TimerRow> ClaimDueTimers(soci::session& session, engine::TimeMs now, int limit) {
  std::vector<TimerRow> out;
  std::string value;
  long long now_ms = now;
  soci::statement statement =
      (session.prepare << std::string(queries::kClaimDueTimers), soci::into(value),
       soci::use(now_ms, "now"), soci::use(limit, "limit"));
  statement.execute();
  while (statement.fetch()) {
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
  const std::string text = Json(ids).dump();
  session << std::string(queries::kDeleteTimers), soci::use(text, "ids");
}

}  // namespace agentstudio::store
