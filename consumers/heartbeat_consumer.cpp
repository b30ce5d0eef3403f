#include "consumers/heartbeat_consumer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "agentstudio/v1/agent_heartbeat.pb.h"
#include "schemas/command_codec.hpp"
#include "schemas/message_decoding.hpp"
#include "schemas/struct_json.hpp"
#include "sql/agent_store.hpp"

namespace agentstudio::kafka {

HeartbeatConsumer::HeartbeatConsumer(ConfigMap properties, const Topics& topics,
                                     store::SessionPool& pool, MessageProducer& dlq_producer)
    : pool_(pool),
      dead_letters_(dlq_producer, topics),
      applier_(pool, dead_letters_, "heartbeats"),
      consumer_(std::move(properties), BatchConsumerOptions{topics.prefix() + "heartbeats",
                                                            {topics.agent_heartbeats()},
                                                            500,
                                                            std::chrono::milliseconds(200)}) {}

namespace {

store::AgentRecord ToRecord(const agentstudio::v1::AgentHeartbeat& heartbeat) {
  store::AgentRecord agent;
  agent.id = heartbeat.agent_id();
  agent.agent_types.assign(heartbeat.agent_types().begin(), heartbeat.agent_types().end());
  agent.status = heartbeat.status();
  agent.load = heartbeat.load();
  agent.active_tasks = heartbeat.active_tasks();
  agent.capacity = std::max(0, heartbeat.capacity());
  agent.metrics.insert(heartbeat.metrics().begin(), heartbeat.metrics().end());
  agent.last_heartbeat_at = schemas::FromTimestamp(heartbeat.timestamp());
  return agent;
}

}  // namespace

void HeartbeatConsumer::Run(const std::atomic<bool>& stop) {
  while (!stop) {
    const std::vector<InboundMessage> batch = consumer_.Poll();
    if (batch.empty()) continue;
    const bool applied = applier_.ApplyAll(
        batch,
        [this](soci::session& s, BatchApplier::Slice slice) -> BatchApplier::AfterCommit {
          std::vector<store::AgentRecord> agents;
          std::vector<PoisonMessage> poison;
          for (const InboundMessage& message : slice) {
            if (auto oversized = OversizedReason(message)) {
              poison.push_back({&message, std::move(*oversized)});
              continue;
            }
            auto decoded = schemas::DecodeAgentHeartbeat(message.payload);
            if (auto* reason = std::get_if<std::string>(&decoded)) {
              poison.push_back({&message, std::move(*reason)});
              continue;
            }
            agents.push_back(ToRecord(std::get<agentstudio::v1::AgentHeartbeat>(decoded)));
          }
          store::UpsertAgents(s, agents);
          return [this, poison = std::move(poison), count = agents.size()] {
            dead_letters_.PublishAll(poison);
            recorded_ += count;
          };
        },
        stop);
    if (applied) consumer_.Commit(batch);
  }
  consumer_.Close();
}

}  // namespace agentstudio::kafka
