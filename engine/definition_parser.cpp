#include "engine/definition_parser.hpp"

#include <chrono>

#include "engine/definition_validator.hpp"
#include "engine/duration.hpp"
#include "engine/json_limits.hpp"

namespace agentstudio::engine {
namespace {

constexpr auto kMinWorkflowTimeout = std::chrono::minutes(1);
constexpr auto kMaxWorkflowTimeout = std::chrono::minutes(180);

void Add(FieldErrors& errors, std::string field, std::string message, std::string code) {
  errors.push_back({std::move(field), std::move(message), std::move(code)});
}

// Reads a required or optional string member. Returns the value when present
// and a string; records REQUIRED_FIELD / INVALID_FORMAT otherwise.
std::string ReadString(const Json& object, const char* key, const std::string& path, bool required,
                       FieldErrors& errors) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    if (required) Add(errors, path, std::string(key) + " is required", "REQUIRED_FIELD");
    return {};
  }
  if (!it->is_string()) {
    Add(errors, path, std::string(key) + " must be a string", "INVALID_FORMAT");
    return {};
  }
  std::string value = it->get<std::string>();
  if (required && value.empty()) {
    Add(errors, path, std::string(key) + " must not be empty", "REQUIRED_FIELD");
  }
  return value;
}

std::string ReadIdentifier(const Json& object, const char* key, const std::string& path,
                           FieldErrors& errors) {
  std::string value = ReadString(object, key, path, /*required=*/true, errors);
  if (!value.empty() && !IsValidIdentifier(value)) {
    Add(errors, path,
        std::string(key) + " must be 1-128 characters of letters, digits, '.', '_' or '-'",
        "INVALID_FORMAT");
  }
  return value;
}

std::optional<std::chrono::milliseconds> ReadDuration(const Json& object, const std::string& path,
                                                      std::string& text, FieldErrors& errors) {
  text = ReadString(object, "timeout", path, /*required=*/false, errors);
  if (text.empty()) return std::nullopt;
  auto value = ParseDuration(text);
  if (!value || value->count() <= 0) {
    Add(errors, path,
        "timeout must be a positive ISO 8601 duration (\"PT5M\") or a time span (\"00:05:00\")",
        "INVALID_FORMAT");
    return std::nullopt;
  }
  return value;
}

// An optional object member: null when absent, INVALID_FORMAT when not an object.
Json ReadOptionalObject(const Json& object, const char* key, const std::string& path,
                        FieldErrors& errors) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  if (!it->is_object()) {
    Add(errors, path + "." + key, std::string(key) + " must be an object", "INVALID_FORMAT");
    return nullptr;
  }
  return *it;
}

// An optional integer member in [min, max]; `value` keeps its default otherwise.
void ReadBoundedInt(const Json& object, const char* key, const std::string& path, int min, int max,
                    int& value, FieldErrors& errors) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return;
  const std::string field = path + "." + key;
  if (!it->is_number_integer()) {
    Add(errors, field, std::string(key) + " must be an integer", "INVALID_FORMAT");
  } else if (it->get<int64_t>() < min || it->get<int64_t>() > max) {
    Add(errors, field,
        std::string(key) + " must be between " + std::to_string(min) + " and " +
            std::to_string(max),
        "RANGE_ERROR");
  } else {
    value = it->get<int>();
  }
}

StepDefinition ParseStep(const Json& step, const std::string& path, FieldErrors& errors) {
  StepDefinition out;
  if (!step.is_object()) {
    Add(errors, path, "A step must be an object", "INVALID_FORMAT");
    return out;
  }
  out.id = ReadIdentifier(step, "id", path + ".id", errors);
  out.name = ReadString(step, "name", path + ".name", /*required=*/true, errors);
  out.agent_type = ReadIdentifier(step, "agentType", path + ".agentType", errors);
  if (const auto it = step.find("dependsOn"); it != step.end() && !it->is_null()) {
    if (!it->is_array()) {
      Add(errors, path + ".dependsOn", "dependsOn must be an array of step ids", "INVALID_FORMAT");
    } else {
      for (size_t i = 0; i < it->size(); ++i) {
        const Json& dep = (*it)[i];
        if (!dep.is_string() || dep.get<std::string>().empty()) {
          Add(errors, path + ".dependsOn[" + std::to_string(i) + "]",
              "dependsOn entries must be step ids", "INVALID_FORMAT");
        } else {
          out.depends_on.push_back(dep.get<std::string>());
        }
      }
    }
  }
  if (const auto it = step.find("configuration"); it != step.end() && !it->is_null()) {
    if (!it->is_object()) {
      Add(errors, path + ".configuration", "configuration must be an object", "INVALID_FORMAT");
    } else {
      out.configuration = *it;
    }
  }
  out.timeout_value = ReadDuration(step, path + ".timeout", out.timeout, errors);
  out.input = ReadOptionalObject(step, "input", path, errors);
  out.context = ReadOptionalObject(step, "context", path, errors);
  if (const auto it = step.find("priority"); it != step.end() && !it->is_null()) {
    const auto priority =
        it->is_string() ? ParsePriority(it->get<std::string>()) : std::optional<Priority>();
    if (priority) {
      out.priority = *priority;
    } else {
      Add(errors, path + ".priority", "priority must be low, normal, medium, high or critical",
          "INVALID_FORMAT");
    }
  }
  return out;
}

}  // namespace

bool IsValidIdentifier(std::string_view text) {
  if (text.empty() || text.size() > 128) return false;
  for (const char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

WorkflowDefinition ParseDefinition(const Json& definition, const std::string& path,
                                   FieldErrors& errors) {
  WorkflowDefinition out;
  if (!definition.is_object()) {
    Add(errors, path, "definition must be an object", "INVALID_FORMAT");
    return out;
  }
  out.id = ReadIdentifier(definition, "id", path + ".id", errors);
  out.name = ReadString(definition, "name", path + ".name", /*required=*/true, errors);
  out.description =
      ReadString(definition, "description", path + ".description", /*required=*/false, errors);

  const size_t errors_before_pattern = errors.size();
  const std::string pattern =
      ReadString(definition, "pattern", path + ".pattern", /*required=*/true, errors);
  if (errors.size() == errors_before_pattern) {
    if (auto parsed = ParsePattern(pattern)) {
      out.pattern = *parsed;
    } else {
      Add(errors, path + ".pattern",
          "pattern must be one of sequential, parallel, iterative, dynamic", "INVALID_FORMAT");
    }
  }

  const auto steps = definition.find("steps");
  if (steps == definition.end() || steps->is_null() || (steps->is_array() && steps->empty())) {
    Add(errors, path + ".steps", "At least one step is required", "REQUIRED_FIELD");
  } else if (!steps->is_array()) {
    Add(errors, path + ".steps", "steps must be an array", "INVALID_FORMAT");
  } else {
    for (size_t i = 0; i < steps->size(); ++i) {
      out.steps.push_back(
          ParseStep((*steps)[i], path + ".steps[" + std::to_string(i) + "]", errors));
    }
  }

  out.timeout_value = ReadDuration(definition, path + ".timeout", out.timeout, errors);
  if (out.timeout_value &&
      (*out.timeout_value < kMinWorkflowTimeout || *out.timeout_value > kMaxWorkflowTimeout)) {
    Add(errors, path + ".timeout", "Timeout must be between 1 minute and 180 minutes",
        "RANGE_ERROR");
  }

  ReadBoundedInt(definition, "maxRetries", path, 0, kMaxRetriesLimit, out.max_retries, errors);
  ReadBoundedInt(definition, "maxIterations", path, 1, kMaxIterationsLimit, out.max_iterations,
                 errors);
  ReadBoundedInt(definition, "maxSteps", path, 1, kMaxStepsLimit, out.max_steps, errors);
  if (out.pattern == Pattern::kDynamic && out.steps.size() > static_cast<size_t>(out.max_steps)) {
    Add(errors, path + ".maxSteps",
        "maxSteps (" + std::to_string(out.max_steps) + ") is below the number of steps (" +
            std::to_string(out.steps.size()) + ")",
        "RANGE_ERROR");
  }
  return out;
}

ParsedWorkflowRequest ParseWorkflowRequest(const Json& body) {
  ParsedWorkflowRequest out;
  if (!body.is_object()) {
    Add(out.errors, "", "The request body must be a JSON object", "INVALID_FORMAT");
    return out;
  }
  // What cannot travel or be stored is refused before anything else is read.
  CheckJsonLimits(body, "", out.errors);
  if (!out.errors.empty()) return out;
  const auto definition = body.find("definition");
  if (definition == body.end() || definition->is_null()) {
    Add(out.errors, "definition", "definition is required", "REQUIRED_FIELD");
  } else {
    out.request.definition = ParseDefinition(*definition, "definition", out.errors);
    FieldErrors graph = ValidateDefinition(out.request.definition, "definition");
    out.errors.insert(out.errors.end(), graph.begin(), graph.end());
  }
  if (const auto it = body.find("input"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) {
      Add(out.errors, "input", "input must be an object", "INVALID_FORMAT");
    } else {
      out.request.input = *it;
    }
  }
  out.request.initiated_by =
      ReadString(body, "initiatedBy", "initiatedBy", /*required=*/false, out.errors);
  if (const auto it = body.find("metadata"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) {
      Add(out.errors, "metadata", "metadata must be an object", "INVALID_FORMAT");
    } else {
      out.request.metadata = *it;
    }
  }
  return out;
}

}  // namespace agentstudio::engine
