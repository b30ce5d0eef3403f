#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "auth/api_keys.hpp"
#include "auth/jwt_verifier.hpp"

namespace agentstudio::auth {

// What POST /oauth/token answers (RFC 6749 section 5.1).
struct IssuedToken {
  std::string access_token;
  int64_t expires_in = 0;  // seconds
  std::string scope;       // space-separated, the scopes granted
};

// Why no token was issued: RFC 6749 section 5.2's error codes.
enum class TokenError {
  kInvalidRequest,        // a parameter missing or repeated
  kInvalidClient,         // no such client, or the secret does not match
  kUnsupportedGrantType,  // only client_credentials is served
  kInvalidScope,          // a scope unknown or beyond the client's
  kUnauthorizedClient,    // this front door signs no tokens (no HS256 key)
};
std::string_view ToString(TokenError error);  // "invalid_request"...

struct TokenRefusal {
  TokenError error;
  std::string description;
};

// client_id and client_secret from an `Authorization: Basic` header value
// (RFC 6749 section 2.3.1; RFC 7617), or nullopt when it is not one.
std::optional<std::pair<std::string, std::string>> ParseBasicCredentials(
    std::string_view authorization);

// The client-credentials grant for deployments without an identity provider
// (references 001 and 004). Clients are API keys: client_id is the key's id,
// client_secret the key itself. The token is an HS256 JWT signed with the
// front door's own key (AGENTSTUDIO_JWT_HS256_SECRET), so every front door
// sharing that key accepts it; it carries the key's tenant, tier and agent
// types and the scopes asked for (all the key's when none are). A revoked
// key's tokens stay valid until they expire: the lifetime bounds that.
// Thread-safe.
class TokenIssuer {
 public:
  TokenIssuer(const JwtSettings& jwt, std::shared_ptr<const ApiKeyTable> clients,
              std::chrono::seconds lifetime);

  // `scope` is the request's space-separated scope parameter (empty: all
  // the client's); `now` is the current Unix time.
  std::variant<IssuedToken, TokenRefusal> Issue(std::string_view grant_type,
                                                std::string_view client_id,
                                                std::string_view client_secret,
                                                std::string_view scope, int64_t now) const;

  // The grant behind a client's credentials (for its rate-limit bucket and
  // the audit line), or nullopt.
  std::optional<ApiKeyGrant> Client(std::string_view client_id,
                                    std::string_view client_secret) const;

 private:
  std::string secret_;
  std::string issuer_;
  std::string audience_;
  std::shared_ptr<const ApiKeyTable> clients_;
  std::chrono::seconds lifetime_;
};

}  // namespace agentstudio::auth
