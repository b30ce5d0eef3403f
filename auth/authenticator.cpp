#include "auth/authenticator.hpp"

#include <cctype>
#include <string>

namespace agentstudio::auth {
namespace {

// RFC 9110 section 11.1: the scheme is case-insensitive.
bool StartsWithBearer(std::string_view value) {
  constexpr std::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != kScheme[i]) return false;
  }
  return true;
}

}  // namespace

Authenticator::Authenticator(AuthSettings settings, std::shared_ptr<const ApiKeyTable> api_keys)
    : settings_(std::move(settings)), jwt_(settings_.jwt), api_keys_(std::move(api_keys)) {}

AuthResult Authenticator::AuthenticateApiKey(std::string_view key) const {
  if (!HasApiKeyPrefix(key)) {
    return AuthFailure{AuthError::kUnknownApiKey, "an API key starts with as_live_ or as_test_"};
  }
  const auto grant = api_keys_ ? api_keys_->Find(HashApiKey(key)) : std::nullopt;
  if (!grant) {
    return AuthFailure{AuthError::kUnknownApiKey,
                       "the API key is not one issued here, or it was revoked"};
  }
  return Principal{grant->id,          grant->tenant,      grant->scopes,
                   grant->agent_types, "key:" + grant->id, grant->tier};
}

AuthResult Authenticator::Authenticate(std::string_view authorization, std::string_view api_key,
                                       int64_t now) const {
  if (settings_.mode == AuthMode::kNone) {
    return Principal{"anonymous", std::string(kDefaultTenant), {Scope::kAdmin}, {}, "", ""};
  }
  if (!authorization.empty()) {
    if (!StartsWithBearer(authorization)) {
      return AuthFailure{AuthError::kMalformed,
                         "the Authorization header must be 'Bearer <token>'"};
    }
    std::string_view token = authorization.substr(7);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    if (HasApiKeyPrefix(token)) return AuthenticateApiKey(token);
    return jwt_.Verify(token, now);
  }
  if (!api_key.empty()) return AuthenticateApiKey(api_key);
  return AuthFailure{AuthError::kMissing,
                     "this route needs a credential: Authorization: Bearer <token>"};
}

}  // namespace agentstudio::auth
