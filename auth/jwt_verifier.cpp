#include "auth/jwt_verifier.hpp"

#include <jwt.h>

#include <array>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

namespace agentstudio::auth {
namespace {

using Json = nlohmann::json;

struct JwtFree {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
struct CharFree {
  void operator()(char* text) const { std::free(text); }
};

// RFC 4648 section 5, without padding (RFC 7515 section 2). nullopt for a
// character outside the alphabet or an impossible length.
std::optional<std::string> DecodeBase64Url(std::string_view text) {
  static const std::array<int, 256> kValues = [] {
    std::array<int, 256> values{};
    values.fill(-1);
    const std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (size_t i = 0; i < alphabet.size(); ++i) {
      values[static_cast<unsigned char>(alphabet[i])] = static_cast<int>(i);
    }
    return values;
  }();
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t bits = 0;
  int count = 0;
  for (const char c : text) {
    const int value = kValues[static_cast<unsigned char>(c)];
    if (value < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xff));
    }
  }
  return out;
}

AuthFailure Fail(AuthError error, std::string detail) { return {error, std::move(detail)}; }

// The `alg` of the token's header, or a failure.
std::variant<std::string, AuthFailure> AlgorithmOf(std::string_view token) {
  const size_t first = token.find('.');
  if (first == std::string_view::npos || token.find('.', first + 1) == std::string_view::npos) {
    return Fail(AuthError::kMalformed, "the bearer token is not a JWT (three dot-separated parts)");
  }
  const std::optional<std::string> header = DecodeBase64Url(token.substr(0, first));
  const Json parsed = header ? Json::parse(*header, nullptr, false) : Json();
  if (!parsed.is_object() || !parsed.contains("alg") || !parsed["alg"].is_string()) {
    return Fail(AuthError::kMalformed, "the bearer token's header is not JSON naming an alg");
  }
  return parsed["alg"].get<std::string>();
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
  return !settings_.hs256_secret.empty() || !settings_.rs256_public_key_pem.empty();
}

AuthResult JwtVerifier::Verify(std::string_view token, int64_t now) const {
  auto algorithm = AlgorithmOf(token);
  if (auto* failure = std::get_if<AuthFailure>(&algorithm)) return std::move(*failure);
  const std::string& alg = std::get<std::string>(algorithm);
  const std::string* key = nullptr;
  jwt_alg_t expected = JWT_ALG_INVAL;
  if (alg == "HS256" && !settings_.hs256_secret.empty()) {
    key = &settings_.hs256_secret;
    expected = JWT_ALG_HS256;
  } else if (alg == "RS256" && !settings_.rs256_public_key_pem.empty()) {
    key = &settings_.rs256_public_key_pem;
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
