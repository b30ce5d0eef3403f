#pragma once

#include <string>
#include <vector>

namespace agentstudio::testing {

// The bootstrap address of the test run's Apache Kafka broker, which
// scripts/test starts and names in AGENTSTUDIO_TEST_KAFKA_BROKERS. Tests share
// it and keep apart by topic prefix and group id. Throws std::runtime_error
// when it is not set: a test fails, never skips, without its broker.
std::string SharedKafka();

// A topic prefix ("t<12 hex>.") that no other test of any run uses.
std::string UniqueTopicPrefix();

// Every topic of the cluster at `bootstrap` whose name starts with `prefix`
// is deleted (best effort, bounded by a few seconds), so a long test run does
// not leave thousands of topics on the shared broker.
void DeleteTopicsWithPrefix(const std::string& bootstrap, const std::string& prefix);

// Sets `key` to `value` in the configuration of `topic` (AlterConfigs; the
// topic's other settings return to the cluster's defaults). Throws
// std::runtime_error when the cluster refuses.
void SetTopicConfig(const std::string& bootstrap, const std::string& topic, const std::string& key,
                    const std::string& value);

// Topics of one test: created with the admin API in the constructor (throws
// std::runtime_error when they cannot be), deleted in the destructor.
class TestTopics {
 public:
  TestTopics(std::string bootstrap, std::vector<std::string> names, int partitions);
  ~TestTopics();

  TestTopics(const TestTopics&) = delete;
  TestTopics& operator=(const TestTopics&) = delete;

 private:
  const std::string bootstrap_;
  const std::vector<std::string> names_;
};

}  // namespace agentstudio::testing
