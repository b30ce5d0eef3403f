#include <algorithm>

#include "engine/decide.hpp"
#include "engine/decision_builder.hpp"

namespace agentstudio::engine {

Json BuildAgentRequest(const WorkflowState& state, const TaskState& task) {
  const StepDefinition* step = state.FindStep(task.step_id);
  Json previous = Json::object();
  for (const std::string& dep_id : task.depends_on) {
    const TaskState* dep = state.FindTask(dep_id);
    if (dep && dep->response.is_object()) {
      previous[dep->step_id] = dep->response.value("result", Json::object());
    }
  }
  Json context = step && step->context.is_object() ? step->context : Json::object();
  context["workflowExecutionId"] = state.id;
  context["stepId"] = task.step_id;
  context["attempt"] = task.attempt;
  context["previousResults"] = std::move(previous);
  if (state.definition.pattern == Pattern::kIterative) {
    // Only the last iteration before this one: carrying them all made every
    // request grow with the iteration count (O(n^2) bytes, past Kafka's 1 MB
    // within a few iterations of large results). Older ones are in the
    // execution (GET /api/workflows/{id}); `iterationsOmitted` counts them.
    const int first = std::max(1, task.iteration - kIterationsCarried);
    Json earlier = Json::array();
    for (int i = first; i < task.iteration; ++i)
      earlier.push_back({{"iteration", i}, {"results", Json::object()}});
    for (const TaskState& t : state.tasks) {
      if (t.iteration >= first && t.iteration < task.iteration && t.response.is_object()) {
        earlier[t.iteration - first]["results"][t.step_id] =
            t.response.value("result", Json::object());
      }
    }
    context["iteration"] = task.iteration;
    context["previousIterations"] = std::move(earlier);
    context["iterationsOmitted"] = first - 1;
  }
  Json input = step && step->input.is_object() ? step->input
               : state.input.is_object()       ? state.input
                                               : Json::object();
  Json request = {{"task", task.name},
                  {"input", std::move(input)},
                  {"context", std::move(context)},
                  {"configuration", step ? step->configuration : Json::object()}};
  if (step && !step->timeout.empty()) request["timeout"] = step->timeout;
  return request;
}

}  // namespace agentstudio::engine
