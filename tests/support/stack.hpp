#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>

#include "daemon/embedded_broker.hpp"
#include "daemon/role_runner.hpp"
#include "engine/workflow_state.hpp"
#include "producers/topics.hpp"
#include "tests/support/shared_kafka.hpp"
#include "tests/support/test_database.hpp"

namespace agentstudio::testing {

// Which Kafka an InProcessStack's roles use.
struct StackKafka {
  // A real cluster's bootstrap list; empty: the test run's shared broker.
  std::string bootstrap;
  // More than 0: librdkafka's mock cluster of that many brokers instead, for
  // the tests whose request-error injection a real broker cannot be made to
  // do (docs/reliability.md lists them). Nothing else uses the mock.
  int mock_brokers = 0;
};

// A whole stack in this process: a fresh database, topics of its own (a
// unique prefix, the fixed topics and those of the reference agents, deleted
// at the end) on a real Kafka, and agentstudiod roles (RoleRunner) pointed
// at both.
class InProcessStack {
 public:
  // `adjust` may change the roles' configuration before they start; the
  // database is made in the cluster of `pg_admin_url`, the shared one of
  // scripts/test when empty.
  explicit InProcessStack(std::set<daemon::Role> roles,
                          const std::function<void(daemon::Config&)>& adjust = {},
                          StackKafka kafka = {}, const std::string& pg_admin_url = "");
  ~InProcessStack();

  // What clients put in bootstrap.servers to reach the stack's Kafka.
  const std::string& bootstrap() const { return bootstrap_; }
  // The mock cluster (REQUIRES: built with StackKafka::mock_brokers > 0).
  daemon::EmbeddedBroker& mock() { return *mock_; }
  const TestDatabase& database() const { return database_; }
  const kafka::Topics& topics() const { return topics_; }
  uint16_t http_port() const { return runner_->http_port(); }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(http_port()); }
  std::vector<daemon::FrontDoorRoute> http_routes() const { return runner_->http_routes(); }

  // Reads an execution (nullopt when it does not exist).
  std::optional<engine::WorkflowState> Load(const std::string& workflow_id) const;
  // Waits until the execution reaches a terminal status; returns it.
  engine::WorkflowState WaitForEnd(const std::string& workflow_id);
  // Waits until the execution's first task runs on an agent; returns its id
  // (a test failure and "" when it does not).
  std::string WaitForFirstTaskRunning(const std::string& workflow_id);

 private:
  kafka::Topics topics_{UniqueTopicPrefix()};
  TestDatabase database_;
  std::unique_ptr<daemon::EmbeddedBroker> mock_;
  std::string bootstrap_;
  std::unique_ptr<TestTopics> kafka_topics_;
  std::unique_ptr<daemon::RoleRunner> runner_;
  std::unique_ptr<soci::session> session_;
};

// Every topic an InProcessStack or a ProcessStack makes up front: the fixed
// ones and those of the reference agents.
std::vector<std::string> StackTopics(const kafka::Topics& topics);

}  // namespace agentstudio::testing
