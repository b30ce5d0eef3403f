#include "tests/support/test_tokens.hpp"

#include <gtest/gtest.h>
#include <jwt.h>

#include <cstdlib>
#include <memory>

namespace agentstudio::testing {

std::string SignHs256(const nlohmann::json& claims, const std::string& secret) {
  jwt_t* raw = nullptr;
  EXPECT_EQ(jwt_new(&raw), 0);
  std::unique_ptr<jwt_t, decltype(&jwt_free)> jwt(raw, &jwt_free);
  EXPECT_EQ(
      jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret.data()),
                  static_cast<int>(secret.size())),
      0);
  EXPECT_EQ(jwt_add_grants_json(jwt.get(), claims.dump().c_str()), 0);
  char* text = jwt_encode_str(jwt.get());
  std::string out = text == nullptr ? "" : text;
  std::free(text);
  return out;
}

}  // namespace agentstudio::testing
