#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>

namespace agentstudio::kafka {

using ConfigMap = std::map<std::string, std::string>;

// Builds a librdkafka global configuration from key/value properties.
// Throws std::invalid_argument naming the property librdkafka refused.
std::unique_ptr<RdKafka::Conf> MakeConf(const ConfigMap& properties);

// Properties every client of ours uses: the bootstrap list, a client id,
// auto-creation of topics where the cluster allows it, and the timeouts and
// reconnect backoffs of docs/kafka.md. (Producer-only settings, the
// partitioner among them, are MessageProducer's.)
ConfigMap BaseProperties(const std::string& brokers, const std::string& client_id);

// `properties` for a consumer-group member whose partitions go to another
// member `session_timeout` after it stops heartbeating (it died); it
// heartbeats at a third of that, at most every second.
ConfigMap WithSessionTimeout(ConfigMap properties, std::chrono::milliseconds session_timeout);

// A W3C traceparent with fresh random ids ("00-<32 hex>-<16 hex>-01").
std::string NewTraceparent();

}  // namespace agentstudio::kafka
