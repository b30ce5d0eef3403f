#include "tests/support/shared_kafka.hpp"

#include <librdkafka/rdkafka.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>

#include "producers/kafka_config.hpp"
#include "producers/topic_admin.hpp"
#include "schemas/ids.hpp"

namespace agentstudio::testing {
namespace {

void DeleteTopics(const std::string& bootstrap, const std::vector<std::string>& names,
                  bool only_prefixed, const std::string& prefix) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), error, sizeof error);
  rd_kafka_conf_set(conf, "log_level", "3", error, sizeof error);
  std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)> admin(
      rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error), rd_kafka_destroy);
  if (!admin) {
    rd_kafka_conf_destroy(conf);  // still ours when rd_kafka_new fails
    return;
  }
  std::vector<std::string> doomed = names;
  if (only_prefixed) {
    const rd_kafka_metadata_t* metadata = nullptr;
    if (rd_kafka_metadata(admin.get(), 1, nullptr, &metadata, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR)
      return;
    for (int i = 0; i < metadata->topic_cnt; ++i) {
      const std::string name = metadata->topics[i].topic;
      if (name.rfind(prefix, 0) == 0) doomed.push_back(name);
    }
    rd_kafka_metadata_destroy(metadata);
  }
  if (doomed.empty()) return;
  std::vector<rd_kafka_DeleteTopic_t*> requests;
  for (const std::string& name : doomed) requests.push_back(rd_kafka_DeleteTopic_new(name.c_str()));
  std::unique_ptr<rd_kafka_queue_t, decltype(&rd_kafka_queue_destroy)> queue(
      rd_kafka_queue_new(admin.get()), rd_kafka_queue_destroy);
  rd_kafka_DeleteTopics(admin.get(), requests.data(), requests.size(), nullptr, queue.get());
  rd_kafka_DeleteTopic_destroy_array(requests.data(), requests.size());
  if (rd_kafka_event_t* event = rd_kafka_queue_poll(queue.get(), 5000))
    rd_kafka_event_destroy(event);
}

using Admin = std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)>;

}  // namespace

void SetTopicConfig(const std::string& bootstrap, const std::string& topic, const std::string& key,
                    const std::string& value) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), error, sizeof error);
  Admin admin(rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error), rd_kafka_destroy);
  if (!admin) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(error);
  }
  rd_kafka_ConfigResource_t* resource =
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
  rd_kafka_ConfigResource_set_config(resource, key.c_str(), value.c_str());
  std::unique_ptr<rd_kafka_queue_t, decltype(&rd_kafka_queue_destroy)> queue(
      rd_kafka_queue_new(admin.get()), rd_kafka_queue_destroy);
  rd_kafka_AlterConfigs(admin.get(), &resource, 1, nullptr, queue.get());
  rd_kafka_ConfigResource_destroy(resource);
  std::unique_ptr<rd_kafka_event_t, decltype(&rd_kafka_event_destroy)> event(
      rd_kafka_queue_poll(queue.get(), 10000), rd_kafka_event_destroy);
  if (!event) throw std::runtime_error("no answer to AlterConfigs");
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw std::runtime_error(rd_kafka_event_error_string(event.get()));
  size_t count = 0;
  const rd_kafka_ConfigResource_t** results = rd_kafka_AlterConfigs_result_resources(
      rd_kafka_event_AlterConfigs_result(event.get()), &count);
  for (size_t i = 0; i < count; ++i) {
    if (rd_kafka_ConfigResource_error(results[i]) != RD_KAFKA_RESP_ERR_NO_ERROR)
      throw std::runtime_error(rd_kafka_ConfigResource_error_string(results[i]));
  }
}

std::string SharedKafka() {
  const char* brokers = std::getenv("AGENTSTUDIO_TEST_KAFKA_BROKERS");
  if (brokers == nullptr || *brokers == '\0') {
    throw std::runtime_error(
        "AGENTSTUDIO_TEST_KAFKA_BROKERS is not set: run the tests through scripts/test, which "
        "starts the test run's Kafka broker");
  }
  return brokers;
}

std::string UniqueTopicPrefix() { return "t" + schemas::NewMessageId().substr(0, 12) + "."; }

void DeleteTopicsWithPrefix(const std::string& bootstrap, const std::string& prefix) {
  DeleteTopics(bootstrap, {}, true, prefix);
}

TestTopics::TestTopics(std::string bootstrap, std::vector<std::string> names, int partitions)
    : bootstrap_(std::move(bootstrap)), names_(std::move(names)) {
  const kafka::EnsureTopicsResult made = kafka::EnsureTopics(
      kafka::BaseProperties(bootstrap_, "test-topics"), names_, kafka::TopicSettings{partitions});
  if (!made.ok()) throw std::runtime_error(made.error);
}

TestTopics::~TestTopics() { DeleteTopics(bootstrap_, names_, false, ""); }

}  // namespace agentstudio::testing
