#pragma once

#include <optional>
#include <string_view>

namespace agentstudio::auth {

// What a credential may do. Each route of the front door needs one (its
// OpenAPI operation says which); kAdmin stands for all of them.
enum class Scope {
  kWorkflowsRead,
  kWorkflowsWrite,
  kWorkflowsExecute,
  kTasksExecute,
  kAgentsWrite,
  kAgentsReport,
  kAdmin,
};

// "workflows:read", "workflows:write", "workflows:execute", "tasks:execute",
// "agents:write", "agents:report", "admin".
std::string_view ToString(Scope scope);
std::optional<Scope> ParseScope(std::string_view text);

}  // namespace agentstudio::auth
