#include "producers/kafka_config.hpp"

#include <algorithm>
#include <stdexcept>

#include "schemas/ids.hpp"

namespace agentstudio::kafka {

std::unique_ptr<RdKafka::Conf> MakeConf(const ConfigMap& properties) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  for (const auto& [key, value] : properties) {
    if (conf->set(key, value, error) != RdKafka::Conf::CONF_OK) {
      throw std::invalid_argument("Kafka property " + key + "=" + value + ": " + error);
    }
  }
  return conf;
}

ConfigMap BaseProperties(const std::string& brokers, const std::string& client_id) {
  // The reasons for each value are in docs/kafka.md.
  return {{"bootstrap.servers", brokers},       {"client.id", client_id},
          {"allow.auto.create.topics", "true"}, {"topic.metadata.refresh.interval.ms", "10000"},
          {"log.connection.close", "false"},    {"socket.keepalive.enable", "true"},
          {"socket.timeout.ms", "10000"},       {"reconnect.backoff.ms", "50"},
          {"reconnect.backoff.max.ms", "2000"}};
}

ConfigMap WithSessionTimeout(ConfigMap properties, std::chrono::milliseconds session_timeout) {
  properties["session.timeout.ms"] = std::to_string(session_timeout.count());
  properties["heartbeat.interval.ms"] =
      std::to_string(std::min<int64_t>(1000, session_timeout.count() / 3));
  return properties;
}

std::string NewTraceparent() {
  const std::string trace = schemas::NewMessageId();  // 32 hex
  const std::string span = schemas::NewMessageId().substr(0, 16);
  return "00-" + trace + "-" + span + "-01";
}

}  // namespace agentstudio::kafka
