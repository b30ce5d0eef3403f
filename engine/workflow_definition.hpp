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

inline constexpr int kDefaultMaxRetries = 3;
inline constexpr int kMaxRetriesLimit = 10;

// A step as the user wrote it (REST `WorkflowStepDefinition`).
struct StepDefinition {
  std::string id;
  std::string name;
  std::string agent_type;
  std::vector<std::string> depends_on;  // step ids, as written
  Json configuration = Json::object();
  std::string timeout;  // as written ("PT5M", "00:05:00"); empty when absent
  std::optional<std::chrono::milliseconds> timeout_value;
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
};

// The body of `POST /api/workflows` and of a StartWorkflow command.
struct WorkflowRequest {
  WorkflowDefinition definition;
  Json input = Json::object();
  std::string initiated_by;
  Json metadata = nullptr;
};

// The REST JSON shape of a definition; ParseWorkflowRequest() reads it back.
Json ToJson(const WorkflowDefinition& definition);

}  // namespace agentstudio::engine
