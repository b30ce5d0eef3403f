// The scheduler's ExecutionCache against a real PostgreSQL: a copy kept
// between batches is used while it is current, and never once another writer
// (a second scheduler, the timer sweeper) changed the execution.
#include <gtest/gtest.h>

#include "agentstudio/v1/task_event.pb.h"
#include "consumers/execution_cache.hpp"
#include "consumers/scheduler_handler.hpp"
#include "engine/definition_parser.hpp"
#include "engine/timestamp.hpp"
#include "schemas/agent_codec.hpp"
#include "schemas/command_codec.hpp"
#include "sql/workflow_store.hpp"
#include "tests/support/test_database.hpp"

namespace agentstudio::kafka {
namespace {

using Json = nlohmann::json;

class ExecutionCacheTest : public ::testing::Test {
 protected:
  // Applies `messages` in one transaction, as SchedulerConsumer does: the
  // cache gets the states back only once the transaction committed.
  SchedulerBatchResult Apply(const std::vector<InboundMessage>& messages, ExecutionCache* cache) {
    soci::transaction tx(*session_);
    SchedulerBatchResult result = handler_.Apply(*session_, messages, ++now_, cache);
    tx.commit();
    if (cache != nullptr) {
      for (engine::WorkflowState& state : result.states) cache->Put(std::move(state));
    }
    return result;
  }

  InboundMessage Start(const std::string& id) {
    const auto parsed = engine::ParseWorkflowRequest(Json::parse(R"({"definition": {
      "id": "d", "name": "D", "pattern": "sequential", "steps": [
        {"id": "a", "name": "A", "agentType": "t"}, {"id": "b", "name": "B", "agentType": "t"}]}})"));
    EXPECT_TRUE(parsed.ok());
    const auto command =
        schemas::MakeStartCommand(parsed.request, id, {id + "_a", id + "_b"}, ++now_);
    return {topics_.commands(), 0, offset_++, id, command.SerializeAsString(), {}, 0};
  }

  InboundMessage Completed(const std::string& workflow_id, const std::string& task_id) {
    agentstudio::v1::TaskEvent event;
    event.set_schema_version(schemas::kSchemaVersion);
    event.set_event_id("e" + std::to_string(offset_));
    event.set_workflow_id(workflow_id);
    event.set_task_id(task_id);
    event.set_attempt(1);
    event.mutable_completion()->mutable_response()->set_success(true);
    return {topics_.task_events(), 0, offset_++, workflow_id, event.SerializeAsString(), {}, 0};
  }

  // The stamp the scheduler reads under the row lock.
  store::ExecutionStamp Locked(const std::string& id) {
    return store::LockExecutions(*session_, {id}).at(id);
  }

  engine::WorkflowState Stored(const std::string& id) {
    return store::LoadExecutions(*session_, {id}, false).at(id);
  }

  testing::TestDatabase database_;
  std::unique_ptr<soci::session> session_ = database_.Connect();
  const Topics topics_{"t."};
  const SchedulerHandler handler_{topics_};
  engine::TimeMs now_ = engine::WallClockNow();
  int64_t offset_ = 0;
};

TEST_F(ExecutionCacheTest, ShouldTakeACurrentCopyInsteadOfLoadingIt) {
  ExecutionCache cache(1000);
  Apply({Start("wf")}, &cache);
  ASSERT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.misses(), 0u) << "a start loads nothing";

  Apply({Completed("wf", "wf_a")}, &cache);
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(Stored("wf").FindTask("wf_a")->status, engine::TaskStatus::kCompleted);
  EXPECT_EQ(Stored("wf").FindTask("wf_b")->status, engine::TaskStatus::kPending);

  Apply({Completed("wf", "wf_b")}, &cache);
  EXPECT_EQ(cache.hits(), 2u);
  EXPECT_EQ(Stored("wf").status, engine::WorkflowStatus::kCompleted);
  EXPECT_EQ(cache.size(), 0u) << "a finished execution is not kept";
}

TEST_F(ExecutionCacheTest, ShouldLoadWhatAnotherWriterChangedSinceTheCopy) {
  ExecutionCache cache(1000);
  Apply({Start("wf")}, &cache);
  // Another scheduler (after a rebalance, say) applies the first completion:
  // the copy here still has task a pending and b waiting.
  Apply({Completed("wf", "wf_a")}, nullptr);

  const SchedulerBatchResult result = Apply({Completed("wf", "wf_b")}, &cache);
  EXPECT_EQ(cache.hits(), 0u);
  EXPECT_EQ(cache.misses(), 1u);
  EXPECT_EQ(result.applied, 1u) << "b's completion applies to the stored state";
  const engine::WorkflowState stored = Stored("wf");
  EXPECT_EQ(stored.status, engine::WorkflowStatus::kCompleted);
  EXPECT_EQ(stored.FindTask("wf_a")->status, engine::TaskStatus::kCompleted)
      << "the other writer's completion is kept";
}

TEST_F(ExecutionCacheTest, ShouldNotMistakeANewExecutionUnderADeletedOnesIdForIt) {
  ExecutionCache cache(1000);
  Apply({Start("wf")}, &cache);
  engine::WorkflowState copy = *cache.Take("wf", Locked("wf"));
  cache.Put(copy);
  // Deleted and started again elsewhere: the same id and version, created later.
  {
    soci::transaction tx(*session_);
    store::DeleteExecutions(*session_, {"wf"});
    engine::WorkflowState again = copy;
    again.created_at += 1;
    store::SaveExecutions(*session_, {{&again, nullptr}});
    tx.commit();
  }
  EXPECT_FALSE(cache.Take("wf", Locked("wf")).has_value());
}

}  // namespace
}  // namespace agentstudio::kafka
