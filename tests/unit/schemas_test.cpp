#include <gtest/gtest.h>

#include "engine/definition_parser.hpp"
#include "engine/planner.hpp"
#include "schemas/agent_codec.hpp"
#include "schemas/command_codec.hpp"
#include "schemas/execution_json.hpp"
#include "schemas/ids.hpp"
#include "schemas/message_decoding.hpp"
#include "schemas/struct_json.hpp"

namespace agentstudio::schemas {
namespace {

TEST(StructJson, ShouldRoundTripNestedValuesKeepingIntegers) {
  const Json value = Json::parse(
      R"({"limit": 1000, "ratio": 0.7, "ok": true, "none": null, "tags": ["a", 2, {"x": -3}],
          "nested": {"deep": {"deeper": "yes"}}})");
  EXPECT_EQ(FromStruct(ToStruct(value)), value);
  EXPECT_TRUE(FromStruct(ToStruct(value))["limit"].is_number_integer());
}

TEST(StructJson, ShouldMapNonObjectsToAnEmptyStruct) {
  EXPECT_EQ(ToStruct(Json::array({1})).fields_size(), 0);
}

TEST(StructJson, ShouldKeepTimestampsInTheRangeProtobufAllows) {
  // A deadline 1e15 ms away (a step timeout the parser accepts) is year ~33,700.
  const auto far = ToTimestamp(int64_t{1'800'000'000'000} + int64_t{1'000'000'000'000'000});
  EXPECT_EQ(far.seconds(), kMaxTimestampSeconds);
  EXPECT_EQ(ToTimestamp(1'500).seconds(), 1);
  EXPECT_EQ(ToTimestamp(1'500).nanos(), 500'000'000);
}

TEST(CommandCodec, ShouldCarryARequestThroughAStartCommand) {
  const auto parsed = engine::ParseWorkflowRequest(Json::parse(R"({
    "definition": {"id": "d", "name": "D", "pattern": "parallel", "timeout": "PT10M", "maxRetries": 0,
      "steps": [{"id": "a", "name": "A", "agentType": "t", "configuration": {"k": [1, 2]}, "timeout": "PT1M",
                 "priority": "high"},
                {"id": "b", "name": "B", "agentType": "u", "dependsOn": ["a"]}]},
    "input": {"x": 1}, "initiatedBy": "me", "metadata": {"team": "x"}})"));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed.request.tenant, "default") << "a body never names its tenant";
  engine::WorkflowRequest request = parsed.request;
  request.tenant = "acme";
  const auto command = MakeStartCommand(request, "wf_1", {"task_1", "task_2"}, 1000);
  agentstudio::v1::WorkflowCommand wire;
  ASSERT_TRUE(wire.ParseFromString(command.SerializeAsString()));
  EXPECT_EQ(wire.schema_version(), kSchemaVersion);
  EXPECT_FALSE(wire.command_id().empty());
  const auto back = ReadStartCommand(wire.start());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(engine::ToJson(back.request.definition), engine::ToJson(parsed.request.definition));
  EXPECT_EQ(back.request.definition.steps[0].priority, engine::Priority::kHigh);
  EXPECT_EQ(back.request.definition.steps[1].priority, engine::Priority::kNormal);
  EXPECT_EQ(back.request.input, parsed.request.input);
  EXPECT_EQ(back.request.metadata, parsed.request.metadata);
  EXPECT_EQ(back.request.initiated_by, "me");
  EXPECT_EQ(back.request.tenant, "acme");
  wire.mutable_start()->clear_tenant();
  EXPECT_EQ(ReadStartCommand(wire.start()).request.tenant, "default")
      << "a command another service produced without a tenant";
  EXPECT_EQ(TaskIdsOf(wire.start(), "wf_1"), (std::vector<std::string>{"task_1", "task_2"}));
}

TEST(CommandCodec, ShouldDeriveStableTaskIdsWhenACommandCarriesNone) {
  agentstudio::v1::StartWorkflow start;
  start.mutable_definition()->add_steps()->set_id("a");
  start.mutable_definition()->add_steps()->set_id("b");
  const auto first = TaskIdsOf(start, "wf_1");
  ASSERT_EQ(first.size(), 2u);
  EXPECT_NE(first[0], first[1]);
  EXPECT_EQ(first, TaskIdsOf(start, "wf_1"));
  EXPECT_NE(first, TaskIdsOf(start, "wf_2"));
}

TEST(CommandCodec, ShouldRejectTaskIdsThatDoNotFitTheSteps) {
  agentstudio::v1::StartWorkflow start;
  start.mutable_definition()->add_steps()->set_id("a");
  start.mutable_definition()->add_steps()->set_id("b");
  start.add_task_ids("task_1");
  EXPECT_TRUE(TaskIdsOf(start, "wf").empty());
  start.add_task_ids("task_1");
  EXPECT_TRUE(TaskIdsOf(start, "wf").empty()) << "duplicates";
}

TEST(Ids, ShouldBeUniqueAndWellFormed) {
  const std::string a = NewWorkflowId(), b = NewWorkflowId();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("wf_", 0), 0u);
  EXPECT_EQ(a.size(), 19u);
  EXPECT_TRUE(engine::IsValidIdentifier(NewTaskId()));
  EXPECT_EQ(NewMessageId().size(), 32u);
}

TEST(AgentCodec, ShouldRoundTripAResponseWithThoughtsAndHandoff) {
  const Json response = Json::parse(R"({"success": true, "result": {"mean": 3.5},
    "thoughts": [{"timestamp": "2025-10-08T10:40:00.000Z", "type": "observation", "content": "hi"}],
    "handoff": {"agentType": "x", "task": "t", "input": {"a": 1}, "reason": "r"},
    "metadata": {"executionTimeMs": 12}})");
  EXPECT_EQ(AgentResponseToJson(AgentResponseFromJson(response)), response);
}

TEST(ExecutionJson, ShouldShowThePlannedExecutionLikeTheReference) {
  const auto parsed = engine::ParseWorkflowRequest(Json::parse(R"({
    "definition": {"id": "d", "name": "D", "pattern": "sequential",
      "steps": [{"id": "a", "name": "A", "agentType": "t"}, {"id": "b", "name": "B", "agentType": "u"}]},
    "initiatedBy": "me"})"));
  const auto state =
      engine::PlanExecution("wf_1", parsed.request, {"task_1", "task_2"}, 1759919400000);
  const Json json = ExecutionToJson(state, {});
  EXPECT_EQ(json["id"], "wf_1");
  EXPECT_EQ(json["workflowDefinitionId"], "d");
  EXPECT_EQ(json["status"], "pending");
  EXPECT_EQ(json["createdAt"], "2025-10-08T10:30:00.000Z");
  EXPECT_EQ(json["tasks"][0]["status"], "pending");
  EXPECT_EQ(json["tasks"][1]["status"], "waiting");
  EXPECT_EQ(json["tasks"][1]["dependsOn"], Json::array({"task_1"}));
  EXPECT_EQ(json["tasks"][1]["workflowExecutionId"], "wf_1");
  EXPECT_EQ(json["context"]["progress"], 0);
  EXPECT_EQ(json["context"]["events"], Json::array());
  EXPECT_EQ(json["etag"], "\"v1\"");
}

// The reason a payload is refused, or "" when it decodes.
template <typename Message>
std::string Refusal(const Decoded<Message>& decoded) {
  const auto* reason = std::get_if<std::string>(&decoded);
  return reason == nullptr ? "" : *reason;
}

TEST(MessageDecoding, ShouldExplainWhyAPayloadCannotBeProcessed) {
  EXPECT_EQ(Refusal(DecodeWorkflowCommand("\xff\xfe junk")), "undecodable WorkflowCommand");
  agentstudio::v1::WorkflowCommand command;
  command.set_schema_version(99);
  EXPECT_EQ(Refusal(DecodeWorkflowCommand(command.SerializeAsString())),
            "unsupported schema version 99");
  command.set_schema_version(kSchemaVersion);
  EXPECT_EQ(Refusal(DecodeWorkflowCommand(command.SerializeAsString())),
            "command without command_id");
  command.set_command_id("c1");
  command.set_workflow_id("wf_1");
  EXPECT_EQ(Refusal(DecodeWorkflowCommand(command.SerializeAsString())), "");

  agentstudio::v1::TaskEvent event;
  event.set_schema_version(kSchemaVersion);
  event.set_event_id("e1");
  event.set_workflow_id("wf_1");
  event.set_task_id("t1");
  EXPECT_EQ(Refusal(DecodeTaskEvent(event.SerializeAsString())), "task event without kind");
  event.mutable_progress()->set_percentage(5);
  EXPECT_EQ(Refusal(DecodeTaskEvent(event.SerializeAsString())), "");

  agentstudio::v1::WorkflowEvent workflow_event;
  workflow_event.set_schema_version(kSchemaVersion);
  workflow_event.set_workflow_id("wf_1");
  workflow_event.set_workflow_status("exploded");
  EXPECT_EQ(Refusal(DecodeWorkflowEvent(workflow_event.SerializeAsString())),
            "workflow event with unknown status 'exploded'");

  agentstudio::v1::TaskControl control;
  control.set_schema_version(kSchemaVersion);
  control.set_task_id("t1");
  EXPECT_EQ(Refusal(DecodeTaskControl(control.SerializeAsString())),
            "task control with an unknown action");
  EXPECT_EQ(Refusal(DecodeTaskMessage("")), "unsupported schema version 0");
  EXPECT_EQ(Refusal(DecodeAgentHeartbeat("\xff")), "undecodable AgentHeartbeat");
}

}  // namespace
}  // namespace agentstudio::schemas

namespace agentstudio {
namespace {

TEST(MessageDecoding, ShouldRefuseTimesNoTimestampCanHoldAndNeverOverflow) {
  agentstudio::v1::TaskEvent event;
  event.set_schema_version(schemas::kSchemaVersion);
  event.set_event_id("e");
  event.set_workflow_id("wf");
  event.set_task_id("t");
  event.mutable_progress()->set_percentage(1);
  event.mutable_timestamp()->set_seconds(9'000'000'000'000'000'000);  // x1000 overflows int64
  const auto decoded = schemas::DecodeTaskEvent(event.SerializeAsString());
  ASSERT_TRUE(std::holds_alternative<std::string>(decoded));
  EXPECT_EQ(std::get<std::string>(decoded).rfind("timestamp out of range", 0), 0u);
  // Decoders refuse it; the conversion itself clamps instead of overflowing.
  EXPECT_EQ(schemas::FromTimestamp(event.timestamp()), schemas::kMaxTimestampSeconds * 1000);
  event.mutable_timestamp()->set_seconds(-9'000'000'000'000'000'000);
  EXPECT_EQ(schemas::FromTimestamp(event.timestamp()), schemas::kMinTimestampSeconds * 1000);

  agentstudio::v1::WorkflowCommand command;
  command.set_schema_version(schemas::kSchemaVersion);
  command.set_command_id("c");
  command.set_workflow_id("wf");
  command.mutable_issued_at()->set_seconds(schemas::kMaxTimestampSeconds + 1);
  const auto refused = schemas::DecodeWorkflowCommand(command.SerializeAsString());
  ASSERT_TRUE(std::holds_alternative<std::string>(refused));
  EXPECT_EQ(std::get<std::string>(refused).rfind("issued_at out of range", 0), 0u);
  command.mutable_issued_at()->set_seconds(schemas::kMaxTimestampSeconds);
  EXPECT_FALSE(std::holds_alternative<std::string>(
      schemas::DecodeWorkflowCommand(command.SerializeAsString())));
}

}  // namespace
}  // namespace agentstudio
