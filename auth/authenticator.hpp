#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "auth/api_keys.hpp"
#include "auth/jwt_verifier.hpp"
#include "auth/rate_limiter.hpp"
#include "engine/workflow_definition.hpp"

namespace agentstudio::auth {

enum class AuthMode {
  kRequired,  // every protected route needs a valid credential
  kNone,      // no credentials: every caller acts as admin of kDefaultTenant
};

// The tenant of every resource when authentication is off.
using engine::kDefaultTenant;

struct AuthSettings {
  AuthMode mode = AuthMode::kNone;
  JwtSettings jwt;
  // Applied to credentials, so only with kRequired (kNone has none).
  RateLimitSettings rate_limits;
};

// What follows `scheme` (lower-case, e.g. "bearer") in an Authorization
// header value, without surrounding spaces; nullopt for another scheme or
// nothing after it. RFC 9110 section 11.1: schemes are case-insensitive.
std::optional<std::string_view> CredentialsOf(std::string_view authorization,
                                              std::string_view scheme);

// Who calls with this API key (credential "key:<id>").
Principal PrincipalOfKey(const ApiKeyGrant& grant);

// Turns a request's credential headers into a Principal, or says why not.
// Thread-safe.
class Authenticator {
 public:
  // `api_keys`: the keys X-API-Key may carry (none: every key is refused).
  explicit Authenticator(AuthSettings settings,
                         std::shared_ptr<const ApiKeyTable> api_keys = nullptr);

  AuthMode mode() const { return settings_.mode; }

  // `authorization` and `api_key` are the Authorization and X-API-Key header
  // values, empty when absent; `now` is the current Unix time. A bearer
  // token with an API key's prefix is taken as the key (reference 004). With
  // kNone every request is admin of kDefaultTenant, whatever it carries.
  AuthResult Authenticate(std::string_view authorization, std::string_view api_key,
                          int64_t now) const;

 private:
  AuthResult AuthenticateApiKey(std::string_view key) const;

  AuthSettings settings_;
  JwtVerifier jwt_;
  std::shared_ptr<const ApiKeyTable> api_keys_;
};

}  // namespace agentstudio::auth
