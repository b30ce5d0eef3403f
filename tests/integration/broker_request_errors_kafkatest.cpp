// Guarantee 1 under failed requests. A real broker cannot be made to answer
// the next six Produce requests with NOT_LEADER / REQUEST_TIMED_OUT /
// NOT_ENOUGH_REPLICAS, three Fetches with errors and three OffsetCommits with
// REBALANCE_IN_PROGRESS / COORDINATOR_NOT_AVAILABLE on demand, nor slowed by
// 300 ms a request: this is the one suite on librdkafka's mock cluster
// (three brokers, the Kafka protocol over TCP), for its request-error and
// latency injection. Real faults (SIGKILL, SIGSTOP, leader loss) are in
// kafka_faults_e2etest. While workflows are submitted steadily, every
// accepted one completes, none twice: a failed offset commit redelivers a
// batch that must apply once. And a consumer whose fetch of committed offsets
// the coordinator refuses still gets its messages (librdkafka leaves such an
// assignment unfetched; BatchConsumer assigns it again).
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "consumers/batch_consumer.hpp"
#include "daemon/embedded_broker.hpp"
#include "producers/message_producer.hpp"
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
constexpr int16_t kOffsetFetch = 9;
constexpr int kBrokers = 3;

class BrokerRequestErrorsTest : public ::testing::Test {
 protected:
  rd_kafka_mock_cluster_t* cluster() { return stack_.mock().cluster(); }

  testing::InProcessStack stack_{{Role::kFrontdoor, Role::kScheduler, Role::kRelay, Role::kAgent},
                                 [](daemon::Config& config) { config.delivery_timeout_ms = 2000; },
                                 testing::StackKafka{"", kBrokers}};
};

TEST_F(BrokerRequestErrorsTest, ShouldRecoverFromFailedRequestsAndLatencyAndApplyOnce) {
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

  const std::vector<std::string> accepted = client.Stop();
  int completed = 0;
  for (const std::string& id : accepted) {
    completed += stack_.WaitForEnd(id).status == engine::WorkflowStatus::kCompleted ? 1 : 0;
  }
  auto session = stack_.database().Connect();
  const int applied_twice = testing::CountMessagesAppliedTwice(*session);
  std::string injected;
  for (const std::string& fault : faults) injected += " [" + fault + "]";
  testing::ReportFigures(
      "broker request-error figures (mock cluster): accepted %zu, refused with 503 %d, completed "
      "%d, completions "
      "applied twice %d, faults:%s",
      accepted.size(), client.refused(), completed, applied_twice, injected.c_str());
  EXPECT_EQ(completed, static_cast<int>(accepted.size()));
  EXPECT_EQ(applied_twice, 0);
}

// What a restarted broker answers before it has loaded the group's offsets
// partition: NOT_COORDINATOR, to the one OffsetFetch that follows an
// assignment. librdkafka reports it once and never fetches those partitions.
TEST(OffsetFetchErrorTest, ShouldGetItsMessagesWhenTheCoordinatorRefusedTheCommittedOffsets) {
  const std::string topic = "offset-fetch-refused";
  daemon::EmbeddedBroker broker(1, {topic}, 2);
  kafka::MessageProducer producer(kafka::BaseProperties(broker.bootstrap(), "producer"),
                                  std::chrono::seconds(10));
  ASSERT_TRUE(producer.SendAndWait(topic, "k", "before", {}).ok);
  rd_kafka_mock_push_request_errors(broker.cluster(), kOffsetFetch, 1,
                                    RD_KAFKA_RESP_ERR_NOT_COORDINATOR);

  kafka::BatchConsumer consumer(kafka::BaseProperties(broker.bootstrap(), "consumer"),
                                {topic + ".readers", {topic}, 10, std::chrono::milliseconds(100)});
  std::vector<std::string> got;
  const auto poll_until = [&](size_t count) {
    for (const kafka::InboundMessage& message : consumer.Poll()) got.push_back(message.payload);
    return got.size() >= count;
  };
  ASSERT_TRUE(testing::WaitUntil([&] { return poll_until(1); }))
      << "the assignment was never fetched";
  // The refusal happened and was what the restart answered.
  EXPECT_GE(consumer.restarts(), 1u);
  ASSERT_TRUE(producer.SendAndWait(topic, "k", "after", {}).ok);
  ASSERT_TRUE(testing::WaitUntil([&] { return poll_until(2); }));
  EXPECT_EQ(got, (std::vector<std::string>{"before", "after"}));
}

}  // namespace
}  // namespace agentstudio
