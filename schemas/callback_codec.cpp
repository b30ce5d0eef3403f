#include "schemas/callback_codec.hpp"

#include "engine/definition_parser.hpp"
#include "schemas/agent_codec.hpp"

namespace agentstudio::schemas {
namespace {

constexpr const char* kInvalid = "INVALID_FORMAT";
constexpr const char* kRequired = "REQUIRED_FIELD";
constexpr const char* kRange = "RANGE_ERROR";

// Reads the optional string member `name`; a non-string is an error.
std::string StringField(const Json& object, const std::string& prefix, const char* name,
                        engine::FieldErrors& errors, bool required = false) {
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    if (required) errors.push_back({prefix + name, std::string(name) + " is required", kRequired});
    return {};
  }
  if (!it->is_string()) {
    errors.push_back({prefix + name, std::string(name) + " must be a string", kInvalid});
    return {};
  }
  return it->get<std::string>();
}

// The object member `name`, or null (with an error when `required` or when
// it is there and not an object).
const Json* ObjectField(const Json& object, const char* name, engine::FieldErrors& errors,
                        bool required) {
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    if (required) errors.push_back({name, std::string(name) + " is required", kRequired});
    return nullptr;
  }
  if (!it->is_object()) {
    errors.push_back({name, std::string(name) + " must be an object", kInvalid});
    return nullptr;
  }
  return &*it;
}

}  // namespace

std::variant<TaskCallback, engine::FieldErrors> ParseTaskCallback(TaskCallbackKind kind,
                                                                  const Json& body) {
  engine::FieldErrors errors;
  if (!body.is_object()) {
    return engine::FieldErrors{{"body", "the body must be a JSON object", kInvalid}};
  }
  TaskCallback out;
  out.task_id = StringField(body, "", "task_id", errors, true);
  if (!out.task_id.empty() && !engine::IsValidIdentifier(out.task_id)) {
    errors.push_back({"task_id", "task_id is not a task id", kInvalid});
  }
  out.workflow_id = StringField(body, "", "workflow_id", errors);
  if (const auto it = body.find("attempt"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > 1000000) {
      errors.push_back({"attempt", "attempt must be a positive integer", kInvalid});
    } else {
      out.attempt = it->get<int>();
    }
  }
  switch (kind) {
    case TaskCallbackKind::kProgress: {
      const Json* progress = ObjectField(body, "progress", errors, true);
      if (progress == nullptr) break;
      auto* part = out.event.mutable_progress();
      const auto percentage = progress->find("percentage");
      if (percentage != progress->end() && !percentage->is_null()) {
        if (!percentage->is_number() || percentage->get<double>() < 0 ||
            percentage->get<double>() > 100) {
          errors.push_back(
              {"progress.percentage", "percentage must be a number from 0 to 100", kRange});
        } else {
          part->set_percentage(percentage->get<double>());
        }
      }
      part->set_current_step(StringField(*progress, "progress.", "current_step", errors));
      part->set_message(StringField(*progress, "progress.", "message", errors));
      break;
    }
    case TaskCallbackKind::kCompletion: {
      const Json* result = ObjectField(body, "result", errors, true);
      ObjectField(body, "metadata", errors, false);
      if (const auto it = body.find("thoughts"); it != body.end() && !it->is_array()) {
        errors.push_back({"thoughts", "thoughts must be an array", kInvalid});
      }
      if (result == nullptr || !errors.empty()) break;
      Json response = {{"success", true}, {"result", *result}};
      if (body.contains("thoughts")) response["thoughts"] = body["thoughts"];
      if (body.contains("metadata")) response["metadata"] = body["metadata"];
      *out.event.mutable_completion()->mutable_response() = AgentResponseFromJson(response);
      break;
    }
    case TaskCallbackKind::kError: {
      const Json* error = ObjectField(body, "error", errors, true);
      if (error == nullptr) break;
      auto* part = out.event.mutable_error();
      part->set_code(StringField(*error, "error.", "code", errors));
      part->set_message(StringField(*error, "error.", "message", errors, true));
      if (const auto it = error->find("retryable"); it != error->end() && !it->is_null()) {
        if (!it->is_boolean()) {
          errors.push_back({"error.retryable", "retryable must be true or false", kInvalid});
        } else {
          part->set_retryable(it->get<bool>());
        }
      }
      break;
    }
    case TaskCallbackKind::kHandoff: {
      const Json* handoff = ObjectField(body, "handoff", errors, true);
      if (handoff == nullptr) break;
      auto* part = out.event.mutable_handoff()->mutable_handoff();
      part->set_agent_type(StringField(*handoff, "handoff.", "agent_type", errors, true));
      part->set_task(StringField(*handoff, "handoff.", "task", errors));
      part->set_reason(StringField(*handoff, "handoff.", "reason", errors));
      if (const auto it = handoff->find("input"); it != handoff->end() && !it->is_null()) {
        if (!it->is_object()) {
          errors.push_back({"handoff.input", "input must be an object", kInvalid});
        } else {
          *part->mutable_input() = ToStruct(*it);
        }
      }
      break;
    }
  }
  if (!errors.empty()) return errors;
  return out;
}

std::variant<agentstudio::v1::AgentHeartbeat, engine::FieldErrors> ParseHeartbeatCallback(
    const Json& body) {
  if (!body.is_object()) {
    return engine::FieldErrors{{"body", "the body must be a JSON object", kInvalid}};
  }
  engine::FieldErrors errors;
  agentstudio::v1::AgentHeartbeat out;
  const auto types = body.find("agent_types");
  if (types == body.end() || !types->is_array() || types->empty()) {
    errors.push_back(
        {"agent_types", "agent_types must be a non-empty array of agent types", kRequired});
  } else {
    for (const Json& type : *types) {
      if (!type.is_string() || !engine::IsValidIdentifier(type.get<std::string>())) {
        errors.push_back({"agent_types", "each agent type must be an identifier", kInvalid});
        break;
      }
      out.add_agent_types(type.get<std::string>());
    }
  }
  const std::string status = StringField(body, "", "status", errors);
  if (!status.empty() && status != "healthy" && status != "degraded" && status != "stopping") {
    errors.push_back({"status", "status must be healthy, degraded or stopping", kInvalid});
  }
  out.set_status(status.empty() ? "healthy" : status);
  if (const auto it = body.find("load"); it != body.end() && !it->is_null()) {
    if (!it->is_number() || it->get<double>() < 0 || it->get<double>() > 1) {
      errors.push_back({"load", "load must be a number from 0 to 1", kRange});
    } else {
      out.set_load(it->get<double>());
    }
  }
  if (const auto it = body.find("active_tasks"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > 1000000) {
      errors.push_back({"active_tasks", "active_tasks must be a count", kInvalid});
    } else {
      out.set_active_tasks(it->get<int>());
    }
  }
  if (const auto it = body.find("capacity"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > 1000000) {
      errors.push_back({"capacity", "capacity must be a count of tasks", kInvalid});
    } else {
      out.set_capacity(it->get<int>());
    }
  }
  if (const auto it = body.find("endpoint"); it != body.end() && !it->is_null()) {
    const std::string url = it->is_string() ? it->get<std::string>() : "";
    const bool web = url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
    if (!web || url.size() > 2048 || url.find_first_of(" \t\r\n") != std::string::npos) {
      errors.push_back({"endpoint",
                        "endpoint must be an http:// or https:// URL (where the agent takes its "
                        "tasks: POST <endpoint>/v1/tasks)",
                        kInvalid});
    } else {
      out.set_endpoint(url);
    }
  }
  if (const Json* metrics = ObjectField(body, "metrics", errors, false)) {
    for (const auto& [name, value] : metrics->items()) {
      if (!value.is_number()) {
        errors.push_back({"metrics." + name, "a metric must be a number", kInvalid});
        continue;
      }
      (*out.mutable_metrics())[name] = value.get<double>();
    }
  }
  if (!errors.empty()) return errors;
  return out;
}

}  // namespace agentstudio::schemas
