#include "producers/topic_admin.hpp"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <set>
#include <thread>

namespace agentstudio::kafka {
namespace {

using Handle = std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)>;
using Metadata = std::unique_ptr<const rd_kafka_metadata_t, decltype(&rd_kafka_metadata_destroy)>;

Metadata ReadMetadata(rd_kafka_t* handle, std::chrono::milliseconds timeout,
                      rd_kafka_resp_err_t* err) {
  const rd_kafka_metadata_t* metadata = nullptr;
  *err = rd_kafka_metadata(handle, /*all_topics=*/1, nullptr, &metadata,
                           static_cast<int>(timeout.count()));
  return Metadata(*err == RD_KAFKA_RESP_ERR_NO_ERROR ? metadata : nullptr,
                  rd_kafka_metadata_destroy);
}

// The topics of `wanted` that exist with a leader for every partition.
std::set<std::string> Ready(const rd_kafka_metadata_t& metadata,
                            const std::set<std::string>& wanted) {
  std::set<std::string> ready;
  for (int i = 0; i < metadata.topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& topic = metadata.topics[i];
    if (topic.err != RD_KAFKA_RESP_ERR_NO_ERROR || !wanted.count(topic.topic)) continue;
    const bool led = topic.partition_cnt > 0 &&
                     std::all_of(topic.partitions, topic.partitions + topic.partition_cnt,
                                 [](const rd_kafka_metadata_partition_t& p) {
                                   return p.err == RD_KAFKA_RESP_ERR_NO_ERROR && p.leader >= 0;
                                 });
    if (led) ready.insert(topic.topic);
  }
  return ready;
}

bool Exists(const rd_kafka_metadata_t& metadata, const std::string& name) {
  for (int i = 0; i < metadata.topic_cnt; ++i) {
    if (metadata.topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR && name == metadata.topics[i].topic)
      return true;
  }
  return false;
}

}  // namespace

EnsureTopicsResult EnsureTopics(const ConfigMap& properties, const std::vector<std::string>& topics,
                                const TopicSettings& settings, std::chrono::milliseconds timeout) {
  EnsureTopicsResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const auto left = [&] {
    return std::max(std::chrono::milliseconds(100),
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now()));
  };
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [key, value] : properties) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof error) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      result.error = std::string("topic admin: ") + error;
      return result;
    }
  }
  Handle admin(rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error), rd_kafka_destroy);
  if (!admin) {
    rd_kafka_conf_destroy(conf);  // still ours when rd_kafka_new fails
    result.error = std::string("topic admin: cannot create a client: ") + error;
    return result;
  }
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  Metadata metadata = ReadMetadata(admin.get(), left(), &err);
  if (!metadata) {
    result.error =
        std::string("topic admin: no metadata from the cluster: ") + rd_kafka_err2str(err);
    return result;
  }
  // Only ask for what is missing: most starts find every topic there.
  std::set<std::string> missing;
  for (const std::string& topic : topics) {
    if (!Exists(*metadata, topic)) missing.insert(topic);
  }
  if (missing.empty()) return result;

  // The metadata lists the brokers that are up: a cluster of three with one
  // down answers two. Topics of a single broker get one replica; any larger
  // cluster gets three, and the creation is refused (start-up fails and is
  // retried) until three brokers are up, rather than making a topic for good
  // with fewer replicas than the cluster was meant to give it.
  const int brokers = metadata->broker_cnt;
  const int replication = settings.replication_factor > 0 ? settings.replication_factor
                          : brokers <= 1                  ? 1
                                                          : 3;
  const int min_insync =
      settings.min_insync_replicas > 0 ? settings.min_insync_replicas : (replication >= 3 ? 2 : 1);
  if (min_insync > replication) {
    result.error = "topic admin: min.insync.replicas " + std::to_string(min_insync) +
                   " exceeds the replication factor " + std::to_string(replication) +
                   ": no write could ever be acknowledged";
    return result;
  }
  if (replication > brokers) {
    result.error = "topic admin: " + std::to_string(replication) + " replicas wanted, " +
                   std::to_string(brokers) +
                   " brokers up (set AGENTSTUDIO_REPLICATION_FACTOR for a smaller cluster)";
    return result;
  }
  std::vector<rd_kafka_NewTopic_t*> requests;
  const std::string min_insync_text = std::to_string(min_insync);
  for (const std::string& topic : missing) {
    rd_kafka_NewTopic_t* request =
        rd_kafka_NewTopic_new(topic.c_str(), settings.partitions, replication, error, sizeof error);
    if (request == nullptr) {
      rd_kafka_NewTopic_destroy_array(requests.data(), requests.size());
      result.error = "topic admin: " + topic + ": " + error;
      return result;
    }
    rd_kafka_NewTopic_set_config(request, "min.insync.replicas", min_insync_text.c_str());
    requests.push_back(request);
  }
  std::unique_ptr<rd_kafka_queue_t, decltype(&rd_kafka_queue_destroy)> queue(
      rd_kafka_queue_new(admin.get()), rd_kafka_queue_destroy);
  rd_kafka_AdminOptions_t* options =
      rd_kafka_AdminOptions_new(admin.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_request_timeout(options, static_cast<int>(left().count()), error,
                                            sizeof error);
  rd_kafka_AdminOptions_set_operation_timeout(options, static_cast<int>(left().count()), error,
                                              sizeof error);
  rd_kafka_CreateTopics(admin.get(), requests.data(), requests.size(), options, queue.get());
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_NewTopic_destroy_array(requests.data(), requests.size());

  std::unique_ptr<rd_kafka_event_t, decltype(&rd_kafka_event_destroy)> event(
      rd_kafka_queue_poll(queue.get(), static_cast<int>(left().count()) + 1000),
      rd_kafka_event_destroy);
  if (!event) {
    result.error = "topic admin: no answer to CreateTopics";
    return result;
  }
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    result.error = std::string("topic admin: CreateTopics failed: ") +
                   rd_kafka_event_error_string(event.get());
    return result;
  }
  size_t count = 0;
  const rd_kafka_topic_result_t** answers =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event.get()), &count);
  for (size_t i = 0; i < count; ++i) {
    const char* name = rd_kafka_topic_result_name(answers[i]);
    const rd_kafka_resp_err_t answer = rd_kafka_topic_result_error(answers[i]);
    if (answer == RD_KAFKA_RESP_ERR_NO_ERROR) {
      result.created.emplace_back(name);
    } else if (answer != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      result.error += std::string(result.error.empty() ? "topic admin: " : "; ") + name + ": " +
                      rd_kafka_topic_result_error_string(answers[i]);
    }
  }
  if (!result.ok()) return result;
  spdlog::info("created topics {} ({} partitions, replication {}, min.insync.replicas {})",
               fmt::join(result.created, ", "), settings.partitions, replication, min_insync);

  // CreateTopics answers once the controller has the topics; brokers learn
  // their leaders a moment later.
  for (;;) {
    metadata = ReadMetadata(admin.get(), left(), &err);
    if (metadata && Ready(*metadata, missing).size() == missing.size()) return result;
    if (std::chrono::steady_clock::now() >= deadline) {
      result.error = "topic admin: the topics created have no leaders yet";
      return result;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace agentstudio::kafka
