// BatchConsumer on the real Kafka broker: what Rewind() hands out again, and
// that a Commit() after it does not pass over those messages.
#include <gtest/gtest.h>

#include "consumers/batch_consumer.hpp"
#include "producers/message_producer.hpp"
#include "tests/support/shared_kafka.hpp"
#include "tests/support/wait.hpp"

namespace agentstudio::kafka {
namespace {

// Polls `consumer` until `count` messages came (or the wait ran out).
std::vector<InboundMessage> PollFor(BatchConsumer& consumer, size_t count) {
  std::vector<InboundMessage> got;
  testing::WaitUntil([&] {
    for (auto& message : consumer.Poll()) got.push_back(std::move(message));
    return got.size() >= count;
  });
  return got;
}

TEST(BatchConsumerTest, ShouldHandOutRewoundMessagesAgainBeforeLaterOnes) {
  const std::string bootstrap = testing::SharedKafka();
  const std::string topic = testing::UniqueTopicPrefix() + "rewind";
  testing::TestTopics topics(bootstrap, {topic}, 1);
  MessageProducer producer(BaseProperties(bootstrap, "producer"), std::chrono::seconds(10));
  for (const char* payload : {"a", "b", "c"}) {
    ASSERT_TRUE(producer.SendAndWait(topic, "k", payload, {}).ok);
  }
  const BatchConsumerOptions options{
      topic + ".rewinders", {topic}, 10, std::chrono::milliseconds(100)};
  {
    BatchConsumer consumer(BaseProperties(bootstrap, "consumer"), options);
    std::vector<InboundMessage> first = PollFor(consumer, 3);
    ASSERT_EQ(first.size(), 3u);
    // "a" was handled; "b" and "c" were not.
    consumer.Rewind({first.begin() + 1, first.end()});
    ASSERT_TRUE(consumer.Commit({first.front()}));
    ASSERT_TRUE(producer.SendAndWait(topic, "k", "d", {}).ok);
    const std::vector<InboundMessage> again = PollFor(consumer, 3);
    ASSERT_EQ(again.size(), 3u);
    EXPECT_EQ(again[0].payload, "b");
    EXPECT_EQ(again[1].payload, "c");
    EXPECT_EQ(again[2].payload, "d");
  }
  // Nothing was committed past "a": a new member starts at "b".
  BatchConsumer next(BaseProperties(bootstrap, "consumer-2"), options);
  const std::vector<InboundMessage> resumed = PollFor(next, 1);
  ASSERT_FALSE(resumed.empty());
  EXPECT_EQ(resumed.front().payload, "b");
}

}  // namespace
}  // namespace agentstudio::kafka
