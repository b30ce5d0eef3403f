#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>

#include "daemon/control_plane_page.hpp"
#include "engine/field_error.hpp"
#include "sql/registry_agent_store.hpp"

namespace agentstudio::daemon {

// The agent registry's requests and answers (the Meta-Agents API reference,
// /api/v1/agents; docs/api.md).

// The writable fields of a registry agent as a body names them: `name`
// (1-200 characters), `description` (up to 2000), `type` (an agent type),
// `status` (active or inactive), `configuration` and `metadata` (objects),
// `capabilities` and `tags` (up to 100 strings of 1-100 characters). What an
// answer carries besides (id, created_at, updated_at, created_by) is ignored,
// so a client may send back what it read; any other field is an error.
using RegistryAgentFields = store::RegistryAgentChanges;
// `whole`: a create, which needs name and type; otherwise a partial update.
std::variant<RegistryAgentFields, engine::FieldErrors> ParseRegistryAgentFields(
    const nlohmann::json& body, bool whole);
// The agent a create makes of `fields` (status defaults to active).
void ApplyRegistryAgentFields(const RegistryAgentFields& fields, store::RegistryAgent& agent);

nlohmann::json RegistryAgentJson(const store::RegistryAgent& agent);

// GET /api/v1/agents: page, pageSize, type, status, search, sortBy (name,
// created_at, updated_at; default created_at), sortOrder (asc, desc; default
// asc for name, desc for the times). The tenant is the caller's.
struct RegistryAgentListQuery {
  store::RegistryAgentQuery query;
  ControlPlanePage page{ControlPlanePage::Style::kRegistry};
};
std::variant<RegistryAgentListQuery, engine::FieldErrors> ParseRegistryAgentListQuery(
    const std::map<std::string, std::string>& params);

// POST /api/v1/agents/{id}/execute: `parameters` and `context` (objects),
// `timeout` (seconds, 1-86400; default none: the agent's own).
struct RegistryAgentExecution {
  nlohmann::json parameters = nlohmann::json::object();
  nlohmann::json context = nlohmann::json::object();
  std::optional<int64_t> timeout_seconds;
};
std::variant<RegistryAgentExecution, engine::FieldErrors> ParseRegistryAgentExecution(
    const nlohmann::json& body);

}  // namespace agentstudio::daemon
