#include "sql/agent_store.hpp"

#include <nlohmann/json.hpp>

#include "sql/json_rows_writer.hpp"
#include "sql/queries.hpp"

namespace agentstudio::store {

void UpsertAgents(soci::session& session, const std::vector<AgentRecord>& agents) {
  // One row per id: ON CONFLICT cannot update the same row twice in a statement.
  std::map<std::string, const AgentRecord*> newest;
  for (const AgentRecord& agent : agents) {
    auto [it, inserted] = newest.emplace(agent.id, &agent);
    if (!inserted && it->second->last_heartbeat_at < agent.last_heartbeat_at) it->second = &agent;
  }
  if (newest.empty()) return;
  JsonRowsWriter rows;
  for (const auto& [id, agent] : newest) {
    rows.BeginRow();
    rows.Text("id", id);
    rows.TextArray("agent_types", agent->agent_types);
    rows.Text("status", agent->status);
    rows.Number("load", agent->load);
    rows.Integer("active_tasks", agent->active_tasks);
    rows.Value("metrics", nlohmann::json(agent->metrics));
    rows.Integer("at", agent->last_heartbeat_at);
  }
  const std::string text = rows.Finish();
  session << std::string(queries::kUpsertAgents), soci::use(text, "rows");
}

std::vector<std::string> LiveAgentTypes(soci::session& session, engine::TimeMs since) {
  std::vector<std::string> out;
  std::string value;
  long long since_ms = since;
  soci::statement statement = (session.prepare << std::string(queries::kSelectLiveAgentTypes),
                               soci::into(value), soci::use(since_ms, "since"));
  statement.execute();
  while (statement.fetch()) out.push_back(value);
  return out;
}

}  // namespace agentstudio::store
