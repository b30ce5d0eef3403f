#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace agentstudio::daemon {

// The fields of an application/x-www-form-urlencoded body (WHATWG URL,
// section 5.1: '&'-separated name=value pairs, '+' for a space, %XX
// escapes). nullopt for a malformed escape or a name given twice (RFC 6749
// section 3.2: parameters must not repeat).
std::optional<std::map<std::string, std::string>> ParseFormBody(std::string_view body);

}  // namespace agentstudio::daemon
