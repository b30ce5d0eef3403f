#include "engine/planner.hpp"

#include <unordered_map>

#include "engine/definition_validator.hpp"

namespace agentstudio::engine {

WorkflowState PlanExecution(const std::string& workflow_id, const WorkflowRequest& request,
                            const std::vector<std::string>& task_ids, TimeMs now) {
  WorkflowState state;
  state.id = workflow_id;
  state.definition = request.definition;
  state.input = request.input;
  state.metadata = request.metadata;
  state.initiated_by = request.initiated_by;
  state.tenant = request.tenant;
  state.created_at = now;
  state.updated_at = now;
  state.context_state = {{"currentStep", 0}, {"totalSteps", request.definition.steps.size()}};
  if (request.definition.pattern == Pattern::kIterative) state.context_state["iteration"] = 1;

  std::unordered_map<std::string, std::string> task_of_step;
  for (size_t i = 0; i < request.definition.steps.size(); ++i) {
    task_of_step[request.definition.steps[i].id] = task_ids[i];
  }
  for (size_t i = 0; i < request.definition.steps.size(); ++i) {
    const StepDefinition& step = request.definition.steps[i];
    TaskState task;
    task.id = task_ids[i];
    task.step_id = step.id;
    task.name = step.name;
    task.agent_type = step.agent_type;
    task.max_retries = request.definition.max_retries;
    task.created_at = now;
    for (const std::string& dep : EffectiveDependencies(request.definition, i)) {
      task.depends_on.push_back(task_of_step.at(dep));
    }
    task.status = task.depends_on.empty() ? TaskStatus::kPending : TaskStatus::kWaiting;
    state.tasks.push_back(std::move(task));
  }
  return state;
}

}  // namespace agentstudio::engine
