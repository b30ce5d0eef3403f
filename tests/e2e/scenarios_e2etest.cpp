// The workflow scenarios of the engine, end to end: separate agentstudiod
// processes (broker, scheduler, relay, agents, front door) on a real
// PostgreSQL, driven over REST only, the way users drive them. The reference
// agents' `configuration` keys (failTimes, failNonRetryable, sleepMs, result,
// handoff) shape each scenario; the engine has no test-only paths.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>

#include "tests/support/http_client.hpp"
#include "tests/support/process_stack.hpp"
#include "tests/support/reference_examples.hpp"
#include "tests/support/sse.hpp"
#include "tests/support/task_event_reader.hpp"
#include "tests/support/wait.hpp"

namespace agentstudio {
namespace {

using Json = nlohmann::json;
using testing::Http;

class ScenarioTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const std::string& failure : stack_.Stop()) ADD_FAILURE() << failure;
  }

  std::string Url(const std::string& path) const { return stack_.Url(path); }

  // POSTs /api/workflows; returns the new execution's id.
  std::string Create(const Json& body) {
    const auto created = Http("POST", Url("/api/workflows"), body.dump());
    EXPECT_EQ(created.status, 201) << created.body;
    return created.Json().value("id", "");
  }

  // Waits until the workflow's first task runs on an agent; returns its id.
  std::string WaitForFirstTaskRunning(const std::string& id) {
    Json task;
    EXPECT_TRUE(testing::WaitUntil([&] {
      const Json execution = Http("GET", Url("/api/workflows/" + id)).Json();
      if (!execution.contains("tasks")) return false;
      task = execution["tasks"][0];
      return task["status"] == "running";
    })) << task.dump();
    return task.value("id", "");
  }

  // One scheduler: rebalances get their own tests (RebalanceTest).
  testing::ProcessStack stack_;
};

size_t CountEvents(const Json& execution, const std::string& type) {
  const Json& events = execution["context"]["events"];
  return std::count_if(events.begin(), events.end(),
                       [&](const Json& event) { return event["type"] == type; });
}

// Two sequential test-runner steps; the first takes `sleep_ms`, so a test can
// act while it runs.
Json SlowWorkflow(int sleep_ms, Json first_configuration = Json::object()) {
  Json body = Json::parse(R"({"definition": {"id": "slow", "name": "Slow", "pattern": "sequential",
    "maxRetries": 0, "steps": [{"id": "first", "name": "First", "agentType": "test-runner"},
                               {"id": "second", "name": "Second", "agentType": "test-runner"}]}})");
  first_configuration["sleepMs"] = sleep_ms;
  body["definition"]["steps"][0]["configuration"] = std::move(first_configuration);
  return body;
}

// A workflow submitted over REST, the status it must end in, and what else
// must hold of the ended execution (GET /api/workflows/{id}).
struct Scenario {
  std::string name;
  std::string body;
  std::string status;
  std::function<void(const Json& execution)> check;
};

std::vector<Scenario> Scenarios() {
  return {
      {"sequential", testing::kCustomerFeedbackAnalysis, "completed",
       [](const Json& e) {
         ASSERT_EQ(e["tasks"].size(), 3u);
         for (const Json& task : e["tasks"]) EXPECT_EQ(task["status"], "completed");
         EXPECT_EQ(e["tasks"][1]["response"]["result"]["overallSentiment"], "mixed");
         EXPECT_EQ(e["context"]["results"].size(), 3u);
         EXPECT_EQ(e["context"]["progress"], 100);
       }},
      {"parallel", R"({"definition": {"id": "fan", "name": "Fan", "pattern": "parallel",
        "steps": [{"id": "data", "name": "Data", "agentType": "data-collector", "configuration": {"limit": 5}},
                  {"id": "stats", "name": "Stats", "agentType": "data-analyzer", "dependsOn": ["data"]},
                  {"id": "mood", "name": "Mood", "agentType": "sentiment-analyzer", "dependsOn": ["data"]},
                  {"id": "report", "name": "Report", "agentType": "report-generator", "dependsOn": ["stats", "mood"]}]},
        "input": {"data": [2, 4, 4, 4, 5, 5, 7, 9]}})",
       "completed",
       [](const Json& e) {
         ASSERT_EQ(e["tasks"].size(), 4u);
         EXPECT_EQ(e["tasks"][1]["response"]["result"]["stdDev"], 2);
         const Json previous = e["tasks"][3]["request"]["context"]["previousResults"];
         EXPECT_TRUE(previous.contains("stats") && previous.contains("mood")) << previous.dump();
         // The fan-in started only after both branches completed (RFC 3339
         // UTC strings of one format sort like the instants they name).
         const std::string report_start = e["tasks"][3]["startedAt"];
         EXPECT_GE(report_start, e["tasks"][1]["completedAt"].get<std::string>());
         EXPECT_GE(report_start, e["tasks"][2]["completedAt"].get<std::string>());
       }},
      {"iterative", R"({"definition": {"id": "loop", "name": "Loop", "pattern": "iterative",
        "maxIterations": 2,
        "steps": [{"id": "draft", "name": "Draft", "agentType": "test-runner"},
                  {"id": "review", "name": "Review", "agentType": "test-runner",
                   "configuration": {"result": {"done": false}}}]}})",
       "completed",
       [](const Json& e) {
         EXPECT_EQ(e["tasks"].size(), 4u) << "two iterations of two steps";
         EXPECT_EQ(CountEvents(e, "IterationLimitReached"), 1u);
       }},
      {"iterative until done", R"({"definition": {"id": "loop", "name": "Loop",
        "pattern": "iterative",
        "steps": [{"id": "draft", "name": "Draft", "agentType": "test-runner"},
                  {"id": "review", "name": "Review", "agentType": "test-runner",
                   "configuration": {"result": {"done": true}}}]}})",
       "completed",
       [](const Json& e) {
         EXPECT_EQ(e["tasks"].size(), 2u);
         EXPECT_EQ(CountEvents(e, "IterationsConverged"), 1u);
       }},
      {"dynamic", R"({"definition": {"id": "route", "name": "Route", "pattern": "dynamic",
        "steps": [{"id": "triage", "name": "Triage", "agentType": "data-collector",
                   "configuration": {"limit": 3, "handoff": {"agentType": "sentiment-analyzer",
                     "task": "Score the feedback", "input": {"reviews": ["great", "awful"]},
                     "reason": "the feedback needs scoring"}}}]}})",
       "completed",
       [](const Json& e) {
         ASSERT_EQ(e["tasks"].size(), 2u);
         EXPECT_EQ(e["tasks"][1]["agentType"], "sentiment-analyzer");
         EXPECT_EQ(e["tasks"][1]["response"]["result"]["sentiments"].size(), 2u);
         EXPECT_EQ(CountEvents(e, "TaskHandoff"), 1u);
       }},
      {"retry then success", R"({"definition": {"id": "flaky", "name": "Flaky",
        "pattern": "sequential", "maxRetries": 3,
        "steps": [{"id": "a", "name": "A", "agentType": "test-runner",
                   "configuration": {"failTimes": 2}}]}})",
       "completed",
       [](const Json& e) {
         EXPECT_EQ(e["tasks"][0]["attempt"], 3);
         EXPECT_EQ(e["tasks"][0]["retryCount"], 2);
         EXPECT_EQ(CountEvents(e, "TaskRetried"), 2u);
       }},
      {"retries exhausted", R"({"definition": {"id": "doomed", "name": "Doomed",
        "pattern": "sequential", "maxRetries": 1,
        "steps": [{"id": "a", "name": "A", "agentType": "test-runner",
                   "configuration": {"failTimes": 5}},
                  {"id": "b", "name": "B", "agentType": "test-runner"}]}})",
       "failed",
       [](const Json& e) {
         EXPECT_EQ(e["tasks"][0]["status"], "failed");
         EXPECT_EQ(e["tasks"][0]["attempt"], 2);
         EXPECT_EQ(e["tasks"][1]["status"], "skipped");
         EXPECT_NE(e["errorMessage"].get<std::string>().find("failTimes"), std::string::npos);
       }},
      {"non-retryable failure", R"({"definition": {"id": "broken", "name": "Broken",
        "pattern": "sequential", "maxRetries": 3,
        "steps": [{"id": "a", "name": "A", "agentType": "test-runner",
                   "configuration": {"failNonRetryable": true}}]}})",
       "failed",
       [](const Json& e) {
         EXPECT_EQ(e["tasks"][0]["attempt"], 1) << "not retried";
         EXPECT_EQ(CountEvents(e, "TaskRetried"), 0u);
       }},
      {"step timeout", R"({"definition": {"id": "slow", "name": "Slow", "pattern": "sequential",
        "maxRetries": 0,
        "steps": [{"id": "a", "name": "A", "agentType": "test-runner", "timeout": "PT1S",
                   "configuration": {"sleepMs": 60000}}]}})",
       "failed",
       [](const Json& e) {
         EXPECT_EQ(e["tasks"][0]["errorMessage"], "Step timed out after PT1S");
         EXPECT_FALSE(e["tasks"][0].contains("response"));
       }},
  };
}

TEST_F(ScenarioTest, ShouldEndEveryScenarioAsDefinedThenListThemPageByPage) {
  // All at once, as a deployment sees them: they share the scheduler.
  const std::vector<Scenario> scenarios = Scenarios();
  std::vector<std::string> ids;
  for (const Scenario& scenario : scenarios) ids.push_back(Create(Json::parse(scenario.body)));
  for (size_t i = 0; i < scenarios.size(); ++i) {
    SCOPED_TRACE(scenarios[i].name);
    const Json execution = stack_.WaitForEnd(ids[i]);
    ASSERT_EQ(execution["status"], scenarios[i].status) << execution.dump();
    scenarios[i].check(execution);
  }

  // Checkpoints: one per completed task, numbered in order, the last at 100%.
  const Json checkpoints = Http("GET", Url("/api/workflows/" + ids[0] + "/checkpoints")).Json();
  ASSERT_EQ(checkpoints.size(), 3u) << checkpoints.dump();
  for (size_t i = 0; i < checkpoints.size(); ++i) {
    EXPECT_EQ(checkpoints[i]["sequenceNumber"], i + 1);
    EXPECT_EQ(checkpoints[i]["type"], "automatic");
  }
  EXPECT_EQ(checkpoints[2]["contextSnapshot"]["progress"], 100);
  // A failed workflow has a failure checkpoint to resume from.
  const auto exhausted = std::find_if(scenarios.begin(), scenarios.end(), [](const Scenario& s) {
    return s.name == "retries exhausted";
  });
  const Json failed =
      Http("GET", Url("/api/workflows/" + ids[exhausted - scenarios.begin()] + "/checkpoints"))
          .Json();
  ASSERT_FALSE(failed.empty());
  EXPECT_EQ(failed.back()["type"], "failure");

  // Paging through the list, oldest first, finds every execution once.
  std::vector<std::string> listed;
  for (int offset = 0;; offset += 4) {
    const auto page =
        Http("GET", Url("/api/workflows?limit=4&sortBy=createdAt&sortOrder=asc&offset=" +
                        std::to_string(offset)));
    ASSERT_EQ(page.status, 200) << page.body;
    const Json body = page.Json();
    EXPECT_EQ(body["total"], scenarios.size());
    for (const Json& item : body["items"]) listed.push_back(item["id"]);
    EXPECT_EQ(body["hasMore"].get<bool>(), listed.size() < scenarios.size());
    if (!body["hasMore"].get<bool>()) break;
  }
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()),
            std::set<std::string>(ids.begin(), ids.end()));
  EXPECT_EQ(listed.size(), ids.size()) << "none listed twice";
  const size_t failures = std::count_if(scenarios.begin(), scenarios.end(),
                                        [](const Scenario& s) { return s.status == "failed"; });
  EXPECT_EQ(Http("GET", Url("/api/workflows?status=failed")).Json()["total"], failures);
}

TEST_F(ScenarioTest, ShouldFailAWorkflowWhenItsTimeoutComesDue) {
  Json body = SlowWorkflow(60000);
  body["definition"]["timeout"] = "PT1M";
  const std::string id = Create(body);
  WaitForFirstTaskRunning(id);
  // The workflow's timeout is a row in `timers`; let the minute pass by
  // making it due now: a scheduler's sweeper must fire it.
  auto session = stack_.database().Connect();
  int timers = 0;
  *session << "UPDATE timers SET fire_at = now() WHERE workflow_id = :id AND kind = "
              "'workflow_timeout' RETURNING 1",
      soci::use(id, "id"), soci::into(timers);
  ASSERT_EQ(timers, 1);
  const Json ended = stack_.WaitForEnd(id);
  EXPECT_EQ(ended["status"], "failed");
  EXPECT_EQ(ended["errorMessage"], "Workflow timed out after PT1M");
  EXPECT_EQ(ended["tasks"][0]["status"], "skipped");
  EXPECT_EQ(ended["tasks"][1]["status"], "skipped");
}

TEST_F(ScenarioTest, ShouldCancelAWorkflowMidRunAndStopItsAgent) {
  testing::TaskEventReader reports(stack_.bootstrap(), stack_.topics());
  const std::string id = Create(SlowWorkflow(60000));
  const std::string task_id = WaitForFirstTaskRunning(id);
  const auto cancelled = Http("POST", Url("/api/workflows/" + id + "/cancel"));
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  const Json ended = stack_.WaitForEnd(id);
  EXPECT_EQ(ended["status"], "cancelled");
  EXPECT_EQ(ended["tasks"][1]["status"], "skipped");
  // The agent process stopped the task long before its minute was up.
  const auto task_reports = reports.WaitForFinalReport(task_id);
  ASSERT_FALSE(task_reports.empty()) << "the agent did not stop the cancelled task";
  EXPECT_EQ(task_reports.back().error().code(), "CANCELLED");
  EXPECT_EQ(Http("GET", Url("/api/workflows/" + id)).Json()["status"], "cancelled");
}

TEST_F(ScenarioTest, ShouldPauseThenResumeToTheEnd) {
  const std::string id = Create(SlowWorkflow(1500));
  WaitForFirstTaskRunning(id);
  ASSERT_EQ(Http("POST", Url("/api/workflows/" + id + "/pause")).status, 200);
  // The running step finishes; the next one waits for the resume.
  stack_.WaitForStatus(id, {"paused"});
  ASSERT_TRUE(testing::WaitUntil([&] {
    return Http("GET", Url("/api/workflows/" + id)).Json()["tasks"][0]["status"] == "completed";
  }));
  const Json held = Http("GET", Url("/api/workflows/" + id)).Json();
  EXPECT_EQ(held["status"], "paused");
  EXPECT_EQ(held["tasks"][1]["attempt"], 0) << "nothing dispatched while paused";
  const Json checkpoints = Http("GET", Url("/api/workflows/" + id + "/checkpoints")).Json();
  EXPECT_EQ(std::count_if(checkpoints.begin(), checkpoints.end(),
                          [](const Json& c) { return c["type"] == "paused"; }),
            1);
  const auto resumed = Http("POST", Url("/api/workflows/" + id + "/resume"));
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  EXPECT_EQ(resumed.Json()["success"], true);
  EXPECT_EQ(resumed.Json()["context"]["results"].size(), 2u);
  EXPECT_EQ(Http("GET", Url("/api/workflows/" + id)).Json()["status"], "completed");
}

TEST_F(ScenarioTest, ShouldResumeAFailedWorkflowAndRerunOnlyWhatFailed) {
  Json body = SlowWorkflow(0);
  // The second step fails its first attempt; with no retries that fails the
  // workflow, and the resume's new attempt succeeds.
  body["definition"]["steps"][1]["configuration"] = {{"failTimes", 1}};
  const std::string id = Create(body);
  const Json failed = stack_.WaitForEnd(id);
  ASSERT_EQ(failed["status"], "failed") << failed.dump();
  const auto resumed = Http("POST", Url("/api/workflows/" + id + "/resume"));
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  EXPECT_EQ(resumed.Json()["success"], true);
  const Json done = Http("GET", Url("/api/workflows/" + id)).Json();
  EXPECT_EQ(done["status"], "completed");
  EXPECT_EQ(done["tasks"][0]["attempt"], 1) << "the completed step did not run again";
  EXPECT_EQ(done["tasks"][1]["attempt"], 2);
}

TEST_F(ScenarioTest, ShouldStreamAWorkflowsEventsAndAnAgentsThoughts) {
  const std::string id = Create(SlowWorkflow(600));
  const auto live = Http("GET", Url("/api/workflows/" + id + "/events"));
  ASSERT_EQ(live.status, 200) << live.body;
  EXPECT_EQ(live.Header("content-type"), "text/event-stream");
  const auto events = testing::ParseSse(live.body);
  ASSERT_FALSE(events.empty());
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].id, std::to_string(i + 1)) << "in order, none twice or missing";
  }
  EXPECT_EQ(events.front().event, "WorkflowStarted");
  EXPECT_EQ(events.back().event, "WorkflowCompleted");
  const Json stored = Http("GET", Url("/api/workflows/" + id)).Json()["context"]["events"];
  EXPECT_EQ(events.size(), stored.size()) << "the stream carried every stored event";
  const auto rest = testing::ParseSse(
      Http("GET", Url("/api/workflows/" + id + "/events"), "", {{"Last-Event-ID", "2"}}).body);
  ASSERT_EQ(rest.size(), events.size() - 2);
  EXPECT_EQ(rest.front().id, "3");

  const auto stream = Http("POST", Url("/api/meta-agent/data-analyzer/execute/stream"),
                           R"({"task": "Analyze dataset", "input": {"data": [1, 2, 3, 4, 5, 6]}})");
  ASSERT_EQ(stream.status, 200) << stream.body;
  const auto messages = testing::ParseSse(stream.body);
  ASSERT_GE(messages.size(), 3u) << stream.body;
  for (size_t i = 0; i + 2 < messages.size(); ++i) {
    EXPECT_EQ(Json::parse(messages[i].data)["type"], "thought");
  }
  const Json response = Json::parse(messages[messages.size() - 2].data);
  EXPECT_EQ(response["type"], "response");
  EXPECT_EQ(response["response"]["result"]["mean"], 3.5);
  EXPECT_EQ(messages.back().data, "[DONE]");
}

}  // namespace
}  // namespace agentstudio
