// The SOCI store against a real PostgreSQL (a fresh database per test).
#include <gtest/gtest.h>
#include <soci/postgresql/soci-postgresql.h>

#include <atomic>
#include <thread>

#include "daemon/known_agent_types.hpp"
#include "engine/decide.hpp"
#include "engine/definition_parser.hpp"
#include "engine/planner.hpp"
#include "engine/timestamp.hpp"
#include "schemas/execution_json.hpp"
#include "sql/agent_store.hpp"
#include "sql/commit_signal.hpp"
#include "sql/database.hpp"
#include "sql/migrator.hpp"
#include "sql/outbox_store.hpp"
#include "sql/prepared_query.hpp"
#include "sql/timer_store.hpp"
#include "sql/workflow_store.hpp"
#include "tests/support/test_database.hpp"
#include "tests/support/wait.hpp"

namespace agentstudio::store {
namespace {

using Json = nlohmann::json;

engine::WorkflowState RunningWorkflow(const std::string& id) {
  const auto parsed = engine::ParseWorkflowRequest(Json::parse(R"({
    "definition": {"id": "d", "name": "D", "pattern": "parallel",
      "steps": [{"id": "a", "name": "A", "agentType": "t", "configuration": {"k": 1}, "timeout": "PT1M"},
                {"id": "b", "name": "B", "agentType": "u", "dependsOn": ["a"]}]},
    "input": {"x": [1, 2]}, "initiatedBy": "me", "metadata": {"m": true}})"));
  EXPECT_TRUE(parsed.ok());
  auto state = engine::PlanExecution(id, parsed.request, {id + "_a", id + "_b"}, 1700000000123);
  return engine::Decide(state, engine::StartInput{1700000000456}).state;
}

class StoreTest : public ::testing::Test {
 protected:
  testing::TestDatabase database_;
  std::unique_ptr<soci::session> session_ = database_.Connect();
};

TEST_F(StoreTest, ShouldApplyMigrationsOnceAndRecordThem) {
  EXPECT_TRUE(ApplyMigrations(*session_).empty()) << "the fixture applied them already";
  int recorded = 0;
  *session_ << "SELECT count(*) FROM schema_migrations", soci::into(recorded);
  EXPECT_EQ(recorded, static_cast<int>(MigrationCount()));
  EXPECT_GE(MigrationCount(), 8u);
}

TEST_F(StoreTest, ShouldSaveAndLoadAnExecutionWithItsTasks) {
  const engine::WorkflowState state = RunningWorkflow("wf_1");
  SaveExecutions(*session_, {{&state, nullptr}});
  const auto loaded = LoadExecutions(*session_, {"wf_1", "wf_missing"}, /*for_update=*/false);
  ASSERT_EQ(loaded.size(), 1u);
  const engine::WorkflowState& back = loaded.at("wf_1");
  EXPECT_EQ(back.status, engine::WorkflowStatus::kRunning);
  EXPECT_EQ(back.created_at, 1700000000123);
  EXPECT_EQ(back.started_at, 1700000000456);
  EXPECT_EQ(back.completed_at, 0);
  EXPECT_EQ(back.input, state.input);
  EXPECT_EQ(back.metadata, state.metadata);
  EXPECT_EQ(back.initiated_by, "me");
  EXPECT_EQ(back.last_event_sequence, state.last_event_sequence);
  EXPECT_EQ(back.version, state.version);
  EXPECT_EQ(engine::ToJson(back.definition), engine::ToJson(state.definition));
  ASSERT_EQ(back.tasks.size(), 2u);
  EXPECT_EQ(back.tasks[0].id, "wf_1_a");
  EXPECT_EQ(back.tasks[0].attempt, 1);
  EXPECT_EQ(back.tasks[0].request, state.tasks[0].request);
  EXPECT_EQ(back.tasks[1].status, engine::TaskStatus::kWaiting);
  EXPECT_EQ(back.tasks[1].depends_on, std::vector<std::string>{"wf_1_a"});
}

TEST_F(StoreTest, ShouldUpdateAnExistingExecution) {
  engine::WorkflowState state = RunningWorkflow("wf_1");
  SaveExecutions(*session_, {{&state, nullptr}});
  const auto decision = engine::Decide(
      state, engine::TaskCompletedInput{
                 "wf_1_a", 1, {{"success", true}, {"result", {{"n", 1}}}}, 1700000001000});
  const StoredExecution before = StoredExecutionOf(state);
  SaveExecutions(*session_, {{&decision.state, &before}});
  const auto back = LoadExecutions(*session_, {"wf_1"}, true).at("wf_1");
  EXPECT_EQ(back.tasks[0].status, engine::TaskStatus::kCompleted);
  EXPECT_EQ(back.tasks[0].response["result"]["n"], 1);
  EXPECT_EQ(back.tasks[1].status, engine::TaskStatus::kPending);
  // A dispatch writes the new attempt's request; a task not dispatched again
  // keeps the request it had.
  EXPECT_EQ(back.tasks[1].attempt, 1);
  ASSERT_FALSE(decision.state.tasks[1].request.is_null());
  EXPECT_EQ(back.tasks[1].request, decision.state.tasks[1].request);
  EXPECT_EQ(back.tasks[0].request, state.tasks[0].request);
  // An update row carries only what an event changes; the rest stays.
  EXPECT_EQ(back.input, state.input);
  EXPECT_EQ(back.metadata, state.metadata);
  EXPECT_EQ(back.initiated_by, "me");
  EXPECT_EQ(back.created_at, state.created_at);
  EXPECT_EQ(back.context_state, decision.state.context_state);
  EXPECT_EQ(back.last_event_sequence, decision.state.last_event_sequence);
  EXPECT_EQ(back.version, decision.state.version);
}

TEST_F(StoreTest, ShouldWriteOnlyTheTasksThatChanged) {
  const engine::WorkflowState state = RunningWorkflow("wf_1");
  SaveExecutions(*session_, {{&state, nullptr}});
  const auto row_version = [&](const std::string& task_id) {
    std::string xmin;
    *session_ << "SELECT cast(xmin AS text) FROM tasks WHERE id = :id", soci::use(task_id, "id"),
        soci::into(xmin);
    return xmin;
  };
  const std::string a_before = row_version("wf_1_a"), b_before = row_version("wf_1_b");
  const auto progress =
      engine::Decide(state, engine::TaskProgressInput{"wf_1_a", 1, 50, "half way", 1700000001000});
  ASSERT_EQ(progress.outcome, engine::Outcome::kApplied);
  const StoredExecution before = StoredExecutionOf(state);
  SaveExecutions(*session_, {{&progress.state, &before}});
  EXPECT_NE(row_version("wf_1_a"), a_before) << "the task that progressed is written";
  EXPECT_EQ(row_version("wf_1_b"), b_before) << "the waiting task is left alone";
  const auto back = LoadExecutions(*session_, {"wf_1"}, false).at("wf_1");
  EXPECT_EQ(back.tasks[0].progress, 50);
  EXPECT_EQ(back.version, progress.state.version);
  EXPECT_EQ(engine::ToJson(back.definition), engine::ToJson(state.definition))
      << "an update without a new definition keeps the stored one";
}

TEST_F(StoreTest, ShouldKeepWhyATaskAndTheExecutionFailed) {
  engine::WorkflowState state = RunningWorkflow("wf_1");
  state = engine::Decide(state, engine::CancelTaskInput{"wf_1_a", "", 1700000001000}).state;
  SaveExecutions(*session_, {{&state, nullptr}});
  const auto back = LoadExecutions(*session_, {"wf_1"}, false).at("wf_1");
  EXPECT_EQ(back.tasks[0].failure, engine::FailureCause::kCancelled);
  EXPECT_EQ(back.tasks[1].failure, engine::FailureCause::kSkipped);
  EXPECT_EQ(back.failure, engine::FailureCause::kTaskFailed);
}

TEST_F(StoreTest, ShouldKeepTheEventLogInOrder) {
  const engine::WorkflowState state = RunningWorkflow("wf_1");
  SaveExecutions(*session_, {{&state, nullptr}});
  InsertEvents(*session_, {{"wf_1", {1, "WorkflowStarted", 1000, "Information", {{"a", 1}}}, "m1"},
                           {"wf_1", {2, "TaskStarted", 2000, "Information", Json::object()}, ""}});
  const auto events = LoadEvents(*session_, "wf_1");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, "WorkflowStarted");
  EXPECT_EQ(events[0].data["a"], 1);
  EXPECT_EQ(events[1].timestamp, 2000);
  EXPECT_EQ(LoadEvents(*session_, "wf_1", 1).size(), 1u);
  // The sequence is the primary key: a replayed event cannot be logged twice.
  EXPECT_THROW(InsertEvents(*session_, {{"wf_1", {2, "TaskStarted", 2000, "Information", {}}, ""}}),
               std::exception);
}

TEST_F(StoreTest, ShouldServeTheEventLogAsTextThatReadsAsEventToJson) {
  const engine::WorkflowState state = RunningWorkflow("wf_1");
  SaveExecutions(*session_, {{&state, nullptr}});
  EXPECT_EQ(ForEachEventText(*session_, "wf_1", [](const EventText&) {}), 0u);
  InsertEvents(
      *session_,
      {{"wf_1", {1, "WorkflowStarted", 1759919400123, "Information", {{"a", 1}}}, "m1"},
       {"wf_1", {2, "TaskStarted", 1759919400999, "Information", Json::object()}, ""},
       {"wf_1",
        {3,
         "TaskThought",
         1759919401000,
         "Information",
         {{"text", "caf\u00e9 \"quoted\" \\ line\nbreak"}, {"n", 1.5}, {"list", {1, 2}}}},
        "m2"},
       {"wf_1", {5, "Odd \"type\"", 1759919400007, "Warn\\ing", Json::object()}, "m4"},
       {"wf_1", {4, "TaskCompleted", 1, "Error", {{"nested", {{"deep", Json::array()}}}}}, "m3"}});
  Json expected = Json::array();
  for (const auto& event : LoadEvents(*session_, "wf_1")) {
    expected.push_back(schemas::EventToJson(event));
  }
  std::string text;
  schemas::EventLogJson log(text);
  EXPECT_EQ(ForEachEventText(*session_, "wf_1",
                             [&](const EventText& e) {
                               log.Add(e.sequence, e.type, e.severity, e.data_json, e.timestamp);
                             }),
            5u);
  log.Finish();
  EXPECT_EQ(Json::parse(text), expected);
}

TEST_F(StoreTest, ShouldCountExactlyUpToTheBoundAndEstimateBeyond) {
  const engine::WorkflowState running = RunningWorkflow("wf_running");
  SaveExecutions(*session_, {{&running, nullptr}});
  *session_ << "INSERT INTO workflow_executions (id, definition_id, pattern, status, definition, "
               "created_at, completed_at, updated_at) "
               "SELECT 'done-' || n, 'd', 'sequential', 'completed', '{}', t, t, t FROM "
               "(SELECT n, now() - n * interval '1 second' AS t "
               "FROM generate_series(1, 10050) AS n) AS s";
  *session_ << "ANALYZE workflow_executions";

  ExecutionPageQuery query;
  query.limit = 3;
  const ExecutionPage all = ListExecutions(*session_, query);
  EXPECT_TRUE(all.total_estimated);
  EXPECT_GT(all.total, kExactTotalBound);
  EXPECT_NEAR(static_cast<double>(all.total), 10051, 500) << "the planner's estimate";
  EXPECT_TRUE(all.more);
  ASSERT_EQ(all.items.size(), 3u);
  EXPECT_EQ(all.items[0].id, "done-1") << "the newest first";
  EXPECT_EQ(all.items[1].id, "done-2");

  query.status = "running";
  const ExecutionPage few = ListExecutions(*session_, query);
  EXPECT_FALSE(few.total_estimated);
  EXPECT_EQ(few.total, 1);
  EXPECT_FALSE(few.more);

  query.status = std::nullopt;
  query.sort = ExecutionSortColumn::kCompletedAt;
  query.ascending = true;
  query.offset = 10049;
  const ExecutionPage last = ListExecutions(*session_, query);
  ASSERT_EQ(last.items.size(), 2u);
  EXPECT_EQ(last.items[0].id, "done-1") << "the most recently completed last";
  EXPECT_EQ(last.items[1].id, "wf_running") << "never completed: last either way";
  EXPECT_FALSE(last.more);
}

TEST_F(StoreTest, ShouldClaimEachMessageIdOnce) {
  EXPECT_EQ(ClaimNewMessageIds(*session_, {"a", "b", "a"}), (std::set<std::string>{"a", "b"}));
  EXPECT_EQ(ClaimNewMessageIds(*session_, {"b", "c"}), std::set<std::string>{"c"});
}

TEST_F(StoreTest, ShouldForgetClaimsOfARolledBackTransaction) {
  {
    soci::transaction tx(*session_);
    EXPECT_EQ(ClaimNewMessageIds(*session_, {"x"}).size(), 1u);
    tx.rollback();
  }
  EXPECT_EQ(ClaimNewMessageIds(*session_, {"x"}).size(), 1u);
}

TEST_F(StoreTest, ShouldKeepBinaryPayloadsIntactThroughTheOutbox) {
  const std::string payload("\x00\x01\xff\x00proto", 9);
  EnqueueOutbox(*session_,
                {{"t1", "k1", payload, {{"traceparent", "00-abc"}}}, {"t2", "k2", "b", {}}});
  soci::transaction tx(*session_);
  const auto rows = ClaimOutbox(*session_, 10);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].message.payload, payload);
  EXPECT_EQ(rows[0].message.topic, "t1");
  EXPECT_EQ(rows[0].message.headers.at("traceparent"), "00-abc");
  EXPECT_LT(rows[0].id, rows[1].id);
  DeleteOutbox(*session_, {rows[0].id});
  tx.commit();
  soci::transaction again(*session_);
  EXPECT_EQ(ClaimOutbox(*session_, 10).size(), 1u);
}

TEST_F(StoreTest, ShouldNotHandTheSameOutboxRowToTwoRelays) {
  EnqueueOutbox(*session_, {{"t", "k1", "1", {}}, {"t", "k2", "2", {}}, {"t", "k3", "3", {}}});
  auto other = database_.Connect();
  soci::transaction first(*session_);
  const auto mine = ClaimOutbox(*session_, 2);
  soci::transaction second(*other);
  const auto theirs = ClaimOutbox(*other, 10);
  ASSERT_EQ(mine.size(), 2u);
  ASSERT_EQ(theirs.size(), 1u);
  EXPECT_EQ(theirs[0].message.key, "k3");
  first.rollback();  // a relay that dies releases its rows to the next
  second.rollback();
  soci::transaction third(*other);
  EXPECT_EQ(ClaimOutbox(*other, 10).size(), 3u);
}

TEST_F(StoreTest, ShouldRecordABatchOfHeartbeatsKeepingTheNewestPerAgent) {
  UpsertAgents(*session_, {{"a1", {"data-analyzer"}, "healthy", 0.5, 1, {}, 3000},
                           {"a1", {"data-analyzer"}, "stopping", 0, 0, {}, 2000},
                           {"a2", {"test-runner", "code-analyzer"}, "healthy", 0, 0, {}, 3000}});
  std::string status;
  *session_ << "SELECT status FROM agents WHERE id = 'a1'", soci::into(status);
  EXPECT_EQ(status, "healthy") << "the newer heartbeat of a1 wins";
  EXPECT_EQ(LiveAgentTypes(*session_, 2500),
            (std::vector<std::string>{"code-analyzer", "data-analyzer", "test-runner"}));
  EXPECT_TRUE(LiveAgentTypes(*session_, 3500).empty());
  UpsertAgents(*session_, {{"a1", {"data-analyzer"}, "stopping", 0, 0, {}, 1000}});
  *session_ << "SELECT status FROM agents WHERE id = 'a1'", soci::into(status);
  EXPECT_EQ(LiveAgentTypes(*session_, 2500).size(), 3u)
      << "an older heartbeat never rewinds the time";
}

TEST_F(StoreTest, ShouldHandEachDueTimerToOneSweeperOnly) {
  const engine::WorkflowState state = RunningWorkflow("wf_1");
  SaveExecutions(*session_, {{&state, nullptr}});
  InsertTimers(*session_, {{"wf_1", {engine::TimerKind::kRetry, "wf_1_a", 1, 1000}},
                           {"wf_1", {engine::TimerKind::kStepTimeout, "wf_1_a", 1, 2000}},
                           {"wf_1", {engine::TimerKind::kWorkflowTimeout, "", 0, 9000}}});
  auto other = database_.Connect();
  soci::transaction first(*session_);
  const auto mine = ClaimDueTimers(*session_, 5000, 10);
  ASSERT_EQ(mine.size(), 2u) << "the 9000 ms one is not due";
  EXPECT_EQ(mine[0].timer.kind, engine::TimerKind::kRetry);
  EXPECT_EQ(mine[0].workflow_id, "wf_1");
  EXPECT_EQ(mine[1].timer.attempt, 1);
  soci::transaction second(*other);
  EXPECT_TRUE(ClaimDueTimers(*other, 5000, 10).empty()) << "held by the first sweeper";
  second.rollback();
  DeleteTimers(*session_, {mine[0].id, mine[1].id});
  first.commit();
  soci::transaction third(*other);
  const auto later = ClaimDueTimers(*other, 10000, 10);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].timer.kind, engine::TimerKind::kWorkflowTimeout);
}

// A request for a known type never waits for another's database query: the
// cache's lock is not held across it. Here the query of an unknown type
// hangs on a table lock while a known type is checked.
TEST_F(StoreTest, ShouldAnswerKnownAgentTypesWhileAnotherLookupWaitsForTheDatabase) {
  UpsertAgents(*session_, {{"agent-1", {"known"}, "healthy", 0, 0, {}, engine::WallClockNow()}});
  daemon::KnownAgentTypes types;
  ASSERT_TRUE(types.Unknown(*session_, {"known"}).empty());

  auto locker = database_.Connect();
  *locker << "BEGIN";
  *locker << "LOCK TABLE agents IN ACCESS EXCLUSIVE MODE";
  std::atomic<bool> slow_done{false};
  std::vector<std::string> slow_answer;
  std::thread slow([&] {
    auto session = database_.Connect();
    slow_answer = types.Unknown(*session, {"never-served"});
    slow_done = true;
  });
  // Wait until the slow lookup is blocked on the lock (pg_locks shows it).
  ASSERT_TRUE(testing::WaitUntil([&] {
    int waiting = 0;
    *session_ << "SELECT count(*) FROM pg_locks WHERE NOT granted", soci::into(waiting);
    return waiting > 0;
  }));
  std::atomic<bool> fast_done{false};
  std::thread fast([&] {
    auto session = database_.Connect();
    EXPECT_TRUE(types.Unknown(*session, {"known"}).empty());
    fast_done = true;
  });
  const bool fast_first =
      testing::WaitUntil([&] { return fast_done.load(); }, std::chrono::seconds(10));
  EXPECT_TRUE(fast_first) << "a known type waited for another's query";
  EXPECT_FALSE(slow_done.load());
  *locker << "ROLLBACK";
  slow.join();
  fast.join();
  EXPECT_EQ(slow_answer, std::vector<std::string>{"never-served"});
}

}  // namespace
}  // namespace agentstudio::store

namespace agentstudio::store {
namespace {

class CommitSignalTest : public ::testing::Test {
 protected:
  testing::TestDatabase database_;
  std::unique_ptr<soci::session> writer_ = database_.Connect();
  CommitSignal signal_{database_.url()};

  void Enqueue(bool commit) {
    soci::transaction tx(*writer_);
    EnqueueOutbox(*writer_, {{"t", "k", "payload", {}}});
    if (commit) {
      tx.commit();
    } else {
      tx.rollback();
    }
  }
};

TEST_F(CommitSignalTest, ShouldWakeTheRelayWhenOutboxRowsCommit) {
  EXPECT_FALSE(signal_.Wait(std::chrono::milliseconds(0))) << "nothing was written yet";
  Enqueue(/*commit=*/false);
  EXPECT_FALSE(signal_.Wait(std::chrono::milliseconds(50))) << "a rolled back write is no news";
  Enqueue(/*commit=*/true);
  // Returns as soon as the notification is there; the long bound is only a
  // guard against a test that hangs.
  EXPECT_TRUE(signal_.Wait(std::chrono::seconds(30)));
  EXPECT_FALSE(signal_.Wait(std::chrono::milliseconds(0))) << "one commit, one wake-up";
}

TEST_F(CommitSignalTest, ShouldReadNotificationsWithoutWaitingWhileTheRelayIsBusy) {
  Enqueue(/*commit=*/true);
  // Delivered at the commit, read by the next drain: poll for it, as the
  // relay's rounds do.
  ASSERT_TRUE(testing::WaitUntil([&] { return signal_.Drain(); }));
  EXPECT_FALSE(signal_.Drain());
  EXPECT_FALSE(signal_.Wait(std::chrono::milliseconds(0))) << "drained, nothing left to wake for";
}

TEST_F(CommitSignalTest, ShouldListenAgainAfterItsConnectionWasKilled) {
  *writer_ << "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
              "WHERE query LIKE 'LISTEN%' AND datname = current_database()";
  // The first wait notices the loss and reconnects; it says rows may have
  // been missed meanwhile.
  ASSERT_TRUE(testing::WaitUntil([&] { return signal_.Wait(std::chrono::milliseconds(20)); }));
  Enqueue(/*commit=*/true);
  EXPECT_TRUE(signal_.Wait(std::chrono::seconds(30)));
}

TEST(PreparedQueryTest, ShouldKeepWorkingOnANewConnectionAndReportSqlStates) {
  testing::TestDatabase database;
  auto session = database.Connect();
  *session << "CREATE TABLE t (id integer PRIMARY KEY)";
  const std::string insert = "INSERT INTO t (id) SELECT cast(:id AS integer)";
  EXPECT_EQ(RunPrepared(*session, insert, {"1"}).affected, 1u);
  try {
    RunPrepared(*session, insert, {"1"});
    ADD_FAILURE() << "a duplicate key must throw";
  } catch (const soci::postgresql_soci_error& error) {
    EXPECT_EQ(error.sqlstate(), "23505");  // what BatchApplier tells poison by
  }
  // The same session, reconnected after its server process was killed, has
  // none of the statements the old one prepared.
  auto killer = database.Connect();
  int backend = 0;
  *session << "SELECT pg_backend_pid()", soci::into(backend);
  *killer << "SELECT pg_terminate_backend(:pid)", soci::use(backend, "pid");
  EXPECT_THROW(RunPrepared(*session, insert, {"3"}), soci::soci_error);
  session->reconnect();
  EXPECT_EQ(RunPrepared(*session, insert, {"2"}).affected, 1u);
  // Statements dropped behind its back (DISCARD ALL, a pooler): one
  // retryable failure, then prepared again.
  *session << "DEALLOCATE ALL";
  try {
    RunPrepared(*session, insert, {"4"});
    ADD_FAILURE() << "the statement was gone";
  } catch (const soci::postgresql_soci_error& error) {
    EXPECT_EQ(error.sqlstate(), "26000");
    EXPECT_TRUE(ClassifyDatabaseError(error).IsRetryable());
  }
  EXPECT_EQ(RunPrepared(*session, insert, {"4"}).affected, 1u);
  EXPECT_THROW(RunPrepared(*session, insert, {}), std::logic_error) << "a bind without a value";
  EXPECT_EQ(SelectPrepared(*session, "SELECT cast(id AS text) FROM t WHERE id >= :min ORDER BY id",
                           {"1"}),
            (std::vector<std::string>{"1", "2", "4"}));
}

}  // namespace
}  // namespace agentstudio::store
