#include "sql/agent_store.hpp"

#include <nlohmann/json.hpp>

#include "sql/queries.hpp"

namespace agentstudio::store {

void UpsertAgent(soci::session& session, const AgentRecord& agent) {
  const std::string types = nlohmann::json(agent.agent_types).dump();
  const std::string metrics = nlohmann::json(agent.metrics).dump();
  double load = agent.load;
  int active = agent.active_tasks;
  long long at = agent.last_heartbeat_at;
  session << std::string(queries::kUpsertAgent), soci::use(agent.id, "id"),
      soci::use(types, "agent_types"), soci::use(agent.status, "status"), soci::use(load, "load"),
      soci::use(active, "active_tasks"), soci::use(metrics, "metrics"), soci::use(at, "at");
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
