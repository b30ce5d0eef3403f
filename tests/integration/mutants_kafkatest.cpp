// Guarantee 5 under a stream of mutants. Valid messages of every consumed
// topic (commands, task-events, agent-heartbeats, a task topic) are mutated
// at random, from a seed: bytes flipped, cut or appended; headers of random
// bytes; fields set to NUL, bad UTF-8, NaN, infinities, huge or negative
// numbers, far times, odd durations. They flow while normal workflows run:
// every normal workflow completes, whatever the mutants did.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "agentstudio/v1/agent_heartbeat.pb.h"
#include "agentstudio/v1/task_event.pb.h"
#include "agentstudio/v1/task_message.pb.h"
#include "engine/definition_parser.hpp"
#include "engine/timestamp.hpp"
#include "producers/command_producer.hpp"
#include "schemas/agent_codec.hpp"
#include "schemas/command_codec.hpp"
#include "schemas/ids.hpp"
#include "schemas/struct_json.hpp"
#include "tests/support/figures.hpp"
#include "tests/support/reference_examples.hpp"
#include "tests/support/stack.hpp"
#include "tests/support/workflow_invariants.hpp"

namespace agentstudio {
namespace {

using Json = nlohmann::json;
using daemon::Role;

class Mutator {
 public:
  explicit Mutator(unsigned seed) : random_(seed) {}

  int Below(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }
  bool OneIn(int n) { return Below(n) == 0; }

  std::string Bytes(size_t max) {
    std::string out(static_cast<size_t>(Below(static_cast<int>(max) + 1)), '\0');
    for (char& c : out) c = static_cast<char>(Below(256));
    return out;
  }
  // Text a field could hold, or text it should not.
  std::string Text() {
    switch (Below(6)) {
      case 0:
        return std::string("nul\0inside", 10);
      case 1:
        return "bad \xff\xfe utf-8";
      case 2:
        return std::string(Below(5000), 'x');
      case 3:
        return "";
      case 4:
        return Bytes(20);
      default:
        return "plain";
    }
  }
  double Number() {
    switch (Below(6)) {
      case 0:
        return std::nan("");
      case 1:
        return std::numeric_limits<double>::infinity();
      case 2:
        return -1e308;
      case 3:
        return 1e308;
      case 4:
        return -1;
      default:
        return Below(101);
    }
  }
  int32_t Int() {
    switch (Below(4)) {
      case 0:
        return std::numeric_limits<int32_t>::max();
      case 1:
        return std::numeric_limits<int32_t>::min();
      case 2:
        return 0;
      default:
        return 1 + Below(3);
    }
  }
  void Time(google::protobuf::Timestamp& at) {
    switch (Below(4)) {
      case 0:
        at.set_seconds(std::numeric_limits<int64_t>::max());
        break;
      case 1:
        at.set_seconds(std::numeric_limits<int64_t>::min());
        break;
      case 2:
        at.set_nanos(-5);
        break;
      default:
        at.set_seconds(at.seconds() + Below(1000000) - 500000);
    }
  }
  std::string Duration() {
    static const char* const kDurations[] = {
        "PT5M", "PT0S", "P99999D", "-PT1S", "garbage", "PT999999999999S", "99:99:99", "PT1S"};
    return kDurations[Below(8)];
  }

  // Mutates the serialized message and its headers.
  void Damage(std::string& payload, kafka::Headers& headers) {
    if (OneIn(3) && !payload.empty()) {
      for (int i = Below(4) + 1; i > 0; --i)
        payload[Below(static_cast<int>(payload.size()))] ^= 0xff;
    }
    if (OneIn(5)) payload.resize(static_cast<size_t>(Below(static_cast<int>(payload.size()) + 1)));
    if (OneIn(6)) payload += Bytes(16);
    if (OneIn(3)) headers["traceparent"] = Bytes(60);
    if (OneIn(4)) headers["correlation-id"] = Text();
  }

 private:
  std::mt19937 random_;
};

class MutantsTest : public ::testing::TestWithParam<unsigned> {
 protected:
  std::string SubmitNormal() {
    const auto parsed =
        engine::ParseWorkflowRequest(Json::parse(testing::kCustomerFeedbackAnalysis));
    const std::string id = schemas::NewWorkflowId();
    const auto command = schemas::MakeStartCommand(
        parsed.request, id, {schemas::NewTaskId(), schemas::NewTaskId(), schemas::NewTaskId()},
        engine::WallClockNow());
    EXPECT_TRUE(commands_.SubmitAndWait(command).ok);
    return id;
  }

  testing::InProcessStack stack_{{Role::kScheduler, Role::kRelay, Role::kAgent}};
  kafka::MessageProducer producer_{kafka::BaseProperties(stack_.bootstrap(), "mutants"),
                                   std::chrono::seconds(10)};
  kafka::WorkflowCommandProducer commands_{producer_, stack_.topics()};
};

TEST_P(MutantsTest, ShouldKeepCompletingNormalWorkflowsWhileMutantsFlow) {
  Mutator mutate(GetParam());
  const kafka::Topics& topics = stack_.topics();
  const auto request =
      engine::ParseWorkflowRequest(Json::parse(testing::kCustomerFeedbackAnalysis)).request;
  // Mutants are aimed at victims (which may end in any way: a forged error
  // is a valid message) and never at the normal workflows, which must
  // complete whatever flows around them.
  std::vector<std::string> normal = {SubmitNormal()};
  std::vector<std::string> victims = {SubmitNormal()};
  int sent = 0;
  for (int i = 0; i < 400; ++i) {
    if (i % 40 == 0) {
      normal.push_back(SubmitNormal());
      victims.push_back(SubmitNormal());
    }
    std::string topic, key, payload;
    kafka::Headers headers;
    const std::string& victim =
        victims[static_cast<size_t>(mutate.Below(static_cast<int>(victims.size())))];
    switch (mutate.Below(4)) {
      case 0: {
        const std::string id = mutate.OneIn(4) ? victim : schemas::NewWorkflowId();
        auto command = schemas::MakeStartCommand(
            request, id, {schemas::NewTaskId(), schemas::NewTaskId(), schemas::NewTaskId()},
            engine::WallClockNow());
        auto* definition = command.mutable_start()->mutable_definition();
        if (mutate.OneIn(3)) definition->mutable_steps(0)->set_timeout(mutate.Duration());
        if (mutate.OneIn(4)) definition->set_timeout(mutate.Duration());
        if (mutate.OneIn(4)) definition->mutable_steps(1)->set_agent_type(mutate.Text());
        if (mutate.OneIn(4)) command.mutable_start()->set_initiated_by(mutate.Text());
        if (mutate.OneIn(4)) mutate.Time(*command.mutable_issued_at());
        if (mutate.OneIn(5)) command.set_workflow_id(mutate.Text());
        topic = topics.commands();
        key = command.workflow_id();
        payload = command.SerializeAsString();
        break;
      }
      case 1: {
        agentstudio::v1::TaskEvent event;
        event.set_schema_version(schemas::kSchemaVersion);
        event.set_event_id(mutate.OneIn(5) ? mutate.Text() : schemas::NewMessageId());
        event.set_workflow_id(victim);
        const auto state = stack_.Load(victim);
        event.set_task_id(state && !state->tasks.empty()
                              ? state
                                    ->tasks[static_cast<size_t>(
                                        mutate.Below(static_cast<int>(state->tasks.size())))]
                                    .id
                              : mutate.Text());
        event.set_attempt(mutate.Int());
        event.set_agent_id(mutate.Text());
        *event.mutable_timestamp() = schemas::ToTimestamp(engine::WallClockNow());
        if (mutate.OneIn(3)) mutate.Time(*event.mutable_timestamp());
        switch (mutate.Below(3)) {
          case 0:
            event.mutable_progress()->set_percentage(mutate.Number());
            event.mutable_progress()->set_message(mutate.Text());
            break;
          case 1:
            *event.mutable_completion()->mutable_response() = schemas::AgentResponseFromJson(
                {{"success", !mutate.OneIn(3)}, {"result", {{"text", mutate.Text()}}}});
            break;
          default:
            event.mutable_error()->set_code(mutate.Text());
            event.mutable_error()->set_message(mutate.Text());
            event.mutable_error()->set_retryable(mutate.OneIn(2));
        }
        topic = topics.task_events();
        key = victim;
        payload = event.SerializeAsString();
        break;
      }
      case 2: {
        agentstudio::v1::AgentHeartbeat heartbeat;
        heartbeat.set_schema_version(schemas::kSchemaVersion);
        heartbeat.set_agent_id("mutant-" + std::to_string(mutate.Below(5)));
        heartbeat.add_agent_types(mutate.OneIn(2) ? "test-runner" : mutate.Text());
        heartbeat.set_status(mutate.Text());
        heartbeat.set_load(mutate.Number());
        heartbeat.set_active_tasks(mutate.Int());
        (*heartbeat.mutable_metrics())[mutate.Text()] = mutate.Number();
        *heartbeat.mutable_timestamp() = schemas::ToTimestamp(engine::WallClockNow());
        if (mutate.OneIn(3)) mutate.Time(*heartbeat.mutable_timestamp());
        topic = topics.agent_heartbeats();
        key = heartbeat.agent_id();
        payload = heartbeat.SerializeAsString();
        break;
      }
      default: {
        agentstudio::v1::TaskMessage task;
        task.set_schema_version(schemas::kSchemaVersion);
        task.set_task_id(mutate.OneIn(2) ? schemas::NewTaskId() : mutate.Text());
        task.set_workflow_id(mutate.OneIn(2) ? victim : mutate.Text());
        task.set_attempt(mutate.Int());
        task.set_step_id(mutate.Text());
        task.set_agent_type(mutate.OneIn(3) ? mutate.Text() : "test-runner");
        task.mutable_request()->set_task(mutate.Text());
        topic = topics.tasks("test-runner");
        key = task.task_id();
        payload = task.SerializeAsString();
      }
    }
    mutate.Damage(payload, headers);
    producer_.Send(topic, key, payload, headers, [](const kafka::DeliveryResult&) {});
    ++sent;
  }
  ASSERT_TRUE(producer_.Flush(std::chrono::seconds(30)));

  int completed = 0;
  for (const std::string& id : normal) {
    completed += stack_.WaitForEnd(id).status == engine::WorkflowStatus::kCompleted ? 1 : 0;
  }
  for (const std::string& id : victims) stack_.WaitForEnd(id);  // ended, one way or another
  auto session = stack_.database().Connect();
  testing::ReportFigures(
      "mutant figures (seed %u): mutants sent %d, normal workflows %zu, completed %d, victims %zu, "
      "executions %d",
      GetParam(), sent, normal.size(), completed, victims.size(),
      testing::CountOf(*session, "SELECT count(*) FROM workflow_executions"));
  EXPECT_EQ(completed, static_cast<int>(normal.size())) << "every normal workflow completed";
}

INSTANTIATE_TEST_SUITE_P(Seeds, MutantsTest, ::testing::Values(1u, 2u));

}  // namespace
}  // namespace agentstudio
