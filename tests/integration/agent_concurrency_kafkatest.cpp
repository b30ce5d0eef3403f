// The agent SDK (AgentRuntime) on the real Kafka broker with tasks that run
// for a while: many at once in one process, one longer than the consumer's
// max.poll.interval.ms, and a graceful stop in the middle of them.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "agents/agent_runtime.hpp"
#include "agentstudio/v1/task_message.pb.h"
#include "producers/message_producer.hpp"
#include "schemas/command_codec.hpp"
#include "tests/support/shared_kafka.hpp"
#include "tests/support/task_event_reader.hpp"
#include "tests/support/wait.hpp"

namespace agentstudio {
namespace {

using agents::AgentResult;
using agents::TaskContext;

// What every handler of a test did, whichever runtime ran it.
struct Ledger {
  std::mutex mutex;
  std::map<std::string, int> starts;  // task id -> times a handler started it
  std::atomic<int> running{0};
  std::atomic<int> peak{0};

  int Starts(const std::string& task_id) {
    std::lock_guard lock(mutex);
    return starts[task_id];
  }
  int TotalStarts() {
    std::lock_guard lock(mutex);
    int total = 0;
    for (const auto& [task, count] : starts) total += count;
    return total;
  }
};

// The "scripted" agent type: records each start in the ledger, then does what
// `work` says.
class ScriptedAgent : public agents::AgentHandler {
 public:
  using Work = std::function<AgentResult(const TaskContext&)>;
  ScriptedAgent(Ledger& ledger, Work work) : ledger_(ledger), work_(std::move(work)) {}
  std::string agent_type() const override { return "scripted"; }
  AgentResult Handle(const TaskContext& context) override {
    {
      std::lock_guard lock(ledger_.mutex);
      ++ledger_.starts[context.task_id];
    }
    const int now = ++ledger_.running;
    for (int peak = ledger_.peak; now > peak && !ledger_.peak.compare_exchange_weak(peak, now);) {
    }
    AgentResult result = work_(context);
    --ledger_.running;
    return result;
  }

 private:
  Ledger& ledger_;
  Work work_;
};

// Works for `duration` (the task's own time, not a test's wait), or until
// cancelled: then gives up.
ScriptedAgent::Work WorkFor(std::chrono::milliseconds duration) {
  return [duration](const TaskContext& context) {
    const auto end = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < end) {
      if (context.cancelled()) return AgentResult::Failure("STOPPED", "gave up", true);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the task's work
    }
    return AgentResult::Success({{"result", {{"task", context.task_id}}}});
  };
}

// An AgentRuntime on a thread of its own, stopped (gracefully) on
// destruction or Stop().
class RunningAgent {
 public:
  RunningAgent(agents::AgentRuntimeOptions options, Ledger& ledger, ScriptedAgent::Work work) {
    std::vector<std::unique_ptr<agents::AgentHandler>> handlers;
    handlers.push_back(std::make_unique<ScriptedAgent>(ledger, std::move(work)));
    runtime_ = std::make_unique<agents::AgentRuntime>(std::move(options), std::move(handlers));
    thread_ = std::thread([this] { runtime_->Run(stop_); });
  }
  ~RunningAgent() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  agents::AgentRuntime& runtime() { return *runtime_; }

 private:
  std::unique_ptr<agents::AgentRuntime> runtime_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class AgentConcurrencyTest : public ::testing::Test {
 protected:
  static std::vector<std::string> Names(const kafka::Topics& topics) {
    std::vector<std::string> names = topics.Fixed();
    names.push_back(topics.tasks("scripted"));
    return names;
  }

  ~AgentConcurrencyTest() override {
    testing::DeleteTopicsWithPrefix(bootstrap_, topics_.prefix());
  }

  agents::AgentRuntimeOptions Options(const std::string& agent_id, size_t concurrency) const {
    agents::AgentRuntimeOptions options{kafka::BaseProperties(bootstrap_, agent_id), topics_,
                                        agent_id};
    options.max_concurrent_tasks = concurrency;
    options.heartbeat_interval = std::chrono::milliseconds(500);
    return options;
  }

  void SendTask(const std::string& task_id) {
    agentstudio::v1::TaskMessage task;
    task.set_schema_version(schemas::kSchemaVersion);
    task.set_task_id(task_id);
    task.set_workflow_id("wf_" + task_id);
    task.set_attempt(1);
    task.set_step_id("work");
    task.set_agent_type("scripted");
    task.mutable_request()->set_task("Work for a while");
    ASSERT_TRUE(
        producer_.SendAndWait(topics_.tasks("scripted"), task_id, task.SerializeAsString(), {}).ok);
  }

  // Every final report (completion or error) of `task_id`, once there is one.
  std::vector<agentstudio::v1::TaskEvent> FinalReports(testing::TaskEventReader& reader,
                                                       const std::string& task_id) {
    if (reader.WaitForFinalReport(task_id).empty()) return {};
    return reader.FinalReports(task_id);
  }

  const std::string bootstrap_ = testing::SharedKafka();
  const kafka::Topics topics_{testing::UniqueTopicPrefix()};
  // Made before any reader or runtime, deleted at the end.
  const testing::TestTopics made_{bootstrap_, Names(topics_), 6};
  kafka::MessageProducer producer_{kafka::BaseProperties(bootstrap_, "test"),
                                   std::chrono::seconds(10)};
  Ledger ledger_;
};

TEST_F(AgentConcurrencyTest, ShouldRunTwentyTasksOfTwentySecondsAtOnceEachOnce) {
  RunningAgent agent(Options("agent-wide", 20), ledger_, WorkFor(std::chrono::seconds(20)));
  testing::TaskEventReader reports(bootstrap_, topics_);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) SendTask("task_" + std::to_string(i));
  for (int i = 0; i < 20; ++i) {
    const auto finals = FinalReports(reports, "task_" + std::to_string(i));
    ASSERT_EQ(finals.size(), 1u) << "task_" << i;
    EXPECT_TRUE(finals.front().has_completion()) << "task_" << i;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("20 tasks of 20 s on one agent process: done in %.1f s, at most %d at once\n",
              seconds, ledger_.peak.load());
  EXPECT_EQ(ledger_.peak, 20) << "every task ran at the same time";
  // One after another they would take 400 s.
  EXPECT_LT(seconds, 60);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(ledger_.Starts("task_" + std::to_string(i)), 1);
}

TEST_F(AgentConcurrencyTest, ShouldCompleteATaskLongerThanMaxPollIntervalOnce) {
  testing::TaskEventReader reports(bootstrap_, topics_);
  {
    // Two members of the group: were the one running the long task evicted
    // for not polling, the other would get its partition and run it again.
    const auto slow = [&](const std::string& id) {
      auto options = Options(id, 4);
      options.session_timeout = std::chrono::milliseconds(6000);
      options.max_poll_interval = std::chrono::milliseconds(8000);  // the task takes 16 s
      return options;
    };
    RunningAgent first(slow("agent-one"), ledger_, WorkFor(std::chrono::seconds(16)));
    RunningAgent second(slow("agent-two"), ledger_, WorkFor(std::chrono::seconds(16)));
    ASSERT_TRUE(testing::WaitUntil([&] {
      return first.runtime().assigned_partitions() + second.runtime().assigned_partitions() == 6 &&
             first.runtime().assigned_partitions() > 0 &&
             second.runtime().assigned_partitions() > 0;
    }));
    SendTask("task_long");
    const auto finals = FinalReports(reports, "task_long");
    ASSERT_EQ(finals.size(), 1u);
    EXPECT_TRUE(finals.front().has_completion());
  }
  // A new member of the group starts where they committed: after the long
  // task. It sees only what comes next.
  RunningAgent next(Options("agent-next", 4), ledger_, WorkFor(std::chrono::milliseconds(0)));
  SendTask("task_marker");
  ASSERT_EQ(FinalReports(reports, "task_marker").size(), 1u);
  EXPECT_EQ(ledger_.Starts("task_long"), 1) << "the long task was redelivered";
  EXPECT_EQ(ledger_.TotalStarts(), 2);
}

TEST_F(AgentConcurrencyTest, ShouldHandBackUnfinishedTasksOnAGracefulStop) {
  testing::TaskEventReader reports(bootstrap_, topics_);
  auto first = std::make_unique<RunningAgent>(Options("agent-first", 4), ledger_,
                                              WorkFor(std::chrono::minutes(10)));
  for (const char* task : {"task_a", "task_b", "task_c"}) SendTask(task);
  ASSERT_TRUE(testing::WaitUntil([&] { return ledger_.running == 3; }));
  first->Stop();  // each handler gives up: nothing is reported, nothing committed
  EXPECT_EQ(first->runtime().tasks_completed() + first->runtime().tasks_failed(), 0u);
  first.reset();

  RunningAgent second(Options("agent-second", 4), ledger_, WorkFor(std::chrono::milliseconds(0)));
  for (const char* task : {"task_a", "task_b", "task_c"}) {
    const auto finals = FinalReports(reports, task);
    ASSERT_EQ(finals.size(), 1u) << task;
    EXPECT_TRUE(finals.front().has_completion()) << task;
    EXPECT_EQ(finals.front().agent_id(), "agent-second") << task;
    EXPECT_EQ(ledger_.Starts(task), 2) << task << ": once by each agent";
  }
}

}  // namespace
}  // namespace agentstudio
