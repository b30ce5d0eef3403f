#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/child_process.hpp"

namespace agentstudio::testing {

// An Apache Kafka cluster of one test's own: `nodes` combined KRaft nodes
// (broker + controller, a static quorum of all of them) on free ports of
// 127.0.0.1, data in a temporary directory, from the same jars and
// configuration template as scripts/kafka (AGENTSTUDIO_KAFKA_LIBS, set by
// scripts/test; scripts/lib/kafka/server.properties.in). Topics are
// replicated min(3, nodes) times with min.insync.replicas 2 from 3 replicas.
// For faults that would disturb every other test on the shared broker:
// SIGKILL, SIGSTOP, restart. The constructor returns once every node answers;
// it throws std::runtime_error (with the nodes' logs) otherwise. Not
// thread-safe.
class KafkaCluster {
 public:
  // `properties` are added to (or override) every node's configuration.
  explicit KafkaCluster(int nodes, const std::map<std::string, std::string>& properties = {});
  ~KafkaCluster();  // SIGKILLs what runs, removes the directory

  KafkaCluster(const KafkaCluster&) = delete;
  KafkaCluster& operator=(const KafkaCluster&) = delete;

  // "127.0.0.1:p1,127.0.0.1:p2,...": every node.
  std::string bootstrap() const;
  int nodes() const { return static_cast<int>(nodes_.size()); }

  // Node ids run from 1 to nodes().
  void Kill(int node);    // SIGKILL; returns once the process is gone
  void Pause(int node);   // SIGSTOP: a hung broker, its sockets open
  void Resume(int node);  // SIGCONT
  // Starts a node that was killed, on the same ports and data; returns once
  // the cluster lists it as a broker again (throws std::runtime_error).
  void Start(int node);

  struct Partition {
    int id = 0;
    int leader = -1;  // -1: none
    std::vector<int> replicas;
    std::vector<int> in_sync;
  };
  // The partitions of `topic` as the cluster reports them (asked of the
  // nodes that run); empty when none answers or the topic does not exist.
  std::vector<Partition> Partitions(const std::string& topic) const;

  // The node's server log so far.
  std::string Log(int node) const;

 private:
  struct Node {
    int id = 0;
    int port = 0;
    int controller_port = 0;
    std::string directory;
    std::unique_ptr<ChildProcess> process;
  };

  void SetUp(int nodes, const std::map<std::string, std::string>& properties);
  void Launch(Node& node);
  // Whether the cluster, asked at `node`'s port, lists `node` as a broker.
  bool Registered(const Node& node) const;
  Node& At(int node);

  std::string directory_;
  std::string java_;
  std::string libs_;
  std::vector<Node> nodes_;
};

}  // namespace agentstudio::testing
