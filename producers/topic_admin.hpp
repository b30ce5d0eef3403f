#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "producers/kafka_config.hpp"

namespace agentstudio::kafka {

// How the topics agentstudio creates are laid out (AGENTSTUDIO_PARTITIONS,
// AGENTSTUDIO_REPLICATION_FACTOR, AGENTSTUDIO_MIN_INSYNC_REPLICAS).
struct TopicSettings {
  int partitions = 6;
  // 0: 1 on a single broker, 3 on any larger cluster.
  int replication_factor = 0;
  // 0: 2 when the topic has 3 or more replicas (one broker may be lost while
  // acks=all writes go on), else 1.
  int min_insync_replicas = 0;
};

struct EnsureTopicsResult {
  std::vector<std::string> created;  // the topics this call created
  std::string error;                 // empty on success
  bool ok() const { return error.empty(); }
};

// Creates with the admin API (CreateTopics) those of `topics` that do not
// exist yet, laid out as `settings` says, and waits until every partition of
// each created topic has a leader, so producers and consumers find them at
// once. Topics that exist (or that another process creates meanwhile) are
// left as they are. Fails when the cluster does not answer within `timeout`
// or refuses a creation (fewer brokers up than replicas wanted,
// min.insync.replicas above the replication factor, not authorised, no admin
// API).
// Never throws.
EnsureTopicsResult EnsureTopics(const ConfigMap& properties, const std::vector<std::string>& topics,
                                const TopicSettings& settings,
                                std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace agentstudio::kafka
