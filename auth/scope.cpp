#include "auth/scope.hpp"

#include <array>
#include <utility>

namespace agentstudio::auth {
namespace {

constexpr std::array<std::pair<Scope, std::string_view>, 7> kNames = {{
    {Scope::kWorkflowsRead, "workflows:read"},
    {Scope::kWorkflowsWrite, "workflows:write"},
    {Scope::kWorkflowsExecute, "workflows:execute"},
    {Scope::kTasksExecute, "tasks:execute"},
    {Scope::kAgentsWrite, "agents:write"},
    {Scope::kAgentsReport, "agents:report"},
    {Scope::kAdmin, "admin"},
}};

}  // namespace

std::string_view ToString(Scope scope) {
  for (const auto& [value, name] : kNames) {
    if (value == scope) return name;
  }
  return "unknown";
}

std::optional<Scope> ParseScope(std::string_view text) {
  for (const auto& [value, name] : kNames) {
    if (name == text) return value;
  }
  return std::nullopt;
}

}  // namespace agentstudio::auth
