#include "daemon/role_runner.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "agents/agent_runtime.hpp"
#include "agents/http_task_forwarder.hpp"
#include "agents/reference/reference_agents.hpp"
#include "consumers/dispatch_gate.hpp"
#include "consumers/heartbeat_consumer.hpp"
#include "consumers/processed_messages_pruner.hpp"
#include "consumers/scheduler_consumer.hpp"
#include "consumers/timer_sweeper.hpp"
#include "consumers/workflow_event_feed.hpp"
#include "daemon/api_key_refresher.hpp"
#include "daemon/blocking_executor.hpp"
#include "daemon/embedded_broker.hpp"
#include "daemon/front_door.hpp"
#include "daemon/metrics_endpoint.hpp"
#include "daemon/role_metrics.hpp"
#include "producers/outbox_relay.hpp"
#include "producers/topic_admin.hpp"
#include "sql/agent_store.hpp"
#include "sql/migrator.hpp"

namespace agentstudio::daemon {
namespace {

// Waits (bounded) for PostgreSQL at start-up: a unit may start before the database.
template <typename Open>
auto WithDatabaseRetry(Open open) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    try {
      return open();
    } catch (const store::DatabaseError& error) {
      if (!error.IsRetryable() || std::chrono::steady_clock::now() > deadline) throw;
      spdlog::warn("waiting for PostgreSQL: {}", error.what());
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  }
}

std::unique_ptr<store::SessionPool> OpenPool(const std::string& url, size_t size) {
  return WithDatabaseRetry([&] { return std::make_unique<store::SessionPool>(url, size); });
}

}  // namespace

struct RoleRunner::Parts {
  // BaseProperties() for `client_id`. The embedded broker holds every fetch
  // for the whole fetch.wait.max.ms (a real broker answers when data is
  // there): a short wait keeps the toy responsive.
  kafka::ConfigMap Properties(const std::string& client_id) const {
    kafka::ConfigMap properties = kafka::BaseProperties(brokers, client_id);
    if (broker) properties["fetch.wait.max.ms"] = "10";
    return properties;
  }

  Config config;
  kafka::Topics topics;
  std::string brokers;

  std::unique_ptr<EmbeddedBroker> broker;
  std::unique_ptr<kafka::MessageProducer> producer;          // relay, dead letters, health
  std::unique_ptr<kafka::MessageProducer> command_producer;  // front door: its own timeout
  std::unique_ptr<kafka::WorkflowCommandProducer> commands;
  std::unique_ptr<store::SessionPool> http_pool, scheduler_pool, relay_pool;
  std::unique_ptr<BlockingExecutor> executor;
  std::unique_ptr<kafka::WorkflowEventFeed> feed;
  std::unique_ptr<ApiKeyRefresher> api_key_refresher;
  std::unique_ptr<FrontDoor> front_door;
  std::unique_ptr<kafka::SchedulerConsumer> scheduler;
  std::unique_ptr<kafka::HeartbeatConsumer> heartbeats;
  std::unique_ptr<kafka::TimerSweeper> sweeper;
  std::unique_ptr<kafka::ProcessedMessagesPruner> pruner;
  std::unique_ptr<kafka::DispatchGate> gate;
  std::unique_ptr<kafka::OutboxRelay> relay;
  std::unique_ptr<agents::AgentRuntime> agent;
  std::shared_ptr<agents::AgentEndpoints> endpoints;    // the forwarder's
  std::unique_ptr<agents::AgentRuntime> forwarder;      // of HTTP agents' types
  std::shared_ptr<agents::FinalReports> final_reports;  // the forwarder's
  MetricsRegistry metrics;                              // reads the parts above
  std::unique_ptr<MetricsEndpoint> metrics_endpoint;    // without a front door

  std::atomic<bool> stop_agent{false}, stop_scheduler{false}, stop_relay{false};
  std::thread agent_thread, scheduler_thread, heartbeat_thread, sweeper_thread, pruner_thread,
      gate_thread, relay_thread, forwarder_thread;
  bool stopped = false;

  explicit Parts(Config c) : config(std::move(c)), topics(config.topic_prefix) {}
};

RoleRunner::RoleRunner(Config config) : parts_(std::make_unique<Parts>(std::move(config))) {}

RoleRunner::~RoleRunner() { Stop(); }

void RoleRunner::Start(const std::function<void(const std::string&)>& on_broker) {
  Parts& p = *parts_;
  const Config& c = p.config;
  p.brokers = c.kafka_brokers;
  if (c.Has(Role::kBroker)) {
    std::vector<std::string> topics = p.topics.Fixed();
    // Task topics of the reference agents exist from the start, so the first
    // dispatch does not race the agents' subscription.
    for (const std::string& type : agents::ReferenceAgentTypes())
      topics.push_back(p.topics.tasks(type));
    p.broker = std::make_unique<EmbeddedBroker>(1, topics, c.partitions);
    if (p.brokers.empty()) p.brokers = p.broker->bootstrap();
    on_broker(p.broker->bootstrap());
    spdlog::warn(
        "embedded broker at {}: librdkafka's mock cluster, a development toy (in memory, 5 MiB "
        "per partition, every fetch held for fetch.wait.max.ms); run scripts/kafka start and set "
        "AGENTSTUDIO_KAFKA_BROKERS for a real broker",
        p.broker->bootstrap());
  }
  const kafka::TopicSettings topic_settings{c.partitions, c.replication_factor,
                                            c.min_insync_replicas};
  if (!p.broker) {
    // Against a real cluster the fixed topics are created up front with the
    // admin API (an agent creates its task topics itself).
    const kafka::EnsureTopicsResult made =
        kafka::EnsureTopics(p.Properties("agentstudiod-admin"), p.topics.Fixed(), topic_settings);
    if (!made.ok()) throw std::runtime_error(made.error);
  }
  const bool needs_producer =
      c.Has(Role::kFrontdoor) || c.Has(Role::kScheduler) || c.Has(Role::kRelay);
  if (needs_producer) {
    p.producer = std::make_unique<kafka::MessageProducer>(p.Properties("agentstudiod"),
                                                          std::chrono::seconds(30));
    AddProducerMetrics(p.metrics, "agentstudiod", *p.producer);
  }
  if (p.producer) {
    // systemd's READY means PostgreSQL and Kafka answer; wait (bounded) for Kafka.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!p.producer->Ping(std::chrono::seconds(2))) {
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("no Kafka broker answers at " + p.brokers);
      }
      spdlog::warn("waiting for Kafka at {}", p.brokers);
    }
  }
  if (c.NeedsDatabase()) {
    auto session = WithDatabaseRetry([&] { return store::Connect(c.database_url); });
    const auto applied = store::ApplyMigrations(*session);
    for (const std::string& name : applied) spdlog::info("applied migration {}", name);
  }
  if (c.Has(Role::kRelay)) {
    p.relay_pool = OpenPool(c.database_url, 1);
    // Woken by each commit that wrote outbox rows; the poll only catches
    // what a notification missed (a lost connection).
    kafka::OutboxRelayOptions relay_options;
    relay_options.idle_wait = std::chrono::milliseconds(250);
    p.relay = std::make_unique<kafka::OutboxRelay>(
        *p.relay_pool, *p.producer, p.topics, relay_options,
        WithDatabaseRetry([&] { return std::make_unique<store::CommitSignal>(c.database_url); }));
    p.relay_thread = std::thread([&p] { p.relay->Run(p.stop_relay); });
    AddRelayMetrics(p.metrics, *p.relay);
  }
  if (c.Has(Role::kScheduler)) {
    // consumer, heartbeats, timers, pruner, dispatch gate
    p.scheduler_pool = OpenPool(c.database_url, 5);
    const std::chrono::milliseconds session_timeout(c.kafka_session_timeout_ms);
    const std::chrono::milliseconds dedup_window(int64_t{c.dedup_window_s} * 1000);
    p.scheduler = std::make_unique<kafka::SchedulerConsumer>(
        kafka::WithSessionTimeout(p.Properties("agentstudiod-scheduler"), session_timeout),
        p.topics, *p.scheduler_pool, *p.producer, 500, dedup_window,
        static_cast<size_t>(c.scheduler_cached_tasks),
        std::chrono::milliseconds(c.scheduler_linger_ms));
    p.heartbeats = std::make_unique<kafka::HeartbeatConsumer>(
        kafka::WithSessionTimeout(p.Properties("agentstudiod-heartbeats"), session_timeout),
        p.topics, *p.scheduler_pool, *p.producer);
    p.scheduler_thread = std::thread([&p] { p.scheduler->Run(p.stop_scheduler); });
    p.heartbeat_thread = std::thread([&p] { p.heartbeats->Run(p.stop_scheduler); });
    p.sweeper = std::make_unique<kafka::TimerSweeper>(*p.scheduler_pool, p.topics);
    p.sweeper_thread = std::thread([&p] { p.sweeper->Run(p.stop_scheduler); });
    p.pruner = std::make_unique<kafka::ProcessedMessagesPruner>(
        *p.scheduler_pool, dedup_window, std::chrono::milliseconds(c.dedup_prune_interval_ms));
    p.pruner_thread = std::thread([&p] { p.pruner->Run(p.stop_scheduler); });
    p.gate = std::make_unique<kafka::DispatchGate>(*p.scheduler_pool, WithDatabaseRetry([&] {
      return std::make_unique<store::CommitSignal>(c.database_url, store::kDispatchChannel);
    }),
                                                   c.dispatch_prefetch);
    p.gate_thread = std::thread([&p] { p.gate->Run(p.stop_scheduler); });
    AddSchedulerMetrics(p.metrics, *p.scheduler, *p.heartbeats, *p.sweeper, *p.gate);
  }
  if (c.Has(Role::kAgent)) {
    agents::AgentRuntimeOptions options{p.Properties(c.agent_id), p.topics, c.agent_id,
                                        std::chrono::milliseconds(c.heartbeat_ms),
                                        std::chrono::milliseconds(c.kafka_session_timeout_ms)};
    options.max_concurrent_tasks = static_cast<size_t>(c.agent_concurrency);
    // The embedded broker made the reference agents' topics with its own call.
    options.create_topics = p.broker ? std::nullopt : std::optional(topic_settings);
    p.agent = std::make_unique<agents::AgentRuntime>(std::move(options),
                                                     agents::MakeReferenceAgents(c.agent_types));
    p.agent_thread = std::thread([&p] { p.agent->Run(p.stop_agent); });
    AddAgentMetrics(p.metrics, *p.agent);
    spdlog::info("agent {} serving {}", c.agent_id, fmt::join(p.agent->agent_types(), ", "));
  }
  if (!c.Has(Role::kAgent) && !c.http_agent_types.empty()) {
    spdlog::info("AGENTSTUDIO_HTTP_AGENT_TYPES is for the agent role, not run here");
  }
  if (c.Has(Role::kAgent) && !c.http_agent_types.empty()) {
    if (p.agent) {
      for (const std::string& type : p.agent->agent_types()) {
        if (std::find(c.http_agent_types.begin(), c.http_agent_types.end(), type) !=
            c.http_agent_types.end()) {
          throw std::runtime_error("agent type " + type +
                                   " is both a reference agent of this process and in "
                                   "AGENTSTUDIO_HTTP_AGENT_TYPES: two consumers would split its "
                                   "tasks; set AGENTSTUDIO_AGENT_TYPES without it");
        }
      }
    }
    // HTTP agents' tasks: consumed here in the agents group, posted to the
    // agents, reported by them through the callback API.
    p.endpoints = std::make_shared<agents::AgentEndpoints>(
        p.Properties(c.agent_id + "-endpoints"), p.topics,
        std::chrono::milliseconds(c.http_agent_silence_ms));
    p.endpoints->Start();
    p.final_reports =
        std::make_shared<agents::FinalReports>(p.Properties(c.agent_id + "-reports"), p.topics);
    p.final_reports->Start();
    std::vector<std::unique_ptr<agents::AgentHandler>> forwarders;
    for (const std::string& type : c.http_agent_types) {
      forwarders.push_back(
          std::make_unique<agents::HttpTaskForwarder>(type, p.endpoints, p.final_reports));
    }
    agents::AgentRuntimeOptions options{p.Properties(c.agent_id + "-forwarder"), p.topics,
                                        c.agent_id + "-forwarder",
                                        std::chrono::milliseconds(c.heartbeat_ms),
                                        std::chrono::milliseconds(c.kafka_session_timeout_ms)};
    // A forwarded task holds a thread (waiting) while its agent runs it; the
    // dispatch gate bounds how many there are by the agents' capacity.
    options.max_concurrent_tasks = std::max<size_t>(256, static_cast<size_t>(c.agent_concurrency));
    options.create_topics = p.broker ? std::nullopt : std::optional(topic_settings);
    options.heartbeat = false;
    p.forwarder = std::make_unique<agents::AgentRuntime>(std::move(options), std::move(forwarders));
    p.forwarder_thread = std::thread([&p] { p.forwarder->Run(p.stop_agent); });
    AddForwarderMetrics(p.metrics, *p.forwarder);
    spdlog::info("agent {} forwarding the tasks of {} to HTTP agents", c.agent_id,
                 fmt::join(c.http_agent_types, ", "));
  }
  if (c.Has(Role::kFrontdoor)) {
    if (p.scheduler) {
      // With a scheduler in this process, open the door once it holds its
      // partitions, so the first requests are not left waiting for the group
      // join (about 3 s). Bounded: another scheduler may hold them all.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
      while (p.scheduler->assigned_partitions() == 0 &&
             std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    p.feed =
        std::make_unique<kafka::WorkflowEventFeed>(p.Properties("agentstudiod-feed"), p.topics);
    p.feed->Start();
    p.command_producer = std::make_unique<kafka::MessageProducer>(
        p.Properties("agentstudiod-frontdoor"), std::chrono::milliseconds(c.delivery_timeout_ms),
        kafka::MessageProducer::WhenQueueFull::kFail);  // reactor threads never wait
    p.commands = std::make_unique<kafka::WorkflowCommandProducer>(*p.command_producer, p.topics);
    p.http_pool = OpenPool(c.database_url, static_cast<size_t>(c.db_pool));
    p.executor = std::make_unique<BlockingExecutor>(static_cast<size_t>(c.db_pool), 1024);
    std::shared_ptr<auth::ApiKeyTable> api_keys;
    if (c.auth.mode == auth::AuthMode::kRequired) {
      api_keys = std::make_shared<auth::ApiKeyTable>();
      p.api_key_refresher = std::make_unique<ApiKeyRefresher>(
          *p.http_pool, api_keys, std::chrono::milliseconds(c.api_key_refresh_ms));
      p.api_key_refresher->RefreshOnce();  // the keys count from the first request
      p.api_key_refresher->Start();
    }
    p.front_door = std::make_unique<FrontDoor>(
        FrontDoorOptions{c.http_addr, c.http_threads, static_cast<size_t>(c.http_max_body),
                         std::chrono::milliseconds(c.execute_timeout_ms), &p.metrics,
                         std::chrono::milliseconds(c.delete_wait_ms),
                         p.agent ? p.agent->agent_types() : std::vector<std::string>{}, c.auth,
                         api_keys, c.tls_cert_file, c.tls_key_file,
                         std::chrono::seconds(c.oauth_token_ttl_s), c.api_docs_dir},
        *p.http_pool, *p.commands, *p.producer, *p.executor, *p.feed);
    AddFrontDoorMetrics(p.metrics, *p.feed, p.front_door->unconfirmed_commands());
    AddProducerMetrics(p.metrics, "frontdoor", *p.command_producer);
    p.front_door->Start();
    if (c.auth.mode == auth::AuthMode::kNone) {
      spdlog::warn(
          "AUTHENTICATION IS OFF: anyone who reaches http://{} reads, starts and deletes every "
          "workflow. Allowed on a loopback address only; set AGENTSTUDIO_JWT_HS256_SECRET or "
          "AGENTSTUDIO_JWT_RS256_PUBLIC_KEY_FILE to require credentials (docs/security.md)",
          c.http_addr);
    }
  } else if (!c.metrics_addr.empty()) {
    p.metrics_endpoint = std::make_unique<MetricsEndpoint>(c.metrics_addr, p.metrics);
  }
}

void RoleRunner::Stop() {
  Parts& p = *parts_;
  if (p.stopped) return;
  p.stopped = true;
  p.metrics_endpoint.reset();
  // Front door first: refuse new requests, let the answers in flight go out
  // (database jobs, delivery reports), then close the endpoint. The command
  // producer goes before the front door whose callbacks its delivery reports
  // run (its destructor waits up to 5 s for Kafka, then fails the rest), so
  // no report can reach a destroyed front door however slow Kafka is.
  if (p.front_door) p.front_door->BeginDrain();
  if (p.api_key_refresher) p.api_key_refresher->Stop();
  if (p.executor) p.executor->Shutdown();
  p.commands.reset();
  p.command_producer.reset();
  if (p.front_door) p.front_door->Stop();
  if (p.feed) p.feed->Stop();
  p.stop_agent = true;
  if (p.agent_thread.joinable()) p.agent_thread.join();
  if (p.forwarder_thread.joinable()) p.forwarder_thread.join();
  if (p.final_reports) p.final_reports->Stop();
  if (p.endpoints) p.endpoints->Stop();
  p.stop_scheduler = true;
  if (p.scheduler_thread.joinable()) p.scheduler_thread.join();
  if (p.heartbeat_thread.joinable()) p.heartbeat_thread.join();
  if (p.sweeper_thread.joinable()) p.sweeper_thread.join();
  if (p.pruner_thread.joinable()) p.pruner_thread.join();
  if (p.gate_thread.joinable()) p.gate_thread.join();
  p.stop_relay = true;
  if (p.relay_thread.joinable()) p.relay_thread.join();
  if (p.producer) p.producer->Flush(std::chrono::seconds(5));
  // What each role did in its life, for the journal (and the drain tests).
  if (p.agent) {
    spdlog::info("agent drained: tasks completed {}, failed {}, duplicate dispatches dropped {}",
                 p.agent->tasks_completed(), p.agent->tasks_failed(),
                 p.agent->duplicates_dropped());
  }
  if (p.scheduler) {
    const kafka::SchedulerCounters& counters = p.scheduler->counters();
    spdlog::info(
        "scheduler drained: batches {}, messages applied {}, redelivered {}, duplicates {}, "
        "stale {}, dead-lettered {}, retried batches {}, offset resets {}",
        counters.batches.load(), counters.applied.load(), counters.redelivered.load(),
        counters.duplicates.load(), counters.stale.load(), counters.dead_lettered.load(),
        counters.retried_batches.load(), p.scheduler->offset_resets());
  }
  if (p.relay) {
    spdlog::info("relay drained: messages published {}, sends failed {}", p.relay->published(),
                 p.relay->send_failures());
  }
  // Destroy in reverse dependency order; the broker last.
  p.front_door.reset();
  p.api_key_refresher.reset();
  p.feed.reset();
  p.executor.reset();
  p.agent.reset();
  p.final_reports.reset();
  p.forwarder.reset();
  p.endpoints.reset();
  p.heartbeats.reset();
  p.sweeper.reset();
  p.pruner.reset();
  p.gate.reset();
  p.scheduler.reset();
  p.relay.reset();
  p.commands.reset();
  p.command_producer.reset();
  p.producer.reset();
  p.broker.reset();
}

uint16_t RoleRunner::http_port() const {
  return parts_->front_door ? parts_->front_door->port() : 0;
}

std::vector<FrontDoorRoute> RoleRunner::http_routes() const {
  return parts_->front_door ? parts_->front_door->routes() : std::vector<FrontDoorRoute>{};
}

}  // namespace agentstudio::daemon
