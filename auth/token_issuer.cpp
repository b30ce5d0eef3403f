#include "auth/token_issuer.hpp"

#include <jwt.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "auth/authenticator.hpp"

namespace agentstudio::auth {
namespace {

using Json = nlohmann::json;

TokenRefusal Refuse(TokenError error, std::string description) {
  return {error, std::move(description)};
}

}  // namespace

std::optional<std::pair<std::string, std::string>> ParseBasicCredentials(
    std::string_view authorization) {
  const std::optional<std::string_view> credentials = CredentialsOf(authorization, "basic");
  if (!credentials || credentials->size() % 4 != 0 || credentials->size() > 4096) {
    return std::nullopt;
  }
  const std::string_view encoded = *credentials;
  std::string decoded(encoded.size() / 4 * 3, '\0');
  const int size = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                                   reinterpret_cast<const unsigned char*>(encoded.data()),
                                   static_cast<int>(encoded.size()));
  if (size < 0) return std::nullopt;
  // EVP_DecodeBlock counts the bytes the padding stands for.
  size_t length = static_cast<size_t>(size);
  for (size_t i = encoded.size(); i > 0 && encoded[i - 1] == '='; --i) --length;
  decoded.resize(length);
  const size_t colon = decoded.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::pair{decoded.substr(0, colon), decoded.substr(colon + 1)};
}

std::string_view ToString(TokenError error) {
  switch (error) {
    case TokenError::kInvalidRequest:
      return "invalid_request";
    case TokenError::kInvalidClient:
      return "invalid_client";
    case TokenError::kUnsupportedGrantType:
      return "unsupported_grant_type";
    case TokenError::kInvalidScope:
      return "invalid_scope";
    case TokenError::kUnauthorizedClient:
      return "unauthorized_client";
  }
  return "invalid_request";
}

TokenIssuer::TokenIssuer(const JwtSettings& jwt, std::shared_ptr<const ApiKeyTable> clients,
                         std::chrono::seconds lifetime)
    : secret_(jwt.hs256_secret),
      issuer_(jwt.issuer),
      audience_(jwt.audience),
      clients_(std::move(clients)),
      lifetime_(lifetime) {}

std::optional<ApiKeyGrant> TokenIssuer::Client(std::string_view client_id,
                                               std::string_view client_secret) const {
  if (!clients_ || !HasApiKeyPrefix(client_secret)) return std::nullopt;
  std::optional<ApiKeyGrant> grant = clients_->Find(HashApiKey(client_secret));
  if (!grant || grant->id != client_id) return std::nullopt;
  return grant;
}

std::variant<IssuedToken, TokenRefusal> TokenIssuer::Issue(std::string_view grant_type,
                                                           std::string_view client_id,
                                                           std::string_view client_secret,
                                                           std::string_view scope,
                                                           int64_t now) const {
  if (grant_type.empty() || client_id.empty() || client_secret.empty()) {
    return Refuse(TokenError::kInvalidRequest,
                  "grant_type, client_id and client_secret are required");
  }
  if (grant_type != "client_credentials") {
    return Refuse(TokenError::kUnsupportedGrantType, "only client_credentials is served here");
  }
  if (secret_.empty()) {
    return Refuse(TokenError::kUnauthorizedClient,
                  "this front door issues no tokens: it has no HS256 key "
                  "(AGENTSTUDIO_JWT_HS256_SECRET)");
  }
  const std::optional<ApiKeyGrant> client = Client(client_id, client_secret);
  if (!client) {
    return Refuse(TokenError::kInvalidClient,
                  "no client has these credentials (client_id is an API key's id, "
                  "client_secret the key), or its key was revoked");
  }
  std::set<Scope> granted;
  std::istringstream words{std::string(scope)};
  for (std::string word; words >> word;) {
    const std::optional<Scope> asked = ParseScope(word);
    if (!asked) return Refuse(TokenError::kInvalidScope, "'" + word + "' is not a scope");
    if (client->scopes.count(*asked) == 0 && client->scopes.count(Scope::kAdmin) == 0) {
      return Refuse(TokenError::kInvalidScope, "the client does not have the scope " + word);
    }
    granted.insert(*asked);
  }
  if (granted.empty()) granted = client->scopes;

  Json scopes = Json::array();
  std::string scope_text;
  for (const Scope one : granted) {
    scopes.push_back(ToString(one));
    scope_text += (scope_text.empty() ? "" : " ") + std::string(ToString(one));
  }
  Json claims = {{"sub", client->id},
                 {"client_id", client->id},
                 {"tenant", client->tenant},
                 {"scopes", scopes},
                 {"agent_types", client->agent_types},
                 {"iat", now},
                 {"exp", now + lifetime_.count()}};
  if (!client->tier.empty()) claims["tier"] = client->tier;
  if (!issuer_.empty()) claims["iss"] = issuer_;
  if (!audience_.empty()) claims["aud"] = audience_;

  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) throw std::runtime_error("libjwt cannot make a token");
  const std::unique_ptr<jwt_t, decltype(&jwt_free)> jwt(raw, &jwt_free);
  char* text = nullptr;
  if (jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret_.data()),
                  static_cast<int>(secret_.size())) != 0 ||
      jwt_add_grants_json(jwt.get(), claims.dump().c_str()) != 0 ||
      (text = jwt_encode_str(jwt.get())) == nullptr) {
    throw std::runtime_error("libjwt cannot sign a token");
  }
  IssuedToken issued{text, lifetime_.count(), scope_text};
  std::free(text);
  return issued;
}

}  // namespace agentstudio::auth
