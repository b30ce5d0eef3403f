// Load driver: the whole pipeline in one process (scheduler, relay and
// reference agents over a real PostgreSQL and Kafka), two measurements:
// - idle: `idle` sequential workflows of `steps` steps run one at a time;
//   per step, the time from the scheduler applying a step's completion to it
//   applying the next step's first progress report (the relay's publish, the
//   agent's fetch and report, the scheduler's fetch and transaction: two
//   Kafka hops and two commits), p50 and p99, from the tasks' timestamps;
// - throughput: `workflows` such workflows submitted at once, first command
//   to last completion.
// Kafka is the broker at AGENTSTUDIO_KAFKA_BROKERS (scripts/bench starts the
// development broker), or librdkafka's mock cluster with --mock, for the
// comparison in bench/README.md. Topics get a prefix of their own.
//   workflow_throughput [--mock] [--idle=N] [workflows=500] [steps=3]
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "daemon/embedded_broker.hpp"
#include "daemon/role_runner.hpp"
#include "engine/definition_parser.hpp"
#include "engine/timestamp.hpp"
#include "producers/command_producer.hpp"
#include "schemas/command_codec.hpp"
#include "schemas/ids.hpp"
#include "sql/database.hpp"
#include "tests/support/shared_kafka.hpp"
#include "tests/support/stack.hpp"
#include "tests/support/test_database.hpp"

using namespace agentstudio;

namespace {

struct Options {
  bool mock = false;
  int idle = 50;
  int workflows = 500;
  int steps = 3;
};

Options Parse(int argc, char** argv) {
  Options options;
  std::vector<int> positional;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--mock") == 0) {
      options.mock = true;
    } else if (std::strncmp(argv[i], "--idle=", 7) == 0) {
      options.idle = std::atoi(argv[i] + 7);
    } else {
      positional.push_back(std::atoi(argv[i]));
    }
  }
  if (!positional.empty()) options.workflows = positional[0];
  if (positional.size() > 1) options.steps = positional[1];
  return options;
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t index = std::min(values.size() - 1, static_cast<size_t>(p * values.size()));
  return values[index];
}

int Completed(soci::session& session) {
  int completed = 0;
  session << "SELECT count(*) FROM workflow_executions WHERE status = 'completed'",
      soci::into(completed);
  return completed;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = Parse(argc, argv);
  spdlog::set_level(spdlog::level::warn);

  testing::TestDatabase database;
  const kafka::Topics topics(testing::UniqueTopicPrefix());
  constexpr int kPartitions = 8;
  std::unique_ptr<daemon::EmbeddedBroker> mock;
  std::unique_ptr<testing::TestTopics> made;  // deleted from the broker at the end
  std::string bootstrap;
  if (options.mock) {
    mock = std::make_unique<daemon::EmbeddedBroker>(1, testing::StackTopics(topics), kPartitions);
    bootstrap = mock->bootstrap();
  } else {
    const char* brokers = std::getenv("AGENTSTUDIO_KAFKA_BROKERS");
    if (brokers == nullptr || *brokers == '\0') {
      std::fprintf(stderr, "AGENTSTUDIO_KAFKA_BROKERS is not set (or pass --mock)\n");
      return 2;
    }
    bootstrap = brokers;
    made =
        std::make_unique<testing::TestTopics>(bootstrap, testing::StackTopics(topics), kPartitions);
  }
  daemon::Config config;
  config.roles = {daemon::Role::kScheduler, daemon::Role::kRelay, daemon::Role::kAgent};
  config.kafka_brokers = bootstrap;
  config.topic_prefix = topics.prefix();
  config.partitions = kPartitions;
  config.database_url = database.url();
  config.agent_id = "bench-agent";
  auto runner = std::make_unique<daemon::RoleRunner>(config);
  runner->Start([](const std::string&) {});

  nlohmann::json definition = {{"id", "bench"}, {"name", "Bench"}, {"pattern", "sequential"}};
  for (int i = 0; i < options.steps; ++i) {
    definition["steps"].push_back({{"id", "s" + std::to_string(i)},
                                   {"name", "Step " + std::to_string(i)},
                                   {"agentType", "test-runner"}});
  }
  const auto request = engine::ParseWorkflowRequest({{"definition", definition}}).request;
  kafka::MessageProducer producer(kafka::BaseProperties(bootstrap, "bench"),
                                  std::chrono::seconds(30));
  kafka::WorkflowCommandProducer commands(producer, topics);
  auto session = store::Connect(database.url());
  const auto submit = [&] {
    std::vector<std::string> task_ids;
    for (int s = 0; s < options.steps; ++s) task_ids.push_back(schemas::NewTaskId());
    commands.Submit(schemas::MakeStartCommand(request, schemas::NewWorkflowId(), task_ids,
                                              engine::WallClockNow()),
                    "", [](const kafka::DeliveryResult& r) {
                      if (!r.ok) std::fprintf(stderr, "not delivered: %s\n", r.error.c_str());
                    });
  };
  const auto wait_for = [&](int completed, std::chrono::steady_clock::time_point deadline) {
    int now = 0;
    while ((now = Completed(*session)) < completed && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return now;
  };

  // Idle: one workflow at a time.
  int done = 0;
  for (int i = 0; i < options.idle; ++i) {
    submit();
    producer.Flush(std::chrono::seconds(30));
    done = wait_for(done + 1, std::chrono::steady_clock::now() + std::chrono::seconds(30));
  }
  std::vector<double> gaps, ends;
  {
    double gap = 0;
    soci::statement steps =
        (session->prepare
             << "SELECT extract(epoch FROM next.started_at - prev.completed_at) * 1000 "
                "FROM tasks prev JOIN tasks next ON next.workflow_id = prev.workflow_id "
                "AND next.position = prev.position + 1",
         soci::into(gap));
    steps.execute();
    while (steps.fetch()) gaps.push_back(gap);
    double end = 0;
    soci::statement runs =
        (session->prepare << "SELECT extract(epoch FROM completed_at - created_at) * 1000 "
                             "FROM workflow_executions WHERE status = 'completed'",
         soci::into(end));
    runs.execute();
    while (runs.fetch()) ends.push_back(end);
  }

  // Throughput: every workflow at once.
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < options.workflows; ++i) submit();
  producer.Flush(std::chrono::seconds(30));
  const int completed = wait_for(done + options.workflows, start + std::chrono::minutes(5)) - done;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  runner->Stop();
  runner.reset();

  const char* kafka = options.mock ? "mock cluster" : "Apache Kafka";
  std::printf(
      "%s, idle, %d workflows x %d steps: step to step p50 %.1f ms, p99 %.1f ms (%zu steps); "
      "workflow p50 %.1f ms\n",
      kafka, options.idle, options.steps, Percentile(gaps, 0.5), Percentile(gaps, 0.99),
      gaps.size(), Percentile(ends, 0.5));
  std::printf(
      "%s, throughput, %d workflows x %d steps: %d completed in %.2f s = %.1f workflows/s, "
      "%.1f tasks/s\n",
      kafka, options.workflows, options.steps, completed, seconds, completed / seconds,
      completed * options.steps / seconds);
  return completed == options.workflows ? 0 : 1;
}
