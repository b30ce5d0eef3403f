#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "producers/kafka_config.hpp"

namespace agentstudio::kafka {

// Creates the topics that do not exist yet with the admin API (CreateTopics),
// `partitions` each and the cluster's default replication factor. Existing
// topics are fine. A cluster without CreateTopics (librdkafka's mock) or one
// that forbids it is logged and tolerated: clients still auto-create topics
// where the cluster allows it. Never throws.
void EnsureTopics(const ConfigMap& properties, const std::vector<std::string>& topics,
                  int partitions, std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace agentstudio::kafka
