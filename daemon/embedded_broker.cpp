#include "daemon/embedded_broker.hpp"

#include <stdexcept>

namespace agentstudio::daemon {

EmbeddedBroker::EmbeddedBroker(int brokers, const std::vector<std::string>& topics,
                               int partitions) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", error, sizeof error);
  handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (handle_ == nullptr) throw std::runtime_error(std::string("embedded broker: ") + error);
  cluster_ = rd_kafka_mock_cluster_new(handle_, brokers);
  if (cluster_ == nullptr) {
    rd_kafka_destroy(handle_);
    throw std::runtime_error("embedded broker: cannot start the mock cluster");
  }
  for (const std::string& topic : topics) CreateTopic(topic, partitions);
}

EmbeddedBroker::~EmbeddedBroker() {
  rd_kafka_mock_cluster_destroy(cluster_);  // before the handle, or librdkafka asserts
  rd_kafka_destroy(handle_);
}

std::string EmbeddedBroker::bootstrap() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }

void EmbeddedBroker::CreateTopic(const std::string& topic, int partitions) {
  const rd_kafka_resp_err_t err =
      rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, 1);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error("embedded broker: cannot create " + topic + ": " +
                             rd_kafka_err2str(err));
  }
}

}  // namespace agentstudio::daemon
