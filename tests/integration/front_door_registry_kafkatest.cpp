// The agent registry (/api/v1/agents, reference 003) on a real port, with
// every role in-process, the real Kafka broker and a real PostgreSQL, behind
// credentials so that tenants and scopes apply.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "engine/timestamp.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/stack.hpp"
#include "tests/support/test_tokens.hpp"
#include "tests/support/wait.hpp"

namespace agentstudio {
namespace {

using Json = nlohmann::json;
using daemon::Role;
using testing::Http;

const std::string kSecret = "the registry test's HS256 secret, 32+ bytes";

class FrontDoorRegistryTest : public ::testing::Test {
 protected:
  std::string Url(const std::string& path) const { return stack_.base_url() + path; }

  // A token of `tenant` holding `scopes`, for user `subject`.
  static std::map<std::string, std::string> As(const std::string& tenant, const Json& scopes,
                                               const std::string& subject = "user_1") {
    const int64_t now = engine::WallClockNow() / 1000;
    return {{"Authorization",
             "Bearer " +
                 testing::SignHs256(
                     {{"sub", subject}, {"tenant", tenant}, {"scopes", scopes}, {"exp", now + 600}},
                     kSecret)}};
  }
  static std::map<std::string, std::string> Acme() { return As("acme", {"admin"}); }

  // Creates an agent of acme; returns it (null, with a failure, when refused).
  Json Create(const Json& body) {
    const auto created = Http("POST", Url("/api/v1/agents"), body.dump(), Acme());
    EXPECT_EQ(created.status, 201) << created.body;
    return created.status == 201 ? created.Json() : Json();
  }

  Json List(const std::string& query) {
    const auto listed = Http("GET", Url("/api/v1/agents" + query), "", Acme());
    EXPECT_EQ(listed.status, 200) << query << ": " << listed.body;
    return listed.Json();
  }

  static std::vector<std::string> Names(const Json& page) {
    std::vector<std::string> names;
    for (const Json& agent : page.at("data")) names.push_back(agent.at("name"));
    return names;
  }

  testing::InProcessStack stack_{{Role::kFrontdoor, Role::kScheduler, Role::kRelay, Role::kAgent},
                                 [](daemon::Config& c) {
                                   c.auth.mode = auth::AuthMode::kRequired;
                                   c.auth.jwt.hs256_secret = kSecret;
                                   c.auth.rate_limits.default_tier = "enterprise";
                                 }};
};

TEST_F(FrontDoorRegistryTest, ShouldCreateReadUpdateListAndDeleteAnAgent) {
  // Reference 003's "Create Agent" request.
  const auto created = Http("POST", Url("/api/v1/agents"), R"({
    "name": "Documentation Agent",
    "description": "Generates technical documentation from code",
    "type": "documentation",
    "status": "active",
    "configuration": {"model": "gpt-4", "temperature": 0.5, "max_tokens": 4000},
    "capabilities": ["code_analysis", "documentation_generation"],
    "tags": ["docs", "automated"]})",
                            As("acme", {"agents:write"}, "user_789"));
  ASSERT_EQ(created.status, 201) << created.body;
  const Json agent = created.Json();
  const std::string id = agent["id"];
  EXPECT_EQ(created.Header("location"), "/api/v1/agents/" + id);
  EXPECT_EQ(agent["name"], "Documentation Agent");
  EXPECT_EQ(agent["type"], "documentation");
  EXPECT_EQ(agent["status"], "active");
  EXPECT_EQ(agent["configuration"]["max_tokens"], 4000);
  EXPECT_EQ(agent["capabilities"], Json({"code_analysis", "documentation_generation"}));
  EXPECT_EQ(agent["tags"], Json({"docs", "automated"}));
  EXPECT_EQ(agent["metadata"], Json::object());
  EXPECT_EQ(agent["created_by"], "user_789");
  EXPECT_TRUE(engine::ParseTimestamp(agent["created_at"].get<std::string>()).has_value());

  const auto got = Http("GET", Url("/api/v1/agents/" + id), "", As("acme", {"workflows:read"}));
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.Json(), agent);

  // A partial update changes what it names; what a client sends back as it
  // read it (id, created_at...) is ignored.
  Json changes = agent;
  changes["description"] = "Writes the docs";
  changes["status"] = "inactive";
  changes.erase("tags");
  changes["type"] = "writer";
  const auto updated = Http("PUT", Url("/api/v1/agents/" + id), changes.dump(), Acme());
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.Json()["description"], "Writes the docs");
  EXPECT_EQ(updated.Json()["status"], "inactive");
  EXPECT_EQ(updated.Json()["tags"], agent["tags"]);
  EXPECT_EQ(updated.Json()["type"], "writer");
  EXPECT_EQ(updated.Json()["created_at"], agent["created_at"]);
  EXPECT_GE(*engine::ParseTimestamp(updated.Json()["updated_at"].get<std::string>()),
            *engine::ParseTimestamp(agent["updated_at"].get<std::string>()));
  EXPECT_EQ(Http("GET", Url("/api/v1/agents/" + id), "", Acme()).Json(), updated.Json());

  // Names are the tenant's own: a second one is 409, on create and update.
  const auto twice = Http("POST", Url("/api/v1/agents"),
                          R"({"name": "Documentation Agent", "type": "other"})", Acme());
  EXPECT_EQ(twice.status, 409) << twice.body;
  EXPECT_EQ(twice.Header("content-type"), "application/problem+json");
  const Json second = Create({{"name", "Second"}, {"type", "documentation"}});
  const auto renamed = Http("PUT", Url("/api/v1/agents/" + second["id"].get<std::string>()),
                            R"({"name": "Documentation Agent"})", Acme());
  EXPECT_EQ(renamed.status, 409) << renamed.body;
  EXPECT_EQ(Http("POST", Url("/api/v1/agents"),
                 R"({"name": "Documentation Agent", "type": "documentation"})",
                 As("globex", {"agents:write"}))
                .status,
            201)
      << "another tenant may use the name";

  const auto deleted = Http("DELETE", Url("/api/v1/agents/" + id), "", Acme());
  EXPECT_EQ(deleted.status, 204) << deleted.body;
  EXPECT_EQ(Http("GET", Url("/api/v1/agents/" + id), "", Acme()).status, 404);
  EXPECT_EQ(Http("DELETE", Url("/api/v1/agents/" + id), "", Acme()).status, 404);
  EXPECT_EQ(Http("PUT", Url("/api/v1/agents/" + id), "{}", Acme()).status, 404);
}

TEST_F(FrontDoorRegistryTest, ShouldListAgentsPageByPageFilteredSearchedAndSorted) {
  Create({{"name", "Beta"}, {"type", "code-analyzer"}, {"description", "Finds 100% of bugs"}});
  Create({{"name", "alpha_one"}, {"type", "code-analyzer"}, {"status", "inactive"}});
  Create({{"name", "Gamma"}, {"type", "report-generator"}, {"description", "Writes reports"}});
  Create({{"name", "Delta"}, {"type", "report-generator"}});

  // Newest first by default.
  const Json all = List("");
  EXPECT_EQ(Names(all), (std::vector<std::string>{"Delta", "Gamma", "alpha_one", "Beta"}));
  EXPECT_EQ(all["pagination"],
            Json({{"page", 1}, {"pageSize", 20}, {"totalItems", 4}, {"totalPages", 1}}));
  const Json second_page = List("?page=2&pageSize=3");
  EXPECT_EQ(Names(second_page), (std::vector<std::string>{"Beta"}));
  EXPECT_EQ(second_page["pagination"],
            Json({{"page", 2}, {"pageSize", 3}, {"totalItems", 4}, {"totalPages", 2}}));
  // Names A to Z unless told otherwise (byte order: the test cluster's
  // collation is C).
  EXPECT_EQ(Names(List("?sortBy=name")),
            (std::vector<std::string>{"Beta", "Delta", "Gamma", "alpha_one"}));
  EXPECT_EQ(Names(List("?sortBy=name&sortOrder=desc")),
            (std::vector<std::string>{"alpha_one", "Gamma", "Delta", "Beta"}));
  EXPECT_EQ(Names(List("?sortBy=created_at&sortOrder=asc&type=report-generator")),
            (std::vector<std::string>{"Gamma", "Delta"}));
  const Json inactive = List("?status=inactive");
  EXPECT_EQ(Names(inactive), (std::vector<std::string>{"alpha_one"}));
  EXPECT_EQ(inactive["pagination"]["totalItems"], 1);
  // search: a case-blind substring of name or description, its % and _ taken
  // as they are.
  EXPECT_EQ(Names(List("?search=REPORT")), (std::vector<std::string>{"Gamma"}));
  EXPECT_EQ(Names(List("?search=100%25")), (std::vector<std::string>{"Beta"}));
  EXPECT_EQ(Names(List("?search=a_o")), (std::vector<std::string>{"alpha_one"}));
  EXPECT_EQ(Names(List("?search=%25")), (std::vector<std::string>{"Beta"}));
  EXPECT_EQ(Names(List("?search=Writes%20reports")), (std::vector<std::string>{"Gamma"}));
  EXPECT_EQ(List("?search=Gamma%00x")["data"], Json::array()) << "a NUL is not a cut";
  // Another tenant sees none of them.
  const auto other = Http("GET", Url("/api/v1/agents"), "", As("globex", {"workflows:read"}));
  ASSERT_EQ(other.status, 200) << other.body;
  EXPECT_EQ(other.Json()["data"], Json::array());
  EXPECT_EQ(other.Json()["pagination"]["totalItems"], 0);
}

TEST_F(FrontDoorRegistryTest, ShouldRefuseBadAgentRequestsWithEveryProblem) {
  const auto post = [&](const std::string& body) {
    return Http("POST", Url("/api/v1/agents"), body, Acme());
  };
  const auto fields_of = [](const testing::HttpResponse& response) {
    std::set<std::string> fields;
    const Json body = response.Json();
    for (const Json& error : body.value("errors", Json::array())) fields.insert(error["field"]);
    return fields;
  };
  const auto missing = post("{}");
  EXPECT_EQ(missing.status, 400) << missing.body;
  EXPECT_EQ(missing.Header("content-type"), "application/problem+json");
  EXPECT_EQ(fields_of(missing), (std::set<std::string>{"name", "type"}));
  const auto wrong = post(R"({"name": "", "type": "no spaces", "status": "asleep",
    "configuration": [], "capabilities": ["ok", 7], "tags": "one", "metadata": 1,
    "description": 5, "colour": "red"})");
  EXPECT_EQ(wrong.status, 400) << wrong.body;
  EXPECT_EQ(fields_of(wrong),
            (std::set<std::string>{"name", "type", "status", "configuration", "capabilities",
                                   "tags", "metadata", "description", "colour"}));
  // PostgreSQL stores no NUL; found by schemathesis as a 500.
  const auto nul = post(R"({"name": "a", "type": "noop", "tags": ["x\u0000"],
    "metadata": {"k": "\u0000"}})");
  EXPECT_EQ(nul.status, 400) << nul.body;
  EXPECT_EQ(fields_of(nul), (std::set<std::string>{"tags[0]", "metadata.k"}));
  EXPECT_EQ(post("not json").status, 400);
  EXPECT_EQ(post("[]").status, 400);
  EXPECT_EQ(List("").at("data"), Json::array()) << "nothing refused was stored";

  for (const char* query : {"?page=0", "?pageSize=101", "?status=asleep", "?sortBy=colour",
                            "?sortOrder=up", "?type=a%20b", "?limit=5"}) {
    const auto refused = Http("GET", Url(std::string("/api/v1/agents") + query), "", Acme());
    EXPECT_EQ(refused.status, 400) << query << ": " << refused.body;
  }
  const Json agent = Create({{"name", "Fine"}, {"type", "noop"}});
  const std::string url = Url("/api/v1/agents/" + agent["id"].get<std::string>());
  EXPECT_EQ(Http("PUT", url, R"({"status": "asleep"})", Acme()).status, 400);
  EXPECT_EQ(Http("POST", url + "/execute", R"({"timeout": 0})", Acme()).status, 400);
  EXPECT_EQ(Http("POST", url + "/execute", R"({"parameters": []})", Acme()).status, 400);
  EXPECT_EQ(Http("POST", url + "/execute", R"({"params": {}})", Acme()).status, 400);
  EXPECT_EQ(Http("GET", url, "", Acme()).Json(), agent) << "nothing refused was changed";
  // Scopes: reading is not writing, writing is not executing.
  EXPECT_EQ(Http("POST", Url("/api/v1/agents"), R"({"name": "x", "type": "noop"})",
                 As("acme", {"workflows:read"}))
                .status,
            403);
  EXPECT_EQ(Http("POST", url + "/execute", "{}", As("acme", {"agents:write"})).status, 403);
}

TEST_F(FrontDoorRegistryTest, ShouldExecuteAnAgentAsATaskOfItsTypeWithItsConfiguration) {
  const Json agent =
      Create({{"name", "Review Reader"},
              {"type", "sentiment-analyzer"},
              {"configuration", {{"logs", {{{"message", "configured by the registry"}}}}}}});
  const std::string id = agent["id"];
  const auto accepted = Http("POST", Url("/api/v1/agents/" + id + "/execute"), R"({
    "parameters": {"reviews": ["Great product!", "Terrible experience.", "It's okay."]},
    "context": {"user_id": "user-789"},
    "timeout": 300})",
                             As("acme", {"tasks:execute"}));
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  const Json answer = accepted.Json();
  const std::string task_id = answer["task_id"];
  EXPECT_EQ(answer["agent_id"], id);
  EXPECT_EQ(answer["status"], "queued");
  EXPECT_EQ(answer["status_url"], "/v1/tasks/" + task_id);
  EXPECT_EQ(accepted.Header("location"), "/v1/tasks/" + task_id);

  Json task;
  ASSERT_TRUE(testing::WaitUntil([&] {
    const auto got = Http("GET", Url("/v1/tasks/" + task_id), "", Acme());
    task = got.Json().value("data", Json());
    return got.status == 200 && task.value("status", "") == "completed";
  })) << task.dump();
  EXPECT_EQ(task["type"], "Review Reader");
  EXPECT_EQ(task["agent_type"], "sentiment-analyzer");
  EXPECT_EQ(task["workflow_id"], answer["execution_id"]);
  EXPECT_EQ(task["result"]["overallSentiment"], "mixed") << "the parameters are the input";
  // Query times percent-encoded, as HTTP clients send them, are read.
  const auto since =
      Http("GET", Url("/v1/tasks?created_after=2020-01-01T00%3A00%3A00Z"), "", Acme());
  ASSERT_EQ(since.status, 200) << since.body;
  EXPECT_EQ(since.Json()["data"].size(), 1u) << since.body;
  const auto logs = Http("GET", Url("/v1/tasks/" + task_id + "/logs"), "", Acme());
  ASSERT_EQ(logs.status, 200) << logs.body;
  ASSERT_EQ(logs.Json()["logs"].size(), 1u) << logs.body;
  EXPECT_EQ(logs.Json()["logs"][0]["message"], "configured by the registry")
      << "the agent got the registry agent's configuration";

  // An inactive agent does not run; an agent whose type nobody serves is 400.
  Http("PUT", Url("/api/v1/agents/" + id), R"({"status": "inactive"})", Acme());
  EXPECT_EQ(Http("POST", Url("/api/v1/agents/" + id + "/execute"), "", Acme()).status, 409);
  const Json orphan = Create({{"name", "Orphan"}, {"type", "nobody-serves-this"}});
  const auto refused = Http(
      "POST", Url("/api/v1/agents/" + orphan["id"].get<std::string>() + "/execute"), "", Acme());
  EXPECT_EQ(refused.status, 400) << refused.body;
  // Another tenant's agent is not found, and does not run.
  const auto other =
      Http("POST", Url("/api/v1/agents/" + orphan["id"].get<std::string>() + "/execute"), "{}",
           As("globex", {"admin"}));
  EXPECT_EQ(other.status, 404) << other.body;
}

// Every route that names a registry agent answers another tenant 404, as for
// an id that does not exist, and changes nothing.
TEST_F(FrontDoorRegistryTest, ShouldHideAnAgentFromOtherTenants) {
  const Json agent = Create({{"name", "Private"}, {"type", "noop"}});
  const std::string id = agent["id"];
  int named_routes = 0;
  for (const daemon::FrontDoorRoute& route : stack_.http_routes()) {
    if (route.path.rfind("/api/v1/agents/:agentId", 0) != 0) continue;
    ++named_routes;
    const std::string method = Pistache::Http::methodString(route.method);
    std::string path = route.path;
    path.replace(path.find(":agentId"), 8, id);
    const auto response = Http(method, Url(path), method == "PUT" ? R"({"name": "Taken"})" : "{}",
                               As("globex", {"admin"}));
    EXPECT_EQ(response.status, 404) << method << " " << path << ": " << response.body;
    EXPECT_EQ(response.Header("content-type"), "application/problem+json") << method << path;
  }
  EXPECT_EQ(named_routes, 4);
  EXPECT_EQ(Http("GET", Url("/api/v1/agents/" + id), "", Acme()).Json(), agent);
}

}  // namespace
}  // namespace agentstudio
