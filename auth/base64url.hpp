#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace agentstudio::auth {

// RFC 4648 section 5 without padding, the encoding of JWTs and JWKs (RFC
// 7515 section 2). nullopt for a character outside the alphabet or an
// impossible length.
std::optional<std::string> DecodeBase64Url(std::string_view text);

}  // namespace agentstudio::auth
