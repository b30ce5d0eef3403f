#include "sql/registry_agent_store.hpp"

#include <soci/postgresql/soci-postgresql.h>

#include "sql/prepared_query.hpp"
#include "sql/queries.hpp"

namespace agentstudio::store {
namespace {

using Json = nlohmann::json;

constexpr const char* kUniqueViolation = "23505";

const char* SortColumn(RegistryAgentSort sort) {
  switch (sort) {
    case RegistryAgentSort::kName:
      return "name";
    case RegistryAgentSort::kUpdatedAt:
      return "updated_at";
    case RegistryAgentSort::kCreatedAt:
      break;
  }
  return "created_at";
}

// An ILIKE pattern that matches `text` anywhere, its own % _ and \ taken
// literally.
std::string SubstringPattern(const std::string& text) {
  if (text.empty()) return "";
  std::string pattern = "%";
  for (const char c : text) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  return pattern + "%";
}

// A row of select_registry_agent_page (and of the update's RETURNING).
RegistryAgent ReadAgent(const std::vector<std::string>& row) {
  return {row.at(0),
          row.at(1),
          row.at(2),
          row.at(3),
          row.at(4),
          row.at(5),
          Json::parse(row.at(6)),
          Json::parse(row.at(7)),
          Json::parse(row.at(8)),
          Json::parse(row.at(9)),
          row.at(10),
          std::stoll(row.at(11)),
          std::stoll(row.at(12))};
}

bool IsUniqueViolation(const soci::postgresql_soci_error& error) {
  return error.sqlstate() == kUniqueViolation;
}

}  // namespace

RegistryWrite InsertRegistryAgent(soci::session& session, RegistryAgent& agent) {
  try {
    const PreparedResult result =
        RunPrepared(session, queries::kInsertRegistryAgent,
                    {agent.id, agent.tenant, agent.name, agent.description, agent.agent_type,
                     agent.status, agent.configuration.dump(), agent.capabilities.dump(),
                     agent.tags.dump(), agent.metadata.dump(), agent.created_by});
    agent.created_at = std::stoll(result.rows.at(0).at(0));
    agent.updated_at = std::stoll(result.rows.at(0).at(1));
    return RegistryWrite::kDone;
  } catch (const soci::postgresql_soci_error& error) {
    if (IsUniqueViolation(error)) return RegistryWrite::kNameTaken;
    throw;
  }
}

RegistryWrite UpdateRegistryAgent(soci::session& session, const std::string& tenant,
                                  const std::string& id, const RegistryAgentChanges& changes,
                                  RegistryAgent& updated) {
  const auto flag = [](bool set) { return std::string(set ? "true" : "false"); };
  const auto text = [](const std::optional<std::string>& value) { return value.value_or(""); };
  const auto json = [](const std::optional<Json>& value) { return value ? value->dump() : "null"; };
  try {
    const PreparedResult result = RunPrepared(
        session, queries::kUpdateRegistryAgent,
        {flag(changes.name.has_value()), text(changes.name), flag(changes.description.has_value()),
         text(changes.description), flag(changes.agent_type.has_value()), text(changes.agent_type),
         flag(changes.status.has_value()), text(changes.status),
         flag(changes.configuration.has_value()), json(changes.configuration),
         flag(changes.capabilities.has_value()), json(changes.capabilities),
         flag(changes.tags.has_value()), json(changes.tags), flag(changes.metadata.has_value()),
         json(changes.metadata), tenant, id});
    if (result.rows.empty()) return RegistryWrite::kNotFound;
    updated = ReadAgent(result.rows.front());
    return RegistryWrite::kDone;
  } catch (const soci::postgresql_soci_error& error) {
    if (IsUniqueViolation(error)) return RegistryWrite::kNameTaken;
    throw;
  }
}

bool DeleteRegistryAgent(soci::session& session, const std::string& tenant, const std::string& id) {
  return RunPrepared(session, queries::kDeleteRegistryAgent, {tenant, id}).affected == 1;
}

std::optional<RegistryAgent> SelectRegistryAgent(soci::session& session, const std::string& tenant,
                                                 const std::string& id) {
  RegistryAgentQuery query;
  query.tenant = tenant;
  query.id = id;
  query.limit = 1;
  auto found = SelectRegistryAgents(session, query);
  if (found.empty()) return std::nullopt;
  return std::move(found.front());
}

std::vector<RegistryAgent> SelectRegistryAgents(soci::session& session,
                                                const RegistryAgentQuery& query) {
  const PreparedResult result = RunPrepared(
      session, queries::kSelectRegistryAgentPage,
      {query.tenant, query.id, query.agent_type, query.status, SubstringPattern(query.search),
       SortColumn(query.sort), query.ascending ? "asc" : "desc", std::to_string(query.limit),
       std::to_string(query.offset)});
  std::vector<RegistryAgent> agents;
  agents.reserve(result.rows.size());
  for (const auto& row : result.rows) agents.push_back(ReadAgent(row));
  return agents;
}

int64_t CountRegistryAgents(soci::session& session, const RegistryAgentQuery& query) {
  return std::stoll(
      SelectPrepared(session, queries::kCountRegistryAgents,
                     {query.tenant, query.agent_type, query.status, SubstringPattern(query.search)})
          .at(0));
}

}  // namespace agentstudio::store
