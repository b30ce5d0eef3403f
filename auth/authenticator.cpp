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

Authenticator::Authenticator(AuthSettings settings)
    : settings_(std::move(settings)), jwt_(settings_.jwt) {}

AuthResult Authenticator::Authenticate(std::string_view authorization, std::string_view api_key,
                                       int64_t now) const {
  if (settings_.mode == AuthMode::kNone) {
    return Principal{"anonymous", std::string(kDefaultTenant), {Scope::kAdmin}, {}};
  }
  if (!authorization.empty()) {
    if (!StartsWithBearer(authorization)) {
      return AuthFailure{AuthError::kMalformed,
                         "the Authorization header must be 'Bearer <token>'"};
    }
    std::string_view token = authorization.substr(7);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    return jwt_.Verify(token, now);
  }
  if (!api_key.empty()) {
    return AuthFailure{AuthError::kUnknownApiKey, "the X-API-Key is not a key issued here"};
  }
  return AuthFailure{AuthError::kMissing,
                     "this route needs a credential: Authorization: Bearer <token>"};
}

}  // namespace agentstudio::auth
