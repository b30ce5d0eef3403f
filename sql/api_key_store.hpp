#pragma once

#include <soci/soci.h>

#include <string>
#include <vector>

#include "engine/timestamp.hpp"

namespace agentstudio::store {

// The rows of api_keys (migration 019). Lists are space-separated text here;
// what they mean is the auth component's business. Functions run on the
// caller's session and throw soci exceptions, as the rest of the store.
struct StoredApiKey {
  std::string id;
  std::string key_hash;
  std::string tenant;
  std::string name;
  std::string environment;  // live or test
  std::string scopes;       // space-separated
  std::string agent_types;  // space-separated
  std::string tier;         // empty: the default tier
  engine::TimeMs created_at = 0;
  engine::TimeMs revoked_at = 0;  // 0: live
};

void InsertApiKey(soci::session& session, const StoredApiKey& key);
// A tenant's keys (empty: every tenant's), revoked ones included, oldest first.
std::vector<StoredApiKey> ListApiKeys(soci::session& session, const std::string& tenant);
// The keys not revoked.
std::vector<StoredApiKey> LoadLiveApiKeys(soci::session& session);
// Whether a live key of this id was revoked now.
bool RevokeApiKey(soci::session& session, const std::string& id);

}  // namespace agentstudio::store
