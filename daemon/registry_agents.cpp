#include "daemon/registry_agents.hpp"

#include <algorithm>
#include <set>

#include "engine/definition_parser.hpp"
#include "engine/json_limits.hpp"
#include "engine/timestamp.hpp"

namespace agentstudio::daemon {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxName = 200;
constexpr size_t kMaxDescription = 2000;
constexpr size_t kMaxListItems = 100;
constexpr size_t kMaxListItem = 100;
constexpr int64_t kMaxTimeoutSeconds = 86400;

// Characters of UTF-8 `text` (the body parsed, so it is valid UTF-8), as the
// document's minLength and maxLength count them.
size_t Characters(const std::string& text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// What an answer carries that a body may send back unchanged.
const std::set<std::string> kReadOnlyFields = {"id", "created_at", "updated_at", "created_by"};

void ReadText(const Json& body, const char* name, size_t min, size_t max,
              std::optional<std::string>& out, engine::FieldErrors& errors) {
  const auto it = body.find(name);
  if (it == body.end()) return;
  if (!it->is_string()) {
    errors.push_back({name, std::string(name) + " must be a string", "INVALID_FORMAT"});
    return;
  }
  const std::string text = it->get<std::string>();
  if (Characters(text) < min || Characters(text) > max) {
    errors.push_back({name,
                      std::string(name) + " must be " + std::to_string(min) + " to " +
                          std::to_string(max) + " characters long",
                      "RANGE_ERROR"});
    return;
  }
  out = text;
}

void ReadObject(const Json& body, const char* name, std::optional<Json>& out,
                engine::FieldErrors& errors) {
  const auto it = body.find(name);
  if (it == body.end()) return;
  if (!it->is_object()) {
    errors.push_back({name, std::string(name) + " must be an object", "INVALID_FORMAT"});
    return;
  }
  out = *it;
}

void ReadStrings(const Json& body, const char* name, std::optional<Json>& out,
                 engine::FieldErrors& errors) {
  const auto it = body.find(name);
  if (it == body.end()) return;
  const bool strings = it->is_array() && std::all_of(it->begin(), it->end(), [](const Json& item) {
                         return item.is_string() && !item.get_ref<const std::string&>().empty() &&
                                Characters(item.get_ref<const std::string&>()) <= kMaxListItem;
                       });
  if (!strings || it->size() > kMaxListItems) {
    errors.push_back(
        {name,
         std::string(name) + " must be an array of up to 100 strings of 1 to 100 " + "characters",
         "INVALID_FORMAT"});
    return;
  }
  out = *it;
}

}  // namespace

std::variant<RegistryAgentFields, engine::FieldErrors> ParseRegistryAgentFields(const Json& body,
                                                                                bool whole) {
  static const std::set<std::string> kFields = {
      "name", "description", "type", "status", "configuration", "capabilities", "tags", "metadata"};
  RegistryAgentFields fields;
  engine::FieldErrors errors;
  engine::CheckJsonLimits(body, "", errors);  // NUL (PostgreSQL refuses it), nesting
  for (const auto& [name, value] : body.items()) {
    if (kFields.count(name) == 0 && kReadOnlyFields.count(name) == 0) {
      errors.push_back({name, "Unknown field '" + name + "'", "INVALID_FORMAT"});
    }
  }
  ReadText(body, "name", 1, kMaxName, fields.name, errors);
  ReadText(body, "description", 0, kMaxDescription, fields.description, errors);
  ReadText(body, "type", 1, kMaxName, fields.agent_type, errors);
  if (fields.agent_type && !engine::IsValidIdentifier(*fields.agent_type)) {
    errors.push_back(
        {"type", "type must be an agent type: 1-128 of A-Z a-z 0-9 . _ -", "INVALID_FORMAT"});
  }
  ReadText(body, "status", 1, kMaxName, fields.status, errors);
  if (fields.status && *fields.status != "active" && *fields.status != "inactive") {
    errors.push_back({"status", "status must be active or inactive", "INVALID_FORMAT"});
  }
  ReadObject(body, "configuration", fields.configuration, errors);
  ReadObject(body, "metadata", fields.metadata, errors);
  ReadStrings(body, "capabilities", fields.capabilities, errors);
  ReadStrings(body, "tags", fields.tags, errors);
  if (whole) {
    for (const char* required : {"name", "type"}) {
      if (!body.contains(required)) {
        errors.push_back(
            {required, std::string("The ") + required + " field is required.", "REQUIRED_FIELD"});
      }
    }
  }
  if (!errors.empty()) return errors;
  return fields;
}

void ApplyRegistryAgentFields(const RegistryAgentFields& fields, store::RegistryAgent& agent) {
  if (fields.name) agent.name = *fields.name;
  if (fields.description) agent.description = *fields.description;
  if (fields.agent_type) agent.agent_type = *fields.agent_type;
  if (fields.status) agent.status = *fields.status;
  if (agent.status.empty()) agent.status = "active";
  if (fields.configuration) agent.configuration = *fields.configuration;
  if (fields.capabilities) agent.capabilities = *fields.capabilities;
  if (fields.tags) agent.tags = *fields.tags;
  if (fields.metadata) agent.metadata = *fields.metadata;
}

Json RegistryAgentJson(const store::RegistryAgent& agent) {
  return {{"id", agent.id},
          {"name", agent.name},
          {"description", agent.description},
          {"type", agent.agent_type},
          {"status", agent.status},
          {"configuration", agent.configuration},
          {"capabilities", agent.capabilities},
          {"tags", agent.tags},
          {"metadata", agent.metadata},
          {"created_at", engine::FormatTimestamp(agent.created_at)},
          {"updated_at", engine::FormatTimestamp(agent.updated_at)},
          {"created_by", agent.created_by}};
}

std::variant<RegistryAgentListQuery, engine::FieldErrors> ParseRegistryAgentListQuery(
    const std::map<std::string, std::string>& params) {
  RegistryAgentListQuery list;
  store::RegistryAgentQuery& query = list.query;
  engine::FieldErrors errors;
  for (const auto& [name, value] : params) {
    if (list.page.Read(name, value, errors)) continue;
    if (name == "type") {
      if (!engine::IsValidIdentifier(value)) {
        errors.push_back({name, "type must be an agent type", "INVALID_FORMAT"});
      } else {
        query.agent_type = value;
      }
    } else if (name == "status") {
      if (value != "active" && value != "inactive") {
        errors.push_back({name, "status must be active or inactive", "INVALID_FORMAT"});
      } else {
        query.status = value;
      }
    } else if (name == "search") {
      if (Characters(value) > kMaxName) {
        errors.push_back({name, "search must be up to 200 characters long", "RANGE_ERROR"});
      } else {
        query.search = value;
      }
    } else if (name == "sortBy") {
      if (value == "name") {
        query.sort = store::RegistryAgentSort::kName;
      } else if (value == "created_at") {
        query.sort = store::RegistryAgentSort::kCreatedAt;
      } else if (value == "updated_at") {
        query.sort = store::RegistryAgentSort::kUpdatedAt;
      } else {
        errors.push_back(
            {name, "sortBy must be one of name, created_at, updated_at", "INVALID_FORMAT"});
      }
    } else if (name == "sortOrder") {
      if (value != "asc" && value != "desc") {
        errors.push_back({name, "sortOrder must be asc or desc", "INVALID_FORMAT"});
      } else {
        query.ascending = value == "asc";
      }
    } else {
      errors.push_back({name, "Unknown query parameter '" + name + "'", "INVALID_FORMAT"});
    }
  }
  if (!errors.empty()) return errors;
  // Names read A to Z, times newest first, unless told otherwise.
  if (params.count("sortOrder") == 0)
    query.ascending = query.sort == store::RegistryAgentSort::kName;
  query.limit = list.page.limit;
  query.offset = list.page.offset();
  return list;
}

std::variant<RegistryAgentExecution, engine::FieldErrors> ParseRegistryAgentExecution(
    const Json& body) {
  RegistryAgentExecution execution;
  engine::FieldErrors errors;
  engine::CheckJsonLimits(body, "", errors);
  for (const auto& [name, value] : body.items()) {
    if (name == "parameters" || name == "context") {
      if (!value.is_object()) {
        errors.push_back({name, name + " must be an object", "INVALID_FORMAT"});
      } else {
        (name == "parameters" ? execution.parameters : execution.context) = value;
      }
    } else if (name == "timeout") {
      if (!value.is_number_integer() || value.get<int64_t>() < 1 ||
          value.get<int64_t>() > kMaxTimeoutSeconds) {
        errors.push_back(
            {name, "timeout must be a whole number of seconds from 1 to 86400", "RANGE_ERROR"});
      } else {
        execution.timeout_seconds = value.get<int64_t>();
      }
    } else {
      errors.push_back({name, "Unknown field '" + name + "'", "INVALID_FORMAT"});
    }
  }
  if (!errors.empty()) return errors;
  return execution;
}

}  // namespace agentstudio::daemon
