#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "engine/field_error.hpp"
#include "sql/agent_store.hpp"

namespace agentstudio::daemon {

// Reads the query of GET /v1/agents (reference 004): `page` (from 1,
// default 1), `limit` (1-100, default 20), `status` (active, inactive,
// error), `type` (an agent type). Unknown parameters are errors; returns
// every problem at once. `since` is left for the caller.
std::variant<store::AgentPageQuery, engine::FieldErrors> ParseAgentListQuery(
    const std::map<std::string, std::string>& params);

// An agent as the control plane shows it: id, name, type (the first of
// types), types, status, created_at (first heartbeat), updated_at (last),
// metrics (load, active_tasks and those the agent reports).
nlohmann::json AgentJson(const store::AgentView& agent);

// The health of an agent: status healthy (active), degraded (error) or
// unhealthy (inactive), last_check (its last heartbeat), uptime (seconds
// from its first heartbeat to its last).
nlohmann::json AgentHealthJson(const store::AgentView& agent);

// {data: [...], pagination: {page, limit, total, pages}}.
nlohmann::json AgentPageJson(const std::vector<store::AgentView>& agents,
                             const store::AgentPageQuery& query, int64_t total);

}  // namespace agentstudio::daemon
