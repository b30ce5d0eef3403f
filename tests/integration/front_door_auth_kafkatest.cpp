// Authentication and scopes on every route of the front door, on a real port
// with the real broker and PostgreSQL behind it (docs/security.md).
#include <gtest/gtest.h>
#include <jwt.h>

#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/timestamp.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/stack.hpp"

namespace agentstudio {
namespace {

using Json = nlohmann::json;
using daemon::Role;
using testing::Http;

const std::string kSecret = "the front door auth test's secret, 32+ bytes";
const std::string kIssuer = "https://auth.example";
const std::string kAudience = "https://api.example";

std::string Token(const Json& scopes, int64_t expires_in_s = 600,
                  const std::string& secret = kSecret) {
  const int64_t now = engine::WallClockNow() / 1000;
  const Json claims = {{"sub", "user_1"}, {"tenant", "acme"}, {"scopes", scopes},
                       {"iss", kIssuer},  {"aud", kAudience}, {"exp", now + expires_in_s}};
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

std::map<std::string, std::string> Bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

// A scope that is not `needed` and does not imply it.
std::string OtherScope(auth::Scope needed) {
  return needed == auth::Scope::kWorkflowsRead ? "workflows:write" : "workflows:read";
}

class FrontDoorAuthTest : public ::testing::Test {
 protected:
  // A concrete URL for a route's pattern.
  std::string Url(const std::string& pattern) const {
    std::string path = pattern;
    for (const auto& [name, value] :
         {std::pair{":id", "wf_unknown"}, std::pair{":agentType", "code_analyzer"},
          std::pair{":taskId", "task_unknown"}}) {
      const size_t at = path.find(name);
      if (at != std::string::npos) path.replace(at, std::string(name).size(), value);
    }
    return stack_.base_url() + path;
  }

  static void ExpectUnauthorized(const testing::HttpResponse& response, const std::string& what) {
    EXPECT_EQ(response.status, 401) << what << ": " << response.body;
    EXPECT_EQ(response.Header("content-type"), "application/problem+json") << what;
    EXPECT_EQ(response.Json().value("status", 0), 401) << what;
    EXPECT_EQ(response.Header("www-authenticate").rfind("Bearer", 0), 0u) << what;
  }

  testing::InProcessStack stack_{{Role::kFrontdoor}, [](daemon::Config& c) {
                                   c.auth.mode = auth::AuthMode::kRequired;
                                   c.auth.jwt.hs256_secret = kSecret;
                                   c.auth.jwt.issuer = kIssuer;
                                   c.auth.jwt.audience = kAudience;
                                 }};
};

TEST_F(FrontDoorAuthTest, ShouldRefuseEveryProtectedRouteWithoutAValidCredential) {
  const auto routes = stack_.http_routes();
  ASSERT_GT(routes.size(), 10u);
  int protected_routes = 0;
  for (const daemon::FrontDoorRoute& route : routes) {
    const std::string method = Pistache::Http::methodString(route.method);
    const std::string what = method + " " + route.path;
    const std::string url = Url(route.path);
    if (!route.scope) {
      EXPECT_NE(Http(method, url).status, 401) << what << " is open";
      continue;
    }
    ++protected_routes;
    ExpectUnauthorized(Http(method, url), what + " without a credential");
    ExpectUnauthorized(Http(method, url, "", Bearer(Token({"admin"}, -120))), what + " expired");
    ExpectUnauthorized(Http(method, url, "", Bearer(Token({"admin"}, 600, std::string(40, 'x')))),
                       what + " with a bad signature");
    ExpectUnauthorized(Http(method, url, "", Bearer("not.a.token")), what + " malformed");
    ExpectUnauthorized(Http(method, url, "", {{"Authorization", "Basic dXNlcjpwYXNz"}}),
                       what + " with Basic");
    ExpectUnauthorized(Http(method, url, "", {{"X-API-Key", "as_live_unknown"}}),
                       what + " with an unknown API key");
    const auto refused = Http(method, url, "", Bearer(Token({OtherScope(*route.scope)})));
    EXPECT_EQ(refused.status, 403) << what << " without its scope: " << refused.body;
    EXPECT_EQ(refused.Header("content-type"), "application/problem+json") << what;
    // With the route's scope, and with admin, the request reaches its handler
    // (which answers what it would: 404 for an unknown id, 400 for no body).
    for (const std::string& scope :
         {std::string(auth::ToString(*route.scope)), std::string("admin")}) {
      const auto allowed = Http(method, url, "", Bearer(Token({scope})));
      EXPECT_NE(allowed.status, 401) << what << " with " << scope << ": " << allowed.body;
      EXPECT_NE(allowed.status, 403) << what << " with " << scope << ": " << allowed.body;
      EXPECT_NE(allowed.status, 0) << what << " with " << scope << " got no answer";
    }
  }
  EXPECT_GT(protected_routes, 10);
}

TEST_F(FrontDoorAuthTest, ShouldServeHealthWithoutCredentials) {
  const auto health = Http("GET", stack_.base_url() + "/health");
  EXPECT_NE(health.status, 401);
  EXPECT_NE(health.status, 0);
}

}  // namespace
}  // namespace agentstudio
