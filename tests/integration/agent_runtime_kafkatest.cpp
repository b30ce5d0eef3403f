// The agent SDK (AgentRuntime) on the real Kafka broker: what it does with
// cancels on `agent-control`, and that it creates its own topics.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "agents/agent_runtime.hpp"
#include "agents/reference/reference_agents.hpp"
#include "agentstudio/v1/task_control.pb.h"
#include "agentstudio/v1/task_message.pb.h"
#include "producers/message_producer.hpp"
#include "schemas/command_codec.hpp"
#include "tests/support/shared_kafka.hpp"
#include "tests/support/task_event_reader.hpp"
#include "tests/support/wait.hpp"

namespace agentstudio {
namespace {

class AgentRuntimeTest : public ::testing::Test {
 protected:
  AgentRuntimeTest() {
    runtime_ = std::make_unique<agents::AgentRuntime>(
        agents::AgentRuntimeOptions{kafka::BaseProperties(bootstrap_, "agent-1"), topics_,
                                    "agent-1"},
        agents::MakeReferenceAgents({"test-runner"}));
    reports_ = std::make_unique<testing::TaskEventReader>(bootstrap_, topics_);
    thread_ = std::thread([this] { runtime_->Run(stop_); });
  }
  ~AgentRuntimeTest() override {
    stop_ = true;
    thread_.join();
  }

  void SendCancel(const std::string& task_id, int attempt) {
    agentstudio::v1::TaskControl control;
    control.set_schema_version(schemas::kSchemaVersion);
    control.set_task_id(task_id);
    control.set_workflow_id("wf_1");
    control.set_attempt(attempt);
    control.set_action(agentstudio::v1::TaskControl::ACTION_CANCEL);
    control.set_reason("Skipped: the workflow was cancelled");
    ASSERT_TRUE(
        producer_
            .SendAndWait(topics_.agent_control(), "test-runner", control.SerializeAsString(), {})
            .ok);
  }

  void SendTask(const std::string& task_id, int attempt) {
    agentstudio::v1::TaskMessage task;
    task.set_schema_version(schemas::kSchemaVersion);
    task.set_task_id(task_id);
    task.set_workflow_id("wf_1");
    task.set_attempt(attempt);
    task.set_step_id("run");
    task.set_agent_type("test-runner");
    task.mutable_request()->set_task("Run the tests");
    ASSERT_TRUE(
        producer_.SendAndWait(topics_.tasks("test-runner"), task_id, task.SerializeAsString(), {})
            .ok);
  }

  const std::string bootstrap_ = testing::SharedKafka();
  const kafka::Topics topics_{testing::UniqueTopicPrefix()};
  // The runtime creates its topics (the shared broker does not auto-create
  // them); they are deleted when the test ends.
  struct DeleteAtEnd {
    std::string bootstrap, prefix;
    ~DeleteAtEnd() { testing::DeleteTopicsWithPrefix(bootstrap, prefix); }
  } delete_at_end_{bootstrap_, topics_.prefix()};
  kafka::MessageProducer producer_{kafka::BaseProperties(bootstrap_, "test"),
                                   std::chrono::seconds(10)};
  std::unique_ptr<testing::TaskEventReader> reports_;
  std::unique_ptr<agents::AgentRuntime> runtime_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST_F(AgentRuntimeTest, ShouldNotStartATaskCancelledWhileQueued) {
  SendCancel("task_1", 1);
  ASSERT_TRUE(testing::WaitUntil([&] { return runtime_->cancels_received() == 1; }));
  SendTask("task_1", 1);
  const auto reports = reports_->WaitForFinalReport("task_1");
  ASSERT_EQ(reports.size(), 1u) << "no progress: the task never started";
  EXPECT_EQ(reports[0].error().code(), "CANCELLED");
  EXPECT_EQ(reports[0].error().message(), "Skipped: the workflow was cancelled");
  EXPECT_FALSE(reports[0].error().retryable());
  EXPECT_EQ(runtime_->tasks_cancelled(), 1u);
}

TEST_F(AgentRuntimeTest, ShouldRunAnAttemptWhoseEarlierAttemptWasCancelled) {
  // A step that timed out is retried: the cancel of attempt 1 must not stop
  // attempt 2.
  SendCancel("task_2", 1);
  ASSERT_TRUE(testing::WaitUntil([&] { return runtime_->cancels_received() == 1; }));
  SendTask("task_2", 2);
  const auto reports = reports_->WaitForFinalReport("task_2");
  ASSERT_FALSE(reports.empty());
  EXPECT_TRUE(reports.back().has_completion());
  EXPECT_EQ(reports.back().attempt(), 2);
  EXPECT_EQ(runtime_->tasks_cancelled(), 0u);
}

// The shared test broker runs with auto.create.topics.enable=false, as many
// production clusters do: the runtime made its topics with the admin API.
TEST_F(AgentRuntimeTest, ShouldCreateItsTopicsWhereTheClusterDoesNotAutoCreateThem) {
  kafka::MessageProducer impatient(kafka::BaseProperties(bootstrap_, "impatient"),
                                   std::chrono::seconds(2));
  const auto unknown = impatient.SendAndWait(topics_.prefix() + "nobody-made-this", "k", "v", {});
  EXPECT_FALSE(unknown.ok) << "the broker auto-created a topic";
  std::string error;
  std::unique_ptr<RdKafka::Producer> client(RdKafka::Producer::create(
      kafka::MakeConf(kafka::BaseProperties(bootstrap_, "metadata")).get(), error));
  ASSERT_TRUE(client) << error;
  for (const std::string& topic :
       {topics_.tasks("test-runner"), topics_.task_events(), topics_.agent_control()}) {
    std::unique_ptr<RdKafka::Topic> handle(
        RdKafka::Topic::create(client.get(), topic, nullptr, error));
    RdKafka::Metadata* raw = nullptr;
    ASSERT_EQ(client->metadata(false, handle.get(), &raw, 5000), RdKafka::ERR_NO_ERROR);
    std::unique_ptr<RdKafka::Metadata> metadata(raw);
    ASSERT_EQ(metadata->topics()->size(), 1u);
    EXPECT_EQ(metadata->topics()->front()->err(), RdKafka::ERR_NO_ERROR) << topic;
    EXPECT_EQ(metadata->topics()->front()->partitions()->size(), 6u) << topic;
  }
  SendTask("task_3", 1);
  const auto reports = reports_->WaitForFinalReport("task_3");
  ASSERT_FALSE(reports.empty());
  EXPECT_TRUE(reports.back().has_completion());
}

}  // namespace
}  // namespace agentstudio
