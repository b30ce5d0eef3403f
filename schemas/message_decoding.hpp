#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "agentstudio/v1/agent_heartbeat.pb.h"
#include "agentstudio/v1/task_control.pb.h"
#include "agentstudio/v1/task_event.pb.h"
#include "agentstudio/v1/task_message.pb.h"
#include "agentstudio/v1/workflow_command.pb.h"
#include "agentstudio/v1/workflow_event.pb.h"

namespace agentstudio::schemas {

// A consumed message, decoded and checked for what every consumer of its
// topic needs (schema version, ids, kind), or the reason it cannot be
// processed: the `x-dlq-reason` of the dead letter, or the warning of the
// fan-out readers that skip it. Pure: no I/O; the fuzz targets run these on
// arbitrary bytes.
template <typename Message>
using Decoded = std::variant<Message, std::string>;

Decoded<agentstudio::v1::WorkflowCommand> DecodeWorkflowCommand(std::string_view payload);
Decoded<agentstudio::v1::TaskEvent> DecodeTaskEvent(std::string_view payload);
Decoded<agentstudio::v1::TaskMessage> DecodeTaskMessage(std::string_view payload);
Decoded<agentstudio::v1::AgentHeartbeat> DecodeAgentHeartbeat(std::string_view payload);
// Also requires a known workflow status.
Decoded<agentstudio::v1::WorkflowEvent> DecodeWorkflowEvent(std::string_view payload);
// Only cancels are defined.
Decoded<agentstudio::v1::TaskControl> DecodeTaskControl(std::string_view payload);

}  // namespace agentstudio::schemas
