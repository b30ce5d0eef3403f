// Consumer-group churn under load: schedulers join, leave gracefully and die
// while workflows are submitted steadily, so the `schedulers` group
// rebalances again and again with batches in flight. Nothing is lost (every
// accepted workflow completes, no task is left unfinished), nothing is
// applied twice, and Kafka never reset an offset.
#include <gtest/gtest.h>
#include <signal.h>

#include <regex>

#include "tests/support/figures.hpp"
#include "tests/support/process_stack.hpp"
#include "tests/support/steady_submitter.hpp"
#include "tests/support/wait.hpp"
#include "tests/support/workflow_invariants.hpp"

namespace agentstudio {
namespace {

constexpr const char* kThreeSteps = R"({"definition": {"id": "churn", "name": "Churn",
  "pattern": "sequential", "steps": [
    {"id": "a", "name": "A", "agentType": "data-collector", "configuration": {"sleepMs": 20}},
    {"id": "b", "name": "B", "agentType": "test-runner"},
    {"id": "c", "name": "C", "agentType": "report-generator"}]}})";

// Sum of the numbers after "redelivered" in every scheduler's drain line.
long TotalRedelivered(const std::string& output) {
  long total = 0;
  const std::regex figure("scheduler drained: [^\\n]*redelivered (\\d+)");
  for (auto it = std::sregex_iterator(output.begin(), output.end(), figure);
       it != std::sregex_iterator(); ++it) {
    total += std::stol((*it)[1]);
  }
  return total;
}

TEST(RebalanceTest, ShouldLoseNothingWhileSchedulersJoinLeaveAndDie) {
  testing::ProcessStackOptions options;
  options.agents = 2;
  options.env = {{"AGENTSTUDIO_KAFKA_SESSION_TIMEOUT_MS", "3000"}};
  testing::ProcessStack stack(options);
  testing::SteadySubmitter client(stack.Url("/api/workflows"), kThreeSteps,
                                  std::chrono::milliseconds(40));
  constexpr size_t kBetweenChanges = 10;
  ASSERT_TRUE(client.AcceptsMore(kBetweenChanges));

  std::vector<std::string> changes;
  const size_t second = stack.Add("scheduler");
  changes.push_back("join");
  ASSERT_TRUE(client.AcceptsMore(kBetweenChanges));
  stack.Add("scheduler");
  changes.push_back("join");
  ASSERT_TRUE(client.AcceptsMore(kBetweenChanges));
  stack.process(0).Signal(SIGTERM);  // the first scheduler leaves the group
  ASSERT_EQ(stack.process(0).Wait(std::chrono::seconds(30)), std::optional<int>(0));
  changes.push_back("leave");
  ASSERT_TRUE(client.AcceptsMore(kBetweenChanges));
  stack.process(second).Signal(SIGKILL);  // dies: the group notices after 3 s
  ASSERT_TRUE(stack.process(second).Wait(std::chrono::seconds(10)).has_value());
  changes.push_back("die");
  ASSERT_TRUE(client.AcceptsMore(kBetweenChanges));
  stack.Add("scheduler");
  changes.push_back("join");
  ASSERT_TRUE(client.AcceptsMore(kBetweenChanges));
  const std::vector<std::string> accepted = client.Stop();

  auto session = stack.database().Connect();
  const auto count = [&](const std::string& sql) { return testing::CountOf(*session, sql); };
  // Every accepted workflow must have a row: the starts on the partitions of
  // the killed scheduler wait for the group to notice its death, so no
  // unfinished row alone does not mean done.
  const bool ended = testing::WaitUntil(
      [&] {
        return testing::CountCompleted(*session, accepted) == static_cast<int>(accepted.size()) &&
               count("SELECT count(*) FROM workflow_executions WHERE status <> 'completed'") == 0;
      },
      std::chrono::seconds(120));
  const int completed = testing::CountCompleted(*session, accepted);
  const int stuck = count("SELECT count(*) FROM tasks WHERE status <> 'completed'");
  const int applied_twice = testing::CountMessagesAppliedTwice(*session);
  const std::vector<std::string> failures = stack.Stop();
  const std::string output = stack.Output();
  std::string membership;
  for (const std::string& change : changes) membership += " " + change;
  testing::ReportFigures(
      "rebalance figures: accepted %zu, completed %d, stuck tasks %d, completions applied twice "
      "%d, messages redelivered across rebalances %ld, group changes:%s",
      accepted.size(), completed, stuck, applied_twice, TotalRedelivered(output),
      membership.c_str());

  EXPECT_TRUE(ended) << "not every workflow completed";
  EXPECT_EQ(completed, static_cast<int>(accepted.size()));
  EXPECT_EQ(stuck, 0);
  EXPECT_EQ(applied_twice, 0);
  EXPECT_FALSE(testing::ReportsKafkaDataLoss(output)) << "Kafka lost messages";
  // The killed scheduler is reported by Stop() (it did not exit 0); the
  // others drained.
  for (const std::string& failure : failures) {
    if (failure.rfind("scheduler exited with 137", 0) != 0) ADD_FAILURE() << failure;
  }
}

}  // namespace
}  // namespace agentstudio
