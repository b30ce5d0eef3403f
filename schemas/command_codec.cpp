#include "schemas/command_codec.hpp"

#include <set>

#include "engine/task_ids.hpp"
#include "schemas/ids.hpp"
#include "schemas/struct_json.hpp"

namespace agentstudio::schemas {

agentstudio::v1::WorkflowCommand MakeStartCommand(const engine::WorkflowRequest& request,
                                                  const std::string& workflow_id,
                                                  const std::vector<std::string>& task_ids,
                                                  engine::TimeMs now) {
  agentstudio::v1::WorkflowCommand command;
  command.set_schema_version(kSchemaVersion);
  command.set_command_id(NewMessageId());
  command.set_workflow_id(workflow_id);
  *command.mutable_issued_at() = ToTimestamp(now);
  auto* start = command.mutable_start();
  const engine::WorkflowDefinition& def = request.definition;
  auto* d = start->mutable_definition();
  d->set_id(def.id);
  d->set_name(def.name);
  d->set_description(def.description);
  d->set_pattern(std::string(engine::ToString(def.pattern)));
  d->set_timeout(def.timeout);
  d->set_max_retries(def.max_retries);
  d->set_max_iterations(def.max_iterations);
  d->set_max_steps(def.max_steps);
  for (const engine::StepDefinition& step : def.steps) {
    auto* s = d->add_steps();
    s->set_id(step.id);
    s->set_name(step.name);
    s->set_agent_type(step.agent_type);
    for (const std::string& dep : step.depends_on) s->add_depends_on(dep);
    *s->mutable_configuration() = ToStruct(step.configuration);
    s->set_timeout(step.timeout);
    if (step.input.is_object()) *s->mutable_input() = ToStruct(step.input);
    if (step.context.is_object()) *s->mutable_context() = ToStruct(step.context);
    if (step.priority != engine::Priority::kNormal)
      s->set_priority(std::string(ToString(step.priority)));
  }
  *start->mutable_input() = ToStruct(request.input);
  start->set_initiated_by(request.initiated_by);
  start->set_tenant(request.tenant);
  if (request.metadata.is_object()) *start->mutable_metadata() = ToStruct(request.metadata);
  for (const std::string& id : task_ids) start->add_task_ids(id);
  return command;
}

agentstudio::v1::WorkflowCommand MakeControlCommand(const std::string& workflow_id,
                                                    engine::Control control,
                                                    const std::string& reason, engine::TimeMs now) {
  agentstudio::v1::WorkflowCommand command;
  command.set_schema_version(kSchemaVersion);
  command.set_command_id(NewMessageId());
  command.set_workflow_id(workflow_id);
  *command.mutable_issued_at() = ToTimestamp(now);
  switch (control) {
    case engine::Control::kCancel:
      command.mutable_cancel()->set_reason(reason);
      break;
    case engine::Control::kPause:
      command.mutable_pause()->set_reason(reason);
      break;
    case engine::Control::kResume:
      command.mutable_resume();
      break;
    case engine::Control::kDelete:
      command.mutable_delete_();
      break;
  }
  return command;
}

agentstudio::v1::WorkflowCommand MakeCancelTaskCommand(const std::string& workflow_id,
                                                       const std::string& task_id,
                                                       const std::string& reason,
                                                       engine::TimeMs now) {
  agentstudio::v1::WorkflowCommand command;
  command.set_schema_version(kSchemaVersion);
  command.set_command_id(NewMessageId());
  command.set_workflow_id(workflow_id);
  *command.mutable_issued_at() = ToTimestamp(now);
  command.mutable_cancel_task()->set_task_id(task_id);
  command.mutable_cancel_task()->set_reason(reason);
  return command;
}

engine::ParsedWorkflowRequest ReadStartCommand(const agentstudio::v1::StartWorkflow& start) {
  const auto& d = start.definition();
  Json steps = Json::array();
  for (const auto& s : d.steps()) {
    Json step = {{"id", s.id()},
                 {"name", s.name()},
                 {"agentType", s.agent_type()},
                 {"configuration", FromStruct(s.configuration())}};
    if (s.depends_on_size() > 0) {
      step["dependsOn"] = std::vector<std::string>(s.depends_on().begin(), s.depends_on().end());
    }
    if (!s.timeout().empty()) step["timeout"] = s.timeout();
    if (s.has_input()) step["input"] = FromStruct(s.input());
    if (s.has_context()) step["context"] = FromStruct(s.context());
    if (!s.priority().empty()) step["priority"] = s.priority();
    steps.push_back(std::move(step));
  }
  Json definition = {
      {"id", d.id()}, {"name", d.name()}, {"pattern", d.pattern()}, {"steps", std::move(steps)}};
  if (!d.description().empty()) definition["description"] = d.description();
  if (!d.timeout().empty()) definition["timeout"] = d.timeout();
  if (d.has_max_retries()) definition["maxRetries"] = d.max_retries();
  if (d.has_max_iterations()) definition["maxIterations"] = d.max_iterations();
  if (d.has_max_steps()) definition["maxSteps"] = d.max_steps();
  Json body = {{"definition", std::move(definition)}, {"input", FromStruct(start.input())}};
  if (!start.initiated_by().empty()) body["initiatedBy"] = start.initiated_by();
  if (start.has_metadata()) body["metadata"] = FromStruct(start.metadata());
  engine::ParsedWorkflowRequest parsed = engine::ParseWorkflowRequest(body);
  if (!start.tenant().empty()) parsed.request.tenant = start.tenant();
  return parsed;
}

std::vector<std::string> TaskIdsOf(const agentstudio::v1::StartWorkflow& start,
                                   const std::string& workflow_id) {
  const int steps = start.definition().steps_size();
  if (start.task_ids_size() == 0) {
    std::vector<std::string> ids;
    for (const auto& step : start.definition().steps()) {
      ids.push_back(engine::DeriveTaskId(workflow_id, step.id()));
    }
    return ids;
  }
  if (start.task_ids_size() != steps) return {};
  std::vector<std::string> ids(start.task_ids().begin(), start.task_ids().end());
  std::set<std::string> seen;
  for (const std::string& id : ids) {
    if (!engine::IsValidIdentifier(id) || !seen.insert(id).second) return {};
  }
  return ids;
}

}  // namespace agentstudio::schemas
