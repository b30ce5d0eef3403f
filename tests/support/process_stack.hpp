#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "tests/support/child_process.hpp"
#include "tests/support/test_database.hpp"

namespace agentstudio::testing {

struct ProcessStackOptions {
  int schedulers = 1;
  std::map<std::string, std::string> env;  // added to every role's environment
};

// The whole stack as separate agentstudiod processes: a broker (the embedded
// mock cluster, real Kafka protocol on TCP), schedulers, a relay, an agent
// process with every reference agent type, and a front door, on a fresh
// database. The constructor returns once the front door answers /health and
// knows every agent type; it throws std::runtime_error (with the processes'
// output) when the stack does not come up.
class ProcessStack {
 public:
  explicit ProcessStack(ProcessStackOptions options = {});
  ~ProcessStack();  // SIGKILLs what is still running

  // SIGTERMs every role, then the broker; returns a description of each
  // process that did not exit 0 within 30 s (empty when all drained).
  std::vector<std::string> Stop();

  std::string Url(const std::string& path) const;
  const std::string& bootstrap() const { return bootstrap_; }
  const std::string& broker_file() const { return broker_file_; }
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

  TestDatabase database_;
  std::string broker_file_;
  std::string bootstrap_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> broker_;
  std::vector<std::pair<std::string, std::unique_ptr<ChildProcess>>> roles_;
};

}  // namespace agentstudio::testing
