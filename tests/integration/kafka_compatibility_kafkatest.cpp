// Debian's librdkafka 2.0.2 predates Kafka 4's removal of old protocol
// versions and enables its features by exact API versions: against the
// broker the project pins (scripts/lib/kafka/pom.xml), the features the
// guarantees stand on must come out enabled. This fails first when a new
// Kafka pin drops a version librdkafka still checks for (docs/kafka.md).
#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "producers/kafka_config.hpp"
#include "tests/support/shared_kafka.hpp"
#include "tests/support/wait.hpp"

namespace agentstudio {
namespace {

// Collects the "Enabling feature X" / "Disabling feature X" lines of
// librdkafka's debug=feature log (written from its own threads).
class FeatureLog : public RdKafka::EventCb {
 public:
  void event_cb(RdKafka::Event& event) override {
    if (event.type() != RdKafka::Event::EVENT_LOG) return;
    const std::string line = event.str();
    std::lock_guard lock(mutex_);
    for (const auto& [verb, into] :
         {std::pair{"Enabling feature ", &enabled_}, std::pair{"Disabling feature ", &disabled_}}) {
      if (const auto at = line.find(verb); at != std::string::npos) {
        into->insert(line.substr(at + std::string(verb).size()));
      }
    }
  }
  std::set<std::string> enabled() const {
    std::lock_guard lock(mutex_);
    return enabled_;
  }
  std::set<std::string> disabled() const {
    std::lock_guard lock(mutex_);
    return disabled_;
  }

 private:
  mutable std::mutex mutex_;
  std::set<std::string> enabled_, disabled_;
};

TEST(KafkaCompatibilityTest, ShouldEnableIdempotenceCompressionAndConsumerGroupsOnThePinnedBroker) {
  FeatureLog log;
  kafka::ConfigMap properties = kafka::BaseProperties(testing::SharedKafka(), "features");
  properties["debug"] = "feature";
  auto conf = kafka::MakeConf(properties);
  std::string error;
  ASSERT_EQ(conf->set("event_cb", &log, error), RdKafka::Conf::CONF_OK) << error;
  std::unique_ptr<RdKafka::Producer> client(RdKafka::Producer::create(conf.get(), error));
  ASSERT_TRUE(client) << error;
  RdKafka::Metadata* metadata = nullptr;
  ASSERT_EQ(client->metadata(true, nullptr, &metadata, 10000), RdKafka::ERR_NO_ERROR);
  delete metadata;
  const std::set<std::string> needed = {
      "MsgVer2", "IdempotentProducer", "BrokerBalancedConsumer", "BrokerGroupCoordinator", "LZ4",
      "ZSTD"};
  ASSERT_TRUE(testing::WaitUntil([&] {
    const auto enabled = log.enabled();
    for (const std::string& feature : needed)
      if (!enabled.count(feature)) return false;
    return true;
  })) << "enabled: "
      << ::testing::PrintToString(log.enabled())
      << ", disabled: " << ::testing::PrintToString(log.disabled());
  for (const std::string& feature : needed) EXPECT_EQ(log.disabled().count(feature), 0u) << feature;
}

}  // namespace
}  // namespace agentstudio
