#include "schemas/message_decoding.hpp"

#include "engine/workflow_state.hpp"
#include "schemas/command_codec.hpp"

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

}  // namespace

Decoded<agentstudio::v1::WorkflowCommand> DecodeWorkflowCommand(std::string_view payload) {
  auto decoded = Parse<agentstudio::v1::WorkflowCommand>(payload, "WorkflowCommand");
  if (const auto* command = std::get_if<agentstudio::v1::WorkflowCommand>(&decoded)) {
    if (command->command_id().empty()) return std::string("command without command_id");
    if (command->workflow_id().empty()) return std::string("command without workflow_id");
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
