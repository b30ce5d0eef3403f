#pragma once

#include "engine/field_error.hpp"
#include "engine/workflow_definition.hpp"

namespace agentstudio::engine {

// Checks the step graph of a definition whose fields already parsed: unique
// step ids, known `dependsOn` targets, no self-dependency, no cycle (the
// message names the cycle, "a -> b -> a"), and for `sequential` that an
// explicit `dependsOn` names exactly the previous step. `path` is the JSON path
// of the definition ("definition").
FieldErrors ValidateDefinition(const WorkflowDefinition& definition, const std::string& path);

// The dependencies a step really has: for `sequential`, the previous step; for
// the other patterns, its `dependsOn`.
std::vector<std::string> EffectiveDependencies(const WorkflowDefinition& definition, size_t index);

}  // namespace agentstudio::engine
