#include "auth/api_keys.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "auth/authenticator.hpp"

namespace agentstudio::auth {
namespace {

TEST(ApiKeys, ShouldGenerateUnguessableKeysWithTheirEnvironmentsPrefix) {
  const NewApiKey live = GenerateApiKey(ApiKeyEnvironment::kLive);
  const NewApiKey test = GenerateApiKey(ApiKeyEnvironment::kTest);
  EXPECT_EQ(live.key.rfind("as_live_", 0), 0u);
  EXPECT_EQ(test.key.rfind("as_test_", 0), 0u);
  EXPECT_EQ(live.key.size(), 8u + 64u) << "256 random bits in hex";
  EXPECT_EQ(live.key.find_first_not_of("0123456789abcdef", 8), std::string::npos);
  EXPECT_EQ(live.id.rfind("key_", 0), 0u);
  EXPECT_EQ(live.id.find(live.key.substr(8, 16)), std::string::npos) << "the id tells nothing";
  EXPECT_NE(live.key.substr(8), test.key.substr(8));
  EXPECT_NE(live.id, test.id);
  EXPECT_EQ(live.hash, HashApiKey(live.key));
}

TEST(ApiKeys, ShouldHashWithSha256) {
  EXPECT_EQ(HashApiKey("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

ApiKeyTable::Grants OneGrant(const std::string& key) {
  return {{HashApiKey(key),
           {"key_1", "acme", {Scope::kWorkflowsRead}, {"code_analyzer"}, "professional"}}};
}

TEST(ApiKeys, ShouldAuthenticateAStoredKeyFromEitherHeader) {
  const std::string key = "as_live_" + std::string(64, 'a');
  auto table = std::make_shared<ApiKeyTable>();
  table->Replace(OneGrant(key));
  AuthSettings settings;
  settings.mode = AuthMode::kRequired;
  settings.jwt.hs256_secret = std::string(32, 's');
  const Authenticator authenticator(settings, table);
  for (const auto& [authorization, api_key] :
       {std::pair{std::string(), key}, std::pair{"Bearer " + key, std::string()}}) {
    const AuthResult result = authenticator.Authenticate(authorization, api_key, 0);
    const auto* principal = std::get_if<Principal>(&result);
    ASSERT_NE(principal, nullptr) << authorization;
    EXPECT_EQ(principal->tenant, "acme");
    EXPECT_EQ(principal->subject, "key_1");
    EXPECT_EQ(principal->credential, "key:key_1");
    EXPECT_EQ(principal->tier, "professional");
    EXPECT_TRUE(principal->Has(Scope::kWorkflowsRead));
    EXPECT_FALSE(principal->Has(Scope::kWorkflowsExecute));
    EXPECT_EQ(principal->agent_types, std::vector<std::string>{"code_analyzer"});
  }
  for (const std::string& wrong : {"as_live_" + std::string(64, 'b'), std::string("hunter2")}) {
    const AuthResult result = authenticator.Authenticate("", wrong, 0);
    ASSERT_TRUE(std::holds_alternative<AuthFailure>(result)) << wrong;
    EXPECT_EQ(std::get<AuthFailure>(result).error, AuthError::kUnknownApiKey);
    EXPECT_EQ(std::get<AuthFailure>(result).detail.find(wrong), std::string::npos)
        << "a refused key is not repeated in the answer";
  }
  table->Replace({});  // revoked
  EXPECT_TRUE(std::holds_alternative<AuthFailure>(authenticator.Authenticate("", key, 0)));
}

}  // namespace
}  // namespace agentstudio::auth
