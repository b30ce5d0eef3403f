#pragma once

#include <atomic>
#include <memory>

#include "agents/agent_runtime.hpp"
#include "consumers/dispatch_gate.hpp"
#include "consumers/heartbeat_consumer.hpp"
#include "consumers/scheduler_consumer.hpp"
#include "consumers/timer_sweeper.hpp"
#include "consumers/workflow_event_feed.hpp"
#include "daemon/metrics_registry.hpp"
#include "producers/message_producer.hpp"
#include "producers/outbox_relay.hpp"

namespace agentstudio::daemon {

// What each role exposes on GET /metrics (docs/api.md lists the names). The
// objects must outlive every Render() of `registry`.
void AddSchedulerMetrics(MetricsRegistry& registry, const kafka::SchedulerConsumer& scheduler,
                         const kafka::HeartbeatConsumer& heartbeats,
                         const kafka::TimerSweeper& sweeper, const kafka::DispatchGate& gate);
void AddRelayMetrics(MetricsRegistry& registry, const kafka::OutboxRelay& relay);
// The HTTP task forwarder's (the agent role with AGENTSTUDIO_HTTP_AGENT_TYPES).
void AddForwarderMetrics(MetricsRegistry& registry, const agents::AgentRuntime& forwarder);
void AddAgentMetrics(MetricsRegistry& registry, const agents::AgentRuntime& agent);
// The Kafka clients a producer replaced after fatal errors, as `client`.
void AddProducerMetrics(MetricsRegistry& registry, const std::string& client,
                        const kafka::MessageProducer& producer);
void AddFrontDoorMetrics(MetricsRegistry& registry, const kafka::WorkflowEventFeed& feed,
                         std::shared_ptr<const std::atomic<int64_t>> unconfirmed_commands);

}  // namespace agentstudio::daemon
