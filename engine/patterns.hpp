#pragma once

// Internal to the engine (decide.cpp): what the `iterative` and `dynamic`
// patterns add to an execution, and the release of tasks whose dependencies
// completed. Not part of the engine's interface.

#include <string>
#include <vector>

#include "engine/decision_builder.hpp"

namespace agentstudio::engine::detail {

// Appends a waiting task for `step` (ids derived from its position, so
// replaying the decision gives the same id). Returns its id: references into
// `tasks` do not survive the append.
std::string AppendTask(WorkflowState& state, const StepDefinition& step,
                       std::vector<std::string> depends_on, int iteration, TimeMs now);

// `iterative`: after the last step of an iteration completed, runs the step
// list again unless its result says "done": true or maxIterations is reached.
void ContinueIterating(DecisionBuilder& builder, const std::string& completed_id, TimeMs now);

// `dynamic`: a completed task's response asked another agent to continue.
// Adds a step (and its task) depending on it, within maxSteps.
void AddHandoffStep(DecisionBuilder& builder, const std::string& from_task_id, const Json& handoff,
                    TimeMs now);

// Moves waiting tasks whose dependencies all completed to pending and
// dispatches them.
void ReleaseReadyTasks(DecisionBuilder& builder);

}  // namespace agentstudio::engine::detail
