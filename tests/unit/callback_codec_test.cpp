#include "schemas/callback_codec.hpp"

#include <gtest/gtest.h>

namespace agentstudio::schemas {
namespace {

TEST(CallbackCodec, ShouldReadEachTaskCallbackIntoItsEventPart) {
  auto progress = ParseTaskCallback(
      TaskCallbackKind::kProgress,
      Json{{"task_id", "task_1"},
           {"workflow_id", "wf_1"},
           {"timestamp", "2025-10-07T10:31:00Z"},
           {"progress", {{"percentage", 45}, {"current_step", "Processing"}, {"message", "4500"}}},
           {"metrics", {{"cpu_usage_percent", 67.5}}}});
  ASSERT_TRUE(std::holds_alternative<TaskCallback>(progress));
  const TaskCallback& p = std::get<TaskCallback>(progress);
  EXPECT_EQ(p.task_id, "task_1");
  EXPECT_EQ(p.workflow_id, "wf_1");
  EXPECT_FALSE(p.attempt.has_value());
  EXPECT_EQ(p.event.progress().percentage(), 45);
  EXPECT_EQ(p.event.progress().current_step(), "Processing");

  auto completion =
      ParseTaskCallback(TaskCallbackKind::kCompletion, Json{{"task_id", "task_1"},
                                                            {"attempt", 2},
                                                            {"result", {{"answer", 42}}},
                                                            {"metadata", {{"model", "m"}}}});
  ASSERT_TRUE(std::holds_alternative<TaskCallback>(completion));
  const auto& response = std::get<TaskCallback>(completion).event.completion().response();
  EXPECT_TRUE(response.success());
  EXPECT_EQ(FromStruct(response.result()), Json({{"answer", 42}}));
  EXPECT_EQ(std::get<TaskCallback>(completion).attempt, 2);

  auto error =
      ParseTaskCallback(TaskCallbackKind::kError,
                        Json{{"task_id", "task_1"},
                             {"error", {{"code", "E"}, {"message", "m"}, {"retryable", true}}}});
  ASSERT_TRUE(std::holds_alternative<TaskCallback>(error));
  EXPECT_TRUE(std::get<TaskCallback>(error).event.error().retryable());

  auto handoff = ParseTaskCallback(
      TaskCallbackKind::kHandoff,
      Json{{"task_id", "task_1"},
           {"handoff",
            {{"agent_type", "code-analyzer"}, {"reason", "needs code"}, {"input", {{"x", 1}}}}}});
  ASSERT_TRUE(std::holds_alternative<TaskCallback>(handoff));
  EXPECT_EQ(std::get<TaskCallback>(handoff).event.handoff().handoff().agent_type(),
            "code-analyzer");
}

engine::FieldErrors ErrorsOf(TaskCallbackKind kind, const Json& body) {
  auto parsed = ParseTaskCallback(kind, body);
  return std::holds_alternative<engine::FieldErrors>(parsed) ? std::get<engine::FieldErrors>(parsed)
                                                             : engine::FieldErrors{};
}

TEST(CallbackCodec, ShouldNameTheFieldOfEachMistake) {
  EXPECT_EQ(ErrorsOf(TaskCallbackKind::kProgress, Json::array()).at(0).field, "body");
  EXPECT_EQ(ErrorsOf(TaskCallbackKind::kProgress, {{"progress", Json::object()}}).at(0).field,
            "task_id");
  EXPECT_EQ(
      ErrorsOf(TaskCallbackKind::kProgress, {{"task_id", "a b"}, {"progress", Json::object()}})
          .at(0)
          .field,
      "task_id");
  EXPECT_EQ(ErrorsOf(TaskCallbackKind::kProgress,
                     {{"task_id", "t"}, {"attempt", 0}, {"progress", Json::object()}})
                .at(0)
                .field,
            "attempt");
  EXPECT_EQ(
      ErrorsOf(TaskCallbackKind::kError, {{"task_id", "t"}, {"error", {{"retryable", "yes"}}}})
          .size(),
      2u)
      << "no message, and retryable not a boolean";
  EXPECT_EQ(ErrorsOf(TaskCallbackKind::kHandoff, {{"task_id", "t"}, {"handoff", {{"task", "x"}}}})
                .at(0)
                .field,
            "handoff.agent_type");
  EXPECT_EQ(ErrorsOf(TaskCallbackKind::kCompletion, {{"task_id", "t"}, {"result", 5}}).at(0).field,
            "result");
}

TEST(CallbackCodec, ShouldReadAHeartbeatAndRefuseBadOnes) {
  auto beat = ParseHeartbeatCallback(Json{{"agent_types", {"test-runner"}},
                                          {"status", "degraded"},
                                          {"load", 0.5},
                                          {"active_tasks", 3},
                                          {"capacity", 8},
                                          {"endpoint", "http://10.0.0.5:8081"},
                                          {"metrics", {{"memory_usage_mb", 1024}}}});
  ASSERT_TRUE(std::holds_alternative<agentstudio::v1::AgentHeartbeat>(beat));
  const auto& heartbeat = std::get<agentstudio::v1::AgentHeartbeat>(beat);
  EXPECT_EQ(heartbeat.status(), "degraded");
  EXPECT_EQ(heartbeat.active_tasks(), 3);
  EXPECT_EQ(heartbeat.capacity(), 8);
  EXPECT_EQ(heartbeat.endpoint(), "http://10.0.0.5:8081");
  EXPECT_EQ(heartbeat.metrics().at("memory_usage_mb"), 1024);
  const auto errors = [](const Json& body) {
    auto parsed = ParseHeartbeatCallback(body);
    return std::holds_alternative<engine::FieldErrors>(parsed)
               ? std::get<engine::FieldErrors>(parsed).at(0).field
               : std::string();
  };
  EXPECT_EQ(errors(Json::object()), "agent_types");
  EXPECT_EQ(errors({{"agent_types", {"x"}}, {"status", "asleep"}}), "status");
  EXPECT_EQ(errors({{"agent_types", {"x"}}, {"load", 2}}), "load");
  EXPECT_EQ(errors({{"agent_types", {"x"}}, {"capacity", -1}}), "capacity");
  EXPECT_EQ(errors({{"agent_types", {"x"}}, {"capacity", 1.5}}), "capacity");
  EXPECT_EQ(errors({{"agent_types", {"x"}}, {"endpoint", "file:///etc/passwd"}}), "endpoint");
  EXPECT_EQ(errors({{"agent_types", {"x"}}, {"endpoint", "http://a b"}}), "endpoint");
  EXPECT_EQ(errors({{"agent_types", {"x"}}, {"endpoint", 7}}), "endpoint");
  EXPECT_EQ(errors({{"agent_types", {"x"}}, {"metrics", {{"m", "high"}}}}), "metrics.m");
}

}  // namespace
}  // namespace agentstudio::schemas
