#pragma once

#include "engine/field_error.hpp"
#include "engine/workflow_definition.hpp"

namespace agentstudio::engine {

// Checks the step graph of a definition whose fields already parsed: unique
// step ids, known `dependsOn` targets, no self-dependency, no cycle (the
// message names the cycle, "a -> b -> a"), and for ordered patterns that an
// explicit `dependsOn` names exactly the previous step. `path` is the JSON path
// of the definition ("definition").
FieldErrors ValidateDefinition(const WorkflowDefinition& definition, const std::string& path);

// Whether each step runs after the one before it (`sequential`, and `iterative`
// within one iteration); `parallel` and `dynamic` follow `dependsOn`.
inline bool IsOrdered(Pattern pattern) {
  return pattern == Pattern::kSequential || pattern == Pattern::kIterative;
}

// The dependencies a step really has: for ordered patterns, the previous step;
// for the others, its `dependsOn`.
std::vector<std::string> EffectiveDependencies(const WorkflowDefinition& definition, size_t index);

}  // namespace agentstudio::engine
