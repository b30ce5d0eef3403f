#pragma once

#include <string>
#include <vector>

#include "engine/workflow_state.hpp"

namespace agentstudio::engine {

// Builds the initial state of an execution from a validated request: status
// `pending`, one task per step (`pending` when it has no dependency, else
// `waiting`), task dependencies translated from step ids to task ids.
// REQUIRES: task_ids.size() == request.definition.steps.size(), ids unique,
// and the request passed ParseWorkflowRequest without errors.
WorkflowState PlanExecution(const std::string& workflow_id, const WorkflowRequest& request,
                            const std::vector<std::string>& task_ids, TimeMs now);

}  // namespace agentstudio::engine
