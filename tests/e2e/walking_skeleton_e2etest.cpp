// The whole stack as separate agentstudiod processes (broker, frontdoor,
// scheduler, relay, agent), driven over REST, the CLI and curl.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
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
  void SetUp() override {
    const std::string broker_file = ::testing::TempDir() + "broker." + std::to_string(getpid());
    broker_ = Start("broker",
                    {{"AGENTSTUDIO_BROKER_FILE", broker_file}, {"AGENTSTUDIO_PARTITIONS", "4"}});
    const auto bootstrap = broker_->FirstLine(std::chrono::seconds(30));
    ASSERT_TRUE(bootstrap.has_value()) << broker_->Output();
    bootstrap_ = *bootstrap;
    std::ifstream file(broker_file);
    std::string written;
    std::getline(file, written);
    EXPECT_EQ(written, bootstrap_);

    port_ = testing::FreePort();
    const std::map<std::string, std::string> env = {
        {"AGENTSTUDIO_KAFKA_BROKERS", bootstrap_},
        {"AGENTSTUDIO_DATABASE_URL", database_.url()},
        {"AGENTSTUDIO_HTTP_ADDR", "127.0.0.1:" + std::to_string(port_)},
        {"AGENTSTUDIO_HEARTBEAT_MS", "500"}};
    for (const char* role : {"scheduler", "relay", "agent", "frontdoor"}) {
      roles_.push_back(Start(role, env));
    }
    ASSERT_TRUE(testing::WaitUntil([&] { return Http("GET", Url("/health")).status == 200; }))
        << roles_.back()->Output();
    // Work is accepted for agent types known from heartbeats: wait for the
    // agent process's to reach the scheduler.
    ASSERT_TRUE(testing::WaitUntil([&] {
      return Http("GET", Url("/api/meta-agent/types")).Json().size() == 6;
    })) << roles_[2]->Output();
  }

  void TearDown() override {
    // SIGTERM drains every role; each must exit 0, the broker last.
    for (auto& role : roles_) role->Signal(SIGTERM);
    for (auto& role : roles_) {
      EXPECT_EQ(role->Wait(std::chrono::seconds(30)), std::optional<int>(0)) << role->Output();
    }
    if (broker_) {
      broker_->Signal(SIGTERM);
      EXPECT_EQ(broker_->Wait(std::chrono::seconds(30)), std::optional<int>(0))
          << broker_->Output();
    }
  }

  std::unique_ptr<ChildProcess> Start(const std::string& role,
                                      std::map<std::string, std::string> env) {
    return std::make_unique<ChildProcess>(
        AGENTSTUDIOD_PATH, std::vector<std::string>{"--role", role}, env, "agentstudiod-" + role);
  }

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  Json WaitForCompleted(const std::string& id) {
    Json got;
    EXPECT_TRUE(testing::WaitUntil(
        [&] {
          const auto response = Http("GET", Url("/api/workflows/" + id));
          got = response.Json();
          return response.status == 200 && got["status"] == "completed";
        },
        std::chrono::seconds(60)))
        << got.dump();
    return got;
  }

  testing::TestDatabase database_;
  std::unique_ptr<ChildProcess> broker_;
  std::vector<std::unique_ptr<ChildProcess>> roles_;
  std::string bootstrap_;
  int port_ = 0;
};

TEST_F(WalkingSkeletonTest, ShouldRunTheCustomerFeedbackAnalysisFromPostToCompleted) {
  const auto created = Http("POST", Url("/api/workflows"), testing::kCustomerFeedbackAnalysis);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.Json()["id"];
  const Json done = WaitForCompleted(id);
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
  const auto [status, out] = ChildProcess::Run(AGENTSTUDIO_CLI_PATH, {"submit", path},
                                               {{"AGENTSTUDIO_KAFKA_BROKERS", bootstrap_}});
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
}

}  // namespace
}  // namespace agentstudio
