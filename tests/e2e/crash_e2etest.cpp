// Guarantee 4 (and 2, 3): SIGKILL any process at any moment, restart it, and
// no accepted workflow is lost, none is stuck, no task's completion is applied
// twice. A few hundred multi-step workflows run through separate processes
// (broker, two schedulers, a relay, two agent processes, a front door) while
// the test kills processes at moments drawn from a seed, and while
// agentstudiod_faults kills itself at the fault points where a crash hurts
// most: after a scheduler's database commit and before its offset commit,
// after the relay's Kafka send and before its outbox delete, after an agent's
// report and before its offset commit.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "faults/fault_point.hpp"
#include "tests/support/figures.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process_stack.hpp"
#include "tests/support/wait.hpp"
#include "tests/support/workflow_invariants.hpp"

namespace agentstudio {
namespace {

using Json = nlohmann::json;
using testing::Http;

constexpr int kWorkflows = 240;
constexpr int kSubmitters = 4;
constexpr int kExtraKills = 2;  // beyond one of each kind
constexpr int kStepsPerWorkflow = 3;

// A three-step workflow whose steps take a moment, so kills find tasks in
// every state.
std::string WorkflowBody(int number) {
  Json body =
      Json::parse(R"({"definition": {"id": "crash", "name": "Crash", "pattern": "sequential",
    "maxRetries": 3, "steps": [
      {"id": "a", "name": "A", "agentType": "data-collector", "configuration": {"sleepMs": 20}},
      {"id": "b", "name": "B", "agentType": "test-runner", "configuration": {"sleepMs": 20}},
      {"id": "c", "name": "C", "agentType": "report-generator"}]}})");
  body["input"] = {{"number", number}};
  return body.dump();
}

struct Figures {
  std::atomic<int> submitted{0};  // POSTs sent, retries included
  std::atomic<int> accepted{0};   // answered 201
  int completed = 0;
  int executions = 0;  // in the database: a POST whose 201 was lost also runs
  int applied_twice = 0;
  int stuck = 0;
  std::string killed;  // the roles SIGKILLed, in order
  std::map<std::string, int> fault_point_crashes;
};

class CrashTest : public ::testing::TestWithParam<uint32_t> {};

TEST_P(CrashTest, ShouldCompleteEveryAcceptedWorkflowWhateverProcessIsKilled) {
  std::mt19937 random(GetParam());
  const auto draw = [&](int low, int high) {
    return std::uniform_int_distribution<int>(low, high)(random);
  };
  // Start order: scheduler 0, scheduler 1, relay, agent 3, agent 4, front door.
  constexpr size_t kRelay = 2;
  constexpr size_t kFirstAgent = 3;
  const std::map<size_t, std::string> armed_points = {
      {0, std::string(faults::kSchedulerAfterDatabaseCommit)},
      {kRelay, std::string(faults::kRelayAfterSend)},
      {kFirstAgent, std::string(faults::kAgentAfterReport)}};
  const auto crash_env = [&](size_t index) {
    return std::map<std::string, std::string>{
        {"AGENTSTUDIO_TEST_CRASH_AT", armed_points.at(index) + ":" + std::to_string(draw(3, 30))}};
  };
  testing::ProcessStackOptions options;
  options.schedulers = 2;
  options.agents = 2;
  options.crashable = true;
  // Partitions of a killed member move on after 3 s instead of 10.
  options.env = {{"AGENTSTUDIO_KAFKA_SESSION_TIMEOUT_MS", "3000"}};
  for (const auto& [index, point] : armed_points) options.role_env[index] = crash_env(index);
  testing::ProcessStack stack(options);

  Figures figures;
  std::mutex mutex;
  std::set<std::string> accepted;  // guarded by mutex
  std::atomic<int> next{0};
  // A client retries until it gets its 201; whatever had no 201 is not
  // promised (and, if it was durable after all, runs too).
  const auto submit = [&](int number) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < deadline) {
      ++figures.submitted;
      const auto response = Http("POST", stack.Url("/api/workflows"), WorkflowBody(number));
      if (response.status == 201) {
        ++figures.accepted;
        std::lock_guard lock(mutex);
        accepted.insert(response.Json()["id"].get<std::string>());
        return;
      }
      ASSERT_TRUE(response.status == 0 || response.status == 503)
          << response.status << " " << response.body;
      // Back off until the front door says it can take work again.
      testing::WaitUntil([&] { return Http("GET", stack.Url("/health")).status == 200; });
    }
  };
  std::vector<std::thread> submitters;
  for (int s = 0; s < kSubmitters; ++s) {
    submitters.emplace_back([&] {
      for (int number = next++; number < kWorkflows; number = next++) submit(number);
    });
  }

  // Restarts what died at its fault point (re-arming it until it fired once).
  std::set<size_t> fired;
  const auto restart_the_crashed = [&] {
    for (size_t i = 0; i < stack.role_count(); ++i) {
      if (stack.process(i).Running()) continue;
      const std::string output = stack.process(i).Output();
      ASSERT_NE(output.find("killing myself at"), std::string::npos)
          << stack.role(i) << " died on its own:\n"
          << output;
      ++figures.fault_point_crashes[armed_points.at(i)];
      fired.insert(i);
      stack.Restart(i);
    }
  };

  // How far the run has come: workflows accepted plus tasks completed.
  auto session = stack.database().Connect();
  const auto progress = [&] {
    return figures.accepted.load() +
           testing::CountOf(*session, "SELECT count(*) FROM tasks WHERE status = 'completed'");
  };

  // SIGKILLs while the work runs, each followed at once by a restart: one
  // process of each kind, then any, in an order and at points of progress
  // drawn from the seed (from the first submissions to the last tasks).
  std::vector<size_t> victims = {0, kRelay, kFirstAgent, stack.role_count() - 1};
  for (int extra = 0; extra < kExtraKills; ++extra) {
    victims.push_back(static_cast<size_t>(draw(0, static_cast<int>(stack.role_count()) - 1)));
  }
  std::shuffle(victims.begin(), victims.end(), random);
  std::vector<int> kill_at;
  for (size_t i = 0; i < victims.size(); ++i) {
    kill_at.push_back(draw(10, kWorkflows * (1 + kStepsPerWorkflow) * 4 / 5));
  }
  std::sort(kill_at.begin(), kill_at.end());
  for (size_t k = 0; k < victims.size(); ++k) {
    const size_t victim = victims[k];
    ASSERT_TRUE(testing::WaitUntil(
        [&] {
          restart_the_crashed();
          return progress() >= kill_at[k];
        },
        std::chrono::seconds(120)))
        << "no progress to " << kill_at[k] << ":\n"
        << stack.Output();
    if (!stack.process(victim).Running()) continue;  // it crashed itself just now
    stack.process(victim).Signal(SIGKILL);
    ASSERT_TRUE(stack.process(victim).Wait(std::chrono::seconds(10)).has_value());
    figures.killed += " " + stack.role(victim);
    const bool rearm = armed_points.count(victim) > 0 && fired.count(victim) == 0;
    stack.Restart(victim, rearm ? crash_env(victim) : std::map<std::string, std::string>{});
  }
  for (std::thread& submitter : submitters) submitter.join();
  ASSERT_EQ(figures.accepted, kWorkflows) << "every workflow was accepted in the end";

  // The armed fault points fire as the remaining work runs.
  const auto count = [&](const std::string& sql) { return testing::CountOf(*session, sql); };
  const auto all_ended = [&] {
    restart_the_crashed();
    return count("SELECT count(*) FROM workflow_executions WHERE status <> 'completed'") == 0 &&
           count("SELECT count(*) FROM workflow_executions") >= figures.accepted;
  };
  bool ended = testing::WaitUntil(all_ended, std::chrono::seconds(180));
  // A fault point fires at its process's Nth commit (send, report), counted
  // from its last start; when kills and restarts left fewer than N, more
  // workflows run until every armed point fired.
  constexpr int kTopUpRounds = 5;
  constexpr int kTopUpWorkflows = 20;
  int top_ups = 0;
  for (; ended && fired.size() < armed_points.size() && top_ups < kTopUpRounds; ++top_ups) {
    for (int i = 0; i < kTopUpWorkflows; ++i) submit(kWorkflows + top_ups * kTopUpWorkflows + i);
    ended = testing::WaitUntil(all_ended, std::chrono::seconds(120));
  }
  restart_the_crashed();

  figures.executions = count("SELECT count(*) FROM workflow_executions");
  figures.completed = count("SELECT count(*) FROM workflow_executions WHERE status = 'completed'");
  figures.stuck = count("SELECT count(*) FROM tasks WHERE status <> 'completed'");
  figures.applied_twice = testing::CountMessagesAppliedTwice(*session);
  std::string points;
  for (const auto& [point, crashes] : figures.fault_point_crashes) {
    points += " " + point + "=" + std::to_string(crashes);
  }
  testing::ReportFigures(
      "crash figures (seed %u): workflows submitted %d (POSTs), accepted %d, executions %d, "
      "completed %d, completions applied twice %d, stuck tasks %d, SIGKILLed:%s, fault-point "
      "crashes:%s, top-up rounds %d",
      GetParam(), figures.submitted.load(), figures.accepted.load(), figures.executions,
      figures.completed, figures.applied_twice, figures.stuck, figures.killed.c_str(),
      points.c_str(), top_ups);

  ASSERT_TRUE(ended) << "not every workflow completed:\n" << stack.Output();
  EXPECT_EQ(testing::CountCompleted(*session, {accepted.begin(), accepted.end()}),
            figures.accepted.load())
      << "every accepted workflow completed";
  EXPECT_EQ(figures.completed, figures.executions);
  EXPECT_EQ(figures.stuck, 0);
  EXPECT_EQ(figures.applied_twice, 0);
  EXPECT_EQ(count("SELECT count(*) FROM tasks"), figures.executions * kStepsPerWorkflow);
  // One automatic checkpoint per completed task, however often it was redelivered.
  EXPECT_EQ(count("SELECT count(*) FROM checkpoints WHERE type = 'automatic'"),
            figures.executions * kStepsPerWorkflow);
  for (const auto& [index, point] : armed_points) {
    EXPECT_GE(figures.fault_point_crashes[point], 1) << point << " never fired";
  }
  const std::string output = stack.Output();
  EXPECT_FALSE(testing::ReportsKafkaDataLoss(output)) << "Kafka lost messages";

  for (const std::string& failure : stack.Stop()) ADD_FAILURE() << failure;
}

INSTANTIATE_TEST_SUITE_P(Seeds, CrashTest, ::testing::Values(1u, 2u, 3u));

}  // namespace
}  // namespace agentstudio
