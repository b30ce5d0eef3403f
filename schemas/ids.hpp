#pragma once

#include <string>
#include <string_view>

namespace agentstudio::schemas {

// Random identifiers: "wf_" / "task_" + 16 hex digits, and a 32-hex-digit
// command or event id. Thread-safe.
std::string NewWorkflowId();
std::string NewTaskId();
std::string NewMessageId();

}  // namespace agentstudio::schemas
