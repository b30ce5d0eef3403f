// An idempotent Kafka producer's fatal error in every role of a running stack
// (scheduler, relay, agent, front door, each a separate agentstudiod_faults
// process): a broker SIGKILLed mid-batch can cause one ("rewound sequence
// number"), after which librdkafka refuses every message of that client.
// Each role replaces its client and goes on: no process dies, every accepted
// workflow completes, nothing is applied twice, and the scheduler's dead
// letter, whose send found its client failed, still lands in the dlq. (The
// fault counts the sends of a whole process: in the front door's, of its two
// producers the one that sends the n-th message fails.)
#include <gtest/gtest.h>

#include "consumers/batch_consumer.hpp"
#include "faults/fault_point.hpp"
#include "producers/message_producer.hpp"
#include "tests/support/figures.hpp"
#include "tests/support/process_stack.hpp"
#include "tests/support/steady_submitter.hpp"
#include "tests/support/wait.hpp"
#include "tests/support/workflow_invariants.hpp"

namespace agentstudio {
namespace {

constexpr const char* kWorkflow = R"({"definition": {"id": "fatal", "name": "Fatal",
  "pattern": "sequential", "maxRetries": 0, "steps": [
    {"id": "a", "name": "A", "agentType": "data-collector", "configuration": {"sleepMs": 20}},
    {"id": "b", "name": "B", "agentType": "report-generator"}]}})";

constexpr const char* kPoison = "not a workflow command";

// How often `needle` occurs in `text`.
int Occurrences(const std::string& text, const std::string& needle) {
  int count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

TEST(ProducerFatalErrorTest, ShouldReplaceTheClientInEveryRoleAndLoseNothing) {
  // Start order: scheduler, relay, agent, front door. Each process's producer
  // fails at its n-th send: the scheduler's at its first (it sends only dead
  // letters), the others' mid-run.
  testing::ProcessStackOptions options;
  options.crashable = true;
  const std::string point(faults::kProducerFatalError);
  const std::vector<int> fail_at = {1, 12, 12, 8};
  for (size_t i = 0; i < fail_at.size(); ++i) {
    options.role_env[i] = {{"AGENTSTUDIO_TEST_FAIL_AT", point + ":" + std::to_string(fail_at[i])}};
  }
  testing::ProcessStack stack(options);

  testing::SteadySubmitter client(stack.Url("/api/workflows"), kWorkflow,
                                  std::chrono::milliseconds(50));
  kafka::MessageProducer poisoner(kafka::BaseProperties(stack.bootstrap(), "poisoner"),
                                  std::chrono::seconds(10));
  ASSERT_TRUE(poisoner.SendAndWait(stack.topics().commands(), "poison", kPoison, {}).ok);
  ASSERT_TRUE(client.AcceptsMore(30));
  const std::vector<std::string> accepted = client.Stop();

  auto session = stack.database().Connect();
  const int total = static_cast<int>(accepted.size());
  EXPECT_TRUE(
      testing::WaitUntil([&] { return testing::CountCompleted(*session, accepted) == total; },
                         std::chrono::seconds(90)))
      << testing::CountCompleted(*session, accepted) << " of " << total << " completed:\n"
      << stack.Output();
  for (size_t i = 0; i < stack.role_count(); ++i) {
    ASSERT_TRUE(stack.process(i).Running()) << stack.role(i) << " died:\n"
                                            << stack.process(i).Output();
    const std::string output = stack.process(i).Output();
    EXPECT_EQ(Occurrences(output, "agentstudiod_faults: failing at " + point), 1)
        << stack.role(i) << ":\n"
        << output;
    EXPECT_EQ(Occurrences(output, "kafka producer replaced after a fatal error"), 1)
        << stack.role(i) << ":\n"
        << output;
  }
  const int stuck = testing::CountOf(
      *session, "SELECT count(*) FROM tasks WHERE status NOT IN ('completed', 'failed')");
  EXPECT_EQ(stuck, 0);
  const int applied_twice = testing::CountMessagesAppliedTwice(*session);
  EXPECT_EQ(applied_twice, 0);

  kafka::BatchConsumer dlq(kafka::BaseProperties(stack.bootstrap(), "dlq-reader"),
                           {stack.topics().dlq() + ".readers",
                            {stack.topics().dlq()},
                            100,
                            std::chrono::milliseconds(100)});
  bool dead_lettered = false;
  EXPECT_TRUE(testing::WaitUntil([&] {
    for (const auto& message : dlq.Poll()) dead_lettered |= message.payload == kPoison;
    return dead_lettered;
  })) << "the poison command is not in the dlq";

  const size_t roles = stack.role_count();
  const std::vector<std::string> failures = stack.Stop();
  for (const std::string& failure : failures) ADD_FAILURE() << failure;
  testing::ReportFigures(
      "producer fatal error figures: one fatal error in each of %zu roles, %d workflows accepted "
      "(%d refused), %d completed, tasks stuck %d, applied twice %d, roles that did not drain %zu",
      roles, total, client.refused(), testing::CountCompleted(*session, accepted), stuck,
      applied_twice, failures.size());
}

}  // namespace
}  // namespace agentstudio
