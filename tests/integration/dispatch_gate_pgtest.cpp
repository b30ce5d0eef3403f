// The dispatch gate against a real PostgreSQL: task messages wait in the
// dispatch queue while their type's agents are busy and reach the outbox by
// priority as slots free; the scheduler queues dispatches and frees the slots
// of attempts that end; two gates never hand out one slot twice.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "agentstudio/v1/task_event.pb.h"
#include "agentstudio/v1/task_message.pb.h"
#include "consumers/dispatch_gate.hpp"
#include "consumers/scheduler_handler.hpp"
#include "engine/definition_parser.hpp"
#include "engine/planner.hpp"
#include "engine/timestamp.hpp"
#include "schemas/command_codec.hpp"
#include "sql/agent_store.hpp"
#include "sql/dispatch_queue_store.hpp"
#include "sql/outbox_store.hpp"
#include "sql/workflow_store.hpp"
#include "tests/support/test_database.hpp"
#include "tests/support/wait.hpp"
#include "tests/support/workflow_invariants.hpp"

namespace agentstudio::kafka {
namespace {

using Json = nlohmann::json;

constexpr int kLow = 0, kNormal = 1, kMedium = 2, kHigh = 3, kCritical = 4;

class DispatchGateTest : public ::testing::Test {
 protected:
  // An agent of `type` heard from now (or `age_ms` ago) with room for `capacity`.
  void Heartbeat(const std::string& id, const std::string& type, int capacity,
                 const std::string& status = "healthy", engine::TimeMs age_ms = 0) {
    store::AgentRecord agent;
    agent.id = id;
    agent.agent_types = {type};
    agent.status = status;
    agent.last_heartbeat_at = engine::WallClockNow() - age_ms;
    agent.capacity = capacity;
    store::UpsertAgents(*session_, {agent});
  }

  // Stores an execution of one step per entry of `types`, its tasks at their
  // first attempt, and queues a dispatch for each with the matching priority.
  void Queue(const std::string& workflow_id, const std::vector<std::string>& types,
             const std::vector<int>& priorities) {
    Json steps = Json::array();
    std::vector<std::string> task_ids;
    for (size_t i = 0; i < types.size(); ++i) {
      steps.push_back({{"id", "s" + std::to_string(i)}, {"name", "S"}, {"agentType", types[i]}});
      task_ids.push_back(workflow_id + "_" + std::to_string(i));
    }
    const auto parsed = engine::ParseWorkflowRequest(
        {{"definition", {{"id", "d"}, {"name", "D"}, {"pattern", "parallel"}, {"steps", steps}}}});
    ASSERT_TRUE(parsed.ok());
    const engine::WorkflowState state =
        engine::PlanExecution(workflow_id, parsed.request, task_ids, 1);
    store::SaveExecutions(*session_, {{&state, nullptr}});
    // Dispatched, as the scheduler leaves a task whose dispatch it queues.
    *session_ << "UPDATE tasks SET status = 'pending', dispatched = true, attempt = 1 "
                 "WHERE workflow_id = :id",
        soci::use(workflow_id, "id");
    std::vector<store::QueuedDispatch> dispatches;
    for (size_t i = 0; i < types.size(); ++i) {
      dispatches.push_back(
          {task_ids[i], 1, types[i], priorities[i], {"tasks." + types[i], task_ids[i], "m", {}}});
    }
    store::EnqueueDispatches(*session_, dispatches);
  }

  // The outbox's task messages, in the order the relay sends them.
  std::vector<store::OutboxRow> TaskMessages() {
    std::vector<store::OutboxRow> rows = store::ClaimOutbox(*session_, 100);
    std::erase_if(rows, [](const store::OutboxRow& row) {
      return row.message.topic.find("tasks.") == std::string::npos;
    });
    return rows;
  }

  // Task ids in the outbox, in the order the relay sends them.
  std::vector<std::string> Outbox() {
    std::vector<std::string> keys;
    for (const store::OutboxRow& row : TaskMessages()) keys.push_back(row.message.key);
    return keys;
  }

  uint64_t Release(const std::string& type) {
    return store::InTransaction(*session_, [&](soci::session& s) {
      return store::ReleaseDispatches(s, type, engine::WallClockNow() - store::kAgentLivenessMs);
    });
  }

  // Applies one message of workflow "wf" through the scheduler's handler,
  // in a transaction of its own, as SchedulerConsumer does.
  void Apply(const std::string& topic, const std::string& payload) {
    const InboundMessage message{topic, 0, offset_++, "wf", payload, {}, 0};
    soci::transaction tx(*session_);
    const SchedulerBatchResult result =
        handler_.Apply(*session_, {&message, 1}, engine::WallClockNow());
    tx.commit();
    EXPECT_TRUE(result.poison.empty());
  }

  testing::TestDatabase database_;
  std::unique_ptr<soci::session> session_ = database_.Connect();
  store::SessionPool pool_{database_.url(), 1};
  const Topics topics_{"t."};
  const SchedulerHandler handler_{topics_};
  int64_t offset_ = 0;
};

TEST_F(DispatchGateTest, ShouldReleaseTheMostUrgentDispatchesAsTheAgentsHaveRoom) {
  Heartbeat("agent-1", "t", 1);
  Heartbeat("agent-2", "t", 1);
  Queue("wf", {"t", "t", "t", "t", "t"}, {kLow, kNormal, kCritical, kMedium, kHigh});
  Queue("other", {"u"}, {kLow});  // another type: no agent states room, no limit

  EXPECT_EQ(Release("t"), 2u) << "two agents, one slot each";
  EXPECT_EQ(Outbox(), (std::vector<std::string>{"wf_2", "wf_4"})) << "critical, then high";
  EXPECT_EQ(Release("t"), 0u) << "both slots are taken until an attempt ends";

  store::EndDispatches(*session_, {{"wf_4", 1}});
  EXPECT_EQ(Release("t"), 1u) << "wf_4's end freed its slot";
  store::EndDispatches(*session_, {{"wf_1", 1}});  // cancelled while it waited
  store::EndDispatches(*session_, {{"wf_0", 7}});  // another attempt: changes nothing
  EXPECT_EQ(Release("t"), 0u) << "a dispatch that never left frees no slot";
  store::EndDispatches(*session_, {{"wf_2", 1}, {"wf_3", 1}});
  EXPECT_EQ(Release("t"), 1u) << "two slots free, one dispatch left";
  EXPECT_EQ(Outbox(), (std::vector<std::string>{"wf_2", "wf_4", "wf_3", "wf_0"}))
      << "critical, high, medium, then low; normal ended before it was released";

  EXPECT_EQ(Release("u"), 1u);
  EXPECT_EQ(store::WaitingDispatchTypes(*session_), std::vector<std::string>{});
}

TEST_F(DispatchGateTest, ShouldCountOnlyLiveAgentsThatStateTheirCapacity) {
  Queue("wf", {"t", "t", "t"}, {kNormal, kNormal, kNormal});
  Heartbeat("agent-silent", "t", 5, "healthy", store::kAgentLivenessMs + 1000);
  Heartbeat("agent-stopping", "t", 5, "stopping");
  Heartbeat("agent-1", "t", 1);
  EXPECT_EQ(Release("t"), 1u) << "a silent or stopping agent's room does not count";
  EXPECT_EQ(Outbox(), std::vector<std::string>{"wf_0"}) << "in dispatch order within a priority";

  Heartbeat("agent-unsaid", "t", 0);
  EXPECT_EQ(Release("t"), 2u) << "an agent that states no capacity lifts the limit";
}

TEST_F(DispatchGateTest, ShouldLetPrefetchMoreWaitInKafkaForEachAgent) {
  Heartbeat("agent-1", "t", 1);
  Heartbeat("agent-2", "t", 2);
  Queue("wf", {"t", "t", "t", "t", "t", "t", "t", "t"}, std::vector<int>(8, kNormal));
  const uint64_t released = store::InTransaction(*session_, [&](soci::session& s) {
    return store::ReleaseDispatches(s, "t", engine::WallClockNow() - store::kAgentLivenessMs, 2);
  });
  EXPECT_EQ(released, 7u) << "capacities 1 and 2, and 2 more for each agent";
}

TEST_F(DispatchGateTest, ShouldWaitAgainAtTheBackWhenATaskIsDispatchedAnew) {
  Heartbeat("agent-1", "t", 1);
  Queue("wf", {"t", "t"}, {kHigh, kHigh});
  EXPECT_EQ(Release("t"), 1u);
  // wf_0's attempt 1 failed and its retry is dispatched: its slot is free and
  // attempt 2 waits behind wf_1, dispatched earlier at the same priority.
  store::EnqueueDispatches(*session_, {{"wf_0", 2, "t", kHigh, {"tasks.t", "wf_0", "m2", {}}}});
  EXPECT_EQ(Release("t"), 1u);
  const auto rows = TaskMessages();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].message.key, "wf_1");
}

// The gate's lock: a second gate counting the room while the first has not
// committed its release would see the slot free and send a second task.
TEST_F(DispatchGateTest, ShouldNeverHandOneSlotToTwoGates) {
  Heartbeat("agent-1", "t", 1);
  Queue("wf", {"t", "t"}, {kNormal, kNormal});
  auto other = database_.Connect();
  const auto second_gate = [&] {
    return store::InTransaction(
        *other, [&](soci::session& s) { return store::ReleaseDispatches(s, "t", 0); });
  };
  {
    soci::transaction first(*session_);
    ASSERT_EQ(store::ReleaseDispatches(*session_, "t", 0), 1u);
    EXPECT_EQ(second_gate(), 0u) << "the first gate holds the type: the second skips it";
    first.commit();
  }
  EXPECT_EQ(second_gate(), 0u) << "the slot is taken";
  EXPECT_EQ(Outbox().size(), 1u);
}

// Agents of several types run them all on one capacity.
TEST_F(DispatchGateTest, ShouldCountAnAgentsCapacityOnceForAllTheTypesItServes) {
  store::AgentRecord agent;
  agent.id = "agent-1";
  agent.agent_types = {"t", "u"};
  agent.status = "healthy";
  agent.last_heartbeat_at = engine::WallClockNow();
  agent.capacity = 2;
  store::UpsertAgents(*session_, {agent});
  Queue("wf", {"t", "t", "u", "u"}, {kNormal, kNormal, kNormal, kNormal});
  EXPECT_EQ(Release("t"), 2u);
  EXPECT_EQ(Release("u"), 0u) << "the agent's two slots hold t's tasks";
  store::EndDispatches(*session_, {{"wf_0", 1}});
  EXPECT_EQ(Release("u"), 1u);
}

// A restart: the agent stopping, its successor not heard from yet.
TEST_F(DispatchGateTest, ShouldHoldTheBacklogWhileNoAgentOfTheTypeIsLive) {
  Heartbeat("agent-old", "t", 4, "stopping");
  Queue("wf", {"t", "t", "t"}, {kLow, kNormal, kCritical});
  EXPECT_EQ(Release("t"), 0u) << "the type's agents state a capacity: wait for one";
  Heartbeat("agent-new", "t", 1);
  EXPECT_EQ(Release("t"), 1u);
  EXPECT_EQ(Outbox(), std::vector<std::string>{"wf_2"}) << "the most urgent, not the oldest";
}

// A row that another writer left behind (a scheduler of an older version
// applied the task's end) holds no slot: only tasks still at that attempt
// and in flight count.
TEST_F(DispatchGateTest, ShouldNotCountARowWhoseTaskIsNoLongerInFlight) {
  Heartbeat("agent-1", "t", 1);
  Queue("wf", {"t", "t"}, {kHigh, kNormal});
  EXPECT_EQ(Release("t"), 1u);
  *session_ << "UPDATE tasks SET status = 'completed' WHERE id = 'wf_0'";
  EXPECT_EQ(Release("t"), 1u) << "wf_0 ended without its row being deleted";
}

// The scheduler's side, through SchedulerHandler: a start queues its first
// tasks' dispatches (not the outbox), a completion frees its slot.
TEST_F(DispatchGateTest, ShouldQueueDispatchesAndFreeTheSlotsOfAttemptsThatEnd) {
  const Topics& topics = topics_;
  const auto apply = [&](const std::string& topic, const std::string& payload) {
    Apply(topic, payload);
  };
  const auto parsed = engine::ParseWorkflowRequest(Json::parse(R"({"definition": {
    "id": "d", "name": "D", "pattern": "parallel", "steps": [
      {"id": "a", "name": "A", "agentType": "t", "priority": "critical"},
      {"id": "b", "name": "B", "agentType": "t"}]}})"));
  ASSERT_TRUE(parsed.ok());
  apply(topics.commands(),
        schemas::MakeStartCommand(parsed.request, "wf", {"wf_a", "wf_b"}, 1).SerializeAsString());
  EXPECT_TRUE(Outbox().empty()) << "no task message leaves without the gate";
  Heartbeat("agent-1", "t", 1);
  DispatchGate gate(pool_, nullptr);
  EXPECT_EQ(gate.RunOnce(engine::WallClockNow()), 1u);
  const auto released = TaskMessages();
  ASSERT_EQ(released.size(), 1u);
  EXPECT_EQ(released[0].message.topic, topics.tasks("t"));
  agentstudio::v1::TaskMessage task;
  ASSERT_TRUE(task.ParseFromString(released[0].message.payload));
  EXPECT_EQ(task.task_id(), "wf_a");
  EXPECT_EQ(task.priority(), "critical");
  EXPECT_EQ(gate.RunOnce(engine::WallClockNow()), 0u) << "wf_a holds the slot";

  agentstudio::v1::TaskEvent completed;
  completed.set_schema_version(schemas::kSchemaVersion);
  completed.set_event_id("e1");
  completed.set_workflow_id("wf");
  completed.set_task_id("wf_a");
  completed.set_attempt(1);
  completed.mutable_completion()->mutable_response()->set_success(true);
  apply(topics.task_events(), completed.SerializeAsString());
  EXPECT_EQ(gate.RunOnce(engine::WallClockNow()), 1u) << "wf_a's end freed its slot for wf_b";
  EXPECT_EQ(gate.released(), 2u);
}

// Other ends of an attempt: a retryable failure (the retry waits out its
// backoff, undispatched) frees the slot; a cancelled workflow's dispatches,
// waiting or released, leave the queue.
TEST_F(DispatchGateTest, ShouldFreeTheSlotOfAFailedAttemptAndDropACancelledWorkflowsDispatches) {
  const Topics& topics = topics_;
  const auto apply = [&](const std::string& topic, const std::string& payload) {
    Apply(topic, payload);
  };
  const auto queued = [&] {
    return testing::CountOf(*session_, "SELECT count(*) FROM dispatch_queue");
  };
  const auto parsed = engine::ParseWorkflowRequest(Json::parse(R"({"definition": {
    "id": "d", "name": "D", "pattern": "parallel", "steps": [
      {"id": "a", "name": "A", "agentType": "t", "priority": "critical"},
      {"id": "b", "name": "B", "agentType": "t"},
      {"id": "c", "name": "C", "agentType": "t", "priority": "low"}]}})"));
  ASSERT_TRUE(parsed.ok());
  apply(topics.commands(),
        schemas::MakeStartCommand(parsed.request, "wf", {"wf_a", "wf_b", "wf_c"}, 1)
            .SerializeAsString());
  Heartbeat("agent-1", "t", 1);
  DispatchGate gate(pool_, nullptr);
  ASSERT_EQ(gate.RunOnce(engine::WallClockNow()), 1u) << "wf_a";

  agentstudio::v1::TaskEvent failed;
  failed.set_schema_version(schemas::kSchemaVersion);
  failed.set_event_id("e1");
  failed.set_workflow_id("wf");
  failed.set_task_id("wf_a");
  failed.set_attempt(1);
  failed.mutable_error()->set_code("FLAKY");
  failed.mutable_error()->set_retryable(true);
  apply(topics.task_events(), failed.SerializeAsString());
  EXPECT_EQ(queued(), 2) << "wf_a waits for its retry's timer, out of the queue";
  EXPECT_EQ(gate.RunOnce(engine::WallClockNow()), 1u) << "wf_b took the freed slot";

  apply(
      topics.commands(),
      schemas::MakeControlCommand("wf", engine::Control::kCancel, "enough", 2).SerializeAsString());
  EXPECT_EQ(queued(), 0) << "wf_b (released) and wf_c (waiting) are gone";
  EXPECT_EQ(gate.RunOnce(engine::WallClockNow()), 0u);
  std::vector<std::string> sent;
  for (const store::OutboxRow& row : TaskMessages()) sent.push_back(row.message.key);
  EXPECT_EQ(sent, (std::vector<std::string>{"wf_a", "wf_b"})) << "wf_c never left";
}

}  // namespace
}  // namespace agentstudio::kafka
