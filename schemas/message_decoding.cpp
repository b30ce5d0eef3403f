#include "schemas/message_decoding.hpp"

#include <optional>

#include "engine/workflow_state.hpp"
#include "schemas/command_codec.hpp"
#include "schemas/struct_json.hpp"

namespace agentstudio::schemas {
namespace {

// Parses `payload` as `Message` and checks its schema version.
template <typename Message>
Decoded<Message> Parse(std::string_view payload, const char* name) {
  Message message;
  if (!message.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return std::string("undecodable ") + name;
  }
  if (message.schema_version() != kSchemaVersion) {
    return "unsupported schema version " + std::to_string(message.schema_version());
  }
  return message;
}

// A Timestamp outside protobuf's range (years 1 to 9999, which PostgreSQL
// and our millisecond arithmetic hold) names no time: nullopt, or why not.
std::optional<std::string> BadTimestamp(const google::protobuf::Timestamp& value,
                                        const char* field) {
  if (value.seconds() < kMinTimestampSeconds || value.seconds() > kMaxTimestampSeconds ||
      value.nanos() < 0 || value.nanos() > 999999999) {
    return std::string(field) + " out of range (" + std::to_string(value.seconds()) + " s)";
  }
  return std::nullopt;
}

}  // namespace

Decoded<agentstudio::v1::WorkflowCommand> DecodeWorkflowCommand(std::string_view payload) {
  auto decoded = Parse<agentstudio::v1::WorkflowCommand>(payload, "WorkflowCommand");
  if (const auto* command = std::get_if<agentstudio::v1::WorkflowCommand>(&decoded)) {
    if (command->command_id().empty()) return std::string("command without command_id");
    if (command->workflow_id().empty()) return std::string("command without workflow_id");
    if (auto bad = BadTimestamp(command->issued_at(), "issued_at")) return std::move(*bad);
  }
  return decoded;
}

Decoded<agentstudio::v1::TaskEvent> DecodeTaskEvent(std::string_view payload) {
  auto decoded = Parse<agentstudio::v1::TaskEvent>(payload, "TaskEvent");
  if (const auto* event = std::get_if<agentstudio::v1::TaskEvent>(&decoded)) {
    if (event->event_id().empty()) return std::string("task event without event_id");
    if (event->workflow_id().empty() || event->task_id().empty()) {
      return std::string("task event without workflow_id or task_id");
    }
    if (event->kind_case() == agentstudio::v1::TaskEvent::KIND_NOT_SET) {
      return std::string("task event without kind");
    }
    if (auto bad = BadTimestamp(event->timestamp(), "timestamp")) return std::move(*bad);
    if (event->has_progress() && event->progress().has_thought()) {
      if (auto bad = BadTimestamp(event->progress().thought().timestamp(), "thought timestamp"))
        return std::move(*bad);
    }
  }
  return decoded;
}

Decoded<agentstudio::v1::TaskMessage> DecodeTaskMessage(std::string_view payload) {
  auto decoded = Parse<agentstudio::v1::TaskMessage>(payload, "TaskMessage");
  if (const auto* task = std::get_if<agentstudio::v1::TaskMessage>(&decoded)) {
    if (task->task_id().empty() || task->workflow_id().empty()) {
      return std::string("task message without task_id or workflow_id");
    }
  }
  return decoded;
}

Decoded<agentstudio::v1::AgentHeartbeat> DecodeAgentHeartbeat(std::string_view payload) {
  auto decoded = Parse<agentstudio::v1::AgentHeartbeat>(payload, "AgentHeartbeat");
  if (const auto* heartbeat = std::get_if<agentstudio::v1::AgentHeartbeat>(&decoded)) {
    if (heartbeat->agent_id().empty()) return std::string("heartbeat without agent_id");
    if (auto bad = BadTimestamp(heartbeat->timestamp(), "timestamp")) return std::move(*bad);
  }
  return decoded;
}

Decoded<agentstudio::v1::WorkflowEvent> DecodeWorkflowEvent(std::string_view payload) {
  auto decoded = Parse<agentstudio::v1::WorkflowEvent>(payload, "WorkflowEvent");
  if (const auto* event = std::get_if<agentstudio::v1::WorkflowEvent>(&decoded)) {
    if (event->workflow_id().empty()) return std::string("workflow event without workflow_id");
    if (!engine::ParseWorkflowStatus(event->workflow_status())) {
      return "workflow event with unknown status '" + event->workflow_status() + "'";
    }
    if (auto bad = BadTimestamp(event->timestamp(), "timestamp")) return std::move(*bad);
  }
  return decoded;
}

Decoded<agentstudio::v1::TaskControl> DecodeTaskControl(std::string_view payload) {
  auto decoded = Parse<agentstudio::v1::TaskControl>(payload, "TaskControl");
  if (const auto* control = std::get_if<agentstudio::v1::TaskControl>(&decoded)) {
    if (control->task_id().empty()) return std::string("task control without task_id");
    if (control->action() != agentstudio::v1::TaskControl::ACTION_CANCEL) {
      return std::string("task control with an unknown action");
    }
  }
  return decoded;
}

}  // namespace agentstudio::schemas
