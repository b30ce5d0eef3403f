// The HTTP callback API: an agent that speaks HTTP only heartbeats, reports
// progress and completes a task dispatched to its type, through the front
// door, with its own credential (docs/agents.md, "HTTP agents").
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
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

const std::string kSecret = "the callback test's HS256 secret, 32+ bytes";

std::string Token(const Json& scopes, const Json& agent_types = Json::array(),
                  const std::string& tenant = "acme") {
  return testing::SignHs256({{"sub", "caller"},
                             {"tenant", tenant},
                             {"scopes", scopes},
                             {"agent_types", agent_types},
                             {"exp", engine::WallClockNow() / 1000 + 600}},
                            kSecret);
}

// One step for the agent type no agent role serves here: only the HTTP
// agent of the test takes it.
const char* kOneStep = R"({"definition": {"id": "http-agent", "name": "HTTP agent",
  "pattern": "sequential", "maxRetries": 0, "steps": [
    {"id": "only", "name": "Only", "agentType": "test-runner"}]}})";

class CallbackTest : public ::testing::Test {
 protected:
  testing::HttpResponse Report(const std::string& kind, const Json& body, const std::string& key,
                               const std::string& token) {
    std::map<std::string, std::string> headers = {{"Authorization", "Bearer " + token},
                                                  {"X-Agent-ID", "py-agent-1"}};
    if (!key.empty()) headers["X-Idempotency-Key"] = key;
    return Http("POST", stack_.base_url() + "/callbacks/v1/" + kind, body.dump(), headers);
  }

  int EventsOfType(const std::string& workflow_id, const std::string& type) {
    auto session = stack_.database().Connect();
    int count = 0;
    *session << "SELECT count(*) FROM workflow_events WHERE workflow_id = :w AND type = :t",
        soci::use(workflow_id), soci::use(type), soci::into(count);
    return count;
  }

  testing::InProcessStack stack_{{Role::kFrontdoor, Role::kScheduler, Role::kRelay},
                                 [](daemon::Config& c) {
                                   c.auth.mode = auth::AuthMode::kRequired;
                                   c.auth.jwt.hs256_secret = kSecret;
                                 }};
  const std::string agent_ = Token({"agents:report"}, {"test-runner"});
  const std::string user_ = Token({"workflows:read", "workflows:execute"});
};

// The attempt of the first task once it was dispatched at least `attempt`
// times (0 and a test failure when it is not).
std::string WaitForDispatch(testing::InProcessStack& stack, const std::string& workflow_id,
                            int attempt) {
  std::string task_id;
  EXPECT_TRUE(testing::WaitUntil([&] {
    const auto state = stack.Load(workflow_id);
    if (!state || state->tasks.empty() || !state->tasks[0].dispatched ||
        state->tasks[0].attempt < attempt) {
      return false;
    }
    task_id = state->tasks[0].id;
    return true;
  })) << "attempt "
      << attempt << " of " << workflow_id << " was never dispatched";
  return task_id;
}

// A retried call (same X-Idempotency-Key) is applied once even after the
// task moved on: the retried error would otherwise fail the second attempt
// too and use up the last retry.
TEST_F(CallbackTest, ShouldRunATaskForAnAgentThatReportsOverHttpApplyingEachCallOnce) {
  const auto beat =
      Http("POST", stack_.base_url() + "/callbacks/v1/heartbeat",
           Json{{"agent_types", {"test-runner"}}, {"status", "healthy"}, {"load", 0.25}}.dump(),
           {{"Authorization", "Bearer " + agent_}, {"X-Agent-ID", "py-agent-1"}});
  ASSERT_EQ(beat.status, 202) << beat.body;
  const auto bearer = std::map<std::string, std::string>{{"Authorization", "Bearer " + user_}};
  Json workflow = Json::parse(kOneStep);
  workflow["definition"]["maxRetries"] = 2;
  testing::HttpResponse created;
  ASSERT_TRUE(testing::WaitUntil([&] {
    created = Http("POST", stack_.base_url() + "/api/workflows", workflow.dump(), bearer);
    return created.status == 201;
  })) << "the heartbeat never made the type known: "
      << created.body;
  const std::string workflow_id = created.Json()["id"];
  const std::string task_id = WaitForDispatch(stack_, workflow_id, 1);
  ASSERT_FALSE(task_id.empty());

  const Json progress = {{"task_id", task_id},
                         {"workflow_id", workflow_id},
                         {"progress", {{"percentage", 40}, {"message", "halfway or so"}}}};
  const auto reported = Report("progress", progress, "progress-1", agent_);
  ASSERT_EQ(reported.status, 202) << reported.body;
  const Json error = {
      {"task_id", task_id},
      {"error", {{"code", "E_RATE"}, {"message", "try again"}, {"retryable", true}}}};
  const auto failed = Report("error", error, "error-1", agent_);
  ASSERT_EQ(failed.status, 202) << failed.body;
  ASSERT_FALSE(WaitForDispatch(stack_, workflow_id, 2).empty());
  const auto retried = Report("error", error, "error-1", agent_);
  ASSERT_EQ(retried.status, 202) << retried.body;
  EXPECT_EQ(retried.Json()["event_id"], failed.Json()["event_id"]);

  // The same key as the error's: keys are scoped to the kind of report, so
  // this completion is not taken for a retry of the error.
  const Json completion = {{"task_id", task_id}, {"result", {{"answer", 42}}}};
  ASSERT_EQ(Report("completion", completion, "error-1", agent_).status, 202);
  const engine::WorkflowState ended = stack_.WaitForEnd(workflow_id);
  EXPECT_EQ(ended.status, engine::WorkflowStatus::kCompleted);
  EXPECT_EQ(ended.tasks[0].attempt, 2) << "the retried call failed another attempt";
  EXPECT_EQ(EventsOfType(workflow_id, "TaskRetried"), 1);
  EXPECT_EQ(EventsOfType(workflow_id, "TaskProgressUpdated"), 1);
  EXPECT_EQ(ended.tasks[0].response["result"], Json({{"answer", 42}})) << ended.tasks[0].response;
  EXPECT_EQ(Report("completion", completion, "error-1", agent_).status, 202)
      << "a retried completion after it applied";
  const auto fetched = Http("GET", stack_.base_url() + "/api/workflows/" + workflow_id, "", bearer);
  EXPECT_EQ(fetched.Json()["status"], "completed") << fetched.body;
}

TEST_F(CallbackTest, ShouldRefuseCallsThatNameNoAgentOrKeyOrAnotherTypesTask) {
  const Json progress = {{"task_id", "task_unknown"}, {"progress", {{"percentage", 1}}}};
  EXPECT_EQ(Report("progress", progress, "k", agent_).status, 404);
  const auto no_key = Report("progress", progress, "", agent_);
  EXPECT_EQ(no_key.status, 400);
  EXPECT_EQ(no_key.Json()["errors"][0]["field"], "X-Idempotency-Key") << no_key.body;
  const auto no_agent = Http("POST", stack_.base_url() + "/callbacks/v1/progress", progress.dump(),
                             {{"Authorization", "Bearer " + agent_}, {"X-Idempotency-Key", "k"}});
  EXPECT_EQ(no_agent.status, 400);
  EXPECT_EQ(no_agent.Json()["errors"][0]["field"], "X-Agent-ID") << no_agent.body;
  const auto bad =
      Report("progress", {{"task_id", "t"}, {"progress", {{"percentage", 140}}}}, "k", agent_);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Json()["errors"][0]["field"], "progress.percentage") << bad.body;
  EXPECT_EQ(Report("completion", {{"task_id", "t"}}, "k", agent_).Json()["errors"][0]["field"],
            "result");
  EXPECT_EQ(Report("progress", progress, "k", user_).status, 403)
      << "a user's credential without agents:report";

  // A heartbeat for types the credential does not hold.
  const auto foreign = Http("POST", stack_.base_url() + "/callbacks/v1/heartbeat",
                            Json{{"agent_types", {"test-runner", "code-analyzer"}}}.dump(),
                            {{"Authorization", "Bearer " + agent_}, {"X-Agent-ID", "py-agent-1"}});
  EXPECT_EQ(foreign.status, 403) << foreign.body;
}

TEST_F(CallbackTest, ShouldLetAnAgentReportOnlyOnTasksOfItsTypes) {
  const auto bearer = std::map<std::string, std::string>{{"Authorization", "Bearer " + user_}};
  ASSERT_EQ(Http("POST", stack_.base_url() + "/callbacks/v1/heartbeat",
                 Json{{"agent_types", {"test-runner"}}}.dump(),
                 {{"Authorization", "Bearer " + Token({"admin"})}, {"X-Agent-ID", "admin-agent"}})
                .status,
            202)
      << "admin reports for any type";
  testing::HttpResponse created;
  ASSERT_TRUE(testing::WaitUntil([&] {
    created = Http("POST", stack_.base_url() + "/api/workflows", kOneStep, bearer);
    return created.status == 201;
  })) << created.body;
  const std::string workflow_id = created.Json()["id"];
  const std::string task_id = WaitForDispatch(stack_, workflow_id, 1);
  ASSERT_FALSE(task_id.empty());
  const Json error = {{"task_id", task_id},
                      {"error", {{"code", "E_MODEL"}, {"message", "the model refused"}}}};
  const auto other = Report("error", error, "e-1", Token({"agents:report"}, {"code-analyzer"}));
  EXPECT_EQ(other.status, 403) << other.body;
  for (const std::string& foreign :
       {Token({"agents:report"}, {"test-runner"}, "globex"), Token({"admin"}, {}, "globex")}) {
    const auto hidden = Report("error", error, "e-1", foreign);
    EXPECT_EQ(hidden.status, 404) << "another tenant's credential: " << hidden.body;
  }
  EXPECT_EQ(Report("error",
                   {{"task_id", task_id}, {"workflow_id", "wf_other"}, {"error", error["error"]}},
                   "e-0", agent_)
                .status,
            400)
      << "the task is not that workflow's";
  ASSERT_EQ(Report("error", error, "e-1", agent_).status, 202);
  const engine::WorkflowState ended = stack_.WaitForEnd(workflow_id);
  EXPECT_EQ(ended.status, engine::WorkflowStatus::kFailed);
  EXPECT_NE(ended.tasks[0].error_message.find("the model refused"), std::string::npos)
      << ended.tasks[0].error_message;
}

// The control plane shows the agents the heartbeats made known, with the
// state each reports, a page at a time (reference 004).
TEST_F(CallbackTest, ShouldListAgentsAndTheirHealthOnTheControlPlane) {
  const auto beat = [&](const std::string& agent_id, const Json& body) {
    return Http("POST", stack_.base_url() + "/callbacks/v1/heartbeat", body.dump(),
                {{"Authorization", "Bearer " + Token({"admin"})}, {"X-Agent-ID", agent_id}})
        .status;
  };
  ASSERT_EQ(beat("agent-a",
                 {{"agent_types", {"test-runner"}}, {"load", 0.5}, {"metrics", {{"cpu", 12.5}}}}),
            202);
  ASSERT_EQ(beat("agent-b", {{"agent_types", {"code-analyzer"}}, {"status", "degraded"}}), 202);
  ASSERT_EQ(beat("agent-c", {{"agent_types", {"test-runner"}}, {"status", "stopping"}}), 202);
  const auto bearer = std::map<std::string, std::string>{{"Authorization", "Bearer " + user_}};
  const auto get = [&](const std::string& path) {
    return Http("GET", stack_.base_url() + path, "", bearer);
  };
  testing::HttpResponse all;
  ASSERT_TRUE(testing::WaitUntil([&] {
    all = get("/v1/agents");
    return all.status == 200 && all.Json()["pagination"]["total"] == 3;
  })) << all.body;
  EXPECT_EQ(all.Json()["pagination"]["pages"], 1);

  const auto errors = get("/v1/agents?status=error");
  ASSERT_EQ(errors.Json()["data"].size(), 1u) << errors.body;
  EXPECT_EQ(errors.Json()["data"][0]["id"], "agent-b");
  EXPECT_EQ(get("/v1/agents?status=inactive").Json()["data"][0]["id"], "agent-c");
  const auto runners = get("/v1/agents?type=test-runner&limit=1&page=2");
  EXPECT_EQ(runners.Json()["pagination"]["total"], 2) << runners.body;
  EXPECT_EQ(runners.Json()["pagination"]["pages"], 2);
  ASSERT_EQ(runners.Json()["data"].size(), 1u);
  EXPECT_EQ(get("/v1/agents?type=test-runner&limit=1&page=3").Json()["data"].size(), 0u);
  EXPECT_EQ(get("/v1/agents?status=sleeping").status, 400);
  EXPECT_EQ(get("/v1/agents?limit=101").status, 400);
  EXPECT_EQ(get("/v1/agents?colour=red").status, 400);

  const auto one = get("/v1/agents/agent-a");
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(one.Json()["data"]["type"], "test-runner");
  EXPECT_EQ(one.Json()["data"]["status"], "active");
  EXPECT_EQ(one.Json()["data"]["metrics"]["load"], 0.5);
  EXPECT_EQ(one.Json()["data"]["metrics"]["cpu"], 12.5);
  EXPECT_EQ(one.Json()["data"]["health"]["status"], "healthy");
  EXPECT_EQ(get("/v1/agents/agent-z").status, 404);
  EXPECT_EQ(get("/v1/agents/agent-a/health").Json()["status"], "healthy");
  EXPECT_EQ(get("/v1/agents/agent-b/health").Json()["status"], "degraded");
  const auto stopping = get("/v1/agents/agent-c/health");
  EXPECT_EQ(stopping.status, 200) << "the answer is fine; the agent is not";
  EXPECT_EQ(stopping.Json()["status"], "unhealthy");

  const auto health = get("/v1/health");
  ASSERT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(health.Json()["status"], "healthy");
  EXPECT_EQ(health.Json()["services"]["database"]["status"], "healthy");
  EXPECT_EQ(health.Json()["services"]["message_queue"]["status"], "healthy");
  EXPECT_EQ(health.Json()["metrics"]["active_agents"], 1);
  EXPECT_EQ(health.Json()["metrics"]["active_workflows"], 0);
}

}  // namespace
}  // namespace agentstudio
