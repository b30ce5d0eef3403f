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
    rows.Integer("capacity", agent->capacity);
    rows.Value("metrics", nlohmann::json(agent->metrics));
    rows.Integer("at", agent->last_heartbeat_at);
  }
  const std::string text = rows.Finish();
  session << std::string(queries::kUpsertAgents), soci::use(text, "rows");
}

const char* ToString(AgentState state) {
  switch (state) {
    case AgentState::kActive:
      return "active";
    case AgentState::kError:
      return "error";
    case AgentState::kInactive:
      return "inactive";
  }
  return "inactive";
}

std::vector<AgentView> SelectAgents(soci::session& session, const AgentPageQuery& query) {
  long long since = query.since;
  long long offset = query.offset;
  int limit = query.limit;
  const std::string state = query.state ? ToString(*query.state) : "";
  std::string id, types, status, metrics, state_of;
  double load = 0;
  int active_tasks = 0;
  int capacity = 0;
  long long first_seen = 0, last_heartbeat = 0;
  soci::statement statement =
      (session.prepare << std::string(queries::kSelectAgentPage), soci::into(id), soci::into(types),
       soci::into(status), soci::into(load), soci::into(active_tasks), soci::into(capacity),
       soci::into(metrics), soci::into(first_seen), soci::into(last_heartbeat),
       soci::into(state_of), soci::use(since, "since"), soci::use(state, "state"),
       soci::use(state, "state_again"), soci::use(query.type, "type"),
       soci::use(query.type, "type_again"), soci::use(query.id, "id"),
       soci::use(query.id, "id_again"), soci::use(limit, "limit"), soci::use(offset, "offset"));
  statement.execute();
  std::vector<AgentView> out;
  while (statement.fetch()) {
    AgentView view;
    view.record.id = id;
    view.record.agent_types = nlohmann::json::parse(types).get<std::vector<std::string>>();
    view.record.status = status;
    view.record.load = load;
    view.record.active_tasks = active_tasks;
    view.record.capacity = capacity;
    const nlohmann::json reported = nlohmann::json::parse(metrics);
    for (const auto& [name, value] : reported.items()) {
      if (value.is_number()) view.record.metrics[name] = value.get<double>();
    }
    view.record.last_heartbeat_at = last_heartbeat;
    view.first_seen_at = first_seen;
    view.state = state_of == "active"  ? AgentState::kActive
                 : state_of == "error" ? AgentState::kError
                                       : AgentState::kInactive;
    out.push_back(std::move(view));
  }
  return out;
}

int64_t CountAgents(soci::session& session, const AgentPageQuery& query) {
  long long since = query.since;
  const std::string state = query.state ? ToString(*query.state) : "";
  long long count = 0;
  session << std::string(queries::kCountAgents), soci::into(count), soci::use(since, "since"),
      soci::use(state, "state"), soci::use(state, "state_again"), soci::use(query.type, "type"),
      soci::use(query.type, "type_again");
  return count;
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
