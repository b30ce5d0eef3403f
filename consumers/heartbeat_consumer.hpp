#pragma once

#include <atomic>
#include <cstdint>

#include "consumers/batch_applier.hpp"
#include "consumers/batch_consumer.hpp"
#include "consumers/dead_letter_publisher.hpp"
#include "sql/database.hpp"

namespace agentstudio::kafka {

// Records `agent-heartbeats` in the agents table (group `<prefix>heartbeats`),
// one transaction per poll batch, offsets committed after it; a heartbeat
// PostgreSQL refuses is found and dead-lettered (BatchApplier).
class HeartbeatConsumer {
 public:
  HeartbeatConsumer(ConfigMap properties, const Topics& topics, store::SessionPool& pool,
                    MessageProducer& dlq_producer);

  void Run(const std::atomic<bool>& stop);

  uint64_t recorded() const { return recorded_; }
  uint64_t dead_lettered() const { return dead_letters_.published(); }

 private:
  store::SessionPool& pool_;
  DeadLetterPublisher dead_letters_;
  BatchApplier applier_;
  std::atomic<uint64_t> recorded_{0};
  BatchConsumer consumer_;
};

}  // namespace agentstudio::kafka
