#include "auth/authenticator.hpp"

#include <cctype>
#include <string>

namespace agentstudio::auth {

std::optional<std::string_view> CredentialsOf(std::string_view authorization,
                                              std::string_view scheme) {
  if (authorization.size() <= scheme.size() || authorization[scheme.size()] != ' ') {
    return std::nullopt;
  }
  for (size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i]) {
      return std::nullopt;
    }
  }
  std::string_view credentials = authorization.substr(scheme.size());
  while (!credentials.empty() && credentials.front() == ' ') credentials.remove_prefix(1);
  while (!credentials.empty() && credentials.back() == ' ') credentials.remove_suffix(1);
  if (credentials.empty()) return std::nullopt;
  return credentials;
}

Principal PrincipalOfKey(const ApiKeyGrant& grant) {
  return Principal{grant.id,          grant.tenant,      grant.scopes,
                   grant.agent_types, "key:" + grant.id, grant.tier};
}

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
  return PrincipalOfKey(*grant);
}

AuthResult Authenticator::Authenticate(std::string_view authorization, std::string_view api_key,
                                       int64_t now) const {
  if (settings_.mode == AuthMode::kNone) {
    return Principal{"anonymous", std::string(kDefaultTenant), {Scope::kAdmin}, {}, "", ""};
  }
  if (!authorization.empty()) {
    const std::optional<std::string_view> token = CredentialsOf(authorization, "bearer");
    if (!token) {
      return AuthFailure{AuthError::kMalformed,
                         "the Authorization header must be 'Bearer <token>'"};
    }
    if (HasApiKeyPrefix(*token)) return AuthenticateApiKey(*token);
    return jwt_.Verify(*token, now);
  }
  if (!api_key.empty()) return AuthenticateApiKey(api_key);
  return AuthFailure{AuthError::kMissing,
                     "this route needs a credential: Authorization: Bearer <token>"};
}

}  // namespace agentstudio::auth
