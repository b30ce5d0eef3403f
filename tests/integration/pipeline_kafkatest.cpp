// Scheduler, relay and agent roles on the real Kafka broker and a real
// PostgreSQL: commands in, workflows to the end.
#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "agentstudio/v1/agent_heartbeat.pb.h"
#include "agentstudio/v1/task_event.pb.h"
#include "consumers/batch_consumer.hpp"
#include "consumers/dead_letter_publisher.hpp"
#include "engine/definition_parser.hpp"
#include "engine/timestamp.hpp"
#include "producers/command_producer.hpp"
#include "schemas/agent_codec.hpp"
#include "schemas/command_codec.hpp"
#include "schemas/ids.hpp"
#include "schemas/struct_json.hpp"
#include "sql/workflow_store.hpp"
#include "tests/support/reference_examples.hpp"
#include "tests/support/stack.hpp"
#include "tests/support/wait.hpp"
#include "tests/support/workflow_invariants.hpp"

namespace agentstudio {
namespace {

using Json = nlohmann::json;
using daemon::Role;

// A foreign producer may send more than ours do: the tests play one.
kafka::ConfigMap LargeMessages(kafka::ConfigMap properties) {
  properties["message.max.bytes"] = "4000000";
  return properties;
}

class PipelineTest : public ::testing::Test {
 protected:
  PipelineTest()
      : stack_({Role::kScheduler, Role::kRelay, Role::kAgent}),
        producer_(LargeMessages(kafka::BaseProperties(stack_.bootstrap(), "test")),
                  std::chrono::seconds(10)),
        commands_(producer_, stack_.topics()) {}

  // Produces a StartWorkflow for `body` (REST shape); returns the workflow id.
  std::string Submit(const Json& body, agentstudio::v1::WorkflowCommand* sent = nullptr) {
    const auto parsed = engine::ParseWorkflowRequest(body);
    EXPECT_TRUE(parsed.ok());
    const std::string id = schemas::NewWorkflowId();
    std::vector<std::string> task_ids;
    for (size_t i = 0; i < parsed.request.definition.steps.size(); ++i)
      task_ids.push_back(schemas::NewTaskId());
    const auto command = schemas::MakeStartCommand(parsed.request, id, task_ids, 1);
    EXPECT_TRUE(commands_.SubmitAndWait(command).ok);
    if (sent) *sent = command;
    return id;
  }

  void ProduceRaw(const std::string& topic, const std::string& key, const std::string& payload) {
    ASSERT_TRUE(producer_.SendAndWait(topic, key, payload, {}).ok);
  }

  std::vector<engine::ExecutionEvent> Events(const std::string& id) {
    auto session = stack_.database().Connect();
    return store::LoadEvents(*session, id);
  }

  static size_t Count(const std::vector<engine::ExecutionEvent>& events, const std::string& type) {
    return std::count_if(events.begin(), events.end(),
                         [&](const auto& e) { return e.type == type; });
  }

  testing::InProcessStack stack_;
  kafka::MessageProducer producer_;
  kafka::WorkflowCommandProducer commands_;
};

TEST_F(PipelineTest, ShouldRunTheCustomerFeedbackAnalysisToCompletion) {
  const std::string id = Submit(Json::parse(testing::kCustomerFeedbackAnalysis));
  const engine::WorkflowState state = stack_.WaitForEnd(id);
  ASSERT_EQ(state.status, engine::WorkflowStatus::kCompleted) << state.error_message;
  ASSERT_EQ(state.tasks.size(), 3u);
  for (const auto& task : state.tasks) {
    EXPECT_EQ(task.status, engine::TaskStatus::kCompleted) << task.id;
    EXPECT_EQ(task.attempt, 1);
    EXPECT_TRUE(task.response["success"].get<bool>());
  }
  EXPECT_EQ(state.tasks[0].response["result"]["recordsCollected"], 1000);
  EXPECT_EQ(state.tasks[1].response["result"]["sentiments"].size(), 25u);
  EXPECT_FALSE(state.tasks[2].response["result"]["summary"].get<std::string>().empty());
  const auto events = Events(id);
  EXPECT_EQ(events.front().type, "WorkflowStarted");
  EXPECT_EQ(events.back().type, "WorkflowCompleted");
  EXPECT_EQ(Count(events, "TaskCompleted"), 3u);
  for (size_t i = 0; i < events.size(); ++i)
    EXPECT_EQ(events[i].sequence, static_cast<int64_t>(i + 1));
}

TEST_F(PipelineTest, ShouldFanOutAndFanInAParallelWorkflow) {
  const std::string id =
      Submit(Json::parse(R"({"definition": {"id": "fan", "name": "Fan", "pattern": "parallel",
    "steps": [{"id": "data", "name": "Data", "agentType": "data-collector", "configuration": {"limit": 5}},
              {"id": "stats", "name": "Stats", "agentType": "data-analyzer", "dependsOn": ["data"]},
              {"id": "mood", "name": "Mood", "agentType": "sentiment-analyzer", "dependsOn": ["data"]},
              {"id": "report", "name": "Report", "agentType": "report-generator", "dependsOn": ["stats", "mood"]}]},
    "input": {"data": [2, 4, 4, 4, 5, 5, 7, 9]}})"));
  const engine::WorkflowState state = stack_.WaitForEnd(id);
  ASSERT_EQ(state.status, engine::WorkflowStatus::kCompleted) << state.error_message;
  EXPECT_EQ(state.tasks[1].response["result"]["stdDev"], 2);
  const Json previous = state.tasks[3].request["context"]["previousResults"];
  EXPECT_TRUE(previous.contains("stats") && previous.contains("mood")) << previous.dump();
  // The report started only after both branches completed.
  EXPECT_GE(state.tasks[3].started_at,
            std::max(state.tasks[1].completed_at, state.tasks[2].completed_at));
}

TEST_F(PipelineTest, ShouldRepeatAnIterativeWorkflowUntilTheLastStepSaysDone) {
  // The review never says done, so maxIterations (2) ends the loop.
  const std::string id = Submit(Json::parse(R"({"definition": {"id": "loop", "name": "Loop",
    "pattern": "iterative", "maxIterations": 2,
    "steps": [{"id": "draft", "name": "Draft", "agentType": "test-runner"},
              {"id": "review", "name": "Review", "agentType": "test-runner",
               "configuration": {"result": {"done": false}}}]}})"));
  const engine::WorkflowState state = stack_.WaitForEnd(id);
  ASSERT_EQ(state.status, engine::WorkflowStatus::kCompleted) << state.error_message;
  ASSERT_EQ(state.tasks.size(), 4u);
  EXPECT_EQ(state.tasks[3].iteration, 2);
  EXPECT_EQ(state.tasks[2].request["context"]["previousIterations"][0]["results"]["review"]["done"],
            false);
  const auto events = Events(id);
  EXPECT_EQ(Count(events, "IterationStarted"), 1u);
  EXPECT_EQ(Count(events, "IterationLimitReached"), 1u);
}

TEST_F(PipelineTest, ShouldStopIteratingWhenTheLastStepSaysDone) {
  const std::string id = Submit(Json::parse(R"({"definition": {"id": "loop", "name": "Loop",
    "pattern": "iterative",
    "steps": [{"id": "draft", "name": "Draft", "agentType": "test-runner"},
              {"id": "review", "name": "Review", "agentType": "test-runner",
               "configuration": {"result": {"done": true}}}]}})"));
  const engine::WorkflowState state = stack_.WaitForEnd(id);
  ASSERT_EQ(state.status, engine::WorkflowStatus::kCompleted) << state.error_message;
  EXPECT_EQ(state.tasks.size(), 2u);
  EXPECT_EQ(Count(Events(id), "IterationsConverged"), 1u);
}

TEST_F(PipelineTest, ShouldAddTheStepAnAgentHandsOffToInADynamicWorkflow) {
  const std::string id = Submit(Json::parse(R"({"definition": {"id": "route", "name": "Route",
    "pattern": "dynamic",
    "steps": [{"id": "triage", "name": "Triage", "agentType": "data-collector",
               "configuration": {"limit": 3, "handoff": {"agentType": "sentiment-analyzer",
                 "task": "Score the feedback", "input": {"reviews": ["great", "awful"]},
                 "reason": "the feedback needs scoring"}}}]}})"));
  const engine::WorkflowState state = stack_.WaitForEnd(id);
  ASSERT_EQ(state.status, engine::WorkflowStatus::kCompleted) << state.error_message;
  ASSERT_EQ(state.tasks.size(), 2u);
  const engine::TaskState& added = state.tasks[1];
  EXPECT_EQ(added.agent_type, "sentiment-analyzer");
  EXPECT_EQ(added.name, "Score the feedback");
  EXPECT_EQ(added.depends_on, std::vector<std::string>{state.tasks[0].id});
  EXPECT_EQ(added.response["result"]["sentiments"].size(), 2u);
  EXPECT_EQ(added.request["context"]["handoff"]["reason"], "the feedback needs scoring");
  ASSERT_EQ(state.definition.steps.size(), 2u) << "the stored definition grew";
  EXPECT_EQ(Count(Events(id), "TaskHandoff"), 1u);
}

TEST_F(PipelineTest, ShouldRetryAFlakyStepUntilItSucceeds) {
  const std::string id = Submit(Json::parse(R"({"definition": {"id": "flaky", "name": "Flaky",
    "pattern": "sequential", "maxRetries": 3,
    "steps": [{"id": "a", "name": "A", "agentType": "test-runner", "configuration": {"failTimes": 2}}]}})"));
  const engine::WorkflowState state = stack_.WaitForEnd(id);
  ASSERT_EQ(state.status, engine::WorkflowStatus::kCompleted) << state.error_message;
  EXPECT_EQ(state.tasks[0].attempt, 3);
  EXPECT_EQ(state.tasks[0].retry_count, 2);
  const auto events = Events(id);
  EXPECT_EQ(Count(events, "TaskRetried"), 2u);
  // Each next attempt started only after the backoff its TaskRetried announced.
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i].type != "TaskRetried") continue;
    const auto next = std::find_if(events.begin() + i, events.end(),
                                   [](const auto& e) { return e.type == "TaskStarted"; });
    ASSERT_NE(next, events.end());
    EXPECT_GE(next->timestamp - events[i].timestamp, events[i].data["retryInMs"].get<int64_t>());
    EXPECT_GE(events[i].data["retryInMs"].get<int64_t>(), 800);
  }
}

TEST_F(PipelineTest, ShouldFailTheWorkflowAndSkipTheRestWhenRetriesRunOut) {
  const std::string id = Submit(Json::parse(R"({"definition": {"id": "doomed", "name": "Doomed",
    "pattern": "sequential", "maxRetries": 1,
    "steps": [{"id": "a", "name": "A", "agentType": "test-runner", "configuration": {"failTimes": 5}},
              {"id": "b", "name": "B", "agentType": "test-runner"}]}})"));
  const engine::WorkflowState state = stack_.WaitForEnd(id);
  ASSERT_EQ(state.status, engine::WorkflowStatus::kFailed);
  EXPECT_EQ(state.tasks[0].status, engine::TaskStatus::kFailed);
  EXPECT_EQ(state.tasks[0].attempt, 2);
  EXPECT_EQ(state.tasks[1].status, engine::TaskStatus::kSkipped);
  EXPECT_NE(state.error_message.find("failTimes"), std::string::npos) << state.error_message;
}

TEST_F(PipelineTest, ShouldFailAStepThatOutlivesItsTimeout) {
  const std::string id = Submit(Json::parse(R"({"definition": {"id": "slow", "name": "Slow",
    "pattern": "sequential", "maxRetries": 0,
    "steps": [{"id": "a", "name": "A", "agentType": "test-runner", "timeout": "PT1S",
               "configuration": {"sleepMs": 2500}}]}})"));
  const engine::WorkflowState state = stack_.WaitForEnd(id);
  ASSERT_EQ(state.status, engine::WorkflowStatus::kFailed);
  EXPECT_EQ(state.tasks[0].status, engine::TaskStatus::kFailed);
  EXPECT_EQ(state.tasks[0].error_message, "Step timed out after PT1S");
  EXPECT_TRUE(state.tasks[0].response.is_null());
  // It failed on the timer, before the agent's result (due at 2.5 s) could arrive.
  EXPECT_LT(state.completed_at - state.tasks[0].started_at, 2500);
}

TEST_F(PipelineTest, ShouldFailAWorkflowWhenItsStoredTimeoutComesDue) {
  const std::string id = Submit(Json::parse(R"({"definition": {"id": "long", "name": "Long",
    "pattern": "sequential", "timeout": "PT1M",
    "steps": [{"id": "a", "name": "A", "agentType": "test-runner", "configuration": {"sleepMs": 3000}},
              {"id": "b", "name": "B", "agentType": "test-runner"}]}})"));
  auto session = stack_.database().Connect();
  int timers = 0;
  ASSERT_TRUE(testing::WaitUntil([&] {
    *session << "SELECT count(*) FROM timers WHERE workflow_id = :id AND kind = 'workflow_timeout' "
                "AND fire_at > now() + interval '50 seconds'",
        soci::use(id, "id"), soci::into(timers);
    return timers == 1;
  })) << "the start stored a timer a minute ahead";
  // Let the minute pass: the sweeper must fire the stored timer.
  *session << "UPDATE timers SET fire_at = now() WHERE workflow_id = :id", soci::use(id, "id");
  const engine::WorkflowState state = stack_.WaitForEnd(id);
  ASSERT_EQ(state.status, engine::WorkflowStatus::kFailed);
  EXPECT_EQ(state.error_message, "Workflow timed out after PT1M");
  EXPECT_EQ(state.tasks[1].status, engine::TaskStatus::kSkipped);
  *session << "SELECT count(*) FROM timers WHERE workflow_id = :id", soci::use(id, "id"),
      soci::into(timers);
  EXPECT_EQ(timers, 0) << "a fired timer is gone";
}

// Deduplication of commands (processed_messages): a pause redelivered after
// the workflow was resumed must not pause it again, nor a start start it
// again. Without it the log shows a second WorkflowPaused of the same message.
TEST_F(PipelineTest, ShouldApplyARedeliveredCommandOnce) {
  Json slow = Json::parse(testing::kCustomerFeedbackAnalysis);
  slow["definition"]["steps"][0]["configuration"]["sleepMs"] = 20000;
  agentstudio::v1::WorkflowCommand start;
  const std::string id = Submit(slow, &start);
  const auto status_is = [&](engine::WorkflowStatus status) {
    return testing::WaitUntil([&] {
      const auto state = stack_.Load(id);
      return state && state->status == status;
    });
  };
  ASSERT_TRUE(status_is(engine::WorkflowStatus::kRunning));
  const auto pause =
      schemas::MakeControlCommand(id, engine::Control::kPause, "", engine::WallClockNow());
  ASSERT_TRUE(commands_.SubmitAndWait(pause).ok);
  ASSERT_TRUE(status_is(engine::WorkflowStatus::kPaused));
  ASSERT_TRUE(commands_
                  .SubmitAndWait(schemas::MakeControlCommand(id, engine::Control::kResume, "",
                                                             engine::WallClockNow()))
                  .ok);
  ASSERT_TRUE(status_is(engine::WorkflowStatus::kRunning));
  // The workflow moved on; Kafka redelivers the pause and the start (same
  // key, so in order before the cancel that ends the test).
  ASSERT_TRUE(commands_.SubmitAndWait(pause).ok);
  ASSERT_TRUE(commands_.SubmitAndWait(start).ok);
  ASSERT_TRUE(commands_
                  .SubmitAndWait(schemas::MakeControlCommand(id, engine::Control::kCancel, "done",
                                                             engine::WallClockNow()))
                  .ok);
  EXPECT_EQ(stack_.WaitForEnd(id).status, engine::WorkflowStatus::kCancelled);
  const auto events = Events(id);
  EXPECT_EQ(Count(events, "WorkflowStarted"), 1u);
  EXPECT_EQ(Count(events, "WorkflowPaused"), 1u);
  EXPECT_EQ(Count(events, "WorkflowResumed"), 1u);
  EXPECT_EQ(Count(events, "WorkflowCancelled"), 1u);
  auto session = stack_.database().Connect();
  EXPECT_EQ(testing::CountMessagesAppliedTwice(*session), 0);
}

// Deduplication of task events: a thought redelivered while its task runs is
// logged once (the engine alone would log it again); a completion arriving
// after the workflow ended changes nothing.
TEST_F(PipelineTest, ShouldApplyARedeliveredTaskEventOnce) {
  Json slow = Json::parse(testing::kCustomerFeedbackAnalysis);
  // Runs until cancelled: the thoughts must find it running however slow the host.
  slow["definition"]["steps"][0]["configuration"]["sleepMs"] = 600000;
  const std::string id = Submit(slow);
  const std::string task_id = stack_.WaitForFirstTaskRunning(id);
  ASSERT_FALSE(task_id.empty());
  const auto thought = [&](const std::string& event_id, const std::string& content) {
    agentstudio::v1::TaskEvent event;
    event.set_schema_version(schemas::kSchemaVersion);
    event.set_event_id(event_id);
    event.set_workflow_id(id);
    event.set_task_id(task_id);
    event.set_attempt(1);
    *event.mutable_timestamp() = schemas::ToTimestamp(engine::WallClockNow());
    event.mutable_progress()->set_percentage(1);
    event.mutable_progress()->mutable_thought()->set_type("reasoning");
    event.mutable_progress()->mutable_thought()->set_content(content);
    return event.SerializeAsString();
  };
  const std::string repeated = thought("thought-once", "considered once");
  ProduceRaw(stack_.topics().task_events(), id, repeated);
  ProduceRaw(stack_.topics().task_events(), id, repeated);  // redelivered
  // Same key, so applied after both copies: once it is logged, both were seen.
  ProduceRaw(stack_.topics().task_events(), id, thought("thought-marker", "marker"));
  const auto thoughts_saying = [](const std::vector<engine::ExecutionEvent>& events,
                                  const std::string& content) {
    return std::count_if(events.begin(), events.end(), [&](const engine::ExecutionEvent& e) {
      return e.type == "TaskThought" && e.data["thought"].value("content", "") == content;
    });
  };
  ASSERT_TRUE(testing::WaitUntil([&] { return thoughts_saying(Events(id), "marker") == 1; }));
  EXPECT_EQ(thoughts_saying(Events(id), "considered once"), 1);

  ASSERT_TRUE(commands_
                  .SubmitAndWait(schemas::MakeControlCommand(id, engine::Control::kCancel, "done",
                                                             engine::WallClockNow()))
                  .ok);
  const engine::WorkflowState done = stack_.WaitForEnd(id);
  ASSERT_EQ(done.status, engine::WorkflowStatus::kCancelled);
  const size_t events_before = Events(id).size();
  agentstudio::v1::TaskEvent late;
  late.set_schema_version(schemas::kSchemaVersion);
  late.set_event_id("late-completion");
  late.set_workflow_id(id);
  late.set_task_id(done.tasks[0].id);
  late.set_attempt(1);
  *late.mutable_completion()->mutable_response() =
      schemas::AgentResponseFromJson({{"success", true}, {"result", {{"tampered", true}}}});
  ProduceRaw(stack_.topics().task_events(), id, late.SerializeAsString());
  auto session = stack_.database().Connect();
  ASSERT_TRUE(testing::WaitUntil([&] {
    return testing::CountOf(
               *session,
               "SELECT count(*) FROM processed_messages WHERE id = 'evt:late-completion'") == 1;
  }));
  const engine::WorkflowState after = *stack_.Load(id);
  EXPECT_EQ(after.version, done.version);
  EXPECT_FALSE(after.tasks[0].response.is_object() &&
               after.tasks[0].response["result"].contains("tampered"));
  EXPECT_EQ(Events(id).size(), events_before);
  EXPECT_EQ(testing::CountMessagesAppliedTwice(*session), 0);
}

TEST_F(PipelineTest, ShouldDeadLetterPoisonMessagesAndKeepGoing) {
  ProduceRaw(stack_.topics().commands(), "k1", std::string("\xff\xfe not protobuf", 15));
  agentstudio::v1::TaskEvent orphan;
  orphan.set_schema_version(schemas::kSchemaVersion);
  orphan.set_event_id("orphan");
  orphan.set_workflow_id("wf_does_not_exist");
  orphan.set_task_id("task_x");
  orphan.set_attempt(1);
  orphan.mutable_progress()->set_percentage(10);
  ProduceRaw(stack_.topics().task_events(), "wf_does_not_exist", orphan.SerializeAsString());
  auto future = orphan;
  future.set_event_id("future");
  future.set_schema_version(99);
  ProduceRaw(stack_.topics().task_events(), "wf_does_not_exist", future.SerializeAsString());
  ProduceRaw(stack_.topics().agent_heartbeats(), "agent-x",
             std::string("\xff\xfe not protobuf", 15));
  ProduceRaw(stack_.topics().tasks("test-runner"), "task_y", "\xff\xff\xff");
  // The cluster's limit is about 1 MB; this topic's own admits more.
  testing::SetTopicConfig(stack_.bootstrap(), stack_.topics().commands(), "max.message.bytes",
                          "4000000");
  const std::string huge(2'000'000, '\x01');
  // The broker applies a topic's new limit a moment after the admin call
  // returns; until then it refuses the message (and stores nothing).
  std::string refusal;
  ASSERT_TRUE(testing::WaitUntil([&] {
    const auto result = producer_.SendAndWait(stack_.topics().commands(), "k2", huge, {});
    refusal = result.error;
    return result.ok;
  })) << refusal;

  // The consumers keep going: a workflow submitted after the poison completes.
  const std::string id = Submit(Json::parse(testing::kCustomerFeedbackAnalysis));
  EXPECT_EQ(stack_.WaitForEnd(id).status, engine::WorkflowStatus::kCompleted);

  kafka::BatchConsumer dlq(kafka::BaseProperties(stack_.bootstrap(), "dlq-reader"),
                           {stack_.topics().prefix() + "dlq-reader",
                            {stack_.topics().dlq()},
                            100,
                            std::chrono::milliseconds(200)});
  std::vector<kafka::InboundMessage> dead;
  ASSERT_TRUE(testing::WaitUntil([&] {
    for (auto& m : dlq.Poll()) dead.push_back(std::move(m));
    return dead.size() >= 6;
  })) << dead.size();
  auto count = [&](const std::string& topic, const std::string& key, const std::string& reason) {
    return std::count_if(dead.begin(), dead.end(), [&](const kafka::InboundMessage& m) {
      return m.Header("x-source-topic") == topic && m.key == key &&
             m.Header("x-dlq-reason") == reason && !m.Header("x-source-partition").empty() &&
             !m.Header("x-source-offset").empty();
    });
  };
  EXPECT_EQ(count(stack_.topics().commands(), "k1", "undecodable WorkflowCommand"), 1);
  EXPECT_EQ(count(stack_.topics().task_events(), "wf_does_not_exist",
                  "unknown workflow wf_does_not_exist"),
            1);
  EXPECT_EQ(
      count(stack_.topics().task_events(), "wf_does_not_exist", "unsupported schema version 99"),
      1);
  EXPECT_EQ(count(stack_.topics().agent_heartbeats(), "agent-x", "undecodable AgentHeartbeat"), 1);
  EXPECT_EQ(count(stack_.topics().tasks("test-runner"), "task_y", "undecodable TaskMessage"), 1);
  const std::string oversized = "oversized payload: 2000000 bytes (limit 1000000)";
  ASSERT_EQ(count(stack_.topics().commands(), "k2", oversized), 1);
  const auto truncated =
      std::find_if(dead.begin(), dead.end(), [](const auto& m) { return m.key == "k2"; });
  EXPECT_EQ(truncated->Header("x-dlq-truncated-from"), "2000000");
  EXPECT_EQ(truncated->payload, huge.substr(0, kafka::DeadLetterPublisher::kTruncatedPayloadBytes));
  EXPECT_EQ(dead.size(), 6u);
}

// Guarantee 5 for what decodes but PostgreSQL (or the JSON of a column)
// refuses: each such message is found in its batch and dead-lettered with
// the error, and everything around it applies.
TEST_F(PipelineTest, ShouldDeadLetterWhatPostgresqlRefusesAndApplyTheRestOfTheBatch) {
  // A running task, for the events that need one.
  Json slow = Json::parse(testing::kCustomerFeedbackAnalysis);
  slow["definition"]["steps"][0]["configuration"]["sleepMs"] = 3000;
  const std::string running = Submit(slow);
  const std::string task_id = stack_.WaitForFirstTaskRunning(running);
  ASSERT_FALSE(task_id.empty());

  const auto request =
      engine::ParseWorkflowRequest(Json::parse(testing::kCustomerFeedbackAnalysis)).request;
  const auto command = [&](const std::string& id) {
    return schemas::MakeStartCommand(
        request, id, {schemas::NewTaskId(), schemas::NewTaskId(), schemas::NewTaskId()},
        engine::WallClockNow());
  };
  // Sent without waiting, so they share poll batches.
  const auto send = [&](const std::string& topic, const std::string& key,
                        const std::string& payload, const kafka::Headers& headers) {
    producer_.Send(topic, key, payload, headers, [](const kafka::DeliveryResult& result) {
      EXPECT_TRUE(result.ok) << result.error;
    });
  };
  std::vector<std::string> good;
  const auto send_good = [&] {
    good.push_back(schemas::NewWorkflowId());
    send(stack_.topics().commands(), good.back(), command(good.back()).SerializeAsString(), {});
  };
  // Good and bad in turns, quickly enough to share poll batches.
  send_good();
  const std::string bad_header = schemas::NewWorkflowId();
  send(stack_.topics().commands(), bad_header, command(bad_header).SerializeAsString(),
       {{"traceparent", "00-\xff\xfe-not-utf8"}});
  send_good();
  const std::string bad_time = schemas::NewWorkflowId();
  auto late = command(bad_time);
  late.mutable_issued_at()->set_seconds(9'000'000'000'000);  // year 285,000
  send(stack_.topics().commands(), bad_time, late.SerializeAsString(), {});
  send_good();
  agentstudio::v1::TaskEvent nul;
  nul.set_schema_version(schemas::kSchemaVersion);
  nul.set_event_id("nul-progress");
  nul.set_workflow_id(running);
  nul.set_task_id(task_id);
  nul.set_attempt(1);
  *nul.mutable_timestamp() = schemas::ToTimestamp(engine::WallClockNow());
  nul.mutable_progress()->set_percentage(50);
  nul.mutable_progress()->set_message(std::string("half\0way", 8));
  send(stack_.topics().task_events(), running, nul.SerializeAsString(), {});
  agentstudio::v1::AgentHeartbeat nan;
  nan.set_schema_version(schemas::kSchemaVersion);
  nan.set_agent_id("agent-nan");
  nan.add_agent_types("test-runner");
  nan.set_status("healthy");
  nan.set_load(std::nan(""));
  *nan.mutable_timestamp() = schemas::ToTimestamp(engine::WallClockNow());
  send(stack_.topics().agent_heartbeats(), "agent-nan", nan.SerializeAsString(), {});
  auto after_nan = nan;
  after_nan.set_agent_id("agent-after-nan");
  after_nan.set_load(0.5);
  send(stack_.topics().agent_heartbeats(), "agent-after-nan", after_nan.SerializeAsString(), {});
  send_good();
  ASSERT_TRUE(producer_.Flush(std::chrono::seconds(10)));

  for (const std::string& id : good) {
    EXPECT_EQ(stack_.WaitForEnd(id).status, engine::WorkflowStatus::kCompleted) << id;
  }
  EXPECT_EQ(stack_.WaitForEnd(running).status, engine::WorkflowStatus::kCompleted);
  EXPECT_FALSE(stack_.Load(bad_header).has_value());
  EXPECT_FALSE(stack_.Load(bad_time).has_value());
  auto session = stack_.database().Connect();
  ASSERT_TRUE(testing::WaitUntil([&] {
    return testing::CountOf(*session, "SELECT count(*) FROM agents WHERE id = 'agent-after-nan'") ==
           1;
  })) << "heartbeats go on";

  kafka::BatchConsumer dlq(kafka::BaseProperties(stack_.bootstrap(), "dlq-reader"),
                           {stack_.topics().prefix() + "dlq-reader",
                            {stack_.topics().dlq()},
                            100,
                            std::chrono::milliseconds(200)});
  std::map<std::string, std::string> reasons;  // key -> reason
  std::map<std::string, int> letters;          // key -> dead letters
  ASSERT_TRUE(testing::WaitUntil([&] {
    for (auto& m : dlq.Poll()) {
      reasons[m.key] = m.Header("x-dlq-reason");
      ++letters[m.key];
    }
    return reasons.count(bad_header) && reasons.count(bad_time) && reasons.count(running) &&
           reasons.count("agent-nan");
  })) << ::testing::PrintToString(reasons);
  EXPECT_EQ(reasons[bad_header].rfind("cannot be applied: ", 0), 0u) << reasons[bad_header];
  EXPECT_NE(reasons[bad_header].find("UTF-8"), std::string::npos) << reasons[bad_header];
  EXPECT_EQ(reasons[bad_time].rfind("issued_at out of range", 0), 0u) << reasons[bad_time];
  EXPECT_EQ(reasons[running].rfind("cannot be applied: ", 0), 0u) << reasons[running];
  EXPECT_EQ(reasons["agent-nan"].rfind("cannot be applied: ", 0), 0u) << reasons["agent-nan"];
  EXPECT_EQ(reasons.size(), 4u) << ::testing::PrintToString(reasons);
  for (const auto& [key, count] : letters) EXPECT_EQ(count, 1) << key << " dead-lettered again";
}

// A StartWorkflow naming task ids of another workflow (a foreign producer
// chooses them) is dead-lettered and the other workflow stays as it was, also
// when the two starts share a poll batch.
TEST_F(PipelineTest, ShouldDeadLetterAStartWhoseTaskIdsBelongToAnotherWorkflow) {
  agentstudio::v1::WorkflowCommand victim_start;
  const std::string victim = Submit(Json::parse(testing::kCustomerFeedbackAnalysis), &victim_start);
  const engine::WorkflowState before = stack_.WaitForEnd(victim);
  ASSERT_EQ(before.status, engine::WorkflowStatus::kCompleted);
  const std::vector<std::string> victim_tasks(victim_start.start().task_ids().begin(),
                                              victim_start.start().task_ids().end());

  const auto request =
      engine::ParseWorkflowRequest(Json::parse(testing::kCustomerFeedbackAnalysis)).request;
  const auto send = [&](const std::string& id, const std::vector<std::string>& task_ids) {
    producer_.Send(
        stack_.topics().commands(), id,
        schemas::MakeStartCommand(request, id, task_ids, engine::WallClockNow())
            .SerializeAsString(),
        {}, [](const kafka::DeliveryResult& result) { EXPECT_TRUE(result.ok) << result.error; });
  };
  const std::string intruder = schemas::NewWorkflowId();
  send(intruder, victim_tasks);
  // Twins share fresh task ids; sent together, they likely share a batch.
  const std::vector<std::string> shared = {schemas::NewTaskId(), schemas::NewTaskId(),
                                           schemas::NewTaskId()};
  const std::string first_twin = schemas::NewWorkflowId(), second_twin = schemas::NewWorkflowId();
  send(first_twin, shared);
  send(second_twin, shared);
  ASSERT_TRUE(producer_.Flush(std::chrono::seconds(10)));

  kafka::BatchConsumer dlq(kafka::BaseProperties(stack_.bootstrap(), "dlq-reader"),
                           {stack_.topics().prefix() + "dlq-reader",
                            {stack_.topics().dlq()},
                            100,
                            std::chrono::milliseconds(200)});
  std::map<std::string, std::string> reasons;  // key -> reason
  ASSERT_TRUE(testing::WaitUntil([&] {
    for (auto& m : dlq.Poll()) reasons[m.key] = m.Header("x-dlq-reason");
    return reasons.count(intruder) && (reasons.count(first_twin) || reasons.count(second_twin));
  })) << ::testing::PrintToString(reasons);
  // The twins have different keys, so either may be applied first.
  const bool first_won = reasons.count(second_twin) == 1;
  const std::string& winner = first_won ? first_twin : second_twin;
  const std::string& loser = first_won ? second_twin : first_twin;
  EXPECT_EQ(stack_.WaitForEnd(winner).status, engine::WorkflowStatus::kCompleted);
  EXPECT_EQ(reasons[intruder], "cannot be applied: task id " +
                                   *std::min_element(victim_tasks.begin(), victim_tasks.end()) +
                                   " belongs to workflow " + victim);
  EXPECT_EQ(reasons[loser], "cannot be applied: task id " +
                                *std::min_element(shared.begin(), shared.end()) +
                                " belongs to workflow " + winner);
  for (auto& m : dlq.Poll()) reasons[m.key] = m.Header("x-dlq-reason");
  EXPECT_EQ(reasons.size(), 2u) << ::testing::PrintToString(reasons);

  EXPECT_FALSE(stack_.Load(loser).has_value());
  EXPECT_FALSE(stack_.Load(intruder).has_value());
  const engine::WorkflowState after = *stack_.Load(victim);
  EXPECT_EQ(after.version, before.version);
  ASSERT_EQ(after.tasks.size(), before.tasks.size());
  for (size_t i = 0; i < after.tasks.size(); ++i) {
    EXPECT_EQ(after.tasks[i].status, engine::TaskStatus::kCompleted) << i;
    EXPECT_EQ(after.tasks[i].response, before.tasks[i].response) << i;
    EXPECT_EQ(after.tasks[i].attempt, before.tasks[i].attempt) << i;
  }
}

// processed_messages is pruned after the deduplication window; a message
// redelivered from before the window (its Kafka timestamp says so) is
// dead-lettered, not applied again: a pause from before the resume must not
// pause the workflow again.
TEST(DeduplicationWindowTest, ShouldForgetOldIdsAndRefuseMessagesOlderThanTheWindow) {
  testing::InProcessStack stack({Role::kScheduler, Role::kRelay, Role::kAgent},
                                [](daemon::Config& c) {
                                  c.dedup_window_s = 10;
                                  c.dedup_prune_interval_ms = 200;
                                });
  kafka::MessageProducer producer(kafka::BaseProperties(stack.bootstrap(), "test"),
                                  std::chrono::seconds(10));
  kafka::WorkflowCommandProducer commands(producer, stack.topics());
  const auto parsed = engine::ParseWorkflowRequest(Json::parse(R"({"definition": {"id": "s",
      "name": "S", "pattern": "sequential", "steps": [{"id": "a", "name": "A",
      "agentType": "test-runner", "configuration": {"sleepMs": 60000}}]}})"));
  const std::string id = schemas::NewWorkflowId();
  ASSERT_TRUE(commands
                  .SubmitAndWait(schemas::MakeStartCommand(
                      parsed.request, id, {schemas::NewTaskId()}, engine::WallClockNow()))
                  .ok);
  const auto status_is = [&](engine::WorkflowStatus status) {
    return testing::WaitUntil([&] {
      const auto state = stack.Load(id);
      return state && state->status == status;
    });
  };
  ASSERT_TRUE(status_is(engine::WorkflowStatus::kRunning));
  const auto pause =
      schemas::MakeControlCommand(id, engine::Control::kPause, "", engine::WallClockNow());
  const engine::TimeMs paused_at = engine::WallClockNow();
  ASSERT_TRUE(commands.SubmitAndWait(pause).ok);
  ASSERT_TRUE(status_is(engine::WorkflowStatus::kPaused));
  ASSERT_TRUE(commands
                  .SubmitAndWait(schemas::MakeControlCommand(id, engine::Control::kResume, "",
                                                             engine::WallClockNow()))
                  .ok);
  ASSERT_TRUE(status_is(engine::WorkflowStatus::kRunning));

  auto session = stack.database().Connect();
  const std::string pause_id = "cmd:" + pause.command_id();
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        return testing::CountOf(*session, "SELECT count(*) FROM processed_messages WHERE id = '" +
                                              pause_id + "'") == 0;
      },
      std::chrono::seconds(60)))
      << "the pause's id is forgotten after the window";

  // Kafka redelivers the pause: same bytes, key and timestamp (from before
  // the window), then a cancel that ends the test.
  std::string error;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  conf->set("bootstrap.servers", stack.bootstrap(), error);
  conf->set("partitioner", "murmur2_random", error);
  std::unique_ptr<RdKafka::Producer> raw(RdKafka::Producer::create(conf.get(), error));
  ASSERT_TRUE(raw) << error;
  std::string payload = pause.SerializeAsString();
  ASSERT_EQ(raw->produce(stack.topics().commands(), RdKafka::Topic::PARTITION_UA,
                         RdKafka::Producer::RK_MSG_COPY, payload.data(), payload.size(), id.data(),
                         id.size(), paused_at, nullptr),
            RdKafka::ERR_NO_ERROR);
  ASSERT_EQ(raw->flush(10000), RdKafka::ERR_NO_ERROR);
  ASSERT_TRUE(commands
                  .SubmitAndWait(schemas::MakeControlCommand(id, engine::Control::kCancel, "done",
                                                             engine::WallClockNow()))
                  .ok);
  EXPECT_EQ(stack.WaitForEnd(id).status, engine::WorkflowStatus::kCancelled);
  std::vector<engine::ExecutionEvent> events = [&] {
    auto s = stack.database().Connect();
    return store::LoadEvents(*s, id);
  }();
  EXPECT_EQ(std::count_if(events.begin(), events.end(),
                          [](const auto& e) { return e.type == "WorkflowPaused"; }),
            1);

  kafka::BatchConsumer dlq(kafka::BaseProperties(stack.bootstrap(), "dlq-reader"),
                           {stack.topics().prefix() + "dlq-reader",
                            {stack.topics().dlq()},
                            100,
                            std::chrono::milliseconds(200)});
  std::string reason;
  ASSERT_TRUE(testing::WaitUntil([&] {
    for (const auto& m : dlq.Poll()) {
      if (m.key == id) reason = m.Header("x-dlq-reason");
    }
    return !reason.empty();
  }));
  EXPECT_EQ(reason.rfind("older than the deduplication window", 0), 0u) << reason;
}

// A task message Kafka refuses for good (here: over its topic's
// max.message.bytes) leaves the outbox and fails its task with Kafka's
// reason; the rows of other topics go on.
TEST_F(PipelineTest, ShouldFailATaskWhoseMessageKafkaRefusesForGood) {
  testing::SetTopicConfig(stack_.bootstrap(), stack_.topics().tasks("data-collector"),
                          "max.message.bytes", "200");
  const std::string refused = Submit(Json::parse(testing::kCustomerFeedbackAnalysis));
  const std::string fine = Submit(Json::parse(R"({"definition": {"id": "t", "name": "T",
      "pattern": "sequential", "steps": [{"id": "a", "name": "A", "agentType": "test-runner"},
      {"id": "b", "name": "B", "agentType": "test-runner"}]}})"));
  EXPECT_EQ(stack_.WaitForEnd(fine).status, engine::WorkflowStatus::kCompleted);
  const engine::WorkflowState failed = stack_.WaitForEnd(refused);
  ASSERT_EQ(failed.status, engine::WorkflowStatus::kFailed);
  ASSERT_FALSE(failed.tasks.empty());
  EXPECT_EQ(failed.tasks[0].status, engine::TaskStatus::kFailed);
  EXPECT_NE(failed.tasks[0].error_message.find("Kafka refused the task message"), std::string::npos)
      << failed.tasks[0].error_message;
  EXPECT_NE(failed.error_message.find("Kafka refused"), std::string::npos) << failed.error_message;
  auto session = stack_.database().Connect();
  EXPECT_TRUE(testing::WaitUntil([&] {
    return testing::CountOf(*session, "SELECT count(*) FROM outbox") == 0;
  })) << "the refused row left the outbox";
}

// The rows of a topic that does not exist wait with backoff, not sent; the
// rows behind them flow; once the topic exists they go.
TEST_F(PipelineTest, ShouldHoldTheRowsOfAMissingTopicWithoutHoldingBackTheRest) {
  const std::string ghost = Submit(Json::parse(R"({"definition": {"id": "g", "name": "G",
      "pattern": "sequential", "steps": [{"id": "a", "name": "A", "agentType": "ghost-agent"}]}})"));
  auto session = stack_.database().Connect();
  const std::string ghost_topic = stack_.topics().tasks("ghost-agent");
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        return testing::CountOf(*session, "SELECT count(*) FROM outbox WHERE topic = '" +
                                              ghost_topic + "' AND attempts >= 2") == 1;
      },
      std::chrono::seconds(90)))
      << "the ghost's task message waits, retried with backoff";
  // Three steps, each two hops through the relay, while the ghost row waits.
  const std::string fine = Submit(Json::parse(testing::kCustomerFeedbackAnalysis));
  EXPECT_EQ(stack_.WaitForEnd(fine).status, engine::WorkflowStatus::kCompleted);
  EXPECT_EQ(stack_.Load(ghost)->status, engine::WorkflowStatus::kRunning);

  const testing::TestTopics created(stack_.bootstrap(), {ghost_topic}, 1);
  kafka::BatchConsumer reader(kafka::BaseProperties(stack_.bootstrap(), "ghost-reader"),
                              {stack_.topics().prefix() + "ghost-reader",
                               {ghost_topic},
                               10,
                               std::chrono::milliseconds(200)});
  const std::string ghost_task = stack_.Load(ghost)->tasks.at(0).id;
  bool arrived = false;
  ASSERT_TRUE(testing::WaitUntil([&] {
    for (const auto& message : reader.Poll()) arrived |= message.key == ghost_task;
    return arrived;
  })) << "sent once its topic exists";
  EXPECT_TRUE(testing::WaitUntil(
      [&] { return testing::CountOf(*session, "SELECT count(*) FROM outbox") == 0; }));
}

}  // namespace
}  // namespace agentstudio
