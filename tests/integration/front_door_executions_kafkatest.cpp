// The Executions API (/api/v1/executions, reference 003) on a real port, with
// every role in-process, the real Kafka broker and a real PostgreSQL, behind
// credentials so that tenants apply.
#include <gtest/gtest.h>

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

const std::string kSecret = "the executions test's HS256 secret, 32+ bytes";

class FrontDoorExecutionsTest : public ::testing::Test {
 protected:
  std::string Url(const std::string& path) const { return stack_.base_url() + path; }

  static std::map<std::string, std::string> As(const std::string& tenant,
                                               const std::string& subject = "user_789") {
    const int64_t now = engine::WallClockNow() / 1000;
    return {{"Authorization", "Bearer " + testing::SignHs256({{"sub", subject},
                                                              {"tenant", tenant},
                                                              {"scopes", {"admin"}},
                                                              {"exp", now + 600}},
                                                             kSecret)}};
  }

  // Starts a two-step sequential workflow of definition `definition_id`
  // whose first step logs a warning and sleeps `sleep_ms`; returns its id.
  std::string Start(const std::string& definition_id, int sleep_ms = 0) {
    const Json body = {
        {"definition",
         {{"id", definition_id},
          {"name", "PR Review Pipeline"},
          {"pattern", "sequential"},
          {"maxRetries", 0},
          {"steps",
           {{{"id", "step-1"},
             {"name", "Analyze Code"},
             {"agentType", "code-analyzer"},
             {"input", {{"code", "int main() { return 0; }"}}},
             {"configuration",
              {{"sleepMs", sleep_ms},
               {"logs", {{{"level", "warning"}, {"message", "High complexity detected"}}}}}}},
            {{"id", "step-2"}, {"name", "Finish"}, {"agentType", "noop"}}}}}},
        {"initiatedBy", "user_789"},
        {"metadata", {{"total_cost", 0.45}}}};
    const auto created = Http("POST", Url("/api/workflows"), body.dump(), As("acme"));
    EXPECT_EQ(created.status, 201) << created.body;
    return created.Json().value("id", "");
  }

  // GET /api/v1/executions/{id} once its status is `status`.
  Json WaitForStatus(const std::string& id, const std::string& status) {
    Json execution;
    EXPECT_TRUE(testing::WaitUntil([&] {
      const auto got = Http("GET", Url("/api/v1/executions/" + id), "", As("acme"));
      execution = got.Json();
      return got.status == 200 && execution.value("status", "") == status;
    })) << execution.dump();
    return execution;
  }

  Json List(const std::string& query) {
    const auto listed = Http("GET", Url("/api/v1/executions" + query), "", As("acme"));
    EXPECT_EQ(listed.status, 200) << query << ": " << listed.body;
    return listed.Json();
  }

  static std::vector<std::string> Ids(const Json& page) {
    std::vector<std::string> ids;
    for (const Json& item : page.at("data")) ids.push_back(item.at("id"));
    return ids;
  }

  testing::InProcessStack stack_{{Role::kFrontdoor, Role::kScheduler, Role::kRelay, Role::kAgent},
                                 [](daemon::Config& c) {
                                   c.auth.mode = auth::AuthMode::kRequired;
                                   c.auth.jwt.hs256_secret = kSecret;
                                   c.auth.rate_limits.default_tier = "enterprise";
                                 }};
};

TEST_F(FrontDoorExecutionsTest, ShouldShowAnExecutionItsStatusAndItsLogs) {
  const std::string id = Start("workflow-123");
  Json execution = WaitForStatus(id, "completed");
  EXPECT_EQ(execution["id"], id);
  EXPECT_EQ(execution["workflow_id"], "workflow-123");
  EXPECT_EQ(execution["workflow_name"], "PR Review Pipeline");
  EXPECT_EQ(execution["steps_completed"], 2);
  EXPECT_EQ(execution["steps_failed"], 0);
  EXPECT_EQ(execution["result_summary"], Json({{"status", "success"}}));
  EXPECT_EQ(execution["metadata"], Json({{"total_cost", 0.45}, {"user_id", "user_789"}}));
  const auto started = engine::ParseTimestamp(execution["started_at"].get<std::string>());
  const auto completed = engine::ParseTimestamp(execution["completed_at"].get<std::string>());
  ASSERT_TRUE(started && completed) << execution.dump();
  EXPECT_DOUBLE_EQ(execution["duration"].get<double>(), (*completed - *started) / 1000.0);
  ASSERT_EQ(execution["steps"].size(), 2u) << execution.dump();
  Json first = execution["steps"].at(0);
  EXPECT_EQ(first["step_id"], "step-1");
  EXPECT_EQ(first["step_name"], "Analyze Code");
  EXPECT_EQ(first["agent_id"], "code-analyzer");
  EXPECT_EQ(first["status"], "completed");
  EXPECT_TRUE(first.at("result").is_object() && !first.at("result").empty()) << first.dump();
  EXPECT_GE(first["duration"].get<double>(), 0.0);
  EXPECT_EQ(execution["steps"][1]["step_id"], "step-2");
  EXPECT_EQ(execution["final_result"], execution["steps"][1]["result"]);

  const auto status = Http("GET", Url("/api/v1/executions/" + id + "/status"), "", As("acme"));
  ASSERT_EQ(status.status, 200) << status.body;
  EXPECT_EQ(status.Json()["execution_id"], id);
  EXPECT_EQ(status.Json()["status"], "completed");
  EXPECT_EQ(status.Json()["progress"], Json({{"current_step", 2},
                                             {"total_steps", 2},
                                             {"percentage", 100.0},
                                             {"current_step_name", nullptr}}));
  EXPECT_EQ(status.Json()["elapsed_time"], execution["duration"]);
  EXPECT_EQ(status.Json()["estimated_remaining"], 0.0);

  const auto logs = Http("GET", Url("/api/v1/executions/" + id + "/logs"), "", As("acme"));
  ASSERT_EQ(logs.status, 200) << logs.body;
  EXPECT_EQ(logs.Json()["execution_id"], id);
  std::vector<std::string> messages;
  Json agent_line;
  const Json lines = logs.Json()["logs"];
  for (const Json& line : lines) {
    messages.push_back(line["message"]);
    if (line["message"] == "High complexity detected") agent_line = line;
  }
  ASSERT_FALSE(messages.empty()) << logs.body;
  EXPECT_EQ(messages.front(), "Workflow started") << logs.body;
  EXPECT_EQ(messages.back(), "Workflow completed") << logs.body;
  EXPECT_NE(std::find(messages.begin(), messages.end(), "Starting step: Analyze Code"),
            messages.end())
      << logs.body;
  ASSERT_FALSE(agent_line.is_null()) << "the agent's log line is missing: " << logs.body;
  EXPECT_EQ(agent_line["level"], "warning");
  EXPECT_EQ(agent_line["step_id"], "step-1");
  EXPECT_EQ(agent_line["metadata"]["event"], "TaskLog");
  // Filters: by level, and by time (both bounds included).
  const Json warnings =
      Http("GET", Url("/api/v1/executions/" + id + "/logs?level=warning"), "", As("acme")).Json();
  ASSERT_EQ(warnings["logs"].size(), 1u) << warnings.dump();
  EXPECT_EQ(warnings["logs"][0], agent_line);
  const std::string at = agent_line["timestamp"];
  const Json at_once =
      Http("GET", Url("/api/v1/executions/" + id + "/logs?level=warning&from=" + at + "&to=" + at),
           "", As("acme"))
          .Json();
  EXPECT_EQ(at_once["logs"].size(), 1u) << at_once.dump();
  const Json later =
      Http("GET", Url("/api/v1/executions/" + id + "/logs?from=2999-01-01T00:00:00Z"), "",
           As("acme"))
          .Json();
  EXPECT_EQ(later["logs"], Json::array()) << later.dump();

  // Another tenant does not see it, on any route.
  for (const char* path : {"", "/status", "/logs"}) {
    const auto hidden = Http("GET", Url("/api/v1/executions/" + id + path), "", As("globex"));
    EXPECT_EQ(hidden.status, 404) << path << ": " << hidden.body;
    EXPECT_EQ(hidden.Header("content-type"), "application/problem+json");
  }
  EXPECT_EQ(Http("GET", Url("/api/v1/executions/wf_nothing"), "", As("acme")).status, 404);
}

TEST_F(FrontDoorExecutionsTest, ShouldListExecutionsFilteredAndPageByPage) {
  const std::string first = Start("workflow-a");
  WaitForStatus(first, "completed");
  // A millisecond that no execution was created in (the bounds are included).
  const engine::TimeMs between_ms = engine::WallClockNow();
  const std::string between = engine::FormatTimestamp(between_ms);
  ASSERT_TRUE(testing::WaitUntil([&] { return engine::WallClockNow() > between_ms; }));
  const std::string second = Start("workflow-a");
  const std::string other = Start("workflow-b");
  WaitForStatus(second, "completed");
  WaitForStatus(other, "completed");

  Json all = List("");
  EXPECT_EQ(Ids(all), (std::vector<std::string>{other, second, first})) << "newest first";
  EXPECT_EQ(all["pagination"],
            Json({{"page", 1}, {"pageSize", 20}, {"totalItems", 3}, {"totalPages", 1}}));
  Json item = all["data"][0];
  EXPECT_EQ(item["workflow_id"], "workflow-b");
  EXPECT_EQ(item["status"], "completed");
  EXPECT_EQ(item["steps_completed"], 2);
  EXPECT_EQ(item["steps_failed"], 0);
  EXPECT_EQ(item["result_summary"], Json({{"status", "success"}}));
  EXPECT_TRUE(item["duration"].is_number()) << item.dump();

  Json of_a = List("?workflow_id=workflow-a");
  EXPECT_EQ(Ids(of_a), (std::vector<std::string>{second, first}));
  EXPECT_EQ(of_a["pagination"]["totalItems"], 2);
  EXPECT_EQ(Ids(List("?workflow_id=workflow-a&from=" + between)),
            (std::vector<std::string>{second}));
  EXPECT_EQ(Ids(List("?to=" + between)), (std::vector<std::string>{first}));
  EXPECT_EQ(Ids(List("?status=completed&pageSize=1&page=2")), (std::vector<std::string>{second}));
  EXPECT_EQ(List("?status=completed&pageSize=1&page=2")["pagination"],
            Json({{"page", 2}, {"pageSize", 1}, {"totalItems", 3}, {"totalPages", 3}}));
  EXPECT_EQ(Ids(List("?status=failed")), std::vector<std::string>{});
  // The count takes the filters of the page.
  EXPECT_EQ(List("?status=failed")["pagination"]["totalItems"], 0);
  EXPECT_EQ(List("?from=" + between)["pagination"]["totalItems"], 2);
  EXPECT_EQ(List("?workflow_id=workflow-b&to=" + between)["pagination"]["totalItems"], 0);
  // Another tenant lists none of them.
  EXPECT_EQ(Http("GET", Url("/api/v1/executions"), "", As("globex")).Json()["data"], Json::array());

  // Every wrong parameter is named in one 400.
  const auto refused = Http("GET",
                            Url("/api/v1/executions?status=done&from=yesterday&pageSize=0"
                                "&workflow_id=a%20b&colour=red"),
                            "", As("acme"));
  ASSERT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(refused.Header("content-type"), "application/problem+json");
  std::set<std::string> fields;
  const Json errors = refused.Json()["errors"];
  for (const Json& error : errors) fields.insert(error.at("field").get<std::string>());
  EXPECT_EQ(fields, (std::set<std::string>{"status", "from", "pageSize", "workflow_id", "colour"}))
      << refused.body;
  const auto bad_logs =
      Http("GET", Url("/api/v1/executions/" + first + "/logs?level=verbose"), "", As("acme"));
  EXPECT_EQ(bad_logs.status, 400) << bad_logs.body;
}

TEST_F(FrontDoorExecutionsTest, ShouldCancelARunningExecution) {
  const std::string id = Start("workflow-slow", 60000);
  Json running;
  ASSERT_TRUE(testing::WaitUntil([&] {
    running = Http("GET", Url("/api/v1/executions/" + id), "", As("acme")).Json();
    return running.value("status", "") == "running" &&
           running["steps"][0].value("status", "") == "running";
  })) << running.dump();
  EXPECT_TRUE(running["steps"][0]["started_at"].is_string()) << running.dump();
  EXPECT_TRUE(running["final_result"].is_null());
  EXPECT_TRUE(running["result_summary"].is_null());
  Json status;
  ASSERT_TRUE(testing::WaitUntil([&] {
    status = Http("GET", Url("/api/v1/executions/" + id + "/status"), "", As("acme")).Json();
    return status["progress"]["current_step_name"] == "Analyze Code";
  })) << status.dump();
  EXPECT_EQ(status["progress"]["current_step"], 1);
  EXPECT_TRUE(status["estimated_remaining"].is_null()) << "no step ended yet: " << status.dump();

  EXPECT_EQ(Http("POST", Url("/api/v1/executions/" + id + "/cancel"), "", As("globex")).status,
            404);
  const auto cancelled = Http("POST", Url("/api/v1/executions/" + id + "/cancel"), "", As("acme"));
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(cancelled.Json()["execution_id"], id);
  EXPECT_EQ(cancelled.Json()["status"], "cancelled");
  EXPECT_TRUE(engine::ParseTimestamp(cancelled.Json()["cancelled_at"].get<std::string>()));
  Json ended = WaitForStatus(id, "cancelled");
  EXPECT_EQ(ended["result_summary"], Json({{"status", "cancelled"}}));
  EXPECT_EQ(List("?status=cancelled")["data"][0]["id"], id);
  // Once ended, another cancel is refused.
  const auto again = Http("POST", Url("/api/v1/executions/" + id + "/cancel"), "", As("acme"));
  EXPECT_EQ(again.status, 409) << again.body;
}

}  // namespace
}  // namespace agentstudio
