// The Python SDK's Kafka flavour (agents/python): its example agent, a
// python3 process, serves `word-counter` for a stack of agentstudiod
// processes whose own agent serves only `noop`.
#include <gtest/gtest.h>
#include <signal.h>

#include <set>
#include <string>

#include "producers/kafka_config.hpp"
#include "producers/message_producer.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process_stack.hpp"
#include "tests/support/shared_kafka.hpp"
#include "tests/support/wait.hpp"

namespace agentstudio {
namespace {

using Json = nlohmann::json;
using testing::Http;

class PythonAgentTest : public ::testing::Test {
 protected:
  PythonAgentTest() : stack_(Options()) {}
  ~PythonAgentTest() override {
    // The agent made its topic itself (the shared broker does not auto-create).
    testing::DeleteTopicsWithPrefix(stack_.bootstrap(), stack_.topics().tasks("word-counter"));
  }

  static testing::ProcessStackOptions Options() {
    testing::ProcessStackOptions options;
    options.agent_types = {"noop"};
    return options;
  }

  std::unique_ptr<testing::ChildProcess> StartAgent() {
    const std::string source = AGENTSTUDIO_SOURCE_DIR;
    auto agent = std::make_unique<testing::ChildProcess>(
        "/usr/bin/python3", std::vector<std::string>{source + "/agents/python/example_agent.py"},
        std::map<std::string, std::string>{
            {"PYTHONPATH", source + "/agents/python:" + AGENTSTUDIO_PYTHON_DIR},
            {"AGENTSTUDIO_KAFKA_BROKERS", stack_.bootstrap()},
            {"AGENTSTUDIO_TOPIC_PREFIX", stack_.topics().prefix()},
            {"AGENTSTUDIO_AGENT_ID", "agent-py-e2e"},
            {"AGENTSTUDIO_HEARTBEAT_MS", "500"}},
        "python-agent");
    const bool known = testing::WaitUntil([&] {
      const Json types = Http("GET", stack_.Url("/api/meta-agent/types")).Json();
      return types.is_array() &&
             std::find(types.begin(), types.end(), "word-counter") != types.end();
    });
    EXPECT_TRUE(known) << "the Python agent's type never became known:\n" << agent->Output();
    return agent;
  }

  // Polls GET /v1/tasks/{id} until the task ended; returns it.
  Json WaitForTaskEnd(const std::string& id) {
    Json task;
    EXPECT_TRUE(testing::WaitUntil(
        [&] {
          task = Http("GET", stack_.Url("/v1/tasks/" + id)).Json()["data"];
          const std::string status = task.value("status", "");
          return status == "completed" || status == "failed";
        },
        std::chrono::seconds(60)))
        << task.dump();
    return task;
  }

  testing::ProcessStack stack_;
};

TEST_F(PythonAgentTest, ShouldServeAWorkflowStepReportingLogsProgressAndThoughts) {
  auto agent = StartAgent();
  const auto created = Http("POST", stack_.Url("/api/workflows"), R"({"definition": {
      "id": "count-then-noop", "name": "Count, then nothing", "pattern": "sequential",
      "steps": [
        {"id": "count", "name": "Count the words", "agentType": "word-counter",
         "input": {"texts": ["The cat sat.", "The cat ran, the dog sat."]}},
        {"id": "after", "name": "After", "agentType": "noop", "dependsOn": ["count"]}]}})");
  ASSERT_EQ(created.status, 201) << created.body;
  const Json ended = stack_.WaitForEnd(created.Json()["id"]);
  ASSERT_EQ(ended["status"], "completed") << ended.dump() << agent->Output();
  const Json count = ended.at("tasks").at(0);
  EXPECT_EQ(count["response"]["result"]["words"], 9);
  EXPECT_EQ(count["response"]["result"]["distinct"], 5);
  EXPECT_EQ(count["response"]["result"]["top"], Json({"the", "cat", "sat"}));
  EXPECT_EQ(count["response"]["metadata"]["agentId"], "agent-py-e2e");
  ASSERT_EQ(count["response"]["thoughts"].size(), 1u);
  EXPECT_EQ(count["response"]["thoughts"][0]["content"],
            "the most frequent words are the, cat, sat");

  const std::string task_id = count["id"];
  const Json logs = Http("GET", stack_.Url("/v1/tasks/" + task_id + "/logs")).Json();
  ASSERT_EQ(logs["logs"].size(), 1u) << logs.dump();
  EXPECT_EQ(logs["logs"][0]["message"], "counting the words of 2 text(s)");
  const Json workflow =
      Http("GET", stack_.Url("/api/workflows/" + ended["id"].get<std::string>())).Json();
  const Json events = workflow["context"]["events"];
  std::set<std::string> types;
  for (const Json& event : events) types.insert(event["type"].get<std::string>());
  for (const char* type : {"TaskProgressUpdated", "TaskThought", "TaskLog"}) {
    EXPECT_TRUE(types.count(type)) << type << " missing in " << events.dump();
  }

  agent->Signal(SIGTERM);
  EXPECT_EQ(agent->Wait(std::chrono::seconds(30)), std::optional<int>(0)) << agent->Output();
  for (const std::string& failure : stack_.Stop()) ADD_FAILURE() << failure;
}

TEST_F(PythonAgentTest, ShouldFailATaskForGoodAndDeadLetterWhatDoesNotDecode) {
  auto agent = StartAgent();
  // A message no agent can read, ahead of real work on the same topic.
  kafka::MessageProducer producer(kafka::BaseProperties(stack_.bootstrap(), "poison"),
                                  std::chrono::seconds(10));
  for (int partition = 0; partition < 4; ++partition) {
    ASSERT_TRUE(producer
                    .SendAndWait(stack_.topics().tasks("word-counter"),
                                 "key-" + std::to_string(partition), "not a TaskMessage", {})
                    .ok);
  }
  const auto refused = Http("POST", stack_.Url("/v1/tasks"),
                            R"({"agent_type": "word-counter", "task_type": "count",
                                "input": {"text": 42}})");
  ASSERT_EQ(refused.status, 202) << refused.body;
  const Json failed = WaitForTaskEnd(refused.Json()["task_id"]);
  EXPECT_EQ(failed["status"], "failed") << failed.dump();
  EXPECT_NE(failed.value("error", "").find("input.text (a string)"), std::string::npos)
      << failed.dump();
  EXPECT_EQ(failed["attempt"], 1) << "INVALID_INPUT is not retryable";

  const auto counted = Http("POST", stack_.Url("/v1/tasks"),
                            R"({"agent_type": "word-counter", "task_type": "count",
                                "input": {"text": "one two two"}, "priority": "high"})");
  ASSERT_EQ(counted.status, 202) << counted.body;
  const Json done = WaitForTaskEnd(counted.Json()["task_id"]);
  EXPECT_EQ(done["status"], "completed") << done.dump();
  EXPECT_EQ(done["result"]["words"], 3);
  const Json results =
      Http("GET", stack_.Url("/v1/tasks/" + done["id"].get<std::string>() + "/results")).Json();
  EXPECT_EQ(results["metadata"]["priority"], "high");
  EXPECT_TRUE(testing::WaitUntil([&] {
    return agent->Output().find("dead-lettering") != std::string::npos;
  })) << agent->Output();
}

}  // namespace
}  // namespace agentstudio
