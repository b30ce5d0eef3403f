#include "tests/support/stack.hpp"

#include <gtest/gtest.h>

#include "agents/reference/reference_agents.hpp"
#include "sql/workflow_store.hpp"
#include "tests/support/wait.hpp"

namespace agentstudio::testing {
namespace {
constexpr int kPartitions = 4;
}

std::vector<std::string> StackTopics(const kafka::Topics& topics) {
  std::vector<std::string> all = topics.Fixed();
  for (const std::string& type : agents::ReferenceAgentTypes()) all.push_back(topics.tasks(type));
  return all;
}

InProcessStack::InProcessStack(std::set<daemon::Role> roles,
                               const std::function<void(daemon::Config&)>& adjust, StackKafka kafka,
                               const std::string& pg_admin_url)
    : database_(pg_admin_url.empty() ? TestDatabase() : TestDatabase(pg_admin_url)) {
  if (kafka.mock_brokers > 0) {
    mock_ = std::make_unique<daemon::EmbeddedBroker>(kafka.mock_brokers, StackTopics(topics_),
                                                     kPartitions);
    bootstrap_ = mock_->bootstrap();
  } else {
    bootstrap_ = kafka.bootstrap.empty() ? SharedKafka() : kafka.bootstrap;
    kafka_topics_ = std::make_unique<TestTopics>(bootstrap_, StackTopics(topics_), kPartitions);
  }
  daemon::Config config;
  config.roles = std::move(roles);
  config.kafka_brokers = bootstrap_;
  config.topic_prefix = topics_.prefix();
  config.partitions = kPartitions;
  config.database_url = database_.url();
  config.http_addr = "127.0.0.1:0";
  config.heartbeat_ms = 200;
  config.delivery_timeout_ms = 3000;
  config.agent_id = "test-agent";
  if (adjust) adjust(config);
  runner_ = std::make_unique<daemon::RoleRunner>(config);
  runner_->Start([](const std::string&) {});
  session_ = database_.Connect();
}

InProcessStack::~InProcessStack() {
  runner_->Stop();
  runner_.reset();
  kafka_topics_.reset();
  mock_.reset();
}

std::optional<engine::WorkflowState> InProcessStack::Load(const std::string& workflow_id) const {
  auto states = store::LoadExecutions(*session_, {workflow_id}, false);
  if (states.empty()) return std::nullopt;
  return states.begin()->second;
}

std::string InProcessStack::WaitForFirstTaskRunning(const std::string& workflow_id) {
  std::string task_id;
  EXPECT_TRUE(WaitUntil([&] {
    const auto state = Load(workflow_id);
    if (!state || state->tasks.empty() || state->tasks[0].status != engine::TaskStatus::kRunning)
      return false;
    task_id = state->tasks[0].id;
    return true;
  })) << workflow_id
      << " never ran";
  return task_id;
}

engine::WorkflowState InProcessStack::WaitForEnd(const std::string& workflow_id) {
  std::optional<engine::WorkflowState> state;
  const bool ended = WaitUntil(
      [&] {
        state = Load(workflow_id);
        return state && engine::IsTerminal(state->status);
      },
      std::chrono::seconds(60));
  EXPECT_TRUE(ended) << "workflow " << workflow_id << " is "
                     << (state ? std::string(engine::ToString(state->status)) : "absent");
  return state.value_or(engine::WorkflowState{});
}

}  // namespace agentstudio::testing
