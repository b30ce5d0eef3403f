#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "producers/topics.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/shared_kafka.hpp"
#include "tests/support/test_database.hpp"

namespace agentstudio::testing {

struct ProcessStackOptions {
  int schedulers = 1;
  int agents = 1;      // agent processes, each serving every type
  int partitions = 4;  // of every topic
  // The agent types the agent processes serve (AGENTSTUDIO_AGENT_TYPES);
  // empty: every reference type.
  std::vector<std::string> agent_types;
  std::map<std::string, std::string> env;  // added to every role's environment
  // Runs agentstudiod_faults (agentstudiod plus a handler that obeys
  // AGENTSTUDIO_TEST_CRASH_AT) for every role.
  bool crashable = false;
  // Added to the environment of the role at that index (in start order:
  // schedulers, relay, agents, front door) when the stack starts.
  std::map<size_t, std::map<std::string, std::string>> role_env;
  // A real cluster's bootstrap list; empty: the test run's shared broker.
  std::string kafka;
  // The Authorization header of the stack's own requests (waits), when the
  // front door requires credentials.
  std::string authorization;
};

// The whole stack as separate agentstudiod processes (schedulers, a relay, an
// agent process with every reference agent type, and a front door) on a
// fresh database and topics of its own (a unique prefix, deleted at the end
// on the shared broker) of a real Kafka. The constructor returns once the front door answers
// /health and knows every agent type; it throws std::runtime_error (with the processes' output)
// when the stack does not come up.
class ProcessStack {
 public:
  explicit ProcessStack(ProcessStackOptions options = {});
  ~ProcessStack();  // SIGKILLs what is still running

  // SIGTERMs every role; returns a description of each process that did not
  // exit 0 within 30 s (empty when all drained).
  // Output() keeps what they wrote.
  std::vector<std::string> Stop();

  // The role processes, in start order: schedulers, relay, agents, front door.
  size_t role_count() const { return roles_.size(); }
  const std::string& role(size_t index) const { return roles_.at(index).first; }
  ChildProcess& process(size_t index) { return *roles_.at(index).second; }
  // Starts the role at `index` again (after it was killed or died), with
  // `extra_env` added to the stack's environment.
  void Restart(size_t index, const std::map<std::string, std::string>& extra_env = {});
  // Starts one more process of `role`; returns its index.
  size_t Add(const std::string& role, const std::map<std::string, std::string>& extra_env = {});
  // Output of every role process so far, restarted ones' earlier lives
  // included, for failure messages and log checks.
  std::string Output() const;

  std::string Url(const std::string& path) const;
  // The headers that carry ProcessStackOptions::authorization (none if empty).
  std::map<std::string, std::string> Credentials() const;
  const std::string& bootstrap() const { return bootstrap_; }
  const kafka::Topics& topics() const { return topics_; }
  const TestDatabase& database() const { return database_; }

  // Polls GET /api/workflows/{id} until its status is one of `statuses`;
  // returns the last body read (test failure when the wait ran out).
  nlohmann::json WaitForStatus(const std::string& id, const std::set<std::string>& statuses,
                               std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // WaitForStatus for completed, failed or cancelled.
  nlohmann::json WaitForEnd(const std::string& id);

 private:
  std::unique_ptr<ChildProcess> Start(const std::string& role,
                                      const std::map<std::string, std::string>& env);

  ProcessStackOptions options_;
  std::map<std::string, std::string> env_;  // every role's environment
  TestDatabase database_;
  kafka::Topics topics_;
  std::string bootstrap_;
  std::unique_ptr<TestTopics> kafka_topics_;  // on the shared broker only
  int port_ = 0;
  std::vector<std::pair<std::string, std::unique_ptr<ChildProcess>>> roles_;
  std::string retired_output_;  // of the processes Restart() replaced
};

}  // namespace agentstudio::testing
