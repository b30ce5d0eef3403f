#include "auth/jwt_verifier.hpp"

#include <jwt.h>

#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "auth/base64url.hpp"

namespace agentstudio::auth {
namespace {

using Json = nlohmann::json;

struct JwtFree {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
struct CharFree {
  void operator()(char* text) const { std::free(text); }
};

AuthFailure Fail(AuthError error, std::string detail) { return {error, std::move(detail)}; }

struct JoseHeader {
  std::string alg;
  std::optional<std::string> kid;
};

// The token's header, or a failure.
std::variant<JoseHeader, AuthFailure> HeaderOf(std::string_view token) {
  const size_t first = token.find('.');
  if (first == std::string_view::npos || token.find('.', first + 1) == std::string_view::npos) {
    return Fail(AuthError::kMalformed, "the bearer token is not a JWT (three dot-separated parts)");
  }
  const std::optional<std::string> header = DecodeBase64Url(token.substr(0, first));
  const Json parsed = header ? Json::parse(*header, nullptr, false) : Json();
  if (!parsed.is_object() || !parsed.contains("alg") || !parsed["alg"].is_string()) {
    return Fail(AuthError::kMalformed, "the bearer token's header is not JSON naming an alg");
  }
  JoseHeader out{parsed["alg"].get<std::string>(), std::nullopt};
  if (const auto kid = parsed.find("kid"); kid != parsed.end() && kid->is_string()) {
    out.kid = kid->get<std::string>();
  }
  return out;
}

bool AudienceMatches(const Json& aud, const std::string& audience) {
  if (aud.is_string()) return aud.get<std::string>() == audience;
  if (!aud.is_array()) return false;
  for (const Json& one : aud) {
    if (one.is_string() && one.get<std::string>() == audience) return true;
  }
  return false;
}

std::set<Scope> ScopesOf(const Json& claims) {
  std::set<Scope> scopes;
  const auto add = [&](const std::string& name) {
    if (auto scope = ParseScope(name)) scopes.insert(*scope);
  };
  if (const auto it = claims.find("scopes"); it != claims.end() && it->is_array()) {
    for (const Json& one : *it) {
      if (one.is_string()) add(one.get<std::string>());
    }
  }
  if (const auto it = claims.find("scope"); it != claims.end() && it->is_string()) {
    std::istringstream words(it->get<std::string>());
    for (std::string word; words >> word;) add(word);
  }
  return scopes;
}

}  // namespace

JwtVerifier::JwtVerifier(JwtSettings settings) : settings_(std::move(settings)) {}

bool JwtVerifier::enabled() const {
  return !settings_.hs256_secret.empty() || !settings_.rs256_public_key_pem.empty() ||
         !settings_.rs256_jwks.empty();
}

const std::string* JwtVerifier::Rs256KeyFor(const std::optional<std::string>& kid) const {
  if (kid) {
    if (const auto it = settings_.rs256_jwks.find(*kid); it != settings_.rs256_jwks.end()) {
      return &it->second;
    }
  }
  if (!settings_.rs256_public_key_pem.empty()) return &settings_.rs256_public_key_pem;
  if (!kid && settings_.rs256_jwks.size() == 1) return &settings_.rs256_jwks.begin()->second;
  return nullptr;
}

AuthResult JwtVerifier::Verify(std::string_view token, int64_t now) const {
  auto parsed_header = HeaderOf(token);
  if (auto* failure = std::get_if<AuthFailure>(&parsed_header)) return std::move(*failure);
  const JoseHeader& header = std::get<JoseHeader>(parsed_header);
  const std::string& alg = header.alg;
  const std::string* key = nullptr;
  jwt_alg_t expected = JWT_ALG_INVAL;
  if (alg == "HS256" && !settings_.hs256_secret.empty()) {
    key = &settings_.hs256_secret;
    expected = JWT_ALG_HS256;
  } else if (alg == "RS256" &&
             (!settings_.rs256_public_key_pem.empty() || !settings_.rs256_jwks.empty())) {
    key = Rs256KeyFor(header.kid);
    if (key == nullptr) {
      return Fail(AuthError::kSignature,
                  header.kid ? "no key of the issuer's key set has the bearer token's kid"
                             : "the bearer token names no kid, and the key set has several keys");
    }
    expected = JWT_ALG_RS256;
  } else {
    return Fail(AuthError::kAlgorithm, "tokens signed with '" + alg + "' are not accepted here");
  }
  const std::string text(token);
  jwt_t* raw = nullptr;
  const int code =
      jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(key->data()),
                 static_cast<int>(key->size()));
  const std::unique_ptr<jwt_t, JwtFree> jwt(raw);
  if (code != 0 || !jwt || jwt_get_alg(jwt.get()) != expected) {
    return Fail(AuthError::kSignature, "the bearer token's signature does not verify");
  }
  const std::unique_ptr<char, CharFree> grants(jwt_get_grants_json(jwt.get(), nullptr));
  const Json claims = grants ? Json::parse(grants.get(), nullptr, false) : Json();
  if (!claims.is_object()) return Fail(AuthError::kMalformed, "the bearer token has no claims");

  const int64_t leeway = settings_.leeway.count();
  const auto exp = claims.find("exp");
  if (exp == claims.end() || !exp->is_number()) {
    return Fail(AuthError::kExpired, "the bearer token has no exp claim; tokens must expire");
  }
  if (now > exp->get<double>() + static_cast<double>(leeway)) {
    return Fail(AuthError::kExpired, "the bearer token has expired");
  }
  if (const auto nbf = claims.find("nbf"); nbf != claims.end()) {
    if (!nbf->is_number() || now + leeway < nbf->get<double>()) {
      return Fail(AuthError::kNotYetValid, "the bearer token is not valid yet (nbf)");
    }
  }
  if (!settings_.issuer.empty() && claims.value("iss", Json()) != Json(settings_.issuer)) {
    return Fail(AuthError::kIssuer, "the bearer token's issuer is not the one trusted here");
  }
  if (!settings_.audience.empty() &&
      !AudienceMatches(claims.value("aud", Json()), settings_.audience)) {
    return Fail(AuthError::kAudience, "the bearer token is not meant for this audience");
  }
  const auto sub = claims.find("sub");
  if (sub == claims.end() || !sub->is_string() || sub->get<std::string>().empty()) {
    return Fail(AuthError::kMalformed, "the bearer token has no sub claim");
  }
  Principal principal;
  principal.subject = sub->get<std::string>();
  const auto tenant = claims.find("tenant");
  principal.tenant =
      tenant != claims.end() && tenant->is_string() && !tenant->get<std::string>().empty()
          ? tenant->get<std::string>()
          : principal.subject;
  principal.scopes = ScopesOf(claims);
  principal.credential = "jwt:" + principal.tenant + "/" + principal.subject;
  // A token of POST /oauth/token counts in its key's bucket: holding both
  // does not double the limit.
  if (const auto client = claims.find("client_id");
      client != claims.end() && client->is_string() &&
      client->get<std::string>().rfind("key_", 0) == 0) {
    principal.credential = "key:" + client->get<std::string>();
  }
  if (const auto tier = claims.find("tier"); tier != claims.end() && tier->is_string()) {
    principal.tier = tier->get<std::string>();
  }
  if (const auto types = claims.find("agent_types"); types != claims.end() && types->is_array()) {
    for (const Json& type : *types) {
      if (type.is_string()) principal.agent_types.push_back(type.get<std::string>());
    }
  }
  return principal;
}

}  // namespace agentstudio::auth
