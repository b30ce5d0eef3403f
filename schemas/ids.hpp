#pragma once

#include <string>
#include <string_view>

namespace agentstudio::schemas {

// Random identifiers: "wf_" / "task_" + 16 hex digits, and a 32-hex-digit
// command or event id. Thread-safe.
std::string NewWorkflowId();
std::string NewTaskId();
std::string NewMessageId();

// A task id derived from (workflow id, step id): the same inputs always give
// the same id, so a StartWorkflow produced without task ids stays idempotent.
std::string DerivedTaskId(std::string_view workflow_id, std::string_view step_id);

}  // namespace agentstudio::schemas
