// BatchConsumer against the embedded broker over TCP: what Rewind() hands
// out again, and that a Commit() after it does not pass over those messages.
#include <gtest/gtest.h>

#include "consumers/batch_consumer.hpp"
#include "daemon/embedded_broker.hpp"
#include "producers/message_producer.hpp"
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
  daemon::EmbeddedBroker broker(1, {"rewind"}, 1);
  MessageProducer producer(BaseProperties(broker.bootstrap(), "producer"),
                           std::chrono::seconds(10));
  for (const char* payload : {"a", "b", "c"}) {
    ASSERT_TRUE(producer.SendAndWait("rewind", "k", payload, {}).ok);
  }
  const BatchConsumerOptions options{"rewinders", {"rewind"}, 10, std::chrono::milliseconds(100)};
  {
    BatchConsumer consumer(BaseProperties(broker.bootstrap(), "consumer"), options);
    std::vector<InboundMessage> first = PollFor(consumer, 3);
    ASSERT_EQ(first.size(), 3u);
    // "a" was handled; "b" and "c" were not.
    consumer.Rewind({first.begin() + 1, first.end()});
    ASSERT_TRUE(consumer.Commit({first.front()}));
    ASSERT_TRUE(producer.SendAndWait("rewind", "k", "d", {}).ok);
    const std::vector<InboundMessage> again = PollFor(consumer, 3);
    ASSERT_EQ(again.size(), 3u);
    EXPECT_EQ(again[0].payload, "b");
    EXPECT_EQ(again[1].payload, "c");
    EXPECT_EQ(again[2].payload, "d");
  }
  // Nothing was committed past "a": a new member starts at "b".
  BatchConsumer next(BaseProperties(broker.bootstrap(), "consumer-2"), options);
  const std::vector<InboundMessage> resumed = PollFor(next, 1);
  ASSERT_FALSE(resumed.empty());
  EXPECT_EQ(resumed.front().payload, "b");
}

}  // namespace
}  // namespace agentstudio::kafka
