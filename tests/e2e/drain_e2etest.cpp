// Graceful stop: SIGTERM in the middle of work drains each role (stop
// polling, finish the task or batch in hand, commit its offsets, flush the
// outbox and the producer) and exits 0 within a bounded time. Proof that the
// in-flight work was committed rather than left for redelivery: once the
// roles run again, their new scheduler meets no message the old one had
// applied (nothing redelivered), and every workflow completes.
#include <gtest/gtest.h>
#include <signal.h>

#include <regex>

#include "faults/fault_point.hpp"
#include "tests/support/figures.hpp"
#include "tests/support/process_stack.hpp"
#include "tests/support/steady_submitter.hpp"
#include "tests/support/wait.hpp"
#include "tests/support/workflow_invariants.hpp"

namespace agentstudio {
namespace {

using Json = nlohmann::json;

// Longest a draining role may take: the agent finishes the task in hand
// (about half a second here), the rest a batch each.
constexpr std::chrono::seconds kDrainBound(20);

// A two-step workflow whose steps take a while, so SIGTERM finds tasks
// running on the agent. No retries: a task the stop interrupted must be
// handed back to run again, not reported as a failure.
constexpr const char* kSlowWorkflow = R"({"definition": {"id": "drain", "name": "Drain",
  "pattern": "sequential", "maxRetries": 0, "steps": [
    {"id": "a", "name": "A", "agentType": "test-runner", "configuration": {"sleepMs": 400}},
    {"id": "b", "name": "B", "agentType": "data-collector", "configuration": {"sleepMs": 100}}]}})";

// The number after `label` in the last line of `output` that has `line`.
long FigureIn(const std::string& output, const std::string& line, const std::string& label) {
  const auto at = output.rfind(line);
  if (at == std::string::npos) return -1;
  const std::string rest = output.substr(at, output.find('\n', at) - at);
  std::smatch match;
  if (!std::regex_search(rest, match, std::regex(label + " (\\d+)"))) return -1;
  return std::stol(match[1]);
}

TEST(DrainTest, ShouldFinishAndCommitInFlightWorkOnSigtermAndExitZero) {
  // The scheduler lingers after each database commit, before its offset
  // commit, so SIGTERM lands there while it is busy.
  testing::ProcessStackOptions options;
  options.crashable = true;
  options.role_env[0] = {
      {"AGENTSTUDIO_TEST_PAUSE_AT", std::string(faults::kSchedulerAfterDatabaseCommit) + ":300"}};
  testing::ProcessStack stack(options);
  testing::SteadySubmitter client(stack.Url("/api/workflows"), kSlowWorkflow,
                                  std::chrono::milliseconds(100));
  ASSERT_TRUE(client.AcceptsMore(15));
  const std::vector<std::string> accepted = client.Stop();
  auto session = stack.database().Connect();
  int running = 0;
  ASSERT_TRUE(testing::WaitUntil([&] {
    *session << "SELECT count(*) FROM tasks WHERE status = 'running'", soci::into(running);
    return running > 0;
  })) << "work is in flight when SIGTERM comes";

  // Every role but the front door at once, mid-run.
  std::vector<size_t> drained;
  for (size_t i = 0; i < stack.role_count(); ++i) {
    if (stack.role(i) == "frontdoor") continue;
    stack.process(i).Signal(SIGTERM);
    drained.push_back(i);
  }
  for (const size_t i : drained) {
    const auto status = stack.process(i).Wait(kDrainBound);
    ASSERT_EQ(status, std::optional<int>(0))
        << stack.role(i) << " did not drain in " << kDrainBound.count() << " s:\n"
        << stack.process(i).Output();
  }
  const std::string first_life = stack.Output();
  EXPECT_GE(FigureIn(first_life, "agent drained", "tasks completed"), 1);
  EXPECT_GE(FigureIn(first_life, "scheduler drained", "messages applied"), 1);

  for (const size_t i : drained) stack.Restart(i);
  for (const std::string& id : accepted) {
    EXPECT_EQ(stack.WaitForEnd(id)["status"], "completed") << id;
  }
  EXPECT_EQ(testing::CountMessagesAppliedTwice(*session), 0);
  const std::vector<std::string> failures = stack.Stop();
  for (const std::string& failure : failures) ADD_FAILURE() << failure;

  // The second scheduler's own figures: it started from the committed
  // offsets, so it met nothing the first had applied.
  const std::string output = stack.Output();
  const std::string second_life = output.substr(output.rfind("--- scheduler\n"));
  testing::ReportFigures(
      "drain figures: accepted %zu, SIGTERMed mid-run %zu roles, all exited 0 within %lld s; "
      "first lives: agent tasks completed %ld, scheduler messages applied %ld; messages the "
      "next scheduler met again (redelivered) %ld",
      accepted.size(), drained.size(), static_cast<long long>(kDrainBound.count()),
      FigureIn(first_life, "agent drained", "tasks completed"),
      FigureIn(first_life, "scheduler drained", "messages applied"),
      FigureIn(second_life, "scheduler drained", "redelivered"));
  EXPECT_EQ(FigureIn(second_life, "scheduler drained", "redelivered"), 0) << second_life;
  EXPECT_GE(FigureIn(second_life, "scheduler drained", "messages applied"), 1);
}

}  // namespace
}  // namespace agentstudio
