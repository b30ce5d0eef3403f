#include "producers/topic_admin.hpp"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <set>

namespace agentstudio::kafka {

void EnsureTopics(const ConfigMap& properties, const std::vector<std::string>& topics,
                  int partitions, std::chrono::milliseconds timeout) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [key, value] : properties) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof error) !=
        RD_KAFKA_CONF_OK) {
      spdlog::warn("topic admin: {}", error);
    }
  }
  std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)> admin(
      rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error), rd_kafka_destroy);
  if (!admin) {
    spdlog::warn("topic admin: cannot create a client: {}", error);
    return;
  }
  // Only ask for what is missing: most starts find every topic there.
  std::set<std::string> missing(topics.begin(), topics.end());
  const rd_kafka_metadata_t* metadata = nullptr;
  if (rd_kafka_metadata(admin.get(), /*all_topics=*/1, nullptr, &metadata,
                        static_cast<int>(timeout.count())) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < metadata->topic_cnt; ++i) {
      if (metadata->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR)
        missing.erase(metadata->topics[i].topic);
    }
    rd_kafka_metadata_destroy(metadata);
  }
  if (missing.empty()) return;
  std::vector<rd_kafka_NewTopic_t*> requests;
  for (const std::string& topic : missing) {
    rd_kafka_NewTopic_t* request = rd_kafka_NewTopic_new(
        topic.c_str(), partitions, /*replication_factor=*/-1, error, sizeof error);
    if (request) requests.push_back(request);
  }
  std::unique_ptr<rd_kafka_queue_t, decltype(&rd_kafka_queue_destroy)> queue(
      rd_kafka_queue_new(admin.get()), rd_kafka_queue_destroy);
  rd_kafka_AdminOptions_t* options =
      rd_kafka_AdminOptions_new(admin.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_request_timeout(options, static_cast<int>(timeout.count()), error,
                                            sizeof error);
  rd_kafka_CreateTopics(admin.get(), requests.data(), requests.size(), options, queue.get());
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_NewTopic_destroy_array(requests.data(), requests.size());

  rd_kafka_event_t* event =
      rd_kafka_queue_poll(queue.get(), static_cast<int>(timeout.count()) + 1000);
  if (event == nullptr) {
    spdlog::warn("topic admin: no answer to CreateTopics; relying on auto-creation");
    return;
  }
  if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    spdlog::warn("topic admin: CreateTopics not available ({}); relying on auto-creation",
                 rd_kafka_event_error_string(event));
  } else {
    size_t count = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
    for (size_t i = 0; i < count; ++i) {
      const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        spdlog::info("created topic {}", rd_kafka_topic_result_name(results[i]));
      } else if (err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        spdlog::warn("topic admin: {}: {}", rd_kafka_topic_result_name(results[i]),
                     rd_kafka_topic_result_error_string(results[i]));
      }
    }
  }
  rd_kafka_event_destroy(event);
}

}  // namespace agentstudio::kafka
