#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace agentstudio::testing {

// A JWT of these claims signed with HS256 and `secret`, as an issuer would
// make it ("" and a test failure when libjwt cannot).
std::string SignHs256(const nlohmann::json& claims, const std::string& secret);

}  // namespace agentstudio::testing
