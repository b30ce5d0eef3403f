// The REST front door on a real port, with every role behind it in-process,
// the real Kafka broker and a real PostgreSQL. (Its answers while Kafka is
// down are in the broker fault suite: kafka_faults_e2etest.)
#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <thread>

#include "agents/reference/reference_agents.hpp"
#include "agentstudio/v1/task_event.pb.h"
#include "agentstudio/v1/workflow_command.pb.h"
#include "consumers/batch_consumer.hpp"
#include "consumers/scheduler_consumer.hpp"
#include "engine/definition_parser.hpp"
#include "engine/planner.hpp"
#include "engine/timestamp.hpp"
#include "producers/message_producer.hpp"
#include "schemas/command_codec.hpp"
#include "schemas/struct_json.hpp"
#include "sql/agent_store.hpp"
#include "sql/workflow_store.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/kafka_cluster.hpp"
#include "tests/support/reference_examples.hpp"
#include "tests/support/sse.hpp"
#include "tests/support/stack.hpp"
#include "tests/support/task_event_reader.hpp"
#include "tests/support/wait.hpp"

namespace agentstudio {
namespace {

using Json = nlohmann::json;
using daemon::Role;
using testing::Http;

// The value of a /metrics series, -1 when absent.
double Sample(const std::string& page, const std::string& series) {
  const auto at = page.find("\n" + series + " ");
  return at == std::string::npos ? -1 : std::stod(page.substr(at + series.size() + 2));
}

class FrontDoorTest : public ::testing::Test {
 protected:
  std::string Url(const std::string& path) const { return stack_.base_url() + path; }

  static void ExpectProblem(const testing::HttpResponse& response, long status,
                            const std::string& instance) {
    EXPECT_EQ(response.status, status) << response.body;
    EXPECT_EQ(response.Header("content-type"), "application/problem+json");
    const Json body = response.Json();
    EXPECT_EQ(body["status"], status);
    EXPECT_EQ(body["instance"], instance);
    EXPECT_FALSE(body["type"].get<std::string>().empty());
    EXPECT_FALSE(body["title"].get<std::string>().empty());
    EXPECT_FALSE(body["detail"].get<std::string>().empty());
    EXPECT_FALSE(body["traceId"].get<std::string>().empty());
  }

  testing::InProcessStack stack_{{Role::kFrontdoor, Role::kScheduler, Role::kRelay, Role::kAgent}};
};

TEST_F(FrontDoorTest, ShouldCreateAWorkflowThenShowItCompleted) {
  const auto created = Http("POST", Url("/api/workflows"), testing::kCustomerAnalysisCurlBody);
  ASSERT_EQ(created.status, 201) << created.body;
  const Json body = created.Json();
  const std::string id = body["id"];
  EXPECT_EQ(id.rfind("wf_", 0), 0u);
  EXPECT_EQ(created.Header("location"), "/api/workflows/" + id);
  EXPECT_EQ(body["workflowDefinitionId"], "customer-analysis");
  EXPECT_EQ(body["pattern"], "sequential");
  EXPECT_EQ(body["status"], "pending");
  ASSERT_EQ(body["tasks"].size(), 2u);
  EXPECT_EQ(body["tasks"][0]["status"], "pending");
  EXPECT_EQ(body["tasks"][0]["stepDefinitionId"], "collect");
  EXPECT_EQ(body["tasks"][0]["retryCount"], 0);
  EXPECT_EQ(body["tasks"][0]["maxRetries"], 3);
  EXPECT_EQ(body["tasks"][1]["status"], "waiting");
  EXPECT_EQ(body["tasks"][1]["dependsOn"], Json::array({body["tasks"][0]["id"]}));
  EXPECT_EQ(body["context"]["workflowExecutionId"], id);
  EXPECT_EQ(body["context"]["progress"], 0);
  EXPECT_TRUE(body.contains("etag"));

  Json got;
  ASSERT_TRUE(testing::WaitUntil([&] {
    const auto response = Http("GET", Url("/api/workflows/" + id));
    got = response.Json();
    return response.status == 200 && got["status"] == "completed";
  })) << got.dump();
  // The created answer promised these ids; the scheduler used them.
  EXPECT_EQ(got["tasks"][0]["id"], body["tasks"][0]["id"]);
  EXPECT_EQ(got["context"]["progress"], 100);
  EXPECT_EQ(got["context"]["results"].size(), 2u);
  for (const Json& task : got["tasks"]) {
    EXPECT_EQ(task["status"], "completed");
    EXPECT_TRUE(task["response"]["success"].get<bool>());
    EXPECT_TRUE(task.contains("startedAt") && task.contains("completedAt"));
  }
  EXPECT_EQ(got["context"]["events"].front()["type"], "WorkflowStarted");
  EXPECT_EQ(got["context"]["events"].back()["type"], "WorkflowCompleted");
  EXPECT_TRUE(got.contains("startedAt") && got.contains("completedAt"));
  EXPECT_EQ(Http("GET", Url("/api/workflows/" + id)).Header("etag"), got["etag"]);
  // Conditional GET: 304 without a body while the ETag still matches.
  const auto unchanged =
      Http("GET", Url("/api/workflows/" + id), "", {{"If-None-Match", got["etag"]}});
  EXPECT_EQ(unchanged.status, 304);
  EXPECT_TRUE(unchanged.body.empty()) << unchanged.body;
  EXPECT_EQ(unchanged.Header("etag"), got["etag"]);
  EXPECT_EQ(Http("GET", Url("/api/workflows/" + id), "", {{"If-None-Match", body["etag"]}}).status,
            200)
      << "the pending execution's ETag is stale now";
}

// Clients reuse a connection only when the answer does not say close:
// HTTP/1.1 connections persist unless a side asks otherwise.
TEST_F(FrontDoorTest, ShouldKeepHttp11ConnectionsOpenUnlessTheClientAsksToClose) {
  CURL* easy = curl_easy_init();
  ASSERT_NE(easy, nullptr);
  const std::string url = Url("/health");
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(
      easy, CURLOPT_WRITEFUNCTION,
      +[](char*, size_t size, size_t count, void*) { return size * count; });
  const auto perform = [&](curl_slist* headers) {
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    EXPECT_EQ(curl_easy_perform(easy), CURLE_OK);
    long status = 0, connects = -1;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
    EXPECT_EQ(status, 200);
    return connects;  // new connections this request opened
  };
  EXPECT_EQ(perform(nullptr), 1);
  EXPECT_EQ(perform(nullptr), 0) << "the second request reuses the connection";
  EXPECT_EQ(perform(nullptr), 0);
  curl_slist* close = curl_slist_append(nullptr, "Connection: close");
  EXPECT_EQ(perform(close), 0);
  EXPECT_EQ(perform(nullptr), 1) << "after an answer to close, a new connection";
  curl_slist_free_all(close);
  curl_easy_cleanup(easy);
}

// Pistache leaves a kept-alive socket open at shutdown; the front door ends
// it, so a client that pools connections learns at once that this instance
// is gone instead of waiting on a socket nothing reads.
TEST(FrontDoorShutdownTest, ShouldEndKeptAliveConnectionsWhenItStops) {
  auto stack = std::make_unique<testing::InProcessStack>(std::set<Role>{Role::kFrontdoor});
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(stack->http_port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  const std::string get = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_EQ(::send(fd, get.data(), get.size(), 0), static_cast<ssize_t>(get.size()));
  std::string answer;
  char buffer[4096];
  while (answer.find("\r\n\r\n") == std::string::npos) {
    const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
    ASSERT_GT(got, 0) << "the connection ended before the answer";
    answer.append(buffer, static_cast<size_t>(got));
  }
  EXPECT_NE(answer.find("Connection: Keep-Alive"), std::string::npos) << answer;

  stack.reset();
  // The end of the connection (EOF or reset), after whatever of the answer's
  // body was still unread; bounded so that a socket left open fails the test.
  bool ended = false;
  for (int reads = 0; reads < 100 && !ended; ++reads) {
    pollfd wait{fd, POLLIN, 0};
    if (::poll(&wait, 1, 10000) != 1) break;
    ended = ::recv(fd, buffer, sizeof buffer, 0) <= 0;
  }
  EXPECT_TRUE(ended) << "the kept-alive connection stayed open after the front door stopped";
  ::close(fd);
}

TEST_F(FrontDoorTest, ShouldListACheckpointAfterEveryCompletedTask) {
  const auto created = Http("POST", Url("/api/workflows"), testing::kCustomerAnalysisCurlBody);
  ASSERT_EQ(created.status, 201);
  const Json body = created.Json();
  const std::string id = body["id"];
  ASSERT_EQ(stack_.WaitForEnd(id).status, engine::WorkflowStatus::kCompleted);
  const auto response = Http("GET", Url("/api/workflows/" + id + "/checkpoints"));
  ASSERT_EQ(response.status, 200) << response.body;
  const Json checkpoints = response.Json();
  ASSERT_EQ(checkpoints.size(), 2u);
  EXPECT_EQ(checkpoints[0]["sequenceNumber"], 1);
  EXPECT_EQ(checkpoints[0]["type"], "automatic");
  EXPECT_EQ(checkpoints[0]["workflowExecutionId"], id);
  EXPECT_EQ(checkpoints[0]["completedTaskId"], body["tasks"][0]["id"]);
  EXPECT_EQ(checkpoints[0]["nextTaskId"], body["tasks"][1]["id"]);
  EXPECT_EQ(checkpoints[0]["contextSnapshot"]["progress"], 50);
  EXPECT_EQ(checkpoints[0]["contextSnapshot"]["results"].size(), 1u);
  EXPECT_TRUE(checkpoints[0]["isRecoverable"].get<bool>());
  EXPECT_EQ(checkpoints[1]["contextSnapshot"]["progress"], 100);
  // Each checkpoint stores the result it adds; a snapshot holds all so far.
  EXPECT_EQ(checkpoints[1]["contextSnapshot"]["results"].size(), 2u);
  EXPECT_EQ(
      checkpoints[1]["contextSnapshot"]["results"][body["tasks"][0]["id"].get<std::string>()],
      checkpoints[0]["contextSnapshot"]["results"][body["tasks"][0]["id"].get<std::string>()]);
  EXPECT_FALSE(checkpoints[1].contains("nextTaskId"));
  EXPECT_NE(checkpoints[0]["id"], checkpoints[1]["id"]);
  EXPECT_TRUE(response.Header("link").empty()) << "one page holds them all";
  ExpectProblem(Http("GET", Url("/api/workflows/wf_missing/checkpoints")), 404,
                "/api/workflows/wf_missing/checkpoints");

  // Page by page: the Link header names the next page until the last.
  const auto first = Http("GET", Url("/api/workflows/" + id + "/checkpoints?limit=1"));
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_EQ(first.Json().size(), 1u);
  EXPECT_EQ(first.Json()[0]["sequenceNumber"], 1);
  const std::string next_page = "/api/workflows/" + id + "/checkpoints?afterSequence=1&limit=1";
  EXPECT_EQ(first.Header("link"), "<" + next_page + ">; rel=\"next\"");
  const auto second = Http("GET", Url(next_page));
  ASSERT_EQ(second.Json().size(), 1u);
  EXPECT_EQ(second.Json()[0]["sequenceNumber"], checkpoints[1]["sequenceNumber"]);
  EXPECT_EQ(second.Json()[0]["contextSnapshot"]["progress"], 100);
  EXPECT_EQ(second.Json()[0]["contextSnapshot"]["results"],
            checkpoints[1]["contextSnapshot"]["results"])
      << "a page starting after the first checkpoint still merges its results";
  EXPECT_TRUE(second.Header("link").empty());
  const auto bad = Http("GET", Url("/api/workflows/" + id + "/checkpoints?limit=0&page=2"));
  ExpectProblem(bad, 400, "/api/workflows/" + id + "/checkpoints");
  EXPECT_EQ(bad.Json()["errors"].size(), 2u);
}

// Two sequential steps; the first takes `sleep_ms` (reporting progress), so a
// test can act while it runs.
std::string SlowWorkflow(int sleep_ms, const std::string& first_configuration = "{}") {
  Json body = Json::parse(R"({"definition": {"id": "slow", "name": "Slow", "pattern": "sequential",
    "maxRetries": 0, "steps": [{"id": "first", "name": "First", "agentType": "test-runner"},
                               {"id": "second", "name": "Second", "agentType": "test-runner"}]}})");
  body["definition"]["steps"][0]["configuration"] = Json::parse(first_configuration);
  body["definition"]["steps"][0]["configuration"]["sleepMs"] = sleep_ms;
  return body.dump();
}

// The first step would take a minute: only a cancel that reaches the agent
// (on `agent-control`) makes its report come within the test's wait.
constexpr int kMinute = 60000;

// An event stream whose client stops reading is dropped once a bounded
// queue is full, instead of queueing every event in memory: here ~7.7 MB of
// thoughts arrive while the client reads nothing, then it finds the stream
// ended although the workflow still runs.
TEST_F(FrontDoorTest, ShouldDropAnEventStreamWhoseClientStopsReading) {
  const std::string id =
      Http("POST", Url("/api/workflows"), SlowWorkflow(5 * kMinute)).Json()["id"];
  const std::string task_id = stack_.WaitForFirstTaskRunning(id);

  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  const int small = 4096;  // a client that reads nothing keeps its window shut
  ASSERT_EQ(::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(stack_.http_port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  const std::string get =
      "GET /api/workflows/" + id +
      "/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
  ASSERT_EQ(::send(fd, get.data(), get.size(), 0), static_cast<ssize_t>(get.size()));

  kafka::MessageProducer producer(kafka::BaseProperties(stack_.bootstrap(), "thinker"),
                                  std::chrono::seconds(10));
  const double received_before =
      Sample(Http("GET", Url("/metrics")).body, "agentstudio_workflow_events_received_total");
  const std::string content(64 * 1024, 't');
  // Enough to fill the server's socket buffer (as large as tcp_wmem's
  // maximum) and the 1 MiB queue behind it, with room to spare.
  size_t wmem_max = 4 << 20;
  {
    std::ifstream wmem("/proc/sys/net/ipv4/tcp_wmem");
    size_t low = 0, initial = 0;
    wmem >> low >> initial >> wmem_max;
  }
  const int kThoughts = static_cast<int>((wmem_max + (3 << 20)) / content.size()) + 1;
  const double dropped_before =
      Sample(Http("GET", Url("/metrics")).body, "agentstudio_sse_streams_dropped_total");
  for (int i = 0; i < kThoughts; ++i) {
    agentstudio::v1::TaskEvent event;
    event.set_schema_version(schemas::kSchemaVersion);
    event.set_event_id("thought-" + std::to_string(i));
    event.set_workflow_id(id);
    event.set_task_id(task_id);
    event.set_attempt(1);
    *event.mutable_timestamp() = schemas::ToTimestamp(engine::WallClockNow());
    event.mutable_progress()->set_percentage(1);
    event.mutable_progress()->mutable_thought()->set_type("reasoning");
    event.mutable_progress()->mutable_thought()->set_content(content);
    producer.Send(
        stack_.topics().task_events(), id, event.SerializeAsString(), {},
        [](const kafka::DeliveryResult& result) { EXPECT_TRUE(result.ok) << result.error; });
  }
  ASSERT_TRUE(producer.Flush(std::chrono::seconds(30)));
  // Once this front door's feed has had them all, the stream was handed them.
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        return Sample(Http("GET", Url("/metrics")).body,
                      "agentstudio_workflow_events_received_total") >= received_before + kThoughts;
      },
      std::chrono::seconds(60)));
  EXPECT_EQ(stack_.Load(id)->status, engine::WorkflowStatus::kRunning);

  // Reading now, the client gets what was queued, then the end: well before
  // the workflow's (its first step takes five minutes) would end the stream.
  const timeval poll_wait{1, 0};
  ASSERT_EQ(::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &poll_wait, sizeof poll_wait), 0);
  std::vector<char> buffer(1 << 16);
  size_t received = 0;
  bool ended = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!ended && std::chrono::steady_clock::now() < deadline) {
    const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (n > 0) {
      received += static_cast<size_t>(n);
    } else if (n == 0 || errno == ECONNRESET) {
      ended = true;
    }  // else the 1 s receive timeout: read again until the deadline
  }
  ::close(fd);
  EXPECT_TRUE(ended) << "the stream stayed open";
  EXPECT_LT(received, kThoughts * content.size()) << "not every event was queued for it";
  EXPECT_EQ(Sample(Http("GET", Url("/metrics")).body, "agentstudio_sse_streams_dropped_total"),
            dropped_before + 1);
  EXPECT_EQ(Http("GET", Url("/health")).status, 200);
  EXPECT_EQ(Http("POST", Url("/api/workflows/" + id + "/cancel")).status, 200);
}

TEST_F(FrontDoorTest, ShouldCancelARunningWorkflowAndStopItsAgent) {
  testing::TaskEventReader reports(stack_.bootstrap(), stack_.topics());
  const std::string id = Http("POST", Url("/api/workflows"), SlowWorkflow(kMinute)).Json()["id"];
  const std::string task_id = stack_.WaitForFirstTaskRunning(id);
  const auto cancelled = Http("POST", Url("/api/workflows/" + id + "/cancel"));
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(cancelled.Json()["message"], "Workflow '" + id + "' cancelled successfully");
  const engine::WorkflowState state = stack_.WaitForEnd(id);
  EXPECT_EQ(state.status, engine::WorkflowStatus::kCancelled);
  EXPECT_EQ(state.tasks[0].status, engine::TaskStatus::kSkipped);
  EXPECT_EQ(state.tasks[1].status, engine::TaskStatus::kSkipped);

  const auto task_reports = reports.WaitForFinalReport(task_id);
  ASSERT_FALSE(task_reports.empty()) << "the agent did not stop the cancelled task";
  const agentstudio::v1::TaskEvent& report = task_reports.back();
  EXPECT_EQ(report.error().code(), "CANCELLED");
  EXPECT_FALSE(report.error().retryable());
  EXPECT_EQ(report.error().message(), "Skipped: the workflow was cancelled");
  // The scheduler takes the agent's late report and changes nothing.
  auto session = stack_.database().Connect();
  const std::string message_id = "evt:" + report.event_id();
  ASSERT_TRUE(testing::WaitUntil([&] {
    int processed = 0;
    *session << "SELECT count(*) FROM processed_messages WHERE id = :id", soci::use(message_id),
        soci::into(processed);
    return processed == 1;
  }));
  const engine::WorkflowState after = *stack_.Load(id);
  EXPECT_EQ(after.status, engine::WorkflowStatus::kCancelled);
  EXPECT_EQ(after.tasks[0].status, engine::TaskStatus::kSkipped);
  EXPECT_TRUE(after.tasks[0].response.is_null());
  const auto again = Http("POST", Url("/api/workflows/" + id + "/cancel"));
  ExpectProblem(again, 409, "/api/workflows/" + id + "/cancel");
  EXPECT_EQ(again.Json()["errors"][0]["code"], "INVALID_WORKFLOW_STATUS");
  ExpectProblem(Http("POST", Url("/api/workflows/wf_nope/cancel")), 404,
                "/api/workflows/wf_nope/cancel");
}

TEST_F(FrontDoorTest, ShouldStopTheAgentOfAStepThatTimedOut) {
  testing::TaskEventReader reports(stack_.bootstrap(), stack_.topics());
  Json body = Json::parse(SlowWorkflow(kMinute));
  body["definition"]["steps"][0]["timeout"] = "PT1S";
  const std::string id = Http("POST", Url("/api/workflows"), body.dump()).Json()["id"];
  const std::string task_id = stack_.WaitForFirstTaskRunning(id);
  const engine::WorkflowState state = stack_.WaitForEnd(id);
  EXPECT_EQ(state.status, engine::WorkflowStatus::kFailed);
  EXPECT_EQ(state.tasks[0].error_message, "Step timed out after PT1S");
  const auto task_reports = reports.WaitForFinalReport(task_id);
  ASSERT_FALSE(task_reports.empty()) << "the agent did not stop the timed-out task";
  const agentstudio::v1::TaskEvent& report = task_reports.back();
  EXPECT_EQ(report.error().code(), "CANCELLED");
  EXPECT_EQ(report.error().message(), "Step timed out after PT1S");
}

TEST_F(FrontDoorTest, ShouldPauseWithoutDispatchingAndResumeToTheEnd) {
  const std::string id = Http("POST", Url("/api/workflows"), SlowWorkflow(1500)).Json()["id"];
  ASSERT_TRUE(testing::WaitUntil([&] {
    auto state = stack_.Load(id);
    return state && state->tasks[0].status == engine::TaskStatus::kRunning;
  }));
  ASSERT_EQ(Http("POST", Url("/api/workflows/" + id + "/pause")).status, 200);
  // The running step still completes; the next one waits for resume.
  ASSERT_TRUE(testing::WaitUntil(
      [&] { return stack_.Load(id)->tasks[0].status == engine::TaskStatus::kCompleted; }));
  engine::WorkflowState paused = *stack_.Load(id);
  EXPECT_EQ(paused.status, engine::WorkflowStatus::kPaused);
  EXPECT_EQ(paused.tasks[1].status, engine::TaskStatus::kPending);
  EXPECT_EQ(paused.tasks[1].attempt, 0) << "not dispatched while paused";
  const Json checkpoints = Http("GET", Url("/api/workflows/" + id + "/checkpoints")).Json();
  EXPECT_EQ(std::count_if(checkpoints.begin(), checkpoints.end(),
                          [](const Json& c) { return c["type"] == "paused"; }),
            1);
  ExpectProblem(Http("POST", Url("/api/workflows/" + id + "/pause")), 409,
                "/api/workflows/" + id + "/pause");
  // Resume answers once the resumed workflow ended, with its result.
  const auto resumed = Http("POST", Url("/api/workflows/" + id + "/resume"));
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  EXPECT_EQ(resumed.Json()["workflowId"], id);
  EXPECT_EQ(resumed.Json()["success"], true);
  EXPECT_EQ(resumed.Json()["context"]["progress"], 100);
  EXPECT_EQ(resumed.Json()["context"]["results"].size(), 2u);
  EXPECT_EQ(stack_.Load(id)->status, engine::WorkflowStatus::kCompleted);
}

TEST_F(FrontDoorTest, ShouldResumeAFailedWorkflowFromWhereItFailed) {
  const std::string id =
      Http("POST", Url("/api/workflows"), SlowWorkflow(0, R"({"failTimes": 1})")).Json()["id"];
  ASSERT_EQ(stack_.WaitForEnd(id).status, engine::WorkflowStatus::kFailed);
  const auto resumed = Http("POST", Url("/api/workflows/" + id + "/resume"));
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  EXPECT_EQ(resumed.Json()["success"], true);
  const engine::WorkflowState done = *stack_.Load(id);
  EXPECT_EQ(done.status, engine::WorkflowStatus::kCompleted);
  EXPECT_EQ(done.tasks[0].attempt, 2);
  EXPECT_EQ(done.tasks[1].attempt, 1);
}

TEST_F(FrontDoorTest, ShouldDeleteAFinishedWorkflowButNotARunningOne) {
  const std::string running = Http("POST", Url("/api/workflows"), SlowWorkflow(1500)).Json()["id"];
  ASSERT_TRUE(testing::WaitUntil([&] {
    auto state = stack_.Load(running);
    return state && state->status == engine::WorkflowStatus::kRunning;
  }));
  const auto refused = Http("DELETE", Url("/api/workflows/" + running));
  ExpectProblem(refused, 409, "/api/workflows/" + running);
  EXPECT_EQ(refused.Json()["errors"][0]["code"], "WORKFLOW_ALREADY_RUNNING");
  ASSERT_EQ(stack_.WaitForEnd(running).status, engine::WorkflowStatus::kCompleted);
  const auto deleted = Http("DELETE", Url("/api/workflows/" + running));
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(deleted.Json()["message"], "Workflow '" + running + "' deleted successfully");
  // Read-your-writes: the 200 comes once the deletion applied.
  EXPECT_EQ(Http("GET", Url("/api/workflows/" + running)).status, 404);
  EXPECT_EQ(Http("GET", Url("/api/workflows/" + running + "/checkpoints")).status, 404);
  auto session = stack_.database().Connect();
  int left = 0;
  *session << "SELECT (SELECT count(*) FROM tasks WHERE workflow_id = :id) + "
              "(SELECT count(*) FROM checkpoints WHERE workflow_id = :id2) + "
              "(SELECT count(*) FROM workflow_events WHERE workflow_id = :id3)",
      soci::use(running, "id"), soci::use(running, "id2"), soci::use(running, "id3"),
      soci::into(left);
  EXPECT_EQ(left, 0);
  ExpectProblem(Http("DELETE", Url("/api/workflows/wf_nope")), 404, "/api/workflows/wf_nope");
}

TEST_F(FrontDoorTest, ShouldAnswerAGetAfterADeleteWith404EveryTime) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    const auto created = Http("POST", Url("/api/workflows"), testing::kCustomerAnalysisCurlBody);
    ASSERT_EQ(created.status, 201) << created.body;
    ids.push_back(created.Json()["id"]);
  }
  for (const std::string& id : ids) {
    ASSERT_EQ(stack_.WaitForEnd(id).status, engine::WorkflowStatus::kCompleted);
    ASSERT_EQ(Http("DELETE", Url("/api/workflows/" + id)).status, 200);
    EXPECT_EQ(Http("GET", Url("/api/workflows/" + id)).status, 404) << id;
  }
}

TEST_F(FrontDoorTest, ShouldAnswerValidationErrorsWithEveryProblem) {
  const auto response = Http("POST", Url("/api/workflows"),
                             R"({"definition": {"id": "x", "name": "n", "pattern": "sequential",
                                  "steps": [], "timeout": "PT500M"}})");
  ExpectProblem(response, 422, "/api/workflows");
  const Json errors = response.Json()["errors"];
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0]["field"], "definition.steps");
  EXPECT_EQ(errors[0]["code"], "REQUIRED_FIELD");
  EXPECT_EQ(errors[1]["field"], "definition.timeout");
  EXPECT_EQ(errors[1]["code"], "RANGE_ERROR");
}

TEST_F(FrontDoorTest, ShouldAnswerMalformedJsonWith400) {
  ExpectProblem(Http("POST", Url("/api/workflows"), "{\"definition\": "), 400, "/api/workflows");
}

TEST_F(FrontDoorTest, ShouldAnswerUnknownWorkflowsAndRoutesWith404Problems) {
  ExpectProblem(Http("GET", Url("/api/workflows/wf_unknown")), 404, "/api/workflows/wf_unknown");
  ExpectProblem(Http("GET", Url("/api/workflows/..%2Fetc")), 404, "/api/workflows/..%2Fetc");
  ExpectProblem(Http("GET", Url("/api/nothing-here")), 404, "/api/nothing-here");
}

TEST_F(FrontDoorTest, ShouldListWorkflowsPageByPage) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    const auto created = Http("POST", Url("/api/workflows"), testing::kCustomerAnalysisCurlBody);
    ASSERT_EQ(created.status, 201);
    ids.push_back(created.Json()["id"]);
  }
  for (const std::string& id : ids) {
    ASSERT_EQ(stack_.WaitForEnd(id).status, engine::WorkflowStatus::kCompleted);
  }
  const auto first = Http("GET", Url("/api/workflows?status=completed&limit=2&sortOrder=asc"));
  ASSERT_EQ(first.status, 200) << first.body;
  const Json page = first.Json();
  EXPECT_EQ(page["total"], 3);
  EXPECT_EQ(page["limit"], 2);
  EXPECT_TRUE(page["hasMore"].get<bool>());
  ASSERT_EQ(page["items"].size(), 2u);
  EXPECT_EQ(page["items"][0]["id"], ids[0]) << "oldest first";
  EXPECT_EQ(page["items"][0]["status"], "completed");
  EXPECT_EQ(page["items"][0]["context"]["progress"], 100);
  EXPECT_TRUE(page["items"][0].contains("completedAt"));
  const Json last =
      Http("GET", Url("/api/workflows?status=completed&limit=2&offset=2&sortOrder=asc")).Json();
  ASSERT_EQ(last["items"].size(), 1u);
  EXPECT_EQ(last["items"][0]["id"], ids[2]);
  EXPECT_FALSE(last["hasMore"].get<bool>());
  const Json newest = Http("GET", Url("/api/workflows?sortBy=completedAt&sortOrder=desc")).Json();
  EXPECT_EQ(newest["total"], 3);
  for (size_t i = 1; i < newest["items"].size(); ++i) {
    // RFC 3339 UTC strings of one format sort like the instants they name.
    EXPECT_GE(newest["items"][i - 1]["completedAt"].get<std::string>(),
              newest["items"][i]["completedAt"].get<std::string>());
  }
  EXPECT_EQ(Http("GET", Url("/api/workflows?status=running")).Json()["total"], 0);
}

TEST_F(FrontDoorTest, ShouldRefuseBadListParametersWith400) {
  const auto response = Http("GET", Url("/api/workflows?limit=0&sortBy=name&color=blue"));
  ExpectProblem(response, 400, "/api/workflows");
  EXPECT_EQ(response.Json()["errors"].size(), 3u);
}

TEST_F(FrontDoorTest, ShouldListTheAgentTypesKnownFromHeartbeats) {
  Json types;
  ASSERT_TRUE(testing::WaitUntil([&] {
    types = Http("GET", Url("/api/meta-agent/types")).Json();
    return types.size() == agents::ReferenceAgentTypes().size();
  })) << types.dump();
  EXPECT_EQ(types, Json::array({"code-analyzer", "data-analyzer", "data-collector", "noop",
                                "report-generator", "sentiment-analyzer", "test-runner"}));
  const auto health = Http("GET", Url("/api/meta-agent/health"));
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.Json()["status"], "healthy");
}

// An agent of each type the README workflow uses sent a heartbeat ten
// minutes ago: the types are known (work for them is accepted) but no agent
// is live.
void AddAgentSeenLongAgo(const testing::InProcessStack& stack) {
  auto session = stack.database().Connect();
  store::UpsertAgents(*session, {{"agent-1",
                                  {"data-collector", "sentiment-analyzer"},
                                  "healthy",
                                  0,
                                  0,
                                  {},
                                  engine::WallClockNow() - 600000}});
}

// A front door with no scheduler behind it: accepted work is never applied.
TEST(FrontDoorAloneTest, ShouldAnswerAGetRightAfterTheCreateWithThePendingExecution) {
  testing::InProcessStack stack({Role::kFrontdoor});
  AddAgentSeenLongAgo(stack);
  const auto created =
      Http("POST", stack.base_url() + "/api/workflows", testing::kCustomerAnalysisCurlBody);
  ASSERT_EQ(created.status, 201) << created.body;
  const auto got =
      Http("GET", stack.base_url() + "/api/workflows/" + created.Json()["id"].get<std::string>());
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.Json(), created.Json());
  EXPECT_EQ(got.Header("etag"), created.Header("etag"));
  // Without live agents the agent service is reported unhealthy.
  EXPECT_EQ(Http("GET", stack.base_url() + "/api/meta-agent/types").Json(), Json::array());
  const auto health = Http("GET", stack.base_url() + "/api/meta-agent/health");
  EXPECT_EQ(health.status, 503);
  EXPECT_EQ(health.Json()["status"], "unhealthy");
}

// The all-in-one process (scripts/run): work for the agent types its own
// agent role serves is accepted before any of its heartbeats reached
// PostgreSQL (here none ever does: no scheduler ingests them).
TEST(FrontDoorAloneTest, ShouldAcceptWorkForTheAgentTypesOfItsOwnAgentAtOnce) {
  testing::InProcessStack stack({Role::kFrontdoor, Role::kAgent});
  const auto created =
      Http("POST", stack.base_url() + "/api/workflows", testing::kCustomerAnalysisCurlBody);
  EXPECT_EQ(created.status, 201) << created.body;
  const auto unknown = Http("POST", stack.base_url() + "/api/workflows", R"({"definition": {
      "id": "u", "name": "U", "pattern": "sequential",
      "steps": [{"id": "a", "name": "A", "agentType": "nobody-serves-this"}]}})");
  EXPECT_EQ(unknown.status, 400) << unknown.body;
}

// systemctl stop while Kafka hangs with commands unconfirmed: their delivery
// reports (due after the delivery timeout, here 7 s: past the 5 s the stop
// waits for Kafka) must not reach a destroyed front door. Under ASan this is a use-after-free
// when the producer outlives the front door.
TEST(FrontDoorShutdownTest, ShouldStopCleanlyWhileKafkaHoldsCommandsUnconfirmed) {
  testing::KafkaCluster cluster(1);
  auto stack = std::make_unique<testing::InProcessStack>(
      std::set<Role>{Role::kFrontdoor}, [](daemon::Config& c) { c.delivery_timeout_ms = 7000; },
      testing::StackKafka{cluster.bootstrap()});
  AddAgentSeenLongAgo(*stack);
  const std::string url = stack->base_url();
  ASSERT_EQ(Http("POST", url + "/api/workflows", testing::kCustomerAnalysisCurlBody).status, 201);
  cluster.Pause(1);
  std::vector<std::thread> clients;
  std::atomic<int> answered{0};
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back([&] {
      const auto response =
          Http("POST", url + "/api/workflows", testing::kCustomerAnalysisCurlBody);
      // Answered before the front door goes, from the report of the purge:
      // sent, never confirmed, so possibly stored.
      EXPECT_EQ(response.status, 503) << response.body;
      EXPECT_NE(response.body.find("may still have been stored"), std::string::npos)
          << response.body;
      ++answered;
    });
  }
  ASSERT_TRUE(testing::WaitUntil([&] {
    return Sample(Http("GET", url + "/metrics").body, "agentstudio_commands_unconfirmed") == 4;
  }));
  stack.reset();  // RoleRunner::Stop, as on SIGTERM
  for (auto& client : clients) client.join();
  EXPECT_EQ(answered.load(), 4);
  cluster.Resume(1);
}

// cancel and pause right after the 201 find the execution the 201 announced
// (no scheduler has applied it: here there is none), and their commands go
// after the start on the workflow's partition.
TEST(FrontDoorAloneTest, ShouldControlAnExecutionRightAfterTheCreate) {
  testing::InProcessStack stack({Role::kFrontdoor});
  AddAgentSeenLongAgo(stack);
  const auto url = [&](const std::string& path) { return stack.base_url() + path; };
  const auto created = Http("POST", url("/api/workflows"), testing::kCustomerAnalysisCurlBody);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.Json()["id"];
  const auto paused = Http("POST", url("/api/workflows/" + id + "/pause"));
  EXPECT_EQ(paused.status, 200) << paused.body;
  const auto cancelled = Http("POST", url("/api/workflows/" + id + "/cancel"));
  EXPECT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(cancelled.Json()["message"], "Workflow '" + id + "' cancelled successfully");
  // Pending as far as anyone knows: not resumable, not deletable.
  EXPECT_EQ(Http("POST", url("/api/workflows/" + id + "/resume")).status, 409);
  const auto not_deleted = Http("DELETE", url("/api/workflows/" + id));
  EXPECT_EQ(not_deleted.status, 409) << not_deleted.body;
  EXPECT_EQ(Http("POST", url("/api/workflows/wf_unknown/cancel")).status, 404);

  kafka::BatchConsumer commands(kafka::BaseProperties(stack.bootstrap(), "command-reader"),
                                {stack.topics().prefix() + "command-reader",
                                 {stack.topics().commands()},
                                 100,
                                 std::chrono::milliseconds(200)});
  std::vector<agentstudio::v1::WorkflowCommand::KindCase> kinds;
  ASSERT_TRUE(testing::WaitUntil([&] {
    for (const auto& message : commands.Poll()) {
      agentstudio::v1::WorkflowCommand command;
      EXPECT_TRUE(command.ParseFromString(message.payload));
      EXPECT_EQ(message.key, id);
      kinds.push_back(command.kind_case());
    }
    return kinds.size() >= 3;
  }));
  EXPECT_EQ(kinds,
            (std::vector<agentstudio::v1::WorkflowCommand::KindCase>{
                agentstudio::v1::WorkflowCommand::kStart, agentstudio::v1::WorkflowCommand::kPause,
                agentstudio::v1::WorkflowCommand::kCancel}));
}

// A start the scheduler dead-letters is forgotten by the front door that
// accepted it: GET turns from the pending execution to 404. (Through REST a
// start is valid; here another execution already has one of its task ids,
// put there before a scheduler runs.)
TEST(FrontDoorAloneTest, ShouldForgetAnAcceptedWorkflowWhoseStartWasDeadLettered) {
  testing::InProcessStack stack({Role::kFrontdoor});
  AddAgentSeenLongAgo(stack);
  const auto created =
      Http("POST", stack.base_url() + "/api/workflows", testing::kCustomerAnalysisCurlBody);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.Json()["id"];
  const std::string taken = created.Json()["tasks"][0]["id"];
  const auto parsed = engine::ParseWorkflowRequest(Json::parse(testing::kCustomerAnalysisCurlBody));
  engine::WorkflowState squatter =
      engine::PlanExecution("wf_squatter", parsed.request, {taken, "task_squatter_2"}, 1);
  {
    auto session = stack.database().Connect();
    store::SaveExecutions(*session, {{&squatter, nullptr}});
  }
  EXPECT_EQ(Http("GET", stack.base_url() + "/api/workflows/" + id).status, 200);

  store::SessionPool pool(stack.database().url(), 1);
  kafka::MessageProducer producer(kafka::BaseProperties(stack.bootstrap(), "test-scheduler"),
                                  std::chrono::seconds(10));
  kafka::SchedulerConsumer scheduler(kafka::BaseProperties(stack.bootstrap(), "test-scheduler"),
                                     stack.topics(), pool, producer);
  std::atomic<bool> stop{false};
  std::thread runner([&] { scheduler.Run(stop); });
  EXPECT_TRUE(testing::WaitUntil(
      [&] { return Http("GET", stack.base_url() + "/api/workflows/" + id).status == 404; }));
  stop = true;
  runner.join();
  EXPECT_EQ(scheduler.counters().dead_lettered.load(), 1u);
}

// A DELETE that no scheduler applies in time answers 202: the command is
// durable and the deletion applies later.
TEST(FrontDoorAloneTest, ShouldAcceptADeleteNoSchedulerAppliesInTime) {
  testing::InProcessStack stack({Role::kFrontdoor},
                                [](daemon::Config& c) { c.delete_wait_ms = 300; });
  const auto parsed = engine::ParseWorkflowRequest(Json::parse(testing::kCustomerAnalysisCurlBody));
  ASSERT_TRUE(parsed.ok());
  engine::WorkflowState finished =
      engine::PlanExecution("wf_finished", parsed.request, {"task_f1", "task_f2"}, 1);
  finished.status = engine::WorkflowStatus::kCompleted;
  {
    auto session = stack.database().Connect();
    store::SaveExecutions(*session, {{&finished, nullptr}});
  }
  const auto accepted = Http("DELETE", stack.base_url() + "/api/workflows/wf_finished");
  EXPECT_EQ(accepted.status, 202) << accepted.body;
  EXPECT_NE(accepted.Json()["message"].get<std::string>().find("accepted"), std::string::npos);
  EXPECT_TRUE(stack.Load("wf_finished").has_value()) << "no scheduler deleted it";
}

TEST_F(FrontDoorTest, ShouldReportHealthOfPostgresqlAndKafka) {
  const auto response = Http("GET", Url("/health"));
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.Json()["status"], "healthy");
  EXPECT_EQ(response.Json()["checks"]["postgresql"]["status"], "up");
  EXPECT_EQ(response.Json()["checks"]["kafka"]["status"], "up");
}

// The value of the sample `series` (name{labels}) in a Prometheus text page.

// An execute/stream whose command Kafka does not store (over its message
// limit, under the HTTP one) leaves no listener behind.
TEST_F(FrontDoorTest, ShouldNotKeepListeningForAStreamWhoseCommandWasNotStored) {
  std::string numbers = "1";
  for (int i = 1; i < 150000; ++i) numbers += ",1";
  const auto refused =
      Http("POST", Url("/api/meta-agent/test-runner/execute/stream"),
           R"({"task": "Run the tests", "input": {"numbers": [)" + numbers + "]}}");
  EXPECT_EQ(refused.status, 413) << refused.body.substr(0, 300);
  EXPECT_EQ(Sample(Http("GET", Url("/metrics")).body, "agentstudio_workflow_event_subscriptions"),
            0);
}

TEST_F(FrontDoorTest, ShouldCountPoisonMessagesAndWorkOnMetrics) {
  kafka::MessageProducer raw(kafka::BaseProperties(stack_.bootstrap(), "poisoner"),
                             std::chrono::seconds(10));
  ASSERT_TRUE(raw.SendAndWait(stack_.topics().commands(), "k", "\xff not protobuf", {}).ok);
  ASSERT_TRUE(raw.SendAndWait(stack_.topics().tasks("test-runner"), "t", "\xff", {}).ok);
  const auto created = Http("POST", Url("/api/workflows"), testing::kCustomerAnalysisCurlBody);
  ASSERT_EQ(created.status, 201);
  EXPECT_EQ(stack_.WaitForEnd(created.Json()["id"]).status, engine::WorkflowStatus::kCompleted);

  testing::HttpResponse metrics;
  ASSERT_TRUE(testing::WaitUntil([&] {
    metrics = Http("GET", Url("/metrics"));
    return Sample(metrics.body, R"(agentstudio_dead_lettered_total{consumer="agent"})") >= 1 &&
           Sample(metrics.body, R"(agentstudio_dead_lettered_total{consumer="scheduler"})") >= 1;
  })) << metrics.body;
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.Header("content-type"), "text/plain; version=0.0.4");
  EXPECT_GE(Sample(metrics.body, R"(agentstudio_agent_tasks_total{outcome="completed"})"), 2);
  EXPECT_GE(Sample(metrics.body, R"(agentstudio_scheduler_messages_total{outcome="applied"})"), 1);
  EXPECT_GE(Sample(metrics.body, "agentstudio_relay_published_total"), 1);
  EXPECT_EQ(Sample(metrics.body, R"(agentstudio_offset_resets_total{consumer="scheduler"})"), 0);
}

TEST_F(FrontDoorTest, ShouldRefuseAgentTypesNoAgentServesWith400) {
  Json body = Json::parse(testing::kCustomerAnalysisCurlBody);
  body["definition"]["steps"][1]["agentType"] = "unknown-agent";
  const auto refused = Http("POST", Url("/api/workflows"), body.dump());
  ExpectProblem(refused, 400, "/api/workflows");
  EXPECT_EQ(refused.Json()["errors"][0]["field"], "definition.steps[1].agentType");
  EXPECT_EQ(refused.Json()["errors"][0]["code"], "AGENT_TYPE_NOT_FOUND");
}

TEST_F(FrontDoorTest, ShouldExecuteAWorkflowAndAnswerWithItsResultWhenItEnds) {
  // The reference's "Execute Workflow and Wait" request, as written.
  const auto answer = Http("POST", Url("/api/workflows/execute"), R"({
    "definition": {"id": "quick-analysis", "name": "Quick Data Analysis", "pattern": "sequential",
      "steps": [{"id": "analyze", "name": "Analyze Data", "agentType": "data-analyzer",
                 "configuration": {"model": "fast"}}],
      "timeout": "00:10:00"},
    "input": {"data": [1, 2, 3, 4, 5]}, "initiatedBy": "api-client"})");
  ASSERT_EQ(answer.status, 200) << answer.body;
  const Json body = answer.Json();
  EXPECT_EQ(body["success"], true);
  const std::string id = body["workflowId"];
  EXPECT_EQ(body["context"]["workflowExecutionId"], id);
  EXPECT_EQ(body["context"]["progress"], 100);
  ASSERT_EQ(body["context"]["results"].size(), 1u);
  const Json result = body["context"]["results"].begin().value();
  EXPECT_EQ(result["result"]["mean"], 3);
  EXPECT_EQ(result["result"]["stdDev"], 1.414);
  EXPECT_FALSE(result["thoughts"].empty());
  EXPECT_EQ(body["context"]["events"].back()["type"], "WorkflowCompleted");
  EXPECT_EQ(body["duration"].get<std::string>().size(), std::string("00:00:00.000").size());
  EXPECT_EQ(stack_.Load(id)->status, engine::WorkflowStatus::kCompleted);
}

TEST_F(FrontDoorTest, ShouldExecuteAFailingWorkflowAndSayItFailed) {
  const auto answer =
      Http("POST", Url("/api/workflows/execute"), SlowWorkflow(0, R"({"failNonRetryable": true})"));
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.Json()["success"], false);
  EXPECT_EQ(answer.Json()["status"], "failed");
  EXPECT_NE(answer.Json()["errorMessage"].get<std::string>().find("failNonRetryable"),
            std::string::npos);
}

// Opens the SSE stream and reads it to its end; returns (id, event type) pairs.
std::vector<std::pair<int64_t, std::string>> ReadEvents(const std::string& url,
                                                        const std::string& last_event_id = "") {
  std::map<std::string, std::string> headers;
  if (!last_event_id.empty()) headers["Last-Event-ID"] = last_event_id;
  const auto response = Http("GET", url, "", headers);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("content-type"), "text/event-stream");
  std::vector<std::pair<int64_t, std::string>> events;
  for (const testing::SseEvent& event : testing::ParseSse(response.body)) {
    events.emplace_back(std::stoll(event.id), event.event);
  }
  return events;
}

TEST_F(FrontDoorTest, ShouldStreamAWorkflowsEventsToTheEndAndResumeAfterLastEventId) {
  const std::string id = Http("POST", Url("/api/workflows"), SlowWorkflow(600)).Json()["id"];
  // Opened right after the 201: the stream follows the run live and ends by itself.
  const auto live = ReadEvents(Url("/api/workflows/" + id + "/events"));
  ASSERT_FALSE(live.empty());
  EXPECT_EQ(live.front(), std::make_pair(int64_t{1}, std::string("WorkflowStarted")));
  EXPECT_EQ(live.back().second, "WorkflowCompleted");
  for (size_t i = 0; i < live.size(); ++i) {
    EXPECT_EQ(live[i].first, static_cast<int64_t>(i + 1)) << "in order, none twice or missing";
  }
  EXPECT_EQ(live.size(), static_cast<size_t>(stack_.Load(id)->last_event_sequence));

  // A client that reconnects gets exactly what it missed.
  const auto rest = ReadEvents(Url("/api/workflows/" + id + "/events"), "3");
  ASSERT_EQ(rest.size(), live.size() - 3);
  EXPECT_EQ(rest.front().first, 4);
  EXPECT_EQ(rest.back().second, "WorkflowCompleted");

  ExpectProblem(Http("GET", Url("/api/workflows/wf_nope/events")), 404,
                "/api/workflows/wf_nope/events");
  ExpectProblem(Http("GET", Url("/api/workflows/" + id + "/events"), "", {{"Last-Event-ID", "x"}}),
                400, "/api/workflows/" + id + "/events");
}

// 270 million hours (~30,800 years, within what the parser accepts): a wait
// that long overflowed steady_clock arithmetic and, wrapped into the past,
// answered 504 at once.
TEST_F(FrontDoorTest, ShouldWaitForATaskWhoseTimeoutIsMillenniaAway) {
  const auto answer = Http("POST", Url("/api/meta-agent/test-runner/execute"),
                           R"({"task": "Run the tests", "timeout": "PT270000000H"})");
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.Json()["success"], true);
}

TEST_F(FrontDoorTest, ShouldExecuteOneAgentTaskAndAnswerItsResponse) {
  // The reference's "Execute Agent Task" request body, as written.
  const auto answer = Http("POST", Url("/api/meta-agent/sentiment-analyzer/execute"), R"({
    "task": "Analyze the sentiment of customer reviews",
    "input": {"reviews": ["Great product! Highly recommend.",
                          "Terrible experience, would not buy again.",
                          "It's okay, nothing special."]},
    "context": {"language": "en", "domain": "e-commerce"},
    "configuration": {"model": "bert-base-uncased", "temperature": 0.7, "maxTokens": 1000},
    "timeout": "00:05:00"})");
  ASSERT_EQ(answer.status, 200) << answer.body;
  const Json body = answer.Json();
  EXPECT_EQ(body["success"], true);
  EXPECT_EQ(body["result"]["sentiments"].size(), 3u);
  EXPECT_EQ(body["result"]["overallSentiment"], "mixed");
  EXPECT_FALSE(body["thoughts"].empty());
  EXPECT_EQ(body["metadata"]["model"], "bert-base-uncased");
  // The caller's context reached the agent.
  const auto task = stack_.Load(body["metadata"]["workflowId"])->tasks.at(0);
  EXPECT_EQ(task.request["context"]["domain"], "e-commerce");
  EXPECT_EQ(task.request["task"], "Analyze the sentiment of customer reviews");
}

TEST_F(FrontDoorTest, ShouldStreamThoughtsThenTheResponseThenDone) {
  const auto answer = Http("POST", Url("/api/meta-agent/data-analyzer/execute/stream"),
                           R"({"task": "Analyze dataset", "input": {"data": [1, 2, 3, 4, 5, 6]}})");
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.Header("content-type"), "text/event-stream");
  std::vector<std::string> data;
  for (const testing::SseEvent& event : testing::ParseSse(answer.body)) data.push_back(event.data);
  ASSERT_EQ(data.size(), 4u) << answer.body;  // two thoughts, the response, [DONE]
  EXPECT_EQ(Json::parse(data[0])["type"], "thought");
  EXPECT_EQ(Json::parse(data[0])["thought"]["type"], "observation");
  EXPECT_EQ(Json::parse(data[1])["type"], "thought");
  const Json response = Json::parse(data[2]);
  EXPECT_EQ(response["type"], "response");
  EXPECT_EQ(response["response"]["success"], true);
  EXPECT_EQ(response["response"]["result"]["mean"], 3.5);
  EXPECT_EQ(data[3], "[DONE]");
}

TEST_F(FrontDoorTest, ShouldMapAgentTaskFailuresToTheReferenceStatuses) {
  const std::string base = "/api/meta-agent/";
  const auto unknown = Http("POST", Url(base + "unknown-agent/execute"), R"({"task": "x"})");
  ExpectProblem(unknown, 400, base + "unknown-agent/execute");
  EXPECT_EQ(unknown.Json()["detail"], "Invalid agent type 'unknown-agent'");

  const auto missing = Http("POST", Url(base + "test-runner/execute"), R"({"input": {}})");
  ExpectProblem(missing, 422, base + "test-runner/execute");
  EXPECT_EQ(missing.Json()["errors"][0]["field"], "task");

  const auto failed = Http("POST", Url(base + "test-runner/execute"),
                           R"({"task": "x", "configuration": {"failNonRetryable": true}})");
  ExpectProblem(failed, 502, base + "test-runner/execute");
  EXPECT_EQ(failed.Json()["agentType"], "test-runner");

  const auto slow = Http("POST", Url(base + "test-runner/execute"),
                         R"({"task": "x", "timeout": "PT1S", "configuration": {"sleepMs": 3000}})");
  ExpectProblem(slow, 504, base + "test-runner/execute");
  EXPECT_EQ(slow.Json()["type"], "https://api.agentstudio.dev/errors/agent-timeout");
}

TEST_F(FrontDoorTest, ShouldCancelARunningAgentTask) {
  testing::TaskEventReader reports(stack_.bootstrap(), stack_.topics());
  const std::string id = Http("POST", Url("/api/workflows"), SlowWorkflow(kMinute)).Json()["id"];
  const std::string task_id = stack_.WaitForFirstTaskRunning(id);
  const auto cancelled = Http("POST", Url("/api/meta-agent/tasks/" + task_id + "/cancel"));
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(cancelled.Json()["message"], "Task '" + task_id + "' cancelled successfully");
  const engine::WorkflowState ended = stack_.WaitForEnd(id);
  EXPECT_EQ(ended.status, engine::WorkflowStatus::kFailed);
  EXPECT_EQ(ended.tasks[0].error_message, "Cancelled: requested through the REST API");
  EXPECT_EQ(ended.tasks[1].status, engine::TaskStatus::kSkipped);
  const auto task_reports = reports.WaitForFinalReport(task_id);
  ASSERT_FALSE(task_reports.empty()) << "the agent did not stop the cancelled task";
  const agentstudio::v1::TaskEvent& report = task_reports.back();
  EXPECT_EQ(report.error().message(), "Cancelled: requested through the REST API");
  // A finished task cannot be cancelled.
  ExpectProblem(Http("POST", Url("/api/meta-agent/tasks/" + task_id + "/cancel")), 404,
                "/api/meta-agent/tasks/" + task_id + "/cancel");
}

TEST(ExecuteTimeoutTest, ShouldAnswer408WhenTheWorkflowOutlivesTheWait) {
  testing::InProcessStack stack({Role::kFrontdoor, Role::kScheduler, Role::kRelay, Role::kAgent},
                                [](daemon::Config& c) { c.execute_timeout_ms = 1500; });
  const auto answer = Http("POST", stack.base_url() + "/api/workflows/execute", SlowWorkflow(4000));
  EXPECT_EQ(answer.status, 408) << answer.body;
  EXPECT_EQ(answer.Header("content-type"), "application/problem+json");
  const Json body = answer.Json();
  EXPECT_EQ(body["type"], "https://api.agentstudio.dev/errors/workflow-timeout");
  EXPECT_EQ(body["timeoutSeconds"], 1);
  // The workflow goes on and ends by itself.
  EXPECT_EQ(stack.WaitForEnd(body["workflowId"]).status, engine::WorkflowStatus::kCompleted);
}

}  // namespace
}  // namespace agentstudio
