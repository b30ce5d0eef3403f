// MessageProducer on the real broker when its librdkafka client fails for
// good: an idempotent producer raises a fatal error (e.g. "rewound sequence
// number" after a broker lost acknowledged batches) and refuses every message
// after it. The error is raised here through librdkafka's own test hook.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <future>
#include <mutex>
#include <set>

#include "consumers/batch_consumer.hpp"
#include "producers/message_producer.hpp"
#include "tests/support/shared_kafka.hpp"
#include "tests/support/wait.hpp"

namespace agentstudio::kafka {
namespace {

constexpr int kBurst = 200;

// Every payload in `topic`, read from its start.
std::multiset<std::string> ReadAll(const std::string& bootstrap, const std::string& topic,
                                   size_t at_least) {
  BatchConsumer consumer(BaseProperties(bootstrap, "reader"),
                         {topic + ".readers", {topic}, 500, std::chrono::milliseconds(100)});
  std::multiset<std::string> payloads;
  testing::WaitUntil([&] {
    for (const auto& message : consumer.Poll()) payloads.insert(message.payload);
    return payloads.size() >= at_least;
  });
  return payloads;
}

// Reports of a burst, one per payload expected.
struct Reports {
  std::mutex mutex;
  std::map<std::string, int> count;  // guarded by mutex
  std::vector<std::string> failed;   // guarded by mutex
  bool all_retryable = true;         // guarded by mutex

  DeliveryCallback For(const std::string& payload) {
    return [this, payload](const DeliveryResult& result) {
      std::lock_guard lock(mutex);
      ++count[payload];
      if (!result.ok) {
        failed.push_back(payload);
        all_retryable = all_retryable && result.retryable;
      }
    };
  }
  size_t size() {
    std::lock_guard lock(mutex);
    return count.size();
  }
};

class MessageProducerTest : public ::testing::Test {
 protected:
  const std::string bootstrap_ = testing::SharedKafka();
  const std::string topic_ = testing::UniqueTopicPrefix() + "fatal";
};

// A sender that must not block (the front door's reactor threads) gets
// retryable failures until the new client is in place, then deliveries.
TEST_F(MessageProducerTest, ShouldReplaceAClientThatFailedForGoodAndDeliverWhatIsSentAgain) {
  Reports reports;  // before the producer, whose destructor may still report
  MessageProducer producer(BaseProperties(bootstrap_, "producer"), std::chrono::seconds(10),
                           MessageProducer::WhenQueueFull::kFail);
  // The topic does not exist yet, and the broker does not create topics on
  // use: the burst waits in the client's queue (for the topic to appear)
  // when the error comes, and each message gets one report.
  for (int i = 0; i < kBurst; ++i) {
    const std::string payload = "burst-" + std::to_string(i);
    producer.Send(topic_, std::to_string(i), payload, {}, reports.For(payload));
  }
  producer.InjectFatalError("the test's fatal error");
  ASSERT_TRUE(testing::WaitUntil([&] { return reports.size() == kBurst; }));
  ASSERT_TRUE(testing::WaitUntil([&] { return producer.replacements() == 1; }));
  std::vector<std::string> again;
  {
    std::lock_guard lock(reports.mutex);
    for (const auto& [payload, count] : reports.count) EXPECT_EQ(count, 1) << payload;
    EXPECT_TRUE(reports.all_retryable) << "a fatal error fails messages as retryable";
    EXPECT_EQ(reports.failed.size(), static_cast<size_t>(kBurst));
    again = reports.failed;
  }

  // What failed is sent again, as callers do; the new client delivers it.
  testing::TestTopics topics(bootstrap_, {topic_}, 2);
  again.push_back("after");
  for (const std::string& payload : again) {
    EXPECT_TRUE(testing::WaitUntil([&] {
      return producer.SendAndWait(topic_, payload, payload, {}).ok;
    })) << payload
        << " was never delivered";
  }
  EXPECT_EQ(producer.replacements(), 1);

  const std::multiset<std::string> stored = ReadAll(bootstrap_, topic_, kBurst + 1);
  EXPECT_EQ(stored.size(), static_cast<size_t>(kBurst + 1));
  EXPECT_EQ(stored.count("after"), 1u);
  for (int i = 0; i < kBurst; ++i) {
    EXPECT_EQ(stored.count("burst-" + std::to_string(i)), 1u) << "burst-" << i;
  }
}

// A sender that may wait (agents' reports, the relay) just waits for the new
// client: its send succeeds without a failed report.
TEST_F(MessageProducerTest, ShouldLetAWaitingSenderThroughOnceTheClientIsReplaced) {
  testing::TestTopics topics(bootstrap_, {topic_}, 2);
  MessageProducer producer(BaseProperties(bootstrap_, "producer"), std::chrono::seconds(10));
  ASSERT_TRUE(producer.SendAndWait(topic_, "k", "before", {}).ok);
  producer.InjectFatalError("the test's fatal error");
  auto sent = std::async(std::launch::async,
                         [&] { return producer.SendAndWait(topic_, "k", "after", {}).ok; });
  if (sent.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    // The send waits for good: end the process rather than hang it (the
    // future would join a thread that never returns).
    ADD_FAILURE() << "the send still waits for a client that failed for good";
    std::fflush(stdout);
    std::_Exit(1);
  }
  EXPECT_TRUE(sent.get());
  EXPECT_EQ(producer.replacements(), 1);
  const std::multiset<std::string> stored = ReadAll(bootstrap_, topic_, 2);
  EXPECT_EQ(stored, (std::multiset<std::string>{"before", "after"}));
}

}  // namespace
}  // namespace agentstudio::kafka
