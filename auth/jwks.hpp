#pragma once

#include <map>
#include <string>
#include <string_view>
#include <variant>

namespace agentstudio::auth {

// The RS256 signing keys of a JWKS document (RFC 7517), by `kid`, each as a
// PEM public key (what libjwt verifies with). Keys of another type (`kty`
// other than RSA), for another use (`use` other than sig) or another
// algorithm (`alg` other than RS256) are skipped, as an Azure AD-style
// issuer's document may hold them; a key without a `kid` is named "".
using RsaKeysByKid = std::map<std::string, std::string>;

// The keys, or why the document gives none (not JSON, no `keys` array, a
// key whose n or e is not base64url, two keys with one kid, no usable key).
std::variant<RsaKeysByKid, std::string> ParseJwks(std::string_view document);

}  // namespace agentstudio::auth
