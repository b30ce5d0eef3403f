#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentstudio::engine {

using Json = nlohmann::json;

enum class Pattern { kSequential, kParallel, kIterative, kDynamic };

std::string_view ToString(Pattern pattern);
std::optional<Pattern> ParsePattern(std::string_view text);

// How urgent a step's tasks are: reference 000's priorities, least urgent
// first, so that they compare as they rank. `normal` when a step names none.
// The values are stored (tasks.priority): never renumber them.
enum class Priority { kLow = 0, kNormal = 1, kMedium = 2, kHigh = 3, kCritical = 4 };

std::string_view ToString(Priority priority);
std::optional<Priority> ParsePriority(std::string_view text);

inline constexpr int kDefaultMaxRetries = 3;
inline constexpr int kMaxRetriesLimit = 10;
// `iterative`: how often the step list runs at most (1-100).
inline constexpr int kDefaultMaxIterations = 3;
inline constexpr int kMaxIterationsLimit = 100;
// `dynamic`: how many steps handoffs may grow the workflow to (1-1000).
inline constexpr int kDefaultMaxSteps = 50;
inline constexpr int kMaxStepsLimit = 1000;

// A step as the user wrote it (REST `WorkflowStepDefinition`).
struct StepDefinition {
  std::string id;
  std::string name;
  std::string agent_type;
  std::vector<std::string> depends_on;  // step ids, as written
  Json configuration = Json::object();
  std::string timeout;  // as written ("PT5M", "00:05:00"); empty when absent
  std::optional<std::chrono::milliseconds> timeout_value;
  // Extensions of the reference's step (null when absent): `input` replaces the
  // workflow input in this step's AgentRequest, `context` is merged under the
  // engine's own context keys. Steps added by a handoff carry the handoff's
  // input and {"handoff": {fromTaskId, fromStepId, reason}}; a single-task run
  // carries the caller's input and context.
  Json input = nullptr;
  Json context = nullptr;
  Priority priority = Priority::kNormal;
};

// REST `WorkflowDefinition`.
struct WorkflowDefinition {
  std::string id;
  std::string name;
  std::string description;
  Pattern pattern = Pattern::kSequential;
  std::vector<StepDefinition> steps;
  std::string timeout;  // as written; empty when absent
  std::optional<std::chrono::milliseconds> timeout_value;
  int max_retries = kDefaultMaxRetries;
  int max_iterations = kDefaultMaxIterations;  // used by `iterative`
  int max_steps = kDefaultMaxSteps;            // used by `dynamic`
};

// The tenant of what is started without one: with authentication off, and by
// commands that other services produce without a tenant.
inline constexpr std::string_view kDefaultTenant = "default";

// The body of `POST /api/workflows` and of a StartWorkflow command.
struct WorkflowRequest {
  WorkflowDefinition definition;
  Json input = Json::object();
  std::string initiated_by;
  Json metadata = nullptr;
  // Whose execution it is (docs/security.md). Set by who accepts the request
  // (the front door from the caller's credential), never read from its body.
  std::string tenant{kDefaultTenant};
};

// The REST JSON shape of a definition; ParseWorkflowRequest() reads it back.
Json ToJson(const WorkflowDefinition& definition);

}  // namespace agentstudio::engine
