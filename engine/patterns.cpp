#include "engine/patterns.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_set>

#include "engine/definition_parser.hpp"
#include "engine/task_ids.hpp"

namespace agentstudio::engine::detail {

std::string AppendTask(WorkflowState& state, const StepDefinition& step,
                       std::vector<std::string> depends_on, int iteration, TimeMs now) {
  TaskState task;
  task.id = DeriveTaskId(state.id, "#" + std::to_string(state.tasks.size()));
  task.step_id = step.id;
  task.name = step.name;
  task.agent_type = step.agent_type;
  task.max_retries = state.definition.max_retries;
  task.iteration = iteration;
  task.depends_on = std::move(depends_on);
  task.created_at = now;
  state.tasks.push_back(std::move(task));
  return state.tasks.back().id;
}

void ContinueIterating(DecisionBuilder& builder, const std::string& completed_id, TimeMs now) {
  WorkflowState& s = builder.state();
  const TaskState completed = *s.FindTask(completed_id);
  if (completed.step_id != s.definition.steps.back().id) return;
  const Json& result = completed.response.value("result", Json::object());
  const bool done = result.is_object() && result.value("done", false) == true;
  if (done) {
    builder.Event("IterationsConverged", "Information",
                  {{"iteration", completed.iteration}, {"taskId", completed.id}}, now);
    return;
  }
  if (completed.iteration >= s.definition.max_iterations) {
    builder.Event("IterationLimitReached", "Warning",
                  {{"iteration", completed.iteration},
                   {"maxIterations", s.definition.max_iterations},
                   {"taskId", completed.id}},
                  now);
    return;
  }
  const int next = completed.iteration + 1;
  std::string previous = completed.id;
  for (const StepDefinition& step : s.definition.steps) {
    previous = AppendTask(s, step, {previous}, next, now);
  }
  UpdateCurrentStep(s);
  builder.Event("IterationStarted", "Information",
                {{"iteration", next}, {"afterTaskId", completed.id}}, now);
}

void AddHandoffStep(DecisionBuilder& builder, const std::string& from_task_id, const Json& handoff,
                    TimeMs now) {
  WorkflowState& s = builder.state();
  const TaskState from = *s.FindTask(from_task_id);
  const std::string agent_type = handoff.value("agentType", "");
  const std::string reason = handoff.value("reason", "");
  std::string rejected;
  if (!IsValidIdentifier(agent_type)) {
    rejected = "handoff.agentType must be 1-128 characters of letters, digits, '.', '_' or '-'";
  } else if (s.definition.steps.size() >= static_cast<size_t>(s.definition.max_steps)) {
    rejected = "maxSteps (" + std::to_string(s.definition.max_steps) + ") reached";
  }
  if (!rejected.empty()) {
    builder.Event("HandoffRejected", "Warning",
                  {{"taskId", from.id}, {"agentType", agent_type}, {"error", rejected}}, now);
    return;
  }
  StepDefinition step;
  for (size_t n = s.definition.steps.size() + 1; step.id.empty() || s.FindStep(step.id); ++n) {
    step.id = "handoff-" + std::to_string(n);
  }
  const std::string task_text = handoff.value("task", "");
  step.name = task_text.empty() ? "Handoff to " + agent_type : task_text;
  step.agent_type = agent_type;
  step.depends_on = {from.step_id};
  // The work handed on is as urgent as the step that hands it on.
  if (const StepDefinition* from_step = s.FindStep(from.step_id))
    step.priority = from_step->priority;
  if (const auto it = handoff.find("input"); it != handoff.end() && it->is_object()) {
    step.input = *it;
  }
  step.context = {
      {"handoff", {{"fromTaskId", from.id}, {"fromStepId", from.step_id}, {"reason", reason}}}};
  s.definition.steps.push_back(step);
  const std::string added = AppendTask(s, step, {from.id}, 1, now);
  UpdateCurrentStep(s);
  builder.Event("TaskHandoff", "Information",
                {{"taskId", from.id},
                 {"newTaskId", added},
                 {"stepId", step.id},
                 {"agentType", agent_type},
                 {"reason", reason}},
                now);
}

void ReleaseReadyTasks(DecisionBuilder& builder) {
  WorkflowState& state = builder.state();
  // Indexed once, so that a step of a long workflow costs O(tasks), not
  // O(tasks²). Dispatch neither completes nor adds tasks.
  std::unordered_set<std::string_view> completed;
  for (const TaskState& task : state.tasks) {
    if (task.status == TaskStatus::kCompleted) completed.insert(task.id);
  }
  for (TaskState& task : state.tasks) {
    if (task.status != TaskStatus::kWaiting) continue;
    const bool ready = std::all_of(task.depends_on.begin(), task.depends_on.end(),
                                   [&](const std::string& dep) { return completed.contains(dep); });
    if (ready) builder.Dispatch(task);
  }
}

}  // namespace agentstudio::engine::detail
