// The agent SDK (AgentRuntime) against the embedded broker: what it does with
// cancels on `agent-control`.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "agents/agent_runtime.hpp"
#include "agents/reference/reference_agents.hpp"
#include "agentstudio/v1/task_control.pb.h"
#include "agentstudio/v1/task_message.pb.h"
#include "daemon/embedded_broker.hpp"
#include "producers/message_producer.hpp"
#include "schemas/command_codec.hpp"
#include "tests/support/task_event_reader.hpp"
#include "tests/support/wait.hpp"

namespace agentstudio {
namespace {

class AgentRuntimeTest : public ::testing::Test {
 protected:
  AgentRuntimeTest() {
    runtime_ = std::make_unique<agents::AgentRuntime>(
        agents::AgentRuntimeOptions{kafka::BaseProperties(broker_.bootstrap(), "agent-1"), topics_,
                                    "agent-1"},
        agents::MakeReferenceAgents({"test-runner"}));
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

  static std::vector<std::string> Topics(const kafka::Topics& topics) {
    std::vector<std::string> all = topics.Fixed();
    all.push_back(topics.tasks("test-runner"));
    return all;
  }

  kafka::Topics topics_;
  daemon::EmbeddedBroker broker_{1, Topics(topics_), 2};
  kafka::MessageProducer producer_{kafka::BaseProperties(broker_.bootstrap(), "test"),
                                   std::chrono::seconds(10)};
  testing::TaskEventReader reports_{broker_.bootstrap(), topics_};
  std::unique_ptr<agents::AgentRuntime> runtime_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST_F(AgentRuntimeTest, ShouldNotStartATaskCancelledWhileQueued) {
  SendCancel("task_1", 1);
  ASSERT_TRUE(testing::WaitUntil([&] { return runtime_->cancels_received() == 1; }));
  SendTask("task_1", 1);
  const auto reports = reports_.WaitForFinalReport("task_1");
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
  const auto reports = reports_.WaitForFinalReport("task_2");
  ASSERT_FALSE(reports.empty());
  EXPECT_TRUE(reports.back().has_completion());
  EXPECT_EQ(reports.back().attempt(), 2);
  EXPECT_EQ(runtime_->tasks_cancelled(), 0u);
}

}  // namespace
}  // namespace agentstudio
