#pragma once

#include <soci/soci.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/timestamp.hpp"

namespace agentstudio::store {

// The agent registry (migration 021): agents a tenant set up, each naming
// the agent type that runs its executions. Functions run on the caller's
// session and throw soci exceptions, as the rest of the store.
struct RegistryAgent {
  std::string id;
  std::string tenant;
  std::string name;
  std::string description;
  std::string agent_type;
  std::string status;  // active or inactive
  nlohmann::json configuration = nlohmann::json::object();
  nlohmann::json capabilities = nlohmann::json::array();  // of strings
  nlohmann::json tags = nlohmann::json::array();          // of strings
  nlohmann::json metadata = nlohmann::json::object();
  std::string created_by;
  engine::TimeMs created_at = 0;
  engine::TimeMs updated_at = 0;
};

enum class RegistryAgentSort { kName, kCreatedAt, kUpdatedAt };

struct RegistryAgentQuery {
  std::string tenant;
  std::string id;          // empty: any (SelectRegistryAgents only)
  std::string agent_type;  // empty: any
  std::string status;      // empty: any
  std::string search;      // words of name or description, matched as a substring; empty: any
  RegistryAgentSort sort = RegistryAgentSort::kCreatedAt;
  bool ascending = false;
  int limit = 20;
  int64_t offset = 0;
};

enum class RegistryWrite { kDone, kNameTaken, kNotFound };

// The fields an update sets; those without a value stay as stored.
struct RegistryAgentChanges {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::string> agent_type;
  std::optional<std::string> status;
  std::optional<nlohmann::json> configuration;
  std::optional<nlohmann::json> capabilities;
  std::optional<nlohmann::json> tags;
  std::optional<nlohmann::json> metadata;
};

// Stores `agent` (its id fresh); fills in created_at and updated_at.
RegistryWrite InsertRegistryAgent(soci::session& session, RegistryAgent& agent);
// Sets `changes` on the agent (tenant, id) in one statement and reads it
// back into `updated`.
RegistryWrite UpdateRegistryAgent(soci::session& session, const std::string& tenant,
                                  const std::string& id, const RegistryAgentChanges& changes,
                                  RegistryAgent& updated);
bool DeleteRegistryAgent(soci::session& session, const std::string& tenant, const std::string& id);
std::optional<RegistryAgent> SelectRegistryAgent(soci::session& session, const std::string& tenant,
                                                 const std::string& id);
std::vector<RegistryAgent> SelectRegistryAgents(soci::session& session,
                                                const RegistryAgentQuery& query);
int64_t CountRegistryAgents(soci::session& session, const RegistryAgentQuery& query);

}  // namespace agentstudio::store
