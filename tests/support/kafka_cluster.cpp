#include "tests/support/kafka_cluster.hpp"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "schemas/ids.hpp"
#include "tests/support/wait.hpp"

namespace agentstudio::testing {
namespace {

void Replace(std::string& text, const std::string& name, const std::string& value) {
  for (auto at = text.find(name); at != std::string::npos; at = text.find(name, at + value.size()))
    text.replace(at, name.size(), value);
}

// `java` from JAVA_HOME or the PATH (execve takes no PATH).
std::string FindJava() {
  if (const char* home = std::getenv("JAVA_HOME"); home && *home) {
    std::string java = std::string(home) + "/bin/java";
    if (access(java.c_str(), X_OK) == 0) return java;
  }
  std::stringstream path(std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin");
  for (std::string dir; std::getline(path, dir, ':');) {
    std::string java = dir + "/java";
    if (access(java.c_str(), X_OK) == 0) return java;
  }
  throw std::runtime_error("no java on the PATH: scripts/test installs it");
}

// A Kafka cluster id: 16 random bytes in URL-safe base64 without padding
// (22 characters), made of a random hex id.
std::string ClusterId() {
  static const char* const kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const std::string hex = schemas::NewMessageId();  // 32 hex digits
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  std::string id;
  int bits = 0;
  unsigned value = 0;
  for (unsigned char byte : bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 6) {
      id.push_back(kAlphabet[(value >> (bits - 6)) & 63]);
      bits -= 6;
    }
  }
  if (bits > 0) id.push_back(kAlphabet[(value << (6 - bits)) & 63]);
  return id;
}

std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)> Client(const std::string& bootstrap) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), error, sizeof error);
  rd_kafka_conf_set(conf, "log_level", "0", error, sizeof error);
  rd_kafka_conf_set(conf, "socket.timeout.ms", "2000", error, sizeof error);
  rd_kafka_t* client = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (client == nullptr) rd_kafka_conf_destroy(conf);  // still ours then
  return {client, rd_kafka_destroy};
}

}  // namespace

KafkaCluster::KafkaCluster(int nodes, const std::map<std::string, std::string>& properties)
    : directory_(::testing::TempDir() + "kafka-" + schemas::NewMessageId().substr(0, 12)),
      java_(FindJava()) {
  try {
    SetUp(nodes, properties);
  } catch (...) {
    for (Node& node : nodes_) node.process.reset();
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
    throw;
  }
}

void KafkaCluster::SetUp(int nodes, const std::map<std::string, std::string>& properties) {
  const char* libs = std::getenv("AGENTSTUDIO_KAFKA_LIBS");
  if (libs == nullptr || *libs == '\0') {
    throw std::runtime_error(
        "AGENTSTUDIO_KAFKA_LIBS is not set: run the tests through scripts/test, which installs "
        "the Kafka broker");
  }
  libs_ = libs;
  std::string voters;
  for (int id = 1; id <= nodes; ++id) {
    Node node;
    node.id = id;
    node.port = FreePort();
    node.controller_port = FreePort();
    node.directory = directory_ + "/node" + std::to_string(id);
    voters += (voters.empty() ? "" : ",") + std::to_string(id) +
              "@127.0.0.1:" + std::to_string(node.controller_port);
    nodes_.push_back(std::move(node));
  }
  const int replication = std::min(nodes, 3);
  const std::string min_insync = replication >= 3 ? "2" : "1";
  const std::string cluster_id = ClusterId();
  const std::string template_text = ReadFile(AGENTSTUDIO_KAFKA_TEMPLATES "/server.properties.in");
  if (template_text.empty()) throw std::runtime_error("cannot read server.properties.in");
  std::vector<std::unique_ptr<ChildProcess>> formats;
  for (Node& node : nodes_) {
    std::filesystem::create_directories(node.directory + "/logs");
    std::string config = template_text;
    Replace(config, "@NODE_ID@", std::to_string(node.id));
    Replace(config, "@VOTERS@", voters);
    Replace(config, "@PORT@", std::to_string(node.port));
    Replace(config, "@CONTROLLER_PORT@", std::to_string(node.controller_port));
    Replace(config, "@DATA_DIR@", node.directory + "/data");
    Replace(config, "@PARTITIONS@", "4");
    Replace(config, "@REPLICATION@", std::to_string(replication));
    Replace(config, "@MIN_INSYNC@", min_insync);
    // Later lines win in a Java properties file.
    config += "\n# the test's own\n";
    for (const auto& [key, value] : properties) config += key + "=" + value + "\n";
    std::ofstream(node.directory + "/server.properties") << config;
    formats.push_back(std::make_unique<ChildProcess>(
        java_,
        std::vector<std::string>{"-cp", libs_ + "/*", "kafka.tools.StorageTool", "format", "-t",
                                 cluster_id, "-c", node.directory + "/server.properties"},
        std::map<std::string, std::string>{}, "kafka-format"));
  }
  for (auto& format : formats) {
    if (format->Wait(std::chrono::seconds(60)) != std::optional<int>(0)) {
      throw std::runtime_error("kafka storage format failed:\n" + format->Output());
    }
  }
  for (Node& node : nodes_) Launch(node);
  for (const Node& node : nodes_) {
    if (!WaitUntil([&] { return Registered(node); }, std::chrono::seconds(90))) {
      throw std::runtime_error("kafka node " + std::to_string(node.id) + " did not come up:\n" +
                               Log(node.id) + node.process->Output());
    }
  }
}

KafkaCluster::~KafkaCluster() {
  for (Node& node : nodes_) node.process.reset();  // SIGKILL, paused or not
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

void KafkaCluster::Launch(Node& node) {
  // C1 only and the serial collector: a test broker starts faster and takes
  // less of two cores; its throughput is not what a test measures.
  node.process = std::make_unique<ChildProcess>(
      java_,
      std::vector<std::string>{
          "-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
          "-Djava.awt.headless=true", "-Dkafka.logs.dir=" + node.directory + "/logs",
          std::string("-Dlog4j2.configurationFile=") + AGENTSTUDIO_KAFKA_TEMPLATES + "/log4j2.yaml",
          "-cp", libs_ + "/*", "kafka.Kafka", node.directory + "/server.properties"},
      std::map<std::string, std::string>{}, "kafka-node" + std::to_string(node.id));
}

std::string KafkaCluster::bootstrap() const {
  std::string out;
  for (const Node& node : nodes_)
    out += (out.empty() ? "" : ",") + std::string("127.0.0.1:") + std::to_string(node.port);
  return out;
}

KafkaCluster::Node& KafkaCluster::At(int node) {
  if (node < 1 || node > nodes()) throw std::out_of_range("no kafka node " + std::to_string(node));
  return nodes_[static_cast<size_t>(node - 1)];
}

void KafkaCluster::Kill(int node) {
  Node& n = At(node);
  n.process->Signal(SIGKILL);
  n.process->Wait(std::chrono::seconds(30));
}

void KafkaCluster::Pause(int node) { At(node).process->Signal(SIGSTOP); }

void KafkaCluster::Resume(int node) { At(node).process->Signal(SIGCONT); }

void KafkaCluster::Start(int node) {
  Node& n = At(node);
  if (n.process && n.process->Running()) return;
  Launch(n);
  if (!WaitUntil([&] { return Registered(n); }, std::chrono::seconds(90))) {
    throw std::runtime_error("kafka node " + std::to_string(node) + " did not come back:\n" +
                             Log(node));
  }
}

bool KafkaCluster::Registered(const Node& node) const {
  auto client = Client("127.0.0.1:" + std::to_string(node.port));
  if (!client) return false;
  const rd_kafka_metadata_t* metadata = nullptr;
  if (rd_kafka_metadata(client.get(), 0, nullptr, &metadata, 2000) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return false;
  bool listed = false;
  for (int i = 0; i < metadata->broker_cnt; ++i) listed |= metadata->brokers[i].id == node.id;
  rd_kafka_metadata_destroy(metadata);
  return listed;
}

std::vector<KafkaCluster::Partition> KafkaCluster::Partitions(const std::string& topic) const {
  std::string running;
  for (const Node& node : nodes_) {
    if (node.process && node.process->Running())
      running +=
          (running.empty() ? "" : ",") + std::string("127.0.0.1:") + std::to_string(node.port);
  }
  std::vector<Partition> out;
  if (running.empty()) return out;
  auto client = Client(running);
  if (!client) return out;
  rd_kafka_topic_t* handle = rd_kafka_topic_new(client.get(), topic.c_str(), nullptr);
  const rd_kafka_metadata_t* metadata = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(client.get(), 0, handle, &metadata, 5000);
  rd_kafka_topic_destroy(handle);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
  if (metadata->topic_cnt == 1 && metadata->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const rd_kafka_metadata_topic_t& t = metadata->topics[0];
    for (int i = 0; i < t.partition_cnt; ++i) {
      const rd_kafka_metadata_partition_t& p = t.partitions[i];
      out.push_back({p.id,
                     p.err == RD_KAFKA_RESP_ERR_NO_ERROR ? p.leader : -1,
                     {p.replicas, p.replicas + p.replica_cnt},
                     {p.isrs, p.isrs + p.isr_cnt}});
    }
  }
  rd_kafka_metadata_destroy(metadata);
  return out;
}

std::string KafkaCluster::Log(int node) const {
  const Node& n = nodes_.at(static_cast<size_t>(node - 1));
  return ReadFile(n.directory + "/logs/server.log");
}

}  // namespace agentstudio::testing
