#include "daemon/execution_views.hpp"

#include <gtest/gtest.h>

namespace agentstudio::daemon {
namespace {

using Json = nlohmann::json;
using engine::TaskStatus;

engine::TaskState Task(const std::string& id, TaskStatus status, engine::TimeMs started,
                       engine::TimeMs completed) {
  engine::TaskState task;
  task.id = id;
  task.step_id = "step-" + id;
  task.name = "Step " + id;
  task.agent_type = "noop";
  task.status = status;
  task.started_at = started;
  task.completed_at = completed;
  return task;
}

// Three steps, the first done in 4 s, the second running.
engine::WorkflowState Running() {
  engine::WorkflowState state;
  state.id = "wf_1";
  state.status = engine::WorkflowStatus::kRunning;
  state.started_at = 10000;
  state.tasks = {Task("1", TaskStatus::kCompleted, 10000, 14000),
                 Task("2", TaskStatus::kRunning, 14000, 0), Task("3", TaskStatus::kWaiting, 0, 0)};
  return state;
}

TEST(ExecutionStatusJson, ShouldEstimateWhatIsLeftFromTheStepsThatEnded) {
  const Json status = ExecutionStatusJson(Running(), 16000);
  EXPECT_EQ(status["progress"], Json({{"current_step", 2},
                                      {"total_steps", 3},
                                      {"percentage", 33.33},
                                      {"current_step_name", "Step 2"}}));
  EXPECT_DOUBLE_EQ(status["elapsed_time"].get<double>(), 6.0);
  EXPECT_DOUBLE_EQ(status["estimated_remaining"].get<double>(), 8.0) << "4 s for each of 2 steps";
}

TEST(ExecutionStatusJson, ShouldNotGuessBeforeAStepEnded) {
  engine::WorkflowState state = Running();
  state.tasks[0].status = TaskStatus::kRunning;
  state.tasks[0].completed_at = 0;
  const Json status = ExecutionStatusJson(state, 16000);
  EXPECT_EQ(status["progress"]["current_step"], 1);
  EXPECT_TRUE(status["estimated_remaining"].is_null());
}

TEST(ExecutionLogsJson, ShouldMakeALineOfEveryTransitionAndAgentLogButNotOfProgress) {
  engine::WorkflowState state = Running();
  std::vector<engine::ExecutionEvent> events = {
      {1, "WorkflowStarted", 10000, "Information", {{"workflowId", "wf_1"}}},
      {2, "TaskStarted", 10000, "Information", {{"taskId", "1"}, {"attempt", 1}}},
      {3, "TaskProgressUpdated", 11000, "Information", {{"taskId", "1"}, {"percentage", 50}}},
      {4,
       "TaskLog",
       12000,
       "Warning",
       {{"taskId", "1"}, {"attempt", 1}, {"level", "warning"}, {"message", "slow disk"}}},
      {5, "TaskFailed", 13000, "Error", {{"taskId", "2"}, {"error", "boom"}}}};
  const Json all = ExecutionLogsJson(state, events, {});
  ASSERT_EQ(all["logs"].size(), 4u) << all.dump();
  EXPECT_EQ(all["logs"][0]["message"], "Workflow started");
  EXPECT_TRUE(all["logs"][0]["step_id"].is_null());
  EXPECT_EQ(all["logs"][1]["message"], "Starting step: Step 1");
  EXPECT_EQ(all["logs"][1]["step_id"], "step-1");
  EXPECT_EQ(all["logs"][2],
            Json({{"timestamp", "1970-01-01T00:00:12.000Z"},
                  {"level", "warning"},
                  {"message", "slow disk"},
                  {"step_id", "step-1"},
                  {"metadata", {{"taskId", "1"}, {"attempt", 1}, {"event", "TaskLog"}}}}));
  EXPECT_EQ(all["logs"][3]["message"], "Step failed: Step 2: boom");
  EXPECT_EQ(all["logs"][3]["level"], "error");

  ExecutionLogQuery errors;
  errors.level = "error";
  EXPECT_EQ(ExecutionLogsJson(state, events, errors)["logs"].size(), 1u);
  ExecutionLogQuery window;
  window.from = 12000;
  window.to = 12000;
  EXPECT_EQ(ExecutionLogsJson(state, events, window)["logs"].size(), 1u) << "bounds included";
}

TEST(PendingExecutionOf, ShouldShowAnAcceptedExecutionPendingWithItsTasksWaiting) {
  const Json accepted = {
      {"id", "wf_2"},
      {"workflowDefinitionId", "review"},
      {"name", "Review"},
      {"initiatedBy", "user_1"},
      {"createdAt", "2025-10-07T11:00:00.000Z"},
      {"tasks",
       {{{"id", "t1"}, {"stepDefinitionId", "s1"}, {"name", "One"}, {"agentType", "noop"}}}}};
  const Json shown = ExecutionJson(PendingExecutionOf(accepted));
  EXPECT_EQ(shown["id"], "wf_2");
  EXPECT_EQ(shown["workflow_id"], "review");
  EXPECT_EQ(shown["status"], "pending");
  EXPECT_TRUE(shown["started_at"].is_null());
  EXPECT_EQ(shown["metadata"]["user_id"], "user_1");
  ASSERT_EQ(shown["steps"].size(), 1u);
  EXPECT_EQ(shown["steps"][0]["status"], "waiting");
  EXPECT_EQ(shown["steps"][0]["task_id"], "t1");
}

TEST(ParseExecutionListQuery, ShouldReadTheReferencesParametersAndRefuseOthers) {
  const auto parsed = ParseExecutionListQuery({{"workflow_id", "workflow-123"},
                                               {"status", "running"},
                                               {"from", "2025-10-07T00:00:00Z"},
                                               {"to", "2025-10-08T00:00:00Z"},
                                               {"page", "3"},
                                               {"pageSize", "10"}});
  ASSERT_TRUE(std::holds_alternative<ExecutionListQuery>(parsed));
  const store::ExecutionPageQuery& query = std::get<ExecutionListQuery>(parsed).query;
  EXPECT_EQ(query.definition_id, "workflow-123");
  EXPECT_EQ(query.status, "running");
  EXPECT_EQ(query.created_from, 1759795200000);
  EXPECT_EQ(query.created_to, 1759881600000);
  EXPECT_EQ(query.limit, 10);
  EXPECT_EQ(query.offset, 20);
  const auto refused = ParseExecutionListQuery({{"status", "done"}, {"sort", "x"}});
  ASSERT_TRUE(std::holds_alternative<engine::FieldErrors>(refused));
  EXPECT_EQ(std::get<engine::FieldErrors>(refused).size(), 2u);
}

}  // namespace
}  // namespace agentstudio::daemon
