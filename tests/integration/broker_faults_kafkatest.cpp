// Guarantee 1 under broker faults: while workflows are submitted steadily,
// the embedded broker (three brokers, the real Kafka protocol over TCP) gets
// added latency, failed Produce/Fetch/OffsetCommit requests, partition leader
// changes and a full outage, through librdkafka's mock fault injection. The
// daemon waits and recovers by itself; the front door answers 201 only for
// commands Kafka confirmed and 503 problem+json with Retry-After otherwise;
// every accepted workflow completes, none twice.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "agents/reference/reference_agents.hpp"
#include "tests/support/figures.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/reference_examples.hpp"
#include "tests/support/stack.hpp"
#include "tests/support/steady_submitter.hpp"
#include "tests/support/wait.hpp"
#include "tests/support/workflow_invariants.hpp"

namespace agentstudio {
namespace {

using daemon::Role;
using testing::Http;

// Kafka protocol API keys (rdkafka_mock.h takes them as numbers).
constexpr int16_t kProduce = 0;
constexpr int16_t kFetch = 1;
constexpr int16_t kOffsetCommit = 8;
constexpr int kBrokers = 3;
constexpr int kPartitions = 4;  // InProcessStack's topics

class BrokerFaultsTest : public ::testing::Test {
 protected:
  rd_kafka_mock_cluster_t* cluster() { return stack_.broker().cluster(); }

  testing::InProcessStack stack_{{Role::kFrontdoor, Role::kScheduler, Role::kRelay, Role::kAgent},
                                 [](daemon::Config& config) { config.delivery_timeout_ms = 2000; },
                                 kBrokers};
};

TEST_F(BrokerFaultsTest, ShouldRecoverFromEveryBrokerFaultAndAnswer2xxOnlyWhenDurable) {
  testing::SteadySubmitter client(stack_.base_url() + "/api/workflows",
                                  testing::kCustomerAnalysisCurlBody,
                                  std::chrono::milliseconds(50));
  ASSERT_TRUE(client.AcceptsMore(5));
  std::vector<std::string> faults;

  // Latency: every request takes 300 ms longer.
  for (int broker = 1; broker <= kBrokers; ++broker)
    rd_kafka_mock_broker_set_rtt(cluster(), broker, 300);
  faults.push_back("rtt 300 ms");
  ASSERT_TRUE(client.AcceptsMore(5));
  for (int broker = 1; broker <= kBrokers; ++broker)
    rd_kafka_mock_broker_set_rtt(cluster(), broker, 0);

  // Failed requests: produces (the front door's and the relay's), fetches,
  // offset commits (the batch is redelivered and must apply once).
  rd_kafka_mock_push_request_errors(
      cluster(), kProduce, 6, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
      RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
      RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
      RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT);
  rd_kafka_mock_push_request_errors(
      cluster(), kFetch, 3, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
      RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
  rd_kafka_mock_push_request_errors(
      cluster(), kOffsetCommit, 3, RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS,
      RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT);
  faults.push_back("12 failed requests");
  ASSERT_TRUE(client.AcceptsMore(5));

  // Every partition's leader moves to another broker.
  std::vector<std::string> topics = stack_.topics().Fixed();
  for (const std::string& type : agents::ReferenceAgentTypes()) {
    topics.push_back(stack_.topics().tasks(type));
  }
  for (const std::string& topic : topics) {
    for (int partition = 0; partition < kPartitions; ++partition) {
      rd_kafka_mock_partition_set_leader(cluster(), topic.c_str(), partition,
                                         1 + (partition + 1) % kBrokers);
    }
  }
  faults.push_back("leader changes");
  ASSERT_TRUE(client.AcceptsMore(5));

  // An outage: nothing can be confirmed, so nothing is accepted.
  const int refused_before = client.refused();
  for (int broker = 1; broker <= kBrokers; ++broker)
    rd_kafka_mock_broker_set_down(cluster(), broker);
  faults.push_back("all brokers down");
  ASSERT_TRUE(testing::WaitUntil([&] { return client.refused() >= refused_before + 2; }))
      << "the front door answers 503 while Kafka is down";
  const auto health = Http("GET", stack_.base_url() + "/health");
  EXPECT_EQ(health.status, 503);
  EXPECT_EQ(health.Json()["checks"]["kafka"]["status"], "down");
  for (int broker = 1; broker <= kBrokers; ++broker) rd_kafka_mock_broker_set_up(cluster(), broker);
  ASSERT_TRUE(client.AcceptsMore(5)) << "the front door recovers by itself";

  const std::vector<std::string> accepted = client.Stop();
  int completed = 0;
  for (const std::string& id : accepted) {
    completed += stack_.WaitForEnd(id).status == engine::WorkflowStatus::kCompleted ? 1 : 0;
  }
  auto session = stack_.database().Connect();
  const int applied_twice = testing::CountCompletionsAppliedTwice(*session);
  std::string injected;
  for (const std::string& fault : faults) injected += " [" + fault + "]";
  testing::ReportFigures(
      "broker fault figures: accepted %zu, refused with 503 %d, completed %d, completions "
      "applied twice %d, faults:%s",
      accepted.size(), client.refused(), completed, applied_twice, injected.c_str());
  EXPECT_EQ(completed, static_cast<int>(accepted.size()));
  EXPECT_EQ(applied_twice, 0);
}

}  // namespace
}  // namespace agentstudio
