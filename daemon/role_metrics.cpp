#include "daemon/role_metrics.hpp"

#include "daemon/sse_stream.hpp"

namespace agentstudio::daemon {
namespace {

constexpr auto kCounter = MetricsRegistry::Type::kCounter;
constexpr auto kGauge = MetricsRegistry::Type::kGauge;
constexpr const char* kProducerReplacements = "agentstudio_kafka_producer_replacements_total";
constexpr const char* kProducerReplacementsHelp =
    "Kafka producer clients replaced after a fatal error, by client";

template <typename Read>
std::function<double()> Reading(Read read) {
  return [read] { return static_cast<double>(read()); };
}

}  // namespace

void AddSchedulerMetrics(MetricsRegistry& registry, const kafka::SchedulerConsumer& scheduler,
                         const kafka::HeartbeatConsumer& heartbeats,
                         const kafka::TimerSweeper& sweeper, const kafka::DispatchGate& gate) {
  const kafka::SchedulerCounters& c = scheduler.counters();
  const auto messages = [&](const char* outcome, const std::atomic<uint64_t>& counter) {
    registry.Add("agentstudio_scheduler_messages_total",
                 "Commands and task events read by the scheduler, by outcome", kCounter,
                 {{"outcome", outcome}}, Reading([&counter] { return counter.load(); }));
  };
  messages("applied", c.applied);
  messages("redelivered", c.redelivered);
  messages("duplicate", c.duplicates);
  messages("stale", c.stale);
  registry.Add("agentstudio_scheduler_batches_total", "Poll batches applied in one transaction",
               kCounter, {}, Reading([&c] { return c.batches.load(); }));
  registry.Add("agentstudio_scheduler_batch_retries_total",
               "Batches retried after a database error", kCounter, {},
               Reading([&c] { return c.retried_batches.load(); }));
  const auto lookups = [&](const char* result, const std::atomic<uint64_t>& counter) {
    registry.Add("agentstudio_scheduler_cache_lookups_total",
                 "Executions a batch needed, by whether the scheduler's cache had them current",
                 kCounter, {{"result", result}}, Reading([&counter] { return counter.load(); }));
  };
  lookups("hit", c.cache_hits);
  lookups("miss", c.cache_misses);
  registry.Add("agentstudio_scheduler_cached_tasks",
               "Tasks of the executions the scheduler keeps in memory between batches", kGauge, {},
               Reading([&c] { return c.cached_tasks.load(); }));
  registry.Add("agentstudio_dead_lettered_total", "Messages sent to the dlq topic, by consumer",
               kCounter, {{"consumer", "scheduler"}},
               Reading([&c] { return c.dead_lettered.load(); }));
  registry.Add("agentstudio_dead_lettered_total", "Messages sent to the dlq topic, by consumer",
               kCounter, {{"consumer", "heartbeats"}},
               Reading([&heartbeats] { return heartbeats.dead_lettered(); }));
  registry.Add("agentstudio_offset_resets_total",
               "Offset resets of a consumer group: messages lost before they were consumed",
               kCounter, {{"consumer", "scheduler"}},
               Reading([&scheduler] { return scheduler.offset_resets(); }));
  registry.Add("agentstudio_scheduler_assigned_partitions",
               "Partitions of commands and task-events this scheduler holds", kGauge, {},
               Reading([&scheduler] { return scheduler.assigned_partitions(); }));
  registry.Add("agentstudio_heartbeats_recorded_total", "Agent heartbeats recorded", kCounter, {},
               Reading([&heartbeats] { return heartbeats.recorded(); }));
  registry.Add("agentstudio_timers_fired_total", "Retry, step and workflow timers fired", kCounter,
               {}, Reading([&sweeper] { return sweeper.fired(); }));
  registry.Add("agentstudio_dispatches_released_total",
               "Task dispatches the dispatch gate let through to Kafka as agents had room",
               kCounter, {}, Reading([&gate] { return gate.released(); }));
}

void AddRelayMetrics(MetricsRegistry& registry, const kafka::OutboxRelay& relay) {
  registry.Add("agentstudio_relay_published_total", "Outbox messages published to Kafka", kCounter,
               {}, Reading([&relay] { return relay.published(); }));
  registry.Add("agentstudio_relay_send_failures_total",
               "Outbox messages Kafka did not confirm (kept and sent again)", kCounter, {},
               Reading([&relay] { return relay.send_failures(); }));
  registry.Add(
      "agentstudio_relay_refused_total",
      "Outbox messages Kafka refused for good, replaced by a task failure or a dead letter",
      kCounter, {}, Reading([&relay] { return relay.refused(); }));
}

void AddAgentMetrics(MetricsRegistry& registry, const agents::AgentRuntime& agent) {
  const auto tasks = [&](const char* outcome, std::function<uint64_t()> read) {
    registry.Add("agentstudio_agent_tasks_total", "Tasks this agent process ran, by outcome",
                 kCounter, {{"outcome", outcome}}, Reading(std::move(read)));
  };
  tasks("completed", [&agent] { return agent.tasks_completed(); });
  tasks("failed", [&agent] { return agent.tasks_failed(); });
  tasks("cancelled", [&agent] { return agent.tasks_cancelled(); });
  registry.Add("agentstudio_agent_duplicate_dispatches_total",
               "Task messages dropped as a repeated (task, attempt)", kCounter, {},
               Reading([&agent] { return agent.duplicates_dropped(); }));
  registry.Add("agentstudio_agent_cancels_received_total", "Cancels read from agent-control",
               kCounter, {}, Reading([&agent] { return agent.cancels_received(); }));
  registry.Add("agentstudio_dead_lettered_total", "Messages sent to the dlq topic, by consumer",
               kCounter, {{"consumer", "agent"}},
               Reading([&agent] { return agent.dead_lettered(); }));
  registry.Add("agentstudio_agent_tasks_running", "Tasks this agent process runs now", kGauge, {},
               Reading([&agent] { return static_cast<uint64_t>(agent.tasks_running()); }));
  registry.Add(kProducerReplacements, kProducerReplacementsHelp, kCounter, {{"client", "agent"}},
               Reading([&agent] { return static_cast<uint64_t>(agent.producer_replacements()); }));
}

void AddForwarderMetrics(MetricsRegistry& registry, const agents::AgentRuntime& forwarder) {
  const std::string help =
      "Tasks of HTTP agents' types handed to an agent and reported by it, or failed here "
      "(refused by the agents, cancelled)";
  registry.Add("agentstudio_forwarded_tasks_total", help, kCounter, {{"outcome", "reported"}},
               Reading([&forwarder] { return forwarder.tasks_delegated(); }));
  registry.Add("agentstudio_forwarded_tasks_total", help, kCounter, {{"outcome", "failed"}},
               Reading([&forwarder] { return forwarder.tasks_failed(); }));
  registry.Add("agentstudio_forwarded_tasks_held", "Tasks of HTTP agents held by the forwarder now",
               kGauge, {},
               Reading([&forwarder] { return static_cast<uint64_t>(forwarder.tasks_running()); }));
}

void AddProducerMetrics(MetricsRegistry& registry, const std::string& client,
                        const kafka::MessageProducer& producer) {
  // The counter, not the producer: the front door's goes before its endpoint.
  registry.Add(kProducerReplacements, kProducerReplacementsHelp, kCounter, {{"client", client}},
               Reading([counter = producer.replacement_counter()] {
                 return static_cast<uint64_t>(counter->load());
               }));
}

void AddFrontDoorMetrics(MetricsRegistry& registry, const kafka::WorkflowEventFeed& feed,
                         std::shared_ptr<const std::atomic<int64_t>> unconfirmed_commands) {
  registry.Add("agentstudio_commands_unconfirmed",
               "Commands this front door sent that Kafka has not confirmed yet", kGauge, {},
               Reading([unconfirmed_commands] { return unconfirmed_commands->load(); }));
  registry.Add("agentstudio_sse_streams_dropped_total",
               "Event streams ended because their client stopped reading", kCounter, {},
               Reading([] { return SseStream::dropped(); }));
  registry.Add("agentstudio_workflow_events_received_total",
               "Workflow events read from workflow-events by this front door", kCounter, {},
               Reading([&feed] { return feed.received(); }));
  registry.Add("agentstudio_workflow_events_undecodable_total",
               "Workflow events skipped as undecodable", kCounter, {},
               Reading([&feed] { return feed.undecodable(); }));
  registry.Add("agentstudio_workflow_event_subscriptions",
               "Listeners of single workflows' events (waiting requests, SSE streams)", kGauge, {},
               Reading([&feed] { return feed.subscriptions(); }));
}

}  // namespace agentstudio::daemon
