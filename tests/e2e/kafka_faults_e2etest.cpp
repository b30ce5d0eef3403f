// Real Kafka faults while workflows run through separate agentstudiod
// processes (scheduler, relay, agent, front door), each on a private cluster
// of real Apache Kafka brokers:
// - one broker, SIGKILLed and started again, then SIGSTOPped (a hung broker,
//   its sockets open) and resumed;
// - three brokers (replication 3, min.insync.replicas 2) whose busiest
//   partition leader is SIGKILLed mid-flight, twice.
// In each, every workflow the front door accepted completes, no completion is
// applied twice, no task is left unfinished and no consumer lost messages to
// an offset reset; while Kafka cannot confirm a command the front door
// answers 503 problem+json with Retry-After, never 201.
#include <gtest/gtest.h>

#include <map>

#include "tests/support/figures.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/kafka_cluster.hpp"
#include "tests/support/process_stack.hpp"
#include "tests/support/reference_examples.hpp"
#include "tests/support/stack.hpp"
#include "tests/support/steady_submitter.hpp"
#include "tests/support/wait.hpp"
#include "tests/support/workflow_invariants.hpp"

namespace agentstudio {
namespace {

using testing::Http;
using testing::KafkaCluster;

struct Outcome {
  size_t accepted = 0;
  int refused = 0;
  int completed = 0;
  int stuck = 0;
  int applied_twice = 0;
  bool data_loss = false;
};

testing::ProcessStackOptions On(const KafkaCluster& cluster) {
  testing::ProcessStackOptions options;
  options.kafka = cluster.bootstrap();
  // Refusals come after 2 s instead of 10.
  options.env = {{"AGENTSTUDIO_DELIVERY_TIMEOUT_MS", "2000"}};
  return options;
}

// Stops `client`, waits for every workflow it got accepted, and reads what
// the invariants need.
Outcome Finish(testing::ProcessStack& stack, testing::SteadySubmitter& client) {
  Outcome outcome;
  const std::vector<std::string> accepted = client.Stop();
  outcome.accepted = accepted.size();
  outcome.refused = client.refused();
  auto session = stack.database().Connect();
  testing::WaitUntil(
      [&] {
        return testing::CountCompleted(*session, accepted) == static_cast<int>(accepted.size());
      },
      std::chrono::seconds(120));
  outcome.completed = testing::CountCompleted(*session, accepted);
  outcome.stuck =
      testing::CountOf(*session, "SELECT count(*) FROM tasks WHERE status <> 'completed'");
  outcome.applied_twice = testing::CountMessagesAppliedTwice(*session);
  outcome.data_loss = testing::ReportsKafkaDataLoss(stack.Output());
  return outcome;
}

void ExpectNothingLostOrDoubled(const Outcome& outcome, testing::ProcessStack& stack) {
  EXPECT_EQ(outcome.completed, static_cast<int>(outcome.accepted))
      << "every accepted workflow completed:\n"
      << stack.Output();
  EXPECT_EQ(outcome.stuck, 0);
  EXPECT_EQ(outcome.applied_twice, 0);
  EXPECT_FALSE(outcome.data_loss) << "a consumer's offset was reset: Kafka lost messages";
}

// What the front door answers while Kafka cannot confirm a command.
void ExpectRefusal(testing::ProcessStack& stack) {
  const auto refused =
      Http("POST", stack.Url("/api/workflows"), testing::kCustomerAnalysisCurlBody);
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(refused.Header("content-type"), "application/problem+json");
  EXPECT_EQ(refused.Json()["status"], 503);
  EXPECT_EQ(refused.Header("retry-after"), "5");
  const auto health = Http("GET", stack.Url("/health"));
  EXPECT_EQ(health.status, 503);
  EXPECT_EQ(health.Json()["checks"]["kafka"]["status"], "down");
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST(KafkaBrokerFaultsTest, ShouldLoseNothingWhenTheBrokerIsKilledAndWhenItHangs) {
  KafkaCluster cluster(1);
  testing::ProcessStack stack(On(cluster));
  testing::SteadySubmitter client(stack.Url("/api/workflows"), testing::kCustomerAnalysisCurlBody,
                                  std::chrono::milliseconds(50));
  ASSERT_TRUE(client.AcceptsMore(10));

  // SIGKILL mid-flight: whatever the broker acknowledged is on its disk.
  auto start = std::chrono::steady_clock::now();
  cluster.Kill(1);
  const int refused_before_kill = client.refused();
  ASSERT_TRUE(testing::WaitUntil([&] { return client.refused() >= refused_before_kill + 3; }))
      << "the front door refuses while the broker is dead";
  ExpectRefusal(stack);
  cluster.Start(1);
  const auto restarted = std::chrono::steady_clock::now();
  ASSERT_TRUE(client.AcceptsMore(10)) << "everything reconnects by itself:\n" << stack.Output();
  const double killed_seconds = SecondsSince(start);
  const double reconnect_seconds = SecondsSince(restarted);

  // SIGSTOP: connections stay open and nothing answers, for longer than the
  // clients' socket timeout (10 s: five refusals of 2 s each).
  start = std::chrono::steady_clock::now();
  cluster.Pause(1);
  const int refused_before_pause = client.refused();
  ASSERT_TRUE(testing::WaitUntil([&] { return client.refused() >= refused_before_pause + 5; },
                                 std::chrono::seconds(60)))
      << "the front door refuses while the broker hangs";
  ExpectRefusal(stack);
  cluster.Resume(1);
  ASSERT_TRUE(client.AcceptsMore(10)) << "everything resumes by itself:\n" << stack.Output();
  const double paused_seconds = SecondsSince(start);

  const Outcome outcome = Finish(stack, client);
  testing::ReportFigures(
      "kafka broker fault figures: accepted %zu, refused with 503 %d, completed %d, completions "
      "applied twice %d, stuck tasks %d, offset resets %s, SIGKILL to 10 more accepted %.1f s "
      "(of which broker answering again to 10 more accepted %.1f s), SIGSTOP to 10 more accepted "
      "%.1f s",
      outcome.accepted, outcome.refused, outcome.completed, outcome.applied_twice, outcome.stuck,
      outcome.data_loss ? "yes" : "none", killed_seconds, reconnect_seconds, paused_seconds);
  ExpectNothingLostOrDoubled(outcome, stack);
  for (const std::string& failure : stack.Stop()) ADD_FAILURE() << failure;
}

// The node that leads the most partitions of the stack's topics.
int BusiestLeader(const KafkaCluster& cluster, const kafka::Topics& topics) {
  std::map<int, int> led;
  for (const std::string& topic : testing::StackTopics(topics)) {
    for (const auto& partition : cluster.Partitions(topic)) ++led[partition.leader];
  }
  led.erase(-1);
  int busiest = -1;
  for (const auto& [node, count] : led) {
    if (busiest < 0 || count > led[busiest]) busiest = node;
  }
  return busiest;
}

TEST(KafkaFailoverTest, ShouldLoseNothingWhenThePartitionLeaderIsKilledInAThreeBrokerCluster) {
  // A dead broker is fenced after 3 s without heartbeats (9 s by default).
  KafkaCluster cluster(
      3, {{"broker.session.timeout.ms", "3000"}, {"broker.heartbeat.interval.ms", "500"}});
  testing::ProcessStack stack(On(cluster));
  // agentstudiod created its topics with 3 replicas and min.insync.replicas 2.
  const auto commands = cluster.Partitions(stack.topics().commands());
  ASSERT_EQ(commands.size(), 4u);
  for (const auto& partition : commands) EXPECT_EQ(partition.replicas.size(), 3u);

  testing::SteadySubmitter client(stack.Url("/api/workflows"), testing::kCustomerAnalysisCurlBody,
                                  std::chrono::milliseconds(50));
  ASSERT_TRUE(client.AcceptsMore(10));
  std::string killed;
  double worst_failover_seconds = 0;
  for (int round = 0; round < 2; ++round) {
    const int leader = BusiestLeader(cluster, stack.topics());
    ASSERT_GT(leader, 0);
    const auto start = std::chrono::steady_clock::now();
    cluster.Kill(leader);
    killed += " node" + std::to_string(leader);
    // The survivors take over its partitions; two in-sync replicas are left,
    // so acks=all writes go on.
    ASSERT_TRUE(testing::WaitUntil(
        [&] {
          for (const auto& partition : cluster.Partitions(stack.topics().commands())) {
            if (partition.leader == leader || partition.leader < 0) return false;
          }
          return true;
        },
        std::chrono::seconds(60)))
        << "the survivors did not take over the partitions of node " << leader;
    ASSERT_TRUE(client.AcceptsMore(10)) << "work goes on with a broker down:\n" << stack.Output();
    worst_failover_seconds = std::max(worst_failover_seconds, SecondsSince(start));
    cluster.Start(leader);
    // Back in sync everywhere before the next kill, so that kill, too,
    // leaves two in-sync replicas of every partition.
    ASSERT_TRUE(testing::WaitUntil(
        [&] {
          std::vector<std::string> topics = testing::StackTopics(stack.topics());
          topics.push_back("__consumer_offsets");
          for (const std::string& topic : topics) {
            const auto partitions = cluster.Partitions(topic);
            if (partitions.empty()) return false;
            for (const auto& partition : partitions) {
              if (partition.in_sync.size() < 3) return false;
            }
          }
          return true;
        },
        std::chrono::seconds(90)))
        << "node " << leader << " did not catch up";
    ASSERT_TRUE(client.AcceptsMore(5));
  }

  const Outcome outcome = Finish(stack, client);
  testing::ReportFigures(
      "kafka failover figures (3 brokers, replication 3, min.insync.replicas 2): accepted %zu, "
      "refused with 503 %d, completed %d, completions applied twice %d, stuck tasks %d, offset "
      "resets %s, leaders SIGKILLed:%s, slowest kill to 10 more accepted %.1f s",
      outcome.accepted, outcome.refused, outcome.completed, outcome.applied_twice, outcome.stuck,
      outcome.data_loss ? "yes" : "none", killed.c_str(), worst_failover_seconds);
  ExpectNothingLostOrDoubled(outcome, stack);
  for (const std::string& failure : stack.Stop()) ADD_FAILURE() << failure;
}

}  // namespace
}  // namespace agentstudio
