#include "daemon/agent_list.hpp"

#include "daemon/control_plane_page.hpp"
#include "engine/definition_parser.hpp"
#include "engine/timestamp.hpp"

namespace agentstudio::daemon {
namespace {

using Json = nlohmann::json;

const char* HealthOf(store::AgentState state) {
  switch (state) {
    case store::AgentState::kActive:
      return "healthy";
    case store::AgentState::kError:
      return "degraded";
    case store::AgentState::kInactive:
      return "unhealthy";
  }
  return "unhealthy";
}

}  // namespace

std::variant<store::AgentPageQuery, engine::FieldErrors> ParseAgentListQuery(
    const std::map<std::string, std::string>& params) {
  store::AgentPageQuery query;
  engine::FieldErrors errors;
  ControlPlanePage page;
  for (const auto& [name, value] : params) {
    if (page.Read(name, value, errors)) {
      continue;
    } else if (name == "status") {
      if (value == "active") {
        query.state = store::AgentState::kActive;
      } else if (value == "error") {
        query.state = store::AgentState::kError;
      } else if (value == "inactive") {
        query.state = store::AgentState::kInactive;
      } else {
        errors.push_back(
            {"status", "status must be one of active, inactive, error", "INVALID_FORMAT"});
      }
    } else if (name == "type") {
      if (!engine::IsValidIdentifier(value)) {
        errors.push_back({"type", "type must be an agent type", "INVALID_FORMAT"});
      } else {
        query.type = value;
      }
    } else {
      errors.push_back({name, "Unknown query parameter '" + name + "'", "INVALID_FORMAT"});
    }
  }
  if (!errors.empty()) return errors;
  query.limit = page.limit;
  query.offset = page.offset();
  return query;
}

Json AgentJson(const store::AgentView& agent) {
  Json metrics = {{"load", agent.record.load}, {"active_tasks", agent.record.active_tasks}};
  for (const auto& [name, value] : agent.record.metrics) metrics[name] = value;
  if (agent.record.capacity > 0) metrics["capacity"] = agent.record.capacity;
  return {{"id", agent.record.id},
          {"name", agent.record.id},
          {"type", agent.record.agent_types.empty() ? "" : agent.record.agent_types.front()},
          {"types", agent.record.agent_types},
          {"status", store::ToString(agent.state)},
          {"created_at", engine::FormatTimestamp(agent.first_seen_at)},
          {"updated_at", engine::FormatTimestamp(agent.record.last_heartbeat_at)},
          {"metrics", std::move(metrics)}};
}

Json AgentHealthJson(const store::AgentView& agent) {
  return {{"status", HealthOf(agent.state)},
          {"last_check", engine::FormatTimestamp(agent.record.last_heartbeat_at)},
          {"uptime", (agent.record.last_heartbeat_at - agent.first_seen_at) / 1000}};
}

Json AgentPageJson(const std::vector<store::AgentView>& agents, const store::AgentPageQuery& query,
                   int64_t total) {
  Json data = Json::array();
  for (const store::AgentView& agent : agents) data.push_back(AgentJson(agent));
  const ControlPlanePage page{ControlPlanePage::Style::kControlPlane,
                              query.offset / query.limit + 1, query.limit};
  return {{"data", std::move(data)}, {"pagination", page.ToJson(total)}};
}

}  // namespace agentstudio::daemon
