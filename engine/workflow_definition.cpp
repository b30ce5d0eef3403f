#include "engine/workflow_definition.hpp"

namespace agentstudio::engine {

std::string_view ToString(Pattern pattern) {
  switch (pattern) {
    case Pattern::kSequential:
      return "sequential";
    case Pattern::kParallel:
      return "parallel";
    case Pattern::kIterative:
      return "iterative";
    case Pattern::kDynamic:
      return "dynamic";
  }
  return "sequential";
}

std::string_view ToString(Priority priority) {
  switch (priority) {
    case Priority::kLow:
      return "low";
    case Priority::kNormal:
      return "normal";
    case Priority::kMedium:
      return "medium";
    case Priority::kHigh:
      return "high";
    case Priority::kCritical:
      return "critical";
  }
  return "normal";
}

std::optional<Priority> ParsePriority(std::string_view text) {
  for (const Priority p : {Priority::kLow, Priority::kNormal, Priority::kMedium, Priority::kHigh,
                           Priority::kCritical}) {
    if (text == ToString(p)) return p;
  }
  return std::nullopt;
}

std::optional<Pattern> ParsePattern(std::string_view text) {
  if (text == "sequential") return Pattern::kSequential;
  if (text == "parallel") return Pattern::kParallel;
  if (text == "iterative") return Pattern::kIterative;
  if (text == "dynamic") return Pattern::kDynamic;
  return std::nullopt;
}

Json ToJson(const WorkflowDefinition& definition) {
  Json steps = Json::array();
  for (const StepDefinition& step : definition.steps) {
    Json s = {{"id", step.id},
              {"name", step.name},
              {"agentType", step.agent_type},
              {"configuration", step.configuration}};
    if (!step.depends_on.empty()) s["dependsOn"] = step.depends_on;
    if (!step.timeout.empty()) s["timeout"] = step.timeout;
    if (step.input.is_object()) s["input"] = step.input;
    if (step.context.is_object()) s["context"] = step.context;
    if (step.priority != Priority::kNormal) s["priority"] = ToString(step.priority);
    steps.push_back(std::move(s));
  }
  Json out = {{"id", definition.id},
              {"name", definition.name},
              {"pattern", ToString(definition.pattern)},
              {"steps", std::move(steps)},
              {"maxRetries", definition.max_retries}};
  if (!definition.description.empty()) out["description"] = definition.description;
  if (!definition.timeout.empty()) out["timeout"] = definition.timeout;
  if (definition.pattern == Pattern::kIterative) out["maxIterations"] = definition.max_iterations;
  if (definition.pattern == Pattern::kDynamic) out["maxSteps"] = definition.max_steps;
  return out;
}

}  // namespace agentstudio::engine
