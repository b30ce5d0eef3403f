#include "sql/agent_store.hpp"

#include <nlohmann/json.hpp>

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
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& [id, agent] : newest) {
    rows.push_back({{"id", id},
                    {"agent_types", agent->agent_types},
                    {"status", agent->status},
                    {"load", agent->load},
                    {"active_tasks", agent->active_tasks},
                    {"metrics", agent->metrics},
                    {"at", agent->last_heartbeat_at}});
  }
  const std::string text = rows.dump();
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
