#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "auth/jwks.hpp"
#include "auth/principal.hpp"

namespace agentstudio::auth {

struct JwtSettings {
  std::string hs256_secret;          // empty: HS256 tokens are refused
  std::string rs256_public_key_pem;  // empty: RS256 tokens are refused
  // The issuer's JWKS (AGENTSTUDIO_JWT_JWKS_FILE). A token's `kid` picks
  // its key; a token without one, or with one not listed, is checked with
  // rs256_public_key_pem when set, else with the only key of a one-key set.
  RsaKeysByKid rs256_jwks;
  std::string issuer;    // when set, `iss` must equal it
  std::string audience;  // when set, `aud` must be or contain it
  // Clock difference allowed between the issuer and this process, for
  // `exp` and `nbf`.
  std::chrono::seconds leeway{30};
};

// Why a credential was refused. Every kind answers 401; the detail says why
// to the caller without echoing the token.
enum class AuthError {
  kMissing,        // no credential at all
  kMalformed,      // not three base64url segments of JSON, or no `sub`
  kAlgorithm,      // an `alg` this process does not accept (none, or unconfigured)
  kSignature,      // the signature does not verify with the configured key, or no key has its kid
  kExpired,        // `exp` passed (or absent: every token must expire)
  kNotYetValid,    // `nbf` in the future
  kIssuer,         // `iss` differs from AGENTSTUDIO_JWT_ISSUER
  kAudience,       // `aud` does not name AGENTSTUDIO_JWT_AUDIENCE
  kUnknownApiKey,  // an X-API-Key that no stored key matches
};

struct AuthFailure {
  AuthError error;
  std::string detail;
};

using AuthResult = std::variant<Principal, AuthFailure>;

// Checks bearer tokens: HS256 with a shared secret, RS256 with an RSA public
// key in PEM or from a JWKS. The key is chosen by the token's `alg` and the algorithm is
// checked again after decoding, so a token signed with HS256 over the
// public key's text never verifies (algorithm confusion). Thread-safe: it
// holds only its settings.
class JwtVerifier {
 public:
  explicit JwtVerifier(JwtSettings settings);

  // Whether any key is configured; without one every token is refused.
  bool enabled() const;

  // `token` is what follows "Bearer "; `now` is the current Unix time.
  AuthResult Verify(std::string_view token, int64_t now) const;

 private:
  // The RS256 key for a token's kid (see JwtSettings::rs256_jwks), or null.
  const std::string* Rs256KeyFor(const std::optional<std::string>& kid) const;

  JwtSettings settings_;
};

}  // namespace agentstudio::auth
