// PostgreSQL faults while workflows run: every session of the daemon killed
// with pg_terminate_backend, then the server stopped and started again (a
// restart with an outage long enough to see). Schedulers, relay and front
// door reconnect by themselves, /health reports the outage while it lasts,
// and every accepted workflow completes, no completion applied twice. The
// server is a private one (PrivatePostgres): stopping the shared cluster
// would disturb every other test.
#include <gtest/gtest.h>

#include "tests/support/figures.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/private_postgres.hpp"
#include "tests/support/reference_examples.hpp"
#include "tests/support/stack.hpp"
#include "tests/support/steady_submitter.hpp"
#include "tests/support/wait.hpp"
#include "tests/support/workflow_invariants.hpp"

namespace agentstudio {
namespace {

using daemon::Role;
using testing::Http;

class DatabaseFaultsTest : public ::testing::Test {
 protected:
  // The connections of the daemon's pools, killed; returns how many.
  int TerminateDaemonSessions() {
    auto session = stack_.database().Connect();
    int killed = 0;
    *session << "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()) AS killed",
        soci::into(killed);
    return killed;
  }

  // Whether /health answers `status` with PostgreSQL `postgresql`.
  bool HealthSays(long status, const std::string& postgresql) {
    const auto health = Http("GET", stack_.base_url() + "/health");
    return health.status == status && health.Json()["checks"]["postgresql"]["status"] == postgresql;
  }

  // A workflow's status, read on a fresh connection (nullopt while the
  // database cannot answer).
  std::string StatusOf(const std::string& id) {
    try {
      auto session = stack_.database().Connect();
      std::string status;
      *session << "SELECT status FROM workflow_executions WHERE id = :id", soci::use(id),
          soci::into(status);
      return status;
    } catch (const std::exception&) {
      return "";
    }
  }

  testing::PrivatePostgres postgres_;
  testing::InProcessStack stack_{{Role::kFrontdoor, Role::kScheduler, Role::kRelay, Role::kAgent},
                                 {},
                                 {},
                                 postgres_.admin_url()};
};

TEST_F(DatabaseFaultsTest, ShouldReconnectAfterKilledSessionsAndARestartAndLoseNothing) {
  testing::SteadySubmitter client(stack_.base_url() + "/api/workflows",
                                  testing::kCustomerAnalysisCurlBody,
                                  std::chrono::milliseconds(50));
  ASSERT_TRUE(client.AcceptsMore(5));

  int terminated = 0;
  for (int round = 0; round < 3; ++round) {
    terminated += TerminateDaemonSessions();
    ASSERT_TRUE(client.AcceptsMore(3));
  }
  EXPECT_GT(terminated, 0);

  postgres_.Stop();
  EXPECT_TRUE(testing::WaitUntil([&] { return HealthSays(503, "down"); }))
      << "/health reports the outage";
  postgres_.Start();
  EXPECT_TRUE(testing::WaitUntil([&] { return HealthSays(200, "up"); }, std::chrono::seconds(60)))
      << "/health reports the recovery";
  ASSERT_TRUE(client.AcceptsMore(5));

  const std::vector<std::string> accepted = client.Stop();
  int completed = 0;
  for (const std::string& id : accepted) {
    const bool done =
        testing::WaitUntil([&] { return StatusOf(id) == "completed"; }, std::chrono::seconds(60));
    EXPECT_TRUE(done) << id << " is " << StatusOf(id);
    completed += done ? 1 : 0;
  }
  auto session = stack_.database().Connect();
  const int applied_twice = testing::CountMessagesAppliedTwice(*session);
  testing::ReportFigures(
      "database fault figures: accepted %zu, refused with 503 %d, completed %d, completions "
      "applied twice %d, faults: [%d sessions terminated in 3 rounds] [server stopped and "
      "started]",
      accepted.size(), client.refused(), completed, applied_twice, terminated);
  EXPECT_EQ(completed, static_cast<int>(accepted.size()));
  EXPECT_EQ(applied_twice, 0);
}

}  // namespace
}  // namespace agentstudio
