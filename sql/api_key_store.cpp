#include "sql/api_key_store.hpp"

#include "sql/prepared_query.hpp"
#include "sql/queries.hpp"

namespace agentstudio::store {
namespace {

std::vector<StoredApiKey> ReadKeys(const PreparedResult& result) {
  std::vector<StoredApiKey> keys;
  for (const auto& row : result.rows) {
    keys.push_back({row.at(0), row.at(1), row.at(2), row.at(3), row.at(4), row.at(5), row.at(6),
                    row.at(7), std::stoll(row.at(8)), std::stoll(row.at(9))});
  }
  return keys;
}

}  // namespace

void InsertApiKey(soci::session& session, const StoredApiKey& key) {
  RunPrepared(session, queries::kInsertApiKey,
              {key.id, key.key_hash, key.tenant, key.name, key.environment, key.scopes,
               key.agent_types, key.tier});
}

std::vector<StoredApiKey> ListApiKeys(soci::session& session, const std::string& tenant) {
  return ReadKeys(RunPrepared(session, queries::kSelectApiKeys, {tenant}));
}

std::vector<StoredApiKey> LoadLiveApiKeys(soci::session& session) {
  return ReadKeys(RunPrepared(session, queries::kSelectLiveApiKeys, {}));
}

bool RevokeApiKey(soci::session& session, const std::string& id) {
  return RunPrepared(session, queries::kRevokeApiKey, {id}).affected == 1;
}

}  // namespace agentstudio::store
