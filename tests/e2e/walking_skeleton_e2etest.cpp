// The whole stack as separate agentstudiod processes (frontdoor, scheduler,
// relay, agent) on the real Kafka broker, driven over REST, the CLI and curl;
// and agentstudiod alone in its development mode (every role and the
// embedded toy broker in one process).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>

#include "agents/reference/reference_agents.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process_stack.hpp"
#include "tests/support/reference_examples.hpp"
#include "tests/support/test_database.hpp"
#include "tests/support/wait.hpp"

namespace agentstudio {
namespace {

using Json = nlohmann::json;
using testing::ChildProcess;
using testing::Http;

class WalkingSkeletonTest : public ::testing::Test {
 protected:
  void TearDown() override {
    // SIGTERM drains every role; each must exit 0.
    for (const std::string& failure : stack_.Stop()) ADD_FAILURE() << failure;
  }

  std::string Url(const std::string& path) const { return stack_.Url(path); }

  testing::ProcessStack stack_;
};

TEST_F(WalkingSkeletonTest, ShouldRunTheCustomerFeedbackAnalysisFromPostToCompleted) {
  const auto created = Http("POST", Url("/api/workflows"), testing::kCustomerFeedbackAnalysis);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.Json()["id"];
  const Json done = stack_.WaitForEnd(id);
  ASSERT_EQ(done["status"], "completed") << done.dump();
  ASSERT_EQ(done["tasks"].size(), 3u);
  const Json& results = done["context"]["results"];
  ASSERT_EQ(results.size(), 3u);
  for (const Json& task : done["tasks"]) {
    EXPECT_EQ(task["status"], "completed");
    ASSERT_TRUE(results.contains(task["id"].get<std::string>())) << task["id"];
    EXPECT_EQ(results[task["id"].get<std::string>()], task["response"]);
  }
  EXPECT_EQ(done["tasks"][0]["response"]["result"]["recordsCollected"], 1000);
  EXPECT_EQ(done["tasks"][1]["response"]["result"]["overallSentiment"], "mixed");
  EXPECT_EQ(done["tasks"][2]["response"]["result"]["format"], "pdf");
  EXPECT_EQ(done["context"]["progress"], 100);
  EXPECT_EQ(done["initiatedBy"], "user@example.com");
}

TEST_F(WalkingSkeletonTest, ShouldAcceptWorkFromTheCliStraightOverKafka) {
  const std::string path = ::testing::TempDir() + "cfa." + std::to_string(getpid()) + ".json";
  std::ofstream(path) << testing::kCustomerFeedbackAnalysis;
  const auto [status, out] =
      ChildProcess::Run(AGENTSTUDIO_CLI_PATH, {"submit", path},
                        {{"AGENTSTUDIO_KAFKA_BROKERS", stack_.bootstrap()},
                         {"AGENTSTUDIO_TOPIC_PREFIX", stack_.topics().prefix()}});
  ASSERT_EQ(status, 0) << out;
  const std::string id = Json::parse(out)["id"];
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        const auto [code, text] =
            ChildProcess::Run(AGENTSTUDIO_CLI_PATH, {"get", id}, {{"AGENTSTUDIO_URL", Url("")}});
        const Json body = Json::parse(text, nullptr, false);
        return code == 0 && body.is_object() && body["status"] == "completed";
      },
      std::chrono::seconds(60)));
}

TEST_F(WalkingSkeletonTest, ShouldRunTheReferenceCurlExamplesAsWritten) {
  // "Create and Start Workflow" and "Get Workflow Details", base URL swapped.
  const std::string create = "curl -s -X POST " + Url("/api/workflows") + R"( \
  -H "Authorization: Bearer $TOKEN" \
  -H "Content-Type: application/json" \
  -d ')" + testing::kCustomerAnalysisCurlBody +
                             "'";
  const auto [status, out] = ChildProcess::Run("/bin/sh", {"-c", create}, {{"TOKEN", "dev"}});
  ASSERT_EQ(status, 0);
  const Json created = Json::parse(out, nullptr, false);
  ASSERT_TRUE(created.is_object() && created.contains("id")) << out;
  EXPECT_EQ(created["status"], "pending");
  const std::string get = "curl -s " + Url("/api/workflows/" + created["id"].get<std::string>()) +
                          R"( \
  -H "Authorization: Bearer $TOKEN")";
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        const auto [code, text] = ChildProcess::Run("/bin/sh", {"-c", get}, {{"TOKEN", "dev"}});
        const Json body = Json::parse(text, nullptr, false);
        return code == 0 && body.is_object() && body["status"] == "completed";
      },
      std::chrono::seconds(60)));

  // "List Workflows", "Resume Workflow" and "Get Available Agent Types".
  const auto curl = [&](const std::string& method, const std::string& path) {
    const std::string command =
        "curl -s" + (method == "GET" ? "" : " -X " + method) + " \"" + Url(path) + R"(" \
  -H "Authorization: Bearer $TOKEN")";
    const auto [code, text] = ChildProcess::Run("/bin/sh", {"-c", command}, {{"TOKEN", "dev"}});
    EXPECT_EQ(code, 0) << command;
    return Json::parse(text, nullptr, false);
  };
  EXPECT_EQ(curl("GET", "/api/workflows?status=running&limit=50")["limit"], 50);
  const Json completed =
      curl("GET", "/api/workflows?status=completed&sortBy=completedAt&sortOrder=desc");
  ASSERT_EQ(completed["items"].size(), 1u) << completed.dump();
  EXPECT_EQ(completed["items"][0]["id"], created["id"]);
  // A completed workflow cannot be resumed: 409 problem.
  const Json resumed =
      curl("POST", "/api/workflows/" + created["id"].get<std::string>() + "/resume");
  EXPECT_EQ(resumed["status"], 409) << resumed.dump();
  EXPECT_EQ(curl("GET", "/api/meta-agent/types").size(), agents::ReferenceAgentTypes().size());
}

// agentstudiod with no broker configured: the quick try without Java.
TEST(DevelopmentModeTest, ShouldRunAWorkflowOnTheEmbeddedBrokerInOneProcess) {
  testing::TestDatabase database;
  const std::string broker_file =
      ::testing::TempDir() + "broker." + std::to_string(getpid()) + ".txt";
  const int port = testing::FreePort();
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  ChildProcess daemon(AGENTSTUDIOD_PATH, {},
                      {{"AGENTSTUDIO_KAFKA_BROKERS", ""},
                       {"AGENTSTUDIO_DATABASE_URL", database.url()},
                       {"AGENTSTUDIO_HTTP_ADDR", "127.0.0.1:" + std::to_string(port)},
                       {"AGENTSTUDIO_BROKER_FILE", broker_file},
                       {"AGENTSTUDIO_HEARTBEAT_MS", "500"}},
                      "agentstudiod-all");
  // The first line of stdout is the embedded broker's bootstrap list, also
  // written where AGENTSTUDIO_BROKER_FILE says.
  const auto bootstrap = daemon.FirstLine(std::chrono::seconds(30));
  ASSERT_TRUE(bootstrap) << daemon.Output();
  EXPECT_EQ(bootstrap->rfind("127.0.0.1:", 0), 0u) << *bootstrap;
  ASSERT_TRUE(testing::WaitUntil([&] {
    std::ifstream file(broker_file);
    std::string written;
    std::getline(file, written);
    return written == *bootstrap;
  }));
  ASSERT_TRUE(testing::WaitUntil([&] {
    return Http("GET", url + "/api/meta-agent/types").Json().size() ==
           agents::ReferenceAgentTypes().size();
  })) << daemon.Output();
  const auto created = Http("POST", url + "/api/workflows", testing::kCustomerAnalysisCurlBody);
  ASSERT_EQ(created.status, 201) << created.body;
  ASSERT_TRUE(testing::WaitUntil([&] {
    return Http("GET", url + "/api/workflows/" + created.Json()["id"].get<std::string>())
               .Json()
               .value("status", "") == "completed";
  })) << daemon.Output();
  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.Wait(std::chrono::seconds(30)), std::optional<int>(0)) << daemon.Output();
  // It says plainly that it is a toy.
  EXPECT_NE(daemon.Output().find("a development toy"), std::string::npos);
}

}  // namespace
}  // namespace agentstudio
