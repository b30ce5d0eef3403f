#pragma once

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <string>
#include <vector>

namespace agentstudio::daemon {

// The development broker: librdkafka's mock cluster, real Kafka protocol on
// TCP listeners at 127.0.0.1, in memory and bounded (each partition keeps at
// most 5 MiB or 100,000 batches). Never used outside the `broker` role.
class EmbeddedBroker {
 public:
  // Starts `brokers` brokers and creates `topics`, each with `partitions`
  // partitions (the mock has no CreateTopics API). Throws std::runtime_error.
  EmbeddedBroker(int brokers, const std::vector<std::string>& topics, int partitions);
  ~EmbeddedBroker();

  EmbeddedBroker(const EmbeddedBroker&) = delete;
  EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;

  // "127.0.0.1:port,...": what clients put in bootstrap.servers.
  std::string bootstrap() const;

  void CreateTopic(const std::string& topic, int partitions);

  // For fault-injection tests (rd_kafka_mock_broker_set_down, ...).
  rd_kafka_mock_cluster_t* cluster() { return cluster_; }

 private:
  rd_kafka_t* handle_ = nullptr;  // owns the mock cluster's threads; destroyed after it
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

}  // namespace agentstudio::daemon
