// Credentials stay out of the log: agentstudiod processes with authentication
// on, driven with good, expired, forged and malformed credentials; their
// whole output is then searched for every secret and token (docs/security.md).
#include <gtest/gtest.h>

#include <string>

#include "engine/timestamp.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process_stack.hpp"
#include "tests/support/reference_examples.hpp"
#include "tests/support/test_tokens.hpp"
#include "tests/support/wait.hpp"

namespace agentstudio {
namespace {

using Json = nlohmann::json;
using testing::Http;

const std::string kSecret = "the credentials e2e test's HS256 secret value";

std::string Token(int64_t expires_in_s, const std::string& secret = kSecret) {
  return testing::SignHs256({{"sub", "user_7"},
                             {"tenant", "acme"},
                             {"scopes", {"admin"}},
                             {"exp", engine::WallClockNow() / 1000 + expires_in_s}},
                            secret);
}

TEST(CredentialsTest, ShouldAuditWritesAndNeverLogSecretsOrTokens) {
  const std::string token = Token(600);
  testing::ProcessStackOptions options;
  options.env = {{"AGENTSTUDIO_JWT_HS256_SECRET", kSecret}, {"AGENTSTUDIO_LOG_LEVEL", "debug"}};
  options.authorization = "Bearer " + token;
  testing::ProcessStack stack(options);
  const auto good = stack.Credentials();

  const auto created =
      Http("POST", stack.Url("/api/workflows"), testing::kCustomerFeedbackAnalysis, good);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.Json()["id"];
  EXPECT_EQ(stack.WaitForEnd(id)["status"], "completed");

  const std::string expired = Token(-600);
  const std::string forged = Token(600, "another secret, 32 bytes or more long");
  const std::string api_key = "as_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0";
  for (const auto& headers : std::vector<std::map<std::string, std::string>>{
           {{"Authorization", "Bearer " + expired}},
           {{"Authorization", "Bearer " + forged}},
           {{"Authorization", "Bearer " + kSecret}},
           {{"Authorization", "Basic dXNlcjpodW50ZXIy"}},
           {{"X-API-Key", api_key}}}) {
    EXPECT_EQ(Http("POST", stack.Url("/api/workflows"), testing::kCustomerFeedbackAnalysis, headers)
                  .status,
              401);
  }
  // A real key made with the CLI, and the token /oauth/token trades it for.
  const auto [made, made_out] = testing::ChildProcess::Run(
      AGENTSTUDIO_CLI_PATH,
      {"keys", "create", "--tenant", "acme", "--scopes", "workflows:read", "--name", "e2e"},
      {{"AGENTSTUDIO_DATABASE_URL", stack.database().url()}});
  ASSERT_EQ(made, 0) << made_out;
  const std::string real_key = Json::parse(made_out)["key"];
  const std::string real_id = Json::parse(made_out)["id"];
  testing::HttpResponse minted;
  ASSERT_TRUE(testing::WaitUntil([&] {
    minted = Http("POST", stack.Url("/oauth/token"),
                  Json{{"grant_type", "client_credentials"},
                       {"client_id", real_id},
                       {"client_secret", real_key}}
                      .dump());
    return minted.status == 200;
  })) << minted.body;
  const std::string access_token = minted.Json()["access_token"];
  EXPECT_EQ(Http("GET", stack.Url("/api/workflows"), "", {{"X-API-Key", real_key}}).status, 200);
  EXPECT_EQ(
      Http("GET", stack.Url("/api/workflows"), "", {{"Authorization", "Bearer " + access_token}})
          .status,
      200);
  EXPECT_EQ(Http("POST", stack.Url("/oauth/token"),
                 Json{{"grant_type", "client_credentials"},
                      {"client_id", "key_0123456789abcdef"},
                      {"client_secret", api_key}}
                     .dump())
                .status,
            401)
      << "an unknown client";
  ASSERT_EQ(Http("DELETE", stack.Url("/api/workflows/" + id), "", good).status, 200);
  for (const std::string& failure : stack.Stop()) ADD_FAILURE() << failure;

  const std::string output = stack.Output();
  for (const auto& [what, secret] :
       {std::pair{"the HS256 secret", kSecret}, std::pair{"a valid token", token},
        std::pair{"a valid token's signature", token.substr(token.rfind('.') + 1)},
        std::pair{"an expired token", expired}, std::pair{"a forged token", forged},
        std::pair{"an API key", api_key}, std::pair{"a key made with the CLI", real_key},
        std::pair{"a token of /oauth/token", access_token},
        std::pair{"a Basic credential", std::string("dXNlcjpodW50ZXIy")}}) {
    EXPECT_EQ(output.find(secret), std::string::npos) << what << " is in the log";
  }
  // One audit line per write: the start, the token issued and the delete,
  // with caller, tenant and resource; refused requests are not writes that
  // happened.
  size_t audits = 0;
  for (size_t at = output.find("audit {"); at != std::string::npos;
       at = output.find("audit {", at + 1)) {
    const std::string line = output.substr(at, output.find('\n', at) - at);
    EXPECT_TRUE(line.find("user_7") != std::string::npos || line.find(real_id) != std::string::npos)
        << line;
    EXPECT_NE(line.find("acme"), std::string::npos) << line;
    ++audits;
  }
  EXPECT_EQ(audits, 3u) << output.substr(0, 4000) << " (the start, the token, the delete)";
  EXPECT_NE(output.find("/api/workflows/" + id), std::string::npos);
}

}  // namespace
}  // namespace agentstudio
