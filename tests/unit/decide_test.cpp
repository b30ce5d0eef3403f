#include "engine/decide.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "engine/definition_parser.hpp"
#include "engine/planner.hpp"

namespace agentstudio::engine {
namespace {

constexpr TimeMs kT0 = 1'700'000'000'000;

WorkflowState Plan(const std::string& definition_json, int max_retries = 3) {
  Json body = {{"definition", Json::parse(definition_json)}};
  body["definition"]["maxRetries"] = max_retries;
  body["input"] = {{"data", {1, 2, 3}}};
  const ParsedWorkflowRequest parsed = ParseWorkflowRequest(body);
  EXPECT_TRUE(parsed.ok());
  std::vector<std::string> ids;
  for (const auto& step : parsed.request.definition.steps) ids.push_back("task_" + step.id);
  return PlanExecution("wf_1", parsed.request, ids, kT0);
}

const char* kSequential = R"({"id": "s", "name": "S", "pattern": "sequential", "steps": [
  {"id": "a", "name": "A", "agentType": "t"},
  {"id": "b", "name": "B", "agentType": "t"},
  {"id": "c", "name": "C", "agentType": "t"}]})";

// a -> (b, c) -> d
const char* kDiamond = R"({"id": "p", "name": "P", "pattern": "parallel", "steps": [
  {"id": "a", "name": "A", "agentType": "t"},
  {"id": "b", "name": "B", "agentType": "t", "dependsOn": ["a"]},
  {"id": "c", "name": "C", "agentType": "t", "dependsOn": ["a"]},
  {"id": "d", "name": "D", "agentType": "t", "dependsOn": ["b", "c"]}]})";

Json Result(int value) { return {{"success", true}, {"result", {{"value", value}}}}; }

// Applies and asserts the input applied.
WorkflowState Apply(const WorkflowState& state, const Input& input, Decision* out = nullptr) {
  Decision decision = Decide(state, input);
  EXPECT_EQ(decision.outcome, Outcome::kApplied);
  WorkflowState next = decision.state;
  if (out) *out = std::move(decision);
  return next;
}

TEST(PlanExecution, ShouldMakeTasksWithoutDependenciesPendingAndOthersWaiting) {
  const WorkflowState state = Plan(kDiamond);
  EXPECT_EQ(state.status, WorkflowStatus::kPending);
  EXPECT_EQ(state.tasks[0].status, TaskStatus::kPending);
  EXPECT_EQ(state.tasks[1].status, TaskStatus::kWaiting);
  EXPECT_EQ(state.tasks[3].depends_on, (std::vector<std::string>{"task_b", "task_c"}));
  EXPECT_EQ(state.tasks[0].max_retries, 3);
}

TEST(Decide, ShouldStartAndDispatchTheFirstStepOnly) {
  Decision d;
  const WorkflowState s = Apply(Plan(kSequential), StartInput{kT0 + 1}, &d);
  EXPECT_EQ(s.status, WorkflowStatus::kRunning);
  EXPECT_EQ(s.started_at, kT0 + 1);
  EXPECT_EQ(d.dispatch_task_ids, std::vector<std::string>{"task_a"});
  EXPECT_EQ(s.tasks[0].attempt, 1);
  ASSERT_EQ(d.events.size(), 1u);
  EXPECT_EQ(d.events[0].type, "WorkflowStarted");
  EXPECT_EQ(d.events[0].sequence, 1);
  EXPECT_EQ(s.tasks[0].request["input"]["data"], Json({1, 2, 3}));
}

TEST(Decide, ShouldIgnoreASecondStart) {
  const WorkflowState s = Apply(Plan(kSequential), StartInput{kT0});
  EXPECT_EQ(Decide(s, StartInput{kT0 + 5}).outcome, Outcome::kDuplicate);
}

TEST(Decide, ShouldRunSequentialStepsInOrderAndComplete) {
  WorkflowState s = Apply(Plan(kSequential), StartInput{kT0});
  Decision d;
  s = Apply(s, TaskProgressInput{"task_a", 1, 0, "accepted", kT0 + 1}, &d);
  EXPECT_EQ(s.tasks[0].status, TaskStatus::kRunning);
  EXPECT_EQ(d.events[0].type, "TaskStarted");
  s = Apply(s, TaskCompletedInput{"task_a", 1, Result(1), kT0 + 2}, &d);
  EXPECT_EQ(d.dispatch_task_ids, std::vector<std::string>{"task_b"});
  EXPECT_EQ(s.tasks[1].request["context"]["previousResults"]["a"]["value"], 1);
  EXPECT_DOUBLE_EQ(Progress(s), 33.33);
  ASSERT_EQ(d.checkpoints.size(), 1u);
  EXPECT_EQ(d.checkpoints[0].completed_task_id, "task_a");
  EXPECT_EQ(d.checkpoints[0].next_task_id, "task_b");
  s = Apply(s, TaskCompletedInput{"task_b", 1, Result(2), kT0 + 3});
  s = Apply(s, TaskCompletedInput{"task_c", 1, Result(3), kT0 + 4}, &d);
  EXPECT_EQ(s.status, WorkflowStatus::kCompleted);
  EXPECT_EQ(s.completed_at, kT0 + 4);
  EXPECT_EQ(d.events.back().type, "WorkflowCompleted");
  EXPECT_DOUBLE_EQ(Progress(s), 100);
  EXPECT_EQ(Results(s).size(), 3u);
  EXPECT_EQ(Results(s)["task_c"]["result"]["value"], 3);
}

TEST(Decide, ShouldFanOutAndFanInAParallelDag) {
  WorkflowState s = Apply(Plan(kDiamond), StartInput{kT0});
  Decision d;
  s = Apply(s, TaskCompletedInput{"task_a", 1, Result(1), kT0 + 1}, &d);
  EXPECT_EQ(d.dispatch_task_ids, (std::vector<std::string>{"task_b", "task_c"}));
  s = Apply(s, TaskCompletedInput{"task_c", 1, Result(3), kT0 + 2}, &d);
  EXPECT_TRUE(d.dispatch_task_ids.empty()) << "d waits for b as well";
  EXPECT_EQ(s.tasks[3].status, TaskStatus::kWaiting);
  s = Apply(s, TaskCompletedInput{"task_b", 1, Result(2), kT0 + 3}, &d);
  EXPECT_EQ(d.dispatch_task_ids, std::vector<std::string>{"task_d"});
  EXPECT_EQ(s.tasks[3].request["context"]["previousResults"]["b"]["value"], 2);
  EXPECT_EQ(s.tasks[3].request["context"]["previousResults"]["c"]["value"], 3);
  s = Apply(s, TaskCompletedInput{"task_d", 1, Result(4), kT0 + 4});
  EXPECT_EQ(s.status, WorkflowStatus::kCompleted);
}

TEST(Decide, ShouldDispatchEveryRootOfAParallelWorkflowAtStart) {
  Decision d;
  Apply(Plan(R"({"id": "p", "name": "P", "pattern": "parallel", "steps": [
    {"id": "a", "name": "A", "agentType": "t"}, {"id": "b", "name": "B", "agentType": "u"}]})"),
        StartInput{kT0}, &d);
  EXPECT_EQ(d.dispatch_task_ids, (std::vector<std::string>{"task_a", "task_b"}));
}

TEST(Decide, ShouldRetryARetryableErrorAfterItsBackoff) {
  WorkflowState s = Apply(Plan(kSequential), StartInput{kT0});
  Decision d;
  s = Apply(s, TaskFailedInput{"task_a", 1, "E", "flaky", true, kT0 + 1}, &d);
  EXPECT_EQ(s.tasks[0].retry_count, 1);
  EXPECT_EQ(s.tasks[0].status, TaskStatus::kPending);
  EXPECT_FALSE(s.tasks[0].dispatched);
  EXPECT_TRUE(d.dispatch_task_ids.empty()) << "not before the backoff";
  EXPECT_EQ(d.events.back().type, "TaskRetried");
  ASSERT_EQ(d.timers.size(), 1u);
  EXPECT_EQ(d.timers[0].kind, TimerKind::kRetry);
  EXPECT_EQ(d.timers[0].attempt, 1);
  EXPECT_EQ(d.timers[0].fire_at, kT0 + 1 + RetryDelay("task_a", 1).count());
  s = Apply(s, TimerFiredInput{TimerKind::kRetry, "task_a", 1, d.timers[0].fire_at}, &d);
  EXPECT_EQ(d.dispatch_task_ids, std::vector<std::string>{"task_a"});
  EXPECT_EQ(s.tasks[0].attempt, 2);
  EXPECT_EQ(Decide(s, TimerFiredInput{TimerKind::kRetry, "task_a", 1, kT0 + 9000}).outcome,
            Outcome::kStale)
      << "a timer fires once";
  s = Apply(s, TaskCompletedInput{"task_a", 2, Result(1), kT0 + 9001});
  EXPECT_EQ(s.tasks[0].status, TaskStatus::kCompleted);
  EXPECT_TRUE(s.tasks[0].error_message.empty());
}

TEST(RetryDelay, ShouldGrowExponentiallyWithBoundedJitter) {
  for (int retry = 1; retry <= 10; ++retry) {
    const int64_t base = std::min<int64_t>(1000LL << (retry - 1), 60000);
    const int64_t delay = RetryDelay("task_x", retry).count();
    EXPECT_GE(delay, base * 8 / 10) << retry;
    EXPECT_LE(delay, base * 12 / 10) << retry;
  }
  EXPECT_NE(RetryDelay("task_x", 3), RetryDelay("task_y", 3)) << "jitter spreads tasks apart";
  EXPECT_EQ(RetryDelay("task_x", 3), RetryDelay("task_x", 3));
}

// Fails the current attempt of `task` and fires its retry timer.
WorkflowState FailAndRetry(WorkflowState s, const std::string& task, TimeMs now) {
  const int attempt = s.FindTask(task)->attempt;
  Decision d;
  s = Apply(s, TaskFailedInput{task, attempt, "E", "flaky", true, now}, &d);
  if (d.timers.empty()) return s;
  return Apply(s, TimerFiredInput{TimerKind::kRetry, task, attempt, d.timers[0].fire_at});
}

TEST(Decide, ShouldFailTheWorkflowWhenRetriesAreExhaustedAndSkipTheRest) {
  WorkflowState s = Apply(Plan(kSequential, /*max_retries=*/1), StartInput{kT0});
  s = FailAndRetry(s, "task_a", kT0 + 1);
  Decision d;
  s = Apply(s, TaskFailedInput{"task_a", 2, "E", "still flaky", true, kT0 + 2}, &d);
  EXPECT_EQ(s.status, WorkflowStatus::kFailed);
  EXPECT_EQ(s.tasks[0].status, TaskStatus::kFailed);
  EXPECT_EQ(s.tasks[1].status, TaskStatus::kSkipped);
  EXPECT_EQ(s.tasks[2].status, TaskStatus::kSkipped);
  EXPECT_NE(s.error_message.find("still flaky"), std::string::npos);
  EXPECT_EQ(d.events.back().type, "WorkflowFailed");
  ASSERT_EQ(d.checkpoints.size(), 1u);
  EXPECT_EQ(d.checkpoints[0].type, "failure");
  EXPECT_TRUE(d.dispatch_task_ids.empty());
}

TEST(Decide, ShouldFailAtOnceOnANonRetryableError) {
  WorkflowState s = Apply(Plan(kSequential, 5), StartInput{kT0});
  s = Apply(s, TaskFailedInput{"task_a", 1, "BAD_INPUT", "no", false, kT0 + 1});
  EXPECT_EQ(s.status, WorkflowStatus::kFailed);
  EXPECT_EQ(s.tasks[0].retry_count, 0);
}

TEST(Decide, ShouldTreatACompletionWithoutSuccessAsAFailure) {
  WorkflowState s = Apply(Plan(kSequential, 5), StartInput{kT0});
  s = Apply(
      s, TaskCompletedInput{"task_a", 1, {{"success", false}, {"errorMessage", "nope"}}, kT0 + 1});
  EXPECT_EQ(s.status, WorkflowStatus::kFailed);
  EXPECT_EQ(s.tasks[0].error_message, "nope");
}

TEST(Decide, ShouldCancelRunningSiblingsWhenTheWorkflowFails) {
  WorkflowState s = Apply(Plan(kDiamond, 0), StartInput{kT0});
  s = Apply(s, TaskCompletedInput{"task_a", 1, Result(1), kT0 + 1});
  s = Apply(s, TaskProgressInput{"task_c", 1, 10, "", kT0 + 2});
  Decision d;
  s = Apply(s, TaskFailedInput{"task_b", 1, "E", "boom", true, kT0 + 3}, &d);
  EXPECT_EQ(d.cancel_task_ids, std::vector<std::string>{"task_c"});
  EXPECT_EQ(s.tasks[2].status, TaskStatus::kSkipped);
  EXPECT_EQ(s.tasks[3].status, TaskStatus::kSkipped);
  // The cancelled sibling's late completion changes nothing.
  EXPECT_EQ(Decide(s, TaskCompletedInput{"task_c", 1, Result(3), kT0 + 4}).outcome,
            Outcome::kStale);
}

TEST(Decide, ShouldIgnoreEventsOfAnOlderAttempt) {
  WorkflowState s = Apply(Plan(kSequential), StartInput{kT0});
  s = FailAndRetry(s, "task_a", kT0 + 1);
  const Decision late = Decide(s, TaskCompletedInput{"task_a", 1, Result(1), kT0 + 2});
  EXPECT_EQ(late.outcome, Outcome::kStale);
  EXPECT_TRUE(late.events.empty());
  EXPECT_EQ(late.state.tasks[0].status, TaskStatus::kPending);
}

TEST(Decide, ShouldIgnoreADuplicateCompletion) {
  WorkflowState s = Apply(Plan(kSequential), StartInput{kT0});
  s = Apply(s, TaskCompletedInput{"task_a", 1, Result(1), kT0 + 1});
  const Decision again = Decide(s, TaskCompletedInput{"task_a", 1, Result(99), kT0 + 2});
  EXPECT_EQ(again.outcome, Outcome::kDuplicate);
  EXPECT_TRUE(again.dispatch_task_ids.empty());
  EXPECT_EQ(again.state.tasks[0].response["result"]["value"], 1);
}

TEST(Decide, ShouldIgnoreEventsForTasksNotYetDispatched) {
  const WorkflowState s = Apply(Plan(kSequential), StartInput{kT0});
  EXPECT_EQ(Decide(s, TaskCompletedInput{"task_b", 0, Result(1), kT0 + 1}).outcome,
            Outcome::kStale);
}

TEST(Decide, ShouldReportUnknownTasks) {
  const WorkflowState s = Apply(Plan(kSequential), StartInput{kT0});
  EXPECT_EQ(Decide(s, TaskCompletedInput{"task_zz", 1, Result(1), kT0 + 1}).outcome,
            Outcome::kUnknownTask);
}

TEST(Decide, ShouldIgnoreEverythingAfterTheWorkflowEnded) {
  WorkflowState s = Apply(Plan(kSequential, 0), StartInput{kT0});
  s = Apply(s, TaskFailedInput{"task_a", 1, "E", "boom", true, kT0 + 1});
  EXPECT_EQ(Decide(s, TaskProgressInput{"task_a", 1, 50, "", kT0 + 2}).outcome, Outcome::kStale);
}

TEST(Decide, ShouldRecordProgressOnlyWhenItMovesForward) {
  WorkflowState s = Apply(Plan(kSequential), StartInput{kT0});
  s = Apply(s, TaskProgressInput{"task_a", 1, 40, "working", kT0 + 1});
  EXPECT_DOUBLE_EQ(s.tasks[0].progress, 40);
  EXPECT_EQ(Decide(s, TaskProgressInput{"task_a", 1, 30, "late", kT0 + 2}).outcome,
            Outcome::kDuplicate);
}

TEST(Decide, ShouldRecordAnAgentsLogLinesOfTheCurrentAttemptOnly) {
  WorkflowState s = Apply(Plan(kSequential), StartInput{kT0});
  Decision d;
  s = Apply(s, TaskLogInput{"task_a", 1, "warning", "source is slow", kT0 + 1}, &d);
  EXPECT_EQ(s.tasks[0].status, TaskStatus::kRunning) << "a log line says the agent started";
  ASSERT_EQ(d.events.size(), 2u);  // TaskStarted, TaskLog
  EXPECT_EQ(d.events[1].type, "TaskLog");
  EXPECT_EQ(d.events[1].severity, "Warning");
  EXPECT_EQ(d.events[1].data, Json({{"taskId", "task_a"},
                                    {"attempt", 1},
                                    {"level", "warning"},
                                    {"message", "source is slow"}}));
  s = Apply(s, TaskLogInput{"task_a", 1, "shouting", "odd level", kT0 + 2}, &d);
  EXPECT_EQ(d.events.at(0).data["level"], "info");
  EXPECT_EQ(d.events.at(0).severity, "Information");
  EXPECT_EQ(Decide(s, TaskLogInput{"task_a", 2, "info", "a future attempt", kT0 + 3}).outcome,
            Outcome::kStale);
  EXPECT_EQ(Decide(s, TaskLogInput{"task_zz", 1, "info", "nobody", kT0 + 3}).outcome,
            Outcome::kUnknownTask);
}

TEST(Decide, ShouldNumberEventsConsecutivelyAndBumpTheVersion) {
  WorkflowState s = Plan(kSequential);
  const int64_t version = s.version;
  Decision d;
  s = Apply(s, StartInput{kT0});
  s = Apply(s, TaskCompletedInput{"task_a", 1, Result(1), kT0 + 1}, &d);
  std::vector<int64_t> sequences;
  for (const auto& e : d.events) sequences.push_back(e.sequence);
  EXPECT_EQ(sequences, (std::vector<int64_t>{2, 3}));  // TaskStarted, TaskCompleted
  EXPECT_EQ(s.last_event_sequence, 3);
  EXPECT_EQ(s.version, version + 2);
}

}  // namespace
}  // namespace agentstudio::engine

namespace agentstudio::engine {
namespace {

TEST(DecideControls, ShouldCancelARunningWorkflowAndStopItsDispatchedTasks) {
  WorkflowState s = Apply(Plan(kDiamond), StartInput{kT0});
  s = Apply(s, TaskCompletedInput{"task_a", 1, Result(1), kT0 + 1});
  Decision d;
  s = Apply(s, CancelInput{"user asked", kT0 + 2}, &d);
  EXPECT_EQ(s.status, WorkflowStatus::kCancelled);
  EXPECT_EQ(s.completed_at, kT0 + 2);
  EXPECT_EQ(d.cancel_task_ids, (std::vector<std::string>{"task_b", "task_c"}));
  EXPECT_EQ(s.tasks[0].status, TaskStatus::kCompleted);
  for (int i = 1; i < 4; ++i) EXPECT_EQ(s.tasks[i].status, TaskStatus::kSkipped);
  EXPECT_EQ(d.events.back().type, "WorkflowCancelled");
  EXPECT_EQ(Decide(s, TaskCompletedInput{"task_b", 1, Result(2), kT0 + 3}).outcome,
            Outcome::kStale);
  EXPECT_EQ(Decide(s, CancelInput{"", kT0 + 4}).outcome, Outcome::kDuplicate);
}

TEST(DecideControls, ShouldRefuseControlsTheStatusDoesNotAllow) {
  WorkflowState s = Apply(Plan(kSequential), StartInput{kT0});
  for (const char* t : {"task_a", "task_b", "task_c"}) {
    s = Apply(s, TaskCompletedInput{t, 1, Result(1), kT0 + 1});
  }
  ASSERT_EQ(s.status, WorkflowStatus::kCompleted);
  EXPECT_EQ(Decide(s, CancelInput{"", kT0 + 2}).outcome, Outcome::kNotAllowed);
  EXPECT_EQ(Decide(s, PauseInput{kT0 + 2}).outcome, Outcome::kNotAllowed);
  EXPECT_EQ(Decide(s, ResumeInput{kT0 + 2}).outcome, Outcome::kNotAllowed);
  EXPECT_TRUE(IsAllowed(Control::kDelete, WorkflowStatus::kCompleted));
  EXPECT_FALSE(IsAllowed(Control::kDelete, WorkflowStatus::kRunning));
}

TEST(DecideControls, ShouldHoldBackDispatchWhilePausedAndSendOnResume) {
  WorkflowState s = Apply(Plan(kSequential), StartInput{kT0});
  Decision d;
  s = Apply(s, PauseInput{kT0 + 1}, &d);
  EXPECT_EQ(s.status, WorkflowStatus::kPaused);
  ASSERT_EQ(d.checkpoints.size(), 1u);
  EXPECT_EQ(d.checkpoints[0].type, "paused");
  EXPECT_EQ(Decide(s, PauseInput{kT0 + 2}).outcome, Outcome::kDuplicate);
  // The task in flight still completes, but its successor is not sent.
  s = Apply(s, TaskCompletedInput{"task_a", 1, Result(1), kT0 + 3}, &d);
  EXPECT_TRUE(d.dispatch_task_ids.empty());
  EXPECT_EQ(s.tasks[1].status, TaskStatus::kPending);
  EXPECT_FALSE(s.tasks[1].dispatched);
  EXPECT_EQ(s.tasks[1].attempt, 0);
  EXPECT_EQ(Decide(s, TaskCompletedInput{"task_b", 0, Result(2), kT0 + 4}).outcome,
            Outcome::kStale);
  s = Apply(s, ResumeInput{kT0 + 5}, &d);
  EXPECT_EQ(s.status, WorkflowStatus::kRunning);
  EXPECT_EQ(d.dispatch_task_ids, std::vector<std::string>{"task_b"});
  EXPECT_EQ(s.tasks[1].attempt, 1);
  EXPECT_EQ(d.events[0].type, "WorkflowResumed");
  s = Apply(s, TaskCompletedInput{"task_b", 1, Result(2), kT0 + 6});
  s = Apply(s, TaskCompletedInput{"task_c", 1, Result(3), kT0 + 7});
  EXPECT_EQ(s.status, WorkflowStatus::kCompleted);
}

TEST(DecideControls, ShouldResumeAFailedWorkflowRerunningOnlyWhatDidNotComplete) {
  WorkflowState s = Apply(Plan(kSequential, 0), StartInput{kT0});
  s = Apply(s, TaskCompletedInput{"task_a", 1, Result(1), kT0 + 1});
  s = Apply(s, TaskFailedInput{"task_b", 1, "E", "boom", true, kT0 + 2});
  ASSERT_EQ(s.status, WorkflowStatus::kFailed);
  Decision d;
  s = Apply(s, ResumeInput{kT0 + 3}, &d);
  EXPECT_EQ(s.status, WorkflowStatus::kRunning);
  EXPECT_TRUE(s.error_message.empty());
  EXPECT_EQ(s.completed_at, 0);
  EXPECT_EQ(d.dispatch_task_ids, std::vector<std::string>{"task_b"});
  EXPECT_EQ(s.tasks[0].status, TaskStatus::kCompleted) << "kept";
  EXPECT_EQ(s.tasks[1].attempt, 2) << "a new attempt: events of the failed one stay stale";
  EXPECT_EQ(s.tasks[2].status, TaskStatus::kWaiting);
  EXPECT_EQ(Decide(s, TaskCompletedInput{"task_b", 1, Result(9), kT0 + 4}).outcome,
            Outcome::kStale);
  s = Apply(s, TaskCompletedInput{"task_b", 2, Result(2), kT0 + 5});
  s = Apply(s, TaskCompletedInput{"task_c", 1, Result(3), kT0 + 6});
  EXPECT_EQ(s.status, WorkflowStatus::kCompleted);
  EXPECT_EQ(Results(s)["task_a"]["result"]["value"], 1);
}

}  // namespace
}  // namespace agentstudio::engine

namespace agentstudio::engine {
namespace {

const char* kTimed = R"({"id": "t", "name": "T", "pattern": "sequential", "timeout": "PT10M",
  "steps": [{"id": "a", "name": "A", "agentType": "t", "timeout": "PT30S"},
            {"id": "b", "name": "B", "agentType": "t"}]})";

TEST(DecideTimers, ShouldScheduleTheWorkflowAndStepTimeouts) {
  Decision d;
  Apply(Plan(kTimed), StartInput{kT0}, &d);
  ASSERT_EQ(d.timers.size(), 2u);
  EXPECT_EQ(d.timers[0].kind, TimerKind::kWorkflowTimeout);
  EXPECT_EQ(d.timers[0].fire_at, kT0 + 600000);
  EXPECT_EQ(d.timers[1].kind, TimerKind::kStepTimeout);
  EXPECT_EQ(d.timers[1].task_id, "task_a");
  EXPECT_EQ(d.timers[1].attempt, 1);
  EXPECT_EQ(d.timers[1].fire_at, kT0 + 30000);
}

TEST(DecideTimers, ShouldFailAnAttemptThatOutlivesItsStepTimeout) {
  WorkflowState s = Apply(Plan(kTimed, 0), StartInput{kT0});
  s = Apply(s, TaskProgressInput{"task_a", 1, 10, "", kT0 + 1});
  Decision d;
  s = Apply(s, TimerFiredInput{TimerKind::kStepTimeout, "task_a", 1, kT0 + 30000}, &d);
  EXPECT_EQ(s.status, WorkflowStatus::kFailed);
  EXPECT_EQ(s.tasks[0].status, TaskStatus::kFailed);
  EXPECT_NE(s.tasks[0].error_message.find("timed out"), std::string::npos);
  EXPECT_EQ(s.tasks[0].failure, FailureCause::kStepTimeout);
  EXPECT_EQ(s.tasks[1].failure, FailureCause::kSkipped);
  EXPECT_EQ(s.failure, FailureCause::kTaskFailed);
  EXPECT_EQ(d.cancel_task_ids, std::vector<std::string>{"task_a"});
}

// Answers depend on why something failed (504, 499, 408): a cause, not a
// message to match.
TEST(DecideTimers, ShouldRecordWhyATaskOrTheWorkflowStoppedShort) {
  WorkflowState timed_out = Apply(Plan(kTimed), StartInput{kT0});
  timed_out = Apply(timed_out, TimerFiredInput{TimerKind::kWorkflowTimeout, "", 0, kT0 + 600000});
  EXPECT_EQ(timed_out.failure, FailureCause::kWorkflowTimeout);

  WorkflowState cancelled = Apply(Plan(kTimed), StartInput{kT0});
  cancelled = Apply(cancelled, CancelTaskInput{"task_a", "", kT0 + 1});
  EXPECT_EQ(cancelled.tasks[0].failure, FailureCause::kCancelled);
  cancelled = Apply(cancelled, ResumeInput{kT0 + 2});
  EXPECT_EQ(cancelled.tasks[0].failure, FailureCause::kNone) << "resume re-runs it";
  EXPECT_EQ(cancelled.failure, FailureCause::kNone);
  cancelled = Apply(cancelled, CancelInput{"enough", kT0 + 3});
  EXPECT_EQ(cancelled.failure, FailureCause::kCancelled);

  WorkflowState failed = Apply(Plan(kTimed, 0), StartInput{kT0});
  failed = Apply(failed, TaskFailedInput{"task_a", 1, "BOOM", "boom", false, kT0 + 1});
  EXPECT_EQ(failed.tasks[0].failure, FailureCause::kAgentError);
  EXPECT_EQ(ParseFailureCause(ToString(FailureCause::kStepTimeout)), FailureCause::kStepTimeout);
  EXPECT_EQ(ParseTimerKind(ToString(TimerKind::kWorkflowTimeout)), TimerKind::kWorkflowTimeout);
}

TEST(DecideTimers, ShouldRetryATimedOutStepWhenRetriesRemain) {
  WorkflowState s = Apply(Plan(kTimed, 2), StartInput{kT0});
  Decision d;
  s = Apply(s, TimerFiredInput{TimerKind::kStepTimeout, "task_a", 1, kT0 + 30000}, &d);
  EXPECT_EQ(s.status, WorkflowStatus::kRunning);
  EXPECT_EQ(s.tasks[0].retry_count, 1);
  EXPECT_EQ(d.timers.back().kind, TimerKind::kRetry);
}

TEST(DecideTimers, ShouldIgnoreAStepTimeoutOfAFinishedAttempt) {
  WorkflowState s = Apply(Plan(kTimed), StartInput{kT0});
  s = Apply(s, TaskCompletedInput{"task_a", 1, Result(1), kT0 + 10});
  EXPECT_EQ(Decide(s, TimerFiredInput{TimerKind::kStepTimeout, "task_a", 1, kT0 + 30000}).outcome,
            Outcome::kStale);
}

TEST(DecideTimers, ShouldFailTheWorkflowWhenItTimesOut) {
  WorkflowState s = Apply(Plan(kTimed), StartInput{kT0});
  Decision d;
  s = Apply(s, TimerFiredInput{TimerKind::kWorkflowTimeout, "", 0, kT0 + 600000}, &d);
  EXPECT_EQ(s.status, WorkflowStatus::kFailed);
  EXPECT_EQ(s.error_message, "Workflow timed out after PT10M");
  EXPECT_EQ(d.cancel_task_ids, std::vector<std::string>{"task_a"});
  EXPECT_EQ(s.tasks[1].status, TaskStatus::kSkipped);
  EXPECT_EQ(Decide(s, TimerFiredInput{TimerKind::kWorkflowTimeout, "", 0, kT0 + 600001}).outcome,
            Outcome::kStale);
}

TEST(DecideTimers, ShouldKeepARetryDueWhilePausedForResume) {
  WorkflowState s = Apply(Plan(kSequential), StartInput{kT0});
  Decision d;
  s = Apply(s, TaskFailedInput{"task_a", 1, "E", "flaky", true, kT0 + 1}, &d);
  s = Apply(s, PauseInput{kT0 + 2});
  EXPECT_EQ(Decide(s, TimerFiredInput{TimerKind::kRetry, "task_a", 1, kT0 + 5000}).outcome,
            Outcome::kStale);
  s = Apply(s, ResumeInput{kT0 + 6000}, &d);
  EXPECT_EQ(d.dispatch_task_ids, std::vector<std::string>{"task_a"});
  EXPECT_EQ(s.tasks[0].attempt, 2);
}

}  // namespace
}  // namespace agentstudio::engine

namespace agentstudio::engine {
namespace {

// draft -> review, repeated.
const char* kIterative = R"({"id": "i", "name": "I", "pattern": "iterative", "maxIterations": 3,
  "steps": [{"id": "draft", "name": "Draft", "agentType": "t"},
            {"id": "review", "name": "Review", "agentType": "t"}]})";

const char* kDynamic = R"({"id": "d", "name": "D", "pattern": "dynamic", "maxSteps": 3,
  "steps": [{"id": "triage", "name": "Triage", "agentType": "t"}]})";

Json Done(bool done) { return {{"success", true}, {"result", {{"done", done}}}}; }

Json HandOff(const std::string& agent_type) {
  return {{"success", true},
          {"result", {{"routed", true}}},
          {"handoff",
           {{"agentType", agent_type},
            {"task", "Write the report"},
            {"input", {{"topic", "q3"}}},
            {"reason", "needs a writer"}}}};
}

// Completes every task of `s` that was dispatched and is not finished yet,
// answering `response` for the tasks of `step_id` (every task when empty) and
// Result(0) for the others.
WorkflowState CompleteDispatched(WorkflowState s, const std::string& step_id, const Json& response,
                                 TimeMs now, Decision* last = nullptr) {
  for (size_t i = 0; i < s.tasks.size(); ++i) {
    const TaskState task = s.tasks[i];
    if (!task.dispatched || IsTerminal(task.status)) continue;
    s = Apply(
        s,
        TaskCompletedInput{task.id, task.attempt,
                           step_id.empty() || task.step_id == step_id ? response : Result(0), now},
        last);
  }
  return s;
}

TEST(DecideIterative, ShouldRunTheStepListAgainUntilTheLastStepSaysDone) {
  Decision d;
  WorkflowState s = Apply(Plan(kIterative), StartInput{kT0});
  s = Apply(s, TaskCompletedInput{"task_draft", 1, Result(1), kT0 + 1});
  s = Apply(s, TaskCompletedInput{"task_review", 1, Done(false), kT0 + 2}, &d);
  // A second iteration: two new tasks, the first one dispatched after the review.
  ASSERT_EQ(s.tasks.size(), 4u);
  EXPECT_EQ(s.status, WorkflowStatus::kRunning);
  EXPECT_EQ(s.tasks[2].step_id, "draft");
  EXPECT_EQ(s.tasks[2].iteration, 2);
  EXPECT_EQ(s.tasks[2].depends_on, std::vector<std::string>{"task_review"});
  EXPECT_EQ(s.tasks[3].depends_on, std::vector<std::string>{s.tasks[2].id});
  EXPECT_EQ(d.dispatch_task_ids, std::vector<std::string>{s.tasks[2].id});
  EXPECT_EQ(s.context_state["iteration"], 2);
  EXPECT_TRUE(std::any_of(d.events.begin(), d.events.end(),
                          [](const auto& e) { return e.type == "IterationStarted"; }));
  // The new draft sees the earlier iteration's results.
  const Json& context = s.tasks[2].request["context"];
  EXPECT_EQ(context["iteration"], 2);
  EXPECT_EQ(context["previousResults"]["review"], Json({{"done", false}}));
  EXPECT_EQ(context["previousIterations"][0]["results"]["draft"], Json({{"value", 1}}));

  s = Apply(s, TaskCompletedInput{s.tasks[2].id, 1, Result(2), kT0 + 3});
  s = Apply(s, TaskCompletedInput{s.tasks[3].id, 1, Done(true), kT0 + 4}, &d);
  EXPECT_EQ(s.status, WorkflowStatus::kCompleted);
  EXPECT_EQ(s.tasks.size(), 4u);
  EXPECT_EQ(d.events.back().type, "WorkflowCompleted");
  EXPECT_EQ(d.events.back().data["iterations"], 2);
  EXPECT_EQ(Progress(s), 100);
}

// A request carries the iteration before it, not all of them: with results of
// 50 KB, the tenth iteration's request is as big as the second's (carrying
// every earlier iteration it was five times bigger, and passed Kafka's 1 MB
// after about twenty).
TEST(DecideIterative, ShouldNotGrowRequestsWithTheIterationCount) {
  Json body = {{"definition", Json::parse(kIterative)}};
  body["definition"]["maxIterations"] = 10;
  const ParsedWorkflowRequest parsed = ParseWorkflowRequest(body);
  ASSERT_TRUE(parsed.ok());
  WorkflowState s = Apply(PlanExecution("wf_1", parsed.request, {"task_draft", "task_review"}, kT0),
                          StartInput{kT0});
  const Json big = {{"success", true}, {"result", {{"text", std::string(50000, 'x')}}}};
  std::map<int, size_t> draft_request_bytes;  // iteration -> bytes
  for (int i = 1; i <= 10; ++i) {
    for (const TaskState& task : s.tasks) {
      if (task.step_id == "draft" && task.iteration == i) {
        draft_request_bytes[i] = task.request.dump().size();
        if (i == 10) {
          EXPECT_EQ(task.request["context"]["previousIterations"].size(), 1u);
          EXPECT_EQ(task.request["context"]["previousIterations"][0]["iteration"], 9);
          EXPECT_EQ(task.request["context"]["iterationsOmitted"], 8);
        }
      }
    }
    s = CompleteDispatched(s, "", big, kT0 + 2 * i);      // the draft
    s = CompleteDispatched(s, "", big, kT0 + 2 * i + 1);  // the review, not done
  }
  EXPECT_EQ(s.status, WorkflowStatus::kCompleted);
  ASSERT_EQ(draft_request_bytes.size(), 10u);
  EXPECT_LT(draft_request_bytes[10], draft_request_bytes[2] * 11 / 10)
      << draft_request_bytes[2] << " bytes at the second iteration";
}

TEST(DecideIterative, ShouldStopAtMaxIterationsWithAWarning) {
  Decision d;
  WorkflowState s = Apply(Plan(kIterative), StartInput{kT0});
  for (int i = 1; i <= 3; ++i) s = CompleteDispatched(s, "review", Done(false), kT0 + i, &d);
  EXPECT_EQ(s.status, WorkflowStatus::kCompleted);
  EXPECT_EQ(s.tasks.size(), 6u);
  EXPECT_EQ(s.tasks.back().iteration, 3);
  EXPECT_TRUE(std::any_of(d.events.begin(), d.events.end(), [](const auto& e) {
    return e.type == "IterationLimitReached" && e.severity == "Warning";
  }));
}

TEST(DecideIterative, ShouldDeriveTheSameTaskIdsWhenReplayed) {
  WorkflowState s = Apply(Plan(kIterative), StartInput{kT0});
  s = Apply(s, TaskCompletedInput{"task_draft", 1, Result(1), kT0 + 1});
  const Decision once = Decide(s, TaskCompletedInput{"task_review", 1, Done(false), kT0 + 2});
  const Decision twice = Decide(s, TaskCompletedInput{"task_review", 1, Done(false), kT0 + 2});
  ASSERT_EQ(once.state.tasks.size(), 4u);
  EXPECT_EQ(once.state.tasks[2].id, twice.state.tasks[2].id);
  EXPECT_NE(once.state.tasks[2].id, once.state.tasks[3].id);
}

TEST(DecideDynamic, ShouldAddAStepForAHandoffThatDependsOnTheHandingOffTask) {
  Decision d;
  WorkflowState s = Apply(Plan(kDynamic), StartInput{kT0});
  s = Apply(s, TaskCompletedInput{"task_triage", 1, HandOff("report-generator"), kT0 + 1}, &d);
  ASSERT_EQ(s.tasks.size(), 2u);
  ASSERT_EQ(s.definition.steps.size(), 2u);
  EXPECT_EQ(s.status, WorkflowStatus::kRunning);
  const TaskState& added = s.tasks[1];
  EXPECT_EQ(added.agent_type, "report-generator");
  EXPECT_EQ(added.name, "Write the report");
  EXPECT_EQ(added.depends_on, std::vector<std::string>{"task_triage"});
  EXPECT_EQ(d.dispatch_task_ids, std::vector<std::string>{added.id});
  EXPECT_EQ(added.request["input"], Json({{"topic", "q3"}}));
  EXPECT_EQ(added.request["context"]["handoff"]["reason"], "needs a writer");
  EXPECT_EQ(added.request["context"]["previousResults"]["triage"], Json({{"routed", true}}));
  EXPECT_EQ(s.definition.steps[1].depends_on, std::vector<std::string>{"triage"});

  s = Apply(s, TaskCompletedInput{added.id, 1, Result(5), kT0 + 2}, &d);
  EXPECT_EQ(s.status, WorkflowStatus::kCompleted);
}

TEST(DecideDynamic, ShouldGiveAHandedOnStepThePriorityOfTheStepThatHandsItOn) {
  const char* urgent = R"({"id": "d", "name": "D", "pattern": "dynamic",
    "steps": [{"id": "triage", "name": "Triage", "agentType": "t", "priority": "critical"}]})";
  WorkflowState s = Apply(Plan(urgent), StartInput{kT0});
  s = Apply(s, TaskCompletedInput{"task_triage", 1, HandOff("report-generator"), kT0 + 1});
  ASSERT_EQ(s.definition.steps.size(), 2u);
  EXPECT_EQ(s.definition.steps[1].priority, Priority::kCritical);
}

TEST(DecideDynamic, ShouldRejectHandoffsBeyondMaxStepsAndFinish) {
  Decision d;
  WorkflowState s = Apply(Plan(kDynamic), StartInput{kT0});
  for (int i = 1; i <= 3; ++i) s = CompleteDispatched(s, "", HandOff("t"), kT0 + i, &d);
  // maxSteps 3: the triage plus two handoffs; the third handoff is refused.
  EXPECT_EQ(s.status, WorkflowStatus::kCompleted);
  EXPECT_EQ(s.tasks.size(), 3u);
  EXPECT_TRUE(std::any_of(d.events.begin(), d.events.end(), [](const auto& e) {
    return e.type == "HandoffRejected" && e.data["error"] == "maxSteps (3) reached";
  }));
}

TEST(DecideDynamic, ShouldRejectAHandoffToAnInvalidAgentType) {
  Decision d;
  WorkflowState s = Apply(Plan(kDynamic), StartInput{kT0});
  s = Apply(s, TaskCompletedInput{"task_triage", 1, HandOff("no/slashes"), kT0 + 1}, &d);
  EXPECT_EQ(s.tasks.size(), 1u);
  EXPECT_EQ(s.status, WorkflowStatus::kCompleted);
}

TEST(DecideDynamic, ShouldIgnoreHandoffsInOtherPatterns) {
  WorkflowState s = Apply(Plan(kSequential), StartInput{kT0});
  s = Apply(s, TaskCompletedInput{"task_a", 1, HandOff("t"), kT0 + 1});
  EXPECT_EQ(s.tasks.size(), 3u);
  EXPECT_EQ(s.tasks[0].response["handoff"]["agentType"], "t");
}

TEST(DecideControls, ShouldCancelOneTaskAndFailItsWorkflow) {
  Decision d;
  WorkflowState s = Apply(Plan(kDiamond), StartInput{kT0});
  s = Apply(s, TaskCompletedInput{"task_a", 1, Result(1), kT0 + 1});
  s = Apply(s, CancelTaskInput{"task_b", "no longer needed", kT0 + 2}, &d);
  EXPECT_EQ(s.status, WorkflowStatus::kFailed);
  EXPECT_EQ(s.FindTask("task_b")->status, TaskStatus::kFailed);
  EXPECT_EQ(s.FindTask("task_b")->error_message, "Cancelled: no longer needed");
  EXPECT_EQ(s.FindTask("task_c")->status, TaskStatus::kSkipped);
  // Both dispatched tasks are told to stop.
  EXPECT_EQ(d.cancel_task_ids, (std::vector<std::string>{"task_b", "task_c"}));
  EXPECT_EQ(d.events.front().type, "TaskCancelled");
  // A cancelled task can be re-run by resuming the failed workflow.
  s = Apply(s, ResumeInput{kT0 + 3}, &d);
  EXPECT_EQ(s.FindTask("task_b")->status, TaskStatus::kPending);
}

TEST(DecideControls, ShouldRefuseToCancelAFinishedOrUnknownTask) {
  WorkflowState s = Apply(Plan(kDiamond), StartInput{kT0});
  s = Apply(s, TaskCompletedInput{"task_a", 1, Result(1), kT0 + 1});
  EXPECT_EQ(Decide(s, CancelTaskInput{"task_a", "", kT0 + 2}).outcome, Outcome::kNotAllowed);
  EXPECT_EQ(Decide(s, CancelTaskInput{"task_zz", "", kT0 + 2}).outcome, Outcome::kUnknownTask);
}

TEST(BuildAgentRequest, ShouldUseTheStepInputAndMergeTheStepContext) {
  const WorkflowState planned = Plan(R"({"id": "x", "name": "X", "pattern": "sequential",
    "steps": [{"id": "a", "name": "Analyze", "agentType": "t", "input": {"reviews": ["ok"]},
               "context": {"language": "en", "stepId": "ignored"}}]})");
  const WorkflowState s = Apply(planned, StartInput{kT0});
  const Json& request = s.tasks[0].request;
  EXPECT_EQ(request["input"], Json({{"reviews", {"ok"}}}));
  EXPECT_EQ(request["context"]["language"], "en");
  EXPECT_EQ(request["context"]["stepId"], "a");  // the engine's keys win
  EXPECT_EQ(request["task"], "Analyze");
}

// The store writes a task's row only when a column other than request and
// response changed (store::StoredExecution), which holds because the engine
// sets a request only with a new attempt and a response only with a new
// status. Random inputs on every pattern, each compared with the state before.
TEST(DecideInvariants, ShouldChangeARequestOnlyWithItsAttemptAndAResponseOnlyWithItsStatus) {
  std::mt19937 random(7);
  const auto pick = [&](size_t n) {
    return std::uniform_int_distribution<size_t>(0, n - 1)(random);
  };
  const std::vector<const char*> definitions = {kSequential, kDiamond, kTimed, kIterative,
                                                kDynamic};
  int applied = 0;
  for (int run = 0; run < 1000; ++run) {
    WorkflowState s = Decide(Plan(definitions[run % definitions.size()], 1), StartInput{kT0}).state;
    for (int step = 0; step < 40 && !IsTerminal(s.status); ++step) {
      // Mostly a task that was sent, whose events apply.
      std::vector<const TaskState*> sent;
      for (const TaskState& t : s.tasks) {
        if (t.dispatched && !IsTerminal(t.status)) sent.push_back(&t);
      }
      const TaskState& task =
          !sent.empty() && pick(4) != 0 ? *sent[pick(sent.size())] : s.tasks[pick(s.tasks.size())];
      const int attempt = std::max(task.attempt, 1) - static_cast<int>(pick(4) == 0);
      const TimeMs now = kT0 + 1000 * (step + 1);
      Input input;
      switch (pick(8)) {
        case 0:
          input = TaskProgressInput{task.id, attempt, 50, "half", now};
          break;
        case 1:
          input = TaskFailedInput{task.id, attempt, "E", "boom", pick(2) == 0, now};
          break;
        case 2:
          input = CancelTaskInput{task.id, "stop", now};
          break;
        case 3:
          input = PauseInput{now};
          break;
        case 4:
          input = ResumeInput{now};
          break;
        case 5:
          input = TimerFiredInput{TimerKind::kRetry, task.id, attempt, now};
          break;
        case 6:
          input = TimerFiredInput{TimerKind::kStepTimeout, task.id, attempt, now};
          break;
        default:
          input = TaskCompletedInput{
              task.id, attempt, pick(3) == 0 ? HandOff("report-generator") : Done(pick(2) == 0),
              now};
      }
      Decision decision = Decide(s, input);
      if (decision.outcome != Outcome::kApplied) continue;
      ++applied;
      for (size_t i = 0; i < s.tasks.size(); ++i) {
        const TaskState& before = s.tasks[i];
        const TaskState& after = decision.state.tasks.at(i);
        ASSERT_EQ(before.id, after.id) << "tasks keep their positions";
        if (before.request != after.request) {
          EXPECT_NE(before.attempt, after.attempt) << "run " << run << ", task " << before.id;
        }
        if (before.response != after.response) {
          EXPECT_NE(before.status, after.status) << "run " << run << ", task " << before.id;
        }
      }
      s = std::move(decision.state);
    }
    // A failed workflow may be resumed: one more round from there.
    if (s.status == WorkflowStatus::kFailed) {
      const Decision resumed = Decide(s, ResumeInput{kT0 + 100000});
      for (size_t i = 0; i < s.tasks.size(); ++i) {
        if (s.tasks[i].request != resumed.state.tasks[i].request) {
          EXPECT_NE(s.tasks[i].attempt, resumed.state.tasks[i].attempt);
        }
        if (s.tasks[i].response != resumed.state.tasks[i].response) {
          EXPECT_NE(s.tasks[i].status, resumed.state.tasks[i].status);
        }
      }
    }
  }
  EXPECT_GT(applied, 2000) << "enough inputs must apply to test anything";
}

}  // namespace
}  // namespace agentstudio::engine
