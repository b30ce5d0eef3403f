#include "auth/token_issuer.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace agentstudio::auth {
namespace {

constexpr int64_t kNow = 1800000000;
const std::string kKey = "as_live_" + std::string(64, 'c');

class TokenIssuerTest : public ::testing::Test {
 protected:
  TokenIssuerTest() {
    jwt_.hs256_secret = "the token issuer test's secret, 32+ bytes";
    jwt_.issuer = "https://auth.example";
    jwt_.audience = "https://api.example";
    clients_->Replace({{HashApiKey(kKey),
                        {"key_7",
                         "acme",
                         {Scope::kWorkflowsRead, Scope::kWorkflowsExecute},
                         {"code_analyzer"},
                         "professional"}}});
  }

  std::variant<IssuedToken, TokenRefusal> Issue(const std::string& scope,
                                                const std::string& secret = kKey,
                                                const std::string& id = "key_7",
                                                const std::string& grant = "client_credentials") {
    return TokenIssuer(jwt_, clients_, std::chrono::seconds(3600))
        .Issue(grant, id, secret, scope, kNow);
  }

  TokenError ErrorOf(const std::variant<IssuedToken, TokenRefusal>& result) {
    EXPECT_TRUE(std::holds_alternative<TokenRefusal>(result)) << "a token was issued";
    return std::holds_alternative<TokenRefusal>(result) ? std::get<TokenRefusal>(result).error
                                                        : TokenError::kInvalidRequest;
  }

  JwtSettings jwt_;
  std::shared_ptr<ApiKeyTable> clients_ = std::make_shared<ApiKeyTable>();
};

TEST_F(TokenIssuerTest, ShouldIssueATokenTheFrontDoorAcceptsWithTheKeysTenantAndAskedScopes) {
  const auto result = Issue("workflows:read");
  ASSERT_TRUE(std::holds_alternative<IssuedToken>(result))
      << std::get<TokenRefusal>(result).description;
  const IssuedToken& token = std::get<IssuedToken>(result);
  EXPECT_EQ(token.expires_in, 3600);
  EXPECT_EQ(token.scope, "workflows:read");
  const AuthResult verified = JwtVerifier(jwt_).Verify(token.access_token, kNow);
  const auto* principal = std::get_if<Principal>(&verified);
  ASSERT_NE(principal, nullptr) << std::get<AuthFailure>(verified).detail;
  EXPECT_EQ(principal->tenant, "acme");
  EXPECT_EQ(principal->subject, "key_7");
  EXPECT_EQ(principal->credential, "key:key_7") << "the key's own rate-limit bucket";
  EXPECT_EQ(principal->tier, "professional");
  EXPECT_EQ(principal->agent_types, std::vector<std::string>{"code_analyzer"});
  EXPECT_EQ(principal->scopes, std::set<Scope>{Scope::kWorkflowsRead}) << "only those asked for";
  EXPECT_EQ(std::get<AuthFailure>(JwtVerifier(jwt_).Verify(token.access_token, kNow + 3700)).error,
            AuthError::kExpired);

  const auto all = Issue("");
  ASSERT_TRUE(std::holds_alternative<IssuedToken>(all));
  EXPECT_EQ(std::get<IssuedToken>(all).scope, "workflows:read workflows:execute");
}

TEST_F(TokenIssuerTest, ShouldRefuseWithTheOAuthErrorOfEachMistake) {
  EXPECT_EQ(ErrorOf(Issue("", "as_live_" + std::string(64, 'd'))), TokenError::kInvalidClient);
  EXPECT_EQ(ErrorOf(Issue("", kKey, "key_8")), TokenError::kInvalidClient)
      << "the secret belongs to another client id";
  EXPECT_EQ(ErrorOf(Issue("", "hunter2")), TokenError::kInvalidClient);
  EXPECT_EQ(ErrorOf(Issue("", kKey, "key_7", "password")), TokenError::kUnsupportedGrantType);
  EXPECT_EQ(ErrorOf(Issue("", kKey, "key_7", "")), TokenError::kInvalidRequest);
  EXPECT_EQ(ErrorOf(Issue("", "", "key_7")), TokenError::kInvalidRequest);
  EXPECT_EQ(ErrorOf(Issue("admin")), TokenError::kInvalidScope) << "beyond the key's scopes";
  EXPECT_EQ(ErrorOf(Issue("workflows:read everything")), TokenError::kInvalidScope);
  clients_->Replace({});
  EXPECT_EQ(ErrorOf(Issue("")), TokenError::kInvalidClient) << "a revoked key is no client";
  jwt_.hs256_secret.clear();
  EXPECT_EQ(ErrorOf(Issue("")), TokenError::kUnauthorizedClient);
  EXPECT_EQ(ToString(TokenError::kInvalidScope), "invalid_scope");
}

TEST(ParseBasicCredentials, ShouldSplitTheDecodedIdAndSecret) {
  // base64("key_7:as_live_x") and base64("a:b"); base64("ab") has a padding byte.
  EXPECT_EQ(ParseBasicCredentials("Basic a2V5Xzc6YXNfbGl2ZV94"),
            (std::pair<std::string, std::string>{"key_7", "as_live_x"}));
  EXPECT_EQ(ParseBasicCredentials("basic  YTpi"), (std::pair<std::string, std::string>{"a", "b"}));
  EXPECT_EQ(ParseBasicCredentials("Basic YWI="), std::nullopt) << "no colon";
  EXPECT_EQ(ParseBasicCredentials("Basic !!!!"), std::nullopt);
  EXPECT_EQ(ParseBasicCredentials("Bearer YTpi"), std::nullopt);
  EXPECT_EQ(ParseBasicCredentials("Basic "), std::nullopt);
}

}  // namespace
}  // namespace agentstudio::auth
