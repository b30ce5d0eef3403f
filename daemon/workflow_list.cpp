#include "daemon/workflow_list.hpp"

#include <optional>

#include "engine/timestamp.hpp"
#include "engine/workflow_state.hpp"

namespace agentstudio::daemon {

std::optional<int64_t> ParseCount(const std::string& text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::variant<store::ExecutionPageQuery, engine::FieldErrors> ParseWorkflowListQuery(
    const std::map<std::string, std::string>& params) {
  store::ExecutionPageQuery query;
  engine::FieldErrors errors;
  for (const auto& [name, value] : params) {
    if (name == "status") {
      if (!engine::ParseWorkflowStatus(value)) {
        errors.push_back({"status",
                          "status must be one of pending, running, completed, failed, cancelled, "
                          "paused",
                          "INVALID_FORMAT"});
      } else {
        query.status = value;
      }
    } else if (name == "limit") {
      const auto limit = ParseCount(value);
      if (!limit || *limit < 1 || *limit > 1000) {
        errors.push_back({"limit", "limit must be an integer between 1 and 1000", "RANGE_ERROR"});
      } else {
        query.limit = static_cast<int>(*limit);
      }
    } else if (name == "offset") {
      const auto offset = ParseCount(value);
      if (!offset) {
        errors.push_back({"offset", "offset must be an integer of 0 or more", "RANGE_ERROR"});
      } else {
        query.offset = *offset;
      }
    } else if (name == "sortBy") {
      if (value == "createdAt") {
        query.sort = store::ExecutionSortColumn::kCreatedAt;
      } else if (value == "startedAt") {
        query.sort = store::ExecutionSortColumn::kStartedAt;
      } else if (value == "completedAt") {
        query.sort = store::ExecutionSortColumn::kCompletedAt;
      } else {
        errors.push_back({"sortBy", "sortBy must be one of createdAt, startedAt, completedAt",
                          "INVALID_FORMAT"});
      }
    } else if (name == "sortOrder") {
      if (value != "asc" && value != "desc") {
        errors.push_back({"sortOrder", "sortOrder must be asc or desc", "INVALID_FORMAT"});
      } else {
        query.ascending = value == "asc";
      }
    } else {
      errors.push_back({name, "Unknown query parameter '" + name + "'", "INVALID_FORMAT"});
    }
  }
  if (!errors.empty()) return errors;
  return query;
}

std::variant<CheckpointPageQuery, engine::FieldErrors> ParseCheckpointPageQuery(
    const std::map<std::string, std::string>& params) {
  CheckpointPageQuery query;
  engine::FieldErrors errors;
  for (const auto& [name, value] : params) {
    if (name == "limit") {
      const auto limit = ParseCount(value);
      if (!limit || *limit < 1 || *limit > 1000) {
        errors.push_back({"limit", "limit must be an integer between 1 and 1000", "RANGE_ERROR"});
      } else {
        query.limit = static_cast<int>(*limit);
      }
    } else if (name == "afterSequence") {
      const auto after = ParseCount(value);
      if (!after) {
        errors.push_back(
            {"afterSequence", "afterSequence must be an integer of 0 or more", "RANGE_ERROR"});
      } else {
        query.after_sequence = *after;
      }
    } else {
      errors.push_back({name, "Unknown query parameter '" + name + "'", "INVALID_FORMAT"});
    }
  }
  if (!errors.empty()) return errors;
  return query;
}

nlohmann::json WorkflowListJson(const store::ExecutionPage& page,
                                const store::ExecutionPageQuery& query) {
  nlohmann::json items = nlohmann::json::array();
  for (const store::ExecutionSummary& e : page.items) {
    nlohmann::json item = {{"id", e.id},
                           {"workflowDefinitionId", e.definition_id},
                           {"pattern", e.pattern},
                           {"status", e.status},
                           {"createdAt", engine::FormatTimestamp(e.created_at)},
                           {"initiatedBy", e.initiated_by},
                           {"context", {{"progress", e.progress}}}};
    if (e.started_at != 0) item["startedAt"] = engine::FormatTimestamp(e.started_at);
    if (e.completed_at != 0) item["completedAt"] = engine::FormatTimestamp(e.completed_at);
    items.push_back(std::move(item));
  }
  return {{"items", std::move(items)},
          {"total", page.total},
          {"totalEstimated", page.total_estimated},
          {"limit", query.limit},
          {"offset", query.offset},
          {"hasMore", page.more}};
}

}  // namespace agentstudio::daemon
