#pragma once

#include <string>
#include <vector>

#include "agentstudio/v1/workflow_command.pb.h"
#include "engine/decide.hpp"
#include "engine/definition_parser.hpp"
#include "engine/workflow_state.hpp"

namespace agentstudio::schemas {

inline constexpr uint32_t kSchemaVersion = 1;

// A StartWorkflow command for a validated request, with a fresh command id.
agentstudio::v1::WorkflowCommand MakeStartCommand(const engine::WorkflowRequest& request,
                                                  const std::string& workflow_id,
                                                  const std::vector<std::string>& task_ids,
                                                  engine::TimeMs now);

// A cancel, pause, resume or delete command with a fresh command id.
agentstudio::v1::WorkflowCommand MakeControlCommand(const std::string& workflow_id,
                                                    engine::Control control,
                                                    const std::string& reason, engine::TimeMs now);

// A CancelTask command for one task of a workflow, with a fresh command id.
agentstudio::v1::WorkflowCommand MakeCancelTaskCommand(const std::string& workflow_id,
                                                       const std::string& task_id,
                                                       const std::string& reason,
                                                       engine::TimeMs now);

// Reads a StartWorkflow back into an engine request, validating it exactly as
// the REST front door does (commands from other services are not trusted).
engine::ParsedWorkflowRequest ReadStartCommand(const agentstudio::v1::StartWorkflow& start);

// The task ids of a StartWorkflow: the ones it carries, or derived ones when it
// carries none. Empty when it carries the wrong number, duplicates or invalid ids.
std::vector<std::string> TaskIdsOf(const agentstudio::v1::StartWorkflow& start,
                                   const std::string& workflow_id);

}  // namespace agentstudio::schemas
