// Authentication and scopes on every route of the front door, on a real port
// with the real broker and PostgreSQL behind it (docs/security.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>

#include "auth/api_keys.hpp"
#include "engine/timestamp.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/stack.hpp"
#include "tests/support/test_tokens.hpp"
#include "tests/support/wait.hpp"

namespace agentstudio {
namespace {

using Json = nlohmann::json;
using daemon::Role;
using testing::Http;

const std::string kSecret = "the front door auth test's secret, 32+ bytes";
const std::string kIssuer = "https://auth.example";
const std::string kAudience = "https://api.example";

// `extra` claims are added to (or replace) those of user_1 of acme.
std::string Token(const Json& scopes, int64_t expires_in_s = 600,
                  const std::string& secret = kSecret, const Json& extra = Json::object()) {
  const int64_t now = engine::WallClockNow() / 1000;
  Json claims = {{"sub", "user_1"}, {"tenant", "acme"}, {"scopes", scopes},
                 {"iss", kIssuer},  {"aud", kAudience}, {"exp", now + expires_in_s}};
  claims.update(extra);
  return testing::SignHs256(claims, secret);
}

std::map<std::string, std::string> Bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

// A scope that is not `needed` and does not imply it.
std::string OtherScope(auth::Scope needed) {
  return needed == auth::Scope::kWorkflowsRead ? "workflows:write" : "workflows:read";
}

// `pattern` with its parameters replaced by these values.
std::string PathOf(const std::string& pattern, const std::string& workflow_id = "wf_unknown",
                   const std::string& task_id = "task_unknown") {
  std::string path = pattern;
  for (const auto& [name, value] :
       {std::pair{std::string(":id"), workflow_id},
        std::pair{std::string(":executionId"), workflow_id},
        std::pair{std::string(":agentType"), std::string("code_analyzer")},
        std::pair{std::string(":taskId"), task_id}}) {
    const size_t at = path.find(name);
    if (at != std::string::npos) path.replace(at, name.size(), value);
  }
  return path;
}

void ConfigureAuth(daemon::Config& c) {
  c.auth.mode = auth::AuthMode::kRequired;
  // The tests' own tiers: 2 requests a minute; 2 workflows at once.
  c.auth.rate_limits.tiers["tiny"] = {2, 0};
  c.auth.rate_limits.tiers["pair"] = {100000, 2};
  // Walking every route takes more than the reference's 300 a minute.
  c.auth.rate_limits.default_tier = "enterprise";
  c.auth.jwt.hs256_secret = kSecret;
  c.auth.jwt.issuer = kIssuer;
  c.auth.jwt.audience = kAudience;
}

class FrontDoorAuthTest : public ::testing::Test {
 protected:
  std::string Url(const std::string& pattern) const { return stack_.base_url() + PathOf(pattern); }

  static void ExpectUnauthorized(const testing::HttpResponse& response, const std::string& what) {
    EXPECT_EQ(response.status, 401) << what << ": " << response.body;
    EXPECT_EQ(response.Header("content-type"), "application/problem+json") << what;
    EXPECT_EQ(response.Json().value("status", 0), 401) << what;
    EXPECT_EQ(response.Header("www-authenticate").rfind("Bearer", 0), 0u) << what;
  }

  testing::InProcessStack stack_{{Role::kFrontdoor}, ConfigureAuth};
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

// Each route with a credential of its own on the 2-a-minute tier: two
// requests pass with the X-RateLimit-* headers, the third is 429.
TEST_F(FrontDoorAuthTest, ShouldRefuseABurstPastTheLimitOnEveryRoute) {
  int route_number = 0;
  for (const daemon::FrontDoorRoute& route : stack_.http_routes()) {
    if (!route.scope) continue;
    const std::string method = Pistache::Http::methodString(route.method);
    const std::string what = method + " " + route.path;
    const auto credential =
        Bearer(Token({"admin"}, 600, kSecret,
                     {{"sub", "burst_" + std::to_string(++route_number)}, {"tier", "tiny"}}));
    for (int i = 0; i < 2; ++i) {
      const auto passed = Http(method, Url(route.path), "{}", credential);
      EXPECT_NE(passed.status, 429) << what << " request " << i << ": " << passed.body;
      EXPECT_EQ(passed.Header("x-ratelimit-limit"), "2") << what;
      EXPECT_EQ(passed.Header("x-ratelimit-remaining"), std::to_string(1 - i)) << what;
      const int64_t reset = std::stoll("0" + passed.Header("x-ratelimit-reset"));
      EXPECT_GT(reset, engine::WallClockNow() / 1000) << what;
      EXPECT_LE(reset, engine::WallClockNow() / 1000 + 61) << what;
    }
    const auto refused = Http(method, Url(route.path), "{}", credential);
    EXPECT_EQ(refused.status, 429) << what << ": " << refused.body;
    EXPECT_EQ(refused.Header("content-type"), "application/problem+json") << what;
    EXPECT_EQ(refused.Json()["errors"][0]["code"], "RATE_LIMIT_EXCEEDED") << what;
    EXPECT_EQ(refused.Header("x-ratelimit-remaining"), "0") << what;
    const int retry_after = std::stoi("0" + refused.Header("retry-after"));
    EXPECT_GE(retry_after, 1) << what;
    EXPECT_LE(retry_after, 30) << what << ": a token every 30 s";
  }
  EXPECT_GT(route_number, 10);
  // Another credential of the same tenant has a bucket of its own.
  const auto other =
      Http("GET", Url("/api/workflows"), "",
           Bearer(Token({"admin"}, 600, kSecret, {{"sub", "burst_0"}, {"tier", "tiny"}})));
  EXPECT_EQ(other.status, 200) << other.body;
}

// GET /openapi.json, open to all, documents every route the front door
// serves with the scope it needs, and nothing it does not serve.
TEST_F(FrontDoorAuthTest, ShouldDocumentEveryRouteItServesAndNothingElse) {
  const auto served = Http("GET", stack_.base_url() + "/openapi.json");
  ASSERT_EQ(served.status, 200);
  const Json document = served.Json();
  ASSERT_EQ(document.value("openapi", ""), "3.1.0");
  std::map<std::pair<std::string, std::string>, std::string> routes;  // method, path -> scope
  for (const daemon::FrontDoorRoute& route : stack_.http_routes()) {
    std::string path = route.path;  // Pistache's :name is OpenAPI's {name}
    for (size_t at = path.find(':'); at != std::string::npos; at = path.find(':', at)) {
      const size_t end = path.find('/', at);
      path.replace(at, end == std::string::npos ? std::string::npos : end - at,
                   "{" + path.substr(at + 1, end == std::string::npos ? end : end - at - 1) + "}");
    }
    std::string method = Pistache::Http::methodString(route.method);
    std::transform(method.begin(), method.end(), method.begin(), ::tolower);
    routes[{method, path}] = route.scope ? std::string(auth::ToString(*route.scope)) : "";
  }
  std::map<std::pair<std::string, std::string>, std::string> documented;
  for (const auto& [path, operations] : document["paths"].items()) {
    for (const auto& [method, operation] : operations.items()) {
      documented[{method, path}] = operation.value("x-scope", "");
      const Json& security = operation["security"];
      if (operation.contains("x-scope")) {
        EXPECT_EQ(security[0]["oauth2"], Json::array({operation["x-scope"]})) << method << path;
      } else {
        EXPECT_EQ(security, Json::array()) << method << " " << path << " is open";
      }
    }
  }
  EXPECT_EQ(documented, routes);
  EXPECT_GT(routes.size(), 25u);
}

// Swagger UI and ReDoc, open to all, from the npm packages the set-up put
// in .run/npm; only their own files are served.
TEST(ApiDocsPagesTest, ShouldServeSwaggerUiAndRedocWithTheirFiles) {
  testing::InProcessStack stack({Role::kFrontdoor}, [](daemon::Config& c) {
    ConfigureAuth(c);
    c.api_docs_dir = std::string(AGENTSTUDIO_SOURCE_DIR) + "/.run/npm/node_modules";
  });
  for (const auto& [path, type, contains] :
       {std::tuple{"/docs", "text/html; charset=utf-8", "/docs/swagger-ui-bundle.js"},
        std::tuple{"/docs/swagger-ui-bundle.js", "text/javascript", "SwaggerUIBundle"},
        std::tuple{"/docs/swagger-ui-standalone-preset.js", "text/javascript", "Standalone"},
        std::tuple{"/docs/swagger-ui.css", "text/css", ".swagger-ui"},
        std::tuple{"/redoc", "text/html; charset=utf-8", "/redoc/redoc.standalone.js"},
        std::tuple{"/redoc/redoc.standalone.js", "text/javascript", "Redoc"}}) {
    const auto page = Http("GET", stack.base_url() + path);
    EXPECT_EQ(page.status, 200) << path;
    EXPECT_EQ(page.Header("content-type"), type) << path;
    EXPECT_NE(page.body.find(contains), std::string::npos) << path;
  }
  for (const char* path : {"/docs/index.html", "/docs/..%2F..%2Fpackage.json", "/redoc/x.js"}) {
    EXPECT_EQ(Http("GET", stack.base_url() + path).status, 404) << path;
  }
}

TEST_F(FrontDoorAuthTest, ShouldServeHealthWithoutCredentials) {
  const auto health = Http("GET", stack_.base_url() + "/health");
  EXPECT_NE(health.status, 401);
  EXPECT_NE(health.status, 0);
}

// Every route that names a workflow or a task answers another tenant 404, as
// for an id that does not exist (403 would tell that it does), and changes
// nothing; the list shows a tenant only its own executions.
// `applied`: a scheduler applied its start, so it is listed.
void ExpectHiddenFromOtherTenants(const testing::InProcessStack& stack,
                                  const std::string& workflow_id, const std::string& task_id,
                                  bool applied) {
  const auto other = Bearer(Token({"admin"}, 600, kSecret, {{"tenant", "globex"}}));
  int named_routes = 0;
  for (const daemon::FrontDoorRoute& route : stack.http_routes()) {
    if (route.path.find(":id") == std::string::npos &&
        route.path.find(":executionId") == std::string::npos &&
        route.path.find(":taskId") == std::string::npos) {
      continue;
    }
    ++named_routes;
    const std::string method = Pistache::Http::methodString(route.method);
    const std::string path = PathOf(route.path, workflow_id, task_id);
    const auto response = Http(method, stack.base_url() + path, "{}", other);
    EXPECT_EQ(response.status, 404) << method << " " << path << ": " << response.body;
    EXPECT_EQ(response.Header("content-type"), "application/problem+json") << method << path;
  }
  EXPECT_GE(named_routes, 12);
  const auto list = Http("GET", stack.base_url() + "/api/workflows", "", other);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.Json()["items"].size(), 0u) << list.body;
  EXPECT_EQ(list.Json()["total"], 0);
  const auto tasks = Http("GET", stack.base_url() + "/v1/tasks", "", other);
  ASSERT_EQ(tasks.status, 200) << tasks.body;
  EXPECT_EQ(tasks.Json()["data"].size(), 0u) << tasks.body;
  const auto executions = Http("GET", stack.base_url() + "/api/v1/executions", "", other);
  ASSERT_EQ(executions.status, 200) << executions.body;
  EXPECT_EQ(executions.Json()["data"].size(), 0u) << executions.body;
  // Its owner still sees it, and in the list.
  const auto own = Bearer(Token({"admin"}));
  const auto got = Http("GET", stack.base_url() + "/api/workflows/" + workflow_id, "", own);
  EXPECT_EQ(got.status, 200) << got.body;
  const auto execution =
      Http("GET", stack.base_url() + "/api/v1/executions/" + workflow_id, "", own);
  EXPECT_EQ(execution.status, 200) << execution.body;
  EXPECT_EQ(execution.Json().value("workflow_id", ""), "slow") << execution.body;
  if (!applied) return;
  const auto mine = Http("GET", stack.base_url() + "/api/workflows", "", own).Json();
  ASSERT_EQ(mine["items"].size(), 1u) << mine.dump();
  EXPECT_EQ(mine["items"][0]["id"], workflow_id);
}

// Two sequential steps; the first sleeps a minute, so the workflow runs
// while the test looks.
const char* kSlowWorkflow = R"({"definition": {"id": "slow", "name": "Slow",
  "pattern": "sequential", "maxRetries": 0, "steps": [
    {"id": "first", "name": "First", "agentType": "test-runner",
     "configuration": {"sleepMs": 60000}},
    {"id": "second", "name": "Second", "agentType": "test-runner"}]}})";

TEST(FrontDoorTenantsTest, ShouldHideARunningWorkflowFromOtherTenants) {
  testing::InProcessStack stack({Role::kFrontdoor, Role::kScheduler, Role::kRelay, Role::kAgent},
                                ConfigureAuth);
  const auto created = Http("POST", stack.base_url() + "/api/workflows", kSlowWorkflow,
                            Bearer(Token({"workflows:execute"})));
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.Json()["id"];
  const std::string task_id = stack.WaitForFirstTaskRunning(id);
  ASSERT_FALSE(task_id.empty());
  EXPECT_EQ(stack.Load(id)->tenant, "acme");
  ExpectHiddenFromOtherTenants(stack, id, task_id, /*applied=*/true);
  EXPECT_EQ(stack.Load(id)->status, engine::WorkflowStatus::kRunning)
      << "another tenant's cancel, pause or delete changed it";
  const auto cancelled = Http("POST", stack.base_url() + "/api/workflows/" + id + "/cancel", "",
                              Bearer(Token({"workflows:execute"})));
  EXPECT_EQ(cancelled.status, 200) << cancelled.body;
}

// Without a scheduler the start is never applied: the front door answers
// from what it accepted, and hides that from other tenants too.
TEST(FrontDoorTenantsTest, ShouldHideAnAcceptedWorkflowFromOtherTenants) {
  testing::InProcessStack stack({Role::kFrontdoor, Role::kAgent}, ConfigureAuth);
  const auto created = Http("POST", stack.base_url() + "/api/workflows", kSlowWorkflow,
                            Bearer(Token({"workflows:execute"})));
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.Json()["id"];
  const std::string task_id = created.Json()["tasks"][0]["id"];
  ExpectHiddenFromOtherTenants(stack, id, task_id, /*applied=*/false);
  EXPECT_FALSE(stack.Load(id).has_value());
}

// The 'pair' tier runs two workflows of a tenant at once: a third start is
// 429 until one of them ends, other tenants are not held back. Without a
// scheduler the two stay accepted and unapplied: counted all the same.
void ExpectTwoWorkflowsAtOnce(testing::InProcessStack& stack, bool applied) {
  const auto acme = Bearer(Token({"admin"}, 600, kSecret, {{"tier", "pair"}}));
  std::vector<std::string> ids;
  for (int i = 0; i < 2; ++i) {
    const auto created = Http("POST", stack.base_url() + "/api/workflows", kSlowWorkflow, acme);
    ASSERT_EQ(created.status, 201) << created.body;
    ids.push_back(created.Json()["id"]);
  }
  for (const char* path :
       {"/api/workflows", "/api/workflows/execute", "/api/meta-agent/test-runner/execute"}) {
    const auto refused =
        Http("POST", stack.base_url() + path,
             std::string(path).find("meta-agent") != std::string::npos ? R"({"task": "t"})"
                                                                       : kSlowWorkflow,
             acme);
    EXPECT_EQ(refused.status, 429) << path << ": " << refused.body;
    EXPECT_EQ(refused.Json()["errors"][0]["code"], "CONCURRENT_WORKFLOW_LIMIT") << path;
    EXPECT_FALSE(refused.Header("retry-after").empty()) << path;
  }
  const auto globex =
      Http("POST", stack.base_url() + "/api/workflows", kSlowWorkflow,
           Bearer(Token({"admin"}, 600, kSecret, {{"tenant", "globex"}, {"tier", "pair"}})));
  EXPECT_EQ(globex.status, 201) << globex.body;
  if (!applied) return;
  ASSERT_EQ(
      Http("POST", stack.base_url() + "/api/workflows/" + ids[0] + "/cancel", "", acme).status,
      200);
  stack.WaitForEnd(ids[0]);
  const auto again = Http("POST", stack.base_url() + "/api/workflows", kSlowWorkflow, acme);
  EXPECT_EQ(again.status, 201) << "one of the two ended: " << again.body;
}

TEST(FrontDoorTenantsTest, ShouldLimitTheWorkflowsATenantRunsAtOnce) {
  testing::InProcessStack stack({Role::kFrontdoor, Role::kScheduler, Role::kRelay, Role::kAgent},
                                ConfigureAuth);
  ExpectTwoWorkflowsAtOnce(stack, /*applied=*/true);
}

TEST(FrontDoorTenantsTest, ShouldCountAcceptedWorkflowsAgainstTheLimit) {
  testing::InProcessStack stack({Role::kFrontdoor, Role::kAgent}, ConfigureAuth);
  ExpectTwoWorkflowsAtOnce(stack, /*applied=*/false);
}

// `agentstudio keys ARGS...` on the stack's database: (exit status, stdout).
std::pair<int, std::string> Keys(const testing::InProcessStack& stack,
                                 std::vector<std::string> args) {
  args.insert(args.begin(), "keys");
  return testing::ChildProcess::Run(AGENTSTUDIO_CLI_PATH, args,
                                    {{"AGENTSTUDIO_DATABASE_URL", stack.database().url()}});
}

// A key made with the CLI works within a refresh, grants its scopes in its
// tenant only, is listed without its secret, and stops working once revoked.
TEST(ApiKeyTest, ShouldAuthenticateAKeyMadeWithTheCliUntilItIsRevoked) {
  testing::InProcessStack stack({Role::kFrontdoor, Role::kAgent}, [](daemon::Config& c) {
    ConfigureAuth(c);
    c.api_key_refresh_ms = 50;
  });
  const auto [made, out] = Keys(stack, {"create", "--tenant", "acme", "--scopes",
                                        "workflows:read workflows:execute", "--name", "ci"});
  ASSERT_EQ(made, 0) << out;
  const Json created = Json::parse(out);
  const std::string key = created["key"];
  const std::string id = created["id"];
  EXPECT_EQ(key.rfind("as_live_", 0), 0u);
  EXPECT_EQ(created["tenant"], "acme");
  const std::map<std::string, std::string> with_key = {{"X-API-Key", key}};
  ASSERT_TRUE(testing::WaitUntil([&] {
    return Http("GET", stack.base_url() + "/api/workflows", "", with_key).status == 200;
  })) << "the key never counted";

  const auto started = Http("POST", stack.base_url() + "/api/workflows", kSlowWorkflow, with_key);
  ASSERT_EQ(started.status, 201) << started.body;
  const std::string workflow = started.Json()["id"];
  EXPECT_EQ(
      Http("GET", stack.base_url() + "/api/workflows/" + workflow, "", Bearer(Token({"admin"})))
          .status,
      200)
      << "acme's own token sees what acme's key started";
  EXPECT_EQ(Http("GET", stack.base_url() + "/api/workflows/" + workflow, "",
                 Bearer(Token({"admin"}, 600, kSecret, {{"tenant", "globex"}})))
                .status,
            404);
  EXPECT_EQ(Http("DELETE", stack.base_url() + "/api/workflows/" + workflow, "", with_key).status,
            403)
      << "the key has no workflows:write";
  EXPECT_EQ(
      Http("GET", stack.base_url() + "/api/workflows", "", {{"Authorization", "Bearer " + key}})
          .status,
      200)
      << "a key as a bearer token (reference 004)";

  const auto [listed, list] = Keys(stack, {"list", "--tenant", "acme"});
  ASSERT_EQ(listed, 0) << list;
  EXPECT_EQ(list.find(key.substr(8)), std::string::npos) << "the list shows the secret";
  EXPECT_EQ(list.find(auth::HashApiKey(key)), std::string::npos) << "the list shows the hash";
  ASSERT_EQ(Json::parse(list).size(), 1u) << list;
  EXPECT_EQ(Json::parse(list)[0]["id"], id);
  EXPECT_EQ(Json::parse(list)[0]["scopes"], Json({"workflows:read", "workflows:execute"}));
  EXPECT_EQ(Keys(stack, {"list", "--tenant", "globex"}).second.find(id), std::string::npos);
  auto session = stack.database().Connect();
  int stored = 0;
  const std::string hash = auth::HashApiKey(key);
  *session << "SELECT count(*) FROM api_keys WHERE key_hash = :h", soci::use(hash),
      soci::into(stored);
  EXPECT_EQ(stored, 1);
  *session << "SELECT count(*) FROM api_keys a WHERE strpos(a::text, :k) > 0", soci::use(key),
      soci::into(stored);
  EXPECT_EQ(stored, 0) << "a column holds the key itself";

  ASSERT_EQ(Keys(stack, {"revoke", id}).first, 0);
  EXPECT_NE(Keys(stack, {"revoke", id}).first, 0) << "revoked already";
  ASSERT_TRUE(testing::WaitUntil([&] {
    return Http("GET", stack.base_url() + "/api/workflows", "", with_key).status == 401;
  })) << "the revoked key still works";
  EXPECT_EQ(Json::parse(Keys(stack, {"list"}).second)[0].count("revokedAt"), 1u);
  EXPECT_NE(Keys(stack, {"create", "--tenant", "acme", "--scopes", "workflows:fly"}).first, 0);
}

// POST /oauth/token trades a key made with the CLI for a bearer token of the
// same tenant, in the reference's JSON body, a form or HTTP Basic, and
// answers RFC 6749's errors as problem+json.
TEST(OAuthTokenTest, ShouldTradeAnApiKeyForATokenOfItsTenantAndScopes) {
  testing::InProcessStack stack({Role::kFrontdoor, Role::kAgent}, [](daemon::Config& c) {
    ConfigureAuth(c);
    c.api_key_refresh_ms = 50;
  });
  const auto [made, out] =
      Keys(stack, {"create", "--tenant", "acme", "--scopes", "workflows:read workflows:execute"});
  ASSERT_EQ(made, 0) << out;
  const std::string key = Json::parse(out)["key"];
  const std::string id = Json::parse(out)["id"];
  const std::string url = stack.base_url() + "/oauth/token";
  const Json body = {{"grant_type", "client_credentials"},
                     {"client_id", id},
                     {"client_secret", key},
                     {"scope", "workflows:read"}};
  testing::HttpResponse issued;
  ASSERT_TRUE(testing::WaitUntil([&] {
    issued = Http("POST", url, body.dump());
    return issued.status == 200;
  })) << issued.body;
  EXPECT_EQ(issued.Header("cache-control"), "no-store");
  EXPECT_EQ(issued.Json()["token_type"], "Bearer");
  EXPECT_EQ(issued.Json()["expires_in"], 3600);
  EXPECT_EQ(issued.Json()["scope"], "workflows:read");
  const auto bearer = Bearer(issued.Json()["access_token"]);
  EXPECT_EQ(Http("GET", stack.base_url() + "/api/workflows", "", bearer).status, 200);
  EXPECT_EQ(Http("POST", stack.base_url() + "/api/workflows", kSlowWorkflow, bearer).status, 403)
      << "the token has only the scope asked for";

  const auto form =
      Http("POST", url, "grant_type=client_credentials&client_id=" + id + "&client_secret=" + key,
           {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(form.status, 200) << form.body;
  EXPECT_EQ(form.Json()["scope"], "workflows:read workflows:execute") << "all the key's scopes";
  const auto created = Http("POST", stack.base_url() + "/api/workflows", kSlowWorkflow,
                            Bearer(form.Json()["access_token"]));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(
      Http("GET", stack.base_url() + "/api/workflows/" + created.Json()["id"].get<std::string>(),
           "", Bearer(Token({"admin"})))
          .status,
      200)
      << "acme's token sees what acme's key's token started";

  const std::string basic =
      "Basic " + testing::ChildProcess::Run("/bin/sh", {"-c", "printf %s \"$C\" | base64 -w0"},
                                            {{"C", id + ":" + key}})
                     .second;
  const auto with_basic =
      Http("POST", url, "grant_type=client_credentials",
           {{"Content-Type", "application/x-www-form-urlencoded"}, {"Authorization", basic}});
  EXPECT_EQ(with_basic.status, 200) << with_basic.body;

  const auto error_of = [&](const Json& changed) {
    Json request = body;
    request.update(changed);
    return Http("POST", url, request.dump());
  };
  const auto wrong = error_of({{"client_secret", "as_live_" + std::string(64, '0')}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.Header("content-type"), "application/problem+json");
  EXPECT_EQ(wrong.Json()["error"], "invalid_client");
  EXPECT_EQ(wrong.Header("www-authenticate"), "Basic");
  EXPECT_EQ(error_of({{"scope", "admin"}}).Json()["error"], "invalid_scope");
  EXPECT_EQ(error_of({{"grant_type", "password"}}).Json()["error"], "unsupported_grant_type");
  const auto bad_body = Http("POST", url, "[1]");
  EXPECT_EQ(bad_body.status, 400);
  EXPECT_EQ(bad_body.Json()["error"], "invalid_request");

  ASSERT_EQ(Keys(stack, {"revoke", id}).first, 0);
  ASSERT_TRUE(testing::WaitUntil([&] { return Http("POST", url, body.dump()).status == 401; }))
      << "a revoked key still gets tokens";
}

}  // namespace
}  // namespace agentstudio
