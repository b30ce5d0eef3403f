#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/scope.hpp"

namespace agentstudio::auth {

// API keys (reference 002): "as_live_" (production) or "as_test_" (testing,
// staging) and 64 hex digits of randomness. Only their SHA-256 is stored: a
// key carries 256 random bits, so a fast hash is as safe as a slow one, and
// checking it costs a microsecond on the reactor thread.
enum class ApiKeyEnvironment { kLive, kTest };

struct NewApiKey {
  std::string id;    // key_<hex>: names the key in lists, logs and revocation
  std::string key;   // the secret, shown once
  std::string hash;  // HashApiKey(key)
};
// From the operating system's random source (OpenSSL RAND_bytes); throws
// std::runtime_error when it has none.
NewApiKey GenerateApiKey(ApiKeyEnvironment environment);

// Lower-case hex SHA-256 of `text`.
std::string Sha256Hex(std::string_view text);

// What is stored of a key: Sha256Hex of its text.
std::string HashApiKey(std::string_view key);

// Whether `text` has an API key's prefix (a bearer token may be one).
bool HasApiKeyPrefix(std::string_view text);

// What a stored, unrevoked key grants.
struct ApiKeyGrant {
  std::string id;
  std::string tenant;
  std::set<Scope> scopes;
  std::vector<std::string> agent_types;
  std::string tier;
};

// The unrevoked keys by hash, replaced whole by who reads them from the
// database (ApiKeyRefresher); read on every request. Thread-safe.
class ApiKeyTable {
 public:
  using Grants = std::unordered_map<std::string, ApiKeyGrant>;  // by hash

  void Replace(Grants grants);
  std::optional<ApiKeyGrant> Find(const std::string& hash) const;
  size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Grants> grants_ = std::make_shared<Grants>();  // guarded by mutex_
};

}  // namespace agentstudio::auth
