#pragma once

#include <cstdint>
#include <string_view>

#include "auth/jwt_verifier.hpp"

namespace agentstudio::auth {

enum class AuthMode {
  kRequired,  // every protected route needs a valid credential
  kNone,      // no credentials: every caller acts as admin of kDefaultTenant
};

// The tenant of every resource when authentication is off.
inline constexpr std::string_view kDefaultTenant = "default";

struct AuthSettings {
  AuthMode mode = AuthMode::kNone;
  JwtSettings jwt;
};

// Turns a request's credential headers into a Principal, or says why not.
// Thread-safe.
class Authenticator {
 public:
  explicit Authenticator(AuthSettings settings);

  AuthMode mode() const { return settings_.mode; }

  // `authorization` and `api_key` are the Authorization and X-API-Key header
  // values, empty when absent; `now` is the current Unix time. With kNone
  // every request is admin of kDefaultTenant, whatever it carries.
  AuthResult Authenticate(std::string_view authorization, std::string_view api_key,
                          int64_t now) const;

 private:
  AuthSettings settings_;
  JwtVerifier jwt_;
};

}  // namespace agentstudio::auth
