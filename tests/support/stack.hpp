#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>

#include "daemon/embedded_broker.hpp"
#include "daemon/role_runner.hpp"
#include "engine/workflow_state.hpp"
#include "producers/topics.hpp"
#include "tests/support/test_database.hpp"

namespace agentstudio::testing {

// A whole stack in this process: an embedded broker the test can inject
// faults into, a fresh database, and agentstudiod roles (RoleRunner) pointed
// at both.
class InProcessStack {
 public:
  // `adjust` may change the roles' configuration before they start; the
  // embedded broker has `brokers` brokers (topic partitions' leaders spread
  // over them); the database is made in the cluster of `pg_admin_url`, the
  // shared one of scripts/test when empty.
  explicit InProcessStack(std::set<daemon::Role> roles,
                          const std::function<void(daemon::Config&)>& adjust = {}, int brokers = 1,
                          const std::string& pg_admin_url = "");
  ~InProcessStack();

  daemon::EmbeddedBroker& broker() { return *broker_; }
  const TestDatabase& database() const { return database_; }
  const kafka::Topics& topics() const { return topics_; }
  uint16_t http_port() const { return runner_->http_port(); }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(http_port()); }

  // Reads an execution (nullopt when it does not exist).
  std::optional<engine::WorkflowState> Load(const std::string& workflow_id) const;
  // Waits until the execution reaches a terminal status; returns it.
  engine::WorkflowState WaitForEnd(const std::string& workflow_id);

 private:
  kafka::Topics topics_{"agentstudio."};
  TestDatabase database_;
  std::unique_ptr<daemon::EmbeddedBroker> broker_;
  std::unique_ptr<daemon::RoleRunner> runner_;
  std::unique_ptr<soci::session> session_;
};

}  // namespace agentstudio::testing
