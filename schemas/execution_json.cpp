#include "schemas/execution_json.hpp"

#include <algorithm>
#include <cctype>

#include "engine/duration.hpp"
#include "engine/timestamp.hpp"

namespace agentstudio::schemas {
namespace {

void PutTime(Json& object, const char* key, engine::TimeMs value) {
  if (value != 0) object[key] = engine::FormatTimestamp(value);
}

}  // namespace

Json TaskToJson(const engine::WorkflowState& state, const engine::TaskState& task) {
  Json out = {{"id", task.id},
              {"workflowExecutionId", state.id},
              {"stepDefinitionId", task.step_id},
              {"name", task.name},
              {"agentType", task.agent_type},
              {"status", engine::ToString(task.status)},
              {"retryCount", task.retry_count},
              {"maxRetries", task.max_retries},
              {"attempt", task.attempt},
              {"progress", task.progress}};
  PutTime(out, "createdAt", task.created_at);
  PutTime(out, "startedAt", task.started_at);
  PutTime(out, "completedAt", task.completed_at);
  if (!task.request.is_null()) out["request"] = task.request;
  if (!task.response.is_null()) out["response"] = task.response;
  if (!task.error_message.empty()) out["errorMessage"] = task.error_message;
  if (!task.depends_on.empty()) out["dependsOn"] = task.depends_on;
  return out;
}

Json EventToJson(const engine::ExecutionEvent& event) {
  Json out = {{"id", event.sequence},
              {"type", event.type},
              {"timestamp", engine::FormatTimestamp(event.timestamp)},
              {"severity", event.severity}};
  if (!event.data.empty()) out["data"] = event.data;
  return out;
}

Json ExecutionToJson(const engine::WorkflowState& state,
                     const std::vector<engine::ExecutionEvent>& events) {
  Json tasks = Json::array();
  for (const engine::TaskState& task : state.tasks) tasks.push_back(TaskToJson(state, task));
  Json event_list = Json::array();
  for (const engine::ExecutionEvent& event : events) event_list.push_back(EventToJson(event));
  Json context = {{"workflowExecutionId", state.id},
                  {"state", state.context_state},
                  {"results", engine::Results(state)},
                  {"events", std::move(event_list)},
                  {"progress", engine::Progress(state)}};
  PutTime(context, "createdAt", state.created_at);
  PutTime(context, "lastUpdatedAt", state.updated_at);
  Json out = {{"id", state.id},
              {"workflowDefinitionId", state.definition.id},
              {"name", state.definition.name},
              {"pattern", engine::ToString(state.definition.pattern)},
              {"status", engine::ToString(state.status)},
              {"tasks", std::move(tasks)},
              {"context", std::move(context)},
              {"initiatedBy", state.initiated_by},
              {"metadata", state.metadata},
              {"etag", ETagOf(state)}};
  PutTime(out, "createdAt", state.created_at);
  PutTime(out, "startedAt", state.started_at);
  PutTime(out, "completedAt", state.completed_at);
  if (!state.error_message.empty()) out["errorMessage"] = state.error_message;
  return out;
}

EventLogJson::EventLogJson(std::string& out) : out_(out) { out_ += '['; }

void EventLogJson::AppendString(std::string_view value) {
  const bool plain = std::all_of(value.begin(), value.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == ' ' || c == '-' || c == '_' ||
           c == '.';
  });
  if (!plain) {
    out_ += Json(value).dump();
    return;
  }
  out_ += '"';
  out_ += value;
  out_ += '"';
}

void EventLogJson::AppendTimestamp(engine::TimeMs value) {
  if (value < 0) {
    AppendString(engine::FormatTimestamp(value));
    return;
  }
  if (value / 1000 != cached_second_) {
    cached_second_ = value / 1000;
    const std::string formatted = engine::FormatTimestamp(value);
    cached_prefix_ = formatted.substr(0, formatted.size() - 4);  // up to the '.'
  }
  const int millis = static_cast<int>(value % 1000);
  out_ += '"';
  out_ += cached_prefix_;
  out_ += static_cast<char>('0' + millis / 100);
  out_ += static_cast<char>('0' + millis / 10 % 10);
  out_ += static_cast<char>('0' + millis % 10);
  out_ += "Z\"";
}

void EventLogJson::Add(int64_t sequence, std::string_view type, std::string_view severity,
                       std::string_view data_json, engine::TimeMs timestamp) {
  if (!first_) out_ += ',';
  first_ = false;
  out_ += "{\"id\":";
  out_ += std::to_string(sequence);
  out_ += ",\"type\":";
  AppendString(type);
  out_ += ",\"timestamp\":";
  AppendTimestamp(timestamp);
  out_ += ",\"severity\":";
  AppendString(severity);
  if (!data_json.empty()) {
    out_ += ",\"data\":";
    out_ += data_json;
  }
  out_ += '}';
}

void EventLogJson::Finish() { out_ += ']'; }

std::string ExecutionToJsonText(const engine::WorkflowState& state, size_t events_bytes,
                                const std::function<void(std::string&)>& write_events) {
  Json out = ExecutionToJson(state, {});
  Json context = std::move(out["context"]);
  out.erase("context");
  context.erase("events");
  // Each object's dump with the new first key put in front: no search in
  // text that holds what users sent, and the events written once, in place.
  const std::string context_rest = context.dump().substr(1);
  const std::string out_rest = out.dump().substr(1);
  std::string text;
  text.reserve(events_bytes + context_rest.size() + out_rest.size() + 32);
  text += "{\"context\":{\"events\":";
  write_events(text);
  text += ',';
  text += context_rest;
  text += ',';
  text += out_rest;
  return text;
}

Json WorkflowResultToJson(const engine::WorkflowState& state,
                          const std::vector<engine::ExecutionEvent>& events) {
  const engine::TimeMs start = state.started_at != 0 ? state.started_at : state.created_at;
  const engine::TimeMs end = state.completed_at != 0 ? state.completed_at : state.updated_at;
  Json out = {{"workflowId", state.id},
              {"success", state.status == engine::WorkflowStatus::kCompleted},
              {"status", engine::ToString(state.status)},
              {"context", ExecutionToJson(state, events)["context"]},
              {"duration", engine::FormatDuration(std::chrono::milliseconds(
                               std::max<engine::TimeMs>(0, end - start)))}};
  if (!state.error_message.empty()) out["errorMessage"] = state.error_message;
  return out;
}

bool FailedByWorkflowTimeout(const engine::WorkflowState& state) {
  return state.status == engine::WorkflowStatus::kFailed &&
         state.failure == engine::FailureCause::kWorkflowTimeout;
}

Json CheckpointToJson(const std::string& workflow_id, const engine::Checkpoint& checkpoint) {
  const std::string suffix = workflow_id.rfind("wf_", 0) == 0 ? workflow_id.substr(3) : workflow_id;
  Json out = {{"id", "cp_" + suffix + "_" + std::to_string(checkpoint.sequence)},
              {"workflowExecutionId", workflow_id},
              {"sequenceNumber", checkpoint.sequence},
              {"type", checkpoint.type},
              {"contextSnapshot", checkpoint.context_snapshot},
              {"createdAt", engine::FormatTimestamp(checkpoint.created_at)},
              {"isRecoverable", true},
              {"etag", "\"cp" + std::to_string(checkpoint.sequence) + "\""}};
  if (!checkpoint.completed_task_id.empty()) out["completedTaskId"] = checkpoint.completed_task_id;
  if (!checkpoint.next_task_id.empty()) out["nextTaskId"] = checkpoint.next_task_id;
  return out;
}

std::string ETagOf(const engine::WorkflowState& state) {
  return "\"v" + std::to_string(state.version) + "\"";
}

}  // namespace agentstudio::schemas
