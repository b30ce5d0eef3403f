// Load driver: N sequential workflows of S steps through the whole pipeline
// in one process (embedded broker over TCP, real PostgreSQL, scheduler, relay
// and reference agents), timed from the first command to the last completion.
// Run with scripts/bench, or with AGENTSTUDIO_PG_ADMIN_URL pointing at a
// cluster's `postgres` database: build/bench/workflow_throughput [workflows=500] [steps=3]
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "agents/reference/reference_agents.hpp"
#include "daemon/embedded_broker.hpp"
#include "daemon/role_runner.hpp"
#include "engine/definition_parser.hpp"
#include "engine/timestamp.hpp"
#include "producers/command_producer.hpp"
#include "schemas/command_codec.hpp"
#include "schemas/ids.hpp"
#include "sql/database.hpp"
#include "tests/support/test_database.hpp"

using namespace agentstudio;

int main(int argc, char** argv) {
  const int workflows = argc > 1 ? std::atoi(argv[1]) : 500;
  const int steps = argc > 2 ? std::atoi(argv[2]) : 3;
  spdlog::set_level(spdlog::level::warn);

  testing::TestDatabase database;
  const kafka::Topics topics;
  std::vector<std::string> names = topics.Fixed();
  for (const auto& type : agents::ReferenceAgentTypes()) names.push_back(topics.tasks(type));
  daemon::EmbeddedBroker broker(1, names, 8);
  daemon::Config config;
  config.roles = {daemon::Role::kScheduler, daemon::Role::kRelay, daemon::Role::kAgent};
  config.kafka_brokers = broker.bootstrap();
  config.database_url = database.url();
  config.agent_id = "bench-agent";
  daemon::RoleRunner runner(config);
  runner.Start([](const std::string&) {});

  nlohmann::json definition = {{"id", "bench"}, {"name", "Bench"}, {"pattern", "sequential"}};
  for (int i = 0; i < steps; ++i) {
    definition["steps"].push_back({{"id", "s" + std::to_string(i)},
                                   {"name", "Step " + std::to_string(i)},
                                   {"agentType", "test-runner"}});
  }
  const auto request = engine::ParseWorkflowRequest({{"definition", definition}}).request;
  kafka::MessageProducer producer(kafka::BaseProperties(broker.bootstrap(), "bench"),
                                  std::chrono::seconds(30));
  kafka::WorkflowCommandProducer commands(producer, topics);
  auto session = store::Connect(database.url());

  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < workflows; ++i) {
    std::vector<std::string> task_ids;
    for (int s = 0; s < steps; ++s) task_ids.push_back(schemas::NewTaskId());
    commands.Submit(schemas::MakeStartCommand(request, schemas::NewWorkflowId(), task_ids,
                                              engine::WallClockNow()),
                    "", [](const kafka::DeliveryResult& r) {
                      if (!r.ok) std::fprintf(stderr, "not delivered: %s\n", r.error.c_str());
                    });
  }
  producer.Flush(std::chrono::seconds(30));
  int completed = 0;
  const auto deadline = start + std::chrono::minutes(5);
  while (completed < workflows && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    *session << "SELECT count(*) FROM workflow_executions WHERE status = 'completed'",
        soci::into(completed);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  runner.Stop();
  std::printf("workflows %d x %d steps: %d completed in %.2f s = %.1f workflows/s, %.1f tasks/s\n",
              workflows, steps, completed, seconds, completed / seconds,
              completed * steps / seconds);
  return completed == workflows ? 0 : 1;
}
