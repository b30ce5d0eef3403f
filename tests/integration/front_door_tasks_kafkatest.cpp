// The control plane's tasks (/v1/tasks...) on a real port, with every role
// in-process, the real Kafka broker and a real PostgreSQL.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "engine/timestamp.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/sse.hpp"
#include "tests/support/stack.hpp"
#include "tests/support/wait.hpp"
#include "tests/support/workflow_invariants.hpp"

namespace agentstudio {
namespace {

using Json = nlohmann::json;
using daemon::Role;
using testing::Http;

class FrontDoorTasksTest : public ::testing::Test {
 protected:
  std::string Url(const std::string& path) const { return stack_.base_url() + path; }

  // Posts a task; returns its id (empty, with a failure, when refused).
  std::string Start(const Json& body) {
    const auto accepted = Http("POST", Url("/v1/tasks"), body.dump());
    EXPECT_EQ(accepted.status, 202) << accepted.body;
    if (accepted.status != 202) return "";
    return accepted.Json()["task_id"];
  }

  // Polls GET /v1/tasks/{id} until its status is `status`; returns the task.
  Json WaitForStatus(const std::string& id, const std::string& status) {
    Json task;
    EXPECT_TRUE(testing::WaitUntil(
        [&] {
          const auto got = Http("GET", Url("/v1/tasks/" + id));
          if (got.status != 200) return false;
          task = got.Json()["data"];
          return task["status"] == status;
        },
        std::chrono::seconds(60)))
        << id << " never became " << status << ": " << task.dump();
    return task;
  }

  testing::InProcessStack stack_{{Role::kFrontdoor, Role::kScheduler, Role::kRelay, Role::kAgent}};
};

TEST_F(FrontDoorTasksTest, ShouldRunATaskThenShowItAndItsResults) {
  // Reference 000's "Execute a task" request, for one of the reference agents.
  const auto accepted = Http("POST", Url("/v1/tasks"), R"({
    "agent_type": "sentiment-analyzer",
    "task_type": "analyze",
    "input": {"reviews": ["Great product!", "Terrible experience.", "It's okay."]},
    "priority": "high",
    "timeout_seconds": 300})");
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  const Json answer = accepted.Json();
  const std::string id = answer["task_id"];
  EXPECT_EQ(answer["status"], "pending");
  EXPECT_EQ(answer["agent_type"], "sentiment-analyzer");
  EXPECT_EQ(answer["priority"], "high");
  EXPECT_EQ(answer["status_url"], "/v1/tasks/" + id);
  EXPECT_EQ(accepted.Header("location"), "/v1/tasks/" + id);
  EXPECT_TRUE(engine::ParseTimestamp(answer["created_at"].get<std::string>()).has_value());
  // The status URL answers at once, applied by a scheduler or not yet.
  const auto first = Http("GET", Url("/v1/tasks/" + id));
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.Json()["data"]["id"], id);

  const Json task = WaitForStatus(id, "completed");
  EXPECT_EQ(task["type"], "analyze");
  EXPECT_EQ(task["agent_type"], "sentiment-analyzer");
  EXPECT_EQ(task["priority"], "high");
  EXPECT_EQ(task["attempt"], 1);
  EXPECT_EQ(task["result"]["overallSentiment"], "mixed");
  EXPECT_GE(task["duration"].get<double>(), 0);
  EXPECT_FALSE(task["completed_at"].is_null());
  const auto state = stack_.Load(task["workflow_id"]);
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->definition.steps.at(0).timeout_value, std::chrono::seconds(300));

  const auto results = Http("GET", Url("/v1/tasks/" + id + "/results"));
  ASSERT_EQ(results.status, 200) << results.body;
  const Json body = results.Json();
  EXPECT_EQ(body["status"], "completed");
  EXPECT_EQ(body["result"]["sentiments"].size(), 3u);
  EXPECT_FALSE(body["thoughts"].empty());
  // The agent got the priority on the task message.
  EXPECT_EQ(body["metadata"]["priority"], "high");
}

TEST_F(FrontDoorTasksTest, ShouldListTheTenantsTasksWithFiltersPageByPage) {
  const std::string low = Start({{"agent_type", "noop"}, {"task_type", "a"}, {"priority", "low"}});
  const std::string high =
      Start({{"agent_type", "noop"}, {"task_type", "b"}, {"priority", "critical"}});
  const std::string other = Start({{"agent_type", "test-runner"}, {"task_type", "c"}});
  for (const std::string& id : {low, high, other}) WaitForStatus(id, "completed");

  const auto ids = [&](const std::string& query) {
    const auto page = Http("GET", Url("/v1/tasks" + query));
    EXPECT_EQ(page.status, 200) << query << ": " << page.body;
    std::vector<std::string> out;
    const Json body = page.Json();  // not a temporary: the loop outlives the statement
    for (const Json& task : body["data"]) out.push_back(task["id"]);
    return out;
  };
  EXPECT_EQ(ids(""), (std::vector<std::string>{other, high, low})) << "newest first";
  EXPECT_EQ(ids("?priority=critical"), std::vector<std::string>{high});
  EXPECT_EQ(ids("?agent_type=noop"), (std::vector<std::string>{high, low}));
  EXPECT_EQ(ids("?status=completed&agent_type=test-runner"), std::vector<std::string>{other});
  EXPECT_TRUE(ids("?status=running").empty());
  const std::string future = engine::FormatTimestamp(engine::WallClockNow() + 3600000);
  EXPECT_TRUE(ids("?created_after=" + future).empty());
  EXPECT_EQ(ids("?created_before=" + future).size(), 3u);

  const auto second = Http("GET", Url("/v1/tasks?limit=2&page=2"));
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(second.Json()["data"].size(), 1u);
  EXPECT_EQ(second.Json()["data"][0]["id"], low);
  EXPECT_EQ(second.Json()["pagination"],
            Json({{"page", 2}, {"limit", 2}, {"total", 3}, {"pages", 2}}));

  const auto bad = Http("GET", Url("/v1/tasks?priority=urgent&limit=0&color=red"));
  ASSERT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(bad.Header("content-type"), "application/problem+json");
  EXPECT_EQ(bad.Json()["errors"].size(), 3u) << bad.body;
}

TEST_F(FrontDoorTasksTest, ShouldShowAWorkflowsStepsAsTasksToo) {
  const auto created = Http("POST", Url("/api/workflows"), R"({"definition": {"id": "two",
    "name": "Two", "pattern": "sequential", "steps": [
      {"id": "a", "name": "First", "agentType": "noop", "priority": "medium"},
      {"id": "b", "name": "Second", "agentType": "noop", "dependsOn": ["a"]}]}})");
  ASSERT_EQ(created.status, 201) << created.body;
  const engine::WorkflowState ended = stack_.WaitForEnd(created.Json()["id"]);
  ASSERT_EQ(ended.tasks.size(), 2u);
  const auto page = Http("GET", Url("/v1/tasks?agent_type=noop")).Json()["data"];
  ASSERT_EQ(page.size(), 2u) << page.dump();
  // Planned at once, both steps' tasks have one creation time.
  std::map<std::string, Json> by_id;
  for (const Json& task : page) by_id[task["id"]] = task;
  const Json& first = by_id[ended.tasks[0].id];
  EXPECT_EQ(first["type"], "First");
  EXPECT_EQ(first["priority"], "medium");
  EXPECT_EQ(first["workflow_id"], ended.id);
  EXPECT_EQ(by_id[ended.tasks[1].id]["priority"], "normal");
}

TEST_F(FrontDoorTasksTest, ShouldAnswerResultsWith409UntilTheEndAndCancelARunningTask) {
  const std::string id = Start({{"agent_type", "test-runner"},
                                {"task_type", "slow"},
                                {"configuration", {{"sleepMs", 60000}}}});
  WaitForStatus(id, "running");
  const auto early = Http("GET", Url("/v1/tasks/" + id + "/results"));
  EXPECT_EQ(early.status, 409) << early.body;
  EXPECT_EQ(early.Json()["status"], 409);

  const auto cancelled = Http("POST", Url("/v1/tasks/" + id + "/cancel"));
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(cancelled.Json(), Json({{"task_id", id}, {"status", "cancelling"}}));
  const Json task = WaitForStatus(id, "cancelled");
  EXPECT_EQ(task["error"], "Cancelled: requested through the REST API");
  const auto results = Http("GET", Url("/v1/tasks/" + id + "/results"));
  ASSERT_EQ(results.status, 200) << results.body;
  EXPECT_EQ(results.Json()["status"], "cancelled");
  EXPECT_EQ(results.Json()["error"], "Cancelled: requested through the REST API");
  EXPECT_EQ(Http("POST", Url("/v1/tasks/" + id + "/cancel")).status, 404) << "it ended";
}

TEST_F(FrontDoorTasksTest, ShouldSendATaskForAnAgentToItsType) {
  std::string agent_id;
  ASSERT_TRUE(testing::WaitUntil([&] {
    const Json agents = Http("GET", Url("/v1/agents?type=data-analyzer")).Json()["data"];
    if (agents.empty()) return false;
    agent_id = agents[0]["id"];
    return true;
  }));
  const auto accepted = Http("POST", Url("/v1/tasks"),
                             Json({{"agent_id", agent_id},
                                   {"agent_type", "data-analyzer"},
                                   {"task_type", "mean"},
                                   {"input", {{"data", {1, 2, 3}}}}})
                                 .dump());
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  EXPECT_EQ(accepted.Json()["agent_id"], agent_id);
  EXPECT_EQ(WaitForStatus(accepted.Json()["task_id"], "completed")["result"]["mean"], 2);

  const auto stranger =
      Http("POST", Url("/v1/tasks"), R"({"agent_id": "agent-nobody", "task_type": "x"})");
  EXPECT_EQ(stranger.status, 422) << stranger.body;
  EXPECT_EQ(stranger.Json()["errors"][0]["code"], "AGENT_NOT_FOUND");
}

// Priority decides who runs first where tasks wait: with the only agent busy,
// the tasks queued behind it run most urgent first, not in arrival order.
TEST(TaskPriorityTest, ShouldRunWaitingTasksMostUrgentFirstOnceTheAgentHasRoom) {
  testing::InProcessStack stack({Role::kFrontdoor, Role::kScheduler, Role::kRelay, Role::kAgent},
                                [](daemon::Config& c) {
                                  c.agent_concurrency = 1;
                                  c.agent_types = {"test-runner"};
                                });
  const auto url = [&](const std::string& path) { return stack.base_url() + path; };
  const auto start = [&](const std::string& priority, const Json& configuration) {
    const auto accepted = Http("POST", url("/v1/tasks"),
                               Json({{"agent_type", "test-runner"},
                                     {"task_type", priority},
                                     {"priority", priority},
                                     {"configuration", configuration}})
                                   .dump());
    EXPECT_EQ(accepted.status, 202) << accepted.body;
    return accepted.Json().value("task_id", "");
  };
  const auto task = [&](const std::string& id) {
    return Http("GET", url("/v1/tasks/" + id)).Json()["data"];
  };
  // The scheduler counts the agent's room once its heartbeat is in.
  ASSERT_TRUE(testing::WaitUntil([&] {
    const Json agents = Http("GET", url("/v1/agents?type=test-runner")).Json()["data"];
    return !agents.empty() && agents[0]["metrics"].value("capacity", 0.0) == 1.0;
  }));
  const std::string busy = start("low", {{"sleepMs", 60000}});
  ASSERT_TRUE(testing::WaitUntil([&] { return task(busy)["status"] == "running"; }));

  const std::vector<std::string> arrival = {"low", "normal", "medium", "high", "critical"};
  std::map<std::string, std::string> ids;  // priority -> task id
  for (const std::string& priority : arrival) ids[priority] = start(priority, Json::object());
  // All five wait in PostgreSQL, none in Kafka.
  auto session = stack.database().Connect();
  ASSERT_TRUE(testing::WaitUntil([&] {
    return testing::CountOf(*session, "SELECT count(*) FROM dispatch_queue WHERE NOT released") ==
           5;
  }));
  ASSERT_EQ(Http("POST", url("/v1/tasks/" + busy + "/cancel")).status, 200);

  std::map<std::string, std::string> started;  // started_at -> priority
  for (const std::string& priority : arrival) {
    Json done;
    ASSERT_TRUE(testing::WaitUntil(
        [&] {
          done = task(ids[priority]);
          return done["status"] == "completed";
        },
        std::chrono::seconds(60)))
        << priority << ": " << done.dump();
    started[done["started_at"].get<std::string>()] = priority;
  }
  std::vector<std::string> order;
  for (const auto& [at, priority] : started) order.push_back(priority);
  EXPECT_EQ(order, (std::vector<std::string>{"critical", "high", "medium", "normal", "low"}));
}

const Json kLogLines = Json::array({{{"level", "info"}, {"message", "reading the input"}},
                                    {{"level", "warning"}, {"message", "the source is slow"}}});

TEST_F(FrontDoorTasksTest, ShouldServeTheLogLinesTheAgentReported) {
  const std::string id = Start({{"agent_type", "test-runner"},
                                {"task_type", "t"},
                                {"configuration", {{"logs", kLogLines}}}});
  WaitForStatus(id, "completed");
  const auto logs = Http("GET", Url("/v1/tasks/" + id + "/logs"));
  ASSERT_EQ(logs.status, 200) << logs.body;
  const Json body = logs.Json();
  EXPECT_EQ(body["task_id"], id);
  ASSERT_EQ(body["logs"].size(), 2u) << body.dump();
  EXPECT_EQ(body["logs"][0]["message"], "reading the input");
  EXPECT_EQ(body["logs"][0]["level"], "info");
  EXPECT_EQ(body["logs"][1]["level"], "warning");
  EXPECT_EQ(body["logs"][1]["attempt"], 1);
  EXPECT_TRUE(engine::ParseTimestamp(body["logs"][1]["timestamp"].get<std::string>()));
  EXPECT_EQ(Http("GET", Url("/v1/tasks/" + id + "/logs?follow=maybe")).status, 400);
}

TEST_F(FrontDoorTasksTest, ShouldFollowALogAsServerSentEventsUntilTheTaskEnds) {
  const auto follow = [&](const std::string& id) {
    const auto stream = Http("GET", Url("/v1/tasks/" + id + "/logs?follow=true"));
    EXPECT_EQ(stream.status, 200) << stream.body;
    EXPECT_EQ(stream.Header("content-type"), "text/event-stream");
    std::vector<std::string> messages;
    for (const testing::SseEvent& event : testing::ParseSse(stream.body)) {
      EXPECT_EQ(event.event, "log") << stream.body;
      messages.push_back(Json::parse(event.data)["message"]);
    }
    return messages;
  };
  const std::vector<std::string> expected{"reading the input", "the source is slow"};
  // Followed from the 202 on: the lines come as the agent reports them, each
  // once, and the stream ends with the task (it sleeps after logging).
  const std::string id = Start({{"agent_type", "test-runner"},
                                {"task_type", "t"},
                                {"configuration", {{"logs", kLogLines}, {"sleepMs", 1500}}}});
  EXPECT_EQ(follow(id), expected);
  EXPECT_EQ(Http("GET", Url("/v1/tasks/" + id)).Json()["data"]["status"], "completed");
  // Followed after the end: the lines from PostgreSQL, then the end at once.
  EXPECT_EQ(follow(id), expected);
}

TEST_F(FrontDoorTasksTest, ShouldRefuseBadTaskRequestsWithEveryProblem) {
  const auto invalid = Http("POST", Url("/v1/tasks"),
                            R"({"input": [], "priority": "urgent", "timeout_seconds": 0})");
  ASSERT_EQ(invalid.status, 422) << invalid.body;
  std::set<std::string> fields;
  const Json problem = invalid.Json();
  for (const Json& error : problem["errors"]) fields.insert(error["field"]);
  EXPECT_EQ(fields, (std::set<std::string>{"agent_type", "task_type", "input", "priority",
                                           "timeout_seconds"}));
  const auto unknown =
      Http("POST", Url("/v1/tasks"), R"({"agent_type": "nobody-serves-this", "task_type": "x"})");
  EXPECT_EQ(unknown.status, 400) << unknown.body;
  EXPECT_EQ(unknown.Json()["errors"][0]["code"], "AGENT_TYPE_NOT_FOUND");
  EXPECT_EQ(Http("POST", Url("/v1/tasks"), "not json").status, 400);
  EXPECT_EQ(Http("GET", Url("/v1/tasks/task_doesnotexist")).status, 404);
  EXPECT_EQ(Http("GET", Url("/v1/tasks/task_doesnotexist/results")).status, 404);
  EXPECT_EQ(Http("POST", Url("/v1/tasks/task_doesnotexist/cancel")).status, 404);
}

}  // namespace
}  // namespace agentstudio
